/*
 * datestamp.h - UTC datestamps as OAI-PMH writes them (spec 3.3.1).
 *
 * Times are int64 seconds since 1970-01-01T00:00:00Z (negative allowed),
 * computed with proleptic Gregorian arithmetic, never through the local
 * time zone or time_t range limits.
 */
#ifndef DATESTAMP_H
#define DATESTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "oai_types.h"

/* "YYYY-MM-DDThh:mm:ssZ" plus NUL. */
#define DATESTAMP_LEN 21

/*
 * Parses exactly "YYYY-MM-DD" (GRAN_DAY) or "YYYY-MM-DDThh:mm:ssZ"
 * (GRAN_SECONDS); years 0001-9999, real calendar dates (leap years), hours
 * 00-23, minutes 00-59, seconds 00-59. No spaces, no fractions, no offsets.
 * On success stores the instant of the start of the day / the second in
 * *out, the granularity in *gran, and returns 0; otherwise returns -1.
 */
int datestamp_parse(const char *s, int64_t *out, oai_granularity *gran);

/* Writes t as "YYYY-MM-DDThh:mm:ssZ" into buf (DATESTAMP_LEN bytes). */
void datestamp_format(int64_t t, char buf[DATESTAMP_LEN]);

/* Seconds since the epoch from a calendar date and time (no validation). */
int64_t datestamp_from_civil(int year, int month, int day, int hour, int min, int sec);

#endif
