/*
 * dispatch.h - from an HTTP request to an OAI-PMH response.
 *
 * The request path a newcomer can follow:
 *   http.c (bytes -> http_request) -> dispatch.c (method, path, arguments)
 *   -> oai_args.c (validation) -> oai_verbs.c (verb, via db.c and token.c)
 *   -> xml_out.c / metadata.c (XML) -> http.c (response bytes).
 */
#ifndef DISPATCH_H
#define DISPATCH_H

#include "http.h"

struct worker;

/* A worker's requests waiting for those that arrive with them (dispatch.c,
 * "Requests that arrive together"), on the worker's event_base. */
typedef struct req_queue req_queue;
req_queue *req_queue_new(struct worker *w);
/* Answers the requests still queued, then frees the queue. */
void req_queue_free(req_queue *q);

/* The http_handler_fn of every worker; arg is the worker. */
void dispatch_request(http_request *req, void *arg);

#endif
