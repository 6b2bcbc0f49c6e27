/*
 * import_jsonl.c - JSON Lines records: one JSON object per line,
 *
 *   {"id": "nec-2023-law-0001", "sets": ["type:law"], "deleted": false,
 *    "title": [{"value": "ច្បាប់...", "lang": "km"}, {"value": "Law on...", "lang": "en"}],
 *    "date": "2023-01-05", "type": ["Text", {"value": "Law", "lang": "en"}]}
 *
 * An element's value is a string, an object {"value", "lang"}, or an array
 * of those. A line that is not valid JSON rejects only that record: the
 * format recovers at the next line. Lines are bounded (ADM_MAX_LINE).
 */
#include "admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct {
    adm_parse *p;
    long line;
    adm_record rec;
} jl;

static void rec_error(jl *j, const char *field, const char *fix, const char *problem)
{
    j->rec.errors++;
    diag_emit(j->p->diag, SEV_ERROR, j->p->path, j->line, j->rec.local_id, field, problem, fix);
}

/* Reads one line (without '\n') into *buf; at most ADM_MAX_LINE bytes are
 * kept, the rest is skipped and *too_long set. Returns the length, or -1
 * at end of file. */
static long read_line(jl *j, FILE *f, char **buf, size_t *cap, bool *too_long)
{
    size_t n = 0;
    int ch;
    bool any = false;

    *too_long = false;
    while ((ch = getc_unlocked(f)) != EOF) {
        any = true;
        j->p->bytes++;
        if (ch == '\n')
            break;
        if (n >= ADM_MAX_LINE) {
            *too_long = true;
            continue;
        }
        if (n + 1 >= *cap) {
            size_t ncap = *cap ? *cap * 2 : 4096;
            char *b = realloc(*buf, ncap);
            if (b == NULL)
                return -2;
            *buf = b;
            *cap = ncap;
        }
        (*buf)[n++] = (char)ch;
    }
    if (!any)
        return -1;
    if (n > 0 && (*buf)[n - 1] == '\r')
        n--;
    (*buf)[n] = '\0';
    return (long)n;
}

static int add_value(jl *j, const char *element, json_t *v)
{
    const char *lang = NULL;
    json_t *value = v;

    if (json_is_object(v)) {
        const char *key;
        json_t *x;
        json_object_foreach(v, key, x)
        {
            if (strcmp(key, "value") != 0 && strcmp(key, "lang") != 0) {
                rec_error(j, element, "an element value object has only \"value\" and \"lang\"",
                          "unknown member in a value object");
                return 0;
            }
        }
        value = json_object_get(v, "value");
        x = json_object_get(v, "lang");
        if (x && !json_is_null(x) && !json_is_string(x)) {
            rec_error(j, element, "write the language as a string, e.g. \"km\"",
                      "\"lang\" is not a string");
            return 0;
        }
        lang = json_string_value(x);
        if (lang && lang[0] == '\0')
            lang = NULL;
    }
    if (!json_is_string(value)) {
        rec_error(j, element,
                  "write a string, {\"value\": ..., \"lang\": ...} or an array of those",
                  "value is not a string");
        return 0;
    }
    if (json_string_length(value) == 0)
        return 0;
    return record_add_value(&j->rec, element, json_string_value(value), json_string_length(value),
                            lang, j->line);
}

static int add_element(jl *j, const char *element, json_t *v)
{
    size_t i;
    json_t *item;

    j->rec.has_values = true;
    if (!json_is_array(v))
        return add_value(j, element, v);
    json_array_foreach(v, i, item)
    {
        if (add_value(j, element, item) < 0)
            return -1;
    }
    return 0;
}

static int add_sets(jl *j, json_t *v)
{
    size_t i;
    json_t *item;

    j->rec.has_sets = true;
    j->rec.sets_line = j->line;
    if (json_is_string(v))
        return record_add_set(&j->rec, json_string_value(v), json_string_length(v), j->line);
    if (!json_is_array(v)) {
        rec_error(j, "sets", "write an array of setSpecs, e.g. [\"type:law\"]",
                  "\"sets\" is not an array");
        return 0;
    }
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item)) {
            rec_error(j, "sets", "write setSpecs as strings", "a set is not a string");
            continue;
        }
        if (record_add_set(&j->rec, json_string_value(item), json_string_length(item), j->line) < 0)
            return -1;
    }
    return 0;
}

static int add_member(jl *j, const char *key, json_t *v)
{
    const char *element = dc_element(key, strlen(key));
    char msg[128];

    if (strcmp(key, "id") == 0) {
        if (!json_is_string(v)) {
            rec_error(j, "id", "write the local identifier as a string", "\"id\" is not a string");
            return 0;
        }
        return record_set_id(&j->rec, json_string_value(v), json_string_length(v), j->line);
    }
    if (strcmp(key, "sets") == 0)
        return add_sets(j, v);
    if (strcmp(key, "deleted") == 0) {
        if (!json_is_boolean(v) && !json_is_null(v))
            rec_error(j, "deleted", "write true or false", "\"deleted\" is not true or false");
        else if (json_is_boolean(v))
            j->rec.deleted = json_is_true(v);
        return 0;
    }
    if (element == NULL) {
        snprintf(msg, sizeof(msg), "unknown member \"%.60s\"", key);
        rec_error(j, NULL,
                  "use id, sets, deleted or a Dublin Core element name (title, creator, ...)", msg);
        return 0;
    }
    return add_element(j, element, v);
}

static int parse_object(jl *j, const char *buf, size_t len)
{
    json_error_t e;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
    const char *key;
    json_t *v;
    char msg[300];
    int rc = 0;

    if (root == NULL) {
        snprintf(msg, sizeof(msg), "not valid JSON (column %d): %s", e.column, e.text);
        rec_error(j, NULL, "write one complete JSON object per line, in UTF-8", msg);
        return 0;
    }
    if (!json_is_object(root)) {
        rec_error(j, NULL, "write one JSON object ({...}) per line", "the line is not an object");
        json_decref(root);
        return 0;
    }
    /* The id first, so every message about this record can name it. */
    if (json_object_get(root, "id"))
        rc = add_member(j, "id", json_object_get(root, "id"));
    json_object_foreach(root, key, v)
    {
        if (rc == 0 && strcmp(key, "id") != 0)
            rc = add_member(j, key, v);
    }
    json_decref(root);
    return rc;
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

int parse_jsonl(adm_parse *p)
{
    jl j = {.p = p};
    FILE *f = fopen(p->path, "re");
    char *buf = NULL;
    size_t cap = 0;
    bool too_long;
    long n;
    int rc = 0;

    if (f == NULL) {
        diag_emitf(p->diag, SEV_ERROR, p->path, 0, NULL, NULL, NULL, "cannot open: %s",
                   strerror(errno));
        p->fatal = true;
        return 0;
    }
    while (rc == 0 && (n = read_line(&j, f, &buf, &cap, &too_long)) != -1) {
        if (n == -2) {
            rc = -1;
            break;
        }
        j.line++;
        if (!too_long && blank(buf))
            continue;
        record_init(&j.rec);
        j.rec.line = j.line;
        if (too_long)
            rec_error(&j, NULL, "split the record or shorten its values",
                      "line longer than 16 MiB");
        else
            rc = parse_object(&j, buf, (size_t)n);
        if (rc == 0)
            rc = p->sink(p->ctx, &j.rec);
        record_clear(&j.rec);
    }
    if (rc == 0 && ferror(f)) {
        diag_emitf(p->diag, SEV_ERROR, p->path, j.line, NULL, NULL, NULL, "read error: %s",
                   strerror(errno));
        p->fatal = true;
    }
    free(buf);
    fclose(f);
    return rc;
}
