/*
 * db.h - one PostgreSQL connection per worker thread, through libpq.
 *
 * Every query the server runs is a named prepared statement from the table
 * in db.c (parameterised SQL only: no request value is ever spliced into
 * SQL text). Statements are prepared lazily on each (re)connection. The
 * session is read-only with a statement_timeout, so a slow query can hold a
 * worker only for a bounded time.
 *
 * When the database is unreachable, queries fail fast (NULL) and the caller
 * answers 503 with Retry-After; the next query after a back-off interval
 * reconnects.
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>

#include <event2/buffer.h>

#include "metadata.h"

typedef enum {
    /* Identify: earliest datestamp (epoch, NULL if empty) and a sample local id. */
    DB_IDENTIFY = 0,
    /* Does the repository have any set? -> one row, 't' or 'f'. */
    DB_HAS_SETS,
    /* ($1 local_id) -> deleted flag, or no row. */
    DB_RECORD_EXISTS,
    /* Record rows, see DB_COL_* and DB_COL_ITEM, of several records: ($1
     * local ids, $2 the metadataPrefix of the stored rendering to use for
     * each, or NULL, $3 its version: array literals of the same length,
     * see db_array_add). No row for an identifier that does not exist. */
    DB_GET_RECORDS,
    /* The keys of a list page, in harvest order: id, datestamp epoch, one
     * row per record: ($1 after_datestamp epoch, $2 after_id, $3 until
     * epoch, $4 limit, $5 the element the metadata format requires or
     * NULL: only records available in it). */
    DB_LIST_KEYS,
    /* Same, with $6 setSpec (the set and its descendants). */
    DB_LIST_KEYS_SET,
    /* Record rows of keys, see DB_COL_*, in harvest order, only of records
     * still at the key's datestamp: ($1 ids, $2 datestamps epoch, as
     * arrays of the same length, $3 with metadata bool, $4 metadataPrefix
     * of the stored renderings to use or NULL, $5 their version). */
    DB_LIST_BATCH,
    /* count(*) of records: ($1 from epoch, $2 until epoch, $3 element). */
    DB_COUNT_RECORDS,
    /* ($1 from, $2 until, $3 setSpec, $4 element). */
    DB_COUNT_RECORDS_SET,
    /* Sets after $1 (spec, '' for the first page), $2 limit:
     * spec, name, description value, description lang (one row per description). */
    DB_LIST_SETS,
    DB_COUNT_SETS,
    /* Health check: one row. */
    DB_PING,
    /* The data's identity and newest datestamp (list_cache.h), and the
     * commit horizon (migration 006): one row, pg_current_snapshot() as
     * text, max(datestamp) epoch or NULL, the earliest second a commit in
     * progress may stamp records with (epoch) or NULL when none is, and the
     * database's clock (epoch second) when pg_locks was read. */
    DB_SNAPSHOT,
    DB_N_STATEMENTS
} db_stmt;

/* Columns of DB_GET_RECORDS / DB_LIST_BATCH: one row per record. */
enum {
    DB_COL_ID = 0,
    DB_COL_LOCAL_ID,
    DB_COL_DATESTAMP, /* epoch seconds */
    DB_COL_DELETED,   /* 't' / 'f' */
    DB_COL_SETS,      /* space-separated setSpecs, or NULL */
    DB_COL_RENDERED,  /* 't' when a stored rendering answered (DB_COL_XML) */
    DB_COL_XML,       /* the stored <metadata> content, NULL when there is
                         none or the record is not available in the format */
    DB_COL_DC,        /* the Dublin Core values for db_split_dc, or NULL when
                         deleted, rendered, or metadata was not asked */
    DB_COL_ITEM,      /* DB_GET_RECORDS only: which item of the arrays the
                         row answers, from 1 */
};

/* SQL: a record's Dublin Core values as one text field, in oai_dc element
 * order then cataloguing order, for db_split_dc (id: SQL for the record's
 * id). oai-admin renders from the same field. */
#define DB_DC_FIELD(id)                                                                            \
    "(SELECT string_agg(v.element || ' ' || coalesce(v.lang, '-') || ' ' || "                      \
    "octet_length(v.value) || ' ' || v.value || E'\\n', '' ORDER BY e.position, v.seq) "           \
    "FROM record_values v JOIN dc_elements e ON e.name = v.element WHERE v.record_id = " id ")"

/* SQL: whether record r (alias "r") can be disseminated in a format
 * (metadata_format.requires: the element given as param, NULL for none):
 * deleted records (a header only) and records with a value of that element
 * that has text, i.e. a character above U+0020 (dc_value_has_text). fence:
 * SQL appended inside the EXISTS ("" or " OFFSET 0", see db.c). oai-admin
 * moves datestamps by the same rule (render.c). */
#define DB_FORMAT_OK(param, fence)                                                                 \
    "(" param "::text IS NULL OR r.deleted OR EXISTS (SELECT 1 FROM record_values fv "             \
    "WHERE fv.record_id = r.id AND fv.element = " param " AND fv.value ~ '[^\\x01-\\x20]'" fence   \
    "))"

typedef struct db_conn db_conn;

/*
 * Splits a DB_COL_DC field (a writable copy of it: it is modified in place)
 * into at most max values pointing into it. Returns the number of values,
 * or -1 if the field is malformed.
 */
int db_split_dc(char *field, dc_value *vals, int max);

/* Appends s as the next element of an array literal in buf, a parameter
 * for a text[] (or integer[]) of a statement: "{" before the first element
 * (buf empty), "," before the others; the caller ends it with "}". s NULL
 * is an SQL NULL; any other text, quoted with its '"' and '\\' escaped,
 * is one element whatever characters it has. -1 when out of memory (the
 * literal is then unusable: an element could be missing). */
int db_array_add(struct evbuffer *buf, const char *s);

/* No connection is made until the first query. */
db_conn *db_conn_new(const char *conninfo, int statement_timeout_ms, int connect_timeout_s);
void db_conn_free(db_conn *db);

/*
 * Runs a prepared statement with text parameters (NULL = SQL NULL).
 * Returns a PGRES_TUPLES_OK result (caller PQclear()s it), or NULL when the
 * database is unavailable or the query failed (logged). *unavailable is
 * set to 1 when the failure is the connection (answer 503), 0 otherwise.
 */
PGresult *db_query(db_conn *db, db_stmt stmt, int nparams, const char *const *params,
                   int *unavailable);

/* Number of successful reconnections (for logs and metrics). */
unsigned long db_reconnects(const db_conn *db);

#endif
