#!/usr/bin/python3
"""ListIdentifiers and ListRecords: complete harvests against the database,
flow control (spec 3.5), idempotent tokens (3.5.1), selective harvesting by
datestamp (2.7.1, 3.3.1), deleted records (2.5.1), and a harvest while the
repository changes."""
import harness

import collections
import time
import unittest

from harness import OAI_NS, oai_id, parse_time, fmt_time

ENV = None
PAGE = 10

# Records at known datestamps, all in set test:bounds.
BOUNDS = collections.OrderedDict([
    ('b-before', '2003-05-05T23:59:59Z'),
    ('b-daystart', '2003-05-06T00:00:00Z'),
    ('b-deleted', '2003-05-06T06:00:00Z'),
    ('b-mid', '2003-05-06T12:00:00Z'),
    ('b-mid2', '2003-05-06T12:00:00Z'),
    ('b-dayend', '2003-05-06T23:59:59Z'),
    ('b-after', '2003-05-07T00:00:00Z'),
])
TIE_COUNT = 2 * PAGE        # records sharing one datestamp, across a page boundary
TIE_DATESTAMP = '2003-06-01T00:00:00Z'


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE).start()
    db = ENV.db
    db.ensure_set('test:bounds', 'Boundary fixtures')
    recs = [dict(local_id=lid, values=[('title', 'Boundary ' + lid, 'en')], sets=['test:bounds'],
                 datestamp=ds, deleted=(lid == 'b-deleted')) for lid, ds in BOUNDS.items()]
    recs += [dict(local_id='tie-%02d' % i, values=[('title', 'Tie %d' % i, 'en')],
                  sets=['test:tie'], datestamp=TIE_DATESTAMP) for i in range(TIE_COUNT)]
    recs += [dict(local_id='ten-%02d' % i, values=[('title', 'Ten %d' % i, 'en')],
                  sets=['test:ten'], datestamp='2003-07-01T00:00:%02dZ' % i) for i in range(PAGE)]
    recs += [dict(local_id='eleven-%02d' % i, values=[('title', 'Eleven %d' % i, 'en')],
                  sets=['test:eleven'], datestamp='2003-08-01T00:00:%02dZ' % i)
             for i in range(PAGE + 1)]
    db.add_records(recs)

def bounds(*names):
    return [oai_id(n) for n in names]


class Base(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client
        self.db = ENV.db

    def ids(self, verb='ListIdentifiers', **params):
        params.setdefault('metadataPrefix', 'oai_dc')
        h = self.c.harvest(verb, **params)
        ids = h.identifiers
        self.assertEqual(len(ids), len(set(ids)), 'duplicates in the harvest')
        return ids

    def none(self, verb='ListIdentifiers', **params):
        params.setdefault('metadataPrefix', 'oai_dc')
        r = self.c.oai(verb=verb, **params)
        self.assertEqual(r.error_codes(), ['noRecordsMatch'])


class CompleteHarvest(Base):
    def db_records(self):
        """local_id -> (datestamp, deleted, sorted sets, values in DC order)."""
        rows = self.db.query(
            "SELECT r.local_id, extract(epoch FROM r.datestamp)::bigint AS t, r.deleted, "
            "coalesce((SELECT json_agg(s.spec ORDER BY s.spec) FROM record_sets s "
            "          WHERE s.record_id = r.id), '[]') AS sets, "
            "coalesce((SELECT json_agg(json_build_array(v.element, v.value, v.lang) "
            "                          ORDER BY e.position, v.seq) "
            "          FROM record_values v JOIN dc_elements e ON e.name = v.element "
            "          WHERE v.record_id = r.id), '[]') AS vals "
            "FROM records r ORDER BY r.datestamp, r.id")
        return collections.OrderedDict(
            (oai_id(r['local_id']), (fmt_time(r['t']), r['deleted'], r['sets'],
                                     [tuple(v) for v in r['vals']])) for r in rows)

    def test_list_identifiers_returns_exactly_the_database(self):
        expected = self.db.identifiers()
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
        got = h.identifiers
        self.assertEqual(len(got), len(set(got)), 'duplicates')
        self.assertEqual(set(got), set(expected))
        self.assertEqual(len(got), len(expected))
        self.assertGreater(len(h.pages), 30, 'a small page size gives many pages')
        # Our contract: ordered by (datestamp, id).
        self.assertEqual(got, expected)

    def test_list_records_returns_exactly_the_database(self):
        expected = self.db_records()
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc')
        got = h.identifiers
        self.assertEqual(len(got), len(set(got)), 'duplicates')
        self.assertEqual(set(got), set(expected))
        self.assertEqual(got, list(expected))
        for rec in h.items:
            hd = harness.header_info(rec.find('{%s}header' % OAI_NS))
            ds, deleted, sets, vals = expected[hd['identifier']]
            with self.subTest(identifier=hd['identifier']):
                self.assertEqual(hd['datestamp'], ds)
                self.assertEqual(hd['deleted'], deleted)
                self.assertEqual(sorted(hd['sets']), sets, 'explicit setSpecs of the record')
                md = harness.dc_values(rec)
                if deleted:
                    self.assertIsNone(md)
                else:
                    self.assertEqual(md, vals)

    def test_headers_match_between_verbs(self):
        a = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
        b = self.c.harvest('ListRecords', metadataPrefix='oai_dc')
        self.assertEqual([harness.header_info(x) for x in a.headers],
                         [harness.header_info(x) for x in b.headers])

    def test_deleted_records_are_listed(self):
        deleted = set(self.db.identifiers('r.deleted'))
        self.assertTrue(deleted, 'the demo data has deleted records')
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
        got = {x['identifier'] for x in map(harness.header_info, h.headers) if x['deleted']}
        self.assertEqual(got, deleted)


class FlowControl(Base):
    def test_first_page(self):
        r = self.c.oai(verb='ListRecords', metadataPrefix='oai_dc')
        self.assertEqual(len(r.items()), PAGE)
        tok = r.token
        self.assertIsNotNone(tok)
        self.assertEqual(tok.get('cursor'), '0')
        self.assertEqual(int(tok.get('completeListSize')),
                         self.db.value('SELECT count(*) FROM records'))
        exp = tok.get('expirationDate')
        self.assertIsNotNone(exp, 'expirationDate helps harvesters (BASE: >= 23 h)')
        self.assertGreaterEqual(parse_time(exp), time.time() + 23 * 3600 - 60)

    def test_last_page_has_empty_token_with_attributes(self):
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='test:eleven')
        self.assertEqual(len(h.pages), 2)
        last = h.pages[-1].token
        self.assertIsNotNone(last)
        self.assertEqual(last.text or '', '')
        self.assertEqual(last.get('completeListSize'), str(PAGE + 1))
        self.assertEqual(last.get('cursor'), str(PAGE))
        self.assertEqual(len(h.pages[-1].items()), 1)

    def test_single_page_has_no_token(self):
        r = self.c.oai(verb='ListRecords', metadataPrefix='oai_dc', set='test:bounds')
        self.assertEqual(len(r.items()), len(BOUNDS))
        self.assertIsNone(r.token)

    def test_exactly_one_page(self):
        # page_size records: one page, no token, no empty trailing page.
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', set='test:ten')
        self.assertEqual(len(r.items()), PAGE)
        self.assertIsNone(r.token)

    def test_exactly_two_pages_with_equal_datestamps(self):
        # 2 * page_size records sharing one datestamp: the keyset
        # (datestamp, id) must split them without loss or repeat.
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', set='test:tie')
        self.assertEqual(len(h.pages), 2)
        self.assertEqual(h.identifiers, [oai_id('tie-%02d' % i) for i in range(TIE_COUNT)])
        self.assertEqual(h.pages[0].token.get('completeListSize'), str(TIE_COUNT))

    def test_cursor_and_size_through_a_harvest(self):
        # (The harness checks cursor, completeListSize and the last token on
        # every harvest; here explicitly, with ListRecords.)
        n = self.db.value('SELECT count(*) FROM records')
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc')
        cursors = [int(p.token.get('cursor')) for p in h.pages]
        self.assertEqual(cursors, list(range(0, n, PAGE)))
        self.assertEqual({p.token.get('completeListSize') for p in h.pages}, {str(n)})

    def test_tokens_are_idempotent(self):
        r1 = self.c.oai(verb='ListRecords', metadataPrefix='oai_dc')
        tok = r1.token.text
        a = self.c.oai(verb='ListRecords', resumptionToken=tok)
        time.sleep(1.1)  # a retry comes later: the same page, not a newer one
        b = self.c.oai(verb='ListRecords', resumptionToken=tok)
        self.assertEqual(a.identifiers(), b.identifiers())
        self.assertEqual(len(a.identifiers()), PAGE)
        self.assertFalse(set(a.identifiers()) & set(r1.identifiers()))
        for attr in ('cursor', 'completeListSize'):
            self.assertEqual(a.token.get(attr), b.token.get(attr))
        self.assertEqual(a.token.get('cursor'), str(PAGE))
        # Both next tokens lead to the same third page.
        self.assertEqual(self.c.oai(verb='ListRecords', resumptionToken=a.token.text).identifiers(),
                         self.c.oai(verb='ListRecords', resumptionToken=b.token.text).identifiers())
        # Same bytes, apart from responseDate and the next token.
        self.assertEqual(normalize(a.body), normalize(b.body))

    def test_token_reuse_after_later_pages(self):
        # A harvester may go back to an older token (retry after an error).
        r1 = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        p2 = self.c.oai(verb='ListIdentifiers', resumptionToken=r1.token.text)
        self.c.oai(verb='ListIdentifiers', resumptionToken=p2.token.text)
        again = self.c.oai(verb='ListIdentifiers', resumptionToken=r1.token.text)
        self.assertEqual(again.identifiers(), p2.identifiers())

    def test_page_size_is_respected(self):
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
        sizes = [len(p.items()) for p in h.pages]
        self.assertTrue(all(s == PAGE for s in sizes[:-1]), sizes)
        self.assertTrue(1 <= sizes[-1] <= PAGE)


def normalize(body):
    import re
    body = re.sub(rb'<responseDate>[^<]*</responseDate>', b'<responseDate/>', body)
    body = re.sub(rb'expirationDate="[^"]*"', b'expirationDate=""', body)
    body = re.sub(rb'(<resumptionToken[^>]*>)[^<]+(</resumptionToken>)', rb'\1T\2', body)
    return body


class DatestampSelection(Base):
    """Inclusive bounds at both granularities (spec 2.7.1; OAI-NOTES)."""

    def test_seconds_inclusive_bounds(self):
        got = self.ids(set='test:bounds', from_='2003-05-06T00:00:00Z',
                       until='2003-05-06T23:59:59Z')
        self.assertEqual(got, bounds('b-daystart', 'b-deleted', 'b-mid', 'b-mid2', 'b-dayend'))

    def test_record_exactly_at_from(self):
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-06T12:00:00Z'),
                         bounds('b-mid', 'b-mid2', 'b-dayend', 'b-after'))

    def test_record_exactly_at_until(self):
        self.assertEqual(self.ids(set='test:bounds', until='2003-05-06T12:00:00Z'),
                         bounds('b-before', 'b-daystart', 'b-deleted', 'b-mid', 'b-mid2'))

    def test_from_equals_until(self):
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-06T12:00:00Z',
                                  until='2003-05-06T12:00:00Z'), bounds('b-mid', 'b-mid2'))
        self.none(set='test:bounds', from_='2003-05-06T12:00:01Z', until='2003-05-06T12:00:01Z')

    def test_one_second_off(self):
        self.none(set='test:bounds', from_='2003-05-06T12:00:01Z', until='2003-05-06T23:59:58Z')
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-05T23:59:59Z',
                                  until='2003-05-05T23:59:59Z'), bounds('b-before'))

    def test_day_granularity_whole_day(self):
        # until at day granularity includes the whole day (DSpace/xoai#34).
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-06', until='2003-05-06'),
                         bounds('b-daystart', 'b-deleted', 'b-mid', 'b-mid2', 'b-dayend'))

    def test_day_granularity_from_only(self):
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-06'),
                         bounds('b-daystart', 'b-deleted', 'b-mid', 'b-mid2', 'b-dayend',
                                'b-after'))
        self.assertEqual(self.ids(set='test:bounds', from_='2003-05-07'), bounds('b-after'))

    def test_day_granularity_until_only(self):
        self.assertEqual(self.ids(set='test:bounds', until='2003-05-06'),
                         bounds('b-before', 'b-daystart', 'b-deleted', 'b-mid', 'b-mid2',
                                'b-dayend'))
        self.assertEqual(self.ids(set='test:bounds', until='2003-05-05'), bounds('b-before'))

    def test_list_records_selection(self):
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc', set='test:bounds',
                           from_='2003-05-06', until='2003-05-06')
        self.assertEqual(h.identifiers, bounds('b-daystart', 'b-deleted', 'b-mid', 'b-mid2',
                                               'b-dayend'))

    def test_without_set_matches_database(self):
        # Windows over the whole collection, paged, both granularities.
        years = self.db.column("SELECT DISTINCT extract(year FROM datestamp)::int AS y "
                               "FROM records ORDER BY 1")
        y = years[len(years) // 2]
        cases = [
            ('%d-01-01' % y, '%d-12-31' % y, "%d-01-01T00:00:00Z" % y, "%d-12-31T23:59:59Z" % y),
            ('%d-01-01T00:00:00Z' % y, '%d-06-30T23:59:59Z' % y,
             "%d-01-01T00:00:00Z" % y, "%d-06-30T23:59:59Z" % y),
        ]
        for f, u, lo, hi in cases:
            with self.subTest(f=f, u=u):
                expected = self.db.identifiers(
                    "r.datestamp BETWEEN '%s'::timestamptz AND '%s'::timestamptz" % (lo, hi))
                if not expected:
                    self.none(from_=f, until=u)
                    continue
                self.assertEqual(self.ids(from_=f, until=u), expected)
        # from only, until only, at a record's own datestamp
        mid = self.db.value('SELECT extract(epoch FROM datestamp)::bigint FROM records '
                            'ORDER BY datestamp, id OFFSET (SELECT count(*) / 2 FROM records) '
                            'LIMIT 1')
        self.assertEqual(self.ids(from_=fmt_time(mid)), self.db.identifiers(
            "r.datestamp >= to_timestamp(%d)" % mid))
        self.assertEqual(self.ids(until=fmt_time(mid)), self.db.identifiers(
            "r.datestamp <= to_timestamp(%d)" % mid))

    def test_datestamps_in_range(self):
        h = self.c.harvest('ListIdentifiers', metadataPrefix='oai_dc', from_='2003-05-06',
                           until='2003-08-01')
        lo, hi = parse_time('2003-05-06'), parse_time('2003-08-01') + 86399
        for hd in map(harness.header_info, h.headers):
            self.assertTrue(lo <= parse_time(hd['datestamp']) <= hi, hd)


class DeletedRecords(Base):
    def test_deleted_in_list_records(self):
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc', set='test:bounds')
        by_id = {harness.header_info(r.find('{%s}header' % OAI_NS))['identifier']: r
                 for r in h.items}
        rec = by_id[oai_id('b-deleted')]
        hd = rec.find('{%s}header' % OAI_NS)
        self.assertEqual(hd.get('status'), 'deleted')
        self.assertIsNone(rec.find('{%s}metadata' % OAI_NS))
        self.assertEqual(hd.findtext('{%s}datestamp' % OAI_NS), BOUNDS['b-deleted'])
        for lid in BOUNDS:
            if lid != 'b-deleted':
                self.assertIsNone(by_id[oai_id(lid)].find('{%s}header' % OAI_NS).get('status'))
                self.assertIsNotNone(by_id[oai_id(lid)].find('{%s}metadata' % OAI_NS))

    def test_deleted_in_list_identifiers(self):
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', set='test:bounds')
        st = {x['identifier']: x['deleted'] for x in map(harness.header_info, r.oai_headers())}
        self.assertEqual([k for k, v in st.items() if v], bounds('b-deleted'))

    def test_deletion_moves_datestamp_into_incremental_harvest(self):
        # Withdrawing a record makes it show up, deleted, in the next
        # incremental harvest (persistent deletes: DOAJ#1408).
        self.db.add_record('del-later', values=[('title', 'To be withdrawn', 'en')],
                           sets=['test:del'], datestamp='2003-09-01T00:00:00Z')
        since = int(time.time())
        self.db.sql("UPDATE records SET deleted = true WHERE local_id = 'del-later';")
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', from_=fmt_time(since))
        st = {x['identifier']: x for x in map(harness.header_info, r.oai_headers())}
        self.assertIn(oai_id('del-later'), st)
        self.assertTrue(st[oai_id('del-later')]['deleted'])
        g = self.c.oai(verb='GetRecord', identifier=oai_id('del-later'), metadataPrefix='oai_dc')
        self.assertEqual(g.error_codes(), [])
        self.assertEqual(g.oai_headers()[0].get('status'), 'deleted')


class ChangesDuringHarvest(Base):
    def test_record_updated_mid_harvest(self):
        n = 25
        self.db.add_records([dict(local_id='live-%02d' % i, values=[('title', 'Live %d' % i, 'en')],
                                  sets=['test:live'], datestamp='2004-01-01T00:00:%02dZ' % i)
                             for i in range(n)])
        first = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', set='test:live')
        start = parse_time(first.response_date)
        served = first.identifiers()
        self.assertEqual(served, [oai_id('live-%02d' % i) for i in range(PAGE)])
        # Change the repository in a later second than the harvest began.
        while time.time() < start + 1.05:
            time.sleep(0.05)
        self.db.sql("UPDATE record_values SET value = 'Live 3 (revised)' WHERE record_id = "
                    "(SELECT id FROM records WHERE local_id = 'live-03');\n"
                    "UPDATE record_values SET value = 'Live 15 (revised)' WHERE record_id = "
                    "(SELECT id FROM records WHERE local_id = 'live-15');")
        self.db.add_record('live-new', values=[('title', 'Live new', 'en')], sets=['test:live'])
        self.assertGreater(self.db.datestamp('live-03'), start)

        # Finish the harvest with the tokens.
        ids = list(served)
        r = first
        sizes = {first.token.get('completeListSize')}
        while r.token is not None and r.token.text:
            r = self.c.oai(verb='ListIdentifiers', resumptionToken=r.token.text)
            self.assertEqual(r.error_codes(), [])
            ids += r.identifiers()
            sizes.add(r.token.get('completeListSize') if r.token is not None else None)
        self.assertEqual(len(ids), len(set(ids)), 'a record was served twice')
        self.assertEqual(sizes, {str(n)}, 'completeListSize is constant through a harvest')
        unchanged = [oai_id('live-%02d' % i) for i in range(n) if i not in (3, 15)]
        for ident in unchanged:
            self.assertIn(ident, ids, 'a record with an unchanged datestamp was lost')
        self.assertIn(oai_id('live-03'), ids)
        # The next incremental harvest, from the first responseDate, gets
        # every change made during the harvest.
        inc = self.ids(set='test:live', from_=first.response_date)
        for lid in ('live-03', 'live-15', 'live-new'):
            self.assertIn(oai_id(lid), inc)
        self.assertEqual(set(inc), set(bounds('live-03', 'live-15', 'live-new')))
        self.assertTrue(set(ids) | set(inc) >= set(bounds(*['live-%02d' % i for i in range(n)])))


class TokenPortability(Base):
    """Tokens are stateless and signed (token.h): any process with the key
    continues any harvest, and a rotated secret still verifies old tokens
    while it is configured as token_secret_old."""

    def test_other_process_same_secret(self):
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        tok = r.token.text
        here = self.c.oai(verb='ListIdentifiers', resumptionToken=tok)
        twin = ENV.new_server(page_size=PAGE, token_secret=ENV.server.token_secret)
        try:
            there = twin.client().oai(verb='ListIdentifiers', resumptionToken=tok)
            self.assertEqual(there.error_codes(), [])
            self.assertEqual(there.identifiers(), here.identifiers())
        finally:
            twin.stop()
            ENV.extra.remove(twin)

    def test_secret_rotation(self):
        old = ENV.server.token_secret
        tok = self.c.oai(verb='ListRecords', metadataPrefix='oai_dc').token.text
        expected = self.c.oai(verb='ListRecords', resumptionToken=tok).identifiers()
        rotated = ENV.new_server(page_size=PAGE, file_settings={
            'repository.token_secret_old': old})
        replaced = ENV.new_server(page_size=PAGE)
        try:
            r = rotated.client().oai(verb='ListRecords', resumptionToken=tok)
            self.assertEqual(r.error_codes(), [], 'token_secret_old must still verify')
            self.assertEqual(r.identifiers(), expected)
            # New tokens are signed with the new secret: the old server
            # (without it) refuses them.
            new_tok = r.token.text
            self.assertEqual(rotated.client().oai(verb='ListRecords', resumptionToken=new_tok)
                             .error_codes(), [])
            self.assertEqual(self.c.oai(verb='ListRecords', resumptionToken=new_tok)
                             .error_codes(), ['badResumptionToken'])
            # Without the old secret, old tokens are refused.
            self.assertEqual(replaced.client().oai(verb='ListRecords', resumptionToken=tok)
                             .error_codes(), ['badResumptionToken'])
        finally:
            for s in (rotated, replaced):
                s.stop()
                ENV.extra.remove(s)


class ManyValuesPerRecord(Base):
    def test_pages_of_records_with_many_values(self):
        # Pages hold page_size records, however many values each has.
        self.db.add_records([dict(local_id='mv-%02d' % i,
                                  values=[('subject', 'S%d-%d' % (i, j), 'en') for j in range(60)],
                                  sets=['test:manyvalues'],
                                  datestamp='2003-10-01T00:00:%02dZ' % i)
                             for i in range(PAGE + 5)])
        h = self.c.harvest('ListRecords', metadataPrefix='oai_dc', set='test:manyvalues')
        self.assertEqual([len(p.items()) for p in h.pages], [PAGE, 5])
        for i, rec in enumerate(h.items):
            self.assertEqual(harness.dc_values(rec),
                             [('subject', 'S%d-%d' % (i, j), 'en') for j in range(60)])


class ExtremeDates(Base):
    def test_extreme_bounds_cover_everything(self):
        expected = self.db.identifiers()
        for params in ({'from_': '0001-01-01'}, {'from_': '0001-01-01T00:00:00Z'},
                       {'until': '9999-12-31'}, {'until': '9999-12-31T23:59:59Z'},
                       {'from_': '1900-01-01', 'until': '2999-12-31'}):
            with self.subTest(params=params):
                self.assertEqual(self.ids(**params), expected)


if __name__ == '__main__':
    harness.main()
