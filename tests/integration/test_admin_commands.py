"""oai-admin delete/undelete, sets, stats, migrate, generate, and the
settings file shared with the server."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness
from admin_util import admin_binary, harvested, load_demo_sets, run_admin, write

ENV = None
TMP = None


def setUpModule():
    global ENV, TMP
    ENV = harness.Env(demo_data=False, page_size=100).start()
    load_demo_sets(ENV.db)
    TMP = tempfile.mkdtemp(prefix='oai-admin-cmd-')
    rows = [{'id': 'c-%d' % i, 'sets': ['type:law' if i % 2 else 'type:poster'],
             'title': 'Record %d' % i, 'type': ['Text' if i % 2 else 'StillImage'],
             'description': 'd', 'language': 'en', 'rights': 'r'} for i in range(1, 5)]
    path = write(TMP, 'c.jsonl', '\n'.join(json.dumps(r) for r in rows) + '\n')
    res = run_admin(ENV.db, 'import', path)
    assert res.status == 0, res


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


class DeleteUndelete(unittest.TestCase):
    def test_tombstone_and_restore(self):
        res = run_admin(ENV.db, 'delete', 'c-1', 'oai:%s:c-2' % harness.REPOSITORY_ID)
        self.assertEqual(res.status, 0, res)
        self.assertIn('deleted (tombstones kept): 2 records', res.out)
        got = harvested(ENV)
        self.assertTrue(got['c-1'][0] and got['c-2'][0])
        self.assertIsNone(got['c-1'][2])  # no metadata for a deleted record
        self.assertEqual(got['c-1'][1], ['type:law'])  # header keeps its sets
        # Values kept (never a physical delete).
        self.assertEqual(ENV.db.value("SELECT count(*) FROM record_values v JOIN records r ON "
                                      "r.id = v.record_id WHERE r.local_id = 'c-1'"), 5)
        self.assertEqual(run_admin(ENV.db, 'undelete', 'c-1', 'c-2').status, 0)
        got = harvested(ENV)
        self.assertFalse(got['c-1'][0])
        self.assertIn(('title', 'Record 1', None), got['c-1'][2])

    def test_unknown_id_changes_nothing(self):
        res = run_admin(ENV.db, 'delete', 'c-3', 'no-such-record')
        self.assertEqual(res.status, 1, res)
        self.assertIn('no-such-record: no such record', res.err)
        self.assertIn('nothing changed', res.err)
        self.assertFalse(harvested(ENV)['c-3'][0])


class Sets(unittest.TestCase):
    def test_add_rename_describe_list(self):
        self.assertEqual(run_admin(ENV.db, 'sets', 'add', 'topic', 'Topics').status, 0)
        res = run_admin(ENV.db, 'sets', 'add', 'missing:child', 'x')
        self.assertEqual(res.status, 1)
        self.assertIn("parent set 'missing' does not exist", res.err)
        self.assertEqual(run_admin(ENV.db, 'sets', 'add', 'bad spec', 'x').status, 1)
        self.assertEqual(run_admin(ENV.db, 'sets', 'add', 'topic:voting', 'Voting').status, 0)
        res = run_admin(ENV.db, 'sets', 'describe', 'topic', 'km', 'ប្រធានបទ')
        self.assertEqual(res.status, 0, res)
        self.assertEqual(run_admin(ENV.db, 'sets', 'describe', 'topic', 'en', 'Topics').status, 0)
        self.assertEqual(run_admin(ENV.db, 'sets', 'describe', 'topic', 'en',
                                   'Documents by topic').status, 0)  # replaces
        self.assertEqual(run_admin(ENV.db, 'sets', 'describe', 'topic', 'xx', 'x').status, 1)
        self.assertEqual(run_admin(ENV.db, 'sets', 'describe', 'topic', '--name',
                                   'Subjects').status, 0)
        res = run_admin(ENV.db, 'sets', 'rename', 'topic', 'subject')
        self.assertEqual(res.status, 0, res)
        self.assertIn('(2 sets;', res.out)
        sets = {s.findtext('{%s}setSpec' % harness.OAI_NS): s
                for s in ENV.harvest('ListSets').items}
        self.assertIn('subject:voting', sets)
        self.assertNotIn('topic', sets)
        self.assertEqual(sets['subject'].findtext('{%s}setName' % harness.OAI_NS), 'Subjects')
        descr = [(d.text, d.get(harness.XML_LANG)) for d in sets['subject'].iter(
            '{%s}description' % harness.DC_NS)]
        self.assertEqual(descr, [('ប្រធានបទ', 'km'), ('Documents by topic', 'en')])
        res = run_admin(ENV.db, 'sets', 'list')
        self.assertIn('type:law\tLaws\t', res.out)
        self.assertEqual(run_admin(ENV.db, 'sets', 'rename', 'nope', 'x').status, 1)

    def test_rename_moves_memberships(self):
        """Headers show the new setSpec (the record's datestamp moves, so
        incremental harvesters see it); renaming back restores."""
        before = harvested(ENV)['c-2']
        self.assertEqual(before[1], ['type:poster'])
        res = run_admin(ENV.db, 'sets', 'rename', 'type:poster', 'type:posters')
        self.assertEqual(res.status, 0, res)
        self.assertEqual(harvested(ENV)['c-2'][1], ['type:posters'])
        res = run_admin(ENV.db, 'sets', 'rename', 'type:posters', 'nowhere:posters')
        self.assertEqual(res.status, 1, res)  # the parent 'nowhere' does not exist
        self.assertEqual(run_admin(ENV.db, 'sets', 'rename', 'type:posters',
                                   'type:poster').status, 0)
        self.assertEqual(harvested(ENV)['c-2'], before)


class Stats(unittest.TestCase):
    def test_counts(self):
        res = run_admin(ENV.db, '--json', 'stats')
        self.assertEqual(res.status, 0, res)
        s = res.json()
        self.assertEqual(s['records'], 4)
        self.assertEqual(s['deleted'], 0)
        self.assertEqual(s['by_set']['type:law']['records'], 2)
        self.assertEqual(s['by_set']['type']['records'], 4)  # sub-sets count
        self.assertEqual(s['by_type'], {'StillImage': 2, 'Text': 2})
        self.assertRegex(s['earliest_datestamp'], harness.DATESTAMP_RE.pattern)
        text = run_admin(ENV.db, 'stats').out
        self.assertIn('records:   4 (0 deleted)', text)
        self.assertIn('earliest datestamp: ' + s['earliest_datestamp'], text)


class Migrate(unittest.TestCase):
    def test_migrate_interoperates_with_db_migrate(self):
        db = ENV.new_database('fresh', migrate=False)
        res = run_admin(db, 'migrate')
        self.assertEqual(res.status, 0, res)
        self.assertIn('applied 001_core', res.out)
        res = run_admin(db, 'migrate')
        self.assertIn('schema is up to date', res.out)
        p = subprocess.run([os.path.join(harness.SCRIPTS_DIR, 'db-migrate'), db.conninfo],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b'schema is up to date', p.stdout)
        self.assertEqual(db.column('SELECT name FROM schema_migrations ORDER BY version'),
                         ENV.db.column('SELECT name FROM schema_migrations ORDER BY version'))

    def test_007_moves_headers_with_implied_set_specs(self):
        # 007's release lists only the minimum setSpecs (spec 2.6): a record
        # in a and a:b got a new header, so its datestamp moves; one in a:b
        # alone keeps its own.
        db = ENV.new_database('upto006', migrate=False)
        d = os.path.join(TMP, 'sql006')
        os.makedirs(os.path.join(d, 'migrations'))
        src = os.path.join(harness.SOURCE_DIR, 'sql', 'migrations')
        for name in sorted(os.listdir(src)):
            if name < '007':
                shutil.copy(os.path.join(src, name), os.path.join(d, 'migrations'))
        self.assertEqual(run_admin(db, 'migrate', '--sql-dir', d).status, 0)
        db.add_record('imp-both', values=[('title', 'Both', 'en')], sets=['imp', 'imp:sub'],
                      datestamp='2020-01-01T00:00:00Z')
        db.add_record('imp-leaf', values=[('title', 'Leaf', 'en')], sets=['imp:sub'],
                      datestamp='2020-01-01T00:00:00Z')
        res = run_admin(db, 'migrate')
        self.assertEqual(res.status, 0, res)
        self.assertIn('applied 007_format_versions', res.out)
        stamps = {r['local_id']: r['s'] for r in db.query(
            'SELECT local_id, extract(epoch FROM datestamp)::bigint AS s FROM records')}
        self.assertGreater(stamps['imp-both'], time.time() - 60)
        self.assertEqual(stamps['imp-leaf'], harness.parse_time('2020-01-01T00:00:00Z'))

    def test_sql_dir_and_refusals(self):
        db = ENV.new_database('fresh2', migrate=False)
        d = os.path.join(TMP, 'sql')
        os.makedirs(os.path.join(d, 'migrations'))
        write(os.path.join(d, 'migrations'), '001_one.sql', 'CREATE TABLE one (x int);\n')
        write(os.path.join(d, 'migrations'), '002_bad.sql', 'BEGIN;\nCREATE TABLE two (x int);\n')
        res = run_admin(db, 'migrate', '--sql-dir', d)
        self.assertEqual(res.status, 1, res)
        self.assertIn('applied 001_one', res.out)
        self.assertIn('contains transaction control', res.err)
        os.unlink(os.path.join(d, 'migrations', '002_bad.sql'))
        write(os.path.join(d, 'migrations'), '002_fails.sql',
              'CREATE TABLE two (x int);\nSELECT no_such_function();\n')
        res = run_admin(db, 'migrate', '--sql-dir', d)
        self.assertEqual(res.status, 1, res)
        self.assertIn('no_such_function', res.err)
        self.assertIsNone(db.value("SELECT to_regclass('two')"))  # rolled back
        self.assertEqual(db.column('SELECT version FROM schema_migrations'), [1])


class Generate(unittest.TestCase):
    def gen(self, *args):
        p = subprocess.run([admin_binary(), 'generate'] + list(args), stdout=subprocess.PIPE,
                           check=True)
        return p.stdout

    def test_deterministic_and_clean(self):
        a, b = self.gen('500', '--seed', '3'), self.gen('500', '--seed', '3')
        self.assertEqual(hashlib.sha256(a).digest(), hashlib.sha256(b).digest())
        self.assertNotEqual(a, self.gen('500', '--seed', '4'))
        self.assertEqual(len(a.splitlines()), 501)  # header + 500
        j = self.gen('500', '--seed', '3', '--format', 'jsonl')
        for path in (write(TMP, 'g.csv', a), write(TMP, 'g.jsonl', j)):
            res = run_admin(ENV.db, 'validate', '--json', path)
            self.assertEqual(res.json()['summary'], {
                'files': 1, 'records': 500, 'errors': 0, 'warnings': 0, 'rejected_records': 0,
                'sets_checked': True})
        # CSV and JSONL describe the same records.
        db1, db2 = ENV.new_database('gen1'), ENV.new_database('gen2')
        for db, path in ((db1, 'g.csv'), (db2, 'g.jsonl')):
            load_demo_sets(db)
            self.assertEqual(run_admin(db, 'import', os.path.join(TMP, path)).status, 0)
        q = ('SELECT r.local_id, v.element, v.seq, v.value, v.lang FROM record_values v '
             'JOIN records r ON r.id = v.record_id ORDER BY 1, 2, 3')
        self.assertEqual(db1.query(q), db2.query(q))


class Progress(unittest.TestCase):
    def test_progress_on_a_terminal_summary_otherwise(self):
        import pty
        path = write(TMP, 'progress.csv', subprocess.run(
            [admin_binary(), 'generate', '3000'], stdout=subprocess.PIPE, check=True).stdout)
        master, slave = pty.openpty()
        p = subprocess.Popen([admin_binary(), '--db', ENV.db.conninfo, 'validate', path],
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out, _ = p.communicate(timeout=60)
        tty = b''
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            tty += chunk
        os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(tty, rb'\r\x1b\[K3000 records, \d+/s, 100%, ETA 0:00')
        self.assertIn(b'3000 records in 1 file: 0 errors', out)
        # Not a terminal: no progress line, just the summary.
        res = run_admin(ENV.db, 'validate', path)
        self.assertNotIn('\r', res.err + res.out)
        self.assertEqual(res.out.count('\n'), 1, res)


class Settings(unittest.TestCase):
    def test_server_config_file(self):
        """The server's settings file works as it is (no token secret needed)."""
        conf = write(TMP, 'oai.ini', '[repository]\nbase_url = http://127.0.0.1:1/oai\n'
                     'identifier = elibrary.nec.gov.kh\nadmin_email = elibrary@nec.gov.kh\n'
                     '[database]\nconninfo = "%s"\n' % ENV.db.conninfo)
        p = subprocess.run([admin_binary(), '-c', conf, 'stats'], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        bad = write(TMP, 'bad.ini', '[database]\nconinfo = x\n')
        p = subprocess.run([admin_binary(), '-c', bad, 'stats'], stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b'bad.ini:2: [database] coninfo: unknown key', p.stderr)
        p = subprocess.run([admin_binary(), 'stats'], stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b'no database', p.stderr)


if __name__ == '__main__':
    harness.main()
