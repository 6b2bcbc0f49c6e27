/*
 * oai_verbs.h - the six OAI-PMH verbs and the response envelope.
 *
 * A verb handler writes its element (<Identify>, <ListRecords>, ...) into a
 * body buffer, or reports an OAI error; only then is the envelope written
 * around it, so an error found halfway through never leaves a half-written
 * list in the response. The exception is a streamed list page (list_stream):
 * its first batch decides between an error and a page, and a database
 * failure in a later batch cuts the response off (dispatch.c).
 */
#ifndef OAI_VERBS_H
#define OAI_VERBS_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "list_cache.h"
#include "oai_args.h"
#include "oai_types.h"
#include "token.h"

struct evbuffer;

/* Which data a first list page is written from, for list_cache
 * (list_cache.h): a PostgreSQL snapshot, "" when it identifies nothing,
 * and the newest datestamp; and the commit horizon (migration 006): the
 * latest second a first page may stand for, the earlier of the database's
 * clock when it looked and the earliest second a transaction committing
 * then may stamp its records with. */
typedef struct {
    char snapshot[256];
    int64_t newest;
    int64_t horizon;
    int committing; /* a transaction was committing (its second is horizon) */
} oai_data_id;

/* The data's identity shared by the first pages that arrived together
 * (dispatch.c, "Requests that arrive together"): taken by the first of
 * them that needs it, after its arguments were checked, and reused by the
 * others. Start it zeroed. */
typedef struct {
    int taken;       /* asked for already */
    int failed;      /* ... and the database failed */
    int unavailable; /* ... as db_query sets it */
    oai_data_id id;
} oai_shared_id;

typedef struct {
    const config *cfg;
    db_conn *db;
    const token_keys *keys;
    /* The responseDate of this response, seconds: the clock when the
     * request is answered, or, on a first list page, the commit horizon
     * when that is earlier (oai_verb_run moves it back). */
    int64_t now;
    /* The clock when the request is answered, which now may not be: tokens
     * expire token_lifetime after it. */
    int64_t clock;
    unsigned long *served; /* out: records or headers in the response */
    list_cache *cache;     /* the worker's first pages and list sizes, or NULL */
    /* The data's identity shared with the requests that arrived with
     * this one, or NULL: a first page then takes its own. */
    oai_shared_id *shared_id;
} oai_ctx;

/* Whether oai_verb_run would take the data's identity for req: a first
 * ListRecords or ListIdentifiers page. */
int oai_wants_data_identity(const oai_request *req);

typedef enum {
    VERB_DONE = 0,    /* body holds the verb element */
    VERB_OAI_ERROR,   /* *err holds the OAI error to report */
    VERB_UNAVAILABLE, /* database unavailable: answer 503 + Retry-After */
    VERB_FAILED,      /* internal error: answer 500 */
} verb_result;

/* Most GetRecord requests answered together (oai_get_records). */
#define OAI_GET_BATCH_MAX 64

/* One GetRecord request of oai_get_records, and its answer. */
typedef struct {
    const oai_request *req; /* a GetRecord request */
    struct evbuffer *body;  /* out: the <GetRecord> element on VERB_DONE */
    oai_error err;          /* out: the OAI error on VERB_OAI_ERROR */
    verb_result result;     /* out */
    unsigned long served;   /* out: 1 when a record was written */
} oai_get_item;

/*
 * Answers n GetRecord requests with one database statement per
 * OAI_GET_BATCH_MAX of them (none for those answered without the
 * database: an identifier not of this repository or that no record could
 * have, an unknown format): each item gets what oai_verb_run would give it
 * alone (its ctx->served aside: item.served instead). A database failure
 * fails the items of that statement.
 */
void oai_get_records(const oai_ctx *ctx, oai_get_item *items, int n);

/* A ListRecords/ListIdentifiers page still being written. */
typedef struct list_stream list_stream;

/*
 * Runs the verb; its element goes into body. With stream NULL the element
 * is complete. Otherwise a list page of more than one batch
 * (repository.list_batch) may be left open: VERB_DONE with *stream set, body
 * holding the page's beginning, and list_stream_next gives the rest.
 * A first list page may move ctx->now back (see oai_ctx): write the
 * envelope with ctx after the verb ran.
 */
verb_result oai_verb_run(oai_ctx *ctx, const oai_request *req, struct evbuffer *body,
                         oai_error *err, list_stream **stream);

/* Appends the page's next batch to out (the first batch was written by
 * oai_verb_run). Returns 1 when the page's element is complete, 0 when more
 * follows, -1 when the database failed (*unavailable as db_query sets it),
 * -2 on an internal error: the page cannot be completed. A stream uses the
 * oai_ctx it was started with, but not its served counter, until freed. */
int list_stream_next(list_stream *s, struct evbuffer *out, int *unavailable);
/* Records or headers of the page written so far. */
unsigned long list_stream_records(const list_stream *s);
void list_stream_free(list_stream *s);

/*
 * Writes the complete response document into out: XML declaration, root
 * element, responseDate, request, then either err (when non-NULL and not
 * OAI_OK) or the body's bytes (moved out of body). req NULL, or an error of
 * badVerb/badArgument, gives a <request> element without attributes.
 */
void oai_write_response(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                        struct evbuffer *body, const oai_error *err);
/* The same document in parts, for a streamed body: the head (up to and
 * including <request>; err only decides what <request> echoes), then the
 * verb's element, then the tail (the root's end tag). */
void oai_write_response_head(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                             const oai_error *err);
void oai_write_response_tail(struct evbuffer *out);

#endif
