/*
 * static_assets.h - files served by the server itself (the browser view's
 * stylesheet, its CSS and the collection icon), compiled into the binary
 * from server/static/ by cmake/embed.cmake.
 */
#ifndef STATIC_ASSETS_H
#define STATIC_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *name;         /* file name, e.g. "oai.xsl"; NULL ends the table */
    const char *content_type; /* HTTP Content-Type */
    const unsigned char *data;
    size_t len;
} static_asset;

extern const static_asset static_assets[];

/* The asset with that file name, or NULL. */
const static_asset *static_asset_find(const char *name);

#endif
