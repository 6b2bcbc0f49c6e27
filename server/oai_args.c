/*
 * oai_args.c - from application/x-www-form-urlencoded text to a validated
 * oai_request (spec 3.1.1, 3.3.1, 3.6 and the "Arguments" of each verb in 4.x).
 *
 * The input is walked twice without copying it: first to find the verb (a bad
 * verb must win over every other error), then to collect the arguments the
 * verb allows. Values are decoded into fresh strings that move into the
 * request only once every rule has passed, so a failure leaves it empty.
 *
 * Error messages never quote the request: values, and argument names that
 * OAI-PMH does not define, may be arbitrary bytes. Only the known names and
 * our own text go into a message.
 */
#include "oai_args.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datestamp.h"

/* Arguments other than verb; the order indexes the tables below. */
enum arg_id {
    ARG_IDENTIFIER,
    ARG_METADATA_PREFIX,
    ARG_FROM,
    ARG_UNTIL,
    ARG_SET,
    ARG_RESUMPTION_TOKEN,
    ARG_COUNT,
    /* Pseudo ids for keys that are not a stored argument. */
    KEY_VERB = ARG_COUNT,
    KEY_UNKNOWN,
};

#define BIT(a) (1u << (a))

static const char *const arg_names[ARG_COUNT] = {
    "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken",
};

/* Longest accepted decoded value; for from/until, the length of
 * "YYYY-MM-DDThh:mm:ssZ", the longest valid datestamp. */
static const size_t arg_max_len[ARG_COUNT] = {
    OAI_MAX_IDENTIFIER_LEN, OAI_MAX_PREFIX_LEN,  DATESTAMP_LEN - 1,
    DATESTAMP_LEN - 1,      OAI_MAX_SETSPEC_LEN, OAI_MAX_TOKEN_LEN,
};

typedef struct {
    const char *name;
    oai_verb verb;
    unsigned allowed;  /* BIT(arg_id) of every legal argument */
    unsigned required; /* required unless the exclusive resumptionToken is given */
} verb_rule;

#define LIST_ARGS                                                                                  \
    (BIT(ARG_METADATA_PREFIX) | BIT(ARG_FROM) | BIT(ARG_UNTIL) | BIT(ARG_SET) |                    \
     BIT(ARG_RESUMPTION_TOKEN))

static const verb_rule verb_rules[] = {
    {"Identify", VERB_IDENTIFY, 0, 0},
    {"ListMetadataFormats", VERB_LIST_METADATA_FORMATS, BIT(ARG_IDENTIFIER), 0},
    {"ListSets", VERB_LIST_SETS, BIT(ARG_RESUMPTION_TOKEN), 0},
    {"ListIdentifiers", VERB_LIST_IDENTIFIERS, LIST_ARGS, BIT(ARG_METADATA_PREFIX)},
    {"ListRecords", VERB_LIST_RECORDS, LIST_ARGS, BIT(ARG_METADATA_PREFIX)},
    {"GetRecord", VERB_GET_RECORD, BIT(ARG_IDENTIFIER) | BIT(ARG_METADATA_PREFIX),
     BIT(ARG_IDENTIFIER) | BIT(ARG_METADATA_PREFIX)},
};

/* Big enough for any %-encoded verb name or known argument name (3 bytes per
 * character); anything longer cannot decode to one of them. */
#define SMALL_BUF 64

/* One key=value pair, pointing into the input. val is NULL without '='. */
typedef struct {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
} raw_pair;

static const char *const DATESTAMP_HINT = "expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ";

/* ---- %-decoding ---------------------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decodes len bytes of s into out (room for len + 1 bytes) and NUL-terminates
 * it. Returns -1 if a '%' is not followed by two hex digits or the result
 * would contain a NUL byte (C strings cannot hold it, and no OAI argument
 * may contain one).
 */
static int decode_into(const char *s, size_t len, char *out)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;

            if (len - i < 3)
                return -1;
            hi = hex_value(s[i + 1]);
            lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return -1;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

char *oai_url_decode(const char *s, size_t len)
{
    char *out;

    if (s == NULL && len > 0)
        return NULL;
    out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    if (decode_into(s, len, out) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Decodes a short component into buf; -1 if malformed or too long to be any
 * name we look for. */
static int decode_small(const char *s, size_t len, char buf[SMALL_BUF])
{
    if (len >= SMALL_BUF)
        return -1;
    return decode_into(s, len, buf);
}

/* ---- splitting ----------------------------------------------------------- */

/*
 * Finds the next non-empty '&'-separated pair at or after *pos. Empty pairs
 * ("a=1&&b=2", a trailing '&') carry nothing and are skipped, as browsers
 * and most servers do.
 */
static bool next_pair(const char *in, size_t len, size_t *pos, raw_pair *p)
{
    while (*pos < len) {
        size_t start = *pos;
        const char *amp = memchr(in + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - in) : len;
        const char *eq;

        *pos = amp ? end + 1 : len;
        if (end == start)
            continue;
        /* Only the first '=' separates: later ones belong to the value
         * (unescaped base64 padding in tokens is common). */
        eq = memchr(in + start, '=', end - start);
        p->key = in + start;
        p->key_len = eq ? (size_t)(eq - p->key) : end - start;
        p->val = eq ? eq + 1 : NULL;
        p->val_len = eq ? (size_t)(in + end - p->val) : 0;
        return true;
    }
    return false;
}

static size_t count_pairs(const char *in, size_t len)
{
    size_t pos = 0, n = 0;
    raw_pair p;

    while (next_pair(in, len, &pos, &p))
        n++;
    return n;
}

/* Identifies a key: an arg_id, KEY_VERB, or KEY_UNKNOWN (which includes keys
 * that are not correctly %-encoded: they cannot name an OAI argument). */
static int classify_key(const raw_pair *p)
{
    char buf[SMALL_BUF];

    if (decode_small(p->key, p->key_len, buf) < 0)
        return KEY_UNKNOWN;
    if (strcmp(buf, "verb") == 0)
        return KEY_VERB;
    for (int i = 0; i < ARG_COUNT; i++) {
        if (strcmp(buf, arg_names[i]) == 0)
            return i;
    }
    return KEY_UNKNOWN;
}

/* ---- the verb ------------------------------------------------------------ */

static const verb_rule *lookup_verb(const raw_pair *p)
{
    char buf[SMALL_BUF];

    /* "verb" without '=' has no value, hence no legal one. */
    if (p->val == NULL || decode_small(p->val, p->val_len, buf) < 0)
        return NULL;
    for (size_t i = 0; i < sizeof(verb_rules) / sizeof(verb_rules[0]); i++) {
        if (strcmp(buf, verb_rules[i].name) == 0)
            return &verb_rules[i];
    }
    return NULL;
}

/*
 * Scans the whole input for the verb before anything else, so that a bad
 * verb is reported as badVerb whatever else is wrong with the request.
 */
static const verb_rule *find_verb(const char *in, size_t len, oai_error *err)
{
    size_t pos = 0;
    raw_pair p, verb_pair = {0};
    int seen = 0;
    const verb_rule *rule;

    while (next_pair(in, len, &pos, &p)) {
        if (classify_key(&p) != KEY_VERB)
            continue;
        /* Repeated even with the same value: spec 3.6 says so. */
        if (++seen > 1) {
            oai_error_set(err, OAI_BAD_VERB, "the verb argument is repeated");
            return NULL;
        }
        verb_pair = p;
    }
    if (seen == 0) {
        oai_error_set(err, OAI_BAD_VERB, "the verb argument is missing");
        return NULL;
    }
    rule = lookup_verb(&verb_pair);
    if (rule == NULL)
        oai_error_set(err, OAI_BAD_VERB,
                      "the value of the verb argument is not a legal OAI-PMH verb "
                      "(verbs are case-sensitive)");
    return rule;
}

/* ---- collecting the arguments -------------------------------------------- */

static void set_too_long(enum arg_id id, oai_error *err)
{
    if (id == ARG_FROM || id == ARG_UNTIL) {
        oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' is not a valid datestamp (%s)",
                      arg_names[id], DATESTAMP_HINT);
        return;
    }
    oai_error_add(err, OAI_BAD_ARGUMENT,
                  "the value of the argument '%s' is too long (at most %zu bytes)", arg_names[id],
                  arg_max_len[id]);
}

/* The arguments of a request as they are collected: decoded values, and
 * which arguments were given at all (valid or not) and which repeated,
 * as bits BIT(id). */
typedef struct {
    char *vals[ARG_COUNT];
    unsigned present, repeated;
    unsigned refused; /* arguments not allowed for the verb, reported */
} collected;

/* Checks the value of a pair whose key is the legal argument id, and stores
 * its decoded value in c->vals[id]. */
static int store_value(const raw_pair *p, enum arg_id id, collected *c, oai_error *err)
{
    const char *name = arg_names[id];
    char **vals = c->vals;

    if (c->present & BIT(id)) {
        /* Reported once, however many times it comes. */
        if (!(c->repeated & BIT(id)))
            oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' is repeated", name);
        c->repeated |= BIT(id);
        return -1;
    }
    c->present |= BIT(id);
    if (p->val == NULL) {
        oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' has no value (expected %s=value)",
                      name, name);
        return -1;
    }
    /* Decoding never yields an empty string from a non-empty one. */
    if (p->val_len == 0) {
        oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' has an empty value", name);
        return -1;
    }
    /* Each decoded byte takes at most 3 input bytes: reject huge values
     * before allocating for them. */
    if ((p->val_len + 2) / 3 > arg_max_len[id]) {
        set_too_long(id, err);
        return -1;
    }
    vals[id] = oai_url_decode(p->val, p->val_len);
    if (vals[id] == NULL) {
        oai_error_add(err, OAI_BAD_ARGUMENT,
                      "the value of the argument '%s' is not correctly %%-encoded "
                      "or contains a NUL byte",
                      name);
        return -1;
    }
    if (strlen(vals[id]) > arg_max_len[id]) {
        /* Dropped: reported once, not checked again as a value. */
        free(vals[id]);
        vals[id] = NULL;
        set_too_long(id, err);
        return -1;
    }
    return 0;
}

/* A pair whose key is known (collect_args counts the unknown ones). */
static int store_pair(const raw_pair *p, const verb_rule *rule, collected *c, oai_error *err)
{
    int id = classify_key(p);

    if (id == KEY_VERB)
        return 0; /* find_verb() has checked it */
    if (!(rule->allowed & BIT(id))) {
        /* Reported once, however many times it comes. */
        if (!(c->refused & BIT(id)))
            oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' is not allowed for verb %s",
                          arg_names[id], rule->name);
        c->refused |= BIT(id);
        return -1;
    }
    return store_value(p, (enum arg_id)id, c, err);
}

/* Every pair, each problem reported (spec 3.6: all errors), except that too
 * many arguments is reported alone. Returns -1 only for that. */
static int collect_args(const char *in, size_t len, const verb_rule *rule, collected *c,
                        oai_error *err)
{
    size_t pos = 0;
    raw_pair p;
    int unknown = 0;

    if (count_pairs(in, len) > OAI_MAX_ARGS) {
        oai_error_add(err, OAI_BAD_ARGUMENT, "too many arguments (at most %d are accepted)",
                      OAI_MAX_ARGS);
        return -1;
    }
    while (next_pair(in, len, &pos, &p)) {
        /* Unknown arguments are counted in one error: they are not named. */
        if (classify_key(&p) == KEY_UNKNOWN) {
            unknown++;
            continue;
        }
        store_pair(&p, rule, c, err);
    }
    if (unknown > 0)
        oai_error_add(err, OAI_BAD_ARGUMENT,
                      unknown == 1 ? "the request contains an argument not defined by OAI-PMH"
                                   : "the request contains %d arguments not defined by OAI-PMH",
                      unknown);
    return 0;
}

/* ---- rules across arguments ---------------------------------------------- */

/* resumptionToken is exclusive; otherwise every required argument is there
 * (given, valid or not: an invalid one was reported as such). */
static void check_combination(const verb_rule *rule, const collected *c, oai_error *err)
{
    bool exclusive = c->present & BIT(ARG_RESUMPTION_TOKEN);

    for (int i = 0; i < ARG_COUNT; i++) {
        if (exclusive && i != ARG_RESUMPTION_TOKEN && (c->present & BIT(i)))
            oai_error_add(err, OAI_BAD_ARGUMENT,
                          "resumptionToken is an exclusive argument and cannot be combined "
                          "with '%s'",
                          arg_names[i]);
        if (!exclusive && (rule->required & BIT(i)) && !(c->present & BIT(i)))
            oai_error_add(err, OAI_BAD_ARGUMENT,
                          "the required argument '%s' is missing for verb %s", arg_names[i],
                          rule->name);
    }
}

/* The character class of metadataPrefixType and setSpecType in the OAI-PMH
 * schema: the URI unreserved characters of RFC 2396. */
static bool is_spec_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("-_.!~*'()", c) != NULL);
}

/* [A-Za-z0-9\-_\.!~\*'\(\)]+ */
static bool is_prefix(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!is_spec_char(*s))
            return false;
    }
    return true;
}

/* ([A-Za-z0-9\-_\.!~\*'\(\)])+(:[A-Za-z0-9\-_\.!~\*'\(\)]+)*: colon-separated,
 * non-empty components. */
static bool is_set_spec(const char *s)
{
    bool component_empty = true;

    for (; *s != '\0'; s++) {
        if (*s == ':') {
            if (component_empty)
                return false;
            component_empty = true;
        } else if (is_spec_char(*s)) {
            component_empty = false;
        } else {
            return false;
        }
    }
    return !component_empty;
}

/* A value outside these patterns could never match anything, and the
 * response schema would reject it in the <request> echo. */
static void check_patterns(char *const vals[ARG_COUNT], oai_error *err)
{
    if (vals[ARG_METADATA_PREFIX] != NULL && !is_prefix(vals[ARG_METADATA_PREFIX]))
        oai_error_add(err, OAI_BAD_ARGUMENT,
                      "the argument 'metadataPrefix' contains characters other than "
                      "A-Z a-z 0-9 - _ . ! ~ * ' ( )");
    if (vals[ARG_SET] != NULL && !is_set_spec(vals[ARG_SET]))
        oai_error_add(err, OAI_BAD_ARGUMENT,
                      "the argument 'set' is not a valid setSpec (colon-separated, non-empty "
                      "parts of A-Z a-z 0-9 - _ . ! ~ * ' ( ))");
}

static int parse_bound(char *const vals[ARG_COUNT], enum arg_id id, int64_t *t,
                       oai_granularity *gran, oai_error *err)
{
    if (datestamp_parse(vals[id], t, gran) < 0) {
        oai_error_add(err, OAI_BAD_ARGUMENT, "the argument '%s' is not a valid datestamp (%s)",
                      arg_names[id], DATESTAMP_HINT);
        return -1;
    }
    return 0;
}

/*
 * Parses from/until into req. A day-granularity until covers its whole day,
 * so it becomes the day's last second: until=2020-01-01 includes records of
 * 2020-01-01T12:00:00Z, and from == until at day granularity is one day.
 */
static int check_dates(char *const vals[ARG_COUNT], oai_request *req, oai_error *err)
{
    oai_granularity from_gran = GRAN_NONE, until_gran = GRAN_NONE;
    int bad = 0;

    if (vals[ARG_FROM] != NULL && parse_bound(vals, ARG_FROM, &req->from_t, &from_gran, err) < 0)
        bad = 1;
    if (vals[ARG_UNTIL] != NULL &&
        parse_bound(vals, ARG_UNTIL, &req->until_t, &until_gran, err) < 0)
        bad = 1;
    if (bad)
        return -1;
    if (until_gran == GRAN_DAY)
        req->until_t += 86400 - 1;
    if (from_gran != GRAN_NONE && until_gran != GRAN_NONE) {
        /* Spec 3.3.1: "Both arguments must have the same granularity." */
        if (from_gran != until_gran) {
            oai_error_add(err, OAI_BAD_ARGUMENT, "'from' and 'until' have different granularities");
            return -1;
        }
        if (req->from_t > req->until_t) {
            oai_error_add(err, OAI_BAD_ARGUMENT, "'from' is later than 'until'");
            return -1;
        }
    }
    req->gran = from_gran != GRAN_NONE ? from_gran : until_gran;
    return 0;
}

/* ---- entry points -------------------------------------------------------- */

/* Hands the decoded values over to req; vals no longer owns them. */
static void move_values(char *vals[ARG_COUNT], oai_request *req)
{
    req->identifier = vals[ARG_IDENTIFIER];
    req->metadata_prefix = vals[ARG_METADATA_PREFIX];
    req->from = vals[ARG_FROM];
    req->until = vals[ARG_UNTIL];
    req->set = vals[ARG_SET];
    req->resumption_token = vals[ARG_RESUMPTION_TOKEN];
    memset(vals, 0, ARG_COUNT * sizeof(vals[0]));
}

int oai_args_parse(const char *input, size_t len, oai_request *req, oai_error *err)
{
    collected c = {{NULL}, 0, 0, 0};
    oai_request parsed = {0};
    const verb_rule *rule;
    int rc = -1;

    memset(req, 0, sizeof(*req));
    err->code = OAI_OK;
    err->message[0] = '\0';
    err->n_more = 0;
    if (input == NULL)
        len = 0;

    /* A bad verb alone: what else is wrong depends on the verb. Otherwise
     * every problem found is reported (spec 3.6). */
    rule = find_verb(input, len, err);
    if (rule == NULL)
        goto cleanup;
    if (collect_args(input, len, rule, &c, err) < 0)
        goto cleanup;
    check_combination(rule, &c, err);
    check_patterns(c.vals, err);
    check_dates(c.vals, &parsed, err);
    if (err->code != OAI_OK)
        goto cleanup;

    parsed.verb = rule->verb;
    move_values(c.vals, &parsed);
    *req = parsed;
    rc = 0;

cleanup:
    for (int i = 0; i < ARG_COUNT; i++)
        free(c.vals[i]);
    return rc;
}

void oai_request_free(oai_request *req)
{
    if (req == NULL)
        return;
    free(req->identifier);
    free(req->metadata_prefix);
    free(req->set);
    free(req->resumption_token);
    free(req->from);
    free(req->until);
    memset(req, 0, sizeof(*req));
}
