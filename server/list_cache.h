/*
 * list_cache.h - per-worker memory of first list pages and list sizes.
 *
 * Aggregators start harvests in bursts, and every harvest starts with the
 * same request (verb=ListRecords&metadataPrefix=oai_dc): its page costs a
 * list statement, and its completeListSize a count(*) over the whole list,
 * ~76 ms at a million records (docs/performance.md). Both are pure
 * functions of the request, the second (responseDate, the harvest's upper
 * bound, the token's expiry) and the data. The data is identified exactly by
 * PostgreSQL's snapshot (pg_current_snapshot(): which transactions are
 * visible): while no transaction has committed, started or ended, the same
 * request gives the same bytes, and the same list has the same size.
 *
 * So a worker remembers:
 *   - first pages: the verb element of the last responses, keyed by the
 *     request's arguments, the second and the snapshot, served again within
 *     that second while the snapshot is unchanged;
 *   - list sizes: completeListSize keyed by (metadataPrefix requirement,
 *     set, from, effective until, snapshot), reused across seconds while the
 *     snapshot is unchanged. "Effective until" is min(until, newest
 *     datestamp): a list that reaches the newest record has the same size
 *     whatever later second bounds it.
 * Any write to the database (any transaction with an id, anywhere in the
 * cluster) changes the snapshot and so retires every entry; nothing else is
 * needed for correctness. Memory is bounded (LIST_CACHE_* in list_cache.c).
 * One cache per worker thread, used only by that thread: no locks.
 */
#ifndef LIST_CACHE_H
#define LIST_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

typedef struct list_cache list_cache;

list_cache *list_cache_new(void);
void list_cache_free(list_cache *c);

/* A cached first page for key (any bytes, klen long) at second now under
 * snapshot: appends a reference to its body to out (no copy; the bytes stay
 * valid while out holds them), sets *served, returns 1. 0 when there is none. */
int list_cache_get_page(list_cache *c, const char *key, size_t klen, int64_t now,
                        const char *snapshot, struct evbuffer *out, unsigned long *served);
/* Notes that the first page for key was asked for at second now. Returns 1
 * when it was asked already in this second or the one before: likely to be
 * asked again, so worth writing whole for list_cache_put_page (a page met
 * once is streamed instead, and holds no slow client's page in memory). */
int list_cache_ask(list_cache *c, const char *key, size_t klen, int64_t now);

/* The longest page list_cache_put_page keeps. */
#define LIST_CACHE_PAGE_MAX (2u * 1024 * 1024)
/* Remembers a copy of body (left untouched) for list_cache_get_page. */
void list_cache_put_page(list_cache *c, const char *key, size_t klen, int64_t now,
                         const char *snapshot, struct evbuffer *body, unsigned long served);

/* A remembered list size for key under snapshot: 1 and *count, or 0. */
int list_cache_get_count(list_cache *c, const char *key, size_t klen, const char *snapshot,
                         uint64_t *count);
void list_cache_put_count(list_cache *c, const char *key, size_t klen, const char *snapshot,
                          uint64_t count);

#endif
