/*
 * token.c - stateless, signed resumption tokens.
 *
 * Wire format, version 1:
 *
 *   token   = B64(payload) "." B64(mac)
 *   payload = "1" 12("|" field)
 *   mac     = first 16 bytes of HMAC-SHA256(key, payload)
 *
 * B64 is base64url (RFC 4648 section 5) without padding; the decoder is
 * strict (canonical: no padding, unused trailing bits must be zero), so one
 * token has exactly one spelling. The fields, in order: verb ("S" ListSets,
 * "I" ListIdentifiers, "R" ListRecords), metadataPrefix, set, has_from ("0"
 * or "1"), from, until, last_datestamp, last_id, last_key, cursor,
 * complete_list_size, expires. Numbers are canonical decimal (no '+', no
 * leading zeros, no "-0"); cursor and complete_list_size are unsigned.
 * Strings are "!" for NULL, else B64 of their bytes (so "" stays ""), which
 * lets them hold any byte, '|' included, while '|' and '!' stay free to
 * delimit. The MAC is truncated to 128 bits, ample against forgery and it
 * keeps tokens short. The leading version lets a later format be told apart;
 * it sits inside the MAC so it cannot be altered either.
 *
 * Size: with strings at their OAI_MAX_*_LEN limits and every number at its
 * widest, a token is about 1,300 characters, well under OAI_MAX_TOKEN_LEN.
 */
#include "token.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define TOKEN_VERSION "1"
#define MAC_LEN 16
#define NFIELDS 13 /* version + the 12 fields */
#define NULL_STRING "!"

/* Indexes of the payload fields. */
enum {
    F_VERSION,
    F_VERB,
    F_PREFIX,
    F_SET,
    F_HAS_FROM,
    F_FROM,
    F_UNTIL,
    F_LAST_DATESTAMP,
    F_LAST_ID,
    F_LAST_KEY,
    F_CURSOR,
    F_SIZE,
    F_EXPIRES,
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---- base64url ---------------------------------------------------------- */

static size_t b64_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* Writes b64_encoded_len(n) characters (no NUL) and returns that count. */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    char *p = out;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[v >> 12 & 63];
        *p++ = b64_alphabet[v >> 6 & 63];
        *p++ = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *p++ = b64_alphabet[v >> 18];
        *p++ = b64_alphabet[v >> 12 & 63];
        *p++ = b64_alphabet[v >> 6 & 63];
    }
    return (size_t)(p - out);
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Strict decode of n characters into out (room for n * 3 / 4 bytes).
 * Returns the byte count, or -1 on a bad character, an impossible length
 * (n % 4 == 1) or non-zero unused bits in the last character: rejecting
 * those makes the encoding canonical, so no two tokens decode alike.
 */
static long b64_decode(const char *in, size_t n, unsigned char *out)
{
    unsigned char *p = out;
    uint32_t acc = 0;
    int bits = 0;

    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *p++ = (unsigned char)(acc >> bits);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)(p - out);
}

/* ---- MAC ---------------------------------------------------------------- */

static int keys_usable(const token_keys *keys)
{
    if (keys == NULL || keys->n < 1 || keys->n > TOKEN_MAX_KEYS)
        return 0;
    for (int i = 0; i < keys->n; i++) {
        /* An empty key would make every token forgeable. */
        if (keys->key[i] == NULL || keys->len[i] == 0 || keys->len[i] > INT_MAX)
            return 0;
    }
    return 1;
}

static int compute_mac(const unsigned char *key, size_t keylen, const unsigned char *data, size_t n,
                       unsigned char mac[MAC_LEN])
{
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;

    /* HMAC() with our own output buffer is re-entrant (no static state). */
    if (HMAC(EVP_sha256(), key, (int)keylen, data, n, full, &full_len) == NULL ||
        full_len < MAC_LEN)
        return -1;
    memcpy(mac, full, MAC_LEN);
    return 0;
}

/* ---- encoding ----------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} strbuf;

/* The buffer is sized up front (see payload_cap), so appends cannot fail;
 * the check is a guard against a sizing mistake, not a normal path. */
static int sb_room(const strbuf *b, size_t n)
{
    return b->cap - b->len > n;
}

static void sb_str(strbuf *b, const char *s)
{
    size_t n = strlen(s);

    if (!sb_room(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_field_i64(strbuf *b, int64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "|%lld", (long long)v);
    sb_str(b, num);
}

static void sb_field_u64(strbuf *b, uint64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "|%llu", (unsigned long long)v);
    sb_str(b, num);
}

static void sb_field_str(strbuf *b, const char *s)
{
    if (s == NULL) {
        sb_str(b, "|" NULL_STRING);
        return;
    }
    size_t n = strlen(s);
    if (!sb_room(b, 1 + b64_encoded_len(n)))
        return;
    b->p[b->len++] = '|';
    b->len += b64_encode((const unsigned char *)s, n, b->p + b->len);
    b->p[b->len] = '\0';
}

static const char *verb_code(oai_verb v)
{
    switch (v) {
    case VERB_LIST_SETS:
        return "S";
    case VERB_LIST_IDENTIFIERS:
        return "I";
    case VERB_LIST_RECORDS:
        return "R";
    default:
        return NULL;
    }
}

static size_t string_cap(const char *s)
{
    return s ? b64_encoded_len(strlen(s)) : sizeof(NULL_STRING);
}

/* Upper bound of the payload length, NUL included. */
static size_t payload_cap(const oai_token *t)
{
    /* version, verb, has_from: a few chars; 7 numbers of at most 20 chars
     * ("-9223372036854775808"); 13 delimiters. */
    return 16 + 7 * 21 + 13 + string_cap(t->metadata_prefix) + string_cap(t->set) +
           string_cap(t->last_key) + 1;
}

static int build_payload(const oai_token *t, strbuf *b)
{
    const char *verb = verb_code(t->verb);

    if (verb == NULL)
        return -1;
    b->cap = payload_cap(t);
    b->len = 0;
    b->p = malloc(b->cap);
    if (b->p == NULL)
        return -1;
    b->p[0] = '\0';

    sb_str(b, TOKEN_VERSION "|");
    sb_str(b, verb);
    sb_field_str(b, t->metadata_prefix);
    sb_field_str(b, t->set);
    sb_str(b, t->has_from ? "|1" : "|0");
    sb_field_i64(b, t->from);
    sb_field_i64(b, t->until);
    sb_field_i64(b, t->last_datestamp);
    sb_field_i64(b, t->last_id);
    sb_field_str(b, t->last_key);
    sb_field_u64(b, t->cursor);
    sb_field_u64(b, t->complete_list_size);
    sb_field_i64(b, t->expires);
    return 0;
}

char *token_encode(const oai_token *t, const token_keys *keys)
{
    strbuf payload = {0};
    unsigned char mac[MAC_LEN];
    char *tok = NULL;

    if (t == NULL || !keys_usable(keys))
        goto cleanup;
    if (build_payload(t, &payload))
        goto cleanup;
    if (compute_mac(keys->key[0], keys->len[0], (const unsigned char *)payload.p, payload.len, mac))
        goto cleanup;

    size_t plen = b64_encoded_len(payload.len);
    size_t total = plen + 1 + b64_encoded_len(MAC_LEN);
    /* The decoder refuses anything longer, so never hand such a token out. */
    if (total > OAI_MAX_TOKEN_LEN)
        goto cleanup;
    tok = malloc(total + 1);
    if (tok == NULL)
        goto cleanup;
    b64_encode((const unsigned char *)payload.p, payload.len, tok);
    tok[plen] = '.';
    b64_encode(mac, MAC_LEN, tok + plen + 1);
    tok[total] = '\0';

cleanup:
    free(payload.p);
    return tok;
}

/* ---- decoding ----------------------------------------------------------- */

static void set_why(char *why, size_t whylen, const char *reason)
{
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s", reason);
}

typedef struct {
    const char *p;
    size_t len;
} field;

/* Splits the payload at '|' into exactly NFIELDS fields. */
static int split_fields(const char *s, size_t n, field f[NFIELDS])
{
    int k = 0;
    size_t start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '|')
            continue;
        if (k == NFIELDS)
            return -1; /* extra fields */
        f[k].p = s + start;
        f[k].len = i - start;
        k++;
        start = i + 1;
    }
    return k == NFIELDS ? 0 : -1;
}

/* Canonical unsigned decimal: digits only, no leading zeros, no overflow. */
static int parse_u64(field f, uint64_t *out)
{
    uint64_t v = 0;

    if (f.len == 0 || (f.len > 1 && f.p[0] == '0'))
        return -1;
    for (size_t i = 0; i < f.len; i++) {
        if (f.p[i] < '0' || f.p[i] > '9')
            return -1;
        unsigned d = (unsigned)(f.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int parse_i64(field f, int64_t *out)
{
    uint64_t mag;
    int neg = f.len > 0 && f.p[0] == '-';

    if (neg) {
        f.p++;
        f.len--;
    }
    if (parse_u64(f, &mag))
        return -1;
    if (neg) {
        if (mag == 0 || mag > (uint64_t)INT64_MAX + 1)
            return -1; /* "-0" is not canonical */
        /* Negate in unsigned arithmetic: -(INT64_MIN) would overflow. */
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)mag;
    }
    return 0;
}

/* "!" is NULL; anything else is base64url of bytes that must not hold NUL,
 * since the result is used as a C string. */
static int parse_string(field f, char **out)
{
    *out = NULL;
    if (f.len == 1 && f.p[0] == NULL_STRING[0])
        return 0;

    char *s = malloc(f.len * 3 / 4 + 1);
    if (s == NULL)
        return -1;
    long n = b64_decode(f.p, f.len, (unsigned char *)s);
    if (n < 0 || memchr(s, '\0', (size_t)n) != NULL) {
        free(s);
        return -1;
    }
    s[n] = '\0';
    *out = s;
    return 0;
}

static int parse_verb(field f, oai_verb *out)
{
    static const oai_verb verbs[] = {VERB_LIST_SETS, VERB_LIST_IDENTIFIERS, VERB_LIST_RECORDS};

    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        const char *code = verb_code(verbs[i]);
        if (f.len == strlen(code) && memcmp(f.p, code, f.len) == 0) {
            *out = verbs[i];
            return 0;
        }
    }
    return -1;
}

/* Fills t from a verified payload; on failure returns a reason and leaves
 * partially decoded strings in t for the caller to free. */
static const char *parse_payload(const char *s, size_t n, oai_token *t)
{
    field f[NFIELDS];
    uint64_t has_from;

    if (split_fields(s, n, f))
        return "malformed";
    if (f[F_VERSION].len != strlen(TOKEN_VERSION) ||
        memcmp(f[F_VERSION].p, TOKEN_VERSION, f[F_VERSION].len) != 0)
        return "unsupported version";
    if (parse_verb(f[F_VERB], &t->verb))
        return "unknown verb";
    if (parse_string(f[F_PREFIX], &t->metadata_prefix) || parse_string(f[F_SET], &t->set) ||
        parse_string(f[F_LAST_KEY], &t->last_key))
        return "malformed";
    if (parse_u64(f[F_HAS_FROM], &has_from) || has_from > 1)
        return "malformed";
    t->has_from = (int)has_from;
    if (parse_i64(f[F_FROM], &t->from) || parse_i64(f[F_UNTIL], &t->until) ||
        parse_i64(f[F_LAST_DATESTAMP], &t->last_datestamp) ||
        parse_i64(f[F_LAST_ID], &t->last_id) || parse_u64(f[F_CURSOR], &t->cursor) ||
        parse_u64(f[F_SIZE], &t->complete_list_size) || parse_i64(f[F_EXPIRES], &t->expires))
        return "malformed";
    return NULL;
}

/* Checks the token's shape: URL-safe characters, exactly one '.', neither
 * part empty, not over-long. Returns the position of the '.' or 0. */
static size_t split_token(const char *s)
{
    size_t dot = 0, i;

    for (i = 0; s[i] != '\0'; i++) {
        if (i >= OAI_MAX_TOKEN_LEN)
            return 0;
        if (s[i] == '.') {
            if (dot != 0 || i == 0)
                return 0;
            dot = i;
        } else if (b64_value(s[i]) < 0) {
            return 0;
        }
    }
    if (dot == 0 || dot + 1 == i)
        return 0;
    return dot;
}

static int mac_matches(const token_keys *keys, const unsigned char *payload, size_t n,
                       const unsigned char mac[MAC_LEN])
{
    int ok = 0;

    for (int i = 0; i < keys->n; i++) {
        unsigned char want[MAC_LEN];
        if (compute_mac(keys->key[i], keys->len[i], payload, n, want) == 0 &&
            CRYPTO_memcmp(want, mac, MAC_LEN) == 0)
            ok = 1;
    }
    return ok;
}

int token_decode(const char *s, const token_keys *keys, int64_t now, oai_token *out, char *why,
                 size_t whylen)
{
    /* Decoded bytes are never longer than the text they came from; +1 for
     * the NUL the field parser relies on. */
    unsigned char payload[OAI_MAX_TOKEN_LEN + 1];
    unsigned char mac[OAI_MAX_TOKEN_LEN];
    const char *reason = "malformed";
    size_t dot;
    long plen, mlen;

    if (out == NULL) {
        set_why(why, whylen, "no output");
        return -1;
    }
    memset(out, 0, sizeof(*out));
    if (!keys_usable(keys)) {
        reason = "no keys";
        goto fail;
    }
    if (s == NULL || (dot = split_token(s)) == 0)
        goto fail;
    plen = b64_decode(s, dot, payload);
    mlen = b64_decode(s + dot + 1, strlen(s + dot + 1), mac);
    if (plen <= 0 || mlen != MAC_LEN)
        goto fail;
    payload[plen] = '\0';

    /* Authenticate before parsing: the parser only ever sees our own bytes. */
    if (!mac_matches(keys, payload, (size_t)plen, mac)) {
        reason = "bad signature";
        goto fail;
    }
    reason = parse_payload((const char *)payload, (size_t)plen, out);
    if (reason != NULL)
        goto fail;
    if (now > out->expires) {
        reason = "expired";
        goto fail;
    }
    return 0;

fail:
    token_free(out);
    set_why(why, whylen, reason);
    return -1;
}

void token_free(oai_token *t)
{
    if (t == NULL)
        return;
    free(t->metadata_prefix);
    free(t->set);
    free(t->last_key);
    memset(t, 0, sizeof(*t));
}
