/* test_admin_parsers.c - CSV, JSON Lines and oai_dc XML readers: records,
 * values, languages, line numbers, and malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin.h"

#define MAX_RECS 16

/* What the parser handed to the sink. */
typedef struct {
    int n;
    char id[MAX_RECS][64];
    long line[MAX_RECS];
    size_t errors[MAX_RECS];
    int deleted[MAX_RECS];
    char vals[MAX_RECS][1024]; /* "element[@lang]=value|..." */
    char sets[MAX_RECS][256];
} got;

static int sink(void *ctx, adm_record *r)
{
    got *g = ctx;
    int i = g->n++;

    assert_true(i < MAX_RECS);
    snprintf(g->id[i], sizeof(g->id[i]), "%s", r->local_id ? r->local_id : "");
    g->line[i] = r->line;
    g->errors[i] = r->errors;
    g->deleted[i] = r->deleted;
    g->vals[i][0] = g->sets[i][0] = '\0';
    for (size_t k = 0; k < r->n_vals; k++) {
        size_t n = strlen(g->vals[i]);
        snprintf(g->vals[i] + n, sizeof(g->vals[i]) - n, "%s%s%s=%s|", r->vals[k].element,
                 r->vals[k].lang ? "@" : "", r->vals[k].lang ? r->vals[k].lang : "",
                 r->vals[k].value);
    }
    for (size_t k = 0; k < r->n_sets; k++) {
        size_t n = strlen(g->sets[i]);
        snprintf(g->sets[i] + n, sizeof(g->sets[i]) - n, "%s ", r->sets[k].spec);
    }
    return 0;
}

typedef struct {
    got g;
    adm_diag d;
    adm_parse p;
    char path[64];
    char *msgs;
    size_t msgs_len;
    FILE *msgf;
} run;

/* Writes text (len bytes) into a temporary file with suffix, parses it. */
static void parse(run *r, const char *suffix, const char *text, size_t len, int (*fn)(adm_parse *))
{
    FILE *f;
    int fd;

    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "/tmp/adm-test-XXXXXX%s", suffix);
    fd = mkstemps(r->path, (int)strlen(suffix));
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    r->msgf = open_memstream(&r->msgs, &r->msgs_len);
    diag_init(&r->d, r->msgf, OUT_HUMAN);
    r->p = (adm_parse){.path = r->path, .diag = &r->d, .sink = sink, .ctx = &r->g};
    assert_int_equal(fn(&r->p), 0);
    fflush(r->msgf);
    unlink(r->path);
}

static void done(run *r)
{
    fclose(r->msgf);
    free(r->msgs);
}

#define PARSE(r, suffix, text, fn) parse(r, suffix, text, sizeof(text) - 1, fn)

/* ---- CSV ---- */

static void test_csv_basic(void **state)
{
    run r;

    PARSE(&r, ".csv",
          "\xEF\xBB\xBFid,sets,title@km,title@en,subject@en,description,deleted\r\n"
          "a-1,type:law||lang:km,ច្បាប់,Law,Elections || Voting,\"With, comma and \"\"quotes\"\"\","
          "\r\n"
          "\n"
          "a-2,,,Poster,,\"two\nlines\",true\r\n"
          "a-3,,,Leaflet,,,\n",
          parse_csv);
    assert_false(r.p.fatal);
    assert_int_equal(r.d.errors, 0);
    assert_int_equal(r.g.n, 3);
    assert_string_equal(r.g.id[0], "a-1");
    assert_int_equal(r.g.line[0], 2);
    assert_string_equal(r.g.vals[0], "title@km=ច្បាប់|title@en=Law|subject@en=Elections|"
                                     "subject@en=Voting|description=With, comma and \"quotes\"|");
    assert_string_equal(r.g.sets[0], "type:law lang:km ");
    assert_int_equal(r.g.deleted[0], -1);
    assert_int_equal(r.g.line[1], 4);
    assert_string_equal(r.g.vals[1], "title@en=Poster|description=two\nlines|");
    assert_int_equal(r.g.deleted[1], 1);
    assert_int_equal(r.g.line[2], 6); /* after the two-line field */
    done(&r);
}

static void test_csv_unterminated_quote(void **state)
{
    run r;

    PARSE(&r, ".csv", "id,title\na-1,Fine\na-2,\"Never closed\na-3,More\n", parse_csv);
    assert_true(r.p.fatal);
    assert_int_equal(r.d.errors, 1);
    assert_non_null(strstr(r.msgs, ":3: unterminated quoted field (opened on line 3)"));
    done(&r);
}

static void test_csv_row_errors(void **state)
{
    run r;

    PARSE(&r, ".csv",
          "id,title,deleted\n"
          "a-1,\"Closed\"junk,\n"
          "a-2,Too,,extra\n"
          "a-3,Bare \"quote\",\n"
          "a-4,Fine,maybe\n"
          "a-5,Fine,\n",
          parse_csv);
    assert_false(r.p.fatal);
    assert_int_equal(r.g.n, 5);
    assert_int_equal(r.g.errors[0], 1);
    assert_int_equal(r.g.errors[1], 1);
    assert_int_equal(r.g.errors[2], 1);
    assert_int_equal(r.g.errors[3], 1);
    assert_int_equal(r.g.errors[4], 0);
    assert_non_null(strstr(r.msgs, ":3: row has 4 fields, the header has 3"));
    assert_non_null(strstr(r.msgs, ":5: deleted: not a yes/no value"));
    done(&r);
}

static void test_csv_bad_header(void **state)
{
    run r;

    PARSE(&r, ".csv", "id,titel,title@xx\na-1,x,y\n", parse_csv);
    assert_true(r.p.fatal);
    assert_int_equal(r.g.n, 0);
    assert_non_null(strstr(r.msgs, "unknown column 'titel'"));
    assert_non_null(strstr(r.msgs, "unknown language tag 'xx'"));
    done(&r);
    PARSE(&r, ".csv", "title\nx\n", parse_csv);
    assert_true(r.p.fatal);
    assert_non_null(strstr(r.msgs, "no id column"));
    done(&r);
    PARSE(&r, ".csv", "", parse_csv);
    assert_true(r.p.fatal);
    done(&r);
}

static void test_csv_huge_field(void **state)
{
    size_t big = 2 * ADM_MAX_VALUE;
    char *text = malloc(big + 64);
    run r;

    strcpy(text, "id,title\na-1,");
    memset(text + strlen(text), 'x', big);
    strcpy(text + 13 + big, "\na-2,ok\n");
    parse(&r, ".csv", text, strlen(text), parse_csv);
    free(text);
    assert_int_equal(r.g.n, 2);
    assert_int_equal(r.g.errors[0], 1);
    assert_int_equal(r.g.errors[1], 0);
    assert_non_null(strstr(r.msgs, ":2: title: field longer than"));
    done(&r);
}

/* ---- JSON Lines ---- */

static void test_jsonl(void **state)
{
    run r;

    PARSE(&r, ".jsonl",
          "{\"id\":\"j-1\",\"sets\":[\"type:law\"],\"title\":[{\"value\":\"ច្បាប់\",\"lang\":\"km\"},"
          "\"Law\"],\"date\":\"2023\",\"deleted\":false}\n"
          "\n"
          "{\"id\":\"j-2\",\"title\":\"broken\"\n"
          "{\"id\":\"j-3\",\"titel\":\"x\",\"subject\":[1],\"sets\":\"type\"}\n"
          "[1,2]\n"
          "{\"title\":{\"value\":\"No id\",\"lang\":\"en\"},\"deleted\":true}\n",
          parse_jsonl);
    assert_false(r.p.fatal);
    assert_int_equal(r.g.n, 5);
    assert_string_equal(r.g.id[0], "j-1");
    assert_string_equal(r.g.vals[0], "title@km=ច្បាប់|title=Law|date=2023|");
    assert_string_equal(r.g.sets[0], "type:law ");
    assert_int_equal(r.g.deleted[0], 0);
    assert_int_equal(r.g.errors[0], 0);
    assert_int_equal(r.g.line[1], 3);
    assert_int_equal(r.g.errors[1], 1); /* not JSON */
    assert_int_equal(r.g.errors[2], 2); /* unknown member, non-string value */
    assert_string_equal(r.g.sets[2], "type ");
    assert_int_equal(r.g.errors[3], 1); /* not an object */
    assert_int_equal(r.g.deleted[4], 1);
    assert_string_equal(r.g.id[4], "");
    assert_non_null(strstr(r.msgs, ":3: not valid JSON"));
    done(&r);
}

static void test_jsonl_bad_utf8(void **state)
{
    run r;

    PARSE(&r, ".jsonl", "{\"id\":\"j-1\",\"title\":\"bad \xff\"}\n", parse_jsonl);
    assert_int_equal(r.g.n, 1);
    assert_int_equal(r.g.errors[0], 1);
    done(&r);
}

/* ---- oai_dc XML ---- */

#define LIST_RECORDS_HEAD                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                 \
    "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">\n"                                   \
    "<responseDate>2026-01-01T00:00:00Z</responseDate>\n"                                          \
    "<request verb=\"ListRecords\">http://x.org/oai</request>\n"                                   \
    "<ListRecords>\n"

#define DC_OPEN                                                                                    \
    "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "                     \
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"

static void test_xml_list_records(void **state)
{
    run r;

    PARSE(&r, ".xml",
          LIST_RECORDS_HEAD
          "<record><header><identifier>oai:other.org:x-1</identifier>"
          "<datestamp>2020-01-01T00:00:00Z</datestamp><setSpec>type:law</setSpec></header>\n"
          "<metadata>" DC_OPEN "\n<dc:title xml:lang=\"km\">ច្បាប់</dc:title>\n"
          "<dc:title>Law &amp; order</dc:title><dc:date>2023</dc:date></oai_dc:dc></metadata>"
          "</record>\n"
          "<record><header status=\"deleted\"><identifier>oai:other.org:x-2</identifier>"
          "<datestamp>2020-01-01T00:00:00Z</datestamp></header></record>\n"
          "<record><header><identifier>x-3</identifier><datestamp>2020-01-01</datestamp></header>"
          "<metadata><marc xmlns=\"http://www.loc.gov/MARC21/slim\"/></metadata></record>\n"
          "<record><header><identifier>x-4</identifier><datestamp>2020-01-01</datestamp>"
          "</header><metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/"
          "oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xml:lang=\"km\">"
          "<dc:title>ក</dc:title><dc:title xml:lang=\"en\">A</dc:title><dc:date xml:lang=\"\">"
          "2023</dc:date></oai_dc:dc></metadata></record>\n"
          "<resumptionToken cursor=\"0\">more</resumptionToken>"
          "</ListRecords></OAI-PMH>\n",
          parse_xml);
    assert_false(r.p.fatal);
    assert_int_equal(r.g.n, 4);
    assert_string_equal(r.g.id[0], "x-1");
    assert_string_equal(r.g.vals[0], "title@km=ច្បាប់|title=Law & order|date=2023|");
    assert_string_equal(r.g.sets[0], "type:law ");
    assert_int_equal(r.g.deleted[0], 0);
    assert_int_equal(r.g.line[0], 6);
    assert_string_equal(r.g.id[1], "x-2");
    assert_int_equal(r.g.deleted[1], 1);
    assert_int_equal(r.g.errors[2], 1); /* not oai_dc */
    /* xml:lang is inherited; xml:lang="" means none. */
    assert_string_equal(r.g.vals[3], "title@km=ក|title@en=A|date=2023|");
    assert_int_equal(r.d.warnings, 1); /* one page of a longer list */
    done(&r);
}

static void test_xml_bare_dc(void **state)
{
    run r;

    PARSE(&r, ".xml",
          "<?xml version=\"1.0\"?>\n" DC_OPEN "<dc:title>Bare</dc:title><dc:titel>x</dc:titel>"
          "<dc:subject>a<b/></dc:subject></oai_dc:dc>\n",
          parse_xml);
    assert_false(r.p.fatal);
    assert_int_equal(r.g.n, 1);
    assert_int_equal(strncmp(r.g.id[0], "adm-test-", 9), 0); /* the file name */
    assert_int_equal(r.g.errors[0], 2);                      /* unknown element, markup inside */
    done(&r);
}

static void test_xml_malformed(void **state)
{
    run r;

    PARSE(&r, ".xml", LIST_RECORDS_HEAD "<record><header><identifier>x</identifier></header>",
          parse_xml);
    assert_true(r.p.fatal);
    assert_non_null(strstr(r.msgs, "not well-formed XML"));
    done(&r);
    PARSE(&r, ".xml", LIST_RECORDS_HEAD "<record>\xff</record></ListRecords></OAI-PMH>", parse_xml);
    assert_true(r.p.fatal);
    done(&r);
    PARSE(&r, ".xml",
          "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
          "<error code=\"noRecordsMatch\">none</error></OAI-PMH>",
          parse_xml);
    assert_true(r.p.fatal);
    assert_non_null(strstr(r.msgs, "OAI-PMH error response (noRecordsMatch)"));
    done(&r);
    PARSE(&r, ".xml", "<?xml version=\"1.0\"?><html/>", parse_xml);
    assert_true(r.p.fatal);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_basic),      cmocka_unit_test(test_csv_unterminated_quote),
        cmocka_unit_test(test_csv_row_errors), cmocka_unit_test(test_csv_bad_header),
        cmocka_unit_test(test_csv_huge_field), cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_bad_utf8), cmocka_unit_test(test_xml_list_records),
        cmocka_unit_test(test_xml_bare_dc),    cmocka_unit_test(test_xml_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
