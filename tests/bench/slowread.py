#!/usr/bin/python3
"""slowread.py - many slow harvesters at once (tests/bench/run).

  slowread.py PORT CONNS [--hold S] [--read BYTES] [--rcvbuf BYTES]
              [--mss BYTES] [--wait S] [--max-seconds S] [--path PATH]

Opens CONNS connections to 127.0.0.1:PORT, each with a small receive
buffer (--rcvbuf, default 4096, set before connect so the TCP window is
small from the start) and an Internet-sized segment size (--mss, default
1460; 0 leaves loopback's ~64 kB), sends one ListRecords oai_dc request on
each, reads the first BYTES of each response (--read, default 1024: the
server has started answering) and then nothing more, holds all the
connections open for --hold seconds (default 4) and closes them. Meanwhile
tests/bench/run samples the server's RSS: a server that builds each page
whole and queues it for the client keeps (connections x page bytes) in its
memory; one that streams with back-pressure keeps a batch per connection at
most.

Why --mss: the server's kernel sizes a socket's send buffer from the
segment size (tcp_wmem autotuning). On loopback (segments of ~64 kB) it
grows to 4 MB and takes a whole 600 kB page off the server's hands, into
kernel memory that RSS does not show; with 1460-byte segments, as from a
real harvester on the Internet, it stays near 100 kB and the rest of the
page stays with the server, as in production.

Why the hold is short: the server closes a connection that has not taken
any data for write_timeout seconds (default 60, conf/oai-server.ini); the
hold (and --wait) stay well below that.

The request is a resumed page (a resumption token), not a first page: a
first page repeated within a second comes from the server's list cache,
whose body every connection would share (server/list_cache.h), which would
hide the per-connection cost. So the client first harvests the first page on
one ordinary connection and uses the token it ends with; --path PATH sends
PATH instead. The size of that first page is printed (page_bytes): what one
slow connection could cost the server at most.

Prints key=value lines: conns (opened), answered (responses that began
with "HTTP/1.x 200" within --wait seconds, default 30), closed_early
(connections the server closed before BYTES came), page_bytes, read_bytes
(total read from the slow connections), connect_s, answer_s (until every
one had answered), hold_s, ok (1 when every connection answered).

Python 3 standard library only; loopback only; every phase is bounded and
the whole run stops after --max-seconds (default 45) whatever happens.
Exit status 0 when ok, 1 otherwise (message on stderr).
"""
import argparse
import http.client
import re
import selectors
import signal
import socket
import sys
import time
import urllib.parse

HOST = '127.0.0.1'
FIRST = '/oai?verb=ListRecords&metadataPrefix=oai_dc'


def fail(msg):
    print('slowread.py: %s' % msg, file=sys.stderr)
    sys.exit(1)


def resumed_path(port, timeout):
    """The path of the second page of ListRecords oai_dc (the first page's
    resumption token), and the size of the first page in bytes."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request('GET', FIRST)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        fail('%s answered %d' % (FIRST, resp.status))
    m = re.search(rb'<resumptionToken[^>]*>([^<]+)</resumptionToken>', body)
    if m is None:
        fail('the first page has no resumption token: the list fits in one page; '
             'load more records')
    token = urllib.parse.quote(m.group(1).decode('ascii'), safe='')
    return '/oai?verb=ListRecords&resumptionToken=' + token, len(body)


def main():
    ap = argparse.ArgumentParser(description='many slow harvesters at once')
    ap.add_argument('port', type=int)
    ap.add_argument('conns', type=int)
    ap.add_argument('--hold', type=float, default=4.0)
    ap.add_argument('--read', type=int, default=1024)
    ap.add_argument('--rcvbuf', type=int, default=4096)
    ap.add_argument('--mss', type=int, default=1460)
    ap.add_argument('--wait', type=float, default=30.0)
    ap.add_argument('--max-seconds', type=int, default=45)
    ap.add_argument('--path')
    a = ap.parse_args()
    if not 1 <= a.conns <= 20000:
        fail('CONNS must be 1..20000')

    # The hard limit: whatever hangs, stop (the kernel closes the sockets).
    def on_alarm(*_):
        print('slowread.py: gave up after %d s' % a.max_seconds, file=sys.stderr)
        sys.stdout.flush()
        sys.exit(1)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(a.max_seconds)

    if a.path:
        path, page_bytes = a.path, 0
    else:
        path, page_bytes = resumed_path(a.port, a.wait)
    request = ('GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: slowread.py\r\n\r\n'
               % (path, HOST, a.port)).encode('ascii')

    # Connect and send one by one: the server starts on the first pages
    # while the later connections are being opened, as with real clients.
    t0 = time.monotonic()
    socks = []
    for _ in range(a.conns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect: the window scale is fixed in the handshake, so a
        # later, smaller buffer would not shrink what the server may send.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
        # Also before connect: the MSS is announced in the SYN (see above).
        if a.mss:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, a.mss)
        s.settimeout(5)
        try:
            s.connect((HOST, a.port))
            s.sendall(request)
        except OSError as e:
            fail('connection %d: %s' % (len(socks) + 1, e))
        s.setblocking(False)
        socks.append(s)
    connect_s = time.monotonic() - t0

    # Read the first bytes of each response, then leave the socket alone.
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        got[s] = b''
    answered, read_bytes, closed = 0, 0, 0
    deadline = t0 + a.wait
    while got and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(a.read - len(got[s]))
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if not data:          # closed by the server before BYTES came
                closed += 1
            else:
                got[s] += data
                read_bytes += len(data)
                if len(got[s]) < a.read:
                    continue
            if re.match(rb'HTTP/1\.[01] 200 ', got[s]):
                answered += 1
            sel.unregister(s)
            del got[s]
    answer_s = time.monotonic() - t0
    # Still short of BYTES at the deadline (or a whole response shorter than
    # BYTES): answered all the same when it began with a 200 status line.
    for s, data in got.items():
        if re.match(rb'HTTP/1\.[01] 200 ', data):
            answered += 1
    sel.close()

    # The hold: nothing is read, the server has the rest of each page to keep
    # (or not to produce yet). Well below the server's write_timeout (see
    # above), which would close the connections.
    t1 = time.monotonic()
    time.sleep(a.hold)
    hold_s = time.monotonic() - t1
    for s in socks:
        s.close()

    ok = int(answered == a.conns)
    print('conns=%d' % len(socks))
    print('answered=%d' % answered)
    print('closed_early=%d' % closed)
    print('page_bytes=%d' % page_bytes)
    print('read_bytes=%d' % read_bytes)
    print('connect_s=%.2f' % connect_s)
    print('answer_s=%.2f' % answer_s)
    print('hold_s=%.2f' % hold_s)
    print('ok=%d' % ok)
    if not ok:
        print('slowread.py: %d of %d connections answered 200 within %g s'
              % (answered, a.conns, a.wait), file=sys.stderr)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
