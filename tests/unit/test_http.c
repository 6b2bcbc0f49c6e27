/*
 * test_http.c - the HTTP layer against a real server on 127.0.0.1.
 *
 * The server runs on its own thread and event_base, as a worker does; the
 * tests talk raw TCP to it so every byte on the wire can be checked.
 * Timeouts are one second so the slow-client tests stay short.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "http.h"

/* ------------------------------------------------------------------ */
/* The server under test.                                              */

static const http_limits test_limits = {
    .max_request_line = 1024,
    .max_header_size = 2048,
    .max_body_size = 4096,
    .read_timeout = 1,
    .idle_timeout = 1,
    .write_timeout = 1,
    .max_connections = 100,
    .max_connections_per_client = 50,
};

static struct {
    struct event_base *base;
    http_shared *sh;
    http_server *srv;
    evutil_socket_t listen_fd;
    int port;
    pthread_t thread;
} S;

/* cmocka's assertions cannot run on the server thread. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: server thread: check failed: %s\n", __FILE__, __LINE__,        \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Set on the server thread, read by the tests. */
static atomic_int active_handlers; /* async and streaming handlers running */
static atomic_int saw_closed;      /* a delayed handler found its client gone */

/* Echoes what the handler sees, so tests can check the parsed request. */
static void echo(http_request *req)
{
    struct evbuffer *b = evbuffer_new();
    const char *query = http_request_query(req), *x = http_request_header(req, "X-Test");
    size_t len;
    const char *body = http_request_body(req, &len);

    evbuffer_add_printf(
        b, "method=%s\npath=%s\nquery=%s\nx-test=%s\nclient=%s\nbody=", http_request_method(req),
        http_request_path(req), query != NULL ? query : "(none)", x != NULL ? x : "(none)",
        http_request_client(req));
    if (body != NULL)
        evbuffer_add(b, body, len);
    else if (len != 0)
        evbuffer_add_printf(b, "(null body with length)");
    http_add_header(req, "X-Echo", "yes");
    if (strcmp(http_request_path(req), "/echo") == 0) {
        /* All must be dropped: header injection, a name that is not a
         * token, a control character in a value. */
        http_add_header(req, "X-Bad", "a\r\nInjected: yes");
        http_add_header(req, "X-Bad/Name", "v");
        http_add_header(req, "X-Ctl", "a\001b");
    }
    http_respond(req, 200, "text/plain", b);
    CHECK(evbuffer_get_length(b) == 0);
    evbuffer_free(b);
}

struct later {
    http_request *req;
    struct event *ev;
    int chunks; /* streaming: chunks sent so far */
};

static void later_free(struct later *l)
{
    event_free(l->ev);
    free(l);
    atomic_fetch_sub(&active_handlers, 1);
}

static void on_later(evutil_socket_t fd, short what, void *arg)
{
    struct later *l = arg;

    if (http_request_closed(l->req))
        atomic_store(&saw_closed, 1);
    echo(l->req);
    later_free(l);
}

/* Streams 8 KiB chunks every millisecond until 400 are out or the client
 * is gone. */
static void on_stream(evutil_socket_t fd, short what, void *arg)
{
    struct later *l = arg;
    struct evbuffer *b;
    char chunk[8192];

    if (http_request_closed(l->req) || l->chunks >= 400) {
        http_respond_end(l->req);
        later_free(l);
        return;
    }
    b = evbuffer_new();
    memset(chunk, 'x', sizeof(chunk));
    evbuffer_add(b, chunk, sizeof(chunk));
    http_respond_chunk(l->req, b);
    evbuffer_free(b);
    l->chunks++;
}

static void start_later(http_request *req, int ms, int stream)
{
    struct later *l = calloc(1, sizeof(*l));
    struct timeval tv = {0, ms * 1000};

    CHECK(l != NULL);
    l->req = req;
    l->ev = event_new(S.base, -1, stream ? EV_PERSIST : 0, stream ? on_stream : on_later, l);
    CHECK(l->ev != NULL);
    atomic_fetch_add(&active_handlers, 1);
    if (stream)
        http_respond_start(req, 200, "application/octet-stream");
    event_add(l->ev, &tv);
}

static void send_chunk(http_request *req, const char *s)
{
    struct evbuffer *b = evbuffer_new();

    evbuffer_add(b, s, strlen(s));
    http_respond_chunk(req, b);
    evbuffer_free(b);
}

static void handler(http_request *req, void *arg)
{
    const char *path = http_request_path(req);

    if (strcmp(path, "/chunked") == 0) {
        http_respond_start(req, 200, "text/plain");
        send_chunk(req, "hello ");
        send_chunk(req, "");
        send_chunk(req, "chunked ");
        send_chunk(req, "world");
        http_respond_end(req);
    } else if (strcmp(path, "/async") == 0) {
        start_later(req, 50, 0);
    } else if (strcmp(path, "/slow") == 0) {
        start_later(req, 400, 0);
    } else if (strcmp(path, "/stream") == 0) {
        start_later(req, 1, 1);
    } else if (strcmp(path, "/empty") == 0) {
        http_respond(req, 204, NULL, NULL);
    } else {
        echo(req);
    }
}

static void *server_thread(void *arg)
{
    event_base_dispatch(S.base);
    return NULL;
}

static void stop_on_loop(evutil_socket_t fd, short what, void *arg)
{
    http_server_stop_accepting(S.srv);
    event_base_loopexit(S.base, NULL);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits (at most 3 s) until the server holds no connections and no
 * handler is running, so each test starts from a clean state. */
static int wait_quiet(void)
{
    int i;

    for (i = 0; i < 300; i++) {
        if (http_shared_connections(S.sh) == 0 && atomic_load(&active_handlers) == 0)
            return 1;
        usleep(10000);
    }
    return 0;
}

static int group_setup(void **state)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    char err[256];

    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    S.base = event_base_new();
    S.sh = http_shared_new(&test_limits);
    S.listen_fd = http_listen_socket("127.0.0.1", 0, err, sizeof(err));
    if (S.base == NULL || S.sh == NULL || S.listen_fd < 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    getsockname(S.listen_fd, (struct sockaddr *)&sin, &len);
    S.port = ntohs(sin.sin_port);
    S.srv = http_server_new(S.base, S.listen_fd, S.sh, handler, NULL);
    if (S.srv == NULL || pthread_create(&S.thread, NULL, server_thread, NULL) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    wait_quiet();
    event_base_once(S.base, -1, EV_TIMEOUT, stop_on_loop, NULL, NULL);
    pthread_join(S.thread, NULL);
    http_server_free(S.srv);
    http_shared_free(S.sh);
    evutil_closesocket(S.listen_fd);
    event_base_free(S.base);
    libevent_global_shutdown();
    return 0;
}

static int test_setup(void **state)
{
    http_shared_set_limits(S.sh, &test_limits);
    return wait_quiet() ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* A raw TCP client.                                                   */

typedef struct {
    int fd;
    size_t len;
    char buf[1 << 16];
} client;

typedef struct {
    int status;
    char head[8192]; /* status line and headers */
    size_t body_len;
    char body[1 << 16];
} response;

static client *client_open(void)
{
    client *c = calloc(1, sizeof(*c));
    struct timeval tv = {3, 0};
    struct sockaddr_in sin;

    assert_non_null(c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)S.port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return c;
}

static void client_close(client *c)
{
    close(c->fd);
    free(c);
}

/* Sends everything; returns 0, or -1 when the server closed already. */
static int client_send(client *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static int client_sends(client *c, const char *s)
{
    return client_send(c, s, strlen(s));
}

/* Reads more; returns bytes read, 0 at EOF, -1 on error or timeout. */
static int client_recv(client *c)
{
    ssize_t n;

    if (c->len == sizeof(c->buf))
        return -1;
    n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n > 0)
        c->len += (size_t)n;
    return n > 0 ? (int)n : n == 0 ? 0 : -1;
}

static void client_consume(client *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

static int client_need(client *c, size_t n)
{
    while (c->len < n) {
        if (client_recv(c) <= 0)
            return -1;
    }
    return 0;
}

/* True when the server closes the connection (EOF or reset) with no more
 * data. */
static int client_eof(client *c)
{
    char b;
    ssize_t n;

    if (c->len != 0)
        return 0;
    n = recv(c->fd, &b, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* The value of a response header, copied into out; 0 when absent. */
static int header(const response *r, const char *name, char *out, size_t out_len)
{
    const char *line = strstr(r->head, "\r\n");
    size_t n = strlen(name);

    while (line != NULL && line[2] != '\r') {
        line += 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1, *end = strstr(v, "\r\n");

            v += strspn(v, " ");
            snprintf(out, out_len, "%.*s", (int)(end - v), v);
            return 1;
        }
        line = strstr(line, "\r\n");
    }
    return 0;
}

static int body_add(response *r, const char *data, size_t n)
{
    if (r->body_len + n >= sizeof(r->body))
        return -1;
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return 0;
}

/* Decodes a chunked body strictly: hex size, CRLF, data, CRLF; no
 * trailers. */
static int read_chunked(client *c, response *r)
{
    for (;;) {
        char *eol, *end;
        unsigned long size;

        while ((eol = memmem(c->buf, c->len, "\r\n", 2)) == NULL) {
            if (client_recv(c) <= 0)
                return -1;
        }
        *eol = '\0';
        size = strtoul(c->buf, &end, 16);
        if (end == c->buf || *end != '\0')
            return -1;
        client_consume(c, (size_t)(eol - c->buf) + 2);
        if (client_need(c, size + 2) != 0 || memcmp(c->buf + size, "\r\n", 2) != 0)
            return -1;
        if (size == 0) {
            client_consume(c, 2);
            return 0;
        }
        if (body_add(r, c->buf, size) != 0)
            return -1;
        client_consume(c, size + 2);
    }
}

/* Reads one response; a 1xx is returned on its own. */
static int read_response(client *c, response *r, int is_head)
{
    char value[64], *end;
    size_t n;

    memset(r, 0, sizeof(*r));
    while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL) {
        if (client_recv(c) <= 0)
            return -1;
    }
    n = (size_t)(end - c->buf) + 4;
    if (n >= sizeof(r->head))
        return -1;
    memcpy(r->head, c->buf, n);
    client_consume(c, n);
    if (sscanf(r->head, "HTTP/1.1 %d ", &r->status) != 1)
        return -1;
    if (r->status < 200 || r->status == 204 || r->status == 304 || is_head)
        return 0;
    if (header(r, "Transfer-Encoding", value, sizeof(value)))
        return strcmp(value, "chunked") == 0 ? read_chunked(c, r) : -1;
    if (header(r, "Content-Length", value, sizeof(value))) {
        n = strtoul(value, NULL, 10);
        if (client_need(c, n) != 0 || body_add(r, c->buf, n) != 0)
            return -1;
        client_consume(c, n);
        return 0;
    }
    while (client_recv(c) > 0) /* delimited by the close */
        ;
    n = c->len;
    if (body_add(r, c->buf, n) != 0)
        return -1;
    client_consume(c, n);
    return 0;
}

/* One request on a fresh connection; returns the response. */
static void exchange(const char *request, response *r)
{
    client *c = client_open();

    assert_int_equal(client_sends(c, request), 0);
    assert_int_equal(read_response(c, r, 0), 0);
    client_close(c);
}

static void assert_header(const response *r, const char *name, const char *want)
{
    char value[256];

    assert_true(header(r, name, value, sizeof(value)));
    assert_string_equal(value, want);
}

/* ------------------------------------------------------------------ */
/* Tests.                                                              */

static void test_get(void **state)
{
    response r;
    char value[256];

    exchange("GET /echo?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nX-Test:  hello  \r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "method=GET\npath=/echo\nquery=a=1&b=%20\nx-test=hello\n"
                                "client=127.0.0.1\nbody=");
    snprintf(value, sizeof(value), "%zu", r.body_len);
    assert_header(&r, "Content-Length", value);
    assert_header(&r, "Content-Type", "text/plain");
    assert_header(&r, "Connection", "keep-alive");
    assert_header(&r, "X-Echo", "yes");
    assert_false(header(&r, "X-Bad", value, sizeof(value)));
    assert_false(header(&r, "Injected", value, sizeof(value)));
    assert_false(header(&r, "X-Bad/Name", value, sizeof(value)));
    assert_false(header(&r, "X-Ctl", value, sizeof(value)));
    assert_true(header(&r, "Server", value, sizeof(value)));
    assert_true(strncmp(value, "nec-oai/", 8) == 0);
    assert_true(header(&r, "Date", value, sizeof(value)));
    assert_int_equal(strlen(value), 29); /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    assert_string_equal(value + 26, "GMT");
    assert_true(strncmp(r.head, "HTTP/1.1 200 OK\r\n", 17) == 0);
}

static void test_url_forms(void **state)
{
    response r;

    exchange("GET http://example.org:8080/oai?verb=Identify HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "path=/oai\nquery=verb=Identify\n"));
    exchange("GET /oai? HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_non_null(strstr(r.body, "path=/oai\nquery=\n"));
    exchange("GET /oai HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_non_null(strstr(r.body, "path=/oai\nquery=(none)\n"));
}

static void test_odd_but_valid(void **state)
{
    response r;

    /* Blank lines before a request are allowed (RFC 7230 3.5). */
    exchange("\r\n\r\nGET /blank HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "path=/blank\n"));
    /* An upgrade request is answered as plain HTTP/1.1. */
    exchange("GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    /* Header names are case-insensitive; an empty value is "". */
    exchange("GET / HTTP/1.1\r\nx-test:\r\nX-TEST: second\r\n\r\n", &r);
    assert_non_null(strstr(r.body, "x-test=\n"));
}

static void test_head(void **state)
{
    client *c = client_open();
    response r;
    char value[64];

    assert_int_equal(client_sends(c, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 1), 0);
    assert_int_equal(r.status, 200);
    assert_true(header(&r, "Content-Length", value, sizeof(value)));
    assert_true(atoi(value) > 0);
    /* No body bytes: the next response follows the head directly. */
    assert_int_equal(client_sends(c, "GET /g HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "method=GET\npath=/g\n"));
    client_close(c);
}

static void test_post(void **state)
{
    static const char req[] = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
                              "hello\0world";
    client *c = client_open();
    response r;

    assert_int_equal(client_send(c, req, sizeof(req) - 1), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.body_len > 11);
    assert_memory_equal(r.body + r.body_len - 11, "hello\0world", 11);
    assert_non_null(strstr(r.body, "method=POST\npath=/p\n"));
    client_close(c);
}

static void test_post_chunked(void **state)
{
    response r;

    exchange("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
             &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "body=hello world"));
}

static void test_expect_continue(void **state)
{
    client *c = client_open();
    response r;

    assert_int_equal(client_sends(c, "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                     "Expect: 100-continue\r\n\r\n"),
                     0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 100);
    assert_string_equal(r.head, "HTTP/1.1 100 Continue\r\n\r\n");
    assert_int_equal(client_sends(c, "hello"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "body=hello"));
    client_close(c);
}

static void test_expect_too_large(void **state)
{
    response r;

    /* Refused at once: no 100 Continue, so the client never sends it. */
    exchange("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
             "Expect: 100-continue\r\n\r\n",
             &r);
    assert_int_equal(r.status, 413);
}

static void test_keep_alive(void **state)
{
    client *c = client_open();
    response r;
    int i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(client_sends(c, "GET /k HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
        assert_int_equal(read_response(c, &r, 0), 0);
        assert_int_equal(r.status, 200);
        assert_header(&r, "Connection", "keep-alive");
    }
    client_close(c);
}

static void test_pipelined(void **state)
{
    client *c = client_open();
    response r;

    /* The first is answered later (async handler); order must hold. */
    assert_int_equal(client_sends(c, "GET /async?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                                     "GET /three HTTP/1.1\r\nHost: x\r\n\r\n"),
                     0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_non_null(strstr(r.body, "path=/async\nquery=n=1\n"));
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_non_null(strstr(r.body, "path=/two\n"));
    assert_non_null(strstr(r.body, "body=abc"));
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_non_null(strstr(r.body, "path=/three\n"));
    client_close(c);
}

static void test_connection_close(void **state)
{
    client *c = client_open();
    response r;

    assert_int_equal(client_sends(c, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                     "GET /ignored HTTP/1.1\r\nHost: x\r\n\r\n"),
                     0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Connection", "close");
    assert_true(client_eof(c));
    client_close(c);
}

static void test_http10(void **state)
{
    client *c = client_open();
    response r;

    assert_int_equal(client_sends(c, "GET /ten HTTP/1.0\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Connection", "close");
    assert_true(client_eof(c));
    client_close(c);

    c = client_open();
    assert_int_equal(client_sends(c, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_header(&r, "Connection", "keep-alive");
    assert_int_equal(client_sends(c, "GET /b HTTP/1.0\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_non_null(strstr(r.body, "path=/b\n"));
    assert_true(client_eof(c));
    client_close(c);

    /* Streaming to HTTP/1.0: no chunked framing, the close ends the body. */
    c = client_open();
    assert_int_equal(client_sends(c, "GET /chunked HTTP/1.0\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello chunked world");
    client_close(c);
}

static void test_uri_too_long(void **state)
{
    size_t n = (size_t)test_limits.max_request_line + 1;
    char *req = malloc(n + 64);
    response r;

    /* The request line is method + URL + version: a URL 13 bytes shorter
     * than the limit still fits with GET. */
    memcpy(req, "GET /", 5);
    memset(req + 5, 'a', n - 1 - 13 - 1);
    strcpy(req + 5 + n - 1 - 13 - 1, " HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange(req, &r);
    assert_int_equal(r.status, 200);

    memcpy(req, "GET /", 5);
    memset(req + 5, 'a', n - 1);
    strcpy(req + 4 + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    exchange(req, &r);
    assert_int_equal(r.status, 414);
    assert_header(&r, "Connection", "close");
    free(req);
}

static void test_headers_too_large(void **state)
{
    char req[4096];
    response r;
    int i, n;

    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + n, 'b', (size_t)test_limits.max_header_size);
    strcpy(req + n + test_limits.max_header_size, "\r\n\r\n");
    exchange(req, &r);
    assert_int_equal(r.status, 431);

    /* Too many headers, each small. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\n");
    for (i = 0; i < 70; i++)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "X-%d: 1\r\n", i);
    snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    exchange(req, &r);
    assert_int_equal(r.status, 431);

    /* A flood of spaces, seen by no parser callback, is cut off too. */
    n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Spaces:");
    memset(req + n, ' ', 3500);
    strcpy(req + n + 3500, "x\r\n\r\n");
    exchange(req, &r);
    assert_int_equal(r.status, 431);
}

static void test_body_too_large(void **state)
{
    response r;

    exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4097\r\n\r\n", &r);
    assert_int_equal(r.status, 413);
    assert_header(&r, "Connection", "close");
    exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
}

static void test_chunked_body_too_large(void **state)
{
    char req[8192], data[2048];
    client *c = client_open();
    response r;
    int n;

    memset(data, 'd', sizeof(data));
    n = snprintf(req, sizeof(req),
                 "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n");
    memcpy(req + n, data, sizeof(data));
    n += (int)sizeof(data);
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n800\r\n");
    memcpy(req + n, data, sizeof(data));
    n += (int)sizeof(data);
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n1\r\nx\r\n0\r\n\r\n");
    assert_int_equal(client_send(c, req, (size_t)n), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 413);
    assert_true(client_eof(c));
    client_close(c);

    /* A single chunk announcing too much is refused before its data. */
    exchange("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n", &r);
    assert_int_equal(r.status, 413);
}

static void test_bad_requests(void **state)
{
    response r;

    exchange("HELLO WORLD\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    assert_header(&r, "Connection", "close");
    exchange("GET / HTTP/1.1\r\nBad Header\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    exchange("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", &r); /* TLS hello */
    assert_int_equal(r.status, 400);
    exchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r);
    assert_int_equal(r.status, 505);
    exchange("GET / HTTP/2.0\r\n\r\n", &r);
    assert_int_equal(r.status, 505);
    exchange("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxyz", &r);
    assert_int_equal(r.status, 501);
    exchange("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", &r);
    assert_int_equal(r.status, 501);
    exchange("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    exchange("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", &r);
    assert_int_equal(r.status, 400);
    exchange("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &r);
    assert_int_equal(r.status, 400);
}

static void test_slowloris(void **state)
{
    client *c = client_open();
    double start = now_s(), elapsed;
    response r;
    char peek;
    int i;

    assert_int_equal(client_sends(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "), 0);
    for (i = 0; i < 15; i++) {
        usleep(300000);
        if (recv(c->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
            break; /* answered or closed */
        if (client_sends(c, "a") != 0)
            break;
    }
    assert_int_equal(read_response(c, &r, 0), 0);
    elapsed = now_s() - start;
    assert_int_equal(r.status, 408);
    assert_true(elapsed > 0.8 && elapsed < 2.0);
    client_close(c);
}

static void test_idle_timeout(void **state)
{
    client *c = client_open();
    double start = now_s(), elapsed;
    response r;

    assert_true(client_eof(c));
    elapsed = now_s() - start;
    assert_true(elapsed > 0.8 && elapsed < 2.0);
    client_close(c);

    /* Also after a response, while waiting for the next request. */
    c = client_open();
    assert_int_equal(client_sends(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    start = now_s();
    assert_true(client_eof(c));
    elapsed = now_s() - start;
    assert_true(elapsed > 0.8 && elapsed < 2.0);
    client_close(c);
}

static void test_per_client_limit(void **state)
{
    http_limits lim = test_limits;
    client *a, *b, *c;
    response r;
    char value[64];

    lim.max_connections_per_client = 2;
    http_shared_set_limits(S.sh, &lim);
    a = client_open();
    b = client_open();
    /* Make sure both are accepted (and counted) before the third. */
    assert_int_equal(client_sends(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(a, &r, 0), 0);
    assert_int_equal(client_sends(b, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(b, &r, 0), 0);
    assert_int_equal(http_shared_connections(S.sh), 2);

    c = client_open();
    client_sends(c, "GET /c HTTP/1.1\r\nHost: x\r\n\r\n"); /* may race the close */
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 503);
    assert_true(header(&r, "Retry-After", value, sizeof(value)));
    assert_true(value[0] != '\0' && strspn(value, "0123456789") == strlen(value));
    assert_header(&r, "Connection", "close");
    assert_true(client_eof(c));
    client_close(c);
    client_close(b);
    client_close(a);

    /* Counts are given back: a new connection works again. */
    assert_true(wait_quiet());
    exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

static void test_total_limit(void **state)
{
    http_limits lim = test_limits;
    client *a;
    response r;

    lim.max_connections = 1;
    http_shared_set_limits(S.sh, &lim);
    a = client_open();
    assert_int_equal(client_sends(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(a, &r, 0), 0);
    exchange("GET /b HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 503);
    client_close(a);
}

static void test_chunked_response(void **state)
{
    static const char framed[] = "6\r\nhello \r\n8\r\nchunked \r\n5\r\nworld\r\n0\r\n\r\n";
    client *c = client_open();
    response r;
    char *body;
    int i;

    assert_int_equal(client_sends(c, "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Transfer-Encoding", "chunked");
    assert_string_equal(r.body, "hello chunked world");
    client_close(c);

    /* The exact bytes on the wire, read to the close. */
    c = client_open();
    assert_int_equal(client_sends(c, "GET /chunked HTTP/1.1\r\nConnection: close\r\n\r\n"), 0);
    for (i = 0; i < 100 && client_recv(c) > 0; i++)
        ;
    c->buf[c->len < sizeof(c->buf) ? c->len : sizeof(c->buf) - 1] = '\0';
    body = strstr(c->buf, "\r\n\r\n");
    assert_non_null(body);
    assert_string_equal(body + 4, framed);
    client_close(c);

    /* HEAD: the head only. */
    c = client_open();
    assert_int_equal(client_sends(c, "HEAD /chunked HTTP/1.1\r\nConnection: close\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 1), 0);
    assert_int_equal(r.status, 200);
    assert_true(client_eof(c));
    client_close(c);
}

static void test_no_content(void **state)
{
    client *c = client_open();
    response r;
    char value[64];

    assert_int_equal(client_sends(c, "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 204);
    assert_false(header(&r, "Content-Length", value, sizeof(value)));
    assert_int_equal(client_sends(c, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_int_equal(read_response(c, &r, 0), 0);
    assert_int_equal(r.status, 200);
    client_close(c);
}

static void test_client_closes_mid_response(void **state)
{
    struct linger lg = {1, 0};
    client *c = client_open();
    response r;
    int i;

    assert_int_equal(client_sends(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    for (i = 0; i < 100 && c->len < 20000; i++)
        assert_true(client_recv(c) > 0);
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)); /* reset, not FIN */
    client_close(c);

    /* The handler sees the client gone, ends, and everything is freed. */
    assert_true(wait_quiet());
    exchange("GET /after HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

static void test_client_leaves_before_answer(void **state)
{
    client *c = client_open();
    response r;

    atomic_store(&saw_closed, 0);
    assert_int_equal(client_sends(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    usleep(100000);
    client_close(c);
    assert_true(wait_quiet());
    assert_int_equal(atomic_load(&saw_closed), 1);
    exchange("GET /after HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

static void test_client_does_not_read(void **state)
{
    client *c = client_open();
    int size = 4096;

    /* A small receive buffer fills at once; write_timeout ends it. */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    assert_int_equal(client_sends(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    assert_true(wait_quiet());
    client_close(c);
}

static void test_listen_errors(void **state)
{
    char err[256];

    assert_int_equal(http_listen_socket("127.0.0.1", S.port, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in use"));
    assert_int_equal(http_listen_socket("no.such.host.invalid", 0, err, sizeof(err)), -1);
    assert_int_equal(http_listen_socket("127.0.0.1", 70000, err, sizeof(err)), -1);
}

static void test_reasons(void **state)
{
    assert_string_equal(http_reason(200), "OK");
    assert_string_equal(http_reason(404), "Not Found");
    assert_string_equal(http_reason(414), "URI Too Long");
    assert_string_equal(http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_reason(503), "Service Unavailable");
    assert_string_equal(http_reason(505), "HTTP Version Not Supported");
    assert_non_null(http_reason(999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_get, test_setup),
        cmocka_unit_test_setup(test_url_forms, test_setup),
        cmocka_unit_test_setup(test_odd_but_valid, test_setup),
        cmocka_unit_test_setup(test_head, test_setup),
        cmocka_unit_test_setup(test_post, test_setup),
        cmocka_unit_test_setup(test_post_chunked, test_setup),
        cmocka_unit_test_setup(test_expect_continue, test_setup),
        cmocka_unit_test_setup(test_expect_too_large, test_setup),
        cmocka_unit_test_setup(test_keep_alive, test_setup),
        cmocka_unit_test_setup(test_pipelined, test_setup),
        cmocka_unit_test_setup(test_connection_close, test_setup),
        cmocka_unit_test_setup(test_http10, test_setup),
        cmocka_unit_test_setup(test_uri_too_long, test_setup),
        cmocka_unit_test_setup(test_headers_too_large, test_setup),
        cmocka_unit_test_setup(test_body_too_large, test_setup),
        cmocka_unit_test_setup(test_chunked_body_too_large, test_setup),
        cmocka_unit_test_setup(test_bad_requests, test_setup),
        cmocka_unit_test_setup(test_slowloris, test_setup),
        cmocka_unit_test_setup(test_idle_timeout, test_setup),
        cmocka_unit_test_setup(test_per_client_limit, test_setup),
        cmocka_unit_test_setup(test_total_limit, test_setup),
        cmocka_unit_test_setup(test_chunked_response, test_setup),
        cmocka_unit_test_setup(test_no_content, test_setup),
        cmocka_unit_test_setup(test_client_closes_mid_response, test_setup),
        cmocka_unit_test_setup(test_client_leaves_before_answer, test_setup),
        cmocka_unit_test_setup(test_client_does_not_read, test_setup),
        cmocka_unit_test(test_listen_errors),
        cmocka_unit_test(test_reasons),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
