/*
 * metadata.c - format registry and the oai_dc crosswalk.
 */
#include "metadata.h"

#include <string.h>

#include <event2/buffer.h>

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
        if (vals[i].lang != NULL) {
            evbuffer_add(out, " xml:lang=\"", 11);
            xml_attr_str(out, vals[i].lang);
            evbuffer_add(out, "\"", 1);
        }
        evbuffer_add(out, ">", 1);
        xml_text_str(out, vals[i].value);
        evbuffer_add_printf(out, "</dc:%s>", vals[i].element);
    }
    evbuffer_add_printf(out, "</oai_dc:dc>");
}

static const metadata_format formats[] = {
    {"oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
     "http://www.openarchives.org/OAI/2.0/oai_dc/", render_oai_dc},
};

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
