#!/usr/bin/python3
"""benchlib.py - helpers of tests/bench/run (Python 3 standard library only).

  benchlib.py cpu PGDATA SERVER_PID
      A snapshot of the CPU seconds used so far (user + system), one line:
      "server=S postgres=P threads=TID:S,TID:S..." (postgres = the
      postmaster of PGDATA and all its children alive now; threads = the
      server's threads but the main one, i.e. its workers).
  benchlib.py cpu-diff SNAPSHOT0 SNAPSHOT1 WALL_S [CLIENT_S]
      "server_s=S postgres_s=P server_pct=X postgres_pct=Y workers=A/B/...
      other_pct=Z" between two snapshots; workers = each worker's share of
      the server's CPU in %, largest first (how evenly the connections were
      spread); other = CPU the whole machine used beyond server, postgres and
      CLIENT_S (the benchmark's own clients), in % of one core: other
      people's work on a shared machine, which makes the figures noisy.
  benchlib.py perf-pids ROOT_PID...  < `perf script --show-task-events` output
      The comma-separated pids of the roots and all their descendants, from
      the fork events perf recorded (so short-lived processes count too).
  benchlib.py rss PID
      VmRSS of PID in KiB.
  benchlib.py sample-rss PID INTERVAL_S MAX_S OUTFILE
      Samples VmRSS every INTERVAL_S until PID exits, MAX_S pass, or SIGTERM;
      then writes "peak_kib=N samples=M" to OUTFILE.
  benchlib.py machine
      key=value lines describing this machine.
  benchlib.py report FIGURES
      The human-readable figures table, from the driver's figure file.
"""
import os
import platform
import re
import signal
import sys
import time

TICK = os.sysconf('SC_CLK_TCK')


# ---------------------------------------------------------------------------
# /proc
# ---------------------------------------------------------------------------

def proc_stat(pid, children=False):
    """(ppid, cpu seconds) of a process, or None when it is gone; with
    children, plus the CPU of the children it has waited for."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(')') + 2:].split()   # comm may contain spaces
    ppid = int(rest[1])
    ticks = int(rest[11]) + int(rest[12])
    if children:
        ticks += int(rest[13]) + int(rest[14])
    return ppid, ticks / TICK


def cmd_cpu(pgdata, server_pid):
    with open(os.path.join(pgdata, 'postmaster.pid')) as f:
        postmaster = int(f.readline())
    pg = 0.0
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        pid = int(name)
        # The postmaster with the backends and parallel workers that have
        # exited (it reaps them), plus its live children.
        st = proc_stat(pid, children=(pid == postmaster))
        if st is not None and (pid == postmaster or st[0] == postmaster):
            pg += st[1]
    st = proc_stat(int(server_pid))
    threads = []
    try:
        for tid in sorted(os.listdir('/proc/%d/task' % int(server_pid)), key=int):
            if int(tid) == int(server_pid):
                continue
            try:
                with open('/proc/%d/task/%s/stat' % (int(server_pid), tid)) as f:
                    rest = f.read().rsplit(')', 1)[1].split()
                threads.append('%s:%.2f' % (tid, (int(rest[11]) + int(rest[12])) / TICK))
            except OSError:
                pass
    except OSError:
        pass
    with open('/proc/stat') as f:
        fields = f.readline().split()[1:]
    # user nice system idle iowait irq softirq steal ...: busy = all but idle, iowait
    busy = sum(int(x) for i, x in enumerate(fields[:8]) if i not in (3, 4)) / TICK
    print('server=%.2f postgres=%.2f machine=%.2f threads=%s'
          % (st[1] if st else 0.0, pg, busy, ','.join(threads)))


def parse_snapshot(text):
    d = dict(kv.split('=', 1) for kv in text.split())
    threads = {}
    for t in filter(None, d.get('threads', '').split(',')):
        tid, secs = t.split(':')
        threads[tid] = float(secs)
    return float(d['server']), float(d['postgres']), float(d['machine']), threads


def cmd_cpu_diff(snap0, snap1, wall, client='0'):
    s0, p0, m0, t0 = parse_snapshot(snap0)
    s1, p1, m1, t1 = parse_snapshot(snap1)
    wall = float(wall)
    other = max(0.0, (m1 - m0) - (s1 - s0) - (p1 - p0) - float(client))
    used = sorted((t1[t] - t0.get(t, 0.0) for t in t1), reverse=True)
    total = sum(used)
    workers = '/'.join('%.0f' % (100 * u / total) for u in used) if total > 0 else '-'
    print('server_s=%.2f postgres_s=%.2f server_pct=%.0f postgres_pct=%.0f workers=%s '
          'client_pct=%.0f other_pct=%.0f'
          % (s1 - s0, p1 - p0, 100 * (s1 - s0) / wall, 100 * (p1 - p0) / wall, workers,
             100 * float(client) / wall, 100 * other / wall))


def cmd_perf_pids(roots):
    parent = {}
    fork = re.compile(r'PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)')
    for line in sys.stdin:
        m = fork.search(line)
        if m:
            parent.setdefault(int(m.group(1)), int(m.group(2)))
    children = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    seen, todo = set(), [int(r) for r in roots]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
    print(','.join(str(p) for p in sorted(seen)))


def rss_kib(pid):
    try:
        with open('/proc/%d/status' % int(pid)) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cmd_sample_rss(pid, interval, max_s, out):
    peak, n, stop = 0, 0, []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    deadline = time.monotonic() + float(max_s)
    try:
        f = open('/proc/%d/status' % int(pid), 'rb', buffering=0)
    except OSError:
        f = None
    # One open file, re-read from the start: cheap enough to run beside
    # the measurement (a /proc file is regenerated on every read at 0).
    while f is not None and not stop and time.monotonic() < deadline:
        try:
            f.seek(0)
            data = f.read(65536)
        except OSError:
            break
        m = re.search(rb'VmRSS:\s+(\d+)', data)
        if m is None:
            break
        peak, n = max(peak, int(m.group(1))), n + 1
        time.sleep(float(interval))
    with open(out, 'w') as f:
        f.write('peak_kib=%d samples=%d\n' % (peak, n))


def cmd_machine():
    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem = int(re.search(r'MemTotal:\s+(\d+)', f.read()).group(1))
    virt = ''
    try:
        with open('/proc/cpuinfo') as f:
            if ' hypervisor' in f.read():
                virt = ' (virtual machine)'
    except OSError:
        pass
    print('cpu=%s%s' % (cpu, virt))
    print('cores=%d' % os.cpu_count())
    print('ram=%.1f GiB' % (mem / 1048576))
    print('kernel=%s %s %s' % (platform.system(), platform.release(), platform.machine()))
    try:
        with open('/etc/debian_version') as f:
            print('os=Debian %s' % f.read().strip())
    except OSError:
        print('os=%s' % platform.platform())


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def load_figures(path):
    """The figure file: 'KEY<TAB>VALUE' lines; KEY is 'meta.x' or 'N.x'."""
    meta, per_n, order = {}, {}, []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or '\t' not in line:
                continue
            key, value = line.split('\t', 1)
            scope, name = key.split('.', 1)
            if scope == 'meta':
                meta[name] = value
            else:
                n = int(scope)
                if n not in per_n:
                    per_n[n] = {}
                    order.append(n)
                per_n[n][name] = value
    return meta, per_n, order


def num(d, key):
    v = d.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt_int(x):
    return '-' if x is None else '{:,.0f}'.format(x)


def fmt(x, digits=1):
    return '-' if x is None else '{:,.{}f}'.format(x, digits)


def verdict(ok):
    if ok is None:
        return 'n/a'
    return 'PASS' if ok else 'FAIL'


def slow_report(d, n, w, targets):
    """The slow-harvester lines (tests/bench/run, largest N only): RSS with
    slow_conns connections each holding a resumed ListRecords page it does
    not read, on a fresh server per page size, and whether that RSS is
    independent of the page size."""
    sizes = [int(x) for x in d.get('slow_page_sizes', '').split(',') if x.isdigit()]
    if not sizes:
        return
    conns = num(d, 'slow_conns')
    peak = {}
    for ps in sizes:
        k = 'slow_p%d_' % ps
        p, idle = num(d, k + 'peak_kib'), num(d, k + 'idle_kib')
        answered = num(d, k + 'answered')
        # Every connection must have been answered, or the RSS is that of
        # fewer slow harvesters than claimed.
        complete = answered is not None and conns is not None and answered == conns
        peak[ps] = (p / 1024 if p else None, complete)
        ok = None if not p else (p / 1024 < 64 and complete)
        w('%-46s %15s MB   %-16s %s'
          % ('server RSS, %s slow harvesters, page %d' % (fmt_int(conns), ps),
             fmt(p / 1024 if p else None), '< 64 MB', verdict(ok)))
        growth = ('%s kB per connection over idle' % fmt_int((p - idle) / conns)
                  if p and idle is not None and conns else 'growth unknown')
        w('  %-44s idle %s MB; %s; page %s kB'
          % ('', fmt(idle / 1024 if idle is not None else None), growth,
             fmt_int(num(d, k + 'page_bytes') / 1e3 if num(d, k + 'page_bytes') else None)))
        w('  %-44s %s of %s answered in %s s, held %s s (%s samples)'
          % ('', fmt_int(answered), fmt_int(conns), fmt(num(d, k + 'answer_s')),
             fmt(num(d, k + 'hold_s')), fmt_int(num(d, k + 'samples'))))
        if ps == sizes[0]:
            targets.append((n, 'RSS < 64 MB, %s slow harvesters, page %d'
                            % (fmt_int(conns), ps), '%s MB' % fmt(peak[ps][0]), ok))
    if len(sizes) < 2:
        return
    # Independent of page size: the largest page size's peak under 64 MB and
    # at most 1.5x the default's. A server that queues whole pages grows with
    # the page bytes (~5x from 200 to 1000 records); 1.5x leaves room for
    # noise (allocator, per-worker caches) and still fails a server that
    # keeps more than ~1.5% of each page per slow connection (at 200
    # connections and ~13 MB idle: 13 + 200 x f x 2.9 MB > 1.5 x (13 + 200 x
    # f x 0.58 MB) for f > 1.6%). Memory per connection that does not depend
    # on the page size (a fixed batch buffer) passes while under 64 MB.
    (a, a_ok), (b, b_ok) = peak[sizes[0]], peak[sizes[-1]]
    ratio = b / a if a and b else None
    ok = None if ratio is None else (b < 64 and ratio <= 1.5 and a_ok and b_ok)
    w('%-46s %16sx   %-16s %s'
      % ('  independent of page size: %d / %d' % (sizes[-1], sizes[0]),
         fmt(ratio, 2), '<= 1.5x, < 64 MB', verdict(ok)))
    targets.append((n, 'RSS independent of page size (%d vs %d)' % (sizes[-1], sizes[0]),
                    '%s vs %s MB, %sx' % (fmt(b), fmt(a), fmt(ratio, 2)), ok))


def cmd_report(path):
    meta, per_n, order = load_figures(path)
    out = []
    w = out.append
    w('NEC E-Library OAI-PMH server: benchmark figures')
    w('=' * 78)
    w('command     %s' % meta.get('command', '?'))
    w('date        %s' % meta.get('date', '?'))
    w('commit      %s (server/ last changed in %s)' % (meta.get('commit', '?'),
                                                      meta.get('server_commit', '?')))
    w('machine     %s, %s cores, %s RAM' % (meta.get('cpu', '?'), meta.get('cores', '?'),
                                           meta.get('ram', '?')))
    w('            %s, %s' % (meta.get('kernel', '?'), meta.get('os', '?')))
    w('            before the run: load average %s, other processes %s%% of one core'
      % (meta.get('loadavg', '?'), meta.get('other_before', '?')))
    w('            (other work on the machine makes the figures low and noisy; "other"')
    w('            below is the CPU it took during each measurement)')
    w('postgres    %s' % meta.get('postgres', '?'))
    w('            %s' % meta.get('postgres_settings', ''))
    w('server      %s' % meta.get('server_settings', ''))
    w('client      %s' % meta.get('client', ''))
    w('')
    targets = []
    for n in order:
        d = per_n[n]
        w('-' * 78)
        w('%s records (%s deleted), %s values, %s set memberships, database %s'
          % (fmt_int(n), fmt_int(num(d, 'deleted')), fmt_int(num(d, 'values')),
             fmt_int(num(d, 'memberships')), d.get('db_size', '?')))
        w('-' * 78)
        w('Load (synthetic, tests/bench/gen.sql)')
        if num(d, 'load_new') is not None:
            w('  %-44s %s records in %s s: records %s s, values + sets %s s'
              % ('bulk load, triggers off (2 sessions)', fmt_int(num(d, 'load_new')),
                 fmt(num(d, 'load_s')), fmt(num(d, 'load_records_s')),
                 fmt(num(d, 'load_children_s'))))
            w('  %-44s %s records/s, %s values/s'
              % ('', fmt_int(num(d, 'load_rate')), fmt_int(num(d, 'load_values_rate'))))
        if num(d, 'render_s') is not None:
            w('  %-44s %s records in %s s (%s records/s, 4 formats)'
              % ('oai-admin render (stored renderings)', fmt_int(num(d, 'render_new')),
                 fmt(num(d, 'render_s')),
                 fmt_int(num(d, 'render_new') / num(d, 'render_s') if num(d, 'render_s') else None)))
        w('  %-44s %s' % ('stored renderings in the database', fmt_int(num(d, 'renderings'))))
        w('  %-44s %s s (then %s%% of the heap pages all-visible)'
          % ('VACUUM ANALYZE', fmt(num(d, 'vacuum_s')), fmt_int(num(d, 'allvisible_pct'))))
        if num(d, 'trig_rate') is not None:
            w('  %-44s %s records/s (%s records, %s s; 1M would take ~%s min)'
              % ('load with triggers on (sample, 1 session)', fmt_int(num(d, 'trig_rate')),
                 fmt_int(num(d, 'trig_n')), fmt(num(d, 'trig_s'), 2),
                 fmt(1e6 / num(d, 'trig_rate') / 60 if num(d, 'trig_rate') else None)))
        w('')
        w('%-46s %18s   %-16s %s' % ('Figure', 'measured', 'target', ''))
        # Harvest
        wall, rate = num(d, 'harvest_wall_s'), num(d, 'harvest_rate')
        ok_rate = None if rate is None else rate >= 17000
        w('%-46s %16s s   %-16s %s' % ('full ListRecords harvest (oai_dc), sequential',
                                       fmt(wall), '< 60 s at 1M' if n >= 1000000 else '',
                                       verdict(wall < 60) if (n >= 1000000 and wall) else ''))
        w('%-46s %12s rec/s   %-16s %s' % ('  harvest rate', fmt_int(rate), '>= 17,000 rec/s',
                                          verdict(ok_rate)))
        targets.append((n, 'full harvest >= 17,000 rec/s (1M < 60 s)',
                        '%s rec/s, %s s' % (fmt_int(rate), fmt(wall)), ok_rate))
        w('  %-44s %s pages, %s MB, %s ms/page, %s kB/page'
          % ('', fmt_int(num(d, 'harvest_pages')), fmt_int((num(d, 'harvest_bytes') or 0) / 1e6),
             fmt(1000 * wall / num(d, 'harvest_pages') if wall and num(d, 'harvest_pages') else None),
             fmt_int((num(d, 'harvest_bytes') or 0) / 1e3 / (num(d, 'harvest_pages') or 1))))
        cs, ss, ps = num(d, 'harvest_client_cpu_s'), num(d, 'harvest_server_cpu_s'), \
            num(d, 'harvest_pg_cpu_s')
        w('  %-44s server %s s, postgres %s s, client %s s'
          % ('CPU during the harvest', fmt(ss), fmt(ps), fmt(cs)))
        if wall:
            w('  %-44s server %s%%, postgres %s%%, client %s%%, other %s%% (of one core)'
              % ('  = share of the wall time', fmt_int(100 * (ss or 0) / wall),
                 fmt_int(100 * (ps or 0) / wall), fmt(100 * (cs or 0) / wall),
                 fmt_int(num(d, 'harvest_other_pct'))))
        pages_n = num(d, 'harvest_pages')
        if wall and pages_n and ss is not None and ps is not None and cs is not None:
            w('  %-44s server %s ms, postgres %s ms, client %s ms'
              % ('CPU per page', fmt(1000 * ss / pages_n, 2), fmt(1000 * ps / pages_n, 2),
                 fmt(1000 * cs / pages_n, 2)))
            w('  %-44s %s rec/s (records / CPU seconds of all three:'
              % ('  = rate on a quiet machine, about', fmt_int(rate * wall / (ss + ps + cs))))
            w('  %-44s the harvest is sequential, so wall ~ CPU when nothing else runs)' % '')
        if num(d, 'db_list_ms') is not None:
            w('  %-44s list statement %s ms/page, count(*) %s ms (once)'
              % ('PostgreSQL execution (pg_stat_statements)', fmt(num(d, 'db_list_ms'), 2),
                 fmt(num(d, 'db_count_ms'), 1)))
        w('  %-44s %s' % ('records harvested == records in database',
                          'yes' if d.get('harvest_complete') == '1' else 'NO'))
        # Page latency
        pages = sorted(int(k[len('page_ms_'):]) for k in d
                       if k.startswith('page_ms_') and k[len('page_ms_'):].isdigit())
        # A first page no cache has seen (list + count), when measured: the
        # reference for the depth ratio; page 1 repeated within a second
        # comes from the server's list cache.
        first = 'page_ms_1new' if num(d, 'page_ms_1new') else 'page_ms_1'
        if num(d, 'page_ms_1new'):
            w('%-46s %15s ms' % ('page 1, a new request (median of %s), + count(*)'
                                 % d.get('page_repeat', '?'), fmt(num(d, 'page_ms_1new'), 2)))
        deep, last = num(d, 'deep_page'), num(d, 'last_page')
        for p in pages:
            label = 'page %s latency (median of %s)' % (fmt_int(p), d.get('page_repeat', '?'))
            if p == 1:
                label = ('page 1 repeated within its second (list cache)' if first != 'page_ms_1'
                         else label + ', + count(*)')
            elif p == last and p != deep:
                label = 'last page %s latency (median)' % fmt_int(p)
            w('%-46s %15s ms' % (label, fmt(num(d, 'page_ms_%d' % p), 2)))
        if deep and num(d, 'page_ms_%d' % int(deep)) and num(d, first):
            deep = int(deep)
            r1 = num(d, 'page_ms_%d' % deep) / num(d, first)
            ok1 = r1 <= 1.2
            tlabel = 'page %s / page 1%s' % (fmt_int(deep), ' new' if first != 'page_ms_1' else '')
            w('%-46s %16sx   %-16s %s' % ('  ratio ' + tlabel, fmt(r1, 2), '<= 1.2x',
                                         verdict(ok1)))
            targets.append((n, 'deep page <= 1.2x page 1 (%s)' % tlabel, '%.2fx' % r1, ok1))
            for other, what in ((2, 'depth only'), (last, 'last page')):
                if other and num(d, 'page_ms_%d' % int(other)) and int(other) != deep:
                    a, b = (deep, int(other)) if other == 2 else (int(other), 2)
                    r = num(d, 'page_ms_%d' % a) / num(d, 'page_ms_%d' % b)
                    w('%-46s %16sx   %-16s %s' % ('  ratio page %s / page %s (%s)'
                                                 % (fmt_int(a), fmt_int(b), what), fmt(r, 2),
                                                 '<= 1.2x (info)', verdict(r <= 1.2)))
        # wrk
        for what, label in (('getrecord', 'GetRecord (random identifiers)'),
                            ('listrecords', 'ListRecords first page')):
            for c in (1, 16, 64):
                k = '%s_c%d_' % (what, c)
                if num(d, k + 'rps') is None:
                    continue
                errs = num(d, k + 'errors') or 0
                reqs = num(d, k + 'requests')
                # wrk's latencies are those of the responses that came back
                # within the run: with fewer responses than connections the
                # slowest requests are missing and p99 is not known.
                censored = reqs is not None and reqs < 2 * c
                if censored:
                    lat = 'only %s responses in %s s: p99 unknown' % (
                        fmt_int(reqs), fmt_int(num(d, 'wrk_seconds') or 5))
                else:
                    lat = 'p50 %s ms, p99 %s ms' % (fmt(num(d, k + 'p50_ms'), 2),
                                                   fmt(num(d, k + 'p99_ms'), 2))
                rps = num(d, k + 'rps')
                w('%-46s %10s req/s   %s%s'
                  % ('%s, %d conn' % (label, c), fmt(rps, 0 if rps is None or rps >= 10 else 1),
                     lat, ', %d errors' % errs if errs else ''))
                w('  %-44s %s; workers %s%%'
                  % ('', 'runs %s..%s req/s' % (fmt_int(num(d, k + 'rps_min')),
                                                 fmt_int(num(d, k + 'rps_max'))),
                     d.get(k + 'workers', '-')))
                w('  %-44s CPU server %s%%, postgres %s%%, wrk %s%%, other %s%%'
                  % ('', fmt_int(num(d, k + 'server_pct')), fmt_int(num(d, k + 'postgres_pct')),
                     fmt_int(num(d, k + 'client_pct')), fmt_int(num(d, k + 'other_pct'))))
                if rps:
                    per = lambda key: fmt_int(10000 * (num(d, k + key) or 0) / rps)
                    w('  %-44s CPU per request: server %s us, postgres %s us, wrk %s us'
                      % ('', per('server_pct'), per('postgres_pct'), per('client_pct')))
                if c == 64 and what == 'getrecord':
                    ok = num(d, k + 'rps') >= 10000 and errs == 0
                    w('%-46s %16s   %-16s %s' % ('', '', '>= 10,000 req/s', verdict(ok)))
                    targets.append((n, 'GetRecord >= 10,000 req/s at 64 conn',
                                    '%s req/s' % fmt_int(num(d, k + 'rps')), ok))
                if c == 64 and what == 'listrecords':
                    ok = num(d, k + 'p99_ms') < 50 and errs == 0 and not censored
                    w('%-46s %16s   %-16s %s' % ('', '', 'p99 < 50 ms', verdict(ok)))
                    targets.append((n, 'ListRecords p99 < 50 ms at 64 conn',
                                    'p99 unknown (too few responses)' if censored else
                                    '%s ms' % fmt(num(d, k + 'p99_ms'), 1), ok))
        if num(d, 'db_getrecord_ms') is not None:
            w('  %-44s GetRecord %s ms per statement (%s records each);'
              % ('PostgreSQL execution under wrk (mean)', fmt(num(d, 'db_getrecord_ms'), 3),
                 fmt(num(d, 'db_getrecord_rows'), 1)))
            w('  %-44s first page: list %s ms, count(*) %s ms'
              % ('', fmt(num(d, 'db_first_list_ms'), 1), fmt(num(d, 'db_first_count_ms'), 1)))
        # Memory
        mb = lambda k: None if num(d, k) is None else num(d, k) / 1024
        w('%-46s %15s MB' % ('server RSS, idle after start', fmt(mb('rss_idle_kib'))))
        w('%-46s %15s MB   (%s samples, every 100 ms)'
          % ('server RSS, peak during the harvest', fmt(mb('rss_peak_kib')),
             fmt_int(num(d, 'rss_samples'))))
        w('%-46s %15s MB' % ('server RSS, idle after the harvest', fmt(mb('rss_after_kib'))))
        w('%-46s %15s MB   (64 concurrent ListRecords pages)'
          % ('server RSS, peak during the wrk runs', fmt(mb('rss_wrk_peak_kib'))))
        w('%-46s %15s MB' % ('server RSS, idle after the wrk runs', fmt(mb('rss_after_wrk_kib'))))
        conns = fmt_int(num(d, 'idle_conns'))
        base = mb('rss_after_wrk_kib')
        for key, label in (('rss_conns_fresh_kib', '%s connections, nothing sent'),
                           ('rss_conns_kib', '%s conns, 1 GetRecord each')):
            v = mb(key)
            ok = None if v is None else v < 64
            extra = ('   (%+.1f MB over idle after wrk)' % (v - base)
                     if v is not None and base is not None else '')
            w('%-46s %15s MB   %-16s %s%s' % ('server RSS, ' + label % conns, fmt(v),
                                              '< 64 MB', verdict(ok), extra))
        ok = None if mb('rss_conns_kib') is None else mb('rss_conns_kib') < 64
        targets.append((n, 'RSS < 64 MB with %s connections' % conns,
                        '%s MB' % fmt(mb('rss_conns_kib')), ok))
        slow_report(d, n, w, targets)
        w('')
    w('=' * 78)
    w('Targets')
    w('=' * 78)
    for n, what, value, ok in targets:
        w('%-4s  %10s records  %-44s %s' % (verdict(ok), fmt_int(n), what, value))
    w('')
    if num(meta, 'total_s') is not None:
        w('total run time: %s min' % fmt(num(meta, 'total_s') / 60))
        w('')
    print('\n'.join(out))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == 'cpu' and len(args) == 2:
        cmd_cpu(args[0], args[1])
    elif cmd == 'cpu-diff' and len(args) in (3, 4):
        cmd_cpu_diff(*args)
    elif cmd == 'perf-pids' and args:
        cmd_perf_pids(args)
    elif cmd == 'rss' and len(args) == 1:
        print(rss_kib(args[0]) or 0)
    elif cmd == 'sample-rss' and len(args) == 4:
        cmd_sample_rss(*args)
    elif cmd == 'machine' and not args:
        cmd_machine()
    elif cmd == 'report' and len(args) == 1:
        cmd_report(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
