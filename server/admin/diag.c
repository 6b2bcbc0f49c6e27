/*
 * diag.c - messages for cataloguers: "FILE:LINE: FIELD: problem — fix",
 * or one JSON object per message (validate --json).
 */
#include "admin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void diag_init(adm_diag *d, FILE *out, adm_output format)
{
    memset(d, 0, sizeof(*d));
    d->out = out;
    d->format = format;
}

/* The progress line shares the terminal: erase it before a message. */
static void clear_progress(adm_diag *d)
{
    if (d->progress_tty && d->progress_shown) {
        fputs("\r\033[K", d->progress_tty);
        d->progress_shown = false;
    }
}

static void emit_json(adm_diag *d, adm_severity sev, const char *file, long line,
                      const char *record, const char *field, const char *problem, const char *fix)
{
    json_t *o = json_object();
    char *s;

    json_object_set_new(o, "severity", json_string(sev == SEV_ERROR ? "error" : "warning"));
    json_object_set_new(o, "file", file ? json_string(file) : json_null());
    json_object_set_new(o, "line", line > 0 ? json_integer(line) : json_null());
    json_object_set_new(o, "record", record ? json_string(record) : json_null());
    json_object_set_new(o, "field", field ? json_string(field) : json_null());
    json_object_set_new(o, "problem", json_string(problem));
    json_object_set_new(o, "fix", fix ? json_string(fix) : json_null());
    /* Strings that are not valid UTF-8 make json_string return NULL and
     * the member is left out: never an invalid JSON document. */
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    fprintf(d->out, "%s\n    %s", d->json_started ? "," : "{\"messages\": [", s ? s : "{}");
    d->json_started = true;
    free(s);
    json_decref(o);
}

void diag_emit(adm_diag *d, adm_severity sev, const char *file, long line, const char *record,
               const char *field, const char *problem, const char *fix)
{
    if (sev == SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->out == NULL)
        return;
    clear_progress(d);
    if (d->format == OUT_JSON) {
        emit_json(d, sev, file, line, record, field, problem, fix);
        return;
    }
    if (file)
        fprintf(d->out, "%s:", file);
    if (line > 0)
        fprintf(d->out, "%ld:", line);
    if (file || line > 0)
        fputc(' ', d->out);
    if (field)
        fprintf(d->out, "%s: ", field);
    if (sev == SEV_WARNING)
        fputs("warning: ", d->out);
    fputs(problem, d->out);
    if (fix)
        fprintf(d->out, " \xE2\x80\x94 %s", fix); /* an em dash */
    fputc('\n', d->out);
}

void diag_emitf(adm_diag *d, adm_severity sev, const char *file, long line, const char *record,
                const char *field, const char *fix, const char *fmt, ...)
{
    char problem[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    diag_emit(d, sev, file, line, record, field, problem, fix);
}

void diag_finish_json(adm_diag *d, const char *summary_json)
{
    if (d->format != OUT_JSON || d->out == NULL)
        return;
    fprintf(d->out, "%s\n  ],\n  \"summary\": %s\n}\n", d->json_started ? "" : "{\"messages\": [",
            summary_json);
}
