/*
 * fuzz_xml_out.c - a property fuzzer for xml_text and xml_attr: whatever
 * bytes the database holds, the response must be well-formed XML that says
 * what the bytes said.
 *
 * Input: any bytes, used as one record value. The harness writes
 *     <r a="xml_attr(input)">xml_text(input)</r>
 * and parses it with libxml2. Properties checked:
 *  - the document always parses, without a single error or warning;
 *  - the attribute value and the text content libxml2 reports are both
 *    exactly the value a small model written here predicts: the input
 *    decoded as UTF-8, each ill-formed sequence replaced by one U+FFFD per
 *    maximal subpart (Unicode 15, 3.9; the model finds subparts by trying
 *    completions, not with a table like xml_out.c), characters XML 1.0
 *    forbids dropped, everything else (markup, CR, TAB, LF, Khmer) intact;
 *  - xml_clean_prefix is the length of the longest prefix the model keeps
 *    unchanged;
 *  - xml_element with the input as text gives the same content;
 *  - whenever xml_is_any_uri approves of a value (the server then echoes
 *    it as an attribute), libxml2's own xs:anyURI validation accepts the
 *    attribute value as parsed; for clean input (the writers keep it
 *    intact) they agree exactly, blanks included.
 */
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemastypes.h>

#include "fuzz_common.h"
#include "xml_out.h"

static xmlSchemaTypePtr any_uri;
static int xml_errors;

static void on_xml_error(void *ctx, xmlErrorPtr e)
{
    fprintf(stderr, "libxml2: %s", e && e->message ? e->message : "(no message)\n");
    xml_errors++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    xmlInitParser();
    xmlSchemaInitTypes();
    xmlSetStructuredErrorFunc(NULL, on_xml_error);
    any_uri = xmlSchemaGetBuiltInType(XML_SCHEMAS_ANYURI);
    FUZZ_CHECK(any_uri != NULL);
    return 0;
}

/* ---- the model --------------------------------------------------------- */

/* Length of the sequence a lead byte announces; 0 if it announces none. */
static int announced(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC0 && b < 0xE0)
        return 2;
    if (b >= 0xE0 && b < 0xF0)
        return 3;
    if (b >= 0xF0 && b < 0xF8)
        return 4;
    return 0;
}

/* Decodes exactly n bytes as one well-formed sequence, by the definition:
 * right length, continuation bytes, shortest form, a scalar value. */
static int decode_exact(const uint8_t *p, int n, uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t v;

    if (n < 1 || announced(p[0]) != n)
        return 0;
    v = n == 1 ? p[0] : (uint32_t)(p[0] & (0x7F >> n));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return 1;
}

/* Whether the k bytes at p begin some well-formed sequence (k shorter than
 * it): try every completion that matters. */
static int is_prefix(const uint8_t *p, int k)
{
    int n = announced(p[0]);
    uint8_t buf[4];
    uint32_t cp;

    if (n < 2 || k >= n)
        return 0;
    memcpy(buf, p, (size_t)k);
    for (int second = 0x80; second <= 0xBF; second++) {
        if (k == 1)
            buf[1] = (uint8_t)second;
        for (int i = k > 1 ? k : 2; i < n; i++)
            buf[i] = 0x80;
        if (decode_exact(buf, n, &cp))
            return 1;
        if (k > 1)
            break; /* the second byte is given */
    }
    return 0;
}

static int xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static size_t put_utf8(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The expected value (NUL-terminated, in out: room for 3 * n + 1) and the
 * length of the input prefix that survives unchanged. */
static size_t model(const uint8_t *in, size_t n, char *out, size_t *clean)
{
    size_t i = 0, o = 0;

    *clean = SIZE_MAX;
    while (i < n) {
        int len = announced(in[i]);
        uint32_t cp;

        if (len >= 1 && (size_t)len <= n - i && decode_exact(in + i, len, &cp)) {
            if (xml_char(cp))
                o += put_utf8(cp, out + o);
            else if (*clean == SIZE_MAX)
                *clean = i;
            i += (size_t)len;
            continue;
        }
        /* Ill-formed: one U+FFFD for the maximal subpart (at least 1 byte). */
        int k = 1;
        while (k + 1 <= 3 && (size_t)(k + 1) <= n - i && is_prefix(in + i, k + 1))
            k++;
        if (*clean == SIZE_MAX)
            *clean = i;
        o += put_utf8(0xFFFD, out + o);
        i += (size_t)k;
    }
    if (*clean == SIZE_MAX)
        *clean = n;
    out[o] = '\0';
    return o;
}

/* ---- the harness ------------------------------------------------------- */

static xmlDocPtr parse(struct evbuffer *b)
{
    size_t len = evbuffer_get_length(b);
    const char *xml = (const char *)evbuffer_pullup(b, -1);
    xmlDocPtr doc;

    xml_errors = 0;
    doc = xmlReadMemory(len > 0 ? xml : "", (int)len, "fuzz.xml", "UTF-8", XML_PARSE_NONET);
    if (doc == NULL || xml_errors != 0) {
        fprintf(stderr, "document that failed to parse (%zu bytes): %.*s\n", len, (int)len, xml);
        FUZZ_CHECK(doc != NULL && xml_errors == 0);
    }
    return doc;
}

static void expect_content(xmlNodePtr node, const char *want, size_t want_len)
{
    xmlChar *got = xmlNodeGetContent(node);
    size_t n = got ? strlen((const char *)got) : 0;

    FUZZ_CHECK(n == want_len && (n == 0 || memcmp(got, want, n) == 0));
    xmlFree(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct evbuffer *b = evbuffer_new();
    char *want = malloc(3 * size + 1);
    size_t want_len, clean;
    xmlDocPtr doc;
    xmlNodePtr root;
    xmlChar *attr;

    FUZZ_CHECK(b != NULL && want != NULL);
    want_len = model(data, size, want, &clean);
    FUZZ_CHECK(xml_clean_prefix((const char *)data, size) == clean);

    /* Text and attribute. */
    evbuffer_add_printf(b, "<r a=\"");
    xml_attr(b, (const char *)data, size);
    evbuffer_add_printf(b, "\">");
    xml_text(b, (const char *)data, size);
    evbuffer_add_printf(b, "</r>");
    doc = parse(b);
    root = xmlDocGetRootElement(doc);
    FUZZ_CHECK(root != NULL && xmlStrcmp(root->name, BAD_CAST "r") == 0);
    attr = xmlGetProp(root, BAD_CAST "a");
    FUZZ_CHECK(attr != NULL);
    FUZZ_CHECK(strlen((const char *)attr) == want_len && memcmp(attr, want, want_len) == 0);
    xmlFree(attr);
    expect_content(root, want, want_len);

    /* The identifier echo (oai_verbs.c): an identifier is written as an
     * attribute when xml_is_any_uri() approves of it, so libxml2's own
     * xs:anyURI check of the attribute value as parsed must pass. */
    if (memchr(data, '\0', size) == NULL) {
        char *s = fuzz_strndup(data, size);
        xmlChar *value = xmlGetProp(root, BAD_CAST "a");
        int ours = xml_is_any_uri(s);
        int theirs = xmlSchemaValPredefTypeNode(any_uri, value, NULL, NULL) == 0;

        /* xml_is_any_uri judges the value as the validator does (collapsed,
         * masked, parsed), so for a value the writers keep intact the two
         * agree exactly; for one they alter, it may only refuse more. */
        int exact = clean == size;

        if ((ours && !theirs) || (exact && ours != theirs)) {
            fprintf(stderr, "xml_is_any_uri says %d, libxml2 says %d\n", ours, theirs);
            FUZZ_CHECK(!ours || theirs);
            FUZZ_CHECK(!exact || ours == theirs);
        }
        xmlFree(value);
        free(s);
    }
    xmlFreeDoc(doc);

    /* xml_element with the input as a C string. */
    {
        char *s = fuzz_strndup(data, size);
        size_t slen = strlen(s), clen;

        evbuffer_drain(b, evbuffer_get_length(b));
        xml_element(b, "e", s);
        doc = parse(b);
        want_len = model((const uint8_t *)s, slen, want, &clen);
        expect_content(xmlDocGetRootElement(doc), want, want_len);
        xmlFreeDoc(doc);
        free(s);
    }

    evbuffer_free(b);
    free(want);
    return 0;
}
