/*
 * hash.h - FNV-1a, 64 bits: the one hash for the in-memory tables of the
 * server and oai-admin (per-client connection counts, the list cache's
 * asked first pages, the import's set of seen identifiers). Not for
 * anything an adversary could exploit beyond a slower lookup.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 14695981039346656037ULL;
    size_t i;

    for (i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

#endif
