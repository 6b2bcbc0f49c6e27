/*
 * format_mods.c - MODS 3.7, metadataPrefix "mods".
 *
 * The crosswalk follows the Library of Congress's Dublin Core to MODS
 * mapping, with the catalogue's practice made explicit: dc:date is the date
 * of issue, a dc:type outside the DCMI vocabulary is the NEC document kind
 * (a genre), a coverage is a place unless it reads as a time span. Values
 * without text are left out. Every value keeps its language: xml:lang with
 * the stored tag and MODS's own lang attribute with the ISO 639-2/B code, on
 * the element that holds the text. docs/crosswalks.md has the table.
 *
 * MODS imposes no element order but needs at least one element; the format
 * requires a title (metadata.c), so there is always a titleInfo.
 */
#include "formats.h"

#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "crosswalk.h"
#include "xml_out.h"

/* DCMI Type -> MODS typeOfResource (LoC's DC to MODS mapping). Event and
 * Service have none: they become a genre. */
static const struct {
    const char *dcmi, *mods;
} resource_types[] = {
    {"Text", "text"},
    {"Image", "still image"},
    {"StillImage", "still image"},
    {"MovingImage", "moving image"},
    {"Sound", "sound recording"},
    {"Software", "software, multimedia"},
    {"InteractiveResource", "software, multimedia"},
    {"Dataset", "software, multimedia"},
    {"PhysicalObject", "three dimensional object"},
    {"Collection", "mixed material"},
};

static int is(const dc_value *v, const char *element)
{
    return strcmp(v->element, element) == 0 && dc_value_has_text(v->value);
}

static int has_any(const dc_value *vals, size_t n, const char *element)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], element))
            return 1;
    return 0;
}

/* lang (ISO 639-2/B, when the language is known) and xml:lang (the tag). */
static void lang_attrs(struct evbuffer *out, const char *tag)
{
    const xw_language *l = xw_language_find(tag);

    if (l != NULL && xw_is_language_tag(tag))
        xw_attr(out, "lang", l->marc);
    xw_xml_lang(out, tag);
}

/* <name LANG>text</name>, for leaves that hold a value. */
static void leaf(struct evbuffer *out, const char *name, const char *attrs, const dc_value *v)
{
    evbuffer_add_printf(out, "<%s%s", name, attrs);
    lang_attrs(out, v->lang);
    XW_ADD(out, ">");
    xml_text_str(out, v->value);
    evbuffer_add_printf(out, "</%s>", name);
}

/* ------------------------------------------------------------------------ */
/* Titles, names                                                            */
/* ------------------------------------------------------------------------ */

/* <titleInfo [type] LANG><title>text</title></titleInfo> */
static void write_title_info(struct evbuffer *out, const dc_value *v, const char *type)
{
    XW_ADD(out, "<titleInfo");
    if (type != NULL)
        xw_attr(out, "type", type);
    lang_attrs(out, v->lang);
    XW_ADD(out, "><title>");
    xml_text_str(out, v->value);
    XW_ADD(out, "</title></titleInfo>");
}

/* Whether two language tags name different languages (both known). */
static int other_language(const char *a, const char *b)
{
    size_t la, lb;

    if (!xw_is_language_code(a) || !xw_is_language_code(b))
        return 0;
    la = strcspn(a, "-");
    lb = strcspn(b, "-");
    return la != lb || strncasecmp(a, b, la) != 0;
}

/* The first title is the title proper; a title in another language is a
 * translation (the bilingual catalogue gives each title in Khmer and in
 * English), one in the same language an alternative title. */
static void write_titles(struct evbuffer *out, const dc_value *vals, size_t n)
{
    const dc_value *first = NULL;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is(&vals[i], "title"))
            continue;
        if (first == NULL) {
            first = &vals[i];
            write_title_info(out, first, NULL);
        } else {
            write_title_info(out, &vals[i],
                             other_language(first->lang, vals[i].lang) ? "translated"
                                                                       : "alternative");
        }
    }
    /* Only reachable when called for a record the format is not available
     * for; an empty titleInfo keeps <mods> valid (it needs one element). */
    if (first == NULL)
        XW_ADD(out, "<titleInfo/>");
}

/* Creators and contributors: DC does not say whether a name is a person's
 * or a body's, so name has no type; the role is given as the MARC relator
 * code and term. */
static void write_names(struct evbuffer *out, const dc_value *vals, size_t n, const char *element,
                        const char *code)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!is(&vals[i], element))
            continue;
        XW_ADD(out, "<name>");
        leaf(out, "namePart", "", &vals[i]);
        evbuffer_add_printf(out,
                            "<role><roleTerm type=\"code\" authority=\"marcrelator\">%s</roleTerm>"
                            "<roleTerm type=\"text\" authority=\"marcrelator\">%s</roleTerm>"
                            "</role></name>",
                            code, element);
    }
}

/* ------------------------------------------------------------------------ */
/* Type, origin, language, physical description                             */
/* ------------------------------------------------------------------------ */

static const char *resource_type(const char *value)
{
    const char *dcmi = xw_dcmi_type(value);
    size_t i;

    for (i = 0; dcmi != NULL && i < sizeof(resource_types) / sizeof(resource_types[0]); i++)
        if (strcmp(resource_types[i].dcmi, dcmi) == 0)
            return resource_types[i].mods;
    return NULL;
}

/* Whether an earlier type value already gave the same typeOfResource. */
static int seen_type(const dc_value *vals, size_t upto, const char *mods)
{
    size_t i;

    for (i = 0; i < upto; i++) {
        const char *t = is(&vals[i], "type") ? resource_type(vals[i].value) : NULL;

        if (t != NULL && strcmp(t, mods) == 0)
            return 1;
    }
    return 0;
}

/* DCMI types become typeOfResource; anything else (the NEC kind: "Law",
 * "Royal Decree"...) a genre, in its language. */
static void write_types(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *t;

        if (!is(&vals[i], "type"))
            continue;
        t = resource_type(vals[i].value);
        if (t == NULL) {
            leaf(out, "genre", "", &vals[i]);
        } else if (!seen_type(vals, i, t)) {
            evbuffer_add_printf(out, "<typeOfResource%s>%s</typeOfResource>",
                                strcmp(t, "mixed material") == 0 ? " collection=\"yes\"" : "", t);
        }
    }
}

static void write_date(struct evbuffer *out, const dc_value *v, int key)
{
    XW_ADD(out, "<dateIssued");
    if (xw_is_w3cdtf(v->value))
        xw_attr(out, "encoding", "w3cdtf");
    if (key)
        xw_attr(out, "keyDate", "yes");
    lang_attrs(out, v->lang);
    XW_ADD(out, ">");
    xml_text_str(out, v->value);
    XW_ADD(out, "</dateIssued>");
}

/* Publishers and dates of issue, in one publication event. */
static void write_origin(struct evbuffer *out, const dc_value *vals, size_t n)
{
    int key = 1;
    size_t i;

    if (!has_any(vals, n, "publisher") && !has_any(vals, n, "date"))
        return;
    evbuffer_add_printf(out, "<originInfo eventType=\"publication\">");
    for (i = 0; i < n; i++)
        if (is(&vals[i], "publisher"))
            leaf(out, "publisher", "", &vals[i]);
    for (i = 0; i < n; i++) {
        if (is(&vals[i], "date")) {
            write_date(out, &vals[i], key);
            key = 0;
        }
    }
    evbuffer_add_printf(out, "</originInfo>");
}

/* A known language as its ISO 639-2/B code and its stored RFC 5646 tag; a
 * well-formed unknown tag as RFC 5646; anything else as text. */
static void write_language(struct evbuffer *out, const dc_value *v)
{
    const xw_language *l = xw_language_find(v->value);
    int tag = xw_is_language_code(v->value);

    XW_ADD(out, "<language>");
    if (l != NULL)
        evbuffer_add_printf(out,
                            "<languageTerm type=\"code\" authority=\"iso639-2b\">%s"
                            "</languageTerm>",
                            l->marc);
    if (tag)
        xw_element(out, "languageTerm", " type=\"code\" authority=\"rfc5646\"", v->value);
    else
        xw_element(out, "languageTerm", " type=\"text\"", v->value);
    XW_ADD(out, "</language>");
}

static void write_physical(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    if (!has_any(vals, n, "format"))
        return;
    XW_ADD(out, "<physicalDescription>");
    for (i = 0; i < n; i++) {
        const char *v = vals[i].value;

        if (!is(&vals[i], "format"))
            continue;
        if (xw_is_media_type(v))
            xw_element(out, "internetMediaType", "", v);
        else
            leaf(out, xw_is_extent(v) ? "extent" : "form", "", &vals[i]);
    }
    XW_ADD(out, "</physicalDescription>");
}

/* ------------------------------------------------------------------------ */
/* Subjects, identifiers, relations                                         */
/* ------------------------------------------------------------------------ */

/* One subject per value: topics, and coverage as a place or a time span. */
static void write_subjects(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *v = vals[i].value;

        if (is(&vals[i], "subject")) {
            XW_ADD(out, "<subject>");
            leaf(out, "topic", "", &vals[i]);
        } else if (is(&vals[i], "coverage")) {
            XW_ADD(out, "<subject>");
            if (!xw_is_temporal(v))
                leaf(out, "geographic", "", &vals[i]);
            else
                leaf(out, "temporal", xw_is_w3cdtf(v) ? " encoding=\"w3cdtf\"" : "", &vals[i]);
        } else {
            continue;
        }
        XW_ADD(out, "</subject>");
    }
}

/* Every identifier as an identifier (type uri when it is one); web URLs
 * also as location/url, the first one the primary link to the item. */
static void write_identifiers(struct evbuffer *out, const dc_value *vals, size_t n)
{
    int urls = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], "identifier"))
            xw_element(out, "identifier", xw_is_absolute_uri(vals[i].value) ? " type=\"uri\"" : "",
                       vals[i].value);
    for (i = 0; i < n; i++) {
        if (!is(&vals[i], "identifier") || !xw_is_web_url(vals[i].value))
            continue;
        if (urls++ == 0)
            evbuffer_add_printf(out, "<location><url usage=\"primary\" "
                                     "access=\"object in context\">");
        else
            XW_ADD(out, "<url>");
        xml_text_str(out, vals[i].value);
        XW_ADD(out, "</url>");
    }
    if (urls > 0)
        XW_ADD(out, "</location>");
}

/* Descriptions and rights: one element each, in their language. */
static void write_notes(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (is(&vals[i], "description"))
            leaf(out, "abstract", "", &vals[i]);
    for (i = 0; i < n; i++)
        if (is(&vals[i], "rights"))
            leaf(out, "accessCondition", " type=\"use and reproduction\"", &vals[i]);
}

/* A related resource named by a URL, another URI, or a title. */
static void write_related(struct evbuffer *out, const dc_value *vals, size_t n, const char *element,
                          const char *type)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *v = vals[i].value;

        if (!is(&vals[i], element))
            continue;
        XW_ADD(out, "<relatedItem");
        if (type != NULL)
            xw_attr(out, "type", type);
        XW_ADD(out, ">");
        if (xw_is_web_url(v)) {
            XW_ADD(out, "<location>");
            xw_element(out, "url", "", v);
            XW_ADD(out, "</location>");
        } else if (xw_is_absolute_uri(v)) {
            xw_element(out, "identifier", " type=\"uri\"", v);
        } else {
            write_title_info(out, &vals[i], NULL);
        }
        XW_ADD(out, "</relatedItem>");
    }
}

void format_mods_render(struct evbuffer *out, const dc_value *vals, size_t n)
{
    evbuffer_add_printf(out, "<mods xmlns=\"" MODS_NS "\""
                             " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                             " version=\"3.7\" xsi:schemaLocation=\"" MODS_NS " " MODS_XSD "\">");
    write_titles(out, vals, n);
    write_names(out, vals, n, "creator", "cre");
    write_names(out, vals, n, "contributor", "ctb");
    write_types(out, vals, n);
    write_origin(out, vals, n);
    for (size_t i = 0; i < n; i++)
        if (is(&vals[i], "language"))
            write_language(out, &vals[i]);
    write_physical(out, vals, n);
    write_notes(out, vals, n);
    write_subjects(out, vals, n);
    write_identifiers(out, vals, n);
    write_related(out, vals, n, "relation", NULL);
    write_related(out, vals, n, "source", "original");
    XW_ADD(out, "</mods>");
}
