/*
 * cmd_records.c - delete (tombstone) and undelete records.
 *
 * Records are never physically deleted (the schema refuses it): delete
 * sets deleted = true, so harvesters see status="deleted" and the values
 * stay for undelete. All identifiers in one transaction: an unknown one
 * changes nothing.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

/* Accepts the local identifier or the full oai:REPO:LOCAL form. */
static const char *local_of(const char *id)
{
    const char *colon;

    if (strncmp(id, "oai:", 4) == 0 && (colon = strchr(id + 4, ':')) != NULL && colon[1])
        return colon + 1;
    return id;
}

static int one(PGconn *db, const char *id, bool deleted, int *changed)
{
    const char *params[2] = {local_of(id), deleted ? "t" : "f"};
    PGresult *res = PQexecParams(db, "SELECT deleted FROM records WHERE local_id = $1 FOR UPDATE",
                                 1, NULL, params, NULL, NULL, 0);
    int rc = -1;

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: %s: %s", id, PQerrorMessage(db));
        goto cleanup;
    }
    if (PQntuples(res) == 0) {
        fprintf(stderr,
                "oai-admin: %s: no such record (check the identifier: oai-admin "
                "stats, or harvest ListIdentifiers)\n",
                id);
        goto cleanup;
    }
    if ((PQgetvalue(res, 0, 0)[0] == 't') == deleted) {
        fprintf(stderr, "oai-admin: %s: already %s\n", params[0],
                deleted ? "deleted" : "present (not deleted)");
        rc = 0;
        goto cleanup;
    }
    PQclear(res);
    res = PQexecParams(db, "UPDATE records SET deleted = $2 WHERE local_id = $1", 2, NULL, params,
                       NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "oai-admin: %s: %s", id, PQerrorMessage(db));
        goto cleanup;
    }
    /* A record withdrawn before its renderings were stored gets them now
     * (migration 005); one that had them keeps them. */
    if (!deleted &&
        render_records(db, "SELECT id FROM records WHERE local_id = $1", 1, params, false) < 0)
        goto cleanup;
    (*changed)++;
    rc = 0;
cleanup:
    PQclear(res);
    return rc;
}

int cmd_delete(const adm_opts *o, int argc, char **argv, bool deleted)
{
    PGconn *db;
    PGresult *res;
    int changed = 0, failed = 0;

    if (argc < 1) {
        fprintf(stderr, "oai-admin: %s: name at least one record identifier\n",
                deleted ? "delete" : "undelete");
        return ADM_USAGE;
    }
    if ((db = adm_connect(&o->db)) == NULL)
        return ADM_FAILED;
    res = PQexec(db, "BEGIN");
    PQclear(res);
    for (int i = 0; i < argc; i++)
        failed += one(db, argv[i], deleted, &changed) < 0;
    res = PQexec(db, failed ? "ROLLBACK" : "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "oai-admin: %s", PQerrorMessage(db));
        failed++;
    }
    PQclear(res);
    PQfinish(db);
    if (failed) {
        fprintf(stderr, "oai-admin: nothing changed\n");
        return ADM_FAILED;
    }
    /* Said only once committed. */
    printf("%s %d record%s\n", deleted ? "deleted (tombstones kept):" : "restored:", changed,
           changed == 1 ? "" : "s");
    return ADM_OK;
}
