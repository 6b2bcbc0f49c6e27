"""sql/migrations/004: the rules of 001/002 for values and memberships,
checked per statement (for fast bulk imports), still hold: references to
records and elements, datestamps moved by inserts and deletes, commit-time
datestamps for every row of a long transaction (subtransactions too)."""
import time
import unittest

import harness

ENV = None


def setUpModule():
    global ENV
    ENV = harness.Env(demo_data=False).start()


def epoch(local_id):
    return ENV.db.value("SELECT extract(epoch FROM datestamp)::bigint FROM records "
                        "WHERE local_id = '%s'" % local_id)


class References(unittest.TestCase):
    def test_value_for_missing_record_is_refused(self):
        with self.assertRaisesRegex(RuntimeError, 'violates foreign key to "records"'):
            ENV.sql("INSERT INTO record_values VALUES (987654321, 'title', 1, 'x', NULL);")
        ENV.db.add_record('br-1', values=[('title', 'One', 'en')])
        with self.assertRaisesRegex(RuntimeError, 'Key \\(record_id\\)=\\(987654321\\)'):
            ENV.sql("UPDATE record_values SET record_id = 987654321 WHERE record_id = "
                    "(SELECT id FROM records WHERE local_id = 'br-1');")
        ENV.db.ensure_set('br')
        with self.assertRaisesRegex(RuntimeError, 'violates foreign key to "records"'):
            ENV.sql("INSERT INTO record_sets VALUES (987654321, 'br');")
        # The whole statement is refused, also its good rows.
        with self.assertRaises(RuntimeError):
            ENV.sql("INSERT INTO record_values SELECT id, 'subject', 9, 'ok', NULL FROM records "
                    "WHERE local_id = 'br-1' UNION ALL SELECT 987654321, 'subject', 9, 'x', NULL;")
        self.assertEqual(ENV.db.value("SELECT count(*) FROM record_values WHERE seq = 9"), 0)

    def test_unknown_element_is_refused(self):
        ENV.db.add_record('br-2', values=[('title', 'Two', 'en')])
        with self.assertRaisesRegex(RuntimeError, 'record_values_element_check'):
            ENV.sql("INSERT INTO record_values SELECT id, 'titel', 2, 'x', NULL FROM records "
                    "WHERE local_id = 'br-2';")

    def test_membership_follows_set_rename(self):
        ENV.db.ensure_set('brs:a')
        ENV.db.add_record('br-3', values=[('title', 'Three', 'en')], sets=['brs:a'])
        ENV.sql("UPDATE sets SET spec = 'brt' || substr(spec, 4) WHERE spec = 'brs' OR "
                "spec LIKE 'brs:%';")
        self.assertEqual(ENV.db.column("SELECT rs.spec FROM record_sets rs JOIN records r ON "
                                       "r.id = rs.record_id WHERE r.local_id = 'br-3'"),
                         ['brt:a'])


class Datestamps(unittest.TestCase):
    def test_insert_and_delete_move_the_datestamp(self):
        ENV.db.add_record('br-4', values=[('title', 'Four', 'en'), ('subject', 'S', 'en')],
                          datestamp='2020-01-01T00:00:00Z')
        ENV.sql("DELETE FROM record_values WHERE element = 'subject' AND record_id = "
                "(SELECT id FROM records WHERE local_id = 'br-4');")
        self.assertGreaterEqual(epoch('br-4'), int(time.time()) - 5)
        ENV.db.set_datestamp('br-4', '2020-01-01T00:00:00Z')
        ENV.sql("INSERT INTO record_values SELECT id, 'subject', 1, 'T', NULL FROM records "
                "WHERE local_id = 'br-4';")
        self.assertGreaterEqual(epoch('br-4'), int(time.time()) - 5)

    def test_every_row_of_a_long_transaction_gets_the_commit_second(self):
        ENV.db.add_record('br-old', values=[('title', 'Old', 'en')],
                          datestamp='2020-01-01T00:00:00Z')
        start = int(time.time())
        ENV.sql("BEGIN;\n"
                "INSERT INTO records (local_id) VALUES ('br-5'), ('br-6');\n"
                "INSERT INTO record_values SELECT id, 'title', 1, local_id, NULL FROM records "
                "WHERE local_id IN ('br-5', 'br-6');\n"
                "UPDATE record_values SET value = 'Changed' WHERE record_id = "
                "(SELECT id FROM records WHERE local_id = 'br-old');\n"
                "SAVEPOINT s;\n"
                "INSERT INTO records (local_id) VALUES ('br-7');\n"
                "RELEASE SAVEPOINT s;\n"
                "SELECT pg_sleep(2.2);\n"
                "COMMIT;\n")
        stamps = {lid: epoch(lid) for lid in ('br-5', 'br-6', 'br-7', 'br-old')}
        self.assertEqual(len(set(stamps.values())), 1, stamps)
        self.assertGreaterEqual(stamps['br-5'], start + 2, stamps)


if __name__ == '__main__':
    harness.main()
