/*
 * test_oai_args.c - argument parsing and validation (spec 3.1, 3.3.1, 3.6, 4.x).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oai_args.h"

/* Epoch seconds of a few days, computed independently of datestamp.c. */
#define T_2023_01_01 INT64_C(1672531200)
#define T_2024_02_29 INT64_C(1709164800)
#define DAY INT64_C(86400)

/* ---- helpers ------------------------------------------------------------- */

static void check_request_empty(const oai_request *r, const char *file, int line)
{
    _assert_true(r->verb == VERB_NONE, "verb", file, line);
    _assert_true(r->identifier == NULL && r->metadata_prefix == NULL && r->set == NULL &&
                     r->resumption_token == NULL && r->from == NULL && r->until == NULL,
                 "argument strings are NULL", file, line);
    _assert_true(r->from_t == 0 && r->until_t == 0 && r->gran == GRAN_NONE, "bounds are zero", file,
                 line);
}

/* Messages are printable ASCII: they must never carry raw request bytes. */
static void check_message_clean(const oai_error *e, const char *file, int line)
{
    _assert_true(oai_error_count(e) >= 1 && oai_error_count(e) <= OAI_MAX_ERRORS,
                 "one to OAI_MAX_ERRORS errors", file, line);
    for (int k = 0; k < oai_error_count(e); k++) {
        const char *m = oai_error_message_at(e, k);
        size_t n = strnlen(m, sizeof(e->message));

        _assert_true(n < sizeof(e->message), "message is NUL-terminated", file, line);
        _assert_true(n > 0, "message is not empty", file, line);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)m[i];
            _assert_true(c >= 0x20 && c < 0x7f, "message is printable ASCII", file, line);
        }
    }
}

/* Parses q, expects failure with code; returns nothing, frees everything. */
static void check_fails(const char *q, size_t len, oai_error_code code, const char *file, int line)
{
    oai_request r;
    oai_error e;
    int rc = oai_args_parse(q, len, &r, &e);

    if (rc != -1 || e.code != code)
        print_error("query \"%.*s\": rc=%d code=%d (%s) message=%s\n", (int)(len > 200 ? 200 : len),
                    q ? q : "", rc, (int)e.code,
                    oai_error_name(e.code) ? oai_error_name(e.code) : "OK", e.message);
    _assert_int_equal(rc, -1, file, line);
    _assert_int_equal(e.code, code, file, line);
    check_message_clean(&e, file, line);
    check_request_empty(&r, file, line);
    oai_request_free(&r);
}

#define BAD_ARG(q) check_fails((q), strlen(q), OAI_BAD_ARGUMENT, __FILE__, __LINE__)
#define BAD_VERB(q) check_fails((q), strlen(q), OAI_BAD_VERB, __FILE__, __LINE__)

/* Parses q, expects success with verb v. The caller frees *r. */
static void check_parses(const char *q, oai_verb v, oai_request *r, const char *file, int line)
{
    oai_error e;
    int rc = oai_args_parse(q, strlen(q), r, &e);

    if (rc != 0)
        print_error("query \"%s\": %s: %s\n", q, oai_error_name(e.code), e.message);
    _assert_int_equal(rc, 0, file, line);
    _assert_int_equal(e.code, OAI_OK, file, line);
    _assert_int_equal(r->verb, v, file, line);
}

#define PARSES(q, v, r) check_parses((q), (v), (r), __FILE__, __LINE__)

/* Parses q, expects success, frees the result. */
static void check_ok(const char *q, oai_verb v, const char *file, int line)
{
    oai_request r;

    check_parses(q, v, &r, file, line);
    oai_request_free(&r);
}

#define OK(q, v) check_ok((q), (v), __FILE__, __LINE__)

/* Parses q (expected to fail) and returns its error message in msg. */
static void error_message(const char *q, char *msg, size_t size)
{
    oai_request r;
    oai_error e;

    assert_int_equal(oai_args_parse(q, strlen(q), &r, &e), -1);
    snprintf(msg, size, "%s", e.message);
    oai_request_free(&r);
}

/* "prefix" followed by n copies of c, then suffix. Caller frees. */
static char *make_query(const char *prefix, char c, size_t n, const char *suffix)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *q = malloc(a + n + b + 1);

    assert_non_null(q);
    memcpy(q, prefix, a);
    memset(q + a, c, n);
    memcpy(q + a + n, suffix, b + 1);
    return q;
}

/* ---- oai_url_decode ------------------------------------------------------ */

static void check_decode(const char *in, const char *want)
{
    char *got = oai_url_decode(in, strlen(in));

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_decode_valid(void **state)
{
    check_decode("", "");
    check_decode("abc", "abc");
    check_decode("a+b", "a b");
    check_decode("a%2Bb", "a+b");
    check_decode("a%2bb", "a+b");
    check_decode("oai%3Aexample.org%3A1", "oai:example.org:1");
    check_decode("oai%3aexample.org%3a1", "oai:example.org:1");
    check_decode("%26%3D%25", "&=%");
    check_decode("caf%C3%A9", "caf\xc3\xa9");
    check_decode("\xff\xfe", "\xff\xfe"); /* raw non-UTF-8 bytes pass through */
    check_decode("a=b", "a=b");
}

static void test_decode_malformed(void **state)
{
    const char *bad[] = {"%", "a%", "a%4", "%4g", "%g4", "%%41", "%-1", "a%00b", "%00"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(oai_url_decode(bad[i], strlen(bad[i])));
    /* A raw NUL byte inside the length. */
    assert_null(oai_url_decode("a\0b", 3));
    /* Stops at len: "%41" cut to "%4" is malformed. */
    assert_null(oai_url_decode("x%41", 3));
    /* NULL with zero length is the empty string. */
    char *s = oai_url_decode(NULL, 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

/* ---- verbs --------------------------------------------------------------- */

static void test_verb_missing(void **state)
{
    oai_request r;
    oai_error e;

    BAD_VERB("");
    BAD_VERB("&&&");
    BAD_VERB("metadataPrefix=oai_dc");
    BAD_VERB("Verb=Identify"); /* names are case-sensitive */
    BAD_VERB("verb%00=Identify");
    assert_int_equal(oai_args_parse(NULL, 0, &r, &e), -1);
    assert_int_equal(e.code, OAI_BAD_VERB);
    oai_request_free(&r);
    assert_int_equal(oai_args_parse(NULL, 5, &r, &e), -1); /* NULL means no arguments */
    assert_int_equal(e.code, OAI_BAD_VERB);
    oai_request_free(&r);
}

static void test_verb_repeated(void **state)
{
    BAD_VERB("verb=Identify&verb=Identify");
    BAD_VERB("verb=Identify&verb=ListSets");
    BAD_VERB("verb=Identify&v%65rb=Identify");
    BAD_VERB("verb=ListRecords&metadataPrefix=oai_dc&verb=ListRecords");
}

static void test_verb_illegal(void **state)
{
    BAD_VERB("verb=listrecords&metadataPrefix=oai_dc");
    BAD_VERB("verb=LISTRECORDS");
    BAD_VERB("verb=nastyVerb");
    BAD_VERB("verb=");
    BAD_VERB("verb");
    BAD_VERB("verb=Identify+");
    BAD_VERB("verb=Identify%00");
    BAD_VERB("verb=Ident%zzify");
    BAD_VERB("verb=IdentifyIdentifyIdentifyIdentifyIdentifyIdentifyIdentifyIdentify");
    /* The verb may be %-encoded like any value. */
    OK("verb=Ident%69fy", VERB_IDENTIFY);
    OK("%76erb=Identify", VERB_IDENTIFY);
}

static void test_verb_checked_first(void **state)
{
    BAD_VERB("verb=Bogus&identifier=%zz");
    BAD_VERB("foo=1&bar=2");
    BAD_VERB("identifier=a&identifier=b");
    BAD_VERB("a=1&a=2&a=3&a=4&a=5&a=6&a=7&a=8&a=9&a=10&a=11&a=12&a=13&a=14&a=15&a=16&a=17");
    BAD_VERB("verb=Identify&verb=Identify&foo=bar");
}

/* ---- each verb's arguments ----------------------------------------------- */

static void test_identify(void **state)
{
    OK("verb=Identify", VERB_IDENTIFY);
    OK("verb=Identify&", VERB_IDENTIFY);
    OK("&&verb=Identify&&", VERB_IDENTIFY);
    BAD_ARG("verb=Identify&identifier=oai:x:1");
    BAD_ARG("verb=Identify&metadataPrefix=oai_dc");
    BAD_ARG("verb=Identify&resumptionToken=abc");
    BAD_ARG("verb=Identify&foo=bar");
    BAD_ARG("verb=Identify&=");
    BAD_ARG("verb=Identify&=x");
    BAD_ARG("verb=Identify&x");
}

static void test_list_metadata_formats(void **state)
{
    oai_request r;

    OK("verb=ListMetadataFormats", VERB_LIST_METADATA_FORMATS);
    PARSES("verb=ListMetadataFormats&identifier=oai%3Aarxiv.org%3Ahep-th%2F9901001",
           VERB_LIST_METADATA_FORMATS, &r);
    assert_string_equal(r.identifier, "oai:arxiv.org:hep-th/9901001");
    assert_null(r.metadata_prefix);
    oai_request_free(&r);
    BAD_ARG("verb=ListMetadataFormats&metadataPrefix=oai_dc");
    BAD_ARG("verb=ListMetadataFormats&identifier=a&metadataPrefix=oai_dc");
    BAD_ARG("verb=ListMetadataFormats&resumptionToken=abc");
    BAD_ARG("verb=ListMetadataFormats&set=a");
    BAD_ARG("verb=ListMetadataFormats&identifier=a&identifier=a");
}

static void test_list_sets(void **state)
{
    oai_request r;

    OK("verb=ListSets", VERB_LIST_SETS);
    PARSES("verb=ListSets&resumptionToken=abc.DEF_1-2", VERB_LIST_SETS, &r);
    assert_string_equal(r.resumption_token, "abc.DEF_1-2");
    oai_request_free(&r);
    BAD_ARG("verb=ListSets&set=a");
    BAD_ARG("verb=ListSets&metadataPrefix=oai_dc");
    BAD_ARG("verb=ListSets&from=2023-01-01");
    BAD_ARG("verb=ListSets&resumptionToken=abc&set=a");
    BAD_ARG("verb=ListSets&resumptionToken=abc&resumptionToken=abc");
}

static void test_get_record(void **state)
{
    oai_request r;

    PARSES("metadataPrefix=oai_dc&verb=GetRecord&identifier=oai:x:1", VERB_GET_RECORD, &r);
    assert_string_equal(r.identifier, "oai:x:1");
    assert_string_equal(r.metadata_prefix, "oai_dc");
    assert_null(r.set);
    assert_null(r.resumption_token);
    assert_int_equal(r.gran, GRAN_NONE);
    oai_request_free(&r);
    BAD_ARG("verb=GetRecord");
    BAD_ARG("verb=GetRecord&identifier=oai:x:1");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc");
    BAD_ARG("verb=GetRecord&identifier=oai:x:1&metadataPrefix=oai_dc&from=2023-01-01");
    BAD_ARG("verb=GetRecord&identifier=oai:x:1&metadataPrefix=oai_dc&set=a");
    BAD_ARG("verb=GetRecord&identifier=oai:x:1&metadataPrefix=oai_dc&resumptionToken=a");
    BAD_ARG("verb=GetRecord&resumptionToken=a");
    BAD_ARG("verb=GetRecord&identifier=oai:x:1&metadataPrefix=oai_dc&identifier=oai:x:2");
}

/* ListIdentifiers and ListRecords take the same arguments. */
static void check_list_verb(const char *verb, oai_verb v)
{
    char q[512];
    oai_request r;

    snprintf(q, sizeof(q), "verb=%s&metadataPrefix=oai_dc", verb);
    PARSES(q, v, &r);
    assert_string_equal(r.metadata_prefix, "oai_dc");
    assert_null(r.from);
    assert_int_equal(r.gran, GRAN_NONE);
    oai_request_free(&r);

    snprintf(q, sizeof(q), "verb=%s&metadataPrefix=oai_dc&from=2023-01-01&until=2023-01-31&set=a:b",
             verb);
    PARSES(q, v, &r);
    assert_string_equal(r.from, "2023-01-01");
    assert_string_equal(r.until, "2023-01-31");
    assert_string_equal(r.set, "a:b");
    assert_int_equal(r.gran, GRAN_DAY);
    oai_request_free(&r);

    snprintf(q, sizeof(q), "verb=%s&resumptionToken=tok", verb);
    PARSES(q, v, &r);
    assert_string_equal(r.resumption_token, "tok");
    assert_null(r.metadata_prefix);
    oai_request_free(&r);

    const char *bad[] = {
        "",
        "&set=a",
        "&from=2023-01-01",
        "&metadataPrefix=oai_dc&identifier=x",
        "&metadataPrefix=oai_dc&metadataPrefix=oai_dc",
        "&metadataPrefix=oai_dc&metadataPrefix=marc",
        "&resumptionToken=tok&metadataPrefix=oai_dc",
        "&metadataPrefix=oai_dc&resumptionToken=tok",
        "&resumptionToken=tok&from=2023-01-01",
        "&resumptionToken=tok&until=2023-01-01",
        "&resumptionToken=tok&set=a",
        "&resumptionToken=tok&resumptionToken=tok",
        "&metadataPrefix=oai_dc&set=a&set=b",
        "&metadataPrefix=oai_dc&from=2023-01-01&from=2023-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(q, sizeof(q), "verb=%s%s", verb, bad[i]);
        BAD_ARG(q);
    }
}

static void test_list_identifiers(void **state)
{
    check_list_verb("ListIdentifiers", VERB_LIST_IDENTIFIERS);
}

static void test_list_records(void **state)
{
    check_list_verb("ListRecords", VERB_LIST_RECORDS);
}

/* ---- datestamps ---------------------------------------------------------- */

/* Parses a ListRecords request with the given from/until suffix. */
static void parse_dates(const char *dates, oai_request *r)
{
    char q[256];

    snprintf(q, sizeof(q), "verb=ListRecords&metadataPrefix=oai_dc%s", dates);
    PARSES(q, VERB_LIST_RECORDS, r);
}

static void test_dates_day(void **state)
{
    oai_request r;

    parse_dates("&from=2023-01-01&until=2023-01-02", &r);
    assert_int_equal(r.gran, GRAN_DAY);
    assert_int_equal(r.from_t, T_2023_01_01);
    assert_int_equal(r.until_t, T_2023_01_01 + 2 * DAY - 1);
    oai_request_free(&r);

    /* from == until at day granularity: the whole day. */
    parse_dates("&from=2023-01-01&until=2023-01-01", &r);
    assert_int_equal(r.from_t, T_2023_01_01);
    assert_int_equal(r.until_t, r.from_t + 86399);
    oai_request_free(&r);

    parse_dates("&until=2024-02-29", &r); /* leap day */
    assert_null(r.from);
    assert_string_equal(r.until, "2024-02-29");
    assert_int_equal(r.gran, GRAN_DAY);
    assert_int_equal(r.until_t, T_2024_02_29 + 86399);
    oai_request_free(&r);

    parse_dates("&from=2024-02-29", &r);
    assert_null(r.until);
    assert_int_equal(r.gran, GRAN_DAY);
    assert_int_equal(r.from_t, T_2024_02_29);
    oai_request_free(&r);
}

static void test_dates_seconds(void **state)
{
    oai_request r;

    parse_dates("&from=2023-01-01T00:00:01Z&until=2023-01-01T12%3A00%3A00Z", &r);
    assert_int_equal(r.gran, GRAN_SECONDS);
    assert_string_equal(r.from, "2023-01-01T00:00:01Z");
    assert_string_equal(r.until, "2023-01-01T12:00:00Z");
    assert_int_equal(r.from_t, T_2023_01_01 + 1);
    assert_int_equal(r.until_t, T_2023_01_01 + 12 * 3600);
    oai_request_free(&r);

    parse_dates("&from=2023-01-01T10:00:00Z&until=2023-01-01T10:00:00Z", &r);
    assert_int_equal(r.from_t, r.until_t);
    oai_request_free(&r);

    parse_dates("&until=2023-01-01T23:59:59Z", &r);
    assert_int_equal(r.gran, GRAN_SECONDS);
    assert_int_equal(r.until_t, T_2023_01_01 + 86399);
    oai_request_free(&r);
}

static void test_dates_bad(void **state)
{
    const char *bad[] = {
        /* mixed granularity */
        "&from=2023-01-01&until=2023-01-02T00:00:00Z",
        "&from=2023-01-01T00:00:00Z&until=2023-01-02",
        /* from > until */
        "&from=2023-01-02&until=2023-01-01",
        "&from=2023-01-01T00:00:01Z&until=2023-01-01T00:00:00Z",
        /* not valid datestamps */
        "&from=2023-02-29",
        "&until=2023-13-01",
        "&from=2023-00-10",
        "&from=2023-04-31",
        "&from=2023-1-01",
        "&from=23-01-01",
        "&from=2023-01-01T00:00:00",
        "&from=2023-01-01T24:00:00Z",
        "&from=2023-01-01T00:00:00.5Z",
        "&from=2023-01-01T00:00:00%2B01:00",
        "&from=2023-01-01+",
        "&from=2023-01-01T00:00:00Z0",
        "&from=2023-01-01T00:00:00ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "&from=yesterday",
        "&from=",
        "&until=",
    };
    char q[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(q, sizeof(q), "verb=ListIdentifiers&metadataPrefix=oai_dc%s", bad[i]);
        BAD_ARG(q);
    }
}

/* ---- values -------------------------------------------------------------- */

static void test_value_decoding(void **state)
{
    oai_request r;

    PARSES("verb=GetRecord&metadataPrefix=oai_dc&identifier=a+b%2Bc%3ad%3Ae", VERB_GET_RECORD, &r);
    assert_string_equal(r.identifier, "a b+c:d:e");
    oai_request_free(&r);

    /* An unescaped '=' in a value belongs to the value. */
    PARSES("verb=ListSets&resumptionToken=abc==", VERB_LIST_SETS, &r);
    assert_string_equal(r.resumption_token, "abc==");
    oai_request_free(&r);

    /* Argument names may be %-encoded too. */
    PARSES("verb=GetRecord&metadata%50refix=oai_dc&identifier=x", VERB_GET_RECORD, &r);
    assert_string_equal(r.metadata_prefix, "oai_dc");
    oai_request_free(&r);

    /* Identifiers are opaque here: bytes pass through for the handler. */
    PARSES("verb=GetRecord&metadataPrefix=oai_dc&identifier=%FF%01\x80", VERB_GET_RECORD, &r);
    assert_string_equal(r.identifier, "\xff\x01\x80");
    oai_request_free(&r);
}

static void test_value_malformed(void **state)
{
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=abc%");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=abc%4");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=%zz");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=a%00b");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=%00");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=x&ident%zzifier=1");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=x&%=1");
    /* A raw NUL byte inside len. */
    static const char nul[] = "verb=GetRecord&metadataPrefix=oai_dc&identifier=a\0b";
    check_fails(nul, sizeof(nul) - 1, OAI_BAD_ARGUMENT, __FILE__, __LINE__);
}

static void test_value_empty(void **state)
{
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier=");
    BAD_ARG("verb=GetRecord&metadataPrefix=&identifier=x");
    BAD_ARG("verb=GetRecord&metadataPrefix=oai_dc&identifier");
    BAD_ARG("verb=ListSets&resumptionToken=");
    BAD_ARG("verb=ListSets&resumptionToken");
    BAD_ARG("verb=ListRecords&metadataPrefix=oai_dc&set=");
    BAD_ARG("verb=ListMetadataFormats&identifier=");
}

/* A request for verb with one argument of n copies of c (plus suffix). */
static void check_length(const char *prefix, char c, size_t n, const char *suffix, bool ok,
                         oai_verb v)
{
    char *q = make_query(prefix, c, n, suffix);

    if (ok)
        OK(q, v);
    else
        BAD_ARG(q);
    free(q);
}

static void test_value_length(void **state)
{
    const char *gr = "verb=GetRecord&metadataPrefix=oai_dc&identifier=";
    const char *lr = "verb=ListRecords&metadataPrefix=oai_dc&set=";
    const char *ls = "verb=ListSets&resumptionToken=";

    check_length(gr, 'a', OAI_MAX_IDENTIFIER_LEN, "", true, VERB_GET_RECORD);
    check_length(gr, 'a', OAI_MAX_IDENTIFIER_LEN + 1, "", false, VERB_GET_RECORD);
    check_length(gr, 'a', 100000, "", false, VERB_GET_RECORD);
    check_length("verb=GetRecord&identifier=x&metadataPrefix=", 'a', OAI_MAX_PREFIX_LEN, "", true,
                 VERB_GET_RECORD);
    check_length("verb=GetRecord&identifier=x&metadataPrefix=", 'a', OAI_MAX_PREFIX_LEN + 1, "",
                 false, VERB_GET_RECORD);
    check_length(lr, 'a', OAI_MAX_SETSPEC_LEN, "", true, VERB_LIST_RECORDS);
    check_length(lr, 'a', OAI_MAX_SETSPEC_LEN + 1, "", false, VERB_LIST_RECORDS);
    check_length(ls, 'a', OAI_MAX_TOKEN_LEN, "", true, VERB_LIST_SETS);
    check_length(ls, 'a', OAI_MAX_TOKEN_LEN + 1, "", false, VERB_LIST_SETS);

    /* The limit applies to the decoded value, not to its encoding. */
    char *q = malloc(strlen(gr) + 3 * OAI_MAX_IDENTIFIER_LEN + 4);
    assert_non_null(q);
    strcpy(q, gr);
    for (int i = 0; i < OAI_MAX_IDENTIFIER_LEN; i++)
        strcat(q, "%41");
    OK(q, VERB_GET_RECORD);
    strcat(q, "%41");
    BAD_ARG(q);
    free(q);
}

static void test_prefix_pattern(void **state)
{
    const char *good[] = {"oai_dc", "marc21", "a-b_c.d!e~f*g'h(i)", "X"};
    const char *bad[] = {"oai+dc", "oai%3Adc", "oai%2Fdc", "caf%C3%A9", "a%22b", "a%3Cb", "a%09"};
    char q[256];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(q, sizeof(q), "verb=ListRecords&metadataPrefix=%s", good[i]);
        OK(q, VERB_LIST_RECORDS);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(q, sizeof(q), "verb=GetRecord&identifier=x&metadataPrefix=%s", bad[i]);
        BAD_ARG(q);
    }
}

static void test_set_pattern(void **state)
{
    const char *good[] = {"a", "a:b", "a%3Ab", "music:(muzak)", "a:b:c", "A-1_x.y!~*'()"};
    const char *bad[] = {"a::b", ":a", "a:", ":", "a+b", "a%20b", "a/b", "a%3A%3Ab", "%C3%A9"};
    char q[256];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(q, sizeof(q), "verb=ListIdentifiers&metadataPrefix=oai_dc&set=%s", good[i]);
        OK(q, VERB_LIST_IDENTIFIERS);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(q, sizeof(q), "verb=ListIdentifiers&metadataPrefix=oai_dc&set=%s", bad[i]);
        BAD_ARG(q);
    }
}

/* ---- the request as a whole ---------------------------------------------- */

static void test_max_args(void **state)
{
    char q[512] = "verb=Identify";
    char msg[256];

    /* Empty pairs carry nothing and do not count. */
    for (int i = 0; i < 40; i++)
        strcat(q, "&");
    OK(q, VERB_IDENTIFY);

    /* OAI_MAX_ARGS pairs: rejected, but for the unknown argument. */
    strcpy(q, "verb=Identify");
    for (int i = 1; i < OAI_MAX_ARGS; i++)
        strcat(q, "&x=1");
    error_message(q, msg, sizeof(msg));
    assert_non_null(strstr(msg, "not defined by OAI-PMH"));

    /* One more: too many. */
    strcat(q, "&x=1");
    BAD_ARG(q);
    error_message(q, msg, sizeof(msg));
    assert_non_null(strstr(msg, "too many"));
}

static void test_messages(void **state)
{
    char msg[256];

    error_message("verb=ListSets&from=2023-01-01", msg, sizeof(msg));
    assert_non_null(strstr(msg, "'from'"));
    assert_non_null(strstr(msg, "ListSets"));

    /* Unknown names are not quoted. */
    error_message("verb=Identify&EVIL%3Cname=1", msg, sizeof(msg));
    assert_null(strstr(msg, "EVIL"));
    assert_non_null(strstr(msg, "not defined by OAI-PMH"));

    /* Values are never quoted. */
    error_message("verb=ListRecords&metadataPrefix=oai_dc&from=EVIL", msg, sizeof(msg));
    assert_null(strstr(msg, "EVIL"));
    assert_non_null(strstr(msg, "'from' is not a valid datestamp"));
    error_message("verb=EVIL", msg, sizeof(msg));
    assert_null(strstr(msg, "EVIL"));
    error_message("verb=GetRecord&metadataPrefix=EVIL%22&identifier=x", msg, sizeof(msg));
    assert_null(strstr(msg, "EVIL"));
    assert_non_null(strstr(msg, "metadataPrefix"));

    error_message("verb=ListRecords&metadataPrefix=a&from=2023-01-01&until=2023-01-01T00:00:00Z",
                  msg, sizeof(msg));
    assert_non_null(strstr(msg, "granularit"));
    error_message("verb=ListRecords&metadataPrefix=a&metadataPrefix=a", msg, sizeof(msg));
    assert_non_null(strstr(msg, "repeated"));
    error_message("verb=ListRecords&resumptionToken=a&set=b", msg, sizeof(msg));
    assert_non_null(strstr(msg, "exclusive"));
    error_message("verb=GetRecord&identifier=x", msg, sizeof(msg));
    assert_non_null(strstr(msg, "'metadataPrefix'"));
}

/* The header promises an empty request after any failure, even a late one. */
static void test_failure_leaves_request_empty(void **state)
{
    BAD_ARG("verb=ListRecords&metadataPrefix=oai_dc&set=a&from=2023-01-02&until=2023-01-01");
    BAD_ARG("verb=GetRecord&identifier=x&metadataPrefix=oai_dc&foo=1");
}

/* Input need not be NUL-terminated: only len bytes are read. */
static void test_not_nul_terminated(void **state)
{
    static const char text[] = "verb=Identify&foo=bar";
    const char *cut = "verb=GetRecord&metadataPrefix=oai_dc&identifier=x%41";
    oai_request r;
    oai_error e;

    /* The same bytes in an exact-size heap buffer, so ASan sees any overread. */
    char *buf = malloc(13);
    assert_non_null(buf);
    memcpy(buf, text, 13);
    assert_int_equal(oai_args_parse(buf, 13, &r, &e), 0);
    assert_int_equal(r.verb, VERB_IDENTIFY);
    oai_request_free(&r);
    assert_int_equal(oai_args_parse(buf, 12, &r, &e), -1); /* "verb=Identif" */
    assert_int_equal(e.code, OAI_BAD_VERB);
    oai_request_free(&r);
    free(buf);

    assert_int_equal(oai_args_parse(text, strlen(text), &r, &e), -1);
    oai_request_free(&r);

    /* Cut inside a %-escape: the '1' after len must not be read. */
    size_t n = strlen(cut) - 1;
    buf = malloc(n);
    assert_non_null(buf);
    memcpy(buf, cut, n);
    check_fails(buf, n, OAI_BAD_ARGUMENT, __FILE__, __LINE__);
    assert_int_equal(oai_args_parse(buf, n - 2, &r, &e), 0); /* "...identifier=x" */
    assert_string_equal(r.identifier, "x");
    oai_request_free(&r);
    free(buf);
}

/* xorshift32: deterministic, local state, no global PRNG. */
static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Appends the NUL-terminated text t to buf (n bytes used of size). */
static size_t append(char *buf, size_t n, size_t size, const char *t)
{
    size_t len = strlen(t);

    if (n + len > size)
        return n;
    memcpy(buf + n, t, len);
    return n + len;
}

/*
 * Fills buf with a random query (not NUL-terminated) and returns its length.
 * Most start with a real verb and use real argument names, so that the
 * parser gets past the verb and the later rules see garbage too.
 */
static size_t random_query(uint32_t *s, char *buf, size_t size)
{
    static const char *const verbs[] = {
        "verb=Identify",  "verb=ListSets",        "verb=ListMetadataFormats",
        "verb=GetRecord", "verb=ListIdentifiers", "verb=ListRecords",
    };
    static const char *const keys[] = {
        "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken", "verb", "x",
    };
    static const char *const vals[] = {
        "oai_dc", "a:b", "2023-01-01", "2023-01-01T00:00:00Z", "%41", "%", "%0", "%00", "+", "",
    };
    size_t n = 0;
    int pairs = (int)(next_random(s) % 6);

    if (next_random(s) % 4 != 0)
        n = append(buf, n, size, verbs[next_random(s) % 6]);
    for (int i = 0; i < pairs; i++) {
        uint32_t r = next_random(s);

        n = append(buf, n, size, "&");
        n = append(buf, n, size, keys[r % 8]);
        if ((r >> 3) % 8 != 0)
            n = append(buf, n, size, "=");
        n = append(buf, n, size, vals[(r >> 6) % 10]);
        /* A few raw bytes, any value, in the middle of things. */
        for (uint32_t k = (r >> 10) % 4; k > 0 && n < size; k--)
            buf[n++] = (char)next_random(s);
    }
    return n;
}

static void test_garbage(void **state)
{
    uint32_t seed = 0x12345678u;
    int outcomes[3] = {0}; /* success, badVerb, badArgument */
    enum { SIZE = 300 };

    for (int i = 0; i < 2000; i++) {
        char *buf = malloc(SIZE);
        assert_non_null(buf);
        size_t n = random_query(&seed, buf, SIZE);
        oai_request r;
        oai_error e;
        int rc = oai_args_parse(buf, n, &r, &e);

        outcomes[rc == 0 ? 0 : e.code == OAI_BAD_VERB ? 1 : 2]++;
        if (rc == 0) {
            assert_int_equal(e.code, OAI_OK);
            assert_int_not_equal(r.verb, VERB_NONE);
        } else {
            assert_int_equal(rc, -1);
            assert_true(e.code == OAI_BAD_VERB || e.code == OAI_BAD_ARGUMENT);
            check_message_clean(&e, __FILE__, __LINE__);
            check_request_empty(&r, __FILE__, __LINE__);
        }
        /* Same input, same answer. */
        oai_request r2;
        oai_error e2;
        assert_int_equal(oai_args_parse(buf, n, &r2, &e2), rc);
        assert_int_equal(e2.code, e.code);
        oai_request_free(&r);
        oai_request_free(&r2);
        free(buf);
    }
    /* Otherwise the loop would not be testing much. */
    assert_true(outcomes[0] > 20 && outcomes[1] > 20 && outcomes[2] > 20);
}

/* Spec 3.6: every problem of the arguments, each its own error, in the
 * order found, at most OAI_MAX_ERRORS. */
static void test_every_error_reported(void **state)
{
    const char *q = "verb=ListRecords&metadataPrefix=oai_dc&from=x&until=2020-02-30";
    const char *many = "verb=ListRecords&resumptionToken=t&metadataPrefix=a%20b&from=x&until=y"
                       "&set=:&identifier=1&foo=1";
    oai_request r;
    oai_error e;

    (void)state;
    assert_int_equal(oai_args_parse(q, strlen(q), &r, &e), -1);
    assert_int_equal(oai_error_count(&e), 2);
    assert_int_equal(oai_error_code_at(&e, 0), OAI_BAD_ARGUMENT);
    assert_int_equal(oai_error_code_at(&e, 1), OAI_BAD_ARGUMENT);
    assert_non_null(strstr(oai_error_message_at(&e, 0), "'from'"));
    assert_non_null(strstr(oai_error_message_at(&e, 1), "'until'"));
    check_request_empty(&r, __FILE__, __LINE__);

    assert_int_equal(oai_args_parse(many, strlen(many), &r, &e), -1);
    assert_int_equal(oai_error_count(&e), OAI_MAX_ERRORS);
    check_message_clean(&e, __FILE__, __LINE__);
    check_request_empty(&r, __FILE__, __LINE__);

    /* A repeated argument once, however often it comes. */
    q = "verb=GetRecord&metadataPrefix=oai_dc&identifier=a&identifier=b&identifier=c";
    assert_int_equal(oai_args_parse(q, strlen(q), &r, &e), -1);
    assert_int_equal(oai_error_count(&e), 1);
    /* A bad verb alone. */
    q = "verb=Nope&foo=1&from=x";
    assert_int_equal(oai_args_parse(q, strlen(q), &r, &e), -1);
    assert_int_equal(oai_error_count(&e), 1);
    assert_int_equal(e.code, OAI_BAD_VERB);
}

static void test_error_list(void **state)
{
    oai_error e = {OAI_OK, "", 0, {{OAI_OK, ""}}};
    int i;

    (void)state;
    assert_int_equal(oai_error_count(&e), 0);
    assert_false(oai_error_has(&e, OAI_BAD_ARGUMENT));
    oai_error_add(&e, OAI_CANNOT_DISSEMINATE_FORMAT, "first %d", 1);
    oai_error_add(&e, OAI_ID_DOES_NOT_EXIST, "second");
    assert_int_equal(oai_error_count(&e), 2);
    assert_int_equal(e.code, OAI_CANNOT_DISSEMINATE_FORMAT);
    assert_string_equal(oai_error_message_at(&e, 0), "first 1");
    assert_int_equal(oai_error_code_at(&e, 1), OAI_ID_DOES_NOT_EXIST);
    assert_true(oai_error_has(&e, OAI_ID_DOES_NOT_EXIST));
    assert_false(oai_error_has(&e, OAI_BAD_VERB));
    for (i = 0; i < 10; i++)
        oai_error_add(&e, OAI_BAD_ARGUMENT, "more %d", i);
    assert_int_equal(oai_error_count(&e), OAI_MAX_ERRORS);
    assert_string_equal(oai_error_message_at(&e, OAI_MAX_ERRORS - 1), "more 3");
    /* set: the only error again. */
    oai_error_set(&e, OAI_BAD_VERB, "alone");
    assert_int_equal(oai_error_count(&e), 1);
    assert_string_equal(e.message, "alone");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_decode_malformed),
        cmocka_unit_test(test_verb_missing),
        cmocka_unit_test(test_verb_repeated),
        cmocka_unit_test(test_verb_illegal),
        cmocka_unit_test(test_verb_checked_first),
        cmocka_unit_test(test_identify),
        cmocka_unit_test(test_list_metadata_formats),
        cmocka_unit_test(test_list_sets),
        cmocka_unit_test(test_get_record),
        cmocka_unit_test(test_list_identifiers),
        cmocka_unit_test(test_list_records),
        cmocka_unit_test(test_dates_day),
        cmocka_unit_test(test_dates_seconds),
        cmocka_unit_test(test_dates_bad),
        cmocka_unit_test(test_value_decoding),
        cmocka_unit_test(test_value_malformed),
        cmocka_unit_test(test_value_empty),
        cmocka_unit_test(test_value_length),
        cmocka_unit_test(test_prefix_pattern),
        cmocka_unit_test(test_set_pattern),
        cmocka_unit_test(test_max_args),
        cmocka_unit_test(test_every_error_reported),
        cmocka_unit_test(test_error_list),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_failure_leaves_request_empty),
        cmocka_unit_test(test_not_nul_terminated),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
