#!/usr/bin/python3
"""Limits beyond what test_http.py covers (that file checks 414, 431, 413
and the two connection limits with their defaults or a plain overflow):
the configured sizes apply exactly at their boundary, a chunked body is
measured like any other, and a client over a connection limit gets 503
with a numeric Retry-After at once while the server goes on serving
everyone else, the connections it already holds included.

Clients use other loopback addresses (127.0.0.2, ...) where the
per-client limit matters: Linux routes all of 127/8 to lo."""
import harness

import http.client
import socket
import time
import unittest

ENV = None
REQUEST_LINE = 1024
HEADER_SIZE = 2048
BODY_SIZE = 100
PER_CLIENT = 3
TOTAL = 5
REFUSAL_BOUND = 1.0 * harness.SLOWDOWN  # seconds for a 503 over a connection limit


def setUpModule():
    global ENV
    ENV = harness.Env()
    ENV.start()


def connect_from(address, port, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((address, 0))
    s.connect(('127.0.0.1', port))
    return s


def exchange(sock, data, method='GET'):
    """Sends one request on sock and reads one response (RawResponse)."""
    sock.sendall(data)
    return harness.read_responses(sock, [method])[0]


def request_from(address, port, data=b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n'):
    """One request on a new connection from address; (RawResponse, seconds)."""
    t = time.monotonic()
    s = connect_from(address, port)
    try:
        return exchange(s, data), time.monotonic() - t
    finally:
        s.close()


class ConfiguredSizes(unittest.TestCase):
    """max_request_line, max_header_size, max_body_size from the settings,
    at the boundary: the limit itself is accepted, one byte more is not."""

    @classmethod
    def setUpClass(cls):
        cls.srv = ENV.new_server(file_settings={'server.max_request_line': REQUEST_LINE,
                                                'server.max_header_size': HEADER_SIZE,
                                                'server.max_body_size': BODY_SIZE})

    def status(self, data):
        raw = self.srv.client().raw_http(data)
        self.assertIsNotNone(raw, 'closed without an answer')
        return raw.status

    def test_request_line(self):
        # "GET " + target + " HTTP/1.1" is the request line (http.c on_url).
        def line(n):
            target = '/oai?verb=Identify&x='
            target += 'a' * (n - len('GET  HTTP/1.1') - len(target))
            return ('GET %s HTTP/1.1\r\nHost: x\r\n\r\n' % target).encode()
        self.assertEqual(self.status(line(REQUEST_LINE)), 200)  # badArgument, but HTTP 200
        self.assertEqual(self.status(line(REQUEST_LINE + 1)), 414)

    def test_header_size(self):
        # Each header counts name + ": " + value + CRLF (http.c header_count).
        def head(n):
            pad = n - len('Host: x\r\n') - len('X-Pad: \r\n')
            return (b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n'
                    % (b'p' * pad))
        self.assertEqual(self.status(head(HEADER_SIZE)), 200)
        self.assertEqual(self.status(head(HEADER_SIZE + 1)), 431)

    def test_body_size(self):
        def post(n):
            body = b'verb=Identify'
            body += b'&x=' + b'b' * (n - len(body) - 3)
            return (b'POST /oai HTTP/1.1\r\nHost: x\r\n'
                    b'Content-Type: application/x-www-form-urlencoded\r\n'
                    b'Content-Length: %d\r\n\r\n%s' % (len(body), body))
        self.assertEqual(self.status(post(BODY_SIZE)), 200)
        self.assertEqual(self.status(post(BODY_SIZE + 1)), 413)

    def test_chunked_body_size(self):
        def chunked(sizes):
            out = (b'POST /oai HTTP/1.1\r\nHost: x\r\n'
                   b'Content-Type: application/x-www-form-urlencoded\r\n'
                   b'Transfer-Encoding: chunked\r\n\r\n')
            first = True
            for n in sizes:
                data = b'verb=Identify&x=' if first else b''
                data += b'c' * (n - len(data))
                first = False
                out += b'%x\r\n%s\r\n' % (n, data)
            return out + b'0\r\n\r\n'
        self.assertEqual(self.status(chunked([60, BODY_SIZE - 60])), 200)
        # The chunk that crosses the limit is refused by its size line.
        self.assertEqual(self.status(chunked([60, BODY_SIZE - 59])), 413)


class ConnectionLimits(unittest.TestCase):
    def hold(self, address, port, n):
        """n keep-alive connections from address, each with a request
        served (so accepted and counted for sure)."""
        socks = []
        for _ in range(n):
            socks.append(connect_from(address, port))
            raw = exchange(socks[-1], b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n')
            self.assertEqual(raw.status, 200)
        return socks

    def assert_refused(self, address, port):
        raw, took = request_from(address, port)
        self.assertEqual(raw.status, 503)
        self.assertRegex(raw.header('Retry-After') or '', r'^[0-9]+$')
        self.assertEqual(raw.header('Connection'), 'close')
        self.assertLess(took, REFUSAL_BOUND)
        return took

    def assert_served(self, address, port, bound=3.0):
        """Served from address; a slot freed a moment ago may take a
        moment to be given back (the server sees the close first)."""
        t = time.monotonic()
        while True:
            raw, _ = request_from(address, port)
            if raw.status == 200:
                return
            self.assertEqual(raw.status, 503)
            self.assertLess(time.monotonic() - t, bound, 'not served again')
            time.sleep(0.05)

    def test_per_client_limit_spares_other_clients(self):
        srv = ENV.new_server(file_settings={'server.max_connections_per_client': PER_CLIENT})
        port = srv.port
        held = self.hold('127.0.0.2', port, PER_CLIENT)
        try:
            self.assert_refused('127.0.0.2', port)
            # Other clients are served meanwhile, normally.
            for address in ('127.0.0.1', '127.0.0.3'):
                raw, _ = request_from(address, port)
                self.assertEqual(raw.status, 200, address)
            h = srv.client().harvest('ListIdentifiers', metadataPrefix='oai_dc', set='type')
            self.assertGreater(len(h.identifiers), 0)
            # The held connections themselves are served too.
            for s in held:
                raw = exchange(s, b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n')
                self.assertEqual(raw.status, 200)
            self.assert_refused('127.0.0.2', port)
        finally:
            held.pop().close()
        try:
            self.assert_served('127.0.0.2', port)
        finally:
            for s in held:
                s.close()
        self.assertTrue(srv.alive())

    def test_total_limit_keeps_open_connections_working(self):
        srv = ENV.new_server(file_settings={'server.max_connections': TOTAL})
        port = srv.port
        time.sleep(0.3)  # the harness's readiness probe is gone
        busy = [http.client.HTTPConnection('127.0.0.1', port, timeout=10) for _ in range(2)]
        idle = []
        try:
            for conn in busy:
                conn.request('GET', '/oai?verb=Identify')
                self.assertEqual(conn.getresponse().read()[:5], b'<?xml')
            idle = self.hold('127.0.0.2', port, TOTAL - len(busy))
            # Full: every newcomer, from any address, is refused at once...
            times = [self.assert_refused(a, port) for a in ('127.0.0.1', '127.0.0.3')]
            # ...while the open keep-alive connections go on being served.
            for conn in busy:
                sock = conn.sock
                conn.request('GET', '/oai?verb=ListSets')
                r = conn.getresponse()
                srv.client().check(harness.RawResponse(r.status, r.reason, r.headers, r.read()),
                                   [('verb', 'ListSets')])
                self.assertIs(conn.sock, sock)
            idle.pop().close()
            self.assert_served('127.0.0.3', port)
            print('  [figure] 503 over a connection limit in %.1f ms at most'
                  % (max(times) * 1e3))
        finally:
            for conn in busy:
                conn.close()
            for s in idle:
                s.close()
        self.assertTrue(srv.alive())


if __name__ == '__main__':
    harness.main()
