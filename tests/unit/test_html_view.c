/* Unit tests for html_view.c: the built-in oai.xsl applied by libxslt,
 * failures, and one compiled stylesheet shared by concurrent threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "html_view.h"

#define THREADS 4
#define RENDERS_PER_THREAD 40

static const char LIST[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<?xml-stylesheet type=\"text/xsl\" href=\"/oai/static/oai.xsl\"?>\n"
    "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\""
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<responseDate>2026-11-25T10:00:00Z</responseDate>"
    "<request verb=\"ListRecords\" metadataPrefix=\"oai_dc\">https://e.example/oai</request>"
    "<ListRecords><record><header><identifier>oai:e.example:a&amp;b</identifier>"
    "<datestamp>2026-11-25T09:00:00Z</datestamp><setSpec>type:law</setSpec></header>"
    "<metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\""
    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
    "<dc:title xml:lang=\"km\">ច្បាប់បោះឆ្នោត</dc:title>"
    "<dc:title xml:lang=\"en\">Election law</dc:title>"
    "<dc:subject>រដ្ឋសភា</dc:subject></oai_dc:dc></metadata></record>"
    "<resumptionToken completeListSize=\"45\" cursor=\"0\">T0k.en-_</resumptionToken>"
    "</ListRecords></OAI-PMH>\n";

/* Renders text; returns the page as a malloc'd string, NULL on failure or
 * when the XML was not left as it was (the caller may still send it). No
 * cmocka assertion here: it also runs on other threads. */
static char *render(const char *text)
{
    struct evbuffer *xml = evbuffer_new(), *html = evbuffer_new();
    char *page = NULL;
    size_t n;

    if (xml == NULL || html == NULL)
        goto cleanup;
    evbuffer_add(xml, text, strlen(text));
    if (html_view_render(xml, html) != 0 || evbuffer_get_length(xml) != strlen(text))
        goto cleanup;
    n = evbuffer_get_length(html);
    page = malloc(n + 1);
    if (page != NULL) {
        evbuffer_remove(html, page, n);
        page[n] = '\0';
    }

cleanup:
    if (xml != NULL)
        evbuffer_free(xml);
    if (html != NULL)
        evbuffer_free(html);
    return page;
}

static void test_init(void **state)
{
    (void)state;
    assert_int_equal(html_view_init(), 0);
    assert_int_equal(html_view_init(), 0);
}

static void test_list_page(void **state)
{
    char *page = render(LIST);

    (void)state;
    assert_non_null(page);
    assert_true(strncmp(page, "<!DOCTYPE html", 14) == 0);
    assert_non_null(strstr(page, "<html lang=\"en\">"));
    assert_non_null(strstr(page, "<span class=\"title\" lang=\"km\">ច្បាប់បោះឆ្នោត</span>"));
    /* No xml:lang, Khmer script: lang="km". */
    assert_non_null(strstr(page, "<dd lang=\"km\">រដ្ឋសភា</dd>"));
    assert_non_null(strstr(page, "Records 1–1 of 45"));
    assert_non_null(strstr(page, "href=\"?verb=ListRecords&amp;resumptionToken=T0k.en-_\""));
    assert_non_null(strstr(page, "identifier=oai:e.example:a%26b"));
    /* Rendered by the server: the footer offers the XML view. */
    assert_non_null(strstr(page, "id=\"xml-view\" href=\"/oai?verb=ListRecords"));
    assert_null(strstr(page, "id=\"html-view\""));
    free(page);
}

static void test_not_xml(void **state)
{
    (void)state;
    assert_null(render("this is not XML"));
    assert_null(render(""));
    assert_null(render("<OAI-PMH><unclosed></OAI-PMH>"));
}

/* Any document renders (the stylesheet shows what it does not know). */
static void test_unknown_document(void **state)
{
    char *page = render("<?xml version=\"1.0\"?><other/>");

    (void)state;
    assert_non_null(page);
    assert_non_null(strstr(page, "<html lang=\"en\">"));
    free(page);
}

static void *render_many(void *arg)
{
    const char *expected = arg;
    int i;

    for (i = 0; i < RENDERS_PER_THREAD; i++) {
        char *page = render(LIST);

        if (page == NULL || strcmp(page, expected) != 0) {
            free(page);
            return (void *)1;
        }
        free(page);
    }
    return NULL;
}

/* Workers share the compiled stylesheet, each transformation with its own
 * context: concurrent renders give exactly the single-threaded page. */
static void test_concurrent_renders(void **state)
{
    pthread_t t[THREADS];
    char *expected = render(LIST);
    void *failed;
    int i;

    (void)state;
    assert_non_null(expected);
    for (i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, render_many, expected), 0);
    for (i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], &failed), 0);
        assert_null(failed);
    }
    free(expected);
}

/* Like the server at exit: everything libxslt/libxml2 hold is freed
 * (LeakSanitizer checks it in the ASan build). */
static int teardown(void **state)
{
    (void)state;
    html_view_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_list_page),
        cmocka_unit_test(test_not_xml),
        cmocka_unit_test(test_unknown_document),
        cmocka_unit_test(test_concurrent_renders),
    };

    return cmocka_run_group_tests(tests, NULL, teardown);
}
