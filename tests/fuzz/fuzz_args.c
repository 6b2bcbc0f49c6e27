/*
 * fuzz_args.c - oai_args_parse and oai_url_decode: the query string of a
 * GET or the form body of a POST, straight from the network.
 *
 * Input: the raw query string / form body (not NUL-terminated, as the
 * server passes it). Properties checked against a small independent model
 * of application/x-www-form-urlencoded written here:
 *  - oai_url_decode(input) succeeds exactly when the model decodes the
 *    input without error or NUL byte, and gives the same bytes;
 *  - badVerb exactly when the model finds no verb pair, several, or one
 *    whose value is not one of the six verbs (the verb is checked first);
 *  - on success: at most OAI_MAX_ARGS pairs, only legal arguments for the
 *    verb and each at most once, the stored values are the decoded ones,
 *    the required arguments are present unless resumptionToken (exclusive)
 *    is, lengths within the OAI_MAX_*_LEN limits, from/until valid
 *    datestamps of one granularity with from <= until;
 *  - on failure: badVerb or badArgument, a non-empty printable-ASCII
 *    message (raw request bytes are never echoed) and an empty request.
 */
#include <stdint.h>
#include <string.h>

#include "datestamp.h"
#include "fuzz_common.h"
#include "oai_args.h"

#define MAX_PAIRS 4096

typedef struct {
    char *key;   /* decoded, NULL if malformed */
    char *value; /* decoded, NULL if malformed or no '=' */
    int has_eq;
} pair;

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The model's decoder: '+' is a space, %XX a byte; NULL when a '%' lacks
 * two hex digits or a NUL byte would result. */
static char *model_decode(const uint8_t *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    FUZZ_CHECK(out != NULL);
    for (size_t i = 0; i < n; i++) {
        int c = s[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
                free(out);
                return NULL;
            }
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        }
        if (c == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* Splits at '&', skipping empty pairs; the first '=' separates. */
static size_t model_pairs(const uint8_t *in, size_t len, pair *p, size_t max)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && in[i] != '&')
            continue;
        if (i > start && n < max) {
            const uint8_t *eq = memchr(in + start, '=', i - start);
            size_t klen = eq ? (size_t)(eq - (in + start)) : i - start;

            p[n].key = model_decode(in + start, klen);
            p[n].has_eq = eq != NULL;
            p[n].value = eq ? model_decode(eq + 1, (size_t)(in + i - (eq + 1))) : NULL;
            n++;
        } else if (i > start) {
            n++; /* counted, not stored */
        }
        start = i + 1;
    }
    return n;
}

static const char *const verbs[] = {"Identify",        "ListMetadataFormats", "ListSets",
                                    "ListIdentifiers", "ListRecords",         "GetRecord"};
static const oai_verb verb_ids[] = {VERB_IDENTIFY,     VERB_LIST_METADATA_FORMATS,
                                    VERB_LIST_SETS,    VERB_LIST_IDENTIFIERS,
                                    VERB_LIST_RECORDS, VERB_GET_RECORD};

/* The decoded value of the argument named name in req, or NULL; *known is
 * set when name is an OAI argument. */
static const char *stored(const oai_request *r, const char *name, int *known)
{
    *known = 1;
    if (strcmp(name, "identifier") == 0)
        return r->identifier;
    if (strcmp(name, "metadataPrefix") == 0)
        return r->metadata_prefix;
    if (strcmp(name, "set") == 0)
        return r->set;
    if (strcmp(name, "resumptionToken") == 0)
        return r->resumption_token;
    if (strcmp(name, "from") == 0)
        return r->from;
    if (strcmp(name, "until") == 0)
        return r->until;
    *known = 0;
    return NULL;
}

static int request_is_empty(const oai_request *r)
{
    static const oai_request zero;

    return memcmp(r, &zero, sizeof(zero)) == 0;
}

static void check_success(const oai_request *r, const oai_error *err, const pair *p, size_t np,
                          size_t stored_pairs)
{
    int is_list = r->verb == VERB_LIST_IDENTIFIERS || r->verb == VERB_LIST_RECORDS;
    int64_t t;
    oai_granularity g_from = GRAN_NONE, g_until = GRAN_NONE;

    FUZZ_CHECK(err->code == OAI_OK);
    FUZZ_CHECK(err->message[0] == '\0');
    FUZZ_CHECK(np <= OAI_MAX_ARGS);
    FUZZ_CHECK(stored_pairs == np);

    /* Every pair is the verb or a stored argument, with the same value. */
    int seen[6] = {0};
    const char *names[6] = {"identifier",      "metadataPrefix", "set",
                            "resumptionToken", "from",           "until"};
    for (size_t i = 0; i < np; i++) {
        int known;
        const char *v;

        FUZZ_CHECK(p[i].key != NULL);
        if (strcmp(p[i].key, "verb") == 0)
            continue;
        v = stored(r, p[i].key, &known);
        FUZZ_CHECK(known);
        FUZZ_CHECK(v != NULL);
        FUZZ_CHECK(p[i].value != NULL);
        FUZZ_CHECK(strcmp(v, p[i].value) == 0);
        for (int k = 0; k < 6; k++) {
            if (strcmp(p[i].key, names[k]) == 0)
                seen[k]++;
        }
    }
    for (int k = 0; k < 6; k++) {
        int known;

        FUZZ_CHECK(seen[k] <= 1);
        FUZZ_CHECK((stored(r, names[k], &known) != NULL) == (seen[k] == 1));
    }

    /* Legal arguments per verb (spec 4.x). */
    if (r->verb == VERB_IDENTIFY)
        FUZZ_CHECK(!r->identifier && !r->metadata_prefix && !r->set && !r->resumption_token &&
                   !r->from && !r->until);
    if (r->verb == VERB_LIST_METADATA_FORMATS)
        FUZZ_CHECK(!r->metadata_prefix && !r->set && !r->resumption_token && !r->from && !r->until);
    if (r->verb == VERB_LIST_SETS)
        FUZZ_CHECK(!r->identifier && !r->metadata_prefix && !r->set && !r->from && !r->until);
    if (is_list)
        FUZZ_CHECK(!r->identifier);
    if (r->verb == VERB_GET_RECORD)
        FUZZ_CHECK(r->identifier && r->metadata_prefix && !r->set && !r->resumption_token &&
                   !r->from && !r->until);
    if (r->resumption_token)
        FUZZ_CHECK(!r->identifier && !r->metadata_prefix && !r->set && !r->from && !r->until);
    else if (is_list)
        FUZZ_CHECK(r->metadata_prefix != NULL);

    /* Lengths. */
    FUZZ_CHECK(!r->identifier || strlen(r->identifier) <= OAI_MAX_IDENTIFIER_LEN);
    FUZZ_CHECK(!r->metadata_prefix ||
               (strlen(r->metadata_prefix) <= OAI_MAX_PREFIX_LEN && r->metadata_prefix[0] != '\0'));
    FUZZ_CHECK(!r->set || (strlen(r->set) <= OAI_MAX_SETSPEC_LEN && r->set[0] != '\0'));
    FUZZ_CHECK(!r->resumption_token || strlen(r->resumption_token) <= OAI_MAX_TOKEN_LEN);

    /* Dates. */
    if (r->from) {
        FUZZ_CHECK(datestamp_parse(r->from, &t, &g_from) == 0);
        FUZZ_CHECK(t == r->from_t);
    }
    if (r->until) {
        FUZZ_CHECK(datestamp_parse(r->until, &t, &g_until) == 0);
        FUZZ_CHECK(r->until_t == (g_until == GRAN_DAY ? t + 86399 : t));
    }
    if (r->from && r->until) {
        FUZZ_CHECK(g_from == g_until);
        FUZZ_CHECK(r->from_t <= r->until_t);
    }
    FUZZ_CHECK(r->gran == (r->from ? g_from : g_until));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pair p[MAX_PAIRS];
    oai_request req;
    oai_error err;
    size_t np, stored_pairs, nverb = 0;
    const pair *verb_pair = NULL;
    int rc;

    /* oai_url_decode of the whole input against the model. */
    char *got = oai_url_decode((const char *)data, size);
    char *want = model_decode(data, size);
    FUZZ_CHECK((got == NULL) == (want == NULL));
    if (got != NULL)
        FUZZ_CHECK(strcmp(got, want) == 0);
    free(got);
    free(want);

    /* The whole request. */
    memset(&req, 0xA5, sizeof(req)); /* the parser must clear it */
    memset(&err, 0xA5, sizeof(err));
    rc = oai_args_parse((const char *)data, size, &req, &err);
    FUZZ_CHECK(rc == 0 || rc == -1);

    np = model_pairs(data, size, p, MAX_PAIRS);
    stored_pairs = np < MAX_PAIRS ? np : MAX_PAIRS;
    for (size_t i = 0; i < stored_pairs; i++) {
        if (p[i].key != NULL && strcmp(p[i].key, "verb") == 0) {
            nverb++;
            verb_pair = &p[i];
        }
    }
    /* badVerb exactly when the verb is missing, repeated or illegal (with
     * more pairs than the model stores, only the generic checks apply). */
    int verb_ok = 0;
    oai_verb verb_id = VERB_NONE;
    if (np > MAX_PAIRS)
        FUZZ_CHECK(rc == -1);
    else if (nverb == 1 && verb_pair->value != NULL) {
        for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
            if (strcmp(verb_pair->value, verbs[k]) == 0) {
                verb_ok = 1;
                verb_id = verb_ids[k];
            }
        }
    }
    if (np <= MAX_PAIRS)
        FUZZ_CHECK((rc == -1 && err.code == OAI_BAD_VERB) == !verb_ok);

    if (rc == 0) {
        FUZZ_CHECK(req.verb == verb_id);
        check_success(&req, &err, p, np, stored_pairs);
    } else {
        int count = oai_error_count(&err);

        /* badVerb alone; otherwise one or more badArgument (spec 3.6). */
        FUZZ_CHECK(count >= 1 && count <= OAI_MAX_ERRORS);
        FUZZ_CHECK(err.code != OAI_BAD_VERB || count == 1);
        for (int k = 0; k < count; k++) {
            const char *m = oai_error_message_at(&err, k);
            size_t n = strnlen(m, sizeof(err.message));

            FUZZ_CHECK(oai_error_code_at(&err, k) ==
                       (err.code == OAI_BAD_VERB ? OAI_BAD_VERB : OAI_BAD_ARGUMENT));
            FUZZ_CHECK(n > 0 && n < sizeof(err.message));
            for (size_t i = 0; i < n; i++)
                FUZZ_CHECK(m[i] >= 0x20 && m[i] < 0x7f);
        }
        FUZZ_CHECK(request_is_empty(&req));
    }
    oai_request_free(&req);
    FUZZ_CHECK(request_is_empty(&req));

    for (size_t i = 0; i < stored_pairs; i++) {
        free(p[i].key);
        free(p[i].value);
    }
    return 0;
}
