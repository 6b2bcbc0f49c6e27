/*
 * metrics.h - counters for /metrics (Prometheus text exposition format).
 *
 * Process-wide, lock-free (C11 atomics, relaxed: counters need no ordering),
 * updated by every worker on its request path.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include "oai_types.h"

struct evbuffer;

/* One finished request: its verb (VERB_NONE when it had none or was not an
 * OAI request), HTTP status, the OAI error codes of its response (bits
 * 1 << code, 0 if none: a response counts once for each code it holds),
 * duration, and the number of records/headers it served. */
void metrics_request(oai_verb verb, int status, unsigned errors, double seconds,
                     unsigned long records);

/* A query that failed, and a successful reconnection. */
void metrics_db_error(void);
void metrics_db_reconnect(void);
/* A first page (page 1) or a list size (page 0) served from list_cache. */
void metrics_list_cache_hit(int page);

/* A batch of GetRecord requests answered together (dispatch.c). */
void metrics_get_batch(unsigned long n);
/* A snapshot of the data taken for first list pages (one for all those
 * that arrived together, dispatch.c). */
void metrics_first_page_snapshot(void);
/* A first list page held at the commit horizon (migration 006): its
 * responseDate moved back to a commit in progress. */
void metrics_horizon_hold(void);

/* Per worker thread (index 0 .. METRICS_MAX_WORKERS - 1; others are not
 * counted): a worker that started, so that its count is shown even while
 * zero, and a connection it accepted. They show how evenly connections
 * are spread over the workers. */
#define METRICS_MAX_WORKERS 64
void metrics_worker_started(int worker);
void metrics_worker_connection(int worker);

/* Writes every metric in the Prometheus text format; open_connections is
 * read from the HTTP layer by the caller. */
void metrics_write(struct evbuffer *out, int open_connections);

#endif
