/*
 * record.c - the in-memory record every parser fills and the checks and
 * the writer read.
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

/* In the order oai_dc writes them (dc_elements.position). */
static const char *const elements[] = {
    "title",  "creator",    "subject", "description", "publisher", "contributor", "date",   "type",
    "format", "identifier", "source",  "language",    "relation",  "coverage",    "rights",
};

const char *dc_element(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++) {
        if (strlen(elements[i]) == len && memcmp(elements[i], s, len) == 0)
            return elements[i];
    }
    return NULL;
}

/* A NUL-terminated copy of len bytes that need not be NUL-terminated
 * (strndup would look for a NUL past them: parser buffers have none). */
static char *copy_n(const char *s, size_t len)
{
    char *c = malloc(len + 1);

    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

void record_init(adm_record *r)
{
    memset(r, 0, sizeof(*r));
    r->deleted = -1;
}

void record_clear(adm_record *r)
{
    for (size_t i = 0; i < r->n_vals; i++) {
        free(r->vals[i].value);
        free(r->vals[i].lang);
    }
    for (size_t i = 0; i < r->n_sets; i++)
        free(r->sets[i].spec);
    free(r->vals);
    free(r->sets);
    free(r->local_id);
    record_init(r);
}

/* Grows an array of elem-size items to hold one more. */
static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
    size_t ncap;
    void *nv;

    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 16;
    nv = realloc(*v, ncap * elem);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

static int fill_value(adm_value *v, const char *element, const char *value, size_t len,
                      const char *lang, long line)
{
    v->element = element;
    v->value = copy_n(value, len);
    v->lang = lang ? strdup(lang) : NULL;
    v->line = line;
    if (v->value == NULL || (lang && v->lang == NULL)) {
        free(v->value);
        free(v->lang);
        return -1;
    }
    return 0;
}

int record_add_value(adm_record *r, const char *element, const char *value, size_t len,
                     const char *lang, long line)
{
    if (grow((void **)&r->vals, &r->cap_vals, r->n_vals, sizeof(adm_value)) < 0)
        return -1;
    if (fill_value(&r->vals[r->n_vals], element, value, len, lang, line) < 0)
        return -1;
    r->n_vals++;
    r->has_values = true;
    return 0;
}

int record_insert_value(adm_record *r, size_t pos, const char *element, const char *value,
                        const char *lang, long line)
{
    if (pos > r->n_vals)
        pos = r->n_vals;
    if (grow((void **)&r->vals, &r->cap_vals, r->n_vals, sizeof(adm_value)) < 0)
        return -1;
    memmove(&r->vals[pos + 1], &r->vals[pos], (r->n_vals - pos) * sizeof(adm_value));
    if (fill_value(&r->vals[pos], element, value, strlen(value), lang, line) < 0) {
        memmove(&r->vals[pos], &r->vals[pos + 1], (r->n_vals - pos) * sizeof(adm_value));
        return -1;
    }
    r->n_vals++;
    return 0;
}

int record_add_set(adm_record *r, const char *spec, size_t len, long line)
{
    if (grow((void **)&r->sets, &r->cap_sets, r->n_sets, sizeof(adm_set)) < 0)
        return -1;
    r->sets[r->n_sets].spec = copy_n(spec, len);
    if (r->sets[r->n_sets].spec == NULL)
        return -1;
    r->sets[r->n_sets].line = line;
    r->n_sets++;
    r->has_sets = true;
    return 0;
}

int record_set_id(adm_record *r, const char *id, size_t len, long line)
{
    char *copy = copy_n(id, len);

    if (copy == NULL)
        return -1;
    free(r->local_id);
    r->local_id = copy;
    r->id_line = line;
    return 0;
}
