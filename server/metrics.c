/*
 * metrics.c - request, error, latency and database counters.
 */
#include "metrics.h"

#include <stdatomic.h>

#include <event2/buffer.h>
#include <event2/util.h>

/* HTTP statuses we count one by one; anything else is "other". */
static const int statuses[] = {200, 400, 404, 405, 408, 413, 414, 415, 431, 500, 503};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)
#define N_VERBS (VERB_GET_RECORD + 1)
#define N_ERRORS (OAI_NO_SET_HIERARCHY + 1)

/* Upper bounds of the latency buckets, in seconds. */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static atomic_ulong requests[N_VERBS][N_STATUS];
static atomic_ulong oai_errors[N_ERRORS];
static atomic_ulong latency_count[N_BUCKETS + 1]; /* last: +Inf */
static atomic_ulong latency_sum_us;
static atomic_ulong records_served;
static atomic_ulong db_errors;
static atomic_ulong db_reconnects;
static atomic_ulong cache_pages, cache_counts;
static atomic_ulong get_batches, get_batched, first_page_snapshots, horizon_holds;
static atomic_ulong worker_connections[METRICS_MAX_WORKERS];
static atomic_int workers_shown; /* 1 + the highest worker index started */

static size_t status_index(int status)
{
    size_t i;

    for (i = 0; i < N_STATUS - 1; i++)
        if (statuses[i] == status)
            return i;
    return N_STATUS - 1;
}

void metrics_request(oai_verb verb, int status, unsigned errors, double seconds,
                     unsigned long records)
{
    size_t b = 0;

    if ((unsigned)verb >= N_VERBS)
        verb = VERB_NONE;
    atomic_fetch_add_explicit(&requests[verb][status_index(status)], 1, memory_order_relaxed);
    for (unsigned e = 1; e < N_ERRORS; e++)
        if (errors & (1u << e))
            atomic_fetch_add_explicit(&oai_errors[e], 1, memory_order_relaxed);
    while (b < N_BUCKETS && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&latency_count[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_us, (unsigned long)(seconds * 1e6),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&records_served, records, memory_order_relaxed);
}

void metrics_list_cache_hit(int page)
{
    atomic_fetch_add_explicit(page ? &cache_pages : &cache_counts, 1, memory_order_relaxed);
}

void metrics_get_batch(unsigned long n)
{
    atomic_fetch_add_explicit(&get_batches, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&get_batched, n, memory_order_relaxed);
}

void metrics_first_page_snapshot(void)
{
    atomic_fetch_add_explicit(&first_page_snapshots, 1, memory_order_relaxed);
}

void metrics_horizon_hold(void)
{
    atomic_fetch_add_explicit(&horizon_holds, 1, memory_order_relaxed);
}

void metrics_db_error(void)
{
    atomic_fetch_add_explicit(&db_errors, 1, memory_order_relaxed);
}

void metrics_db_reconnect(void)
{
    atomic_fetch_add_explicit(&db_reconnects, 1, memory_order_relaxed);
}

void metrics_worker_started(int worker)
{
    int shown = atomic_load_explicit(&workers_shown, memory_order_relaxed);

    if (worker < 0 || worker >= METRICS_MAX_WORKERS)
        return;
    while (shown < worker + 1 &&
           !atomic_compare_exchange_weak_explicit(&workers_shown, &shown, worker + 1,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void metrics_worker_connection(int worker)
{
    if (worker >= 0 && worker < METRICS_MAX_WORKERS)
        atomic_fetch_add_explicit(&worker_connections[worker], 1, memory_order_relaxed);
}

static unsigned long get(atomic_ulong *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void write_requests(struct evbuffer *out)
{
    size_t v, s;

    evbuffer_add_printf(out, "# HELP oai_requests_total HTTP requests by OAI verb and status.\n"
                             "# TYPE oai_requests_total counter\n");
    for (v = 0; v < N_VERBS; v++) {
        const char *name = oai_verb_name((oai_verb)v);

        for (s = 0; s < N_STATUS; s++) {
            unsigned long n = get(&requests[v][s]);
            char status[8] = "other";

            if (n == 0)
                continue;
            if (s < N_STATUS - 1)
                evutil_snprintf(status, sizeof(status), "%d", statuses[s]);
            evbuffer_add_printf(out, "oai_requests_total{verb=\"%s\",status=\"%s\"} %lu\n",
                                name ? name : "none", status, n);
        }
    }
}

static void write_errors(struct evbuffer *out)
{
    size_t e;

    evbuffer_add_printf(out, "# HELP oai_errors_total OAI-PMH error responses by code.\n"
                             "# TYPE oai_errors_total counter\n");
    for (e = 1; e < N_ERRORS; e++)
        evbuffer_add_printf(out, "oai_errors_total{code=\"%s\"} %lu\n",
                            oai_error_name((oai_error_code)e), get(&oai_errors[e]));
}

static void write_latency(struct evbuffer *out)
{
    unsigned long cumulative = 0;
    size_t b;

    evbuffer_add_printf(out, "# HELP oai_request_duration_seconds Time to answer a request.\n"
                             "# TYPE oai_request_duration_seconds histogram\n");
    for (b = 0; b < N_BUCKETS; b++) {
        cumulative += get(&latency_count[b]);
        evbuffer_add_printf(out, "oai_request_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b],
                            cumulative);
    }
    cumulative += get(&latency_count[N_BUCKETS]);
    evbuffer_add_printf(out,
                        "oai_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n"
                        "oai_request_duration_seconds_sum %.6f\n"
                        "oai_request_duration_seconds_count %lu\n",
                        cumulative, (double)get(&latency_sum_us) / 1e6, cumulative);
}

static void write_workers(struct evbuffer *out)
{
    int w, n = atomic_load_explicit(&workers_shown, memory_order_relaxed);

    evbuffer_add_printf(out, "# HELP oai_worker_connections_total Client connections accepted, "
                             "by worker thread.\n"
                             "# TYPE oai_worker_connections_total counter\n");
    for (w = 0; w < n; w++)
        evbuffer_add_printf(out, "oai_worker_connections_total{worker=\"%d\"} %lu\n", w,
                            get(&worker_connections[w]));
}

void metrics_write(struct evbuffer *out, int open_connections)
{
    write_requests(out);
    write_errors(out);
    write_latency(out);
    write_workers(out);
    evbuffer_add_printf(out,
                        "# HELP oai_records_served_total Records and headers sent in responses.\n"
                        "# TYPE oai_records_served_total counter\n"
                        "oai_records_served_total %lu\n"
                        "# HELP oai_open_connections Client connections open now.\n"
                        "# TYPE oai_open_connections gauge\n"
                        "oai_open_connections %d\n"
                        "# HELP oai_db_errors_total Database queries that failed.\n"
                        "# TYPE oai_db_errors_total counter\n"
                        "oai_db_errors_total %lu\n"
                        "# HELP oai_db_reconnects_total Database connections re-established.\n"
                        "# TYPE oai_db_reconnects_total counter\n"
                        "oai_db_reconnects_total %lu\n"
                        "# HELP oai_list_cache_hits_total First list pages and list sizes "
                        "served from memory (same data, see docs/performance.md).\n"
                        "# TYPE oai_list_cache_hits_total counter\n"
                        "oai_list_cache_hits_total{kind=\"page\"} %lu\n"
                        "oai_list_cache_hits_total{kind=\"count\"} %lu\n"
                        "# HELP oai_getrecord_batches_total GetRecord batches answered together, "
                        "each with at most one database statement (docs/architecture.md).\n"
                        "# TYPE oai_getrecord_batches_total counter\n"
                        "oai_getrecord_batches_total %lu\n"
                        "# HELP oai_getrecord_batched_total GetRecord requests answered in "
                        "those batches.\n"
                        "# TYPE oai_getrecord_batched_total counter\n"
                        "oai_getrecord_batched_total %lu\n"
                        "# HELP oai_first_page_snapshots_total Snapshot queries for first list "
                        "pages (one for all those that arrived together).\n"
                        "# TYPE oai_first_page_snapshots_total counter\n"
                        "oai_first_page_snapshots_total %lu\n"
                        "# HELP oai_commit_horizon_holds_total First list pages whose "
                        "responseDate was moved back to a commit in progress.\n"
                        "# TYPE oai_commit_horizon_holds_total counter\n"
                        "oai_commit_horizon_holds_total %lu\n",
                        get(&records_served), open_connections, get(&db_errors),
                        get(&db_reconnects), get(&cache_pages), get(&cache_counts),
                        get(&get_batches), get(&get_batched), get(&first_page_snapshots),
                        get(&horizon_holds));
}
