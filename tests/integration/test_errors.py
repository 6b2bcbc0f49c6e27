#!/usr/bin/python3
"""Every OAI-PMH error code (spec 3.6), the <request> echo rules (spec 3.2),
and the error-related lines of OAI-NOTES.md.

noMetadataFormats is not reachable: every item, deleted ones included, can
be disseminated as oai_dc (the only format, rendered from the stored Dublin
Core), so ListMetadataFormats for an existing identifier always lists
oai_dc and for an unknown one answers idDoesNotExist.
NoMetadataFormats.test_not_reachable documents this against the data.
"""
import harness

import random
import string
import time
import unittest

from harness import oai_id

ENV = None
NOSETS = None      # a server on a database without any set
PAGE = 5


def setUpModule():
    global ENV, NOSETS
    ENV = harness.Env(page_size=PAGE).start()
    # Enough sets for ListSets to span pages, and an empty set.
    for i in range(PAGE + 2):
        ENV.db.ensure_set('errors:s%02d' % i)
    ENV.db.ensure_set('errors:empty')
    db = ENV.new_database('nosets')
    db.add_record('nosets-1', values=[('title', 'No sets here', 'en')])
    NOSETS = ENV.new_server(db=db, page_size=PAGE)


def first_local_id(where='NOT deleted'):
    return ENV.db.value('SELECT local_id FROM records WHERE %s ORDER BY id LIMIT 1' % where)


class Base(unittest.TestCase):
    def setUp(self):
        self.c = ENV.client

    def assertError(self, resp, code):
        # One error, or several of that code (spec 3.6: every problem of
        # the arguments is its own badArgument).
        codes = resp.error_codes()
        self.assertTrue(codes and set(codes) == {code},
                        '%s != [%s]: %s' % (codes, code, resp.body.decode('utf-8', 'replace')[:1500]))
        err = resp.root.find('{%s}error' % harness.OAI_NS)
        self.assertIsNotNone(err)
        return resp

    def assertNoRequestAttributes(self, resp):
        self.assertEqual(dict(resp.request.attrib), {},
                         'spec 3.2: no attributes on badVerb/badArgument')
        self.assertEqual(resp.request.text, ENV.server.base_url)

    def assertEcho(self, resp, pairs):
        self.assertEqual(dict(resp.request.attrib), dict(pairs),
                         'the <request> element must echo the arguments')

    def query(self, qs, code, method='GET'):
        r = self.c.oai_query(qs, method=method)
        self.assertError(r, code)
        if code in ('badVerb', 'badArgument'):
            self.assertNoRequestAttributes(r)
        return r

    def pairs(self, pairs, code, method='GET'):
        r = self.c.oai_pairs(pairs, method=method)
        self.assertError(r, code)
        if code in ('badVerb', 'badArgument'):
            self.assertNoRequestAttributes(r)
        return r

    def token(self, verb='ListIdentifiers', **params):
        if verb != 'ListSets':
            params.setdefault('metadataPrefix', 'oai_dc')
        r = self.c.oai(verb=verb, **params)
        self.assertEqual(r.error_codes(), [])
        tok = r.token
        self.assertIsNotNone(tok, 'expected a multi-page list')
        self.assertTrue(tok.text)
        return tok.text


class BadVerb(Base):
    def test_missing_verb(self):
        for qs in (None, '', 'metadataPrefix=oai_dc', 'identifier=%s' % oai_id('x'),
                   'Verb=Identify', 'VERB=Identify'):
            with self.subTest(qs=qs):
                self.query(qs, 'badVerb')

    def test_unknown_verb(self):
        for v in ('nastyVerb', 'identify', 'IDENTIFY', 'ListRecord', 'Identify ', ' Identify',
                  'GetRecords', 'ListIdentifier', '', '<script>',
                  'Identify"x'):
            with self.subTest(verb=v):
                self.pairs([('verb', v)], 'badVerb')

    def test_repeated_verb(self):
        self.pairs([('verb', 'Identify'), ('verb', 'Identify')], 'badVerb')
        self.pairs([('verb', 'Identify'), ('verb', 'ListSets')], 'badVerb')
        self.pairs([('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'),
                    ('verb', 'ListRecords')], 'badVerb')

    def test_bad_verb_wins_over_bad_arguments(self):
        self.pairs([('verb', 'Foo'), ('bar', 'baz'), ('from', 'yesterday')], 'badVerb')

    def test_post(self):
        self.query('', 'badVerb', method='POST')
        self.query('verb=nastyVerb', 'badVerb', method='POST')
        self.query('verb=Identify&verb=Identify', 'badVerb', method='POST')

    def test_spec_example(self):
        r = self.query('verb=nastyVerb', 'badVerb')
        self.assertEqual(r.request.text, ENV.server.base_url)


class BadArgument(Base):
    def test_every_problem_is_reported(self):
        # Spec 3.6: each problem its own <error>, none of the arguments
        # echoed (spec 3.2).
        cases = [
            ([('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('from', 'yesterday'),
              ('until', '2020-13-45'), ('foo', '1'), ('bar', '2')],
             ['2 arguments not defined by OAI-PMH', "'from' is not a valid datestamp",
              "'until' is not a valid datestamp"]),
            ([('verb', 'GetRecord'), ('identifier', 'a'), ('identifier', 'b'),
              ('identifier', 'c')],
             ["'identifier' is repeated", "'metadataPrefix' is missing"]),
            ([('verb', 'ListIdentifiers'), ('resumptionToken', 'x'), ('set', 'a b'),
              ('metadataPrefix', 'oai_dc')],
             ["combined with 'metadataPrefix'", "combined with 'set'",
              "'set' is not a valid setSpec"]),
            ([('verb', 'ListRecords'), ('metadataPrefix', 'oai dc'), ('set', ':x'),
              ('identifier', 'y')],
             ["'identifier' is not allowed", "'metadataPrefix' contains",
              "'set' is not a valid setSpec"]),
        ]
        for pairs, messages in cases:
            with self.subTest(pairs=pairs):
                r = self.c.oai_pairs(pairs)
                self.assertEqual(r.error_codes(), ['badArgument'] * len(messages))
                self.assertNoRequestAttributes(r)
                got = [e.text for e in r.root.findall('{%s}error' % harness.OAI_NS)]
                for want, text in zip(messages, got):
                    self.assertIn(want, text)

    def test_bad_verb_alone(self):
        # What else is wrong depends on the verb: a bad verb is reported alone.
        r = self.c.oai_pairs([('verb', 'Nope'), ('foo', '1'), ('from', 'x')])
        self.assertEqual(r.error_codes(), ['badVerb'])

    def test_illegal_arguments(self):
        ident = oai_id(first_local_id())
        cases = [
            [('verb', 'Identify'), ('foo', 'bar')],
            [('verb', 'ListMetadataFormats'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListSets'), ('set', 'type')],
            [('verb', 'ListSets'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'GetRecord'), ('identifier', ident), ('metadataPrefix', 'oai_dc'),
             ('set', 'type')],
            [('verb', 'GetRecord'), ('identifier', ident), ('metadataPrefix', 'oai_dc'),
             ('from', '2020-01-01')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('identifier', ident)],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'), ('foo', 'bar')],
            # argument names are case-sensitive
            [('verb', 'ListRecords'), ('metadataprefix', 'oai_dc')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('From', '2020-01-01')],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                self.pairs(pairs, 'badArgument')

    def test_missing_required_arguments(self):
        ident = oai_id(first_local_id())
        cases = [
            [('verb', 'GetRecord')],
            [('verb', 'GetRecord'), ('identifier', ident)],
            [('verb', 'GetRecord'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListRecords')],
            [('verb', 'ListIdentifiers')],
            [('verb', 'ListRecords'), ('from', '2020-01-01')],
            [('verb', 'ListIdentifiers'), ('set', 'type')],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                self.pairs(pairs, 'badArgument')

    def test_repeated_arguments(self):
        ident = oai_id(first_local_id())
        cases = [
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'), ('set', 'type'),
             ('set', 'lang')],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'), ('from', '2020-01-01'),
             ('from', '2020-01-01')],
            [('verb', 'GetRecord'), ('identifier', ident), ('identifier', ident),
             ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListMetadataFormats'), ('identifier', ident), ('identifier', ident)],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                self.pairs(pairs, 'badArgument')

    def test_empty_values(self):
        cases = [
            'verb=GetRecord&identifier=&metadataPrefix=oai_dc',
            'verb=GetRecord&identifier=%s&metadataPrefix=' % oai_id('x'),
            'verb=ListRecords&metadataPrefix=oai_dc&from=',
            'verb=ListIdentifiers&metadataPrefix=oai_dc&set=',
            'verb=ListMetadataFormats&identifier=',
            'verb=ListSets&resumptionToken=',
        ]
        for qs in cases:
            with self.subTest(qs=qs):
                self.query(qs, 'badArgument')

    def test_malformed_encoding(self):
        cases = [
            'verb=GetRecord&identifier=%ZZ&metadataPrefix=oai_dc',
            'verb=GetRecord&identifier=abc%&metadataPrefix=oai_dc',
            'verb=GetRecord&identifier=abc%4&metadataPrefix=oai_dc',
            'verb=GetRecord&identifier=a%00b&metadataPrefix=oai_dc',
            'verb=Identify&foo',
        ]
        for qs in cases:
            with self.subTest(qs=qs):
                self.query(qs, 'badArgument')

    def test_resumption_token_is_exclusive(self):
        tok = self.token()
        cases = [
            [('verb', 'ListIdentifiers'), ('resumptionToken', tok), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListIdentifiers'), ('resumptionToken', tok), ('from', '2000-01-01')],
            [('verb', 'ListIdentifiers'), ('resumptionToken', tok), ('until', '2100-01-01')],
            [('verb', 'ListIdentifiers'), ('resumptionToken', tok), ('set', 'type')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('resumptionToken', 'x')],
            [('verb', 'ListSets'), ('resumptionToken', tok), ('set', 'type')],
            [('verb', 'ListIdentifiers'), ('resumptionToken', tok), ('resumptionToken', tok)],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                self.pairs(pairs, 'badArgument')
        # Not a resumption verb at all.
        self.pairs([('verb', 'GetRecord'), ('resumptionToken', tok)], 'badArgument')
        self.pairs([('verb', 'Identify'), ('resumptionToken', tok)], 'badArgument')

    def test_bad_dates(self):
        bad = ['2020-13-01', '2020-00-10', '2020-02-30', '2021-02-29', '2020-1-1', '20200101',
               '2020-01-01T00:00:00', '2020-01-01T24:00:00Z', '2020-01-01T23:60:00Z',
               '2020-01-01T23:59:60Z', '2020-01-01T00:00:00.5Z', '2020-01-01T00:00:00.000Z',
               '2020-01-01T00:00:00+00:00', '2020-01-01T00:00:00+07:00', '2020-01-01T00:00Z',
               '2020-01-01T00Z', ' 2020-01-01', '2020-01-01 ', '2020-01-01Z', 'yesterday',
               '0000-01-01', '2020-01-01t00:00:00z', '2020-01-01 00:00:00Z', '-2020-01-01',
               '+2020-01-01', '12020-01-01', '2020', '2020-01', '2020-W01-1']
        for arg in ('from', 'until'):
            for value in bad:
                with self.subTest(arg=arg, value=value):
                    self.pairs([('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'),
                                (arg, value)], 'badArgument')

    def test_bad_dates_win_over_unknown_format(self):
        self.pairs([('verb', 'ListRecords'), ('metadataPrefix', 'marcxml'),
                    ('from', '2020-02-30')], 'badArgument')

    def test_mixed_granularity(self):
        for f, u in (('2020-01-01', '2020-12-31T00:00:00Z'),
                     ('2020-01-01T00:00:00Z', '2020-12-31'),
                     ('2020-01-01', '2020-01-01T23:59:59Z')):
            for verb in ('ListIdentifiers', 'ListRecords'):
                with self.subTest(verb=verb, f=f, u=u):
                    self.pairs([('verb', verb), ('metadataPrefix', 'oai_dc'), ('from', f),
                                ('until', u)], 'badArgument')

    def test_from_after_until(self):
        for f, u in (('2020-01-02', '2020-01-01'),
                     ('2020-01-01T00:00:01Z', '2020-01-01T00:00:00Z'),
                     ('2021-01-01T00:00:00Z', '2020-12-31T23:59:59Z')):
            for verb in ('ListIdentifiers', 'ListRecords'):
                with self.subTest(verb=verb, f=f, u=u):
                    self.pairs([('verb', verb), ('metadataPrefix', 'oai_dc'), ('from', f),
                                ('until', u)], 'badArgument')

    def test_from_equal_until_is_legal(self):
        for v in ('2020-01-01', '2020-01-01T00:00:00Z'):
            r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', from_=v, until=v)
            self.assertIn(r.error_codes(), ([], ['noRecordsMatch']))

    def test_illegal_syntax_is_never_echoed(self):
        # Values with an illegal syntax must not reach the <request> echo
        # (the schema restricts metadataPrefix and setSpec, and the harness
        # validates every response): badArgument, or an error without them.
        cases = [
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai dc')],
            [('verb', 'ListRecords'), ('metadataPrefix', '<oai_dc>')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('set', 'type::law')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('set', 'type law')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('set', ':type')],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'), ('set', 'type:')],
            [('verb', 'GetRecord'), ('metadataPrefix', 'oai"dc'),
             ('identifier', oai_id(first_local_id()))],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                r = self.c.oai_pairs(pairs)
                self.assertTrue(r.error_codes(), 'an illegal value must give an error')

    def test_over_long_values(self):
        # oai_args.h: longer than OAI_MAX_*_LEN -> badArgument.
        self.pairs([('verb', 'GetRecord'), ('identifier', oai_id('x' * 600)),
                    ('metadataPrefix', 'oai_dc')], 'badArgument')
        self.pairs([('verb', 'ListRecords'), ('metadataPrefix', 'x' * 100)], 'badArgument')
        self.pairs([('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'), ('set', 's' * 300)],
                   'badArgument')
        r = self.c.oai(verb='ListRecords', resumptionToken='A' * 3000)
        self.assertIn(r.error_codes(), (['badArgument'], ['badResumptionToken']))

    def test_too_many_arguments(self):
        pairs = [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')]
        pairs += [('x%d' % i, 'y') for i in range(40)]
        self.pairs(pairs, 'badArgument')

    def test_post(self):
        self.query('verb=Identify&foo=bar', 'badArgument', method='POST')
        self.query('verb=GetRecord', 'badArgument', method='POST')
        self.query('verb=ListRecords&metadataPrefix=oai_dc&from=2020-02-30', 'badArgument',
                   method='POST')


class BadResumptionToken(Base):
    def check_bad(self, verb, tok):
        r = self.c.oai(verb=verb, resumptionToken=tok)
        self.assertError(r, 'badResumptionToken')
        # Not badArgument: the <request> echoes the arguments (spec 3.2).
        self.assertEcho(r, [('verb', verb), ('resumptionToken', tok)])
        return r

    def test_forged(self):
        rnd = random.Random(42)
        alphabet = string.ascii_letters + string.digits + '_.-'
        for tok in ('abc', '0', 'xxx45abttyz', ''.join(rnd.choice(alphabet) for _ in range(64)),
                    ''.join(rnd.choice(alphabet) for _ in range(300))):
            for verb in ('ListIdentifiers', 'ListRecords', 'ListSets'):
                with self.subTest(tok=tok, verb=verb):
                    self.check_bad(verb, tok)

    def test_signed_with_another_secret(self):
        other = ENV.new_server(page_size=PAGE)
        r = other.client().oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        tok = r.token.text
        self.check_bad('ListIdentifiers', tok)
        # ... while the server that issued it accepts it.
        self.assertEqual(other.client().oai(verb='ListIdentifiers',
                                            resumptionToken=tok).error_codes(), [])

    def test_altered(self):
        tok = self.token()
        b64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + '-_'

        def flips(ch, last):
            # A replacement that changes the decoded bytes whatever the
            # encoding (hex, base64url): for the last character, whose low
            # bits may be padding in base64, change its top bits.
            top = b64.index(ch) >> 4 if ch in b64 else -1
            out = ['z' if top != 3 else 'A']
            if not last:
                out.append({'A': 'B', 'a': 'b', '0': '1'}.get(ch, 'A' if ch != 'A' else 'B'))
            return out

        positions = sorted({0, 1, len(tok) // 3, len(tok) // 2, (2 * len(tok)) // 3,
                            len(tok) - 2, len(tok) - 1})
        for pos in positions:
            for repl in flips(tok[pos], pos == len(tok) - 1):
                altered = tok[:pos] + repl + tok[pos + 1:]
                with self.subTest(pos=pos, repl=repl):
                    self.assertNotEqual(altered, tok)
                    self.check_bad('ListIdentifiers', altered)

    def test_truncated(self):
        tok = self.token()
        for cut in (tok[:-1], tok[:-2], tok[:-8], tok[:len(tok) // 2], tok[1:], tok[:8]):
            with self.subTest(cut=cut):
                self.check_bad('ListIdentifiers', cut)

    def test_extended(self):
        tok = self.token()
        for ext in (tok + 'A', tok + '.', 'A' + tok, tok + tok):
            with self.subTest(ext=ext[:20]):
                r = self.c.oai(verb='ListIdentifiers', resumptionToken=ext)
                self.assertIn(r.error_codes(), (['badResumptionToken'], ['badArgument']))

    def test_other_verb(self):
        li = self.token('ListIdentifiers')
        lr = self.token('ListRecords')
        ls = self.token('ListSets')
        self.check_bad('ListRecords', li)
        self.check_bad('ListSets', li)
        self.check_bad('ListIdentifiers', lr)
        self.check_bad('ListSets', lr)
        self.check_bad('ListIdentifiers', ls)
        self.check_bad('ListRecords', ls)

    def test_valid_token_still_works(self):
        # Sanity for the tests above: the unaltered token is accepted.
        tok = self.token()
        r = self.c.oai(verb='ListIdentifiers', resumptionToken=tok)
        self.assertEqual(r.error_codes(), [])
        self.assertEcho(r, [('verb', 'ListIdentifiers'), ('resumptionToken', tok)])

    def test_post(self):
        r = self.c.oai(verb='ListRecords', resumptionToken='forged', method='POST')
        self.assertError(r, 'badResumptionToken')

    def test_list_sets_with_no_sets_left(self):
        # The sets after a ListSets token were deleted meanwhile: ListSets
        # has no noRecordsMatch (spec 4.6), and an empty <ListSets> is not
        # schema-valid, so the token no longer leads anywhere.
        specs = ['zzleft%d' % i for i in range(PAGE + 1)]
        for spec in specs:
            ENV.db.ensure_set(spec)
        self.addCleanup(ENV.db.sql, 'DELETE FROM sets WHERE spec LIKE \'zzleft%\'')
        r = self.c.oai(verb='ListSets')
        last = None
        while r.token is not None and r.token.text:
            last = r.token.text
            r = self.c.oai(verb='ListSets', resumptionToken=last)
        final = [e.text for e in r.xpath('//o:set/o:setSpec')]
        self.assertTrue(final and set(final) <= set(specs), final)
        ENV.db.sql('DELETE FROM sets WHERE spec LIKE \'zzleft%\'')
        r = self.check_bad('ListSets', last)
        self.assertIn('No sets remain', r.root.findtext('{%s}error' % harness.OAI_NS))


class CannotDisseminateFormat(Base):
    def test_lists(self):
        # Prefixes this repository does not have (it has oai_dc, dcterms, mods
        # and marc21; test_formats.py tests them).
        for verb in ('ListRecords', 'ListIdentifiers'):
            for prefix in ('marcxml', 'oai_marc', 'OAI_DC', 'oai_dc_', 'all', 'MODS'):
                with self.subTest(verb=verb, prefix=prefix):
                    r = self.c.oai(verb=verb, metadataPrefix=prefix)
                    self.assertError(r, 'cannotDisseminateFormat')
                    self.assertEcho(r, [('verb', verb), ('metadataPrefix', prefix)])

    def test_with_selective_arguments(self):
        r = self.c.oai(verb='ListRecords', metadataPrefix='marcxml', set='type',
                       from_='2000-01-01', until='2100-01-01')
        self.assertError(r, 'cannotDisseminateFormat')
        self.assertEcho(r, [('verb', 'ListRecords'), ('metadataPrefix', 'marcxml'),
                            ('set', 'type'), ('from', '2000-01-01'), ('until', '2100-01-01')])

    def test_get_record(self):
        ident = oai_id(first_local_id())
        r = self.c.oai(verb='GetRecord', identifier=ident, metadataPrefix='marcxml')
        self.assertError(r, 'cannotDisseminateFormat')
        self.assertEcho(r, [('verb', 'GetRecord'), ('identifier', ident),
                            ('metadataPrefix', 'marcxml')])


class IdDoesNotExist(Base):
    def check_missing(self, ident, verb='GetRecord'):
        params = [('verb', verb), ('identifier', ident)]
        if verb == 'GetRecord':
            params.append(('metadataPrefix', 'oai_dc'))
        r = self.c.oai_pairs(params)
        self.assertError(r, 'idDoesNotExist')
        self.assertEcho(r, params)
        return r

    def test_unknown(self):
        for verb in ('GetRecord', 'ListMetadataFormats'):
            for ident in (oai_id('does-not-exist'), oai_id('nec-999999'),
                          'oai:other.example.org:' + first_local_id(), first_local_id(),
                          harness.ID_PREFIX, 'oai:elibrary.nec.gov.kh', 'urn:isbn:0451450523',
                          'http://elibrary.nec.gov.kh/doc/1'):
                with self.subTest(verb=verb, ident=ident):
                    self.check_missing(ident, verb)

    def test_quote_in_identifier_gives_well_formed_xml(self):
        # A validator sends identifier=invalid"id and expects well-formed XML
        # back (OAI-NOTES); the harness parses and validates the response.
        for verb in ('GetRecord', 'ListMetadataFormats'):
            for ident in ('invalid"id', oai_id('invalid"id')):
                with self.subTest(verb=verb, ident=ident):
                    self.check_missing(ident, verb)

    def test_markup_in_identifier(self):
        # Identifiers that are no URI at all: idDoesNotExist, or badArgument
        # (illegal syntax) without echo; either way schema-valid XML (an
        # echoed identifier attribute must be a valid anyURI: the harness
        # validates every response).
        for ident in ('invalid\'id', 'a<b>&c', '"><error code="x"/>', 'x]]>y', 'a b',
                      'k\u17d2\u1798\u17c2\u179a', 'oai:elibrary.nec.gov.kh:[x]', '{x}', 'a|b',
                      'a\\b', 'a^b', 'a`b', '#frag', '50%off', oai_id('x%zz'), '%',
                      # Valid only while the blank is there, and a validator
                      # drops it first (xs:anyURI collapses): port "x".
                      '\t//a:x', ' //a:x', '//a:x\n'):
            for verb in ('GetRecord', 'ListMetadataFormats'):
                with self.subTest(verb=verb, ident=ident):
                    params = [('verb', verb), ('identifier', ident)]
                    if verb == 'GetRecord':
                        params.append(('metadataPrefix', 'oai_dc'))
                    r = self.c.oai_pairs(params)
                    self.assertIn(r.error_codes(), (['idDoesNotExist'], ['badArgument']))
                    if r.error_codes() == ['idDoesNotExist']:
                        # The other arguments are echoed; the identifier
                        # too, unless it is no valid anyURI (spec 3.2 only
                        # requires a full echo for answers without error).
                        echo = dict(r.request.attrib)
                        if 'identifier' not in echo:
                            echo['identifier'] = ident
                        self.assertEqual(echo, dict(params))

    def test_raw_quote_in_query(self):
        # The same, with the quote not percent-encoded at all.
        r = self.c.oai_query('verb=GetRecord&metadataPrefix=oai_dc&identifier=invalid"id')
        self.assertError(r, 'idDoesNotExist')
        self.assertEqual(r.request.get('identifier'), 'invalid"id')

    def test_invalid_utf8(self):
        r = self.c.oai_query('verb=GetRecord&metadataPrefix=oai_dc&identifier=%FF%FEabc%C3',
                             params=None)
        self.assertIn(r.error_codes(), (['idDoesNotExist'], ['badArgument']))

    def test_unknown_identifier_with_unknown_format(self):
        # Spec 3.6: "repositories should report all errors": both, the
        # format's first (it is checked first), whether the identifier is
        # looked up (a plausible one) or cannot exist here at all.
        for ident in (oai_id('nope'), 'oai:elsewhere.example.org:1', oai_id('bad id')):
            with self.subTest(ident=ident):
                r = self.c.oai(verb='GetRecord', identifier=ident, metadataPrefix='marcxml')
                self.assertEqual(r.error_codes(), ['cannotDisseminateFormat', 'idDoesNotExist'])
        # An item that exists: only the format's error.
        r = self.c.oai(verb='GetRecord', identifier=oai_id(first_local_id()),
                       metadataPrefix='marcxml')
        self.assertEqual(r.error_codes(), ['cannotDisseminateFormat'])


class NoRecordsMatch(Base):
    def earliest(self):
        r = self.c.oai(verb='Identify')
        return harness.parse_time(r.payload.findtext('{%s}earliestDatestamp' % harness.OAI_NS))

    def check_none(self, verb='ListIdentifiers', **params):
        params.setdefault('metadataPrefix', 'oai_dc')
        r = self.c.oai(verb=verb, **params)
        self.assertError(r, 'noRecordsMatch')
        sent = dict(self.c._pairs(params))
        sent['verb'] = verb
        self.assertEqual(dict(r.request.attrib), sent)
        return r

    def test_until_a_year_before_earliest(self):
        # OAI-NOTES: until a year before earliestDatestamp -> noRecordsMatch.
        year_before = self.earliest() - 366 * 86400
        for verb in ('ListIdentifiers', 'ListRecords'):
            with self.subTest(verb=verb):
                self.check_none(verb, until=harness.fmt_time(year_before))
                self.check_none(verb, until=harness.fmt_time(year_before)[:10])

    def test_until_one_second_before_earliest(self):
        e = self.earliest()
        self.check_none(until=harness.fmt_time(e - 1))
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc', until=harness.fmt_time(e))
        self.assertEqual(r.error_codes(), [], 'until=earliestDatestamp includes a record')

    def test_from_in_the_future(self):
        future = time.time() + 400 * 86400
        self.check_none(from_=harness.fmt_time(future))
        self.check_none('ListRecords', from_=harness.fmt_time(future)[:10])
        self.check_none(from_='9999-12-31')
        self.check_none(from_='9999-12-31T23:59:59Z')

    def test_empty_window(self):
        e = self.earliest()
        self.check_none(from_=harness.fmt_time(e - 1000), until=harness.fmt_time(e - 1))

    def test_empty_set(self):
        self.check_none(set='errors:empty')
        self.check_none('ListRecords', set='errors:empty')
        self.check_none(set='errors')  # a parent whose subtree has no records

    def test_unknown_set(self):
        self.check_none(set='no-such-set')
        self.check_none('ListRecords', set='no-such-set:child')

    def test_set_and_dates(self):
        self.check_none(set='type', until=harness.fmt_time(self.earliest() - 1))

    def test_nothing_left_after_a_token(self):
        # Every record after a token's position changed after the harvest
        # began: each moved past the harvest's until (its first
        # responseDate), into the next incremental harvest. The resumed
        # list is empty, which the schema cannot express as a page:
        # noRecordsMatch ends the harvest, the request echoed (spec 3.2).
        spec = 'leftover'
        ENV.db.ensure_set(spec)
        ids = ['left-%d' % i for i in range(PAGE + 1)]
        for i, local_id in enumerate(ids):
            ENV.db.add_record(local_id, values=[('title', 'Left %d' % i, 'en')], sets=[spec],
                              datestamp='2019-06-01T00:00:%02dZ' % i)
        for verb in ('ListIdentifiers', 'ListRecords'):
            with self.subTest(verb=verb):
                ENV.db.sql("UPDATE records SET datestamp = '2019-06-01T00:00:%02dZ' "
                           "WHERE local_id = '%s'" % (PAGE, ids[-1]))
                first = self.c.oai(verb=verb, metadataPrefix='oai_dc', set=spec)
                self.assertEqual(len(first.oai_headers()), PAGE)
                tok = first.token.text
                self.assertTrue(tok)
                # A second later than the first page: past its until.
                time.sleep(max(0.0, harness.parse_time(first.response_date) + 1.1 - time.time()))
                ENV.db.sql("UPDATE record_values SET value = value || '.' WHERE record_id = "
                           "(SELECT id FROM records WHERE local_id = '%s')" % ids[-1])
                r = self.c.oai(verb=verb, resumptionToken=tok)
                self.assertError(r, 'noRecordsMatch')
                self.assertEqual(dict(r.request.attrib), {'verb': verb, 'resumptionToken': tok})
                self.assertIn('No more records',
                              r.root.findtext('{%s}error' % harness.OAI_NS))
                # The record is not lost: the next incremental harvest has it.
                later = self.c.oai(verb=verb, metadataPrefix='oai_dc', set=spec,
                                   from_=first.response_date)
                self.assertIn(oai_id(ids[-1]), later.identifiers())


class NoSetHierarchy(Base):
    def setUp(self):
        self.c = NOSETS.client()

    def test_list_sets(self):
        r = self.c.oai(verb='ListSets')
        self.assertError(r, 'noSetHierarchy')
        self.assertEcho(r, [('verb', 'ListSets')])

    def test_set_argument(self):
        for verb in ('ListIdentifiers', 'ListRecords'):
            with self.subTest(verb=verb):
                r = self.c.oai(verb=verb, metadataPrefix='oai_dc', set='type')
                self.assertError(r, 'noSetHierarchy')
                self.assertEcho(r, [('verb', verb), ('metadataPrefix', 'oai_dc'),
                                    ('set', 'type')])

    def test_lists_without_set_work(self):
        r = self.c.oai(verb='ListIdentifiers', metadataPrefix='oai_dc')
        self.assertEqual(r.error_codes(), [])
        self.assertEqual(r.identifiers(), [oai_id('nosets-1')])
        self.assertEqual(r.oai_headers()[0].findall('{%s}setSpec' % harness.OAI_NS), [])

    def test_unknown_format_and_set(self):
        # Both errors (spec 3.6), the request echoed.
        for verb in ('ListIdentifiers', 'ListRecords'):
            with self.subTest(verb=verb):
                r = self.c.oai(verb=verb, metadataPrefix='marcxml', set='type')
                self.assertEqual(r.error_codes(), ['cannotDisseminateFormat', 'noSetHierarchy'])
                self.assertEcho(r, [('verb', verb), ('metadataPrefix', 'marcxml'),
                                    ('set', 'type')])

    def test_list_sets_bad_token(self):
        r = self.c.oai(verb='ListSets', resumptionToken='forged')
        self.assertIn(r.error_codes(), (['badResumptionToken'], ['noSetHierarchy']))


class NoMetadataFormats(Base):
    def test_not_reachable(self):
        # See the module docstring: every existing item, deleted or not, has
        # oai_dc, so noMetadataFormats cannot occur.
        ids = ENV.db.column('(SELECT local_id FROM records WHERE deleted ORDER BY id LIMIT 5) '
                            'UNION ALL (SELECT local_id FROM records WHERE NOT deleted '
                            'ORDER BY id LIMIT 5)')
        for lid in ids:
            with self.subTest(local_id=lid):
                r = self.c.oai(verb='ListMetadataFormats', identifier=oai_id(lid))
                self.assertEqual(r.error_codes(), [])
                self.assertIn('oai_dc', [p.text for p in r.xpath('//o:metadataPrefix')])


class RequestEcho(Base):
    """Spec 3.2: attributes echo the request's key=value pairs, except on
    badVerb/badArgument (checked above and, generically, by the harness)."""

    def test_success_echo(self):
        lid = first_local_id()
        cases = [
            [('verb', 'Identify')],
            [('verb', 'ListMetadataFormats')],
            [('verb', 'ListMetadataFormats'), ('identifier', oai_id(lid))],
            [('verb', 'ListSets')],
            [('verb', 'GetRecord'), ('identifier', oai_id(lid)), ('metadataPrefix', 'oai_dc')],
            [('verb', 'ListIdentifiers'), ('metadataPrefix', 'oai_dc'), ('set', 'type'),
             ('from', '2000-01-01'), ('until', '2100-12-31')],
            [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc'),
             ('from', '2000-01-01T00:00:00Z'), ('until', '2100-12-31T23:59:59Z')],
        ]
        for pairs in cases:
            with self.subTest(pairs=pairs):
                r = self.c.oai_pairs(pairs)
                self.assertEqual(r.error_codes(), [])
                self.assertEcho(r, pairs)

    def test_order_of_arguments_does_not_matter(self):
        lid = first_local_id()
        a = self.c.oai_query('verb=GetRecord&identifier=%s&metadataPrefix=oai_dc' % oai_id(lid))
        b = self.c.oai_query('metadataPrefix=oai_dc&identifier=%s&verb=GetRecord' % oai_id(lid))
        self.assertEqual(a.error_codes(), [])
        self.assertEqual(b.error_codes(), [])
        self.assertEqual(a.records()[0].findtext('.//{%s}identifier' % harness.OAI_NS),
                         b.records()[0].findtext('.//{%s}identifier' % harness.OAI_NS))


if __name__ == '__main__':
    harness.main()
