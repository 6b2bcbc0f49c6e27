/*
 * metadata.h - the metadata formats the repository disseminates.
 *
 * Every format is rendered from the same stored record: a list of Dublin
 * Core values, each with an element name and an optional language. Adding
 * a format means one render function and one entry in the registry table
 * in metadata.c.
 */
#ifndef METADATA_H
#define METADATA_H

#include <stddef.h>

struct evbuffer;

typedef struct {
    const char *element; /* "title", "creator", ... (one of the 15) */
    const char *value;
    const char *lang; /* NULL when unknown */
} dc_value;

typedef struct {
    const char *prefix;    /* metadataPrefix */
    const char *schema;    /* XSD URL */
    const char *namespace; /* metadataNamespace */
    /* Writes the <metadata> content (one root element) for the values. */
    void (*render)(struct evbuffer *out, const dc_value *vals, size_t n);
} metadata_format;

/* The format with that prefix, or NULL. */
const metadata_format *metadata_format_find(const char *prefix);
/* Iteration over all formats, in the order ListMetadataFormats shows them. */
size_t metadata_format_count(void);
const metadata_format *metadata_format_at(size_t i);

#endif
