/*
 * fuzz_datestamp.c - datestamp_parse, datestamp_format, datestamp_from_civil.
 *
 * Input: any bytes, taken as a C string (cut at the first NUL).
 * Properties checked:
 *  - datestamp_parse accepts exactly what an independent oracle accepts
 *    (the two shapes, digits, ranges, and a calendar check by glibc's
 *    timegm(), which normalises impossible dates such as 2023-02-29), and
 *    returns the instant timegm() computes;
 *  - for every parsed value, parse(format(t)) == t, and format(t) spells the
 *    input (a day-granularity input gets "T00:00:00Z");
 *  - the first 8 bytes as an int64 instant: format() always writes a valid
 *    datestamp, clamped to years 0001-9999, that parses back to the instant;
 *  - the first 24 bytes as six ints: datestamp_from_civil never overflows
 *    (UndefinedBehaviorSanitizer), whatever the arguments.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "datestamp.h"
#include "fuzz_common.h"

#define DATESTAMP_MIN INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define DATESTAMP_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* The oracle: 1 and *t, *g when s is a valid datestamp, else 0. */
static int oracle(const char *s, int64_t *t, oai_granularity *g)
{
    size_t n = strlen(s);
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    struct tm tm;
    time_t r;

    if (n != 10 && n != 20)
        return 0;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return 0;
    if (n == 20 &&
        (s[10] != 'T' || !digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
         s[16] != ':' || !digits(s + 17, 2, &ss) || s[19] != 'Z'))
        return 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 59)
        return 0;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = hh;
    tm.tm_min = mi;
    tm.tm_sec = ss;
    r = timegm(&tm);
    /* timegm normalises 2023-02-29 to 2023-03-01: then the date is not real. */
    if (tm.tm_year != y - 1900 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
        return 0;
    *t = (int64_t)r;
    *g = n == 10 ? GRAN_DAY : GRAN_SECONDS;
    return 1;
}

static void check_string(const char *s)
{
    int64_t t = 0, t2 = 0, want_t = 0;
    oai_granularity g = GRAN_NONE, g2 = GRAN_NONE, want_g = GRAN_NONE;
    char buf[DATESTAMP_LEN];
    int ok = datestamp_parse(s, &t, &g) == 0;
    int want = oracle(s, &want_t, &want_g);

    FUZZ_CHECK(ok == want);
    FUZZ_CHECK((datestamp_parse(s, NULL, NULL) == 0) == ok);
    if (!ok)
        return;
    FUZZ_CHECK(t == want_t);
    FUZZ_CHECK(g == want_g);
    FUZZ_CHECK(t >= DATESTAMP_MIN && t <= DATESTAMP_MAX);

    datestamp_format(t, buf);
    FUZZ_CHECK(strlen(buf) == DATESTAMP_LEN - 1);
    if (g == GRAN_SECONDS) {
        FUZZ_CHECK(strcmp(buf, s) == 0);
    } else {
        FUZZ_CHECK(memcmp(buf, s, 10) == 0);
        FUZZ_CHECK(strcmp(buf + 10, "T00:00:00Z") == 0);
    }
    FUZZ_CHECK(datestamp_parse(buf, &t2, &g2) == 0);
    FUZZ_CHECK(t2 == t);
    FUZZ_CHECK(g2 == GRAN_SECONDS);
}

static void check_instant(int64_t x)
{
    char buf[DATESTAMP_LEN];
    int64_t t = 0;
    oai_granularity g = GRAN_NONE;
    int64_t want = x < DATESTAMP_MIN ? DATESTAMP_MIN : x > DATESTAMP_MAX ? DATESTAMP_MAX : x;

    memset(buf, 'X', sizeof(buf));
    datestamp_format(x, buf);
    FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) == buf + DATESTAMP_LEN - 1);
    FUZZ_CHECK(datestamp_parse(buf, &t, &g) == 0);
    FUZZ_CHECK(g == GRAN_SECONDS);
    FUZZ_CHECK(t == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);

    check_string(s);
    free(s);

    if (size >= 8) {
        int64_t x;

        memcpy(&x, data, sizeof(x));
        check_instant(x);
    }
    if (size >= 6 * sizeof(int)) {
        int v[6];
        volatile int64_t sink;

        memcpy(v, data, sizeof(v));
        sink = datestamp_from_civil(v[0], v[1], v[2], v[3], v[4], v[5]);
        (void)sink;
    }
    return 0;
}
