/*
 * import_csv.c - CSV (RFC 4180) records.
 *
 * The header row names the columns: "id" (the local identifier, required),
 * "sets" and "deleted" (optional), and Dublin Core element names, with
 * "@lang" for the language of the column's values ("title@km"). A column
 * may repeat; inside a cell, repeated values are separated by "||". Values
 * are trimmed of blanks; empty cells give no value.
 *
 * The reader streams: a field is never buffered beyond ADM_MAX_VALUE
 * bytes (a longer one is an error), so a file of any size needs little
 * memory. An unterminated quote swallows the rest of the file, which is
 * then rejected as a whole.
 */
#include "admin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { COL_ID, COL_SETS, COL_DELETED, COL_ELEMENT } col_kind;

typedef struct {
    col_kind kind;
    const char *element;
    char *lang;
} column;

typedef struct {
    char *text;
    size_t len, cap;
    long line;
    bool too_long;
} field;

typedef struct {
    adm_parse *p;
    FILE *f;
    long line; /* current physical line */
    /* the row being read */
    field *fields;
    size_t n_fields, cap_fields;
    long row_line;
    size_t row_errors;
    adm_record rec;
} csv;

enum { END_FIELD, END_ROW, END_FILE, END_FATAL, END_NOMEM };

static void row_error(csv *c, long line, const char *field_name, const char *fix,
                      const char *problem)
{
    c->row_errors++;
    diag_emit(c->p->diag, SEV_ERROR, c->p->path, line, NULL, field_name, problem, fix);
}

static int next_char(csv *c)
{
    int ch = getc_unlocked(c->f);

    if (ch != EOF)
        c->p->bytes++;
    return ch;
}

/* Appends ch to the current field unless it is already too long. */
static int put(csv *c, field *fl, char ch)
{
    if (fl->len >= ADM_MAX_VALUE) {
        fl->too_long = true;
        return 0;
    }
    if (fl->len == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 64;
        char *t = realloc(fl->text, cap);
        if (t == NULL)
            return -1;
        fl->text = t;
        fl->cap = cap;
    }
    fl->text[fl->len++] = ch;
    return 0;
}

static field *new_field(csv *c)
{
    field *fl;

    if (c->n_fields == c->cap_fields) {
        size_t cap = c->cap_fields ? c->cap_fields * 2 : 32;
        field *v = realloc(c->fields, cap * sizeof(field));
        if (v == NULL)
            return NULL;
        memset(v + c->cap_fields, 0, (cap - c->cap_fields) * sizeof(field));
        c->fields = v;
        c->cap_fields = cap;
    }
    /* The buffer of an earlier row is reused. */
    fl = &c->fields[c->n_fields++];
    fl->len = 0;
    fl->too_long = false;
    fl->line = c->line;
    return fl;
}

/* After a closing quote: a separator, the end of the line, or an error. */
static int after_quote(csv *c, field *fl)
{
    int ch = next_char(c);

    if (ch == ',')
        return END_FIELD;
    if (ch == '\r')
        ch = next_char(c);
    if (ch == '\n') {
        c->line++;
        return END_ROW;
    }
    if (ch == EOF)
        return END_FILE;
    row_error(c, c->line, NULL, "double every quote inside a quoted field (\"\")",
              "text after the closing quote of a field");
    /* Resynchronise at the next separator or line end. */
    while ((ch = next_char(c)) != EOF && ch != ',' && ch != '\n')
        ;
    if (ch == '\n')
        c->line++;
    return ch == ',' ? END_FIELD : ch == '\n' ? END_ROW : END_FILE;
}

static int read_quoted(csv *c, field *fl)
{
    long open_line = c->line;
    int ch;

    for (;;) {
        ch = next_char(c);
        if (ch == EOF) {
            char msg[128];
            snprintf(msg, sizeof(msg), "unterminated quoted field (opened on line %ld)", open_line);
            diag_emit(c->p->diag, SEV_ERROR, c->p->path, open_line, NULL, NULL, msg,
                      "close the quote; a quote inside a quoted field is written twice (\"\")");
            return END_FATAL;
        }
        if (ch == '"') {
            int next = getc_unlocked(c->f);
            if (next == '"') {
                c->p->bytes++;
                if (put(c, fl, '"') < 0)
                    return END_NOMEM;
                continue;
            }
            if (next != EOF)
                ungetc(next, c->f);
            return after_quote(c, fl);
        }
        if (ch == '\n')
            c->line++;
        if (put(c, fl, (char)ch) < 0)
            return END_NOMEM;
    }
}

static int read_plain(csv *c, field *fl, int ch)
{
    bool quote_reported = false;

    for (;; ch = next_char(c)) {
        if (ch == ',')
            return END_FIELD;
        if (ch == EOF)
            return END_FILE;
        if (ch == '\n') {
            c->line++;
            if (fl->len > 0 && fl->text[fl->len - 1] == '\r')
                fl->len--;
            return END_ROW;
        }
        if (ch == '"' && !quote_reported) {
            quote_reported = true;
            row_error(c, c->line, NULL, "enclose the whole field in quotes and double the quote",
                      "a quote inside an unquoted field");
        }
        if (put(c, fl, (char)ch) < 0)
            return END_NOMEM;
    }
}

/* Reads one row into c->fields. Returns END_ROW, END_FILE (a last row may
 * have been read: see n_fields), END_FATAL or END_NOMEM. */
static int read_row(csv *c)
{
    int end, ch;

    c->n_fields = 0;
    c->row_errors = 0;
    c->row_line = c->line;
    do {
        field *fl = new_field(c);
        if (fl == NULL)
            return END_NOMEM;
        ch = next_char(c);
        if (ch == EOF && c->n_fields == 1) {
            c->n_fields = 0;
            return END_FILE;
        }
        end = ch == '"' ? read_quoted(c, fl) : read_plain(c, fl, ch);
    } while (end == END_FIELD);
    return end;
}

static void free_fields(csv *c)
{
    for (size_t i = 0; i < c->cap_fields; i++)
        free(c->fields[i].text);
    free(c->fields);
}

/* ---- header ---- */

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int header_column(csv *c, const field *fl, column *col, bool *seen_id, bool *seen_sets)
{
    const char *name = fl->text ? fl->text : "";
    size_t n = fl->len;
    const char *at;
    char msg[160];

    trim(&name, &n);
    at = memchr(name, '@', n);
    if (!at && ((n == 2 && !memcmp(name, "id", 2)) || (n == 8 && !memcmp(name, "local_id", 8)))) {
        col->kind = COL_ID;
        if (*seen_id)
            row_error(c, fl->line, "id", "keep one id column", "more than one id column");
        *seen_id = true;
        return 0;
    }
    if (!at && n == 4 && !memcmp(name, "sets", 4)) {
        col->kind = COL_SETS;
        *seen_sets = true;
        return 0;
    }
    if (!at && n == 7 && !memcmp(name, "deleted", 7)) {
        col->kind = COL_DELETED;
        return 0;
    }
    col->kind = COL_ELEMENT;
    col->element = dc_element(name, at ? (size_t)(at - name) : n);
    if (col->element == NULL) {
        snprintf(msg, sizeof(msg), "unknown column '%.*s'", (int)(n > 60 ? 60 : n), name);
        row_error(c, fl->line, NULL,
                  "name columns id, sets, deleted or a Dublin Core element (title, creator, "
                  "subject, ...), optionally with @lang (title@km)",
                  msg);
        return 0;
    }
    if (at) {
        size_t len = n - (size_t)(at + 1 - name);
        /* The field buffer is not NUL-terminated: no strndup. */
        col->lang = malloc(len + 1);
        if (col->lang == NULL)
            return -1;
        memcpy(col->lang, at + 1, len);
        col->lang[len] = '\0';
        if (!check_lang_tag(col->lang)) {
            snprintf(msg, sizeof(msg), "unknown language tag '%.20s' in column '%.60s'", col->lang,
                     name);
            row_error(c, fl->line, col->element,
                      "use an ISO 639 code such as km (Khmer), en (English) or fr (French)", msg);
        }
    }
    return 0;
}

static column *read_header(csv *c, size_t *n_cols)
{
    column *cols;
    bool seen_id = false, seen_sets = false;
    int end = read_row(c);

    if (end == END_NOMEM || end == END_FATAL || c->n_fields == 0) {
        if (end != END_NOMEM && end != END_FATAL)
            row_error(c, 1, NULL, "the first row names the columns (id,title@km,...)",
                      "empty file: no header row");
        return NULL;
    }
    /* A byte-order mark written by spreadsheet programs. */
    if (c->fields[0].len >= 3 && memcmp(c->fields[0].text, "\xEF\xBB\xBF", 3) == 0) {
        memmove(c->fields[0].text, c->fields[0].text + 3, c->fields[0].len - 3);
        c->fields[0].len -= 3;
    }
    cols = calloc(c->n_fields, sizeof(column));
    if (cols == NULL)
        return NULL;
    for (size_t i = 0; i < c->n_fields; i++) {
        if (header_column(c, &c->fields[i], &cols[i], &seen_id, &seen_sets) < 0)
            c->row_errors++;
    }
    if (!seen_id)
        row_error(c, 1, "id", "add a column named id with each record's local identifier",
                  "no id column");
    *n_cols = c->n_fields;
    return cols;
}

static void free_columns(column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++)
        free(cols[i].lang);
    free(cols);
}

/* ---- rows ---- */

/* Splits a cell at "||" and hands each trimmed, non-empty piece to add. */
static int split_cell(csv *c, const field *fl, const column *col)
{
    const char *s = fl->text ? fl->text : "";
    size_t n = fl->len;

    for (;;) {
        const char *sep = n >= 2 ? memmem(s, n, ADM_CSV_SEP, 2) : NULL;
        size_t len = sep ? (size_t)(sep - s) : n;
        const char *piece = s;
        size_t plen = len;
        int rc = 0;

        trim(&piece, &plen);
        if (plen > 0 && col->kind == COL_ELEMENT)
            rc = record_add_value(&c->rec, col->element, piece, plen, col->lang, fl->line);
        else if (plen > 0 && col->kind == COL_SETS)
            rc = record_add_set(&c->rec, piece, plen, fl->line);
        if (rc < 0)
            return -1;
        if (!sep)
            break;
        s = sep + 2;
        n -= len + 2;
    }
    return 0;
}

static void parse_deleted(csv *c, const field *fl)
{
    const char *s = fl->text ? fl->text : "";
    size_t n = fl->len;

    trim(&s, &n);
    if (n == 0)
        return;
    if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 3 && !strncasecmp(s, "yes", 3)) ||
        (n == 1 && *s == '1'))
        c->rec.deleted = 1;
    else if ((n == 5 && !strncasecmp(s, "false", 5)) || (n == 2 && !strncasecmp(s, "no", 2)) ||
             (n == 1 && *s == '0'))
        c->rec.deleted = 0;
    else
        row_error(c, fl->line, "deleted", "write true or false (or leave it empty)",
                  "not a yes/no value");
}

static int row_to_record(csv *c, const column *cols, size_t n_cols)
{
    char msg[128];

    record_init(&c->rec);
    c->rec.line = c->row_line;
    if (c->n_fields != n_cols) {
        snprintf(msg, sizeof(msg), "row has %zu fields, the header has %zu", c->n_fields, n_cols);
        row_error(c, c->row_line, NULL,
                  "check for a missing or extra comma; quote fields that contain commas", msg);
    }
    for (size_t i = 0; i < c->n_fields && i < n_cols; i++) {
        const field *fl = &c->fields[i];
        if (fl->too_long) {
            snprintf(msg, sizeof(msg), "field longer than %d bytes", ADM_MAX_VALUE);
            row_error(c, fl->line, cols[i].element ? cols[i].element : NULL,
                      "shorten it, or link the full text with dc:relation", msg);
            continue;
        }
        if (cols[i].kind == COL_ID) {
            const char *s = fl->text ? fl->text : "";
            size_t n = fl->len;
            trim(&s, &n);
            if (n > 0 && record_set_id(&c->rec, s, n, fl->line) < 0)
                return -1;
        } else if (cols[i].kind == COL_DELETED) {
            parse_deleted(c, fl);
        } else if (cols[i].element || cols[i].kind == COL_SETS) {
            if (split_cell(c, fl, &cols[i]) < 0)
                return -1;
            if (cols[i].kind == COL_SETS)
                c->rec.has_sets = true, c->rec.sets_line = fl->line;
        }
    }
    /* A CSV row always describes the whole record. */
    c->rec.has_values = true;
    c->rec.errors = c->row_errors;
    return 0;
}

static bool blank_row(const csv *c)
{
    return c->n_fields == 1 && c->fields[0].len == 0;
}

static int parse_rows(csv *c, const column *cols, size_t n_cols)
{
    int end;

    do {
        end = read_row(c);
        if (end == END_NOMEM)
            return -1;
        if (end == END_FATAL) {
            c->p->fatal = true;
            return 0;
        }
        if (c->n_fields == 0 || blank_row(c))
            continue;
        if (row_to_record(c, cols, n_cols) < 0) {
            record_clear(&c->rec);
            return -1;
        }
        int rc = c->p->sink(c->p->ctx, &c->rec);
        record_clear(&c->rec);
        if (rc < 0)
            return -1;
    } while (end != END_FILE);
    return 0;
}

int parse_csv(adm_parse *p)
{
    csv c = {.p = p, .line = 1};
    column *cols = NULL;
    size_t n_cols = 0;
    int rc = -1;
    size_t before = p->diag->errors;

    c.f = fopen(p->path, "re");
    if (c.f == NULL) {
        diag_emitf(p->diag, SEV_ERROR, p->path, 0, NULL, NULL, NULL, "cannot open: %s",
                   strerror(errno));
        p->fatal = true;
        return 0;
    }
    record_init(&c.rec);
    cols = read_header(&c, &n_cols);
    if (cols == NULL || p->diag->errors > before) {
        /* Without a valid header no row can be understood. */
        p->fatal = true;
        rc = cols || p->diag->errors > before ? 0 : -1;
        goto cleanup;
    }
    rc = parse_rows(&c, cols, n_cols);
    if (rc == 0 && ferror(c.f)) {
        diag_emitf(p->diag, SEV_ERROR, p->path, c.line, NULL, NULL, NULL, "read error: %s",
                   strerror(errno));
        p->fatal = true;
    }
cleanup:
    free_columns(cols, n_cols);
    free_fields(&c);
    fclose(c.f);
    return rc;
}
