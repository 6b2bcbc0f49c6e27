/*
 * checks.c - the collection's application profile (docs/cataloguing.md).
 *
 * Errors (the record is not written): missing local identifier or title,
 * a local identifier the database would refuse, ill-formed W3CDTF dates,
 * unknown language tags, invalid UTF-8 or control characters, over-long
 * values, dc:identifier values that are neither URL nor URN, unknown or
 * ill-formed setSpecs, text encoded twice (UTF-8 read as Windows-1252 and
 * saved as UTF-8 again: "Ã©" for "é", "áž€" for Khmer KA).
 * Warnings: type outside the DCMI Type Vocabulary (NEC document kinds are
 * mapped), text not in Unicode NFC, duplicate values, missing creator,
 * date, identifier (with title and type the aggregators' minimal set),
 * rights, description or language.
 */
#include "admin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "utf8.h"

/* Generated at build time from the iso-codes package (gen_iso639.c). */
extern const char iso639_codes[][4];
extern const size_t iso639_count;

#define ECHO_MAX 60

/* ---- small helpers ---- */

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

/* A copy of s safe to quote in a message: valid UTF-8 without controls,
 * cut at ECHO_MAX bytes with "...". */
static void echo(char *out, size_t cap, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;
    uint32_t cp;

    for (size_t i = 0; i < n && o + 5 < cap;) {
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (i >= ECHO_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (len == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            out[o++] = '?';
            i += len ? len : 1;
            continue;
        }
        memcpy(out + o, p + i, len);
        o += len, i += len;
    }
    out[o] = '\0';
}

/* ---- individual checks ---- */

const char *check_text(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return "invalid UTF-8";
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F)
            return "a control character";
        if (cp >= 0x80 && cp < 0xA0)
            return "a C1 control character";
        if (cp == 0xFFFE || cp == 0xFFFF)
            return "a non-character (U+FFFE/U+FFFF)";
        i += n;
    }
    return NULL;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "Z" or "+hh:mm" / "-hh:mm" ending the string. */
static bool w3c_tzd(const char *s)
{
    if (s[0] == 'Z')
        return s[1] == '\0';
    if (s[0] != '+' && s[0] != '-')
        return false;
    return digits(s + 1, 2) >= 0 && digits(s + 1, 2) <= 23 && s[3] == ':' &&
           digits(s + 4, 2) >= 0 && digits(s + 4, 2) <= 59 && s[6] == '\0';
}

/* "Thh:mm[:ss[.s+]]TZD" after a complete date. */
static bool w3c_time(const char *s)
{
    int hh = digits(s + 1, 2), mm;

    if (s[0] != 'T' || hh < 0 || hh > 23 || s[3] != ':')
        return false;
    mm = digits(s + 4, 2);
    if (mm < 0 || mm > 59)
        return false;
    s += 6;
    if (*s == ':') {
        int ss = digits(s + 1, 2);
        if (ss < 0 || ss > 59)
            return false;
        s += 3;
        if (*s == '.') {
            s++;
            if (!is_digit(*s))
                return false;
            while (is_digit(*s))
                s++;
        }
    }
    return w3c_tzd(s);
}

bool check_w3cdtf(const char *s)
{
    int y = digits(s, 4), m, d;

    if (y < 0 || (s[4] == '\0'))
        return y >= 0;
    m = s[4] == '-' ? digits(s + 5, 2) : -1;
    if (m < 1 || m > 12)
        return false;
    if (s[7] == '\0')
        return true;
    d = s[7] == '-' ? digits(s + 8, 2) : -1;
    if (d < 1 || d > days_in_month(y, m))
        return false;
    if (s[10] == '\0')
        return true;
    return w3c_time(s + 10);
}

bool check_iso639(const char *code, size_t len)
{
    char key[4] = {0};
    size_t lo = 0, hi = iso639_count;

    if (len < 2 || len > 3)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_alpha(code[i]))
            return false;
        key[i] = (char)(code[i] | 0x20); /* lower case */
    }
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(iso639_codes[mid], key);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* [A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})* (the database's rule), primary
 * subtag an ISO 639-1/-2/-3 code. */
bool check_lang_tag(const char *s)
{
    size_t n = 0;

    while (is_alpha(s[n]))
        n++;
    if (!check_iso639(s, n))
        return false;
    for (s += n; *s;) {
        size_t k = 0;
        if (*s++ != '-')
            return false;
        while (is_alnum(s[k]))
            k++;
        if (k < 1 || k > 8)
            return false;
        s += k;
    }
    return true;
}

static bool has_space_or_ctl(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == 0x7F)
            return true;
    }
    return false;
}

/* A URL with a host (http, https, ftp, or any scheme with "//host"), or a
 * URN (urn:NID:NSS, RFC 8141). */
bool check_url_or_urn(const char *s)
{
    size_t n = 0;

    if (!is_alpha(s[0]) || has_space_or_ctl(s))
        return false;
    while (is_alnum(s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
        n++;
    if (s[n] != ':')
        return false;
    if (n == 3 && strncasecmp(s, "urn", 3) == 0) {
        const char *nid = s + 4;
        size_t k = 0;
        while (is_alnum(nid[k]) || (k > 0 && nid[k] == '-'))
            k++;
        return k >= 2 && k <= 32 && nid[k] == ':' && nid[k + 1] != '\0';
    }
    if (strncmp(s + n, "://", 3) != 0)
        return false;
    s += n + 3;
    return is_alnum(*s) || *s == '[';
}

bool check_local_id(const char *s)
{
    static const char ok[] = "_.!~*'();/?:@&=+$,-";
    size_t n = 0;

    for (; *s; s++, n++) {
        if (*s == '%') {
            if (!strchr("0123456789abcdefABCDEF", s[1]) || !s[1] ||
                !strchr("0123456789abcdefABCDEF", s[2]) || !s[2])
                return false;
            s += 2, n += 2;
        } else if (!is_alnum(*s) && !strchr(ok, *s)) {
            return false;
        }
    }
    return n > 0 && n <= 256;
}

bool check_setspec(const char *s)
{
    static const char ok[] = "_.!~*'()-";
    size_t part = 0, n = strlen(s);

    if (n == 0 || n > 256)
        return false;
    for (; *s; s++) {
        if (*s == ':') {
            if (part == 0)
                return false;
            part = 0;
        } else if (is_alnum(*s) || strchr(ok, *s)) {
            part++;
        } else {
            return false;
        }
    }
    return part > 0;
}

bool check_nfc(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    utf8proc_uint8_t *nfc;
    bool same;

    for (; *p && *p < 0x80; p++)
        ;
    if (*p == '\0')
        return true; /* ASCII is always NFC */
    nfc = utf8proc_NFC((const utf8proc_uint8_t *)s);
    if (nfc == NULL)
        return true; /* invalid UTF-8 is reported by check_text */
    same = strcmp((const char *)nfc, s) == 0;
    free(nfc);
    return same;
}

/* The byte a character stands for when UTF-8 was read as Windows-1252
 * (which is Latin-1 plus 27 characters at 0x80-0x9F), or -1. */
static int cp1252_byte(uint32_t cp)
{
    static const uint16_t high[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

    if (cp <= 0xFF)
        return (int)cp; /* Latin-1, which also maps 0x80-0x9F to C1 controls */
    for (int i = 0; i < 32; i++)
        if (high[i] == cp)
            return 0x80 + i;
    return -1;
}

bool check_double_encoded(const char *s, char *repaired, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;
    unsigned char *bytes = malloc(n + 1);
    bool multibyte = false, ok = bytes != NULL;
    uint32_t cp;

    /* Every character back to the byte it was read from; a character no
     * byte reads as means the text is not UTF-8 read as Windows-1252. */
    for (size_t i = 0; ok && i < n;) {
        size_t len = utf8_decode(p + i, n - i, &cp);
        int b = len > 0 ? cp1252_byte(cp) : -1;

        ok = b >= 0;
        if (ok)
            bytes[o++] = (unsigned char)b;
        i += len;
    }
    /* ... and those bytes are UTF-8 with a character beyond ASCII. */
    for (size_t i = 0; ok && i < o;) {
        size_t len = utf8_decode(bytes + i, o - i, &cp);

        ok = len > 0;
        multibyte = multibyte || len > 1;
        i += len ? len : 1;
    }
    ok = ok && multibyte;
    if (ok && repaired != NULL && cap > 0) {
        size_t k = o < cap - 1 ? o : cap - 1;

        while (k > 0 && k < o && (bytes[k] & 0xC0) == 0x80)
            k--; /* cut on a character boundary */
        memcpy(repaired, bytes, k);
        repaired[k] = '\0';
    }
    free(bytes);
    return ok;
}

static bool has_khmer(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp;

    for (size_t n = strlen(s), i = 0; i < n;) {
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0)
            return false;
        if ((cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x19E0 && cp <= 0x19FF))
            return true;
        i += len;
    }
    return false;
}

/* ---- DCMI types and NEC document kinds ---- */

static const char *const dcmi_types[] = {
    "Collection",     "Dataset", "Event",    "Image", "InteractiveResource", "MovingImage",
    "PhysicalObject", "Service", "Software", "Sound", "StillImage",          "Text",
};

const char *dcmi_type(const char *s)
{
    for (size_t i = 0; i < sizeof(dcmi_types) / sizeof(dcmi_types[0]); i++) {
        if (strcmp(s, dcmi_types[i]) == 0)
            return dcmi_types[i];
    }
    return NULL;
}

static const char *dcmi_type_ci(const char *s)
{
    for (size_t i = 0; i < sizeof(dcmi_types) / sizeof(dcmi_types[0]); i++) {
        if (strcasecmp(s, dcmi_types[i]) == 0)
            return dcmi_types[i];
    }
    return NULL;
}

/* NEC document kinds, in English (any case; space, '-' or '_' between
 * words; plural with 's') and in Khmer, with their DCMI type. */
static const struct {
    const char *en, *km, *dcmi;
} nec_kinds[] = {
    {"royal decree", "ព្រះរាជក្រឹត្យ", "Text"},
    {"sub decree", "អនុក្រឹត្យ", "Text"},
    {"law", "ច្បាប់", "Text"},
    {"regulation", "បទបញ្ជា", "Text"},
    {"procedure", "នីតិវិធី", "Text"},
    {"bulletin", "ព្រឹត្តិបត្រ", "Text"},
    {"magazine", "ទស្សនាវដ្ដី", "Text"},
    {"poster", "ផ្ទាំងរូបភាព", "StillImage"},
    {"leaflet", "ខិត្តប័ណ្ណ", "Text"},
};

/* s folded for comparison: lower case, '-'/'_' as ' ', a final 's' off. */
static void fold_kind(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    for (; *s && o + 1 < cap; s++)
        out[o++] = (*s == '-' || *s == '_') ? ' ' : (char)(*s >= 'A' && *s <= 'Z' ? *s | 0x20 : *s);
    if (o > 1 && out[o - 1] == 's')
        o--;
    out[o] = '\0';
}

const char *nec_kind_type(const char *s)
{
    char folded[64];

    if (strlen(s) >= sizeof(folded))
        return NULL;
    fold_kind(s, folded, sizeof(folded));
    for (size_t i = 0; i < sizeof(nec_kinds) / sizeof(nec_kinds[0]); i++) {
        if (strcmp(folded, nec_kinds[i].en) == 0 || strcmp(s, nec_kinds[i].km) == 0)
            return nec_kinds[i].dcmi;
    }
    return NULL;
}

/* ---- sets ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool setlist_has(const adm_setlist *l, const char *spec)
{
    return bsearch(&spec, l->specs, l->n, sizeof(char *), cmp_str) != NULL;
}

void setlist_free(adm_setlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->specs[i]);
    free(l->specs);
    l->specs = NULL;
    l->n = 0;
}

/* ---- the record checks ---- */

typedef struct {
    adm_record *r;
    const char *file;
    adm_diag *d;
    size_t errors;
} ctx;

static void err(ctx *c, long line, const char *field, const char *fix, const char *problem)
{
    c->errors++;
    diag_emit(c->d, SEV_ERROR, c->file, line, c->r->local_id, field, problem, fix);
}

static void warn(ctx *c, long line, const char *field, const char *fix, const char *problem)
{
    diag_emit(c->d, SEV_WARNING, c->file, line, c->r->local_id, field, problem, fix);
}

static void check_identity(ctx *c)
{
    char e[ECHO_MAX + 8], msg[160];

    if (c->r->local_id == NULL || c->r->local_id[0] == '\0') {
        err(c, c->r->line, "id", "give every record a local identifier (e.g. nec-2023-law-0001)",
            "missing local identifier");
        return;
    }
    if (!check_local_id(c->r->local_id)) {
        echo(e, sizeof(e), c->r->local_id);
        snprintf(msg, sizeof(msg), "local identifier '%s' is not allowed", e);
        err(c, c->r->id_line ? c->r->id_line : c->r->line, "id",
            "use at most 256 letters, digits and - _ . ! ~ * ' ( ) ; / ? : @ & = + $ , "
            "(other characters as %XX)",
            msg);
    }
}

static void check_sets(ctx *c, const adm_setlist *sets)
{
    char e[ECHO_MAX + 8], msg[160];

    for (size_t i = 0; i < c->r->n_sets; i++) {
        const adm_set *s = &c->r->sets[i];
        echo(e, sizeof(e), s->spec);
        if (!check_setspec(s->spec)) {
            snprintf(msg, sizeof(msg), "'%s' is not a valid setSpec", e);
            err(c, s->line, "sets", "use letters, digits and - _ . ! ~ * ' ( ), ':' between levels",
                msg);
        } else if (sets && sets->specs && !setlist_has(sets, s->spec)) {
            snprintf(msg, sizeof(msg), "unknown set '%s'", e);
            err(c, s->line, "sets",
                "correct the spelling (oai-admin sets list) or create it: oai-admin sets add SPEC "
                "NAME",
                msg);
        }
    }
}

static void check_value_text(ctx *c, const adm_value *v)
{
    const char *bad = check_text(v->value, strlen(v->value));
    char msg[256], fixed[ECHO_MAX * 4 + 8];

    if (strlen(v->value) > ADM_MAX_VALUE) {
        snprintf(msg, sizeof(msg), "value of %zu bytes is longer than the limit of %d",
                 strlen(v->value), ADM_MAX_VALUE);
        err(c, v->line, v->element, "shorten it, or link the full text with dc:relation", msg);
    } else if (check_double_encoded(v->value, fixed, sizeof(fixed))) {
        /* Before the controls: Windows reads five undefined bytes as C1
         * controls, which a twice-encoded text may hold ("ត" is E1 9E 8F). */
        char e[ECHO_MAX + 8];

        echo(e, sizeof(e), fixed);
        snprintf(msg, sizeof(msg),
                 "the text is encoded twice (UTF-8 read as Latin-1 or Windows-1252 and saved as "
                 "UTF-8 again); once repaired it reads '%s'",
                 e);
        err(c, v->line, v->element,
            "convert the source back once (iconv -f utf-8 -t windows-1252) or re-export it as "
            "UTF-8 from the original",
            msg);
    } else if (bad) {
        snprintf(msg, sizeof(msg), "the value contains %s", bad);
        err(c, v->line, v->element,
            "save the file as UTF-8 and remove control characters (only tab and line breaks are "
            "allowed)",
            msg);
    } else if (!check_nfc(v->value)) {
        warn(c, v->line, v->element,
             "normalise it to NFC (e.g. uconv -x any-nfc, or Python unicodedata.normalize('NFC', "
             "s))",
             has_khmer(v->value) ? "Khmer text is not in Unicode NFC (characters are composed "
                                   "differently from the standard form)"
                                 : "text is not in Unicode NFC");
    }
}

static void check_lang_of(ctx *c, const adm_value *v)
{
    char e[ECHO_MAX + 8], msg[200];

    if (v->lang && !check_lang_tag(v->lang)) {
        echo(e, sizeof(e), v->lang);
        snprintf(msg, sizeof(msg), "unknown language tag '%s'", e);
        err(c, v->line, v->element,
            "use an ISO 639 code such as km (Khmer), en (English) or fr (French)", msg);
    }
}

static void check_value_syntax(ctx *c, const adm_value *v)
{
    char e[ECHO_MAX + 8], msg[200];

    echo(e, sizeof(e), v->value);
    if (strcmp(v->element, "date") == 0 && !check_w3cdtf(v->value)) {
        snprintf(msg, sizeof(msg), "'%s' is not a W3CDTF date", e);
        err(c, v->line, "date",
            "write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (e.g. 2023-07-23)", msg);
    } else if (strcmp(v->element, "language") == 0 && !check_lang_tag(v->value)) {
        snprintf(msg, sizeof(msg), "unknown language '%s'", e);
        err(c, v->line, "language",
            "use an ISO 639 code such as km (Khmer), en (English) or fr (French)", msg);
    } else if (strcmp(v->element, "identifier") == 0 && !check_url_or_urn(v->value)) {
        snprintf(msg, sizeof(msg), "'%s' is neither a URL nor a URN", e);
        err(c, v->line, "identifier",
            "write a full URL (https://elibrary.nec.gov.kh/items/...) or a URN (urn:isbn:...)",
            msg);
    }
}

static size_t count_element(const adm_record *r, const char *element)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_vals; i++)
        n += r->vals[i].element == element || strcmp(r->vals[i].element, element) == 0;
    return n;
}

static void check_duplicates(ctx *c)
{
    const adm_record *r = c->r;
    char e[ECHO_MAX + 8], msg[200];

    for (size_t i = 1; i < r->n_vals; i++) {
        for (size_t j = 0; j < i; j++) {
            const adm_value *a = &r->vals[i], *b = &r->vals[j];
            if (strcmp(a->element, b->element) != 0 || strcmp(a->value, b->value) != 0)
                continue;
            if ((a->lang == NULL) != (b->lang == NULL) || (a->lang && strcmp(a->lang, b->lang)))
                continue;
            echo(e, sizeof(e), a->value);
            snprintf(msg, sizeof(msg), "duplicate value '%s'", e);
            warn(c, a->line, a->element, "remove the repeated value", msg);
            break;
        }
    }
}

/* The record's types against the DCMI Type Vocabulary; NEC kinds are
 * mapped (with --map-types the DCMI type is added before the first one). */
static void check_types(ctx *c, bool map_types)
{
    adm_record *r = c->r;
    const char *kind_dcmi = NULL;
    size_t first = r->n_vals;
    long line = r->line;
    char msg[200];

    for (size_t i = 0; i < r->n_vals; i++) {
        if (strcmp(r->vals[i].element, "type") != 0)
            continue;
        if (dcmi_type(r->vals[i].value))
            return;
        if (first == r->n_vals)
            first = i, line = r->vals[i].line;
        if (!kind_dcmi)
            kind_dcmi = nec_kind_type(r->vals[i].value);
        if (!kind_dcmi && dcmi_type_ci(r->vals[i].value)) {
            char fix[64], e[ECHO_MAX + 8];
            echo(e, sizeof(e), r->vals[i].value);
            snprintf(msg, sizeof(msg), "'%s' is not spelt as in the DCMI Type Vocabulary", e);
            snprintf(fix, sizeof(fix), "write '%s'", dcmi_type_ci(r->vals[i].value));
            warn(c, line, "type", fix, msg);
            return;
        }
    }
    if (kind_dcmi && map_types) {
        if (record_insert_value(r, first, "type", kind_dcmi, NULL, line) < 0)
            err(c, line, "type", NULL, "out of memory");
        return;
    }
    if (kind_dcmi) {
        snprintf(msg, sizeof(msg),
                 "an NEC document kind is not a DCMI type; add type '%s' before it and keep the "
                 "kind as a second type",
                 kind_dcmi);
        warn(c, line, "type", "or import with --map-types, which does this", msg);
        return;
    }
    warn(c, line, "type",
         "add one of Text, StillImage, Image, MovingImage, Sound, Dataset, Collection, Event, "
         "InteractiveResource, PhysicalObject, Service, Software",
         first == r->n_vals ? "no type from the DCMI Type Vocabulary"
                            : "type is not from the DCMI Type Vocabulary");
}

static void check_recommended(ctx *c)
{
    static const struct {
        const char *element, *fix;
    } wanted[] = {
        /* The minimal set aggregators (BASE, OpenAIRE) look for: identifier,
         * title (an error when missing), date, type (check_types), creator. */
        {"creator", "add who made it (e.g. 'National Election Committee of Cambodia')"},
        {"date", "add the date of issue, W3CDTF (e.g. 2023-07-23)"},
        {"identifier", "add the URL of the item's landing page or file"},
        {"rights", "add a rights statement (e.g. 'Public domain: official publication of the "
                   "National Election Committee of Cambodia')"},
        {"description", "add a short description (an abstract or summary)"},
        {"language", "add the language of the document (km, en, ...)"},
    };
    char msg[64];

    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        if (count_element(c->r, wanted[i].element) == 0) {
            snprintf(msg, sizeof(msg), "missing %s", wanted[i].element);
            warn(c, c->r->line, wanted[i].element, wanted[i].fix, msg);
        }
    }
}

static void check_content(ctx *c, const adm_check_opts *o)
{
    bool title = false;

    for (size_t i = 0; i < c->r->n_vals; i++) {
        const adm_value *v = &c->r->vals[i];
        size_t before = c->errors;
        check_value_text(c, v);
        check_lang_of(c, v);
        if (c->errors == before)
            check_value_syntax(c, v);
        title = title || strcmp(v->element, "title") == 0;
    }
    if (!title)
        err(c, c->r->line, "title",
            "every record needs at least one title (in Khmer and/or English)", "missing title");
    check_duplicates(c);
    check_types(c, o->map_types);
    check_recommended(c);
}

size_t checks_run(adm_record *r, const char *file, const adm_check_opts *o, adm_diag *d)
{
    ctx c = {r, file, d, 0};

    check_identity(&c);
    check_sets(&c, o->sets);
    /* A tombstone without values (a deleted header) needs no description. */
    if (r->has_values || r->deleted != 1)
        check_content(&c, o);
    return c.errors;
}
