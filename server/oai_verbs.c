/*
 * oai_verbs.c - Identify, ListMetadataFormats, ListSets, ListIdentifiers,
 * ListRecords and GetRecord (spec section 4), and the response envelope.
 */
#include "oai_verbs.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "datestamp.h"
#include "log.h"
#include "metadata.h"
#include "metrics.h"
#include "static_assets.h"
#include "xml_out.h"

/* No record can be older than this: the first second of year 1. */
#define EARLIEST_POSSIBLE (-62135596800LL)
/* The browser view's stylesheet, in server/static/. */
#define OAI_STYLESHEET "oai.xsl"
/* At most this many DC values are rendered for one record. */
#define MAX_VALUES_PER_RECORD 512

static const char OAI_ROOT[] = "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\""
                               " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                               " xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/"
                               " http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">";

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static void add_str(struct evbuffer *out, const char *s)
{
    evbuffer_add(out, s, strlen(s));
}

static void add_datestamp(struct evbuffer *out, const char *name, int64_t t)
{
    char ds[DATESTAMP_LEN];

    datestamp_format(t, ds);
    evbuffer_add_printf(out, "<%s>%s</%s>", name, ds, name);
}

static int64_t parse_i64(const char *s)
{
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* Longest local id the database accepts (migration 001's CHECK). */
#define LOCAL_ID_MAX 256

/* Whether s could be a record's local id: what migration 001's CHECK
 * allows (the oai-identifier syntax's characters, or %XX escapes; at most
 * LOCAL_ID_MAX characters). One that cannot is answered without the
 * database: sent, bytes that are not UTF-8 would fail the statement, and
 * with it every request answered by the same one (oai_get_records). */
static int could_be_local_id(const char *s)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789_.!~*'();/?:@&=+$,-";
    size_t len = 0;

    while (*s != '\0') {
        size_t n = 1;

        if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2]))
            n = 3;
        else if (strchr(allowed, *s) == NULL)
            return 0;
        s += n;
        len += n;
        if (len > LOCAL_ID_MAX)
            return 0;
    }
    return len > 0;
}

/* The local part of "oai:<repository-id>:<local>", or NULL when the
 * identifier does not belong to this repository or no record could have
 * it. */
static const char *local_part(const oai_ctx *ctx, const char *identifier)
{
    const char *id = ctx->cfg->repository_id;
    size_t n = strlen(id);

    if (strncmp(identifier, "oai:", 4) != 0 || strncmp(identifier + 4, id, n) != 0 ||
        identifier[4 + n] != ':' || !could_be_local_id(identifier + 5 + n))
        return NULL;
    return identifier + 5 + n;
}

static void add_identifier(struct evbuffer *out, const oai_ctx *ctx, const char *local)
{
    add_str(out, "<identifier>oai:");
    xml_text_str(out, ctx->cfg->repository_id);
    add_str(out, ":");
    xml_text_str(out, local);
    add_str(out, "</identifier>");
}

/* Absolute URL of a built-in asset: <base_url>/static/<name>. */
static void write_static_url(struct evbuffer *out, const config *cfg, const char *name)
{
    const char *base = cfg->base_url;
    size_t n = strlen(base);

    if (n > 0 && base[n - 1] == '/')
        n--;
    xml_text(out, base, n);
    add_str(out, "/static/");
    xml_text_str(out, name);
}

/* Server-relative path of a built-in asset, escaped for an attribute:
 * <base path>/static/<name>, the route dispatch.c serves. */
static void write_static_path(struct evbuffer *out, const config *cfg, const char *name)
{
    const char *path = config_base_path(cfg);
    size_t n = strlen(path);

    if (n > 0 && path[n - 1] == '/')
        n--;
    xml_attr(out, path, n);
    add_str(out, "/static/");
    xml_attr_str(out, name);
}

static verb_result db_failed(int unavailable)
{
    return unavailable ? VERB_UNAVAILABLE : VERB_FAILED;
}

/* Does the repository have a set hierarchy at all? -1 on database failure. */
static int has_sets(const oai_ctx *ctx, int *unavailable)
{
    PGresult *res = db_query(ctx->db, DB_HAS_SETS, 0, NULL, unavailable);
    int yes;

    if (res == NULL)
        return -1;
    yes = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return yes;
}

/* ------------------------------------------------------------------------ */
/* Records                                                                  */
/* ------------------------------------------------------------------------ */

/* The next setSpec of a DB_COL_SETS field, which the database joins with
 * one space (setSpecs cannot contain spaces: their syntax forbids it): its
 * length (0 at the end), *spec pointing at it and *sets moved past it. */
static size_t next_spec(const char **sets, const char **spec)
{
    size_t len;

    *sets += strspn(*sets, " ");
    *spec = *sets;
    len = strcspn(*sets, " ");
    *sets += len;
    return len;
}

/* Whether another of the record's setSpecs (space-separated in all) is a
 * descendant of spec, "spec:...": spec is then implied, and a header lists
 * only the minimum setSpecs (spec 2.6: not institution beside
 * institution:florida). */
static int implied_by_another(const char *all, const char *spec, size_t len)
{
    const char *other;
    size_t olen;

    while ((olen = next_spec(&all, &other)) > 0)
        if (olen > len && other[len] == ':' && memcmp(other, spec, len) == 0)
            return 1;
    return 0;
}

static void write_header(struct evbuffer *out, const oai_ctx *ctx, const PGresult *res, int row)
{
    int deleted = PQgetvalue(res, row, DB_COL_DELETED)[0] == 't';
    const char *all = PQgetvalue(res, row, DB_COL_SETS), *sets = all, *spec;
    size_t len;

    add_str(out, deleted ? "<header status=\"deleted\">" : "<header>");
    add_identifier(out, ctx, PQgetvalue(res, row, DB_COL_LOCAL_ID));
    add_datestamp(out, "datestamp", parse_i64(PQgetvalue(res, row, DB_COL_DATESTAMP)));
    while ((len = next_spec(&sets, &spec)) > 0) {
        if (implied_by_another(all, spec, len))
            continue;
        add_str(out, "<setSpec>");
        xml_text(out, spec, len);
        add_str(out, "</setSpec>");
    }
    add_str(out, "</header>");
}

/* Whether the row's metadata comes as a stored rendering (DB_COL_XML). */
static int row_rendered(const PGresult *res, int row)
{
    return PQgetvalue(res, row, DB_COL_RENDERED)[0] == 't';
}

/* Writes <metadata>: the stored rendering when the row has one (written by
 * oai-admin with the same render function, migration 005), else rendered
 * from the record's aggregated Dublin Core field. */
static void write_metadata(struct evbuffer *out, const metadata_format *fmt, const PGresult *res,
                           int row)
{
    const char *field = PQgetvalue(res, row, DB_COL_DC);
    size_t len = (size_t)PQgetlength(res, row, DB_COL_DC);
    dc_value vals[MAX_VALUES_PER_RECORD];
    char *copy;
    int n = 0;

    add_str(out, "<metadata>");
    if (row_rendered(res, row)) {
        evbuffer_add(out, PQgetvalue(res, row, DB_COL_XML),
                     (size_t)PQgetlength(res, row, DB_COL_XML));
        add_str(out, "</metadata>");
        return;
    }
    /* The copy keeps the PGresult untouched while db_split_dc cuts the
     * values apart in place. */
    copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, field, len + 1);
        n = db_split_dc(copy, vals, MAX_VALUES_PER_RECORD);
        if (n < 0) {
            log_error("record %s: malformed Dublin Core field", PQgetvalue(res, row, DB_COL_ID));
            n = 0;
        }
    }
    fmt->render(out, vals, (size_t)n);
    add_str(out, "</metadata>");
    free(copy);
}

/* Writes one <record> (fmt given) or <header> (fmt NULL) for a row. */
static void write_record(struct evbuffer *out, const oai_ctx *ctx, const metadata_format *fmt,
                         const PGresult *res, int row)
{
    int deleted = PQgetvalue(res, row, DB_COL_DELETED)[0] == 't';

    if (fmt == NULL) {
        write_header(out, ctx, res, row);
        return;
    }
    add_str(out, "<record>");
    write_header(out, ctx, res, row);
    if (!deleted)
        write_metadata(out, fmt, res, row);
    add_str(out, "</record>");
}

/* Whether the record in a row can be disseminated in fmt (formats may
 * require a value, metadata_format.requires). A deleted record always can:
 * it is only a header. The row must have been fetched with metadata, and
 * with fmt's renderings or none. 1 yes, 0 no, -1 out of memory. */
static int record_available(const metadata_format *fmt, const PGresult *res, int row)
{
    size_t len = (size_t)PQgetlength(res, row, DB_COL_DC);
    dc_value vals[MAX_VALUES_PER_RECORD];
    char *copy;
    int n, ok;

    if (PQgetvalue(res, row, DB_COL_DELETED)[0] == 't' || metadata_format_available(fmt, NULL, 0))
        return 1;
    /* A stored rendering of this format answers for it: NULL xml means
     * "not available" (oai-admin stores that too). */
    if (row_rendered(res, row))
        return !PQgetisnull(res, row, DB_COL_XML);
    copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, PQgetvalue(res, row, DB_COL_DC), len + 1);
    n = db_split_dc(copy, vals, MAX_VALUES_PER_RECORD);
    ok = n > 0 && metadata_format_available(fmt, vals, (size_t)n);
    free(copy);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Resumption                                                               */
/* ------------------------------------------------------------------------ */

/* Writes the resumptionToken element for a page of n items. `next` is the
 * token for the following page, or NULL on the last page. */
static void write_resumption(struct evbuffer *out, const oai_token *next, const char *encoded,
                             uint64_t cursor, uint64_t complete)
{
    char ds[DATESTAMP_LEN];

    if (next == NULL) {
        evbuffer_add_printf(
            out, "<resumptionToken completeListSize=\"%" PRIu64 "\" cursor=\"%" PRIu64 "\"/>",
            complete, cursor);
        return;
    }
    datestamp_format(next->expires, ds);
    evbuffer_add_printf(out,
                        "<resumptionToken expirationDate=\"%s\" completeListSize=\"%" PRIu64
                        "\" cursor=\"%" PRIu64 "\">",
                        ds, complete, cursor);
    xml_text_str(out, encoded);
    add_str(out, "</resumptionToken>");
}

/* Decodes the request's token for verb, or reports badResumptionToken.
 * On success the caller owns *t (token_free); on failure nothing is held. */
static int resume(const oai_ctx *ctx, const oai_request *req, oai_token *t, oai_error *err)
{
    char why[64];

    if (token_decode(req->resumption_token, ctx->keys, ctx->now, t, why, sizeof(why)) != 0) {
        oai_error_set(err, OAI_BAD_RESUMPTION_TOKEN, "The resumptionToken is invalid (%s).", why);
        return -1;
    }
    if (t->verb != req->verb) {
        oai_error_set(err, OAI_BAD_RESUMPTION_TOKEN,
                      "The resumptionToken was issued for another verb (%s).",
                      oai_verb_name(t->verb));
        goto refuse;
    }
    if (t->verb != VERB_LIST_SETS &&
        (t->metadata_prefix == NULL || metadata_format_find(t->metadata_prefix) == NULL)) {
        oai_error_set(err, OAI_BAD_RESUMPTION_TOKEN,
                      "The resumptionToken names a metadata format this repository no longer "
                      "disseminates.");
        goto refuse;
    }
    return 0;

refuse:
    token_free(t);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Identify                                                                 */
/* ------------------------------------------------------------------------ */

/* The friends description: other repositories a harvester may like. */
static void write_friends(struct evbuffer *out, const config *cfg)
{
    const char *p = cfg->friends;

    if (p == NULL || *p == '\0')
        return;
    add_str(out, "<description><friends xmlns=\"http://www.openarchives.org/OAI/2.0/friends/\""
                 " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                 " xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/friends/"
                 " http://www.openarchives.org/OAI/2.0/friends.xsd\">");
    while (*p != '\0') {
        size_t n = strcspn(p, ", ");

        if (n > 0) {
            add_str(out, "<baseURL>");
            xml_text(out, p, n);
            add_str(out, "</baseURL>");
        }
        p += n;
        p += strspn(p, ", ");
    }
    add_str(out, "</friends></description>");
}

/* The branding description: the collection icon and, when the browser
 * stylesheet is built in, the rendering of oai_dc records. */
static void write_branding(struct evbuffer *out, const config *cfg)
{
    add_str(out, "<description><branding xmlns=\"http://www.openarchives.org/OAI/2.0/branding/\""
                 " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                 " xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/branding/"
                 " http://www.openarchives.org/OAI/2.0/branding.xsd\">"
                 "<collectionIcon><url>");
    if (cfg->icon_url != NULL && *cfg->icon_url != '\0')
        xml_text_str(out, cfg->icon_url);
    else
        write_static_url(out, cfg, "icon.svg");
    add_str(out, "</url>");
    xml_element(out, "link", cfg->base_url);
    xml_element(out, "title", cfg->repository_name);
    add_str(out, "</collectionIcon>");
    if (static_asset_find(OAI_STYLESHEET) != NULL) {
        add_str(out, "<metadataRendering"
                     " metadataNamespace=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
                     " mimeType=\"text/xsl\">");
        write_static_url(out, cfg, OAI_STYLESHEET);
        add_str(out, "</metadataRendering>");
    }
    add_str(out, "</branding></description>");
}

static verb_result verb_identify(const oai_ctx *ctx, struct evbuffer *out)
{
    const config *cfg = ctx->cfg;
    int unavailable;
    PGresult *res = db_query(ctx->db, DB_IDENTIFY, 0, NULL, &unavailable);
    int64_t earliest = ctx->now;
    const char *sample = "nec-sample-1";
    int i;

    if (res == NULL)
        return db_failed(unavailable);
    /* An empty repository's earliest datestamp is now: every record added
     * later has a datestamp at or after it. */
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
        earliest = parse_i64(PQgetvalue(res, 0, 0));
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1))
        sample = PQgetvalue(res, 0, 1);

    add_str(out, "<Identify>");
    xml_element(out, "repositoryName", cfg->repository_name);
    xml_element(out, "baseURL", cfg->base_url);
    add_str(out, "<protocolVersion>2.0</protocolVersion>");
    for (i = 0; i < cfg->n_admin_email; i++)
        xml_element(out, "adminEmail", cfg->admin_email[i]);
    add_datestamp(out, "earliestDatestamp", earliest);
    add_str(out, "<deletedRecord>persistent</deletedRecord>"
                 "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
                 "<compression>gzip</compression><compression>deflate</compression>");
    add_str(out, "<description><oai-identifier"
                 " xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\""
                 " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                 " xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier"
                 " http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\">"
                 "<scheme>oai</scheme>");
    xml_element(out, "repositoryIdentifier", cfg->repository_id);
    add_str(out, "<delimiter>:</delimiter><sampleIdentifier>oai:");
    xml_text_str(out, cfg->repository_id);
    add_str(out, ":");
    xml_text_str(out, sample);
    add_str(out, "</sampleIdentifier></oai-identifier></description>");
    write_friends(out, cfg);
    write_branding(out, cfg);
    add_str(out, "</Identify>");
    PQclear(res);
    return VERB_DONE;
}

/* ------------------------------------------------------------------------ */
/* Records by identifier (GetRecord, ListMetadataFormats)                   */
/* ------------------------------------------------------------------------ */

/* Runs DB_GET_RECORDS for n local ids, local[k] with the stored rendering
 * of fmt[k] (NULL: none, the Dublin Core values come instead). NULL on
 * database failure (*unavailable as db_query sets it) or out of memory
 * (*unavailable 0). */
static PGresult *query_records(const oai_ctx *ctx, const char *const *local,
                               const metadata_format *const *fmt, int n, int *unavailable)
{
    struct evbuffer *arrays[3] = {evbuffer_new(), evbuffer_new(), evbuffer_new()};
    const char *params[3];
    PGresult *res = NULL;
    char version[16];
    int k;

    *unavailable = 0;
    for (k = 0; k < 3; k++)
        if (arrays[k] == NULL)
            goto cleanup;
    for (k = 0; k < n; k++) {
        snprintf(version, sizeof(version), "%d", fmt[k] != NULL ? fmt[k]->version : 0);
        if (db_array_add(arrays[0], local[k]) != 0 ||
            db_array_add(arrays[1], fmt[k] != NULL ? fmt[k]->prefix : NULL) != 0 ||
            db_array_add(arrays[2], version) != 0)
            goto cleanup;
    }
    for (k = 0; k < 3; k++) {
        if (evbuffer_add(arrays[k], "}", 2) != 0) /* and the NUL */
            goto cleanup;
        params[k] = (const char *)evbuffer_pullup(arrays[k], -1);
        if (params[k] == NULL)
            goto cleanup;
    }
    res = db_query(ctx->db, DB_GET_RECORDS, 3, params, unavailable);

cleanup:
    for (k = 0; k < 3; k++)
        if (arrays[k] != NULL)
            evbuffer_free(arrays[k]);
    return res;
}

static void set_unknown_id(const oai_ctx *ctx, oai_error *err)
{
    oai_error_add(err, OAI_ID_DOES_NOT_EXIST,
                  "No item has this identifier in this repository (identifiers look like "
                  "oai:%s:<local-id>).",
                  ctx->cfg->repository_id);
}

/* ------------------------------------------------------------------------ */
/* ListMetadataFormats                                                      */
/* ------------------------------------------------------------------------ */

static verb_result verb_list_metadata_formats(const oai_ctx *ctx, const oai_request *req,
                                              struct evbuffer *out, oai_error *err)
{
    PGresult *res = NULL;
    size_t i, listed = 0;

    if (req->identifier != NULL) {
        const char *local = local_part(ctx, req->identifier);
        /* The record with its values: a format may require one (below). */
        const metadata_format *none = NULL;
        int unavailable;

        if (local == NULL)
            goto unknown;
        res = query_records(ctx, &local, &none, 1, &unavailable);
        if (res == NULL)
            return db_failed(unavailable);
        if (PQntuples(res) == 0) {
            PQclear(res);
            goto unknown;
        }
    }
    /* For an item, only the formats it can be disseminated in (a deleted
     * one, only a header, in every format). */
    add_str(out, "<ListMetadataFormats>");
    for (i = 0; i < metadata_format_count(); i++) {
        const metadata_format *f = metadata_format_at(i);
        int available = res != NULL ? record_available(f, res, 0) : 1;

        if (available < 0) {
            PQclear(res);
            return VERB_FAILED;
        }
        if (!available)
            continue;
        add_str(out, "<metadataFormat>");
        xml_element(out, "metadataPrefix", f->prefix);
        xml_element(out, "schema", f->schema);
        xml_element(out, "metadataNamespace", f->namespace);
        add_str(out, "</metadataFormat>");
        listed++;
    }
    add_str(out, "</ListMetadataFormats>");
    PQclear(res);
    if (listed == 0) {
        oai_error_set(err, OAI_NO_METADATA_FORMATS,
                      "This item cannot be disseminated in any metadata format.");
        return VERB_OAI_ERROR;
    }
    return VERB_DONE;

unknown:
    set_unknown_id(ctx, err);
    return VERB_OAI_ERROR;
}

/* ------------------------------------------------------------------------ */
/* GetRecord                                                                */
/* ------------------------------------------------------------------------ */

/* The answer to one GetRecord from its record's row (res NULL or row < 0:
 * no such record). */
static void answer_get(const oai_ctx *ctx, oai_get_item *it, const metadata_format *fmt,
                       const PGresult *res, int row)
{
    int available;

    if (res == NULL || row < 0) {
        set_unknown_id(ctx, &it->err);
        it->result = VERB_OAI_ERROR;
        return;
    }
    available = record_available(fmt, res, row);
    if (available < 0) {
        it->result = VERB_FAILED;
        return;
    }
    if (!available) {
        oai_error_set(&it->err, OAI_CANNOT_DISSEMINATE_FORMAT,
                      "This item cannot be disseminated in %s (it has no %s); "
                      "ListMetadataFormats with its identifier lists the formats it can.",
                      fmt->prefix, fmt->requires != NULL ? fmt->requires : "what it needs");
        it->result = VERB_OAI_ERROR;
        return;
    }
    add_str(it->body, "<GetRecord>");
    write_record(it->body, ctx, fmt, res, row);
    add_str(it->body, "</GetRecord>");
    it->served = 1;
    it->result = VERB_DONE;
}

void oai_get_records(const oai_ctx *ctx, oai_get_item *items, int n)
{
    const char *local[OAI_GET_BATCH_MAX];
    const metadata_format *fmt[OAI_GET_BATCH_MAX];
    int asked[OAI_GET_BATCH_MAX]; /* item of each local id asked */
    int row_of[OAI_GET_BATCH_MAX];
    PGresult *res = NULL;
    int i, k, m = 0, unavailable = 0, rows;

    for (; n > OAI_GET_BATCH_MAX; n -= OAI_GET_BATCH_MAX, items += OAI_GET_BATCH_MAX)
        oai_get_records(ctx, items, OAI_GET_BATCH_MAX);
    /* What can be answered without the database is; the rest is asked in
     * one statement. An unknown format is an error, but the identifier is
     * still looked up: every error is reported (spec 3.6). */
    for (i = 0; i < n; i++) {
        oai_get_item *it = &items[i];

        it->served = 0;
        it->err.code = OAI_OK;
        it->err.message[0] = '\0';
        it->err.n_more = 0;
        row_of[i] = -1;
        fmt[m] = metadata_format_find(it->req->metadata_prefix);
        local[m] = local_part(ctx, it->req->identifier);
        if (it->body == NULL) {
            it->result = VERB_FAILED;
            continue;
        }
        if (fmt[m] == NULL)
            oai_error_add(&it->err, OAI_CANNOT_DISSEMINATE_FORMAT,
                          "This repository does not disseminate that metadataPrefix; "
                          "ListMetadataFormats lists the formats it does.");
        if (local[m] == NULL) {
            set_unknown_id(ctx, &it->err);
            it->result = VERB_OAI_ERROR;
        } else {
            asked[m++] = i;
        }
    }
    if (m == 0)
        return;
    res = query_records(ctx, local, fmt, m, &unavailable);
    rows = res != NULL ? PQntuples(res) : 0;
    for (k = 0; k < rows; k++) {
        long item = strtol(PQgetvalue(res, k, DB_COL_ITEM), NULL, 10);

        if (item >= 1 && item <= m)
            row_of[asked[item - 1]] = k;
    }
    for (k = 0; k < m; k++) {
        oai_get_item *it = &items[asked[k]];

        if (fmt[k] == NULL) {
            /* With the database down, the format's error is all we know. */
            if (res != NULL && row_of[asked[k]] < 0)
                set_unknown_id(ctx, &it->err);
            it->result = VERB_OAI_ERROR;
        } else if (res == NULL) {
            it->result = db_failed(unavailable);
        } else {
            answer_get(ctx, it, fmt[k], res, row_of[asked[k]]);
        }
    }
    PQclear(res);
}

static verb_result verb_get_record(const oai_ctx *ctx, const oai_request *req, struct evbuffer *out,
                                   oai_error *err)
{
    oai_get_item it = {.req = req, .body = out};

    oai_get_records(ctx, &it, 1);
    *err = it.err;
    *ctx->served = it.served;
    return it.result;
}

/* ------------------------------------------------------------------------ */
/* ListIdentifiers and ListRecords                                          */
/* ------------------------------------------------------------------------ */

/* Builds the harvest's query from a first request. The upper bound is
 * capped at the harvest's first second: records that change while the
 * harvest runs move past it, so they are neither lost (the harvester's next
 * incremental harvest, from this responseDate, gets them) nor repeated. */
static int list_query_from_args(const oai_ctx *ctx, const oai_request *req, oai_token *q,
                                oai_error *err, int *unavailable)
{
    memset(q, 0, sizeof(*q));
    q->verb = req->verb;
    /* Both errors when both arise (spec 3.6). */
    if (metadata_format_find(req->metadata_prefix) == NULL)
        oai_error_add(err, OAI_CANNOT_DISSEMINATE_FORMAT,
                      "This repository does not disseminate that metadataPrefix; "
                      "ListMetadataFormats lists the formats it does.");
    if (req->set != NULL) {
        int sets = has_sets(ctx, unavailable);

        /* With the database down, the format's error is all we know. */
        if (sets < 0)
            return err->code != OAI_OK ? -1 : -2;
        if (!sets)
            oai_error_add(err, OAI_NO_SET_HIERARCHY, "This repository does not support sets.");
    }
    if (err->code != OAI_OK)
        return -1;
    q->metadata_prefix = req->metadata_prefix;
    q->set = req->set;
    q->has_from = req->from != NULL;
    q->from = req->from != NULL ? req->from_t : EARLIEST_POSSIBLE;
    q->until = ctx->now;
    if (req->until != NULL && req->until_t < ctx->now)
        q->until = req->until_t;
    /* Keyset position just before the first record at `from`. */
    q->last_datestamp = q->from;
    q->last_id = 0;
    return 0;
}

/* The element a record needs to be listed in the harvest's format
 * (metadata_format.requires; the last parameter of the list and count
 * statements), or NULL. */
static const char *format_requires(const oai_token *q)
{
    const metadata_format *f = metadata_format_find(q->metadata_prefix);

    return f != NULL ? f->requires : NULL;
}

/* The keys of the next n records of the harvest after its position q. */
static PGresult *list_keys(const oai_ctx *ctx, const oai_token *q, int n, int *unavailable)
{
    char after[24], id[24], until[24], lim[16];
    const char *params[6] = {after, id, until, lim, format_requires(q), q->set};

    /* The first page starts at `from` itself, later pages strictly after
     * the last record served: (datestamp, id) > (last, last_id). */
    snprintf(after, sizeof(after), "%" PRId64, q->last_datestamp);
    snprintf(id, sizeof(id), "%" PRId64, q->last_id);
    snprintf(until, sizeof(until), "%" PRId64, q->until);
    snprintf(lim, sizeof(lim), "%d", n);
    return db_query(ctx->db, q->set ? DB_LIST_KEYS_SET : DB_LIST_KEYS, q->set ? 6 : 5, params,
                    unavailable);
}

static int count_list(const oai_ctx *ctx, const oai_token *q, uint64_t *count, int *unavailable)
{
    char from[24], until[24];
    const char *params[4] = {from, until, q->set, NULL};
    PGresult *res;

    snprintf(from, sizeof(from), "%" PRId64, q->from);
    snprintf(until, sizeof(until), "%" PRId64, q->until);
    params[q->set ? 3 : 2] = format_requires(q);
    res = db_query(ctx->db, q->set ? DB_COUNT_RECORDS_SET : DB_COUNT_RECORDS, q->set ? 4 : 3,
                   params, unavailable);
    if (res == NULL)
        return -1;
    *count = (uint64_t)parse_i64(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* First pages and list sizes remembered (list_cache.h)                     */
/* ------------------------------------------------------------------------ */

typedef struct {
    char buf[512];
    size_t len;
    int overflow;
} cache_key;

/* Appends one field, length-prefixed so that no two field lists give the
 * same key. */
static void key_add(cache_key *k, const char *field)
{
    size_t n = field != NULL ? strlen(field) : 0;
    int w = snprintf(k->buf + k->len, sizeof(k->buf) - k->len, "%zu%c", n, field ? ':' : '-');

    if (k->overflow || w < 0 || (size_t)w + n >= sizeof(k->buf) - k->len) {
        k->overflow = 1;
        return;
    }
    k->len += (size_t)w;
    memcpy(k->buf + k->len, field != NULL ? field : "", n);
    k->len += n;
}

static void key_add_i64(cache_key *k, int64_t v)
{
    char s[24];

    snprintf(s, sizeof(s), "%" PRId64, v);
    key_add(k, s);
}

/* The data's identity now: 0, or -1 on database failure (*unavailable as
 * db_query sets it). The snapshot is tagged with the connection's number
 * of reconnections (a new server could reuse a snapshot's numbers). */
static int data_identity(const oai_ctx *ctx, oai_data_id *id, int *unavailable)
{
    PGresult *res = db_query(ctx->db, DB_SNAPSHOT, 0, NULL, unavailable);
    int n;

    metrics_first_page_snapshot();
    if (res == NULL)
        return -1;
    n = snprintf(id->snapshot, sizeof(id->snapshot), "%lu/%s", db_reconnects(ctx->db),
                 PQgetvalue(res, 0, 0));
    /* A snapshot too long to keep whole (many transactions in progress)
     * identifies nothing: an empty one is never cached. */
    if (n < 0 || (size_t)n >= sizeof(id->snapshot))
        id->snapshot[0] = '\0';
    id->newest = PQgetisnull(res, 0, 1) ? EARLIEST_POSSIBLE : parse_i64(PQgetvalue(res, 0, 1));
    /* A page stands for no later second than the database's clock when
     * pg_locks was read: a writer that locks after that stamps that second
     * or later. (A page answered later with this identity, one of those
     * that arrived together, or a server clock ahead of the database's,
     * would otherwise stand for seconds nobody looked at.) */
    id->horizon = parse_i64(PQgetvalue(res, 0, 3));
    id->committing = !PQgetisnull(res, 0, 2);
    if (id->committing && parse_i64(PQgetvalue(res, 0, 2)) < id->horizon)
        id->horizon = parse_i64(PQgetvalue(res, 0, 2));
    PQclear(res);
    return 0;
}

/* data_identity, or the one taken for the requests that arrived with this
 * one (ctx->shared_id). */
static int data_identity_shared(const oai_ctx *ctx, oai_data_id *id, int *unavailable)
{
    oai_shared_id *sh = ctx->shared_id;

    if (sh == NULL)
        return data_identity(ctx, id, unavailable);
    if (!sh->taken) {
        sh->taken = 1;
        sh->failed = data_identity(ctx, &sh->id, &sh->unavailable) != 0;
    }
    *id = sh->id;
    *unavailable = sh->unavailable;
    return sh->failed ? -1 : 0;
}

int oai_wants_data_identity(const oai_request *req)
{
    return req->resumption_token == NULL &&
           (req->verb == VERB_LIST_RECORDS || req->verb == VERB_LIST_IDENTIFIERS);
}

/* A first page stands for the data up to the commit horizon when that is
 * earlier than now: its responseDate, from which the harvester's next
 * incremental harvest starts, and its until (carried by its tokens). The
 * records of a transaction still committing are stamped at the horizon or
 * later, so that next harvest gets them (migration 006). */
static void hold_at_horizon(oai_ctx *ctx, oai_token *q, const oai_data_id *id)
{
    if (id->horizon >= ctx->now)
        return;
    ctx->now = id->horizon;
    if (q->until > id->horizon)
        q->until = id->horizon;
    if (id->committing)
        metrics_horizon_hold();
}

/* Everything a first page's bytes depend on besides the data and the
 * second: the harvest's query and the page size. */
static void page_key(cache_key *k, const oai_ctx *ctx, const oai_token *q)
{
    key_add_i64(k, q->verb);
    key_add(k, q->metadata_prefix);
    key_add(k, q->set);
    key_add_i64(k, q->has_from);
    key_add_i64(k, q->from);
    key_add_i64(k, q->until);
    key_add_i64(k, ctx->cfg->page_size);
}

/* What a list's size depends on besides the data: the format's
 * requirement, the set, from, and until where it cuts the data. */
static void count_key(cache_key *k, const oai_token *q, int64_t newest)
{
    key_add(k, format_requires(q));
    key_add(k, q->set);
    key_add_i64(k, q->from);
    key_add_i64(k, q->until < newest ? q->until : newest);
}

/* completeListSize of a first page: remembered for this data, or counted. */
static int list_size(const oai_ctx *ctx, const oai_token *q, const char *snapshot, int64_t newest,
                     uint64_t *count, int *unavailable)
{
    cache_key k = {.len = 0};

    count_key(&k, q, newest);
    if (ctx->cache != NULL && !k.overflow &&
        list_cache_get_count(ctx->cache, k.buf, k.len, snapshot, count)) {
        metrics_list_cache_hit(0);
        return 0;
    }
    if (count_list(ctx, q, count, unavailable) != 0)
        return -1;
    if (ctx->cache != NULL && !k.overflow)
        list_cache_put_count(ctx->cache, k.buf, k.len, snapshot, *count);
    return 0;
}

/*
 * A ListRecords/ListIdentifiers page is written in batches of list_batch
 * records, so that it can be sent while it is produced (dispatch.c) and a
 * harvester reading slowly holds one batch of the server's memory, not one
 * page. The page's keys come first, in one keyset query planned for the
 * harvest (DB_LIST_KEYS); each batch then fetches the records of the next
 * list_batch keys (DB_LIST_BATCH), whose plan PostgreSQL keeps. A page
 * written whole (stream not wanted) is the same bytes: its batch is the
 * page.
 *
 * A record that changes between the keys and its batch has a later
 * datestamp: the batch leaves it out, and the list, which goes on after the
 * page's last key, meets it again at its new place (or past the harvest's
 * upper bound, for its next incremental harvest), as it would had it
 * changed a moment earlier.
 */
struct list_stream {
    oai_ctx ctx; /* a copy: a stream outlives its caller's frame */
    oai_token q; /* the harvest; owns its strings */
    const metadata_format *fmt;
    int with_md;    /* ListRecords */
    int from_token; /* a resumed list, not a first page */
    int batch;      /* records per query */
    int written;    /* records of this page written so far */
    int64_t pos_ds; /* keyset position after the page's last key */
    int64_t pos_id;
    int64_t *key_id; /* the page's keys (page_size + 1 of room), or NULL */
    int64_t *key_ds;
    char *arrays;          /* a batch's keys as two array literals (ARRAY_ROOM) */
    int n_keys;            /* keys of this page */
    int next_key;          /* the first key not fetched yet */
    int more;              /* another page follows */
    struct evbuffer *copy; /* the page's element so far, for list_cache */
    int asked_before;      /* list_cache_ask: a first page asked for again */
    cache_key key;
    oai_data_id id; /* of a first page's data */
};

void list_stream_free(list_stream *s)
{
    if (s == NULL)
        return;
    token_free(&s->q);
    free(s->key_id);
    free(s->key_ds);
    free(s->arrays);
    if (s->copy != NULL)
        evbuffer_free(s->copy);
    free(s);
}

/* Appends out's bytes from offset `from` to the cache copy, or drops the
 * copy when the page grows past what list_cache keeps. */
static void copy_for_cache(list_stream *s, struct evbuffer *out, size_t from)
{
    size_t len = evbuffer_get_length(out) - from;
    struct evbuffer_iovec vec;
    struct evbuffer_ptr pos;

    if (s->copy == NULL)
        return;
    if (evbuffer_get_length(s->copy) + len <= LIST_CACHE_PAGE_MAX &&
        evbuffer_ptr_set(out, &pos, from, EVBUFFER_PTR_SET) == 0 &&
        evbuffer_reserve_space(s->copy, (ev_ssize_t)len, &vec, 1) == 1 &&
        evbuffer_copyout_from(out, &pos, vec.iov_base, len) == (ev_ssize_t)len) {
        vec.iov_len = len;
        if (evbuffer_commit_space(s->copy, &vec, 1) == 0)
            return;
    }
    evbuffer_free(s->copy);
    s->copy = NULL;
}

/* The verb's element. */
static const char *list_element(const list_stream *s)
{
    return s->with_md ? "ListRecords" : "ListIdentifiers";
}

/* The page's end: its resumptionToken (with completeListSize, counted now
 * for a first page) and end tag. 0, or -1 (database, *unavailable) or -2
 * (internal) on failure. */
static int list_finish(list_stream *s, struct evbuffer *out, int more, int *unavailable)
{
    const oai_ctx *ctx = &s->ctx;
    uint64_t complete = s->q.complete_list_size;
    char *encoded;
    oai_token next;

    if (!s->from_token && more &&
        (ctx->cache != NULL
             ? list_size(ctx, &s->q, s->id.snapshot, s->id.newest, &complete, unavailable)
             : count_list(ctx, &s->q, &complete, unavailable)) != 0)
        return -1;
    if (more) {
        next = s->q;
        next.last_datestamp = s->pos_ds;
        next.last_id = s->pos_id;
        next.cursor = s->q.cursor + (uint64_t)s->written;
        next.complete_list_size = complete;
        next.expires = ctx->clock + ctx->cfg->token_lifetime;
        encoded = token_encode(&next, ctx->keys);
        if (encoded == NULL)
            return -2;
        write_resumption(out, &next, encoded, s->q.cursor, complete);
        free(encoded);
    } else if (s->from_token) {
        write_resumption(out, NULL, NULL, s->q.cursor, complete);
    }
    evbuffer_add_printf(out, "</%s>", list_element(s));
    return 0;
}

#define ARRAY_ROOM(n) (3 + 21 * (size_t)(n))

/* Fetches the keys of the page that starts at the stream's position, one
 * more to tell whether another page follows, and moves the position past
 * the page. 0, -1 database failure, -2 internal. */
static int fetch_keys(list_stream *s, int *unavailable)
{
    int page = s->ctx.cfg->page_size, rows, i;
    oai_token at = s->q; /* shares q's strings; only the position differs */
    PGresult *res;

    if (s->key_id == NULL) {
        s->key_id = malloc(sizeof(*s->key_id) * (size_t)(page + 1));
        s->key_ds = malloc(sizeof(*s->key_ds) * (size_t)(page + 1));
        s->arrays = malloc(2 * ARRAY_ROOM(s->batch));
        if (s->key_id == NULL || s->key_ds == NULL || s->arrays == NULL)
            return -2;
    }
    at.last_datestamp = s->pos_ds;
    at.last_id = s->pos_id;
    res = list_keys(&s->ctx, &at, page + 1, unavailable);
    if (res == NULL)
        return -1;
    rows = PQntuples(res);
    s->more = rows > page;
    s->n_keys = s->more ? page : rows;
    s->next_key = 0;
    for (i = 0; i < s->n_keys; i++) {
        s->key_id[i] = parse_i64(PQgetvalue(res, i, 0));
        s->key_ds[i] = parse_i64(PQgetvalue(res, i, 1));
    }
    PQclear(res);
    if (s->n_keys > 0) {
        s->pos_ds = s->key_ds[s->n_keys - 1];
        s->pos_id = s->key_id[s->n_keys - 1];
    }
    return 0;
}

/* Writes v[0..n) as a PostgreSQL array literal into buf (room for
 * ARRAY_ROOM(n) bytes: braces, NUL, 20 characters and a comma a value). */
static void array_literal(char *buf, const int64_t *v, int n)
{
    char *p = buf;
    int i;

    *p++ = '{';
    for (i = 0; i < n; i++)
        p += sprintf(p, i > 0 ? ",%" PRId64 : "%" PRId64, v[i]);
    *p++ = '}';
    *p = '\0';
}

/* The records of the next n keys (n <= batch). */
static PGresult *fetch_batch(list_stream *s, int n, int *unavailable)
{
    char *ids = s->arrays, *dss = s->arrays + ARRAY_ROOM(s->batch), version[16];
    const char *params[5] = {ids, dss, s->with_md ? "true" : "false",
                             s->with_md ? s->q.metadata_prefix : NULL, version};

    array_literal(ids, s->key_id + s->next_key, n);
    array_literal(dss, s->key_ds + s->next_key, n);
    snprintf(version, sizeof(version), "%d", s->fmt != NULL ? s->fmt->version : 0);
    return db_query(s->ctx.db, DB_LIST_BATCH, 5, params, unavailable);
}

/* Whether a record's setSpecs (DB_COL_SETS: space-separated) put it in
 * set or one of its descendants "set:...". */
static int in_set(const char *sets, const char *set)
{
    size_t n = strlen(set), len;
    const char *spec;

    while ((len = next_spec(&sets, &spec)) > 0)
        if (len >= n && strncmp(spec, set, n) == 0 && (len == n || spec[n] == ':'))
            return 1;
    return 0;
}

/* Writes the records of res; the element opens with the page's first one.
 * A batch fetches a record only at the datestamp its key was read with, but
 * a change within that same second keeps the datestamp: a record that left
 * the harvest's set, or can no longer be disseminated in its format
 * (<metadata> would be empty), is then left out here. 0, or -2 (out of
 * memory). */
static int write_batch(list_stream *s, struct evbuffer *out, const PGresult *res)
{
    const metadata_format *fmt = s->with_md ? s->fmt : NULL;
    int rows = PQntuples(res), row, available;

    for (row = 0; row < rows; row++) {
        if (s->q.set != NULL && !in_set(PQgetvalue(res, row, DB_COL_SETS), s->q.set))
            continue;
        available = fmt != NULL ? record_available(fmt, res, row) : 1;
        if (available < 0)
            return -2;
        if (!available)
            continue;
        if (s->written == 0)
            evbuffer_add_printf(out, "<%s>", list_element(s));
        write_record(out, &s->ctx, fmt, res, row);
        s->written++;
    }
    if (s->ctx.served != NULL)
        *s->ctx.served = (unsigned long)s->written;
    return 0;
}

/* Writes the page's next batch (list_stream_next in oai_verbs.h; also
 * the first batches, where -3 means the list is empty: noRecordsMatch). */
int list_stream_next(list_stream *s, struct evbuffer *out, int *unavailable)
{
    size_t from = evbuffer_get_length(out);
    PGresult *res;
    int n, rc;

    for (;;) {
        /* Keys are fetched again only when every record of a page's keys
         * changed before its batch: a page has at least one record. */
        if (s->key_id == NULL || (s->next_key == s->n_keys && s->written == 0 && s->more)) {
            rc = fetch_keys(s, unavailable);
            if (rc != 0)
                return rc;
        }
        if (s->next_key == s->n_keys && s->written == 0)
            return -3;
        if (s->next_key == s->n_keys)
            break;
        n = s->n_keys - s->next_key < s->batch ? s->n_keys - s->next_key : s->batch;
        res = fetch_batch(s, n, unavailable);
        if (res == NULL)
            return -1;
        s->next_key += n;
        rc = write_batch(s, out, res);
        PQclear(res);
        if (rc != 0)
            return rc;
        if (s->written > 0 && s->next_key < s->n_keys) {
            copy_for_cache(s, out, from);
            return 0; /* the page goes on */
        }
    }
    rc = list_finish(s, out, s->more, unavailable);
    if (rc != 0)
        return rc;
    copy_for_cache(s, out, from);
    /* Only for the second it was asked in: later it could not be served. */
    if (s->copy != NULL && (int64_t)time(NULL) == s->ctx.now)
        list_cache_put_page(s->ctx.cache, s->key.buf, s->key.len, s->ctx.now, s->id.snapshot,
                            s->copy, (unsigned long)s->written);
    return 1;
}

unsigned long list_stream_records(const list_stream *s)
{
    return (unsigned long)s->written;
}

/* The harvest of this request (token or arguments), owned by s. */
static verb_result list_stream_query(list_stream *s, const oai_request *req, oai_error *err)
{
    int unavailable = 0, rc;
    oai_token q;

    if (s->from_token)
        return resume(&s->ctx, req, &s->q, err) == 0 ? VERB_DONE : VERB_OAI_ERROR;
    rc = list_query_from_args(&s->ctx, req, &q, err, &unavailable);
    if (rc == -1)
        return VERB_OAI_ERROR;
    if (rc == -2)
        return db_failed(unavailable);
    s->q = q;
    /* q's strings belong to the request, which the stream outlives. */
    s->q.metadata_prefix = strdup(q.metadata_prefix);
    s->q.set = q.set != NULL ? strdup(q.set) : NULL;
    if (s->q.metadata_prefix == NULL || (q.set != NULL && s->q.set == NULL))
        return VERB_FAILED;
    return VERB_DONE;
}

static verb_result verb_list_records(oai_ctx *ctx, const oai_request *req, struct evbuffer *out,
                                     oai_error *err, list_stream **stream)
{
    list_stream *s = calloc(1, sizeof(*s));
    verb_result result;
    int unavailable = 0, rc;

    if (s == NULL)
        return VERB_FAILED;
    s->ctx = *ctx;
    s->ctx.shared_id = NULL; /* the caller's, copied below (s->id) */
    s->with_md = req->verb == VERB_LIST_RECORDS;
    s->from_token = req->resumption_token != NULL;
    /* A page nobody will stream (HEAD, the browser view) is one batch. */
    s->batch = stream != NULL ? ctx->cfg->list_batch : ctx->cfg->page_size;
    result = list_stream_query(s, req, err);
    if (result != VERB_DONE)
        goto cleanup;
    s->fmt = metadata_format_find(s->q.metadata_prefix);
    s->pos_ds = s->q.last_datestamp;
    s->pos_id = s->q.last_id;
    /* A first page: held at the commit horizon; maybe served a moment
     * ago, in this second, from the same data (list_cache.h); else
     * remembered once written. */
    if (!s->from_token) {
        if (data_identity_shared(ctx, &s->id, &unavailable) != 0) {
            result = db_failed(unavailable);
            goto cleanup;
        }
        hold_at_horizon(ctx, &s->q, &s->id);
        s->ctx.now = ctx->now;
    }
    if (!s->from_token && ctx->cache != NULL) {
        page_key(&s->key, ctx, &s->q);
        if (!s->key.overflow && list_cache_get_page(ctx->cache, s->key.buf, s->key.len, ctx->now,
                                                    s->id.snapshot, out, ctx->served)) {
            metrics_list_cache_hit(1);
            goto cleanup;
        }
        /* No snapshot (too many transactions in progress), nothing kept. */
        if (!s->key.overflow && s->id.snapshot[0] != '\0') {
            s->asked_before = list_cache_ask(ctx->cache, s->key.buf, s->key.len, ctx->now);
            if ((s->copy = evbuffer_new()) == NULL) {
                result = VERB_FAILED;
                goto cleanup;
            }
        }
    }
    /* A first page asked for again (a burst of the same request) is
     * written whole for the list cache: the requests after it in the same
     * second then share its bytes by reference, which they could not while
     * it streamed. Other pages stream when they can; a first page is still
     * copied for the cache as it streams. */
    do
        rc = list_stream_next(s, out, &unavailable);
    while (rc == 0 && (stream == NULL || (s->copy != NULL && s->asked_before)));
    if (rc == -3) {
        oai_error_set(err, OAI_NO_RECORDS_MATCH,
                      s->from_token ? "No more records match this harvest."
                                    : "No records match the given from, until and set.");
        result = VERB_OAI_ERROR;
    } else if (rc == -1) {
        result = db_failed(unavailable);
    } else if (rc == -2) {
        result = VERB_FAILED;
    } else if (rc == 0) {
        /* The rest of the page: list_stream_next, after the caller's
         * counter is gone (list_stream_records). */
        s->ctx.served = NULL;
        *stream = s;
        return VERB_DONE;
    }

cleanup:
    list_stream_free(s);
    return result;
}

/* ------------------------------------------------------------------------ */
/* ListSets                                                                 */
/* ------------------------------------------------------------------------ */

static void write_set_description(struct evbuffer *out, const PGresult *res, int row, int end)
{
    dc_value vals[32];
    size_t n = 0;

    for (; row < end && n < sizeof(vals) / sizeof(vals[0]); row++) {
        if (PQgetisnull(res, row, 2))
            continue;
        vals[n].element = "description";
        vals[n].value = PQgetvalue(res, row, 2);
        vals[n].lang = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
        n++;
    }
    if (n == 0)
        return;
    add_str(out, "<setDescription>");
    metadata_format_find("oai_dc")->render(out, vals, n);
    add_str(out, "</setDescription>");
}

static verb_result verb_list_sets(const oai_ctx *ctx, const oai_request *req, struct evbuffer *out,
                                  oai_error *err)
{
    int page_size = ctx->cfg->page_size, unavailable, rows, row = 0, n = 0, sets;
    int from_token = req->resumption_token != NULL;
    const char *last_spec = NULL;
    verb_result result = VERB_DONE;
    PGresult *res = NULL;
    char *encoded = NULL;
    char lim[16];
    const char *params[2];
    oai_token q, next;

    memset(&q, 0, sizeof(q));
    if (from_token) {
        if (resume(ctx, req, &q, err) != 0)
            return VERB_OAI_ERROR;
    } else {
        sets = has_sets(ctx, &unavailable);
        if (sets < 0)
            return db_failed(unavailable);
        if (!sets) {
            oai_error_set(err, OAI_NO_SET_HIERARCHY, "This repository does not support sets.");
            return VERB_OAI_ERROR;
        }
        q.verb = VERB_LIST_SETS;
        q.until = ctx->now;
    }
    snprintf(lim, sizeof(lim), "%d", page_size + 1);
    params[0] = q.last_key != NULL ? q.last_key : "";
    params[1] = lim;
    res = db_query(ctx->db, DB_LIST_SETS, 2, params, &unavailable);
    if (res == NULL) {
        result = db_failed(unavailable);
        goto cleanup;
    }
    rows = PQntuples(res);
    if (rows == 0) {
        oai_error_set(err, OAI_BAD_RESUMPTION_TOKEN, "No sets remain after this token.");
        result = VERB_OAI_ERROR;
        goto cleanup;
    }
    add_str(out, "<ListSets>");
    while (row < rows && n < page_size) {
        int end = row;

        while (end < rows && strcmp(PQgetvalue(res, end, 0), PQgetvalue(res, row, 0)) == 0)
            end++;
        add_str(out, "<set>");
        xml_element(out, "setSpec", PQgetvalue(res, row, 0));
        xml_element(out, "setName", PQgetvalue(res, row, 1));
        write_set_description(out, res, row, end);
        add_str(out, "</set>");
        last_spec = PQgetvalue(res, row, 0);
        n++;
        row = end;
    }
    if (row < rows) {
        uint64_t complete = q.complete_list_size;

        if (!from_token) {
            PGresult *c = db_query(ctx->db, DB_COUNT_SETS, 0, NULL, &unavailable);

            if (c == NULL) {
                result = db_failed(unavailable);
                goto cleanup;
            }
            complete = (uint64_t)parse_i64(PQgetvalue(c, 0, 0));
            PQclear(c);
        }
        next = q;
        next.last_key = (char *)last_spec;
        next.cursor = q.cursor + (uint64_t)n;
        next.complete_list_size = complete;
        next.expires = ctx->clock + ctx->cfg->token_lifetime;
        encoded = token_encode(&next, ctx->keys);
        if (encoded == NULL) {
            result = VERB_FAILED;
            goto cleanup;
        }
        write_resumption(out, &next, encoded, q.cursor, complete);
    } else if (from_token) {
        write_resumption(out, NULL, NULL, q.cursor, q.complete_list_size);
    }
    add_str(out, "</ListSets>");

cleanup:
    free(encoded);
    PQclear(res);
    if (from_token)
        token_free(&q);
    return result;
}

/* ------------------------------------------------------------------------ */
/* Dispatch and envelope                                                    */
/* ------------------------------------------------------------------------ */

verb_result oai_verb_run(oai_ctx *ctx, const oai_request *req, struct evbuffer *body,
                         oai_error *err, list_stream **stream)
{
    if (stream != NULL)
        *stream = NULL;
    switch (req->verb) {
    case VERB_IDENTIFY:
        return verb_identify(ctx, body);
    case VERB_LIST_METADATA_FORMATS:
        return verb_list_metadata_formats(ctx, req, body, err);
    case VERB_LIST_SETS:
        return verb_list_sets(ctx, req, body, err);
    case VERB_LIST_IDENTIFIERS:
    case VERB_LIST_RECORDS:
        return verb_list_records(ctx, req, body, err, stream);
    case VERB_GET_RECORD:
        return verb_get_record(ctx, req, body, err);
    case VERB_NONE:
        break;
    }
    oai_error_set(err, OAI_BAD_VERB, "The verb argument is missing or not an OAI-PMH verb.");
    return VERB_OAI_ERROR;
}

static void add_attr(struct evbuffer *out, const char *name, const char *value)
{
    if (value == NULL)
        return;
    evbuffer_add_printf(out, " %s=\"", name);
    xml_attr_str(out, value);
    add_str(out, "\"");
}

static void write_request(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                          const oai_error *err)
{
    int echo = req != NULL && req->verb != VERB_NONE &&
               (err == NULL ||
                (!oai_error_has(err, OAI_BAD_VERB) && !oai_error_has(err, OAI_BAD_ARGUMENT)));

    /* Spec 3.2: on badVerb or badArgument only the base URL is given, so
     * nothing the client sent is echoed back. */
    add_str(out, "<request");
    if (echo) {
        add_attr(out, "verb", oai_verb_name(req->verb));
        /* An identifier that is not even a URI cannot exist here
         * (idDoesNotExist), and echoing it would break the schema. */
        if (req->identifier != NULL && xml_is_any_uri(req->identifier))
            add_attr(out, "identifier", req->identifier);
        add_attr(out, "metadataPrefix", req->metadata_prefix);
        add_attr(out, "from", req->from);
        add_attr(out, "until", req->until);
        add_attr(out, "set", req->set);
        add_attr(out, "resumptionToken", req->resumption_token);
    }
    add_str(out, ">");
    xml_text_str(out, ctx->cfg->base_url);
    add_str(out, "</request>");
}

void oai_write_response_head(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                             const oai_error *err)
{
    add_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    /* Browsers render the response through the built-in stylesheet;
     * harvesters ignore processing instructions. */
    if (static_asset_find(OAI_STYLESHEET) != NULL) {
        add_str(out, "<?xml-stylesheet type=\"text/xsl\" href=\"");
        write_static_path(out, ctx->cfg, OAI_STYLESHEET);
        add_str(out, "\"?>\n");
    }
    add_str(out, OAI_ROOT);
    add_datestamp(out, "responseDate", ctx->now);
    write_request(out, ctx, req, err != NULL && err->code != OAI_OK ? err : NULL);
}

void oai_write_response_tail(struct evbuffer *out)
{
    add_str(out, "</OAI-PMH>\n");
}

void oai_write_response(struct evbuffer *out, const oai_ctx *ctx, const oai_request *req,
                        struct evbuffer *body, const oai_error *err)
{
    oai_write_response_head(out, ctx, req, err);
    if (err != NULL && err->code != OAI_OK) {
        int i;

        for (i = 0; i < oai_error_count(err); i++) {
            evbuffer_add_printf(out, "<error code=\"%s\">",
                                oai_error_name(oai_error_code_at(err, i)));
            xml_text_str(out, oai_error_message_at(err, i));
            add_str(out, "</error>");
        }
    } else if (body != NULL) {
        evbuffer_add_buffer(out, body);
    }
    oai_write_response_tail(out);
}
