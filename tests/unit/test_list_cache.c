/*
 * test_list_cache.c - the per-worker memory of first pages and list sizes:
 * an entry is found only for the same key, second and snapshot; bodies are
 * copies; memory stays bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "list_cache.h"

static struct evbuffer *body_of(const char *s)
{
    struct evbuffer *b = evbuffer_new();

    assert_non_null(b);
    evbuffer_add(b, s, strlen(s));
    return b;
}

/* Looks a page up; returns its text (static) or NULL. */
static const char *get(list_cache *c, const char *key, int64_t now, const char *snap,
                       unsigned long *served)
{
    static char text[256];
    struct evbuffer *out = evbuffer_new();
    size_t n;
    int hit;

    assert_non_null(out);
    hit = list_cache_get_page(c, key, strlen(key), now, snap, out, served);
    n = evbuffer_get_length(out);
    assert_true(n < sizeof(text));
    evbuffer_remove(out, text, n);
    text[n] = '\0';
    evbuffer_free(out);
    return hit ? text : NULL;
}

static void test_pages(void **state)
{
    list_cache *c = list_cache_new();
    struct evbuffer *b = body_of("<ListRecords>one</ListRecords>");
    unsigned long served = 0;

    (void)state;
    assert_non_null(c);
    assert_null(get(c, "k", 100, "s1", &served));
    list_cache_put_page(c, "k", 1, 100, "s1", b, 7);
    /* The body handed in is left as it was (it becomes the response). */
    assert_int_equal(evbuffer_get_length(b), strlen("<ListRecords>one</ListRecords>"));
    evbuffer_drain(b, evbuffer_get_length(b));
    assert_string_equal(get(c, "k", 100, "s1", &served), "<ListRecords>one</ListRecords>");
    assert_int_equal(served, 7);
    assert_null(get(c, "k", 101, "s1", &served)); /* another second */
    assert_null(get(c, "k", 100, "s2", &served)); /* other data */
    assert_null(get(c, "K", 100, "s1", &served)); /* another request */
    assert_null(get(c, "", 100, "s1", &served));
    /* No snapshot: nothing is remembered or found. */
    evbuffer_add(b, "x", 1);
    list_cache_put_page(c, "e", 1, 100, "", b, 1);
    assert_null(get(c, "e", 100, "", &served));
    evbuffer_free(b);
    list_cache_free(c);
}

static void test_pages_of_past_seconds_dropped_and_bounded(void **state)
{
    list_cache *c = list_cache_new();
    char key[16];
    unsigned long served;
    int i;

    (void)state;
    assert_non_null(c);
    for (i = 0; i < 100; i++) {
        struct evbuffer *b = body_of("page");

        snprintf(key, sizeof(key), "k%d", i);
        list_cache_put_page(c, key, strlen(key), 100 + i / 10, "s", b, 1);
        evbuffer_free(b);
    }
    /* Only the last second's most recent pages remain. */
    assert_null(get(c, "k0", 100, "s", &served));
    assert_non_null(get(c, "k99", 109, "s", &served));
    assert_null(get(c, "k89", 108, "s", &served));
    list_cache_free(c);
}

static void test_reference_outlives_entry(void **state)
{
    list_cache *c = list_cache_new();
    struct evbuffer *b = body_of("first"), *out = evbuffer_new();
    unsigned long served;
    char text[16];

    (void)state;
    list_cache_put_page(c, "k", 1, 5, "s", b, 1);
    assert_int_equal(list_cache_get_page(c, "k", 1, 5, "s", out, &served), 1);
    /* Replaced (a new second) and freed while out still refers to it. */
    list_cache_put_page(c, "k", 1, 6, "s", b, 1);
    list_cache_free(c);
    assert_int_equal(evbuffer_remove(out, text, sizeof(text) - 1), 5);
    text[5] = '\0';
    assert_string_equal(text, "first");
    evbuffer_free(out);
    evbuffer_free(b);
}

static void test_counts(void **state)
{
    list_cache *c = list_cache_new();
    uint64_t n = 0;
    char key[16];
    int i;

    (void)state;
    assert_int_equal(list_cache_get_count(c, "q", 1, "s1", &n), 0);
    list_cache_put_count(c, "q", 1, "s1", 42);
    assert_int_equal(list_cache_get_count(c, "q", 1, "s1", &n), 1);
    assert_int_equal(n, 42);
    assert_int_equal(list_cache_get_count(c, "q", 1, "s2", &n), 0);
    assert_int_equal(list_cache_get_count(c, "r", 1, "s1", &n), 0);
    /* A size under newer data retires the older ones. */
    list_cache_put_count(c, "r", 1, "s2", 43);
    assert_int_equal(list_cache_get_count(c, "q", 1, "s1", &n), 0);
    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "q%d", i);
        list_cache_put_count(c, key, strlen(key), "s2", (uint64_t)i);
    }
    assert_int_equal(list_cache_get_count(c, "q999", 4, "s2", &n), 1);
    assert_int_equal(n, 999);
    assert_int_equal(list_cache_get_count(c, "q0", 2, "s2", &n), 0);
    list_cache_put_count(c, "e", 1, "", 1);
    assert_int_equal(list_cache_get_count(c, "e", 1, "", &n), 0);
    list_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_pages_of_past_seconds_dropped_and_bounded),
        cmocka_unit_test(test_reference_outlives_entry),
        cmocka_unit_test(test_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
