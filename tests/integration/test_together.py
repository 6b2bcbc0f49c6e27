#!/usr/bin/python3
"""Requests that arrive together (server/dispatch.c, docs/architecture.md):
GetRecord requests ready in the same turn of a worker's event loop are
answered with one statement, and first list pages share one snapshot of the
data. Each request must get exactly the answer it gets alone.

One worker is held in the database (a lock on records, taken by another
session) while the requests arrive on their own connections; when the lock
is released they are all ready at once."""
import harness

import os
import re
import socket
import subprocess
import time
import unittest
import urllib.parse

from harness import oai_id

ENV = None
PAGE = 5

# (arguments, what the answer is when asked alone)
GETS = [
    (dict(identifier=oai_id('tg-khmer'), metadataPrefix='oai_dc'), 'record'),
    # The same record twice, in two formats.
    (dict(identifier=oai_id('tg-khmer'), metadataPrefix='dcterms'), 'record'),
    (dict(identifier=oai_id('tg-deleted'), metadataPrefix='mods'), 'record'),  # a header
    (dict(identifier=oai_id('tg-untitled'), metadataPrefix='mods'), 'cannotDisseminateFormat'),
    (dict(identifier=oai_id('tg-untitled'), metadataPrefix='oai_dc'), 'record'),
    (dict(identifier=oai_id('tg-none'), metadataPrefix='oai_dc'), 'idDoesNotExist'),
    # Answered without the database.
    (dict(identifier='oai:elsewhere.example:tg-khmer', metadataPrefix='oai_dc'),
     'idDoesNotExist'),
    (dict(identifier=oai_id('tg-khmer'), metadataPrefix='no_such_format'),
     'cannotDisseminateFormat'),
    # The word NULL is an identifier, not an SQL NULL; commas and
    # parentheses in one are text in the array literal.
    (dict(identifier=oai_id('NULL'), metadataPrefix='oai_dc'), 'record'),
    (dict(identifier=oai_id('tg,(1);x'), metadataPrefix='oai_dc'), 'record'),
    # Identifiers no record can have, answered without the database: array
    # syntax, and bytes that are not UTF-8, which would fail the statement
    # of every request in the batch.
    (dict(identifier=oai_id('a"b\\c{d},e f'), metadataPrefix='oai_dc'), 'idDoesNotExist'),
    (dict(identifier=oai_id('tg-\udcff'), metadataPrefix='oai_dc'), 'idDoesNotExist'),
    (dict(identifier=oai_id('x' * 257), metadataPrefix='oai_dc'), 'idDoesNotExist'),
    (dict(identifier=oai_id('tg-long'), metadataPrefix='oai_dc'), 'record'),  # ~100 kB
    (dict(identifier=oai_id('tg-khmer'), metadataPrefix='marc21'), 'record'),
]
FIRST_PAGES = [
    (dict(verb='ListRecords', metadataPrefix='oai_dc'), 'list'),
    (dict(verb='ListRecords', metadataPrefix='oai_dc'), 'list'),  # the list cache's
    (dict(verb='ListIdentifiers', metadataPrefix='oai_dc', set='tg'), 'list'),
    (dict(verb='ListRecords', metadataPrefix='mods', set='tg'), 'list'),
    (dict(verb='ListRecords', metadataPrefix='oai_dc', set='tg-empty'), 'noRecordsMatch'),
    (dict(verb='ListIdentifiers', metadataPrefix='oai_dc', until='1990-01-01'),
     'noRecordsMatch'),
]


def setUpModule():
    global ENV
    # One worker; room for 70 connections from one client at once.
    ENV = harness.Env(page_size=PAGE, file_settings={
        'server.workers': '1', 'server.max_connections_per_client': '200'}).start()
    ENV.db.add_records([
        dict(local_id='tg-khmer', sets=['tg'],
             values=[('title', 'ព្រះរាជក្រឹត្យ', 'km'), ('title', 'Royal Decree', 'en'),
                     ('date', '2023-07-23', None)]),
        dict(local_id='tg-deleted', sets=['tg'], deleted=True,
             values=[('title', 'Withdrawn', 'en')]),
        dict(local_id='tg-untitled', sets=['tg'], values=[('subject', 'Elections', 'en')]),
        dict(local_id='tg-long', values=[('title', 'Long', 'en'),
                                         ('description', 'ក' * 30000, 'km')]),
        dict(local_id='NULL', values=[('title', 'A record called NULL', 'en')]),
        dict(local_id='tg,(1);x', values=[('title', 'Commas', 'en')]),
    ])
    ENV.sql("INSERT INTO sets (spec, name) VALUES ('tg-empty', 'No records');")


def query(args):
    # An identifier may carry bytes that are not UTF-8 (surrogate escapes).
    return urllib.parse.urlencode({k: v.encode('utf-8', 'surrogateescape')
                                   for k, v in args.items()})


def url(args):
    return '/oai?' + query(args)


def request_bytes(args, method='GET'):
    if method == 'POST':
        body = query(args).encode()
        return ('POST /oai HTTP/1.1\r\nHost: x\r\nContent-Type: '
                'application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n'
                % len(body)).encode() + body
    return ('%s %s HTTP/1.1\r\nHost: x\r\n\r\n' % (method, url(args))).encode()


def comparable(body):
    """The answer without what depends on the second it was given in: the
    responseDate, and a resumption token's text and expiry (its list size
    and cursor stay)."""
    body = re.sub(rb'<responseDate>[^<]*</responseDate>', b'', body)
    body = re.sub(rb' expirationDate="[^"]*"', b'', body)
    return re.sub(rb'(<resumptionToken[^>]*>)[^<]*(</resumptionToken>)', rb'\1\2', body)


def kind(body):
    if b'<GetRecord>' in body:
        return 'record'
    if b'<ListRecords>' in body or b'<ListIdentifiers>' in body:
        return 'list'
    return re.search(rb'<error code="(\w+)"', body).group(1).decode()


def counters():
    text = ENV.client.http('GET', '/metrics').body.decode()
    names = ('oai_getrecord_batches_total', 'oai_getrecord_batched_total',
             'oai_first_page_snapshots_total')
    return {n: int(re.search(r'^%s (\d+)$' % n, text, re.M).group(1)) for n in names}


class ArriveTogether(unittest.TestCase):
    def hold_records(self, seconds):
        """Another session locks records for `seconds`; returns it once it
        holds the lock."""
        psql = harness._bash_pg('pg_client', 'psql').stdout.decode().strip()
        holder = subprocess.Popen(
            [psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', ENV.db.conninfo, '-c',
             'BEGIN; LOCK TABLE records IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(%s); COMMIT;'
             % seconds], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, PGAPPNAME='oai-together-holder'))
        deadline = time.monotonic() + 30 * harness.SLOWDOWN
        while ENV.db.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                           "'oai-together-holder' AND query LIKE '%pg_sleep%'") != 1:
            self.assertIsNone(holder.poll(), 'the lock holder ended early')
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        return holder

    def together(self, requests, methods=None):
        """Sends every request at once to a worker held in the database;
        returns their answers and the counters' increase."""
        methods = methods or ['GET'] * len(requests)
        socks = [socket.create_connection(('127.0.0.1', ENV.server.port),
                                          timeout=60 * harness.SLOWDOWN)
                 for _ in range(len(requests) + 1)]
        try:
            before = counters()
            holder = self.hold_records(2 * harness.SLOWDOWN)
            # The first request holds the worker in the lock's queue; the
            # others wait on their connections meanwhile.
            socks[0].sendall(request_bytes(dict(verb='GetRecord', metadataPrefix='oai_dc',
                                                identifier=oai_id('tg-khmer'))))
            time.sleep(0.3 * harness.SLOWDOWN)
            for s, args, m in zip(socks[1:], requests, methods):
                s.sendall(request_bytes(args, m))
            err = holder.communicate(timeout=60 * harness.SLOWDOWN)[1]
            self.assertEqual(holder.returncode, 0, err)
            got = [harness.read_responses(s, [m])[0] for s, m in zip(socks, ['GET'] + methods)]
            after = counters()
        finally:
            for s in socks:
                s.close()
        self.assertEqual(got[0].status, 200)
        return got[1:], {k: after[k] - before[k] for k in after}

    def check_alone_and_together(self, cases):
        requests = [args for args, _ in cases]
        alone = [ENV.client.http('GET', url(args)) for args in requests]
        for (args, expected), r in zip(cases, alone):
            self.assertEqual(r.status, 200)
            harness.validate_bytes(r.body)
            self.assertEqual(kind(r.body), expected, args)
        got, counted = self.together(requests)
        for args, one, together in zip(requests, alone, got):
            with self.subTest(**args):
                self.assertEqual(together.status, 200)
                harness.validate_bytes(together.body)
                self.assertEqual(comparable(together.body), comparable(one.body))
        return counted

    def test_getrecord_requests_share_a_statement(self):
        cases = [(dict(verb='GetRecord', **args), k) for args, k in GETS]
        counted = self.check_alone_and_together(cases)
        # All of them (and the first) were batched; those that arrived
        # together in one batch, or two if the poll split them.
        self.assertEqual(counted['oai_getrecord_batched_total'], len(cases) + 1)
        self.assertLessEqual(counted['oai_getrecord_batches_total'], 3, counted)

    def test_first_pages_share_a_snapshot(self):
        counted = self.check_alone_and_together(FIRST_PAGES)
        self.assertGreaterEqual(counted['oai_first_page_snapshots_total'], 1)
        self.assertLessEqual(counted['oai_first_page_snapshots_total'], 2, counted)

    def test_head_and_post(self):
        args = dict(verb='GetRecord', identifier=oai_id('tg-khmer'), metadataPrefix='oai_dc')
        alone = ENV.client.http('GET', url(args))
        page = dict(verb='ListRecords', metadataPrefix='oai_dc')
        alone_page = ENV.client.http('GET', url(page))
        got, counted = self.together([args, args, page, page], ['HEAD', 'POST', 'HEAD', 'POST'])
        self.assertEqual(comparable(got[1].body), comparable(alone.body))
        self.assertEqual(comparable(got[3].body), comparable(alone_page.body))
        for head, whole in ((got[0], alone), (got[2], alone_page)):
            self.assertEqual(head.status, 200)
            self.assertEqual(head.body, b'')
            self.assertEqual(head.headers['Content-Length'], str(len(whole.body)))
        self.assertEqual(counted['oai_getrecord_batched_total'], 3)
        self.assertLessEqual(counted['oai_getrecord_batches_total'], 3, counted)

    def test_more_than_a_batch(self):
        # 70 at once: the queue answers its first 64 when full, then the
        # rest.
        cases = [(dict(verb='GetRecord', metadataPrefix='oai_dc',
                       identifier=oai_id(['tg-khmer', 'NULL', 'tg-none'][i % 3])),
                  ['record', 'record', 'idDoesNotExist'][i % 3]) for i in range(70)]
        counted = self.check_alone_and_together(cases)
        self.assertEqual(counted['oai_getrecord_batched_total'], len(cases) + 1)
        self.assertGreaterEqual(counted['oai_getrecord_batches_total'], 3, counted)
        self.assertLessEqual(counted['oai_getrecord_batches_total'], 5, counted)

    def test_both_kinds_together(self):
        cases = [(dict(verb='GetRecord', **args), k) for args, k in GETS] + FIRST_PAGES
        counted = self.check_alone_and_together(cases)
        self.assertLessEqual(counted['oai_getrecord_batches_total'], 3, counted)
        self.assertLessEqual(counted['oai_first_page_snapshots_total'], 2, counted)


if __name__ == '__main__':
    harness.main()
