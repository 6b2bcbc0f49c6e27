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

/* Replaces the contents of buf by their compressed form. Returns 0, or -1
 * (buf unchanged) when zlib fails. */
int compress_buffer(struct evbuffer *buf, content_encoding enc);

#endif
