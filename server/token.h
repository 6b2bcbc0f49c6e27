/*
 * token.h - stateless, signed resumption tokens.
 *
 * A token carries everything needed to serve the next page of a list
 * request: the query (verb, metadataPrefix, set, from, until) and the keyset
 * position of the last item served, so any server process can continue any
 * harvest and the same token always yields the same page (idempotent).
 * It is signed with HMAC-SHA256 (OpenSSL libcrypto); a forged, altered,
 * truncated or expired token is refused. Several keys may be configured so
 * the secret can be rotated: the first signs, every key verifies.
 *
 * The wire form uses only URL-safe characters [A-Za-z0-9_.-] so harvesters
 * need not escape it.
 */
#ifndef TOKEN_H
#define TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "oai_types.h"

#define TOKEN_MAX_KEYS 4

typedef struct {
    int n;                                    /* number of keys, >= 1 */
    const unsigned char *key[TOKEN_MAX_KEYS]; /* key[0] signs; all verify */
    size_t len[TOKEN_MAX_KEYS];
} token_keys;

typedef struct {
    oai_verb verb;         /* VERB_LIST_SETS / _IDENTIFIERS / _RECORDS */
    char *metadata_prefix; /* NULL for ListSets */
    char *set;             /* NULL when no set argument */
    int has_from;
    int64_t from;           /* inclusive lower bound, seconds */
    int64_t until;          /* inclusive upper bound, seconds (always set) */
    int64_t last_datestamp; /* keyset position: last item served */
    int64_t last_id;
    char *last_key;  /* ListSets: last setSpec served, else NULL */
    uint64_t cursor; /* items served before the page this token asks for */
    uint64_t complete_list_size;
    int64_t expires; /* seconds since epoch */
} oai_token;

/*
 * Returns a newly malloc'd token string (caller frees), or NULL on
 * allocation failure. t->expires is included in the signed payload.
 * Also NULL (programming errors) if t->verb is not ListSets/ListIdentifiers/
 * ListRecords, if keys are unusable (n outside 1..TOKEN_MAX_KEYS, a NULL or
 * empty key), or if the token would exceed OAI_MAX_TOKEN_LEN, which strings
 * within the OAI_MAX_*_LEN limits cannot cause (the largest is ~1,300).
 */
char *token_encode(const oai_token *t, const token_keys *keys);

/*
 * Decodes and verifies s. Returns 0 and fills *out (caller calls
 * token_free) when the signature verifies with one of the keys and the
 * token has not expired at time `now`; otherwise returns -1 and writes a
 * short reason ("malformed", "bad signature", "expired", ...) into why.
 */
int token_decode(const char *s, const token_keys *keys, int64_t now, oai_token *out, char *why,
                 size_t whylen);

/* Frees the strings owned by t (not t itself) and zeroes it. */
void token_free(oai_token *t);

#endif
