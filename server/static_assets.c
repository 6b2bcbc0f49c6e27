/* static_assets.c - lookup in the generated asset table. */
#include "static_assets.h"

#include <string.h>

const static_asset *static_asset_find(const char *name)
{
    const static_asset *a;

    for (a = static_assets; a->name != NULL; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}
