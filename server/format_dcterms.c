/*
 * format_dcterms.c - qualified Dublin Core (DCMI Terms), metadataPrefix
 * "dcterms".
 *
 * Like oai_dc, every stored value becomes one element, in stored order, with
 * xml:lang when the value has a language. Qualified DC adds two things, each
 * only where it is certain:
 *   - refinements the catalogue's practice implies: dc:date is the date of
 *     issue (dcterms:issued); a coverage is a time span (dcterms:temporal)
 *     when it reads as one, else a place (dcterms:spatial); a format that
 *     starts with a number is a size (dcterms:extent);
 *   - DCMI encoding schemes (xsi:type) on values that conform to them:
 *     W3CDTF dates, DCMI Type terms, media types, URIs, language tags.
 * A typed value carries no xml:lang: dcterms.xsd prohibits it there, and a
 * code or a date has no language. docs/crosswalks.md has the table.
 */
#include "formats.h"

#include <string.h>

#include <event2/buffer.h>

#include "crosswalk.h"
#include "xml_out.h"

/* How one value is written. */
typedef struct {
    const char *term;   /* dcterms element, NULL to skip the value */
    const char *scheme; /* DCMI encoding scheme (xsi:type), or NULL */
    const char *text;   /* the text to write */
} qdc_value;

/* The DCMES elements whose DCMI Terms element has the same name and no
 * scheme to check. */
static const char *const plain_elements[] = {"title",     "creator",     "subject", "description",
                                             "publisher", "contributor", "rights"};

static int is_plain(const char *element)
{
    size_t i;

    for (i = 0; i < sizeof(plain_elements) / sizeof(plain_elements[0]); i++)
        if (strcmp(element, plain_elements[i]) == 0)
            return 1;
    return 0;
}

static qdc_value typed(const char *term, const char *scheme, const char *text)
{
    qdc_value q = {term, scheme, text};
    return q;
}

/* identifier, source, relation: dcterms:URI when the value is one. */
static qdc_value uri_or_text(const char *term, const char *value)
{
    return typed(term, xw_is_absolute_uri(value) ? "URI" : NULL, value);
}

static qdc_value classify_format(const char *value)
{
    if (xw_is_media_type(value))
        return typed("format", "IMT", value);
    return typed(xw_is_extent(value) ? "extent" : "format", NULL, value);
}

static qdc_value classify_coverage(const char *value)
{
    if (!xw_is_temporal(value))
        return typed("spatial", NULL, value);
    return typed("temporal", xw_is_w3cdtf(value) ? "W3CDTF" : NULL, value);
}

static qdc_value classify(const dc_value *v)
{
    const char *e = v->element, *dcmi;

    if (is_plain(e))
        return typed(e, NULL, v->value);
    if (strcmp(e, "date") == 0)
        return typed("issued", xw_is_w3cdtf(v->value) ? "W3CDTF" : NULL, v->value);
    if (strcmp(e, "type") == 0) {
        dcmi = xw_dcmi_type(v->value);
        return dcmi != NULL ? typed("type", "DCMIType", dcmi) : typed("type", NULL, v->value);
    }
    if (strcmp(e, "format") == 0)
        return classify_format(v->value);
    if (strcmp(e, "language") == 0)
        return typed("language", xw_is_language_code(v->value) ? "RFC4646" : NULL, v->value);
    if (strcmp(e, "coverage") == 0)
        return classify_coverage(v->value);
    if (strcmp(e, "identifier") == 0 || strcmp(e, "source") == 0 || strcmp(e, "relation") == 0)
        return uri_or_text(e, v->value);
    /* Not a DCMES element: nothing safe to call it. */
    return typed(NULL, NULL, NULL);
}

static void write_value(struct evbuffer *out, const dc_value *v)
{
    qdc_value q = classify(v);

    if (q.term == NULL)
        return;
    /* Element and scheme names are the literals above, safe as markup. */
    evbuffer_add_printf(out, "<dcterms:%s", q.term);
    if (q.scheme != NULL)
        evbuffer_add_printf(out, " xsi:type=\"dcterms:%s\"", q.scheme);
    else
        xw_xml_lang(out, v->lang);
    evbuffer_add(out, ">", 1);
    xml_text_str(out, q.text);
    evbuffer_add_printf(out, "</dcterms:%s>", q.term);
}

void format_dcterms_render(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    evbuffer_add_printf(out, "<qdc:qualifieddc xmlns:qdc=\"" DCTERMS_NS "\""
                             " xmlns:dcterms=\"http://purl.org/dc/terms/\""
                             " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                             " xsi:schemaLocation=\"" DCTERMS_NS " " DCTERMS_XSD "\">");
    for (i = 0; i < n; i++)
        write_value(out, &vals[i]);
    evbuffer_add_printf(out, "</qdc:qualifieddc>");
}
