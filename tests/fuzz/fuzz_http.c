/*
 * fuzz_http.c - the HTTP layer (http.c) on arbitrary bytes from a client.
 *
 * Design. http.c has no entry point that takes bytes: it reads requests
 * from sockets it accepts itself, through libevent bufferevents. The
 * harness therefore runs the real thing, in-process and single-threaded:
 * an http_server on an event_base whose listening socket is an AF_UNIX
 * stream socket in the abstract namespace (no file, no TCP, no port). For
 * each input the harness connects a client socket, writes the input into
 * it (in one piece, or in pieces of a size chosen by a hash of the input so
 * that requests also arrive split at arbitrary points), half-closes it, and
 * runs the event loop until the server has closed the connection. So every
 * byte goes through http.c's own code: accept, connection limits, the
 * http-parser callbacks (URL, headers, trailers, chunked and fixed bodies),
 * the size limits (414/431/413 on a small and on the default set of
 * limits), pipelining, keep-alive, 100-continue, HEAD, HTTP/1.0, response
 * writing and lingering close. A Unix socket costs a few microseconds per
 * connection; no change to http.h was needed.
 *
 * One input in 16 arrives while an idle connection holds the only place
 * (a total or a per-client limit of 1), and must be turned away with 503.
 * The input's hash chooses all this (see LLVMFuzzerTestOneInput).
 *
 * The handler (standing in for dispatch.c, which needs a database) answers
 * according to the request's path: "/stream..." streams a chunked response,
 * "/defer..." answers later from a timer, "/defer-stream..." streams from a
 * timer, "/defer-stream-late..." too but only once the client has gone (in
 * an early-EOF run, as "/defer..." does), "/empty..." answers 204, anything
 * else gets an echo of the body and query. An X-Name/X-Value request header
 * pair becomes a response header (http_add_header must refuse what would
 * break the header block or the framing).
 *
 * Properties checked:
 *  - what the handler sees respects the limits in force (request line,
 *    body size), path and query have the promised shape, header values are
 *    trimmed and hold no CR or LF, the request is not "closed" while the
 *    client is still there;
 *  - everything the server writes parses as a sequence of HTTP/1.1
 *    responses with the same http-parser, in response mode: framing exact
 *    (Content-Length, chunked, or close), answers to the handled requests in
 *    order (each carries its sequence number), at most one answer the
 *    server made itself (400, 413, 414, 431, 501, 505, 503), which says
 *    "Connection: close" and is the last thing sent, nothing after a
 *    "Connection: close", and no HEAD response with a body;
 *  - the connection is always closed in the end (no hang: a watchdog aborts
 *    after 10 s), and no memory or descriptor leaks (LeakSanitizer).
 *
 * With FUZZ_HTTP_DUMP set in the environment the harness prints what the
 * server sent for each input (to study a saved crash).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <http_parser.h>

#include "fuzz_common.h"
#include "http.h"
#include "log.h"

#define WATCHDOG_SECONDS 10
#define MAX_RESPONSE (8 * 1024 * 1024)
#define MARKER "X-Fuzz-Seq"

/* Small limits, so the fuzzer reaches every limit with short inputs, and
 * the server's defaults. Timeouts are off: the harness must be
 * deterministic (timing behaviour has unit tests). Connection limits are
 * off too, but in the runs that test refusal. */
static const http_limits small_limits = {
    .max_request_line = 512,
    .max_header_size = 1024,
    .max_body_size = 2048,
};
static const http_limits default_limits = {
    .max_request_line = 8192,
    .max_header_size = 16384,
    .max_body_size = 65536,
};

static struct event_base *base;
static http_shared *shared;
static http_server *server;
static struct sockaddr_un addr;
static socklen_t addr_len;
static int dump; /* FUZZ_HTTP_DUMP set: print what the server sent */

/* The state of one input's run. */
static struct {
    const http_limits *lim;
    const char *lim_name;
    int refused; /* the connection is over the limits: 503 */
    int client;
    struct evbuffer *received; /* everything the server sent */
    int client_eof;
    int seq;           /* responses the handler started (its X-Fuzz-Seq) */
    int answered;      /* ... of them while the client was still there */
    int head[4096];    /* head[seq]: the request was HEAD */
    int pending;       /* deferred answers not given yet */
    int early_eof;     /* the client half-closes right after sending */
    int mode;          /* how the input is split (see next_piece) */
    size_t sent;       /* input bytes written */
    size_t input_size; /* input bytes in all */
} R;

/* ---- the handler ------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_header_value(const http_request *req, const char *name)
{
    const char *v = http_request_header(req, name);
    size_t n;

    if (v == NULL)
        return;
    n = strlen(v);
    FUZZ_CHECK(n <= (size_t)R.lim->max_header_size);
    FUZZ_CHECK(strpbrk(v, "\r\n") == NULL);
    FUZZ_CHECK(n == 0 || (v[n - 1] != ' ' && v[n - 1] != '\t'));
}

/* What any handler may rely on. */
static void check_request(const http_request *req)
{
    const char *method = http_request_method(req);
    const char *path = http_request_path(req);
    const char *query = http_request_query(req);
    size_t body_len = 12345, target;
    const char *body = http_request_body(req, &body_len);

    FUZZ_CHECK(method != NULL && method[0] != '\0');
    FUZZ_CHECK(path != NULL && path[0] != '\0');
    FUZZ_CHECK(strpbrk(path, "?#") == NULL);
    FUZZ_CHECK(query == NULL || strchr(query, '#') == NULL);
    target = strlen(path) + (query != NULL ? strlen(query) + 1 : 0);
    FUZZ_CHECK(strlen(method) + target <= (size_t)R.lim->max_request_line);
    FUZZ_CHECK(body_len <= (size_t)R.lim->max_body_size);
    FUZZ_CHECK((body == NULL) == (body_len == 0));
    FUZZ_CHECK(http_request_client(req) != NULL);
    FUZZ_CHECK(!http_request_closed(req));
    check_header_value(req, "Host");
    check_header_value(req, "Content-Type");
    check_header_value(req, "Transfer-Encoding");
    check_header_value(req, "Expect");
    check_header_value(req, "X-Name");
    check_header_value(req, "X-Value");
}

/* Response headers: the sequence number, and the client's own choice. */
static void add_headers(http_request *req)
{
    const char *name = http_request_header(req, "X-Name");
    const char *value = http_request_header(req, "X-Value");
    char seq[32];

    R.seq++;
    FUZZ_CHECK(R.seq < (int)(sizeof(R.head) / sizeof(R.head[0])));
    R.head[R.seq] = strcmp(http_request_method(req), "HEAD") == 0;
    snprintf(seq, sizeof(seq), "%d", R.seq);
    http_add_header(req, MARKER, seq);
    /* Our marker is not the client's to forge. And http-parser (2.9.4)
     * takes any header whose name merely begins with "Transfer-Encoding" for
     * Transfer-Encoding (requests with one are refused with 400 or 501), so
     * the checker below would misread a valid response carrying one. */
    if (name != NULL && value != NULL && strncasecmp(name, "X-Fuzz", 6) != 0 &&
        strncasecmp(name, "Transfer-Encoding", 17) != 0)
        http_add_header(req, name, value);
}

static struct evbuffer *echo_body(const http_request *req)
{
    struct evbuffer *b = evbuffer_new();
    const char *query = http_request_query(req);
    size_t len;
    const char *body = http_request_body(req, &len);

    FUZZ_CHECK(b != NULL);
    evbuffer_add_printf(b, "%s %s?%s\n", http_request_method(req), http_request_path(req),
                        query != NULL ? query : "");
    if (body != NULL)
        evbuffer_add(b, body, len);
    return b;
}

static void respond_echo(http_request *req)
{
    struct evbuffer *b = echo_body(req);

    if (!http_request_closed(req)) {
        add_headers(req);
        R.answered++;
    }
    http_respond(req, 200, "text/plain", b);
    FUZZ_CHECK(evbuffer_get_length(b) == 0);
    evbuffer_free(b);
}

static void send_chunk(http_request *req, const char *s)
{
    struct evbuffer *b = evbuffer_new();

    FUZZ_CHECK(b != NULL);
    evbuffer_add(b, s, strlen(s));
    http_respond_chunk(req, b);
    FUZZ_CHECK(evbuffer_get_length(b) == 0);
    evbuffer_free(b);
}

/* A deferred answer, given from a timer. In an early-EOF run it waits
 * (a bounded number of loop turns) until the client has gone, so that the
 * paths for a request whose client left while the handler held it run. */
#define WAIT_TURNS 20

struct deferred {
    http_request *req;
    struct event *ev;
    int stream; /* streamed: three chunks (one empty), then the end */
    int wait;   /* wait for the client to leave before answering */
    int turns;
    int step;
};

static void deferred_again(struct deferred *d)
{
    static const struct timeval zero = {0, 0};

    /* Through the timer heap: runs after the I/O of the next loop turn. */
    event_add(d->ev, &zero);
}

static void on_deferred(evutil_socket_t fd, short what, void *arg)
{
    struct deferred *d = arg;

    if (d->wait && !http_request_closed(d->req) && ++d->turns < WAIT_TURNS) {
        deferred_again(d);
        return;
    }
    d->wait = 0;
    if (!d->stream) {
        respond_echo(d->req); /* also when the client has gone: that releases it */
    } else {
        switch (d->step++) {
        case 0:
            if (!http_request_closed(d->req)) {
                add_headers(d->req);
                R.answered++;
            }
            http_respond_start(d->req, 200, "text/plain");
            deferred_again(d);
            return;
        case 1:
            send_chunk(d->req, "deferred ");
            deferred_again(d);
            return;
        case 2:
            send_chunk(d->req, "");
            deferred_again(d);
            return;
        case 3:
            send_chunk(d->req, "stream\n");
            deferred_again(d);
            return;
        default:
            http_respond_end(d->req);
            break;
        }
    }
    event_free(d->ev);
    free(d);
    R.pending--;
}

static void defer(http_request *req, int stream, int wait)
{
    struct deferred *d = calloc(1, sizeof(*d));

    FUZZ_CHECK(d != NULL);
    d->req = req;
    d->stream = stream;
    d->wait = wait && R.early_eof;
    d->ev = evtimer_new(base, on_deferred, d);
    FUZZ_CHECK(d->ev != NULL);
    R.pending++;
    if (stream && !wait)
        on_deferred(-1, 0, d); /* the head now, the chunks later */
    else
        deferred_again(d);
}

static void handler(http_request *req, void *arg)
{
    const char *path = http_request_path(req);

    check_request(req);
    if (starts_with(path, "/defer-stream-late")) {
        defer(req, 1, 1);
    } else if (starts_with(path, "/defer-stream")) {
        defer(req, 1, 0); /* early EOF: the client half-closes mid-stream */
    } else if (starts_with(path, "/defer")) {
        defer(req, 0, 1);
    } else if (starts_with(path, "/stream")) {
        struct evbuffer *b = echo_body(req);

        add_headers(req);
        R.answered++;
        http_respond_start(req, 200, "text/plain");
        send_chunk(req, "streamed: ");
        send_chunk(req, "");
        http_respond_chunk(req, b);
        evbuffer_free(b);
        http_respond_end(req);
    } else if (starts_with(path, "/empty")) {
        add_headers(req);
        R.answered++;
        http_respond(req, 204, NULL, NULL);
    } else {
        respond_echo(req);
    }
}

/* ---- the checker: the server's output as HTTP responses ---------------- */

static struct {
    char field[64];
    size_t field_len;
    int in_value;
    int seq;      /* this response's X-Fuzz-Seq, 0 if none */
    int close;    /* it says Connection: close */
    int closed;   /* an earlier response said Connection: close */
    int last_seq; /* the previous X-Fuzz-Seq */
    int finals;   /* final (non-1xx) responses */
    int own;      /* answers the server made itself */
    int own_status;
} C;

static int on_resp_begin(http_parser *p)
{
    FUZZ_CHECK(!C.closed); /* nothing after Connection: close */
    C.field_len = 0;
    C.in_value = 0;
    C.seq = 0;
    C.close = 0;
    return 0;
}

static int on_resp_field(http_parser *p, const char *at, size_t len)
{
    if (C.in_value) {
        C.field_len = 0;
        C.in_value = 0;
    }
    if (C.field_len + len < sizeof(C.field)) {
        memcpy(C.field + C.field_len, at, len);
        C.field_len += len;
    } else {
        C.field_len = sizeof(C.field); /* too long to be one of ours */
    }
    return 0;
}

static int field_is(const char *name)
{
    return C.field_len == strlen(name) && strncasecmp(C.field, name, C.field_len) == 0;
}

static int on_resp_value(http_parser *p, const char *at, size_t len)
{
    C.in_value = 1;
    if (field_is(MARKER)) {
        FUZZ_CHECK(C.seq == 0); /* the marker is never doubled */
        FUZZ_CHECK(len > 0 && len < 10);
        for (size_t i = 0; i < len; i++)
            C.seq = C.seq * 10 + (at[i] - '0');
    } else if (field_is("Connection")) {
        C.close = len == 5 && strncasecmp(at, "close", 5) == 0;
    }
    return 0;
}

static int on_resp_headers_complete(http_parser *p)
{
    if (p->status_code < 200)
        return 0;
    /* A HEAD response says how long the body would be and sends none. */
    return C.seq > 0 && C.seq <= R.seq && R.head[C.seq] ? 1 : 0;
}

static int on_resp_complete(http_parser *p)
{
    FUZZ_CHECK(p->status_code >= 100 && p->status_code <= 599);
    if (p->status_code < 200) {
        FUZZ_CHECK(p->status_code == 100 && C.seq == 0);
        return 0;
    }
    C.finals++;
    if (C.seq > 0) {
        FUZZ_CHECK(C.seq == C.last_seq + 1); /* in order, none lost */
        C.last_seq = C.seq;
    } else {
        /* The server's own answer to a request it refused. */
        FUZZ_CHECK(p->status_code >= 400);
        FUZZ_CHECK(C.close);
        C.own++;
        C.own_status = p->status_code;
    }
    if (C.close)
        C.closed = 1;
    return 0;
}

static const http_parser_settings response_settings = {
    .on_message_begin = on_resp_begin,
    .on_header_field = on_resp_field,
    .on_header_value = on_resp_value,
    .on_headers_complete = on_resp_headers_complete,
    .on_message_complete = on_resp_complete,
};

static void check_output(void)
{
    size_t len = evbuffer_get_length(R.received);
    const char *out = (const char *)evbuffer_pullup(R.received, -1);
    http_parser p;
    size_t n;

    if (dump)
        fprintf(stderr, "--- server output (%zu bytes, split mode %d, %s limits) ---\n%.*s\n---\n",
                len, R.mode, R.lim_name, (int)len, out);
    memset(&C, 0, sizeof(C));
    http_parser_init(&p, HTTP_RESPONSE);
    n = http_parser_execute(&p, &response_settings, out, len);
    if (n != len || HTTP_PARSER_ERRNO(&p) != HPE_OK) {
        fprintf(stderr, "server output not parseable at byte %zu of %zu: %s\n%.*s\n", n, len,
                http_errno_name(HTTP_PARSER_ERRNO(&p)), (int)len, out);
        FUZZ_CHECK(n == len && HTTP_PARSER_ERRNO(&p) == HPE_OK);
    }
    /* End of file: completes a body delimited by the close, and must not
     * fall in the middle of a response. */
    http_parser_execute(&p, &response_settings, NULL, 0);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK) {
        fprintf(stderr, "server output ends inside a response: %s\n%.*s\n",
                http_errno_name(HTTP_PARSER_ERRNO(&p)), (int)len, out);
        FUZZ_CHECK(HTTP_PARSER_ERRNO(&p) == HPE_OK);
    }
    FUZZ_CHECK(C.last_seq == R.answered);
    FUZZ_CHECK(C.own <= 1);
    FUZZ_CHECK(C.finals == R.answered + C.own);
    if (R.refused) /* turned away before reading a byte */
        FUZZ_CHECK(R.seq == 0 && C.own == 1 && C.own_status == 503);
}

/* ---- driving one connection ------------------------------------------- */

static void on_client_read(evutil_socket_t fd, short what, void *arg)
{
    for (;;) {
        int n = evbuffer_read(R.received, fd, 65536);

        if (n > 0) {
            FUZZ_CHECK(evbuffer_get_length(R.received) <= MAX_RESPONSE);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            /* EOF; or ECONNRESET, which a Unix socket reports when its peer
             * closes with input unread, after all data sent was read. */
            R.client_eof = 1;
            event_del(arg);
        }
        return;
    }
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    fprintf(stderr,
            "connection not closed after %d s: %zu of %zu bytes sent, client eof %d, "
            "server connections %d, deferred answers pending %d\n",
            WATCHDOG_SECONDS, R.sent, R.input_size, R.client_eof, http_server_connections(server),
            R.pending);
    abort();
}

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* How many bytes to write next: split modes chosen by the input's hash. */
static size_t next_piece(int mode, uint64_t *rng, size_t left)
{
    size_t n = left;

    if (mode == 1)
        n = 1 + next_rand(rng) % 256;
    else if (mode == 2)
        n = R.sent < 128 ? 1 + next_rand(rng) % 16 : 1 + next_rand(rng) % 256;
    return n < left ? n : left;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    evutil_socket_t lfd;

    signal(SIGPIPE, SIG_IGN);
    dump = getenv("FUZZ_HTTP_DUMP") != NULL;
    /* http.c's debug messages are formatted (and sanitised) but go nowhere. */
    FUZZ_CHECK(log_open(LOG_DEBUG, "/dev/null", "off") == 0);
    base = event_base_new();
    FUZZ_CHECK(base != NULL);
    shared = http_shared_new(&small_limits);
    FUZZ_CHECK(shared != NULL);

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    /* Abstract namespace (leading NUL): no file to clean up. */
    int n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "nec-oai-fuzz-http-%ld",
                     (long)getpid());
    addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(lfd >= 0);
    FUZZ_CHECK(bind(lfd, (struct sockaddr *)&addr, addr_len) == 0);
    FUZZ_CHECK(listen(lfd, 16) == 0);
    server = http_server_new(base, lfd, shared, handler, NULL);
    FUZZ_CHECK(server != NULL);
    R.received = evbuffer_new();
    FUZZ_CHECK(R.received != NULL);
    return 0;
}

/* Connects a client socket to the server. */
static int connect_client(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(connect(fd, (struct sockaddr *)&addr, addr_len) == 0);
    return fd;
}

/*
 * The input's hash chooses how it is sent:
 *   bit 0      small limits or the defaults;
 *   bits 1-3   0-3: one piece, 4-5: pieces of 1-256 bytes, 6: 1-16 byte
 *              pieces for the first 128 bytes, 7: one piece and an early
 *              EOF (the client half-closes without waiting for answers);
 *   bits 4-7   0 (1 in 16): the connection is over a connection limit (an
 *              idle connection holds the only place; bit 8: total or per
 *              client) and must be turned away with 503.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t h = fuzz_hash(data, size), rng = h | 1;
    int mode = (int)(h >> 1 & 7);
    struct timeval dog = {WATCHDOG_SECONDS, 0};
    struct event *rd, *watchdog;
    static http_limits lim;
    int holder = -1;

    mode = mode < 4 ? 0 : mode < 6 ? 1 : mode == 6 ? 2 : 3;
    lim = (h & 1) ? default_limits : small_limits;
    R.lim_name = (h & 1) ? "default" : "small";
    R.refused = (h >> 4 & 15) == 0;
    if (R.refused && (h >> 8 & 1)) {
        lim.max_connections = 1;
        R.lim_name = (h & 1) ? "default, 1 connection" : "small, 1 connection";
    } else if (R.refused) {
        lim.max_connections_per_client = 1;
        R.lim_name = (h & 1) ? "default, 1 per client" : "small, 1 per client";
    }
    R.lim = &lim;
    R.client_eof = 0;
    R.seq = R.answered = R.pending = 0;
    R.sent = 0;
    R.input_size = size;
    R.early_eof = mode == 3;
    R.mode = mode;
    evbuffer_drain(R.received, evbuffer_get_length(R.received));
    /* Limits are copied into each connection when it is accepted. */
    http_shared_set_limits(shared, R.lim);

    watchdog = evtimer_new(base, on_watchdog, NULL);
    FUZZ_CHECK(watchdog != NULL);
    event_add(watchdog, &dog);
    if (R.refused) {
        holder = connect_client();
        while (http_server_connections(server) < 1)
            event_base_loop(base, EVLOOP_ONCE);
    }
    R.client = connect_client();
    rd = event_new(base, R.client, EV_READ | EV_PERSIST, on_client_read, event_self_cbarg());
    FUZZ_CHECK(rd != NULL);
    event_add(rd, NULL);

    while (R.sent < size) {
        size_t piece = next_piece(mode, &rng, size - R.sent);
        ssize_t n = send(R.client, data + R.sent, piece, MSG_NOSIGNAL);

        if (n > 0) {
            R.sent += (size_t)n;
            /* One turn of the loop, so the server sees this piece alone
             * (EVLOOP_NONBLOCK alone would run on while timers re-arm). */
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            event_base_loop(base, EVLOOP_ONCE); /* the server must read on */
        } else {
            break; /* the server closed (after an error answer) */
        }
    }
    /* Let deferred answers go out before the client half-closes, unless
     * this run tests a client that leaves early. */
    while (!R.early_eof && R.pending > 0 && !R.client_eof)
        event_base_loop(base, EVLOOP_ONCE);
    shutdown(R.client, SHUT_WR);
    while (!R.client_eof || http_server_connections(server) > (holder >= 0) || R.pending > 0)
        event_base_loop(base, EVLOOP_ONCE);
    if (holder >= 0) {
        close(holder);
        while (http_server_connections(server) > 0)
            event_base_loop(base, EVLOOP_ONCE);
    }

    event_free(watchdog);
    event_free(rd);
    close(R.client);
    FUZZ_CHECK(http_shared_connections(shared) == 0);
    check_output();
    return 0;
}
