/*
 * html_view.h - the browser view rendered by the server.
 *
 * <base path>/html?<OAI arguments> answers with the OAI response the
 * endpoint would give, transformed into HTML with the same built-in
 * stylesheet (server/static/oai.xsl) browsers apply to the XML themselves.
 * It exists because browsers are dropping XSLT (docs/browser-view.md).
 *
 * libxslt: the stylesheet is compiled once and shared by every worker; each
 * transformation has its own context, and neither the stylesheet nor the
 * compiled form is modified while it runs (libxslt's documented model for
 * threaded programs). File and network access are forbidden to it.
 */
#ifndef HTML_VIEW_H
#define HTML_VIEW_H

struct evbuffer;

/*
 * Initialises libxml2/libxslt and compiles the built-in stylesheet. Call it
 * on the main thread before the workers start (libxml2 wants its parser
 * initialised there); html_view_render() does it itself if not (tests).
 * Returns 0, or -1 (logged) when the stylesheet is missing or broken: the
 * OAI endpoint works without it, html_view_render() then fails.
 */
int html_view_init(void);

/*
 * Transforms the OAI-PMH response document in xml into an HTML page
 * appended to html. xml is left as it is (but made contiguous). Callable
 * from any thread. Returns 0, or -1 (logged).
 */
int html_view_render(struct evbuffer *xml, struct evbuffer *html);

/* Frees the stylesheet and the libxslt and libxml2 globals. Call once,
 * after the last html_view_render() (after the workers stopped). */
void html_view_cleanup(void);

#endif
