/*
 * config.c - defaults, the ini file and command-line overrides.
 *
 * Every key is described once, in the keys[] table (section, name, type,
 * range, value check), so the file parser, config_set and config_validate
 * apply the same rules and word their messages the same way.
 */
#include "config.h"

#include "log.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest line accepted, excluding the line ending. */
#define MAX_LINE 4096
/* Bytes of an offending value echoed back in a message. */
#define ECHO_MAX 60
#define MIN_SECRET 32
/* CONFIG_MAX_EMAILS spelled out for messages. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define MAX_EMAILS_STR STR(CONFIG_MAX_EMAILS)

/*
 * The secret used with --demo when none is configured. It is public (it is
 * in this source), so anyone could forge tokens with it: refused otherwise.
 */
static const char demo_secret[] = "nec-oai-pmh-public-demo-secret--never-use-in-production";

/* ---- messages ---- */

/* Messages for the caller, one per line, truncated to fit, NUL-terminated. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    int count;
} errbuf;

static void errbuf_init(errbuf *e, char *buf, size_t cap)
{
    e->buf = buf;
    e->cap = buf ? cap : 0;
    e->len = 0;
    e->count = 0;
    if (e->cap > 0)
        e->buf[0] = '\0';
}

static void errf(errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void errf(errbuf *e, const char *fmt, ...)
{
    va_list ap;
    int n;

    e->count++;
    /* Full (or no buffer): still counted as an error. A separator needs
     * room for some of the message after it, or err would end in '\n'. */
    if (e->len + (e->count > 1 ? 2 : 1) >= e->cap)
        return;
    if (e->count > 1) {
        e->buf[e->len++] = '\n';
        e->buf[e->len] = '\0';
    }
    va_start(ap, fmt);
    n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        e->buf[e->len] = '\0';
        return;
    }
    e->len += (size_t)n;
    if (e->len >= e->cap)
        e->len = e->cap - 1;
}

/* First control character other than tab, or -1. Such bytes would end up
 * in XML (forbidden there) or in log lines. */
static int find_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7F)
            return ch;
    }
    return -1;
}

/* A copy of v fit to quote in a message: controls replaced, cut to
 * ECHO_MAX bytes on a character boundary, "..." when cut. */
static void echo_value(char *out, size_t cap, const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    size_t n = strlen(v);
    size_t o = 0;

    for (size_t i = 0; i < n && o + 4 < cap;) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (i + (len ? len : 1) > ECHO_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (len <= 1) {
            out[o++] = (p[i] < 0x20 || p[i] >= 0x7F) ? '?' : (char)p[i];
            i++;
        } else {
            memcpy(out + o, p + i, len);
            o += len, i += len;
        }
    }
    out[o] = '\0';
}

/* ---- value checks shared by the parser and config_validate ---- */

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_alnum(char ch)
{
    return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * repositoryIdentifier per the oai-identifier guidelines:
 * domainNameComponent *("." domainNameComponent), at least two components,
 * each ALPHA *(ALPHA / DIGIT / "-").
 */
static const char *check_repo_id(const char *v)
{
    size_t label = 0;
    int dots = 0;

    if (strlen(v) > 253)
        return "must be a domain name of at most 253 characters";
    for (const char *p = v;; p++) {
        if (*p == '.' || *p == '\0') {
            if (label == 0)
                return "must be a domain name like elibrary.nec.gov.kh (empty label)";
            if (*p == '\0')
                break;
            dots++, label = 0;
        } else if (label == 0 && !is_alpha(*p)) {
            return "must be a domain name whose labels start with a letter";
        } else if (!is_alnum(*p) && *p != '-') {
            return "must be a domain name of letters, digits, '-' and '.'";
        } else if (++label > 63) {
            return "must be a domain name with labels of at most 63 characters";
        }
    }
    return dots > 0 ? NULL : "must be a domain name with at least one dot";
}

/* A host name of [A-Za-z0-9-] labels; with_dot requires two or more. */
static bool valid_hostname(const char *h, size_t n, bool with_dot)
{
    size_t label = 0;
    bool dot = false;

    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? h[i] : '.';
        if (ch == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            dot = dot || i < n;
            label = 0;
        } else if (is_alnum(ch) || (ch == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return with_dot ? dot : true;
}

/* RFC 5322 atext plus '.', not leading, trailing or doubled. */
static bool valid_local_part(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.' || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
        if (!is_alnum(s[i]) && !strchr(".!#$%&'*+/=?^_`{|}~-", s[i]))
            return false;
    }
    return true;
}

static const char *check_email(const char *v)
{
    const char *at = strrchr(v, '@');
    const char *domain;

    if (at == NULL || !valid_local_part(v, (size_t)(at - v)))
        return "must be an address like elibrary@nec.gov.kh";
    domain = at + 1;
    /* Harvesters show this address to people: it must be deliverable. */
    if (strcasecmp(domain, "localhost") == 0 || ends_with_ci(domain, ".localhost") ||
        ends_with_ci(domain, ".localdomain") || ends_with_ci(domain, ".invalid"))
        return "must use a public mail domain, not a local one";
    if (!valid_hostname(domain, strlen(domain), true))
        return "must be an address like elibrary@nec.gov.kh (domain with a dot)";
    return NULL;
}

static bool url_path_char(const char *p)
{
    if (*p == '%')
        return isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]);
    return is_alnum(*p) || (*p != '\0' && strchr("-._~!$&'()*+,;=:@/", *p));
}

/* Skips "host" or "[v6]" and an optional ":port"; NULL if malformed. */
static const char *skip_authority(const char *p)
{
    size_t n;

    if (*p == '[') {
        n = strspn(p + 1, "0123456789abcdefABCDEF:.");
        if (n == 0 || p[1 + n] != ']')
            return NULL;
        p += n + 2;
    } else {
        n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
        if (n == 0 || !valid_hostname(p, n, false))
            return NULL;
        p += n;
    }
    if (*p == ':') {
        long port = 0;
        n = strspn(p + 1, "0123456789");
        if (n == 0 || n > 5)
            return NULL;
        for (size_t i = 1; i <= n; i++)
            port = port * 10 + (p[i] - '0');
        if (port < 1 || port > 65535)
            return NULL;
        p += n + 1;
    }
    return p;
}

/* The baseURL goes verbatim into every response: absolute http(s), a host,
 * no user info, query or fragment, only legal path characters. */
static const char *check_url(const char *v)
{
    const char *p;

    if (strncmp(v, "http://", 7) == 0)
        p = v + 7;
    else if (strncmp(v, "https://", 8) == 0)
        p = v + 8;
    else
        return "must be an absolute URL starting with http:// or https://";
    if (strpbrk(v, "?#"))
        return "must not have a query (?) or fragment (#)";
    p = skip_authority(p);
    if (p == NULL || (*p != '\0' && *p != '/'))
        return "must have a valid host (and optional :port) after the scheme";
    for (; *p; p += *p == '%' ? 3 : 1) {
        if (!url_path_char(p))
            return "has a character not allowed in a URL path (percent-encode it)";
    }
    return NULL;
}

/* A list of base URLs separated by commas and/or spaces. */
static const char *check_url_list(const char *v)
{
    char item[1024];
    const char *problem;

    while (*v != '\0') {
        size_t n = strcspn(v, ", ");

        if (n >= sizeof(item))
            return "has a URL longer than 1023 bytes";
        if (n > 0) {
            memcpy(item, v, n);
            item[n] = '\0';
            problem = check_url(item);
            if (problem != NULL)
                return problem;
        }
        v += n;
        v += strspn(v, ", ");
    }
    return NULL;
}

static const char *check_secret(const char *v)
{
    if (strlen(v) < MIN_SECRET)
        return "must be at least 32 bytes (generate with: openssl rand -hex 32)";
    return NULL;
}

static const char *check_log_level(const char *v)
{
    return log_level_parse(v) < 0 ? "must be one of error, warning, info, debug" : NULL;
}

/* ---- the key table ---- */

typedef enum { T_STR, T_INT, T_EMAILS } key_type;

enum {
    K_NONEMPTY = 1, /* an empty value is an error (otherwise it unsets the key) */
    K_REQUIRED = 2, /* config_validate insists on a value */
    K_SECRET = 4,   /* never echo the value in a message */
};

typedef struct {
    const char *section;
    const char *name;
    key_type type;
    size_t off;
    int min, max;
    unsigned flags;
    const char *(*check)(const char *v);
} key_def;

/* clang-format off */
#define INT_KEY(s, n, field, lo, hi) {s, n, T_INT, offsetof(config, field), lo, hi, 0, NULL}
#define STR_KEY(s, n, field, fl, chk) {s, n, T_STR, offsetof(config, field), 0, 0, fl, chk}
/* clang-format on */

static const key_def keys[] = {
    STR_KEY("server", "listen", listen, K_NONEMPTY | K_REQUIRED, NULL),
    INT_KEY("server", "port", port, 1, 65535),
    INT_KEY("server", "workers", workers, 0, 64),
    INT_KEY("server", "max_connections", max_connections, 1, 100000),
    INT_KEY("server", "max_connections_per_client", max_connections_per_client, 1, 100000),
    INT_KEY("server", "max_request_line", max_request_line, 256, 1048576),
    INT_KEY("server", "max_header_size", max_header_size, 1024, 1048576),
    INT_KEY("server", "max_body_size", max_body_size, 0, 104857600),
    INT_KEY("server", "read_timeout", read_timeout, 1, 3600),
    INT_KEY("server", "idle_timeout", idle_timeout, 1, 3600),
    INT_KEY("server", "write_timeout", write_timeout, 1, 3600),
    STR_KEY("repository", "base_url", base_url, K_REQUIRED, check_url),
    STR_KEY("repository", "name", repository_name, K_NONEMPTY | K_REQUIRED, NULL),
    STR_KEY("repository", "identifier", repository_id, K_REQUIRED, check_repo_id),
    {"repository", "admin_email", T_EMAILS, 0, 0, 0, K_REQUIRED, check_email},
    INT_KEY("repository", "page_size", page_size, 1, 1000),
    INT_KEY("repository", "list_batch", list_batch, 1, 1000),
    STR_KEY("repository", "icon_url", icon_url, 0, check_url),
    STR_KEY("repository", "friends", friends, 0, check_url_list),
    STR_KEY("repository", "token_secret", token_secret, K_SECRET, check_secret),
    STR_KEY("repository", "token_secret_old", token_secret_old, K_SECRET, check_secret),
    INT_KEY("repository", "token_lifetime", token_lifetime, 60, 31536000),
    /* A conninfo may hold a password: never echoed. */
    STR_KEY("database", "conninfo", conninfo, K_REQUIRED | K_SECRET, NULL),
    INT_KEY("database", "statement_timeout", statement_timeout, 100, 600000),
    INT_KEY("database", "connect_timeout", connect_timeout, 1, 300),
    STR_KEY("log", "level", log_level, K_NONEMPTY | K_REQUIRED, check_log_level),
    STR_KEY("log", "file", log_file, 0, NULL),
    STR_KEY("log", "access_log", access_log, 0, NULL),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {"server", "repository", "database", "log"};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static int find_section(const char *name)
{
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (strcmp(sections[i], name) == 0)
            return (int)i;
    }
    return -1;
}

static const key_def *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    return NULL;
}

static int *int_field(config *c, const key_def *k)
{
    return (int *)(void *)((char *)c + k->off);
}

static char **str_field(config *c, const key_def *k)
{
    return (char **)(void *)((char *)c + k->off);
}

/* ---- setting one value ---- */

/* Where a value came from: "PATH:LINE", "command line" or "PATH". */
typedef struct {
    errbuf *eb;
    const char *origin;
} source;

static void key_error(const source *s, const key_def *k, const char *problem, const char *value)
{
    char echo[ECHO_MAX + 8];

    if (value == NULL || (k->flags & K_SECRET)) {
        errf(s->eb, "%s: [%s] %s: %s", s->origin, k->section, k->name, problem);
        return;
    }
    echo_value(echo, sizeof(echo), value);
    errf(s->eb, "%s: [%s] %s: %s, got '%s'", s->origin, k->section, k->name, problem, echo);
}

/* Strict decimal: digits only (optional '-'), the whole string, no overflow. */
static bool parse_int(const char *v, long *out)
{
    char *end;
    long n;

    if (!isdigit((unsigned char)v[v[0] == '-']))
        return false;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = n;
    return true;
}

static int set_int(config *c, const key_def *k, const char *v, const source *s)
{
    long n;
    char problem[80];

    if (!parse_int(v, &n) || n < k->min || n > k->max) {
        snprintf(problem, sizeof(problem), "must be an integer from %d to %d", k->min, k->max);
        key_error(s, k, problem, v);
        return -1;
    }
    *int_field(c, k) = (int)n;
    return 0;
}

static int set_str(config *c, const key_def *k, const char *v, const source *s)
{
    char **field = str_field(c, k);
    char *copy = NULL;
    const char *problem;

    if (*v == '\0' && (k->flags & K_NONEMPTY)) {
        key_error(s, k, "must not be empty", NULL);
        return -1;
    }
    if (*v != '\0') {
        problem = k->check ? k->check(v) : NULL;
        if (problem) {
            key_error(s, k, problem, v);
            return -1;
        }
        copy = strdup(v);
        if (copy == NULL) {
            key_error(s, k, "out of memory", NULL);
            return -1;
        }
    }
    /* An empty optional value unsets the key (e.g. log file back to stderr). */
    free(*field);
    *field = copy;
    return 0;
}

static char *trim(char *s)
{
    char *end;

    s += strspn(s, " \t");
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    return s;
}

/* Checks and copies one address of a list into out[*n] (room checked). */
static int add_email(char *item, const key_def *k, const source *s, char **out, int *n, int max)
{
    const char *problem;

    item = trim(item);
    problem = *item ? check_email(item) : "empty address in the list";
    if (problem) {
        key_error(s, k, problem, *item ? item : NULL);
        return -1;
    }
    out[*n] = strdup(item);
    if (out[*n] == NULL) {
        key_error(s, k, "out of memory", NULL);
        return -1;
    }
    (*n)++;
    return 0;
}

/* Splits a comma-separated list into out[]; reports every bad address. */
static int split_emails(char *list, const key_def *k, const source *s, char **out, int *n, int max)
{
    int rc = 0;

    if (*trim(list) == '\0') {
        key_error(s, k, "must not be empty", NULL);
        return -1;
    }
    for (char *item = list;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (*n >= max) {
            key_error(s, k, "too many addresses (at most " MAX_EMAILS_STR ")", NULL);
            return -1;
        }
        if (add_email(item, k, s, out, n, max) < 0)
            rc = -1;
        if (comma == NULL)
            break;
        item = comma + 1;
    }
    return rc;
}

static void free_emails(char **v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i]);
        v[i] = NULL;
    }
}

/*
 * Adds the addresses in v to the list (append) or replaces it. Nothing
 * changes unless every address is good and they all fit.
 */
static int set_emails(config *c, const key_def *k, const char *v, bool append, const source *s)
{
    char *fresh[CONFIG_MAX_EMAILS] = {NULL};
    int have = append ? c->n_admin_email : 0;
    int n = 0;
    int rc = -1;
    char *list = strdup(v);

    if (list == NULL) {
        key_error(s, k, "out of memory", NULL);
        goto cleanup;
    }
    if (split_emails(list, k, s, fresh, &n, CONFIG_MAX_EMAILS - have) < 0)
        goto cleanup;
    if (!append)
        free_emails(c->admin_email, c->n_admin_email);
    memcpy(&c->admin_email[have], fresh, (size_t)n * sizeof(fresh[0]));
    c->n_admin_email = have + n;
    n = 0;
    rc = 0;
cleanup:
    free_emails(fresh, n);
    free(list);
    return rc;
}

static int apply(config *c, const key_def *k, const char *v, bool append, const source *s)
{
    switch (k->type) {
    case T_INT:
        return set_int(c, k, v, s);
    case T_STR:
        return set_str(c, k, v, s);
    case T_EMAILS:
        return set_emails(c, k, v, append, s);
    }
    return -1;
}

/* ---- the file parser ---- */

typedef struct {
    config *c;
    errbuf *eb;
    int line;
    int section;                /* index into sections[]; -1 none yet, -2 unknown */
    int first_line[N_KEYS];     /* line where each key was first set, 0 = not yet */
    char origin[PATH_MAX + 16]; /* "PATH:LINE", for messages */
} parser;

/* Reads one line (without "\n" or "\r\n") into buf; returns its length,
 * or -1 at end of file. *too_long is set when bytes had to be dropped. */
static long read_line(FILE *f, char *buf, size_t cap, bool *too_long)
{
    size_t n = 0;
    int ch;
    bool any = false;

    *too_long = false;
    while ((ch = getc(f)) != EOF) {
        any = true;
        if (ch == '\n')
            break;
        if (n + 1 < cap)
            buf[n++] = (char)ch;
        else
            *too_long = true;
    }
    buf[n] = '\0';
    if (!any)
        return -1;
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return (long)n;
}

/* Where an inline comment may start: '#' at the start or after a blank, so
 * that values such as "password=a#b" in a conninfo survive. */
static char *strip_comment(char *v)
{
    for (char *q = v; *q; q++) {
        if (*q == '#' && (q == v || q[-1] == ' ' || q[-1] == '\t')) {
            *q = '\0';
            break;
        }
    }
    return trim(v);
}

/* Unquotes a "double-quoted" value in place (escapes \" and \\ only). */
static char *unquote(char *s, const char **problem)
{
    char *out = s;
    char *in = s + 1;

    for (; *in != '"'; in++) {
        if (*in == '\\') {
            in++;
            if (*in != '"' && *in != '\\' && *in != '\0') {
                *problem = "unknown escape in quoted value (only \\\" and \\\\ are allowed)";
                return NULL;
            }
        }
        if (*in == '\0') {
            *problem = "unterminated quote";
            return NULL;
        }
        *out++ = *in;
    }
    *out = '\0';
    in++;
    in += strspn(in, " \t");
    if (*in != '\0' && *in != '#') {
        *problem = "unexpected text after the closing quote";
        return NULL;
    }
    return s;
}

static char *parse_value(char *v, const char **problem)
{
    v += strspn(v, " \t");
    if (*v == '"')
        return unquote(v, problem);
    return strip_comment(v);
}

static void parse_section(parser *p, char *s)
{
    char *close = strchr(s, ']');
    char *rest;
    char echo[ECHO_MAX + 8];

    if (close == NULL) {
        errf(p->eb, "%s: section header without closing ']'", p->origin);
        p->section = -2;
        return;
    }
    rest = close + 1 + strspn(close + 1, " \t");
    if (*rest != '\0' && *rest != '#') {
        errf(p->eb, "%s: unexpected text after the [section] header", p->origin);
        p->section = -2;
        return;
    }
    *close = '\0';
    s = trim(s + 1);
    p->section = find_section(s);
    if (p->section < 0) {
        /* Its keys are skipped silently: one message per mistake. */
        echo_value(echo, sizeof(echo), s);
        errf(p->eb, "%s: unknown section [%s] (known: server, repository, database, log)",
             p->origin, echo);
        p->section = -2;
    }
}

static void parse_assignment(parser *p, char *s)
{
    char *eq = strchr(s, '=');
    char echo[ECHO_MAX + 8];
    const char *problem = NULL;
    const key_def *k;
    char *key = NULL;
    char *value;
    source src = {p->eb, p->origin};
    size_t idx;

    if (eq != NULL) {
        *eq = '\0';
        key = trim(s);
    }
    if (eq == NULL || *key == '\0') {
        errf(p->eb, "%s: expected a [section] header or a 'key = value' line", p->origin);
        return;
    }
    echo_value(echo, sizeof(echo), key);
    if (p->section == -1) {
        errf(p->eb, "%s: key '%s' before any [section] header", p->origin, echo);
        return;
    }
    if (p->section == -2)
        return;
    k = find_key(sections[p->section], key);
    if (k == NULL) {
        errf(p->eb, "%s: [%s] %s: unknown key", p->origin, sections[p->section], echo);
        return;
    }
    value = parse_value(eq + 1, &problem);
    if (value == NULL) {
        key_error(&src, k, problem, NULL);
        return;
    }
    idx = (size_t)(k - keys);
    if (p->first_line[idx] != 0 && k->type != T_EMAILS) {
        errf(p->eb, "%s: [%s] %s: duplicate key (first set on line %d)", p->origin, k->section,
             k->name, p->first_line[idx]);
        return;
    }
    /* The first admin_email in a file replaces the list; later ones add. */
    apply(p->c, k, value, p->first_line[idx] != 0, &src);
    if (p->first_line[idx] == 0)
        p->first_line[idx] = p->line;
}

static void parse_line(parser *p, char *buf, long n, bool too_long)
{
    int ctl;

    /* Editors on Windows may start the file with a byte-order mark. */
    if (p->line == 1 && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, n -= 3;
    if (too_long || n > MAX_LINE) {
        errf(p->eb, "%s: line longer than %d bytes", p->origin, MAX_LINE);
        return;
    }
    if (!utf8_valid(buf, (size_t)n)) {
        errf(p->eb, "%s: invalid UTF-8", p->origin);
        return;
    }
    if ((ctl = find_control(buf, (size_t)n)) >= 0) {
        errf(p->eb, "%s: control character 0x%02x", p->origin, (unsigned)ctl);
        return;
    }
    buf += strspn(buf, " \t");
    if (*buf == '\0' || *buf == '#' || *buf == ';')
        return;
    if (*buf == '[')
        parse_section(p, buf);
    else
        parse_assignment(p, buf);
}

static int set_config_path(config *c, const char *path)
{
    char *copy = strdup(path);

    if (copy == NULL)
        return -1;
    free(c->config_path);
    c->config_path = copy;
    return 0;
}

int config_load_file(config *c, const char *path, char *err, size_t err_len)
{
    errbuf eb;
    parser p = {.c = c, .eb = &eb, .section = -1};
    char buf[MAX_LINE + 2]; /* room for one byte too many, and the '\r' */
    bool too_long;
    long n;
    FILE *f = NULL;

    errbuf_init(&eb, err, err_len);
    if (set_config_path(c, path) < 0) {
        errf(&eb, "%s: out of memory", path);
        goto cleanup;
    }
    f = fopen(path, "re");
    if (f == NULL) {
        errf(&eb, "%s: cannot open: %s", path, strerror(errno));
        goto cleanup;
    }
    errno = 0;
    while ((n = read_line(f, buf, sizeof(buf), &too_long)) >= 0) {
        p.line++;
        snprintf(p.origin, sizeof(p.origin), "%s:%d", path, p.line);
        parse_line(&p, buf, n, too_long);
    }
    if (ferror(f))
        errf(&eb, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
cleanup:
    if (f)
        fclose(f);
    return eb.count ? -1 : 0;
}

/* ---- public API ---- */

void config_defaults(config *c)
{
    memset(c, 0, sizeof(*c));
    c->listen = strdup("127.0.0.1");
    c->port = 8080;
    c->workers = 0;
    c->max_connections = 1024;
    c->max_connections_per_client = 64;
    c->max_request_line = 8192;
    c->max_header_size = 16384;
    c->max_body_size = 65536;
    c->read_timeout = 30;
    c->idle_timeout = 60;
    c->write_timeout = 60;
    c->repository_name = strdup("NEC E-Library");
    c->page_size = 200;
    c->list_batch = 50;
    c->token_lifetime = 86400;
    c->statement_timeout = 5000;
    c->connect_timeout = 5;
    c->log_level = strdup("info");
    /* A failed strdup leaves NULL, which config_validate reports. */
}

int config_set(config *c, const char *section_dot_key, const char *value, char *err, size_t err_len)
{
    errbuf eb;
    source src = {&eb, "command line"};
    const char *dot = strchr(section_dot_key, '.');
    char section[32];
    char echo[ECHO_MAX + 8];
    const key_def *k = NULL;
    size_t len = dot ? (size_t)(dot - section_dot_key) : 0;

    errbuf_init(&eb, err, err_len);
    if (len > 0 && len < sizeof(section)) {
        memcpy(section, section_dot_key, len);
        section[len] = '\0';
        k = find_key(section, dot + 1);
    }
    if (k == NULL) {
        echo_value(echo, sizeof(echo), section_dot_key);
        errf(&eb, "command line: unknown setting '%s' (expected section.key, e.g. server.port)",
             echo);
        return -1;
    }
    if (!utf8_valid(value, strlen(value)) || find_control(value, strlen(value)) >= 0) {
        key_error(&src, k, "invalid UTF-8 or control character in the value", NULL);
        return -1;
    }
    return apply(c, k, value, false, &src);
}

static void validate_int(config *c, const key_def *k, const source *s)
{
    int v = *int_field(c, k);
    char num[24];
    char problem[80];

    if (v < k->min || v > k->max) {
        snprintf(num, sizeof(num), "%d", v);
        snprintf(problem, sizeof(problem), "must be an integer from %d to %d", k->min, k->max);
        key_error(s, k, problem, num);
    }
}

static void validate_emails(config *c, const key_def *k, const source *s)
{
    const char *problem;

    if (c->n_admin_email == 0)
        key_error(s, k, "required", NULL);
    for (int i = 0; i < c->n_admin_email; i++) {
        problem = c->admin_email[i] ? check_email(c->admin_email[i]) : "required";
        if (problem)
            key_error(s, k, problem, c->admin_email[i]);
    }
}

static void validate_str(config *c, const key_def *k, const source *s)
{
    const char *v = *str_field(c, k);
    const char *problem;

    if (v == NULL || *v == '\0') {
        if (k->flags & K_REQUIRED)
            key_error(s, k, "required", NULL);
        return;
    }
    problem = k->check ? k->check(v) : NULL;
    if (problem)
        key_error(s, k, problem, v);
}

/* The demo secret is public: fine for --demo, never for a real server. */
static void validate_secrets(config *c, const source *s)
{
    const key_def *cur = find_key("repository", "token_secret");
    const key_def *old = find_key("repository", "token_secret_old");

    /* Set directly rather than through config_set: "" means "not set". */
    if (c->token_secret && *c->token_secret == '\0') {
        free(c->token_secret);
        c->token_secret = NULL;
    }
    if (c->token_secret == NULL && c->demo) {
        c->token_secret = strdup(demo_secret);
        if (c->token_secret == NULL)
            key_error(s, cur, "out of memory", NULL);
    } else if (c->token_secret == NULL) {
        key_error(s, cur, "required (generate with: openssl rand -hex 32), or run with --demo",
                  NULL);
    } else if (!c->demo && strcmp(c->token_secret, demo_secret) == 0) {
        key_error(s, cur, "is the public demo secret (generate with: openssl rand -hex 32)", NULL);
    }
    if (c->token_secret_old && !c->demo && strcmp(c->token_secret_old, demo_secret) == 0)
        key_error(s, old, "is the public demo secret; remove it", NULL);
}

int config_validate(config *c, char *err, size_t err_len)
{
    errbuf eb;
    source src = {&eb, c->config_path ? c->config_path : "configuration"};

    errbuf_init(&eb, err, err_len);
    validate_secrets(c, &src);
    for (size_t i = 0; i < N_KEYS; i++) {
        if (keys[i].type == T_INT)
            validate_int(c, &keys[i], &src);
        else if (keys[i].type == T_EMAILS)
            validate_emails(c, &keys[i], &src);
        else
            validate_str(c, &keys[i], &src);
    }
    return eb.count ? -1 : 0;
}

const char *config_base_path(const config *c)
{
    const char *p = c->base_url ? strstr(c->base_url, "://") : NULL;

    if (p == NULL)
        return "/";
    p += 3;
    p += strcspn(p, "/?#");
    return *p == '/' ? p : "/";
}

void config_free(config *c)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (keys[i].type == T_STR) {
            free(*str_field(c, &keys[i]));
            *str_field(c, &keys[i]) = NULL;
        }
    }
    free_emails(c->admin_email, c->n_admin_email);
    c->n_admin_email = 0;
    free(c->config_path);
    c->config_path = NULL;
}

int config_advice(const config *c, char *buf, size_t len)
{
    int n = 0;

    buf[0] = '\0';
    if (c->page_size < 100 || c->page_size > 500) {
        snprintf(buf, len,
                 "%s: repository.page_size = %d is outside 100-500, the page size the "
                 "DRIVER guidelines ask of repositories and BASE's validator checks",
                 c->config_path != NULL ? c->config_path : "(no file)", c->page_size);
        n++;
    }
    return n;
}

int config_load(config *c, const char *path, const char *const *overrides, int n_overrides,
                char *err, size_t err_len)
{
    char key[128];

    config_defaults(c);
    if (path != NULL && config_load_file(c, path, err, err_len) != 0)
        return -1;
    for (int i = 0; i < n_overrides; i++) {
        const char *eq = strchr(overrides[i], '=');

        if (eq == NULL || (size_t)(eq - overrides[i]) >= sizeof(key)) {
            snprintf(err, err_len, "-o expects SECTION.KEY=VALUE, got '%s'", overrides[i]);
            return -1;
        }
        snprintf(key, sizeof(key), "%.*s", (int)(eq - overrides[i]), overrides[i]);
        if (config_set(c, key, eq + 1, err, err_len) != 0)
            return -1;
    }
    return 0;
}
