"""oai-admin validate: every check of the profile (docs/cataloguing.md)
fails and passes through the command line; the report as text and as
JSON; the exit status; nothing is written."""
import json
import shutil
import tempfile
import unittest
import urllib.parse

import harness
from admin_util import load_demo_sets, run_admin, write

ENV = None
TMP = None


def setUpModule():
    global ENV, TMP
    ENV = harness.Env(demo_data=False).start()
    load_demo_sets(ENV.db)
    TMP = tempfile.mkdtemp(prefix='oai-admin-validate-')


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


GOOD = {
    'id': 'v-1',
    'sets': ['type:law'],
    'title': [{'value': 'ច្បាប់ស្តីពីការបោះឆ្នោត', 'lang': 'km'},
              {'value': 'Law on elections', 'lang': 'en'}],
    'description': {'value': 'The election law.', 'lang': 'en'},
    'creator': 'National Election Committee of Cambodia',
    'date': '2023-07-23',
    'type': ['Text', {'value': 'Law', 'lang': 'en'}],
    'identifier': 'https://elibrary.nec.gov.kh/items/v-1',
    'language': 'km',
    'rights': 'Public domain',
}

# 'ការបោះឆ្នោត' encoded twice: its UTF-8 bytes read as Windows-1252 (the
# five bytes it leaves undefined as C1 controls, as Windows does).
KHMER_TWICE = ''.join(bytes([b]).decode('cp1252', errors='ignore') or chr(b)
                      for b in 'ការបោះឆ្នោត'.encode('utf-8'))
# (name, change, severity, field, problem substring) - severity None: clean.
CASES = [
    ('missing title', {'title': None}, 'error', 'title', 'missing title'),
    ('title present', {}, None, None, None),
    ('ill-formed date', {'date': '23.07.2023'}, 'error', 'date', 'is not a W3CDTF date'),
    ('impossible date', {'date': '2023-02-30'}, 'error', 'date', 'is not a W3CDTF date'),
    ('W3CDTF year', {'date': '1993'}, None, None, None),
    ('W3CDTF month', {'date': '1993-05'}, None, None, None),
    ('W3CDTF date-time', {'date': '1993-05-23T08:00:00+07:00'}, None, None, None),
    ('unknown language tag', {'title': {'value': 'T', 'lang': 'xx'}}, 'error', 'title',
     "unknown language tag 'xx'"),
    ('ISO 639-2 tag', {'title': {'value': 'T', 'lang': 'fre'}}, None, None, None),
    ('ISO 639-3 tag', {'title': {'value': 'T', 'lang': 'khm'}}, None, None, None),
    ('unknown language value', {'language': 'Khmer'}, 'error', 'language',
     "unknown language 'Khmer'"),
    ('control character', {'description': 'bell\u0007'}, 'error', 'description',
     'the value contains a control character'),
    ('C1 control character', {'description': 'x\u0085y'}, 'error', 'description',
     'C1 control character'),
    ('identifier not URL/URN', {'identifier': 'nec-2023-law-0001'}, 'error', 'identifier',
     'neither a URL nor a URN'),
    ('identifier URN', {'identifier': 'urn:isbn:978-9924-00-000-0'}, None, None, None),
    ('unknown set', {'sets': ['type:decree']}, 'error', 'sets', "unknown set 'type:decree'"),
    ('known sets', {'sets': ['type:law', 'election:2023-national-assembly']}, None, None, None),
    ('bad local id', {'id': 'has space'}, 'error', 'id', 'is not allowed'),
    ('type not DCMI', {'type': 'Report'}, 'warning', 'type',
     'type is not from the DCMI Type Vocabulary'),
    ('NEC kind without DCMI type', {'type': 'Royal Decree'}, 'warning', 'type',
     "add type 'Text' before it"),
    ('poster kind maps to StillImage', {'type': 'Poster'}, 'warning', 'type',
     "add type 'StillImage'"),
    ('DCMI type plus NEC kind', {'type': ['StillImage', 'Poster']}, None, None, None),
    ('Khmer not NFC', {'subject': {'value': 'ក\u17dd\u17d2ក', 'lang': 'km'}}, 'warning',
     'subject', 'Khmer text is not in Unicode NFC'),
    ('Khmer NFC', {'subject': {'value': 'ការបោះឆ្នោត', 'lang': 'km'}}, None, None, None),
    # OAI-NOTES: detect double-encoded UTF-8, a classic with Khmer.
    ('Khmer encoded twice', {'subject': {'value': KHMER_TWICE, 'lang': 'km'}}, 'error',
     'subject', "encoded twice (UTF-8 read as Latin-1 or Windows-1252 and saved as UTF-8 "
     "again); once repaired it reads 'ការបោះឆ្នោត'"),
    ('Latin encoded twice', {'description': 'Ã‰lection de 2023'}, 'error', 'description',
     "once repaired it reads 'Élection de 2023'"),
    ('Latin-1 text, not encoded twice', {'description': 'Élection, café, Ã  part'}, None,
     None, None),
    ('duplicate values', {'subject': ['Elections', 'Elections']}, 'warning', 'subject',
     "duplicate value 'Elections'"),
    ('distinct values', {'subject': ['Elections', 'Voting']}, None, None, None),
    # OAI-NOTES: the aggregators' minimal set (title and type above).
    ('missing creator', {'creator': None}, 'warning', 'creator', 'missing creator'),
    ('missing date', {'date': None}, 'warning', 'date', 'missing date'),
    ('missing identifier', {'identifier': None}, 'warning', 'identifier',
     'missing identifier'),
    ('missing rights', {'rights': None}, 'warning', 'rights', 'missing rights'),
    ('missing description', {'description': None}, 'warning', 'description',
     'missing description'),
    ('missing language', {'language': None}, 'warning', 'language', 'missing language'),
]


def record(change):
    """GOOD with change applied; its dc:identifier follows its id (every
    record's differs) unless the change gives one."""
    rec = dict(GOOD)
    if 'id' in change and 'identifier' not in change:
        rec['identifier'] = 'https://elibrary.nec.gov.kh/items/%s' % urllib.parse.quote(
            change['id'])
    for k, v in change.items():
        if v is None:
            rec.pop(k)
        else:
            rec[k] = v
    return rec


class Checks(unittest.TestCase):
    def test_every_check_fails_and_passes(self):
        for name, change, severity, field, problem in CASES:
            with self.subTest(name):
                path = write(TMP, 'case.jsonl', json.dumps(record(change), ensure_ascii=False))
                res = run_admin(ENV.db, 'validate', '--json', path)
                report = res.json()
                msgs = report['messages']
                if severity is None:
                    self.assertEqual(msgs, [], name)
                    self.assertEqual(res.status, 0, res)
                    continue
                self.assertEqual(len(msgs), 1, msgs)
                m = msgs[0]
                self.assertEqual((m['severity'], m['field'], m['line'], m['file']),
                                 (severity, field, 1, path))
                self.assertIn(problem, m['problem'])
                self.assertTrue(m['fix'], 'every message says how to fix it')
                self.assertEqual(res.status, 1 if severity == 'error' else 0, res)
                self.assertEqual(report['summary']['errors'], int(severity == 'error'))

    def test_invalid_utf8_in_csv(self):
        path = write(TMP, 'utf8.csv', b'id,title,description\nv-2,Title,caf\xe9\n')
        res = run_admin(ENV.db, 'validate', path)
        self.assertEqual(res.status, 1, res)
        self.assertIn('%s:2: description: the value contains invalid UTF-8 \u2014 save the '
                      'file as UTF-8' % path, res.out)

    def test_identifier_shared_by_two_records(self):
        # OAI-NOTES: dc:identifier differs on every record. A value another
        # record of the run has too is a warning on the later one.
        same = 'https://elibrary.nec.gov.kh/items/u-1'
        recs = [record({'id': 'u-1'}), record({'id': 'u-2', 'identifier': same}),
                record({'id': 'u-3', 'identifier': 'https://elibrary.nec.gov.kh/items/u-3'}),
                record({'id': 'u-4', 'identifier': ['https://elibrary.nec.gov.kh/items/u-4'] * 2})]
        path = write(TMP, 'ids.jsonl',
                     '\n'.join(json.dumps(x, ensure_ascii=False) for x in recs) + '\n')
        res = run_admin(ENV.db, 'validate', '--json', path)
        self.assertEqual(res.status, 0, res)
        msgs = res.json()['messages']
        got = [(m['severity'], m['field'], m['line'], m['problem']) for m in msgs]
        self.assertEqual(got, [
            ('warning', 'identifier', 2,
             'another record of this run has the same identifier (at %s:1)' % path),
            # Repeated within one record: the duplicate-value warning only.
            ('warning', 'identifier', 4,
             "duplicate value 'https://elibrary.nec.gov.kh/items/u-4'")])

    def test_map_types_fixes_nec_kinds(self):
        path = write(TMP, 'kind.jsonl', json.dumps(record({'type': 'Sub-Decree'})))
        self.assertEqual(run_admin(ENV.db, 'validate', '--json', path).json()['summary']
                         ['warnings'], 1)
        res = run_admin(ENV.db, 'validate', '--json', '--map-types', path)
        self.assertEqual(res.json()['messages'], [])


class Report(unittest.TestCase):
    def test_human_report_and_nothing_written(self):
        lines = [record({'id': 'v-%d' % i}) for i in range(1, 4)]
        lines[1] = record({'id': 'v-2', 'date': 'soon', 'rights': None})
        text = '\n'.join(json.dumps(r, ensure_ascii=False) for r in lines) + '\n'
        path = write(TMP, 'report.jsonl', text)
        res = run_admin(ENV.db, 'validate', path)
        self.assertEqual(res.status, 1, res)
        out = res.out.splitlines()
        self.assertIn("%s:2: date: 'soon' is not a W3CDTF date \u2014 write YYYY, YYYY-MM, "
                      "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (e.g. 2023-07-23)" % path, out)
        self.assertIn("%s:2: rights: warning: missing rights \u2014 add a rights statement "
                      "(e.g. 'Public domain: official publication of the National Election "
                      "Committee of Cambodia')" % path, out)
        self.assertTrue(out[-1].startswith('3 records in 1 file: 1 error, 1 warning, '
                                           '1 record rejected'), out[-1])
        self.assertEqual(ENV.db.value('SELECT count(*) FROM records'), 0)

    def test_clean_file_exit_zero(self):
        path = write(TMP, 'clean.jsonl', json.dumps(GOOD, ensure_ascii=False) + '\n')
        res = run_admin(ENV.db, 'validate', path)
        self.assertEqual(res.status, 0, res)
        self.assertIn('1 records in 1 file: 0 errors, 0 warnings', res.out)

    def test_without_database_sets_are_not_checked(self):
        path = write(TMP, 'noset.jsonl', json.dumps(record({'sets': ['type:decree']})))
        res = run_admin(None, 'validate', '--json', path)
        self.assertEqual(res.status, 0, res)
        self.assertFalse(res.json()['summary']['sets_checked'])
        self.assertIn('not checked', res.err)

    def test_duplicate_ids_across_files(self):
        a = write(TMP, 'dup-a.jsonl', json.dumps(GOOD, ensure_ascii=False) + '\n')
        b = write(TMP, 'dup-b.csv', 'id,title\nv-1,Again\n')
        res = run_admin(ENV.db, 'validate', '--json', a, b)
        errors = [m for m in res.json()['messages'] if m['severity'] == 'error']
        self.assertEqual(len(errors), 1, errors)
        self.assertEqual((errors[0]['file'], errors[0]['line'], errors[0]['field']), (b, 2, 'id'))
        self.assertIn('first at %s:1' % a, errors[0]['problem'])

    def test_usage_errors(self):
        self.assertEqual(run_admin(None, 'validate').status, 2)
        self.assertEqual(run_admin(None, 'frobnicate').status, 2)
        self.assertEqual(run_admin(None, 'import', 'x.csv').status, 2)  # no database


if __name__ == '__main__':
    harness.main()
