/*
 * http.h - a small HTTP/1.1 server on libevent bufferevents, with the
 * nodejs http-parser (Debian libhttp-parser-dev) doing the parsing.
 *
 * Why not evhttp: it answers every over-size request with the same status
 * and has no per-client connection limit; a server on the open internet
 * needs 414/431/413/503 with Retry-After and slowloris protection.
 *
 * Model: one http_server per worker thread, each on its own event_base,
 * each accepting from its own listening socket, all bound to the same
 * address and port with SO_REUSEPORT (http_listen_sockets), or where that
 * is not possible from one shared socket, one connection at a time.
 * Connection counts and limits live in one http_shared object used by
 * every worker, so they apply across workers whichever accepts.
 * Requests on a connection are handled one at a time (pipelined requests
 * wait); keep-alive follows HTTP/1.1 rules.
 *
 * The process must ignore SIGPIPE: writing to a client that has reset its
 * connection would otherwise kill it.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include <event2/util.h>

struct event_base;
struct evbuffer;

typedef struct {
    int max_request_line; /* bytes in method + URL + version; over -> 414 */
    int max_header_size;  /* bytes of all header lines; over -> 431 */
    int max_body_size;    /* bytes of body; over -> 413 */
    int read_timeout;     /* seconds from a request's first byte to its end; over -> 408, close */
    int idle_timeout;     /* seconds a connection may wait for its next request; then close */
    int write_timeout;    /* seconds a client may leave response bytes unread; then close */
    int max_connections;  /* total, all workers; over -> 503 + Retry-After, close */
    int max_connections_per_client; /* per client IP address; over -> 503 + Retry-After */
} http_limits;
/* A timeout or connection limit <= 0 is off; the three sizes are taken as
 * they are (0 refuses every request line, header or body). */

typedef struct http_shared http_shared;
typedef struct http_server http_server;
typedef struct http_request http_request;

/* Called on the worker's thread for every complete request. The handler
 * must eventually (now or later, from the same thread) answer with
 * http_respond() or http_respond_start()...http_respond_end(). */
typedef void (*http_handler_fn)(http_request *req, void *arg);

http_shared *http_shared_new(const http_limits *lim);
/* Replaces the limits (SIGHUP); open connections keep running with the
 * limits they were accepted under. */
void http_shared_set_limits(http_shared *sh, const http_limits *lim);
/* Number of open connections across all workers. */
int http_shared_connections(http_shared *sh);
void http_shared_free(http_shared *sh);

/* Binds and listens on addr:port (IPv4 or IPv6 literal, or host name);
 * returns the socket, or -1 with a message in err. */
evutil_socket_t http_listen_socket(const char *addr, int port, char *err, size_t err_len);

/* Listening sockets for n servers. With reuseport and n > 1: n sockets
 * bound to the same address and port with SO_REUSEPORT, one per server;
 * the kernel then spreads incoming connections evenly over them (a hash
 * of the client's address and port), where servers sharing one socket
 * race for every connection and the first to wake can take a whole
 * burst. Port 0 gives them all the same free port (http_socket_port).
 * A port already in use is an error, also when its holder uses
 * SO_REUSEPORT. Returns how many sockets were opened into fds: n, or 1
 * (without reuseport, with n == 1, or where SO_REUSEPORT is not
 * available: then every server shares fds[0], see
 * http_server_accept_one_at_a_time). -1 with a message in err. */
int http_listen_sockets(const char *addr, int port, int reuseport, evutil_socket_t *fds, int n,
                        char *err, size_t err_len);
/* The local port of a bound socket, or -1. */
int http_socket_port(evutil_socket_t fd);

/* A server on base accepting from listen_fd, through a duplicate of it
 * (listen_fd itself is not owned; the caller may close it now). The port
 * stays open until every server made on it has stopped accepting. */
http_server *http_server_new(struct event_base *base, evutil_socket_t listen_fd, http_shared *sh,
                             http_handler_fn fn, void *arg);
/* For a listening socket shared by several servers: accept one connection
 * per event-loop iteration instead of every pending one, so that a burst
 * of connections is spread over the servers instead of all going to the
 * one that woke first. Call it right after http_server_new. */
void http_server_accept_one_at_a_time(http_server *srv);
/* fn(arg) is called on the server's thread for every accepted connection
 * (also one then refused over a connection limit); for metrics. */
void http_server_set_accept_hook(http_server *srv, void (*fn)(void *arg), void *arg);
/* Stops accepting and closes this server's listening descriptor;
 * connections with no request in flight are closed, the others close
 * after their response. Like everything on a server, call it
 * on the worker's thread (or while its loop is not running). */
void http_server_stop_accepting(http_server *srv);
/* Connections still open on this server, including requests a handler
 * still holds after their client left. */
int http_server_connections(http_server *srv);
/* Closes everything; requests still held by handlers become invalid. */
void http_server_free(http_server *srv);

/* --- the request --- */
const char *http_request_method(const http_request *req); /* "GET", "POST", "HEAD", ... */
/* Path of the URL, not decoded, without the query: "/oai". */
const char *http_request_path(const http_request *req);
/* Query string after '?', not decoded, or NULL when the URL has no '?'. */
const char *http_request_query(const http_request *req);
/* Header value by case-insensitive name (first occurrence), or NULL. */
const char *http_request_header(const http_request *req, const char *name);
/* Body bytes (may contain NULs), *len set; NULL with *len 0 when none. */
const char *http_request_body(const http_request *req, size_t *len);
/* Client's IP address as text. */
const char *http_request_client(const http_request *req);
/* True once the client has gone away; the handler may stop its work and
 * must still call http_respond() (which then just releases the request). */
int http_request_closed(const http_request *req);
/* True once the server is stopping (it no longer accepts connections; at
 * the end of the shutdown bound it closes those still open). */
int http_request_server_stopping(const http_request *req);

/* --- the response --- */
/* Adds a header to the response (before respond/respond_start). */
void http_add_header(http_request *req, const char *name, const char *value);
/* Sends a complete response: status line, Date, Server, Content-Type,
 * Content-Length, Connection, added headers; body's bytes are moved out of
 * the evbuffer (which the caller still frees); body NULL = empty. For HEAD
 * the body is not sent but Content-Length is its length. */
void http_respond(http_request *req, int status, const char *content_type, struct evbuffer *body);
/* Chunked streaming: start, any number of chunks (data moved out), end. */
void http_respond_start(http_request *req, int status, const char *content_type);
void http_respond_chunk(http_request *req, struct evbuffer *data);
void http_respond_end(http_request *req);
/*
 * Back-pressure for a streamed response: fn(req, arg) is called once, from
 * the event loop, when the bytes queued for the client have fallen to 64 kB
 * or less (at the next loop iteration if they already have), or when the
 * client is gone or the server is being freed (http_request_closed is then
 * true). fn writes its next chunk and asks again, or ends the response
 * (http_respond_end or http_respond_abort), which it must do when closed.
 */
typedef void (*http_drain_fn)(http_request *req, void *arg);
void http_respond_on_drain(http_request *req, http_drain_fn fn, void *arg);
/* Ends a streamed response without its end (no last chunk; for HTTP/1.0 a
 * close that is no different from a normal end, but the document is then
 * incomplete) and closes the connection: for a failure after the head was
 * sent. */
void http_respond_abort(http_request *req);

/* Reason phrase for a status code ("Not Found"). */
const char *http_reason(int status);

#endif
