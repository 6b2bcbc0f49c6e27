/*
 * compress.c - Accept-Encoding negotiation and zlib compression.
 */
#include "compress.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <zlib.h>

/* Level 1: on XML, most of the size reduction of level 6 at a fraction of
 * the CPU (see docs/performance.md). */
#define COMPRESS_LEVEL 1
#define CHUNK (64 * 1024)

/* Parses the q-value of one Accept-Encoding element ("gzip;q=0.5"):
 * 1000 for "q=1"/absent, 0 for "q=0", in thousandths. */
static int qvalue(const char *params, size_t len)
{
    const char *q = params;
    const char *end = params + len;
    int value = 1000;

    while (q < end && (q = memchr(q, ';', (size_t)(end - q))) != NULL) {
        q++;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (end - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
            char num[8] = {0};
            size_t n = (size_t)(end - q - 2);

            memcpy(num, q + 2, n < sizeof(num) - 1 ? n : sizeof(num) - 1);
            value = (int)(strtod(num, NULL) * 1000.0 + 0.5);
        }
    }
    return value;
}

content_encoding compress_negotiate(const char *accept_encoding)
{
    /* -1: not named; otherwise the q-value in thousandths. */
    int q_gzip = -1, q_deflate = -1, q_star = -1;
    const char *p = accept_encoding;

    if (p == NULL)
        return ENC_IDENTITY;
    while (*p != '\0') {
        size_t len = strcspn(p, ","), name_len;
        const char *name = p;

        while (len > 0 && isspace((unsigned char)*name)) {
            name++;
            len--;
        }
        name_len = strcspn(name, ";, \t");
        if (name_len > len)
            name_len = len;
        if ((name_len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
            (name_len == 6 && strncasecmp(name, "x-gzip", 6) == 0))
            q_gzip = qvalue(name, len);
        else if (name_len == 7 && strncasecmp(name, "deflate", 7) == 0)
            q_deflate = qvalue(name, len);
        else if (name_len == 1 && name[0] == '*')
            q_star = qvalue(name, len);
        p = name + len;
        if (*p == ',')
            p++;
    }
    /* "*" stands for every coding not named explicitly. */
    if (q_gzip < 0)
        q_gzip = q_star;
    if (q_deflate < 0)
        q_deflate = q_star;
    if (q_gzip > 0 && q_gzip >= q_deflate)
        return ENC_GZIP;
    if (q_deflate > 0)
        return ENC_DEFLATE;
    return ENC_IDENTITY;
}

const char *compress_name(content_encoding enc)
{
    switch (enc) {
    case ENC_GZIP:
        return "gzip";
    case ENC_DEFLATE:
        return "deflate";
    case ENC_IDENTITY:
        break;
    }
    return NULL;
}

/* Feeds all of in to the stream and finishes it into out. */
static int deflate_all(z_stream *zs, struct evbuffer *in, struct evbuffer *out)
{
    size_t in_len = evbuffer_get_length(in);
    unsigned char *data = evbuffer_pullup(in, -1);
    int rc;

    if (data == NULL && in_len > 0)
        return -1;
    zs->next_in = data;
    zs->avail_in = (uInt)in_len;
    do {
        struct evbuffer_iovec vec;

        if (evbuffer_reserve_space(out, CHUNK, &vec, 1) < 1)
            return -1;
        zs->next_out = vec.iov_base;
        zs->avail_out = (uInt)(vec.iov_len < CHUNK ? vec.iov_len : CHUNK);
        rc = deflate(zs, Z_FINISH);
        vec.iov_len = (size_t)((unsigned char *)zs->next_out - (unsigned char *)vec.iov_base);
        evbuffer_commit_space(out, &vec, 1);
    } while (rc == Z_OK || rc == Z_BUF_ERROR);
    return rc == Z_STREAM_END ? 0 : -1;
}

int compress_buffer(struct evbuffer *buf, content_encoding enc)
{
    /* windowBits: 15 + 16 writes a gzip wrapper; 15 a zlib wrapper, which
     * is what HTTP calls "deflate" (RFC 9110 8.4.1.2). */
    int window = enc == ENC_GZIP ? 15 + 16 : 15;
    struct evbuffer *out;
    z_stream zs;
    int rc = -1;

    if (enc == ENC_IDENTITY)
        return 0;
    if (evbuffer_get_length(buf) > UINT32_MAX / 2)
        return -1;
    out = evbuffer_new();
    if (out == NULL)
        return -1;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, COMPRESS_LEVEL, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        goto cleanup;
    if (deflate_all(&zs, buf, out) != 0)
        goto cleanup_stream;
    evbuffer_drain(buf, evbuffer_get_length(buf));
    evbuffer_add_buffer(buf, out);
    rc = 0;

cleanup_stream:
    deflateEnd(&zs);
cleanup:
    evbuffer_free(out);
    return rc;
}
