/*
 * import_xml.c - oai_dc XML: an OAI-PMH response (ListRecords, GetRecord,
 * any number of <record>s, such as a collection harvested from another
 * repository) or a bare <oai_dc:dc> document.
 *
 * Streams with libxml2's xmlTextReader, so a ListRecords file of any size
 * is read in constant memory. Network access and entity expansion are off.
 *
 *   <record><header [status="deleted"]><identifier>oai:REPO:LOCAL</identifier>
 *           <setSpec>type:law</setSpec></header>
 *           <metadata><oai_dc:dc><dc:title xml:lang="km">…</dc:title>…</oai_dc:dc></metadata>
 *   </record>
 *
 * The local identifier is the part after "oai:REPO:" (any repository: a
 * collection keeps its local identifiers when it moves); a bare oai_dc:dc
 * takes the file name without its extension. A document that is not
 * well-formed is rejected as a whole.
 */
#include "admin.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#define OAI_NS "http://www.openarchives.org/OAI/2.0/"
#define OAI_DC_NS "http://www.openarchives.org/OAI/2.0/oai_dc/"
#define DC_NS "http://purl.org/dc/elements/1.1/"

typedef struct {
    adm_parse *p;
    xmlTextReaderPtr r;
    adm_record rec;
    bool in_record; /* inside an OAI <record> (or a bare dc) */
    bool bare;      /* the document is a bare oai_dc:dc */
    int record_depth;
    int dc_depth; /* depth of <oai_dc:dc>, -1 outside */
    int header_depth;
    bool xml_error;
} xr;

static void rec_error(xr *x, long line, const char *field, const char *fix, const char *problem)
{
    x->rec.errors++;
    diag_emit(x->p->diag, SEV_ERROR, x->p->path, line, x->rec.local_id, field, problem, fix);
}

static void on_xml_error(void *arg, xmlErrorPtr e)
{
    xr *x = arg;
    char msg[300];
    size_t n;

    if (e == NULL || e->level < XML_ERR_ERROR || x->xml_error)
        return; /* the first error is the one that explains */
    x->xml_error = true;
    if (e->message && strstr(e->message, "huge text node")) {
        /* libxml2's limit on one text node (10,000,000 bytes), kept: it
         * bounds the memory one value can take. */
        diag_emit(x->p->diag, SEV_ERROR, x->p->path, e->line, NULL, NULL,
                  "a value is longer than 10000000 bytes",
                  "shorten it, or link the full text with dc:relation; nothing of the file is "
                  "imported");
        return;
    }
    snprintf(msg, sizeof(msg), "not well-formed XML: %s", e->message ? e->message : "error");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    diag_emit(x->p->diag, SEV_ERROR, x->p->path, e->line, NULL, NULL, msg,
              "repair the file (a truncated download? harvest it again); nothing of it is "
              "imported");
}

/* The line of the current node (the parser itself reads ahead). */
static long line_of(xr *x)
{
    xmlNodePtr n = xmlTextReaderCurrentNode(x->r);
    long line = n ? xmlGetLineNo(n) : -1;

    return line > 0 ? line : xmlTextReaderGetParserLineNumber(x->r);
}

static bool is(const xmlChar *ns, const char *want)
{
    return ns && strcmp((const char *)ns, want) == 0;
}

/* The text of the current element (all descendant text), owned by caller. */
static char *element_text(xr *x)
{
    xmlChar *s = xmlTextReaderReadString(x->r);

    return s ? (char *)s : (char *)xmlStrdup((const xmlChar *)"");
}

/* "oai:REPO:LOCAL" -> "LOCAL"; anything else as it is. */
static const char *local_part(const char *id)
{
    const char *colon;

    if (strncmp(id, "oai:", 4) == 0 && (colon = strchr(id + 4, ':')) != NULL && colon[1])
        return colon + 1;
    return id;
}

static void start_record(xr *x, int depth)
{
    record_init(&x->rec);
    x->rec.line = line_of(x);
    x->in_record = true;
    x->record_depth = depth;
    x->dc_depth = -1;
    x->header_depth = -1;
}

static int end_record(xr *x)
{
    int rc = x->p->sink(x->p->ctx, &x->rec);

    record_clear(&x->rec);
    x->in_record = false;
    return rc;
}

static int header_child(xr *x, const char *name)
{
    char *text = element_text(x);
    int rc = 0;

    if (strcmp(name, "identifier") == 0) {
        const char *local = local_part(text);
        rc = record_set_id(&x->rec, local, strlen(local), line_of(x));
    } else if (strcmp(name, "setSpec") == 0) {
        rc = record_add_set(&x->rec, text, strlen(text), line_of(x));
        x->rec.sets_line = line_of(x);
    }
    xmlFree(text);
    return rc;
}

static int dc_child(xr *x, const xmlChar *ns, const char *name, int depth)
{
    const char *element = is(ns, DC_NS) ? dc_element(name, strlen(name)) : NULL;
    const xmlChar *lang;
    char *text;
    char msg[160];
    int rc = 0;

    if (depth != x->dc_depth + 1) {
        rec_error(x, line_of(x), NULL, "a Dublin Core element holds text only",
                  "markup inside a Dublin Core element");
        return 0;
    }
    if (element == NULL) {
        snprintf(msg, sizeof(msg), "unknown element '%.60s' in oai_dc", name);
        rec_error(x, line_of(x), NULL, "use the 15 elements of http://purl.org/dc/elements/1.1/",
                  msg);
        return 0;
    }
    x->rec.has_values = true;
    /* The xml:lang in scope: on the element or inherited (oai_dc:dc). */
    lang = xmlTextReaderConstXmlLang(x->r);
    text = element_text(x);
    if (text[0] != '\0')
        rc = record_add_value(&x->rec, element, text, strlen(text),
                              lang && lang[0] ? (const char *)lang : NULL, line_of(x));
    xmlFree(text);
    return rc;
}

static void oai_error(xr *x)
{
    xmlChar *code = xmlTextReaderGetAttribute(x->r, (const xmlChar *)"code");
    char msg[160];

    snprintf(msg, sizeof(msg), "the file is an OAI-PMH error response (%.60s)",
             code ? (const char *)code : "no code");
    diag_emit(x->p->diag, SEV_ERROR, x->p->path, line_of(x), NULL, NULL, msg,
              "harvest again with a request that returns records");
    x->p->fatal = true;
    xmlFree(code);
}

static void resumption_token(xr *x)
{
    char *text = element_text(x);

    if (text[strspn(text, " \t\r\n")] != '\0')
        diag_emit(x->p->diag, SEV_WARNING, x->p->path, line_of(x), NULL, NULL,
                  "the file is one page of a longer list (it has a resumptionToken)",
                  "harvest every page and import them all");
    xmlFree(text);
}

/* An element start outside any record. */
static int outside_element(xr *x, const xmlChar *ns, const char *name, int depth)
{
    if (is(ns, OAI_NS) && strcmp(name, "record") == 0) {
        start_record(x, depth);
    } else if (is(ns, OAI_NS) && strcmp(name, "error") == 0) {
        oai_error(x);
    } else if (is(ns, OAI_NS) && strcmp(name, "resumptionToken") == 0) {
        resumption_token(x);
    } else if (depth == 0 && is(ns, OAI_DC_NS) && strcmp(name, "dc") == 0) {
        /* A bare record: its identifier is the file name. */
        char *copy = strdup(x->p->path), *base, *dot;
        if (copy == NULL)
            return -1;
        base = basename(copy);
        dot = strrchr(base, '.');
        start_record(x, depth);
        x->bare = true;
        x->dc_depth = depth;
        x->rec.has_values = true;
        int rc = record_set_id(&x->rec, base, dot ? (size_t)(dot - base) : strlen(base), 1);
        free(copy);
        return rc;
    } else if (depth == 0 && !is(ns, OAI_NS)) {
        diag_emit(x->p->diag, SEV_ERROR, x->p->path, line_of(x), NULL, NULL,
                  "the document is neither an OAI-PMH response nor an oai_dc record",
                  "import an OAI-PMH ListRecords/GetRecord response or an <oai_dc:dc> document");
        x->p->fatal = true;
    }
    return 0;
}

static int record_element(xr *x, const xmlChar *ns, const char *name, int depth)
{
    if (x->dc_depth >= 0 && depth > x->dc_depth)
        return dc_child(x, ns, name, depth);
    if (x->header_depth >= 0 && depth == x->header_depth + 1 && is(ns, OAI_NS))
        return header_child(x, name);
    if (is(ns, OAI_NS) && strcmp(name, "header") == 0) {
        xmlChar *status = xmlTextReaderGetAttribute(x->r, (const xmlChar *)"status");
        x->header_depth = depth;
        /* A header lists all of a record's sets: none listed, none kept. */
        x->rec.has_sets = true;
        x->rec.deleted = status && strcmp((const char *)status, "deleted") == 0;
        xmlFree(status);
    } else if (is(ns, OAI_DC_NS) && strcmp(name, "dc") == 0) {
        x->dc_depth = depth;
        x->rec.has_values = true;
    } else if (is(ns, OAI_NS) && strcmp(name, "metadata") == 0) {
        /* checked below: its child must be oai_dc:dc */
    } else if (depth == x->record_depth + 2 && !is(ns, OAI_NS)) {
        rec_error(x, line_of(x), NULL, "harvest with metadataPrefix=oai_dc",
                  "the record's metadata is not oai_dc");
    }
    return 0;
}

static int on_end(xr *x, const xmlChar *ns, const char *name, int depth)
{
    if (!x->in_record)
        return 0;
    if (depth == x->dc_depth)
        x->dc_depth = -1;
    if (depth == x->header_depth)
        x->header_depth = -1;
    if (depth == x->record_depth && (x->bare || (is(ns, OAI_NS) && !strcmp(name, "record"))))
        return end_record(x);
    return 0;
}

static int on_node(xr *x)
{
    int type = xmlTextReaderNodeType(x->r);
    int depth = xmlTextReaderDepth(x->r);
    const xmlChar *ns = xmlTextReaderConstNamespaceUri(x->r);
    const char *name = (const char *)xmlTextReaderConstLocalName(x->r);
    int rc = 0;

    if (type == XML_READER_TYPE_END_ELEMENT)
        return on_end(x, ns, name, depth);
    if (type != XML_READER_TYPE_ELEMENT)
        return 0;
    if (!x->in_record)
        rc = outside_element(x, ns, name, depth);
    else
        rc = record_element(x, ns, name, depth);
    /* <record/> or <oai_dc:dc/>: no end element follows. */
    if (rc == 0 && x->in_record && xmlTextReaderIsEmptyElement(x->r))
        rc = on_end(x, ns, name, depth);
    return rc;
}

int parse_xml(adm_parse *p)
{
    xr x = {.p = p, .dc_depth = -1, .header_depth = -1};
    int ret = 0, rc = 0;

    record_init(&x.rec);
    x.r =
        xmlReaderForFile(p->path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
    if (x.r == NULL) {
        diag_emit(p->diag, SEV_ERROR, p->path, 0, NULL, NULL, "cannot open or read the file",
                  "check the path and the permissions");
        p->fatal = true;
        return 0;
    }
    xmlTextReaderSetStructuredErrorHandler(x.r, on_xml_error, &x);
    /* After the first XML error nothing more is read: what follows is
     * not trustworthy and would only add confusing messages. */
    while (rc == 0 && !x.xml_error && (ret = xmlTextReaderRead(x.r)) == 1) {
        rc = on_node(&x);
        p->bytes = xmlTextReaderByteConsumed(x.r);
    }
    if (rc == 0 && (ret < 0 || x.xml_error)) {
        if (!x.xml_error)
            diag_emit(p->diag, SEV_ERROR, p->path, line_of(&x), NULL, NULL, "not well-formed XML",
                      "repair the file; nothing of it is imported");
        p->fatal = true;
    }
    record_clear(&x.rec);
    xmlFreeTextReader(x.r);
    return rc;
}
