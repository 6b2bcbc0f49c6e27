#!/usr/bin/python3
"""Sets (spec 2.6, 2.7.2, 4.6): ListSets against the database, paging of
ListSets, setDescription as oai_dc, set membership in headers, and
hierarchical selective harvesting."""
import harness

import unittest

from harness import OAI_NS, oai_id

ENV = None
SMALL = None      # a second server with a tiny page size, for ListSets paging


def O(tag):
    return '{%s}%s' % (OAI_NS, tag)


def setUpModule():
    global ENV, SMALL
    ENV = harness.Env(page_size=100).start()
    db = ENV.db
    db.ensure_set('test:described', 'Described set',
                  descriptions=[('Documents of the National Election Committee', 'en'),
                                ('ឯកសាររបស់គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត', 'km'),
                                ('No language & <markup>', None)])
    # Prefix traps: a set whose spec starts like another one's, and LIKE
    # wildcards ('_' and '%' are not setSpec characters, but '_' is).
    db.add_record('set-typex', values=[('title', 'In typeX', 'en')], sets=['typeX:law'])
    db.add_record('set-a_b', values=[('title', 'In test_u', 'en')], sets=['test_u'])
    db.add_record('set-axb', values=[('title', 'In testXu:sub', 'en')], sets=['testXu:sub'])
    # A record directly in an interior node and in a leaf.
    db.add_record('set-interior', values=[('title', 'Interior', 'en')],
                  sets=['test:deep', 'test:deep:er:est'])
    db.add_record('set-leaf', values=[('title', 'Leaf', 'en')], sets=['test:deep:er:est'])
    db.add_record('set-deleted', values=[('title', 'Deleted', 'en')], sets=['test:deep'],
                  deleted=True)
    db.add_record('set-none', values=[('title', 'No set', 'en')])
    SMALL = ENV.new_server(page_size=3)


class ListSets(unittest.TestCase):
    def setUp(self):
        self.db = ENV.db

    def db_sets(self):
        rows = self.db.query(
            "SELECT s.spec, s.name, coalesce((SELECT json_agg(json_build_array(d.value, d.lang) "
            "ORDER BY d.seq) FROM set_descriptions d WHERE d.spec = s.spec), '[]') AS descs "
            "FROM sets s ORDER BY s.spec")
        return {r['spec']: (r['name'], [tuple(d) for d in r['descs']]) for r in rows}

    def check_sets(self, harvest):
        expected = self.db_sets()
        specs = harvest.set_specs
        self.assertEqual(len(specs), len(set(specs)), 'duplicate setSpec')
        self.assertEqual(set(specs), set(expected))
        for s in harvest.items:
            spec = s.findtext(O('setSpec'))
            name, descs = expected[spec]
            with self.subTest(spec=spec):
                self.assertEqual(s.findtext(O('setName')), name)
                got = []
                for d in s.findall(O('setDescription')):
                    dc = d.find('oai_dc:dc', harness.NS)
                    self.assertIsNotNone(dc, 'setDescription holds oai_dc')
                    for el in dc:
                        self.assertEqual(el.tag, '{%s}description' % harness.DC_NS)
                        got.append((el.text or '', el.get(harness.XML_LANG)))
                self.assertEqual(got, descs)

    def test_list_sets_matches_database(self):
        h = ENV.client.harvest('ListSets')
        self.assertEqual(len(h.pages), 1)
        self.check_sets(h)

    def test_list_sets_paged(self):
        h = SMALL.client().harvest('ListSets')
        self.assertGreater(len(h.pages), 3)
        self.check_sets(h)

    def test_list_sets_token_idempotent(self):
        c = SMALL.client()
        first = c.oai(verb='ListSets')
        tok = first.token.text
        a = c.oai(verb='ListSets', resumptionToken=tok)
        b = c.oai(verb='ListSets', resumptionToken=tok)
        specs = lambda r: [x.findtext(O('setSpec')) for x in r.items()]  # noqa: E731
        self.assertEqual(specs(a), specs(b))
        self.assertEqual(len(specs(a)), 3)
        self.assertFalse(set(specs(a)) & set(specs(first)))
        self.assertEqual(a.token.get('cursor'), '3')

    def test_hierarchy_is_complete(self):
        # Every ancestor of a listed setSpec is listed too (spec 4.6.4).
        specs = set(ENV.client.harvest('ListSets').set_specs)
        for spec in specs:
            parts = spec.split(':')
            for i in range(1, len(parts)):
                self.assertIn(':'.join(parts[:i]), specs)
        for top in ('type', 'election', 'lang'):
            self.assertIn(top, specs)

    def test_set_description(self):
        h = ENV.client.harvest('ListSets')
        s = [x for x in h.items if x.findtext(O('setSpec')) == 'test:described'][0]
        vals = [(el.text, el.get(harness.XML_LANG)) for el in s.iterfind('.//dc:description',
                                                                        harness.NS)]
        self.assertEqual(vals, [('Documents of the National Election Committee', 'en'),
                                ('ឯកសាររបស់គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត', 'km'),
                                ('No language & <markup>', None)])

    def test_post(self):
        h = ENV.client.harvest('ListSets', method='POST')
        self.check_sets(h)


class SelectiveHarvesting(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client
        self.db = ENV.db

    def harvest_set(self, spec, verb='ListIdentifiers'):
        h = self.c.harvest(verb, metadataPrefix='oai_dc', set=spec)
        ids = h.identifiers
        self.assertEqual(len(ids), len(set(ids)), 'duplicates')
        return ids

    def test_every_set(self):
        # Each set returns the records in it and in its descendants.
        for spec in self.db.column('SELECT spec FROM sets ORDER BY spec'):
            expected = self.db.identifiers_in_set(spec)
            with self.subTest(set=spec):
                if not expected:
                    r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', set=spec)
                    self.assertEqual(r.error_codes(), ['noRecordsMatch'])
                    continue
                self.assertEqual(self.harvest_set(spec), expected)

    def test_parent_includes_children(self):
        for top in ('type', 'election', 'lang'):
            with self.subTest(set=top):
                children = self.db.column(
                    "SELECT spec FROM sets WHERE spec LIKE '%s:%%'" % top)
                self.assertTrue(children, 'the demo data has %s:* sets' % top)
                got = set(self.harvest_set(top))
                for child in children:
                    self.assertLessEqual(set(self.db.identifiers_in_set(child)), got)

    def test_prefix_is_not_a_parent(self):
        self.assertNotIn(oai_id('set-typex'), self.harvest_set('type'))
        self.assertEqual(self.harvest_set('typeX'), [oai_id('set-typex')])

    def test_underscore_is_literal(self):
        self.assertEqual(self.harvest_set('test_u'), [oai_id('set-a_b')])
        self.assertEqual(self.harvest_set('testXu'), [oai_id('set-axb')])

    def test_partial_segment_is_not_a_parent(self):
        # 'test:dee' is not an ancestor of 'test:deep'.
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', set='test:dee')
        self.assertEqual(r.error_codes(), ['noRecordsMatch'])

    def test_interior_node_and_deep_leaf(self):
        got = self.harvest_set('test:deep')
        self.assertEqual(set(got), {oai_id('set-interior'), oai_id('set-leaf'),
                                    oai_id('set-deleted')})
        self.assertEqual(set(self.harvest_set('test:deep:er')),
                         {oai_id('set-interior'), oai_id('set-leaf')})
        self.assertIn(oai_id('set-interior'), self.harvest_set('test'))
        self.assertNotIn(oai_id('set-none'), self.harvest_set('test'))

    def test_deleted_record_in_set(self):
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc', set='test:deep')
        st = {x['identifier']: x['deleted'] for x in map(harness.header_info, h.headers)}
        self.assertTrue(st[oai_id('set-deleted')])
        self.assertFalse(st[oai_id('set-leaf')])

    def test_header_lists_explicit_set_specs(self):
        r = self.c.oai(verb='GetRecord', identifier=oai_id('set-interior'),
                       metadataPrefix='oai_dc')
        hd = harness.header_info(r.oai_headers()[0])
        # Stored in test:deep and test:deep:er:est: the first is implied by
        # the second, and a header lists only the minimum (spec 2.6).
        self.assertEqual(hd['sets'], ['test:deep:er:est'])
        r = self.c.oai(verb='GetRecord', identifier=oai_id('set-leaf'), metadataPrefix='oai_dc')
        # Only the set it is in, not the implied ancestors (spec 2.6).
        self.assertEqual(harness.header_info(r.oai_headers()[0])['sets'], ['test:deep:er:est'])
        r = self.c.oai(verb='GetRecord', identifier=oai_id('set-none'), metadataPrefix='oai_dc')
        self.assertEqual(harness.header_info(r.oai_headers()[0])['sets'], [])

    def test_set_with_list_records_and_paging(self):
        spec = self.db.value("SELECT rs.spec FROM record_sets rs GROUP BY rs.spec "
                             "ORDER BY count(*) DESC LIMIT 1")
        expected = self.db.identifiers_in_set(spec)
        small = SMALL.client().harvest('ListRecords', metadataPrefix='oai_dc', set=spec)
        self.assertEqual(small.identifiers, expected)
        self.assertGreater(len(small.pages), 1)

    def test_set_and_dates(self):
        years = self.db.column("SELECT DISTINCT extract(year FROM r.datestamp)::int FROM records r "
                               "JOIN record_sets s ON s.record_id = r.id "
                               "WHERE s.spec LIKE 'type:%' ORDER BY 1")
        y = years[len(years) // 2]
        expected = self.db.identifiers_in_set(
            'type', "r.datestamp BETWEEN '%d-01-01T00:00:00Z' AND '%d-12-31T23:59:59Z'" % (y, y))
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='type',
                           from_='%d-01-01' % y, until='%d-12-31' % y)
        self.assertEqual(h.identifiers, expected)


if __name__ == '__main__':
    harness.main()
