#!/usr/bin/python3
"""The metadata formats beyond oai_dc (qualified DC "dcterms", MODS 3.7
"mods", MARCXML "marc21"), over HTTP. Every response is validated by the
harness against schemas/oai-pmh-all.xsd, which imports the official schema
of every format, so each GetRecord and every harvested page below is also a
schema test of the crosswalk. Here: ListMetadataFormats for the repository
and per record (a format that needs a title is not offered for a record
without one), GetRecord and complete harvests in each format against the
database, cannotDisseminateFormat, selective harvests, and the Khmer and
English values with their languages."""
import harness

import unittest

from harness import OAI_NS, oai_id

ENV = None

XSI = '{http://www.w3.org/2001/XMLSchema-instance}schemaLocation'
XSI_TYPE = '{http://www.w3.org/2001/XMLSchema-instance}type'
XML_LANG = harness.XML_LANG
QDC_NS = 'https://elibrary.nec.gov.kh/ns/qdc/'
DCTERMS_NS = 'http://purl.org/dc/terms/'
MODS_NS = 'http://www.loc.gov/mods/v3'
MARC_NS = 'http://www.loc.gov/MARC21/slim'
NS = {'qdc': QDC_NS, 'dcterms': DCTERMS_NS, 'm': MODS_NS, 'marc': MARC_NS, 'o': OAI_NS}

# prefix -> (schema, namespace, root element, needs a title)
FORMATS = {
    'oai_dc': (harness.OAI_DC_XSD, harness.OAI_DC_NS, '{%s}dc' % harness.OAI_DC_NS, False),
    'dcterms': ('https://elibrary.nec.gov.kh/schemas/qdc.xsd', QDC_NS,
                '{%s}qualifieddc' % QDC_NS, False),
    'mods': ('http://www.loc.gov/standards/mods/v3/mods-3-7.xsd', MODS_NS,
             '{%s}mods' % MODS_NS, True),
    'marc21': ('http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd', MARC_NS,
               '{%s}record' % MARC_NS, True),
}
TITLED = [p for p, f in FORMATS.items() if f[3]]

# Records without a usable title: none, blank, or only characters that are
# not text (C0 controls). MODS and MARC cannot carry them.
UNTITLED = {
    'fmt-no-title': [('creator', 'National Election Committee', 'en'),
                     ('date', '2020-01-01', None)],
    'fmt-blank-title': [('title', ' \t\n ', 'en'), ('subject', 'Elections', 'en')],
    'fmt-control-title': [('title', '\x01\x02\x1f', 'km')],
}
# Borderline titles that are text: a no-break space, DEL, one Khmer letter.
ODD_TITLED = {
    'fmt-nbsp-title': [('title', '\u00a0', None)],
    'fmt-del-title': [('title', '\x7f', None)],
    'fmt-khmer-letter': [('title', 'ក', 'km')],
}
MARKUP = [
    ('title', '<b>ច្បាប់</b> & "Law" ]]> \x01\x0b end', 'km'),
    ('title', '</title></titleInfo></mods><mods>', 'en'),
    ('creator', 'A & B <Committee>', 'en'),
    ('subject', 'ការបោះឆ្នោត 🗳️', 'km'),
    ('date', 'circa 1993', None),
    ('type', 'Royal Decree', 'en'),
    ('format', '24 pages', 'en'),
    ('identifier', 'http://exa mple.org/a?b=<c>&d', None),
    ('language', 'Khmer', 'en'),
    ('coverage', '1993-2013', None),
    ('relation', 'urn:nbn:kh:nec-x', None),
    ('rights', '© NEC', None),
]


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=50).start()
    recs = [dict(local_id=lid, values=vals, sets=['test:formats'],
                 datestamp='2024-05-0%dT00:00:00Z' % (i + 1))
            for i, (lid, vals) in enumerate(sorted(UNTITLED.items()))]
    recs += [dict(local_id=lid, values=vals, sets=['test:formats'],
                  datestamp='2024-05-1%dT00:00:00Z' % i)
             for i, (lid, vals) in enumerate(sorted(ODD_TITLED.items()))]
    recs.append(dict(local_id='fmt-deleted-untitled', values=[('creator', 'x', None)],
                     sets=['test:formats'], deleted=True, datestamp='2024-05-20T00:00:00Z'))
    recs.append(dict(local_id='fmt-markup', values=MARKUP, sets=['test:formats'],
                     datestamp='2024-05-21T00:00:00Z'))
    # A set where no record can be disseminated in MODS or MARC.
    recs.append(dict(local_id='fmt-only-untitled', values=[('subject', 'x', None)],
                     sets=['test:formats-untitled'], datestamp='2024-05-22T00:00:00Z'))
    ENV.db.add_records(recs)


def O(tag):
    return '{%s}%s' % (OAI_NS, tag)


def metadata_root(record):
    md = record.find(O('metadata'))
    if md is None:
        return None
    kids = [k for k in md if isinstance(k.tag, str)]
    assert len(kids) == 1, 'metadata must have one root element'
    return kids[0]


class Formats(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client
        self.db = ENV.db

    def formats_for(self, identifier=None):
        kw = {'identifier': identifier} if identifier else {}
        r = self.c.oai(verb='ListMetadataFormats', **kw)
        self.assertEqual(r.error_codes(), [], r.body[:1500])
        return {f.findtext(O('metadataPrefix')): (f.findtext(O('schema')),
                                                  f.findtext(O('metadataNamespace')))
                for f in r.payload.findall(O('metadataFormat'))}

    def get(self, local_id, prefix):
        r = self.c.oai(verb='GetRecord', identifier=oai_id(local_id), metadataPrefix=prefix)
        self.assertEqual(r.error_codes(), [], r.body[:1500])
        return r.records()[0]

    def first_title(self, local_id):
        return self.db.value(
            "SELECT v.value FROM record_values v JOIN records r ON r.id = v.record_id "
            "WHERE r.local_id = %s AND v.element = 'title' ORDER BY v.seq LIMIT 1"
            % harness.pg_literal(local_id))

    # --- ListMetadataFormats ---------------------------------------------

    def test_repository_formats(self):
        self.assertEqual(self.formats_for(), {p: f[:2] for p, f in FORMATS.items()})

    def test_record_formats(self):
        lid = self.db.value('SELECT local_id FROM records WHERE NOT deleted ORDER BY id LIMIT 1')
        self.assertEqual(set(self.formats_for(oai_id(lid))), set(FORMATS))
        for lid in UNTITLED:
            with self.subTest(local_id=lid):
                self.assertEqual(set(self.formats_for(oai_id(lid))), {'oai_dc', 'dcterms'})
        for lid in list(ODD_TITLED) + ['fmt-markup', 'fmt-deleted-untitled']:
            with self.subTest(local_id=lid):
                self.assertEqual(set(self.formats_for(oai_id(lid))), set(FORMATS))

    # --- GetRecord -------------------------------------------------------

    def test_getrecord_every_format(self):
        lids = self.db.column('SELECT local_id FROM records WHERE NOT deleted '
                              "AND local_id LIKE 'nec-%' ORDER BY id LIMIT 12")
        for prefix, (schema, ns, root, _) in FORMATS.items():
            for lid in lids + ['fmt-markup'] + list(ODD_TITLED):
                with self.subTest(prefix=prefix, local_id=lid):
                    md = metadata_root(self.get(lid, prefix))
                    self.assertEqual(md.tag, root)
                    self.assertEqual(md.get(XSI).split(), [ns, schema])

    def test_getrecord_deleted_in_every_format(self):
        for prefix in FORMATS:
            with self.subTest(prefix=prefix):
                rec = self.get('fmt-deleted-untitled', prefix)
                self.assertEqual(rec.find(O('header')).get('status'), 'deleted')
                self.assertIsNone(rec.find(O('metadata')))

    def test_cannot_disseminate_untitled(self):
        for prefix in TITLED:
            for lid in UNTITLED:
                with self.subTest(prefix=prefix, local_id=lid):
                    r = self.c.oai(verb='GetRecord', identifier=oai_id(lid),
                                   metadataPrefix=prefix)
                    self.assertEqual(r.error_codes(), ['cannotDisseminateFormat'])
        for prefix in ('oai_dc', 'dcterms'):
            self.get('fmt-no-title', prefix)

    def test_unknown_prefix(self):
        lid = self.db.value('SELECT local_id FROM records WHERE NOT deleted ORDER BY id LIMIT 1')
        for prefix in ('marcxml', 'MODS', 'qdc', 'oai_qdc', 'marc'):
            with self.subTest(prefix=prefix):
                r = self.c.oai(verb='GetRecord', identifier=oai_id(lid), metadataPrefix=prefix)
                self.assertEqual(r.error_codes(), ['cannotDisseminateFormat'])
                r = self.c.oai(verb='ListRecords', metadataPrefix=prefix)
                self.assertEqual(r.error_codes(), ['cannotDisseminateFormat'])

    # --- Harvests --------------------------------------------------------

    def expected(self, prefix, where='true'):
        """Identifiers a harvest in prefix must return, in order."""
        if FORMATS[prefix][3]:
            where = ("(%s) AND (r.deleted OR EXISTS (SELECT 1 FROM record_values v WHERE "
                     "v.record_id = r.id AND v.element = 'title' AND v.value ~ '[^\\x01-\\x20]'))"
                     % where)
        return self.db.identifiers(where)

    def test_full_harvest_every_format(self):
        for prefix, (schema, ns, root, _) in FORMATS.items():
            with self.subTest(prefix=prefix):
                h = self.c.harvest('ListRecords', metadataPrefix=prefix)
                self.assertGreater(len(h.pages), 5)
                self.assertEqual(h.identifiers, self.expected(prefix))
                for rec in h.items:
                    md = metadata_root(rec)
                    if md is not None:
                        self.assertEqual(md.tag, root)
                        self.assertEqual(md.get(XSI).split(), [ns, schema])

    def test_untitled_not_listed_in_titled_formats(self):
        for prefix in TITLED:
            with self.subTest(prefix=prefix):
                ids = self.c.harvest('ListIdentifiers', metadataPrefix=prefix).identifiers
                self.assertEqual(ids, self.expected(prefix))
                for lid in UNTITLED:
                    self.assertNotIn(oai_id(lid), ids)
                for lid in list(ODD_TITLED) + ['fmt-deleted-untitled']:
                    self.assertIn(oai_id(lid), ids)

    def test_set_harvest(self):
        where = ("EXISTS (SELECT 1 FROM record_sets s WHERE s.record_id = r.id "
                 "AND s.spec = 'test:formats')")
        for prefix in FORMATS:
            with self.subTest(prefix=prefix):
                h = self.c.harvest('ListRecords', metadataPrefix=prefix, set='test:formats',
                                   page_size=50)
                self.assertEqual(h.identifiers, self.expected(prefix, where))

    def test_set_with_nothing_to_disseminate(self):
        for prefix in TITLED:
            with self.subTest(prefix=prefix):
                r = self.c.oai(verb='ListRecords', metadataPrefix=prefix,
                               set='test:formats-untitled')
                self.assertEqual(r.error_codes(), ['noRecordsMatch'])
        r = self.c.oai(verb='ListRecords', metadataPrefix='dcterms', set='test:formats-untitled')
        self.assertEqual(len(r.records()), 1)

    def test_small_pages_complete_list_size(self):
        # completeListSize counts what the format can disseminate (the count
        # query applies the same rule as the page query).
        srv = ENV.new_server(page_size=2)
        c = srv.client()
        for prefix in TITLED:
            with self.subTest(prefix=prefix):
                h = c.harvest('ListIdentifiers', metadataPrefix=prefix, page_size=2,
                              from_='2024-05-01T00:00:00Z', until='2024-05-31T00:00:00Z')
                self.assertEqual(h.identifiers,
                                 self.expected(prefix, "r.datestamp >= '2024-05-01' AND "
                                               "r.datestamp <= '2024-05-31'"))

    # --- Languages and values ---------------------------------------------

    def test_titles_keep_their_language(self):
        lids = self.db.column("SELECT local_id FROM records WHERE NOT deleted "
                              "AND local_id LIKE 'nec-%' ORDER BY id LIMIT 25")
        for lid in lids:
            titles = [(r['value'], r['lang']) for r in self.db.query(
                "SELECT v.value, v.lang FROM record_values v JOIN records r ON r.id = v.record_id "
                "WHERE r.local_id = %s AND v.element = 'title' ORDER BY v.seq"
                % harness.pg_literal(lid))]
            with self.subTest(local_id=lid, prefix='dcterms'):
                md = metadata_root(self.get(lid, 'dcterms'))
                self.assertEqual([(t.text, t.get(XML_LANG))
                                  for t in md.findall('dcterms:title', NS)], titles)
            with self.subTest(local_id=lid, prefix='mods'):
                md = metadata_root(self.get(lid, 'mods'))
                got = [(ti.findtext('m:title', namespaces=NS), ti.get(XML_LANG))
                       for ti in md.findall('m:titleInfo', NS)]
                self.assertEqual(got, titles)
                langs = {'km': 'khm', 'en': 'eng'}
                for ti, (_, lang) in zip(md.findall('m:titleInfo', NS), titles):
                    self.assertEqual(ti.get('lang'), langs.get(lang))
            with self.subTest(local_id=lid, prefix='marc21'):
                md = metadata_root(self.get(lid, 'marc21'))
                t245 = md.findtext("marc:datafield[@tag='245']/marc:subfield[@code='a']",
                                   namespaces=NS)
                self.assertEqual(t245, titles[0][0])
                names = {'km': 'Khmer', 'en': 'English'}
                got = [(f.findtext("marc:subfield[@code='a']", namespaces=NS),
                        f.findtext("marc:subfield[@code='i']", namespaces=NS))
                       for f in md.findall("marc:datafield[@tag='246']", NS)]
                self.assertEqual(got, [(v, 'Title in %s:' % names[lg]) for v, lg in titles[1:]])

    def test_dcterms_keeps_every_value(self):
        # One DCMI Terms element per stored value, in stored order, same
        # text; xml:lang as stored, except on values typed with an encoding
        # scheme (dcterms.xsd prohibits it there).
        lids = self.db.column("SELECT local_id FROM records WHERE NOT deleted "
                              "AND local_id LIKE 'nec-%' ORDER BY id LIMIT 10")
        for lid in lids:
            with self.subTest(local_id=lid):
                md = metadata_root(self.get(lid, 'dcterms'))
                vals = self.db.query(
                    "SELECT v.value, v.lang FROM record_values v JOIN records r "
                    "ON r.id = v.record_id JOIN dc_elements e ON e.name = v.element "
                    "WHERE r.local_id = %s ORDER BY e.position, v.seq" % harness.pg_literal(lid))
                self.assertEqual(len(md), len(vals))
                for el, v in zip(md, vals):
                    typed = el.get(XSI_TYPE) is not None
                    self.assertEqual(el.text, v['value'])
                    self.assertEqual(el.get(XML_LANG), None if typed else v['lang'])

    def test_markup_and_illegal_characters(self):
        for prefix in FORMATS:
            with self.subTest(prefix=prefix):
                r = self.c.oai(verb='GetRecord', identifier=oai_id('fmt-markup'),
                               metadataPrefix=prefix)
                self.assertIn('<b>ច្បាប់</b> & "Law" ]]>  end',
                              [t for t in r.root.itertext()])
                self.assertNotIn(b'<b>', r.body)
                self.assertIn(b'&lt;/title&gt;&lt;/titleInfo&gt;', r.body)

    def test_marc_record_languages(self):
        lid = self.db.value(
            "SELECT r.local_id FROM records r WHERE NOT r.deleted AND "
            "(SELECT count(*) FROM record_values v WHERE v.record_id = r.id "
            "AND v.element = 'language') = 2 ORDER BY r.id LIMIT 1")
        self.assertIsNotNone(lid, 'the demo data has bilingual records')
        md = metadata_root(self.get(lid, 'marc21'))
        self.assertEqual(md.findtext("marc:controlfield[@tag='008']", namespaces=NS)[35:38],
                         'khm')
        self.assertEqual([s.text for s in md.findall(
            "marc:datafield[@tag='041']/marc:subfield", NS)], ['khm', 'eng'])
        self.assertEqual(md.findtext("marc:datafield[@tag='546']/marc:subfield", namespaces=NS),
                         'In Khmer and English.')
        md = metadata_root(self.get(lid, 'mods'))
        self.assertEqual([t.text for t in md.findall(
            "m:language/m:languageTerm[@authority='iso639-2b']", NS)], ['khm', 'eng'])


if __name__ == '__main__':
    harness.main()
