/*
 * dispatch.c - routes (the OAI endpoint, its HTML view and static files,
 * /healthz, /metrics), HTTP method and body rules, compression, access log
 * and metrics around the verbs.
 */
#include "dispatch.h"

#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "compress.h"
#include "html_view.h"
#include "log.h"
#include "metrics.h"
#include "oai_args.h"
#include "oai_verbs.h"
#include "static_assets.h"
#include "worker.h"

/* Seconds a harvester is asked to wait when the database is unavailable. */
#define RETRY_AFTER "10"

/* What one request did, for the access log and the metrics. */
typedef struct {
    struct timespec start; /* when the request was complete */
    int status;
    oai_verb verb;
    unsigned errors; /* the OAI error codes of the response, bits 1 << code */
    unsigned long bytes;
    unsigned long records;
} outcome;

static double elapsed_s(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Metrics and the access-log line of a request that was answered. */
static void request_done(http_request *req, const outcome *o)
{
    double took = elapsed_s(&o->start);

    metrics_request(o->verb, o->status, o->errors, took, o->records);
    log_access(http_request_client(req), http_request_method(req),
               o->verb != VERB_NONE ? oai_verb_name(o->verb) : "-", o->status, o->bytes,
               took * 1e3);
}

/* Sends body (may be NULL) with the given status and type; records it
 * first: answering hands req back to http.c, which frees it at once when
 * its client has left meanwhile (a queued request, below). */
static void respond(http_request *req, outcome *o, int status, const char *type,
                    struct evbuffer *body)
{
    o->status = status;
    o->bytes = body != NULL ? (unsigned long)evbuffer_get_length(body) : 0;
    request_done(req, o);
    http_respond(req, status, type, body);
}

static void respond_text(http_request *req, outcome *o, int status, const char *text)
{
    struct evbuffer *body = evbuffer_new();

    if (body != NULL)
        evbuffer_add_printf(body, "%s\n", text);
    respond(req, o, status, "text/plain; charset=UTF-8", body);
    if (body != NULL)
        evbuffer_free(body);
}

/* True when the Content-Type is application/x-www-form-urlencoded, with or
 * without parameters such as charset. */
static int is_form(const char *content_type)
{
    static const char form[] = "application/x-www-form-urlencoded";
    size_t n = sizeof(form) - 1;

    if (content_type == NULL || strncasecmp(content_type, form, n) != 0)
        return 0;
    return content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ';
}

static int is_get(const http_request *req)
{
    const char *m = http_request_method(req);

    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/*
 * Finds the OAI arguments of the request. Returns the HTTP status to
 * answer with when the request cannot carry OAI arguments (0 = go on).
 */
static int request_arguments(http_request *req, const char **args, size_t *len)
{
    if (is_get(req)) {
        *args = http_request_query(req);
        *len = *args != NULL ? strlen(*args) : 0;
        return 0;
    }
    if (strcmp(http_request_method(req), "POST") == 0) {
        if (!is_form(http_request_header(req, "Content-Type")))
            return 415;
        *args = http_request_body(req, len);
        return 0;
    }
    return 405;
}

static void respond_unusable(http_request *req, outcome *o, int status, const char *base_url)
{
    if (status == 405) {
        http_add_header(req, "Allow", "GET, HEAD, POST");
        respond_text(req, o, 405, "Method not allowed: OAI-PMH requests use GET or POST.");
    } else if (status == 415) {
        respond_text(req, o, 415,
                     "Unsupported media type: a POST body must be "
                     "application/x-www-form-urlencoded.");
    } else {
        struct evbuffer *body = evbuffer_new();

        if (body != NULL)
            evbuffer_add_printf(body, "Not found. The OAI-PMH endpoint is %s\n", base_url);
        respond(req, o, 404, "text/plain; charset=UTF-8", body);
        if (body != NULL)
            evbuffer_free(body);
    }
}

/* Compresses the body when the client asked for it (Accept-Encoding). The
 * response varies with that header whether or not it is compressed. */
static void negotiate_encoding(http_request *req, struct evbuffer *body)
{
    content_encoding enc = compress_negotiate(http_request_header(req, "Accept-Encoding"));

    http_add_header(req, "Vary", "Accept-Encoding");
    if (enc != ENC_IDENTITY && compress_buffer(body, enc) == 0)
        http_add_header(req, "Content-Encoding", compress_name(enc));
}

/* Answers a request that has no OAI response to send (503 or 500). */
static void respond_failure(http_request *req, outcome *o, int status)
{
    if (status == 503) {
        http_add_header(req, "Retry-After", RETRY_AFTER);
        respond_text(req, o, 503, "The repository's database is unavailable; retry later.");
    } else {
        respond_text(req, o, 500, "Internal server error.");
    }
}

/* The verbs' context for a request of this worker, answered now. */
static oai_ctx worker_ctx(worker *w, unsigned long *served, oai_shared_id *shared_id)
{
    const server_state *st = w->state;
    int64_t now = (int64_t)time(NULL);
    oai_ctx ctx = {st->cfg, w->db, &st->keys, now, now, served, w->cache, shared_id};

    return ctx;
}

/* The response document for a verb's result, written into out: 200 (the
 * verb's element from body, or its OAI error), or 503/500 when there is
 * no document to send. */
static int write_document(struct evbuffer *out, const oai_ctx *ctx, const oai_request *oreq,
                          verb_result result, struct evbuffer *body, const oai_error *err,
                          outcome *o)
{
    if (result == VERB_UNAVAILABLE)
        return 503;
    if (result == VERB_FAILED)
        return 500;
    for (int i = 0; i < oai_error_count(err); i++)
        o->errors |= 1u << oai_error_code_at(err, i);
    oai_write_response(out, ctx, oreq, body, err);
    return 200;
}

/* Sends out, the document write_document made (status 200), or the
 * failure of that status. */
static void send_document(http_request *req, outcome *o, int status, struct evbuffer *out)
{
    if (status == 200) {
        negotiate_encoding(req, out);
        respond(req, o, 200, "text/xml; charset=UTF-8", out);
    } else {
        respond_failure(req, o, status);
    }
}

/*
 * Runs a parsed OAI request (err is what parsing it left: the verb runs
 * only when that is OAI_OK) and writes the response document into out:
 * whole, or, when stream is non-NULL and a list page goes on (*stream set),
 * up to the page's first batch. Returns 200 (OAI errors included: they are
 * HTTP 200 with an <error> element, spec 3.6), or 503/500 when there is no
 * document to send. o->records counts the records written into out.
 */
static int produce_parsed(worker *w, const oai_request *oreq, oai_error *err, outcome *o,
                          struct evbuffer *out, list_stream **stream, oai_shared_id *shared_id)
{
    oai_ctx ctx = worker_ctx(w, &o->records, shared_id);
    struct evbuffer *body = evbuffer_new();
    verb_result result = VERB_DONE;
    int status = 200;

    if (body == NULL)
        return 500;
    if (err->code == OAI_OK)
        result = oai_verb_run(&ctx, oreq, body, err, stream);
    if (stream != NULL && *stream != NULL) { /* VERB_DONE */
        oai_write_response_head(out, &ctx, oreq, NULL);
        evbuffer_add_buffer(out, body);
    } else {
        status = write_document(out, &ctx, oreq, result, body, err, o);
    }
    evbuffer_free(body);
    return status;
}

/* produce_parsed for the request's arguments. */
static int produce_oai(worker *w, const char *args, size_t len, outcome *o, struct evbuffer *out,
                       list_stream **stream)
{
    oai_request oreq;
    oai_error err = {.code = OAI_OK};
    int status;

    if (oai_args_parse(args, len, &oreq, &err) == 0)
        o->verb = oreq.verb;
    status = produce_parsed(w, &oreq, &err, o, out, stream, NULL);
    oai_request_free(&oreq);
    return status;
}

/*
 * A list page sent while it is written (docs/architecture.md, "Streamed
 * pages"): each batch is produced when the client has read most of the one
 * before (http_respond_on_drain), compressed on its own (compress_stream)
 * and sent as a chunk. Owned by the event loop between batches; freed when
 * the page ends, fails or the client leaves.
 */
typedef struct {
    http_request *req;
    list_stream *ls;
    compress_stream cs; /* used when enc is not identity */
    content_encoding enc;
    outcome o;
    struct evbuffer *part; /* the batch being written */
    struct evbuffer *wire; /* its compressed form */
} exchange;

static void exchange_free(exchange *x)
{
    list_stream_free(x->ls);
    if (x->part != NULL)
        evbuffer_free(x->part);
    if (x->wire != NULL)
        evbuffer_free(x->wire);
    free(x);
}

/* Sends data (drained) as the stream's next chunk, compressed when
 * negotiated; last ends the compressed stream. -1 when zlib fails. */
static int stream_send(exchange *x, struct evbuffer *data, int last)
{
    struct evbuffer *chunk = data;

    if (x->enc != ENC_IDENTITY) {
        if (compress_stream_write(&x->cs, data, x->wire, last) != 0)
            return -1;
        chunk = x->wire;
    }
    x->o.bytes += (unsigned long)evbuffer_get_length(chunk);
    http_respond_chunk(x->req, chunk);
    return 0;
}

/* Ends the exchange: logged, then the response ended (whole, or cut off
 * when it cannot be completed), then freed. */
static void stream_end(exchange *x, int complete)
{
    http_request *req = x->req;

    x->o.records = list_stream_records(x->ls);
    request_done(req, &x->o);
    if (complete)
        http_respond_end(req);
    else
        http_respond_abort(req);
    exchange_free(x);
}

/* http_respond_on_drain: the client has read most of what it was sent. */
static void stream_more(http_request *req, void *arg)
{
    exchange *x = arg;
    int unavailable = 0, rc;

    if (http_request_closed(req)) {
        if (http_request_server_stopping(req))
            log_warn("oai: a list page to %s cut off after %lu records: shutting down",
                     http_request_client(req), list_stream_records(x->ls));
        else
            log_info("oai: %s left during a list page, after %lu records", http_request_client(req),
                     list_stream_records(x->ls));
        stream_end(x, 1);
        return;
    }
    rc = list_stream_next(x->ls, x->part, &unavailable);
    if (rc < 0) {
        log_error("oai: a list page to %s cut off after %lu records: %s", http_request_client(req),
                  list_stream_records(x->ls),
                  unavailable ? "the database is unavailable" : "internal error");
        stream_end(x, 0);
        return;
    }
    if (rc == 1)
        oai_write_response_tail(x->part);
    if (stream_send(x, x->part, rc == 1) != 0) {
        log_error("oai: a list page to %s cut off: compression failed", http_request_client(req));
        stream_end(x, 0);
        return;
    }
    if (rc == 1)
        stream_end(x, 1);
    else
        http_respond_on_drain(req, stream_more, x);
}

/* Starts streaming ls (owned from here): the head and out (the envelope
 * and the first batch) now, the rest from the loop (stream_more). Returns
 * 1, or 0 when it answered 500 instead (out of memory, nothing sent). */
static int stream_start(http_request *req, list_stream *ls, const outcome *o, struct evbuffer *out)
{
    exchange *x = calloc(1, sizeof(*x));

    if (x == NULL || (x->part = evbuffer_new()) == NULL || (x->wire = evbuffer_new()) == NULL) {
        if (x != NULL)
            exchange_free(x);
        list_stream_free(ls);
        return 0;
    }
    x->req = req;
    x->ls = ls;
    x->o = *o;
    x->o.status = 200;
    x->enc = compress_negotiate(http_request_header(req, "Accept-Encoding"));
    http_add_header(req, "Vary", "Accept-Encoding");
    if (x->enc != ENC_IDENTITY) {
        compress_stream_init(&x->cs, x->enc);
        http_add_header(req, "Content-Encoding", compress_name(x->enc));
    }
    http_respond_start(req, 200, "text/xml; charset=UTF-8");
    if (stream_send(x, out, 0) != 0) {
        log_error("oai: a list page to %s cut off: compression failed", http_request_client(req));
        stream_end(x, 0);
        return 1;
    }
    http_respond_on_drain(req, stream_more, x);
    return 1;
}

/* Answers a parsed request: whole, or as a stream (which then logs it). */
static void answer_parsed(http_request *req, worker *w, const oai_request *oreq, oai_error *err,
                          outcome *o, oai_shared_id *shared_id)
{
    struct evbuffer *out = evbuffer_new();
    list_stream *ls = NULL;
    /* HEAD gets the whole document's head (and length), not a stream. */
    int head = strcmp(http_request_method(req), "HEAD") == 0;
    int status = 500;

    if (out != NULL)
        status = produce_parsed(w, oreq, err, o, out, head ? NULL : &ls, shared_id);
    if (ls != NULL) { /* a page goes on: status is 200 */
        if (stream_start(req, ls, o, out)) {
            evbuffer_free(out);
            return;
        }
        status = 500;
    }
    send_document(req, o, status, out);
    if (out != NULL)
        evbuffer_free(out);
}

/*
 * Requests that arrive together (docs/architecture.md): GetRecord requests
 * and first list pages are queued, and the queue answered once the event
 * loop has run every callback that was ready with them, so that those that
 * arrived together (many harvesters' connections ready in one poll) share
 * their round trips to PostgreSQL, whose cost (waking the backend, the
 * protocol, the executor's start and end) outweighed a record's lookup:
 * - the GetRecord requests, one statement (oai_get_records);
 * - the first pages, one snapshot of the data (oai_shared_id), against
 *   which the list cache serves a page it holds: taken by the first that
 *   needs it (its arguments checked), after all of them arrived, so as
 *   recent as each would have taken alone.
 * A request alone waits for nothing: it is its own batch.
 */
typedef struct {
    http_request *req;
    oai_request oreq; /* owned */
    outcome o;
} queued_req;

struct req_queue {
    worker *w;
    struct event *ev; /* made active when the first request is queued */
    int n;
    queued_req q[OAI_GET_BATCH_MAX];
};

/* Sends a queued GetRecord's answer (it->body: its element, or NULL when
 * there was no memory for it). */
static void send_get(const oai_ctx *ctx, queued_req *g, oai_get_item *it)
{
    struct evbuffer *out = it->body != NULL ? evbuffer_new() : NULL;
    int status = 500;

    if (out != NULL)
        status = write_document(out, ctx, &g->oreq, it->result, it->body, &it->err, &g->o);
    g->o.records = it->served;
    send_document(g->req, &g->o, status, out);
    if (out != NULL)
        evbuffer_free(out);
}

/* The GetRecord requests among batch[0..n), with one statement. */
static void answer_gets(worker *w, queued_req *batch, int n)
{
    unsigned long unused = 0;
    oai_ctx ctx = worker_ctx(w, &unused, NULL);
    oai_get_item items[OAI_GET_BATCH_MAX];
    queued_req *gets[OAI_GET_BATCH_MAX];
    int i, m = 0;

    for (i = 0; i < n; i++) {
        if (batch[i].oreq.verb != VERB_GET_RECORD)
            continue;
        gets[m] = &batch[i];
        memset(&items[m], 0, sizeof(items[m]));
        items[m].req = &batch[i].oreq;
        items[m].body = evbuffer_new();
        m++;
    }
    if (m == 0)
        return;
    oai_get_records(&ctx, items, m);
    metrics_get_batch((unsigned long)m);
    for (i = 0; i < m; i++) {
        send_get(&ctx, gets[i], &items[i]);
        if (items[i].body != NULL)
            evbuffer_free(items[i].body);
    }
}

/* The first pages among batch[0..n), against one snapshot of the data. */
static void answer_first_pages(worker *w, queued_req *batch, int n)
{
    oai_shared_id shared;
    int i;

    memset(&shared, 0, sizeof(shared));
    for (i = 0; i < n; i++) {
        queued_req *g = &batch[i];
        oai_error ok = {.code = OAI_OK};

        if (g->oreq.verb != VERB_GET_RECORD)
            answer_parsed(g->req, w, &g->oreq, &ok, &g->o, &shared);
    }
}

/* The queue's event: answers every request queued. */
static void req_queue_run(evutil_socket_t fd, short what, void *arg)
{
    req_queue *q = arg;
    queued_req batch[OAI_GET_BATCH_MAX];
    int i, n = q->n;

    (void)fd;
    (void)what;
    /* Taken out of the queue first, so that the queue is whole again
     * whatever answering them does (http.c reads a connection's next
     * request from the loop, never from within an answer, today). */
    memcpy(batch, q->q, (size_t)n * sizeof(batch[0]));
    q->n = 0;
    answer_gets(q->w, batch, n);
    answer_first_pages(q->w, batch, n);
    for (i = 0; i < n; i++)
        oai_request_free(&batch[i].oreq);
}

/* Queues a request; oreq is the queue's from here. */
static void req_queue_add(req_queue *q, http_request *req, const oai_request *oreq,
                          const outcome *o)
{
    queued_req *g;

    if (q->n == OAI_GET_BATCH_MAX)
        req_queue_run(-1, 0, q);
    g = &q->q[q->n];
    g->req = req;
    g->oreq = *oreq;
    g->o = *o;
    /* Active events run in the order they became active: this one after
     * the callbacks of every connection that was ready with this one. */
    if (q->n++ == 0)
        event_active(q->ev, EV_TIMEOUT, 0);
}

req_queue *req_queue_new(worker *w)
{
    req_queue *q = calloc(1, sizeof(*q));

    if (q == NULL)
        return NULL;
    q->w = w;
    q->ev = event_new(w->base, -1, 0, req_queue_run, q);
    if (q->ev == NULL) {
        free(q);
        return NULL;
    }
    return q;
}

void req_queue_free(req_queue *q)
{
    if (q == NULL)
        return;
    if (q->n > 0)
        req_queue_run(-1, 0, q);
    event_free(q->ev);
    free(q);
}

/* Whether a request waits in the queue for those arriving with it. */
static int queued(const worker *w, const oai_request *oreq)
{
    return w->queue != NULL && (oreq->verb == VERB_GET_RECORD || oai_wants_data_identity(oreq));
}

/* Runs the OAI request and answers it: now, or with the requests that
 * arrived with it (the queue or a stream then logs it). */
static void answer_oai(http_request *req, worker *w, const char *args, size_t len, outcome *o)
{
    oai_request oreq;
    oai_error err = {.code = OAI_OK};

    if (oai_args_parse(args, len, &oreq, &err) == 0) {
        o->verb = oreq.verb;
        if (queued(w, &oreq)) {
            req_queue_add(w->queue, req, &oreq, o);
            return;
        }
    }
    answer_parsed(req, w, &oreq, &err, o, NULL);
    oai_request_free(&oreq);
}

/* The same OAI response as an HTML page rendered here (html_view.c), for
 * browsers that no longer apply the response's stylesheet themselves. */
static void answer_html(http_request *req, worker *w, const char *args, size_t len, outcome *o)
{
    struct evbuffer *xml = evbuffer_new(), *html = evbuffer_new();
    int status = xml != NULL && html != NULL ? produce_oai(w, args, len, o, xml, NULL) : 500;

    if (status == 200 && html_view_render(xml, html) != 0)
        status = 500;
    if (status == 200) {
        negotiate_encoding(req, html);
        respond(req, o, 200, "text/html; charset=UTF-8", html);
    } else {
        respond_failure(req, o, status);
    }
    if (xml != NULL)
        evbuffer_free(xml);
    if (html != NULL)
        evbuffer_free(html);
}

/* If path is <base path><sub>..., returns what follows <sub>, else NULL. */
static const char *under_base(const config *cfg, const char *path, const char *sub)
{
    const char *base = config_base_path(cfg);
    size_t n = strlen(base), m = strlen(sub);

    if (n > 0 && base[n - 1] == '/')
        n--;
    if (strncmp(path, base, n) != 0 || strncmp(path + n, sub, m) != 0)
        return NULL;
    return path + n + m;
}

/* <base path>/html: the server-rendered browser view. */
static int is_html_path(const config *cfg, const char *path)
{
    const char *rest = under_base(cfg, path, "/html");

    return rest != NULL && *rest == '\0';
}

/* The browser view's stylesheet and icon, compiled into the binary. */
static void answer_static(http_request *req, const char *name, outcome *o)
{
    const static_asset *a = static_asset_find(name);
    struct evbuffer *body;

    if (a == NULL) {
        respond_text(req, o, 404, "Not found.");
        return;
    }
    body = evbuffer_new();
    if (body == NULL) {
        respond_text(req, o, 500, "Internal server error.");
        return;
    }
    evbuffer_add_reference(body, a->data, a->len, NULL, NULL);
    http_add_header(req, "Cache-Control", "public, max-age=3600");
    respond(req, o, 200, a->content_type, body);
    evbuffer_free(body);
}

/* /healthz: 200 only when the database answers. */
static void answer_health(http_request *req, worker *w, outcome *o)
{
    int unavailable;
    PGresult *res = db_query(w->db, DB_PING, 0, NULL, &unavailable);

    http_add_header(req, "Cache-Control", "no-store");
    if (res == NULL) {
        http_add_header(req, "Retry-After", RETRY_AFTER);
        respond_text(req, o, 503, "database unavailable");
        return;
    }
    PQclear(res);
    respond_text(req, o, 200, "ok");
}

static void answer_metrics(http_request *req, worker *w, outcome *o)
{
    struct evbuffer *body = evbuffer_new();

    if (body == NULL) {
        respond_text(req, o, 500, "Internal server error.");
        return;
    }
    metrics_write(body, http_shared_connections(w->state->http));
    http_add_header(req, "Cache-Control", "no-store");
    respond(req, o, 200, "text/plain; version=0.0.4; charset=UTF-8", body);
    evbuffer_free(body);
}

void dispatch_request(http_request *req, void *arg)
{
    worker *w = arg;
    const config *cfg = w->state->cfg;
    const char *path = http_request_path(req), *args = NULL, *asset;
    outcome o = {.verb = VERB_NONE, .errors = 0};
    size_t len = 0;
    int status, html;

    clock_gettime(CLOCK_MONOTONIC, &o.start);
    html = is_html_path(cfg, path);
    if (html || strcmp(path, config_base_path(cfg)) == 0) {
        status = request_arguments(req, &args, &len);
        if (status != 0)
            respond_unusable(req, &o, status, cfg->base_url);
        else if (html)
            answer_html(req, w, args, len, &o);
        else
            answer_oai(req, w, args, len, &o);
    } else if ((asset = under_base(cfg, path, "/static/")) != NULL && is_get(req)) {
        answer_static(req, asset, &o);
    } else if (strcmp(path, "/healthz") == 0 && is_get(req)) {
        answer_health(req, w, &o);
    } else if (strcmp(path, "/metrics") == 0 && is_get(req)) {
        answer_metrics(req, w, &o);
    } else {
        respond_unusable(req, &o, 404, cfg->base_url);
    }
}
