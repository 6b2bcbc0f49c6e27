/* test_datestamp.c - datestamp parsing, formatting and calendar arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "datestamp.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define T_MIN INT64_C(-62135596800)
#define T_MAX INT64_C(253402300799)

typedef struct {
    const char *s;
    int64_t t;
    oai_granularity gran;
} valid_case;

static const valid_case valid_cases[] = {
    {"1970-01-01", 0, GRAN_DAY},
    {"1970-01-01T00:00:00Z", 0, GRAN_SECONDS},
    {"1970-01-01T00:00:01Z", 1, GRAN_SECONDS},
    {"1969-12-31T23:59:59Z", -1, GRAN_SECONDS},
    {"1969-12-31", -86400, GRAN_DAY},
    {"2000-01-01", 946684800, GRAN_DAY},
    {"2000-01-01T00:00:00Z", 946684800, GRAN_SECONDS},
    {"2000-02-29", 951782400, GRAN_DAY},
    {"2024-02-29", 1709164800, GRAN_DAY},
    {"2024-02-29T23:59:59Z", 1709251199, GRAN_SECONDS},
    {"1999-12-31T23:59:59Z", 946684799, GRAN_SECONDS},
    {"2038-01-19T03:14:08Z", INT64_C(2147483648), GRAN_SECONDS},
    {"1901-12-13T20:45:51Z", INT64_C(-2147483649), GRAN_SECONDS},
    {"1600-02-29", INT64_C(-11670998400), GRAN_DAY},
    {"0001-01-01", T_MIN, GRAN_DAY},
    {"0001-01-01T00:00:00Z", T_MIN, GRAN_SECONDS},
    {"9999-12-31", T_MAX - 86399, GRAN_DAY},
    {"9999-12-31T23:59:59Z", T_MAX, GRAN_SECONDS},
    {"0999-06-15T12:30:45Z", INT64_C(-30627458955), GRAN_SECONDS},
};

static void test_parse_valid(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(valid_cases); i++) {
        int64_t t = 42;
        oai_granularity g = GRAN_NONE;
        const valid_case *c = &valid_cases[i];

        if (datestamp_parse(c->s, &t, &g) != 0 || t != c->t || g != c->gran)
            fail_msg("'%s': got %lld gran %d", c->s, (long long)t, (int)g);
    }
}

static const char *const invalid_cases[] = {
    "",
    " ",
    "2023-13-01",
    "2023-00-10",
    "2023-01-00",
    "2023-01-32",
    "2023-04-31",
    "2023-06-31",
    "2023-09-31",
    "2023-11-31",
    "2023-02-29",
    "2100-02-29",
    "1900-02-29",
    "2023-02-30",
    "2024-02-30",
    "1999-12-31T24:00:00Z",
    "1999-12-31T23:60:00Z",
    "1999-12-31T23:59:60Z",
    "1999-12-31T23:59:61Z",
    "2000-01-01T00:00:00",
    "2000-01-01T00:00:00z",
    "2000-01-01t00:00:00Z",
    "2000-01-01 00:00:00Z",
    "2000-01-01T00:00:00.5Z",
    "2000-01-01T00:00:00.000Z",
    "2000-01-01T00:00:00+07:00",
    "2000-01-01T00:00:00+00:00",
    "2000-01-01T00:00:00-00:00",
    "2000-01-01T00:00Z",
    "2000-01-01T00Z",
    "2000-01-01T",
    "2000-01-01Z",
    " 2000-01-01",
    "2000-01-01 ",
    "2000-01-01\n",
    "\t2000-01-01",
    "2000-1-1",
    "2000-01-1",
    "2000-1-01",
    "200-01-01",
    "20000-01-01",
    "0000-01-01",
    "0000-12-31T23:59:59Z",
    "10000-01-01",
    "10000-01-01T00:00:00Z",
    "-001-01-01",
    "+2000-01-01",
    "2000/01/01",
    "2000-01-01T00-00-00Z",
    "2000-01-01T00:00:00ZZ",
    "2000-01-01T00:00:00Z ",
    "2000-01-01T0:00:00Z",
    "20000101",
    "20000101T000000Z",
    "2000-01-0a",
    "2000-0a-01",
    "200a-01-01",
    "2000-01-01T0a:00:00Z",
    "2000-01-01T00:0a:00Z",
    "2000-01-01T00:00:0aZ",
    "2000-W01-1",
    "2000-001",
    "2000-01",
    "2000",
    "\xd9\xa2\xd9\xa0\xd9\xa0\xd9\xa0-01-01", /* Arabic-Indic digits */
    "２０００-01-01",                         /* fullwidth digits */
    "2000-01-01T00:00:00\xef\xbc\xba",        /* fullwidth Z */
    "2000-01-01T00:00:60Z",
    "2000-01-01T99:99:99Z",
    "2000-99-99",
};

static void test_parse_invalid(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(invalid_cases); i++) {
        const char *s = invalid_cases[i];
        int64_t t = 42;
        oai_granularity g = GRAN_SECONDS;

        /* Outputs are left untouched on failure. */
        if (datestamp_parse(s, &t, &g) != -1 || t != 42 || g != GRAN_SECONDS)
            fail_msg("'%s' was accepted", s);
    }
    assert_int_equal(datestamp_parse(NULL, NULL, NULL), -1);
}

static void test_parse_null_outputs(void **state)
{
    int64_t t = 0;
    oai_granularity g = GRAN_NONE;

    assert_int_equal(datestamp_parse("2001-02-03", NULL, NULL), 0);
    assert_int_equal(datestamp_parse("2001-02-03T04:05:06Z", &t, NULL), 0);
    assert_int_equal(t, 981173106);
    assert_int_equal(datestamp_parse("2001-02-03T04:05:06Z", NULL, &g), 0);
    assert_int_equal(g, GRAN_SECONDS);
}

static void test_leap_years(void **state)
{
    static const struct {
        int year;
        int leap;
    } years[] = {
        {1, 0},    {4, 1},    {100, 0},  {400, 1},  {1600, 1}, {1700, 0},
        {1800, 0}, {1900, 0}, {1996, 1}, {1999, 0}, {2000, 1}, {2004, 1},
        {2023, 0}, {2024, 1}, {2100, 0}, {2400, 1}, {9996, 1}, {9999, 0},
    };

    for (size_t i = 0; i < ARRAY_LEN(years); i++) {
        char s[16];
        snprintf(s, sizeof(s), "%04d-02-29", years[i].year);
        if (datestamp_parse(s, NULL, NULL) != (years[i].leap ? 0 : -1))
            fail_msg("%s", s);
        snprintf(s, sizeof(s), "%04d-02-28", years[i].year);
        assert_int_equal(datestamp_parse(s, NULL, NULL), 0);
    }
}

static void assert_format(int64_t t, const char *want)
{
    char buf[DATESTAMP_LEN];

    memset(buf, 'x', sizeof(buf));
    datestamp_format(t, buf);
    assert_string_equal(buf, want);
}

static void test_format(void **state)
{
    assert_format(0, "1970-01-01T00:00:00Z");
    assert_format(-1, "1969-12-31T23:59:59Z");
    assert_format(-86400, "1969-12-31T00:00:00Z");
    assert_format(-86401, "1969-12-30T23:59:59Z");
    assert_format(951782400, "2000-02-29T00:00:00Z");
    assert_format(1709164800 + 86399, "2024-02-29T23:59:59Z");
    assert_format(T_MIN, "0001-01-01T00:00:00Z");
    assert_format(T_MAX, "9999-12-31T23:59:59Z");
    assert_format(INT64_C(-30627458955), "0999-06-15T12:30:45Z");
    assert_format(INT64_C(-59011459200), "0100-01-01T00:00:00Z");
    assert_format(INT64_C(-61851600000), "0010-01-01T00:00:00Z");
}

/* Out-of-range instants are clamped into the range datestamps can express,
 * so the result always fits and always parses. */
static void test_format_clamps(void **state)
{
    assert_format(T_MIN - 1, "0001-01-01T00:00:00Z");
    assert_format(INT64_MIN, "0001-01-01T00:00:00Z");
    assert_format(T_MAX + 1, "9999-12-31T23:59:59Z");
    assert_format(INT64_MAX, "9999-12-31T23:59:59Z");
}

static void test_from_civil(void **state)
{
    assert_int_equal(datestamp_from_civil(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(datestamp_from_civil(2000, 1, 1, 0, 0, 0), 946684800);
    assert_int_equal(datestamp_from_civil(2024, 2, 29, 0, 0, 0), 1709164800);
    assert_int_equal(datestamp_from_civil(1, 1, 1, 0, 0, 0), T_MIN);
    assert_int_equal(datestamp_from_civil(9999, 12, 31, 23, 59, 59), T_MAX);
    assert_int_equal(datestamp_from_civil(1969, 12, 31, 23, 59, 59), -1);
    /* No validation: out-of-range fields just carry, and never overflow. */
    assert_int_equal(datestamp_from_civil(1970, 1, 1, 24, 0, 0), 86400);
    assert_int_equal(datestamp_from_civil(1970, 1, 1, 0, 0, -1), -1);
    assert_int_equal(datestamp_from_civil(2023, 2, 29, 0, 0, 0),
                     datestamp_from_civil(2023, 3, 1, 0, 0, 0));
    (void)datestamp_from_civil(INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX);
    (void)datestamp_from_civil(INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN);
}

/* Agreement with the C library where it is trustworthy (64-bit time_t). */
static void test_matches_timegm(void **state)
{
    if (sizeof(time_t) < 8)
        skip();
    for (int64_t t = -INT64_C(5000000000); t < INT64_C(5000000000); t += 7777777) {
        time_t tt = (time_t)t;
        struct tm tm;
        char want[64], got[DATESTAMP_LEN];

        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        datestamp_format(t, got);
        assert_string_equal(got, want);
        assert_int_equal(datestamp_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                              tm.tm_hour, tm.tm_min, tm.tm_sec),
                         t);
    }
}

static void assert_round_trip(int64_t t)
{
    char buf[DATESTAMP_LEN];
    int64_t back = 0;
    oai_granularity g = GRAN_NONE;

    datestamp_format(t, buf);
    assert_int_equal(strlen(buf), DATESTAMP_LEN - 1);
    assert_int_equal(datestamp_parse(buf, &back, &g), 0);
    assert_int_equal(back, t);
    assert_int_equal(g, GRAN_SECONDS);

    /* The day part alone parses to the start of that day. */
    buf[10] = '\0';
    assert_int_equal(datestamp_parse(buf, &back, &g), 0);
    assert_int_equal(g, GRAN_DAY);
    assert_true(back <= t && t - back < 86400);
    assert_int_equal((t - back) % 86400, ((t % 86400) + 86400) % 86400);
}

static void test_round_trip_instants(void **state)
{
    static const int64_t instants[] = {
        0,
        1,
        -1,
        59,
        60,
        3599,
        3600,
        86399,
        86400,
        -86399,
        -86400,
        -86401,
        951782400,             /* 2000-02-29 */
        951868799,             /* 2000-02-29T23:59:59Z */
        1709164800,            /* 2024-02-29 */
        INT64_C(-2208988800),  /* 1900-01-01 */
        INT64_C(-11670998400), /* 1600-02-29 */
        INT64_C(4107542400),   /* 2100-03-01 */
        INT64_C(2147483647),   /* 2038-01-19T03:14:07Z */
        INT64_C(2147483648),
        INT64_C(-2147483648),
        INT64_C(-2147483649),
        T_MIN,
        T_MIN + 1,
        T_MIN + 86399,
        T_MIN + 86400,
        T_MAX,
        T_MAX - 1,
        T_MAX - 86399,
        INT64_C(-62104060800), /* 0002-01-01 */
        INT64_C(-30627458955),
    };

    for (size_t i = 0; i < ARRAY_LEN(instants); i++)
        assert_round_trip(instants[i]);
    /* A spread of odd instants across the whole range, at varied times of
     * day (t % 86399 < 0 near T_MIN, hence the absolute value). */
    for (int64_t t = T_MIN; t <= T_MAX - 9876543211; t += 9876543211)
        assert_round_trip(t + (t < 0 ? -t : t) % 86399);
}

/*
 * Every day from 0001-01-01 to 9999-12-31: the formatted date is exactly the
 * calendar successor of the previous day, and parses back. This covers every
 * leap day and every month length of the whole range.
 */
static void test_every_day(void **state)
{
    int y = 1, m = 1, d = 1;
    int64_t count = 0;

    for (int64_t t = T_MIN; t <= T_MAX; t += 86400, count++) {
        char want[64], got[DATESTAMP_LEN];
        int64_t back;

        snprintf(want, sizeof(want), "%04d-%02d-%02dT00:00:00Z", y, m, d);
        datestamp_format(t, got);
        if (strcmp(got, want) != 0)
            fail_msg("%lld: got %s want %s", (long long)t, got, want);
        if (datestamp_parse(got, &back, NULL) != 0 || back != t)
            fail_msg("%s does not round-trip", got);
        if (datestamp_from_civil(y, m, d, 0, 0, 0) != t)
            fail_msg("from_civil %s", want);

        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        int len = m == 2 && leap ? 29 : mdays[m - 1];
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(y, 10000);
    assert_int_equal(count, 3652059); /* days in 9999 Gregorian years */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_null_outputs),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_clamps),
        cmocka_unit_test(test_from_civil),
        cmocka_unit_test(test_matches_timegm),
        cmocka_unit_test(test_round_trip_instants),
        cmocka_unit_test(test_every_day),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
