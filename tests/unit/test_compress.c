/* Unit tests for compress.c: Accept-Encoding negotiation and zlib output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <zlib.h>

#include "compress.h"

static void test_negotiate(void **state)
{
    (void)state;
    assert_int_equal(compress_negotiate(NULL), ENC_IDENTITY);
    assert_int_equal(compress_negotiate(""), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("identity"), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("gzip"), ENC_GZIP);
    assert_int_equal(compress_negotiate("GZIP"), ENC_GZIP);
    assert_int_equal(compress_negotiate("x-gzip"), ENC_GZIP);
    assert_int_equal(compress_negotiate("deflate"), ENC_DEFLATE);
    assert_int_equal(compress_negotiate("deflate, gzip"), ENC_GZIP);
    assert_int_equal(compress_negotiate("gzip;q=0.2, deflate;q=0.8"), ENC_DEFLATE);
    assert_int_equal(compress_negotiate("gzip; q=0, deflate"), ENC_DEFLATE);
    assert_int_equal(compress_negotiate("gzip;q=0, deflate;q=0"), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("*"), ENC_GZIP);
    assert_int_equal(compress_negotiate("*;q=0"), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("*, gzip;q=0"), ENC_DEFLATE);
    assert_int_equal(compress_negotiate("br, zstd"), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("  gzip  ,"), ENC_GZIP);
    assert_int_equal(compress_negotiate(";;;,,,q=1"), ENC_IDENTITY);
    assert_int_equal(compress_negotiate("gzipx"), ENC_IDENTITY);
}

/* Compresses text with enc and inflates it back with zlib's own decoder. */
static void round_trip(content_encoding enc, int window)
{
    static const char text[] = "<record><dc:title xml:lang=\"km\">ព្រះរាជក្រឹត្យ</dc:title></record>";
    struct evbuffer *buf = evbuffer_new();
    unsigned char out[16384];
    z_stream zs;
    size_t i, len;

    for (i = 0; i < 50; i++)
        evbuffer_add(buf, text, sizeof(text) - 1);
    assert_int_equal(compress_buffer(buf, enc), 0);
    len = evbuffer_get_length(buf);
    assert_true(len < 50 * (sizeof(text) - 1) / 5);

    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, window), Z_OK);
    zs.next_in = evbuffer_pullup(buf, -1);
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = sizeof(out);
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, 50 * (sizeof(text) - 1));
    assert_memory_equal(out, text, sizeof(text) - 1);
    inflateEnd(&zs);
    evbuffer_free(buf);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    round_trip(ENC_GZIP, 15 + 16); /* gzip wrapper only */
}

static void test_deflate_is_zlib(void **state)
{
    (void)state;
    round_trip(ENC_DEFLATE, 15); /* zlib wrapper only */
}

static void test_identity_and_empty(void **state)
{
    struct evbuffer *buf = evbuffer_new();

    (void)state;
    evbuffer_add(buf, "abc", 3);
    assert_int_equal(compress_buffer(buf, ENC_IDENTITY), 0);
    assert_int_equal(evbuffer_get_length(buf), 3);
    evbuffer_drain(buf, 3);
    assert_int_equal(compress_buffer(buf, ENC_GZIP), 0);
    assert_true(evbuffer_get_length(buf) > 0); /* a valid empty gzip stream */
    assert_string_equal(compress_name(ENC_GZIP), "gzip");
    assert_string_equal(compress_name(ENC_DEFLATE), "deflate");
    assert_null(compress_name(ENC_IDENTITY));
    evbuffer_free(buf);
}

/* A body written in pieces (empty ones, small ones, one larger than
 * zlib's output chunk) inflates, checksum and length verified by zlib, to
 * exactly the pieces joined. */
static void stream_round_trip(content_encoding enc, int window)
{
    static const size_t sizes[] = {0, 17, 300000, 0, 4096, 1};
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    size_t total = 0, i, j, len;
    unsigned char *expect = malloc(400000), *got = malloc(400000);
    unsigned int seed = 7;
    compress_stream cs;
    z_stream zs;

    compress_stream_init(&cs, enc);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (j = 0; j < sizes[i]; j++) {
            /* Text with repeats and noise, as XML is. */
            seed = seed * 1103515245u + 12345u;
            expect[total + j] = (unsigned char)("<dc:title>ABC</dc:title>"[j % 24] ^
                                                ((seed >> 16) % 7 == 0 ? (seed >> 8) & 31 : 0));
        }
        evbuffer_add(in, expect + total, sizes[i]);
        total += sizes[i];
        assert_int_equal(
            compress_stream_write(&cs, in, out, i + 1 == sizeof(sizes) / sizeof(sizes[0])), 0);
        assert_int_equal(evbuffer_get_length(in), 0);
    }
    len = evbuffer_get_length(out);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, window), Z_OK);
    zs.next_in = evbuffer_pullup(out, -1);
    zs.avail_in = (uInt)len;
    zs.next_out = got;
    zs.avail_out = 400000;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.avail_in, 0); /* nothing after the trailer */
    assert_int_equal(zs.total_out, total);
    assert_memory_equal(got, expect, total);
    inflateEnd(&zs);
    evbuffer_free(in);
    evbuffer_free(out);
    free(expect);
    free(got);
}

static void test_stream_gzip(void **state)
{
    (void)state;
    stream_round_trip(ENC_GZIP, 15 + 16);
}

static void test_stream_zlib(void **state)
{
    (void)state;
    stream_round_trip(ENC_DEFLATE, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate),       cmocka_unit_test(test_gzip_round_trip),
        cmocka_unit_test(test_deflate_is_zlib), cmocka_unit_test(test_identity_and_empty),
        cmocka_unit_test(test_stream_gzip),     cmocka_unit_test(test_stream_zlib),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
