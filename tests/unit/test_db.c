/* Unit tests for db.c's parsing of the aggregated Dublin Core field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
