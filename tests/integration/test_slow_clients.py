#!/usr/bin/python3
"""Slow clients do not slow the others (http.c): a few hundred idle
connections and several slowloris connections (a request trickled a byte
at a time) are open while a normal harvester runs a complete harvest; it
takes about as long as without them, and every trickling connection is cut
off read_timeout after its first byte (408, or closed).

All traffic stays on loopback. The idle connections come from other
loopback addresses (127.0.0.10...; Linux routes all of 127/8 to lo), so
the per-client limit stays at its default and is not what is tested."""
import harness

import socket
import sys
import threading
import time
import unittest

ENV = None
PAGE = 10
READ_TIMEOUT = 3     # seconds, the server's read_timeout in this file
IDLE = 300           # idle connections, IDLE_PER_ADDRESS from each address
IDLE_PER_ADDRESS = 50  # below the default max_connections_per_client (64)
TRICKLE = 8          # slowloris connections, one address each
TRICKLE_INTERVAL = 0.25  # seconds between two bytes
TRICKLE_REQUEST = (b'GET /oai?verb=ListRecords&metadataPrefix=oai_dc HTTP/1.1\r\n'
                   b'Host: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-a: b\r\n')  # never ends
SLOWDOWN_FACTOR = 3.0  # the harvest may take this many times the baseline
SLACK = 1.0            # seconds added to that bound (scheduling noise on a short baseline)


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE, file_settings={'server.read_timeout': READ_TIMEOUT}).start()


def figure(text):
    print('  [figure] %s' % text, file=sys.stderr)


def connect_from(address, port, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((address, 0))
    s.connect(('127.0.0.1', port))
    return s


class Trickler(threading.Thread):
    """One slowloris connection: a byte every TRICKLE_INTERVAL until the
    server answers or closes. Records when that happened and what came."""

    def __init__(self, address, port):
        super().__init__(daemon=True)
        self.sock = connect_from(address, port)
        self.sock.settimeout(TRICKLE_INTERVAL)
        self.first_byte = None
        self.cut = None
        self.answer = b''
        self.sent = 0
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set() and self.sent < len(TRICKLE_REQUEST):
                try:
                    self.sock.sendall(TRICKLE_REQUEST[self.sent:self.sent + 1])
                except OSError:  # reset or pipe: the server closed it
                    break
                if self.first_byte is None:
                    self.first_byte = time.monotonic()
                self.sent += 1
                try:
                    b = self.sock.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                self.answer += b
                if not b or self.answer:
                    break
            self.cut = time.monotonic()
            # Whatever the server still sends before it closes.
            self.sock.settimeout(3)
            try:
                while True:
                    b = self.sock.recv(4096)
                    if not b:
                        break
                    self.answer += b
            except OSError:
                pass
        finally:
            self.sock.close()


class SlowClients(unittest.TestCase):
    def harvest_time(self):
        c = harness.Client(ENV.server)
        t = time.monotonic()
        h = c.harvest('ListRecords', metadataPrefix='oai_dc')
        took = time.monotonic() - t
        self.assertEqual(h.identifiers, ENV.db.identifiers())
        return took, len(h.pages)

    def test_harvest_at_normal_speed(self):
        # Baseline: the best of three harvests on a quiet server.
        base = min(self.harvest_time()[0] for _ in range(3))

        idle, tricklers = [], []
        try:
            for i in range(IDLE):
                idle.append(connect_from('127.0.0.%d' % (10 + i // IDLE_PER_ADDRESS),
                                         ENV.server.port))
            for s in idle[:5]:
                s.sendall(b'GET /oai?verb=Ident')  # a started request, never finished
            tricklers = [Trickler('127.0.0.%d' % (100 + i), ENV.server.port)
                         for i in range(TRICKLE)]
            for t in tricklers:
                t.start()
            time.sleep(0.5)  # everything accepted and trickling
            took, pages = self.harvest_time()
            self.assertTrue(all(t.is_alive() for t in tricklers),
                            'the harvest did not overlap the trickling')
            bound = SLOWDOWN_FACTOR * base + SLACK
            figure('full harvest (%d pages): %.2f s alone, %.2f s with %d idle + %d trickling '
                   'connections (bound %.2f s)' % (pages, base, took, IDLE, TRICKLE, bound))
            self.assertLess(took, bound, 'slow clients slowed the harvester down')

            for t in tricklers:
                t.join(READ_TIMEOUT + 10)
                self.assertFalse(t.is_alive(), 'a trickling connection was not cut off')
            cut = [t.cut - t.first_byte for t in tricklers]
            figure('trickling connections cut %.2f-%.2f s after their first byte '
                   '(read_timeout %d s)' % (min(cut), max(cut), READ_TIMEOUT))
            for t, seconds in zip(tricklers, cut):
                self.assertLess(t.sent, len(TRICKLE_REQUEST), 'the request was never cut')
                self.assertGreater(seconds, READ_TIMEOUT - 0.5, 'cut before read_timeout')
                self.assertLess(seconds, READ_TIMEOUT + 1.5, 'cut long after read_timeout')
                if t.answer:
                    self.assertTrue(t.answer.startswith(b'HTTP/1.1 408 '), t.answer[:100])
            # The started-but-unfinished requests on idle connections: 408 too.
            for s in idle[:5]:
                s.settimeout(READ_TIMEOUT + 3)
                data = s.recv(4096)
                self.assertTrue(data == b'' or data.startswith(b'HTTP/1.1 408 '), data[:100])
            # The idle ones (no byte sent) are still open and were never refused.
            for s in idle[5:]:
                s.settimeout(0)
                try:
                    data = s.recv(100)
                except BlockingIOError:
                    data = None
                self.assertIsNone(data, 'an idle connection got %r' % data)
            # And they are still usable.
            for s in idle[-3:]:
                s.settimeout(10)
                s.sendall(b'GET /oai?verb=Identify HTTP/1.1\r\nHost: x\r\n'
                          b'Connection: close\r\n\r\n')
                self.assertTrue(s.recv(100).startswith(b'HTTP/1.1 200 '))
        finally:
            for t in tricklers:
                t.stop.set()
            for t in tricklers:
                t.join(10)
            for s in idle:
                s.close()
        self.assertTrue(ENV.server.alive())


if __name__ == '__main__':
    harness.main()
