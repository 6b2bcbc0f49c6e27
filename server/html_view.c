/*
 * html_view.c - OAI response XML -> HTML page, with the built-in oai.xsl
 * and libxslt (see html_view.h).
 */
#include "html_view.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "log.h"
#include "static_assets.h"

#define STYLESHEET "oai.xsl"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static xsltStylesheetPtr style;
static xsltSecurityPrefsPtr security;

/* libxml2/libxslt report errors in pieces; each piece becomes a log line. */
static void on_error(void *ctx, const char *msg, ...) __attribute__((format(printf, 2, 3)));

static void on_error(void *ctx, const char *msg, ...)
{
    char line[512];
    size_t n;
    va_list ap;

    va_start(ap, msg);
    vsnprintf(line, sizeof(line), msg, ap);
    va_end(ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = '\0';
    if (n > 0)
        log_warn("html view: %s", line);
}

/* The stylesheet only reads the document it is given: document(),
 * xsl:include/import of files and anything on the network are refused. */
static xsltSecurityPrefsPtr forbid_io(void)
{
    static const xsltSecurityOption options[] = {
        XSLT_SECPREF_READ_FILE,    XSLT_SECPREF_WRITE_FILE,    XSLT_SECPREF_CREATE_DIRECTORY,
        XSLT_SECPREF_READ_NETWORK, XSLT_SECPREF_WRITE_NETWORK,
    };
    xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();
    size_t i;

    if (sec == NULL)
        return NULL;
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        if (xsltSetSecurityPrefs(sec, options[i], xsltSecurityForbid) != 0) {
            xsltFreeSecurityPrefs(sec);
            return NULL;
        }
    }
    return sec;
}

/* pthread_once routine: initialise the libraries, compile the stylesheet. */
static void load(void)
{
    const static_asset *a = static_asset_find(STYLESHEET);
    xmlDocPtr doc;

    xmlInitParser();
    xsltInit();
    xsltSetGenericErrorFunc(NULL, on_error);
    security = forbid_io();
    if (security == NULL) {
        log_error("html view: cannot set up the XSLT security preferences");
        return;
    }
    if (a == NULL) {
        log_error("html view: the built-in %s is missing", STYLESHEET);
        return;
    }
    doc = xmlReadMemory((const char *)a->data, (int)a->len, STYLESHEET, NULL, XML_PARSE_NONET);
    if (doc == NULL) {
        log_error("html view: the built-in %s is not well-formed", STYLESHEET);
        return;
    }
    /* On success the stylesheet owns doc; on failure it is still ours. */
    style = xsltParseStylesheetDoc(doc);
    if (style == NULL) {
        xmlFreeDoc(doc);
        log_error("html view: the built-in %s is not a valid XSLT stylesheet", STYLESHEET);
    }
}

int html_view_init(void)
{
    pthread_once(&once, load);
    return style != NULL && security != NULL ? 0 : -1;
}

/* xmlOutputBuffer callback: the serialized page goes into an evbuffer. */
static int write_evbuffer(void *ctx, const char *buf, int len)
{
    return evbuffer_add(ctx, buf, (size_t)len) == 0 ? len : -1;
}

/* Serializes the result page (HTML, UTF-8: the stylesheet's xsl:output). */
static int save(xmlDocPtr result, struct evbuffer *html)
{
    xmlOutputBufferPtr out = xmlOutputBufferCreateIO(write_evbuffer, NULL, html, NULL);
    int written;

    if (out == NULL)
        return -1;
    written = xsltSaveResultTo(out, result, style);
    if (xmlOutputBufferClose(out) < 0 || written < 0)
        return -1;
    return 0;
}

static xmlDocPtr parse_response(struct evbuffer *xml)
{
    size_t len = evbuffer_get_length(xml);
    const char *data = (const char *)evbuffer_pullup(xml, -1);

    if (data == NULL || len > INT_MAX)
        return NULL;
    /* The document is the server's own output: no DTD, no entities, no
     * network; errors are reported by the caller, not on stderr. */
    return xmlReadMemory(data, (int)len, "oai.xml", "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

int html_view_render(struct evbuffer *xml, struct evbuffer *html)
{
    /* The server renders the page: the stylesheet's "view" parameter
     * switches its footer link to the XML view. */
    static const char *params[] = {"view", "'html'", NULL};
    xsltTransformContextPtr tctx = NULL;
    xmlDocPtr doc = NULL, result = NULL;
    int rc = -1;

    if (html_view_init() != 0)
        return -1;
    doc = parse_response(xml);
    if (doc == NULL) {
        log_error("html view: the OAI response is not well-formed XML");
        goto cleanup;
    }
    tctx = xsltNewTransformContext(style, doc);
    if (tctx == NULL || xsltSetCtxtSecurityPrefs(security, tctx) != 0)
        goto cleanup;
    xsltSetTransformErrorFunc(tctx, NULL, on_error);
    result = xsltApplyStylesheetUser(style, doc, params, NULL, NULL, tctx);
    if (result == NULL || tctx->state != XSLT_STATE_OK) {
        log_error("html view: the transformation failed");
        goto cleanup;
    }
    rc = save(result, html);
    if (rc != 0)
        log_error("html view: cannot write the page");

cleanup:
    if (result != NULL)
        xmlFreeDoc(result);
    if (tctx != NULL)
        xsltFreeTransformContext(tctx);
    if (doc != NULL)
        xmlFreeDoc(doc);
    return rc;
}

void html_view_cleanup(void)
{
    if (style != NULL)
        xsltFreeStylesheet(style);
    style = NULL;
    if (security != NULL)
        xsltFreeSecurityPrefs(security);
    security = NULL;
    xsltCleanupGlobals();
    xmlCleanupParser();
}
