#!/usr/bin/python3
"""Identify and ListMetadataFormats (spec 4.2, 4.4; OAI-NOTES "Identify")."""
import harness

import time
import unittest

from harness import NS, OAI_NS, oai_id

ENV = None


def setUpModule():
    global ENV
    ENV = harness.Env().start()


def O(tag):
    return '{%s}%s' % (OAI_NS, tag)


class Identify(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client
        self.db = ENV.db

    def identify(self, **kw):
        r = self.c.oai(verb='Identify', **kw)
        self.assertEqual(r.error_codes(), [])
        return r

    def test_required_elements(self):
        r = self.identify()
        ident = r.payload
        self.assertEqual(ident.findtext(O('repositoryName')),
                         ENV.server.settings['repository']['name'])
        self.assertEqual(ident.findtext(O('protocolVersion')), '2.0')
        self.assertEqual([e.text for e in ident.findall(O('adminEmail'))], [harness.ADMIN_EMAIL])
        self.assertEqual(ident.findtext(O('deletedRecord')), 'persistent')
        self.assertEqual(ident.findtext(O('granularity')), 'YYYY-MM-DDThh:mm:ssZ')

    def test_base_url_is_the_url_requested(self):
        # OAI-NOTES: baseURL equals the URL the request was made to.
        r = self.identify()
        self.assertEqual(r.payload.findtext(O('baseURL')), ENV.server.base_url)
        self.assertEqual(r.request.text, ENV.server.base_url)

    def test_earliest_datestamp_is_min_datestamp(self):
        r = self.identify()
        earliest = r.payload.findtext(O('earliestDatestamp'))
        self.assertRegex(earliest, harness.DATESTAMP_RE)
        dbmin = self.db.value('SELECT extract(epoch FROM min(datestamp))::bigint FROM records')
        self.assertEqual(earliest, harness.fmt_time(dbmin))

    def test_earliest_datestamp_follows_older_record(self):
        # A record older than all others moves earliestDatestamp down: no
        # datestamp in the repository may be lower than it (spec 4.2).
        old = '1999-12-31T23:59:58Z'
        self.db.add_record('identify-oldest', values=[('title', 'Oldest', 'en')],
                           datestamp=old)
        r = self.identify()
        self.assertEqual(r.payload.findtext(O('earliestDatestamp')), old)

    def test_oai_identifier_description(self):
        r = self.identify()
        descs = r.payload.findall(O('description'))
        ids = [d for d in descs if d.find('id:oai-identifier', NS) is not None]
        self.assertEqual(len(ids), 1, 'exactly one oai-identifier description')
        oi = ids[0].find('id:oai-identifier', NS)
        self.assertEqual(oi.findtext('id:scheme', namespaces=NS), 'oai')
        self.assertEqual(oi.findtext('id:repositoryIdentifier', namespaces=NS),
                         harness.REPOSITORY_ID)
        self.assertEqual(oi.findtext('id:delimiter', namespaces=NS), ':')
        sample = oi.findtext('id:sampleIdentifier', namespaces=NS)
        self.assertTrue(sample.startswith(harness.ID_PREFIX), sample)
        # The sample is a real item: GetRecord knows it.
        g = self.c.oai(verb='GetRecord', identifier=sample, metadataPrefix='oai_dc')
        self.assertEqual(g.error_codes(), [], 'sampleIdentifier %s does not exist' % sample)

    def test_admin_email_is_not_localhost(self):
        for e in self.identify().payload.findall(O('adminEmail')):
            self.assertNotIn('localhost', e.text)

    def test_no_compression_element_for_identity(self):
        # "A compression element should not be included for the identity encoding."
        comps = [e.text for e in self.identify().payload.findall(O('compression'))]
        self.assertNotIn('identity', comps)

    def test_post(self):
        r = self.c.oai(verb='Identify', method='POST')
        self.assertEqual(r.error_codes(), [])
        self.assertEqual(r.payload.findtext(O('baseURL')), ENV.server.base_url)

    def test_illegal_arguments(self):
        for extra in ({'foo': 'bar'}, {'identifier': oai_id('x')}, {'metadataPrefix': 'oai_dc'},
                      {'set': 'type'}, {'resumptionToken': 'abc'}, {'from_': '2020-01-01'}):
            with self.subTest(extra=extra):
                r = self.c.oai(verb='Identify', **extra)
                self.assertEqual(r.error_codes(), ['badArgument'])
                self.assertEqual(dict(r.request.attrib), {})

    def test_multiple_admin_emails(self):
        srv = ENV.new_server(file_settings={
            'repository.admin_email': 'elibrary@nec.gov.kh, it@nec.gov.kh'})
        r = srv.client().oai(verb='Identify')
        self.assertEqual([e.text for e in r.payload.findall(O('adminEmail'))],
                         ['elibrary@nec.gov.kh', 'it@nec.gov.kh'])

    def test_repository_name_is_escaped(self):
        name = 'គណៈកម្មាធិការជាតិរៀបចំការបោះឆ្នោត E-Library & <Archive> ]]>'
        srv = ENV.new_server(file_settings={'repository.name': name})
        r = srv.client().oai(verb='Identify')
        self.assertEqual(r.payload.findtext(O('repositoryName')), name)

    def test_base_url_with_longer_path(self):
        srv = ENV.new_server(base_path='/nec/oai-pmh')
        c = srv.client()
        r = c.oai(verb='Identify')
        self.assertEqual(r.payload.findtext(O('baseURL')), srv.base_url)
        self.assertTrue(srv.base_url.endswith('/nec/oai-pmh'))
        self.assertEqual(c.http('GET', '/oai?verb=Identify').status, 404)

    def test_empty_repository(self):
        # No records at all: Identify must still be valid (earliestDatestamp
        # is required) and must not be later than any record added afterwards.
        db = ENV.new_database('identify_empty')
        srv = ENV.new_server(db=db)
        before = int(time.time())
        r = srv.client().oai(verb='Identify')
        earliest = harness.parse_time(r.payload.findtext(O('earliestDatestamp')))
        self.assertLessEqual(earliest, before + 1)


class ListMetadataFormats(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client
        self.db = ENV.db

    def check_oai_dc(self, r):
        self.assertEqual(r.error_codes(), [])
        fmts = r.payload.findall(O('metadataFormat'))
        prefixes = [f.findtext(O('metadataPrefix')) for f in fmts]
        self.assertIn('oai_dc', prefixes)
        self.assertEqual(len(prefixes), len(set(prefixes)), 'duplicate metadataPrefix')
        dc = fmts[prefixes.index('oai_dc')]
        self.assertEqual(dc.findtext(O('schema')).strip(), harness.OAI_DC_XSD)
        self.assertEqual(dc.findtext(O('metadataNamespace')).strip(), harness.OAI_DC_NS)
        return prefixes

    def test_repository_formats(self):
        prefixes = self.check_oai_dc(self.c.oai(verb='ListMetadataFormats'))
        self.assertNotIn('all', prefixes)  # reserved (spec 3.4)

    def test_every_listed_format_is_disseminated(self):
        prefixes = self.check_oai_dc(self.c.oai(verb='ListMetadataFormats'))
        lid = self.db.value('SELECT local_id FROM records WHERE NOT deleted ORDER BY id LIMIT 1')
        for p in prefixes:
            with self.subTest(prefix=p):
                r = self.c.oai(verb='GetRecord', identifier=oai_id(lid), metadataPrefix=p)
                self.assertEqual(r.error_codes(), [])

    def test_for_an_item(self):
        lid = self.db.value('SELECT local_id FROM records WHERE NOT deleted ORDER BY id LIMIT 1')
        r = self.c.oai(verb='ListMetadataFormats', identifier=oai_id(lid))
        self.check_oai_dc(r)
        self.assertEqual(r.request.get('identifier'), oai_id(lid))

    def test_for_a_deleted_item(self):
        # OAI-NOTES: a withdrawn record is never idDoesNotExist.
        lid = self.db.value('SELECT local_id FROM records WHERE deleted ORDER BY id LIMIT 1')
        self.assertIsNotNone(lid, 'the demo data has deleted records')
        r = self.c.oai(verb='ListMetadataFormats', identifier=oai_id(lid))
        self.assertNotIn('idDoesNotExist', r.error_codes())
        self.check_oai_dc(r)

    def test_unknown_item(self):
        for ident in (oai_id('no-such-record'), 'oai:other.example.org:nec-0001',
                      'not-an-oai-identifier', harness.ID_PREFIX):
            with self.subTest(identifier=ident):
                r = self.c.oai(verb='ListMetadataFormats', identifier=ident)
                self.assertEqual(r.error_codes(), ['idDoesNotExist'])
                self.assertEqual(dict(r.request.attrib),
                                 {'verb': 'ListMetadataFormats', 'identifier': ident})

    def test_illegal_arguments(self):
        for extra in ({'metadataPrefix': 'oai_dc'}, {'set': 'type'}, {'from_': '2020-01-01'},
                      {'foo': 'bar'}):
            with self.subTest(extra=extra):
                r = self.c.oai(verb='ListMetadataFormats', **extra)
                self.assertEqual(r.error_codes(), ['badArgument'])

    def test_post(self):
        self.check_oai_dc(self.c.oai(verb='ListMetadataFormats', method='POST'))


if __name__ == '__main__':
    harness.main()
