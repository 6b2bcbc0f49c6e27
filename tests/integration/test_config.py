#!/usr/bin/python3
"""Start-up: the server refuses settings that would make it answer wrongly
(OAI-NOTES: adminEmail not @localhost; token secrets), accepts good ones,
and stops cleanly on SIGTERM. No database is needed: the server connects
on the first query."""
import harness

import signal
import time
import unittest

DEAD_DB = 'host=127.0.0.1 port=1 dbname=oai user=postgres connect_timeout=1'


STOP_AT_ONCE_ROUNDS = 20


def server(**kw):
    return harness.Server(DEAD_DB, **kw)


class Refused(unittest.TestCase):
    def refused(self, mention, **kw):
        rc, out = server(**kw).run_expect_exit()
        self.assertIsNotNone(rc, 'the server started with bad settings:\n' + out)
        self.assertNotEqual(rc, 0, out)
        self.assertNotRegex(out, r'(?i)(AddressSanitizer|runtime error|Segmentation)')
        if mention:
            self.assertIn(mention, out)
        return out

    def test_short_token_secret(self):
        out = self.refused('token_secret', file_settings={'repository.token_secret': 'x' * 31})
        self.assertNotIn('x' * 31, out, 'secrets are never printed')

    def test_missing_token_secret_without_demo(self):
        self.refused('token_secret', file_settings={'repository.token_secret': None})

    def test_localhost_admin_email(self):
        self.refused('admin_email', file_settings={'repository.admin_email': 'root@localhost'})

    def test_missing_required(self):
        for key in ('repository.base_url', 'repository.identifier', 'repository.admin_email',
                    'database.conninfo'):
            with self.subTest(key=key):
                self.refused(key.split('.')[1], file_settings={key: None})

    def test_bad_values(self):
        for key, value in (('repository.page_size', '0'), ('repository.page_size', '1001'),
                           ('repository.page_size', 'ten'), ('server.port', '70000'),
                           ('repository.base_url', 'ftp://x/oai'),
                           ('repository.identifier', 'not a domain'),
                           ('log.level', 'chatty')):
            with self.subTest(key=key, value=value):
                self.refused(key.split('.')[1], file_settings={key: value})

    def test_unknown_key_reports_file_and_line(self):
        s = server(file_settings={'repository.colour': 'blue'})
        rc, out = s.run_expect_exit()
        self.assertNotEqual(rc, 0)
        self.assertIn('colour', out)
        self.assertRegex(out, r'oai\.conf:\d+')

    def test_bad_override(self):
        self.refused('page_size', overrides={'repository.page_size': '-3'})
        self.refused('nosuchkey', overrides={'repository.nosuchkey': '1'})


class Accepted(unittest.TestCase):
    def test_check_config(self):
        rc, out = server(args=['--check-config']).run_expect_exit()
        self.assertEqual(rc, 0, out)

    def test_page_size_outside_driver_range_is_warned(self):
        # Accepted (tests use small pages), but BASE's validator expects
        # 100-500 records per page (DRIVER guidelines, OAI-NOTES.md).
        for size, warned in (('99', True), ('100', False), ('200', False), ('500', False),
                             ('501', True), ('1000', True)):
            rc, out = server(overrides={'repository.page_size': size},
                             args=['--check-config']).run_expect_exit()
            self.assertEqual(rc, 0, out)
            self.assertEqual('outside 100-500' in out, warned, (size, out))
        s = server(overrides={'repository.page_size': '7'}).start()
        try:
            self.assertEqual(s.client().oai(verb='Bogus').error_codes(), ['badVerb'])
        finally:
            self.assertEqual(s.stop(), 0, s.log_tail())
        self.assertRegex(s.log_text(), r'\[warning\] .*page_size = 7 is outside 100-500')

    def test_demo_mode_without_secret(self):
        s = server(demo=True, file_settings={'repository.token_secret': None})
        try:
            s.start()
            r = s.client().oai(verb='Bogus')
            self.assertEqual(r.error_codes(), ['badVerb'])
        finally:
            self.assertEqual(s.stop(), 0, s.log_tail())

    def test_override_wins_over_file(self):
        s = server(file_settings={'repository.page_size': '1000'},
                   overrides={'repository.page_size': '7'}, args=['--check-config'])
        rc, out = s.run_expect_exit()
        self.assertEqual(rc, 0, out)

    def test_sigterm_stops_quickly(self):
        s = server().start()
        try:
            self.assertEqual(s.client().oai(verb='Bogus').error_codes(), ['badVerb'])
            t = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            rc = s.proc.wait(10)
            self.assertEqual(rc, 0, s.log_text())
            self.assertLess(time.monotonic() - t, 5)
        finally:
            s.stop()

    def test_sigint_stops(self):
        s = server().start()
        try:
            s.proc.send_signal(signal.SIGINT)
            self.assertEqual(s.proc.wait(10), 0, s.log_text())
        finally:
            s.stop()

    def test_signal_as_soon_as_the_port_accepts(self):
        # A supervisor may stop the server the moment its port accepts
        # connections: the handlers must be in place by then (the sockets
        # used to listen before them, and a SIGINT killed the server).
        for i in range(STOP_AT_ONCE_ROUNDS):
            s = server()
            s.start(poll=0.0005)
            try:
                s.proc.send_signal(signal.SIGINT if i % 2 else signal.SIGTERM)
                self.assertEqual(s.proc.wait(10), 0, 'round %d:\n%s' % (i, s.log_text()))
            finally:
                s.stop()

    def test_port_in_use(self):
        a = server().start()
        try:
            b = server()
            b.port = a.port
            b.settings['server']['port'] = str(a.port)
            rc, out = b.run_expect_exit()
            self.assertIsNotNone(rc, 'a second server on a busy port must exit')
            self.assertNotEqual(rc, 0)
        finally:
            a.stop()


if __name__ == '__main__':
    harness.main()
