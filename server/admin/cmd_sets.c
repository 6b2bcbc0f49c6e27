/*
 * cmd_sets.c - sets: list, add, rename, describe.
 *
 *   sets [list]
 *   sets add SPEC NAME                 (the parent of a:b must exist)
 *   sets rename OLD NEW                (with its sub-sets; memberships follow)
 *   sets describe SPEC                 (show name and descriptions)
 *   sets describe SPEC --name NAME     (change the name)
 *   sets describe SPEC LANG TEXT       (set the description in LANG; "-" = none)
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>

static PGresult *run(PGconn *db, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: sets: %s", PQerrorMessage(db));
        PQclear(res);
        return NULL;
    }
    return res;
}

static int done(PGresult *res)
{
    int ok = res != NULL;

    PQclear(res);
    return ok ? ADM_OK : ADM_FAILED;
}

static int list(PGconn *db)
{
    PGresult *res = run(db,
                        "SELECT s.spec, s.name, (SELECT count(*) FROM record_sets rs"
                        " JOIN records r ON r.id = rs.record_id AND NOT r.deleted"
                        " WHERE rs.spec = s.spec) FROM sets s ORDER BY s.spec COLLATE \"C\"",
                        0, NULL);

    if (res == NULL)
        return ADM_FAILED;
    for (int i = 0; i < PQntuples(res); i++)
        printf("%s\t%s\t%s records\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
               PQgetvalue(res, i, 2));
    return done(res);
}

static int add(PGconn *db, const char *spec, const char *name)
{
    const char *params[2] = {spec, name};
    const char *colon = strrchr(spec, ':');
    PGresult *res;

    if (!check_setspec(spec)) {
        fprintf(stderr,
                "oai-admin: sets add: '%s' is not a valid setSpec — use letters, digits "
                "and - _ . ! ~ * ' ( ), ':' between levels\n",
                spec);
        return ADM_FAILED;
    }
    if (colon) {
        char parent[300];
        snprintf(parent, sizeof(parent), "%.*s", (int)(colon - spec), spec);
        const char *pp[1] = {parent};
        res = run(db, "SELECT 1 FROM sets WHERE spec = $1", 1, pp);
        if (res == NULL)
            return ADM_FAILED;
        if (PQntuples(res) == 0) {
            fprintf(stderr,
                    "oai-admin: sets add: the parent set '%s' does not exist — add it "
                    "first: oai-admin sets add %s NAME\n",
                    parent, parent);
            PQclear(res);
            return ADM_FAILED;
        }
        PQclear(res);
    }
    res = run(db, "INSERT INTO sets (spec, name) VALUES ($1, $2)", 2, params);
    if (res)
        printf("added set %s\n", spec);
    return done(res);
}

static int rename_set(PGconn *db, const char *old, const char *new_spec)
{
    const char *params[2] = {old, new_spec};
    PGresult *res;

    if (!check_setspec(new_spec)) {
        fprintf(stderr,
                "oai-admin: sets rename: '%s' is not a valid setSpec — use letters, "
                "digits and - _ . ! ~ * ' ( ), ':' between levels\n",
                new_spec);
        return ADM_FAILED;
    }
    /* One statement: the parent foreign key is checked at its end. */
    res = run(db,
              "UPDATE sets SET spec = $2 || substr(spec, length($1) + 1)"
              " WHERE spec = $1 OR left(spec, length($1) + 1) = $1 || ':'",
              2, params);
    if (res && strcmp(PQcmdTuples(res), "0") == 0) {
        fprintf(stderr, "oai-admin: sets rename: no set '%s' (see oai-admin sets list)\n", old);
        PQclear(res);
        return ADM_FAILED;
    }
    if (res)
        printf("renamed %s to %s (%s sets; memberships follow)\n", old, new_spec, PQcmdTuples(res));
    return done(res);
}

static int show(PGconn *db, const char *spec)
{
    const char *params[1] = {spec};
    PGresult *res = run(db,
                        "SELECT s.name, d.lang, d.value FROM sets s LEFT JOIN set_descriptions d"
                        " ON d.spec = s.spec WHERE s.spec = $1 ORDER BY d.seq",
                        1, params);

    if (res == NULL)
        return ADM_FAILED;
    if (PQntuples(res) == 0) {
        fprintf(stderr, "oai-admin: sets: no set '%s'\n", spec);
        PQclear(res);
        return ADM_FAILED;
    }
    printf("%s\t%s\n", spec, PQgetvalue(res, 0, 0));
    for (int i = 0; i < PQntuples(res); i++) {
        if (!PQgetisnull(res, i, 2))
            printf("  [%s] %s\n", PQgetisnull(res, i, 1) ? "-" : PQgetvalue(res, i, 1),
                   PQgetvalue(res, i, 2));
    }
    return done(res);
}

static int describe(PGconn *db, const adm_opts *o, int argc, char **argv)
{
    const char *spec = argv[0];
    PGresult *res;

    if (argc == 1 && o->name == NULL)
        return show(db, spec);
    if (argc == 1) {
        const char *params[2] = {spec, o->name};
        res = run(db, "UPDATE sets SET name = $2 WHERE spec = $1", 2, params);
    } else if (argc == 3) {
        const char *lang = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
        const char *params[3] = {spec, argv[2], lang};
        if (lang && !check_lang_tag(lang)) {
            fprintf(stderr,
                    "oai-admin: sets describe: unknown language tag '%s' — use an ISO "
                    "639 code such as km or en, or - for none\n",
                    lang);
            return ADM_FAILED;
        }
        /* Replace the description in that language, else add one. */
        res = run(db,
                  "WITH upd AS (UPDATE set_descriptions SET value = $2 WHERE spec = $1"
                  "  AND lang IS NOT DISTINCT FROM $3 RETURNING 1)"
                  " INSERT INTO set_descriptions (spec, seq, value, lang)"
                  " SELECT $1, coalesce((SELECT max(seq) FROM set_descriptions WHERE spec = $1),"
                  " 0) + 1, $2, $3 FROM sets WHERE spec = $1 AND NOT EXISTS (SELECT 1 FROM upd)",
                  3, params);
        if (res) {
            PQclear(res);
            return show(db, spec);
        }
    } else {
        fprintf(stderr, "oai-admin: usage: sets describe SPEC [--name NAME | LANG TEXT]\n");
        return ADM_USAGE;
    }
    if (res && strcmp(PQcmdTuples(res), "0") == 0) {
        fprintf(stderr, "oai-admin: sets: no set '%s'\n", spec);
        PQclear(res);
        return ADM_FAILED;
    }
    return done(res);
}

int cmd_sets(const adm_opts *o, int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "list";
    PGconn *db;
    int rc;

    if ((db = adm_connect(&o->db)) == NULL)
        return ADM_FAILED;
    if (strcmp(sub, "list") == 0 && argc <= 1)
        rc = list(db);
    else if (strcmp(sub, "add") == 0 && argc == 3)
        rc = add(db, argv[1], argv[2]);
    else if (strcmp(sub, "rename") == 0 && argc == 3)
        rc = rename_set(db, argv[1], argv[2]);
    else if (strcmp(sub, "describe") == 0 && argc >= 2)
        rc = describe(db, o, argc - 1, argv + 1);
    else {
        fprintf(stderr, "oai-admin: usage: sets [list] | sets add SPEC NAME | sets rename OLD "
                        "NEW | sets describe SPEC [--name NAME | LANG TEXT]\n");
        rc = ADM_USAGE;
    }
    PQfinish(db);
    return rc;
}
