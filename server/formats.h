/*
 * formats.h - the metadata formats beyond oai_dc, one module each
 * (server/format_<name>.c, built by the CMake glob). Each module's render
 * function has the metadata_format signature; its namespace and schema
 * URLs are here so that the registry entry in metadata.c and the root
 * element the module writes cannot disagree. docs/crosswalks.md has the
 * field-by-field crosswalks.
 */
#ifndef FORMATS_H
#define FORMATS_H

#include "metadata.h"

/* Qualified Dublin Core (DCMI Terms) in the NEC container element
 * (schemas/nec-qdc.xsd, written for this project: DCMI's own qualifieddc.xsd
 * has no namespace). */
#define DCTERMS_PREFIX "dcterms"
#define DCTERMS_NS "https://elibrary.nec.gov.kh/ns/qdc/"
#define DCTERMS_XSD "https://elibrary.nec.gov.kh/schemas/qdc.xsd"
void format_dcterms_render(struct evbuffer *out, const dc_value *vals, size_t n);

/* MODS 3.7. */
#define MODS_PREFIX "mods"
#define MODS_NS "http://www.loc.gov/mods/v3"
#define MODS_XSD "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd"
void format_mods_render(struct evbuffer *out, const dc_value *vals, size_t n);

/* MARC 21 bibliographic records in MARCXML (MARC 21 slim). */
#define MARC21_PREFIX "marc21"
#define MARC21_NS "http://www.loc.gov/MARC21/slim"
#define MARC21_XSD "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
void format_marc21_render(struct evbuffer *out, const dc_value *vals, size_t n);

#endif
