/*
 * log.c - error log and access log.
 *
 * Each line is formatted into a local buffer and written with a single
 * write(2) on an O_APPEND descriptor, so lines from different threads (and
 * processes) never interleave. Lines are at most PIPE_BUF bytes, which keeps
 * them atomic on pipes (journald, logger) too.
 *
 * Reopening (SIGHUP, log rotation) never closes a descriptor another thread
 * may be about to write to: the new file is dup3()'d over the descriptor
 * number already in use, which atomically swaps the file behind it.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

#define LINE_MAX_BYTES 4096 /* PIPE_BUF on Linux */
#define FIELD_MAX 256       /* an access-log field (client address, method, verb) */

static atomic_int g_level = LOG_INFO;
static atomic_int g_fd[2] = {STDERR_FILENO, STDERR_FILENO}; /* -1 = off */
static int g_owned[2] = {-1, -1}; /* descriptors we opened, reused on reopen */
static pthread_mutex_t g_open_lock = PTHREAD_MUTEX_INITIALIZER;

enum { ERROR_LOG = 0, ACCESS_LOG = 1 };

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (s && strcmp(s, level_names[i]) == 0)
            return i;
    }
    return -1;
}

#define TO_STDERR (-1)
#define TO_NOWHERE (-2)

/* Points log `which` at newfd (a file we opened), TO_STDERR or TO_NOWHERE. */
static void install(int which, int newfd)
{
    int owned = g_owned[which];

    /* Swap the file behind the number writers already use. */
    if (newfd >= 0 && owned >= 0 && dup3(newfd, owned, O_CLOEXEC) >= 0) {
        close(newfd);
        atomic_store(&g_fd[which], owned);
        return;
    }
    if (newfd >= 0) {
        /* First file (or dup3 failed: the old one stays open, leaked but safe). */
        g_owned[which] = newfd;
        atomic_store(&g_fd[which], newfd);
        return;
    }
    atomic_store(&g_fd[which], newfd == TO_STDERR ? STDERR_FILENO : -1);
    /* Release the old file (rotated logs must not stay open); a writer that
     * still holds the number writes one line to stderr, harmlessly. */
    if (owned >= 0)
        (void)dup3(STDERR_FILENO, owned, O_CLOEXEC);
}

static int open_log(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int log_open(log_level level, const char *error_path, const char *access_path)
{
    int efd = TO_STDERR;
    int afd = TO_STDERR;
    int saved;

    pthread_mutex_lock(&g_open_lock);
    /* Open everything first: on failure the current logs stay as they are. */
    if (error_path && (efd = open_log(error_path)) < 0)
        goto fail;
    if (access_path && strcmp(access_path, "off") == 0)
        afd = TO_NOWHERE;
    else if (access_path && (afd = open_log(access_path)) < 0)
        goto fail;
    install(ERROR_LOG, efd);
    install(ACCESS_LOG, afd);
    if ((int)level < (int)LOG_ERROR || (int)level > (int)LOG_DEBUG)
        level = LOG_INFO;
    atomic_store(&g_level, (int)level);
    pthread_mutex_unlock(&g_open_lock);
    return 0;
fail:
    saved = errno;
    if (efd >= 0)
        close(efd);
    pthread_mutex_unlock(&g_open_lock);
    errno = saved;
    return -1;
}

/* Only at shutdown: a thread still logging could hit a closed descriptor. */
void log_close(void)
{
    pthread_mutex_lock(&g_open_lock);
    for (int i = 0; i < 2; i++) {
        atomic_store(&g_fd[i], STDERR_FILENO);
        if (g_owned[i] >= 0)
            close(g_owned[i]);
        g_owned[i] = -1;
    }
    pthread_mutex_unlock(&g_open_lock);
}

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a failing log */
        buf += w;
        n -= (size_t)w;
    }
}

/* "2026-11-25T10:00:00Z" into out (at least 21 bytes); returns its length. */
static size_t timestamp(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    return strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Code points some viewers treat as line breaks: C1 controls (NEL), U+2028/9. */
static bool breaks_line(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/*
 * Copies src into out (at most cap bytes, no NUL) so that it cannot forge
 * or split log lines: control characters, invalid UTF-8, line-breaking
 * code points (and spaces, for access-log fields) become '?'. Returns the
 * bytes written; a character that does not fit is dropped whole.
 */
static size_t sanitize(char *out, size_t cap, const char *src, bool no_space)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t n = strlen(src);
    size_t o = 0;

    for (size_t i = 0; i < n && o < cap;) {
        uint32_t cp = s[i];
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len == 0 || cp < 0x20 || cp == 0x7F || breaks_line(cp) || (no_space && cp == ' ')) {
            out[o++] = '?';
            i += len ? len : 1;
        } else if (o + len <= cap) {
            memcpy(out + o, s + i, len);
            o += len, i += len;
        } else {
            break;
        }
    }
    return o;
}

void log_msg(log_level level, const char *fmt, ...)
{
    char msg[LINE_MAX_BYTES];
    char line[LINE_MAX_BYTES];
    size_t n;
    va_list ap;
    int saved = errno; /* callers often log, then look at errno */

    if ((int)level > atomic_load(&g_level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    n = timestamp(line, sizeof(line));
    n += (size_t)snprintf(line + n, sizeof(line) - n, " [%s] ",
                          (int)level >= 0 && (int)level <= (int)LOG_DEBUG ? level_names[level]
                                                                          : "?");
    n += sanitize(line + n, sizeof(line) - n - 1, msg, false);
    line[n++] = '\n';
    write_all(atomic_load(&g_fd[ERROR_LOG]), line, n);
    errno = saved;
}

/* Appends " field" (or " -" when empty), bounded to FIELD_MAX bytes. */
static size_t add_field(char *out, const char *field)
{
    size_t n;

    out[0] = ' ';
    if (field == NULL || *field == '\0') {
        out[1] = '-';
        return 2;
    }
    n = sanitize(out + 1, FIELD_MAX, field, true);
    return n + 1;
}

void log_access(const char *client, const char *method, const char *verb, int status,
                unsigned long bytes, double ms)
{
    char line[3 * (FIELD_MAX + 1) + 128];
    size_t n;
    int fd = atomic_load(&g_fd[ACCESS_LOG]);
    int saved = errno;

    if (fd < 0)
        return;
    if (!(ms >= 0.0 && ms < 1e12)) /* NaN, negative or absurd: clock trouble */
        ms = 0.0;
    n = timestamp(line, sizeof(line));
    n += add_field(line + n, client);
    n += add_field(line + n, method);
    n += add_field(line + n, verb);
    n += (size_t)snprintf(line + n, sizeof(line) - n, " %d %lu %.1f\n", status, bytes, ms);
    write_all(fd, line, n);
    errno = saved;
}
