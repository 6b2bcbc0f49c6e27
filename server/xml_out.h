/*
 * xml_out.h - writing XML text into a libevent evbuffer.
 *
 * Responses are streamed as text rather than built as a DOM: it is much
 * faster, and it lets us guarantee well-formedness whatever bytes are in the
 * database: invalid UTF-8 sequences become U+FFFD, characters that XML 1.0
 * forbids (C0 controls other than TAB/LF/CR, U+FFFE, U+FFFF, surrogates) are
 * dropped, and markup characters are escaped.
 */
#ifndef XML_OUT_H
#define XML_OUT_H

#include <stddef.h>

struct evbuffer;

/* Character data: escapes & < > (and ]]> via the >), and CR as &#13; since
 * parsers turn a literal CR into LF; sanitizes as above. */
void xml_text(struct evbuffer *out, const char *s, size_t len);

/* Attribute value (inside double quotes): also escapes " ' and writes TAB,
 * LF, CR as character references so they survive attribute normalisation. */
void xml_attr(struct evbuffer *out, const char *s, size_t len);

/* NUL-terminated conveniences. */
void xml_text_str(struct evbuffer *out, const char *s);
void xml_attr_str(struct evbuffer *out, const char *s);

/* <name>escaped text</name> */
void xml_element(struct evbuffer *out, const char *name, const char *text);

/* Length of the longest prefix of s[0..len) that is valid UTF-8 with only
 * XML 1.0 characters, i.e. xml_text would copy it unchanged (escapes aside). */
size_t xml_clean_prefix(const char *s, size_t len);

/*
 * True when s is a valid xs:anyURI as libxml2's schema validator judges it
 * (the strictest common validator): the value is collapsed (blanks at the
 * ends dropped, runs of them one space), characters that anyURI allows but
 * URI syntax does not are masked, then the result must parse as a URI
 * reference; a value xml_text/xml_attr would change is refused. Used to
 * decide whether a client's identifier can be echoed in
 * <request> without making the response invalid.
 */
int xml_is_any_uri(const char *s);

#endif
