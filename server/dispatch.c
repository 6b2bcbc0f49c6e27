/*
 * dispatch.c - routes (the OAI endpoint, /healthz, /metrics), HTTP method
 * and body rules, compression, access log and metrics around the verbs.
 */
#include "dispatch.h"

#include <strings.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "compress.h"
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
    int status;
    oai_verb verb;
    oai_error_code error;
    unsigned long bytes;
    unsigned long records;
} outcome;

static double elapsed_s(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Sends body (may be NULL) with the given status and type; records it. */
static void respond(http_request *req, outcome *o, int status, const char *type,
                    struct evbuffer *body)
{
    o->status = status;
    o->bytes = body != NULL ? (unsigned long)evbuffer_get_length(body) : 0;
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

/* Compresses the XML when the client asked for it (Accept-Encoding). The
 * response varies with that header whether or not it is compressed. */
static void negotiate_encoding(http_request *req, struct evbuffer *xml)
{
    content_encoding enc = compress_negotiate(http_request_header(req, "Accept-Encoding"));

    http_add_header(req, "Vary", "Accept-Encoding");
    if (enc != ENC_IDENTITY && compress_buffer(xml, enc) == 0)
        http_add_header(req, "Content-Encoding", compress_name(enc));
}

/* Runs the OAI request and answers it. */
static void answer_oai(http_request *req, worker *w, const char *args, size_t len, outcome *o)
{
    const server_state *st = w->state;
    oai_ctx ctx = {st->cfg, w->db, &st->keys, (int64_t)time(NULL), &o->records};
    struct evbuffer *body = evbuffer_new(), *out = evbuffer_new();
    oai_request oreq;
    oai_error err = {OAI_OK, ""};
    verb_result result = VERB_DONE;

    if (body == NULL || out == NULL) {
        respond_text(req, o, 500, "Internal server error.");
        goto cleanup;
    }
    if (oai_args_parse(args, len, &oreq, &err) == 0) {
        o->verb = oreq.verb;
        result = oai_verb_run(&ctx, &oreq, body, &err);
    }
    if (result == VERB_UNAVAILABLE) {
        http_add_header(req, "Retry-After", RETRY_AFTER);
        respond_text(req, o, 503, "The repository's database is unavailable; retry later.");
    } else if (result == VERB_FAILED) {
        respond_text(req, o, 500, "Internal server error.");
    } else {
        /* OAI errors are HTTP 200 with an <error> element (spec 3.6). */
        o->error = err.code;
        oai_write_response(out, &ctx, &oreq, body, &err);
        negotiate_encoding(req, out);
        respond(req, o, 200, "text/xml; charset=UTF-8", out);
    }
    oai_request_free(&oreq);

cleanup:
    if (body != NULL)
        evbuffer_free(body);
    if (out != NULL)
        evbuffer_free(out);
}

/* If path is <base path>/static/<name>, returns <name>, else NULL. */
static const char *static_name(const config *cfg, const char *path)
{
    const char *base = config_base_path(cfg);
    size_t n = strlen(base);

    if (n > 0 && base[n - 1] == '/')
        n--;
    if (strncmp(path, base, n) != 0 || strncmp(path + n, "/static/", 8) != 0)
        return NULL;
    return path + n + 8;
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
    outcome o = {0, VERB_NONE, OAI_OK, 0, 0};
    struct timespec start;
    size_t len = 0;
    int status;
    double took;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (strcmp(path, config_base_path(cfg)) == 0) {
        status = request_arguments(req, &args, &len);
        if (status != 0)
            respond_unusable(req, &o, status, cfg->base_url);
        else
            answer_oai(req, w, args, len, &o);
    } else if ((asset = static_name(cfg, path)) != NULL && is_get(req)) {
        answer_static(req, asset, &o);
    } else if (strcmp(path, "/healthz") == 0 && is_get(req)) {
        answer_health(req, w, &o);
    } else if (strcmp(path, "/metrics") == 0 && is_get(req)) {
        answer_metrics(req, w, &o);
    } else {
        respond_unusable(req, &o, 404, cfg->base_url);
    }
    took = elapsed_s(&start);
    metrics_request(o.verb, o.status, o.error, took, o.records);
    log_access(http_request_client(req), http_request_method(req),
               o.verb != VERB_NONE ? oai_verb_name(o.verb) : "-", o.status, o.bytes, took * 1e3);
}
