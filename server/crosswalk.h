/*
 * crosswalk.h - what the metadata format modules (format_*.c) need to know
 * about stored Dublin Core values: their syntax (dates, URIs, media types,
 * language tags), the DCMI Type vocabulary and the languages of the
 * collection. Every test here is conservative: it says yes only when the
 * value is valid for the XML Schema type the formats then claim for it
 * (libxml2's reading of it), so a typed value can never make a response
 * invalid. Anything else is written as plain, untyped text.
 */
#ifndef CROSSWALK_H
#define CROSSWALK_H

#include <stddef.h>

struct evbuffer;

/* Appends a string literal (markup the module writes itself). */
#define XW_ADD(out, lit) evbuffer_add((out), (lit), sizeof(lit) - 1)

/* A language of the collection, for formats that use codes other than the
 * stored BCP 47 tags. */
typedef struct {
    const char *iso1;  /* ISO 639-1, "km" (the tag the catalogue stores) */
    const char *marc;  /* MARC / ISO 639-2/B, "khm" */
    const char *iso2t; /* ISO 639-2/T when it differs from /B, else NULL */
    const char *name;  /* English name, "Khmer" */
} xw_language;

/* The language of a tag (its primary subtag as ISO 639-1, 639-2/B or
 * 639-2/T, any case: "km", "km-KH", "KHM"), or NULL when the table does not
 * know it. */
const xw_language *xw_language_find(const char *tag);

/* xs:language syntax (what xml:lang accepts). */
int xw_is_language_tag(const char *s);

/* A language code: xs:language syntax with a primary subtag of 2 or 3
 * letters, as BCP 47 / RFC 5646 tags have ("km", "en-GB"; not "Khmer",
 * which the syntax alone would allow). */
int xw_is_language_code(const char *s);

/* W3CDTF as the XML Schema types of dcterms:W3CDTF accept it: YYYY,
 * YYYY-MM, YYYY-MM-DD (a real calendar day), or YYYY-MM-DDThh:mm:ss with
 * optional fraction and Z / +hh:mm. Years 0001-9999. */
int xw_is_w3cdtf(const char *s);

/* A time span rather than a place: a W3CDTF date, two joined by '/'
 * (ISO 8601 interval), or two years joined by '-' or an en dash. */
int xw_is_temporal(const char *s);

/* The DCMI Type Vocabulary term the value names ("Text", "StillImage"...;
 * any case, surrounding spaces ignored), or NULL. */
const char *xw_dcmi_type(const char *s);

/* An Internet media type: type/subtype[;parameters], with a registered
 * top-level type ("application/pdf"). */
int xw_is_media_type(const char *s);

/* An absolute URI (a scheme, then xs:anyURI-valid). */
int xw_is_absolute_uri(const char *s);

/* An http: or https: URL that is a valid xs:anyURI. */
int xw_is_web_url(const char *s);

/* The value starts with a digit ("24 pages", "3 MB"): a format value that
 * gives a size rather than a medium. */
int xw_is_extent(const char *s);

/* Writes ` name="value"` (escaped). */
void xw_attr(struct evbuffer *out, const char *name, const char *value);

/* Writes ` xml:lang="tag"` when tag is a valid xs:language, else nothing
 * (an invalid xml:lang would make the response invalid). */
void xw_xml_lang(struct evbuffer *out, const char *tag);

/* Writes <name attrs>escaped text</name>; attrs is literal markup ("" for
 * none). */
void xw_element(struct evbuffer *out, const char *name, const char *attrs, const char *text);

#endif
