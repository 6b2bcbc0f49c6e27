/*
 * metadata.c - format registry, the availability rule, and the oai_dc
 * crosswalk. The other formats are modules of their own (formats.h).
 */
#include "metadata.h"

#include <string.h>

#include <event2/buffer.h>

#include "crosswalk.h"
#include "formats.h"
#include "xml_out.h"

/* oai_dc: every stored value becomes a dc:<element>, in stored order (the
 * database returns them in the schema's element order), with xml:lang when
 * the language is known. */
static void render_oai_dc(struct evbuffer *out, const dc_value *vals, size_t n)
{
    size_t i;

    evbuffer_add_printf(out,
                        "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
                        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
                        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                        " xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/"
                        " http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">");
    for (i = 0; i < n; i++) {
        /* Element names come from the dc_elements table (a closed list),
         * so they are safe to write as markup. */
        evbuffer_add_printf(out, "<dc:%s", vals[i].element);
        /* Only a valid tag: the database checks them, but an invalid
         * xml:lang would make the whole response invalid. */
        xw_xml_lang(out, vals[i].lang);
        evbuffer_add(out, ">", 1);
        xml_text_str(out, vals[i].value);
        evbuffer_add_printf(out, "</dc:%s>", vals[i].element);
    }
    evbuffer_add_printf(out, "</oai_dc:dc>");
}

/* MODS and MARC 21 records without a title are not records: MODS needs at
 * least one element and its guidelines a titleInfo, MARC a 245 field. Dublin
 * Core needs nothing. */
static const metadata_format formats[] = {
    {"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
     "http://www.openarchives.org/OAI/2.0/oai_dc/", render_oai_dc, NULL, 1},
    {DCTERMS_PREFIX, DCTERMS_XSD, DCTERMS_NS, format_dcterms_render, NULL, 2},
    {MODS_PREFIX, MODS_XSD, MODS_NS, format_mods_render, "title", 2},
    {MARC21_PREFIX, MARC21_XSD, MARC21_NS, format_marc21_render, "title", 2},
};

int dc_value_has_text(const char *value)
{
    const unsigned char *p = (const unsigned char *)value;

    for (; p != NULL && *p != '\0'; p++)
        if (*p > 0x20)
            return 1;
    return 0;
}

int metadata_format_available(const metadata_format *f, const dc_value *vals, size_t n)
{
    size_t i;

    if (f->requires == NULL)
        return 1;
    for (i = 0; i < n; i++)
        if (strcmp(vals[i].element, f->requires) == 0 && dc_value_has_text(vals[i].value))
            return 1;
    return 0;
}

const metadata_format *metadata_format_find(const char *prefix)
{
    size_t i;

    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i].prefix, prefix) == 0)
            return &formats[i];
    return NULL;
}

size_t metadata_format_count(void)
{
    return sizeof(formats) / sizeof(formats[0]);
}

const metadata_format *metadata_format_at(size_t i)
{
    return i < metadata_format_count() ? &formats[i] : NULL;
}
