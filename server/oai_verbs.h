/*
 * oai_verbs.h - the six OAI-PMH verbs and the response envelope.
 *
 * A verb handler writes its element (<Identify>, <ListRecords>, ...) into a
 * body buffer, or reports an OAI error; only then is the envelope written
 * around it, so an error found halfway through never leaves a half-written
 * list in the response.
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

typedef struct {
    const config *cfg;
    db_conn *db;
    const token_keys *keys;
    int64_t now;           /* the responseDate of this response, seconds */
    unsigned long *served; /* out: records or headers in the response */
    list_cache *cache;     /* the worker's first pages and list sizes, or NULL */
} oai_ctx;

typedef enum {
    VERB_DONE = 0,    /* body holds the verb element */
    VERB_OAI_ERROR,   /* *err holds the OAI error to report */
    VERB_UNAVAILABLE, /* database unavailable: answer 503 + Retry-After */
    VERB_FAILED,      /* internal error: answer 500 */
} verb_result;

verb_result oai_verb_run(const oai_ctx *ctx, const oai_request *req, struct evbuffer *body,
                         oai_error *err);

/*
 * Writes the complete response document into out: XML declaration, root
 * element, responseDate, request, then either err (when non-NULL and not
 * OAI_OK) or the body's bytes (moved out of body). req NULL, or an error of
 * badVerb/badArgument, gives a <request> element without attributes.
 */
void oai_write_response(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                        struct evbuffer *body, const oai_error *err);

#endif
