#!/usr/bin/python3
"""Streamed list pages (docs/architecture.md, "Streamed pages"): a
ListRecords/ListIdentifiers page of more than repository.list_batch records
is written batch by batch, each batch fetched when the harvester has read
most of the one before, and sent with chunked framing. Checked here: the
pages are the same records, tokens and counts as pages written whole (also
where a list ends exactly on a batch boundary); gzip and deflate streams
decode; HEAD and HTTP/1.0 still get a whole, framed answer; a client that
stops reading holds the server to a few batches (back-pressure); and a
database failure in the middle of a page cuts the response off, so that no
harvester can take a truncated page for a whole one."""
import harness

import gzip
import http.client
import re
import socket
import sys
import time
import unittest
import urllib.parse
import zlib

ENV = None
SMALL = {}   # records -> Database with exactly that many records
BIG = None   # BIG_RECORDS records of ~BIG_VALUE bytes of metadata each
BIG_RECORDS = 1000
BIG_VALUE = 16000
PAGE, BATCH = 7, 3


def setUpModule():
    global ENV, BIG
    ENV = harness.Env().start()
    # Lists that end inside the first batch, on a batch boundary, one
    # record short of a page, on the page boundary, one past it, and long.
    for n in (2, 6, 7, 8, 20):
        db = ENV.new_database('small%d' % n)
        db.sql("""
            INSERT INTO records (local_id) SELECT 'rec-' || g FROM generate_series(1, %d) g;
            INSERT INTO record_values (record_id, element, seq, value, lang)
                SELECT id, 'title', 1, 'Record ' || local_id, 'en' FROM records;
        """ % n)
        SMALL[n] = db
    BIG = big_database('big', BIG_RECORDS)


def big_database(name, n):
    """A database of n records of ~BIG_VALUE bytes of metadata each."""
    db = ENV.new_database(name)
    db.sql("""
        INSERT INTO records (local_id) SELECT '%s-' || g FROM generate_series(1, %d) g;
        INSERT INTO record_values (record_id, element, seq, value, lang)
            SELECT id, 'title', 1, 'Big ' || local_id, 'en' FROM records;
        INSERT INTO record_values (record_id, element, seq, value, lang)
            SELECT id, 'description', 1, repeat('Streamed harvest ', %d) || id, 'en'
            FROM records;
    """ % (name, n, BIG_VALUE // 17))
    return db


def figure(text):
    print('  [figure] %s' % text, file=sys.stderr)


def streamed(resp):
    return (resp.header('Transfer-Encoding') or '').lower() == 'chunked'


def without_dates(body):
    """A response's bytes without what depends on the second it was made
    and on the server's address."""
    body = re.sub(rb'<responseDate>[^<]*</responseDate>', b'', body)
    body = re.sub(rb'<request[^>]*>[^<]*</request>', b'', body)
    # A token signs its expiry, so its text changes with the second too.
    body = re.sub(rb'(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)', rb'\1\2', body)
    return re.sub(rb'expirationDate="[^"]*"', b'', body)


class SameAsWhole(unittest.TestCase):
    """Batched pages against pages written in one query, same data."""

    def servers(self, db):
        batched = ENV.new_server(db=db, page_size=PAGE,
                                 overrides={'repository.list_batch': str(BATCH)})
        whole = ENV.new_server(db=db, page_size=PAGE,
                               overrides={'repository.list_batch': '1000'})
        return batched.client(), whole.client()

    def test_lists_of_every_length(self):
        for n, db in sorted(SMALL.items()):
            b, w = self.servers(db)
            for verb in ('ListRecords', 'ListIdentifiers'):
                with self.subTest(records=n, verb=verb):
                    hb = b.harvest(verb, metadataPrefix='oai_dc')
                    hw = w.harvest(verb, metadataPrefix='oai_dc')
                    self.assertEqual(len(hb.identifiers), n)
                    self.assertEqual(hb.identifiers, hw.identifiers)
                    self.assertEqual(len(hb.pages), len(hw.pages))
                    for pb, pw in zip(hb.pages, hw.pages):
                        # Same bytes but for the dates (and the token's
                        # expiry, inside the signed token too).
                        tb, tw = pb.token, pw.token
                        self.assertEqual(
                            re.sub(rb'<resumptionToken[^/]*?</resumptionToken>', b'',
                                   without_dates(pb.body)),
                            re.sub(rb'<resumptionToken[^/]*?</resumptionToken>', b'',
                                   without_dates(pw.body)))
                        self.assertEqual(tb is None, tw is None)
                        if tb is not None:
                            self.assertEqual(
                                {k: v for k, v in tb.attrib.items() if k != 'expirationDate'},
                                {k: v for k, v in tw.attrib.items() if k != 'expirationDate'})
                        # Whole pages have a length; pages of more than one
                        # batch are streamed. (A first page asked for again
                        # within a second is written whole for the list
                        # cache: not here, each is asked once.)
                        self.assertFalse(streamed(pw))
                        self.assertIsNotNone(pw.header('Content-Length'))
                        self.assertEqual(streamed(pb), len(pb.items()) > BATCH or
                                         (len(pb.items()) == BATCH and n > BATCH))

    def test_tokens_resume_the_same_pages(self):
        b, _ = self.servers(SMALL[20])
        first = b.oai(verb='ListRecords', metadataPrefix='oai_dc')
        tok = first.token.text
        again = [b.oai(verb='ListRecords', resumptionToken=tok) for _ in range(2)]
        self.assertEqual(again[0].identifiers(), again[1].identifiers())
        self.assertEqual(len(again[0].identifiers()), PAGE)
        self.assertTrue(streamed(again[0]))

    def test_set_and_dates(self):
        b, w = self.servers(SMALL[20])
        SMALL[20].ensure_set('odd', 'Odd records')
        SMALL[20].sql("""
            INSERT INTO record_sets (record_id, spec)
            SELECT id, 'odd' FROM records WHERE substring(local_id from 5)::int % 2 = 1;""")
        for params in ({'set': 'odd'}, {'from_': '2000-01-01', 'until': '2999-12-31'}):
            with self.subTest(params=params):
                hb = b.harvest('ListIdentifiers', metadataPrefix='oai_dc', **params)
                hw = w.harvest('ListIdentifiers', metadataPrefix='oai_dc', **params)
                self.assertEqual(hb.identifiers, hw.identifiers)
                self.assertGreater(len(hb.identifiers), PAGE)


class Framing(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ENV.new_server(db=SMALL[20], page_size=PAGE,
                                 overrides={'repository.list_batch': str(BATCH)})
        cls.c = cls.srv.client()

    def token(self):
        """A token for the second page (a resumed page always streams; a
        first page may come whole from the list cache)."""
        return self.c.oai(verb='ListRecords', metadataPrefix='oai_dc').token.text

    def plain(self, tok):
        resp = self.c.oai(verb='ListRecords', resumptionToken=tok)
        self.assertTrue(streamed(resp))
        return resp

    def test_gzip_and_deflate(self):
        tok = self.token()
        plain = self.plain(tok)
        for enc, decode in (('gzip', gzip.decompress), ('deflate', zlib.decompress)):
            with self.subTest(enc=enc):
                raw = self.c.http('GET', self.c.path + '?verb=ListRecords&resumptionToken=' +
                                  urllib.parse.quote(tok, safe=''),
                                  headers={'Accept-Encoding': enc})
                self.assertEqual(raw.header('Content-Encoding'), enc)
                self.assertEqual((raw.header('Transfer-Encoding') or '').lower(), 'chunked')
                self.assertIsNone(raw.header('Content-Length'))
                self.assertEqual(without_dates(decode(raw.body)), without_dates(plain.body))
                # And it is a valid response (the harness decodes it).
                self.c.check(raw, [('verb', 'ListRecords'), ('resumptionToken', tok)])

    def test_head_gets_a_length_and_no_body(self):
        tok = self.token()
        plain = self.plain(tok)
        raw = self.c.raw_http(b'HEAD %s?verb=ListRecords&resumptionToken=%s HTTP/1.1\r\n'
                              b'Host: x\r\n\r\n' % (self.c.path.encode(),
                                                   urllib.parse.quote(tok, safe='').encode()),
                              head=True)
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.body, b'')
        self.assertIsNone(raw.header('Transfer-Encoding'))
        self.assertAlmostEqual(int(raw.header('Content-Length')), len(plain.body), delta=40)

    def test_http10_gets_the_page_then_a_close(self):
        tok = self.token()
        data = self.c.raw_exchange(b'GET %s?verb=ListRecords&resumptionToken=%s HTTP/1.0\r\n'
                                   b'\r\n' % (self.c.path.encode(),
                                              urllib.parse.quote(tok, safe='').encode()))
        head, _, body = data.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 200'))
        self.assertNotIn(b'Transfer-Encoding', head)
        self.assertIn(b'Connection: close', head)
        self.assertTrue(body.endswith(b'</OAI-PMH>\n'))
        raw = harness.RawResponse(200, 'OK', {'Content-Type': harness.CONTENT_TYPE}, body)
        resp = self.c.check(raw, [('verb', 'ListRecords'), ('resumptionToken', tok)])
        self.assertEqual(len(resp.identifiers()), PAGE)


def slow_client(port, path, rcvbuf=4096):
    """A connection with a small receive buffer that has sent one ListRecords
    request and read the response's first bytes."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(('127.0.0.1', port))
    s.sendall(b'GET %s?verb=ListRecords&metadataPrefix=oai_dc HTTP/1.1\r\nHost: x\r\n\r\n'
              % path.encode())
    first = s.recv(1024)
    assert first.startswith(b'HTTP/1.1 200'), first[:200]
    return s, first


def big_page_reader():
    """A server on BIG whose first page is all of it, in batches of 10, and a
    slow client that has asked for that page: (server, client, socket, the
    first bytes read)."""
    srv = ENV.new_server(db=BIG, page_size=BIG_RECORDS,
                         overrides={'repository.list_batch': '10'})
    c = srv.client()
    s, first = slow_client(srv.port, c.path)
    return srv, c, s, first


class BackPressure(unittest.TestCase):
    def test_a_client_that_stops_reading_holds_a_few_batches(self):
        srv, c, s, _ = big_page_reader()
        time.sleep(1.5)  # the server writes what the socket takes, then waits
        s.close()
        m = srv.wait_log(r'left during a list page, after (\d+) records')
        line, served = m.group(0), int(m.group(1))
        # The page is BIG_RECORDS records (~16 MB), a first page asked for
        # once, so streamed: the server produced only what the kernel's
        # buffers took and a batch, not the page.
        self.assertLess(served, BIG_RECORDS // 2, line)
        figure('a client that stopped reading a %d-record page (~%d MB) held the server to '
               '%d records produced' % (BIG_RECORDS, BIG_RECORDS * BIG_VALUE // 1000000,
                                        served))
        # The server goes on serving.
        self.assertEqual(c.oai(verb='Identify').error_codes(), [])


class BurstOfFirstPages(unittest.TestCase):
    def test_a_first_page_asked_again_is_whole_and_shared(self):
        srv = ENV.new_server(db=SMALL[20], page_size=PAGE,
                             overrides={'repository.list_batch': str(BATCH),
                                        'server.workers': '1'})
        c = srv.client()
        for i in range(1, 10):
            # A new request each try (another `from`): met once, at first.
            pages = [c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc',
                           from_='2000-01-0%d' % i) for _ in range(3)]
            if len({p.response_date for p in pages}) == 1:
                break
        else:
            self.fail('no three requests within one second')
        # The first is met once: streamed (and kept when complete); the
        # others come whole, from the cache.
        self.assertTrue(streamed(pages[0]))
        for p in pages[1:]:
            self.assertFalse(streamed(p))
            self.assertEqual(without_dates(p.body), without_dates(pages[0].body))


class DatabaseFailsMidway(unittest.TestCase):
    def test_the_response_is_cut_off(self):
        srv, c, s, first = big_page_reader()
        try:
            ENV.cluster.stop_postgres()
            try:
                data = first
                s.settimeout(20)
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    data += b
            finally:
                ENV.cluster.start_postgres()
        finally:
            s.close()
        head, _, body = data.partition(b'\r\n\r\n')
        self.assertIn(b'Transfer-Encoding: chunked', head)
        # No last chunk, no end of the document: not a whole response.
        self.assertFalse(body.endswith(b'0\r\n\r\n'), body[-200:])
        self.assertNotIn(b'</OAI-PMH>', body)
        r = http.client.HTTPResponse(_Bytes(data), method='GET')
        r.begin()
        with self.assertRaises(http.client.IncompleteRead):
            r.read()
        self.assertRegex(srv.log_text(), r'cut off after \d+ records: the database is unavailable')
        # Back to normal once the database is.
        deadline = time.monotonic() + 10 * harness.SLOWDOWN
        while True:
            raw = c.http('GET', c.path + '?verb=ListIdentifiers&metadataPrefix=oai_dc')
            if raw.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        resp = c.check(raw, [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc')])
        self.assertEqual(len(resp.identifiers()), BIG_RECORDS)


class ChangesDuringAPage(unittest.TestCase):
    """A page's keys are read first, its records batch by batch as the
    harvester reads (oai_verbs.c): records that change in between have a
    datestamp past the harvest's upper bound and are left out of the page,
    which stays whole and valid."""

    def test_records_changed_mid_page_are_left_out(self):
        # A page (~6 MB) larger than what the kernel's buffers take from a
        # client that does not read (BackPressure: ~130 of these records).
        n = 400
        db = big_database('changing', n)
        srv = ENV.new_server(db=db, page_size=n, overrides={'repository.list_batch': '10'})
        c = srv.client()
        before = set(c.harvest('ListIdentifiers', metadataPrefix='oai_dc').identifiers)
        self.assertEqual(len(before), n)
        s, first = slow_client(srv.port, c.path)
        data = bytearray(first)
        try:
            time.sleep(1.5)  # the server waits for the client, mid-page
            # The page's last 25 records: two whole batches and half of one.
            db.sql("""UPDATE record_values SET value = value || ' (revised)'
                      WHERE element = 'title' AND record_id IN
                          (SELECT id FROM records ORDER BY id DESC LIMIT 25)""")
            changed = set(db.identifiers(
                'r.id IN (SELECT id FROM records ORDER BY id DESC LIMIT 25)'))
            s.settimeout(20)
            while not data.endswith(b'\r\n0\r\n\r\n'):
                b = s.recv(1 << 20)
                self.assertTrue(b, 'the connection closed before the page ended')
                data += b
        finally:
            s.close()
        r = http.client.HTTPResponse(_Bytes(bytes(data)), method='GET')
        r.begin()
        raw = harness.RawResponse(r.status, r.reason, r.headers, r.read())
        resp = c.check(raw, [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')])
        got = resp.identifiers()
        self.assertEqual(len(changed), 25)
        self.assertEqual(set(got), before - changed)
        self.assertEqual(len(got), n - 25)
        # The list ends there: the changed records are past its upper bound.
        self.assertIsNone(resp.token)
        # A new harvest has them all.
        after = c.harvest('ListIdentifiers', metadataPrefix='oai_dc').identifiers
        self.assertEqual(set(after), before)
        self.assertEqual(set(after[-25:]), changed)


class _Bytes:
    def __init__(self, data):
        import io
        self.f = io.BytesIO(data)

    def makefile(self, *a, **kw):
        return self.f


if __name__ == '__main__':
    harness.main()
