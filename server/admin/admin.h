/*
 * admin.h - the cataloguers' tool (oai-admin): the record model shared by
 * the three parsers, the checks of the application profile, diagnostics,
 * and the database writer.
 *
 * Pipeline of an import or a validate run:
 *
 *   parser (CSV, JSON Lines, oai_dc XML) --adm_record--> adm_accept()
 *       -> checks_run() (errors reject the record, warnings do not)
 *       -> writer_stage() (COPY into a staging table; import only)
 *   writer_finish(): set-based upsert in SQL, then COMMIT or ROLLBACK.
 *
 * Every message names FILE:LINE, the field, the problem and how to fix it.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

/* Longest single value (bytes). A longer field is an error, and the CSV
 * parser stops buffering it, so a huge field cannot exhaust memory. */
#define ADM_MAX_VALUE (1024 * 1024)
/* Longest JSON line. */
#define ADM_MAX_LINE (16 * 1024 * 1024)
/* The separator of repeated values inside one CSV cell. */
#define ADM_CSV_SEP "||"

/* ---- the record model ---- */

typedef struct {
    const char *element; /* one of the 15 DCMES names (static string) */
    char *value;
    char *lang; /* NULL = no language */
    long line;
} adm_value;

typedef struct {
    char *spec;
    long line;
} adm_set;

typedef struct {
    char *local_id;
    long line;       /* where the record starts */
    long id_line;    /* where its identifier is */
    int deleted;     /* -1: not said (keep the stored flag), 0, 1 */
    bool has_values; /* the input describes the values: replace stored ones */
    bool has_sets;   /* the input lists the sets: replace memberships */
    size_t errors;   /* errors the parser reported for this record */
    long sets_line;
    adm_value *vals;
    size_t n_vals, cap_vals;
    adm_set *sets;
    size_t n_sets, cap_sets;
} adm_record;

void record_init(adm_record *r);
void record_clear(adm_record *r); /* frees contents, back to record_init state */
/* Copies value (len bytes) and lang (NULL or NUL-terminated). 0 or -1 (memory). */
int record_add_value(adm_record *r, const char *element, const char *value, size_t len,
                     const char *lang, long line);
int record_add_set(adm_record *r, const char *spec, size_t len, long line);
int record_set_id(adm_record *r, const char *id, size_t len, long line);
/* Inserts a value at position pos (used by --map-types). */
int record_insert_value(adm_record *r, size_t pos, const char *element, const char *value,
                        const char *lang, long line);

/* The DCMES element name as a static string, or NULL if s is not one. */
const char *dc_element(const char *s, size_t len);

/* ---- diagnostics ---- */

typedef enum { SEV_ERROR, SEV_WARNING } adm_severity;

typedef enum { OUT_HUMAN, OUT_JSON } adm_output;

typedef struct {
    FILE *out;
    adm_output format;
    bool json_started;
    size_t errors, warnings;
    size_t file_errors; /* errors that reject a whole file */
    /* The progress line is on this terminal (or NULL): cleared before a
     * message is written so the two never mix. */
    FILE *progress_tty;
    bool progress_shown;
} adm_diag;

void diag_init(adm_diag *d, FILE *out, adm_output format);
/* One message: "FILE:LINE: FIELD: problem — fix" (warnings say "warning:"
 * after the field). line <= 0 omits the line; field NULL omits the field. */
void diag_emit(adm_diag *d, adm_severity sev, const char *file, long line, const char *record,
               const char *field, const char *problem, const char *fix);
void diag_emitf(adm_diag *d, adm_severity sev, const char *file, long line, const char *record,
                const char *field, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Ends the JSON array (if any) and writes the summary object members. */
void diag_finish_json(adm_diag *d, const char *summary_json);

/* ---- checks: the application profile (docs/cataloguing.md) ---- */

typedef struct {
    char **specs; /* sorted; NULL = the set list is unknown (no database) */
    size_t n;
} adm_setlist;

typedef struct {
    const adm_setlist *sets;
    bool map_types; /* --map-types: add the DCMI type for an NEC kind */
} adm_check_opts;

/* Runs every check on r, writing messages to d. Returns the number of
 * errors found (0 = the record may be written). */
size_t checks_run(adm_record *r, const char *file, const adm_check_opts *o, adm_diag *d);

/* Individual checks, exposed for the unit tests. */
bool check_w3cdtf(const char *s);
bool check_lang_tag(const char *s); /* syntax + ISO 639 primary subtag */
bool check_iso639(const char *code, size_t len);
bool check_url_or_urn(const char *s);
bool check_local_id(const char *s);
bool check_setspec(const char *s);
/* 0 = fine; otherwise a static description of the first bad character. */
const char *check_text(const char *s, size_t len);
bool check_nfc(const char *s); /* true when s is in NFC */
/* Whether s is UTF-8 encoded twice: every character is one Windows-1252
 * (or Latin-1) reads a byte as, and those bytes are UTF-8 with at least one
 * character beyond ASCII. Then repaired (cap bytes) holds them, cut on a
 * character boundary. */
bool check_double_encoded(const char *s, char *repaired, size_t cap);
const char *dcmi_type(const char *s);     /* canonical DCMI type name, or NULL */
const char *nec_kind_type(const char *s); /* DCMI type of an NEC kind, or NULL */
bool setlist_has(const adm_setlist *l, const char *spec);
void setlist_free(adm_setlist *l);

/* ---- parsers ---- */

/* Called for every record a parser reads. Returns 0 to go on, -1 to stop
 * (out of memory, database failure). */
typedef int (*adm_sink)(void *ctx, adm_record *r);

typedef struct {
    const char *path;
    adm_diag *diag;
    adm_sink sink;
    void *ctx;
    /* Bytes consumed so far (progress); updated by the parser. */
    long long bytes;
    /* Set by the parser when the file is malformed as a whole (truncated
     * XML, an unterminated CSV quote, a bad header): nothing of it may be
     * written, even with --partial. */
    bool fatal;
} adm_parse;

typedef enum { FMT_AUTO, FMT_CSV, FMT_JSONL, FMT_XML } adm_format;

adm_format format_from_name(const char *s);    /* "csv"... or FMT_AUTO if unknown */
adm_format format_from_path(const char *path); /* by extension; FMT_AUTO if unknown */
int parse_csv(adm_parse *p);                   /* 0, or -1 when the sink stopped or I/O failed */
int parse_jsonl(adm_parse *p);
int parse_xml(adm_parse *p);

/* ---- the database ---- */

typedef struct {
    const char *conninfo;
    int connect_timeout;
} adm_db_opts;

/* Connects (UTF-8, application_name oai-admin). NULL after a message on stderr. */
PGconn *adm_connect(const adm_db_opts *o);
/* Loads every set spec (sorted). 0 or -1 with a message. */
int setlist_load(PGconn *db, adm_setlist *l);

typedef struct writer writer;

/* Starts the transaction and the staging COPY. NULL after a message. */
writer *writer_begin(PGconn *db);
/* Marks the start / end of a file, so a malformed file can be rolled back
 * alone under --partial. */
int writer_file_begin(writer *w);
int writer_file_end(writer *w, bool discard);
int writer_stage(writer *w, const adm_record *r);

typedef struct {
    long long staged, inserted, changed, unchanged;
} writer_counts;

/* Upserts the staged records; commits when commit is true, else rolls
 * back. 0 or -1 (message on stderr; nothing committed). */
int writer_finish(writer *w, bool commit, writer_counts *c);
void writer_abort(writer *w);

/* ---- stored renderings (render.c, sql/migrations/005) ---- */

/* Renders every metadata format of the records whose ids ids_sql selects
 * (a SELECT of record ids, with parameters $1..$nparams, nparams <= 5) and
 * stores the renderings, in the caller's open transaction. Skips deleted
 * records, and unless force those whose renderings are all current. Locks
 * the records FOR SHARE first. Returns the number of records rendered, or
 * -1 after a message on stderr (the transaction is then failed). */
long long render_records(PGconn *db, const char *ids_sql, int nparams, const char *const *params,
                         bool force);

/* ---- commands ---- */

typedef struct {
    adm_db_opts db;
    const char *sql_dir;
    adm_output output;
    bool partial;
    bool map_types;
    bool quiet;
    adm_format format;
    const char *name;        /* sets describe --name */
    unsigned long long seed; /* generate --seed */
    bool all;                /* render --all */
} adm_opts;

int cmd_import(const adm_opts *o, int argc, char **argv, bool write);
int cmd_delete(const adm_opts *o, int argc, char **argv, bool deleted);
int cmd_sets(const adm_opts *o, int argc, char **argv);
int cmd_stats(const adm_opts *o, int argc, char **argv);
int cmd_migrate(const adm_opts *o, int argc, char **argv);
int cmd_generate(const adm_opts *o, int argc, char **argv);
int cmd_render(const adm_opts *o, int argc, char **argv);

/* Exit statuses. */
enum { ADM_OK = 0, ADM_FAILED = 1, ADM_USAGE = 2 };

#endif
