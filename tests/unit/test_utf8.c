/* test_utf8.c - the shared UTF-8 decoder (utf8.c): every kind of sequence
 * at its boundaries, and every kind of invalid one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "utf8.h"

/* Decodes the n bytes of s; returns the length, *cp the code point. */
static size_t dec(const char *s, size_t n, uint32_t *cp)
{
    *cp = 0xFFFFFFFF;
    return utf8_decode((const unsigned char *)s, n, cp);
}

static void test_valid_boundaries(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        uint32_t cp;
    } cases[] = {
        {"\x00", 1, 0x00},
        {"\x7F", 1, 0x7F},
        {"\xC2\x80", 2, 0x80},
        {"\xDF\xBF", 2, 0x7FF},
        {"\xE0\xA0\x80", 3, 0x800},
        {"\xED\x9F\xBF", 3, 0xD7FF},
        {"\xEE\x80\x80", 3, 0xE000},
        {"\xEF\xBF\xBF", 3, 0xFFFF},
        {"\xF0\x90\x80\x80", 4, 0x10000},
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
        /* Khmer KA, the collection's script. */
        {"\xE1\x9E\x80", 3, 0x1780},
    };
    uint32_t cp;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(dec(cases[i].s, cases[i].len, &cp), cases[i].len);
        assert_int_equal(cp, cases[i].cp);
    }
}

static void test_invalid(void **state)
{
    static const struct {
        const char *s;
        size_t n;
    } cases[] = {
        {"\x80", 1}, /* a continuation byte first */
        {"\xBF", 1},
        {"\xC0\x80", 2},     /* overlong NUL */
        {"\xC1\xBF", 2},     /* overlong 0x7F */
        {"\xE0\x9F\xBF", 3}, /* overlong below U+0800 */
        {"\xED\xA0\x80", 3}, /* a surrogate */
        {"\xED\xBF\xBF", 3},
        {"\xF0\x8F\xBF\xBF", 4},     /* overlong below U+10000 */
        {"\xF4\x90\x80\x80", 4},     /* beyond U+10FFFF */
        {"\xF8\x88\x80\x80\x80", 5}, /* five bytes */
        {"\xFF", 1},
        {"\xC2", 1}, /* truncated */
        {"\xE1\x9E", 2},
        {"\xF0\x90\x80", 3},
        {"\xC2\x41", 2}, /* not a continuation */
        {"\xE1\x9E\xC0", 3},
    };
    uint32_t cp;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(dec(cases[i].s, cases[i].n, &cp), 0);
}

static void test_valid_strings(void **state)
{
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("\xE1\x9E\x80\xE1\x9F\x92 ok", 8));
    assert_false(utf8_valid("ok\xE1\x9E", 4)); /* cut inside the last character */
    assert_false(utf8_valid("\xC3\xA9\xC3", 3));
    /* Only the n bytes given count. */
    assert_true(utf8_valid("ab\xFF", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_boundaries),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_valid_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
