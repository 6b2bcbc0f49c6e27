/*
 * test_config.c - unit tests for config.c (file syntax, values, messages,
 * validation) and log.c (line format, sanitising, reopen).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define GOOD_SECRET "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Writes len bytes to a new temporary file; its name goes into path. */
static void write_tmp(char *path, size_t cap, const char *text, size_t len)
{
    int fd;

    snprintf(path, cap, "%s/test_config_XXXXXX", tmp_dir());
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Loads text as a config file over c; the file is removed again. */
static int load_text(config *c, const char *text, char *path, size_t cap, char *err, size_t err_len)
{
    int rc;

    write_tmp(path, cap, text, strlen(text));
    rc = config_load_file(c, path, err, err_len);
    unlink(path);
    return rc;
}

/* Fails, showing err, unless err contains "PATH:LINE: rest" (line 0: "PATH: rest"). */
static void expect_msg(const char *err, const char *path, int line, const char *rest)
{
    char want[1024];

    if (path && line > 0)
        snprintf(want, sizeof(want), "%s:%d: %s", path, line, rest);
    else if (path)
        snprintf(want, sizeof(want), "%s: %s", path, rest);
    else
        snprintf(want, sizeof(want), "%s", rest);
    if (strstr(err, want) == NULL)
        fail_msg("expected \"%s\" in:\n%s", want, err);
}

static int count_lines(const char *s)
{
    int n = *s ? 1 : 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* One bad file, one expected message. */
static void expect_file_error(const char *text, int line, const char *rest)
{
    config c;
    char path[512];
    char err[4096];

    config_defaults(&c);
    assert_int_equal(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    expect_msg(err, path, line, rest);
    config_free(&c);
}

/* A configuration that passes config_validate. */
static void good_config(config *c)
{
    char err[1024];

    config_defaults(c);
    assert_int_equal(
        config_set(c, "repository.base_url", "http://127.0.0.1:8080/oai", err, sizeof(err)), 0);
    assert_int_equal(
        config_set(c, "repository.identifier", "elibrary.nec.gov.kh", err, sizeof(err)), 0);
    assert_int_equal(
        config_set(c, "repository.admin_email", "elibrary@nec.gov.kh", err, sizeof(err)), 0);
    assert_int_equal(config_set(c, "database.conninfo", "dbname=oai", err, sizeof(err)), 0);
    assert_int_equal(config_set(c, "repository.token_secret", GOOD_SECRET, err, sizeof(err)), 0);
    assert_int_equal(config_validate(c, err, sizeof(err)), 0);
}

/* Replaces a string field directly, bypassing config_set's checks. */
static void replace(char **field, const char *v)
{
    free(*field);
    *field = v ? strdup(v) : NULL;
}

/* ---- defaults and the example file ---- */

static void test_defaults(void **state)
{
    config c;

    config_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1");
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.workers, 0);
    assert_int_equal(c.max_connections, 1024);
    assert_int_equal(c.max_connections_per_client, 64);
    assert_int_equal(c.max_request_line, 8192);
    assert_int_equal(c.max_header_size, 16384);
    assert_int_equal(c.max_body_size, 65536);
    assert_int_equal(c.read_timeout, 30);
    assert_int_equal(c.idle_timeout, 60);
    assert_int_equal(c.write_timeout, 60);
    assert_int_equal(c.page_size, 200);
    assert_int_equal(c.token_lifetime, 86400);
    assert_int_equal(c.statement_timeout, 5000);
    assert_int_equal(c.connect_timeout, 5);
    assert_string_equal(c.log_level, "info");
    assert_string_equal(c.repository_name, "NEC E-Library");
    assert_null(c.base_url);
    assert_null(c.repository_id);
    assert_int_equal(c.n_admin_email, 0);
    assert_null(c.token_secret);
    assert_null(c.token_secret_old);
    assert_null(c.conninfo);
    assert_null(c.log_file);
    assert_null(c.access_log);
    assert_null(c.config_path);
    config_free(&c);
}

static void test_example_file(void **state)
{
    const char *src = getenv("OAI_SOURCE_DIR");
    char path[1024];
    char err[4096];
    config c;

    snprintf(path, sizeof(path), "%s/conf/oai-server.ini", src && *src ? src : ".");
    config_defaults(&c);
    if (config_load_file(&c, path, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.config_path, path);
    assert_string_equal(c.repository_name, "National Election Committee of Cambodia E-Library");
    assert_string_equal(c.repository_id, "elibrary.nec.gov.kh");
    assert_int_equal(c.n_admin_email, 1);
    assert_string_equal(c.admin_email[0], "elibrary@nec.gov.kh");
    assert_string_equal(c.base_url, "http://127.0.0.1:8080/oai");
    assert_string_equal(c.conninfo,
                        "host=127.0.0.1 port=5432 dbname=oai user=oai_reader connect_timeout=5");
    assert_null(c.token_secret);
    assert_int_equal(c.port, 8080);
    assert_string_equal(config_base_path(&c), "/oai");

    /* Without a secret it is refused; with one from the command line it passes. */
    assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
    expect_msg(err, path, 0, "[repository] token_secret: required");
    assert_int_equal(config_set(&c, "repository.token_secret", GOOD_SECRET, err, sizeof(err)), 0);
    if (config_validate(&c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    config_free(&c);
}

/* ---- syntax errors, each with its PATH:LINE ---- */

static void test_unknown_section(void **state)
{
    /* Keys in the unknown section are not reported again. */
    expect_file_error("[server]\nport = 1\n[bogus]\nx = 1\n", 3, "unknown section [bogus]");
    expect_file_error("[server\nport = 1\n", 1, "section header without closing ']'");
    expect_file_error("[server] x\n", 1, "unexpected text after the [section] header");
}

static void test_unknown_key(void **state)
{
    expect_file_error("# comment\n[server]\nprot = 80\n", 3, "[server] prot: unknown key");
    /* A key of another section is unknown here. */
    expect_file_error("[server]\nbase_url = http://x.kh/oai\n", 2,
                      "[server] base_url: unknown key");
}

static void test_malformed_line(void **state)
{
    expect_file_error("[server]\nport 8080\n", 2, "expected a [section] header or a 'key = value'");
    expect_file_error("[server]\n= 8080\n", 2, "expected a [section] header or a 'key = value'");
}

static void test_key_before_section(void **state)
{
    expect_file_error("\nport = 8080\n[server]\n", 2, "key 'port' before any [section] header");
}

static void test_unterminated_quote(void **state)
{
    expect_file_error("[repository]\nname = \"NEC\n", 2, "[repository] name: unterminated quote");
    expect_file_error("[repository]\nname = \"NEC\\\"\n", 2,
                      "[repository] name: unterminated quote");
    expect_file_error("[repository]\nname = \"NEC\" x\n", 2,
                      "[repository] name: unexpected text after the closing quote");
    expect_file_error("[repository]\nname = \"a\\nb\"\n", 2,
                      "[repository] name: unknown escape in quoted value");
}

static void test_duplicate_key(void **state)
{
    expect_file_error("[server]\nport = 80\n\n[database]\n[server]\nport = 81\n", 6,
                      "[server] port: duplicate key (first set on line 2)");
}

static void test_cannot_open(void **state)
{
    config c;
    char path[512];
    char err[1024];

    snprintf(path, sizeof(path), "%s/test_config_does_not_exist.ini", tmp_dir());
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -1);
    expect_msg(err, path, 0, "cannot open: No such file or directory");
    /* A directory opens but cannot be read. */
    assert_int_equal(config_load_file(&c, tmp_dir(), err, sizeof(err)), -1);
    expect_msg(err, tmp_dir(), 0, "cannot read: Is a directory");
    config_free(&c);
}

static void test_long_line(void **state)
{
    size_t n = 10 * 1024;
    char *text = malloc(n + 64);
    config c;
    char path[512];
    char err[1024];

    /* A 10 KB line, then a line with a mistake: numbering goes on. */
    strcpy(text, "[server]\nlisten = ");
    memset(text + strlen(text), 'a', n);
    strcpy(text + 18 + n, "\nprot = 1\n");
    config_defaults(&c);
    assert_int_equal(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    expect_msg(err, path, 2, "line longer than 4096 bytes");
    expect_msg(err, path, 3, "[server] prot: unknown key");
    assert_int_equal(count_lines(err), 2);
    assert_string_equal(c.listen, "127.0.0.1");
    config_free(&c);
    free(text);
}

static void test_line_length_limit(void **state)
{
    char text[5000];
    config c;
    char path[512];
    char err[1024];

    /* Exactly 4096 bytes (plus "\r\n") is fine; 4097 is not. */
    memset(text, 0, sizeof(text));
    text[0] = '#';
    memset(text + 1, 'x', 4095);
    strcat(text, "\r\n");
    config_defaults(&c);
    if (load_text(&c, text, path, sizeof(path), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    text[4096] = 'x';
    text[4097] = '\n';
    text[4098] = '\0';
    assert_int_equal(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    expect_msg(err, path, 1, "line longer than 4096 bytes");
    config_free(&c);
}

static void test_invalid_utf8(void **state)
{
    expect_file_error("[repository]\nname = caf\xe9\n", 2, "invalid UTF-8");
    /* An overlong '/', a surrogate, a truncated sequence, a byte never valid. */
    expect_file_error("# \xc0\xaf\n", 1, "invalid UTF-8");
    expect_file_error("[log]\n# \xed\xa0\x80\n", 2, "invalid UTF-8");
    expect_file_error("[log]\n\n# \xe1\x9e\n", 3, "invalid UTF-8");
    expect_file_error("# \xff\n", 1, "invalid UTF-8");
}

static void test_valid_utf8_and_bom(void **state)
{
    config c;
    char path[512];
    char err[1024];

    config_defaults(&c);
    /* A byte-order mark and CRLF line ends (Windows editors) are accepted. */
    if (load_text(&c,
                  "[repository]\nname = \xe1\x9e\x82\xe1\x9e"
                  "NEC\n",
                  path, sizeof(path), err, sizeof(err)) == 0)
        fail_msg("a broken sequence was accepted");
    if (load_text(&c,
                  "\xef\xbb\xbf[repository]\r\n"
                  "name = \xe1\x9e\x82\xe1\x9e\xa2 NEC E-Library\r\n",
                  path, sizeof(path), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.repository_name, "\xe1\x9e\x82\xe1\x9e\xa2 NEC E-Library");
    config_free(&c);
}

static void test_control_character(void **state)
{
    expect_file_error("[repository]\nname = a\x01z\n", 2, "control character 0x01");
    expect_file_error("[repository]\nname = a\x7fz\n", 2, "control character 0x7f");
}

static void test_bad_integers(void **state)
{
    static const char *const bad[] = {"abc", "80x", "0x50",  "+80", "1e3",
                                      "8 0", "0",   "65536", "-1",  "99999999999999999999999",
                                      "\"\""};
    char text[256];
    char rest[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[server]\nport = %s\n", bad[i]);
        snprintf(rest, sizeof(rest), "[server] port: must be an integer from 1 to 65535, got '%s'",
                 strcmp(bad[i], "\"\"") == 0 ? "" : bad[i]);
        expect_file_error(text, 2, rest);
    }
    expect_file_error("[database]\nstatement_timeout = 99\n", 2,
                      "[database] statement_timeout: must be an integer from 100 to 600000, "
                      "got '99'");
    expect_file_error("[repository]\npage_size = 1001\n", 2,
                      "[repository] page_size: must be an integer from 1 to 1000");
    expect_file_error("[server]\nworkers = 65\n", 2,
                      "[server] workers: must be an integer from 0 to 64");
}

static void test_integers_in_range(void **state)
{
    config c;
    char path[512];
    char err[1024];

    config_defaults(&c);
    if (load_text(&c,
                  "[server]\nport = 65535\nworkers = 0\nmax_body_size = 0\n"
                  "max_request_line = 256\nread_timeout = 3600\n"
                  "[repository]\ntoken_lifetime = 31536000\npage_size = 1\n"
                  "[database]\nstatement_timeout = 600000\nconnect_timeout = 300 # five min\n",
                  path, sizeof(path), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.port, 65535);
    assert_int_equal(c.workers, 0);
    assert_int_equal(c.max_body_size, 0);
    assert_int_equal(c.max_request_line, 256);
    assert_int_equal(c.read_timeout, 3600);
    assert_int_equal(c.token_lifetime, 31536000);
    assert_int_equal(c.page_size, 1);
    assert_int_equal(c.statement_timeout, 600000);
    assert_int_equal(c.connect_timeout, 300);
    config_free(&c);
}

static void test_echo_truncated(void **state)
{
    char text[512];
    char got[128];
    config c;
    char path[512];
    char err[1024];

    memset(got, '9', 100);
    got[100] = '\0';
    snprintf(text, sizeof(text), "[server]\nport = %s\n", got);
    config_defaults(&c);
    assert_int_equal(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    /* 60 bytes of the value, then "...". */
    snprintf(got, sizeof(got), "got '%.60s...'", text + 16);
    expect_msg(err, NULL, 0, got);
    config_free(&c);
}

static void test_all_errors_reported(void **state)
{
    config c;
    char path[512];
    char err[4096];

    config_defaults(&c);
    assert_int_equal(load_text(&c,
                               "port = 1\n"          /* 1: before any section */
                               "[server]\n"          /* 2 */
                               "port = x\n"          /* 3: not a number */
                               "garbage\n"           /* 4: malformed */
                               "[repository]\n"      /* 5 */
                               "name = \"open\n"     /* 6: unterminated */
                               "identifier = a.kh\n" /* 7: fine */
                               "identifier = b.kh\n" /* 8: duplicate */
                               "[nope]\n",           /* 9: unknown section */
                               path, sizeof(path), err, sizeof(err)),
                     -1);
    expect_msg(err, path, 1, "key 'port' before any [section] header");
    expect_msg(err, path, 3, "[server] port: must be an integer");
    expect_msg(err, path, 4, "expected a [section] header");
    expect_msg(err, path, 6, "[repository] name: unterminated quote");
    expect_msg(err, path, 8, "[repository] identifier: duplicate key (first set on line 7)");
    expect_msg(err, path, 9, "unknown section [nope]");
    assert_int_equal(count_lines(err), 6);
    assert_string_equal(c.repository_id, "a.kh");
    config_free(&c);
}

static void test_err_buffer_bounds(void **state)
{
    config c;
    char path[512];
    char err[41];

    config_defaults(&c);
    memset(err, 'Z', sizeof(err));
    assert_int_equal(
        load_text(&c, "[server]\nport = x\nport = y\nfoo\nbar\n", path, sizeof(path), err, 40), -1);
    assert_int_equal(err[40], 'Z');
    assert_true(strlen(err) == 39);
    /* No buffer at all still reports failure. */
    assert_int_equal(load_text(&c, "[x]\n", path, sizeof(path), NULL, 0), -1);
    assert_int_equal(config_set(&c, "server.port", "x", NULL, 0), -1);
    config_free(&c);
}

/* A buffer that ends just after a message has no room for the next one:
 * err never ends in a dangling '\n' (found by tests/fuzz/fuzz_config). */
static void test_err_buffer_no_trailing_newline(void **state)
{
    config c;
    char path[512];
    char full[1024], err[1024];
    size_t full_len;

    config_defaults(&c);
    write_tmp(path, sizeof(path), "\x88\n[x]\n", 6);
    assert_int_equal(config_load_file(&c, path, full, sizeof(full)), -1);
    full_len = strlen(full);
    assert_int_equal(count_lines(full), 2);
    for (size_t len = 1; len <= full_len + 1; len++) {
        size_t n;

        memset(err, 'Z', sizeof(err));
        assert_int_equal(config_load_file(&c, path, err, len), -1);
        n = strlen(err);
        assert_true(n < len);
        assert_int_equal(err[len], 'Z');
        assert_memory_equal(err, full, n);
        if (n > 0 && err[n - 1] == '\n')
            fail_msg("err_len %zu: message ends with a newline: \"%s\"", len, err);
    }
    unlink(path);
    config_free(&c);
}

/* ---- values ---- */

static void test_admin_email_lists(void **state)
{
    config c;
    char path[512];
    char err[4096];

    config_defaults(&c);
    if (load_text(&c,
                  "[repository]\nadmin_email = a@nec.gov.kh\n"
                  "admin_email = b@nec.gov.kh , c@nec.gov.kh\n"
                  "admin_email=d@nec.gov.kh,e@nec.gov.kh\n",
                  path, sizeof(path), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n_admin_email, 5);
    assert_string_equal(c.admin_email[0], "a@nec.gov.kh");
    assert_string_equal(c.admin_email[1], "b@nec.gov.kh");
    assert_string_equal(c.admin_email[2], "c@nec.gov.kh");
    assert_string_equal(c.admin_email[4], "e@nec.gov.kh");

    /* A second file's list replaces the first one's. */
    if (load_text(&c, "[repository]\nadmin_email = z@nec.gov.kh\n", path, sizeof(path), err,
                  sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n_admin_email, 1);
    assert_string_equal(c.admin_email[0], "z@nec.gov.kh");

    /* More than CONFIG_MAX_EMAILS, empty items, bad addresses. */
    assert_int_equal(load_text(&c,
                               "[repository]\nadmin_email = a@x.kh,b@x.kh,c@x.kh,d@x.kh\n"
                               "admin_email = e@x.kh,f@x.kh,g@x.kh,h@x.kh\n"
                               "admin_email = i@x.kh\n",
                               path, sizeof(path), err, sizeof(err)),
                     -1);
    expect_msg(err, path, 4, "[repository] admin_email: too many addresses (at most 8)");
    assert_int_equal(c.n_admin_email, 8);
    assert_int_equal(load_text(&c, "[repository]\nadmin_email = a@x.kh,,b@x.kh\n", path,
                               sizeof(path), err, sizeof(err)),
                     -1);
    expect_msg(err, path, 2, "[repository] admin_email: empty address in the list");
    assert_int_equal(load_text(&c, "[repository]\nadmin_email = root@localhost, x\n", path,
                               sizeof(path), err, sizeof(err)),
                     -1);
    expect_msg(err, path, 2, "[repository] admin_email: must use a public mail domain");
    expect_msg(err, path, 2,
               "[repository] admin_email: must be an address like elibrary@nec.gov.kh, got 'x'");
    assert_int_equal(count_lines(err), 2);
    config_free(&c);
}

static void test_quoted_values(void **state)
{
    config c;
    char path[512];
    char err[4096];

    config_defaults(&c);
    if (load_text(&c,
                  "[repository]\n"
                  "name = \"  NEC # not a comment  \"  # a comment\n"
                  "token_secret = \"a \\\"quoted\\\" \\\\ secret, long enough to pass\"\n"
                  "[database]\n"
                  "conninfo = host=db password=a#b   # comment\n"
                  "[log]\n"
                  "file = \"\"\n"
                  "access_log = off\n",
                  path, sizeof(path), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.repository_name, "  NEC # not a comment  ");
    assert_string_equal(c.token_secret, "a \"quoted\" \\ secret, long enough to pass");
    assert_string_equal(c.conninfo, "host=db password=a#b");
    assert_null(c.log_file);
    assert_string_equal(c.access_log, "off");
    config_free(&c);
}

static void test_empty_values(void **state)
{
    config c;
    char path[512];
    char err[1024];

    config_defaults(&c);
    assert_int_equal(config_set(&c, "log.file", "/tmp/x.log", err, sizeof(err)), 0);
    /* An empty optional value unsets the key; a mandatory one is an error. */
    assert_int_equal(load_text(&c, "[log]\nfile =\n[server]\nlisten =   # none\n", path,
                               sizeof(path), err, sizeof(err)),
                     -1);
    assert_null(c.log_file);
    expect_msg(err, path, 4, "[server] listen: must not be empty");
    assert_string_equal(c.listen, "127.0.0.1");
    config_free(&c);
}

static void test_string_checks_in_file(void **state)
{
    expect_file_error("[repository]\nbase_url = ftp://x.kh/oai\n", 2,
                      "[repository] base_url: must be an absolute URL starting with http:// or "
                      "https://, got 'ftp://x.kh/oai'");
    expect_file_error("[repository]\nidentifier = nec\n", 2,
                      "[repository] identifier: must be a domain name with at least one dot");
    expect_file_error("[log]\nlevel = verbose\n", 2,
                      "[log] level: must be one of error, warning, info, debug, got 'verbose'");
    /* Secrets are never echoed. */
    expect_file_error("[repository]\ntoken_secret = hunter2\n", 2,
                      "[repository] token_secret: must be at least 32 bytes");
    {
        config c;
        char path[512];
        char err[1024];
        config_defaults(&c);
        assert_int_equal(load_text(&c, "[repository]\ntoken_secret = hunter2\n", path, sizeof(path),
                                   err, sizeof(err)),
                         -1);
        assert_null(strstr(err, "hunter2"));
        config_free(&c);
    }
}

/* ---- config_set ---- */

static void test_config_set(void **state)
{
    config c;
    char err[1024];

    config_defaults(&c);
    assert_int_equal(config_set(&c, "server.port", "9000", err, sizeof(err)), 0);
    assert_int_equal(c.port, 9000);
    assert_int_equal(config_set(&c, "server.port", "x", err, sizeof(err)), -1);
    assert_string_equal(err, "command line: [server] port: must be an integer from 1 to 65535, "
                             "got 'x'");
    assert_int_equal(c.port, 9000);
    assert_int_equal(config_set(&c, "server.bogus", "1", err, sizeof(err)), -1);
    expect_msg(err, NULL, 0, "command line: unknown setting 'server.bogus'");
    assert_int_equal(config_set(&c, "port", "1", err, sizeof(err)), -1);
    expect_msg(err, NULL, 0, "command line: unknown setting 'port'");
    assert_int_equal(config_set(&c, ".port", "1", err, sizeof(err)), -1);
    assert_int_equal(config_set(&c, "repository.name", "a\nb", err, sizeof(err)), -1);
    expect_msg(err, NULL, 0, "command line: [repository] name: invalid UTF-8 or control");
    /* Quotes are the shell's business: taken literally here. */
    assert_int_equal(config_set(&c, "repository.name", "\"NEC\"", err, sizeof(err)), 0);
    assert_string_equal(c.repository_name, "\"NEC\"");

    /* On the command line, admin_email replaces the list. */
    assert_int_equal(
        config_set(&c, "repository.admin_email", "a@nec.gov.kh,b@nec.gov.kh", err, sizeof(err)), 0);
    assert_int_equal(config_set(&c, "repository.admin_email", "c@nec.gov.kh", err, sizeof(err)), 0);
    assert_int_equal(c.n_admin_email, 1);
    assert_string_equal(c.admin_email[0], "c@nec.gov.kh");
    config_free(&c);
}

static void test_config_set_overrides_file(void **state)
{
    config c;
    char path[512];
    char err[1024];

    config_defaults(&c);
    if (load_text(&c, "[server]\nport = 8081\n[log]\nlevel = debug\n", path, sizeof(path), err,
                  sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.port, 8081);
    assert_int_equal(config_set(&c, "server.port", "8082", err, sizeof(err)), 0);
    assert_int_equal(config_set(&c, "log.level", "warning", err, sizeof(err)), 0);
    assert_int_equal(c.port, 8082);
    assert_string_equal(c.log_level, "warning");
    config_free(&c);
}

/* ---- config_validate ---- */

static void expect_invalid(config *c, const char *rest)
{
    char err[4096];

    assert_int_equal(config_validate(c, err, sizeof(err)), -1);
    expect_msg(err, NULL, 0, rest);
}

static void test_validate_required(void **state)
{
    config c;
    char err[4096];

    config_defaults(&c);
    c.config_path = strdup("/etc/oai-server.ini");
    assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
    expect_msg(err, "/etc/oai-server.ini", 0, "[repository] base_url: required");
    expect_msg(err, "/etc/oai-server.ini", 0, "[repository] identifier: required");
    expect_msg(err, "/etc/oai-server.ini", 0, "[repository] admin_email: required");
    expect_msg(err, "/etc/oai-server.ini", 0, "[database] conninfo: required");
    expect_msg(err, "/etc/oai-server.ini", 0, "[repository] token_secret: required");
    assert_int_equal(count_lines(err), 5);
    config_free(&c);

    good_config(&c);
    replace(&c.base_url, NULL);
    expect_invalid(&c, "configuration: [repository] base_url: required");
    config_free(&c);
}

static void test_validate_base_url(void **state)
{
    static const char *const bad[] = {
        "ftp://x.kh/oai",
        "oai",
        "/oai",
        "http://",
        "http:///oai",
        "http://x.kh/oai?verb=Identify",
        "http://x.kh/oai#x",
        "http://user@x.kh/oai",
        "http://x.kh:0/oai",
        "http://x.kh:99999/oai",
        "http://x.kh:/oai",
        "http://x.kh/o ai",
        "http://x.kh/o<ai",
        "http://x.kh/%zz",
        "http://-x.kh/",
        "http://x..kh/",
        "HTTP://x.kh/oai",
        "http://[zz]/",
    };
    static const char *const good[] = {
        "http://127.0.0.1:8080/oai", "https://elibrary.nec.gov.kh/oai",
        "http://[::1]:8080/oai",     "http://localhost",
        "http://x.kh/a/b%20c/",
    };
    config c;
    char err[1024];

    good_config(&c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        replace(&c.base_url, bad[i]);
        if (config_validate(&c, err, sizeof(err)) == 0)
            fail_msg("accepted base_url %s", bad[i]);
        expect_msg(err, NULL, 0, "[repository] base_url: ");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        replace(&c.base_url, good[i]);
        if (config_validate(&c, err, sizeof(err)) != 0)
            fail_msg("refused base_url %s: %s", good[i], err);
    }
    config_free(&c);
}

static void test_validate_repository_id(void **state)
{
    static const char *const bad[] = {
        "localhost",      "1nec.gov.kh",   "nec..kh",      ".nec.kh", "nec.kh.",
        "nec_lib.gov.kh", "nec.gov.kh:80", "nec.gov.kh/x", "nec.9kh", ""};
    static const char *const good[] = {"elibrary.nec.gov.kh", "a.b", "nec-lib.gov2.kh"};
    config c;
    char err[1024];

    good_config(&c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        replace(&c.repository_id, bad[i]);
        if (config_validate(&c, err, sizeof(err)) == 0)
            fail_msg("accepted identifier '%s'", bad[i]);
        expect_msg(err, NULL, 0, "[repository] identifier: ");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        replace(&c.repository_id, good[i]);
        if (config_validate(&c, err, sizeof(err)) != 0)
            fail_msg("refused identifier %s: %s", good[i], err);
    }
    config_free(&c);
}

static void test_validate_email(void **state)
{
    static const char *const bad[] = {"root@localhost",
                                      "root@LOCALHOST",
                                      "a@mail.localhost",
                                      "a@box.localdomain",
                                      "a@x.invalid",
                                      "a@b",
                                      "nobody",
                                      "@nec.gov.kh",
                                      "a@",
                                      "a b@nec.gov.kh",
                                      "a..b@nec.gov.kh",
                                      "a@nec..kh",
                                      "a@-nec.kh",
                                      "<a@nec.gov.kh>"};
    config c;
    char err[1024];

    good_config(&c);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        replace(&c.admin_email[0], bad[i]);
        if (config_validate(&c, err, sizeof(err)) == 0)
            fail_msg("accepted email '%s'", bad[i]);
        expect_msg(err, NULL, 0, "[repository] admin_email: ");
    }
    replace(&c.admin_email[0], "first.last+oai@nec.gov.kh");
    assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
    assert_int_equal(config_set(&c, "repository.admin_email", "root@localhost", err, sizeof(err)),
                     -1);
    assert_string_equal(err, "command line: [repository] admin_email: must use a public mail "
                             "domain, not a local one, got 'root@localhost'");
    config_free(&c);
}

static void test_validate_secret(void **state)
{
    config c;
    char err[1024];
    char *demo;

    good_config(&c);
    replace(&c.token_secret, "0123456789abcdef0123456789abcde"); /* 31 bytes */
    assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
    expect_msg(err, NULL, 0, "[repository] token_secret: must be at least 32 bytes");
    assert_null(strstr(err, "0123456789abcdef")); /* never echoed */
    replace(&c.token_secret, "0123456789abcdef0123456789abcdef");
    assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
    replace(&c.token_secret_old, "short");
    expect_invalid(&c, "[repository] token_secret_old: must be at least 32 bytes");
    replace(&c.token_secret_old, NULL);

    /* --demo without a secret gets the built-in one... */
    replace(&c.token_secret, NULL);
    c.demo = 1;
    if (config_validate(&c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_non_null(c.token_secret);
    assert_true(strlen(c.token_secret) >= 32);
    demo = strdup(c.token_secret);

    /* ...which is refused without --demo, in either slot. */
    c.demo = 0;
    expect_invalid(&c, "[repository] token_secret: is the public demo secret");
    replace(&c.token_secret, GOOD_SECRET);
    replace(&c.token_secret_old, demo);
    expect_invalid(&c, "[repository] token_secret_old: is the public demo secret");
    /* --demo keeps a configured secret. */
    replace(&c.token_secret_old, NULL);
    c.demo = 1;
    assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
    assert_string_equal(c.token_secret, GOOD_SECRET);
    free(demo);
    config_free(&c);
}

static void test_validate_ranges_and_level(void **state)
{
    config c;

    good_config(&c);
    c.port = 0;
    c.page_size = 5000;
    expect_invalid(&c, "[server] port: must be an integer from 1 to 65535, got '0'");
    expect_invalid(&c, "[repository] page_size: must be an integer from 1 to 1000, got '5000'");
    c.port = 80;
    c.page_size = 100;
    replace(&c.log_level, "loud");
    expect_invalid(&c, "[log] level: must be one of error, warning, info, debug");
    config_free(&c);
}

static void test_base_path(void **state)
{
    static const char *const cases[][2] = {
        {"http://127.0.0.1:8080/oai", "/oai"},
        {"https://x.kh", "/"},
        {"http://x.kh/", "/"},
        {"http://x.kh:81/a/b/", "/a/b/"},
        {"http://[::1]:8080/oai", "/oai"},
    };
    config c;

    config_defaults(&c);
    assert_string_equal(config_base_path(&c), "/");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        replace(&c.base_url, cases[i][0]);
        assert_string_equal(config_base_path(&c), cases[i][1]);
    }
    config_free(&c);
}

/* ---- log.c ---- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* "2026-11-25T10:00:00Z" */
static void assert_timestamp(const char *s)
{
    static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";

    for (size_t i = 0; i < sizeof(pattern) - 1; i++) {
        if (pattern[i] == 'd')
            assert_true(s[i] >= '0' && s[i] <= '9');
        else
            assert_int_equal(s[i], pattern[i]);
    }
}

static void test_log_level_parse(void **state)
{
    assert_int_equal(log_level_parse("error"), LOG_ERROR);
    assert_int_equal(log_level_parse("warning"), LOG_WARNING);
    assert_int_equal(log_level_parse("info"), LOG_INFO);
    assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
    assert_int_equal(log_level_parse("verbose"), -1);
    assert_int_equal(log_level_parse(""), -1);
}

static void test_log_lines(void **state)
{
    char path[512];
    char *text;
    const char *line;

    write_tmp(path, sizeof(path), "", 0);
    assert_int_equal(log_open(LOG_INFO, path, "off"), 0);
    log_info("hello\nworld %d", 42);
    log_debug("not shown");
    log_error("fake\r\n2026-01-01T00:00:00Z [error] forged \x1b[31m");
    log_warn("caf\xc3\xa9 \xe2\x80\xa8 \xff");
    log_access("192.0.2.1", "GET", "Identify", 200, 10, 1.0); /* access log is off */
    log_close();

    text = read_all(path);
    /* Three lines: the "\n" and "\r\n" inside messages did not start new ones. */
    assert_int_equal(count_lines(text), 3 + 1);
    line = text;
    assert_timestamp(line);
    assert_true(strncmp(line + 20, " [info] hello?world 42\n", 23) == 0);
    line = strchr(line, '\n') + 1;
    assert_timestamp(line);
    assert_true(
        strncmp(line + 20, " [error] fake??2026-01-01T00:00:00Z [error] forged ?[31m\n", 57) == 0);
    line = strchr(line, '\n') + 1;
    assert_timestamp(line);
    /* Valid UTF-8 is kept; U+2028 (a line break to some viewers) and bad bytes are not. */
    assert_string_equal(line + 20, " [warning] caf\xc3\xa9 ? ?\n");
    free(text);
    unlink(path);
}

static void test_log_access(void **state)
{
    char path[512];
    char *text;
    char *line2;

    write_tmp(path, sizeof(path), "", 0);
    assert_int_equal(log_open(LOG_ERROR, NULL, path), 0);
    log_access("192.0.2.1", "GET", "ListRecords", 200, 1234, 12.345);
    log_access("2001:db8::1", "POST", NULL, 400, 0, 0.04);
    log_access("evil\nclient x", "", "-", 503, 7, -3.0);
    log_close();

    text = read_all(path);
    assert_int_equal(count_lines(text), 4);
    assert_timestamp(text);
    assert_true(strncmp(text + 20, " 192.0.2.1 GET ListRecords 200 1234 12.3\n", 41) == 0);
    line2 = strchr(text, '\n') + 1;
    assert_timestamp(line2);
    assert_true(strncmp(line2 + 20, " 2001:db8::1 POST - 400 0 0.0\n", 30) == 0);
    assert_non_null(strstr(text, "Z evil?client?x - - 503 7 0.0\n"));
    free(text);
    unlink(path);
}

static void test_log_long_message(void **state)
{
    char path[512];
    char *big = malloc(10001);
    char *text;

    memset(big, 'x', 10000);
    big[10000] = '\0';
    write_tmp(path, sizeof(path), "", 0);
    assert_int_equal(log_open(LOG_INFO, path, "off"), 0);
    log_info("%s", big);
    log_info("next");
    log_close();
    text = read_all(path);
    /* Cut to one 4096-byte line, and the next line is intact. */
    assert_int_equal(count_lines(text), 3);
    assert_int_equal(strchr(text, '\n') - text + 1, 4096);
    assert_non_null(strstr(text, "Z [info] next\n"));
    free(text);
    free(big);
    unlink(path);
}

#define LOG_THREADS 4
#define LOG_LINES 250

static void *log_thread(void *arg)
{
    for (int i = 0; i < LOG_LINES; i++)
        log_info("thread %d line %d %s", *(int *)arg, i, "padding padding padding padding");
    return NULL;
}

static void test_log_threads(void **state)
{
    char path[512];
    pthread_t t[LOG_THREADS];
    int ids[LOG_THREADS];
    char *text;
    int lines = 0;

    write_tmp(path, sizeof(path), "", 0);
    assert_int_equal(log_open(LOG_INFO, path, "off"), 0);
    for (int i = 0; i < LOG_THREADS; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&t[i], NULL, log_thread, &ids[i]), 0);
    }
    for (int i = 0; i < LOG_THREADS; i++)
        pthread_join(t[i], NULL);
    log_close();

    /* Every line whole: nothing interleaved. */
    text = read_all(path);
    for (char *line = text; *line; line = strchr(line, '\n') + 1) {
        int id, n;
        char tail[64];
        assert_timestamp(line);
        assert_int_equal(sscanf(line + 20, " [info] thread %d line %d %63[a-z ]", &id, &n, tail),
                         3);
        assert_string_equal(tail, "padding padding padding padding");
        lines++;
    }
    assert_int_equal(lines, LOG_THREADS * LOG_LINES);
    free(text);
    unlink(path);
}

static void test_log_reopen(void **state)
{
    char path[512];
    char rotated[600];
    char *a, *b;

    write_tmp(path, sizeof(path), "", 0);
    snprintf(rotated, sizeof(rotated), "%s.1", path);
    assert_int_equal(log_open(LOG_DEBUG, path, "off"), 0);
    log_debug("before");
    /* logrotate renames the file, then SIGHUP makes the server reopen. */
    assert_int_equal(rename(path, rotated), 0);
    assert_int_equal(log_open(LOG_DEBUG, path, "off"), 0);
    log_debug("after");
    /* A failed reopen keeps the current file. */
    assert_int_equal(log_open(LOG_DEBUG, "/nonexistent-dir/x.log", "off"), -1);
    log_debug("still");
    log_close();

    a = read_all(rotated);
    b = read_all(path);
    assert_non_null(strstr(a, "[debug] before\n"));
    assert_int_equal(count_lines(a), 2);
    assert_non_null(strstr(b, "[debug] after\n"));
    assert_non_null(strstr(b, "[debug] still\n"));
    assert_int_equal(count_lines(b), 3);
    free(a);
    free(b);
    unlink(path);
    unlink(rotated);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_example_file),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_malformed_line),
        cmocka_unit_test(test_key_before_section),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_cannot_open),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_valid_utf8_and_bom),
        cmocka_unit_test(test_control_character),
        cmocka_unit_test(test_bad_integers),
        cmocka_unit_test(test_integers_in_range),
        cmocka_unit_test(test_echo_truncated),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_err_buffer_bounds),
        cmocka_unit_test(test_err_buffer_no_trailing_newline),
        cmocka_unit_test(test_admin_email_lists),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_empty_values),
        cmocka_unit_test(test_string_checks_in_file),
        cmocka_unit_test(test_config_set),
        cmocka_unit_test(test_config_set_overrides_file),
        cmocka_unit_test(test_validate_required),
        cmocka_unit_test(test_validate_base_url),
        cmocka_unit_test(test_validate_repository_id),
        cmocka_unit_test(test_validate_email),
        cmocka_unit_test(test_validate_secret),
        cmocka_unit_test(test_validate_ranges_and_level),
        cmocka_unit_test(test_base_path),
        cmocka_unit_test(test_log_level_parse),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_log_access),
        cmocka_unit_test(test_log_long_message),
        cmocka_unit_test(test_log_threads),
        cmocka_unit_test(test_log_reopen),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
