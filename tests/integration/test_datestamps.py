#!/usr/bin/python3
"""Datestamps kept by the database (sql/migrations 001, 002): every change
moves a record's datestamp, tombstones are persistent, and a change becomes
visible to incremental harvesting at the second it commits."""
import harness

import os
import subprocess
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

    def test_own_writes_touch_a_record_once(self):
        # A record row this transaction wrote, at top level or in a
        # savepoint (oai-admin imports a file in one), is not updated again
        # by its values: oai_written_here (migration 006) knows its own
        # xids; a row another transaction committed is not its own.
        self.db.add_record('ds-other', values=[('title', 'Other', 'en')])
        out = self.db.sql(
            "\\pset format unaligned\n\\pset tuples_only on\n"
            "BEGIN;\n"
            "SELECT oai_written_here(xmin) FROM records WHERE local_id = 'ds-other';\n"
            "INSERT INTO records (local_id) VALUES ('ds-top');\n"
            "SAVEPOINT a;\n"
            "INSERT INTO records (local_id) VALUES ('ds-sub');\n"
            "SAVEPOINT b;\n"
            "SELECT local_id, oai_written_here(xmin), ctid FROM records "
            "WHERE local_id IN ('ds-top', 'ds-sub') ORDER BY local_id;\n"
            "INSERT INTO record_values SELECT id, 'title', 1, 'T', 'en' FROM records "
            "WHERE local_id IN ('ds-top', 'ds-sub');\n"
            "RELEASE SAVEPOINT b;\n"
            "RELEASE SAVEPOINT a;\n"
            "SELECT local_id, oai_written_here(xmin), ctid FROM records "
            "WHERE local_id IN ('ds-top', 'ds-sub') ORDER BY local_id;\n"
            "COMMIT;\n"
            "SELECT oai_written_here(xmin) FROM records WHERE local_id = 'ds-top';\n")
        lines = out.split()
        self.assertEqual(lines[0], 'f')
        self.assertEqual(lines[1:3], lines[3:5], 'a record row was updated by its own values')
        self.assertEqual([line.split('|')[1] for line in lines[1:5]], ['t'] * 4)
        self.assertEqual(lines[5], 'f')


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

    def test_harvest_during_a_slow_commit(self):
        # A commit that takes seconds (a large import: ~20 s at a million
        # records) stamps its records when it begins and makes them visible
        # when it ends. A harvest in between must not report a responseDate
        # later than those stamps, or the next incremental harvest, which
        # starts from it, never gets them (migration 006). The commit is made
        # slow by a deferred trigger that sleeps after the records were
        # stamped (deferred triggers fire in name order).
        db = ENV.db
        db.sql("CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               "BEGIN\n"
               "  IF current_setting('test.slow_commit', true) = 'on' THEN\n"
               "    PERFORM set_config('test.slow_commit', 'done', true);\n"
               "    PERFORM pg_sleep(5);\n"
               "  END IF;\n"
               "  RETURN NULL;\n"
               "END $$;\n"
               "CREATE CONSTRAINT TRIGGER zz_test_slow_commit AFTER INSERT OR UPDATE ON records\n"
               "  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW\n"
               "  EXECUTE FUNCTION test_slow_commit();\n")
        self.addCleanup(db.sql, "DROP TRIGGER zz_test_slow_commit ON records;\n"
                                "DROP FUNCTION test_slow_commit();\n")
        ids = ['hc-%02d' % i for i in range(40)]
        script = ("BEGIN;\n"
                  "SET LOCAL test.slow_commit = 'on';\n"
                  "INSERT INTO records (local_id) SELECT 'hc-' || lpad(i::text, 2, '0') "
                  "FROM generate_series(0, 39) i;\n"
                  "INSERT INTO record_values SELECT id, 'title', 1, 'Slow ' || local_id, 'en' "
                  "FROM records WHERE local_id LIKE 'hc-%';\n"
                  "COMMIT;\n")
        before = metrics_value('oai_commit_horizon_holds_total')
        small = ENV.new_server(page_size=5)  # a first page with a token
        db.add_records([dict(local_id='ho-%d' % i, values=[('title', 'Old', 'en')],
                             datestamp='2019-01-01T00:00:%02dZ' % i) for i in range(6)])
        failed = []

        def write():
            try:
                db.sql(script)
            except RuntimeError as e:
                failed.append(str(e))
        writer = threading.Thread(target=write)
        writer.start()
        self.addCleanup(writer.join, 30)
        deadline = time.monotonic() + 20
        while not db.column("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                            "AND query LIKE '%COMMIT%'"):
            self.assertTrue(writer.is_alive(), 'the writer ended early: %s' % failed)
            self.assertLess(time.monotonic(), deadline, 'the writer never reached its commit')
            time.sleep(0.05)
        # Two seconds later than the stamps, still within the commit.
        time.sleep(2.2)
        first = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        held = ENV.oai(verb='ListRecords', metadataPrefix='oai_dc', until='2100-01-01')
        other = ENV.oai(verb='Identify')
        paged = small.client().oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        clock = time.time()
        writer.join(30)
        self.assertFalse(writer.is_alive())
        self.assertEqual(failed, [])
        stamps = db.column("SELECT extract(epoch FROM datestamp)::bigint FROM records "
                           "WHERE local_id LIKE 'hc-%'")
        self.assertEqual(len(stamps), 40)
        self.assertNotIn(oai_id('hc-00'), first.identifiers())
        self.assertLessEqual(harness.parse_time(first.response_date), min(stamps))
        self.assertLessEqual(harness.parse_time(held.response_date), min(stamps))
        # Its token still lives token_lifetime (default 24 h) from the clock,
        # not from the held responseDate.
        self.assertLessEqual(harness.parse_time(paged.response_date), min(stamps))
        self.assertGreaterEqual(harness.parse_time(paged.token.get('expirationDate')),
                                int(clock) - 1 + 86400)
        # Only a first list page is held back: other verbs answer with the clock.
        self.assertGreater(harness.parse_time(other.response_date), min(stamps))
        self.assertGreaterEqual(metrics_value('oai_commit_horizon_holds_total'), before + 2)
        later = ENV.harvest('ListIdentifiers', metadataPrefix='oai_dc',
                            from_=first.response_date)
        self.assertTrue(set(oai_id(i) for i in ids) <= set(later.identifiers))
        # No commit in progress: the clock again.
        after = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        self.assertGreaterEqual(harness.parse_time(after.response_date), max(stamps))

    def test_change_to_a_record_another_transaction_just_stamped(self):
        # A transaction changes a record that another one stamped, and
        # committed, with the first one's start second. The change must
        # still move the datestamp to its own commit: that stamp is not its
        # own, and the change becomes visible seconds later.
        db = ENV.db
        db.add_record('hz-edge', values=[('title', 'Edge', 'en')],
                      datestamp='2020-01-01T00:00:00Z')
        psql = harness._bash_pg('pg_client', 'psql').stdout.decode().strip()
        later_writer = subprocess.Popen(
            [psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.conninfo,
             '-c', 'BEGIN', '-c', 'SELECT pg_sleep(1.5)',
             '-c', "UPDATE record_values SET value = 'Edge, changed' WHERE record_id = "
                   "(SELECT id FROM records WHERE local_id = 'hz-edge')",
             '-c', 'SELECT pg_sleep(2.5)', '-c', 'COMMIT'],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, PGAPPNAME='oai-test-later-writer'))
        self.addCleanup(later_writer.communicate, timeout=60)

        def wait_for(sleep):
            deadline = time.monotonic() + 30
            while db.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                           "'oai-test-later-writer' AND query = 'SELECT pg_sleep(%s)'"
                           % sleep) != 1:
                self.assertIsNone(later_writer.poll(), 'the writer ended early')
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.02)
        wait_for('1.5')
        start = db.value("SELECT extract(epoch FROM date_trunc('second', xact_start))::bigint "
                         "FROM pg_stat_activity WHERE application_name = 'oai-test-later-writer'")
        # The other transaction: stamps (explicitly) and commits at once.
        db.sql("UPDATE records SET datestamp = to_timestamp(%d) WHERE local_id = 'hz-edge'"
               % start)
        wait_for('2.5')
        first = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        self.assertGreater(harness.parse_time(first.response_date), start)
        err = later_writer.communicate(timeout=60)[1]
        self.assertEqual(later_writer.returncode, 0, err)
        self.assertGreater(db.value("SELECT extract(epoch FROM datestamp)::bigint FROM records "
                                    "WHERE local_id = 'hz-edge'"), start)
        later = ENV.harvest('ListIdentifiers', metadataPrefix='oai_dc',
                            from_=first.response_date)
        self.assertIn(oai_id('hz-edge'), later.identifiers)


def metrics_value(name):
    raw = ENV.client.http('GET', '/metrics')
    for line in raw.body.decode().splitlines():
        if line.startswith(name + ' '):
            return int(line.split()[1])
    raise AssertionError('%s not in /metrics' % name)


if __name__ == '__main__':
    harness.main()
