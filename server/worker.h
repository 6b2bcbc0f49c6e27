/*
 * worker.h - event-loop threads.
 *
 * Each worker owns an event_base, an HTTP server accepting from its own
 * listening socket (SO_REUSEPORT: the kernel spreads connections evenly
 * over the workers' sockets), and its own PostgreSQL connection, so
 * workers share nothing but read-only settings and the connection
 * counters and limits in http_shared. Queries are short keyset scans
 * bounded by statement_timeout; a connection the kernel gives a worker
 * that is running one waits in that worker's backlog until it is done.
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

/* Most worker threads a server runs. */
#define WORKER_MAX 64

/* What all workers share; read-only while they run. */
typedef struct {
    const config *cfg;
    token_keys keys;
    http_shared *http;
    /* The listening sockets (http_listen_sockets): one per worker, worker
     * i accepting from listen_fds[i]; or, when n_listen_fds is less than
     * n_workers, a single one every worker shares, accepting one
     * connection at a time. Each worker duplicates its socket; the
     * originals are closed once the workers run. */
    evutil_socket_t listen_fds[WORKER_MAX];
    int n_listen_fds;
    int n_workers;        /* workers started or to be started */
    int shutdown_timeout; /* seconds in-flight responses get on SIGTERM */
} server_state;

typedef struct worker {
    int index;
    pthread_t thread;
    struct event_base *base;
    http_server *http;
    db_conn *db;
    list_cache *cache;       /* this worker's first pages and list sizes */
    struct req_queue *queue; /* requests waiting for those arriving with them */
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
