/* test_admin_checks.c - the application profile: every check has a failing
 * and a passing case (docs/cataloguing.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "admin.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the single-value checks ---- */

static void test_w3cdtf(void **state)
{
    static const char *const good[] = {
        "2023",
        "2023-07",
        "2023-07-23",
        "2024-02-29",
        "2023-07-23T10:00Z",
        "2023-07-23T10:00+07:00",
        "2023-07-23T10:00:59Z",
        "2023-07-23T10:00:00.25-03:30",
    };
    static const char *const bad[] = {
        "",
        "23",
        "2023-13",
        "2023-00",
        "2023-02-30",
        "2023-02-29",
        "23-07-2023",
        "2023/07/23",
        "2023-7-23",
        "2023-07-23T25:00Z",
        "2023-07-23T10:00:00",
        "2023-07-23 10:00Z",
        "2023-07-23T10:00:00.Z",
        "July 2023",
        "2023-07-23Z",
    };

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!check_w3cdtf(good[i]))
            fail_msg("'%s' should be a W3CDTF date", good[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (check_w3cdtf(bad[i]))
            fail_msg("'%s' should not be a W3CDTF date", bad[i]);
    }
}

static void test_language_tags(void **state)
{
    static const char *const good[] = {"km",  "en", "fr",    "khm",   "eng",        "fra", "fre",
                                       "ger", "KM", "en-US", "km-KH", "zh-Hant-TW", "tib", "ase"};
    static const char *const bad[] = {
        "", "xx", "zz", "k", "english", "en_US", "en-", "en-toolongsubtag", "1en", "qqq-", "km kh"};

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!check_lang_tag(good[i]))
            fail_msg("'%s' should be a known language tag", good[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (check_lang_tag(bad[i]))
            fail_msg("'%s' should be refused", bad[i]);
    }
}

static void test_text(void **state)
{
    assert_null(check_text("plain", 5));
    assert_null(check_text("tab\tand\nlines\r\n", 15));
    assert_null(check_text("ច្បាប់បោះឆ្នោត", strlen("ច្បាប់បោះឆ្នោត")));
    assert_non_null(check_text("bad \xff byte", 10));
    assert_non_null(check_text("overlong \xc0\xaf", 11));
    assert_non_null(check_text("surrogate \xed\xa0\x80", 13));
    assert_non_null(check_text("truncated \xe1\x9e", 12));
    assert_non_null(check_text("bell \x07", 6));
    assert_non_null(check_text("del \x7f", 5));
    assert_non_null(check_text("c1 \xc2\x85", 5));
    assert_non_null(check_text("nonchar \xef\xbf\xbf", 11));
}

static void test_identifiers(void **state)
{
    static const char *const good[] = {
        "https://elibrary.nec.gov.kh/items/nec-1",
        "http://example.org",
        "ftp://files.nec.gov.kh/a.pdf",
        "urn:isbn:978-9924-00-000-0",
        "urn:nbn:kh-123",
        "URN:ISSN:1234-5678",
    };
    static const char *const bad[] = {
        "",
        "doi:10.1000/182",
        "www.nec.gov.kh/items/1",
        "12345",
        "https://",
        "urn:x",
        "urn:isbn:",
        "http://a b",
        "mailto:elibrary@nec.gov.kh",
        "nec-2023-law-0001",
    };

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!check_url_or_urn(good[i]))
            fail_msg("'%s' should be a URL or URN", good[i]);
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (check_url_or_urn(bad[i]))
            fail_msg("'%s' should be refused", bad[i]);
    }
}

static void test_local_ids_and_specs(void **state)
{
    assert_true(check_local_id("nec-2023-law-0001"));
    assert_true(check_local_id("a/b:c%41"));
    assert_false(check_local_id(""));
    assert_false(check_local_id("with space"));
    assert_false(check_local_id("bad%zz"));
    assert_false(check_local_id("bad%4"));
    assert_false(check_local_id("ខ្មែរ"));
    assert_true(check_setspec("type:law"));
    assert_true(check_setspec("election:2023-national-assembly"));
    assert_false(check_setspec("type:"));
    assert_false(check_setspec(":law"));
    assert_false(check_setspec("bad spec"));
}

static void test_nfc_and_types(void **state)
{
    assert_true(check_nfc("ascii"));
    assert_true(check_nfc("ច្បាប់"));
    assert_true(check_nfc("\xc3\xa9"));   /* é precomposed */
    assert_false(check_nfc("e\xcc\x81")); /* e + combining acute */
    /* U+17DD (ccc 230) before U+17D2 COENG (ccc 9): not canonically ordered. */
    assert_false(check_nfc("\xe1\x9e\x80\xe1\x9f\x9d\xe1\x9f\x92\xe1\x9e\x80"));
    assert_string_equal(dcmi_type("Text"), "Text");
    assert_null(dcmi_type("text"));
    assert_null(dcmi_type("Law"));
    assert_string_equal(nec_kind_type("Royal Decree"), "Text");
    assert_string_equal(nec_kind_type("royal-decree"), "Text");
    assert_string_equal(nec_kind_type("Sub-Decrees"), "Text");
    assert_string_equal(nec_kind_type("Poster"), "StillImage");
    assert_string_equal(nec_kind_type("ច្បាប់"), "Text");
    assert_null(nec_kind_type("Report"));
}

static void test_double_encoded(void **state)
{
    char fixed[64];

    (void)state;
    /* "é" as UTF-8 read as Latin-1: "Ã©". */
    assert_true(check_double_encoded("caf\xc3\x83\xc2\xa9", fixed, sizeof(fixed)));
    assert_string_equal(fixed, "caf\xc3\xa9");
    /* Khmer KA (E1 9E 80) read as Windows-1252: "á", "ž", "€". */
    assert_true(check_double_encoded("\xc3\xa1\xc5\xbe\xe2\x82\xac", fixed, sizeof(fixed)));
    assert_string_equal(fixed, "\xe1\x9e\x80");
    /* Not twice: ASCII, Latin-1 text whose bytes are no UTF-8, Khmer. */
    assert_false(check_double_encoded("plain", NULL, 0));
    assert_false(check_double_encoded("caf\xc3\xa9", NULL, 0));
    assert_false(check_double_encoded("\xe1\x9e\x80", NULL, 0));
    /* One character no byte reads as: not the whole text twice. */
    assert_false(check_double_encoded("caf\xc3\x83\xc2\xa9 \xe1\x9e\x80", NULL, 0));
    /* Invalid UTF-8 is check_text's. */
    assert_false(check_double_encoded("\xff", NULL, 0));
    /* The repair is cut on a character boundary. */
    assert_true(check_double_encoded("\xc3\xa1\xc5\xbe\xe2\x82\xac", fixed, 3));
    assert_string_equal(fixed, "");
}

/* ---- whole records ---- */

static char *sets_specs[] = {"type", "type:law"};
static const adm_setlist known_sets = {sets_specs, 2};

/* A record that passes every check without a warning. */
static void good_record(adm_record *r)
{
    record_init(r);
    record_set_id(r, "nec-2023-law-0001", 17, 1);
    r->line = 1;
#define V(e, v, l) record_add_value(r, e, v, strlen(v), l, 1)
    V("title", "ច្បាប់ស្តីពីការបោះឆ្នោត", "km");
    V("title", "Law on elections", "en");
    V("description", "The election law.", "en");
    V("date", "2023-07-23", NULL);
    V("type", "Text", NULL);
    V("type", "Law", "en");
    V("identifier", "https://elibrary.nec.gov.kh/items/nec-2023-law-0001", NULL);
    V("language", "km", NULL);
    V("rights", "Public domain", "en");
    V("creator", "National Election Committee of Cambodia", "en");
#undef V
    record_add_set(r, "type:law", 8, 1);
}

typedef struct {
    size_t errors, warnings;
} counts;

static counts run_checks(adm_record *r, bool map_types)
{
    adm_diag d;
    adm_check_opts o = {&known_sets, map_types};
    counts c;

    diag_init(&d, NULL, OUT_HUMAN); /* count only */
    checks_run(r, "test.csv", &o, &d);
    c.errors = d.errors;
    c.warnings = d.warnings;
    return c;
}

/* Replaces the first value of element with value (NULL: removes it). */
static void set_value(adm_record *r, const char *element, const char *value, const char *lang)
{
    for (size_t i = 0; i < r->n_vals; i++) {
        if (strcmp(r->vals[i].element, element) != 0)
            continue;
        free(r->vals[i].value);
        free(r->vals[i].lang);
        if (value == NULL) {
            memmove(&r->vals[i], &r->vals[i + 1], (r->n_vals - i - 1) * sizeof(adm_value));
            r->n_vals--;
            i--;
            continue;
        }
        r->vals[i].value = strdup(value);
        r->vals[i].lang = lang ? strdup(lang) : NULL;
        return;
    }
}

typedef struct {
    const char *name;
    const char *element, *value, *lang; /* the change to the good record */
    size_t errors, warnings;
} record_case;

static const record_case record_cases[] = {
    {"good record", NULL, NULL, NULL, 0, 0},
    {"missing title", "title", NULL, NULL, 1, 0},
    {"ill-formed date", "date", "23/07/2023", NULL, 1, 0},
    {"year only", "date", "2023", NULL, 0, 0},
    {"date-time", "date", "2023-07-23T08:30:00Z", NULL, 0, 0},
    {"unknown xml:lang", "title", "A title", "xx", 1, 0},
    {"ISO 639-3 xml:lang", "title", "A title", "khm", 0, 0},
    {"unknown language value", "language", "khmer", NULL, 1, 0},
    {"ISO 639-2 language value", "language", "fre", NULL, 0, 0},
    {"invalid UTF-8", "description", "bad \xff", NULL, 1, 0},
    {"control character", "description", "bell\x07", NULL, 1, 0},
    {"line breaks are fine", "description", "two\nlines", NULL, 0, 0},
    {"identifier not URL/URN", "identifier", "nec-2023-law-0001", NULL, 1, 0},
    {"identifier URN", "identifier", "urn:isbn:978-9924-00-000-0", NULL, 0, 0},
    {"type outside DCMI", "type", "Report", NULL, 0, 1},
    {"type DCMI misspelt", "type", "text", NULL, 0, 1},
    {"NEC kind as only type", "type", NULL, NULL, 0, 1},
    {"not NFC", "description",
     "Caf"
     "e\xcc\x81",
     NULL, 0, 1},
    {"duplicate value", "title", "Law on elections", "en", 0, 1},
    {"missing creator", "creator", NULL, NULL, 0, 1},
    {"missing date", "date", NULL, NULL, 0, 1},
    {"missing identifier", "identifier", NULL, NULL, 0, 1},
    {"encoded twice", "description", "The \xc3\x83\xc2\xa9lection law.", NULL, 1, 0},
    {"missing rights", "rights", NULL, NULL, 0, 1},
    {"missing description", "description", NULL, NULL, 0, 1},
    {"missing language", "language", NULL, NULL, 0, 1},
};

static void test_record_cases(void **state)
{
    for (size_t i = 0; i < ARRAY_LEN(record_cases); i++) {
        const record_case *k = &record_cases[i];
        adm_record r;
        counts c;

        good_record(&r);
        if (k->element)
            set_value(&r, k->element, k->value, k->lang);
        c = run_checks(&r, false);
        if (c.errors != k->errors || c.warnings != k->warnings)
            fail_msg("%s: %zu errors, %zu warnings; expected %zu, %zu", k->name, c.errors,
                     c.warnings, k->errors, k->warnings);
        record_clear(&r);
    }
}

static void test_identity_and_sets(void **state)
{
    adm_record r;

    good_record(&r);
    record_set_id(&r, "bad id", 6, 1);
    assert_int_equal(run_checks(&r, false).errors, 1);
    record_set_id(&r, "", 0, 1);
    assert_int_equal(run_checks(&r, false).errors, 1);
    record_clear(&r);

    good_record(&r);
    record_add_set(&r, "type:lawx", 9, 1);
    assert_int_equal(run_checks(&r, false).errors, 1); /* unknown set */
    record_clear(&r);

    good_record(&r);
    record_add_set(&r, "bad spec", 8, 1);
    assert_int_equal(run_checks(&r, false).errors, 1); /* ill-formed setSpec */
    record_clear(&r);
}

static void test_map_types(void **state)
{
    adm_record r;
    counts c;

    good_record(&r);
    set_value(&r, "type", NULL, NULL); /* removes Text and Law */
    record_add_value(&r, "type", "Poster", 6, "en", 1);
    c = run_checks(&r, true);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.warnings, 0);
    /* StillImage was inserted before the kind, which stays. */
    for (size_t i = 0; i < r.n_vals; i++) {
        if (strcmp(r.vals[i].element, "type") == 0) {
            assert_string_equal(r.vals[i].value, "StillImage");
            assert_null(r.vals[i].lang);
            assert_string_equal(r.vals[i + 1].value, "Poster");
            break;
        }
    }
    record_clear(&r);
}

static void test_tombstone_needs_no_values(void **state)
{
    adm_record r;

    record_init(&r);
    record_set_id(&r, "nec-gone", 8, 1);
    r.deleted = 1;
    assert_int_equal(run_checks(&r, false).errors, 0);
    record_clear(&r);
}

/* Messages name file, line and field and say how to fix. */
static void test_message_format(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    adm_diag d;
    adm_record r;
    adm_check_opts o = {&known_sets, false};

    assert_non_null(f);
    diag_init(&d, f, OUT_HUMAN);
    good_record(&r);
    set_value(&r, "date", "23/07/2023", NULL);
    r.vals[3].line = 7;
    checks_run(&r, "cat.csv", &o, &d);
    fclose(f);
    assert_non_null(strstr(buf, "cat.csv:7: date: '23/07/2023' is not a W3CDTF date \xE2\x80\x94 "
                                "write YYYY"));
    free(buf);
    record_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_w3cdtf),
        cmocka_unit_test(test_language_tags),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_double_encoded),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_local_ids_and_specs),
        cmocka_unit_test(test_nfc_and_types),
        cmocka_unit_test(test_record_cases),
        cmocka_unit_test(test_identity_and_sets),
        cmocka_unit_test(test_map_types),
        cmocka_unit_test(test_tombstone_needs_no_values),
        cmocka_unit_test(test_message_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
