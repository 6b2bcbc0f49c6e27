#!/usr/bin/python3
"""Runs one integration test file with every oai-server it starts under
valgrind memcheck, and passes only when the tests pass and each server's
memcheck report shows no error and no definite or indirect leak.

    valgrind_integration.py TEST_FILE [SUPPRESSIONS]

The harness runs the server under OAI_SERVER_WRAPPER and gives it more
time (OAI_WRAPPER_SLOWDOWN). Each server writes its own report
(--log-file=...%p): besides the exit status (--error-exitcode, which the
harness checks on SIGTERM), the reports prove that valgrind really ran,
and that every server got as far as its final summary (a server killed on
a timeout has none).

Environment: OAI_SERVER_BIN, OAI_SOURCE_DIR (as for the integration
tests), VALGRIND (default: valgrind from $PATH)."""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 840  # seconds for the whole file; ctest's own limit is 900


def memcheck_command(log_dir, suppressions):
    cmd = [os.environ.get('VALGRIND') or 'valgrind', '--tool=memcheck', '--leak-check=full',
           # Definite and indirect leaks are bugs; "possible" and
           # "reachable" blocks are what libraries keep until exit.
           '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
           '--error-exitcode=99', '--num-callers=40',
           '--log-file=%s' % os.path.join(log_dir, 'memcheck.%p.log')]
    if suppressions:
        cmd.append('--suppressions=%s' % os.path.abspath(suppressions))
    return cmd


def check_report(path):
    """Returns a problem description, or None when the report is clean."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    m = re.search(r'ERROR SUMMARY: ([0-9,]+) errors', text)
    if m is None:
        return 'no ERROR SUMMARY (the server did not exit normally)'
    if int(m.group(1).replace(',', '')) != 0:
        return '%s errors' % m.group(1)
    for kind in ('definitely lost', 'indirectly lost'):
        m = re.search(r'%s: ([0-9,]+) bytes' % kind, text)
        if m and int(m.group(1).replace(',', '')) != 0:
            return '%s: %s bytes' % (kind, m.group(1))
    return None


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    test_file = argv[1]
    suppressions = argv[2] if len(argv) == 3 else None
    log_dir = tempfile.mkdtemp(prefix='oai-memcheck-')
    try:
        env = dict(os.environ)
        env['OAI_SERVER_WRAPPER'] = ' '.join(shlex.quote(a)
                                             for a in memcheck_command(log_dir, suppressions))
        print('OAI_SERVER_WRAPPER=%s' % env['OAI_SERVER_WRAPPER'], flush=True)
        try:
            rc = subprocess.run([sys.executable, test_file], env=env, timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            print('valgrind_integration: %s did not finish within %d s' % (test_file, TIMEOUT))
            rc = 1
        reports = sorted(glob.glob(os.path.join(log_dir, 'memcheck.*.log')))
        problems = []
        for path in reports:
            problem = check_report(path)
            if problem:
                problems.append(path)
                print('\n===== %s: %s =====' % (os.path.basename(path), problem))
                with open(path, encoding='utf-8', errors='replace') as f:
                    print(f.read())
        print('valgrind_integration: %d server(s) under memcheck, %d with problems; '
              'test file exit status %d' % (len(reports), len(problems), rc))
        if not reports:
            print('valgrind_integration: no memcheck report: valgrind did not run')
            return 1
        return 0 if rc == 0 and not problems else 1
    finally:
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
