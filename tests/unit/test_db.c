/* Unit tests for db.c's parsing of the aggregated Dublin Core field and
 * its array literals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "db.h"

static void test_split(void **state)
{
    /* Values may contain spaces, newlines and digits: only the length ends them. */
    char field[] = "title km 42 ព្រះរាជក្រឹត្យ\n"
                   "title en 12 Royal\ndecree\n"
                   "identifier - 9 https://x\n"
                   "description en 0 \n";
    dc_value v[8];

    (void)state;
    assert_int_equal(db_split_dc(field, v, 8), 4);
    assert_string_equal(v[0].element, "title");
    assert_string_equal(v[0].lang, "km");
    assert_string_equal(v[0].value, "ព្រះរាជក្រឹត្យ");
    assert_string_equal(v[1].value, "Royal\ndecree");
    assert_string_equal(v[1].lang, "en");
    assert_string_equal(v[2].element, "identifier");
    assert_null(v[2].lang);
    assert_string_equal(v[2].value, "https://x");
    assert_string_equal(v[3].value, "");
}

static void test_limit(void **state)
{
    char field[] = "title en 1 a\ntitle en 1 b\ntitle en 1 c\n";
    dc_value v[2];

    (void)state;
    assert_int_equal(db_split_dc(field, v, 2), 2);
    assert_string_equal(v[1].value, "b");
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "title",               /* no lang */
        "title en",            /* no length */
        "title en x abc\n",    /* length not a number */
        "title en 10 short\n", /* length beyond the field */
        "title en 3 abcd\n",   /* no newline after the value */
        "title en 3 abc",      /* missing final newline */
        "title en -1 abc\n",   /* negative length */
    };
    dc_value v[4];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char copy[64];

        strcpy(copy, bad[i]);
        assert_int_equal(db_split_dc(copy, v, 4), -1);
    }
    {
        char empty[] = "";

        assert_int_equal(db_split_dc(empty, v, 4), 0);
    }
}

/* Every element quoted, '"' and '\\' escaped: braces, commas, blanks
 * and the word NULL stay text; only a NULL pointer is SQL NULL. PostgreSQL
 * reads such literals in tests/integration/test_together.py. */
static void test_array(void **state)
{
    struct evbuffer *buf = evbuffer_new();
    const char *in[] = {"a\"b", "c\\d", "{x,y}", "NULL", "", " s ", NULL};
    const char expect[] = "{\"a\\\"b\",\"c\\\\d\",\"{x,y}\",\"NULL\",\"\",\" s \",NULL";
    size_t i, len;

    (void)state;
    assert_non_null(buf);
    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        assert_int_equal(db_array_add(buf, in[i]), 0);
    len = evbuffer_get_length(buf);
    assert_int_equal(len, sizeof(expect) - 1);
    assert_memory_equal(evbuffer_pullup(buf, -1), expect, len);
    evbuffer_free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_array),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
