/*
 * xml_out.c - escaping and sanitising text for XML output.
 *
 * The input is scanned once. Runs of bytes that go out unchanged (ASCII
 * other than markup and control characters, and well-formed UTF-8 sequences
 * of XML characters) are copied with a single evbuffer_add each; only the
 * exceptions are handled one at a time. A byte-class table keeps the common
 * ASCII case to one load and one compare per byte.
 *
 * Invalid UTF-8 is replaced following Unicode's "maximal subpart" practice
 * (Unicode 15, section 3.9, U+FFFD substitution): each maximal prefix of a
 * well-formed sequence that cannot be completed becomes one U+FFFD, and a
 * byte that can start no sequence becomes one U+FFFD by itself. This is what
 * browsers and ICU do, so the output matches what other tools would show.
 */
#include "xml_out.h"

#include <string.h>

#include <stdlib.h>

#include <event2/buffer.h>
#include <libxml/uri.h>

/* Byte classes. */
enum {
    O, /* copied as is */
    E, /* markup (or whitespace in attributes): written as a reference */
    D, /* a character XML 1.0 forbids: dropped */
    L, /* lead byte of a multi-byte sequence: needs validating */
    B, /* never valid in UTF-8 (continuation byte, C0, C1, F5-FF): U+FFFD */
};

/* The tables are laid out 16 bytes to a row; keep clang-format off them. */
// clang-format off
#define ROW16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

/* Bytes 0x80-0xFF, common to both tables. */
#define HIGH_HALF                                                                                  \
    ROW16(B), ROW16(B), ROW16(B), ROW16(B),         /* 0x80-0xBF: continuation bytes */            \
    B, B, L, L, L, L, L, L, L, L, L, L, L, L, L, L, /* 0xC0, 0xC1: overlong only */                \
    ROW16(L), ROW16(L),                             /* 0xD0-0xEF */                                \
    L, L, L, L, L, B, B, B, B, B, B, B, B, B, B, B  /* 0xF5-0xFF: beyond U+10FFFF */

/* Character data. CR is written as &#13;: a literal CR would be turned into
 * LF by every parser (XML 1.0 section 2.11), changing the data. */
static const unsigned char text_class[256] = {
    D, D, D, D, D, D, D, D, D, O, O, D, D, E, D, D, /* 0x00: TAB, LF kept */
    ROW16(D),                                       /* 0x10 */
    O, O, O, O, O, O, E, O, O, O, O, O, O, O, O, O, /* 0x20: & */
    O, O, O, O, O, O, O, O, O, O, O, O, E, O, E, O, /* 0x30: < > */
    ROW16(O), ROW16(O), ROW16(O), ROW16(O),         /* 0x40-0x7F (DEL is legal) */
    HIGH_HALF,
};

/* Attribute values: quotes too, and TAB/LF/CR, which attribute-value
 * normalisation (XML 1.0 section 3.3.3) would otherwise turn into spaces. */
static const unsigned char attr_class[256] = {
    D, D, D, D, D, D, D, D, D, E, E, D, D, E, D, D, /* 0x00 */
    ROW16(D),                                       /* 0x10 */
    O, O, E, O, O, O, E, E, O, O, O, O, O, O, O, O, /* 0x20: " & ' */
    O, O, O, O, O, O, O, O, O, O, O, O, E, O, E, O, /* 0x30: < > */
    ROW16(O), ROW16(O), ROW16(O), ROW16(O),         /* 0x40-0x7F */
    HIGH_HALF,
};
// clang-format on

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

typedef enum { SEQ_OK, SEQ_DROP, SEQ_INVALID } seq_status;

/*
 * Examines the multi-byte sequence starting at p (avail >= 1 bytes, p[0] of
 * class L) following the well-formed byte table of Unicode section 3.9
 * (Table 3-7), which rules out overlongs, surrogates and values beyond
 * U+10FFFF by narrowing the range of the second byte. Returns the length of
 * the sequence, or for an ill-formed one the length of its maximal subpart
 * (at least 1), and sets *st.
 */
static size_t utf8_seq(const unsigned char *p, size_t avail, seq_status *st)
{
    unsigned char b0 = p[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (b0 < 0xE0) {
        need = 2;
    } else if (b0 < 0xF0) {
        need = 3;
        if (b0 == 0xE0)
            lo = 0xA0; /* overlong below U+0800 */
        else if (b0 == 0xED)
            hi = 0x9F; /* surrogates U+D800-U+DFFF */
    } else {
        need = 4;
        if (b0 == 0xF0)
            lo = 0x90; /* overlong below U+10000 */
        else if (b0 == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    }

    *st = SEQ_INVALID;
    if (avail < 2 || p[1] < lo || p[1] > hi)
        return 1;
    for (size_t k = 2; k < need; k++) {
        if (k >= avail || (p[k] & 0xC0) != 0x80)
            return k;
    }
    /* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters. */
    if (b0 == 0xEF && p[1] == 0xBF && p[2] >= 0xBE)
        *st = SEQ_DROP;
    else
        *st = SEQ_OK;
    return need;
}

static const char *reference(unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&apos;";
    case '\t':
        return "&#9;";
    case '\n':
        return "&#10;";
    case '\r':
        return "&#13;";
    default:
        return ""; /* unreachable: the tables mark only the above as E */
    }
}

static void write_escaped(struct evbuffer *out, const char *s, size_t len,
                          const unsigned char cls[256])
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;

    if (s == NULL)
        return;
    while (i < len) {
        unsigned char c = cls[p[i]];
        if (c == O) {
            i++;
            continue;
        }

        size_t n = 1;
        const char *subst = NULL; /* NULL: drop */
        if (c == L) {
            seq_status st;
            n = utf8_seq(p + i, len - i, &st);
            if (st == SEQ_OK) {
                i += n; /* part of the clean run */
                continue;
            }
            if (st == SEQ_INVALID)
                subst = replacement;
        } else if (c == E) {
            subst = reference(p[i]);
        } else if (c == B) {
            subst = replacement;
        }

        if (i > run)
            evbuffer_add(out, p + run, i - run);
        if (subst != NULL)
            evbuffer_add(out, subst, strlen(subst));
        i += n;
        run = i;
    }
    if (len > run)
        evbuffer_add(out, p + run, len - run);
}

void xml_text(struct evbuffer *out, const char *s, size_t len)
{
    write_escaped(out, s, len, text_class);
}

void xml_attr(struct evbuffer *out, const char *s, size_t len)
{
    write_escaped(out, s, len, attr_class);
}

void xml_text_str(struct evbuffer *out, const char *s)
{
    if (s != NULL)
        xml_text(out, s, strlen(s));
}

void xml_attr_str(struct evbuffer *out, const char *s)
{
    if (s != NULL)
        xml_attr(out, s, strlen(s));
}

void xml_element(struct evbuffer *out, const char *name, const char *text)
{
    size_t n = strlen(name);

    evbuffer_add(out, "<", 1);
    evbuffer_add(out, name, n);
    evbuffer_add(out, ">", 1);
    xml_text_str(out, text);
    evbuffer_add(out, "</", 2);
    evbuffer_add(out, name, n);
    evbuffer_add(out, ">", 1);
}

size_t xml_clean_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    if (s == NULL)
        return 0;
    while (i < len) {
        /* Markup characters count as clean: they are escaped, not altered. */
        unsigned char c = text_class[p[i]];
        if (c == O || c == E) {
            i++;
        } else if (c == L) {
            seq_status st;
            size_t n = utf8_seq(p + i, len - i, &st);
            if (st != SEQ_OK)
                break;
            i += n;
        } else {
            break;
        }
    }
    return i;
}

int xml_is_any_uri(const char *s)
{
    size_t len = strlen(s);
    char *judged, *o;
    const char *c;
    xmlURIPtr uri;

    /* A value the writers would change (a character XML forbids dropped,
     * bad UTF-8 replaced) is not the value that would be judged: refused. */
    if (xml_clean_prefix(s, len) != len)
        return 0;
    judged = malloc(len + 1);
    if (judged == NULL)
        return 0;
    /* What the validator judges: the value collapsed first (xs:anyURI has
     * whiteSpace="collapse": no blanks at either end, runs of them one
     * space; " //a:x" is the invalid "//a:x", port "x"), then the
     * characters that anyURI allows but URI syntax does not masked, as
     * libxml2 masks them. */
    o = judged;
    for (c = s + strspn(s, " \t\n\r"); *c != '\0';) {
        size_t blanks = strspn(c, " \t\n\r");
        unsigned char u = (unsigned char)*c;

        if (blanks > 0) {
            c += blanks;
            if (*c != '\0')
                *o++ = '_';
            continue;
        }
        *o++ = u < 32 || u >= 127 || strchr(" <>\"{}|\\^`'", u) != NULL ? '_' : (char)u;
        c++;
    }
    *o = '\0';
    uri = xmlParseURI(judged);
    free(judged);
    if (uri == NULL)
        return 0;
    xmlFreeURI(uri);
    return 1;
}
