/*
 * worker.h - event-loop threads.
 *
 * Each worker owns an event_base, an HTTP server accepting from the shared
 * listening socket, and its own PostgreSQL connection, so workers share
 * nothing but read-only settings and the connection counters in
 * http_shared. Queries are short keyset scans bounded by statement_timeout;
 * while one runs, the kernel hands new connections to the other workers.
 */
#ifndef WORKER_H
#define WORKER_H

#include <pthread.h>

#include <event2/util.h>

#include "config.h"
#include "db.h"
#include "list_cache.h"
#include "http.h"
#include "token.h"

/* What all workers share; read-only while they run. */
typedef struct {
    const config *cfg;
    token_keys keys;
    http_shared *http;
    evutil_socket_t listen_fd; /* each worker duplicates it; closed once they run */
    int shutdown_timeout;      /* seconds in-flight responses get on SIGTERM */
} server_state;

typedef struct worker {
    int index;
    pthread_t thread;
    struct event_base *base;
    http_server *http;
    db_conn *db;
    list_cache *cache; /* this worker's first pages and list sizes */
    const server_state *state;
    struct event *drain_timer;
    int drain_ticks;
    int stop_requested; /* set by worker_stop, on the caller's thread */
} worker;

/* Creates the worker's loop, server and database connection, and starts
 * its thread. Returns 0 or -1 (logged). */
int worker_start(worker *w, const server_state *st, int index);
/* Asks the worker to stop accepting and exit once its connections are done
 * (or after the shutdown timeout). Callable from one controlling thread;
 * further calls do nothing. */
void worker_stop(worker *w);
/* Waits for the thread and frees everything the worker owns. */
void worker_join(worker *w);

#endif
