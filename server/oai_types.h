/*
 * oai_types.h - vocabulary shared by every OAI-PMH module: the six verbs,
 * the error codes of spec section 3.6, and the limits on argument sizes.
 */
#ifndef OAI_TYPES_H
#define OAI_TYPES_H

#include <stdint.h>

typedef enum {
    VERB_NONE = 0,
    VERB_IDENTIFY,
    VERB_LIST_METADATA_FORMATS,
    VERB_LIST_SETS,
    VERB_LIST_IDENTIFIERS,
    VERB_LIST_RECORDS,
    VERB_GET_RECORD,
} oai_verb;

/* Error codes, spec 3.6. OAI_OK means "no error". */
typedef enum {
    OAI_OK = 0,
    OAI_BAD_ARGUMENT,
    OAI_BAD_RESUMPTION_TOKEN,
    OAI_BAD_VERB,
    OAI_CANNOT_DISSEMINATE_FORMAT,
    OAI_ID_DOES_NOT_EXIST,
    OAI_NO_RECORDS_MATCH,
    OAI_NO_METADATA_FORMATS,
    OAI_NO_SET_HIERARCHY,
} oai_error_code;

/* Most errors one response reports. Spec 3.6: repositories "should report
 * all errors or exceptions that arise from processing the request"; a
 * request with more problems than this gets the first ones. */
#define OAI_MAX_ERRORS 6

/* An error with a human-readable explanation (ASCII, never echoes raw input
 * bytes that could break XML: callers escape it anyway). */
typedef struct {
    oai_error_code code;
    char message[256];
} oai_error_item;

/* The errors of a request, in the order they were found: the first in
 * code and message (OAI_OK when there is none), the others in more[]. */
typedef struct {
    oai_error_code code;
    char message[256];
    int n_more;
    oai_error_item more[OAI_MAX_ERRORS - 1];
} oai_error;

/* Granularity of a datestamp argument. */
typedef enum {
    GRAN_NONE = 0,
    GRAN_DAY,     /* YYYY-MM-DD */
    GRAN_SECONDS, /* YYYY-MM-DDThh:mm:ssZ */
} oai_granularity;

/* Verb name as in the protocol ("ListRecords"), or NULL for VERB_NONE. */
const char *oai_verb_name(oai_verb v);
/* Error code as in the protocol ("badArgument"), or NULL for OAI_OK. */
const char *oai_error_name(oai_error_code c);

/* Makes the error e's only one: sets e->code and formats e->message
 * (printf-style). */
void oai_error_set(oai_error *e, oai_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds an error to e's (the first one when e has none); beyond
 * OAI_MAX_ERRORS it is dropped. */
void oai_error_add(oai_error *e, oai_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many errors e holds, and the i-th (0 is e's first). */
int oai_error_count(const oai_error *e);
oai_error_code oai_error_code_at(const oai_error *e, int i);
const char *oai_error_message_at(const oai_error *e, int i);
/* Whether one of e's errors has that code. */
int oai_error_has(const oai_error *e, oai_error_code code);

/* Upper bounds on argument lengths; longer values are badArgument. */
#define OAI_MAX_IDENTIFIER_LEN 512
#define OAI_MAX_PREFIX_LEN 64
#define OAI_MAX_SETSPEC_LEN 256
#define OAI_MAX_TOKEN_LEN 2048

#endif
