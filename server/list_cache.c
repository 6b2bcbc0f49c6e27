/*
 * list_cache.c - per-worker memory of first list pages and list sizes
 * (see list_cache.h for why it is exact).
 */
#include "list_cache.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "hash.h"

/* Pages: a burst of identical first pages needs one; a few distinct ones
 * (several formats or sets) in the same second fit. A page is ~600 kB at
 * the default page size. */
#define LIST_CACHE_PAGES 8
#define LIST_CACHE_COUNTS 32
/* Longer keys (huge set or date arguments) are simply not cached. */
#define LIST_CACHE_KEY_MAX 512
#define LIST_CACHE_SNAPSHOT_MAX 256
/* First-page keys remembered as asked (list_cache_ask). */
#define LIST_CACHE_ASKED 64

typedef struct {
    char key[LIST_CACHE_KEY_MAX];
    size_t klen;
    char snapshot[LIST_CACHE_SNAPSHOT_MAX];
    int64_t now;
    struct evbuffer *body; /* NULL: free slot */
    unsigned long served;
} page_entry;

typedef struct {
    char key[LIST_CACHE_KEY_MAX];
    size_t klen;
    char snapshot[LIST_CACHE_SNAPSHOT_MAX];
    uint64_t count;
    int used;
} count_entry;

typedef struct {
    uint64_t hash; /* of the key; a collision only makes a page whole */
    int64_t now;   /* the second it was last asked in */
} asked_entry;

struct list_cache {
    page_entry pages[LIST_CACHE_PAGES];
    count_entry counts[LIST_CACHE_COUNTS];
    asked_entry asked[LIST_CACHE_ASKED];
    size_t next_page, next_count, next_asked; /* round-robin replacement */
};

list_cache *list_cache_new(void)
{
    return calloc(1, sizeof(list_cache));
}

static void drop_page(page_entry *e)
{
    if (e->body != NULL)
        evbuffer_free(e->body);
    e->body = NULL;
}

void list_cache_free(list_cache *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < LIST_CACHE_PAGES; i++)
        drop_page(&c->pages[i]);
    free(c);
}

/* An empty snapshot is unknown data: never remembered. */
static int fits(size_t klen, const char *snapshot)
{
    return klen <= LIST_CACHE_KEY_MAX && snapshot[0] != '\0' &&
           strlen(snapshot) < LIST_CACHE_SNAPSHOT_MAX;
}

static int same(const char *k1, size_t l1, const char *k2, size_t l2)
{
    return l1 == l2 && memcmp(k1, k2, l1) == 0;
}

int list_cache_ask(list_cache *c, const char *key, size_t klen, int64_t now)
{
    uint64_t h = hash_bytes(key, klen);
    size_t i;
    int seen = 0;

    for (i = 0; i < LIST_CACHE_ASKED; i++) {
        asked_entry *e = &c->asked[i];

        if (e->now != 0 && e->hash == h) {
            seen = e->now >= now - 1;
            e->now = now;
            return seen;
        }
    }
    c->asked[c->next_asked].hash = h;
    c->asked[c->next_asked].now = now;
    c->next_asked = (c->next_asked + 1) % LIST_CACHE_ASKED;
    return 0;
}

int list_cache_get_page(list_cache *c, const char *key, size_t klen, int64_t now,
                        const char *snapshot, struct evbuffer *out, unsigned long *served)
{
    size_t i;

    for (i = 0; i < LIST_CACHE_PAGES; i++) {
        page_entry *e = &c->pages[i];

        if (e->body == NULL || snapshot[0] == '\0' || e->now != now ||
            !same(e->key, e->klen, key, klen) || strcmp(e->snapshot, snapshot) != 0)
            continue;
        /* A reference: out shares the entry's memory (refcounted by
         * libevent), so the entry may be replaced while out is sent. */
        if (evbuffer_add_buffer_reference(out, e->body) != 0)
            return 0;
        *served = e->served;
        return 1;
    }
    return 0;
}

void list_cache_put_page(list_cache *c, const char *key, size_t klen, int64_t now,
                         const char *snapshot, struct evbuffer *body, unsigned long served)
{
    size_t len = evbuffer_get_length(body), i;
    page_entry *e = NULL;

    if (!fits(klen, snapshot) || len > LIST_CACHE_PAGE_MAX)
        return;
    /* Entries of past seconds can never be served again. */
    for (i = 0; i < LIST_CACHE_PAGES; i++)
        if (c->pages[i].body != NULL && c->pages[i].now != now)
            drop_page(&c->pages[i]);
    for (i = 0; i < LIST_CACHE_PAGES && e == NULL; i++)
        if (c->pages[i].body == NULL)
            e = &c->pages[i];
    if (e == NULL) {
        e = &c->pages[c->next_page];
        c->next_page = (c->next_page + 1) % LIST_CACHE_PAGES;
        drop_page(e);
    }
    e->body = evbuffer_new();
    if (e->body == NULL)
        return;
    /* A copy of its own: body itself is about to be moved into the
     * response. */
    if (evbuffer_add(e->body, evbuffer_pullup(body, -1), len) != 0) {
        drop_page(e);
        return;
    }
    memcpy(e->key, key, klen);
    e->klen = klen;
    strcpy(e->snapshot, snapshot);
    e->now = now;
    e->served = served;
}

int list_cache_get_count(list_cache *c, const char *key, size_t klen, const char *snapshot,
                         uint64_t *count)
{
    size_t i;

    for (i = 0; i < LIST_CACHE_COUNTS; i++) {
        const count_entry *e = &c->counts[i];

        if (e->used && snapshot[0] != '\0' && same(e->key, e->klen, key, klen) &&
            strcmp(e->snapshot, snapshot) == 0) {
            *count = e->count;
            return 1;
        }
    }
    return 0;
}

void list_cache_put_count(list_cache *c, const char *key, size_t klen, const char *snapshot,
                          uint64_t count)
{
    count_entry *e = NULL;
    size_t i;

    if (!fits(klen, snapshot))
        return;
    /* Entries of another snapshot can never be used again (snapshots only
     * move forward). */
    for (i = 0; i < LIST_CACHE_COUNTS; i++)
        if (c->counts[i].used && strcmp(c->counts[i].snapshot, snapshot) != 0)
            c->counts[i].used = 0;
    for (i = 0; i < LIST_CACHE_COUNTS && e == NULL; i++)
        if (!c->counts[i].used)
            e = &c->counts[i];
    if (e == NULL) {
        e = &c->counts[c->next_count];
        c->next_count = (c->next_count + 1) % LIST_CACHE_COUNTS;
    }
    memcpy(e->key, key, klen);
    e->klen = klen;
    strcpy(e->snapshot, snapshot);
    e->count = count;
    e->used = 1;
}
