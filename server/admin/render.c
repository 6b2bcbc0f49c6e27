/*
 * render.c - stores each record's metadata, rendered in every format, in
 * record_renderings (sql/migrations/005), so that the server streams
 * stored XML instead of rendering on every request.
 *
 * The rendering is the server's own: the same render functions
 * (metadata.c), from the same aggregated Dublin Core field (DB_DC_FIELD in
 * db.h) the server reads when it has no stored rendering. A record that a
 * format cannot disseminate (metadata_format.requires) gets a row with a
 * NULL xml, so "not available" is stored too.
 *
 * Used by import (in the import's transaction, after the upsert), undelete,
 * and `oai-admin render` (in transactions of RENDER_RANGE record ids),
 * which first moves the datestamps of the records of a format whose
 * crosswalk changed (format_versions, migration 007).
 */
#include "admin.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "db.h"
#include "metadata.h"

/* Records fetched, rendered and copied at a time: bounds the tool's memory
 * (a few MB) whatever the number of records. */
#define RENDER_FETCH "1000"
/* `oai-admin render`: record ids per transaction. */
#define RENDER_RANGE 20000
#define MAX_VALUES 512

/* The formats' prefixes and versions as two SQL array literals, "{a,b}"
 * (prefixes are plain tokens: letters, digits, '_'). */
static void format_arrays(char *prefixes, size_t np, char *versions, size_t nv)
{
    size_t i, a = 0, b = 0;

    a += (size_t)snprintf(prefixes + a, np - a, "{");
    b += (size_t)snprintf(versions + b, nv - b, "{");
    for (i = 0; i < metadata_format_count(); i++) {
        const metadata_format *f = metadata_format_at(i);

        a += (size_t)snprintf(prefixes + a, np - a, "%s%s", i ? "," : "", f->prefix);
        b += (size_t)snprintf(versions + b, nv - b, "%s%d", i ? "," : "", f->version);
    }
    snprintf(prefixes + a, np - a, "}");
    snprintf(versions + b, nv - b, "}");
}

/* Appends s[0..n) in COPY's text format: backslash, tab, CR and LF escaped. */
static void copy_text(struct evbuffer *out, const char *s, size_t n)
{
    size_t run = 0, i;

    for (i = 0; i < n; i++) {
        const char *esc = s[i] == '\\'   ? "\\\\"
                          : s[i] == '\t' ? "\\t"
                          : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r"
                                         : NULL;
        if (esc == NULL)
            continue;
        evbuffer_add(out, s + run, i - run);
        evbuffer_add(out, esc, 2);
        run = i + 1;
    }
    evbuffer_add(out, s + run, n - run);
}

/* Appends the COPY lines of one record: one per format, to that format's
 * buffer (copy[i] for metadata_format_at(i)). */
static int render_one(struct evbuffer **copy, struct evbuffer *xml, const char *id, char *field)
{
    dc_value vals[MAX_VALUES];
    int n = db_split_dc(field, vals, MAX_VALUES), i;

    if (n < 0) {
        fprintf(stderr, "oai-admin: record %s: malformed Dublin Core field\n", id);
        return -1;
    }
    for (i = 0; i < (int)metadata_format_count(); i++) {
        const metadata_format *f = metadata_format_at((size_t)i);

        evbuffer_add_printf(copy[i], "%s\t%s\t%d\t", id, f->prefix, f->version);
        if (metadata_format_available(f, vals, (size_t)n)) {
            f->render(xml, vals, (size_t)n);
            copy_text(copy[i], (const char *)evbuffer_pullup(xml, -1), evbuffer_get_length(xml));
            evbuffer_drain(xml, evbuffer_get_length(xml));
        } else {
            evbuffer_add(copy[i], "\\N", 2);
        }
        evbuffer_add(copy[i], "\n", 1);
    }
    return 0;
}

/* Runs sql with its parameters; returns its result (PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK) or NULL after a message. */
static PGresult *query(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    fprintf(stderr, "oai-admin: rendering: %s", PQerrorMessage(db));
    PQclear(res);
    return NULL;
}

/* query, for a statement whose result is not needed: 0 or -1. */
static int exec_cmd(PGconn *db, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = query(db, sql, nparams, params);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/* Replaces the renderings of one fetched batch: deletes what the records
 * had (an older version) and copies the new rows in, format after format.
 * A harvest reads one format in record order: with the rows of a format
 * together (runs of RENDER_FETCH records), its pages hold only that format,
 * so it touches a quarter of the table's pages, not all of them
 * (docs/performance.md, "Renderings stored by format"). */
static int store_batch(PGconn *db, const PGresult *rows, struct evbuffer **copy)
{
    struct evbuffer *ids = evbuffer_new();
    const char *params[1];
    PGresult *res;
    size_t f;
    int i, rc = -1, sent = 1;

    if (ids == NULL)
        return -1;
    evbuffer_add(ids, "{", 1);
    for (i = 0; i < PQntuples(rows); i++)
        evbuffer_add_printf(ids, "%s%s", i ? "," : "", PQgetvalue(rows, i, 0));
    evbuffer_add(ids, "}", 2); /* with the NUL */
    params[0] = (const char *)evbuffer_pullup(ids, -1);
    if (exec_cmd(db, "DELETE FROM record_renderings WHERE record_id = ANY($1::bigint[])", 1,
                 params) < 0)
        goto cleanup;
    res = PQexec(db, "COPY record_renderings (record_id, prefix, version, xml) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        fprintf(stderr, "oai-admin: rendering: COPY: %s", PQerrorMessage(db));
        PQclear(res);
        goto cleanup;
    }
    PQclear(res);
    for (f = 0; f < metadata_format_count() && sent; f++) {
        while (evbuffer_get_length(copy[f]) > 0) {
            size_t n = evbuffer_get_contiguous_space(copy[f]);

            if (PQputCopyData(db, (const char *)evbuffer_pullup(copy[f], (ev_ssize_t)n), (int)n) !=
                1) {
                sent = 0;
                break;
            }
            evbuffer_drain(copy[f], n);
        }
    }
    if (PQputCopyEnd(db, sent ? NULL : "write failed") != 1)
        goto cleanup;
    res = PQgetResult(db);
    if (PQresultStatus(res) == PGRES_COMMAND_OK)
        rc = 0;
    else
        fprintf(stderr, "oai-admin: rendering: COPY: %s", PQerrorMessage(db));
    PQclear(res);
    while ((res = PQgetResult(db)) != NULL)
        PQclear(res);
cleanup:
    for (f = 0; f < metadata_format_count(); f++)
        evbuffer_drain(copy[f], evbuffer_get_length(copy[f]));
    evbuffer_free(ids);
    return rc;
}

static void free_copies(struct evbuffer **copy)
{
    size_t f;

    if (copy == NULL)
        return;
    for (f = 0; f < metadata_format_count(); f++)
        if (copy[f] != NULL)
            evbuffer_free(copy[f]);
    free(copy);
}

long long render_records(PGconn *db, const char *ids_sql, int nparams, const char *const *params,
                         bool force)
{
    char prefixes[256], versions[128], sql[2048];
    const char *p[8];
    struct evbuffer **copy = calloc(metadata_format_count(), sizeof(*copy));
    struct evbuffer *xml = evbuffer_new();
    long long rendered = 0;
    PGresult *res = NULL;
    size_t f;
    int i, n;

    if (copy == NULL || xml == NULL || nparams > 5)
        goto failed;
    for (f = 0; f < metadata_format_count(); f++)
        if ((copy[f] = evbuffer_new()) == NULL)
            goto failed;
    /* Locked first, in a statement of its own (see migration 005): a
     * concurrent change of a record's values then either committed before
     * the values are read below (a new statement, a new snapshot), or waits
     * for this transaction and removes what it stores. */
    snprintf(sql, sizeof(sql),
             "SELECT 1 FROM records WHERE id IN (%s) AND NOT deleted ORDER BY id FOR SHARE",
             ids_sql);
    if (exec_cmd(db, sql, nparams, params) < 0)
        goto failed;
    format_arrays(prefixes, sizeof(prefixes), versions, sizeof(versions));
    for (i = 0; i < nparams; i++)
        p[i] = params[i];
    p[nparams] = prefixes;
    p[nparams + 1] = versions;
    /* Only records missing a current rendering of some format, unless
     * forced. */
    snprintf(sql, sizeof(sql),
             "DECLARE adm_render NO SCROLL CURSOR FOR SELECT r.id, %s FROM records r "
             "WHERE r.id IN (%s) AND NOT r.deleted AND ($%d::boolean OR EXISTS (SELECT "
             "FROM unnest($%d::text[], $%d::integer[]) f(prefix, version) WHERE NOT EXISTS "
             "(SELECT FROM record_renderings x WHERE x.record_id = r.id AND x.prefix = f.prefix "
             "AND x.version = f.version))) ORDER BY r.id",
             DB_DC_FIELD("r.id"), ids_sql, nparams + 3, nparams + 1, nparams + 2);
    p[nparams + 2] = force ? "true" : "false";
    if (exec_cmd(db, sql, nparams + 3, p) < 0)
        goto failed;
    for (;;) {
        res = PQexec(db, "FETCH " RENDER_FETCH " FROM adm_render");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fprintf(stderr, "oai-admin: rendering: %s", PQerrorMessage(db));
            goto failed;
        }
        if ((n = PQntuples(res)) == 0)
            break;
        for (i = 0; i < n; i++) {
            /* db_split_dc cuts the field in place: it is the PGresult's
             * own copy, read only here. */
            char empty[1] = "";
            char *field = PQgetisnull(res, i, 1) ? empty : PQgetvalue(res, i, 1);

            if (render_one(copy, xml, PQgetvalue(res, i, 0), field) < 0)
                goto failed;
        }
        if (store_batch(db, res, copy) < 0)
            goto failed;
        rendered += n;
        PQclear(res);
        res = NULL;
    }
    PQclear(res);
    free_copies(copy);
    evbuffer_free(xml);
    return exec_cmd(db, "CLOSE adm_render", 0, NULL) < 0 ? -1 : rendered;

failed:
    PQclear(res);
    free_copies(copy);
    if (xml != NULL)
        evbuffer_free(xml);
    return -1;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One range of ids in a transaction of its own. */
static long long render_range(PGconn *db, long long lo, long long hi, bool force)
{
    char a[24], b[24];
    const char *params[2] = {a, b};
    long long n;

    snprintf(a, sizeof(a), "%lld", lo);
    snprintf(b, sizeof(b), "%lld", hi);
    if (exec_cmd(db, "BEGIN", 0, NULL) < 0)
        return -1;
    n = render_records(db, "SELECT id FROM records WHERE id > $1::bigint AND id <= $2::bigint", 2,
                       params, force);
    if (n < 0 || exec_cmd(db, "COMMIT", 0, NULL) < 0) {
        PGresult *res = PQexec(db, "ROLLBACK");

        PQclear(res);
        return -1;
    }
    return n;
}

/* One format's check of format_versions (migration 007), in the open
 * transaction: a format whose crosswalk version changed since the
 * datestamps were last moved for it changed every record available in it
 * (spec 2.7.1), so their datestamps move now (the commit stamps them, as
 * any write), and the new version is recorded. A format without a row is
 * new: its row is added, nothing moves. Returns 0 or -1. */
static int stamp_format(PGconn *db, const metadata_format *f, bool quiet)
{
    char version[16];
    const char *params[2] = {f->prefix, version};
    PGresult *res;
    int was;

    snprintf(version, sizeof(version), "%d", f->version);
    res = query(db, "SELECT version FROM format_versions WHERE prefix = $1 FOR UPDATE", 1, params);
    if (res == NULL)
        return -1;
    was = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    if (was == f->version)
        return 0;
    /* ON CONFLICT: another render may add the same row meanwhile. */
    if (was == 0)
        return exec_cmd(db,
                        "INSERT INTO format_versions (prefix, version) VALUES ($1, $2) "
                        "ON CONFLICT (prefix) DO NOTHING",
                        2, params);
    params[0] = f->requires;
    res = query(db,
                "UPDATE records r SET datestamp = date_trunc('second', now()) WHERE NOT r.deleted "
                "AND " DB_FORMAT_OK("$1", ""),
                1, params);
    if (res == NULL)
        return -1;
    if (!quiet)
        fprintf(stderr,
                "oai-admin: render: %s: crosswalk version %d -> %d: the datestamps of %s records "
                "moved (harvesters get them again)\n",
                f->prefix, was, f->version, PQcmdTuples(res));
    PQclear(res);
    params[0] = f->prefix;
    return exec_cmd(db,
                    "UPDATE format_versions SET version = $2, changed = now() WHERE prefix = $1", 2,
                    params);
}

/* stamp_format for every format, each in a transaction of its own. */
static int stamp_changed_formats(PGconn *db, bool quiet)
{
    size_t i;

    for (i = 0; i < metadata_format_count(); i++) {
        if (exec_cmd(db, "BEGIN", 0, NULL) < 0)
            return -1;
        if (stamp_format(db, metadata_format_at(i), quiet) < 0 ||
            exec_cmd(db, "COMMIT", 0, NULL) < 0) {
            PGresult *res = PQexec(db, "ROLLBACK");

            PQclear(res);
            return -1;
        }
    }
    return 0;
}

int cmd_render(const adm_opts *o, int argc, char **argv)
{
    PGconn *db;
    PGresult *res;
    long long max_id, lo, n, total = 0;
    double t0 = now_s();
    int rc = ADM_FAILED;

    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "oai-admin: render takes no arguments (--all re-renders every record)\n");
        return ADM_USAGE;
    }
    if ((db = adm_connect(&o->db)) == NULL)
        return ADM_FAILED;
    if (stamp_changed_formats(db, o->quiet) < 0)
        goto cleanup;
    res = PQexec(db, "SELECT coalesce(max(id), 0) FROM records");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: render: %s", PQerrorMessage(db));
        PQclear(res);
        goto cleanup;
    }
    max_id = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    /* Records added meanwhile (ids above max_id) were rendered by the
     * import that wrote them. */
    for (lo = 0; lo < max_id; lo += RENDER_RANGE) {
        n = render_range(db, lo, lo + RENDER_RANGE, o->all);
        if (n < 0)
            goto cleanup;
        total += n;
        if (!o->quiet)
            fprintf(stderr, "\roai-admin: render: %lld records rendered (%.0f%% of ids)", total,
                    100.0 * (double)(lo + RENDER_RANGE < max_id ? lo + RENDER_RANGE : max_id) /
                        (double)max_id);
    }
    if (!o->quiet && max_id > 0)
        fprintf(stderr, "\n");
    printf("rendered %lld records in %zu formats in %.1f s\n", total, metadata_format_count(),
           now_s() - t0);
    rc = ADM_OK;
cleanup:
    PQfinish(db);
    return rc;
}
