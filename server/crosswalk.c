/*
 * crosswalk.c - value tests and small writers shared by the format modules.
 */
#include "crosswalk.h"

#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "xml_out.h"

/* The collection is Khmer and English; the neighbours' and donors'
 * languages cover the occasional third one. A language missing here is
 * still disseminated, only with its BCP 47 tag instead of a MARC code. */
static const xw_language languages[] = {
    {"km", "khm", NULL, "Khmer"},      {"en", "eng", NULL, "English"},
    {"fr", "fre", "fra", "French"},    {"zh", "chi", "zho", "Chinese"},
    {"th", "tha", NULL, "Thai"},       {"vi", "vie", NULL, "Vietnamese"},
    {"lo", "lao", NULL, "Lao"},        {"ja", "jpn", NULL, "Japanese"},
    {"ko", "kor", NULL, "Korean"},     {"de", "ger", "deu", "German"},
    {"es", "spa", NULL, "Spanish"},    {"ru", "rus", NULL, "Russian"},
    {"pt", "por", NULL, "Portuguese"}, {"ar", "ara", NULL, "Arabic"},
    {"ms", "may", "msa", "Malay"},     {"id", "ind", NULL, "Indonesian"},
    {"my", "bur", "mya", "Burmese"},   {"hi", "hin", NULL, "Hindi"},
    {"pi", "pli", NULL, "Pali"},       {"sa", "san", NULL, "Sanskrit"},
    {"nl", "dut", "nld", "Dutch"},     {"it", "ita", NULL, "Italian"},
};

static const char *const dcmi_types[] = {
    "Collection",  "Dataset",    "Event",          "Image",   "InteractiveResource",
    "MovingImage", "StillImage", "PhysicalObject", "Service", "Software",
    "Sound",       "Text",
};

/* Top-level media types registered with IANA (RFC 6838 and later). */
static const char *const media_top[] = {"application", "audio",     "font", "image", "message",
                                        "model",       "multipart", "text", "video"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ------------------------------------------------------------------------ */
/* Languages                                                                */
/* ------------------------------------------------------------------------ */

static int code_is(const char *tag, size_t len, const char *code)
{
    return code != NULL && strlen(code) == len && strncasecmp(tag, code, len) == 0;
}

const xw_language *xw_language_find(const char *tag)
{
    size_t len = 0, i;

    if (tag == NULL)
        return NULL;
    while (is_alpha(tag[len]))
        len++;
    if ((len != 2 && len != 3) || (tag[len] != '\0' && tag[len] != '-'))
        return NULL;
    for (i = 0; i < COUNT(languages); i++) {
        const xw_language *l = &languages[i];

        if (code_is(tag, len, l->iso1) || code_is(tag, len, l->marc) || code_is(tag, len, l->iso2t))
            return l;
    }
    return NULL;
}

/* Length of the run of letters (and digits, when allowed) at s. */
static size_t alnum_run(const char *s, int digits)
{
    size_t n = 0;

    while (is_alpha(s[n]) || (digits && is_digit(s[n])))
        n++;
    return n;
}

/* xs:language: [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})* */
int xw_is_language_tag(const char *s)
{
    size_t n;

    if (s == NULL)
        return 0;
    n = alnum_run(s, 0);
    if (n < 1 || n > 8)
        return 0;
    s += n;
    while (*s == '-') {
        n = alnum_run(s + 1, 1);
        if (n < 1 || n > 8)
            return 0;
        s += 1 + n;
    }
    return *s == '\0';
}

int xw_is_language_code(const char *s)
{
    size_t n = s != NULL ? alnum_run(s, 0) : 0;

    return (n == 2 || n == 3) && xw_is_language_tag(s);
}

/* ------------------------------------------------------------------------ */
/* Dates                                                                    */
/* ------------------------------------------------------------------------ */

/* Reads exactly n digits at *p into *v and moves past them. */
static int digits(const char **p, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return 0;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return 1;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* The end of a dateTime: nothing, Z, or +hh:mm / -hh:mm up to 14:00. */
static int is_timezone(const char *s)
{
    int h, m;

    if (*s == '\0' || strcmp(s, "Z") == 0)
        return 1;
    if (*s != '+' && *s != '-')
        return 0;
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &m))
        return 0;
    return *s == '\0' && m <= 59 && (h < 14 || (h == 14 && m == 0));
}

/* Thh:mm:ss[.s+] and the time zone, after a valid date. */
static int is_time(const char *s)
{
    int h, m, sec;

    if (*s++ != 'T' || !digits(&s, 2, &h) || h > 23 || *s++ != ':' || !digits(&s, 2, &m) ||
        m > 59 || *s++ != ':' || !digits(&s, 2, &sec) || sec > 59)
        return 0;
    if (*s == '.') {
        s++;
        if (!is_digit(*s))
            return 0;
        while (is_digit(*s))
            s++;
    }
    return is_timezone(s);
}

int xw_is_w3cdtf(const char *s)
{
    int y, m, d;

    if (s == NULL || !digits(&s, 4, &y) || y == 0)
        return 0;
    if (*s == '\0')
        return 1;
    if (*s++ != '-' || !digits(&s, 2, &m) || m < 1 || m > 12)
        return 0;
    if (*s == '\0')
        return 1;
    if (*s++ != '-' || !digits(&s, 2, &d) || d < 1 || d > days_in_month(y, m))
        return 0;
    return *s == '\0' || is_time(s);
}

/* YYYY-YYYY, YYYY–YYYY (en dash) */
static int is_year_range(const char *s)
{
    int a, b;

    if (!digits(&s, 4, &a))
        return 0;
    if (*s == '-')
        s++;
    else if (strncmp(s, "\xE2\x80\x93", 3) == 0)
        s += 3;
    else
        return 0;
    return digits(&s, 4, &b) && *s == '\0';
}

int xw_is_temporal(const char *s)
{
    char start[64];
    const char *slash;

    if (s == NULL)
        return 0;
    if (xw_is_w3cdtf(s) || is_year_range(s))
        return 1;
    slash = strchr(s, '/');
    if (slash == NULL || (size_t)(slash - s) >= sizeof(start))
        return 0;
    memcpy(start, s, (size_t)(slash - s));
    start[slash - s] = '\0';
    return xw_is_w3cdtf(start) && xw_is_w3cdtf(slash + 1);
}

/* ------------------------------------------------------------------------ */
/* Types, formats, URIs                                                     */
/* ------------------------------------------------------------------------ */

const char *xw_dcmi_type(const char *s)
{
    size_t len, i;

    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    len = strlen(s);
    while (len > 0 &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    for (i = 0; i < COUNT(dcmi_types); i++)
        if (strlen(dcmi_types[i]) == len && strncasecmp(s, dcmi_types[i], len) == 0)
            return dcmi_types[i];
    return NULL;
}

/* RFC 6838 restricted-name characters. */
static int is_name_char(char c)
{
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$&-^_.+", c) != NULL);
}

int xw_is_media_type(const char *s)
{
    const char *slash = s != NULL ? strchr(s, '/') : NULL;
    size_t i, n = 0;
    int known = 0;

    if (slash == NULL)
        return 0;
    for (i = 0; i < COUNT(media_top); i++)
        known |= code_is(s, (size_t)(slash - s), media_top[i]);
    if (!known)
        return 0;
    s = slash + 1;
    while (is_name_char(s[n]))
        n++;
    if (n == 0)
        return 0;
    s += n;
    while (*s == ' ')
        s++;
    return *s == '\0' || *s == ';';
}

int xw_is_absolute_uri(const char *s)
{
    size_t n = 1;

    if (s == NULL || !is_alpha(s[0]))
        return 0;
    while (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '+' || s[n] == '.' || s[n] == '-')
        n++;
    return s[n] == ':' && xml_is_any_uri(s);
}

int xw_is_web_url(const char *s)
{
    if (s == NULL)
        return 0;
    if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
        return 0;
    return s[strcspn(s, ":") + 3] != '\0' && xml_is_any_uri(s);
}

int xw_is_extent(const char *s)
{
    return s != NULL && is_digit(s[0]);
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

void xw_attr(struct evbuffer *out, const char *name, const char *value)
{
    evbuffer_add_printf(out, " %s=\"", name);
    xml_attr_str(out, value);
    evbuffer_add(out, "\"", 1);
}

void xw_xml_lang(struct evbuffer *out, const char *tag)
{
    if (xw_is_language_tag(tag))
        xw_attr(out, "xml:lang", tag);
}

void xw_element(struct evbuffer *out, const char *name, const char *attrs, const char *text)
{
    evbuffer_add_printf(out, "<%s%s>", name, attrs);
    xml_text_str(out, text);
    evbuffer_add_printf(out, "</%s>", name);
}
