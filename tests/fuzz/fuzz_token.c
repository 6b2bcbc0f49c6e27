/*
 * fuzz_token.c - token_decode (and token_encode) with fixed keys.
 *
 * Tokens come back from harvesters, so token_decode sees arbitrary bytes.
 * Its payload parser runs only after the MAC verifies, so random bytes
 * would never reach it; each input is therefore used three ways:
 *  A. as a token string, as a harvester would send it;
 *  B. as a payload, signed here with one of the keys (chosen by a hash of
 *     the input) and wrapped as B64(payload) "." B64(mac), which takes the
 *     fuzzer straight into the field parser;
 *  C. (58 bytes or more) as the fields of an oai_token, encoded with
 *     token_encode: then decode(encode(t)) must give t back.
 * Properties for every token that decodes:
 *  - the fields are in range (verb ListSets/ListIdentifiers/ListRecords,
 *    has_from 0 or 1);
 *  - encode(decode(x)) verifies again and decodes to the same fields, and
 *    equals x byte for byte when x was signed with the current key (the
 *    encoding is canonical: one token, one spelling);
 *  - it is refused as "expired" one second after its expiry time;
 * and for every refusal: a short reason, the output zeroed, and a small
 * reason buffer is never overrun (allocated at its exact size).
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fuzz_common.h"
#include "fuzz_keys.h"
#include "token.h"

#define MAC_LEN 16

static token_keys keys;     /* both keys: what the server uses */
static token_keys key0only; /* the current key only */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    keys = fuzz_keys();
    key0only = keys;
    key0only.n = 1;
    return 0;
}

static size_t b64url(const unsigned char *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;

    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = a[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = a[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return o;
}

static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_token(const oai_token *a, const oai_token *b)
{
    return a->verb == b->verb && same_str(a->metadata_prefix, b->metadata_prefix) &&
           same_str(a->set, b->set) && a->has_from == b->has_from && a->from == b->from &&
           a->until == b->until && a->last_datestamp == b->last_datestamp &&
           a->last_id == b->last_id && same_str(a->last_key, b->last_key) &&
           a->cursor == b->cursor && a->complete_list_size == b->complete_list_size &&
           a->expires == b->expires;
}

static int is_zero(const oai_token *t)
{
    static const oai_token zero;

    return memcmp(t, &zero, sizeof(zero)) == 0;
}

/* token_decode with a reason buffer of exactly whylen bytes on the heap. */
static int decode(const char *s, const token_keys *k, int64_t now, oai_token *out, size_t whylen,
                  char *reason, size_t reason_len)
{
    char *why = whylen > 0 ? malloc(whylen) : NULL;
    int rc;

    if (whylen > 0)
        FUZZ_CHECK(why != NULL);
    memset(out, 0x5A, sizeof(*out)); /* token_decode must initialise it */
    rc = token_decode(s, k, now, out, why, whylen);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0) {
        FUZZ_CHECK(is_zero(out));
        if (whylen > 0) {
            size_t n = strnlen(why, whylen);

            FUZZ_CHECK(n < whylen);
            FUZZ_CHECK(!fuzz_has_control(why, n, ""));
            if (whylen > 1)
                FUZZ_CHECK(n > 0);
        }
    }
    if (reason != NULL) {
        reason[0] = '\0';
        if (rc != 0 && why != NULL)
            snprintf(reason, reason_len, "%s", why);
    }
    free(why);
    return rc;
}

/* The properties of a token string s. */
static void check_token(const char *s, size_t whylen)
{
    oai_token t, t2, t3;
    char reason[64];
    char *enc;

    if (decode(s, &keys, INT64_MIN, &t, whylen, reason, sizeof(reason)) != 0)
        return;
    FUZZ_CHECK(t.verb == VERB_LIST_SETS || t.verb == VERB_LIST_IDENTIFIERS ||
               t.verb == VERB_LIST_RECORDS);
    FUZZ_CHECK(t.has_from == 0 || t.has_from == 1);
    FUZZ_CHECK(strlen(s) <= OAI_MAX_TOKEN_LEN);

    /* encode(decode(x)) verifies again, to the same fields. */
    enc = token_encode(&t, &keys);
    FUZZ_CHECK(enc != NULL);
    FUZZ_CHECK(decode(enc, &key0only, INT64_MIN, &t2, 64, NULL, 0) == 0);
    FUZZ_CHECK(same_token(&t, &t2));
    /* Canonical: a token the current key signed is re-encoded to itself. */
    if (decode(s, &key0only, INT64_MIN, &t3, 64, NULL, 0) == 0) {
        FUZZ_CHECK(strcmp(enc, s) == 0);
        FUZZ_CHECK(same_token(&t, &t3));
    } else {
        FUZZ_CHECK(strcmp(enc, s) != 0); /* signed with the old key */
    }
    token_free(&t3);

    /* Expiry: valid up to and including `expires`, refused after it. */
    if (t.expires < INT64_MAX) {
        token_free(&t2);
        FUZZ_CHECK(decode(s, &keys, t.expires, &t2, 64, NULL, 0) == 0);
        token_free(&t2);
        FUZZ_CHECK(decode(s, &keys, t.expires + 1, &t2, 64, reason, sizeof(reason)) != 0);
        FUZZ_CHECK(strcmp(reason, "expired") == 0);
    }
    free(enc);
    token_free(&t);
    token_free(&t2);
    FUZZ_CHECK(is_zero(&t));
}

/* B: the input as a payload, signed here. */
static void check_payload(const uint8_t *data, size_t size, int key_index, size_t whylen)
{
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;
    char *tok = malloc(size / 3 * 4 + 4 + 1 + 24 + 1);
    size_t n;

    FUZZ_CHECK(tok != NULL);
    FUZZ_CHECK(HMAC(EVP_sha256(), keys.key[key_index], (int)keys.len[key_index], data, size, full,
                    &full_len) != NULL);
    n = b64url(data, size, tok);
    tok[n++] = '.';
    b64url(full, MAC_LEN, tok + n);
    check_token(tok, whylen);
    free(tok);
}

static int64_t i64_at(const uint8_t *p)
{
    int64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

/* C: the input as the fields of a token, round-tripped through encode. */
static void check_fields(const uint8_t *data, size_t size)
{
    static const oai_verb verbs[4] = {VERB_LIST_SETS, VERB_LIST_IDENTIFIERS, VERB_LIST_RECORDS,
                                      VERB_GET_RECORD};
    oai_token t, back;
    char *strings = fuzz_strndup(data + 58, size - 58);
    char *str[3];
    size_t len = size - 58;
    char *p = strings, *enc;

    /* Up to three strings separated by NULs in the rest of the input. */
    for (int i = 0; i < 3; i++) {
        str[i] = p;
        p += strlen(p);
        if (p < strings + len)
            p++;
    }
    memset(&t, 0, sizeof(t));
    t.verb = verbs[data[0] & 3]; /* GetRecord: encode must refuse it */
    t.has_from = data[1] & 1;
    t.metadata_prefix = (data[1] & 2) ? str[0] : NULL;
    t.set = (data[1] & 4) ? str[1] : NULL;
    t.last_key = (data[1] & 8) ? str[2] : NULL;
    t.from = i64_at(data + 2);
    t.until = i64_at(data + 10);
    t.last_datestamp = i64_at(data + 18);
    t.last_id = i64_at(data + 26);
    t.cursor = (uint64_t)i64_at(data + 34);
    t.complete_list_size = (uint64_t)i64_at(data + 42);
    t.expires = i64_at(data + 50);

    enc = token_encode(&t, &keys);
    if (t.verb == VERB_GET_RECORD) {
        FUZZ_CHECK(enc == NULL);
    } else if (enc != NULL) {
        FUZZ_CHECK(strlen(enc) <= OAI_MAX_TOKEN_LEN);
        FUZZ_CHECK(decode(enc, &keys, INT64_MIN, &back, 64, NULL, 0) == 0);
        FUZZ_CHECK(same_token(&t, &back));
        token_free(&back);
        check_token(enc, 64);
        free(enc);
    } else {
        /* Only an over-long token may be refused. */
        size_t total = 0;

        for (int i = 0; i < 3; i++)
            total += strlen(str[i]);
        FUZZ_CHECK(total * 4 / 3 > 500);
    }
    free(strings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t h = fuzz_hash(data, size);
    /* Reason buffers of 64 bytes mostly; sometimes 0 (NULL) to 8 bytes. */
    size_t whylen = (h & 7) == 0 ? (size_t)(h >> 8) % 9 : 64;
    char *s = fuzz_strndup(data, size);

    check_token(s, whylen);
    free(s);
    check_payload(data, size, (int)(h >> 4 & 1), whylen);
    if (size >= 58)
        check_fields(data, size);
    return 0;
}
