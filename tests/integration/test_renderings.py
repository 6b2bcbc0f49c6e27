#!/usr/bin/python3
"""Stored renderings (sql/migrations/005, server/admin/render.c): the server
streams each record's stored <metadata> when it has one of its own version
and renders from the values otherwise, with identical results; writes of
values remove the renderings they outdate; oai-admin import, undelete and
render store them."""
import os
import shutil
import tempfile
import time
import unittest

import harness  # before lxml: it sets the XML catalog
from admin_util import run_admin
from lxml import etree

ENV = None
TMP = None
FORMATS = ['oai_dc', 'dcterms', 'mods', 'marc21']


def setUpModule():
    global ENV, TMP
    ENV = harness.Env(page_size=40).start()
    TMP = tempfile.mkdtemp(prefix='oai-render-test-')


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def formats():
    """The metadataPrefixes the server disseminates."""
    r = ENV.oai(verb='ListMetadataFormats')
    return [e.text for e in r.xpath('//o:metadataPrefix')]


def harvest_records(prefix):
    """{identifier: serialized <record>} of a full ListRecords harvest."""
    out = {}
    for rec in ENV.harvest('ListRecords', metadataPrefix=prefix).items:
        ident = rec.findtext('{%s}header/{%s}identifier' % (harness.OAI_NS, harness.OAI_NS))
        out[ident] = etree.tostring(rec, encoding='unicode')
    return out


def sample(n):
    """The local id of the n-th record of the demo collection that is not
    deleted and has a title (n from 0)."""
    return ENV.db.column("SELECT local_id FROM records r WHERE NOT deleted AND EXISTS "
                         "(SELECT 1 FROM record_values v WHERE v.record_id = r.id AND "
                         "v.element = 'title') ORDER BY id")[n]


def renderings():
    return ENV.db.value('SELECT count(*) FROM record_renderings')


def get_record(local, prefix='oai_dc'):
    return ENV.oai(verb='GetRecord', identifier=harness.oai_id(local), metadataPrefix=prefix)


class StoredRenderings(unittest.TestCase):
    """Runs in order: live rendering first, then stored."""

    def test_1_stored_equals_live_in_every_format(self):
        ENV.sql('DELETE FROM record_renderings')
        prefixes = formats()
        self.assertEqual(sorted(prefixes), sorted(FORMATS))
        live = {p: harvest_records(p) for p in prefixes}
        live_get = {p: get_record(sample(0), p).body for p in prefixes}

        res = run_admin(ENV.db, 'render')
        self.assertEqual(res.status, 0, res)
        active = ENV.db.value('SELECT count(*) FROM records WHERE NOT deleted')
        self.assertIn('rendered %d records' % active, res.out)
        # One row per record and format; NULL xml where a format cannot
        # disseminate the record.
        self.assertEqual(renderings(), active * len(prefixes))
        self.assertEqual(ENV.db.value("SELECT count(*) FROM record_renderings WHERE xml IS NULL"),
                         ENV.db.value("SELECT count(*) FROM records r WHERE NOT deleted AND NOT "
                                      "EXISTS (SELECT 1 FROM record_values v WHERE v.record_id ="
                                      " r.id AND v.element = 'title' AND v.value ~ '[^\\x01-\\x20]')"
                                      ) * 2)

        for p in prefixes:
            stored = harvest_records(p)
            self.assertEqual(sorted(stored), sorted(live[p]), p)
            for ident in live[p]:
                self.assertEqual(stored[ident], live[p][ident], '%s %s' % (p, ident))
            body = get_record(sample(0), p).body
            strip = lambda b: b.split(b'</responseDate>', 1)[1]
            self.assertEqual(strip(body), strip(live_get[p]), p)

        # Nothing left to do: a second run renders nothing.
        res = run_admin(ENV.db, 'render')
        self.assertEqual(res.status, 0, res)
        self.assertIn('rendered 0 records', res.out)

    def test_2_server_streams_the_stored_xml(self):
        # Proof that the stored text is what is served: mark it.
        local = sample(1)
        rid = ENV.db.value("SELECT id FROM records WHERE local_id = '%s'" % local)
        ENV.sql("UPDATE record_renderings SET xml = replace(xml, '</oai_dc:dc>', "
                "'<dc:source>STORED-MARK</dc:source></oai_dc:dc>') "
                "WHERE record_id = %d AND prefix = 'oai_dc'" % rid)
        r = get_record(local)
        self.assertIn(b'STORED-MARK', r.body)
        # A rendering of another version is ignored: the server renders.
        ENV.sql("UPDATE record_renderings SET version = version + 1 "
                "WHERE record_id = %d AND prefix = 'oai_dc'" % rid)
        r = get_record(local)
        self.assertNotIn(b'STORED-MARK', r.body)
        self.assertEqual(len(r.xpath('//dc:title')) > 0, True)
        # `render` replaces the outdated one.
        res = run_admin(ENV.db, 'render')
        self.assertIn('rendered 1 records', res.out)
        r = get_record(local)
        self.assertNotIn(b'STORED-MARK', r.body)

    def test_3_value_writes_remove_renderings(self):
        local = sample(2)
        rid = ENV.db.value("SELECT id FROM records WHERE local_id = '%s'" % local)
        count = lambda: ENV.db.value(
            'SELECT count(*) FROM record_renderings WHERE record_id = %d' % rid)
        self.assertEqual(count(), len(FORMATS))
        # UPDATE, INSERT and DELETE of values, each with plain SQL.
        ENV.sql("UPDATE record_values SET value = 'Changed by SQL' "
                "WHERE record_id = %d AND element = 'title' AND seq = "
                "(SELECT min(seq) FROM record_values WHERE record_id = %d AND element = 'title')"
                % (rid, rid))
        self.assertEqual(count(), 0)
        self.assertIn('Changed by SQL', [t.text for t in get_record(local).xpath(
            '//dc:title')])
        run_admin(ENV.db, 'render')
        self.assertEqual(count(), len(FORMATS))
        ENV.sql("INSERT INTO record_values (record_id, element, seq, value) "
                "VALUES (%d, 'relation', 99, 'Added by SQL')" % rid)
        self.assertEqual(count(), 0)
        run_admin(ENV.db, 'render')
        self.assertIn('Added by SQL', [t.text for t in get_record(local).xpath(
            '//dc:relation')])
        ENV.sql("DELETE FROM record_values WHERE record_id = %d AND seq = 99" % rid)
        self.assertEqual(count(), 0)
        self.assertNotIn('Added by SQL', [t.text for t in get_record(local).xpath(
            '//dc:relation')])
        # Set memberships are not metadata: renderings stay.
        run_admin(ENV.db, 'render')
        ENV.sql("DELETE FROM record_sets WHERE record_id = %d" % rid)
        self.assertEqual(count(), len(FORMATS))

    def test_4_import_and_undelete_store_renderings(self):
        path = os.path.join(TMP, 'r.jsonl')
        with open(path, 'w', encoding='utf-8') as f:
            f.write('{"id": "render-1", "title": [{"value": "ច្បាប់ស្តីពីការបោះឆ្នោត", '
                    '"lang": "km"}], "type": ["Text"], "date": ["2024"]}\n')
        res = run_admin(ENV.db, 'import', path)
        self.assertEqual(res.status, 0, res)
        rows = {q['k']: q['ok'] for q in ENV.db.query(
            "SELECT x.prefix || ' ' || r.local_id AS k, x.xml IS NOT NULL AS ok "
            "FROM record_renderings x JOIN records r ON r.id = x.record_id "
            "WHERE r.local_id LIKE 'render-%'")}
        self.assertEqual(len(rows), len(FORMATS), rows)
        self.assertTrue(all(rows.values()), rows)
        self.assertIn('ច្បាប់ស្តីពីការបោះឆ្នោត',
                      [t.text for t in get_record('render-1').xpath('//dc:title')])

        # Without a title, a record cannot be disseminated in MODS or MARC
        # (a NULL rendering says so), also when written with plain SQL.
        ENV.db.add_record('render-2', values=[('description', 'No title', 'en')])
        res = run_admin(ENV.db, 'render')
        self.assertIn('rendered 1 records', res.out)
        self.assertEqual(ENV.db.column(
            "SELECT x.prefix FROM record_renderings x JOIN records r ON r.id = x.record_id "
            "WHERE r.local_id = 'render-2' AND x.xml IS NULL ORDER BY 1"), ['marc21', 'mods'])
        self.assertEqual(get_record('render-2', 'mods').error_codes(),
                         ['cannotDisseminateFormat'])
        self.assertEqual(get_record('render-2', 'oai_dc').error_codes(), [])

        # A record withdrawn before it was ever rendered is rendered when
        # it comes back.
        ENV.db.add_record('render-3', values=[('title', 'Withdrawn early', 'en')], deleted=True)
        res = run_admin(ENV.db, 'undelete', 'render-3')
        self.assertEqual(res.status, 0, res)
        self.assertEqual(ENV.db.value(
            "SELECT count(*) FROM record_renderings x JOIN records r ON r.id = x.record_id "
            "WHERE r.local_id = 'render-3'"), len(FORMATS))

    def test_5_renderings_are_stored_format_by_format(self):
        # A harvest reads one format in record order: the rows of a format
        # are written together (render.c, store_batch), so that its pages
        # hold that format only.
        before = {p: harvest_records(p) for p in FORMATS}
        ENV.sql('TRUNCATE record_renderings')
        res = run_admin(ENV.db, 'render')
        self.assertEqual(res.status, 0, res)
        pages = {r['prefix']: int(r['pages']) for r in ENV.db.query(
            'SELECT prefix, count(DISTINCT (ctid::text::point)[0]) AS pages '
            'FROM record_renderings GROUP BY prefix')}
        total = ENV.db.value('SELECT count(DISTINCT (ctid::text::point)[0]) '
                             'FROM record_renderings')
        # Interleaved (a record's formats side by side), every format
        # would be on nearly every page. (Not exactly a quarter: a row
        # that does not fit a page's end leaves room that a smaller row of
        # the next format may take.)
        self.assertEqual(sorted(pages), sorted(FORMATS))
        for p, n in pages.items():
            self.assertLess(n, total / 2, (p, pages, total))
        # And each row is its own record's: the harvests are unchanged.
        for p in FORMATS:
            self.assertEqual(harvest_records(p), before[p], p)

    def test_6_crosswalk_change_moves_datestamps(self):
        # Migration 007 starts from the versions the server disseminates.
        stored = {r['prefix']: r['version'] for r in ENV.db.query(
            'SELECT DISTINCT prefix, version FROM record_renderings')}
        recorded = {r['prefix']: r['version'] for r in ENV.db.query(
            'SELECT prefix, version FROM format_versions')}
        self.assertEqual(recorded, stored)
        self.assertEqual(sorted(recorded), sorted(FORMATS))

        def stamps():
            return {r['local_id']: r['s'] for r in ENV.db.query(
                'SELECT local_id, extract(epoch FROM datestamp)::bigint AS s FROM records')}
        # As if this database had last seen MODS at an older crosswalk: the
        # upgrade's `oai-admin render` moves the datestamps of the records
        # available in MODS (not deleted, with a title), and only those.
        ENV.sql("UPDATE format_versions SET version = version - 1 WHERE prefix = 'mods'")
        before = stamps()
        in_mods = set(ENV.db.column(
            "SELECT local_id FROM records r WHERE NOT deleted AND EXISTS (SELECT 1 FROM "
            "record_values v WHERE v.record_id = r.id AND v.element = 'title' "
            "AND v.value ~ '[^\\x01-\\x20]')"))
        self.assertIn(sample(0), in_mods)
        self.assertNotIn('render-2', in_mods)
        t = time.time()
        time.sleep(1.05 - t % 1)  # a new second: moved stamps are later
        res = run_admin(ENV.db, 'render')
        self.assertEqual(res.status, 0, res)
        self.assertIn('mods: crosswalk version %d -> %d: the datestamps of %d records moved'
                      % (recorded['mods'] - 1, recorded['mods'], len(in_mods)), res.err)
        after = stamps()
        moved = {k for k in after if after[k] != before[k]}
        self.assertEqual(moved, in_mods)
        self.assertTrue(all(after[k] > t for k in moved))
        self.assertEqual(ENV.db.value("SELECT version FROM format_versions WHERE prefix = 'mods'"),
                         recorded['mods'])
        # The next incremental harvest has them.
        since = ENV.harvest('ListIdentifiers', metadataPrefix='mods',
                            from_=harness.fmt_time(int(t) + 1))
        self.assertEqual(set(since.identifiers), {harness.oai_id(k) for k in in_mods})
        # Once: a second run moves nothing.
        res = run_admin(ENV.db, 'render')
        self.assertNotIn('crosswalk version', res.err)
        self.assertEqual(stamps(), after)
        # A format without a row is new: its row comes back, nothing moves.
        ENV.sql("DELETE FROM format_versions WHERE prefix = 'dcterms'")
        res = run_admin(ENV.db, 'render')
        self.assertNotIn('crosswalk version', res.err)
        self.assertEqual(stamps(), after)
        self.assertEqual(ENV.db.value(
            "SELECT version FROM format_versions WHERE prefix = 'dcterms'"), recorded['dcterms'])


    def test_7_reordering_the_elements_moves_everything(self):
        # dc_elements.position orders the values of every format: a change
        # (only a migration can make it) moves every datestamp but the
        # deleted records', and drops the stored renderings (migration 007).
        local = sample(0)

        def order():
            r = get_record(local)
            return [etree.QName(e).localname for e in r.xpath('//oai_dc:dc/*')]
        before = ENV.db.query('SELECT local_id, deleted, extract(epoch FROM datestamp)::bigint '
                              'AS s FROM records')
        first = order()
        self.assertLess(first.index('title'), first.index('creator'))
        t = time.time()
        time.sleep(1.05 - t % 1)
        swap = ("UPDATE dc_elements SET position = 100 WHERE name = 'title';\n"
                "UPDATE dc_elements SET position = 1 WHERE name = 'creator';\n"
                "UPDATE dc_elements SET position = 2 WHERE name = 'title';\n")
        ENV.sql(swap)
        self.addCleanup(ENV.sql, swap.replace("'title'", "'x'").replace("'creator'", "'title'")
                        .replace("'x'", "'creator'"))
        self.assertEqual(renderings(), 0)
        after = {r['local_id']: r['s'] for r in ENV.db.query(
            'SELECT local_id, extract(epoch FROM datestamp)::bigint AS s FROM records')}
        for r in before:
            if r['deleted']:
                self.assertEqual(after[r['local_id']], r['s'], r['local_id'])
            else:
                self.assertGreater(after[r['local_id']], t, r['local_id'])
        got = order()
        self.assertLess(got.index('creator'), got.index('title'))
        run_admin(ENV.db, 'render')
        self.assertEqual(order(), got)


if __name__ == '__main__':
    unittest.main()
