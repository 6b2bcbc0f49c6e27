/*
 * utf8.h - the UTF-8 decoder of the settings (config.c), the log (log.c)
 * and the cataloguing checks (admin/checks.c). xml_out.c keeps its own: it
 * also needs the maximal subpart of an ill-formed sequence, to replace it
 * with one U+FFFD as Unicode recommends.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the UTF-8 sequence at s (n >= 1 bytes left) and its code point
 * in *cp, or 0 when it is invalid: truncated, overlong, a surrogate or
 * beyond U+10FFFF. ASCII is a sequence of 1. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether s[0..n) is valid UTF-8 throughout. */
bool utf8_valid(const char *s, size_t n);

#endif
