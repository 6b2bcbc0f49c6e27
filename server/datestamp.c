/*
 * datestamp.c - UTC datestamps without time_t.
 *
 * Calendar arithmetic uses Howard Hinnant's days_from_civil / civil_from_days
 * algorithms (proleptic Gregorian, eras of 400 years = 146097 days), so the
 * results do not depend on the local time zone, on timegm() being available
 * or on the width of time_t.
 */
#include "datestamp.h"

#include <string.h>

#define SECS_PER_DAY 86400

/* The instants of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
 * datestamp_parse accepts, and so the range datestamp_format writes. */
#define DATESTAMP_MIN INT64_C(-62135596800)
#define DATESTAMP_MAX INT64_C(253402300799)

/* Days since 1970-01-01. 64-bit throughout so that no int argument, however
 * absurd, can overflow (datestamp_from_civil promises no validation). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2; /* the year starts in March: leap day is the last day */
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468; /* shift the epoch to 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int64_t month = mp < 10 ? mp + 3 : mp - 9;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)month;
    *y = (int)(yoe + era * 400 + (month <= 2));
}

int64_t datestamp_from_civil(int year, int month, int day, int hour, int min, int sec)
{
    return days_from_civil(year, month, day) * SECS_PER_DAY + (int64_t)hour * 3600 +
           (int64_t)min * 60 + sec;
}

static int is_leap(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n ASCII digits (isdigit() would depend on the locale). */
static int read_digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* "YYYY-MM-DD" at s (the caller has checked there are 10 bytes). */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    if (read_digits(s, 4, y) || s[4] != '-' || read_digits(s + 5, 2, m) || s[7] != '-' ||
        read_digits(s + 8, 2, d))
        return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

/* "Thh:mm:ssZ" at s (the caller has checked there are 10 bytes). */
static int parse_time(const char *s, int *hh, int *mm, int *ss)
{
    if (s[0] != 'T' || read_digits(s + 1, 2, hh) || s[3] != ':' || read_digits(s + 4, 2, mm) ||
        s[6] != ':' || read_digits(s + 7, 2, ss) || s[9] != 'Z')
        return -1;
    /* No leap seconds: OAI-PMH datestamps are plain UTC ISO 8601. */
    if (*hh > 23 || *mm > 59 || *ss > 59)
        return -1;
    return 0;
}

int datestamp_parse(const char *s, int64_t *out, oai_granularity *gran)
{
    int y, m, d, hh = 0, mm = 0, ss = 0;
    oai_granularity g;

    if (s == NULL)
        return -1;
    /* strnlen: never read past what a valid datestamp needs. */
    size_t len = strnlen(s, DATESTAMP_LEN);
    if (len == 10)
        g = GRAN_DAY;
    else if (len == DATESTAMP_LEN - 1)
        g = GRAN_SECONDS;
    else
        return -1;

    if (parse_date(s, &y, &m, &d))
        return -1;
    if (g == GRAN_SECONDS && parse_time(s + 10, &hh, &mm, &ss))
        return -1;

    if (out)
        *out = datestamp_from_civil(y, m, d, hh, mm, ss);
    if (gran)
        *gran = g;
    return 0;
}

void datestamp_format(int64_t t, char buf[DATESTAMP_LEN])
{
    int y, m, d;

    /* Clamp to years 0001-9999 so the output always fits the buffer and is
     * itself a valid datestamp (out-of-range values are programming errors
     * or sentinels such as INT64_MIN/INT64_MAX). */
    if (t < DATESTAMP_MIN)
        t = DATESTAMP_MIN;
    if (t > DATESTAMP_MAX)
        t = DATESTAMP_MAX;

    /* Floor division: -1 is 1969-12-31T23:59:59Z, not day 0. */
    int64_t days = t / SECS_PER_DAY;
    int64_t secs = t % SECS_PER_DAY;
    if (secs < 0) {
        secs += SECS_PER_DAY;
        days -= 1;
    }
    civil_from_days(days, &y, &m, &d);

    int hh = (int)(secs / 3600);
    int mm = (int)(secs / 60 % 60);
    int ss = (int)(secs % 60);
    /* Fixed-width fields by hand: snprintf cannot prove to the compiler
     * that the values fit, and this is on the hot path of every record. */
    const int field[6] = {y, m, d, hh, mm, ss};
    const int width[6] = {4, 2, 2, 2, 2, 2};
    const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
    char *p = buf;
    for (int i = 0; i < 6; i++) {
        int v = field[i];
        for (int k = width[i] - 1; k >= 0; k--) {
            p[k] = (char)('0' + v % 10);
            v /= 10;
        }
        p += width[i];
        *p++ = sep[i];
    }
    *p = '\0';
}
