#!/usr/bin/python3
"""First pages and list sizes remembered per worker (server/list_cache.h):
served again only for the same data (PostgreSQL snapshot) -- a write
between two requests is always seen at once -- and the first page only
within its second."""
import time
import unittest

import harness

ENV = None
PAGE = 10


def setUpModule():
    global ENV
    # One worker: both requests of a pair meet the same cache.
    ENV = harness.Env(page_size=PAGE, overrides={'server.workers': '1'}).start()


def hits():
    raw = ENV.client.http('GET', '/metrics')
    out = {}
    for line in raw.body.decode().splitlines():
        if line.startswith('oai_list_cache_hits_total{kind="'):
            kind = line.split('"')[1]
            out[kind] = int(float(line.rsplit(' ', 1)[1]))
    return out


def first_page(**args):
    r = ENV.oai(verb='ListRecords', metadataPrefix='oai_dc', **args)
    tok = r.xpath('//o:resumptionToken')
    return r, (int(tok[0].get('completeListSize')) if tok else None)


def payload_bytes(r):
    """The response after <request>: what the cache stores."""
    return r.body.split(b'</request>', 1)[1]


def same_second_pair(**args):
    """Two first pages within one second (retried across a second's edge),
    with the cache hits before and after the second one."""
    for _ in range(10):
        a, ca = first_page(**args)
        before = hits()
        b, cb = first_page(**args)
        if a.response_date == b.response_date:
            return a, ca, b, cb, before, hits()
    raise AssertionError('no two requests within one second')


class ListCache(unittest.TestCase):
    def test_identical_first_pages_within_a_second(self):
        a, ca, b, cb, before, after = same_second_pair()
        self.assertEqual(after['page'], before['page'] + 1)
        self.assertEqual(payload_bytes(a), payload_bytes(b))
        self.assertEqual(ca, ENV.db.value('SELECT count(*) FROM records'))
        # Its token works like any other.
        tok = b.text('//o:resumptionToken')
        r = ENV.oai(verb='ListRecords', resumptionToken=tok)
        self.assertEqual(len(r.records()), PAGE)

    def test_a_write_is_seen_at_once(self):
        for i in range(3):
            a, ca = first_page()
            before = hits()
            ENV.db.add_record('cache-new-%d' % i, values=[('title', 'New %d' % i, 'en')])
            b, cb = first_page()
            # Within the same second or not, the second page is not the
            # first one again, and the size is counted anew.
            self.assertEqual(cb, ca + 1)
            self.assertEqual(cb, ENV.db.value('SELECT count(*) FROM records'))
            self.assertEqual(hits()['page'], before['page'])

    def test_list_size_reused_across_seconds_until_a_write(self):
        spec = 'type:law'
        n = lambda: ENV.db.value(
            "SELECT count(*) FROM record_sets WHERE spec = '%s' OR spec LIKE '%s:%%'" % (spec,
                                                                                    spec))
        # Something else in the cluster (autovacuum) may change the snapshot
        # between two requests: then the size is simply counted again.
        reused = False
        for _ in range(5):
            _, c1 = first_page(set=spec)
            time.sleep(1.1)
            before = hits()
            _, c2 = first_page(set=spec)
            self.assertEqual(c1, c2)
            self.assertEqual(c2, n())
            if hits()['count'] == before['count'] + 1:
                reused = True
                break
        self.assertTrue(reused, 'the list size was never reused')
        # A membership removed with plain SQL: the next first page, in any
        # second, has the new size.
        ENV.sql("DELETE FROM record_sets WHERE record_id = (SELECT min(record_id) FROM "
                "record_sets WHERE spec = '%s')" % spec)
        _, c3 = first_page(set=spec)
        self.assertEqual(c3, n())
        self.assertLess(c3, c2)

    def test_different_requests_do_not_meet(self):
        a = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        b = ENV.oai(verb='ListRecords', metadataPrefix='oai_dc')
        c = ENV.oai(verb='ListRecords', metadataPrefix='mods')
        d = ENV.oai(verb='ListRecords', metadataPrefix='oai_dc', set='type:law')
        e = ENV.oai(verb='ListRecords', metadataPrefix='oai_dc', from_='2020-01-01')
        self.assertEqual(len(a.oai_headers()), PAGE)
        self.assertFalse(a.records())
        self.assertIn(b'oai_dc:dc', b.body)
        self.assertIn(b'mods', c.body)
        self.assertNotIn(b'oai_dc:dc', c.body)
        for r in (d, e):
            self.assertNotEqual(payload_bytes(r), payload_bytes(b))


if __name__ == '__main__':
    unittest.main()
