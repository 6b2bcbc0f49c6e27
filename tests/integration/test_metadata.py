#!/usr/bin/python3
"""What aggregators check in oai_dc (OAI-NOTES "Metadata"), on the demo
collection as the server disseminates it: the minimal element set, absolute
and distinct dc:identifier URLs, W3CDTF dates, ISO 639 language codes,
xml:lang on the bilingual values, no double-encoded UTF-8, NFC text."""
import harness

import collections
import re
import unicodedata
import unittest
import urllib.parse

ENV = None
RECORDS = None   # identifier -> list of (element, text, lang)

W3CDTF = re.compile(r'^\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?)?)?$')
ISO639 = re.compile(r'^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$')


def setUpModule():
    global ENV, RECORDS
    ENV = harness.Env(page_size=100).start()
    h = ENV.client.harvest('ListRecords', metadataPrefix='oai_dc')
    RECORDS = collections.OrderedDict()
    for rec in h.items:
        vals = harness.dc_values(rec)
        if vals is not None:
            RECORDS[harness.header_info(rec.find('{%s}header' % harness.OAI_NS))
                    ['identifier']] = vals


def values(vals, element):
    return [t for e, t, _ in vals if e == element]


class AggregatorChecks(unittest.TestCase):
    def test_collection_size(self):
        self.assertGreaterEqual(len(RECORDS), 250)

    def test_minimal_element_set(self):
        for ident, vals in RECORDS.items():
            for el in ('identifier', 'title', 'date', 'type', 'creator'):
                with self.subTest(identifier=ident, element=el):
                    self.assertTrue(values(vals, el), 'no dc:%s' % el)

    def test_identifier_is_an_absolute_url_unique_per_record(self):
        seen = {}
        for ident, vals in RECORDS.items():
            urls = [v for v in values(vals, 'identifier') if re.match(r'^https?://', v)]
            with self.subTest(identifier=ident):
                self.assertTrue(urls, 'no absolute URL in dc:identifier')
                for u in urls:
                    p = urllib.parse.urlsplit(u)
                    self.assertTrue(p.scheme and p.netloc, u)
                    self.assertNotIn(u, seen, 'dc:identifier %s also on %s' % (u, seen.get(u)))
                    seen[u] = ident

    def test_dates_are_w3cdtf(self):
        for ident, vals in RECORDS.items():
            for d in values(vals, 'date'):
                with self.subTest(identifier=ident, date=d):
                    self.assertRegex(d, W3CDTF)

    def test_language_codes(self):
        for ident, vals in RECORDS.items():
            for lang in values(vals, 'language'):
                with self.subTest(identifier=ident, language=lang):
                    self.assertRegex(lang, ISO639)

    def test_bilingual_values_carry_xml_lang(self):
        km = en = 0
        khmer = re.compile('[\u1780-\u17ff]')
        for ident, vals in RECORDS.items():
            for el, text, lang in vals:
                if el in ('title', 'description', 'subject', 'creator', 'publisher'):
                    if khmer.search(text):
                        with self.subTest(identifier=ident, element=el, text=text[:40]):
                            self.assertEqual(lang, 'km', 'Khmer text without xml:lang="km"')
                        km += 1
                    elif el == 'title':
                        en += lang == 'en'
        self.assertGreater(km, 0)
        self.assertGreater(en, 0)

    def test_no_double_encoded_utf8_and_nfc(self):
        for ident, vals in RECORDS.items():
            for el, text, _ in vals:
                with self.subTest(identifier=ident, element=el, text=text[:40]):
                    self.assertTrue(unicodedata.is_normalized('NFC', text), 'not NFC')
                    try:
                        again = text.encode('latin-1').decode('utf-8')
                    except (UnicodeEncodeError, UnicodeDecodeError):
                        again = None
                    if again is not None and again != text:
                        self.fail('double-encoded UTF-8: %r' % text[:60])
                    self.assertNotIn('\ufffd', text, 'replacement character')


if __name__ == '__main__':
    harness.main()
