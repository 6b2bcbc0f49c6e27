#!/usr/bin/python3
"""The HTTP embedding (spec 3.1): GET and POST give the same answers, HEAD,
status codes for what is not an OAI request (404, 405, 415, 400, 413, 414,
431), keep-alive and pipelining, compression rules (3.1.3), 503 with a
numeric Retry-After when the database is down, and concurrency."""
import harness

import gzip
import http.client
import re
import socket
import threading
import time
import unittest
import urllib.parse

from harness import oai_id

ENV = None
PAGE = 10


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE).start()


def normalize(body):
    """Drops what legitimately differs between two identical requests made
    at different seconds: responseDate and the next token (it carries its
    expiry)."""
    body = re.sub(rb'<responseDate>[^<]*</responseDate>', b'<responseDate/>', body)
    body = re.sub(rb'expirationDate="[^"]*"', b'expirationDate=""', body)
    body = re.sub(rb'(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)', rb'\1T\2', body)
    body = re.sub(rb'resumptionToken="[^"]*"', b'resumptionToken=""', body)
    return body


class GetAndPost(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client

    def requests(self):
        lid = ENV.db.value('SELECT local_id FROM records WHERE NOT deleted ORDER BY id LIMIT 1')
        dlid = ENV.db.value('SELECT local_id FROM records WHERE deleted ORDER BY id LIMIT 1')
        first = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        return [
            [('verb', 'Identify')],
            [('verb', 'ListMetadataFormats')],
            [('verb', 'ListMetadataFormats'), ('identifier', oai_id(lid))],
            [('verb', 'ListSets')],
            [('verb', 'GetRecord'), ('identifier', oai_id(lid)), ('metadataPrefix', 'oai_dc')],
            [('verb', 'GetRecord'), ('identifier', oai_id(dlid)), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListIdentifiers'), ('resumptionToken', first.token.text)],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('set', 'type'),
             ('from', '2000-01-01'), ('until', '2100-01-01')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'),
             ('from', '2000-01-01T00:00:00Z')],
            # errors too
            [('verb', 'Bogus')],
            [('verb', 'Identify'), ('verb', 'Identify')],
            [('verb', 'GetRecord'), ('identifier', 'invalid"id'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('from', '2020-01-01'),
             ('until', '2019-01-01')],
            [('verb', 'ListRecords'), ('resumptionToken', 'forged')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'marcxml')],
        ]

    def test_post_equals_get(self):
        for pairs in self.requests():
            with self.subTest(pairs=pairs):
                g = self.c.oai_pairs(pairs, method='GET')
                p = self.c.oai_pairs(pairs, method='POST')
                self.assertEqual(normalize(p.body), normalize(g.body))

    def test_post_content_type_with_charset(self):
        for ctype in ('application/x-www-form-urlencoded; charset=UTF-8',
                      'application/x-www-form-urlencoded;charset=utf-8',
                      'Application/X-WWW-Form-URLEncoded'):
            with self.subTest(ctype=ctype):
                r = self.c.oai(verb='Identify', method='POST', headers={'Content-Type': ctype})
                self.assertEqual(r.error_codes(), [])

    def test_post_harvest(self):
        a = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='type')
        b = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='type',
                           method='POST')
        self.assertEqual(a.identifiers, b.identifiers)
        self.assertGreater(len(b.pages), 1)

    def test_long_post_request(self):
        # POST has no length limit problem for long arguments (spec 3.1.1).
        ident = oai_id('x' * 400)
        r = self.c.oai(verb='GetRecord', identifier=ident, metadataPrefix='oai_dc', method='POST')
        self.assertEqual(r.error_codes(), ['idDoesNotExist'])


class StatusCodes(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client

    def test_not_found(self):
        for path in ('/', '/oai/', '/oaix', '/oai/ListRecords', '/OAI', '/favicon.ico',
                     '/?verb=Identify', '/oai.php?verb=Identify', '/oai/?verb=Identify',
                     '/index.html'):
            with self.subTest(path=path):
                r = self.c.http('GET', path)
                self.assertEqual(r.status, 404)
        self.assertEqual(self.c.http('POST', '/', body=b'verb=Identify', headers={
            'Content-Type': 'application/x-www-form-urlencoded'}).status, 404)

    def test_method_not_allowed(self):
        for method in ('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND'):
            with self.subTest(method=method):
                r = self.c.http(method, '/oai?verb=Identify')
                self.assertEqual(r.status, 405)
                allow = [m.strip() for m in (r.header('Allow') or '').split(',')]
                self.assertEqual(sorted(allow), ['GET', 'HEAD', 'POST'])
        # A method the HTTP parser does not even know: 400, 405 or 501.
        r = self.c.http('FOO', '/oai?verb=Identify')
        self.assertIn(r.status, (400, 405, 501))

    def test_unsupported_media_type(self):
        for ctype in (None, 'text/plain', 'multipart/form-data; boundary=x', 'application/json',
                      'application/xml', 'application/x-www-form-urlencodedX'):
            with self.subTest(ctype=ctype):
                headers = {'Content-Type': ctype} if ctype else {}
                r = self.c.http('POST', '/oai', body=b'verb=Identify', headers=headers)
                self.assertEqual(r.status, 415)

    def test_head(self):
        g = self.c.oai(verb='Identify')
        conn = http.client.HTTPConnection('127.0.0.1', ENV.server.port, timeout=10)
        try:
            conn.request('HEAD', '/oai?verb=Identify')
            r = conn.getresponse()
            body = r.read()
            self.assertEqual(r.status, 200)
            self.assertEqual(r.getheader('Content-Type'), harness.CONTENT_TYPE)
            self.assertEqual(body, b'')
            self.assertEqual(int(r.getheader('Content-Length')), len(g.body))
        finally:
            conn.close()

    def test_head_sends_no_body(self):
        # A HEAD then a GET on one connection: if the HEAD response carried
        # a body, the GET response would not parse.
        data = (b'HEAD /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n'
                b'GET /oai?verb=ListMetadataFormats HTTP/1.1\r\nHost: x\r\n\r\n')
        sock = socket.create_connection(('127.0.0.1', ENV.server.port), timeout=10)
        try:
            sock.sendall(data)
            head, get = harness.read_responses(sock, ['HEAD', 'GET'])
        finally:
            sock.close()
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b'')
        self.assertEqual(head.header('Content-Type'), harness.CONTENT_TYPE)
        resp = self.c.check(get, [('verb', 'ListMetadataFormats')])
        self.assertEqual(resp.error_codes(), [])

    def test_bad_request(self):
        for data in (b'GARBAGE\r\n\r\n', b'GET\r\n\r\n',
                     b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
                     b'GET /oai?verb=Identify HTTP/9.9\r\n\r\n',
                     b'GET /oai?verb=Identify HTTP/1.1\r\nBad Header\r\n\r\n'):
            with self.subTest(data=data):
                r = self.c.raw_http(data)
                if r is not None:
                    self.assertIn(r.status, (400, 505))
        # The server is still fine.
        self.assertEqual(self.c.oai(verb='Identify').error_codes(), [])

    def test_uri_too_long(self):
        r = self.c.http('GET', '/oai?verb=Identify&x=' + 'a' * 10000)
        self.assertEqual(r.status, 414)

    def test_headers_too_large(self):
        r = self.c.http('GET', '/oai?verb=Identify', headers={
            'X-Big-%d' % i: 'v' * 1000 for i in range(20)})
        self.assertEqual(r.status, 431)

    def test_body_too_large(self):
        r = self.c.http('POST', '/oai', body=b'verb=Identify&x=' + b'a' * 70000,
                        headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(r.status, 413)

    def test_date_and_length_headers(self):
        raw = self.c.http('GET', '/oai?verb=Identify')
        self.assertIsNotNone(raw.header('Date'))
        self.assertTrue(raw.header('Content-Length') or raw.header('Transfer-Encoding'))


class Connections(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client

    def test_keep_alive(self):
        conn = http.client.HTTPConnection('127.0.0.1', ENV.server.port, timeout=10)
        try:
            conn.connect()
            sock = conn.sock
            for i, (method, qs) in enumerate([('GET', 'verb=Identify'),
                                              ('POST', 'verb=ListMetadataFormats'),
                                              ('GET', 'verb=ListSets'),
                                              ('GET', 'verb=Bogus'),
                                              ('POST', 'verb=ListIdentifiers&metadataPrefix=oai_dc')]):
                if method == 'GET':
                    conn.request('GET', '/oai?' + qs)
                else:
                    conn.request('POST', '/oai', body=qs.encode(), headers={
                        'Content-Type': 'application/x-www-form-urlencoded'})
                r = conn.getresponse()
                body = r.read()
                self.assertIs(conn.sock, sock, 'request %d used a new connection' % i)
                self.assertNotEqual((r.getheader('Connection') or '').lower(), 'close')
                self.c.check(harness.RawResponse(r.status, r.reason, r.headers, body),
                             urllib.parse.parse_qsl(qs), method)
        finally:
            conn.close()

    def test_pipelining(self):
        qs = ['verb=Identify', 'verb=ListMetadataFormats', 'verb=ListSets',
              'verb=ListIdentifiers&metadataPrefix=oai_dc', 'verb=Bogus']
        data = b''.join(b'GET /oai?%s HTTP/1.1\r\nHost: x\r\n\r\n' % q.encode() for q in qs)
        sock = socket.create_connection(('127.0.0.1', ENV.server.port), timeout=10)
        try:
            sock.sendall(data)
            responses = harness.read_responses(sock, ['GET'] * len(qs))
        finally:
            sock.close()
        for q, raw in zip(qs, responses):
            resp = self.c.check(raw, urllib.parse.parse_qsl(q))
            if q != 'verb=Bogus':
                self.assertEqual(resp.request.get('verb'), q.split('&')[0].split('=')[1])

    def test_http10_closes(self):
        t = time.monotonic()
        data = self.c.raw_exchange(b'GET /oai?verb=Identify HTTP/1.0\r\n\r\n', timeout=8)
        self.assertLess(time.monotonic() - t, 5, 'HTTP/1.0 without keep-alive: server closes')
        self.assertTrue(data.startswith(b'HTTP/1.'), data[:100])
        self.assertEqual(data.count(b'<OAI-PMH'), 1)

    def test_connection_close(self):
        t = time.monotonic()
        data = self.c.raw_exchange(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n'
                                   b'Connection: close\r\n\r\n', timeout=8)
        self.assertLess(time.monotonic() - t, 5)
        self.assertIn(b' 200 ', data.split(b'\r\n', 1)[0])

    def test_client_gone_mid_request(self):
        for partial in (b'GET /oai?verb=Ide', b'POST /oai HTTP/1.1\r\nHost: x\r\n'
                        b'Content-Type: application/x-www-form-urlencoded\r\n'
                        b'Content-Length: 100\r\n\r\nverb=Id'):
            s = socket.create_connection(('127.0.0.1', ENV.server.port), timeout=5)
            s.sendall(partial)
            s.close()
        self.assertEqual(self.c.oai(verb='Identify').error_codes(), [])

    def test_slow_client_does_not_block_others(self):
        slow = [socket.create_connection(('127.0.0.1', ENV.server.port), timeout=5)
                for _ in range(8)]
        try:
            for s in slow:
                s.sendall(b'GET /oai?verb=Iden')
            t = time.monotonic()
            self.assertEqual(self.c.oai(verb='Identify').error_codes(), [])
            self.assertLess(time.monotonic() - t, 2)
        finally:
            for s in slow:
                s.close()

    def test_concurrent_harvests(self):
        results, errors = [], []

        def work(i):
            try:
                c = harness.Client(ENV.server)
                if i % 2:
                    h = c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
                else:
                    h = c.harvest('ListRecords', metadataPrefix='oai_dc', set='type')
                results.append((i % 2, tuple(h.identifiers)))
            except Exception as e:  # reported below
                errors.append(repr(e)[:3000])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 8)
        for kind in (0, 1):
            self.assertEqual(len({ids for k, ids in results if k == kind}), 1,
                             'concurrent harvests of one list must agree')


class Compression(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client

    def test_identity_without_accept_encoding(self):
        # No Accept-Encoding: always uncompressed (spec 3.1.3).
        raw = self.c.raw_http(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n'
                              b'Connection: close\r\n\r\n')
        self.assertEqual(raw.status, 200)
        self.assertIn(raw.header('Content-Encoding'), (None, 'identity'))
        self.assertTrue(raw.body.startswith(b'<?xml'))

    def test_identity_requested(self):
        raw = self.c.http('GET', '/oai?verb=Identify', headers={'Accept-Encoding': 'identity'})
        self.assertIn(raw.header('Content-Encoding'), (None, 'identity'))

    def test_gzip_if_offered(self):
        ident = self.c.oai(verb='Identify')
        advertised = [e.text for e in ident.payload.findall('{%s}compression' % harness.OAI_NS)]
        raw = self.c.http('GET', '/oai?verb=ListRecords&metadataPrefix=oai_dc',
                          headers={'Accept-Encoding': 'gzip'})
        enc = raw.header('Content-Encoding')
        if enc == 'gzip':
            self.assertIn('gzip', advertised, 'a supported encoding is listed in Identify')
            gzip.decompress(raw.body)
        else:
            self.assertIn(enc, (None, 'identity'))
        self.c.check(raw, [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')])
        for e in advertised:
            self.assertIn(e, ('gzip', 'deflate', 'compress', 'br'))


class DatabaseDown(unittest.TestCase):
    def test_503_with_retry_after(self):
        # A server whose database is unreachable answers 503 with a numeric
        # Retry-After (spec 3.1.2.2, OAI-NOTES), and stays up.
        dead = 'host=127.0.0.1 port=%d dbname=oai user=postgres connect_timeout=2' % (
            harness.free_port())
        srv = ENV.new_server(db=_Conn(dead))
        c = srv.client()
        for qs in ('verb=Identify', 'verb=ListRecords&metadataPrefix=oai_dc',
                   'verb=GetRecord&identifier=%s&metadataPrefix=oai_dc' % oai_id('x'),
                   'verb=ListSets'):
            with self.subTest(qs=qs):
                r = c.http('GET', '/oai?' + qs)
                self.assertEqual(r.status, 503)
                self.assertRegex(r.header('Retry-After') or '', r'^\d+$')
        # Errors found without the database are still answered.
        r = c.oai(verb='Bogus')
        self.assertEqual(r.error_codes(), ['badVerb'])
        self.assertTrue(srv.alive())


class Limits(unittest.TestCase):
    """http.h: connections over the limits get 503 with Retry-After; a
    request that does not arrive in time gets 408."""

    def hold(self, srv, n):
        """Opens n idle connections, all accepted (none answered with 503)."""
        time.sleep(0.3)  # the harness's readiness probe must be gone first
        socks = []
        for _ in range(n):
            s = socket.create_connection(('127.0.0.1', srv.port), timeout=5)
            socks.append(s)
        time.sleep(0.3)  # let the server accept them
        for s in socks:
            s.settimeout(0.1)
            try:
                data = s.recv(100)
            except socket.timeout:
                data = None
            self.assertIsNone(data, 'an idle connection within the limit was answered: %r' % data)
            s.settimeout(5)
        return socks

    def check_503(self, srv):
        raw = srv.client().raw_http(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertIsNotNone(raw, 'the server closed without an answer')
        self.assertEqual(raw.status, 503)
        self.assertRegex(raw.header('Retry-After') or '', r'^\d+$')

    def test_max_connections(self):
        srv = ENV.new_server(overrides={'server.max_connections': '3'})
        socks = self.hold(srv, 3)
        try:
            self.check_503(srv)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.3)
        self.assertEqual(srv.client().oai(verb='Identify').error_codes(), [])

    def test_max_connections_per_client(self):
        srv = ENV.new_server(overrides={'server.max_connections_per_client': '2'})
        socks = self.hold(srv, 2)
        try:
            self.check_503(srv)
        finally:
            for s in socks:
                s.close()
        time.sleep(0.3)
        self.assertEqual(srv.client().oai(verb='Identify').error_codes(), [])

    def test_read_timeout(self):
        srv = ENV.new_server(overrides={'server.read_timeout': '1'})
        sock = socket.create_connection(('127.0.0.1', srv.port), timeout=10)
        try:
            t = time.monotonic()
            sock.sendall(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n')  # never ends
            data = b''
            while True:
                b = sock.recv(65536)
                if not b:
                    break
                data += b
            self.assertLess(time.monotonic() - t, 5, 'a slow request is cut off')
            if data:
                self.assertIn(b' 408 ', data.split(b'\r\n', 1)[0])
        finally:
            sock.close()
        self.assertEqual(srv.client().oai(verb='Identify').error_codes(), [])


class _Conn:
    def __init__(self, conninfo):
        self.conninfo = conninfo


if __name__ == '__main__':
    harness.main()
