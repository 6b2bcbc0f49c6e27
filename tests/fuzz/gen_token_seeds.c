/*
 * gen_token_seeds.c - writes the seed corpus of fuzz_token: real tokens made
 * by token_encode with the harness's keys (fuzz_keys.h), and their decoded
 * payloads (for the harness's "input as payload" use).
 *
 * Usage: gen_token_seeds DIR   (see docs/fuzzing.md; the output is committed
 * in tests/fuzz/corpus/token/, so this only needs running when the token
 * format or the keys change).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "token.h"

static int write_file(const char *dir, const char *name, const char *data, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

/* The payload of a token: base64url-decode its part before the '.'. */
static size_t payload_of(const char *tok, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;

    for (const char *p = tok; *p != '.'; p++) {
        acc = acc << 6 | (uint32_t)(strchr(a, *p) - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)(acc >> bits & 0xff);
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    token_keys keys = fuzz_keys(), old = fuzz_keys();
    /* A 600-byte set: long, still well within OAI_MAX_TOKEN_LEN. */
    static char long_set[601];
    const oai_token tokens[] = {
        {VERB_LIST_RECORDS, "oai_dc", NULL, 0, 0, 253402300799, 1700000000, 42, NULL, 200, 1234,
         1700086400},
        {VERB_LIST_RECORDS, "oai_dc", "decree:sub-decree", 1, 946684800, 1709251199, 1600000000,
         123456789, NULL, 500, 123456, 1700003600},
        {VERB_LIST_IDENTIFIERS, "oai_dc", "election:2023", 1, 1672531200, 1704067199, 1680000000, 7,
         NULL, 1, 2, INT64_MAX},
        {VERB_LIST_IDENTIFIERS, "marcxml", NULL, 0, INT64_MIN, INT64_MAX, -1, -9, NULL, UINT64_MAX,
         UINT64_MAX, INT64_MIN},
        {VERB_LIST_SETS, NULL, NULL, 0, 0, 0, 0, 0, "law:constitution", 200, 215, 1700000000},
        {VERB_LIST_SETS, NULL, NULL, 0, 0, 0, 0, 0, "", 0, 0, 0},
        /* Strings may hold any byte but NUL, '|' and Khmer included. */
        {VERB_LIST_RECORDS, "a|b", "\xe1\x9e\x85\xe1\x9f\x92\xe1\x9e\x94\xe1\x9e\xb6\xe1\x9e\x94",
         1, -62135596800, 253402300799, 0, 1, "\x01\x7f\xff", 3, 3, 1},
        {VERB_LIST_RECORDS, "oai_dc", long_set, 0, 0, 0, 0, 0, NULL, 0, 0, 0},
    };
    char name[64], payload[4096];

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    memset(long_set, 'x', sizeof(long_set) - 1);
    old.n = 1;
    old.key[0] = keys.key[1];
    old.len[0] = keys.len[1];
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        for (int k = 0; k < 2; k++) {
            /* Signed with the current key, and (token 1 only) the old one. */
            char *tok;

            if (k == 1 && i != 1)
                continue;
            tok = token_encode(&tokens[i], k == 0 ? &keys : &old);
            if (tok == NULL) {
                fprintf(stderr, "token %zu: token_encode failed\n", i);
                return 1;
            }
            snprintf(name, sizeof(name), "token-%02zu%s", i, k ? "-old-key" : "");
            if (write_file(argv[1], name, tok, strlen(tok)) != 0)
                return 1;
            if (k == 0) {
                snprintf(name, sizeof(name), "payload-%02zu", i);
                if (write_file(argv[1], name, payload, payload_of(tok, payload)) != 0)
                    return 1;
            }
            free(tok);
        }
    }
    return 0;
}
