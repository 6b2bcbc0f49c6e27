#!/usr/bin/python3
"""variants.py - the list statement of the server and candidate rewrites of
it, timed side by side on a benchmark database (tests/bench/run --keep).

    tests/bench/variants.py PORT [DB] [--cache] [--repeat N]

PORT is the kept cluster's port (see its oai-server.ini; restart the cluster
with scripts/lib/pg.sh's pg_cluster_start DATADIR PORT). Prints, for pages 2,
1,000 (when it exists), the last page but ten and the last page, the best
and median time of each variant over N executions (default 9) and the
shared buffers it touched; then the completeListSize count and two cheaper
ways to get it. --cache first builds bench_record_cache (rendered oai_dc XML
and setSpecs per record, in SQL: an approximation of the server's
rendering, for measuring the database side only) to time the "cached XML"
variant; it is dropped at the end.

This measures SQL only, nothing of the server: it tells the optimiser what
each rewrite saves in PostgreSQL. V0 is the server's statement as of the
commit the figures in docs/performance.md were taken at (server/db.c); the
others change one thing each, cumulatively.
Read-only except for --cache. Talks to 127.0.0.1 only.
"""
import re
import statistics
import subprocess
import sys

# server/db.c, DB_LIST_RECORDS (ListRecords, no set) as it was then, verbatim (the
# server now reads a page's keys first, DB_LIST_KEYS, then DB_LIST_BATCH).
V0 = (
    "WITH p AS (SELECT r.id, r.local_id, r.datestamp, r.deleted FROM records r "
    "WHERE (r.datestamp, r.id) > (to_timestamp($1), $2::bigint) "
    "AND r.datestamp <= to_timestamp($3)  ORDER BY r.datestamp, r.id LIMIT $4) "
    "SELECT p.id, p.local_id, extract(epoch FROM p.datestamp)::bigint, p.deleted, "
    "(SELECT string_agg(s.spec, ' ' ORDER BY s.spec) FROM record_sets s "
    "WHERE s.record_id = p.id), v.element, v.value, v.lang "
    "FROM p LEFT JOIN LATERAL (SELECT v.element, v.value, v.lang, e.position, v.seq "
    "FROM record_values v JOIN dc_elements e ON e.name = v.element "
    "WHERE v.record_id = p.id AND NOT p.deleted AND $5::boolean) v ON true "
    "ORDER BY p.datestamp, p.id, v.position, v.seq")

KEYSET = ("SELECT r.id, r.local_id, r.datestamp, r.deleted{extra} FROM records r "
          "WHERE (r.datestamp, r.id) > (to_timestamp($1), $2::bigint) "
          "AND r.datestamp <= to_timestamp($3) ORDER BY r.datestamp, r.id LIMIT $4")
SETS = (", (SELECT string_agg(s.spec, ' ' ORDER BY s.spec) FROM record_sets s "
        "WHERE s.record_id = r.id) AS sets")
VALUES_JOIN = ("LEFT JOIN LATERAL (SELECT v.element, v.value, v.lang, e.position, v.seq "
               "FROM record_values v JOIN dc_elements e ON e.name = v.element "
               "WHERE v.record_id = p.id AND NOT p.deleted AND $5::boolean) v ON true ")

NOJIT = 'SET jit = off;'
VARIANTS = [
    ('V0', 'the server today (db.c)', '', V0),
    ('V1', 'V0, session with jit = off', NOJIT, V0),
    ('V2', 'V1 + WITH p AS MATERIALIZED', NOJIT,
     V0.replace('WITH p AS (', 'WITH p AS MATERIALIZED (')),
    ('V3', 'V2 + setSpecs once per record, inside p', NOJIT,
     'WITH p AS MATERIALIZED (' + KEYSET.format(extra=SETS) + ') '
     'SELECT p.id, p.local_id, extract(epoch FROM p.datestamp)::bigint, p.deleted, p.sets, '
     'v.element, v.value, v.lang FROM p ' + VALUES_JOIN +
     'ORDER BY p.datestamp, p.id, v.position, v.seq'),
    ('V4', 'V3 + one row per record (values as arrays)', NOJIT,
     'WITH p AS MATERIALIZED (' + KEYSET.format(extra=SETS) + ') '
     'SELECT p.id, p.local_id, extract(epoch FROM p.datestamp)::bigint, p.deleted, p.sets, '
     'v.elements, v.vals, v.langs FROM p LEFT JOIN LATERAL ('
     'SELECT array_agg(v.element ORDER BY e.position, v.seq) AS elements, '
     'array_agg(v.value ORDER BY e.position, v.seq) AS vals, '
     'array_agg(v.lang ORDER BY e.position, v.seq) AS langs '
     'FROM record_values v JOIN dc_elements e ON e.name = v.element '
     'WHERE v.record_id = p.id AND NOT p.deleted AND $5::boolean) v ON true '
     'ORDER BY p.datestamp, p.id'),
]
CACHED = ('V5', 'keyset + cached XML and setSpecs (one PK lookup per record)', NOJIT,
          'WITH p AS MATERIALIZED (' + KEYSET.format(extra='') + ') '
          'SELECT p.id, p.local_id, extract(epoch FROM p.datestamp)::bigint, p.deleted, '
          'c.sets, CASE WHEN NOT p.deleted AND $5::boolean THEN c.xml END '
          'FROM p LEFT JOIN bench_record_cache c ON c.record_id = p.id '
          'ORDER BY p.datestamp, p.id')

BUILD_CACHE = r"""
DROP TABLE IF EXISTS bench_record_cache;
CREATE TABLE bench_record_cache AS
SELECT r.id AS record_id,
       (SELECT string_agg(s.spec, ' ' ORDER BY s.spec) FROM record_sets s WHERE s.record_id = r.id) AS sets,
       (SELECT '<oai_dc:dc>' || string_agg('<dc:' || v.element
                || coalesce(' xml:lang="' || v.lang || '"', '') || '>'
                || replace(replace(replace(v.value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')
                || '</dc:' || v.element || '>', '' ORDER BY e.position, v.seq) || '</oai_dc:dc>'
          FROM record_values v JOIN dc_elements e ON e.name = v.element
         WHERE v.record_id = r.id) AS xml
  FROM records r;
ALTER TABLE bench_record_cache ADD PRIMARY KEY (record_id);
VACUUM ANALYZE bench_record_cache;
"""

COUNTS = [
    ('count(*) as the server runs it (first page only)',
     "SELECT count(*) FROM records r WHERE r.datestamp >= to_timestamp(-62135596800) "
     "AND r.datestamp <= now()"),
    ('index-only count (enable_seqscan off)',
     "SET LOCAL enable_seqscan = off; SELECT count(*) FROM records r "
     "WHERE r.datestamp >= to_timestamp(-62135596800) AND r.datestamp <= now()"),
    ('planner estimate (EXPLAIN rows), no scan',
     "SELECT reltuples::bigint FROM pg_class WHERE relname = 'records'"),
]


def psql(port, db, script):
    p = subprocess.run(['psql', '-h', '127.0.0.1', '-p', str(port), '-U', 'postgres', '-d', db,
                        '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1'],
                       input=script.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode('utf-8', 'replace')
    if p.returncode != 0:
        sys.exit('variants.py: psql failed:\n' + out[-3000:])
    return out


def main(argv):
    args, repeat, cache, rest = [], 9, False, list(argv[1:])
    while rest:
        a = rest.pop(0)
        if a == '--repeat' and rest:
            repeat = int(rest.pop(0))
        elif a == '--cache':
            cache = True
        elif a.startswith('-'):
            args = []
            break
        else:
            args.append(a)
    if not args or len(args) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    port, db = args[0], (args[1] if len(args) > 1 else 'oai')
    variants = list(VARIANTS)
    if cache:
        print('building bench_record_cache ...', flush=True)
        psql(port, db, '\\timing on\n' + BUILD_CACHE)
        variants.append(CACHED)
    n = int(psql(port, db, 'SELECT count(*) FROM records').strip())
    pages = (n + 199) // 200
    wanted = [2] + ([1000] if pages > 1000 else []) + [max(3, pages - 10), pages]
    until = int(psql(port, db, 'SELECT extract(epoch FROM now())::bigint').strip())
    print('%d records, %d pages of 200; best / median of %d executions (ms), shared buffers'
          % (n, pages, repeat))
    print('%-4s %-58s' % ('', 'variant') + ''.join('%22s' % ('page %d' % p) for p in wanted))
    positions = {}
    for p in wanted:
        ds, rid = psql(port, db, 'SELECT extract(epoch FROM datestamp)::bigint, id FROM records '
                                 'ORDER BY datestamp, id OFFSET %d LIMIT 1'
                       % ((p - 1) * 200 - 1)).split('|')
        positions[p] = (int(ds), int(rid.strip()))
    for name, label, setting, sql in variants:
        cells = []
        for p in wanted:
            ds, rid = positions[p]
            args_sql = '%d, %d, %d, 201, true' % (ds, rid, until)
            script = [setting, 'PREPARE q AS %s;' % sql, '\\timing on']
            script += ['EXECUTE q(%s) \\g /dev/null' % args_sql] * repeat
            script += ['\\timing off',
                       'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE q(%s);' % args_sql]
            out = psql(port, db, '\n'.join(script))
            times = [float(t) for t in re.findall(r'^Time: ([0-9.]+) ms', out, re.M)]
            hit = re.search(r'"Shared Hit Blocks": (\d+)', out)
            read = re.search(r'"Shared Read Blocks": (\d+)', out)
            bufs = int(hit.group(1)) + int(read.group(1)) if hit and read else 0
            cells.append('%6.1f /%6.1f %7d' % (min(times), statistics.median(times), bufs))
        print('%-4s %-58s' % (name, label) + ''.join('%22s' % c for c in cells), flush=True)
    print()
    for label, sql in COUNTS:
        script = ['\\timing on'] + ['BEGIN; %s; COMMIT;' % sql] * repeat
        out = psql(port, db, '\n'.join(script))
        times = [float(t) for t in re.findall(r'^Time: ([0-9.]+) ms', out, re.M)]
        # every statement reports a time: keep the SELECTs' (the largest of each BEGIN..COMMIT)
        per = len(times) // repeat
        sel = [max(times[i * per:(i + 1) * per]) for i in range(repeat)]
        print('%-58s best %7.1f ms, median %7.1f ms' % (label, min(sel), statistics.median(sel)))
    if cache:
        psql(port, db, 'DROP TABLE bench_record_cache;')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
