#!/usr/bin/python3
"""Datestamps kept by the database (sql/migrations 001, 002): every change
moves a record's datestamp, tombstones are persistent, and a change becomes
visible to incremental harvesting at the second it commits."""
import harness

import threading
import time
import unittest

from harness import oai_id

ENV = None


def setUpModule():
    global ENV
    ENV = harness.Env(demo_data=False).start()


class Triggers(unittest.TestCase):
    def setUp(self):
        self.db = ENV.db

    def epoch(self, local_id):
        return self.db.value("SELECT extract(epoch FROM datestamp)::bigint FROM records "
                             "WHERE local_id = '%s'" % local_id)

    def test_value_change_moves_datestamp(self):
        self.db.add_record('ds-value', values=[('title', 'Before', 'en')],
                           datestamp='2020-01-01T00:00:00Z')
        self.assertEqual(self.epoch('ds-value'), harness.parse_time('2020-01-01T00:00:00Z'))
        self.db.sql("UPDATE record_values SET value = 'After' WHERE record_id = "
                    "(SELECT id FROM records WHERE local_id = 'ds-value')")
        self.assertGreaterEqual(self.epoch('ds-value'), int(time.time()) - 5)
        r = ENV.oai(verb='GetRecord', identifier=oai_id('ds-value'), metadataPrefix='oai_dc')
        self.assertEqual(r.oai_headers()[0].findtext('{%s}datestamp' % harness.OAI_NS),
                         harness.fmt_time(self.epoch('ds-value')))

    def test_identical_update_keeps_datestamp(self):
        self.db.add_record('ds-same', values=[('title', 'Same', 'en')],
                           datestamp='2020-01-02T00:00:00Z')
        self.db.sql("UPDATE record_values SET value = 'Same' WHERE record_id = "
                    "(SELECT id FROM records WHERE local_id = 'ds-same')")
        self.assertEqual(self.epoch('ds-same'), harness.parse_time('2020-01-02T00:00:00Z'))

    def test_set_membership_moves_datestamp(self):
        self.db.ensure_set('ds:set', 'Datestamp tests')
        self.db.add_record('ds-set', values=[('title', 'Set', 'en')],
                           datestamp='2020-01-03T00:00:00Z')
        self.db.sql("INSERT INTO record_sets SELECT id, 'ds:set' FROM records "
                    "WHERE local_id = 'ds-set'")
        self.assertGreaterEqual(self.epoch('ds-set'), int(time.time()) - 5)

    def test_delete_is_refused_and_tombstone_kept(self):
        self.db.add_record('ds-gone', values=[('title', 'Gone', 'en')],
                           datestamp='2020-01-04T00:00:00Z')
        with self.assertRaises(RuntimeError):
            self.db.sql("DELETE FROM records WHERE local_id = 'ds-gone'")
        with self.assertRaises(RuntimeError):
            self.db.sql("TRUNCATE records CASCADE")
        self.db.sql("UPDATE records SET deleted = true WHERE local_id = 'ds-gone'")
        r = ENV.oai(verb='GetRecord', identifier=oai_id('ds-gone'), metadataPrefix='oai_dc')
        header = r.oai_headers()[0]
        self.assertEqual(header.get('status'), 'deleted')
        self.assertEqual(r.records()[0].find('{%s}metadata' % harness.OAI_NS), None)
        self.assertGreaterEqual(self.epoch('ds-gone'), int(time.time()) - 5)


class CommitTime(unittest.TestCase):
    def test_long_transaction_is_seen_by_next_incremental_harvest(self):
        # A writer's transaction starts, a harvest runs while it is open, then
        # the writer commits. The harvester's next incremental harvest starts
        # from the first harvest's responseDate and must see the record.
        db = ENV.db
        db.add_record('ct-before', values=[('title', 'Before', 'en')])
        script = ("BEGIN;\n"
                  "INSERT INTO records (local_id) VALUES ('ct-late');\n"
                  "INSERT INTO record_values SELECT id, 'title', 1, 'Late', 'en' FROM records "
                  "WHERE local_id = 'ct-late';\n"
                  "SELECT pg_sleep(2.5);\n"
                  "COMMIT;\n")
        writer = threading.Thread(target=db.sql, args=(script,))
        writer.start()
        time.sleep(1.2)
        first = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        self.assertNotIn(oai_id('ct-late'), first.identifiers())
        writer.join(30)
        self.assertFalse(writer.is_alive())
        later = ENV.harvest('ListIdentifiers', metadataPrefix='oai_dc',
                            from_=first.response_date)
        self.assertIn(oai_id('ct-late'), later.identifiers)


if __name__ == '__main__':
    harness.main()
