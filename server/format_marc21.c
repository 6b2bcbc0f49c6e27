/*
 * format_marc21.c - MARC 21 bibliographic records in MARCXML, metadataPrefix
 * "marc21".
 *
 * The crosswalk follows the Library of Congress's Dublin Core to MARC
 * mapping (uncontrolled names in 720, uncontrolled subjects in 653: DC says
 * neither whether a name is a person's or a body's nor which thesaurus a
 * subject comes from), with the catalogue's practice made explicit: dc:date
 * is the date of publication, a non-DCMI dc:type is the NEC document kind
 * (655), coverage is a place (651) unless it reads as a time span (648).
 *
 * Languages: MARC has no language attribute on fields. The record's
 * languages are in 008/35-37, 041 and a 546 note; the first title is the
 * 245, every other title a 246 whose $i names its language ("Title in
 * English:"). Other repeated values (names, subjects, notes) appear once
 * per stored value, in stored order, without a language mark: harvesters
 * that need it per value should use mods or dcterms.
 *
 * Fields come out in tag order; values without text are left out.
 * docs/crosswalks.md has the table.
 */
#include "formats.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "crosswalk.h"
#include "xml_out.h"

/* DCMI Type -> Leader/06 type of record. */
static const struct {
    const char *dcmi;
    char code;
} record_types[] = {
    {"Text", 'a'},           {"Image", 'k'},      {"StillImage", 'k'}, {"MovingImage", 'g'},
    {"Sound", 'i'},          {"Software", 'm'},   {"Dataset", 'm'},    {"InteractiveResource", 'm'},
    {"PhysicalObject", 'r'}, {"Collection", 'p'},
};

static int is(const dc_value *v, const char *element)
{
    return strcmp(v->element, element) == 0 && dc_value_has_text(v->value);
}

/* The first value of an element with text, or NULL. */
static const dc_value *first_of(const dc_value *vals, size_t n, const char *element)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], element))
            return &vals[i];
    return NULL;
}

static void field_open(struct evbuffer *out, const char *tag, char ind1, char ind2)
{
    evbuffer_add_printf(out, "<datafield tag=\"%s\" ind1=\"%c\" ind2=\"%c\">", tag, ind1, ind2);
}

static void subfield(struct evbuffer *out, char code, const char *text)
{
    evbuffer_add_printf(out, "<subfield code=\"%c\">", code);
    xml_text_str(out, text);
    XW_ADD(out, "</subfield>");
}

static void field_close(struct evbuffer *out)
{
    XW_ADD(out, "</datafield>");
}

/* tag ind1 ind2 $code text: a field with one subfield. */
static void field1(struct evbuffer *out, const char *tag, char ind1, char ind2, char code,
                   const char *text)
{
    field_open(out, tag, ind1, ind2);
    subfield(out, code, text);
    field_close(out);
}

/* One field per value of the element that passes the test (NULL: all). */
static void field_each(struct evbuffer *out, const dc_value *vals, size_t n, const char *element,
                       int (*test)(const char *), const char *tag, char ind1, char ind2)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], element) && (test == NULL || test(vals[i].value)))
            field1(out, tag, ind1, ind2, 'a', vals[i].value);
}

/* ------------------------------------------------------------------------ */
/* Leader and 008                                                           */
/* ------------------------------------------------------------------------ */

/* The Leader/06 code of a DCMI type value, or 0 (not DCMI, or Event and
 * Service, which MARC has no type of record for). */
static char leader_code(const char *value)
{
    const char *dcmi = xw_dcmi_type(value);
    size_t k;

    for (k = 0; dcmi != NULL && k < sizeof(record_types) / sizeof(record_types[0]); k++)
        if (strcmp(record_types[k].dcmi, dcmi) == 0)
            return record_types[k].code;
    return 0;
}

static char record_type(const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], "type") && leader_code(vals[i].value) != 0)
            return leader_code(vals[i].value);
    return 'a'; /* language material: what the E-Library mostly holds */
}

/* Leader: record length and base address are for ISO 2709 and meaningless in
 * XML (zeros); n(ew), type, m(onograph), a = UCS/Unicode; encoding level 3
 * (abbreviated: a record made from Dublin Core), cataloguing form unknown. */
static void write_leader(struct evbuffer *out, const dc_value *vals, size_t n)
{
    evbuffer_add_printf(out, "<leader>00000n%cm a22000003u 4500</leader>", record_type(vals, n));
}

/* The first stored language MARC has a code for, else "und". */
static const char *record_language(const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const xw_language *l = is(&vals[i], "language") ? xw_language_find(vals[i].value) : NULL;

        if (l != NULL)
            return l->marc;
    }
    return "und";
}

/* 008 for any type of material: 00-05 date entered on file is not known
 * from DC (fill characters), 06-14 single date of publication (or "n" and
 * uuuu), 15-17 place unknown, 18-34 material-specific (no attempt to code),
 * 35-37 language, 38 not modified, 39 cataloguing source "other". */
static void write_008(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const dc_value *date = first_of(vals, n, "date");
    char year[5] = "uuuu";
    char type = 'n';

    if (date != NULL && xw_is_w3cdtf(date->value)) {
        memcpy(year, date->value, 4);
        type = 's';
    }
    evbuffer_add_printf(out,
                        "<controlfield tag=\"008\">||||||%c%s    xx |||||||||||||||||%s d"
                        "</controlfield>",
                        type, year, record_language(vals, n));
}

/* ------------------------------------------------------------------------ */
/* Identifiers, languages, titles, publication                              */
/* ------------------------------------------------------------------------ */

/* Identifiers that are not web links: 024 with source "uri", or of an
 * unspecified kind. (Web links go to 856.) */
static void write_024(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *v = vals[i].value;

        if (!is(&vals[i], "identifier") || xw_is_web_url(v))
            continue;
        if (!xw_is_absolute_uri(v)) {
            field1(out, "024", '8', ' ', 'a', v);
            continue;
        }
        field_open(out, "024", '7', ' ');
        subfield(out, 'a', v);
        subfield(out, '2', "uri");
        field_close(out);
    }
}

/* 041: the MARC codes of the stored languages, each once. */
static void write_041(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const char *seen[16];
    size_t i, k, count = 0;

    for (i = 0; i < n && count < sizeof(seen) / sizeof(seen[0]); i++) {
        const xw_language *l = is(&vals[i], "language") ? xw_language_find(vals[i].value) : NULL;

        for (k = 0; l != NULL && k < count; k++)
            if (seen[k] == l->marc)
                l = NULL;
        if (l == NULL)
            continue;
        if (count == 0)
            field_open(out, "041", ' ', ' ');
        subfield(out, 'a', l->marc);
        seen[count++] = l->marc;
    }
    if (count > 0)
        field_close(out);
}

/* 245 the first title (no 1XX: names are in 720); 246 every other one, its
 * language in $i when known, else as an other title. */
static void write_titles(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const dc_value *first = first_of(vals, n, "title");
    size_t i;

    /* Without a title (never disseminated so) 245 still needs its $a. */
    field1(out, "245", '0', '0', 'a', first != NULL ? first->value : "");
    for (i = 0; i < n; i++) {
        const xw_language *l;
        char label[64];

        if (&vals[i] == first || !is(&vals[i], "title"))
            continue;
        l = xw_language_find(vals[i].lang);
        if (l == NULL) {
            field1(out, "246", '3', ' ', 'a', vals[i].value);
            continue;
        }
        snprintf(label, sizeof(label), "Title in %s:", l->name);
        field_open(out, "246", '1', ' ');
        subfield(out, 'i', label);
        subfield(out, 'a', vals[i].value);
        field_close(out);
    }
}

/* 264 _1: one per publisher; the date of publication goes with the first
 * (or alone when there is no publisher). */
static void write_264(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const dc_value *date = first_of(vals, n, "date");
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is(&vals[i], "publisher"))
            continue;
        field_open(out, "264", ' ', '1');
        subfield(out, 'b', vals[i].value);
        if (date != NULL)
            subfield(out, 'c', date->value);
        field_close(out);
        date = NULL;
    }
    if (date != NULL)
        field1(out, "264", ' ', '1', 'c', date->value);
}

/* ------------------------------------------------------------------------ */
/* Notes, subjects, names, links                                            */
/* ------------------------------------------------------------------------ */

static int not_media_type(const char *s)
{
    return !xw_is_media_type(s);
}

static int not_temporal(const char *s)
{
    return !xw_is_temporal(s);
}

/* 347 $b: media types are the file's encoding format. */
static void write_347(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], "format") && xw_is_media_type(vals[i].value))
            field1(out, "347", ' ', ' ', 'b', vals[i].value);
}

/* 546: "In Khmer and English." from the stored languages (a code MARC
 * does not know is given as stored). */
static void write_546(struct evbuffer *out, const dc_value *vals, size_t n)
{
    struct evbuffer *note;
    size_t i, total = 0, done = 0;

    for (i = 0; i < n; i++)
        total += (size_t)is(&vals[i], "language");
    if (total == 0 || (note = evbuffer_new()) == NULL)
        return;
    for (i = 0; i < n; i++) {
        const xw_language *l;

        if (!is(&vals[i], "language"))
            continue;
        l = xw_language_find(vals[i].value);
        evbuffer_add_printf(note, "%s%s",
                            done == 0           ? "In "
                            : done + 1 == total ? " and "
                                                : ", ",
                            l != NULL ? l->name : vals[i].value);
        done++;
    }
    evbuffer_add(note, ".", 2); /* with the NUL, so the note is a C string */
    field1(out, "546", ' ', ' ', 'a', (const char *)evbuffer_pullup(note, -1));
    evbuffer_free(note);
}

/* Coverage: 648 a time span, 651 a place (source of the term not given). */
static void write_coverage(struct evbuffer *out, const dc_value *vals, size_t n)
{
    field_each(out, vals, n, "coverage", xw_is_temporal, "648", ' ', '4');
    field_each(out, vals, n, "coverage", not_temporal, "651", ' ', '4');
}

/* A type the Leader cannot say (the NEC kind, Event, Service): a genre. */
static int is_genre(const char *s)
{
    return leader_code(s) == 0;
}

/* 720: uncontrolled names with their role, as term and relator code. */
static void write_720(struct evbuffer *out, const dc_value *vals, size_t n, const char *element,
                      const char *code)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is(&vals[i], element))
            continue;
        field_open(out, "720", ' ', ' ');
        subfield(out, 'a', vals[i].value);
        subfield(out, 'e', element);
        subfield(out, '4', code);
        field_close(out);
    }
}

/* 786 0_ $n: the source; 787 0_ $n: a related resource that is not a web
 * link (those go to 856 42). */
static void write_links(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], "source"))
            field1(out, "786", '0', ' ', 'n', vals[i].value);
    for (i = 0; i < n; i++)
        if (is(&vals[i], "relation") && !xw_is_web_url(vals[i].value))
            field1(out, "787", '0', ' ', 'n', vals[i].value);
}

/* 856 40: the item's web links, with the first media type in $q; 856 42:
 * web links to related resources. */
static void write_856(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const dc_value *media = NULL;
    size_t i;

    for (i = 0; i < n && media == NULL; i++)
        if (is(&vals[i], "format") && xw_is_media_type(vals[i].value))
            media = &vals[i];
    for (i = 0; i < n; i++) {
        if (!is(&vals[i], "identifier") || !xw_is_web_url(vals[i].value))
            continue;
        field_open(out, "856", '4', '0');
        subfield(out, 'u', vals[i].value);
        if (media != NULL)
            subfield(out, 'q', media->value);
        field_close(out);
    }
    for (i = 0; i < n; i++)
        if (is(&vals[i], "relation") && xw_is_web_url(vals[i].value))
            field1(out, "856", '4', '2', 'u', vals[i].value);
}

void format_marc21_render(struct evbuffer *out, const dc_value *vals, size_t n)
{
    evbuffer_add_printf(out, "<record xmlns=\"" MARC21_NS "\""
                             " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                             " type=\"Bibliographic\""
                             " xsi:schemaLocation=\"" MARC21_NS " " MARC21_XSD "\">");
    write_leader(out, vals, n);
    write_008(out, vals, n);
    write_024(out, vals, n);
    write_041(out, vals, n);
    write_titles(out, vals, n);
    write_264(out, vals, n);
    field_each(out, vals, n, "format", not_media_type, "300", ' ', ' ');
    write_347(out, vals, n);
    field_each(out, vals, n, "description", NULL, "520", ' ', ' ');
    field_each(out, vals, n, "rights", NULL, "540", ' ', ' ');
    write_546(out, vals, n);
    write_coverage(out, vals, n);
    field_each(out, vals, n, "subject", NULL, "653", ' ', ' ');
    field_each(out, vals, n, "type", is_genre, "655", ' ', '4');
    write_720(out, vals, n, "creator", "cre");
    write_720(out, vals, n, "contributor", "ctb");
    write_links(out, vals, n);
    write_856(out, vals, n);
    XW_ADD(out, "</record>");
}
