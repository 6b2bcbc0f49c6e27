/*
 * admin_main.c - oai-admin, the cataloguers' command-line tool.
 *
 * Reads the server's settings file (-c) for [database] conninfo and
 * connect_timeout, with the server's -o overrides; only the database
 * section has to be complete (no token secret needed). See
 * docs/cataloguing.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "admin.h"
#include "config.h"

#define MAX_OVERRIDES 64

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: oai-admin [OPTIONS] COMMAND [ARGS]\n"
            "The NEC E-Library cataloguers' tool (docs/cataloguing.md).\n\n"
            "Commands:\n"
            "  import FILE...          import Dublin Core records (.csv, .jsonl, .xml oai_dc)\n"
            "  validate FILE...        check files against the profile; write nothing\n"
            "  delete ID...            withdraw records (persistent tombstones)\n"
            "  undelete ID...          restore withdrawn records\n"
            "  sets [list]             list the sets with their record counts\n"
            "  sets add SPEC NAME      create a set (its parent must exist)\n"
            "  sets rename OLD NEW     change a setSpec (sub-sets and memberships follow)\n"
            "  sets describe SPEC [--name NAME | LANG TEXT]\n"
            "                          show or change a set's name or description\n"
            "  stats                   counts by set and type, deleted, datestamp range\n"
            "  migrate                 apply the pending sql/migrations\n"
            "  render [--all]          store the records' renderings the server streams\n"
            "                          (those missing or outdated; --all: every record)\n"
            "  generate N              write N synthetic records to standard output\n\n"
            "Options:\n"
            "  -c, --config FILE       the server's settings file ([database] conninfo)\n"
            "  -o, --set SECTION.KEY=VALUE  override one setting\n"
            "      --db CONNINFO       same as -o database.conninfo=CONNINFO\n"
            "      --partial           import: commit the valid records, report the rest\n"
            "      --map-types         import: add the DCMI type of NEC document kinds\n"
            "      --format FMT        csv, jsonl or xml (default: from the file name)\n"
            "      --json              validate, stats: machine-readable output\n"
            "  -q, --quiet             no progress, summary only on problems\n"
            "      --sql-dir DIR       migrate: folder with migrations/ (default %s)\n"
            "      --seed S            generate: random seed (default 1)\n"
            "      --name NAME         sets describe: the new set name\n"
            "      --all               render: re-render every record\n"
            "  -h, --help              this help\n"
            "  -V, --version           the version\n\n"
            "Exit status: 0 success; 1 errors found or nothing written; 2 usage or settings.\n",
            OAI_SQL_DIR);
}

typedef struct {
    const char *config_path;
    const char *overrides[MAX_OVERRIDES];
    int n_overrides;
} settings_args;

static int parse_options(int argc, char **argv, adm_opts *o, settings_args *s)
{
    enum { O_DB = 256, O_PARTIAL, O_MAP, O_FORMAT, O_JSON, O_SQLDIR, O_SEED, O_NAME, O_ALL };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, O_DB},
        {"partial", no_argument, NULL, O_PARTIAL},
        {"map-types", no_argument, NULL, O_MAP},
        {"format", required_argument, NULL, O_FORMAT},
        {"json", no_argument, NULL, O_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"sql-dir", required_argument, NULL, O_SQLDIR},
        {"seed", required_argument, NULL, O_SEED},
        {"name", required_argument, NULL, O_NAME},
        {"all", no_argument, NULL, O_ALL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "c:o:qhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            s->config_path = optarg;
            break;
        case 'o':
        case O_DB:
            if (s->n_overrides == MAX_OVERRIDES) {
                fprintf(stderr, "oai-admin: too many -o overrides\n");
                return -1;
            }
            if (c == O_DB) {
                static char buf[8192];
                snprintf(buf, sizeof(buf), "database.conninfo=%s", optarg);
                s->overrides[s->n_overrides++] = buf;
            } else {
                s->overrides[s->n_overrides++] = optarg;
            }
            break;
        case O_PARTIAL:
            o->partial = true;
            break;
        case O_MAP:
            o->map_types = true;
            break;
        case O_FORMAT:
            o->format = format_from_name(optarg);
            if (o->format == FMT_AUTO) {
                fprintf(stderr, "oai-admin: --format must be csv, jsonl or xml\n");
                return -1;
            }
            break;
        case O_JSON:
            o->output = OUT_JSON;
            break;
        case 'q':
            o->quiet = true;
            break;
        case O_SQLDIR:
            o->sql_dir = optarg;
            break;
        case O_SEED:
            o->seed = strtoull(optarg, NULL, 10);
            break;
        case O_ALL:
            o->all = true;
            break;
        case O_NAME:
            o->name = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case 'V':
            printf("oai-admin %s\n", OAI_VERSION);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    return 0;
}

/* The settings file and overrides; only [database] must be complete. */
static int load_settings(config *cfg, const settings_args *s)
{
    char err[4096];

    if (config_load(cfg, s->config_path, s->overrides, s->n_overrides, err, sizeof(err)) != 0) {
        fprintf(stderr, "oai-admin: %s\n", err);
        return -1;
    }
    return 0;
}

static bool needs_db(const char *cmd)
{
    return strcmp(cmd, "validate") != 0 && strcmp(cmd, "generate") != 0;
}

static int dispatch(const char *cmd, const adm_opts *o, int argc, char **argv)
{
    if (strcmp(cmd, "import") == 0)
        return cmd_import(o, argc, argv, true);
    if (strcmp(cmd, "validate") == 0)
        return cmd_import(o, argc, argv, false);
    if (strcmp(cmd, "delete") == 0)
        return cmd_delete(o, argc, argv, true);
    if (strcmp(cmd, "undelete") == 0)
        return cmd_delete(o, argc, argv, false);
    if (strcmp(cmd, "sets") == 0)
        return cmd_sets(o, argc, argv);
    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(o, argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(o, argc, argv);
    if (strcmp(cmd, "generate") == 0)
        return cmd_generate(o, argc, argv);
    if (strcmp(cmd, "render") == 0)
        return cmd_render(o, argc, argv);
    fprintf(stderr, "oai-admin: unknown command '%s' (oai-admin --help lists them)\n", cmd);
    return ADM_USAGE;
}

int main(int argc, char **argv)
{
    adm_opts o = {.seed = 1};
    settings_args s = {0};
    config cfg;
    int rc;
    const char *cmd;

    rc = parse_options(argc, argv, &o, &s);
    if (rc != 0)
        return rc > 0 ? ADM_OK : ADM_USAGE;
    if (optind >= argc) {
        usage(stderr);
        return ADM_USAGE;
    }
    cmd = argv[optind];
    if (load_settings(&cfg, &s) < 0) {
        config_free(&cfg);
        return ADM_USAGE;
    }
    if (needs_db(cmd) && (cfg.conninfo == NULL || cfg.conninfo[0] == '\0')) {
        fprintf(stderr,
                "oai-admin: %s: no database: give -c FILE (with [database] conninfo) or "
                "--db CONNINFO\n",
                cmd);
        config_free(&cfg);
        return ADM_USAGE;
    }
    o.db.conninfo = cfg.conninfo;
    o.db.connect_timeout = cfg.connect_timeout;
    LIBXML_TEST_VERSION
    rc = dispatch(cmd, &o, argc - optind - 1, argv + optind + 1);
    xmlCleanupParser();
    config_free(&cfg);
    return rc;
}
