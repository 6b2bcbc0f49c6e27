#!/usr/bin/python3
"""Signals (docs/configuration.md, "Signals"): SIGTERM lets in-flight
responses finish, refuses new connections at once and exits 0 within the
shutdown bound (10 s); SIGHUP applies new connection limits and a new log
level to new connections while open keep-alive connections keep working,
and refuses a settings file with errors, keeping the running settings."""
import harness

import http.client
import signal
import socket
import sys
import threading
import time
import unittest

ENV = None
BIG = None
SHUTDOWN_TIMEOUT = 10.0  # main.c SHUTDOWN_TIMEOUT
# One ListRecords page of BIG_RECORDS records of BIG_VALUE bytes: about
# 8 MB, twice what the kernel's socket buffers can take (tcp_wmem's
# maximum is 4 MB), so the server is still producing it (a streamed page,
# one list_batch at a time) while a slow client reads.
BIG_PAGE = BIG_RECORDS = 1000
BIG_VALUE = 8000
READ_RATE = 2 * 1024 * 1024  # bytes per second the slow client reads
RCVBUF = 65536               # its receive buffer (not auto-tuned when set)


def setUpModule():
    global ENV, BIG
    ENV = harness.Env().start()
    BIG = ENV.new_database('big')
    BIG.sql("""
        INSERT INTO records (local_id) SELECT 'big-' || g FROM generate_series(1, %d) g;
        INSERT INTO record_values (record_id, element, seq, value, lang)
            SELECT id, 'description', 1, repeat('Slow harvest ', %d) || id, 'en' FROM records;
    """ % (BIG_RECORDS, BIG_VALUE // 13))


def figure(text):
    print('  [figure] %s' % text, file=sys.stderr)


class SlowReader(threading.Thread):
    """Sends one GET and reads the response at READ_RATE bytes per second
    through a small receive buffer, so that most of a large response is
    still in the server when the test signals it."""

    def __init__(self, port, target):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.settimeout(30)
        self.sock.connect(('127.0.0.1', port))
        self.sock.sendall(b'GET %s HTTP/1.1\r\nHost: x\r\n\r\n' % target.encode())
        self.data = b''
        self.extra = b''
        self.eof = False  # the server closed the connection after the response
        self.error = None
        self.started = threading.Event()  # the first bytes have arrived
        self.done_at = None

    def run(self):
        try:
            start = time.monotonic()
            while True:
                b = self.sock.recv(65536)
                if not b:
                    break
                if self.complete():  # more after the response: not expected
                    self.extra += b
                    continue
                self.data += b
                self.started.set()
                if self.complete():
                    self.done_at = time.monotonic()
                    continue  # then the server is expected to close
                # Pace: never ahead of READ_RATE.
                ahead = len(self.data) / READ_RATE - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
            self.eof = True
        except OSError as e:
            self.error = e
        finally:
            self.started.set()
            self.sock.close()

    def complete(self):
        head, sep, body = self.data.partition(b'\r\n\r\n')
        if not sep:
            return False
        for line in head.split(b'\r\n')[1:]:
            name, _, value = line.partition(b':')
            if name.strip().lower() == b'content-length':
                return len(body) >= int(value)
            # A streamed page: complete with its last, empty chunk (no
            # XML text holds CRLF 0 CRLF CRLF).
            if (name.strip().lower() == b'transfer-encoding' and
                    value.strip().lower() == b'chunked'):
                return body.endswith(b'\r\n0\r\n\r\n')
        return False

    def response(self):
        """The response as a RawResponse (parsed by http.client)."""
        class Src:
            def __init__(self, data):
                import io
                self.f = io.BytesIO(data)

            def makefile(self, *a, **kw):
                return self.f
        r = http.client.HTTPResponse(Src(self.data), method='GET')
        r.begin()
        return harness.RawResponse(r.status, r.reason, r.headers, r.read())


def connect_refused(port):
    """True when a new connection to port is refused right away."""
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(('127.0.0.1', port))
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        return False  # queued just before the port closed: try again
    finally:
        s.close()
    return False


class Term(unittest.TestCase):
    def test_in_flight_response_completes(self):
        srv = ENV.new_server(db=BIG, page_size=BIG_PAGE)
        c = srv.client()
        self.assertEqual(c.oai(verb='Identify').error_codes(), [])
        expected = c.oai(verb='ListRecords', metadataPrefix='oai_dc')
        reader = SlowReader(srv.port, c.path + '?verb=ListRecords&metadataPrefix=oai_dc')
        reader.start()
        self.assertTrue(reader.started.wait(10))
        # A keep-alive connection with no request in flight is closed.
        idle = socket.create_connection(('127.0.0.1', srv.port), timeout=10)
        self.addCleanup(idle.close)
        idle.sendall(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertEqual(harness.read_responses(idle, ['GET'])[0].status, 200)

        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        # New connections are refused at once: not queued until the exit.
        while not connect_refused(srv.port):
            self.assertLess(time.monotonic() - t0, 2.0, 'new connections still accepted')
            time.sleep(0.05)
        refused_after = time.monotonic() - t0
        self.assertEqual(idle.recv(100), b'', 'the idle connection was not closed')
        # The slow response is still being sent: the server waits for it.
        self.assertIsNone(reader.done_at, 'the response was not in flight at SIGTERM')
        self.assertTrue(srv.alive(), 'the server exited with a response in flight')

        reader.join(SHUTDOWN_TIMEOUT + 5)
        self.assertFalse(reader.is_alive())
        self.assertIsNone(reader.error, 'the in-flight response was cut: %r' % reader.error)
        self.assertIsNotNone(reader.done_at, 'the response was cut short')
        resp = c.check(reader.response(), [('verb', 'ListRecords'), ('metadataPrefix', 'oai_dc')])
        self.assertEqual(resp.identifiers(), expected.identifiers())
        # The connection is closed after the response, not kept alive.
        self.assertTrue(reader.eof)
        self.assertEqual(reader.extra, b'')
        rc = srv.wait_exit(SHUTDOWN_TIMEOUT + 2 - (time.monotonic() - t0))
        exited = time.monotonic() - t0
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertLess(exited - (reader.done_at - t0), 1.5,
                        'the server did not exit soon after its last response')
        figure('SIGTERM: refused new connections after %.0f ms; %d-byte response finished '
               '%.1f s after the signal; exit 0 after %.1f s'
               % (refused_after * 1e3, len(resp.body), reader.done_at - t0, exited))
        self.assertNotIn('shutdown timeout', srv.log_text())

    def test_stalled_reader_is_cut_at_the_bound(self):
        # A client that stops reading cannot hold the server: it exits 0
        # after SHUTDOWN_TIMEOUT.
        srv = ENV.new_server(db=BIG, page_size=BIG_PAGE)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        s.settimeout(10)
        s.connect(('127.0.0.1', srv.port))
        try:
            s.sendall(b'GET /oai?verb=ListRecords&metadataPrefix=oai_dc HTTP/1.1\r\n'
                      b'Host: x\r\n\r\n')
            self.assertTrue(s.recv(100).startswith(b'HTTP/1.1 200'))
            time.sleep(0.2)
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            rc = srv.wait_exit(SHUTDOWN_TIMEOUT + 3)
            took = time.monotonic() - t0
        finally:
            s.close()
        self.assertEqual(rc, 0, srv.log_tail())
        self.assertGreater(took, SHUTDOWN_TIMEOUT - 1, 'the response was not waited for')
        self.assertIn('shutdown timeout', srv.log_text())
        # Its page was streaming (a first page met once): the log says the
        # shutdown cut it, not that the client left.
        self.assertRegex(srv.log_text(), r'cut off after \d+ records: shutting down')
        figure('SIGTERM with a stalled reader: exit 0 after %.1f s' % took)


class Hup(unittest.TestCase):
    def keep_alive(self, srv, n):
        """n keep-alive connections, each with one request answered."""
        conns = []
        for _ in range(n):
            conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=10)
            conns.append(conn)
            self.request(conn)
        return conns

    def request(self, conn):
        sock = conn.sock
        conn.request('GET', '/oai?verb=Identify')
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        if sock is not None:
            self.assertIs(conn.sock, sock, 'the keep-alive connection was dropped')

    def new_connection_status(self, srv):
        raw = srv.client().raw_http(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n'
                                    b'Connection: close\r\n\r\n')
        self.assertIsNotNone(raw, 'closed without an answer')
        if raw.status == 503:
            self.assertRegex(raw.header('Retry-After') or '', r'^[0-9]+$')
        return raw.status

    def wait_status(self, srv, status, bound=3.0):
        t = time.monotonic()
        while self.new_connection_status(srv) != status:
            self.assertLess(time.monotonic() - t, bound, 'no %d for a new connection' % status)
            time.sleep(0.05)

    def test_reload_limits_and_log_level(self):
        srv = ENV.new_server(file_settings={'server.max_connections_per_client': 3,
                                            'log.level': 'info'})
        conns = self.keep_alive(srv, 2)
        try:
            self.wait_status(srv, 200)  # the third of 3 is welcome
            self.assertNotIn('[debug]', srv.log_text())

            mark = srv.reload(**{'server.max_connections_per_client': 2, 'log.level': 'debug'})
            srv.wait_log(r'SIGHUP: .*reloaded', since=mark)
            # Open connections keep working...
            for conn in conns:
                self.request(conn)
            # ...and the new limit applies to new ones, logged at debug level.
            self.assertEqual(self.new_connection_status(srv), 503)
            srv.wait_log(r'\[debug\] http: 127\.0\.0\.1: connection limit reached', since=mark)
            for conn in conns:
                self.request(conn)
            conns.pop().close()
            self.wait_status(srv, 200)  # one open of 2
        finally:
            for conn in conns:
                conn.close()
        self.assertTrue(srv.alive())

    def test_bad_file_is_refused(self):
        srv = ENV.new_server(file_settings={'server.max_connections_per_client': 2,
                                            'log.level': 'info'})
        mark = srv.reload(**{'server.max_connections_per_client': 'lots', 'log.level': 'debug'})
        srv.wait_log(r'SIGHUP: the settings have errors; keeping the current ones', since=mark)
        self.assertRegex(srv.log_text()[mark:], r'oai\.conf:\d+: \[server\] '
                         r'max_connections_per_client')
        # Still serving, with the old limit and the old log level.
        conns = self.keep_alive(srv, 2)
        try:
            self.assertEqual(self.new_connection_status(srv), 503)
            for conn in conns:
                self.request(conn)
        finally:
            for conn in conns:
                conn.close()
        self.assertNotIn('[debug]', srv.log_text())
        self.assertEqual(srv.client().oai(verb='Identify').error_codes(), [])
        self.assertTrue(srv.alive())


if __name__ == '__main__':
    harness.main()
