#!/usr/bin/python3
"""Page size and deep paging (OAI-NOTES): the default batch is 100-500
records (DRIVER guidelines, checked by BASE), and a page deep into a large
list costs what the first one does (keyset paging, not OFFSET: DSpace#12980
went from 89 ms to 13 s per page)."""
import harness

import statistics
import time
import unittest

ENV = None
EXTRA = 20000


def setUpModule():
    global ENV
    ENV = harness.Env().start()   # the server's default page size
    # A large collection, inserted in bulk (datestamps spread over 20 years).
    ENV.db.sql("""
        BEGIN;
        INSERT INTO sets (spec, name) VALUES ('bulk', 'Bulk records') ON CONFLICT DO NOTHING;
        INSERT INTO records (local_id)
            SELECT 'bulk-' || lpad(g::text, 6, '0') FROM generate_series(1, %(n)d) g;
        INSERT INTO record_values (record_id, element, seq, value, lang)
            SELECT r.id, 'title', 1, 'ឯកសារ ' || r.local_id, 'km'
            FROM records r WHERE r.local_id LIKE 'bulk-%%';
        INSERT INTO record_values (record_id, element, seq, value, lang)
            SELECT r.id, 'title', 2, 'Document ' || r.local_id, 'en'
            FROM records r WHERE r.local_id LIKE 'bulk-%%';
        INSERT INTO record_sets (record_id, spec)
            SELECT r.id, 'bulk' FROM records r WHERE r.local_id LIKE 'bulk-%%';
        UPDATE records SET datestamp = timestamptz '2005-01-01T00:00:00Z'
            + (substr(local_id, 6)::int * 20000) * interval '1 second'
            WHERE local_id LIKE 'bulk-%%';
        COMMIT;
        ANALYZE;
    """ % {'n': EXTRA})


class Paging(unittest.TestCase):
    def test_default_batch_size(self):
        r = ENV.client.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        n = len(r.items())
        self.assertTrue(100 <= n <= 500, 'default page of %d records: DRIVER wants 100-500' % n)
        r = ENV.client.oai(verb='ListRecords', metadataPrefix='oai_dc')
        self.assertTrue(100 <= len(r.items()) <= 500)

    def timed_harvest(self, verb, **params):
        c = ENV.client
        times, ids = [], []
        t = time.monotonic()
        r = c.oai(verb=verb, metadataPrefix='oai_dc', **params)
        times.append(time.monotonic() - t)
        ids += r.identifiers()
        while r.token is not None and r.token.text:
            t = time.monotonic()
            r = c.oai(verb=verb, resumptionToken=r.token.text)
            times.append(time.monotonic() - t)
            self.assertEqual(r.error_codes(), [])
            ids += r.identifiers()
        return times, ids

    def check_flat(self, times):
        self.assertGreater(len(times), 40)
        head = statistics.median(times[1:11])
        tail = statistics.median(times[-11:-1])
        self.assertLess(tail, 3 * head + 0.05,
                        'deep pages are slower: first pages %.1f ms, last pages %.1f ms'
                        % (head * 1e3, tail * 1e3))

    def test_deep_list_identifiers(self):
        times, ids = self.timed_harvest('ListIdentifiers')
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(len(ids), ENV.db.value('SELECT count(*) FROM records'))
        self.check_flat(times)

    def test_deep_list_records_in_set(self):
        times, ids = self.timed_harvest('ListRecords', set='bulk')
        self.assertEqual(len(ids), EXTRA)
        self.check_flat(times)


if __name__ == '__main__':
    harness.main()
