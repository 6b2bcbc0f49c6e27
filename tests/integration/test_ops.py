#!/usr/bin/python3
"""Operations: response compression (gzip/deflate, advertised in Identify),
/healthz and /metrics."""
import harness

import gzip
import re
import unittest
import zlib

from harness import OAI_NS

ENV = None


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=50, overrides={
        'repository.friends': 'https://oai.example.org/a, https://oai.example.net/b'}).start()


LIST = '/oai?verb=ListRecords&metadataPrefix=oai_dc'


class Compression(unittest.TestCase):
    def fetch(self, accept):
        return ENV.client.http('GET', LIST, headers={'Accept-Encoding': accept})

    def plain(self):
        return ENV.client.http('GET', LIST).body

    def test_identify_advertises_gzip_and_deflate(self):
        r = ENV.oai(verb='Identify')
        self.assertEqual([e.text for e in r.payload.findall('{%s}compression' % OAI_NS)],
                         ['gzip', 'deflate'])

    def test_gzip(self):
        raw = self.fetch('gzip')
        self.assertEqual(raw.header('Content-Encoding'), 'gzip')
        self.assertEqual(raw.header('Vary'), 'Accept-Encoding')
        body = gzip.decompress(raw.body)
        self.assertLess(len(raw.body), len(body) / 3)
        # Whole (from the list cache, or a burst's page): its compressed
        # length; streamed (a first page met once): chunked.
        if raw.header('Content-Length') is not None:
            self.assertEqual(int(raw.header('Content-Length')), len(raw.body))
        else:
            self.assertEqual(raw.header('Transfer-Encoding'), 'chunked')
        ENV.client.check(raw, [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')])

    def test_deflate_is_zlib_format(self):
        raw = self.fetch('deflate')
        self.assertEqual(raw.header('Content-Encoding'), 'deflate')
        zlib.decompress(raw.body)
        ENV.client.check(raw, [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')])

    def test_preference_and_qvalues(self):
        self.assertEqual(self.fetch('deflate, gzip').header('Content-Encoding'), 'gzip')
        self.assertEqual(self.fetch('gzip;q=0.2, deflate;q=0.8').header('Content-Encoding'),
                         'deflate')
        self.assertEqual(self.fetch('gzip;q=0, deflate;q=0').header('Content-Encoding'), None)
        self.assertEqual(self.fetch('*').header('Content-Encoding'), 'gzip')
        self.assertEqual(self.fetch('*, gzip;q=0').header('Content-Encoding'), 'deflate')
        self.assertEqual(self.fetch('br').header('Content-Encoding'), None)

    def test_uncompressed_without_header_still_varies(self):
        raw = ENV.client.http('GET', LIST)
        self.assertIsNone(raw.header('Content-Encoding'))
        self.assertEqual(raw.header('Vary'), 'Accept-Encoding')

    def test_head_reports_compressed_length(self):
        # A whole GET: a first page asked for again (per worker) is sent
        # whole; one met once may stream, compressed batch by batch,
        # without a length.
        for _ in range(10):
            get = self.fetch('gzip')
            if get.header('Content-Length') is not None:
                break
        self.assertIsNotNone(get.header('Content-Length'))
        head = ENV.client.http('HEAD', LIST, headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(head.body, b'')
        self.assertEqual(head.header('Content-Encoding'), 'gzip')
        # Same page, maybe another responseDate: lengths within a few bytes.
        self.assertLess(abs(int(head.header('Content-Length')) - len(get.body)), 16)

    def test_post_is_compressed_too(self):
        raw = ENV.client.http('POST', '/oai', body=b'verb=Identify',
                              headers={'Content-Type': 'application/x-www-form-urlencoded',
                                       'Accept-Encoding': 'gzip'})
        self.assertEqual(raw.header('Content-Encoding'), 'gzip')
        ENV.client.check(raw, [('verb', 'Identify')], method='POST')


METRIC_LINE = re.compile(r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')


def metrics():
    raw = ENV.client.http('GET', '/metrics')
    assert raw.status == 200, raw.status
    assert raw.header('Content-Type').startswith('text/plain; version=0.0.4')
    values = {}
    for line in raw.body.decode().splitlines():
        if line.startswith('#'):
            continue
        assert METRIC_LINE.match(line), 'not Prometheus text format: %r' % line
        name, value = line.rsplit(' ', 1)
        values[name] = float(value)
    return values


class Operations(unittest.TestCase):
    def test_healthz(self):
        # Another test restarts the database; a worker retries its connection
        # after a short back-off, so allow a moment.
        for _ in range(10):
            raw = ENV.client.http('GET', '/healthz')
            if raw.status == 200:
                break
            harness.time.sleep(0.3)
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.body, b'ok\n')

    def test_metrics_count_requests_errors_and_records(self):
        before = metrics()
        ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        ENV.oai(verb='GetRecord', identifier='oai:elibrary.nec.gov.kh:none',
                metadataPrefix='oai_dc')
        ENV.client.http('GET', '/nowhere')
        # Two errors in one response (spec 3.6): each code counts once.
        ENV.oai(verb='GetRecord', identifier='oai:elibrary.nec.gov.kh:none',
                metadataPrefix='nope')
        ENV.oai(verb='ListRecords', metadataPrefix='oai_dc', from_='x', until='y')
        after = metrics()
        key = 'oai_requests_total{verb="ListIdentifiers",status="200"}'
        self.assertEqual(after[key] - before.get(key, 0), 1)
        key = 'oai_errors_total{code="idDoesNotExist"}'
        self.assertEqual(after[key] - before[key], 2)
        key = 'oai_errors_total{code="cannotDisseminateFormat"}'
        self.assertEqual(after[key] - before[key], 1)
        key = 'oai_errors_total{code="badArgument"}'
        self.assertEqual(after[key] - before[key], 1)
        key = 'oai_requests_total{verb="none",status="404"}'
        self.assertEqual(after[key] - before.get(key, 0), 1)
        self.assertEqual(after['oai_records_served_total'] - before['oai_records_served_total'],
                         50)
        self.assertGreaterEqual(after['oai_open_connections'], 1)
        count = after['oai_request_duration_seconds_count']
        self.assertEqual(after['oai_request_duration_seconds_bucket{le="+Inf"}'], count)
        self.assertGreaterEqual(count - before['oai_request_duration_seconds_count'], 6)
        self.assertIn('oai_db_errors_total', after)
        self.assertIn('oai_db_reconnects_total', after)

    def test_health_follows_the_database(self):
        cluster = ENV.cluster
        harness._bash_pg('pg_cluster_stop', cluster.datadir)
        try:
            raw = ENV.client.http('GET', '/healthz')
            self.assertEqual(raw.status, 503)
            self.assertRegex(raw.header('Retry-After') or '', r'^\d+$')
        finally:
            harness._bash_pg('pg_cluster_start', cluster.datadir, cluster.port)
        ok = 0
        for _ in range(40):  # until two answers in a row (both workers) are 200
            raw = ENV.client.http('GET', '/healthz')
            ok = ok + 1 if raw.status == 200 else 0
            if ok == 2:
                break
            harness.time.sleep(0.3)
        self.assertEqual(raw.status, 200)
        self.assertGreaterEqual(metrics()['oai_db_reconnects_total'], 1)


BRANDING = 'http://www.openarchives.org/OAI/2.0/branding/'
FRIENDS = 'http://www.openarchives.org/OAI/2.0/friends/'


class Descriptions(unittest.TestCase):
    def test_branding_icon_is_served(self):
        r = ENV.oai(verb='Identify')
        icon = r.payload.find('.//{%s}collectionIcon' % BRANDING)
        self.assertIsNotNone(icon)
        url = icon.findtext('{%s}url' % BRANDING)
        self.assertEqual(url, ENV.server.base_url + '/static/icon.svg')
        self.assertEqual(icon.findtext('{%s}title' % BRANDING),
                         ENV.server.settings['repository']['name'])
        raw = ENV.client.http('GET', '/oai/static/icon.svg')
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.header('Content-Type'), 'image/svg+xml')
        self.assertTrue(raw.body.startswith(b'<?xml'))
        self.assertEqual(ENV.client.http('GET', '/oai/static/nothing.css').status, 404)

    def test_payload_roots_declare_xsi(self):
        # Spec 2.5: the root of a metadata (and description) payload must
        # declare the XML Schema instance namespace for its schemaLocation,
        # not rely on the envelope's declaration.
        ident = ENV.client.http('GET', '/oai?verb=Identify').body.decode()
        recs = ENV.client.http('GET', LIST).body.decode()
        sets = ENV.client.http('GET', '/oai?verb=ListSets').body.decode()
        tags = re.findall(r'<(?:oai-identifier|branding|friends|oai_dc:dc)\b[^>]*>',
                          ident + recs + sets)
        self.assertGreater(len(tags), 10)
        for tag in tags:
            self.assertIn('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', tag)

    def test_friends(self):
        r = ENV.oai(verb='Identify')
        urls = [e.text for e in r.payload.findall('.//{%s}baseURL' % FRIENDS)]
        self.assertEqual(urls, ['https://oai.example.org/a', 'https://oai.example.net/b'])


if __name__ == '__main__':
    harness.main()
