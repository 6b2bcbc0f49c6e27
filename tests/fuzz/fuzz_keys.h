/*
 * fuzz_keys.h - the fixed token keys of fuzz_token.c and of the seed
 * generator gen_token_seeds.c, so that generated seeds verify in the
 * harness. Key 0 signs and verifies, key 1 (the "old" secret of a key
 * rotation) only verifies.
 */
#ifndef FUZZ_KEYS_H
#define FUZZ_KEYS_H

#include <string.h>

#include "token.h"

#define FUZZ_KEY0 "fuzz key 0: 32 bytes, never used in production"
#define FUZZ_KEY1 "fuzz key 1: the old secret of a rotation"

static inline token_keys fuzz_keys(void)
{
    token_keys k;

    memset(&k, 0, sizeof(k));
    k.n = 2;
    k.key[0] = (const unsigned char *)FUZZ_KEY0;
    k.len[0] = strlen(FUZZ_KEY0);
    k.key[1] = (const unsigned char *)FUZZ_KEY1;
    k.len[1] = strlen(FUZZ_KEY1);
    return k;
}

#endif
