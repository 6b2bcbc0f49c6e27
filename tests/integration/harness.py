"""Integration-test harness: a real PostgreSQL cluster, the real oai-server,
and an OAI-PMH client that validates every OAI response it receives.

Environment (set by ctest, see tests/CMakeLists.txt):
  OAI_SERVER_BIN  path to the oai-server binary (default: SOURCE/build/oai-server)
  OAI_SOURCE_DIR  the repository (default: two levels above this file)
Optional:
  OAI_TEST_KEEP=1 keep the temporary directories (cluster, config, logs)
  OAI_SERVER_WRAPPER  a command the server runs under, split like a shell
                  would, e.g. "valgrind --error-exitcode=99 --leak-check=full"
                  (tests/faults/CMakeLists.txt); start-up, stop and request
                  timeouts are then multiplied by OAI_WRAPPER_SLOWDOWN
                  (default 10)

Every test file does, roughly:

    import harness                      # must come before anything importing lxml
    ENV = None
    def setUpModule():
        global ENV
        ENV = harness.Env(page_size=10).start()  # cluster + migrations + demo + server
    ...
    if __name__ == '__main__':
        harness.main()

Env.start() registers its own cleanup (unittest module cleanup + atexit), so
the cluster and the server are stopped and the temporary directory removed
even when a test or setUpModule fails.

Validation of an OAI response (Client.oai and friends; a failure raises
AssertionError with the schema error log, the body and the server's log tail):
  * HTTP 200, Content-Type exactly "text/xml; charset=UTF-8";
  * the body starts with an XML declaration (version 1.0, encoding UTF-8),
    has no DOCTYPE, is well-formed, and validates against
    schemas/oai-pmh-all.xsd (the envelope and, strictly, every payload);
  * the root's xsi:schemaLocation is exactly the OAI-PMH namespace/XSD pair;
  * responseDate is YYYY-MM-DDThh:mm:ssZ and close to the current UTC time;
  * <request> carries the base URL; no attributes on badVerb/badArgument;
    on success exactly the request's arguments; on other errors a subset;
  * the third child is <error>s or the element named after the verb;
  * every header datestamp (and earliestDatestamp, expirationDate) is at
    seconds granularity;
  * every header lists the minimum setSpecs: none twice, none implied by
    another (spec 2.6);
  * every <oai_dc:dc> carries the oai_dc xsi:schemaLocation pair.
"""
import atexit
import calendar
import gzip
import http.client
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.environ.get('OAI_SOURCE_DIR')
                             or os.path.dirname(os.path.dirname(HERE)))
SCHEMA_DIR = os.path.join(SOURCE_DIR, 'schemas')
SCRIPTS_DIR = os.path.join(SOURCE_DIR, 'scripts')
PG_SH = os.path.join(SCRIPTS_DIR, 'lib', 'pg.sh')

# libxml2 reads XML_CATALOG_FILES once, when it first needs a catalog: it
# must be set before lxml is imported (and before anything else imports it).
if 'lxml' in sys.modules and os.environ.get('XML_CATALOG_FILES') != os.path.join(
        SCHEMA_DIR, 'catalog.xml'):
    raise RuntimeError('import harness before lxml (XML_CATALOG_FILES must be set first)')
os.environ['XML_CATALOG_FILES'] = os.path.join(SCHEMA_DIR, 'catalog.xml')
from lxml import etree  # noqa: E402

OAI_NS = 'http://www.openarchives.org/OAI/2.0/'
OAI_XSD = 'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd'
OAI_DC_NS = 'http://www.openarchives.org/OAI/2.0/oai_dc/'
OAI_DC_XSD = 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd'
DC_NS = 'http://purl.org/dc/elements/1.1/'
XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'
XML_NS = 'http://www.w3.org/XML/1998/namespace'
OAI_ID_NS = 'http://www.openarchives.org/OAI/2.0/oai-identifier'
NS = {'o': OAI_NS, 'oai_dc': OAI_DC_NS, 'dc': DC_NS, 'xsi': XSI_NS, 'id': OAI_ID_NS}
XML_LANG = '{%s}lang' % XML_NS

REPOSITORY_ID = 'elibrary.nec.gov.kh'
ADMIN_EMAIL = 'elibrary@nec.gov.kh'
ID_PREFIX = 'oai:%s:' % REPOSITORY_ID
CONTENT_TYPE = 'text/xml; charset=UTF-8'
DATESTAMP_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
XML_DECL_RE = re.compile(rb'^<\?xml\s+version\s*=\s*["\']1\.0["\']\s+encoding\s*=\s*["\']UTF-8["\']'
                         rb'(\s+standalone\s*=\s*["\'](yes|no)["\'])?\s*\?>', re.I)
VERBS = ('Identify', 'ListMetadataFormats', 'ListSets', 'GetRecord', 'ListIdentifiers',
         'ListRecords')
ERROR_CODES = ('badArgument', 'badResumptionToken', 'badVerb', 'cannotDisseminateFormat',
               'idDoesNotExist', 'noMetadataFormats', 'noRecordsMatch', 'noSetHierarchy')

# A server under a wrapper (valgrind) starts, answers and stops much more
# slowly; every time bound the harness sets for the server is scaled.
WRAPPER = shlex.split(os.environ.get('OAI_SERVER_WRAPPER', ''))
SLOWDOWN = float(os.environ.get('OAI_WRAPPER_SLOWDOWN', '10')) if WRAPPER else 1.0
SERVER_START_TIMEOUT = 15.0 * SLOWDOWN
# SIGTERM to exit: the server's own bound is 10 s (main.c SHUTDOWN_TIMEOUT).
SERVER_STOP_TIMEOUT = 10.0 * SLOWDOWN
# The server and the databases run in Cambodia's time zone (UTC+7), as they
# would at the NEC: every datestamp on the wire must still be UTC.
LOCAL_TZ = 'Asia/Phnom_Penh'
HTTP_TIMEOUT = 30.0 * SLOWDOWN

_parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False,
                          huge_tree=True)
_schema = None


def schema():
    """The compiled oai-pmh-all.xsd (loaded once, offline, through the catalog)."""
    global _schema
    if _schema is None:
        doc = etree.parse(os.path.join(SCHEMA_DIR, 'oai-pmh-all.xsd'),
                          etree.XMLParser(no_network=True))
        _schema = etree.XMLSchema(doc)
    return _schema


def validate_bytes(body):
    """Parses and schema-validates an XML document. Returns the root element;
    raises AssertionError with the parse or schema error log."""
    try:
        root = etree.fromstring(body, _parser)
    except etree.XMLSyntaxError as e:
        raise AssertionError('response is not well-formed XML: %s\n%s' % (e, _snippet(body)))
    s = schema()
    if not s.validate(root.getroottree()):
        log = '\n'.join(str(e) for e in s.error_log)
        raise AssertionError('response does not validate against oai-pmh-all.xsd:\n%s\n%s'
                             % (log, _snippet(body)))
    return root


def _snippet(body, n=3000):
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)
    if len(text) > n:
        text = text[:n] + '\n... [%d more characters]' % (len(text) - n)
    return '--- body ---\n' + text


def fmt_time(t):
    """Epoch seconds -> YYYY-MM-DDThh:mm:ssZ."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(int(t)))


def parse_time(s):
    """YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DD -> epoch seconds."""
    if len(s) == 10:
        return calendar.timegm(time.strptime(s, '%Y-%m-%d'))
    return calendar.timegm(time.strptime(s, '%Y-%m-%dT%H:%M:%SZ'))


def oai_id(local_id):
    return ID_PREFIX + local_id


def local_id(identifier):
    assert identifier.startswith(ID_PREFIX), identifier
    return identifier[len(ID_PREFIX):]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


def pg_literal(value):
    """A SQL expression for a text value (None -> NULL), safe for any
    character but NUL: control characters go through chr()."""
    if value is None:
        return 'NULL'
    parts, cur = [], []
    for ch in value:
        if ord(ch) < 32 or ord(ch) == 127:
            if cur:
                parts.append("'" + ''.join(cur).replace("'", "''") + "'")
                cur = []
            parts.append('chr(%d)' % ord(ch))
        else:
            cur.append(ch)
    if cur or not parts:
        parts.append("'" + ''.join(cur).replace("'", "''") + "'")
    return '(' + ' || '.join(parts) + ')'


# ---------------------------------------------------------------------------
# Resource registry: everything started is stopped at exit, whatever happens.
# ---------------------------------------------------------------------------

_live = []          # objects with .stop(), most recent last
_all_servers = []   # every Server ever started (for log dumps on failure)


def _stop_all():
    while _live:
        obj = _live.pop()
        try:
            obj.stop()
        except Exception as e:  # pragma: no cover - best effort
            print('harness: error stopping %r: %s' % (obj, e), file=sys.stderr)
    _watchdog.close()


atexit.register(_stop_all)


def _on_signal(signum, frame):
    # ctest sends SIGTERM on timeout, a user Ctrl-C: clean up and go. (An
    # exception would not do: unittest records it as a test error and runs on.)
    signal.signal(signum, signal.SIG_DFL)
    print('harness: signal %d: stopping servers and clusters' % signum, file=sys.stderr)
    try:
        _stop_all()
    finally:
        os._exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    try:
        signal.signal(_sig, _on_signal)
    except (ValueError, OSError):  # pragma: no cover
        pass


class _Watchdog:
    """A detached shell that outlives this process only to clean up after a
    SIGKILL (a ctest timeout may kill us without a chance to run atexit): it
    waits for our pid to go, then kills the servers we started (by pid),
    stops our clusters and removes our temporary directories. It knows only
    what is registered, and entries are removed as soon as they are
    stopped normally, so it never signals a recycled pid."""

    SCRIPT = r'''
parent=$1 dir=$2 pgsh=$3
while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
[ -d "$dir" ] || exit 0
if [ -s "$dir/pids" ]; then while read -r p; do kill -9 "$p" 2>/dev/null; done <"$dir/pids"; fi
if [ -s "$dir/clusters" ] && [ -f "$pgsh" ]; then
    . "$pgsh"
    while read -r d; do pg_cluster_stop "$d" >/dev/null 2>&1; done <"$dir/clusters"
fi
if [ -s "$dir/dirs" ]; then while read -r d; do rm -rf "$d"; done <"$dir/dirs"; fi
rm -rf "$dir"
'''

    def __init__(self):
        self.dir = None
        self.proc = None
        self.entries = {'pids': [], 'clusters': [], 'dirs': []}

    def _ensure(self):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix='oai-watch-')
            self.proc = subprocess.Popen(
                ['bash', '-c', self.SCRIPT, 'oai-watchdog', str(os.getpid()), self.dir, PG_SH],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)

    def _write(self, kind):
        path = os.path.join(self.dir, kind)
        with open(path + '.tmp', 'w') as f:
            f.write(''.join('%s\n' % e for e in self.entries[kind]))
        os.replace(path + '.tmp', path)

    def add(self, kind, value):
        self._ensure()
        self.entries[kind].append(str(value))
        self._write(kind)

    def remove(self, kind, value):
        if self.dir is None:
            return
        try:
            self.entries[kind].remove(str(value))
        except ValueError:
            return
        self._write(kind)

    def close(self):
        if self.dir is None:
            return
        d, self.dir = self.dir, None
        shutil.rmtree(d, ignore_errors=True)   # the watchdog sees it gone and exits
        if self.proc is not None:
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


_watchdog = _Watchdog()


def _track(obj):
    _live.append(obj)


def _untrack(obj):
    try:
        _live.remove(obj)
    except ValueError:
        pass


# ---------------------------------------------------------------------------
# PostgreSQL, through scripts/lib/pg.sh and scripts/db-*
# ---------------------------------------------------------------------------

def _bash_pg(func, *args, input=None, check=True, timeout=120):
    """Runs one pg.sh function: bash -c 'source pg.sh && func "$@"' with args."""
    if not os.path.exists(PG_SH):
        raise RuntimeError('%s not found (PostgreSQL helpers missing)' % PG_SH)
    script = 'source "$0" && %s "$@"' % func
    p = subprocess.run(['bash', '-c', script, PG_SH] + [str(a) for a in args],
                       input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, cwd=SOURCE_DIR)
    if check and p.returncode != 0:
        raise RuntimeError('pg.sh %s %s failed (exit %d):\n%s%s'
                           % (func, ' '.join(map(str, args)), p.returncode,
                              p.stdout.decode('utf-8', 'replace'),
                              p.stderr.decode('utf-8', 'replace')))
    return p


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary directory."""

    def __init__(self):
        self.tmpdir = tempfile.mkdtemp(prefix='oai-it-')
        # The cluster runs as the postgres user when we are root: it must
        # be able to reach its data directory.
        os.chmod(self.tmpdir, 0o755)
        self.datadir = os.path.join(self.tmpdir, 'pgdata')
        self.port = None
        self.running = False
        _watchdog.add('dirs', self.tmpdir)
        _watchdog.add('clusters', self.datadir)

    def __repr__(self):
        return '<Cluster %s port %s>' % (self.datadir, self.port)

    def start(self):
        env_fast = {'PG_FAST': '1'}
        os.environ.update(env_fast)
        _track(self)
        last = None
        for _attempt in range(3):
            self.port = int(_bash_pg('pg_free_port').stdout.decode().strip())
            p = _bash_pg('pg_cluster_start', self.datadir, self.port, check=False, timeout=180)
            if p.returncode == 0:
                self.running = True
                return self
            last = p
            # A port race with a parallel test: retry with a fresh directory.
            _bash_pg('pg_cluster_stop', self.datadir, check=False)
            shutil.rmtree(self.datadir, ignore_errors=True)
        raise RuntimeError('pg_cluster_start failed:\n%s%s' % (
            last.stdout.decode('utf-8', 'replace'), last.stderr.decode('utf-8', 'replace')))

    def stop_postgres(self):
        """Stops PostgreSQL (pg_ctl stop -m fast: sessions are terminated),
        keeping the data directory, to simulate an outage mid-test."""
        _bash_pg('pg_cluster_stop', self.datadir)
        self.running = False

    def start_postgres(self):
        """Starts PostgreSQL again on the same port, with the same data."""
        _bash_pg('pg_cluster_start', self.datadir, self.port, timeout=180)
        self.running = True

    def conninfo(self, db, user='postgres'):
        return 'host=127.0.0.1 port=%d dbname=%s user=%s' % (self.port, db, user)

    def psql_as(self, user, db, script):
        """Runs SQL text as another role (psql, ON_ERROR_STOP, no retries).
        Returns (exit status, stdout, stderr) without raising: for checking
        what a role may not do."""
        psql = _bash_pg('pg_client', 'psql').stdout.decode().strip()
        p = subprocess.run([psql, '-X', '-q', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1',
                            '-d', self.conninfo(db, user)],
                           input=script.encode('utf-8'), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, cwd=SOURCE_DIR)
        return (p.returncode, p.stdout.decode('utf-8', 'replace'),
                p.stderr.decode('utf-8', 'replace'))

    def create_db(self, db):
        _bash_pg('pg_create_db', self.port, db)

    def migrate(self, db):
        self._script('db-migrate', db)

    def load_demo(self, db):
        self._script('db-load-demo', db)

    def _script(self, name, db):
        path = os.path.join(SCRIPTS_DIR, name)
        p = subprocess.run([path, self.conninfo(db)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300, cwd=SOURCE_DIR)
        if p.returncode != 0:
            raise RuntimeError('%s failed (exit %d):\n%s%s' % (
                name, p.returncode, p.stdout.decode('utf-8', 'replace'),
                p.stderr.decode('utf-8', 'replace')))

    def psql(self, db, script, extra=()):
        """Runs SQL text through pg_psql (ON_ERROR_STOP); returns stdout (str)."""
        args = [self.port, db, '-X', '-q', '-v', 'ON_ERROR_STOP=1'] + list(extra)
        p = _bash_pg('pg_psql', *args, input=script.encode('utf-8'), check=False)
        if p.returncode != 0:
            raise RuntimeError('SQL failed (exit %d): %s\n--- SQL ---\n%s' % (
                p.returncode, p.stderr.decode('utf-8', 'replace'), script[:4000]))
        return p.stdout.decode('utf-8')

    def stop(self):
        _untrack(self)
        try:
            if self.running:
                _bash_pg('pg_cluster_stop', self.datadir, check=False)
                self.running = False
        finally:
            _watchdog.remove('clusters', self.datadir)
            if not os.environ.get('OAI_TEST_KEEP'):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            _watchdog.remove('dirs', self.tmpdir)


class Database:
    """One database of a cluster, with SQL helpers for fixtures."""

    def __init__(self, cluster, name):
        self.cluster = cluster
        self.name = name

    @property
    def conninfo(self):
        return self.cluster.conninfo(self.name)

    def sql(self, script):
        """Executes SQL statements (DDL/DML); returns psql's stdout."""
        return self.cluster.psql(self.name, script)

    def query(self, select):
        """Runs one SELECT; returns a list of dicts (values through JSON, so
        any character survives; timestamps: select them as epoch yourself)."""
        wrapped = ('SELECT coalesce(json_agg(row_to_json(q)), \'[]\'::json) FROM (%s) q;'
                   % select.strip().rstrip(';'))
        out = self.cluster.psql(self.name, wrapped, extra=['-A', '-t'])
        return json.loads(out)

    def column(self, select):
        """Runs a SELECT of one column; returns the list of its values."""
        return [list(r.values())[0] for r in self.query(select)]

    def value(self, select):
        rows = self.query(select)
        return list(rows[0].values())[0] if rows else None

    # --- fixtures ---------------------------------------------------------

    def ensure_set(self, spec, name=None, descriptions=()):
        """Creates a set and its ancestors if missing. descriptions: [(value, lang)]."""
        self.sql('\n'.join(self._ensure_set_sql(spec, name, descriptions)))

    @staticmethod
    def _ensure_set_sql(spec, name=None, descriptions=()):
        parts = spec.split(':')
        stmts = []
        for i in range(1, len(parts) + 1):
            s = ':'.join(parts[:i])
            stmts.append('INSERT INTO sets (spec, name) VALUES (%s, %s) ON CONFLICT DO NOTHING;'
                         % (pg_literal(s), pg_literal(name if (i == len(parts) and name)
                                                      else 'Set ' + s)))
        for seq, (value, lang) in enumerate(descriptions, 1):
            stmts.append('INSERT INTO set_descriptions (spec, seq, value, lang) VALUES '
                         '(%s, %d, %s, %s);' % (pg_literal(spec), seq, pg_literal(value),
                                                pg_literal(lang)))
        return stmts

    def add_record(self, local_id, values=(), sets=(), datestamp=None, deleted=False):
        """Inserts a record. values: [(element, value, lang-or-None)] (seq is
        the position among values of the same element); sets: setSpecs
        (created if missing); datestamp: 'YYYY-MM-DDThh:mm:ssZ' or epoch, set
        by the last statement (the triggers move it on every other write);
        without one the record gets the current second."""
        self.add_records([dict(local_id=local_id, values=values, sets=sets,
                               datestamp=datestamp, deleted=deleted)])

    def add_records(self, records):
        """add_record for many records (dicts of its arguments), one psql run,
        one transaction."""
        stmts = ['BEGIN;']
        for rec in records:
            stmts += self._record_sql(**rec)
        stmts.append('COMMIT;')
        self.sql('\n'.join(stmts))

    def _record_sql(self, local_id, values=(), sets=(), datestamp=None, deleted=False):
        stmts = []
        for s in sets:
            stmts += self._ensure_set_sql(s)
        stmts.append('INSERT INTO records (local_id, deleted) VALUES (%s, %s);'
                     % (pg_literal(local_id), 'true' if deleted else 'false'))
        rid = '(SELECT id FROM records WHERE local_id = %s)' % pg_literal(local_id)
        seqs = {}
        rows = []
        for element, value, lang in values:
            seqs[element] = seqs.get(element, 0) + 1
            rows.append('(%s, %s, %d, %s, %s)' % (rid, pg_literal(element), seqs[element],
                                                  pg_literal(value), pg_literal(lang)))
        if rows:
            stmts.append('INSERT INTO record_values (record_id, element, seq, value, lang) '
                         'VALUES %s;' % ',\n'.join(rows))
        for s in sets:
            stmts.append('INSERT INTO record_sets (record_id, spec) VALUES (%s, %s);'
                         % (rid, pg_literal(s)))
        if datestamp is not None:
            stmts.append(self._set_datestamp_sql(local_id, datestamp))
        return stmts

    def set_datestamp(self, local_id, datestamp):
        self.sql(self._set_datestamp_sql(local_id, datestamp))

    @staticmethod
    def _set_datestamp_sql(local_id, datestamp):
        if isinstance(datestamp, (int, float)):
            datestamp = fmt_time(datestamp)
        return ("UPDATE records SET datestamp = '%s'::timestamptz WHERE local_id = %s;"
                % (datestamp, pg_literal(local_id)))

    def datestamp(self, local_id):
        """A record's datestamp as epoch seconds."""
        return int(self.value('SELECT extract(epoch FROM datestamp)::bigint AS t FROM records '
                              'WHERE local_id = %s' % pg_literal(local_id)))

    def identifiers(self, where='true'):
        """OAI identifiers of the records matching a WHERE clause on records r."""
        return [oai_id(x) for x in self.column(
            'SELECT r.local_id FROM records r WHERE %s ORDER BY r.datestamp, r.id' % where)]

    def identifiers_in_set(self, spec, where='true'):
        """Records in a set or any of its descendants (spec 2.7.2)."""
        return self.identifiers(
            "EXISTS (SELECT 1 FROM record_sets rs WHERE rs.record_id = r.id AND "
            "(rs.spec = %s OR rs.spec LIKE %s)) AND (%s)"
            % (pg_literal(spec), pg_literal(spec.replace('_', '\\_').replace('%', '\\%') + ':%'),
               where))


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------

def server_binary():
    # Absolute: the server runs in its own temporary directory.
    path = os.path.abspath(os.environ.get('OAI_SERVER_BIN')
                           or os.path.join(SOURCE_DIR, 'build', 'oai-server'))
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise RuntimeError('oai-server binary not found at %s (set OAI_SERVER_BIN)' % path)
    return os.path.abspath(path)  # the server runs in its own directory


class ServerStartError(RuntimeError):
    pass


# repository.list_batch of the servers the tests start (see Server).
LIST_BATCH = int(os.environ.get('OAI_TEST_LIST_BATCH', '3'))


class Server:
    """The oai-server process, with a config file written for the test."""
    # Where start() checks that the server accepts connections.
    connect_to = ('127.0.0.1', socket.AF_INET)

    def __init__(self, conninfo, page_size=None, overrides=None, file_settings=None,
                 demo=False, token_secret=None, args=(), base_path='/oai'):
        self.tmpdir = tempfile.mkdtemp(prefix='oai-srv-')
        _watchdog.add('dirs', self.tmpdir)
        self.port = free_port()
        self.base_path = base_path
        self.base_url = 'http://127.0.0.1:%d%s' % (self.port, base_path)
        self.token_secret = token_secret or secrets.token_hex(32)
        self.config_path = os.path.join(self.tmpdir, 'oai.conf')
        self.log_path = os.path.join(self.tmpdir, 'server.log')
        self.overrides = dict(overrides or {})
        self.page_size = page_size
        if page_size is not None:
            self.overrides['repository.page_size'] = str(page_size)
        # Small batches, so that every resumed list page of more than
        # LIST_BATCH records anywhere in the suite is streamed (server
        # default 50, more than most tests' pages); a test may set its own.
        if 'repository.list_batch' not in self.overrides and \
                'repository.list_batch' not in (file_settings or {}):
            self.overrides['repository.list_batch'] = str(LIST_BATCH)
        self.settings = {
            'server': {'listen': '127.0.0.1', 'port': str(self.port), 'workers': '2'},
            'repository': {
                'base_url': self.base_url,
                'name': 'National Election Committee E-Library (integration test)',
                'identifier': REPOSITORY_ID,
                'admin_email': ADMIN_EMAIL,
                'token_secret': self.token_secret,
            },
            'database': {'conninfo': conninfo},
            'log': {'level': 'info'},
        }
        for key, value in (file_settings or {}).items():
            section, k = key.split('.', 1)
            if value is None:
                self.settings.get(section, {}).pop(k, None)
            else:
                self.settings.setdefault(section, {})[k] = str(value)
        self.demo = demo
        self.args = list(args)
        self.proc = None
        self.final_log = None
        self._logf = None
        self.killed = False
        self.expected_exit = False  # the test stopped it itself (wait_exit)

    def __repr__(self):
        return '<Server %s>' % self.base_url

    def write_config(self):
        lines = ['# written by tests/integration/harness.py']
        for section, kv in self.settings.items():
            lines.append('[%s]' % section)
            for k, v in kv.items():
                lines.append('%s = "%s"' % (k, v) if (' ' in v or '#' in v or ';' in v)
                             else '%s = %s' % (k, v))
            lines.append('')
        with open(self.config_path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))

    def env(self):
        e = dict(os.environ)
        e['TZ'] = LOCAL_TZ
        e.pop('PGTZ', None)
        return e

    def command(self):
        cmd = WRAPPER + [server_binary(), '--config', self.config_path]
        for k, v in self.overrides.items():
            cmd += ['-o', '%s=%s' % (k, v)]
        if self.demo:
            cmd.append('--demo')
        return cmd + self.args

    def run_expect_exit(self, timeout=SERVER_START_TIMEOUT):
        """Runs the server expecting it to exit by itself (a refused
        configuration, --check-config). Returns (exit status, output); an
        exit status of None means it was still running after timeout (then
        it has been stopped)."""
        self.write_config()
        try:
            p = subprocess.run(self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, cwd=self.tmpdir, timeout=timeout,
                               env=self.env())
            rc, out = p.returncode, p.stdout
        except subprocess.TimeoutExpired as e:
            rc, out = None, e.output or b''
        finally:
            if not os.environ.get('OAI_TEST_KEEP'):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            _watchdog.remove('dirs', self.tmpdir)
        return rc, out.decode('utf-8', 'replace')

    def start(self, timeout=SERVER_START_TIMEOUT, poll=0.05):
        """Starts the server and waits until it accepts connections, trying
        every `poll` seconds. A port taken meanwhile by another test (ctest
        -j) is retried on a new one."""
        for attempt in range(3):
            try:
                return self._start_once(timeout, poll)
            except ServerStartError as e:
                if attempt == 2 or not re.search(r'(?i)in use|bind', str(e)):
                    raise
                self._reap()
                self.port = free_port()
                self.settings['server']['port'] = str(self.port)
                if self.settings['repository'].get('base_url') == self.base_url:
                    self.base_url = 'http://127.0.0.1:%d%s' % (self.port, self.base_path)
                    self.settings['repository']['base_url'] = self.base_url

    def _reap(self):
        _untrack(self)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None:
            _watchdog.remove('pids', self.proc.pid)
        if self._logf:
            self._logf.close()
            self._logf = None

    def _start_once(self, timeout, poll):
        self.write_config()
        self._logf = open(self.log_path, 'wb')
        _track(self)
        if self not in _all_servers:
            _all_servers.append(self)
        self.proc = subprocess.Popen(self.command(), stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmpdir, env=self.env())
        _watchdog.add('pids', self.proc.pid)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError('oai-server exited with status %s during start-up:\n%s'
                                       % (self.proc.returncode, self.log_text()))
            try:
                with socket.socket(self.connect_to[1], socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect((self.connect_to[0], self.port))
                return self
            except OSError:
                time.sleep(poll)
        raise ServerStartError('oai-server did not accept connections on port %d within %.0f s:\n%s'
                               % (self.port, timeout, self.log_text()))

    def log_text(self):
        if self.final_log is not None:
            return self.final_log
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def log_tail(self, lines=40):
        return '\n'.join(self.log_text().splitlines()[-lines:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, signum):
        """Sends a signal to the server process."""
        self.proc.send_signal(signum)

    def wait_exit(self, timeout):
        """Waits for a server the test has stopped (a signal); returns its exit
        status. Env.stop then does not count the exit as a crash. Fails
        (after killing it) when it is still running after timeout."""
        try:
            rc = self.proc.wait(timeout * SLOWDOWN)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.killed = True
            raise AssertionError('%r still running %.1f s later:\n%s'
                                 % (self, timeout * SLOWDOWN, self.log_tail()))
        self.expected_exit = True
        return rc

    def reload(self, **file_settings):
        """Changes settings in the file (section.key=value, None removes a
        key), rewrites it and sends SIGHUP. Returns the log's length before
        the signal, for wait_log(since=...)."""
        for key, value in file_settings.items():
            section, k = key.split('.', 1)
            if value is None:
                self.settings.get(section, {}).pop(k, None)
            else:
                self.settings.setdefault(section, {})[k] = str(value)
        self.write_config()
        mark = len(self.log_text())
        self.signal(signal.SIGHUP)
        return mark

    def wait_log(self, pattern, since=0, timeout=10.0):
        """Waits until the log (from character offset since) matches a
        regular expression; returns the match. AssertionError on timeout."""
        deadline = time.monotonic() + timeout * SLOWDOWN
        while True:
            m = re.search(pattern, self.log_text()[since:])
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError('server log did not show %r within %.0f s:\n%s'
                                     % (pattern, timeout * SLOWDOWN, self.log_tail()))
            time.sleep(0.05)

    def stop(self):
        """SIGTERM, wait up to SERVER_STOP_TIMEOUT, then SIGKILL. Returns the
        exit status."""
        _untrack(self)
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(SERVER_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    self.killed = True
            rc = self.proc.returncode
            _watchdog.remove('pids', self.proc.pid)
        if self._logf:
            self._logf.close()
            self._logf = None
        self.final_log = self.log_text() if self.proc is not None else ''
        if not os.environ.get('OAI_TEST_KEEP'):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        _watchdog.remove('dirs', self.tmpdir)
        return rc

    def client(self):
        return Client(self)


# ---------------------------------------------------------------------------
# HTTP and the OAI client
# ---------------------------------------------------------------------------

class RawResponse:
    """An HTTP response, unvalidated."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage (case-insensitive)
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def __repr__(self):
        return '<RawResponse %d %s>' % (self.status, self.reason)


class _SharedReader:
    """One buffered reader over a socket for several http.client.HTTPResponse
    objects in a row (pipelining): each HTTPResponse would otherwise make
    its own buffer and swallow the start of the next response."""

    def __init__(self, sock):
        self._f = sock.makefile('rb')

    def makefile(self, *args, **kw):
        return self

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self._f, name)


def read_responses(sock, methods):
    """Reads len(methods) HTTP responses from sock, in order (methods tell
    which were HEAD requests). Returns a list of RawResponse."""
    reader = _SharedReader(sock)
    out = []
    for m in methods:
        r = http.client.HTTPResponse(reader, method=m)
        r.begin()
        body = r.read()
        out.append(RawResponse(r.status, r.reason, r.headers, body))
    return out


class Response(RawResponse):
    """A validated OAI-PMH response."""

    def __init__(self, raw, root, params, method):
        super().__init__(raw.status, raw.reason, raw.headers, raw.body)
        self.root = root
        self.params = params    # list of (key, value) pairs sent, or None if unknown
        self.method = method

    def __repr__(self):
        return '<Response %s %s>' % (self.params, self.error_codes() or 'ok')

    def xpath(self, expr, node=None):
        return (self.root if node is None else node).xpath(expr, namespaces=NS)

    def text(self, expr):
        """Text of the single element matching expr (relative to root)."""
        nodes = self.xpath(expr)
        assert len(nodes) == 1, 'expected exactly one %s, got %d\n%s' % (
            expr, len(nodes), _snippet(self.body))
        return nodes[0].text or ''

    @property
    def request(self):
        return self.root.find('{%s}request' % OAI_NS)

    @property
    def response_date(self):
        return self.root.findtext('{%s}responseDate' % OAI_NS)

    def error_codes(self):
        return [e.get('code') for e in self.root.findall('{%s}error' % OAI_NS)]

    @property
    def payload(self):
        """The third child: the verb element, or None on errors."""
        kids = [k for k in self.root if isinstance(k.tag, str)]
        return kids[2] if len(kids) > 2 and kids[2].tag != '{%s}error' % OAI_NS else None

    def oai_headers(self):
        """ListIdentifiers headers, or the headers of ListRecords/GetRecord records."""
        return self.xpath('/o:OAI-PMH/o:ListIdentifiers/o:header | '
                          '/o:OAI-PMH/*/o:record/o:header')

    def records(self):
        return self.xpath('/o:OAI-PMH/*/o:record')

    def identifiers(self):
        return [h.findtext('{%s}identifier' % OAI_NS) for h in self.oai_headers()]

    def items(self):
        """The list items of a list response: headers, records or sets."""
        p = self.payload
        if p is None:
            return []
        tag = {'ListIdentifiers': 'header', 'ListRecords': 'record',
               'ListSets': 'set'}.get(etree.QName(p).localname)
        return p.findall('{%s}%s' % (OAI_NS, tag)) if tag else []

    @property
    def token(self):
        """The resumptionToken element, or None."""
        p = self.payload
        return None if p is None else p.find('{%s}resumptionToken' % OAI_NS)


def error_codes(resp):
    return resp.error_codes()


def header_info(header):
    """A <header> element -> dict(identifier, datestamp, sets, deleted)."""
    return {
        'identifier': header.findtext('{%s}identifier' % OAI_NS),
        'datestamp': header.findtext('{%s}datestamp' % OAI_NS),
        'sets': [s.text for s in header.findall('{%s}setSpec' % OAI_NS)],
        'deleted': header.get('status') == 'deleted',
    }


def dc_values(record):
    """A <record> -> list of (element, text, xml:lang or None) of its oai_dc,
    or None when it has no metadata."""
    dc = record.find('{%s}metadata/{%s}dc' % (OAI_NS, OAI_DC_NS))
    if dc is None:
        return None
    out = []
    for el in dc:
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        assert q.namespace == DC_NS, 'unexpected element in oai_dc: %s' % el.tag
        out.append((q.localname, el.text or '', el.get(XML_LANG)))
    return out


class Harvest:
    def __init__(self, pages, items):
        self.pages = pages   # list of Response
        self.items = items   # list of item elements (header / record / set)

    @property
    def identifiers(self):
        out = []
        for it in self.items:
            h = it if etree.QName(it).localname == 'header' else it.find('{%s}header' % OAI_NS)
            out.append(h.findtext('{%s}identifier' % OAI_NS))
        return out

    @property
    def headers(self):
        return [it if etree.QName(it).localname == 'header'
                else it.find('{%s}header' % OAI_NS) for it in self.items]

    @property
    def set_specs(self):
        return [it.findtext('{%s}setSpec' % OAI_NS) for it in self.items]


class Client:
    def __init__(self, server):
        self.server = server
        self.host = '127.0.0.1'
        self.port = server.port
        self.base_url = server.base_url
        self.path = urllib.parse.urlsplit(self.base_url).path

    # --- plain HTTP -------------------------------------------------------

    def http(self, method, path=None, body=None, headers=None, timeout=HTTP_TIMEOUT):
        """One request on a fresh connection; returns a RawResponse."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path if path is not None else self.path, body=body,
                         headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return RawResponse(r.status, r.reason, r.headers, data)
        finally:
            conn.close()

    def raw_http(self, data, timeout=10.0, head=False):
        """Sends raw bytes on a new connection and parses one HTTP response
        (RawResponse), or returns None if the server closed without answering."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            sock.sendall(data)
            r = http.client.HTTPResponse(sock, method='HEAD' if head else 'GET')
            try:
                r.begin()
            except http.client.RemoteDisconnected:
                return None
            body = r.read()
            return RawResponse(r.status, r.reason, r.headers, body)
        finally:
            sock.close()

    def raw_exchange(self, data, timeout=10.0):
        """Sends raw bytes, reads until the server closes or goes quiet; returns all bytes."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            sock.sendall(data)
            chunks = []
            while True:
                try:
                    b = sock.recv(65536)
                except socket.timeout:
                    break
                if not b:
                    break
                chunks.append(b)
            return b''.join(chunks)
        finally:
            sock.close()

    # --- OAI --------------------------------------------------------------

    @staticmethod
    def _pairs(params):
        pairs = []
        for k, v in params.items():
            if k.endswith('_'):
                k = k[:-1]  # from_ -> from
            pairs.append((k, v))
        return pairs

    def oai(self, method='GET', headers=None, **params):
        """An OAI request with keyword arguments (use from_ for from). Validated."""
        return self.oai_pairs(self._pairs(params), method=method, headers=headers)

    def oai_pairs(self, pairs, method='GET', headers=None):
        """An OAI request from (key, value) pairs (repeats allowed). Validated."""
        qs = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
        return self.oai_query(qs, method=method, headers=headers, params=list(pairs))

    def oai_query(self, qs, method='GET', headers=None, params='parse'):
        """An OAI request from a ready-made query string (sent as is). Validated.
        params: the pairs it means (for the <request> echo check), 'parse'
        to decode qs strictly, or None to skip the echo check."""
        if params == 'parse':
            params = _strict_parse(qs)
        hdrs = dict(headers or {})
        if method == 'GET':
            raw = self.http('GET', self.path + ('?' + qs if qs is not None else ''),
                            headers=hdrs)
        elif method == 'POST':
            hdrs.setdefault('Content-Type', 'application/x-www-form-urlencoded')
            raw = self.http('POST', self.path, body=(qs or '').encode('utf-8'), headers=hdrs)
        else:
            raise ValueError(method)
        return self.check(raw, params, method)

    def check(self, raw, params, method='GET'):
        """Validates an HTTP response as an OAI-PMH response; returns a Response."""
        try:
            return check_response(raw, params, method, self.base_url)
        except AssertionError as e:
            raise AssertionError('%s %s %s\n%s\n--- server log (tail) ---\n%s' % (
                method, self.base_url, params, e, self.server.log_tail())) from None

    def harvest(self, verb, method='GET', page_size=None, check=True, exact_size=True,
                **params):
        """Runs a complete list request sequence, following resumption tokens.
        Returns a Harvest. With check: asserts the flow-control rules
        (cursor from 0, constant completeListSize equal to the items
        delivered, empty token with attributes on the last page of a
        multi-page list, no token on a single page, long expirationDate,
        request echo of the resumptionToken). exact_size=False when the
        repository changes during the harvest (completeListSize is then an
        estimate, spec 3.5)."""
        if page_size is None:
            page_size = self.server.page_size
        first = self.oai(method=method, verb=verb, **params)
        if first.error_codes():
            raise AssertionError('harvest %s %s: error %s\n%s' % (
                verb, params, first.error_codes(), _snippet(first.body)))
        pages = [first]
        items = list(first.items())
        resp = first
        while True:
            tok = resp.token
            if tok is None or not (tok.text or '').strip():
                break
            if len(pages) > 100000:
                raise AssertionError('harvest does not terminate')
            if check:
                _check_live_token(tok)
            resp = self.oai(method=method, verb=verb, resumptionToken=tok.text)
            if resp.error_codes():
                raise AssertionError('harvest %s %s: page %d: error %s\n%s' % (
                    verb, params, len(pages) + 1, resp.error_codes(), _snippet(resp.body)))
            pages.append(resp)
            items.extend(resp.items())
        h = Harvest(pages, items)
        if check:
            check_flow_control(h, page_size, exact_size)
        return h


def _strict_parse(qs):
    try:
        return urllib.parse.parse_qsl(qs or '', keep_blank_values=True, strict_parsing=False,
                                      errors='strict')
    except (UnicodeDecodeError, ValueError):
        return None


def _check_live_token(tok):
    exp = tok.get('expirationDate')
    if exp is not None:
        assert DATESTAMP_RE.match(exp), 'expirationDate %r not YYYY-MM-DDThh:mm:ssZ' % exp
        assert parse_time(exp) >= time.time() + 23 * 3600 - 60, (
            'resumptionToken expires too soon: %s (BASE wants >= 23 h)' % exp)
    assert re.match(r'^[A-Za-z0-9_.\-]+$', tok.text.strip()), (
        'token %r uses characters outside [A-Za-z0-9_.-] (token.h)' % tok.text)


def check_flow_control(h, page_size=None, exact_size=True):
    pages = h.pages
    n = len(pages)
    sizes = set()
    delivered = 0
    for i, p in enumerate(pages):
        tok = p.token
        items = p.items()
        if page_size is not None:
            assert len(items) <= page_size, 'page %d has %d items > page_size %d' % (
                i + 1, len(items), page_size)
        if n == 1:
            assert tok is None, ('a list that fits in one page must have no resumptionToken, '
                                 'got %s' % etree.tostring(tok))
            break
        assert tok is not None, 'page %d of %d has no resumptionToken' % (i + 1, n)
        last = (i == n - 1)
        if last:
            assert not (tok.text or '').strip(), 'last page token must be empty'
        else:
            assert (tok.text or '').strip(), 'page %d token is empty' % (i + 1)
        cursor = tok.get('cursor')
        assert cursor is not None, 'page %d token lacks cursor' % (i + 1)
        assert int(cursor) == delivered, 'page %d cursor %s, expected %d' % (
            i + 1, cursor, delivered)
        size = tok.get('completeListSize')
        assert size is not None, 'page %d token lacks completeListSize' % (i + 1)
        sizes.add(int(size))
        if i > 0:
            assert p.request.get('resumptionToken') == pages[i - 1].token.text, (
                'request echo lacks the resumptionToken on page %d' % (i + 1))
        delivered += len(items)
    if n > 1:
        assert len(sizes) == 1, 'completeListSize changed during the harvest: %s' % sizes
        size = sizes.pop()
        if exact_size:
            assert size == delivered, 'completeListSize %d != items delivered (%d)' % (
                size, delivered)


def check_response(raw, params, method, base_url):
    """All the checks every OAI response must pass. Returns a Response."""
    body = raw.body
    assert raw.status == 200, 'HTTP status %d %s, expected 200\n%s' % (
        raw.status, raw.reason, _snippet(body))
    ctype = raw.headers.get('Content-Type')
    assert ctype == CONTENT_TYPE, 'Content-Type %r, expected %r' % (ctype, CONTENT_TYPE)
    enc = raw.headers.get('Content-Encoding')
    if enc and enc.lower() == 'gzip':
        body = gzip.decompress(body)
    elif enc and enc.lower() == 'deflate':
        body = zlib.decompress(body)  # HTTP "deflate" is the zlib format
    elif enc and enc.lower() not in ('identity',):
        raise AssertionError('unexpected Content-Encoding %r' % enc)
    assert XML_DECL_RE.match(body), 'body does not start with an XML declaration ' \
        '(version 1.0, encoding UTF-8):\n%s' % _snippet(body, 300)
    root = validate_bytes(body)
    assert not root.getroottree().docinfo.doctype, 'response has a DOCTYPE'
    assert root.tag == '{%s}OAI-PMH' % OAI_NS, root.tag
    loc = root.get('{%s}schemaLocation' % XSI_NS)
    assert loc is not None and loc.split() == [OAI_NS, OAI_XSD], (
        'xsi:schemaLocation is %r, expected the pair %s %s' % (loc, OAI_NS, OAI_XSD))
    assert loc == '%s %s' % (OAI_NS, OAI_XSD), 'xsi:schemaLocation not exactly %r: %r' % (
        '%s %s' % (OAI_NS, OAI_XSD), loc)
    resp = Response(RawResponse(raw.status, raw.reason, raw.headers, body), root, params,
                    method)
    rd = resp.response_date or ''
    assert DATESTAMP_RE.match(rd), 'responseDate %r not YYYY-MM-DDThh:mm:ssZ' % rd
    assert abs(parse_time(rd) - time.time()) < 120, 'responseDate %s is not now (UTC)' % rd
    req = resp.request
    assert (req.text or '').strip() == base_url, '<request> content %r != base URL %r' % (
        req.text, base_url)
    codes = resp.error_codes()
    for c in codes:
        assert c in ERROR_CODES, c
    if 'badVerb' in codes or 'badArgument' in codes:
        assert not req.attrib, '<request> must carry no attributes on %s, got %s' % (
            codes, dict(req.attrib))
    elif params is not None:
        sent = {}
        dup = False
        for k, v in params:
            dup = dup or k in sent
            sent[k] = v
        if not dup:
            attrs = dict(req.attrib)
            if codes:
                for k, v in attrs.items():
                    assert sent.get(k) == v, '<request> attribute %s=%r not in the request %s' % (
                        k, v, sent)
            else:
                assert attrs == sent, '<request> attributes %s != request arguments %s' % (
                    attrs, sent)
    payload = resp.payload
    if not codes:
        assert payload is not None
        verb = etree.QName(payload).localname
        if params is not None:
            sent_verbs = [v for k, v in params if k == 'verb']
            if len(sent_verbs) == 1:
                assert verb == sent_verbs[0], 'payload %s for verb %s' % (verb, sent_verbs[0])
    for ds in resp.xpath('//o:header/o:datestamp | //o:Identify/o:earliestDatestamp'):
        assert DATESTAMP_RE.match(ds.text or ''), 'datestamp %r is not at seconds granularity' % (
            ds.text,)
    for h in resp.xpath('//o:header'):
        specs = [e.text for e in h.findall('{%s}setSpec' % OAI_NS)]
        assert len(set(specs)) == len(specs), 'setSpec repeated in a header: %s' % specs
        for a in specs:
            for b in specs:
                assert not b.startswith(a + ':'), (
                    'header lists %s beside %s, which implies it (spec 2.6)' % (a, b))
    for tok in resp.xpath('//o:resumptionToken[@expirationDate]'):
        assert DATESTAMP_RE.match(tok.get('expirationDate')), tok.get('expirationDate')
    for dc in resp.xpath('//oai_dc:dc'):
        loc = dc.get('{%s}schemaLocation' % XSI_NS)
        assert loc is not None and loc.split() == [OAI_DC_NS, OAI_DC_XSD], (
            'oai_dc:dc xsi:schemaLocation %r' % loc)
    for h in resp.xpath('//o:header[@status="deleted"]'):
        rec = h.getparent()
        if etree.QName(rec).localname == 'record':
            assert rec.find('{%s}metadata' % OAI_NS) is None, 'deleted record has metadata'
            assert rec.find('{%s}about' % OAI_NS) is None, 'deleted record has about'
    return resp


# ---------------------------------------------------------------------------
# Env: cluster + database + server, for a test module
# ---------------------------------------------------------------------------

class Env:
    """A cluster with database 'oai' (migrated, demo data unless demo=False)
    and a server on it. Extra servers (other settings or databases) can be
    started with new_server() and are stopped with the Env."""

    def __init__(self, demo_data=True, page_size=None, overrides=None, file_settings=None):
        self.demo_data = demo_data
        self.page_size = page_size
        self.overrides = overrides
        self.file_settings = file_settings
        self.cluster = None
        self.db = None
        self.server = None
        self.client = None
        self.extra = []

    def start(self):
        _track(self)
        try:
            unittest.addModuleCleanup(self.stop)
        except AttributeError:  # pragma: no cover - Python < 3.8
            pass
        self.cluster = Cluster().start()
        self.db = self.new_database('oai', demo_data=self.demo_data)
        self.server = Server(self.db.conninfo, page_size=self.page_size,
                             overrides=self.overrides,
                             file_settings=self.file_settings).start()
        self.client = self.server.client()
        return self

    # Shortcuts: ENV.oai(...), ENV.harvest(...), ENV.sql(...), ENV.query(...).
    def oai(self, method='GET', **params):
        return self.client.oai(method=method, **params)

    def harvest(self, verb, **params):
        return self.client.harvest(verb, **params)

    def sql(self, script):
        return self.db.sql(script)

    def query(self, select):
        return self.db.query(select)

    def new_database(self, name, migrate=True, demo_data=False):
        self.cluster.create_db(name)
        self.cluster.psql('postgres', "ALTER DATABASE %s SET timezone = '%s';" % (name, LOCAL_TZ))
        if migrate:
            self.cluster.migrate(name)
        if demo_data:
            self.cluster.load_demo(name)
        return Database(self.cluster, name)

    def new_server(self, db=None, **kw):
        srv = Server((db or self.db).conninfo, **kw)
        self.extra.append(srv)
        return srv.start()

    def stop(self):
        """Stops everything; then fails if a server had crashed during the
        tests or did not exit cleanly (status 0) on SIGTERM in time."""
        _untrack(self)
        problems = []
        for s in self.extra + ([self.server] if self.server else []):
            if s.proc is None:
                continue
            was_alive = s.alive()
            rc = s.stop()
            if s.expected_exit:
                continue
            if not was_alive:
                problems.append('%r died during the tests (exit status %s)' % (s, rc))
            elif s.killed:
                problems.append('%r did not stop within %.0f s of SIGTERM'
                                % (s, SERVER_STOP_TIMEOUT))
            elif rc != 0:
                problems.append('%r exited with status %s on SIGTERM' % (s, rc))
            if problems and problems[-1].startswith(repr(s)):
                problems[-1] += '\n--- log tail ---\n' + s.log_tail(60)
        self.extra = []
        self.server = None
        if self.cluster:
            self.cluster.stop()
            self.cluster = None
        if problems:
            raise AssertionError('\n'.join(problems))


def main():
    """unittest.main() that dumps the servers' logs when something failed."""
    prog = unittest.main(exit=False, verbosity=2)
    ok = prog.result.wasSuccessful()
    if not ok:
        for s in _all_servers:
            print('\n===== log of %r (%s) =====' % (s, ' '.join(s.command()[1:]) if s.proc else ''),
                  file=sys.stderr)
            lines = s.log_text().splitlines()
            if len(lines) > 200:
                print('... %d lines omitted ...' % (len(lines) - 200), file=sys.stderr)
            print('\n'.join(lines[-200:]), file=sys.stderr)
    _stop_all()
    sys.exit(0 if ok else 1)
