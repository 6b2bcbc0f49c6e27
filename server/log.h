/*
 * log.h - error log and access log.
 *
 * Lines go to stderr by default (systemd/journald add their own time
 * stamps, but we write an ISO-8601 UTC one anyway for plain files), or to
 * files. Safe to call from several threads: each line is one write(2).
 */
#ifndef LOG_H
#define LOG_H

typedef enum { LOG_ERROR = 0, LOG_WARNING, LOG_INFO, LOG_DEBUG } log_level;

/* Parses "error", "warning", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);

/* Opens the log files (NULL = stderr; access_path "off" = no access log).
 * Returns 0 or -1 (errno set; the current logs are kept). May be called
 * again to reopen (SIGHUP), from normal code, not from a signal handler:
 * the new file replaces the old one without a window where a logging
 * thread could hit a closed descriptor. Before log_open, everything goes
 * to stderr at level info. */
int log_open(log_level level, const char *error_path, const char *access_path);
/* Back to stderr; call only when no other thread is logging any more. */
void log_close(void);

/* Lines look like "2026-11-25T10:00:00Z [info] message" (UTC). Control
 * characters, invalid UTF-8 and line-breaking code points in messages are
 * written as '?', so no message can forge or split a log line. Lines are cut
 * at 4096 bytes (PIPE_BUF). errno is preserved. */
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* One access-log line: client address, method, verb (or "-"), HTTP status,
 * response bytes, duration in milliseconds. Never logs argument values
 * (resumption tokens and identifiers stay out of logs). Format:
 * "2026-11-25T10:00:00Z client method verb status bytes ms" with ms to one
 * decimal; an empty or NULL field is "-", blanks in fields become '?'. */
void log_access(const char *client, const char *method, const char *verb, int status,
                unsigned long bytes, double ms);

#endif
