/*
 * config.h - the server's settings: defaults, an ini-style file, and
 * command-line overrides, in that order of precedence (last wins).
 *
 * File syntax: "[section]" headers, "key = value" lines, '#' or ';' starts
 * a comment line, blank lines ignored, values may be "double-quoted".
 * Unknown sections or keys, malformed lines and invalid values are errors
 * reported as "FILE:LINE: [section] key: problem".
 *
 * Details: values are trimmed; in an unquoted value a '#' at its start or
 * after a blank starts a comment ("password=a#b" survives); inside quotes
 * '#' and blanks are kept and \" and \\ are the only escapes. An empty
 * value unsets an optional key (log file back to stderr). Lines are at most
 * 4096 bytes of valid UTF-8 without control characters (tab allowed); a
 * leading byte-order mark and CRLF line ends are accepted. A key set twice
 * is an error, except admin_email: in a file its first occurrence replaces
 * the list and later ones add to it; config_set replaces it.
 * Messages in err are separated by '\n', with no '\n' after the last one.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_EMAILS 8

typedef struct {
    /* [server] */
    char *listen;                   /* address to bind, default "127.0.0.1" */
    int port;                       /* default 8080 */
    int workers;                    /* event-loop threads, default 0 = number of CPUs */
    int max_connections;            /* total open connections, default 1024 */
    int max_connections_per_client; /* per client address, default 64 */
    int max_request_line;           /* bytes in the request line (URL), default 8192 */
    int max_header_size;            /* bytes in all header lines, default 16384 */
    int max_body_size;              /* bytes in a POST body, default 65536 */
    int read_timeout;               /* seconds to receive a whole request, default 30 */
    int idle_timeout;               /* seconds a keep-alive connection may sit idle, default 60 */
    int write_timeout;              /* seconds a client may stall reading a response, default 60 */

    /* [repository] */
    char *base_url; /* e.g. "http://127.0.0.1:8080/oai"; its path is the endpoint */
    char *repository_name;
    char *repository_id;                  /* oai-identifier repositoryIdentifier, a domain name */
    char *admin_email[CONFIG_MAX_EMAILS]; /* key repeatable or comma-separated */
    int n_admin_email;
    int page_size;          /* records per list page, default 200, 1..1000 */
    int list_batch;         /* records per database round trip in a list page, default 50 */
    char *icon_url;         /* collection icon for the Identify branding description */
    char *friends;          /* base URLs of other repositories, comma/space separated */
    char *token_secret;     /* >= 32 bytes; required unless demo */
    char *token_secret_old; /* optional, still accepted for verification (rotation) */
    int token_lifetime;     /* seconds, default 86400 */

    /* [database] */
    char *conninfo;        /* libpq conninfo string */
    int statement_timeout; /* milliseconds, default 5000 */
    int connect_timeout;   /* seconds, default 5 */

    /* [log] */
    char *log_level;  /* error, warning, info, debug; default info */
    char *log_file;   /* NULL = stderr */
    char *access_log; /* NULL = stderr (with the error log), "off" = none */

    /* not from the file */
    int demo;          /* --demo: allow the built-in token secret */
    char *config_path; /* file the settings were read from, or NULL */
} config;

/* Fills c with the defaults. */
void config_defaults(config *c);

/*
 * Reads an ini file over the current values and records path in
 * c->config_path (named by config_validate's messages). Returns 0, or -1 after
 * writing "PATH:LINE: ..." messages (all problems found, one per line) into
 * err (err_len bytes, always NUL-terminated).
 */
int config_load_file(config *c, const char *path, char *err, size_t err_len);

/*
 * Sets one "section.key" to value, as the file would (used for command-line
 * overrides: -o section.key=value and the named flags). Returns 0 or -1 with
 * a message in err naming the key.
 */
int config_set(config *c, const char *section_dot_key, const char *value, char *err,
               size_t err_len);

/*
 * The settings of a program: config_defaults, then the file at path (none
 * when NULL), then the overrides "section.key=value" in order, as both
 * oai-server and oai-admin take them. Cross-field checks are the caller's
 * (config_validate). Returns 0, or -1 with the messages in err.
 */
int config_load(config *c, const char *path, const char *const *overrides, int n_overrides,
                char *err, size_t err_len);

/*
 * Checks cross-field rules after everything is loaded: required keys
 * present (base_url, repository_id, admin_email, conninfo, token_secret
 * unless demo), base_url an absolute http(s) URL, repository_id a domain
 * name, emails plausible (not @localhost), numbers in range. Returns 0 or -1
 * with messages in err. With c->demo and no token_secret it sets the
 * built-in demo secret; without c->demo that public secret is refused.
 */
int config_validate(config *c, char *err, size_t err_len);

/* Harvesters' expectations the settings allowed but miss (the server works,
 * yet validators flag it): page_size outside the DRIVER guidelines' 100-500
 * records per page, which BASE's validator checks. Writes the advice into
 * buf ("" when none) and returns how many items it found. */
int config_advice(const config *c, char *buf, size_t len);

/* The path part of base_url ("/oai"), a pointer into c->base_url, "/" if none. */
const char *config_base_path(const config *c);

void config_free(config *c);

#endif
