/*
 * cmd_migrate.c - apply sql/migrations, exactly as scripts/db-migrate
 * does, so the two interoperate: the same schema_migrations table, the
 * same advisory lock (60060001), each pending NNN_name.sql in numeric
 * order in its own transaction with its schema_migrations row, files with
 * transaction control refused.
 */
#include "admin.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_LOCK_KEY "60060001"
#define MAX_MIGRATIONS 1000

typedef struct {
    int version;
    char name[256];
    char path[4096];
} migration;

static int cmp_version(const void *a, const void *b)
{
    return ((const migration *)a)->version - ((const migration *)b)->version;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

/* db-migrate's rule: no BEGIN/COMMIT/ROLLBACK/START TRANSACTION lines. */
static bool has_transaction_control(const char *sql)
{
    regex_t re;
    bool found;

    if (regcomp(&re,
                "^[[:space:]]*(BEGIN|COMMIT|ROLLBACK|START[[:space:]]+TRANSACTION)[[:space:]]*;",
                REG_EXTENDED | REG_ICASE | REG_NEWLINE | REG_NOSUB) != 0)
        return true;
    found = regexec(&re, sql, 0, NULL, 0) == 0;
    regfree(&re);
    return found;
}

/* Parses "NNN_name.sql"; 0 or -1 if the name does not fit. */
static int parse_name(const char *file, migration *m)
{
    size_t n = strlen(file), d = strspn(file, "0123456789");
    const char *name = file + d + 1;

    if (n < 5 || strcmp(file + n - 4, ".sql") != 0 || d == 0 || d > 9 || file[d] != '_')
        return -1;
    if (name == file + n - 4 ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
            (size_t)(file + n - 4 - name))
        return -1;
    m->version = atoi(file);
    snprintf(m->name, sizeof(m->name), "%.*s", (int)(n - 4), file);
    return 0;
}

static int list_migrations(const char *dir, migration *v, int *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        fprintf(stderr, "oai-admin: migrate: no directory %s: %s (use --sql-dir)\n", dir,
                strerror(errno));
        return -1;
    }
    *n = 0;
    while ((e = readdir(d)) != NULL) {
        migration m;
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        if (parse_name(e->d_name, &m) < 0) {
            fprintf(stderr,
                    "oai-admin: migrate: warning: ignoring %s/%s (not named "
                    "NNN_name.sql)\n",
                    dir, e->d_name);
            continue;
        }
        if (*n == MAX_MIGRATIONS)
            break;
        snprintf(m.path, sizeof(m.path), "%.3800s/%.255s", dir, e->d_name);
        v[(*n)++] = m;
    }
    closedir(d);
    qsort(v, (size_t)*n, sizeof(migration), cmp_version);
    for (int i = 1; i < *n; i++) {
        if (v[i].version == v[i - 1].version) {
            fprintf(stderr, "oai-admin: migrate: two migrations with version %d: %s and %s\n",
                    v[i].version, v[i - 1].path, v[i].path);
            return -1;
        }
    }
    return 0;
}

static int exec_cmd(PGconn *db, const char *sql, const char *what)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(res);

    PQclear(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    fprintf(stderr, "oai-admin: migrate: %s: %s", what, PQerrorMessage(db));
    return -1;
}

static int pending(PGconn *db, const migration *m)
{
    char ver[16];
    const char *params[1] = {ver};
    PGresult *res;
    int rc;

    snprintf(ver, sizeof(ver), "%d", m->version);
    res = PQexecParams(db, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, NULL, params,
                       NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oai-admin: migrate: %s", PQerrorMessage(db));
        rc = -1;
    } else {
        rc = PQntuples(res) == 0;
    }
    PQclear(res);
    return rc;
}

static int apply(PGconn *db, const migration *m)
{
    char ver[16];
    const char *params[2] = {ver, m->name};
    char *sql = slurp(m->path);
    PGresult *res;
    int rc = -1;

    snprintf(ver, sizeof(ver), "%d", m->version);
    if (sql == NULL) {
        fprintf(stderr, "oai-admin: migrate: cannot read %s: %s\n", m->path, strerror(errno));
        return -1;
    }
    if (has_transaction_control(sql)) {
        fprintf(stderr,
                "oai-admin: migrate: %s contains transaction control "
                "(BEGIN/COMMIT/ROLLBACK); each migration runs in its own transaction\n",
                m->path);
        goto cleanup;
    }
    if (exec_cmd(db, "RESET ALL", m->name) < 0 || exec_cmd(db, "BEGIN", m->name) < 0)
        goto cleanup;
    if (exec_cmd(db, sql, m->path) < 0)
        goto rollback;
    res = PQexecParams(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, NULL,
                       params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "oai-admin: migrate: %s", PQerrorMessage(db));
        PQclear(res);
        goto rollback;
    }
    PQclear(res);
    if (exec_cmd(db, "COMMIT", m->name) < 0)
        goto cleanup;
    printf("applied %s\n", m->name);
    rc = 0;
    goto cleanup;
rollback:
    exec_cmd(db, "ROLLBACK", m->name);
cleanup:
    free(sql);
    return rc;
}

static const char *const setup_sql = "SET client_min_messages = warning;"
                                     "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ");"
                                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                     "    version     integer PRIMARY KEY,"
                                     "    name        text NOT NULL,"
                                     "    applied_at  timestamptz NOT NULL DEFAULT now()"
                                     ");"
                                     "RESET client_min_messages;";

/* Migrations the database has but the folder lacks, or under another name. */
static void warn_unknown(PGconn *db, const migration *v, int n, const char *dir)
{
    PGresult *res = PQexec(db, "SELECT version, name FROM schema_migrations ORDER BY version");
    int i, j;

    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        for (i = 0; i < PQntuples(res); i++) {
            int ver = atoi(PQgetvalue(res, i, 0));
            for (j = 0; j < n && v[j].version != ver; j++)
                ;
            if (j == n)
                fprintf(stderr,
                        "oai-admin: migrate: warning: the database has migration %s, "
                        "which %s lacks\n",
                        PQgetvalue(res, i, 1), dir);
            else if (strcmp(v[j].name, PQgetvalue(res, i, 1)) != 0)
                fprintf(stderr,
                        "oai-admin: migrate: warning: migration %d was applied as %s "
                        "but is now %s\n",
                        ver, PQgetvalue(res, i, 1), v[j].name);
        }
    }
    PQclear(res);
}

int cmd_migrate(const adm_opts *o, int argc, char **argv)
{
    static migration v[MAX_MIGRATIONS];
    char dir[4096];
    const char *env = getenv("OAI_MIGRATIONS_DIR");
    PGconn *db;
    int n, applied = 0, rc = ADM_FAILED;

    if (argc > 0) {
        fprintf(stderr, "oai-admin: migrate takes no arguments\n");
        return ADM_USAGE;
    }
    if (o->sql_dir)
        snprintf(dir, sizeof(dir), "%s/migrations", o->sql_dir);
    else
        snprintf(dir, sizeof(dir), "%s", env && *env ? env : OAI_SQL_DIR "/migrations");
    if (list_migrations(dir, v, &n) < 0)
        return ADM_FAILED;
    if ((db = adm_connect(&o->db)) == NULL)
        return ADM_FAILED;
    if (exec_cmd(db, setup_sql, "preparing") < 0)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        int p = pending(db, &v[i]);
        if (p < 0 || (p && apply(db, &v[i]) < 0)) {
            fprintf(stderr, "oai-admin: migrate: failed; a failed migration is rolled back, "
                            "those applied before it stay\n");
            goto cleanup;
        }
        applied += p;
    }
    if (applied == 0)
        printf("schema is up to date (latest migration: %s)\n", n ? v[n - 1].name : "(none)");
    warn_unknown(db, v, n, dir);
    rc = ADM_OK;
cleanup:
    PQfinish(db);
    return rc;
}
