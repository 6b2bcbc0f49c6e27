/*
 * http.c - HTTP/1.1 server: connection limits, request parsing with
 * http-parser, keep-alive, timeouts, responses. See http.h for the model.
 *
 * A connection goes through these states:
 *   ST_READ    reading a request (idle timer before its first byte, then a
 *              deadline of read_timeout for the whole request)
 *   ST_HANDLER the handler owns the request; input is left buffered
 *   ST_WRITE   a response is queued or streaming; when it is flushed the
 *              connection reads the next request or closes
 *   ST_LINGER  closing: our side is shut down, input is discarded for a
 *              moment so the client sees our last response, not a reset
 * A connection whose client goes away while the handler owns the request
 * keeps its memory (socket closed, "closed" set) until the handler answers.
 */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <http_parser.h>

#include "hash.h"
#include "log.h"

#ifndef OAI_VERSION
#define OAI_VERSION "dev"
#endif

#define SERVER_NAME "nec-oai/" OAI_VERSION
#define MAX_HEADERS 64              /* stored request headers; more -> 431 */
#define RETRY_AFTER 5               /* seconds, in 503 answers to refused connections */
#define LINGER_SECONDS 2            /* how long a closing connection drains input */
#define READ_HIGH_WATER (64 * 1024) /* input buffered while a request is handled */
/* A streamed response is asked for more (http_respond_on_drain) once its
 * queued bytes fall to this: enough to keep the socket busy while the
 * handler produces the next chunk, small enough that a slow client holds
 * little of the server's memory. */
#define STREAM_LOW_WATER (64 * 1024)
#define ACCEPT_PAUSE_MS 500 /* listener pause after accept() fails (EMFILE) */
/* Bytes written to a socket per write event. libevent's default, 16 kB,
 * made a 600 kB list page ~36 writev calls and as many turns of the event
 * loop; the kernel takes what its buffer holds either way, so a larger
 * piece only saves calls (docs/performance.md, "Fewer, larger writes"). */
#define MAX_SINGLE_WRITE (256 * 1024)
#define CLIENT_BUCKETS 1024 /* hash buckets for per-client counts */
/* Bytes of the head (request line + headers) not covered by the two
 * limits: CRLFs, spaces around the URL and header values. */
#define HEAD_SLACK 64

/* ------------------------------------------------------------------ */
/* Shared state: limits and connection counts for all workers.         */

typedef struct {
    unsigned char bytes[16]; /* IPv4 (4 bytes) or IPv6 (16); mapped v4 as v4 */
    size_t len;
    char text[INET6_ADDRSTRLEN];
} client_addr;

struct client_slot {
    struct client_slot *next;
    unsigned char bytes[16];
    size_t len;
    int count;
};

struct http_shared {
    pthread_mutex_t lock;
    http_limits lim;
    int total;
    struct client_slot *buckets[CLIENT_BUCKETS];
};

/* http-parser's own head limit is one process-wide variable; it is set
 * once, out of the way, and our per-connection accounting applies the
 * configured limits (the library's default would also count chunk-size
 * lines of long chunked bodies against it). */
static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

static void parser_global_init(void)
{
    http_parser_set_max_header_size(0x7fffffff);
}

http_shared *http_shared_new(const http_limits *lim)
{
    http_shared *sh = calloc(1, sizeof(*sh));

    if (sh == NULL)
        return NULL;
    if (pthread_mutex_init(&sh->lock, NULL) != 0) {
        free(sh);
        return NULL;
    }
    sh->lim = *lim;
    pthread_once(&parser_once, parser_global_init);
    return sh;
}

void http_shared_set_limits(http_shared *sh, const http_limits *lim)
{
    pthread_mutex_lock(&sh->lock);
    sh->lim = *lim;
    pthread_mutex_unlock(&sh->lock);
}

int http_shared_connections(http_shared *sh)
{
    int n;

    pthread_mutex_lock(&sh->lock);
    n = sh->total;
    pthread_mutex_unlock(&sh->lock);
    return n;
}

void http_shared_free(http_shared *sh)
{
    size_t i;

    if (sh == NULL)
        return;
    for (i = 0; i < CLIENT_BUCKETS; i++) {
        struct client_slot *s = sh->buckets[i], *next;

        for (; s != NULL; s = next) {
            next = s->next;
            free(s);
        }
    }
    pthread_mutex_destroy(&sh->lock);
    free(sh);
}

static size_t client_hash(const client_addr *a)
{
    return (size_t)(hash_bytes(a->bytes, a->len) % CLIENT_BUCKETS);
}

/* Finds the client's slot; creates it (count 0) when create is set. */
static struct client_slot **client_find(http_shared *sh, const client_addr *a, int create)
{
    struct client_slot **pp = &sh->buckets[client_hash(a)];

    for (; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->len == a->len && memcmp((*pp)->bytes, a->bytes, a->len) == 0)
            return pp;
    }
    if (!create)
        return NULL;
    *pp = calloc(1, sizeof(**pp));
    if (*pp == NULL)
        return NULL;
    memcpy((*pp)->bytes, a->bytes, a->len);
    (*pp)->len = a->len;
    return pp;
}

/* Counts a new connection unless a limit is reached; copies the current
 * limits into lim either way. Returns 0 when counted, -1 when refused. */
static int shared_acquire(http_shared *sh, const client_addr *a, http_limits *lim)
{
    struct client_slot **pp;
    int rc = -1;

    pthread_mutex_lock(&sh->lock);
    *lim = sh->lim;
    if (lim->max_connections > 0 && sh->total >= lim->max_connections)
        goto done;
    pp = client_find(sh, a, 1);
    if (pp == NULL) /* out of memory: refusing is the safe answer */
        goto done;
    if (lim->max_connections_per_client > 0 && (*pp)->count >= lim->max_connections_per_client) {
        if ((*pp)->count == 0) { /* a limit of 0 is "off", so not reached */
            struct client_slot *s = *pp;

            *pp = s->next;
            free(s);
        }
        goto done;
    }
    (*pp)->count++;
    sh->total++;
    rc = 0;
done:
    pthread_mutex_unlock(&sh->lock);
    return rc;
}

static void shared_release(http_shared *sh, const client_addr *a)
{
    struct client_slot **pp;

    pthread_mutex_lock(&sh->lock);
    sh->total--;
    pp = client_find(sh, a, 0);
    if (pp != NULL && --(*pp)->count <= 0) {
        struct client_slot *s = *pp;

        *pp = s->next;
        free(s);
    }
    pthread_mutex_unlock(&sh->lock);
}

static void client_addr_set(client_addr *a, const struct sockaddr *sa, int salen)
{
    memset(a, 0, sizeof(*a));
    if (sa->sa_family == AF_INET && salen >= (int)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

        memcpy(a->bytes, &sin->sin_addr, 4);
        a->len = 4;
    } else if (sa->sa_family == AF_INET6 && salen >= (int)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

        /* A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; count
         * and log them as the IPv4 addresses they are. */
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            memcpy(a->bytes, &sin6->sin6_addr.s6_addr[12], 4);
            a->len = 4;
        } else {
            memcpy(a->bytes, &sin6->sin6_addr, 16);
            a->len = 16;
        }
    }
    if (a->len == 0 ||
        inet_ntop(a->len == 4 ? AF_INET : AF_INET6, a->bytes, a->text, sizeof(a->text)) == NULL)
        snprintf(a->text, sizeof(a->text), "unknown");
}

/* ------------------------------------------------------------------ */
/* Listening socket.                                                   */

/* "[::1]" as well as "::1"; an empty address is every address. */
static int resolve(const char *addr, int port, struct addrinfo **res, char *host, size_t host_len,
                   char *err, size_t err_len)
{
    struct addrinfo hints;
    char service[16];
    size_t n;
    int rc;

    if (port < 0 || port > 65535) {
        snprintf(err, err_len, "invalid port %d", port);
        return -1;
    }
    n = addr != NULL ? strlen(addr) : 0;
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < host_len)
        snprintf(host, host_len, "%.*s", (int)(n - 2), addr + 1);
    else
        snprintf(host, host_len, "%s", n > 0 ? addr : "");
    snprintf(service, sizeof(service), "%d", port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host[0] != '\0' ? host : NULL, service, &hints, res);
    if (rc != 0) {
        snprintf(err, err_len, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    return 0;
}

/* A non-blocking, close-on-exec socket bound to sa; listening unless
 * probe. With reuseport, SO_REUSEPORT is set before bind(), as Linux
 * requires of every socket of a group sharing an address and port.
 * Returns the socket, or -1 with errno set. */
static evutil_socket_t bind_socket(const struct sockaddr *sa, socklen_t salen, int reuseport,
                                   int probe)
{
    evutil_socket_t fd = socket(sa->sa_family, SOCK_STREAM, 0);
    int one = 1, saved;

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
        (!reuseport || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0) &&
        bind(fd, sa, salen) == 0 && (probe || listen(fd, 1024) == 0) &&
        evutil_make_socket_nonblocking(fd) == 0 && evutil_make_socket_closeonexec(fd) == 0)
        return fd;
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

evutil_socket_t http_listen_socket(const char *addr, int port, char *err, size_t err_len)
{
    evutil_socket_t fd;

    return http_listen_sockets(addr, port, 0, &fd, 1, err, err_len) == 1 ? fd : -1;
}

int http_listen_sockets(const char *addr, int port, int reuseport, evutil_socket_t *fds, int n,
                        char *err, size_t err_len)
{
    struct addrinfo *res = NULL, *ai;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    char host[256];
    evutil_socket_t fd = -1;
    int saved = 0, opened, i;

    if (n < 1) {
        snprintf(err, err_len, "no listening socket asked for");
        return -1;
    }
    if (resolve(addr, port, &res, host, sizeof(host), err, err_len) != 0)
        return -1;
    reuseport = reuseport && n > 1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        /* SO_REUSEPORT would also let another process of the same user
         * (a second server started by mistake) bind the port and silently
         * take a share of the connections. A plain bind first keeps
         * "address in use" an error; the window until the group below is
         * bound is microseconds. With port 0 the kernel picks an unused
         * port anyway. */
        if (reuseport && port != 0) {
            fd = bind_socket(ai->ai_addr, ai->ai_addrlen, 0, 1);
            if (fd < 0) {
                saved = errno;
                continue;
            }
            close(fd);
        }
        fd = bind_socket(ai->ai_addr, ai->ai_addrlen, reuseport, 0);
        if (fd < 0 && reuseport && (errno == ENOPROTOOPT || errno == EINVAL)) {
            /* No SO_REUSEPORT here (a kernel before 3.9, some sandboxes):
             * one socket, shared by every server. */
            reuseport = 0;
            fd = bind_socket(ai->ai_addr, ai->ai_addrlen, 0, 0);
        }
        if (fd >= 0)
            break;
        saved = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, err_len, "cannot listen on %s port %d: %s", host[0] ? host : "*", port,
                 strerror(saved != 0 ? saved : EADDRNOTAVAIL));
        return -1;
    }
    fds[0] = fd;
    opened = 1;
    /* The others bind to exactly what the first one got: the same family
     * and address, and the port the kernel chose when port was 0. */
    if (reuseport && getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
        for (i = 1; i < n; i++) {
            fds[i] = bind_socket((struct sockaddr *)&ss, sslen, 1, 0);
            if (fds[i] < 0)
                break;
            opened++;
        }
    }
    if (reuseport && opened < n) {
        /* Not expected once the first socket worked; one socket shared by
         * every server still serves, only less evenly. */
        log_warn("http: SO_REUSEPORT socket %d of %d: %s; sharing one listening socket", opened + 1,
                 n, strerror(errno));
        for (i = 1; i < opened; i++)
            close(fds[i]);
        opened = 1;
    }
    return opened;
}

int http_socket_port(evutil_socket_t fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Connections and requests.                                           */

enum conn_state { ST_READ, ST_HANDLER, ST_WRITE, ST_LINGER };
enum hdr_cb { CB_NONE, CB_FIELD, CB_VALUE };

struct conn;

struct http_request {
    struct conn *conn;
    const char *method;
    char *url; /* the request target, later cut into path and query */
    size_t url_len, url_cap;
    const char *path, *query;
    char *hbuf; /* "name\0value\0" pairs; offsets below */
    size_t hbuf_len, hbuf_cap;
    size_t name_off[MAX_HEADERS], value_off[MAX_HEADERS];
    int nhdr;
    enum hdr_cb last_cb;
    size_t header_bytes; /* as on the wire: name + ": " + value + CRLF */
    char *body;
    size_t body_len, body_cap;
    int is_head;
    struct evbuffer *extra; /* response headers from http_add_header */
};

struct conn {
    struct conn *prev, *next;
    http_server *srv;
    struct bufferevent *bev; /* NULL once the socket is closed */
    struct event *timer;     /* idle, read deadline, linger, or a kick */
    http_parser parser;
    http_limits lim; /* as they were when the connection was accepted */
    client_addr addr;
    enum conn_state state;
    int counted;       /* holds a count in http_shared */
    int started;       /* a byte of the current request has arrived */
    int headers_done;  /* the current request's head is complete */
    int error_status;  /* set by parser callbacks: answer this and close */
    size_t head_bytes; /* bytes fed to the parser before headers_done */
    char prefix[8];    /* first bytes of the request, to spot HTTP/2 */
    size_t prefix_len;
    int keep_alive;         /* the request allows another one after it */
    int resp_keep;          /* the response says keep-alive */
    int resp_done;          /* the whole response is queued */
    int streaming;          /* http_respond_start was called */
    int chunked_out;        /* the streamed response uses chunked framing */
    int owned;              /* the handler owns the request */
    http_drain_fn drain_fn; /* http_respond_on_drain: armed, called once */
    void *drain_arg;
    int closed;   /* the client is gone (only while owned) */
    int peer_eof; /* the client shut down its sending side */
    http_request req;
};

struct http_server {
    struct event_base *base;
    struct evconnlistener *listener;
    struct event *resume_timer;
    http_shared *sh;
    http_handler_fn fn;
    void *arg;
    void (*accept_fn)(void *arg); /* http_server_set_accept_hook */
    void *accept_arg;
    int one_at_a_time; /* http_server_accept_one_at_a_time */
    int stopping;
    int nconns;
    struct conn *conns;
};

static void conn_process(struct conn *c);
static void conn_response_done(struct conn *c);

static size_t lim_size(int v)
{
    return v > 0 ? (size_t)v : 0;
}

static void timer_arm(struct conn *c, int seconds)
{
    struct timeval tv = {seconds, 0};

    if (seconds > 0)
        evtimer_add(c->timer, &tv);
    else
        evtimer_del(c->timer);
}

/* Appends to a growing byte buffer (cap doubles); -1 when out of memory. */
static int buf_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t want = *cap > 0 ? *cap : 64;
        char *p;

        while (want < *len + n + 1)
            want *= 2;
        p = realloc(*buf, want);
        if (p == NULL)
            return -1;
        *buf = p;
        *cap = want;
    }
    if (n > 0)
        memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0'; /* always terminated, so C strings come for free */
    return 0;
}

/* Forgets the previous request; buffers are kept for the next one. */
static void request_reset(struct conn *c)
{
    http_request *r = &c->req;

    r->method = NULL;
    r->url_len = 0;
    r->path = NULL;
    r->query = NULL;
    r->hbuf_len = 0;
    r->nhdr = 0;
    r->last_cb = CB_NONE;
    r->header_bytes = 0;
    r->body_len = 0;
    r->is_head = 0;
    if (r->extra != NULL)
        evbuffer_drain(r->extra, evbuffer_get_length(r->extra));
    c->started = c->headers_done = c->error_status = 0;
    c->head_bytes = c->prefix_len = 0;
    c->keep_alive = c->resp_keep = c->resp_done = 0;
    c->streaming = c->chunked_out = 0;
    c->drain_fn = NULL;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
}

/* Closes the socket and gives back the connection's counts; the memory
 * stays until conn_free. */
static void conn_close_socket(struct conn *c)
{
    if (c->bev != NULL) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    if (c->timer != NULL)
        evtimer_del(c->timer);
    if (c->counted) {
        shared_release(c->srv->sh, &c->addr);
        c->counted = 0;
    }
}

static void conn_free(struct conn *c)
{
    http_server *srv = c->srv;

    conn_close_socket(c);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    srv->nconns--;
    if (c->timer != NULL)
        event_free(c->timer);
    if (c->req.extra != NULL)
        evbuffer_free(c->req.extra);
    free(c->req.url);
    free(c->req.hbuf);
    free(c->req.body);
    free(c);
}

/* The client is gone or too slow: free the connection, or, when the
 * handler still owns the request, close the socket and wait for it. */
static void conn_drop(struct conn *c)
{
    if (c->owned) {
        struct timeval now = {0, 0};

        c->closed = 1;
        conn_close_socket(c);
        /* A stream waiting for the client to read hears that it left. */
        if (c->drain_fn != NULL)
            evtimer_add(c->timer, &now);
    } else {
        conn_free(c);
    }
}

/* After the last response: stop sending, read and discard what the client
 * still sends for a moment, then close. Closing at once with unread input
 * makes the kernel send a reset, which can destroy our response (413, 503)
 * before the client has read it. */
static void conn_linger(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);

    if (c->peer_eof) {
        conn_free(c);
        return;
    }
    c->state = ST_LINGER;
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    evbuffer_drain(in, evbuffer_get_length(in));
    bufferevent_enable(c->bev, EV_READ);
    timer_arm(c, LINGER_SECONDS);
}

/* ------------------------------------------------------------------ */
/* Response writing.                                                   */

const char *http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        break;
    }
    if (status >= 200 && status < 300)
        return "OK";
    if (status >= 400 && status < 500)
        return "Client Error";
    return "Server Error";
}

/* RFC 7231 IMF-fixdate. Written by hand: strftime's names follow the
 * locale. */
static void http_date(char *buf, size_t len)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL) {
        snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Status line and the headers every response has. framing is the
 * Content-Length or Transfer-Encoding line (without CRLF) or "". */
static int write_head(struct conn *c, int status, const char *content_type, const char *framing)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    char date[64];
    int ok;

    http_date(date, sizeof(date));
    ok = evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: %s\r\n", status,
                             http_reason(status), date, SERVER_NAME) >= 0;
    if (ok && content_type != NULL)
        ok = evbuffer_add_printf(out, "Content-Type: %s\r\n", content_type) >= 0;
    if (ok && framing[0] != '\0')
        ok = evbuffer_add_printf(out, "%s\r\n", framing) >= 0;
    if (ok)
        ok = evbuffer_add_printf(out, "Connection: %s\r\n",
                                 c->resp_keep ? "keep-alive" : "close") >= 0;
    if (ok && c->req.extra != NULL)
        ok = evbuffer_add_buffer(out, c->req.extra) == 0;
    if (ok)
        ok = evbuffer_add(out, "\r\n", 2) == 0;
    return ok ? 0 : -1;
}

/* Whether the connection may carry another request after this response. */
static int want_keep_alive(const struct conn *c)
{
    return c->keep_alive && !c->peer_eof && !c->srv->stopping;
}

/* Answers a request the server itself rejects, then closes. */
static void conn_send_error(struct conn *c, int status)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    char framing[64], body[96];
    int n;

    log_debug("http: %s: answering %d %s", c->addr.text, status, http_reason(status));
    evtimer_del(c->timer);
    n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
    snprintf(framing, sizeof(framing), "Content-Length: %d", n);
    evbuffer_drain(c->req.extra, evbuffer_get_length(c->req.extra));
    if (status == 503)
        evbuffer_add_printf(c->req.extra, "Retry-After: %d\r\n", RETRY_AFTER);
    c->resp_keep = 0;
    c->resp_done = 1;
    c->state = ST_WRITE;
    if (write_head(c, status, "text/plain; charset=utf-8", framing) != 0 ||
        evbuffer_add(out, body, (size_t)n) != 0)
        conn_free(c);
}

/* ------------------------------------------------------------------ */
/* Parser callbacks. They return -1 with error_status set to stop.     */

static int fail(struct conn *c, int status)
{
    if (c->error_status == 0)
        c->error_status = status;
    return -1;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    http_request *r = &c->req;
    /* method SP target SP HTTP/1.1 */
    size_t line = strlen(http_method_str((enum http_method)p->method)) + r->url_len + len + 10;

    if (line > lim_size(c->lim.max_request_line))
        return fail(c, 414);
    if (buf_append(&r->url, &r->url_len, &r->url_cap, at, len) != 0)
        return fail(c, 500);
    return 0;
}

/* Ends the header being stored: terminates its value (an empty value gets
 * no on_header_value call at all). */
static int header_close(http_request *r)
{
    if (r->last_cb == CB_FIELD) {
        if (buf_append(&r->hbuf, &r->hbuf_len, &r->hbuf_cap, "", 1) != 0)
            return -1;
        r->value_off[r->nhdr - 1] = r->hbuf_len;
    }
    if (r->last_cb != CB_NONE && buf_append(&r->hbuf, &r->hbuf_len, &r->hbuf_cap, "", 1) != 0)
        return -1;
    r->last_cb = CB_NONE;
    return 0;
}

/* Counts header bytes, trailers included, against max_header_size. */
static int header_count(struct conn *c, size_t len)
{
    c->req.header_bytes += len;
    if (c->req.header_bytes > lim_size(c->lim.max_header_size))
        return fail(c, 431);
    return 0;
}

/* A new header line begins. Trailers (after the head of a chunked body)
 * are counted but not stored. */
static int header_start(struct conn *c)
{
    http_request *r = &c->req;

    if (!c->headers_done) {
        if (header_close(r) != 0)
            return fail(c, 500);
        if (r->nhdr == MAX_HEADERS)
            return fail(c, 431);
        r->name_off[r->nhdr++] = r->hbuf_len;
    }
    r->last_cb = CB_FIELD;
    return header_count(c, 4); /* ": " and CRLF */
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    http_request *r = &c->req;

    if (r->last_cb != CB_FIELD && header_start(c) != 0)
        return -1;
    if (header_count(c, len) != 0)
        return -1;
    if (!c->headers_done && buf_append(&r->hbuf, &r->hbuf_len, &r->hbuf_cap, at, len) != 0)
        return fail(c, 500);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    http_request *r = &c->req;

    if (header_count(c, len) != 0)
        return -1;
    if (c->headers_done) {
        r->last_cb = CB_VALUE;
        return 0;
    }
    if (r->last_cb == CB_FIELD) {
        if (buf_append(&r->hbuf, &r->hbuf_len, &r->hbuf_cap, "", 1) != 0)
            return fail(c, 500);
        r->value_off[r->nhdr - 1] = r->hbuf_len;
        r->last_cb = CB_VALUE;
    }
    if (buf_append(&r->hbuf, &r->hbuf_len, &r->hbuf_cap, at, len) != 0)
        return fail(c, 500);
    return 0;
}

/* Trailing spaces of header values are not part of the value. */
static void headers_trim(http_request *r)
{
    int i;

    for (i = 0; i < r->nhdr; i++) {
        char *v = r->hbuf + r->value_off[i];
        size_t n = strlen(v);

        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            v[--n] = '\0';
    }
}

/* Cuts the request target into path and query, in place. Origin form
 * "/oai?verb=x"; absolute form "http://host/oai?verb=x" (RFC 7230 5.3.2)
 * keeps only its path; "*" and authority forms stay whole as the path. */
static void url_split(http_request *r)
{
    char *u = r->url, *rest = u, *q;
    struct http_parser_url pu;

    if (u[0] != '/') {
        http_parser_url_init(&pu);
        if (http_parser_parse_url(u, r->url_len, 0, &pu) == 0 &&
            (pu.field_set & (1 << UF_SCHEMA))) {
            if (pu.field_set & (1 << UF_PATH))
                rest = u + pu.field_data[UF_PATH].off;
            else
                rest =
                    u + strcspn(u + pu.field_data[UF_HOST].off, "?#") + pu.field_data[UF_HOST].off;
        }
    }
    q = strchr(rest, '#'); /* clients should not send fragments */
    if (q != NULL)
        *q = '\0';
    q = strchr(rest, '?');
    if (q != NULL) {
        *q = '\0';
        r->query = q + 1;
    }
    r->path = rest[0] != '\0' ? rest : "/";
}

/* "chunked" alone, in any case, with optional spaces around it. */
static int te_is_chunked(const char *te)
{
    size_t n;

    te += strspn(te, " \t");
    n = strlen(te);
    while (n > 0 && (te[n - 1] == ' ' || te[n - 1] == '\t'))
        n--;
    return n == 7 && strncasecmp(te, "chunked", 7) == 0;
}

/* Sends "100 Continue" when the client waits for it and the body is
 * acceptable; a too-large body was already refused by then. */
static void maybe_continue(struct conn *c)
{
    const char *expect = http_request_header(&c->req, "Expect");
    http_parser *p = &c->parser;
    int has_body =
        (p->flags & F_CHUNKED) || (p->content_length > 0 && p->content_length != ULLONG_MAX);

    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 && p->http_minor >= 1 && has_body)
        bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

static int on_headers_complete(http_parser *p)
{
    struct conn *c = p->data;
    http_request *r = &c->req;
    const char *te;

    if (header_close(r) != 0)
        return fail(c, 500);
    c->headers_done = 1;
    headers_trim(r);
    if (p->http_major != 1)
        return fail(c, 505);
    if (r->url == NULL && buf_append(&r->url, &r->url_len, &r->url_cap, "", 0) != 0)
        return fail(c, 500);
    r->method = http_method_str((enum http_method)p->method);
    r->is_head = p->method == HTTP_HEAD;
    url_split(r);
    te = http_request_header(r, "Transfer-Encoding");
    if (te != NULL && !te_is_chunked(te))
        return fail(c, 501); /* RFC 7230 3.3.1: unknown coding */
    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX &&
        p->content_length > lim_size(c->lim.max_body_size))
        return fail(c, 413);
    maybe_continue(c);
    return 0;
}

/* Refuses a chunked body as soon as a chunk's size announces the excess. */
static int on_chunk_header(http_parser *p)
{
    struct conn *c = p->data;

    if (p->content_length > lim_size(c->lim.max_body_size) - c->req.body_len)
        return fail(c, 413);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    struct conn *c = p->data;
    http_request *r = &c->req;

    if (len > lim_size(c->lim.max_body_size) - r->body_len)
        return fail(c, 413);
    if (buf_append(&r->body, &r->body_len, &r->body_cap, at, len) != 0)
        return fail(c, 500);
    return 0;
}

/* One request at a time: pausing makes http_parser_execute return right
 * after this message, leaving pipelined bytes in the input buffer. */
static int on_message_complete(http_parser *p)
{
    struct conn *c = p->data;

    c->keep_alive = http_should_keep_alive(p);
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = on_chunk_header,
};

/* ------------------------------------------------------------------ */
/* Reading requests.                                                   */

static int parse_error_status(struct conn *c, enum http_errno e)
{
    if (c->prefix_len >= 8 && memcmp(c->prefix, "PRI * HT", 8) == 0)
        return 505; /* the HTTP/2 connection preface */
    switch (e) {
    case HPE_HEADER_OVERFLOW:
        return 431;
    case HPE_INVALID_TRANSFER_ENCODING:
        return 501;
    default:
        return 400;
    }
}

static void conn_dispatch(struct conn *c)
{
    c->state = ST_HANDLER;
    c->owned = 1;
    evtimer_del(c->timer);
    c->srv->fn(&c->req, c->srv->arg);
    /* c may be answered, even freed (out of memory), by now: callers
     * return without touching it. */
}

/* The largest slice to feed the parser now: while the head is incomplete,
 * at most one byte past its budget, so a flood of blank lines or spaces
 * (which no callback sees) is also cut off. */
static size_t feed_limit(const struct conn *c, size_t avail)
{
    size_t budget =
        lim_size(c->lim.max_request_line) + lim_size(c->lim.max_header_size) + HEAD_SLACK;

    if (c->headers_done || c->head_bytes > budget)
        return avail;
    return avail < budget - c->head_bytes + 1 ? avail : budget - c->head_bytes + 1;
}

/* Feeds one contiguous slice of input; returns 1 to keep going, 0 when
 * the connection changed state (request complete, error). */
static int conn_feed(struct conn *c, struct evbuffer *in)
{
    struct evbuffer_iovec v;
    size_t len, n, budget;
    enum http_errno e;

    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
        return 0;
    len = feed_limit(c, v.iov_len);
    if (c->prefix_len < sizeof(c->prefix)) {
        n = sizeof(c->prefix) - c->prefix_len < len ? sizeof(c->prefix) - c->prefix_len : len;
        memcpy(c->prefix + c->prefix_len, v.iov_base, n);
        c->prefix_len += n;
    }
    n = http_parser_execute(&c->parser, &parser_settings, v.iov_base, len);
    evbuffer_drain(in, n);
    e = HTTP_PARSER_ERRNO(&c->parser);
    if (e == HPE_OK && n == 0)
        e = HPE_UNKNOWN; /* no progress: never loop on it */
    if (c->error_status != 0 || (e != HPE_OK && e != HPE_PAUSED)) {
        conn_send_error(c, c->error_status ? c->error_status : parse_error_status(c, e));
        return 0;
    }
    if (e == HPE_PAUSED) {
        conn_dispatch(c);
        return 0;
    }
    if (!c->headers_done) {
        c->head_bytes += n;
        budget = lim_size(c->lim.max_request_line) + lim_size(c->lim.max_header_size) + HEAD_SLACK;
        if (c->head_bytes > budget) {
            conn_send_error(c, c->req.nhdr == 0 ? 414 : 431);
            return 0;
        }
    }
    return 1;
}

/* Parses buffered input while in ST_READ. */
static void conn_process(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);

    while (c->state == ST_READ && evbuffer_get_length(in) > 0) {
        if (!c->started) {
            /* The deadline for the whole request runs from its first byte,
             * so trickling bytes does not extend it. */
            c->started = 1;
            timer_arm(c, c->lim.read_timeout);
        }
        if (!conn_feed(c, in))
            return;
    }
    if (c->state == ST_READ && c->peer_eof)
        conn_free(c); /* nothing more will come */
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;

    if (c->state == ST_READ)
        conn_process(c);
    else if (c->state == ST_LINGER)
        evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
    /* ST_HANDLER, ST_WRITE: pipelined bytes wait (up to READ_HIGH_WATER). */
}

/* Calls the stream's handler when its queued bytes are low enough or the
 * client is gone (the call may free c). Returns 1 when it called. */
static int conn_call_drain(struct conn *c)
{
    http_drain_fn fn = c->drain_fn;

    if (fn == NULL)
        return 0;
    if (!c->closed && evbuffer_get_length(bufferevent_get_output(c->bev)) > STREAM_LOW_WATER)
        return 0;
    c->drain_fn = NULL;
    fn(&c->req, c->drain_arg);
    return 1;
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;

    if (conn_call_drain(c))
        return;
    /* Also called after a 100 Continue or a streamed chunk is flushed. */
    if (c->state == ST_WRITE && c->resp_done &&
        evbuffer_get_length(bufferevent_get_output(bev)) == 0)
        conn_response_done(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;

    if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) &&
        c->state == ST_WRITE) {
        /* The client may have half-closed after sending its request: it
         * still gets the response (and answers to requests it already
         * pipelined); then the connection closes. */
        c->peer_eof = 1;
        return;
    }
    if ((what & BEV_EVENT_ERROR) && c->state != ST_LINGER)
        log_debug("http: %s: %s", c->addr.text,
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    conn_drop(c);
}

/* Idle timeout, read deadline, end of lingering, or a kick from
 * http_respond_end when nothing was left to flush. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;

    switch (c->state) {
    case ST_READ:
        if (c->started)
            conn_send_error(c, 408);
        else
            conn_free(c);
        break;
    case ST_WRITE:
        if (!conn_call_drain(c) && c->bev != NULL)
            on_write(c->bev, c);
        break;
    case ST_LINGER:
        conn_free(c);
        break;
    case ST_HANDLER:
        /* A stream started for a client already gone never left this
         * state: its handler still has to hear it. */
        conn_call_drain(c);
        break;
    }
}

/* The response is flushed: read the next request or close. */
static void conn_response_done(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);

    if (!c->resp_keep || c->srv->stopping || (c->peer_eof && evbuffer_get_length(in) == 0)) {
        conn_linger(c);
        return;
    }
    request_reset(c);
    c->state = ST_READ;
    timer_arm(c, c->lim.idle_timeout);
    conn_process(c);
}

/* ------------------------------------------------------------------ */
/* Accepting.                                                          */

static struct conn *conn_new(http_server *srv, evutil_socket_t fd, const client_addr *addr)
{
    struct conn *c = calloc(1, sizeof(*c));
    int one = 1;

    if (c == NULL)
        goto fail;
    c->srv = srv;
    c->addr = *addr;
    c->req.conn = c;
    c->req.extra = evbuffer_new();
    c->timer = evtimer_new(srv->base, on_timer, c);
    c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->req.extra == NULL || c->timer == NULL || c->bev == NULL ||
        bufferevent_set_max_single_write(c->bev, MAX_SINGLE_WRITE) != 0)
        goto fail;
    /* Responses go out in one piece; do not let Nagle hold back the
     * tail of a response or a streamed chunk. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    return c;

fail:
    if (c != NULL) {
        if (c->bev != NULL)
            bufferevent_free(c->bev); /* closes fd */
        else
            evutil_closesocket(fd);
        if (c->timer != NULL)
            event_free(c->timer);
        if (c->req.extra != NULL)
            evbuffer_free(c->req.extra);
        free(c);
    } else {
        evutil_closesocket(fd);
    }
    return NULL;
}

static void accept_connection(http_server *srv, evutil_socket_t fd, struct sockaddr *sa, int salen)
{
    client_addr addr;
    http_limits lim;
    struct conn *c;
    int refused;

    client_addr_set(&addr, sa, salen);
    refused = shared_acquire(srv->sh, &addr, &lim) != 0;
    c = conn_new(srv, fd, &addr);
    if (c == NULL) {
        log_error("http: out of memory accepting a connection from %s", addr.text);
        if (!refused)
            shared_release(srv->sh, &addr);
        return;
    }
    c->counted = !refused;
    c->lim = lim;
    request_reset(c);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, READ_HIGH_WATER);
    if (lim.write_timeout > 0) {
        struct timeval wtv = {lim.write_timeout, 0};

        bufferevent_set_timeouts(c->bev, NULL, &wtv);
    }
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (refused) {
        log_debug("http: %s: connection limit reached", addr.text);
        conn_send_error(c, 503);
        return;
    }
    c->state = ST_READ;
    timer_arm(c, lim.idle_timeout);
}

/* Every accepted connection, also one refused over a limit. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    http_server *srv = arg;

    if (srv->accept_fn != NULL)
        srv->accept_fn(srv->accept_arg);
    accept_connection(srv, fd, sa, salen);
    /* On a socket shared with other servers, evconnlistener would go on
     * accepting until the backlog is empty, and the first server to wake
     * takes a whole burst of connections. Pausing the listener here ends
     * its accept loop (libevent 2.1 checks for that after every callback);
     * a zero timeout enables it again on the next loop iteration, after
     * the other events that woke with it, while the other servers'
     * listeners take their turn at the same socket. */
    if (srv->one_at_a_time) {
        struct timeval now = {0, 0};

        evconnlistener_disable(l);
        evtimer_add(srv->resume_timer, &now);
    }
}

/* accept() failed with something other than "nothing to accept", most
 * likely EMFILE: pause instead of spinning on the ready socket. (In
 * one-at-a-time mode the listener is only enabled while the resume timer
 * is not pending, so this pause replaces no zero-timeout resume.) */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    http_server *srv = arg;
    struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};

    log_warn("http: accept: %s; pausing %d ms",
             evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), ACCEPT_PAUSE_MS);
    evconnlistener_disable(l);
    evtimer_add(srv->resume_timer, &tv);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    http_server *srv = arg;

    if (!srv->stopping)
        evconnlistener_enable(srv->listener);
}

http_server *http_server_new(struct event_base *base, evutil_socket_t listen_fd, http_shared *sh,
                             http_handler_fn fn, void *arg)
{
    http_server *srv = calloc(1, sizeof(*srv));
    evutil_socket_t fd = -1;

    if (srv == NULL)
        return NULL;
    srv->base = base;
    srv->sh = sh;
    srv->fn = fn;
    srv->arg = arg;
    srv->resume_timer = evtimer_new(base, on_resume, srv);
    if (srv->resume_timer == NULL)
        goto fail;
    /* A descriptor of its own, closed when this server stops accepting:
     * the port closes once the last server has stopped, so that new
     * connections are refused instead of queued until the process exits. */
    fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    srv->listener = evconnlistener_new(base, on_accept, srv, LEV_OPT_CLOSE_ON_FREE, -1, fd);
    if (srv->listener == NULL)
        goto fail;
    evconnlistener_set_error_cb(srv->listener, on_accept_error);
    return srv;

fail:
    if (fd >= 0 && srv->listener == NULL)
        evutil_closesocket(fd);
    if (srv->resume_timer != NULL)
        event_free(srv->resume_timer);
    free(srv);
    return NULL;
}

void http_server_set_accept_hook(http_server *srv, void (*fn)(void *arg), void *arg)
{
    srv->accept_fn = fn;
    srv->accept_arg = arg;
}

void http_server_accept_one_at_a_time(http_server *srv)
{
    srv->one_at_a_time = 1;
}

void http_server_stop_accepting(http_server *srv)
{
    struct conn *c, *next;

    srv->stopping = 1;
    if (srv->listener != NULL)
        evconnlistener_free(srv->listener); /* closes this server's descriptor */
    srv->listener = NULL;
    evtimer_del(srv->resume_timer);
    for (c = srv->conns; c != NULL; c = next) {
        next = c->next;
        if (c->state == ST_READ && !c->started)
            conn_free(c);
    }
}

int http_server_connections(http_server *srv)
{
    return srv->nconns;
}

void http_server_free(http_server *srv)
{
    struct conn *c;

    if (srv == NULL)
        return;
    while ((c = srv->conns) != NULL) {
        /* A stream waiting for its client is told the client is gone, so
         * that its handler frees what it holds and ends the response. */
        if (c->owned && c->drain_fn != NULL) {
            c->closed = 1;
            conn_close_socket(c);
            conn_call_drain(c);
            continue; /* freed by the handler, or without the fn next time */
        }
        conn_free(c);
    }
    if (srv->listener != NULL)
        evconnlistener_free(srv->listener);
    event_free(srv->resume_timer);
    free(srv);
}

/* ------------------------------------------------------------------ */
/* The request, for handlers.                                          */

const char *http_request_method(const http_request *req)
{
    return req->method;
}

const char *http_request_path(const http_request *req)
{
    return req->path;
}

const char *http_request_query(const http_request *req)
{
    return req->query;
}

const char *http_request_header(const http_request *req, const char *name)
{
    int i;

    for (i = 0; i < req->nhdr; i++) {
        if (strcasecmp(req->hbuf + req->name_off[i], name) == 0)
            return req->hbuf + req->value_off[i];
    }
    return NULL;
}

const char *http_request_body(const http_request *req, size_t *len)
{
    *len = req->body_len;
    return req->body_len > 0 ? req->body : NULL;
}

const char *http_request_client(const http_request *req)
{
    return req->conn->addr.text;
}

int http_request_closed(const http_request *req)
{
    return req->conn->closed;
}

int http_request_server_stopping(const http_request *req)
{
    return req->conn->srv->stopping;
}

/* ------------------------------------------------------------------ */
/* The response, for handlers.                                         */

/* RFC 7230 3.2.6: the characters of a token (header names). */
static int is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Header names are tokens; values hold no control characters but TAB
 * (RFC 7230 3.2), so nothing can break the header block or make a client
 * refuse the response. */
static int header_ok(const char *name, const char *value)
{
    static const char *framing[] = {"Content-Length", "Transfer-Encoding", "Connection"};
    const unsigned char *p;
    size_t i;

    if (name[0] == '\0')
        return 0;
    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if (!is_tchar(*p))
            return 0;
    }
    for (p = (const unsigned char *)value; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return 0;
    }
    for (i = 0; i < sizeof(framing) / sizeof(framing[0]); i++) {
        if (strcasecmp(name, framing[i]) == 0)
            return 0; /* the server owns the message framing */
    }
    return 1;
}

void http_add_header(http_request *req, const char *name, const char *value)
{
    struct conn *c = req->conn;

    if (!c->owned || c->streaming)
        return;
    if (!header_ok(name, value)) {
        log_warn("http: response header \"%s\" dropped", name);
        return;
    }
    evbuffer_add_printf(req->extra, "%s: %s\r\n", name, value);
}

/* Whether the handler may answer now (it owns the request and has not
 * started a response). */
static int respond_allowed(const struct conn *c, const char *what)
{
    if (c->owned && !c->streaming)
        return 1;
    log_error("http: %s: the request was already answered", what);
    return 0;
}

/* The head of a response is about to be written. */
static void respond_begin(struct conn *c)
{
    c->state = ST_WRITE;
    c->resp_keep = want_keep_alive(c);
}

void http_respond(http_request *req, int status, const char *content_type, struct evbuffer *body)
{
    struct conn *c = req->conn;
    size_t len = body != NULL ? evbuffer_get_length(body) : 0;
    int no_body = status < 200 || status == 204 || status == 304;
    char framing[64] = "";
    int rc;

    if (!respond_allowed(c, "http_respond")) {
        if (body != NULL)
            evbuffer_drain(body, len);
        return;
    }
    c->owned = 0;
    if (c->closed) { /* the client left while the handler worked */
        if (body != NULL)
            evbuffer_drain(body, len);
        conn_free(c);
        return;
    }
    respond_begin(c);
    c->resp_done = 1;
    if (!no_body)
        snprintf(framing, sizeof(framing), "Content-Length: %zu", len);
    rc = write_head(c, status, no_body ? NULL : content_type, framing);
    if (rc == 0 && len > 0 && !no_body && !req->is_head)
        rc = evbuffer_add_buffer(bufferevent_get_output(c->bev), body);
    if (body != NULL)
        evbuffer_drain(body, evbuffer_get_length(body));
    if (rc != 0)
        conn_free(c);
}

void http_respond_start(http_request *req, int status, const char *content_type)
{
    struct conn *c = req->conn;
    int http11 = c->parser.http_major == 1 && c->parser.http_minor >= 1;

    if (!respond_allowed(c, "http_respond_start"))
        return;
    c->streaming = 1; /* also when closed: chunks are dropped, end frees */
    if (c->closed)
        return;
    respond_begin(c);
    /* HTTP/1.0 has no chunked framing: the end of the body is the close. */
    c->chunked_out = http11;
    if (!http11)
        c->resp_keep = 0;
    if (write_head(c, status, content_type, http11 ? "Transfer-Encoding: chunked" : "") != 0)
        conn_drop(c);
}

void http_respond_chunk(http_request *req, struct evbuffer *data)
{
    struct conn *c = req->conn;
    size_t len = evbuffer_get_length(data);
    struct evbuffer *out;
    int rc = 0;

    if (!c->owned || !c->streaming || c->closed || len == 0 || req->is_head) {
        evbuffer_drain(data, len);
        return;
    }
    out = bufferevent_get_output(c->bev);
    if (c->chunked_out)
        rc = evbuffer_add_printf(out, "%zx\r\n", len) < 0;
    if (rc == 0)
        rc = evbuffer_add_buffer(out, data);
    if (rc == 0 && c->chunked_out)
        rc = evbuffer_add(out, "\r\n", 2);
    evbuffer_drain(data, evbuffer_get_length(data));
    if (rc != 0)
        conn_drop(c);
}

void http_respond_on_drain(http_request *req, http_drain_fn fn, void *arg)
{
    struct conn *c = req->conn;
    struct timeval now = {0, 0};

    if (!c->owned || !c->streaming) {
        log_error("http: http_respond_on_drain without http_respond_start");
        return;
    }
    c->drain_fn = fn;
    c->drain_arg = arg;
    if (c->closed || evbuffer_get_length(bufferevent_get_output(c->bev)) <= STREAM_LOW_WATER) {
        /* Ready now: called from the loop, never from here, so that a
         * handler cannot recurse into itself. */
        evtimer_add(c->timer, &now);
        return;
    }
    /* The write callback runs when the output falls to the low mark. */
    bufferevent_setwatermark(c->bev, EV_WRITE, STREAM_LOW_WATER, 0);
}

void http_respond_abort(http_request *req)
{
    struct conn *c = req->conn;

    if (!c->owned || !c->streaming) {
        log_error("http: http_respond_abort without http_respond_start");
        return;
    }
    c->owned = 0;
    c->drain_fn = NULL;
    /* No last chunk: the client cannot take what it got for a whole
     * response. What is queued is dropped with the connection. */
    conn_free(c);
}

void http_respond_end(http_request *req)
{
    struct conn *c = req->conn;
    struct evbuffer *out;
    struct timeval now = {0, 0};

    if (!c->owned || !c->streaming) {
        log_error("http: http_respond_end without http_respond_start");
        return;
    }
    c->owned = 0;
    if (c->closed) {
        conn_free(c);
        return;
    }
    c->resp_done = 1;
    c->drain_fn = NULL;
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
    out = bufferevent_get_output(c->bev);
    if (c->chunked_out && !req->is_head && evbuffer_add(out, "0\r\n\r\n", 5) != 0) {
        conn_free(c);
        return;
    }
    /* With nothing left to flush no write callback will come; finish from
     * the loop rather than recursing into the next request from here. */
    if (evbuffer_get_length(out) == 0)
        evtimer_add(c->timer, &now);
}
