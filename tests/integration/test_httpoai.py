#!/usr/bin/python3
"""A real third-party harvester: HTTP::OAI (Perl, Debian libhttp-oai-perl)
harvests the whole demo collection with ListIdentifiers through the server
(httpoai_harvest.pl); what it got must be exactly what the database holds."""
import harness

import os
import subprocess
import unittest

ENV = None
PAGE = 50
SCRIPT = os.path.join(harness.HERE, 'httpoai_harvest.pl')


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE).start()


class HttpOai(unittest.TestCase):
    def run_harvester(self):
        p = subprocess.run(['perl', SCRIPT, ENV.server.base_url], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        out = p.stdout.decode('utf-8')
        err = p.stderr.decode('utf-8', 'replace')
        self.assertEqual(p.returncode, 0, 'HTTP::OAI harvest failed:\n%s\n%s\n%s' % (
            err, out[-3000:], ENV.server.log_tail()))
        return out, err

    def test_harvest_whole_collection(self):
        try:
            subprocess.run(['perl', '-MHTTP::OAI', '-e', '1'], check=True,
                           stderr=subprocess.PIPE, timeout=60)
        except subprocess.CalledProcessError:
            self.fail('HTTP::OAI is not installed (apt-get install libhttp-oai-perl)')
        out, err = self.run_harvester()
        lines = out.splitlines()
        ident = [l for l in lines if l.startswith('IDENTIFY ')]
        self.assertEqual(len(ident), 1)
        name, base, gran, deleted = ident[0][len('IDENTIFY '):].split('\t')
        self.assertEqual(base, ENV.server.base_url)
        self.assertEqual(gran, 'YYYY-MM-DDThh:mm:ssZ')
        self.assertEqual(deleted, 'persistent')

        rows = [l[3:].split('\t') for l in lines if l.startswith('ID ')]
        got = [r[0] for r in rows]
        expected = ENV.db.identifiers()
        self.assertGreaterEqual(len(expected), 300)
        self.assertEqual(len(got), len(set(got)), 'duplicates in the harvest')
        self.assertEqual(set(got), set(expected))
        self.assertEqual(len(got), len(expected))

        # Datestamps, deleted status and sets as the database has them.
        db = {harness.oai_id(r['local_id']): r for r in ENV.db.query(
            "SELECT r.local_id, extract(epoch FROM r.datestamp)::bigint AS t, r.deleted, "
            "coalesce((SELECT string_agg(s.spec, ' ' ORDER BY s.spec) FROM record_sets s "
            "WHERE s.record_id = r.id), '') AS sets FROM records r")}
        for identifier, datestamp, status, sets in rows:
            d = db[identifier]
            self.assertEqual(datestamp, harness.fmt_time(d['t']), identifier)
            self.assertEqual(status == 'deleted', d['deleted'], identifier)
            self.assertEqual(sorted(sets.split()), d['sets'].split(), identifier)

        # Pages and their cursors, as the library saw them.
        pages = [l[5:].split('\t') for l in lines if l.startswith('PAGE ')]
        self.assertEqual(len(pages) + 1, -(-len(expected) // PAGE))
        for i, (n, cursor, size) in enumerate(pages):
            self.assertEqual(int(n), i + 2)
            self.assertEqual(int(cursor), (i + 1) * PAGE)
            self.assertEqual(int(size), len(expected))

        auto = [l for l in lines if l.startswith('AUTO ')]
        self.assertEqual(auto, ['AUTO %d' % len(expected)])
        # The library warns on stderr about what it cannot parse.
        self.assertEqual(err.strip(), '', 'HTTP::OAI printed warnings')


if __name__ == '__main__':
    harness.main()
