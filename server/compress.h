/*
 * compress.h - gzip and deflate response bodies (zlib), as negotiated by
 * the harvester's Accept-Encoding (spec 3.1.3, guidelines "compression").
 */
#ifndef COMPRESS_H
#define COMPRESS_H

struct evbuffer;

typedef enum { ENC_IDENTITY = 0, ENC_GZIP, ENC_DEFLATE } content_encoding;

/* The best encoding the Accept-Encoding header allows (gzip, then deflate,
 * then identity), honouring q-values ("gzip;q=0" refuses gzip). NULL header
 * means identity. */
content_encoding compress_negotiate(const char *accept_encoding);

/* "gzip", "deflate", or NULL for identity. */
const char *compress_name(content_encoding enc);

/*
 * A body compressed piece by piece, for a response streamed as it is
 * produced. Each piece is deflated on its own (a fresh dictionary, ended by
 * a sync flush) and the pieces joined make one valid gzip or zlib stream,
 * the way pigz joins its blocks: no zlib state (~256 kB) lives between
 * pieces, so a stream waiting for a slow client costs a few bytes; the
 * price is a slightly lower ratio, as no piece refers back into another.
 */
typedef struct {
    content_encoding enc; /* ENC_GZIP or ENC_DEFLATE */
    int started;          /* the header is written */
    unsigned long check;  /* crc32 (gzip) or adler32 (zlib) of the input so far */
    unsigned long total;  /* input bytes so far */
} compress_stream;

void compress_stream_init(compress_stream *cs, content_encoding enc);
/* Moves the compressed form of all of in to the end of out (the header
 * first, the trailer when last). Returns 0, or -1 when zlib fails (in is
 * then left as it was, out may hold part of a piece: the stream is lost). */
int compress_stream_write(compress_stream *cs, struct evbuffer *in, struct evbuffer *out, int last);

/* Replaces the contents of buf by their compressed form. Returns 0, or -1
 * (buf unchanged) when zlib fails. */
int compress_buffer(struct evbuffer *buf, content_encoding enc);

#endif
