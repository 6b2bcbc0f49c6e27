/* test_token.c - signed resumption tokens: round trips, tampering, rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "token.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NOW INT64_C(1700000000)

static const char key_a[] = "key A: 32 bytes of secret mater!";
static const char key_b[] = "key B: another secret, different";
static const char key_c[] = "c";

static token_keys keys_of(int n, const char *k0, const char *k1)
{
    token_keys k;

    memset(&k, 0, sizeof(k));
    k.n = n;
    k.key[0] = (const unsigned char *)k0;
    k.len[0] = k0 ? strlen(k0) : 0;
    if (n > 1) {
        k.key[1] = (const unsigned char *)k1;
        k.len[1] = k1 ? strlen(k1) : 0;
    }
    return k;
}

/* A token with every field set to something distinctive. */
static oai_token sample(void)
{
    oai_token t;

    memset(&t, 0, sizeof(t));
    t.verb = VERB_LIST_RECORDS;
    t.metadata_prefix = "oai_dc";
    t.set = "collection:maps";
    t.has_from = 1;
    t.from = 946684800;
    t.until = 1709251199;
    t.last_datestamp = 1600000000;
    t.last_id = 123456789;
    t.last_key = NULL;
    t.cursor = 500;
    t.complete_list_size = 123456;
    t.expires = NOW + 3600;
    return t;
}

static void assert_same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_token_equal(const oai_token *a, const oai_token *b)
{
    assert_int_equal(a->verb, b->verb);
    assert_same_string(a->metadata_prefix, b->metadata_prefix);
    assert_same_string(a->set, b->set);
    assert_int_equal(a->has_from, b->has_from);
    assert_int_equal(a->from, b->from);
    assert_int_equal(a->until, b->until);
    assert_int_equal(a->last_datestamp, b->last_datestamp);
    assert_int_equal(a->last_id, b->last_id);
    assert_same_string(a->last_key, b->last_key);
    assert_int_equal(a->cursor, b->cursor);
    assert_int_equal(a->complete_list_size, b->complete_list_size);
    assert_int_equal(a->expires, b->expires);
}

static int url_safe(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    }
    return 1;
}

/* Encodes t with keys, checks the wire form, decodes it and compares. */
static void assert_round_trip(const oai_token *t)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token back;
    char why[64] = "";

    char *s = token_encode(t, &k);
    assert_non_null(s);
    assert_true(url_safe(s));
    assert_in_range(strlen(s), 1, OAI_MAX_TOKEN_LEN);
    if (token_decode(s, &k, NOW, &back, why, sizeof(why)) != 0)
        fail_msg("decode failed: %s", why);
    assert_token_equal(&back, t);
    token_free(&back);
    free(s);
}

static void test_round_trip(void **state)
{
    oai_token t = sample();

    assert_round_trip(&t);
    t.verb = VERB_LIST_IDENTIFIERS;
    t.has_from = 0;
    t.from = 0;
    assert_round_trip(&t);

    t = sample();
    t.verb = VERB_LIST_SETS;
    t.metadata_prefix = NULL;
    t.set = NULL;
    t.last_key = "physics:hep";
    assert_round_trip(&t);
}

static void test_null_and_empty_strings(void **state)
{
    oai_token t = sample();

    t.metadata_prefix = NULL;
    t.set = NULL;
    t.last_key = NULL;
    assert_round_trip(&t);
    /* "" must come back as "", not as NULL. */
    t.metadata_prefix = "";
    t.set = "";
    t.last_key = "";
    assert_round_trip(&t);
    t.set = NULL;
    assert_round_trip(&t);
}

static void test_special_strings(void **state)
{
    static const char *const strings[] = {
        "a|b",
        "|",
        "||||",
        ".",
        "a.b.c",
        "%",
        "%41%",
        "%00",
        "!",
        "!!",
        "-_=+/",
        " leading and trailing ",
        "\t\r\n",
        "ព្រះរាជក្រឹត្យ",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "\xff\xfe\x80 not UTF-8",
        "\x01\x7f",
        "a:b:c",
        "'\"<&>",
    };

    for (size_t i = 0; i < ARRAY_LEN(strings); i++) {
        oai_token t = sample();
        t.metadata_prefix = (char *)strings[i];
        t.set = (char *)strings[(i + 1) % ARRAY_LEN(strings)];
        t.last_key = (char *)strings[(i + 2) % ARRAY_LEN(strings)];
        assert_round_trip(&t);
    }

    /* Every byte value but NUL, in one string. */
    char all[256];
    for (int b = 1; b < 256; b++)
        all[b - 1] = (char)b;
    all[255] = '\0';
    oai_token t = sample();
    t.set = all;
    assert_round_trip(&t);
}

static void test_long_strings(void **state)
{
    char prefix[OAI_MAX_PREFIX_LEN + 1], set[OAI_MAX_SETSPEC_LEN + 1], key[OAI_MAX_SETSPEC_LEN + 1];
    oai_token t = sample();

    memset(set, 's', OAI_MAX_SETSPEC_LEN);
    set[OAI_MAX_SETSPEC_LEN] = '\0';
    t.set = set;
    assert_round_trip(&t);

    /* The largest token arguments within the OAI_MAX_* limits can produce
     * must still fit OAI_MAX_TOKEN_LEN. */
    memset(prefix, 0xff, OAI_MAX_PREFIX_LEN);
    prefix[OAI_MAX_PREFIX_LEN] = '\0';
    memset(set, 0xfe, OAI_MAX_SETSPEC_LEN);
    memset(key, '|', OAI_MAX_SETSPEC_LEN);
    key[OAI_MAX_SETSPEC_LEN] = '\0';
    t.metadata_prefix = prefix;
    t.last_key = key;
    t.from = INT64_MIN;
    t.until = INT64_MIN;
    t.last_datestamp = INT64_MIN;
    t.last_id = INT64_MIN;
    t.cursor = UINT64_MAX;
    t.complete_list_size = UINT64_MAX;
    t.expires = INT64_MAX;
    assert_round_trip(&t);
}

/* A token the decoder would refuse as over-long is never produced. */
static void test_too_long_not_encoded(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t = sample();
    char *big = malloc(2000);

    assert_non_null(big);
    memset(big, 'x', 1999);
    big[1999] = '\0';
    t.set = big;
    assert_null(token_encode(&t, &k));
    free(big);
}

static void test_extreme_numbers(void **state)
{
    static const int64_t values[] = {0, 1, -1, 9, 10, INT64_MAX, INT64_MIN, INT64_MIN + 1, NOW};

    for (size_t i = 0; i < ARRAY_LEN(values); i++) {
        oai_token t = sample();
        t.from = values[i];
        t.until = values[(i + 1) % ARRAY_LEN(values)];
        t.last_datestamp = values[(i + 2) % ARRAY_LEN(values)];
        t.last_id = values[(i + 3) % ARRAY_LEN(values)];
        t.cursor = (uint64_t)values[(i + 4) % ARRAY_LEN(values)];
        t.complete_list_size = (uint64_t)values[(i + 5) % ARRAY_LEN(values)];
        t.expires = INT64_MAX - (int64_t)i;
        assert_round_trip(&t);
    }
}

static void test_deterministic(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t = sample();
    char *a = token_encode(&t, &k);
    char *b = token_encode(&t, &k);

    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_unencodable(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t = sample();

    t.verb = VERB_IDENTIFY;
    assert_null(token_encode(&t, &k));
    t.verb = VERB_NONE;
    assert_null(token_encode(&t, &k));
    t.verb = VERB_GET_RECORD;
    assert_null(token_encode(&t, &k));
    t.verb = VERB_LIST_METADATA_FORMATS;
    assert_null(token_encode(&t, &k));
    t.verb = (oai_verb)99;
    assert_null(token_encode(&t, &k));
    t.verb = VERB_LIST_RECORDS;
    assert_null(token_encode(NULL, &k));
}

/* Decoding s must fail; *out must come back zeroed and why must be set. */
static void assert_rejected(const char *s, const token_keys *k, int64_t now, const char *reason)
{
    oai_token out;
    char why[64] = "";

    memset(&out, 0x5a, sizeof(out));
    if (token_decode(s, k, now, &out, why, sizeof(why)) != -1)
        fail_msg("accepted: '%s'", s ? s : "(null)");
    assert_null(out.metadata_prefix);
    assert_null(out.set);
    assert_null(out.last_key);
    assert_int_equal(out.verb, VERB_NONE);
    assert_true(why[0] != '\0');
    if (reason != NULL && strcmp(why, reason) != 0)
        fail_msg("'%s': reason '%s', expected '%s'", s ? s : "(null)", why, reason);
}

static char *encode_sample(const token_keys *k)
{
    oai_token t = sample();
    char *s = token_encode(&t, k);

    assert_non_null(s);
    return s;
}

static void test_expired(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t = sample(), out;
    char *s = token_encode(&t, &k);

    assert_non_null(s);
    /* Valid up to and including the expiry second. */
    assert_int_equal(token_decode(s, &k, t.expires, &out, NULL, 0), 0);
    token_free(&out);
    assert_int_equal(token_decode(s, &k, t.expires - 100000, &out, NULL, 0), 0);
    token_free(&out);
    assert_rejected(s, &k, t.expires + 1, "expired");
    assert_rejected(s, &k, INT64_MAX, "expired");
    free(s);
}

static void test_wrong_key(void **state)
{
    token_keys ka = keys_of(1, key_a, NULL);
    token_keys kb = keys_of(1, key_b, NULL);
    token_keys kc = keys_of(1, key_c, NULL);
    char *s = encode_sample(&ka);

    assert_rejected(s, &kb, NOW, "bad signature");
    assert_rejected(s, &kc, NOW, "bad signature");
    /* A key that is a prefix of the real one is another key. */
    token_keys kshort = ka;
    kshort.len[0]--;
    assert_rejected(s, &kshort, NOW, "bad signature");
    free(s);
}

static void test_key_rotation(void **state)
{
    token_keys ka = keys_of(1, key_a, NULL);
    token_keys kba = keys_of(2, key_b, key_a);
    token_keys kab = keys_of(2, key_a, key_b);
    token_keys kb = keys_of(1, key_b, NULL);
    oai_token t = sample(), out;
    char *s = token_encode(&t, &ka);

    assert_non_null(s);
    /* Signed with the old key A, verified after rotation to {B, A}. */
    assert_int_equal(token_decode(s, &kba, NOW, &out, NULL, 0), 0);
    assert_token_equal(&out, &t);
    token_free(&out);
    assert_int_equal(token_decode(s, &kab, NOW, &out, NULL, 0), 0);
    token_free(&out);
    /* Once A is retired the token is refused. */
    assert_rejected(s, &kb, NOW, "bad signature");
    free(s);

    /* After rotation new tokens are signed with B: the first key. */
    s = token_encode(&t, &kba);
    assert_non_null(s);
    assert_int_equal(token_decode(s, &kb, NOW, &out, NULL, 0), 0);
    token_free(&out);
    assert_rejected(s, &ka, NOW, "bad signature");
    free(s);

    /* The full set of keys, the matching one last. */
    token_keys k4;
    memset(&k4, 0, sizeof(k4));
    k4.n = TOKEN_MAX_KEYS;
    for (int i = 0; i < TOKEN_MAX_KEYS; i++) {
        k4.key[i] = (const unsigned char *)(i == TOKEN_MAX_KEYS - 1 ? key_a : key_b);
        k4.len[i] = strlen((const char *)k4.key[i]) - (size_t)(i == TOKEN_MAX_KEYS - 1 ? 0 : i);
    }
    s = encode_sample(&ka);
    assert_int_equal(token_decode(s, &k4, NOW, &out, NULL, 0), 0);
    token_free(&out);
    free(s);
}

static void test_bad_keys(void **state)
{
    token_keys ka = keys_of(1, key_a, NULL);
    oai_token t = sample();
    char *s = encode_sample(&ka);
    token_keys k;

    k = keys_of(0, key_a, NULL);
    assert_null(token_encode(&t, &k));
    assert_rejected(s, &k, NOW, NULL);
    k = ka;
    k.n = TOKEN_MAX_KEYS + 1;
    assert_null(token_encode(&t, &k));
    assert_rejected(s, &k, NOW, NULL);
    k = ka;
    k.len[0] = 0; /* an empty key would let anyone sign */
    assert_null(token_encode(&t, &k));
    assert_rejected(s, &k, NOW, NULL);
    k = keys_of(2, key_a, NULL);
    assert_null(token_encode(&t, &k));
    assert_rejected(s, &k, NOW, NULL);
    assert_null(token_encode(&t, NULL));
    assert_rejected(s, NULL, NOW, NULL);
    free(s);
}

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

/*
 * Changing any one character of a valid token, to anything else, must make
 * it fail. (With a lenient base64 decoder a change in the unused low bits of
 * a final character could decode to the same bytes; the decoder insists on
 * canonical base64, so even that fails.)
 */
static void test_tamper_every_char(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    char *s = encode_sample(&k);
    size_t n = strlen(s);
    static const char others[] = "=+/ ~!|%\x7f\x80\xff";

    for (size_t i = 0; i < n; i++) {
        char orig = s[i];
        for (const char *c = alphabet; *c; c++) {
            if (*c == orig)
                continue;
            s[i] = *c;
            assert_rejected(s, &k, NOW, NULL);
        }
        for (const char *c = others; *c; c++) {
            s[i] = *c;
            assert_rejected(s, &k, NOW, "malformed");
        }
        s[i] = orig;
    }
    /* The untouched token still decodes. */
    oai_token out;
    assert_int_equal(token_decode(s, &k, NOW, &out, NULL, 0), 0);
    token_free(&out);
    free(s);
}

static void test_truncate_and_extend(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    char *s = encode_sample(&k);
    size_t n = strlen(s);
    char *buf = malloc(n + 8);

    assert_non_null(buf);
    for (size_t len = 0; len < n; len++) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        assert_rejected(buf, &k, NOW, NULL);
        /* Dropping a character in the middle, too. */
        memcpy(buf, s, len);
        memcpy(buf + len, s + len + 1, n - len);
        assert_rejected(buf, &k, NOW, NULL);
    }
    for (const char *c = alphabet; *c; c++) {
        memcpy(buf, s, n);
        buf[n] = *c;
        buf[n + 1] = '\0';
        assert_rejected(buf, &k, NOW, NULL);
        /* And a character inserted at the front. */
        buf[0] = *c;
        memcpy(buf + 1, s, n + 1);
        assert_rejected(buf, &k, NOW, NULL);
    }
    free(buf);
    free(s);
}

/* Swapping the payload of one genuine token with the MAC of another. */
static void test_splice(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t1 = sample(), t2 = sample();
    t2.cursor += 100;
    char *a = token_encode(&t1, &k), *b = token_encode(&t2, &k);
    char buf[2 * OAI_MAX_TOKEN_LEN];

    assert_non_null(a);
    assert_non_null(b);
    const char *dot_a = strchr(a, '.'), *dot_b = strchr(b, '.');
    snprintf(buf, sizeof(buf), "%.*s%s", (int)(dot_a - a), a, dot_b);
    assert_rejected(buf, &k, NOW, "bad signature");
    free(a);
    free(b);
}

/* A tiny deterministic PRNG, so failures can be reproduced. */
static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_garbage(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    static const char *const junk[] = {
        "",
        ".",
        "..",
        "...",
        "A",
        "A.",
        ".A",
        "AAAA",
        "AAAA.",
        ".AAAAAAAAAAAAAAAAAAAAAA",
        "AAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "AAAA..AAAAAAAAAAAAAAAAAAAAAA",
        "A.B.C",
        "AAAA=.AAAAAAAAAAAAAAAAAAAAAA==",
        "MXxSfA.AAAAAAAAAAAAAAAAAAAAAA",
        " MXxSfA.AAAAAAAAAAAAAAAAAAAAAA",
        "MXxSfA.AAAAAAAAAAAAAAAAAAAAAA\n",
        "resumptionToken",
        "null",
        "%00",
        "\xc3\xa9.\xc3\xa9",
    };
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char buf[3 * OAI_MAX_TOKEN_LEN];

    for (size_t i = 0; i < ARRAY_LEN(junk); i++)
        assert_rejected(junk[i], &k, NOW, NULL);
    assert_rejected(NULL, &k, NOW, "malformed");
    assert_int_equal(token_decode("AAAA.AAAA", &k, NOW, NULL, NULL, 0), -1);

    /* Over-long: rejected before any decoding, even if otherwise well formed. */
    memset(buf, 'A', sizeof(buf));
    buf[100] = '.';
    buf[sizeof(buf) - 1] = '\0';
    assert_rejected(buf, &k, NOW, "malformed");
    buf[OAI_MAX_TOKEN_LEN + 1] = '\0';
    assert_rejected(buf, &k, NOW, "malformed");

    /* Random bytes, and random strings over the token alphabet. */
    for (int round = 0; round < 20000; round++) {
        size_t len = xorshift(&seed) % 200;
        int from_alphabet = round % 2;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = xorshift(&seed);
            buf[i] = from_alphabet ? alphabet[r % (sizeof(alphabet) - 1)] : (char)(r % 255 + 1);
        }
        buf[len] = '\0';
        assert_rejected(buf, &k, NOW, NULL);
    }
}

static void test_why(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token out;
    char why[4] = "xyz";

    /* why may be NULL or short; the reason is cut, never overflowed. */
    assert_int_equal(token_decode("bad", &k, NOW, &out, NULL, 0), -1);
    assert_int_equal(token_decode("bad", &k, NOW, &out, why, 0), -1);
    assert_string_equal(why, "xyz");
    assert_int_equal(token_decode("bad", &k, NOW, &out, why, sizeof(why)), -1);
    assert_string_equal(why, "mal");
}

/* ---- hand-made payloads, signed as the server would -------------------- */

/* base64url without padding, via OpenSSL's encoder (an independent check
 * of the module's own). */
static void b64url(const unsigned char *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
}

/* Returns a malloc'd token for an arbitrary payload, signed with key. */
static char *sign(const char *payload, size_t n, const char *key)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char *s = malloc(n * 2 + 64);

    assert_non_null(s);
    assert_non_null(
        HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)payload, n, mac, &maclen));
    b64url((const unsigned char *)payload, n, s);
    strcat(s, ".");
    b64url(mac, 16, s + strlen(s));
    return s;
}

static char *sign_str(const char *payload)
{
    return sign(payload, strlen(payload), key_a);
}

/* b64url("oai_dc") = "b2FpX2Rj", b64url("a|b") = "YXxi". */
#define GOOD_PAYLOAD "1|R|b2FpX2Rj|!|1|946684800|1709251199|1600000000|123456789|YXxi|500|123456|"

static void test_wire_format(void **state)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token t = sample(), out;
    char payload[256];

    t.set = NULL;
    t.last_key = "a|b";
    snprintf(payload, sizeof(payload), GOOD_PAYLOAD "%lld", (long long)t.expires);
    char *mine = sign_str(payload);
    char *theirs = token_encode(&t, &k);
    assert_non_null(theirs);
    /* The documented format, byte for byte. */
    assert_string_equal(mine, theirs);
    assert_int_equal(token_decode(mine, &k, NOW, &out, NULL, 0), 0);
    assert_token_equal(&out, &t);
    token_free(&out);
    free(mine);
    free(theirs);
}

static void assert_payload_accepted(const char *payload)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token out;
    char why[64] = "";
    char *s = sign_str(payload);

    if (token_decode(s, &k, NOW, &out, why, sizeof(why)) != 0)
        fail_msg("'%s' refused: %s", payload, why);
    token_free(&out);
    free(s);
}

static void assert_payload_rejected(const char *payload, const char *reason)
{
    token_keys k = keys_of(1, key_a, NULL);
    oai_token out;
    char why[64] = "";
    char *s = sign_str(payload);

    if (token_decode(s, &k, NOW, &out, why, sizeof(why)) != -1)
        fail_msg("'%s' accepted", payload);
    if (strcmp(why, reason) != 0)
        fail_msg("'%s': reason '%s', expected '%s'", payload, why, reason);
    assert_null(out.metadata_prefix);
    assert_null(out.set);
    assert_null(out.last_key);
    free(s);
}

#define EXP "9999999999"

static void test_crafted_payloads(void **state)
{
    assert_payload_accepted(GOOD_PAYLOAD EXP);
    assert_payload_accepted("1|S|!|!|0|0|0|0|0|!|0|0|" EXP);
    assert_payload_accepted("1|I|||0|-1|-9223372036854775808|9223372036854775807|0|!|"
                            "18446744073709551615|0|" EXP);

    /* Versions and verbs. */
    assert_payload_rejected("2|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP, "unsupported version");
    assert_payload_rejected("|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP, "unsupported version");
    assert_payload_rejected("01|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP, "unsupported version");
    assert_payload_rejected("1 |R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP, "unsupported version");
    static const char *const verbs[] = {"", "X", "r", "RR", "G", "M", "Y", "0", "ListRecords"};
    for (size_t i = 0; i < ARRAY_LEN(verbs); i++) {
        char p[128];
        snprintf(p, sizeof(p), "1|%s|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP, verbs[i]);
        assert_payload_rejected(p, "unknown verb");
    }

    /* Field count. */
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|" EXP, "malformed");
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|0|" EXP, "malformed");
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP "|", "malformed");
    assert_payload_rejected("1", "malformed");
    assert_payload_rejected("1|", "malformed");
    assert_payload_rejected("|||||||||||", "malformed");            /* 12 empty fields */
    assert_payload_rejected("||||||||||||", "unsupported version"); /* 13 */
    assert_payload_rejected("|||||||||||||", "malformed");          /* 14 */

    /* Numbers: one bad value in each numeric position in turn. */
    static const char *const bad_numbers[] = {
        "",
        "-",
        "+1",
        " 1",
        "1 ",
        "01",
        "00",
        "-0",
        "-01",
        "1a",
        "0x10",
        "1e3",
        "1.0",
        "--1",
        "\xd9\xa1",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "99999999999999999999999",
    };
    for (int pos = 0; pos < 8; pos++) {
        for (size_t i = 0; i < ARRAY_LEN(bad_numbers); i++) {
            const char *v[8] = {"1", "0", "0", "0", "0", "0", "0", EXP};
            const char *bad = bad_numbers[i];
            char p[256];
            /* Values that are fine for the unsigned fields. */
            if ((pos == 5 || pos == 6) && strcmp(bad, "9223372036854775808") == 0)
                continue;
            v[pos] = bad;
            snprintf(p, sizeof(p), "1|R|b2FpX2Rj|!|%s|%s|%s|%s|%s|!|%s|%s|%s", v[0], v[1], v[2],
                     v[3], v[4], v[5], v[6], v[7]);
            assert_payload_rejected(p, "malformed");
        }
    }
    /* Unsigned fields take no sign; has_from is 0 or 1. */
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|-1|0|" EXP, "malformed");
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|-1|" EXP, "malformed");
    assert_payload_rejected("1|R|b2FpX2Rj|!|2|0|0|0|0|!|0|0|" EXP, "malformed");
    assert_payload_rejected("1|R|b2FpX2Rj|!|-1|0|0|0|0|!|0|0|" EXP, "malformed");
    assert_payload_accepted("1|R|b2FpX2Rj|!|1|0|0|0|0|!|9223372036854775808|0|" EXP);

    /* Strings: bad base64, non-canonical base64, NUL bytes, stray '!'. */
    static const char *const bad_strings[] = {
        "b2FpX2Rj=", "b2FpX2R", "b2Fp+2Rj", "b2Fp/2Rj", "b2Fp X2Rj", "AB",  "AAB",        "AA",
        "AAAA",      "YQA",     "!!",       "!A",       "A!",        "%41", "b2FpX2Rj\n",
    };
    for (int pos = 0; pos < 3; pos++) {
        for (size_t i = 0; i < ARRAY_LEN(bad_strings); i++) {
            const char *v[3] = {"b2FpX2Rj", "!", "!"};
            char p[256];
            v[pos] = bad_strings[i];
            snprintf(p, sizeof(p), "1|R|%s|%s|1|0|0|0|0|%s|0|0|" EXP, v[0], v[1], v[2]);
            assert_payload_rejected(p, "malformed");
        }
    }

    /* Embedded NUL in the payload itself. */
    token_keys k = keys_of(1, key_a, NULL);
    static const char nul_payload[] = "1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|" EXP "\0";
    char *s = sign(nul_payload, sizeof(nul_payload) - 1, key_a);
    assert_rejected(s, &k, NOW, "malformed");
    free(s);
    /* An empty payload. */
    s = sign("", 0, key_a);
    assert_rejected(s, &k, NOW, "malformed");
    free(s);

    /* Expiry is checked after everything else; negative expiry works. */
    assert_payload_rejected("1|R|b2FpX2Rj|!|1|0|0|0|0|!|0|0|-1", "expired");
}

/* ---- thread safety ------------------------------------------------------- */

static void *worker(void *arg)
{
    token_keys k = keys_of(2, key_b, key_a);
    uintptr_t id = (uintptr_t)arg;

    for (int i = 0; i < 300; i++) {
        oai_token t = sample(), out;
        t.cursor = id * 1000 + (uint64_t)i;
        char *s = token_encode(&t, &k);
        if (s == NULL || token_decode(s, &k, NOW, &out, NULL, 0) != 0 || out.cursor != t.cursor) {
            free(s);
            return (void *)1;
        }
        token_free(&out);
        free(s);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[8];

    for (uintptr_t i = 0; i < ARRAY_LEN(th); i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)i), 0);
    for (size_t i = 0; i < ARRAY_LEN(th); i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_null(ret);
    }
}

static void test_token_free_zeroes(void **state)
{
    oai_token t;

    memset(&t, 0, sizeof(t));
    t.set = strdup("x");
    t.cursor = 5;
    token_free(&t);
    assert_null(t.set);
    assert_int_equal(t.cursor, 0);
    token_free(&t); /* twice is harmless */
    token_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_null_and_empty_strings),
        cmocka_unit_test(test_special_strings),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_too_long_not_encoded),
        cmocka_unit_test(test_extreme_numbers),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_unencodable),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_key_rotation),
        cmocka_unit_test(test_bad_keys),
        cmocka_unit_test(test_tamper_every_char),
        cmocka_unit_test(test_truncate_and_extend),
        cmocka_unit_test(test_splice),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_why),
        cmocka_unit_test(test_wire_format),
        cmocka_unit_test(test_crafted_payloads),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_token_free_zeroes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
