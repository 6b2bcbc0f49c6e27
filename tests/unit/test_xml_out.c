/* test_xml_out.c - escaping and sanitising XML text and attribute values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "xml_out.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FFFD "\xEF\xBF\xBD"
#define KHMER "ព្រះរាជក្រឹត្យ"

typedef void (*writer)(struct evbuffer *, const char *, size_t);

/* The whole contents of b as a malloc'd NUL-terminated string. */
static char *drain(struct evbuffer *b, size_t *len)
{
    size_t n = evbuffer_get_length(b);
    char *s = malloc(n + 1);

    assert_non_null(s);
    assert_int_equal(evbuffer_remove(b, s, n), (int)n);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

static char *render(writer w, const char *in, size_t len, size_t *outlen)
{
    struct evbuffer *b = evbuffer_new();

    assert_non_null(b);
    w(b, in, len);
    char *s = drain(b, outlen);
    evbuffer_free(b);
    return s;
}

static void expect(writer w, const char *in, size_t len, const char *want)
{
    size_t n;
    char *got = render(w, in, len, &n);

    if (n != strlen(want) || memcmp(got, want, n) != 0)
        fail_msg("got '%s' want '%s'", got, want);
    free(got);
}

#define TEXT(lit, want) expect(xml_text, lit, sizeof(lit) - 1, want)
#define ATTR(lit, want) expect(xml_attr, lit, sizeof(lit) - 1, want)

static void test_escaping(void **state)
{
    TEXT("", "");
    TEXT("plain", "plain");
    TEXT("a & b < c > d", "a &amp; b &lt; c &gt; d");
    TEXT("\"quoted\" 'single'", "\"quoted\" 'single'");
    TEXT("]]>", "]]&gt;");
    TEXT("&amp;", "&amp;amp;");
    TEXT("<![CDATA[x]]>", "&lt;![CDATA[x]]&gt;");
    TEXT("&&&", "&amp;&amp;&amp;");
    TEXT("tab\tlf\ncr\r", "tab\tlf\ncr&#13;");

    ATTR("", "");
    ATTR("plain", "plain");
    ATTR("a & b < c > d", "a &amp; b &lt; c &gt; d");
    ATTR("\"quoted\" 'single'", "&quot;quoted&quot; &apos;single&apos;");
    ATTR("tab\tlf\ncr\r", "tab&#9;lf&#10;cr&#13;");
    ATTR("]]>", "]]&gt;");
}

static void test_illegal_chars_dropped(void **state)
{
    TEXT("a\0b", "ab");
    TEXT("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f", "");
    TEXT("\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", "");
    TEXT("x\x1by\x7fz", "xy\x7fz"); /* ESC dropped; DEL is an XML 1.0 character */
    TEXT("\xEF\xBF\xBE|\xEF\xBF\xBF", "|");
    ATTR("a\0b\x01\x1f\xEF\xBF\xBF", "ab");
    /* Legal and kept: C1 controls, U+FFFD itself, non-characters other
     * than U+FFFE/U+FFFF, a BOM in the middle, the edges of the ranges. */
    TEXT("\xC2\x80\xC2\x9F", "\xC2\x80\xC2\x9F");
    TEXT(FFFD, FFFD);
    TEXT("\xEF\xB7\x90\xF0\x9F\xBF\xBE", "\xEF\xB7\x90\xF0\x9F\xBF\xBE");
    TEXT("\xEF\xBB\xBF", "\xEF\xBB\xBF");
    TEXT("\xED\x9F\xBF\xEE\x80\x80", "\xED\x9F\xBF\xEE\x80\x80");
    TEXT("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF");
    TEXT("\xF0\x90\x80\x80", "\xF0\x90\x80\x80");
    TEXT("\xE0\xA0\x80", "\xE0\xA0\x80");
    TEXT("\xDF\xBF", "\xDF\xBF");
}

static void test_invalid_utf8_replaced(void **state)
{
    /* Overlong forms: the lead can start no valid sequence with that
     * continuation, so each byte is replaced on its own. */
    TEXT("\xC0\x80", FFFD FFFD);
    TEXT("\xC1\xBF", FFFD FFFD);
    TEXT("\xE0\x80\x80", FFFD FFFD FFFD);
    TEXT("\xE0\x9F\xBF", FFFD FFFD FFFD);
    TEXT("\xF0\x80\x80\x80", FFFD FFFD FFFD FFFD);
    TEXT("\xF0\x8F\xBF\xBF", FFFD FFFD FFFD FFFD);
    /* Surrogates. */
    TEXT("\xED\xA0\x80", FFFD FFFD FFFD);
    TEXT("\xED\xBF\xBF", FFFD FFFD FFFD);
    TEXT("\xED\xA0\xBD\xED\xB8\x80", FFFD FFFD FFFD FFFD FFFD FFFD); /* CESU-8 */
    /* Beyond U+10FFFF, and bytes that never occur. */
    TEXT("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
    TEXT("\xF5\x80\x80\x80", FFFD FFFD FFFD FFFD);
    TEXT("\xF8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
    TEXT("\xFE\xFF", FFFD FFFD);
    /* Stray continuation bytes. */
    TEXT("\x80", FFFD);
    TEXT("a\xBFz", "a" FFFD "z");
    /* Truncated sequences: a maximal valid prefix is one U+FFFD. */
    TEXT("abc\xE2\x82", "abc" FFFD);
    TEXT("\xE2\x82"
         "A",
         FFFD "A");
    TEXT("\xE2", FFFD);
    TEXT("\xF0\x9F\x98"
         "x",
         FFFD "x");
    TEXT("\xF0\x9F\x98", FFFD);
    TEXT("\xF0\x9F", FFFD);
    TEXT("\xC3", FFFD);
    TEXT("\xC3<", FFFD "&lt;");
    TEXT("\xE2\x82\xE2\x82\xAC", FFFD "\xE2\x82\xAC");
    /* Latin-1 text mislabelled as UTF-8. */
    TEXT("caf\xE9 cr\xE8me", "caf" FFFD " cr" FFFD "me");
    ATTR("\xC0\"\x80'", FFFD "&quot;" FFFD "&apos;");
}

static void test_khmer_unchanged(void **state)
{
    static const char khmer[] = KHMER;

    TEXT(KHMER, KHMER);
    ATTR(KHMER, KHMER);
    assert_int_equal(xml_clean_prefix(khmer, sizeof(khmer) - 1), sizeof(khmer) - 1);
    TEXT("Ελληνικά 中文 العربية \xF0\x9F\x98\x80", "Ελληνικά 中文 العربية \xF0\x9F\x98\x80");
}

static void test_str_and_element(void **state)
{
    struct evbuffer *b = evbuffer_new();
    char *s;

    assert_non_null(b);
    xml_text_str(b, "a<b");
    xml_text_str(b, NULL);
    xml_attr_str(b, "\"");
    xml_attr_str(b, NULL);
    s = drain(b, NULL);
    assert_string_equal(s, "a&lt;b&quot;");
    free(s);

    xml_element(b, "dc:title", "Tom & Jerry <1940>");
    xml_element(b, "empty", "");
    xml_element(b, "none", NULL);
    xml_element(b, "setSpec", "a:b\x01");
    s = drain(b, NULL);
    assert_string_equal(s, "<dc:title>Tom &amp; Jerry &lt;1940&gt;</dc:title><empty></empty>"
                           "<none></none><setSpec>a:b</setSpec>");
    free(s);

    /* Output is appended, never replaces what is there. */
    evbuffer_add(b, "<x>", 3);
    xml_text(b, "y", 1);
    s = drain(b, NULL);
    assert_string_equal(s, "<x>y");
    free(s);

    /* Only len bytes are read. */
    xml_text(b, "abcdef", 3);
    xml_attr(b, "abcdef", 0);
    xml_text(b, NULL, 0);
    s = drain(b, NULL);
    assert_string_equal(s, "abc");
    free(s);
    evbuffer_free(b);
}

static void test_clean_prefix(void **state)
{
    static const struct {
        const char *s;
        size_t len, want;
    } cases[] = {
        {"", 0, 0},
        {"abc", 3, 3},
        {"a&b<c>\"'", 8, 8}, /* escaped, but not altered */
        {"tab\tlf\ncr\r", 10, 10},
        {"ab\x01"
         "cd",
         5, 2},
        {"ab\0cd", 5, 2},
        {"ab\x7f", 3, 3},
        {"ab\xE2\x82", 4, 2},     /* truncated at the end */
        {"ab\xE2\x82\xAC", 5, 5}, /* ...unless complete */
        {"\xC0\x80", 2, 0},
        {"x\xED\xA0\x80", 4, 1},
        {"x\xEF\xBF\xBE", 4, 1},
        {"x\xEF\xBF\xBD", 4, 4},
        {"\xF4\x8F\xBF\xBF\xF4\x90\x80\x80", 8, 4},
        {"\x80", 1, 0},
        {"abc", 2, 2},
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t got = xml_clean_prefix(cases[i].s, cases[i].len);
        if (got != cases[i].want)
            fail_msg("case %zu: got %zu want %zu", i, got, cases[i].want);
    }
    assert_int_equal(xml_clean_prefix(NULL, 0), 0);
}

/* ---- clean runs are copied with one evbuffer_add ------------------------ */

static void count_adds(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
    if (info->n_added > 0)
        ++*(int *)arg;
}

static int adds_for(writer w, const char *s, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    int adds = 0;

    assert_non_null(b);
    assert_non_null(evbuffer_add_cb(b, count_adds, &adds));
    w(b, s, len);
    evbuffer_free(b);
    return adds;
}

static void test_runs_copied_whole(void **state)
{
    size_t n = 1 << 20, unit = strlen(KHMER " abc ");
    char *big = malloc(n);

    assert_non_null(big);
    for (size_t i = 0; i + unit <= n; i += unit)
        memcpy(big + i, KHMER " abc ", unit);
    n -= n % unit;
    assert_int_equal(adds_for(xml_text, big, n), 1);
    assert_int_equal(adds_for(xml_attr, big, n), 1);
    free(big);

    assert_int_equal(adds_for(xml_text, "", 0), 0);
    assert_int_equal(adds_for(xml_text, "\x01", 1), 0);
    assert_int_equal(adds_for(xml_text, "ab&cd", 5), 3);
    assert_int_equal(adds_for(xml_text,
                              "ab\x01"
                              "cd",
                              5),
                     2);
    assert_int_equal(adds_for(xml_attr, "a\tb", 3), 3);
}

/* ---- a reference implementation, written differently ------------------- */

/*
 * Decides whether the bytes b[0..k) can begin a well-formed L-byte
 * sequence by working out the range of code points they could still
 * encode, rather than by the byte-range table the module uses.
 */
static int feasible(const unsigned char *b, size_t k, size_t L)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    static const uint32_t max[5] = {0, 0, 0x7FF, 0xFFFF, 0x10FFFF};
    uint32_t v = b[0] & (0x7Fu >> L);

    for (size_t i = 1; i < k; i++)
        v = v << 6 | (b[i] & 0x3Fu);
    unsigned rem = (unsigned)(L - k) * 6;
    uint32_t lo = v << rem, hi = lo | ((1u << rem) - 1);
    if (hi < min[L] || lo > max[L])
        return 0;
    return !(lo >= 0xD800 && hi <= 0xDFFF);
}

/*
 * Decodes one unit at in[0..n): sets *len to the bytes it spans and returns
 * its code point, or -1 for an ill-formed (maximal sub-)sequence, or -2
 * for a character XML 1.0 forbids.
 */
static long ref_unit(const unsigned char *in, size_t n, size_t *len)
{
    unsigned char b0 = in[0];
    size_t L = b0 < 0x80 ? 1 : b0 < 0xC0 ? 0 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : b0 < 0xF8 ? 4 : 0;
    uint32_t cp = b0;

    if (L != 1) {
        size_t k = 0;
        if (L > 1 && feasible(in, 1, L)) {
            k = 1;
            while (k < L && k < n && (in[k] & 0xC0) == 0x80 && feasible(in, k + 1, L))
                k++;
        }
        if (L == 0 || k < L) {
            *len = k ? k : 1;
            return -1;
        }
        cp = b0 & (0x7Fu >> L);
        for (size_t j = 1; j < L; j++)
            cp = cp << 6 | (in[j] & 0x3Fu);
    }
    *len = L;
    if ((cp < 0x20 && cp != 9 && cp != 10 && cp != 13) || cp == 0xFFFE || cp == 0xFFFF)
        return -2;
    return (long)cp;
}

static const char *ref_escape(long cp, int attr)
{
    switch (cp) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '\r':
        return "&#13;";
    case '"':
        return attr ? "&quot;" : NULL;
    case '\'':
        return attr ? "&apos;" : NULL;
    case '\t':
        return attr ? "&#9;" : NULL;
    case '\n':
        return attr ? "&#10;" : NULL;
    default:
        return NULL;
    }
}

/* Sanitises (and, if escape, escapes) in into out, which must have room
 * for 6 * n bytes. Returns the output length. */
static size_t reference(const unsigned char *in, size_t n, int attr, int escape, char *out)
{
    char *o = out;
    size_t len;

    for (size_t i = 0; i < n; i += len) {
        long cp = ref_unit(in + i, n - i, &len);
        const char *ref = escape ? ref_escape(cp, attr) : NULL;
        if (cp == -1)
            ref = FFFD;
        if (ref) {
            memcpy(o, ref, strlen(ref));
            o += strlen(ref);
        } else if (cp >= 0) {
            memcpy(o, in + i, len);
            o += len;
        }
    }
    return (size_t)(o - out);
}

static size_t ref_clean_prefix(const unsigned char *in, size_t n)
{
    size_t i = 0, len;

    while (i < n && ref_unit(in + i, n - i, &len) >= 0)
        i += len;
    return i;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random bytes biased toward the interesting ones. */
static void random_input(uint64_t *seed, unsigned char *buf, size_t n)
{
    static const unsigned char interesting[] = {
        0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, '&',  '<',  '>',  '"',  '\'', ']',  'a',
        0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xBE, 0xBD, 0xC0, 0xC1, 0xC2, 0xDF,
        0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF,
    };

    for (size_t i = 0; i < n; i++) {
        uint64_t r = xorshift(seed);
        buf[i] = r % 3 ? interesting[(r >> 8) % sizeof(interesting)] : (unsigned char)(r >> 16);
    }
}

static void check_against_reference(const unsigned char *in, size_t n)
{
    char *want = malloc(6 * n + 1);
    size_t got_len;

    assert_non_null(want);
    for (int attr = 0; attr < 2; attr++) {
        size_t want_len = reference(in, n, attr, 1, want);
        char *got = render(attr ? xml_attr : xml_text, (const char *)in, n, &got_len);
        if (got_len != want_len || memcmp(got, want, want_len) != 0)
            fail_msg("%s differs from the reference for a %zu-byte input", attr ? "attr" : "text",
                     n);
        free(got);
    }
    assert_int_equal(xml_clean_prefix((const char *)in, n), ref_clean_prefix(in, n));
    free(want);
}

static void test_differential(void **state)
{
    uint64_t seed = 0x243f6a8885a308d3u;
    unsigned char buf[64];

    for (int round = 0; round < 50000; round++) {
        size_t n = xorshift(&seed) % sizeof(buf);
        random_input(&seed, buf, n);
        check_against_reference(buf, n);
    }
    /* Exhaustively: every 2-byte input, and every 3-byte input with a
     * 3- or 4-byte lead and a third byte around the continuation range. */
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            buf[0] = (unsigned char)a;
            buf[1] = (unsigned char)b;
            check_against_reference(buf, 2);
            for (unsigned c = 0x7E; c < 0xC2; c++) {
                if (a < 0xE0 || a > 0xF4)
                    break;
                buf[2] = (unsigned char)c;
                check_against_reference(buf, 3);
            }
        }
    }
    /* A large input, so runs span many kilobytes. */
    size_t big = 1 << 20;
    unsigned char *large = malloc(big);
    assert_non_null(large);
    for (size_t i = 0; i < big; i++)
        large[i] = (unsigned char)("plain ASCII text " KHMER)[i % 60];
    random_input(&seed, large + big / 2, 100);
    check_against_reference(large, big);
    free(large);
}

/* ---- the output parses as XML ------------------------------------------ */

static void count_errors(void *arg, xmlErrorPtr err)
{
    ++*(int *)arg;
}

/* Parses doc (len bytes) with libxml2; returns the document or fails. */
static xmlDocPtr parse(const char *doc, size_t len)
{
    int errors = 0;

    xmlSetStructuredErrorFunc(&errors, count_errors);
    xmlDocPtr d = xmlReadMemory(doc, (int)len, "test.xml", NULL, XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (d == NULL || errors != 0)
        fail_msg("libxml2 refused (%d errors): %s", errors, doc);
    return d;
}

static void assert_parses_to(const char *in, size_t n, const char *plain, size_t plain_len)
{
    struct evbuffer *b = evbuffer_new();
    size_t len;

    assert_non_null(b);

    evbuffer_add_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r>");
    xml_text(b, in, n);
    evbuffer_add_printf(b, "</r>");
    char *doc = drain(b, &len);
    xmlDocPtr d = parse(doc, len);
    xmlChar *text = xmlNodeGetContent(xmlDocGetRootElement(d));
    assert_non_null(text);
    if (strlen((char *)text) != plain_len || memcmp(text, plain, plain_len) != 0)
        fail_msg("text: parsed '%s' want '%s'", (char *)text, plain);
    xmlFree(text);
    xmlFreeDoc(d);
    free(doc);

    evbuffer_add_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r a=\"");
    xml_attr(b, in, n);
    evbuffer_add_printf(b, "\"/>");
    doc = drain(b, &len);
    d = parse(doc, len);
    xmlChar *value = xmlGetProp(xmlDocGetRootElement(d), (const xmlChar *)"a");
    assert_non_null(value);
    if (strlen((char *)value) != plain_len || memcmp(value, plain, plain_len) != 0)
        fail_msg("attr: parsed '%s' want '%s'", (char *)value, plain);
    xmlFree(value);
    xmlFreeDoc(d);
    free(doc);
    evbuffer_free(b);
}

#define PARSES_TO(lit, want) assert_parses_to(lit, sizeof(lit) - 1, want, sizeof(want) - 1)

static void test_parsed_by_libxml2(void **state)
{
    PARSES_TO("", "");
    PARSES_TO("plain", "plain");
    PARSES_TO("a & b < c > d", "a & b < c > d");
    PARSES_TO("]]>", "]]>");
    PARSES_TO("\"double\" 'single'", "\"double\" 'single'");
    PARSES_TO("&amp; &lt; &#0; &#x1; &undefined;", "&amp; &lt; &#0; &#x1; &undefined;");
    PARSES_TO("<!-- c --><?pi x?><![CDATA[x]]><!DOCTYPE r>",
              "<!-- c --><?pi x?><![CDATA[x]]><!DOCTYPE r>");
    PARSES_TO("<r a=\"x\">", "<r a=\"x\">");
    /* Whitespace survives exactly, in content and in attributes. */
    PARSES_TO("tab\there\nlf\r\ncrlf\rcr", "tab\there\nlf\r\ncrlf\rcr");
    PARSES_TO("  two  spaces  ", "  two  spaces  ");
    PARSES_TO("\x00\x01\x02\x08\x0b\x0c\x0e\x1f", "");
    PARSES_TO("a\x00"
              "b\x1b"
              "c",
              "abc");
    PARSES_TO("\xEF\xBF\xBE\xEF\xBF\xBF", "");
    PARSES_TO("\x7F\xC2\x80\xC2\x9F", "\x7F\xC2\x80\xC2\x9F");
    PARSES_TO("\xC0\x80", FFFD FFFD);
    PARSES_TO("\xC0\xBC"
              "script",
              FFFD FFFD "script");             /* overlong '<' */
    PARSES_TO("\xE0\x80\xA6", FFFD FFFD FFFD); /* overlong '&' */
    PARSES_TO("\xED\xA0\x80\xED\xBF\xBF", FFFD FFFD FFFD FFFD FFFD FFFD);
    PARSES_TO("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
    PARSES_TO("\xF8\x88\x80\x80\x80\xFE\xFF", FFFD FFFD FFFD FFFD FFFD FFFD FFFD);
    PARSES_TO("abc\xE2\x82", "abc" FFFD);
    PARSES_TO("\xE2\x82<", FFFD "<");
    PARSES_TO("\x80\xBF", FFFD FFFD);
    PARSES_TO("caf\xE9", "caf" FFFD);
    PARSES_TO(KHMER, KHMER);
    PARSES_TO("\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD \xEF\xBB\xBF",
              "\xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD \xEF\xBB\xBF");
    PARSES_TO("\xED\x9F\xBF\xEE\x80\x80\xEF\xB7\x90", "\xED\x9F\xBF\xEE\x80\x80\xEF\xB7\x90");
}

/* Random inputs: the output always parses, to the reference's sanitised
 * text. */
static void test_random_inputs_parse(void **state)
{
    uint64_t seed = 0x13198a2e03707344u;
    unsigned char in[80];
    char plain[6 * sizeof(in) + 1];

    for (int round = 0; round < 3000; round++) {
        size_t n = xorshift(&seed) % sizeof(in);
        random_input(&seed, in, n);
        size_t plain_len = reference(in, n, 0, 0, plain);
        plain[plain_len] = '\0';
        assert_parses_to((const char *)in, n, plain, plain_len);
    }
}

/* xs:anyURI as the schema validator judges it: collapsed, masked, parsed. */
static void test_any_uri(void **state)
{
    (void)state;
    assert_true(xml_is_any_uri("oai:elibrary.nec.gov.kh:nec-1"));
    assert_true(xml_is_any_uri("a b"));           /* the blank is masked */
    assert_true(xml_is_any_uri("k\xe1\x9e\x80")); /* so is Khmer */
    assert_true(xml_is_any_uri("//a:1"));         /* host a, port 1 */
    assert_true(xml_is_any_uri(" //a:1 "));       /* collapsed to the same */
    assert_false(xml_is_any_uri("//a:x"));        /* port x */
    /* Valid while the blank is there ("_//a:x" is a relative path), but a
     * validator drops it first. */
    assert_false(xml_is_any_uri(" //a:x"));
    assert_false(xml_is_any_uri("\t\n//a:x"));
    assert_false(xml_is_any_uri("//a:x\r"));
    assert_false(xml_is_any_uri("50%zz"));
    assert_false(xml_is_any_uri("a\x01b")); /* the writers would drop \x01 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_illegal_chars_dropped),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_khmer_unchanged),
        cmocka_unit_test(test_str_and_element),
        cmocka_unit_test(test_clean_prefix),
        cmocka_unit_test(test_runs_copied_whole),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_parsed_by_libxml2),
        cmocka_unit_test(test_random_inputs_parse),
        cmocka_unit_test(test_any_uri),
    };
    int rc;

    LIBXML_TEST_VERSION
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
