#!/usr/bin/python3
"""Database roles (sql/migrations/003_roles.sql, docs/security.md): the
server runs as a member of oai_reader and harvests everything; that user
cannot write; a member of oai_writer catalogues (and the triggers stamp its
changes) but cannot delete records; the migration works on a second
database of the same cluster and when two databases create the roles at
the same moment; and the server's own sessions are read-only whatever user
it is given (server/db.c)."""
import harness

import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import oai_id

ENV = None
PAGE = 10
READER = 'nec_oai'         # a login in oai_reader, as operators create it
WRITER = 'nec_cataloguer'  # a login in oai_writer
MIGRATION = os.path.join(harness.SOURCE_DIR, 'sql', 'migrations', '003_roles.sql')
TABLES = ('sets', 'set_descriptions', 'records', 'dc_elements', 'record_values', 'record_sets',
          'schema_migrations', 'record_renderings', 'format_versions')
# What oai_writer may do beyond SELECT (003_roles.sql, 005, 007).
WRITER_GRANTS = {
    'sets': {'INSERT', 'UPDATE'},
    'set_descriptions': {'INSERT', 'UPDATE', 'DELETE'},
    'records': {'INSERT', 'UPDATE'},
    'record_values': {'INSERT', 'UPDATE', 'DELETE'},
    'record_sets': {'INSERT', 'UPDATE', 'DELETE'},
    'record_renderings': {'INSERT', 'UPDATE', 'DELETE'},
    'format_versions': {'INSERT', 'UPDATE'},
}
WRITES = ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE).start()
    # No passwords: the test cluster trusts loopback (scripts/lib/pg.sh).
    ENV.cluster.psql('postgres', 'CREATE ROLE %s LOGIN IN ROLE oai_reader;\n'
                                 'CREATE ROLE %s LOGIN IN ROLE oai_writer;' % (READER, WRITER))


def as_role(user, script, db='oai'):
    return ENV.cluster.psql_as(user, db, script)


class Migration(unittest.TestCase):
    def test_group_roles(self):
        rows = ENV.db.query("SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, "
                            "rolinherit FROM pg_roles WHERE rolname IN ('oai_reader', "
                            "'oai_writer') ORDER BY rolname")
        self.assertEqual([r['rolname'] for r in rows], ['oai_reader', 'oai_writer'])
        for r in rows:
            self.assertFalse(r['rolcanlogin'] or r['rolsuper'] or r['rolcreaterole']
                             or r['rolcreatedb'], r)

    def privileges(self, db, role):
        return {(t, p) for t in TABLES for p in ('SELECT',) + WRITES
                if db.value("SELECT has_table_privilege('%s', 'public.%s', '%s') AS ok"
                            % (role, t, p))}

    def test_privileges(self):
        self.assertEqual(self.privileges(ENV.db, 'oai_reader'), {(t, 'SELECT') for t in TABLES})
        expected = {(t, 'SELECT') for t in TABLES}
        expected |= {(t, p) for t, ps in WRITER_GRANTS.items() for p in ps}
        self.assertEqual(self.privileges(ENV.db, 'oai_writer'), expected)
        seq = ENV.db.value("SELECT pg_get_serial_sequence('records', 'id') AS s")
        for role, usage in (('oai_reader', False), ('oai_writer', True)):
            self.assertEqual(ENV.db.value("SELECT has_sequence_privilege('%s', '%s', 'USAGE') "
                                          "AS ok" % (role, seq)), usage, role)

    def test_default_privileges_cover_later_tables(self):
        # A table a later migration creates (as the same owner) is readable
        # by both groups and writable by neither.
        out = ENV.cluster.psql('oai', "BEGIN;\nCREATE TABLE later_table (x int);\n"
                               "SELECT has_table_privilege('oai_reader', 'later_table', 'SELECT'), "
                               "has_table_privilege('oai_writer', 'later_table', 'SELECT'), "
                               "has_table_privilege('oai_writer', 'later_table', 'INSERT');\n"
                               "ROLLBACK;", extra=['-At'])
        self.assertEqual(out.strip(), 't|t|f')

    def test_second_database_in_the_cluster(self):
        # The roles exist already: the migration must not fail on them.
        second = ENV.new_database('second')
        self.assertIn(3, second.column('SELECT version FROM schema_migrations'))
        self.assertTrue(second.value("SELECT has_table_privilege('oai_reader', 'records', "
                                     "'SELECT') AS ok"))
        # Applying it once more (as by hand) changes nothing and fails nothing.
        ENV.cluster.psql('second', '\\i %s' % MIGRATION, extra=['-1'])

    def test_concurrent_creation_in_a_fresh_cluster(self):
        # Two databases of a new cluster migrated at the same moment: the
        # second CREATE ROLE waits for the first and then finds the role
        # taken (unique_violation); the migration must shrug that off.
        cluster = harness.Cluster().start()
        mig_dir = tempfile.mkdtemp(prefix='oai-mig-')
        try:
            for name in os.listdir(os.path.dirname(MIGRATION)):
                if name < '003':
                    shutil.copy(os.path.join(os.path.dirname(MIGRATION), name), mig_dir)
            env = dict(os.environ, OAI_MIGRATIONS_DIR=mig_dir)
            for db in ('a', 'b'):
                cluster.create_db(db)
                subprocess.run([os.path.join(harness.SCRIPTS_DIR, 'db-migrate'),
                                cluster.conninfo(db)], env=env, check=True, timeout=120,
                               stdout=subprocess.DEVNULL)
            psql = harness._bash_pg('pg_client', 'psql').stdout.decode().strip()
            first = subprocess.Popen(
                [psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', cluster.conninfo('a'),
                 '-c', 'BEGIN', '-f', MIGRATION, '-c', 'SELECT pg_sleep(3)', '-c', 'COMMIT'],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=dict(os.environ, PGAPPNAME='oai-roles-first'))
            # Wait until it sleeps inside its transaction: roles created, not
            # committed.
            deadline = time.monotonic() + 30
            while cluster.psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE "
                               "application_name = 'oai-roles-first' AND state = 'active' "
                               "AND query LIKE '%pg_sleep%'", extra=['-At']).strip() != '1':
                self.assertIsNone(first.poll(), 'the first migration ended early')
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            t = time.monotonic()
            second = subprocess.run(
                [psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', cluster.conninfo('b'),
                 '-f', MIGRATION], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            waited = time.monotonic() - t
            out_first = first.communicate(timeout=60)[0]
            self.assertEqual(first.returncode, 0, out_first.decode())
            self.assertEqual(second.returncode, 0, second.stdout.decode())
            self.assertGreater(waited, 0.5, 'the two migrations did not overlap')
            for db in ('a', 'b'):
                self.assertEqual(cluster.psql(db, "SELECT has_table_privilege('oai_reader', "
                                                  "'records', 'SELECT')", extra=['-At']).strip(),
                                 't')
        finally:
            shutil.rmtree(mig_dir, ignore_errors=True)
            cluster.stop()


class Reader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ENV.new_server(page_size=PAGE, file_settings={
            'database.conninfo': ENV.cluster.conninfo('oai', user=READER)})

    def test_full_harvest_as_reader(self):
        c = self.srv.client()
        self.assertEqual(c.oai(verb='Identify').error_codes(), [])
        h = c.harvest('ListRecords', metadataPrefix='oai_dc')
        self.assertEqual(h.identifiers, ENV.db.identifiers())
        sets = c.harvest('ListSets')
        self.assertEqual(sets.set_specs, ENV.db.column('SELECT spec FROM sets ORDER BY spec'))
        ident = h.identifiers[0]
        r = c.oai(verb='GetRecord', identifier=ident, metadataPrefix='oai_dc')
        self.assertEqual(r.error_codes(), [])
        # It really was that user.
        users = ENV.db.column("SELECT DISTINCT usename FROM pg_stat_activity "
                              "WHERE application_name = 'nec-oai-server' AND usename = '%s'"
                              % READER)
        self.assertEqual(users, [READER])

    def test_reader_cannot_write(self):
        lid = ENV.db.value('SELECT local_id FROM records ORDER BY id LIMIT 1')
        for sql in ("INSERT INTO records (local_id) VALUES ('reader-was-here')",
                    "UPDATE records SET deleted = true WHERE local_id = '%s'" % lid,
                    "DELETE FROM record_sets",
                    "UPDATE record_values SET value = 'x'",
                    "INSERT INTO sets (spec, name) VALUES ('reader', 'Reader')",
                    "TRUNCATE record_values",
                    "CREATE TABLE public.reader_table (x int)"):
            with self.subTest(sql=sql):
                rc, out, err = as_role(READER, sql + ';')
                self.assertNotEqual(rc, 0, 'the reader could: ' + sql)
                self.assertIn('permission denied', err)
        rc, out, err = as_role(READER, 'SELECT count(*) FROM records;')
        self.assertEqual((rc, out.strip()), (0, str(len(ENV.db.identifiers()))), err)
        self.assertFalse(ENV.db.value("SELECT count(*) > 0 AS c FROM records "
                                      "WHERE local_id = 'reader-was-here'"))


class Writer(unittest.TestCase):
    def test_writer_catalogues_and_the_trigger_stamps(self):
        before = time.time()
        rc, out, err = as_role(WRITER, """
            BEGIN;
            INSERT INTO sets (spec, name) VALUES ('writer', 'Written by the writer role');
            INSERT INTO records (local_id) VALUES ('writer-0001');
            INSERT INTO record_values (record_id, element, seq, value, lang)
                SELECT id, 'title', 1, 'ច្បាប់ស្តីពីការបោះឆ្នោត', 'km'
                FROM records WHERE local_id = 'writer-0001';
            INSERT INTO record_sets (record_id, spec)
                SELECT id, 'writer' FROM records WHERE local_id = 'writer-0001';
            COMMIT;
        """)
        after = time.time()
        self.assertEqual(rc, 0, err)
        stamp = ENV.db.datestamp('writer-0001')
        self.assertGreaterEqual(stamp, int(before) - 1)
        self.assertLessEqual(stamp, after + 1)
        # The OAI server shows it, in an incremental harvest too.
        r = ENV.oai(verb='GetRecord', identifier=oai_id('writer-0001'), metadataPrefix='oai_dc')
        self.assertEqual(harness.dc_values(r.records()[0]),
                         [('title', 'ច្បាប់ស្តីពីការបោះឆ្នោត', 'km')])
        h = ENV.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='writer',
                        from_=harness.fmt_time(stamp))
        self.assertEqual(h.identifiers, [oai_id('writer-0001')])

    def test_writer_correction_moves_the_datestamp(self):
        lid = 'writer-old'
        ENV.db.add_record(lid, values=[('title', 'Old', 'en'), ('subject', 'Wrong', 'en')],
                          datestamp='2005-01-01T00:00:00Z')
        for sql in ("UPDATE record_values SET value = 'Old (corrected)' WHERE element = 'title' "
                    "AND record_id = (SELECT id FROM records WHERE local_id = '%s')" % lid,
                    "DELETE FROM record_values WHERE element = 'subject' "
                    "AND record_id = (SELECT id FROM records WHERE local_id = '%s')" % lid,
                    "UPDATE records SET deleted = true WHERE local_id = '%s'" % lid):
            with self.subTest(sql=sql):
                ENV.db.set_datestamp(lid, '2005-01-01T00:00:00Z')
                before = time.time()
                rc, out, err = as_role(WRITER, sql + ';')
                self.assertEqual(rc, 0, err)
                self.assertGreaterEqual(ENV.db.datestamp(lid), int(before) - 1,
                                        'the change did not move the datestamp')

    def test_writer_cannot_delete_records(self):
        lid = ENV.db.value('SELECT local_id FROM records ORDER BY id LIMIT 1')
        for sql in ("DELETE FROM records WHERE local_id = '%s'" % lid,
                    'TRUNCATE records CASCADE',
                    "DELETE FROM sets WHERE spec = 'writer-none'",
                    "INSERT INTO dc_elements (name, position) VALUES ('audience', 16)",
                    'DELETE FROM schema_migrations',
                    'CREATE TABLE public.writer_table (x int)'):
            with self.subTest(sql=sql):
                rc, out, err = as_role(WRITER, sql + ';')
                self.assertNotEqual(rc, 0, 'the writer could: ' + sql)
                self.assertRegex(err, r'permission denied|records are never deleted')
        self.assertEqual(ENV.db.value("SELECT count(*) AS c FROM records WHERE local_id = '%s'"
                                      % lid), 1)


class ReadOnlySession(unittest.TestCase):
    """The server's sessions are read-only with its statement_timeout and
    UTC, even when it connects as a superuser: a probe database whose
    `records` is a view over a function that tries to write and reports
    what happened in the error the server logs."""

    def test_server_sessions_are_read_only(self):
        probe = ENV.new_database('probe', migrate=False)
        probe.sql("""
            CREATE TABLE probe_target (x int);
            CREATE FUNCTION probe() RETURNS TABLE (id bigint, local_id text,
                                                   datestamp timestamptz, deleted boolean)
            LANGUAGE plpgsql AS $$
            DECLARE
                settings text := format('default_transaction_read_only=%s statement_timeout=%s '
                                        'TimeZone=%s',
                                        current_setting('default_transaction_read_only'),
                                        current_setting('statement_timeout'),
                                        current_setting('TimeZone'));
            BEGIN
                BEGIN
                    INSERT INTO probe_target VALUES (1);
                EXCEPTION WHEN read_only_sql_transaction THEN
                    RAISE EXCEPTION 'probe: write refused; %', settings;
                END;
                RAISE EXCEPTION 'probe: write ACCEPTED; %', settings;
            END $$;
            CREATE VIEW records AS SELECT * FROM probe();
        """)
        srv = ENV.new_server(db=probe, file_settings={'database.statement_timeout': 1234})
        raw = srv.client().http('GET', '/oai?verb=Identify')
        self.assertEqual(raw.status, 500)  # the probe's error, not a real failure mode
        m = srv.wait_log(r'probe: write (\w+); (default_transaction_read_only=\w+ '
                         r'statement_timeout=\w+ TimeZone=[\w/]+)')
        self.assertEqual(m.group(1), 'refused', m.group(0))
        self.assertEqual(m.group(2), 'default_transaction_read_only=on statement_timeout=1234ms '
                                     'TimeZone=UTC')
        self.assertEqual(probe.value('SELECT count(*) AS c FROM probe_target'), 0)


if __name__ == '__main__':
    harness.main()
