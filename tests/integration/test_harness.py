#!/usr/bin/python3
"""Checks the test harness itself: schema validation is offline and not
vacuous (the shared example passes, the broken ones fail), the checks on an
OAI response reject what they must, and the PostgreSQL helpers work
(cluster, migrations, demo data, fixtures)."""
import harness  # noqa: F401  (sets XML_CATALOG_FILES before lxml loads)

import os
import time
import unittest

from harness import etree

EXAMPLES = os.path.join(os.path.dirname(harness.SOURCE_DIR.rstrip('/')), 'shared', 'schemas',
                        'examples')
if not os.path.isdir(EXAMPLES):
    EXAMPLES = '/work/shared/schemas/examples'


class FakeRaw(harness.RawResponse):
    def __init__(self, body, status=200, ctype=harness.CONTENT_TYPE):
        import email.message
        h = email.message.Message()
        if ctype:
            h['Content-Type'] = ctype
        super().__init__(status, 'OK', h, body)


def now():
    return harness.fmt_time(time.time())


def envelope(inner, request='<request verb="Identify">http://x.test/oai</request>',
             loc='http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd',
             date=None):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="%s"><responseDate>%s</responseDate>%s%s</OAI-PMH>'
            % (loc, date or now(), request, inner)).encode('utf-8')


IDENTIFY = ('<Identify><repositoryName>x</repositoryName><baseURL>http://x.test/oai</baseURL>'
            '<protocolVersion>2.0</protocolVersion><adminEmail>a@nec.gov.kh</adminEmail>'
            '<earliestDatestamp>2020-01-01T00:00:00Z</earliestDatestamp>'
            '<deletedRecord>persistent</deletedRecord>'
            '<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>')


class SchemaValidation(unittest.TestCase):
    def example(self, name):
        if not os.path.isdir(EXAMPLES):
            self.skipTest('shared/schemas/examples not found')
        with open(os.path.join(EXAMPLES, name), 'rb') as f:
            return f.read()

    def test_catalog_is_set(self):
        self.assertEqual(os.environ['XML_CATALOG_FILES'],
                         os.path.join(harness.SCHEMA_DIR, 'catalog.xml'))

    def test_valid_example_passes(self):
        root = harness.validate_bytes(self.example('listrecords.xml'))
        self.assertEqual(root.tag, '{%s}OAI-PMH' % harness.OAI_NS)

    def test_invalid_examples_fail(self):
        self.example('listrecords.xml')
        for name in sorted(os.listdir(EXAMPLES)):
            if name.startswith('invalid-'):
                with self.subTest(name=name):
                    with self.assertRaises(AssertionError) as cm:
                        harness.validate_bytes(self.example(name))
                    self.assertIn('does not validate', str(cm.exception))

    def test_metadata_is_validated_strictly(self):
        # An unknown element inside oai_dc must fail: the payload schemas
        # are loaded, not skipped (processContents="strict").
        good = envelope('<GetRecord><record><header><identifier>oai:x.test:1</identifier>'
                        '<datestamp>2020-01-01T00:00:00Z</datestamp></header><metadata>'
                        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:type xml:lang="km">'
                        'Text</dc:type></oai_dc:dc></metadata></record></GetRecord>')
        harness.validate_bytes(good)
        body = good.replace(b'dc:type', b'dc:kind')
        with self.assertRaises(AssertionError):
            harness.validate_bytes(body)

    def test_not_well_formed(self):
        with self.assertRaises(AssertionError) as cm:
            harness.validate_bytes(b'<OAI-PMH><a></OAI-PMH>')
        self.assertIn('well-formed', str(cm.exception))


class ResponseChecks(unittest.TestCase):
    def check(self, body, params=(('verb', 'Identify'),), **kw):
        return harness.check_response(FakeRaw(body, **kw), list(params), 'GET',
                                      'http://x.test/oai')

    def test_good_identify(self):
        r = self.check(envelope(IDENTIFY))
        self.assertEqual(r.error_codes(), [])
        self.assertEqual(etree.QName(r.payload).localname, 'Identify')

    def test_wrong_content_type(self):
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY), ctype='text/xml')

    def test_http_status(self):
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY), status=500)

    def test_schema_location_pairing(self):
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY, loc='http://www.openarchives.org/OAI/2.0/'
                                '   http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd'))

    def test_fractional_response_date(self):
        # Valid xs:dateTime, so the schema accepts it; the harness must not.
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY, date='2024-01-01T00:00:00.123Z'))

    def test_stale_response_date(self):
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY, date='2001-01-01T00:00:00Z'))

    def test_request_attributes_on_bad_verb(self):
        body = envelope('<error code="badVerb">x</error>',
                        request='<request verb="Identify">http://x.test/oai</request>')
        with self.assertRaises(AssertionError):
            self.check(body)
        body = envelope('<error code="badVerb">x</error>',
                        request='<request>http://x.test/oai</request>')
        self.assertEqual(self.check(body).error_codes(), ['badVerb'])

    def test_request_echo_on_success(self):
        with self.assertRaises(AssertionError):
            self.check(envelope(IDENTIFY, request='<request>http://x.test/oai</request>'))

    def test_no_xml_declaration(self):
        body = envelope(IDENTIFY).split(b'\n', 1)[1]
        with self.assertRaises(AssertionError):
            self.check(body)


class Fixtures(unittest.TestCase):
    def test_pg_literal(self):
        self.assertEqual(harness.pg_literal(None), 'NULL')
        self.assertEqual(harness.pg_literal("a'b"), "('a''b')")
        self.assertEqual(harness.pg_literal('\x01'), '(chr(1))')
        self.assertEqual(harness.pg_literal(''), "('')")


class Database(unittest.TestCase):
    """Cluster start/stop, migrations, demo data, and fixture helpers."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = harness.Cluster().start()
        cls.addClassCleanup(cls.cluster.stop)
        cls.cluster.create_db('oai')
        cls.cluster.migrate('oai')
        cls.cluster.load_demo('oai')
        cls.db = harness.Database(cls.cluster, 'oai')

    def test_demo_loaded(self):
        n = self.db.value('SELECT count(*) FROM records')
        self.assertGreaterEqual(n, 300)
        self.assertGreater(self.db.value('SELECT count(*) FROM records WHERE deleted'), 0)
        specs = self.db.column('SELECT spec FROM sets')
        for top in ('type', 'election', 'lang'):
            self.assertIn(top, specs)

    def test_add_record_with_datestamp(self):
        value = 'ព្រះរាជក្រឹត្យ \x01 <&> "\'\t\n'
        self.db.add_record('harness/1?x=y&z', values=[('title', value, 'km'),
                                                      ('title', 'Royal decree', 'en')],
                           sets=['test:harness'], datestamp='2001-02-03T04:05:06Z')
        self.assertEqual(self.db.datestamp('harness/1?x=y&z'),
                         harness.parse_time('2001-02-03T04:05:06Z'))
        rows = self.db.query("SELECT v.value, v.lang FROM record_values v JOIN records r "
                             "ON r.id = v.record_id WHERE r.local_id = 'harness/1?x=y&z' "
                             "ORDER BY v.seq")
        self.assertEqual(rows, [{'value': value, 'lang': 'km'},
                                {'value': 'Royal decree', 'lang': 'en'}])
        self.assertEqual(self.db.identifiers_in_set('test'),
                         [harness.oai_id('harness/1?x=y&z')])

    def test_add_records_in_one_transaction(self):
        self.db.add_records([
            dict(local_id='batch-%d' % i, values=[('title', 'B%d' % i, 'en')], sets=['test:batch'],
                 datestamp='2001-01-0%dT00:00:00Z' % (i + 1)) for i in range(3)])
        rows = self.db.query("SELECT local_id, extract(epoch FROM datestamp)::bigint AS t "
                             "FROM records WHERE local_id LIKE 'batch-%' ORDER BY local_id")
        self.assertEqual([r['t'] for r in rows],
                         [harness.parse_time('2001-01-0%dT00:00:00Z' % (i + 1)) for i in range(3)])

    def test_deleted_fixture_keeps_datestamp(self):
        self.db.add_record('harness-deleted', values=[('title', 'x', None)], deleted=True,
                           datestamp='2002-02-02T02:02:02Z')
        rows = self.db.query("SELECT deleted, extract(epoch FROM datestamp)::bigint AS t "
                             "FROM records WHERE local_id = 'harness-deleted'")
        self.assertEqual(rows, [{'deleted': True, 't': harness.parse_time('2002-02-02T02:02:02Z')}])


if __name__ == '__main__':
    harness.main()
