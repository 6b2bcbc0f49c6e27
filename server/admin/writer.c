/*
 * writer.c - writes records in one transaction: COPY into a temporary
 * staging table, then set-based SQL.
 *
 * The upsert compares staged values with stored ones and writes only the
 * differences, so the datestamp triggers (sql/migrations) move the
 * datestamp of changed records only: a re-import of unchanged content
 * changes nothing. COPY plus a handful of set-based statements is also what
 * makes a million records fast; there is no per-record round trip.
 *
 * Staging rows (one table, one COPY stream per file):
 *   kind 'r': ord, local_id, deleted (NULL = keep), has_values, has_sets
 *   kind 'v': ord, element, seq, value, lang
 *   kind 's': ord, value = setSpec
 */
#include "admin.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Serialises concurrent imports (db-migrate uses 60060001, db-load-demo
 * 60060002). */
#define IMPORT_LOCK_KEY "60060003"
#define COPY_BUF (1 << 20)

struct writer {
    PGconn *db;
    char *buf;
    size_t len;
    long long ord;
    bool in_copy;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* OAI_ADMIN_TIMING=1 prints each statement's time (the benchmark uses it). */
static int exec_ok(PGconn *db, const char *sql, const char *what)
{
    static int timing = -1;
    double t0 = now_s();
    PGresult *res = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(res);

    if (timing < 0)
        timing = getenv("OAI_ADMIN_TIMING") != NULL;
    if (timing)
        fprintf(stderr, "timing: %7.2f s  %.70s\n", now_s() - t0, sql);

    PQclear(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    fprintf(stderr, "oai-admin: %s: %s", what, PQerrorMessage(db));
    return -1;
}

static const char *const begin_sql =
    /* The staging tables are temporary: they live in temp_buffers (8 MB
     * by default, settable only before a session's first temporary
     * table), and a million records' transition tables and hash joins in
     * work_mem. Both are per session and allocated only as used. */
    "SET temp_buffers = '1GB';"
    "BEGIN;"
    "SET LOCAL work_mem = '256MB';"
    "SELECT pg_advisory_xact_lock(" IMPORT_LOCK_KEY ");"
    /* An import of a million records runs longer than any per-query
     * timeout a role may have. */
    "SET LOCAL statement_timeout = 0;"
    "CREATE TEMPORARY TABLE adm_stage ("
    "  ord integer NOT NULL, kind \"char\" NOT NULL, local_id text, deleted boolean,"
    "  has_values boolean, has_sets boolean, element text, seq integer, value text, lang text"
    ") ON COMMIT DROP;";

writer *writer_begin(PGconn *db)
{
    writer *w = calloc(1, sizeof(*w));

    if (w == NULL || (w->buf = malloc(COPY_BUF + 64)) == NULL) {
        free(w);
        fprintf(stderr, "oai-admin: out of memory\n");
        return NULL;
    }
    w->db = db;
    if (exec_ok(db, begin_sql, "starting the import") < 0) {
        writer_abort(w);
        return NULL;
    }
    return w;
}

int writer_file_begin(writer *w)
{
    PGresult *res;
    ExecStatusType st;

    if (exec_ok(w->db, "SAVEPOINT adm_file", "starting a file") < 0)
        return -1;
    res = PQexec(w->db, "COPY adm_stage FROM STDIN");
    st = PQresultStatus(res);
    PQclear(res);
    if (st != PGRES_COPY_IN) {
        fprintf(stderr, "oai-admin: COPY: %s", PQerrorMessage(w->db));
        return -1;
    }
    w->in_copy = true;
    return 0;
}

static int flush(writer *w)
{
    if (w->len > 0 && PQputCopyData(w->db, w->buf, (int)w->len) != 1) {
        fprintf(stderr, "oai-admin: COPY: %s", PQerrorMessage(w->db));
        return -1;
    }
    w->len = 0;
    return 0;
}

static int put(writer *w, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = COPY_BUF - w->len;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->len, s, k);
        w->len += k, s += k, n -= k;
        if (w->len == COPY_BUF && flush(w) < 0)
            return -1;
    }
    return 0;
}

/* A text field in COPY's text format: backslash, tab, CR and LF escaped. */
static int put_text(writer *w, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *esc = *s == '\\'   ? "\\\\"
                          : *s == '\t' ? "\\t"
                          : *s == '\n' ? "\\n"
                          : *s == '\r' ? "\\r"
                                       : NULL;
        if (esc == NULL)
            continue;
        if (put(w, run, (size_t)(s - run)) < 0 || put(w, esc, 2) < 0)
            return -1;
        run = s + 1;
    }
    return put(w, run, (size_t)(s - run));
}

static int put_str(writer *w, const char *s)
{
    return put(w, s, strlen(s));
}

static int stage_values(writer *w, const adm_record *r, const char *ord)
{
    const char *names[15] = {0};
    int seqs[15] = {0};
    char num[24];

    for (size_t i = 0; i < r->n_vals; i++) {
        const adm_value *v = &r->vals[i];
        int k = 0;
        /* seq numbers the values of one element in input order. */
        while (k < 15 && names[k] && strcmp(names[k], v->element) != 0)
            k++;
        if (k == 15)
            return -1;
        names[k] = v->element;
        snprintf(num, sizeof(num), "%d", ++seqs[k]);
        if (put_str(w, ord) < 0 || put_str(w, "\tv\t\\N\t\\N\t\\N\t\\N\t") < 0 ||
            put_str(w, v->element) < 0 || put_str(w, "\t") < 0 || put_str(w, num) < 0 ||
            put_str(w, "\t") < 0 || put_text(w, v->value) < 0 || put_str(w, "\t") < 0 ||
            (v->lang ? put_text(w, v->lang) : put_str(w, "\\N")) < 0 || put_str(w, "\n") < 0)
            return -1;
    }
    return 0;
}

int writer_stage(writer *w, const adm_record *r)
{
    char ord[24];
    const char *del = r->deleted < 0 ? "\\N" : r->deleted ? "t" : "f";

    snprintf(ord, sizeof(ord), "%lld", ++w->ord);
    if (put_str(w, ord) < 0 || put_str(w, "\tr\t") < 0 || put_text(w, r->local_id) < 0 ||
        put_str(w, "\t") < 0 || put_str(w, del) < 0 ||
        put_str(w, r->has_values ? "\tt" : "\tf") < 0 ||
        put_str(w, r->has_sets ? "\tt" : "\tf") < 0 || put_str(w, "\t\\N\t\\N\t\\N\t\\N\n") < 0)
        return -1;
    if (stage_values(w, r, ord) < 0)
        return -1;
    for (size_t i = 0; i < r->n_sets; i++) {
        /* A set named twice is one membership (no DISTINCT needed in SQL). */
        size_t j = 0;
        while (j < i && strcmp(r->sets[j].spec, r->sets[i].spec) != 0)
            j++;
        if (j < i)
            continue;
        if (put_str(w, ord) < 0 || put_str(w, "\ts\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t") < 0 ||
            put_text(w, r->sets[i].spec) < 0 || put_str(w, "\t\\N\n") < 0)
            return -1;
    }
    return 0;
}

static int end_copy(writer *w)
{
    PGresult *res;
    int rc = 0;

    if (!w->in_copy)
        return 0;
    w->in_copy = false;
    if (flush(w) < 0 || PQputCopyEnd(w->db, NULL) != 1) {
        fprintf(stderr, "oai-admin: COPY: %s", PQerrorMessage(w->db));
        rc = -1;
    }
    while ((res = PQgetResult(w->db)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "oai-admin: COPY: %s", PQerrorMessage(w->db));
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

int writer_file_end(writer *w, bool discard)
{
    if (end_copy(w) < 0)
        return -1;
    return exec_ok(w->db, discard ? "ROLLBACK TO SAVEPOINT adm_file" : "RELEASE SAVEPOINT adm_file",
                   "ending a file");
}

/* The upsert. Each statement is set-based; "new" records (not in the
 * database before) skip the comparisons. Every statement that changes an
 * existing record notes its id in adm_changed, for the summary (a change
 * within the second of an earlier one does not move the datestamp, so the
 * datestamp cannot tell). */
static const char *const upsert_sql[] = {
    "ANALYZE adm_stage",
    "CREATE TEMPORARY TABLE adm_changed (id bigint) ON COMMIT DROP",
    "CREATE TEMPORARY TABLE adm_map ON COMMIT DROP AS"
    " SELECT s.ord, s.local_id, s.deleted, s.has_values, s.has_sets, r.id, r.id IS NULL AS is_new"
    " FROM adm_stage s LEFT JOIN records r ON r.local_id = s.local_id WHERE s.kind = 'r'",
    /* New records get ids in input order. */
    "INSERT INTO records (local_id, deleted)"
    " SELECT local_id, coalesce(deleted, false) FROM adm_map WHERE is_new ORDER BY ord",
    "UPDATE adm_map m SET id = r.id FROM records r WHERE m.is_new AND r.local_id = m.local_id",
    "ANALYZE adm_map",
    "WITH c AS (UPDATE records r SET deleted = m.deleted FROM adm_map m"
    " WHERE NOT m.is_new AND r.id = m.id AND m.deleted IS NOT NULL AND r.deleted <> m.deleted"
    " RETURNING r.id) INSERT INTO adm_changed SELECT id FROM c",
    "INSERT INTO record_values (record_id, element, seq, value, lang)"
    " SELECT m.id, s.element, s.seq, s.value, s.lang FROM adm_stage s JOIN adm_map m USING (ord)"
    " WHERE s.kind = 'v' AND m.is_new",
    /* Existing records: only the differences. */
    "CREATE TEMPORARY TABLE adm_val ON COMMIT DROP AS"
    " SELECT m.id AS record_id, s.element, s.seq, s.value, s.lang"
    " FROM adm_stage s JOIN adm_map m USING (ord) WHERE s.kind = 'v' AND NOT m.is_new",
    "WITH c AS (DELETE FROM record_values v USING adm_map m"
    " WHERE NOT m.is_new AND m.has_values AND v.record_id = m.id AND NOT EXISTS"
    " (SELECT 1 FROM adm_val n WHERE n.record_id = v.record_id AND n.element = v.element"
    "  AND n.seq = v.seq) RETURNING v.record_id) INSERT INTO adm_changed SELECT record_id FROM c",
    "WITH c AS (UPDATE record_values v SET value = n.value, lang = n.lang FROM adm_val n"
    " WHERE v.record_id = n.record_id AND v.element = n.element AND v.seq = n.seq"
    " AND (v.value <> n.value OR v.lang IS DISTINCT FROM n.lang) RETURNING v.record_id)"
    " INSERT INTO adm_changed SELECT record_id FROM c",
    "WITH c AS (INSERT INTO record_values (record_id, element, seq, value, lang)"
    " SELECT n.record_id, n.element, n.seq, n.value, n.lang FROM adm_val n WHERE NOT EXISTS"
    " (SELECT 1 FROM record_values v WHERE v.record_id = n.record_id AND v.element = n.element"
    "  AND v.seq = n.seq) RETURNING record_id) INSERT INTO adm_changed SELECT record_id FROM c",
    "WITH c AS (DELETE FROM record_sets rs USING adm_map m"
    " WHERE NOT m.is_new AND m.has_sets AND rs.record_id = m.id AND NOT EXISTS"
    " (SELECT 1 FROM adm_stage s WHERE s.kind = 's' AND s.ord = m.ord AND s.value = rs.spec)"
    " RETURNING rs.record_id) INSERT INTO adm_changed SELECT record_id FROM c",
    "INSERT INTO record_sets (record_id, spec)"
    " SELECT m.id, s.value FROM adm_stage s JOIN adm_map m USING (ord)"
    " WHERE s.kind = 's' AND m.is_new",
    "WITH c AS (INSERT INTO record_sets (record_id, spec)"
    " SELECT m.id, s.value FROM adm_stage s JOIN adm_map m USING (ord)"
    " WHERE s.kind = 's' AND NOT m.is_new ON CONFLICT DO NOTHING RETURNING record_id)"
    " INSERT INTO adm_changed SELECT record_id FROM c",
};

static const char *const counts_sql = "SELECT count(*), count(*) FILTER (WHERE is_new),"
                                      " (SELECT count(DISTINCT id) FROM adm_changed) FROM adm_map";

static int counts(writer *w, writer_counts *c)
{
    PGresult *res = PQexec(w->db, counts_sql);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: counting: %s", PQerrorMessage(w->db));
        PQclear(res);
        return -1;
    }
    c->staged = atoll(PQgetvalue(res, 0, 0));
    c->inserted = atoll(PQgetvalue(res, 0, 1));
    c->changed = atoll(PQgetvalue(res, 0, 2));
    c->unchanged = c->staged - c->inserted - c->changed;
    PQclear(res);
    return 0;
}

int writer_finish(writer *w, bool commit, writer_counts *c)
{
    int rc = -1;

    if (end_copy(w) < 0)
        goto cleanup;
    if (!commit) {
        rc = exec_ok(w->db, "ROLLBACK", "rolling back");
        goto cleanup;
    }
    for (size_t i = 0; i < sizeof(upsert_sql) / sizeof(upsert_sql[0]); i++) {
        if (exec_ok(w->db, upsert_sql[i], "writing the records") < 0)
            goto cleanup;
    }
    /* Last, after every write of values: the triggers removed the
     * renderings of the records whose values changed (migration 005);
     * render those and the new ones, in this transaction, so harvesters
     * never see the new values without their rendering. */
    if (render_records(w->db, "SELECT id FROM adm_map", 0, NULL, false) < 0)
        goto cleanup;
    if (counts(w, c) < 0 || exec_ok(w->db, "COMMIT", "committing") < 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc < 0 && PQtransactionStatus(w->db) != PQTRANS_IDLE)
        exec_ok(w->db, "ROLLBACK", "rolling back");
    free(w->buf);
    free(w);
    return rc;
}

void writer_abort(writer *w)
{
    if (w == NULL)
        return;
    if (w->in_copy) {
        PQputCopyEnd(w->db, "aborted");
        PGresult *res;
        while ((res = PQgetResult(w->db)) != NULL)
            PQclear(res);
    }
    if (PQtransactionStatus(w->db) != PQTRANS_IDLE)
        exec_ok(w->db, "ROLLBACK", "rolling back");
    free(w->buf);
    free(w);
}
