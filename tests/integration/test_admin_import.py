"""oai-admin import: every format round-trips through the server (import,
harvest, compare with the input, Khmer and xml:lang included); re-imports
keep datestamps; one transaction per run; --partial; malformed files commit
nothing."""
import json
import os
import shutil
import tempfile
import time
import unittest

import harness
from admin_util import (canonical, csv_escape, datestamps, harvested, load_demo_sets,
                        run_admin, write)

ENV = None
TMP = None


def setUpModule():
    global ENV, TMP
    ENV = harness.Env(demo_data=False, page_size=50).start()
    load_demo_sets(ENV.db)
    TMP = tempfile.mkdtemp(prefix='oai-admin-test-')


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


# A small bilingual collection used by the round trips. Values of one
# element keep their input order; elements are listed in oai_dc order.
RECORDS = [
    {'id': 'rt-%s-law-1', 'sets': ['type:law', 'lang:bilingual'], 'values': [
        ('title', 'ច្បាប់ស្តីពីការបោះឆ្នោតជ្រើសតាំងតំណាងរាស្ត្រ', 'km'),
        ('title', 'Law on the Election of Members of the National Assembly', 'en'),
        ('creator', 'គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត', 'km'),
        ('creator', 'National Election Committee', 'en'),
        ('subject', 'ការបោះឆ្នោត', 'km'), ('subject', 'Elections', 'en'),
        ('description', 'Consolidated text, with "quotes", commas,\nand a second line.', 'en'),
        ('date', '2023-05-01', None),
        ('type', 'Text', None), ('type', 'Law', 'en'),
        ('identifier', 'https://elibrary.nec.gov.kh/items/law-1', None),
        ('language', 'km', None), ('language', 'en', None),
        ('rights', 'Public domain: official publication of the NEC', 'en')]},
    {'id': 'rt-%s-poster-2', 'sets': ['type:poster'], 'values': [
        ('title', 'ផ្ទាំងរូបភាពអប់រំអ្នកបោះឆ្នោត', 'km'),
        ('description', 'A voter education poster & leaflet <2023>.', 'en'),
        ('date', '2023', None),
        ('type', 'StillImage', None), ('type', 'Poster', 'en'),
        ('identifier', 'urn:nbn:kh:nec-poster-2', None),
        ('language', 'km', None),
        ('rights', 'Public domain', None)]},
]


def records_for(tag):
    return [dict(r, id=r['id'] % tag) for r in RECORDS]


def to_csv(records):
    cols = []
    for r in records:
        for e, _v, lang in r['values']:
            col = e + ('@' + lang if lang else '')
            if col not in cols:
                cols.append(col)
    lines = [','.join(['id', 'sets'] + cols)]
    for r in records:
        cells = {}
        for e, v, lang in r['values']:
            cells.setdefault(e + ('@' + lang if lang else ''), []).append(v)
        lines.append(','.join([r['id'], '||'.join(r['sets'])] +
                              [csv_escape('||'.join(cells.get(c, []))) for c in cols]))
    return '\r\n'.join(lines) + '\r\n'


def to_jsonl(records):
    out = []
    for r in records:
        obj = {'id': r['id'], 'sets': r['sets']}
        for e, v, lang in r['values']:
            obj.setdefault(e, []).append({'value': v, 'lang': lang} if lang else v)
        out.append(json.dumps(obj, ensure_ascii=False))
    return '\n'.join(out) + '\n'


class RoundTrip(unittest.TestCase):
    def check_round_trip(self, records, got):
        for r in records:
            self.assertIn(r['id'], got)
            deleted, sets, values = got[r['id']]
            self.assertFalse(deleted)
            self.assertEqual(sets, sorted(r['sets']))
            self.assertEqual(values, canonical(r['values']), r['id'])

    def test_csv(self):
        records = records_for('csv')
        res = run_admin(ENV.db, 'import', write(TMP, 'rt.csv', to_csv(records)))
        self.assertEqual(res.status, 0, res)
        self.assertIn('2 new, 0 changed, 0 unchanged', res.out)
        self.check_round_trip(records, harvested(ENV))

    def test_jsonl(self):
        records = records_for('jsonl')
        res = run_admin(ENV.db, 'import', write(TMP, 'rt.jsonl', to_jsonl(records)))
        self.assertEqual(res.status, 0, res)
        self.check_round_trip(records, harvested(ENV))

    def test_xml_from_another_repository(self):
        """A collection harvested (ListRecords pages saved as files) moves to
        another repository: imported there, harvested again, it is equal."""
        records = records_for('xml')
        self.assertEqual(run_admin(ENV.db, 'import',
                                   write(TMP, 'src.jsonl', to_jsonl(records))).status, 0)
        client = ENV.server.client()
        h = client.harvest('ListRecords', metadataPrefix='oai_dc')
        files = [write(TMP, 'page%d.xml' % i, p.body) for i, p in enumerate(h.pages)]
        target = ENV.new_database('xmltarget')
        load_demo_sets(target)
        res = run_admin(target, 'import', *files)
        self.assertEqual(res.status, 0, res)
        server = ENV.new_server(db=target, page_size=50)
        source_view, target_view = harvested(ENV), harvested(ENV, server)
        self.assertEqual(target_view, source_view)
        self.check_round_trip(records, target_view)

    def test_single_oai_dc_record(self):
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
               '<dc:title xml:lang="km">ព្រឹត្តិបត្រ</dc:title>\n'
               '<dc:title xml:lang="en">Bulletin</dc:title>\n'
               '<dc:description xml:lang="en">One record per file.</dc:description>\n'
               '<dc:type>Text</dc:type><dc:language>km</dc:language>'
               '<dc:rights>Public domain</dc:rights>\n</oai_dc:dc>\n')
        res = run_admin(ENV.db, 'import', write(TMP, 'rt-single-1.xml', doc))
        self.assertEqual(res.status, 0, res)
        got = harvested(ENV)['rt-single-1']
        self.assertEqual(got[2], [('title', 'ព្រឹត្តិបត្រ', 'km'), ('title', 'Bulletin', 'en'),
                                  ('description', 'One record per file.', 'en'),
                                  ('type', 'Text', None), ('language', 'km', None),
                                  ('rights', 'Public domain', None)])


class Upsert(unittest.TestCase):
    def test_unchanged_content_keeps_datestamps(self):
        records = records_for('ups')
        path = write(TMP, 'ups.jsonl', to_jsonl(records))
        self.assertEqual(run_admin(ENV.db, 'import', path).status, 0)
        before = datestamps(ENV.db)
        time.sleep(1.1)  # a change would now show as a new second
        res = run_admin(ENV.db, 'import', path)
        self.assertEqual(res.status, 0, res)
        self.assertIn('0 new, 0 changed, 2 unchanged', res.out)
        # The same content as CSV is the same content.
        res = run_admin(ENV.db, 'import', write(TMP, 'ups.csv', to_csv(records)))
        self.assertIn('0 new, 0 changed, 2 unchanged', res.out)
        self.assertEqual(datestamps(ENV.db), before)

        # One value changed, one set added: only that record moves.
        records[1]['values'] = [v if v[0] != 'date' else ('date', '2024', None)
                                for v in records[1]['values']]
        records[0]['sets'] = records[0]['sets'] + ['election:2023-national-assembly']
        res = run_admin(ENV.db, 'import', write(TMP, 'ups2.jsonl', to_jsonl(records)))
        self.assertIn('0 new, 2 changed, 0 unchanged', res.out)
        after = datestamps(ENV.db)
        for r in records:
            self.assertGreater(after[r['id']], before[r['id']])
        self.assertEqual({k: v for k, v in after.items() if not k.startswith('rt-ups')},
                         {k: v for k, v in before.items() if not k.startswith('rt-ups')})
        RoundTrip.check_round_trip(self, records, harvested(ENV))

        # An OAI header without setSpecs means: no sets.
        page = ('<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                '<ListRecords><record><header><identifier>oai:x.org:%s</identifier>'
                '<datestamp>2020-01-01</datestamp></header><metadata>'
                '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/">%s</oai_dc:dc></metadata>'
                '</record></ListRecords></OAI-PMH>')
        dc = ''.join('<dc:%s%s>%s</dc:%s>' % (e, ' xml:lang="%s"' % lang if lang else '',
                                              v.replace('&', '&amp;').replace('<', '&lt;'), e)
                     for e, v, lang in records[1]['values'])
        res = run_admin(ENV.db, 'import', write(TMP, 'ups.xml', page % (records[1]['id'], dc)))
        self.assertIn('0 new, 1 changed, 0 unchanged', res.out)
        self.assertEqual(harvested(ENV)[records[1]['id']][1], [])
        records[1]['sets'] = []

        # Removing values and a set is a change too.
        records[0]['values'] = records[0]['values'][:-1]
        records[0]['sets'] = ['type:law']
        res = run_admin(ENV.db, 'import', write(TMP, 'ups3.jsonl', to_jsonl(records[:1])))
        self.assertIn('0 new, 1 changed, 0 unchanged', res.out)
        RoundTrip.check_round_trip(self, records[:1], harvested(ENV))


def count_records():
    return ENV.db.value('SELECT count(*) FROM records')


class Transactions(unittest.TestCase):
    GOOD = ('{"id":"tx-%d","title":{"value":"Good %d","lang":"en"},"description":"d",'
            '"language":"en","rights":"r","type":"Text"}')

    def test_one_error_commits_nothing_and_lists_every_error(self):
        lines = [self.GOOD % (i, i) for i in range(1, 4)]
        lines.insert(1, '{"id":"tx-bad","date":"31/12/2023","language":"khmer"}')
        path = write(TMP, 'tx.jsonl', '\n'.join(lines) + '\n')
        before = count_records()
        res = run_admin(ENV.db, 'import', path)
        self.assertEqual(res.status, 1, res)
        self.assertEqual(count_records(), before)
        self.assertIn("%s:2: date: '31/12/2023' is not a W3CDTF date \u2014 write YYYY" % path,
                      res.err)
        self.assertIn("%s:2: language: unknown language 'khmer' \u2014 " % path, res.err)
        self.assertIn('%s:2: title: missing title \u2014 ' % path, res.err)
        self.assertIn('nothing was imported', res.out)

        res = run_admin(ENV.db, 'import', '--partial', path)
        self.assertEqual(res.status, 1, res)  # something was rejected
        self.assertEqual(count_records(), before + 3)
        self.assertIn('1 record rejected', res.out)
        self.assertIn('imported 3 records: 3 new', res.out)
        self.assertIn('%s:2: date:' % path, res.err)

    def test_set_named_twice_is_one_membership(self):
        path = write(TMP, 'twice.jsonl', '{"id":"tx-twice","sets":["type:law","type:law"],'
                     '"title":"Twice","description":"d","language":"en","rights":"r",'
                     '"type":"Text"}\n')
        res = run_admin(ENV.db, 'import', path)
        self.assertEqual(res.status, 0, res)
        self.assertEqual(harvested(ENV)['tx-twice'][1], ['type:law'])
        res = run_admin(ENV.db, 'import', path)
        self.assertIn('0 new, 0 changed, 1 unchanged', res.out)

    def test_errors_across_files(self):
        good = write(TMP, 'good.jsonl', self.GOOD % (10, 10) + '\n')
        bad = write(TMP, 'bad.csv', 'id,title\ntx-11,"unclosed\n')
        before = count_records()
        res = run_admin(ENV.db, 'import', good, bad)
        self.assertEqual(res.status, 1, res)
        self.assertEqual(count_records(), before)
        # --partial: the malformed file is dropped whole, the good one stays.
        res = run_admin(ENV.db, 'import', '--partial', good, bad)
        self.assertEqual(count_records(), before + 1, res)


class MalformedFiles(unittest.TestCase):
    """Each gives a clear error and commits nothing, even with --partial
    for the file-level ones."""

    def assert_refused(self, name, data, message, partial_too=True):
        path = write(TMP, name, data)
        before = count_records()
        for args in (['import'], ['import', '--partial']) if partial_too else (['import'],):
            res = run_admin(ENV.db, *(args + [path]))
            self.assertEqual(res.status, 1, res)
            self.assertIn(message, res.err, res)
            self.assertEqual(count_records(), before, res)
        return res

    def test_bad_utf8_csv(self):
        self.assert_refused('utf8.csv', b'id,title\nmf-1,caf\xe9\n',
                            '2: title: the value contains invalid UTF-8')

    def test_bad_utf8_jsonl(self):
        self.assert_refused('utf8.jsonl', b'{"id":"mf-2","title":"caf\xe9"}\n',
                            ':1: not valid JSON')

    def test_bad_utf8_xml(self):
        self.assert_refused('utf8.xml', b'<?xml version="1.0" encoding="UTF-8"?>\n'
                            b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
                            b' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>caf\xe9'
                            b'</dc:title></oai_dc:dc>\n', 'not well-formed XML')

    def test_truncated_xml(self):
        rec = ('<record><header><identifier>oai:x.org:mf-%d</identifier>'
               '<datestamp>2020-01-01T00:00:00Z</datestamp></header><metadata>'
               '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
               'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title>'
               '</oai_dc:dc></metadata></record>\n')
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH '
               'xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>\n' +
               rec % 3 + rec % 4)
        self.assert_refused('truncated.xml', doc[:-40], 'not well-formed XML')

    def test_unbalanced_csv_quotes(self):
        self.assert_refused('quotes.csv', 'id,title\nmf-5,Fine\nmf-6,"Open\nmf-7,x\n',
                            ':3: unterminated quoted field (opened on line 3)')

    def test_ten_megabyte_field(self):
        big = 'x' * (10 * 1024 * 1024)
        self.assert_refused('big.csv', 'id,title\nmf-8,%s\n' % big,
                            ':2: title: field longer than', partial_too=False)
        self.assert_refused('big.jsonl', '{"id":"mf-9","title":"%s"}\n' % big,
                            ':1: title: value of 10485760 bytes is longer than the limit',
                            partial_too=False)
        self.assert_refused('big.xml', '<?xml version="1.0"?>\n<oai_dc:dc xmlns:oai_dc='
                            '"http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc='
                            '"http://purl.org/dc/elements/1.1/"><dc:title>%s</dc:title>'
                            '</oai_dc:dc>' % big, 'a value is longer than 10000000 bytes',
                            partial_too=False)


class DemoCollection(unittest.TestCase):
    def test_sample_jsonl_equals_the_sql_demo(self):
        """data/nec-sample.jsonl, imported, serves what sql/demo serves."""
        sql_db = ENV.new_database('demosql', demo_data=True)
        tool_db = ENV.new_database('demotool')
        load_demo_sets(tool_db)
        path = os.path.join(harness.SOURCE_DIR, 'data', 'nec-sample.jsonl')
        res = run_admin(tool_db, 'import', path)
        self.assertEqual(res.status, 0, res)
        self.assertIn('0 errors, 0 warnings', res.out)
        a = harvested(ENV, ENV.new_server(db=sql_db, page_size=100))
        b = harvested(ENV, ENV.new_server(db=tool_db, page_size=100))
        self.assertEqual(len(a), 338)
        self.assertEqual(a, b)


if __name__ == '__main__':
    harness.main()
