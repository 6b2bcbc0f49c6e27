/*
 * cmd_stats.c - counts for cataloguers: records, deleted, earliest and
 * latest datestamp, by set (a set counts its sub-sets' records too, as a
 * selective harvest would), by type.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *const totals_sql =
    "SELECT count(*), count(*) FILTER (WHERE deleted),"
    " coalesce(to_char(min(datestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
    " coalesce(to_char(max(datestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
    " FROM records";

static const char *const by_set_sql =
    "SELECT s.spec, count(DISTINCT rs.record_id) FILTER (WHERE NOT r.deleted),"
    " count(DISTINCT rs.record_id) FILTER (WHERE r.deleted)"
    " FROM sets s LEFT JOIN record_sets rs"
    "  ON rs.spec = s.spec OR left(rs.spec, length(s.spec) + 1) = s.spec || ':'"
    " LEFT JOIN records r ON r.id = rs.record_id"
    " GROUP BY s.spec ORDER BY s.spec COLLATE \"C\"";

static const char *const by_type_sql =
    "SELECT v.value, count(DISTINCT v.record_id) FROM record_values v"
    " JOIN records r ON r.id = v.record_id AND NOT r.deleted"
    " WHERE v.element = 'type' GROUP BY v.value ORDER BY 2 DESC, 1";

static PGresult *query(PGconn *db, const char *sql)
{
    PGresult *res = PQexecParams(db, sql, 0, NULL, NULL, NULL, NULL, 0);

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: stats: %s", PQerrorMessage(db));
        PQclear(res);
        return NULL;
    }
    return res;
}

static void print_human(PGresult *t, PGresult *s, PGresult *ty)
{
    printf("records:   %s (%s deleted)\n", PQgetvalue(t, 0, 0), PQgetvalue(t, 0, 1));
    printf("earliest datestamp: %s\n", PQgetvalue(t, 0, 2));
    printf("latest datestamp:   %s\n", PQgetvalue(t, 0, 3));
    printf("\nby set (records, deleted):\n");
    for (int i = 0; i < PQntuples(s); i++)
        printf("  %-40s %8s %6s\n", PQgetvalue(s, i, 0), PQgetvalue(s, i, 1), PQgetvalue(s, i, 2));
    printf("\nby type (records, not deleted):\n");
    for (int i = 0; i < PQntuples(ty); i++)
        printf("  %-40s %8s\n", PQgetvalue(ty, i, 0), PQgetvalue(ty, i, 1));
}

static void print_json(PGresult *t, PGresult *s, PGresult *ty)
{
    json_t *o = json_object(), *sets = json_object(), *types = json_object();
    char *out;

    json_object_set_new(o, "records", json_integer(atoll(PQgetvalue(t, 0, 0))));
    json_object_set_new(o, "deleted", json_integer(atoll(PQgetvalue(t, 0, 1))));
    json_object_set_new(o, "earliest_datestamp", json_string(PQgetvalue(t, 0, 2)));
    json_object_set_new(o, "latest_datestamp", json_string(PQgetvalue(t, 0, 3)));
    for (int i = 0; i < PQntuples(s); i++) {
        json_t *e = json_object();
        json_object_set_new(e, "records", json_integer(atoll(PQgetvalue(s, i, 1))));
        json_object_set_new(e, "deleted", json_integer(atoll(PQgetvalue(s, i, 2))));
        json_object_set_new(sets, PQgetvalue(s, i, 0), e);
    }
    for (int i = 0; i < PQntuples(ty); i++)
        json_object_set_new(types, PQgetvalue(ty, i, 0), json_integer(atoll(PQgetvalue(ty, i, 1))));
    json_object_set_new(o, "by_set", sets);
    json_object_set_new(o, "by_type", types);
    out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (out)
        printf("%s\n", out);
    free(out);
    json_decref(o);
}

int cmd_stats(const adm_opts *o, int argc, char **argv)
{
    PGconn *db;
    PGresult *t = NULL, *s = NULL, *ty = NULL;
    int rc = ADM_FAILED;

    if (argc > 0) {
        fprintf(stderr, "oai-admin: stats takes no arguments\n");
        return ADM_USAGE;
    }
    if ((db = adm_connect(&o->db)) == NULL)
        return ADM_FAILED;
    /* One snapshot for the three queries. */
    PQclear(PQexec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    if ((t = query(db, totals_sql)) && (s = query(db, by_set_sql)) &&
        (ty = query(db, by_type_sql))) {
        if (o->output == OUT_JSON)
            print_json(t, s, ty);
        else
            print_human(t, s, ty);
        rc = ADM_OK;
    }
    PQclear(t);
    PQclear(s);
    PQclear(ty);
    PQfinish(db);
    return rc;
}
