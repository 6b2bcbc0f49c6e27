/*
 * harvest.c - a small, fast OAI-PMH benchmark client (tests/bench/run).
 *
 * Plain blocking sockets, HTTP/1.1 keep-alive, one connection; no libcurl,
 * no XML parser: the body is scanned with memmem for what a harvester
 * needs (records, the resumption token, errors). Built by the driver with
 *     cc -O2 -o harvest tests/bench/harvest.c
 *
 * Modes (every one talks to 127.0.0.1 only, and is bounded in time):
 *
 *   harvest harvest PORT PATH [CAPTURE_PAGES CAPTURE_FILE] [MAX_SECONDS]
 *       Harvests PATH (e.g. "/oai?verb=ListRecords&metadataPrefix=oai_dc")
 *       and every page after it by resumption token, sequentially. Writes
 *       "PAGE<TAB>REQUEST-PATH" to CAPTURE_FILE for each page number in the
 *       comma-separated CAPTURE_PAGES ("1,2,1000,10000"). Prints key=value
 *       lines: pages, records, deleted, bytes, wall_s, client_cpu_s,
 *       complete_list_size, ok. Stops (ok=0) after MAX_SECONDS (default 1800).
 *
 *   harvest latency PORT URL_FILE REPEAT
 *       For the "LABEL<TAB>REQUEST-PATH" lines (at most 64): one untimed
 *       warm-up request each, then REPEAT timed rounds over all of them
 *       (round robin) on one keep-alive connection. Prints
 *       "LABEL median_ms min_ms p90_ms max_ms" per line. "%R" in a path
 *       becomes a year that differs on every request ("1000" ... "1999"):
 *       from=%R-01-01 makes each first page a different request, which no
 *       server cache has seen (the cost of a harvest's real first page).
 *
 *   harvest idle PORT PATH N HOLD_SECONDS
 *       Opens N connections, sends one request on each and reads its
 *       response (so each is an idle keep-alive connection; PATH "-": sends
 *       nothing), prints "ready N" and holds them until stdin reaches EOF or
 *       HOLD_SECONDS pass.
 *
 * Exit status 0 on success, 1 on any failure (message on stderr).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 60000 /* one read or write may stall at most this long */

static const char *g_host = "127.0.0.1";
static int g_port;

static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("harvest: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---------------------------------------------------------------------- */
/* Growable buffer                                                        */
/* ---------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void buf_reserve(buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->p = realloc(b->p, cap);
    if (b->p == NULL)
        die("out of memory");
    b->cap = cap;
}

static void buf_add(buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* ---------------------------------------------------------------------- */
/* HTTP/1.1 client connection                                             */
/* ---------------------------------------------------------------------- */

typedef struct {
    int fd;
    buf in;      /* bytes read but not yet consumed */
    buf body;    /* body of the last response */
    int status;  /* status of the last response */
    size_t wire; /* bytes of the last response, headers included */
} conn;

static int conn_open(conn *c)
{
    struct sockaddr_in sa;
    int one = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_port);
    if (inet_pton(AF_INET, g_host, &sa.sin_addr) != 1)
        die("bad address %s", g_host);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->in.len = 0;
    return 0;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->in.len = 0;
}

static int wait_fd(int fd, short ev)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int rc;

    do
        rc = poll(&p, 1, IO_TIMEOUT_MS);
    while (rc < 0 && errno == EINTR);
    return rc > 0 ? 0 : -1;
}

static int send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w;

        if (wait_fd(fd, POLLOUT) != 0)
            return -1;
        w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more bytes into c->in; 0 on success, -1 on EOF or error. */
static int fill(conn *c)
{
    ssize_t r;

    buf_reserve(&c->in, 262144);
    if (wait_fd(c->fd, POLLIN) != 0)
        return -1;
    do
        r = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1;
    c->in.len += (size_t)r;
    c->in.p[c->in.len] = '\0';
    return 0;
}

/* Makes c->in hold at least n bytes; -1 when the connection ends first. */
static int need(conn *c, size_t n)
{
    while (c->in.len < n)
        if (fill(c) != 0)
            return -1;
    return 0;
}

/* Drops the first n bytes of c->in. */
static void consume(conn *c, size_t n)
{
    memmove(c->in.p, c->in.p + n, c->in.len - n);
    c->in.len -= n;
}

/* Reads a chunked body (a streamed list page) into c->body, from c->in
 * after the head. 0, or -1 when the connection ends before the last
 * chunk (a page cut off). */
static int read_chunked(conn *c)
{
    for (;;) {
        char *eol;
        size_t size;

        while ((eol = memmem(c->in.p, c->in.len, "\r\n", 2)) == NULL)
            if (fill(c) != 0)
                return -1;
        size = strtoull(c->in.p, NULL, 16);
        c->wire += (size_t)(eol - c->in.p) + 2 + size + 2;
        consume(c, (size_t)(eol - c->in.p) + 2);
        if (need(c, size + 2) != 0)
            return -1;
        buf_add(&c->body, c->in.p, size);
        consume(c, size + 2); /* the data and its CRLF */
        if (size == 0)
            return 0; /* no trailers are sent */
    }
}

/* Reads one response (Content-Length or chunked framing) into c->body.
 * Returns 0, or -1 when the connection failed. */
static int read_response(conn *c, int *close_after)
{
    char *end;
    size_t hlen, clen = 0;
    int have_len = 0, chunked = 0;

    while ((end = memmem(c->in.p ? c->in.p : "", c->in.len, "\r\n\r\n", 4)) == NULL)
        if (fill(c) != 0)
            return -1;
    hlen = (size_t)(end - c->in.p) + 4;
    if (sscanf(c->in.p, "HTTP/1.%*d %d", &c->status) != 1)
        return -1;
    *close_after = 0;
    for (char *line = strstr(c->in.p, "\r\n") + 2; line < end;) {
        char *eol = strstr(line, "\r\n");

        if (strncasecmp(line, "Content-Length:", 15) == 0) {
            clen = strtoull(line + 15, NULL, 10);
            have_len = 1;
        } else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
                   strcasestr(line, "chunked") != NULL && strcasestr(line, "chunked") < eol) {
            chunked = 1;
        } else if (strncasecmp(line, "Connection:", 11) == 0 && strcasestr(line, "close") != NULL &&
                   strcasestr(line, "close") < eol) {
            *close_after = 1;
        }
        line = eol + 2;
    }
    c->body.len = 0;
    c->wire = hlen;
    if (chunked) {
        consume(c, hlen);
        return read_chunked(c);
    }
    if (!have_len)
        die("response without Content-Length or chunked framing (status %d)", c->status);
    if (need(c, hlen + clen) != 0)
        return -1;
    buf_add(&c->body, c->in.p + hlen, clen);
    c->wire = hlen + clen;
    consume(c, hlen + clen);
    return 0;
}

/* GET path; on a dropped keep-alive connection reconnects once. */
static void get(conn *c, const char *path)
{
    char req[16384];
    int n, attempt, close_after;

    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: nec-oai-bench\r\n\r\n", path,
                 g_host, g_port);
    if (n < 0 || (size_t)n >= sizeof(req))
        die("request too long");
    for (attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && conn_open(c) != 0)
            die("cannot connect to %s:%d: %s", g_host, g_port, strerror(errno));
        if (send_all(c->fd, req, (size_t)n) == 0 && read_response(c, &close_after) == 0) {
            if (close_after)
                conn_close(c);
            return;
        }
        conn_close(c);
    }
    die("request failed twice: %.200s", path);
}

/* ---------------------------------------------------------------------- */
/* OAI-PMH bits                                                           */
/* ---------------------------------------------------------------------- */

static size_t count(const char *s, size_t n, const char *needle)
{
    size_t k = 0, m = strlen(needle);
    const char *p = s, *end = s + n;

    while ((p = memmem(p, (size_t)(end - p), needle, m)) != NULL) {
        k++;
        p += m;
    }
    return k;
}

/* The resumption token of body (XML-unescaped, trimmed) into out, "" when
 * there is none or it is empty; returns completeListSize or -1. */
static long long resumption(const char *body, size_t n, buf *out)
{
    const char *p = memmem(body, n, "<resumptionToken", 16), *gt, *end, *cls;
    long long complete = -1;

    out->len = 0;
    buf_add(out, "", 0);
    if (p == NULL)
        return -1;
    gt = memchr(p, '>', n - (size_t)(p - body));
    if (gt == NULL)
        return -1;
    cls = memmem(p, (size_t)(gt - p), "completeListSize=\"", 18);
    if (cls != NULL)
        complete = strtoll(cls + 18, NULL, 10);
    if (gt[-1] == '/')
        return complete;
    end = memmem(gt, n - (size_t)(gt - body), "</resumptionToken>", 18);
    if (end == NULL)
        return complete;
    for (p = gt + 1; p < end; p++) {
        static const struct {
            const char *ent;
            char c;
        } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        size_t i;
        int done = 0;

        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            continue;
        if (*p == '&')
            for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
                if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0) {
                    buf_add(out, &ents[i].c, 1);
                    p += strlen(ents[i].ent) - 1;
                    done = 1;
                    break;
                }
        if (!done)
            buf_add(out, p, 1);
    }
    return complete;
}

/* "/oai?verb=V&resumptionToken=<percent-encoded token>" */
static void token_path(buf *out, const char *base_path, const char *verb, const char *token)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *q = strchr(base_path, '?');

    out->len = 0;
    buf_add(out, base_path, q ? (size_t)(q - base_path) : strlen(base_path));
    buf_add(out, "?verb=", 6);
    buf_add(out, verb, strlen(verb));
    buf_add(out, "&resumptionToken=", 17);
    for (; *token; token++) {
        unsigned char ch = (unsigned char)*token;

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            buf_add(out, (const char *)&ch, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            buf_add(out, e, 3);
        }
    }
}

static int wanted(const char *list, long page)
{
    const char *p = list;

    while (p != NULL && *p) {
        char *e;
        long v = strtol(p, &e, 10);

        if (v == page)
            return 1;
        p = *e == ',' ? e + 1 : NULL;
    }
    return 0;
}

static void error_snippet(const buf *body)
{
    const char *e = memmem(body->p, body->len, "<error", 6);

    fprintf(stderr, "harvest: %.300s\n", e ? e : body->p);
}

static int mode_harvest(int argc, char **argv)
{
    const char *start = argv[3], *capture = argc > 5 && argv[4][0] ? argv[4] : NULL;
    double max_s = argc > 6 ? atof(argv[6]) : 1800.0;
    char verb[64] = "ListRecords";
    const char *v = strstr(start, "verb=");
    FILE *cap = NULL;
    conn c = {.fd = -1};
    buf path = {0}, token = {0};
    unsigned long long records = 0, deleted = 0, bytes = 0;
    long long complete = -1;
    long page = 0;
    double t0, cpu0;
    int ok = 1, is_records;

    if (v != NULL)
        sscanf(v + 5, "%63[^&]", verb);
    is_records = strcmp(verb, "ListRecords") == 0;
    if (capture != NULL) {
        cap = fopen(argv[5], "w");
        if (cap == NULL)
            die("cannot write %s", argv[5]);
    }
    buf_add(&path, start, strlen(start));
    t0 = now_s();
    cpu0 = cpu_s();
    for (;;) {
        long long cls;

        page++;
        if (cap != NULL && wanted(capture, page))
            fprintf(cap, "%ld\t%s\n", page, path.p);
        get(&c, path.p);
        bytes += c.wire;
        if (c.status != 200 || memmem(c.body.p, c.body.len, "<error ", 7) != NULL) {
            fprintf(stderr, "harvest: page %ld: HTTP %d\n", page, c.status);
            error_snippet(&c.body);
            ok = 0;
            break;
        }
        records += count(c.body.p, c.body.len, is_records ? "<record>" : "<header");
        deleted += count(c.body.p, c.body.len, "<header status=\"deleted\">");
        cls = resumption(c.body.p, c.body.len, &token);
        if (cls >= 0 && complete < 0)
            complete = cls;
        if (token.len == 0)
            break;
        if (now_s() - t0 > max_s) {
            fprintf(stderr, "harvest: stopped after %.0f s (page %ld)\n", max_s, page);
            ok = 0;
            break;
        }
        token_path(&path, start, verb, token.p);
    }
    if (cap != NULL)
        fclose(cap);
    printf("pages=%ld\nrecords=%llu\ndeleted=%llu\nbytes=%llu\nwall_s=%.3f\nclient_cpu_s=%.3f\n"
           "complete_list_size=%lld\nok=%d\n",
           page, records, deleted, bytes, now_s() - t0, cpu_s() - cpu0, complete, ok);
    conn_close(&c);
    return ok ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* path with "%R" replaced by a year unique to this request (see above). */
static const char *expand(const char *path, char *buf, size_t size)
{
    static unsigned serial;
    const char *r = strstr(path, "%R");

    if (r == NULL)
        return path;
    snprintf(buf, size, "%.*s%04u%s", (int)(r - path), path, 1000 + serial++ % 1000, r + 2);
    return buf;
}

static int mode_latency(int argc, char **argv)
{
    FILE *f = fopen(argv[3], "r");
    int repeat = atoi(argv[4]), n = 0, i, r;
    char line[16384], *label[64], *path[64], buf[16384];
    conn c = {.fd = -1};
    double *t[64];

    (void)argc;
    if (f == NULL)
        die("cannot read %s", argv[3]);
    if (repeat < 1 || repeat > 10000)
        die("bad repeat count");
    while (n < 64 && fgets(line, sizeof(line), f) != NULL) {
        char *tab = strchr(line, '\t');

        if (tab == NULL)
            continue;
        *tab = '\0';
        tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
        label[n] = strdup(line);
        path[n] = strdup(tab + 1);
        t[n] = calloc((size_t)repeat, sizeof(double));
        if (label[n] == NULL || path[n] == NULL || t[n] == NULL)
            die("out of memory");
        n++;
    }
    fclose(f);
    for (i = 0; i < n; i++) { /* warm-up, and check */
        get(&c, expand(path[i], buf, sizeof(buf)));
        if (c.status != 200 || memmem(c.body.p, c.body.len, "<error ", 7) != NULL) {
            error_snippet(&c.body);
            die("%s: HTTP %d or OAI error", label[i], c.status);
        }
    }
    /* Round robin, so that a change in the machine's load during the
     * measurement affects every URL alike. */
    for (r = 0; r < repeat; r++)
        for (i = 0; i < n; i++) {
            double t0 = now_s();

            get(&c, expand(path[i], buf, sizeof(buf)));
            t[i][r] = (now_s() - t0) * 1000.0;
            if (c.status != 200)
                die("%s: HTTP %d", label[i], c.status);
        }
    for (i = 0; i < n; i++) {
        double *x = t[i];

        qsort(x, (size_t)repeat, sizeof(*x), cmp_double);
        printf("%s %.3f %.3f %.3f %.3f\n", label[i],
               repeat % 2 ? x[repeat / 2] : (x[repeat / 2 - 1] + x[repeat / 2]) / 2, x[0],
               x[(repeat * 9) / 10 < repeat ? (repeat * 9) / 10 : repeat - 1], x[repeat - 1]);
        free(x);
        free(label[i]);
        free(path[i]);
    }
    conn_close(&c);
    return 0;
}

static int mode_idle(int argc, char **argv)
{
    const char *path = argv[3];
    int n = atoi(argv[4]), i, opened = 0;
    double hold = atof(argv[5]), t0;
    conn *cs;
    char ch;

    (void)argc;
    if (n < 1 || n > 100000)
        die("bad connection count");
    cs = calloc((size_t)n, sizeof(*cs));
    for (i = 0; i < n; i++) {
        cs[i].fd = -1;
        if (conn_open(&cs[i]) != 0)
            die("connection %d: %s (ulimit -n?)", i + 1, strerror(errno));
        opened++;
        if (strcmp(path, "-") == 0) /* connected, nothing sent */
            continue;
        get(&cs[i], path);
        if (cs[i].status != 200)
            die("connection %d: HTTP %d", i + 1, cs[i].status);
        if (cs[i].fd < 0)
            die("connection %d: the server closed it after the response", i + 1);
        free(cs[i].body.p); /* keep only the socket */
        cs[i].body = (buf){0};
        free(cs[i].in.p);
        cs[i].in = (buf){0};
    }
    printf("ready %d\n", opened);
    fflush(stdout);
    /* Hold until stdin closes (the driver is done sampling) or time is up. */
    t0 = now_s();
    while (now_s() - t0 < hold) {
        struct pollfd p = {.fd = 0, .events = POLLIN};

        if (poll(&p, 1, 200) > 0 && read(0, &ch, 1) <= 0)
            break;
    }
    for (i = 0; i < n; i++)
        conn_close(&cs[i]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: harvest harvest PORT PATH [CAPTURE_PAGES CAPTURE_FILE] [MAX_S]\n"
                        "       harvest latency PORT URL_FILE REPEAT\n"
                        "       harvest idle PORT PATH N HOLD_SECONDS\n");
        return 2;
    }
    g_port = atoi(argv[2]);
    if (g_port <= 0 || g_port > 65535)
        die("bad port %s", argv[2]);
    if (strcmp(argv[1], "harvest") == 0)
        return mode_harvest(argc, argv);
    if (strcmp(argv[1], "latency") == 0 && argc == 5)
        return mode_latency(argc, argv);
    if (strcmp(argv[1], "idle") == 0 && argc == 6)
        return mode_idle(argc, argv);
    fprintf(stderr, "harvest: bad mode or arguments\n");
    return 2;
}
