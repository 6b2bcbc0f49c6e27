/*
 * oai_args.h - from a query string or form body to a validated OAI request.
 *
 * Input is application/x-www-form-urlencoded text ("verb=ListRecords&
 * metadataPrefix=oai_dc"), as found after '?' in a GET or as a POST body.
 * oai_args_parse() decodes it and applies every argument rule of spec 3.1
 * and 4.x: which arguments each verb allows and requires, no repeats, the
 * exclusive resumptionToken, datestamp syntax and granularity, from <= until.
 * What it cannot know (does the identifier exist, is the token genuine, is
 * the format supported) is left to the verb handlers.
 */
#ifndef OAI_ARGS_H
#define OAI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "oai_types.h"

/* At most this many key=value pairs in one request (more: badArgument). */
#define OAI_MAX_ARGS 16

typedef struct {
    oai_verb verb;
    /* Decoded argument values, NULL when absent. Owned by the struct.
     * Only arguments legal for the verb can be non-NULL. */
    char *identifier;
    char *metadata_prefix;
    char *set;
    char *resumption_token;
    char *from;  /* as given, for the <request> echo */
    char *until; /* as given */
    /* Parsed bounds (valid when from/until are non-NULL). */
    int64_t from_t;       /* first second of the range */
    int64_t until_t;      /* last second of the range: a day-granularity until
                             is the day's last second, 23:59:59 */
    oai_granularity gran; /* granularity of from/until, GRAN_NONE if neither */
} oai_request;

/*
 * Parses len bytes of input (need not be NUL-terminated; NULL/0 means no
 * arguments). On success returns 0 and fills *req. On failure returns -1,
 * fills *err with OAI_BAD_VERB or OAI_BAD_ARGUMENT and a message that
 * names the offending argument (never echoing its raw value), and leaves
 * *req empty. Either way the caller calls oai_request_free(req).
 *
 * Rules (spec 3.1.1, 3.6, 4.x):
 *  - verb missing, repeated or not one of the six -> badVerb;
 *  - an argument not legal for the verb, a repeated argument, a missing
 *    required argument, bad %-encoding, more than OAI_MAX_ARGS pairs,
 *    an over-long value (OAI_MAX_*_LEN), an empty value -> badArgument;
 *  - resumptionToken with any other argument but verb -> badArgument;
 *  - from/until not a valid datestamp, of different granularities, or
 *    from > until -> badArgument.
 * The verb is checked first: when it is missing, repeated or illegal the
 * result is badVerb, whatever else is wrong with the other arguments.
 */
int oai_args_parse(const char *input, size_t len, oai_request *req, oai_error *err);

void oai_request_free(oai_request *req);

/*
 * Decodes one application/x-www-form-urlencoded component ('+' is a space,
 * %XX a byte). Returns a malloc'd NUL-terminated string, or NULL if the
 * encoding is malformed or the result contains a NUL byte.
 */
char *oai_url_decode(const char *s, size_t len);

#endif
