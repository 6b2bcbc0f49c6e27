/*
 * dispatch.c - HTTP method, path and body rules around the OAI verbs.
 */
#include "dispatch.h"

#include <strings.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "log.h"
#include "oai_args.h"
#include "oai_verbs.h"
#include "worker.h"

/* Seconds a harvester is asked to wait when the database is unavailable. */
#define RETRY_AFTER "10"

static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void respond_text(http_request *req, int status, const char *text)
{
    struct evbuffer *body = evbuffer_new();

    if (body != NULL)
        evbuffer_add_printf(body, "%s\n", text);
    http_respond(req, status, "text/plain; charset=UTF-8", body);
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

/*
 * Finds the OAI arguments of the request. Returns the HTTP status to
 * answer with when the request cannot carry OAI arguments (0 = go on).
 */
static int request_arguments(http_request *req, const char **args, size_t *len)
{
    const char *method = http_request_method(req);

    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        *args = http_request_query(req);
        *len = *args != NULL ? strlen(*args) : 0;
        return 0;
    }
    if (strcmp(method, "POST") == 0) {
        if (!is_form(http_request_header(req, "Content-Type")))
            return 415;
        *args = http_request_body(req, len);
        return 0;
    }
    return 405;
}

static void respond_unusable(http_request *req, int status, const char *base_url)
{
    if (status == 405) {
        http_add_header(req, "Allow", "GET, HEAD, POST");
        respond_text(req, 405, "Method not allowed: OAI-PMH requests use GET or POST.");
    } else if (status == 415) {
        respond_text(req, 415,
                     "Unsupported media type: a POST body must be "
                     "application/x-www-form-urlencoded.");
    } else {
        struct evbuffer *body = evbuffer_new();

        if (body != NULL)
            evbuffer_add_printf(body, "Not found. The OAI-PMH endpoint is %s\n", base_url);
        http_respond(req, 404, "text/plain; charset=UTF-8", body);
        if (body != NULL)
            evbuffer_free(body);
    }
}

/* Runs the OAI request; returns the HTTP status sent. */
static int answer_oai(http_request *req, worker *w, const char *args, size_t len,
                      const char **verb_name, unsigned long *bytes)
{
    const server_state *st = w->state;
    oai_ctx ctx = {st->cfg, w->db, &st->keys, (int64_t)time(NULL)};
    struct evbuffer *body = evbuffer_new(), *out = evbuffer_new();
    oai_request oreq;
    oai_error err = {OAI_OK, ""};
    verb_result result = VERB_DONE;
    int status = 200;

    if (body == NULL || out == NULL) {
        status = 500;
        respond_text(req, status, "Internal server error.");
        goto cleanup;
    }
    if (oai_args_parse(args, len, &oreq, &err) == 0) {
        *verb_name = oai_verb_name(oreq.verb);
        result = oai_verb_run(&ctx, &oreq, body, &err);
    }
    if (result == VERB_UNAVAILABLE) {
        status = 503;
        http_add_header(req, "Retry-After", RETRY_AFTER);
        respond_text(req, status, "The repository's database is unavailable; retry later.");
    } else if (result == VERB_FAILED) {
        status = 500;
        respond_text(req, status, "Internal server error.");
    } else {
        /* OAI errors are HTTP 200 with an <error> element (spec 3.6). */
        oai_write_response(out, &ctx, &oreq, body, &err);
        *bytes = evbuffer_get_length(out);
        http_respond(req, 200, "text/xml; charset=UTF-8", out);
    }
    oai_request_free(&oreq);

cleanup:
    if (body != NULL)
        evbuffer_free(body);
    if (out != NULL)
        evbuffer_free(out);
    return status;
}

void dispatch_request(http_request *req, void *arg)
{
    worker *w = arg;
    const config *cfg = w->state->cfg;
    const char *verb = "-", *args = NULL;
    unsigned long bytes = 0;
    struct timespec start;
    size_t len = 0;
    int status;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (strcmp(http_request_path(req), config_base_path(cfg)) != 0)
        status = 404;
    else
        status = request_arguments(req, &args, &len);

    if (status != 0)
        respond_unusable(req, status, cfg->base_url);
    else
        status = answer_oai(req, w, args, len, &verb, &bytes);
    log_access(http_request_client(req), http_request_method(req), verb, status, bytes,
               elapsed_ms(&start));
}
