/*
 * metadata.h - the metadata formats the repository disseminates.
 *
 * Every format is rendered from the same stored record: a list of Dublin
 * Core values, each with an element name and an optional language. Adding
 * a format means one module server/format_<name>.c with its render function
 * (declared in formats.h) and one entry in the registry table in metadata.c;
 * docs/crosswalks.md documents each crosswalk.
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
    /* Writes the <metadata> content (one root element) for the values. Only
     * called for records the format is available for (below). */
    void (*render)(struct evbuffer *out, const dc_value *vals, size_t n);
    /* The DC element a record needs a value of (one with text, see
     * dc_value_has_text) to be disseminated in this format, or NULL when
     * every record can be. Data rather than a callback, so the database can
     * apply the same rule to ListRecords and ListIdentifiers (FORMAT_OK in
     * db.c) and list only records available in the format. */
    const char *requires;
    /* The version of this format's rendering. Renderings stored in the
     * database (record_renderings, sql/migrations/005) are used only when
     * they carry this version, so raise it whenever render's output can
     * change for some record (tests/unit/test_formats.c fails until you
     * do), then run `oai-admin render` after deploying. */
    int version;
} metadata_format;

/* Whether a value carries text: a character other than ASCII whitespace and
 * C0 controls (the database's test is the same: FORMAT_OK in db.c). */
int dc_value_has_text(const char *value);

/* Whether a record with these values can be disseminated in f (what
 * ListMetadataFormats lists for it, what GetRecord accepts). The rule looks
 * at one value at a time: a record is available when f requires nothing or
 * one of its values meets the requirement, so callers may also test the
 * values one by one (and no values at all) and combine the answers with OR. */
int metadata_format_available(const metadata_format *f, const dc_value *vals, size_t n);

/* The format with that prefix, or NULL. */
const metadata_format *metadata_format_find(const char *prefix);
/* Iteration over all formats, in the order ListMetadataFormats shows them. */
size_t metadata_format_count(void);
const metadata_format *metadata_format_at(size_t i);

#endif
