/*
 * worker.c - one event loop per thread.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dispatch.h"
#include "log.h"
#include "metrics.h"

/* How often a stopping worker checks whether its connections are done. */
#define DRAIN_TICK_MS 100

static void *worker_main(void *arg)
{
    worker *w = arg;

    event_base_dispatch(w->base);
    return NULL;
}

/* On the worker's thread, for every connection it accepts. */
static void on_accept(void *arg)
{
    worker *w = arg;

    metrics_worker_connection(w->index);
}

int worker_start(worker *w, const server_state *st, int index)
{
    const config *cfg = st->cfg;
    int own_socket = st->n_listen_fds == st->n_workers && index < st->n_listen_fds;

    memset(w, 0, sizeof(*w));
    w->index = index;
    w->state = st;
    w->base = event_base_new();
    if (w->base == NULL)
        goto fail;
    w->db = db_conn_new(cfg->conninfo, cfg->statement_timeout, cfg->connect_timeout);
    if (w->db == NULL)
        goto fail;
    w->cache = list_cache_new();
    if (w->cache == NULL)
        goto fail;
    w->queue = req_queue_new(w);
    if (w->queue == NULL)
        goto fail;
    w->http = http_server_new(w->base, st->listen_fds[own_socket ? index : 0], st->http,
                              dispatch_request, w);
    if (w->http == NULL)
        goto fail;
    /* Sharing one socket, the worker that wakes first would accept every
     * pending connection (a whole burst from a benchmark or a harvester
     * opening several connections at once), leaving the others idle. */
    if (!own_socket && st->n_workers > 1)
        http_server_accept_one_at_a_time(w->http);
    http_server_set_accept_hook(w->http, on_accept, w);
    metrics_worker_started(index);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        goto fail;
    return 0;

fail:
    log_error("worker %d: could not start", index);
    if (w->http != NULL)
        http_server_free(w->http);
    req_queue_free(w->queue);
    list_cache_free(w->cache);
    db_conn_free(w->db);
    if (w->base != NULL)
        event_base_free(w->base);
    memset(w, 0, sizeof(*w));
    return -1;
}

/* Runs on the worker's thread while stopping: exit when idle or late. */
static void drain_tick(evutil_socket_t fd, short what, void *arg)
{
    worker *w = arg;
    int limit = w->state->shutdown_timeout * (1000 / DRAIN_TICK_MS);

    if (http_server_connections(w->http) == 0 || ++w->drain_ticks >= limit) {
        if (w->drain_ticks >= limit)
            log_warn("worker %d: shutdown timeout, closing %d connection(s)", w->index,
                     http_server_connections(w->http));
        event_base_loopexit(w->base, NULL);
    }
}

static void stop_on_thread(evutil_socket_t fd, short what, void *arg)
{
    worker *w = arg;
    struct timeval tick = {0, DRAIN_TICK_MS * 1000};

    http_server_stop_accepting(w->http);
    w->drain_timer = event_new(w->base, -1, EV_PERSIST, drain_tick, w);
    if (w->drain_timer == NULL) {
        event_base_loopexit(w->base, NULL);
        return;
    }
    event_add(w->drain_timer, &tick);
    drain_tick(-1, 0, w);
}

void worker_stop(worker *w)
{
    /* event_base_once is thread-safe once evthread_use_pthreads() ran. A
     * second request would schedule an event the stopped loop never runs. */
    if (w->base == NULL || w->stop_requested)
        return;
    w->stop_requested = 1;
    event_base_once(w->base, -1, EV_TIMEOUT, stop_on_thread, w, NULL);
}

void worker_join(worker *w)
{
    if (w->base == NULL)
        return;
    pthread_join(w->thread, NULL);
    if (w->drain_timer != NULL)
        event_free(w->drain_timer);
    req_queue_free(w->queue);
    http_server_free(w->http);
    list_cache_free(w->cache);
    db_conn_free(w->db);
    event_base_free(w->base);
    memset(w, 0, sizeof(*w));
}
