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

/* Gzip header (RFC 1952): no name, no time, "Unix"; and the zlib header
 * (RFC 1950) of a 32 KiB window at the fastest level, whose check bits
 * make 0x7801 a multiple of 31. */
static const unsigned char gzip_head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
static const unsigned char zlib_head[2] = {0x78, 0x01};

void compress_stream_init(compress_stream *cs, content_encoding enc)
{
    cs->enc = enc;
    cs->started = 0;
    cs->check = enc == ENC_GZIP ? crc32(0L, Z_NULL, 0) : adler32(0L, Z_NULL, 0);
    cs->total = 0;
}

/* Raw deflate of len bytes at data into out, ending with a sync flush
 * (byte-aligned, not final) or, when last, with the final block. */
static int deflate_piece(const unsigned char *data, size_t len, int last, struct evbuffer *out)
{
    z_stream zs;
    int flush = last ? Z_FINISH : Z_SYNC_FLUSH, rc;

    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, COMPRESS_LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    do {
        struct evbuffer_iovec vec;

        if (evbuffer_reserve_space(out, CHUNK, &vec, 1) < 1) {
            rc = Z_MEM_ERROR;
            break;
        }
        zs.next_out = vec.iov_base;
        zs.avail_out = (uInt)(vec.iov_len < CHUNK ? vec.iov_len : CHUNK);
        rc = deflate(&zs, flush);
        vec.iov_len = (size_t)((unsigned char *)zs.next_out - (unsigned char *)vec.iov_base);
        evbuffer_commit_space(out, &vec, 1);
        /* A sync flush is complete when zlib leaves room to spare; a
         * finish when it says Z_STREAM_END. */
    } while (rc == Z_OK && (last || zs.avail_out == 0));
    deflateEnd(&zs);
    return rc == (last ? Z_STREAM_END : Z_OK) || (rc == Z_BUF_ERROR && !last) ? 0 : -1;
}

static void add_le32(struct evbuffer *out, uLong v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};

    evbuffer_add(out, b, 4);
}

static void add_be32(struct evbuffer *out, uLong v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    evbuffer_add(out, b, 4);
}

int compress_stream_write(compress_stream *cs, struct evbuffer *in, struct evbuffer *out, int last)
{
    size_t len = evbuffer_get_length(in);
    unsigned char *data;

    if (len > UINT32_MAX / 2)
        return -1;
    data = evbuffer_pullup(in, -1);
    if (data == NULL && len > 0)
        return -1;
    if (!cs->started) {
        if (cs->enc == ENC_GZIP)
            evbuffer_add(out, gzip_head, sizeof(gzip_head));
        else
            evbuffer_add(out, zlib_head, sizeof(zlib_head));
        cs->started = 1;
    }
    if (deflate_piece(data, len, last, out) != 0)
        return -1;
    /* Not with no data: given NULL, zlib returns the initial value. */
    if (len > 0 && cs->enc == ENC_GZIP)
        cs->check = crc32(cs->check, data, (uInt)len);
    else if (len > 0)
        cs->check = adler32(cs->check, data, (uInt)len);
    cs->total += (uLong)len;
    evbuffer_drain(in, len);
    if (last) {
        if (cs->enc == ENC_GZIP) {
            add_le32(out, cs->check);
            add_le32(out, cs->total & 0xffffffffUL); /* ISIZE: the length mod 2^32 */
        } else {
            add_be32(out, cs->check);
        }
    }
    return 0;
}

int compress_buffer(struct evbuffer *buf, content_encoding enc)
{
    struct evbuffer *out;
    compress_stream cs;
    int rc = -1;

    if (enc == ENC_IDENTITY)
        return 0;
    out = evbuffer_new();
    if (out == NULL)
        return -1;
    compress_stream_init(&cs, enc);
    if (compress_stream_write(&cs, buf, out, 1) == 0) {
        evbuffer_add_buffer(buf, out);
        rc = 0;
    }
    evbuffer_free(out);
    return rc;
}
