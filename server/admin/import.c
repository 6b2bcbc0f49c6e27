/*
 * import.c - the import and validate commands: every file through its
 * parser, every record through the checks, valid records to the writer.
 *
 * One transaction per run: if any record has an error nothing is
 * committed, unless --partial, which commits the valid records (a file
 * that is malformed as a whole is still dropped whole).
 */
#include "admin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hash.h"

/* ---- local identifiers seen in this run (duplicates are errors) ---- */

typedef struct {
    char *id;
    int file;
    long line;
} seen_entry;

typedef struct {
    seen_entry *v;
    size_t cap, n;
} seen_set;

static uint64_t hash_str(const char *s)
{
    return hash_bytes(s, strlen(s));
}

static int seen_grow(seen_set *s)
{
    size_t cap = s->cap ? s->cap * 2 : 4096;
    seen_entry *v = calloc(cap, sizeof(seen_entry));

    if (v == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (s->v[i].id == NULL)
            continue;
        size_t j = hash_str(s->v[i].id) & (cap - 1);
        while (v[j].id)
            j = (j + 1) & (cap - 1);
        v[j] = s->v[i];
    }
    free(s->v);
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Adds id; returns the earlier entry when it was already there, NULL
 * when added; sets *nomem on allocation failure. */
static const seen_entry *seen_add(seen_set *s, const char *id, int file, long line, bool *nomem)
{
    size_t j;

    *nomem = false;
    if ((s->n + 1) * 2 > s->cap && seen_grow(s) < 0) {
        *nomem = true;
        return NULL;
    }
    for (j = hash_str(id) & (s->cap - 1); s->v[j].id; j = (j + 1) & (s->cap - 1)) {
        if (strcmp(s->v[j].id, id) == 0)
            return &s->v[j];
    }
    s->v[j].id = strdup(id);
    if (s->v[j].id == NULL) {
        *nomem = true;
        return NULL;
    }
    s->v[j].file = file;
    s->v[j].line = line;
    s->n++;
    return NULL;
}

static void seen_free(seen_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i].id);
    free(s->v);
}

/* ---- dc:identifier values seen in this run, by their 64-bit hash ---- */

/* Only the hash is kept, not the value: 24 bytes an entry instead of the
 * value's copy (a million identifiers of ~50 bytes: ~50 MB instead of
 * ~150). Two different values with the same hash would be taken for one,
 * about once in 10^7 imports of a million records: the report is a
 * warning. */
typedef struct {
    uint64_t hash; /* 0: free (a hash of 0 is stored as 1) */
    int file;
    long line;
} hash_entry;

typedef struct {
    hash_entry *v;
    size_t cap, n;
} hash_seen;

/* Adds s; returns the earlier entry when its hash was there, NULL when
 * added; sets *nomem on allocation failure. */
static const hash_entry *hash_seen_add(hash_seen *s, const char *value, int file, long line,
                                       bool *nomem)
{
    uint64_t h = hash_str(value);
    size_t j;

    h = h ? h : 1;
    *nomem = false;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        hash_entry *v = calloc(cap, sizeof(hash_entry));

        if (v == NULL) {
            *nomem = true;
            return NULL;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->v[i].hash == 0)
                continue;
            for (j = s->v[i].hash & (cap - 1); v[j].hash; j = (j + 1) & (cap - 1))
                ;
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    for (j = h & (s->cap - 1); s->v[j].hash; j = (j + 1) & (s->cap - 1)) {
        if (s->v[j].hash == h)
            return &s->v[j];
    }
    s->v[j].hash = h;
    s->v[j].file = file;
    s->v[j].line = line;
    s->n++;
    return NULL;
}

/* ---- the run ---- */

typedef struct {
    const adm_opts *o;
    adm_diag diag;
    adm_check_opts chk;
    adm_setlist sets;
    writer *w;
    char **files;
    int n_files, file;
    seen_set seen;
    hash_seen identifiers; /* dc:identifier values: each should name one record */
    long long records, rejected, file_staged, staged;
    /* progress */
    bool tty;
    long long total_bytes, done_bytes;
    adm_parse *cur;
    double start, last_tick;
} run;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(run *r, bool force)
{
    double t = now_s(), el = t - r->start, rate;
    long long done = r->done_bytes + (r->cur ? r->cur->bytes : 0);

    if (!r->tty || (!force && t - r->last_tick < 0.25))
        return;
    r->last_tick = t;
    rate = el > 0 ? r->records / el : 0;
    fprintf(stderr, "\r\033[K%lld records, %.0f/s", r->records, rate);
    if (r->total_bytes > 0 && done > 0 && done <= r->total_bytes) {
        double eta = el * (double)(r->total_bytes - done) / (double)done;
        fprintf(stderr, ", %.0f%%, ETA %d:%02d", 100.0 * done / r->total_bytes, (int)eta / 60,
                (int)eta % 60);
    }
    r->diag.progress_shown = true;
    fflush(stderr);
}

/* Aggregators expect every record's dc:identifier to differ (OAI-NOTES):
 * a value another record of this run has too is a warning. 0, or -1 when
 * out of memory. */
static int check_identifiers_unique(run *r, const adm_record *rec)
{
    const char *file = r->files[r->file];
    bool nomem;

    for (size_t i = 0; i < rec->n_vals; i++) {
        const adm_value *v = &rec->vals[i];
        const hash_entry *e;
        bool again = false;
        char msg[400];

        if (strcmp(v->element, "identifier") != 0)
            continue;
        /* Repeated within the record: check_duplicates says so. */
        for (size_t j = 0; j < i && !again; j++)
            again = strcmp(rec->vals[j].element, "identifier") == 0 &&
                    strcmp(rec->vals[j].value, v->value) == 0;
        if (again)
            continue;
        e = hash_seen_add(&r->identifiers, v->value, r->file, v->line ? v->line : rec->line,
                          &nomem);
        if (nomem)
            return -1;
        if (e == NULL)
            continue;
        snprintf(msg, sizeof(msg), "another record of this run has the same identifier (at %s:%ld)",
                 r->files[e->file], e->line);
        diag_emit(&r->diag, SEV_WARNING, file, v->line ? v->line : rec->line, rec->local_id,
                  "identifier", msg, "give each record the URL of its own landing page or file");
    }
    return 0;
}

static int accept_record(void *arg, adm_record *rec)
{
    run *r = arg;
    const char *file = r->files[r->file];
    size_t errors = rec->errors;
    bool nomem;

    r->records++;
    errors += checks_run(rec, file, &r->chk, &r->diag);
    if (check_identifiers_unique(r, rec) < 0)
        return -1;
    if (rec->local_id && rec->local_id[0]) {
        const seen_entry *e = seen_add(&r->seen, rec->local_id, r->file, rec->line, &nomem);
        if (nomem)
            return -1;
        if (e) {
            char msg[400];
            snprintf(msg, sizeof(msg), "the record appears twice in this run (first at %s:%ld)",
                     r->files[e->file], e->line);
            diag_emit(&r->diag, SEV_ERROR, file, rec->id_line ? rec->id_line : rec->line,
                      rec->local_id, "id", msg, "keep one of the two, or give them different ids");
            errors++;
        }
    }
    if (errors > 0) {
        r->rejected++;
    } else if (r->w) {
        if (writer_stage(r->w, rec) < 0)
            return -1;
        r->file_staged++;
    }
    if ((r->records & 255) == 0)
        progress(r, false);
    return 0;
}

static int parse_file(run *r, adm_parse *p, adm_format fmt)
{
    switch (fmt) {
    case FMT_CSV:
        return parse_csv(p);
    case FMT_JSONL:
        return parse_jsonl(p);
    case FMT_XML:
        return parse_xml(p);
    default:
        diag_emit(&r->diag, SEV_ERROR, p->path, 0, NULL, NULL, "unknown file format",
                  "name files .csv, .jsonl or .xml, or use --format csv|jsonl|xml");
        p->fatal = true;
        return 0;
    }
}

/* One file, in its own savepoint when writing. 0, or -1 to stop the run. */
static int do_file(run *r)
{
    adm_parse p = {.path = r->files[r->file], .diag = &r->diag, .sink = accept_record, .ctx = r};
    adm_format fmt = r->o->format != FMT_AUTO ? r->o->format : format_from_path(p.path);
    int rc;

    r->cur = &p;
    r->file_staged = 0;
    if (r->w && writer_file_begin(r->w) < 0)
        return -1;
    rc = parse_file(r, &p, fmt);
    r->done_bytes += p.bytes;
    r->cur = NULL;
    if (rc < 0)
        return -1;
    if (p.fatal) {
        /* Everything read from a malformed file is rejected, also the
         * records that passed the checks. */
        r->diag.file_errors++;
        r->rejected += r->file_staged;
        r->file_staged = 0;
    }
    if (r->w && writer_file_end(r->w, p.fatal) < 0)
        return -1;
    r->staged += r->file_staged;
    return 0;
}

static long long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void summary_human(run *r, bool write, bool committed, const writer_counts *c)
{
    double el = now_s() - r->start;
    FILE *out = stdout;

    if (r->tty && r->diag.progress_shown) {
        fputs("\r\033[K", stderr);
        r->diag.progress_shown = false;
    }
    fprintf(out, "%lld records in %d file%s: %zu error%s, %zu warning%s", r->records, r->n_files,
            r->n_files == 1 ? "" : "s", r->diag.errors, r->diag.errors == 1 ? "" : "s",
            r->diag.warnings, r->diag.warnings == 1 ? "" : "s");
    if (r->rejected)
        fprintf(out, ", %lld record%s rejected", r->rejected, r->rejected == 1 ? "" : "s");
    fprintf(out, " (%.1f s, %.0f records/s)\n", el, el > 0 ? r->records / el : 0.0);
    if (!write)
        return;
    if (committed)
        fprintf(out, "imported %lld records: %lld new, %lld changed, %lld unchanged\n", c->staged,
                c->inserted, c->changed, c->unchanged);
    else
        fprintf(out, "nothing was imported%s\n",
                r->o->partial ? "" : " (fix the errors, or import with --partial)");
}

static void summary_json(run *r)
{
    json_t *o = json_object();
    char *s;

    json_object_set_new(o, "files", json_integer(r->n_files));
    json_object_set_new(o, "records", json_integer(r->records));
    json_object_set_new(o, "errors", json_integer((json_int_t)r->diag.errors));
    json_object_set_new(o, "warnings", json_integer((json_int_t)r->diag.warnings));
    json_object_set_new(o, "rejected_records", json_integer(r->rejected));
    json_object_set_new(o, "sets_checked", json_boolean(r->sets.specs != NULL));
    s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    diag_finish_json(&r->diag, s ? s : "{}");
    free(s);
    json_decref(o);
}

static int open_db(run *r, PGconn **db, bool write)
{
    if (r->o->db.conninfo == NULL) {
        if (write) {
            fprintf(stderr, "oai-admin: no database: give -c FILE or --db CONNINFO\n");
            return -1;
        }
        fprintf(stderr, "oai-admin: note: no database given (-c or --db): set memberships are "
                        "not checked against the existing sets\n");
        return 0;
    }
    *db = adm_connect(&r->o->db);
    if (*db == NULL)
        return -1;
    if (write && (r->w = writer_begin(*db)) == NULL)
        return -1;
    if (setlist_load(*db, &r->sets) < 0)
        return -1;
    r->chk.sets = &r->sets;
    return 0;
}

static int finish(run *r, bool write)
{
    writer_counts c = {0};
    bool ok = r->diag.errors == 0;
    bool commit = write && (ok || (r->o->partial && r->staged > 0));

    if (commit && r->tty) {
        /* The set-based writing is most of a large import's time. */
        fprintf(stderr, "\r\033[K%lld records read; writing them to the database...", r->records);
        r->diag.progress_shown = true;
    }
    if (write && writer_finish(r->w, commit, &c) < 0) {
        r->w = NULL;
        return ADM_FAILED;
    }
    r->w = NULL;
    /* The JSON report is validate's; import reports as text. */
    if (r->o->output == OUT_JSON && !write)
        summary_json(r);
    else if (!r->o->quiet || !ok)
        summary_human(r, write, commit, &c);
    return ok ? ADM_OK : ADM_FAILED;
}

int cmd_import(const adm_opts *o, int argc, char **argv, bool write)
{
    run r = {.o = o};
    PGconn *db = NULL;
    int status = ADM_FAILED;

    if (argc < 1) {
        fprintf(stderr, "oai-admin: %s: name at least one file\n", write ? "import" : "validate");
        return ADM_USAGE;
    }
    /* import writes its messages to stderr, validate's report is stdout. */
    diag_init(&r.diag, write ? stderr : stdout, write ? OUT_HUMAN : o->output);
    r.tty = !o->quiet && isatty(STDERR_FILENO);
    r.diag.progress_tty = r.tty ? stderr : NULL;
    r.chk.map_types = o->map_types;
    r.files = argv;
    r.n_files = argc;
    r.start = now_s();
    for (int i = 0; i < argc; i++)
        r.total_bytes += file_size(argv[i]);
    if (open_db(&r, &db, write) < 0)
        goto cleanup;
    for (r.file = 0; r.file < argc; r.file++) {
        if (do_file(&r) < 0) {
            fprintf(stderr, "oai-admin: stopped: %s\n",
                    db && PQstatus(db) != CONNECTION_OK ? "lost the database connection"
                                                        : "out of memory or database failure");
            goto cleanup;
        }
    }
    progress(&r, true);
    status = finish(&r, write);
cleanup:
    if (r.w)
        writer_abort(r.w);
    setlist_free(&r.sets);
    seen_free(&r.seen);
    free(r.identifiers.v);
    if (db)
        PQfinish(db);
    return status;
}

adm_format format_from_name(const char *s)
{
    if (strcmp(s, "csv") == 0)
        return FMT_CSV;
    if (strcmp(s, "jsonl") == 0 || strcmp(s, "ndjson") == 0)
        return FMT_JSONL;
    if (strcmp(s, "xml") == 0)
        return FMT_XML;
    return FMT_AUTO;
}

adm_format format_from_path(const char *path)
{
    const char *dot = strrchr(path, '.');

    return dot ? format_from_name(dot + 1) : FMT_AUTO;
}
