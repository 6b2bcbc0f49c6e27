/*
 * db.c - prepared statements over one libpq connection, with reconnection.
 */
#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

/* While the database is down, a worker waits between connection attempts
 * twice as long as the last failed attempt took, at least this many
 * milliseconds: a refused connection (database restarting) costs little and
 * is retried soon, one that hangs until connect_timeout (host unreachable)
 * is not allowed to stall the worker's other requests again and again. */
#define DB_RETRY_MIN_MS 100

/* The columns every record query returns, in DB_COL_* order, one row per
 * record, for the records of a CTE "p" (id, local_id, datestamp, deleted):
 * the header, then the metadata as the stored rendering of the format
 * (record_renderings, migration 005) when one of the server's version
 * exists, else the Dublin Core values aggregated in one text field (see
 * db_split_dc) for the server to render. One row per record instead of one
 * per value, and setSpecs computed once per record, keep a page cheap for
 * PostgreSQL (docs/performance.md). with_md false, or prefix NULL, never
 * matches a rendering. extra: more columns after DB_COL_DC (", ..."). */
#define RECORD_SELECT(with_md, prefix, version, extra)                                             \
    "SELECT p.id, p.local_id, extract(epoch FROM p.datestamp)::bigint, p.deleted, "                \
    "(SELECT string_agg(s.spec, ' ' ORDER BY s.spec) FROM record_sets s "                          \
    "WHERE s.record_id = p.id), x.record_id IS NOT NULL, x.xml, "                                  \
    "CASE WHEN " with_md " AND NOT p.deleted AND x.record_id IS NULL THEN " DB_DC_FIELD(           \
        "p.id") " END" extra " FROM p LEFT JOIN record_renderings x ON " with_md                   \
                " AND NOT p.deleted AND x.record_id = p.id AND x.prefix = " prefix                 \
                " AND x.version = " version " "

/* A record is in set S when it is in S or in a descendant "S:...". */
#define IN_SET(param)                                                                              \
    "EXISTS (SELECT 1 FROM record_sets s WHERE s.record_id = r.id AND "                            \
    "(s.spec = " param " OR starts_with(s.spec, " param " || ':')))"

/* A record r the harvest's metadata format can disseminate (DB_FORMAT_OK),
 * for a count, which visits every record: PostgreSQL may hash the values
 * of the element once (a scan of record_values), which is right there. */
#define FORMAT_OK(param) DB_FORMAT_OK(param, "")
/* For a page, which visits a few hundred records: one index probe each.
 * OFFSET 0 keeps the EXISTS from being turned into a hashed subplan, which
 * the planner chose for a set's batch of 50 (LIMIT 51) from its estimate of
 * the rows the keyset scan yields without the LIMIT: a scan of all of
 * record_values for every batch (650 ms instead of 5 ms at 100,000
 * records). */
#define FORMAT_OK_PROBE(param) DB_FORMAT_OK(param, " OFFSET 0")

/* The keys of a list page: (id, datestamp) of the records after a keyset
 * position, in harvest order. The keyset scan walks records_datestamp_id;
 * the statement is planned for its parameters (a set's rarity, the
 * position), once per page. The tag comment names the statement in
 * PostgreSQL's logs and in pg_stat_statements (the benchmark finds it
 * there). */
#define LIST_KEYS(tag, set_filter)                                                                 \
    "/* " tag " */ SELECT r.id, extract(epoch FROM r.datestamp)::bigint FROM records r "           \
    "WHERE (r.datestamp, r.id) > (to_timestamp($1), $2::bigint) "                                  \
    "AND r.datestamp <= to_timestamp($3) AND " FORMAT_OK_PROBE("$5") set_filter                    \
        " ORDER BY r.datestamp, r.id LIMIT $4"

/* The arrays of keys below are parameters hidden from the planner behind a
 * subquery each, "(SELECT $1::bigint[])": seeing a short array, PostgreSQL
 * found a plan for it cheaper than its generic plan and planned every
 * execution anew (~0.3 ms: a lone GetRecord cost 400-500 us of PostgreSQL
 * CPU instead of 100-150); hidden, every execution has the generic plan's
 * estimate, and after five the generic plan is kept (docs/performance.md,
 * "Requests that arrive together"). */

/* A batch of a list page: the records of some of its keys, those still at
 * the datestamp they were listed with (a record changed since has a later
 * one, and comes later in the list). Driven by the keys alone, its plan is
 * the same for every batch, so PostgreSQL reuses a generic one instead of
 * planning each batch (docs/performance.md, "Streamed pages"). */
#define LIST_BATCH                                                                                 \
    "/* oai:list_batch */ WITH p AS MATERIALIZED (SELECT r.id, r.local_id, r.datestamp, "          \
    "r.deleted FROM unnest((SELECT $1::bigint[]), (SELECT $2::bigint[])) k(id, ds) "               \
    "JOIN records r ON r.id = k.id AND r.datestamp = to_timestamp(k.ds)) " RECORD_SELECT(          \
        "$3::boolean", "$4", "$5::integer", "") "ORDER BY p.datestamp, p.id"

/* The records of several requests at once (requests that arrive together,
 * docs/architecture.md): item k of the three arrays asks for local id k in
 * the rendering of prefix k (NULL: none) at version k; each row says which
 * item it answers. An identifier asked twice gets a row per item; one that
 * does not exist, none. MATERIALIZED: inlined, the planner probed
 * record_renderings by record_id alone and filtered the prefix, reading
 * every format's row (on as many heap pages: they are stored format by
 * format). */
#define GET_RECORDS                                                                                \
    "/* oai:get_records */ WITH p AS MATERIALIZED (SELECT r.id, r.local_id, r.datestamp, "         \
    "r.deleted, q.prefix, q.version, q.item FROM unnest((SELECT $1::text[]), "                     \
    "(SELECT $2::text[]), (SELECT $3::integer[])) WITH ORDINALITY "                                \
    "q(local_id, prefix, version, item) JOIN records r ON r.local_id = "                           \
    "q.local_id) " RECORD_SELECT("true", "p.prefix", "p.version", ", p.item")

/* The earliest second a transaction committing now may stamp its records
 * with (Unix time), or NULL: the smallest second of the advisory locks its
 * writers hold while they commit (migration 006, which explains the
 * constants). pg_locks is read as it is, not through a snapshot, so a
 * commit that has begun shows before its records do. */
#define COMMIT_HORIZON                                                                             \
    "(SELECT min(l.objid::bigint) FROM pg_locks l WHERE l.locktype = 'advisory' "                  \
    "AND l.classid = 1329678672 AND l.objsubid = 2 AND l.database = "                              \
    "(SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))"

static const char *const stmt_sql[DB_N_STATEMENTS] = {
    [DB_IDENTIFY] = "SELECT extract(epoch FROM min(datestamp))::bigint, "
                    "(SELECT local_id FROM records ORDER BY id LIMIT 1) FROM records",
    [DB_HAS_SETS] = "SELECT EXISTS (SELECT 1 FROM sets)",
    [DB_RECORD_EXISTS] = "SELECT deleted FROM records WHERE local_id = $1",
    [DB_GET_RECORDS] = GET_RECORDS,
    [DB_LIST_KEYS] = LIST_KEYS("oai:list_keys", ""),
    [DB_LIST_KEYS_SET] = LIST_KEYS("oai:list_keys_set", " AND " IN_SET("$6")),
    [DB_LIST_BATCH] = LIST_BATCH,
    [DB_COUNT_RECORDS] = "/* oai:count_records */ SELECT count(*) FROM records r WHERE r.datestamp "
                         ">= to_timestamp($1) "
                         "AND r.datestamp <= to_timestamp($2) AND " FORMAT_OK("$3"),
    [DB_COUNT_RECORDS_SET] =
        "/* oai:count_records_set */ SELECT count(*) FROM records r "
        "WHERE r.datestamp >= to_timestamp($1) "
        "AND r.datestamp <= to_timestamp($2) AND " IN_SET("$3") " AND " FORMAT_OK("$4"),
    [DB_LIST_SETS] = "SELECT s.spec, s.name, d.value, d.lang FROM "
                     "(SELECT spec, name FROM sets WHERE spec > $1 ORDER BY spec LIMIT $2) s "
                     "LEFT JOIN set_descriptions d ON d.spec = s.spec ORDER BY s.spec, d.seq",
    [DB_COUNT_SETS] = "SELECT count(*) FROM sets",
    [DB_PING] = "SELECT 1",
    [DB_SNAPSHOT] =
        "SELECT pg_current_snapshot()::text, "
        "extract(epoch FROM max(datestamp))::bigint, " COMMIT_HORIZON ", "
        "extract(epoch FROM date_trunc('second', clock_timestamp()))::bigint FROM records",
};

struct db_conn {
    char *conninfo;
    char options[128]; /* session settings sent at connection time */
    char connect_timeout[16];
    PGconn *conn;
    int prepared[DB_N_STATEMENTS];
    int64_t retry_at_ms; /* monotonic time before which no attempt is made */
    unsigned long reconnects;
    int ever_connected;
};

db_conn *db_conn_new(const char *conninfo, int statement_timeout_ms, int connect_timeout_s)
{
    db_conn *db = calloc(1, sizeof(*db));

    if (db == NULL)
        return NULL;
    db->conninfo = strdup(conninfo);
    if (db->conninfo == NULL) {
        free(db);
        return NULL;
    }
    /* Read-only session: the server has no business writing, whatever role
     * the operator configured. No JIT: the statements are short, and
     * compiling them cost more than it saved on every page at a million
     * records (docs/performance.md). */
    snprintf(db->options, sizeof(db->options),
             "-c statement_timeout=%d -c default_transaction_read_only=on -c timezone=UTC "
             "-c jit=off",
             statement_timeout_ms);
    snprintf(db->connect_timeout, sizeof(db->connect_timeout), "%d", connect_timeout_s);
    return db;
}

void db_conn_free(db_conn *db)
{
    if (db == NULL)
        return;
    if (db->conn != NULL)
        PQfinish(db->conn);
    free(db->conninfo);
    free(db);
}

unsigned long db_reconnects(const db_conn *db)
{
    return db->reconnects;
}

static void db_disconnect(db_conn *db)
{
    if (db->conn != NULL)
        PQfinish(db->conn);
    db->conn = NULL;
    memset(db->prepared, 0, sizeof(db->prepared));
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connects if there is no good connection; returns 0 when connected. */
static int db_connect(db_conn *db)
{
    /* Keywords after the expanded dbname override what the conninfo says,
     * except connect_timeout, which the conninfo may set itself. */
    const char *keys[] = {"dbname", "options", "application_name", "connect_timeout", NULL};
    const char *vals[] = {db->conninfo, db->options, "nec-oai-server", db->connect_timeout, NULL};
    int64_t start = now_ms(), took;

    if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    db_disconnect(db);
    if (start < db->retry_at_ms)
        return -1;
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
        took = now_ms() - start;
        /* The interval runs from the end of the failed attempt, so requests
         * that queued behind an attempt that took connect_timeout get their
         * 503 at once instead of each waiting for an attempt of its own. */
        db->retry_at_ms = now_ms() + (2 * took > DB_RETRY_MIN_MS ? 2 * took : DB_RETRY_MIN_MS);
        metrics_db_error();
        log_error("database connection failed: %s",
                  db->conn ? PQerrorMessage(db->conn) : "out of memory");
        db_disconnect(db);
        return -1;
    }
    if (db->ever_connected) {
        db->reconnects++;
        metrics_db_reconnect();
        log_info("database connection re-established");
    }
    db->ever_connected = 1;
    return 0;
}

static int db_prepare(db_conn *db, db_stmt stmt)
{
    char name[16];
    PGresult *res;
    int ok;

    if (db->prepared[stmt])
        return 0;
    snprintf(name, sizeof(name), "s%d", (int)stmt);
    res = PQprepare(db->conn, name, stmt_sql[stmt], 0, NULL);
    ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        log_error("preparing statement %d failed: %s", (int)stmt, PQerrorMessage(db->conn));
    PQclear(res);
    if (!ok)
        return -1;
    db->prepared[stmt] = 1;
    return 0;
}

/* Errors that mean "try again later" rather than "bug": the connection,
 * a timeout, the server shutting down or out of resources. */
static int is_transient(const PGresult *res, PGconn *conn)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (conn == NULL || PQstatus(conn) != CONNECTION_OK || state == NULL)
        return 1;
    return strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
           strncmp(state, "53", 2) == 0 || strcmp(state, "40001") == 0;
}

static PGresult *db_try(db_conn *db, db_stmt stmt, int nparams, const char *const *params,
                        int *unavailable)
{
    char name[16];
    PGresult *res;

    *unavailable = 1;
    if (db_connect(db) != 0)
        return NULL;
    if (db_prepare(db, stmt) != 0) {
        /* The first statement prepared on a connection the database closed
         * meanwhile (a restart) is where the loss shows: drop it so that
         * db_query reconnects and retries, as for a failed execution. */
        if (PQstatus(db->conn) != CONNECTION_OK)
            db_disconnect(db);
        return NULL;
    }
    snprintf(name, sizeof(name), "s%d", (int)stmt);
    res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
        *unavailable = 0;
        return res;
    }
    *unavailable = is_transient(res, db->conn);
    metrics_db_error();
    log_error("query %d failed: %s", (int)stmt,
              res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    PQclear(res);
    if (PQstatus(db->conn) != CONNECTION_OK)
        db_disconnect(db);
    return NULL;
}

int db_split_dc(char *field, dc_value *vals, int max)
{
    char *p = field;
    int n = 0;

    /* Each value is "<element> <lang or -> <octet length> <value>\n"; the
     * length, not a separator, ends the value, so values may hold any
     * character. The spaces and the newline become NULs in place. */
    while (*p != '\0' && n < max) {
        char *element = p, *lang, *value, *end;
        unsigned long len;

        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        *p++ = '\0';
        lang = p;
        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        *p++ = '\0';
        len = strtoul(p, &end, 10);
        if (end == p || *end != ' ' || strlen(end + 1) < len + 1 || end[1 + len] != '\n')
            return -1;
        value = end + 1;
        value[len] = '\0';
        vals[n].element = element;
        vals[n].lang = strcmp(lang, "-") == 0 ? NULL : lang;
        vals[n].value = value;
        n++;
        p = value + len + 1;
    }
    return n;
}

int db_array_add(struct evbuffer *buf, const char *s)
{
    size_t run;
    int rc;

    rc = evbuffer_add(buf, evbuffer_get_length(buf) == 0 ? "{" : ",", 1);
    if (s == NULL)
        return rc | evbuffer_add(buf, "NULL", 4);
    rc |= evbuffer_add(buf, "\"", 1);
    while (*s != '\0') {
        run = strcspn(s, "\"\\");
        rc |= evbuffer_add(buf, s, run);
        s += run;
        if (*s != '\0') {
            rc |= evbuffer_add(buf, "\\", 1);
            rc |= evbuffer_add(buf, s++, 1);
        }
    }
    rc |= evbuffer_add(buf, "\"", 1);
    return rc != 0 ? -1 : 0;
}

PGresult *db_query(db_conn *db, db_stmt stmt, int nparams, const char *const *params,
                   int *unavailable)
{
    int had_conn = db->conn != NULL;
    PGresult *res = db_try(db, stmt, nparams, params, unavailable);

    /* A connection that died since the last request (database restart)
     * only shows when it is used: reconnect once and retry, so the first
     * request after a restart does not fail. Every statement is read-only,
     * so retrying is safe. */
    if (res == NULL && *unavailable && had_conn && db->conn == NULL) {
        db->retry_at_ms = 0;
        res = db_try(db, stmt, nparams, params, unavailable);
    }
    return res;
}
