#!/usr/bin/python3
"""An expired resumption token over HTTP (spec 3.5: badResumptionToken for
an expired one): a server whose tokens live 60 s, the least
repository.token_lifetime allows, and a wait past their expirationDate. A
module of its own, so that ctest runs other tests during the wait."""
import harness

import time
import unittest

ENV = None
LIFETIME = 60


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=5,
                      overrides={'repository.token_lifetime': str(LIFETIME)}).start()


class Expiry(unittest.TestCase):
    def test_token_expires_at_its_expiration_date(self):
        tokens = []
        for verb, args in (('ListIdentifiers', {'metadataPrefix': 'oai_dc'}),
                           ('ListRecords', {'metadataPrefix': 'oai_dc'}),
                           ('ListSets', {})):
            r = ENV.oai(verb=verb, **args)
            tok = r.token
            self.assertIsNotNone(tok, '%s: expected more than one page' % verb)
            expires = harness.parse_time(tok.get('expirationDate'))
            # The expirationDate says when: responseDate + token_lifetime.
            self.assertEqual(expires, harness.parse_time(r.response_date) + LIFETIME)
            tokens.append((verb, tok.text, expires))
        for verb, tok, _ in tokens:
            self.assertEqual(ENV.oai(verb=verb, resumptionToken=tok).error_codes(), [],
                             '%s: the token is valid until its expirationDate' % verb)
        time.sleep(max(0.0, max(e for _, _, e in tokens) + 1.2 - time.time()))
        for verb, tok, _ in tokens:
            with self.subTest(verb=verb):
                r = ENV.oai(verb=verb, resumptionToken=tok)
                self.assertEqual(r.error_codes(), ['badResumptionToken'])
                self.assertIn('expired', r.root.findtext('{%s}error' % harness.OAI_NS))
                # Not badArgument: the request is echoed (spec 3.2).
                self.assertEqual(dict(r.request.attrib),
                                 {'verb': verb, 'resumptionToken': tok})


if __name__ == '__main__':
    harness.main()
