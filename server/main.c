/*
 * main.c - command line, settings, signals, and the worker threads.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "config.h"
#include "html_view.h"
#include "http.h"
#include "log.h"
#include "worker.h"

#define MAX_OVERRIDES 64
#define SHUTDOWN_TIMEOUT 10

typedef struct {
    const char *config_path;
    const char *overrides[MAX_OVERRIDES]; /* "section.key=value" */
    int n_overrides;
    int demo;
    int check_only;
} options;

typedef struct {
    config cfg;
    options opt;
    server_state state;
    worker workers[WORKER_MAX];
    int n_workers;
    struct event_base *base;
} server;

static void usage(FILE *out)
{
    fprintf(out, "Usage: oai-server [OPTIONS]\n"
                 "OAI-PMH 2.0 repository server of the NEC E-Library.\n\n"
                 "  -c, --config FILE          read settings from FILE (ini format, see conf/)\n"
                 "  -o, --set SECTION.KEY=VAL  override one setting (repeatable), e.g.\n"
                 "                             -o server.port=8081\n"
                 "      --listen ADDR          same as -o server.listen=ADDR\n"
                 "  -p, --port N               same as -o server.port=N\n"
                 "      --base-url URL         same as -o repository.base_url=URL\n"
                 "      --db CONNINFO          same as -o database.conninfo=CONNINFO\n"
                 "      --demo                 demo mode: allows the built-in token secret\n"
                 "  -t, --check-config         check the settings and exit\n"
                 "  -h, --help                 show this help and exit\n"
                 "  -V, --version              show the version and exit\n\n"
                 "Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reopens the log files and\n"
                 "reloads the connection limits and log level from the settings file.\n");
}

static int add_override(options *opt, const char *key, const char *value)
{
    size_t n = strlen(key) + strlen(value) + 2;
    char *s;

    if (opt->n_overrides == MAX_OVERRIDES) {
        fprintf(stderr, "oai-server: too many setting overrides (at most %d)\n", MAX_OVERRIDES);
        return -1;
    }
    s = malloc(n);
    if (s == NULL)
        return -1;
    snprintf(s, n, "%s=%s", key, value);
    opt->overrides[opt->n_overrides++] = s;
    return 0;
}

/* Returns 0 to go on, 1 to exit successfully, -1 to exit with an error. */
static int parse_options(options *opt, int argc, char **argv)
{
    enum { OPT_LISTEN = 256, OPT_BASE_URL, OPT_DB, OPT_DEMO };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'o'},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"port", required_argument, NULL, 'p'},
        {"base-url", required_argument, NULL, OPT_BASE_URL},
        {"db", required_argument, NULL, OPT_DB},
        {"demo", no_argument, NULL, OPT_DEMO},
        {"check-config", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "c:o:p:thV", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            opt->config_path = optarg;
            break;
        case 'o': {
            char *eq = strchr(optarg, '=');

            if (eq == NULL) {
                fprintf(stderr, "oai-server: -o expects SECTION.KEY=VALUE, got '%s'\n", optarg);
                return -1;
            }
            *eq = '\0';
            rc = add_override(opt, optarg, eq + 1);
            break;
        }
        case OPT_LISTEN:
            rc = add_override(opt, "server.listen", optarg);
            break;
        case 'p':
            rc = add_override(opt, "server.port", optarg);
            break;
        case OPT_BASE_URL:
            rc = add_override(opt, "repository.base_url", optarg);
            break;
        case OPT_DB:
            rc = add_override(opt, "database.conninfo", optarg);
            break;
        case OPT_DEMO:
            opt->demo = 1;
            break;
        case 't':
            opt->check_only = 1;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case 'V':
            printf("oai-server %s\n", OAI_VERSION);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "oai-server: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return rc;
}

/* Defaults, then the file, then the command line; then the cross checks. */
static int load_settings(config *cfg, const options *opt)
{
    char err[4096];

    if (config_load(cfg, opt->config_path, opt->overrides, opt->n_overrides, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    cfg->demo = opt->demo;
    if (config_validate(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static void limits_from_config(http_limits *lim, const config *cfg)
{
    lim->max_request_line = cfg->max_request_line;
    lim->max_header_size = cfg->max_header_size;
    lim->max_body_size = cfg->max_body_size;
    lim->read_timeout = cfg->read_timeout;
    lim->idle_timeout = cfg->idle_timeout;
    lim->write_timeout = cfg->write_timeout;
    lim->max_connections = cfg->max_connections;
    lim->max_connections_per_client = cfg->max_connections_per_client;
}

static int open_logs(const config *cfg)
{
    int level = log_level_parse(cfg->log_level);

    if (log_open(level < 0 ? LOG_INFO : (log_level)level, cfg->log_file, cfg->access_log) != 0) {
        perror("oai-server: opening the log files");
        return -1;
    }
    return 0;
}

static void on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
    server *s = arg;
    int i;

    log_info("received signal %d: finishing in-flight responses and stopping", (int)sig);
    for (i = 0; i < s->n_workers; i++)
        worker_stop(&s->workers[i]);
    event_base_loopexit(s->base, NULL);
}

/* SIGHUP: what can change without a restart changes; the rest is logged. */
static void on_reload_signal(evutil_socket_t sig, short what, void *arg)
{
    server *s = arg;
    config fresh;
    http_limits lim;

    if (load_settings(&fresh, &s->opt) != 0) {
        log_error("SIGHUP: the settings have errors; keeping the current ones");
        config_free(&fresh);
        return;
    }
    limits_from_config(&lim, &fresh);
    http_shared_set_limits(s->state.http, &lim);
    if (open_logs(&fresh) == 0)
        log_info("SIGHUP: log files reopened, connection limits and log level reloaded "
                 "(other settings take effect at restart)");
    config_free(&fresh);
}

static int count_workers(const config *cfg)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cfg->workers > 0 ? cfg->workers : (int)(cpus > 0 ? cpus : 1);

    return n > WORKER_MAX ? WORKER_MAX : n;
}

/* One socket per worker with SO_REUSEPORT, so that the kernel spreads the
 * connections over the workers (see http_listen_sockets). */
static int open_listeners(server *s, char *err, size_t err_len)
{
    s->state.n_listen_fds = http_listen_sockets(s->cfg.listen, s->cfg.port, 1, s->state.listen_fds,
                                                s->state.n_workers, err, err_len);
    return s->state.n_listen_fds > 0 ? 0 : -1;
}

/* The workers listen on duplicates; without closing these the port would
 * stay open (queueing connections no one accepts) after the last worker
 * stopped accepting. */
static void close_listeners(server *s)
{
    int i;

    for (i = 0; i < s->state.n_listen_fds; i++)
        evutil_closesocket(s->state.listen_fds[i]);
    s->state.n_listen_fds = 0;
}

static int start_workers(server *s)
{
    int i;

    for (i = 0; i < s->state.n_workers; i++) {
        if (worker_start(&s->workers[i], &s->state, i) != 0)
            return -1;
        s->n_workers++;
    }
    return 0;
}

static int run(server *s)
{
    struct event *ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
    http_limits lim;
    char err[256];
    int i, port, rc = 1;

    s->state.cfg = &s->cfg;
    s->state.keys.n = 1;
    s->state.keys.key[0] = (const unsigned char *)s->cfg.token_secret;
    s->state.keys.len[0] = strlen(s->cfg.token_secret);
    if (s->cfg.token_secret_old != NULL) {
        s->state.keys.key[1] = (const unsigned char *)s->cfg.token_secret_old;
        s->state.keys.len[1] = strlen(s->cfg.token_secret_old);
        s->state.keys.n = 2;
    }
    s->state.shutdown_timeout = SHUTDOWN_TIMEOUT;
    limits_from_config(&lim, &s->cfg);
    s->state.http = http_shared_new(&lim);
    s->state.n_workers = count_workers(&s->cfg);
    s->base = event_base_new();
    if (s->state.http == NULL || s->base == NULL) {
        log_error("cannot start: out of memory");
        goto cleanup;
    }
    /* The signal handlers before the sockets listen: a supervisor (or a
     * test) that sees the port accept connections may stop the server at
     * once, and a SIGINT before the handler would kill it with no clean
     * stop. libevent keeps a signal caught now until the loop runs. */
    ev_term = evsignal_new(s->base, SIGTERM, on_stop_signal, s);
    ev_int = evsignal_new(s->base, SIGINT, on_stop_signal, s);
    ev_hup = evsignal_new(s->base, SIGHUP, on_reload_signal, s);
    if (ev_term == NULL || ev_int == NULL || ev_hup == NULL || event_add(ev_term, NULL) ||
        event_add(ev_int, NULL) || event_add(ev_hup, NULL)) {
        log_error("cannot start: cannot install the signal handlers");
        goto cleanup;
    }
    if (open_listeners(s, err, sizeof(err)) != 0) {
        log_error("cannot start: %s", err);
        goto cleanup;
    }
    port = http_socket_port(s->state.listen_fds[0]);
    /* Logged before the workers start, so that it comes before anything
     * they log: a client's request (the sockets are listening already)
     * could otherwise be answered, and logged, first. The port as bound
     * (the same as cfg.port, which cannot be 0). */
    log_info("oai-server %s listening on %s port %d with %d worker(s) (%s); base URL %s%s",
             OAI_VERSION, s->cfg.listen, port, s->state.n_workers,
             s->state.n_workers == 1     ? "one listening socket"
             : s->state.n_listen_fds > 1 ? "a listening socket each, SO_REUSEPORT"
                                         : "sharing one listening socket, no SO_REUSEPORT",
             s->cfg.base_url, s->cfg.demo ? " (demo mode)" : "");
    if (start_workers(s) != 0)
        goto cleanup;
    close_listeners(s);
    event_base_dispatch(s->base);
    rc = 0;

cleanup:
    for (i = 0; i < s->n_workers; i++)
        worker_stop(&s->workers[i]);
    for (i = 0; i < s->n_workers; i++)
        worker_join(&s->workers[i]);
    if (ev_term != NULL)
        event_free(ev_term);
    if (ev_int != NULL)
        event_free(ev_int);
    if (ev_hup != NULL)
        event_free(ev_hup);
    close_listeners(s);
    if (s->base != NULL)
        event_base_free(s->base);
    if (s->state.http != NULL)
        http_shared_free(s->state.http);
    if (rc == 0)
        log_info("stopped");
    return rc;
}

int main(int argc, char **argv)
{
    static server s;
    char advice[512];
    int rc, i;

    signal(SIGPIPE, SIG_IGN);
    rc = parse_options(&s.opt, argc, argv);
    if (rc != 0) {
        rc = rc > 0 ? 0 : 2;
        goto out;
    }
    if (load_settings(&s.cfg, &s.opt) != 0) {
        rc = 2;
        goto out;
    }
    if (s.opt.check_only) {
        if (config_advice(&s.cfg, advice, sizeof(advice)) > 0)
            fprintf(stderr, "warning: %s\n", advice);
        printf("%s: settings OK\n", s.opt.config_path ? s.opt.config_path : "(no file)");
        goto out;
    }
    if (open_logs(&s.cfg) != 0 || evthread_use_pthreads() != 0) {
        rc = 1;
        goto out;
    }
    if (config_advice(&s.cfg, advice, sizeof(advice)) > 0)
        log_warn("%s", advice);
    /* Here, before the workers: libxml2 initialises on the main thread.
     * Harvesting works without the HTML view, so a failure only logs. */
    html_view_init();
    rc = run(&s);
    html_view_cleanup();
    log_close();

out:
    config_free(&s.cfg);
    for (i = 0; i < s.opt.n_overrides; i++)
        free((char *)s.opt.overrides[i]);
    return rc;
}
