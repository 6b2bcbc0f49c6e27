#!/usr/bin/python3
"""Database outages (docs/security.md): while PostgreSQL is down every
request that needs it gets 503 with a numeric Retry-After, fast (never a
hang, never a 500), the server stays up and reconnects by itself when the
database is back, and a harvest continues from its last resumption token
with no record lost or repeated. Also: a server started while the database
is down, and a database that accepts connections but never answers."""
import harness

import socket
import sys
import threading
import time
import unittest

from harness import oai_id

ENV = None
PAGE = 10
CONNECT_TIMEOUT = 2  # libpq's minimum (smaller values count as 2 s)
# A 503 must come within the connection attempt's bound plus one second.
BOUND_503 = (CONNECT_TIMEOUT + 1.0) * harness.SLOWDOWN
# After the database is back: DB_RETRY_INTERVAL (1 s) between attempts,
# plus the attempt itself, plus slack.
BOUND_RECOVERY = 5.0 * harness.SLOWDOWN

DB_REQUESTS = ('verb=Identify', 'verb=ListSets', 'verb=ListRecords&metadataPrefix=oai_dc',
               'verb=ListIdentifiers&metadataPrefix=oai_dc&set=type',
               'verb=GetRecord&metadataPrefix=oai_dc&identifier=%s' % oai_id('nec-1992-law-0001'))


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE,
                      file_settings={'database.connect_timeout': CONNECT_TIMEOUT}).start()


def figure(text):
    """Measurements worth seeing in the test output (docs, reports)."""
    print('  [figure] %s' % text, file=sys.stderr)


def wait_serving(client, test, runs=6):
    """Waits until `runs` requests in a row (each on a new connection, so
    spread over the workers) are served; fails after BOUND_RECOVERY."""
    t = time.monotonic()
    ok = 0
    while ok < runs:
        status = client.http('GET', client.path + '?verb=Identify').status
        test.assertIn(status, (200, 503))
        ok = ok + 1 if status == 200 else 0
        if status != 200:
            test.assertLess(time.monotonic() - t, BOUND_RECOVERY, 'the server did not reconnect')
            time.sleep(0.1)
    return time.monotonic() - t


class OutageBase(unittest.TestCase):
    def setUp(self):
        # A worker whose last connection attempt failed waits a moment
        # (DB_RETRY_INTERVAL) before the next: start once every worker serves.
        wait_serving(ENV.client, self)

    def tearDown(self):
        # Whatever happened, the next test gets a running database.
        if not ENV.cluster.running:
            ENV.cluster.start_postgres()

    def assert_503(self, client, qs, bound=BOUND_503):
        """One request on a fresh connection: 503 + numeric Retry-After within
        bound seconds. Returns the time it took."""
        t = time.monotonic()
        r = client.http('GET', client.path + '?' + qs, timeout=bound + 5)
        took = time.monotonic() - t
        self.assertEqual(r.status, 503, '%s: %d %s' % (qs, r.status, r.body[:300]))
        self.assertRegex(r.header('Retry-After') or '', r'^[0-9]+$', qs)
        self.assertLess(took, bound, '%s: 503 took %.2f s' % (qs, took))
        return took

    def wait_until_served(self, client, token, bound=BOUND_RECOVERY):
        """Repeats a resumption request until it succeeds; returns (response,
        seconds). Anything but 503 before that is a failure."""
        t = time.monotonic()
        while True:
            raw = client.http('GET', client.path + '?verb=ListRecords&resumptionToken=' + token)
            if raw.status == 200:
                resp = client.check(raw, [('verb', 'ListRecords'), ('resumptionToken', token)])
                return resp, time.monotonic() - t
            self.assertEqual(raw.status, 503, raw.body[:300])
            self.assertLess(time.monotonic() - t, bound, 'the server did not reconnect')
            time.sleep(0.1)

    def finish(self, client, resp):
        """Follows tokens from a response to the end; returns the identifiers."""
        ids = list(resp.identifiers())
        while resp.token is not None and (resp.token.text or '').strip():
            resp = client.oai(verb='ListRecords', resumptionToken=resp.token.text)
            self.assertEqual(resp.error_codes(), [])
            ids += resp.identifiers()
        return ids


class OutageMidHarvest(OutageBase):
    def test_outage_mid_harvest(self):
        c = ENV.client
        expected = ENV.db.identifiers()
        self.assertGreater(len(expected), 5 * PAGE)
        # Three pages in: keep the token of the fourth.
        resp = c.oai(verb='ListRecords', metadataPrefix='oai_dc')
        ids = list(resp.identifiers())
        for _ in range(2):
            resp = c.oai(verb='ListRecords', resumptionToken=resp.token.text)
            ids += resp.identifiers()
        token = resp.token.text
        # Both workers have a database connection now: the outage breaks
        # connections that look fine until they are used.
        for _ in range(4):
            c.oai(verb='Identify')

        ENV.cluster.stop_postgres()
        times = [self.assert_503(c, 'verb=ListRecords&resumptionToken=' + token)]
        for qs in DB_REQUESTS * 2:  # more than one request per worker
            times.append(self.assert_503(c, qs))
        figure('503 while the database is down: max %.0f ms over %d requests (bound %.1f s)'
               % (max(times) * 1e3, len(times), BOUND_503))
        # What needs no database is still answered.
        self.assertEqual(c.oai(verb='Bogus').error_codes(), ['badVerb'])
        self.assertEqual(c.oai(verb='ListRecords', resumptionToken='forged').error_codes(),
                         ['badResumptionToken'])
        # A first page or GetRecord whose arguments are wrong, whatever the
        # database (they wait in the worker's queue of requests that
        # arrive together, which takes no snapshot for them).
        self.assertEqual(c.oai(verb='ListRecords', metadataPrefix='bogus').error_codes(),
                         ['cannotDisseminateFormat'])
        self.assertEqual(c.oai(verb='GetRecord', metadataPrefix='oai_dc',
                               identifier='oai:elsewhere:1').error_codes(), ['idDoesNotExist'])
        self.assertTrue(ENV.server.alive())

        mark = len(ENV.server.log_text())
        ENV.cluster.start_postgres()
        resp, took = self.wait_until_served(c, token)
        figure('served again %.2f s after PostgreSQL was back' % took)
        ids += self.finish(c, resp)
        self.assertEqual(len(ids), len(set(ids)), 'a record was repeated')
        self.assertEqual(ids, expected, 'records lost or out of order')
        # Every worker reconnects, not only the one that answered first.
        took = wait_serving(c, self)
        for qs in DB_REQUESTS * 2:
            raw = c.http('GET', c.path + '?' + qs)
            self.assertEqual(raw.status, 200, qs)
        figure('all workers served again %.2f s later' % took)
        ENV.server.wait_log(r'database connection re-established', since=mark)
        self.assertNotRegex(ENV.server.log_text(), r' (GET|POST) \S+ 500 ')


class RestartBetweenRequests(OutageBase):
    def test_restart_between_requests_costs_nothing(self):
        # A worker's connection dies with the restart but looks fine until
        # used: db.c reconnects once and retries, so nobody sees a 503 --
        # also when the first statement after the restart is one this
        # connection has not prepared yet (ListSets here). One worker, so
        # that it is the same connection.
        srv = ENV.new_server(page_size=PAGE, file_settings={'server.workers': 1})
        c = srv.client()
        resp = c.oai(verb='ListRecords', metadataPrefix='oai_dc')
        ids = list(resp.identifiers())
        ENV.cluster.stop_postgres()
        ENV.cluster.start_postgres()
        for qs in ('verb=ListSets',) + DB_REQUESTS:
            raw = c.http('GET', c.path + '?' + qs)
            self.assertEqual(raw.status, 200, '%s after a restart: %d' % (qs, raw.status))
        resp = c.oai(verb='ListRecords', resumptionToken=resp.token.text)
        ids += self.finish(c, resp)
        self.assertEqual(ids, ENV.db.identifiers())


class StartedWhileDown(OutageBase):
    def test_server_started_while_database_down(self):
        ENV.cluster.stop_postgres()
        srv = ENV.new_server(page_size=PAGE,
                             file_settings={'database.connect_timeout': CONNECT_TIMEOUT})
        c = srv.client()
        for qs in DB_REQUESTS:
            self.assert_503(c, qs)
        self.assertEqual(c.oai(verb='ListRecords').error_codes(), ['badArgument'])
        ENV.cluster.start_postgres()
        wait_serving(c, self)
        h = c.harvest('ListIdentifiers', metadataPrefix='oai_dc')
        self.assertEqual(h.identifiers, ENV.db.identifiers())
        self.assertTrue(srv.alive())


class SilentDatabase(OutageBase):
    """A database host that accepts TCP connections and never answers (a
    hung server, a half-open firewall): the connection attempt is bounded
    by connect_timeout, so the request is answered 503, not held."""

    def test_connect_timeout_bounds_the_wait(self):
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(64)  # never accepts: the kernel completes handshakes
        port = listener.getsockname()[1]
        try:
            # One worker: the second request waits behind the first one's
            # attempt, and must then be answered at once, not after an
            # attempt of its own (that would be 2 x connect_timeout).
            srv = ENV.new_server(file_settings={
                'server.workers': 1,
                'database.conninfo': 'host=127.0.0.1 port=%d dbname=oai user=postgres' % port,
                'database.connect_timeout': CONNECT_TIMEOUT})
            c = srv.client()
            times = []
            results = []

            def one(qs):
                results.append(self.assert_503(c, qs))

            threads = [threading.Thread(target=one, args=(qs,)) for qs in DB_REQUESTS[:2]]
            for th in threads:
                th.start()
            for th in threads:
                th.join(BOUND_503 + 10)
            self.assertEqual(len(results), 2, 'a request did not get its 503 in time')
            times += results
            # Within DB_RETRY_INTERVAL of a failed attempt: 503 at once.
            times.append(self.assert_503(c, DB_REQUESTS[2]))
            figure('503 with a silent database: max %.2f s (connect_timeout %d s)'
                   % (max(times), CONNECT_TIMEOUT))
            self.assertGreaterEqual(max(times), 1.0, 'the server did try to connect')
            self.assertTrue(srv.alive())
        finally:
            listener.close()


class SlowQuery(OutageBase):
    """A query that runs too long (a lock, an overloaded database) is
    cancelled at statement_timeout and answered 503, not held."""

    def test_statement_timeout(self):
        slow = ENV.new_database('slow', migrate=False)
        slow.sql("CREATE VIEW records AS SELECT 1::bigint AS id, 'x'::text AS local_id, "
                 "now() AS datestamp, false AS deleted FROM pg_sleep(30);")
        srv = ENV.new_server(db=slow, file_settings={'database.statement_timeout': 300})
        took = self.assert_503(srv.client(), 'verb=Identify', bound=0.3 + 1.0)
        figure('503 for a query cut at statement_timeout 300 ms: %.2f s' % took)
        self.assertTrue(srv.alive())


if __name__ == '__main__':
    harness.main()
