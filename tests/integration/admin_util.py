"""Helpers for the oai-admin integration tests (test_admin_*.py).

oai-admin is found next to oai-server (both are built into the build
folder's top level) unless OAI_ADMIN_BIN says otherwise.
"""
import json
import os
import subprocess

import harness  # noqa: F401  (sets XML_CATALOG_FILES before lxml is imported)

DC_ORDER = ['title', 'creator', 'subject', 'description', 'publisher', 'contributor', 'date',
            'type', 'format', 'identifier', 'source', 'language', 'relation', 'coverage',
            'rights']


def admin_binary():
    path = os.environ.get('OAI_ADMIN_BIN') or os.path.join(
        os.path.dirname(harness.server_binary()), 'oai-admin')
    if not os.path.isfile(path):
        raise RuntimeError('oai-admin not found at %s (set OAI_ADMIN_BIN)' % path)
    return path


class Result:
    def __init__(self, p):
        self.status = p.returncode
        self.out = p.stdout.decode('utf-8', 'replace')
        self.err = p.stderr.decode('utf-8', 'replace')

    def __repr__(self):
        return '<exit %d>\n--- stdout ---\n%s--- stderr ---\n%s' % (self.status, self.out,
                                                                      self.err)

    def json(self):
        return json.loads(self.out)


def run_admin(db, *args, timeout=300):
    """Runs oai-admin --db CONNINFO ARGS (db: a harness Database, or None)."""
    cmd = [admin_binary()]
    if db is not None:
        cmd += ['--db', db.conninfo]
    p = subprocess.run(cmd + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=timeout)
    return Result(p)


def load_demo_sets(db):
    with open(os.path.join(harness.SOURCE_DIR, 'sql', 'demo', '010_sets.sql'),
              encoding='utf-8') as f:
        db.sql(f.read())


def canonical(values):
    """[(element, value, lang)] in the order oai_dc writes them: by element,
    then in input order within an element."""
    return sorted(values, key=lambda v: DC_ORDER.index(v[0]))


def harvested(env, server=None):
    """{local_id: (deleted, sorted sets, [(element, value, lang)] or None)}
    from a complete ListRecords harvest (every response validated)."""
    client = (server or env.server).client()
    h = client.harvest('ListRecords', metadataPrefix='oai_dc')
    out = {}
    for rec in h.items:
        info = harness.header_info(rec.find('{%s}header' % harness.OAI_NS))
        out[harness.local_id(info['identifier'])] = (
            info['deleted'], sorted(info['sets']), harness.dc_values(rec))
    return out


def datestamps(db):
    return {r['local_id']: r['t'] for r in db.query(
        'SELECT local_id, extract(epoch FROM datestamp)::bigint AS t FROM records')}


def write(tmpdir, name, data):
    path = os.path.join(tmpdir, name)
    with open(path, 'wb') as f:
        f.write(data.encode('utf-8') if isinstance(data, str) else data)
    return path


def csv_escape(v):
    if any(c in v for c in ',"\n\r') or v != v.strip():
        return '"' + v.replace('"', '""') + '"'
    return v
