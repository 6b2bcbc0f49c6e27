/*
 * fuzz_config.c - config_load_file and config_validate on arbitrary files.
 *
 * Input: the contents of a settings file. It is written to a memfd (an
 * in-memory file; a temporary file where memfd_create is missing) and read
 * through the public API exactly as the server reads /etc/...ini, then the
 * result is validated, once as a real server and once in demo mode.
 * Properties checked:
 *  - nothing crashes, leaks or overruns (ASan, UBSan, LeakSanitizer);
 *  - err is always NUL-terminated within err_len, for a full-size buffer
 *    and for a tiny one (0 to 40 bytes, allocated at its exact size), and
 *    nothing is written when err_len is 0;
 *  - a return of -1 comes with a message, a return of 0 with none;
 *  - messages contain no control characters but the '\n' separators,
 *    however hostile the file;
 *  - the values of token_secret, token_secret_old and conninfo lines are
 *    never quoted in a message, accepted or not;
 *  - demo mode always ends with a token secret;
 *  - with a tiny buffer the result (0 or -1) is the same as with a big one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_common.h"

#define BIG 8192

static int fd = -1;
static char path[64];
static int path_is_tmp;

static void remove_tmp(void)
{
    if (path_is_tmp)
        unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fd = memfd_create("fuzz-config.ini", MFD_CLOEXEC);
    if (fd >= 0) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (access(path, R_OK) == 0)
            return 0;
        close(fd);
    }
    /* No memfd or no /proc: a temporary file, removed at exit. */
    snprintf(path, sizeof(path), "/tmp/fuzz-config-%ld.ini", (long)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    path_is_tmp = 1;
    atexit(remove_tmp);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    size_t done = 0;

    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);

        FUZZ_CHECK(n > 0 || (n < 0 && errno == EINTR));
        if (n > 0)
            done += (size_t)n;
    }
}

/* Checks one message buffer after a call that returned rc. */
static void check_err(const char *err, size_t err_len, int rc)
{
    size_t n;

    if (err_len == 0)
        return;
    n = strnlen(err, err_len);
    FUZZ_CHECK(n < err_len); /* NUL-terminated */
    FUZZ_CHECK(!fuzz_has_control(err, n, "\n"));
    if (err_len > 1)
        FUZZ_CHECK((rc != 0) == (n > 0));
    if (n > 0)
        FUZZ_CHECK(err[0] != '\n' && err[n - 1] != '\n');
}

/* Secrets are recognised by a run of this many hex digits. */
#define HEX_RUN 24

/* The key of a "key = value" line (blanks around it trimmed) equals
 * name; *value is set to what follows the '='. */
static int line_key_is(const uint8_t *line, size_t n, const char *name, const uint8_t **value,
                       size_t *value_len)
{
    size_t i = 0, k = strlen(name);

    if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (n - i < k || memcmp(line + i, name, k) != 0)
        return 0;
    i += k;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == n || line[i] != '=')
        return 0;
    *value = line + i + 1;
    *value_len = n - i - 1;
    return 1;
}

static int count_in(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
    const uint8_t *p = hay, *hit;
    int count = 0;

    while ((hit = memmem(p, n - (size_t)(p - hay), needle, k)) != NULL) {
        count++;
        p = hit + 1;
    }
    return count;
}

/*
 * The value of a token_secret, token_secret_old or conninfo line (which
 * may hold a password) must never be quoted in a message, whether the
 * value was accepted or refused, the line in a known section or not.
 * Checked for values holding a run of HEX_RUN hex digits (how generated
 * secrets and passwords look) that occurs once in the file: then no other
 * line can have put it into a message legitimately, and our own wording
 * never contains one.
 */
static void check_secret_lines(const uint8_t *data, size_t size, const char *err)
{
    static const char *const secret_keys[] = {"token_secret", "token_secret_old", "conninfo"};
    size_t start = 0;

    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        for (size_t k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++) {
            const uint8_t *v;
            size_t vlen, run = 0;

            if (!line_key_is(data + start, i - start, secret_keys[k], &v, &vlen))
                continue;
            for (size_t j = 0; j < vlen; j++) {
                run = v[j] != 0 && strchr("0123456789abcdefABCDEF", v[j]) != NULL ? run + 1 : 0;
                if (run == HEX_RUN) {
                    const uint8_t *needle = v + j + 1 - HEX_RUN;

                    if (count_in(data, size, needle, HEX_RUN) == 1)
                        FUZZ_CHECK(memmem(err, strlen(err), needle, HEX_RUN) == NULL);
                    break;
                }
            }
        }
        start = i + 1;
    }
}

static const uint8_t *in_data;
static size_t in_size;

/* Loads and validates with a message buffer of err_len bytes; returns the
 * load result * 2 + the validation result (both 0/1 for ok/failed). */
static int run(size_t err_len, int demo, int full_size)
{
    /* Exactly err_len bytes (at least 1 so malloc returns a real block that
     * ASan guards; with err_len 0 that byte must stay untouched). */
    char *err = malloc(err_len > 0 ? err_len : 1);
    config c;
    int load, valid;

    FUZZ_CHECK(err != NULL);
    if (err_len == 0)
        err[0] = 'Z';
    config_defaults(&c);
    load = config_load_file(&c, path, err, err_len);
    FUZZ_CHECK(load == 0 || load == -1);
    check_err(err, err_len, load);
    FUZZ_CHECK(c.config_path != NULL && strcmp(c.config_path, path) == 0);
    if (full_size)
        check_secret_lines(in_data, in_size, err);
    FUZZ_CHECK(c.n_admin_email >= 0 && c.n_admin_email <= CONFIG_MAX_EMAILS);
    for (int i = 0; i < c.n_admin_email; i++)
        FUZZ_CHECK(c.admin_email[i] != NULL);

    c.demo = demo;
    valid = config_validate(&c, err, err_len);
    FUZZ_CHECK(valid == 0 || valid == -1);
    check_err(err, err_len, valid);
    if (full_size)
        check_secret_lines(in_data, in_size, err);
    if (demo)
        FUZZ_CHECK(c.token_secret != NULL);
    if (valid == 0) {
        /* What validate accepts, the server uses as is. */
        FUZZ_CHECK(c.base_url != NULL && c.repository_id != NULL && c.conninfo != NULL);
        FUZZ_CHECK(c.token_secret != NULL && strlen(c.token_secret) >= 32);
        FUZZ_CHECK(c.n_admin_email >= 1);
        FUZZ_CHECK(c.port >= 1 && c.port <= 65535);
        FUZZ_CHECK(config_base_path(&c)[0] == '/');
    }
    if (err_len == 0)
        FUZZ_CHECK(err[0] == 'Z');
    config_free(&c);
    free(err);
    return (load != 0) * 2 + (valid != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t h = fuzz_hash(data, size);
    int full;

    in_data = data;
    in_size = size;
    write_input(data, size);
    full = run(BIG, 0, 1);
    FUZZ_CHECK(run(BIG, 1, 1) / 2 == full / 2); /* demo does not change loading */
    /* A tiny buffer truncates the messages, never the verdict. */
    FUZZ_CHECK(run((size_t)(h % 41), (int)(h >> 8 & 1), 0) / 2 == full / 2);
    return 0;
}
