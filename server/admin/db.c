/*
 * db.c - the tool's database connection and the set list the checks use.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PGconn *adm_connect(const adm_db_opts *o)
{
    char timeout[16];
    const char *keys[] = {"dbname", "connect_timeout", "client_encoding", "application_name", NULL};
    const char *vals[] = {o->conninfo, timeout, "UTF8", "oai-admin", NULL};
    PGconn *db;

    snprintf(timeout, sizeof(timeout), "%d", o->connect_timeout > 0 ? o->connect_timeout : 5);
    /* expand_dbname: the conninfo string or URI supplies every other key. */
    db = PQconnectdbParams(keys, vals, 1);
    if (db == NULL || PQstatus(db) != CONNECTION_OK) {
        fprintf(stderr, "oai-admin: cannot connect to the database: %s",
                db ? PQerrorMessage(db) : "out of memory\n");
        PQfinish(db);
        return NULL;
    }
    return db;
}

int setlist_load(PGconn *db, adm_setlist *l)
{
    PGresult *res = PQexecParams(db, "SELECT spec FROM sets ORDER BY spec COLLATE \"C\"", 0, NULL,
                                 NULL, NULL, NULL, 0);
    int n, rc = -1;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: reading the sets: %s", PQerrorMessage(db));
        goto cleanup;
    }
    n = PQntuples(res);
    l->specs = calloc((size_t)n + 1, sizeof(char *));
    if (l->specs == NULL)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        l->specs[i] = strdup(PQgetvalue(res, i, 0));
        if (l->specs[i] == NULL)
            goto cleanup;
        l->n++;
    }
    rc = 0;
cleanup:
    PQclear(res);
    return rc;
}
