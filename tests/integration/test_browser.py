#!/usr/bin/python3
"""The browser view (docs/browser-view.md): the xml-stylesheet processing
instruction of every OAI response, the built-in stylesheet server/static/
oai.xsl, the server-rendered view at <base>/html, and both views in real
headless Chromium (every verb, Khmer text, the next-page link), with
screenshots saved as test artefacts in $OAI_ARTEFACTS_DIR/browser (ctest:
<build>/tests/artefacts/browser)."""
import harness

import gzip
import html.parser
import os
import shutil
import signal
import subprocess
import tempfile
import unittest
import urllib.parse
from xml.sax.saxutils import escape

from lxml import etree
from lxml import html as lhtml

from harness import OAI_NS, oai_id

ENV = None
PAGE_SIZE = 20
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_TIMEOUT = 90
XSL_PATH = os.path.join(harness.SOURCE_DIR, 'server', 'static', 'oai.xsl')
HTML_TYPE = 'text/html; charset=UTF-8'
PI = b'<?xml-stylesheet type="text/xsl" href="/oai/static/oai.xsl"?>'

SAMPLE = 'nec-1992-law-0001'
# A local id with every character a query-string link must %-encode.
ODD_LOCAL = 'odd&id=1+2?x%41;y=(z)'
ODD_SET = 'test:odd'
KHMER_NO_LANG = 'ការបោះឆ្នោតសាកល្បង'


def setUpModule():
    global ENV
    ENV = harness.Env(page_size=PAGE_SIZE).start()
    ENV.db.add_record(ODD_LOCAL, sets=[ODD_SET], values=[
        ('title', 'ឯកសារសាកល្បង', 'km'),
        ('title', 'A record whose identifier needs escaping', 'en'),
        ('subject', KHMER_NO_LANG, None),
        ('date', '2024-01-01', None),
    ])


def artefacts_dir():
    base = os.environ.get('OAI_ARTEFACTS_DIR') or os.path.join(
        os.path.dirname(harness.server_binary()), 'tests', 'artefacts')
    path = os.path.join(base, 'browser')
    os.makedirs(path, exist_ok=True)
    return path


def khmer_title(local_id=SAMPLE):
    return ENV.db.value(
        "SELECT v.value FROM record_values v JOIN records r ON r.id = v.record_id "
        "WHERE r.local_id = %s AND v.element = 'title' AND v.lang = 'km' ORDER BY v.seq LIMIT 1"
        % harness.pg_literal(local_id))


def enc(s):
    return urllib.parse.quote(s, safe='')


# --- the page's content, from its DOM (server output or Chromium's) ---------

def classed(doc, tag, cls):
    return doc.xpath('//%s[contains(concat(" ", normalize-space(@class), " "), " %s ")]'
                     % (tag, cls))


def page_identifiers(doc):
    """OAI identifiers shown in a list page, in order."""
    return [e.text_content().strip() for e in classed(doc, 'code', 'oai-id')]


def next_href(doc):
    links = doc.xpath('//a[@id="next-page"]')
    return links[0].get('href') if links else None


def main_text(doc):
    return ' '.join(doc.xpath('//main')[0].text_content().split())


class BalancedHTML(html.parser.HTMLParser):
    """Fails on an end tag that does not close the innermost open element:
    the page is well-formed HTML (HTML5 elements included, which libxml2's
    HTML 4 parser does not know)."""
    VOID = {'meta', 'link', 'img', 'br', 'hr', 'input', 'wbr', 'source', 'col', 'area', 'base'}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append('</%s> closes <%s>' % (tag, self.stack[-1:]))
        else:
            self.stack.pop()


def check_html_page(test, body):
    """An HTML page as the server writes it: HTML5 doctype, <html lang>,
    balanced elements. Returns the parsed document."""
    test.assertTrue(body.lower().startswith(b'<!doctype html'), body[:80])
    p = BalancedHTML()
    p.feed(body.decode('utf-8'))
    p.close()
    test.assertEqual(p.problems, [])
    test.assertEqual(p.stack, [])
    doc = lhtml.document_fromstring(body)
    test.assertEqual(doc.tag, 'html')
    test.assertEqual(doc.get('lang'), 'en')
    test.assertTrue(doc.findtext('.//title').strip())
    return doc


# ---------------------------------------------------------------------------
# Without a browser: the PI, the stylesheet, the server-rendered view
# ---------------------------------------------------------------------------

class StylesheetAndPI(unittest.TestCase):
    def test_every_response_carries_the_pi(self):
        for qs in ('verb=Identify', 'verb=ListRecords&metadataPrefix=oai_dc', 'verb=Nope'):
            with self.subTest(qs=qs):
                ENV.client.oai_query(qs)  # still a valid OAI response
                body = ENV.client.http('GET', '/oai?' + qs).body
                first, second = body.split(b'\n')[:2]
                self.assertTrue(first.startswith(b'<?xml version="1.0"'))
                self.assertEqual(second, PI)

    def test_stylesheet_is_served_and_compiles(self):
        raw = ENV.client.http('GET', '/oai/static/oai.xsl')
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.header('Content-Type'), 'text/xsl; charset=UTF-8')
        with open(XSL_PATH, 'rb') as f:
            self.assertEqual(raw.body, f.read())
        etree.XSLT(etree.fromstring(raw.body))

    def test_identify_points_metadata_rendering_to_it(self):
        r = ENV.oai(verb='Identify')
        mr = r.root.find('.//{http://www.openarchives.org/OAI/2.0/branding/}metadataRendering')
        self.assertEqual(mr.text, ENV.server.base_url + '/static/oai.xsl')


class ServerView(unittest.TestCase):
    """<base>/html: the same responses rendered by the server."""

    def get(self, qs, **kw):
        raw = ENV.client.http('GET', '/oai/html?' + qs, **kw)
        self.assertEqual(raw.status, 200, raw.body[:500])
        self.assertEqual(raw.header('Content-Type'), HTML_TYPE)
        return raw

    def page(self, qs):
        return check_html_page(self, self.get(qs).body)

    def test_every_verb_is_a_page(self):
        name = ENV.server.settings['repository']['name']
        pages = {
            'verb=Identify': [name, 'elibrary@nec.gov.kh', 'persistent'],
            'verb=ListMetadataFormats': ['oai_dc', 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd'],
            'verb=ListSets': ['Elections', 'Sets 1–20 of'],
            'verb=ListIdentifiers&metadataPrefix=oai_dc': ['Records 1–20 of', oai_id(SAMPLE)],
            'verb=ListRecords&metadataPrefix=oai_dc': ['Records 1–20 of', khmer_title()],
            'verb=GetRecord&metadataPrefix=oai_dc&identifier=' + enc(oai_id(SAMPLE)):
                [khmer_title(), oai_id(SAMPLE), 'Creator'],
            'verb=Bogus': ['badVerb', 'six verbs', 'What to try'],
        }
        for qs, wanted in pages.items():
            with self.subTest(qs=qs):
                doc = self.page(qs)
                text = main_text(doc)
                for w in wanted:
                    self.assertIn(w, text)
                nav = [a.get('href') for a in doc.xpath('//nav[contains(@class, "verbs")]//a')]
                self.assertEqual(nav, ['?verb=Identify', '?verb=ListSets',
                                       '?verb=ListMetadataFormats',
                                       '?verb=ListIdentifiers&metadataPrefix=oai_dc',
                                       '?verb=ListRecords&metadataPrefix=oai_dc'])

    def test_footer_switches_to_the_xml_view(self):
        qs = 'verb=GetRecord&identifier=%s&metadataPrefix=oai_dc' % enc(oai_id(SAMPLE))
        doc = self.page(qs)
        href = doc.xpath('//a[@id="xml-view"]')[0].get('href')
        self.assertEqual(urllib.parse.urlsplit(href).path, '/oai')
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(href).query),
                         urllib.parse.parse_qs(qs))
        self.assertEqual(doc.xpath('//a[@id="html-view"]'), [])
        ENV.client.oai_query(urllib.parse.urlsplit(href).query)

    def test_lists_show_the_oai_page(self):
        for verb in ('ListIdentifiers', 'ListRecords'):
            with self.subTest(verb=verb):
                doc = self.page('verb=%s&metadataPrefix=oai_dc' % verb)
                oai = ENV.oai(verb=verb, metadataPrefix='oai_dc')
                self.assertEqual(page_identifiers(doc), oai.identifiers())
                self.assertEqual(len(page_identifiers(doc)), PAGE_SIZE)

    def test_next_page_links_walk_the_whole_list(self):
        # Following "Next page" from page to page gives exactly the
        # complete harvest, in order: the links carry the tokens intact.
        for verb in ('ListIdentifiers', 'ListSets'):
            with self.subTest(verb=verb):
                args = {'metadataPrefix': 'oai_dc'} if verb != 'ListSets' else {}
                want = ENV.harvest(verb, **args)
                url = '/oai/html?' + urllib.parse.urlencode(dict(verb=verb, **args))
                seen, pages = [], 0
                while url is not None:
                    doc = check_html_page(self, self.get(url.split('?', 1)[1]).body)
                    if verb == 'ListSets':
                        seen += [c.text_content().strip() for c in classed(doc, 'code', 'spec')]
                    else:
                        seen += page_identifiers(doc)
                    href = next_href(doc)
                    url = urllib.parse.urljoin(url, href) if href else None
                    self.assertTrue(url is None or url.startswith('/oai/html?'), url)
                    pages += 1
                self.assertEqual(seen, want.set_specs if verb == 'ListSets' else want.identifiers)
                self.assertEqual(pages, len(want.pages))
                self.assertIn('This is the last page', main_text(doc))

    def test_record_metadata_with_languages(self):
        doc = self.page('verb=GetRecord&metadataPrefix=oai_dc&identifier=' + enc(oai_id(ODD_LOCAL)))
        dds = doc.xpath('//dl[contains(@class, "dc")]//dd')
        self.assertTrue(dds)
        for dd in dds:
            self.assertIsNotNone(dd.get('lang'), lhtml.tostring(dd))
        by_text = {dd.text_content().strip(): dd.get('lang') for dd in dds}
        # No xml:lang, but Khmer script: marked km so a Khmer font is used.
        self.assertEqual(by_text[KHMER_NO_LANG], 'km')
        # No xml:lang and no Khmer: language unknown, not the page's "en".
        self.assertEqual(by_text['2024-01-01'], '')
        titles = {t.text_content(): t.get('lang') for t in classed(doc, 'span', 'title')}
        self.assertEqual(titles, {'ឯកសារសាកល្បង': 'km',
                                  'A record whose identifier needs escaping': 'en'})
        sample = self.page('verb=GetRecord&metadataPrefix=oai_dc&identifier=' + enc(oai_id(SAMPLE)))
        self.assertEqual([t.get('lang') for t in classed(sample, 'span', 'title')
                          if t.text_content() == khmer_title()], ['km'])

    def test_links_escape_odd_identifiers(self):
        doc = self.page('verb=ListIdentifiers&metadataPrefix=oai_dc&set=' + enc(ODD_SET))
        self.assertEqual(page_identifiers(doc), [oai_id(ODD_LOCAL)])
        links = {a.text_content().strip(): a.get('href') for a in doc.xpath('//td//a')}
        for label, verb in (('Record', 'GetRecord'), ('Formats', 'ListMetadataFormats')):
            href = links[label]
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query, strict_parsing=True)
            self.assertEqual(query['identifier'], [oai_id(ODD_LOCAL)], href)
            target = self.page(href.lstrip('?'))
            self.assertIn(oai_id(ODD_LOCAL), main_text(target))
            self.assertEqual(classed(target, 'section', 'error'), [], verb)
        tag = classed(doc, 'a', 'tag')[0].get('href')
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(tag).query)['set'],
                         [ODD_SET])

    def test_errors_are_explained(self):
        cases = {
            'verb=Bogus': 'badVerb',
            'verb=ListRecords': 'badArgument',
            'verb=ListRecords&resumptionToken=nonsense': 'badResumptionToken',
            'verb=ListRecords&metadataPrefix=marc': 'cannotDisseminateFormat',
            'verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elibrary.nec.gov.kh:none':
                'idDoesNotExist',
            'verb=ListRecords&metadataPrefix=oai_dc&until=1990-01-01': 'noRecordsMatch',
        }
        for qs, code in cases.items():
            with self.subTest(code=code):
                doc = self.page(qs)
                sections = doc.xpath('//section[@id="error-%s"]' % code)
                self.assertEqual(len(sections), 1)
                text = sections[0].text_content()
                self.assertIn('What to try', text)
                self.assertEqual(doc.findtext('.//title').split(':')[0], 'Error')

    def test_several_errors_each_explained(self):
        # Spec 3.6: all the errors, a card each; ids unique.
        cases = {
            'verb=ListRecords&metadataPrefix=oai_dc&from=x&until=y':
                ['error-badArgument', 'error-badArgument-2'],
            'verb=GetRecord&metadataPrefix=marc&identifier=oai:elibrary.nec.gov.kh:none':
                ['error-cannotDisseminateFormat', 'error-idDoesNotExist'],
        }
        for qs, ids in cases.items():
            with self.subTest(qs=qs):
                doc = self.page(qs)
                self.assertEqual(doc.xpath('//section[contains(@class, "error")]/@id'), ids)

    def test_head_post_and_gzip(self):
        qs = 'verb=ListIdentifiers&metadataPrefix=oai_dc'
        get = self.get(qs)
        head = ENV.client.http('HEAD', '/oai/html?' + qs)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header('Content-Type'), HTML_TYPE)
        self.assertEqual(head.body, b'')
        post = ENV.client.http('POST', '/oai/html', body=qs.encode(),
                               headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(post.status, 200)
        self.assertEqual(page_identifiers(lhtml.document_fromstring(post.body)),
                         page_identifiers(lhtml.document_fromstring(get.body)))
        gz = self.get(qs, headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(gz.header('Content-Encoding'), 'gzip')
        check_html_page(self, gzip.decompress(gz.body))
        self.assertEqual(ENV.client.http('PUT', '/oai/html?' + qs).status, 405)
        self.assertEqual(ENV.client.http('GET', '/oai/html/x?' + qs).status, 404)

    def test_database_down_is_503(self):
        dead = 'host=127.0.0.1 port=%d dbname=oai user=postgres connect_timeout=2' % (
            harness.free_port())
        srv = ENV.new_server(db=type('Conn', (), {'conninfo': dead})())
        c = srv.client()
        r = c.http('GET', '/oai/html?verb=Identify')
        self.assertEqual(r.status, 503)
        self.assertRegex(r.header('Retry-After') or '', r'^\d+$')
        r = c.http('GET', '/oai/html?verb=Bogus')
        self.assertEqual(r.status, 200)
        self.assertIn(b'badVerb', r.body)

    def test_root_base_path(self):
        # base URL http://host:port/ : the view is /html, links stay right.
        srv = ENV.new_server(base_path='/')
        c = srv.client()
        xml = c.http('GET', '/?verb=Identify').body
        self.assertIn(b'<?xml-stylesheet type="text/xsl" href="/static/oai.xsl"?>', xml)
        raw = c.http('GET', '/html?verb=Identify')
        self.assertEqual(raw.status, 200)
        doc = check_html_page(self, raw.body)
        self.assertEqual(doc.xpath('//a[@id="xml-view"]')[0].get('href'), '/?verb=Identify')
        self.assertEqual(doc.xpath('//a[@class="brand"]/img')[0].get('src'), '/static/icon.svg')


class OfflineStylesheet(unittest.TestCase):
    """The stylesheet alone, applied to saved or made-up responses."""

    @classmethod
    def setUpClass(cls):
        ac = etree.XSLTAccessControl.DENY_ALL  # as the server: no files, no network
        cls.xslt = etree.XSLT(etree.parse(XSL_PATH), access_control=ac)

    def render(self, xml, **params):
        out = self.xslt(etree.fromstring(xml), **params)
        return lhtml.document_fromstring(bytes(out))

    @staticmethod
    def response(inner, request='<request>http://example.org/oai</request>'):
        return ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="%s">'
                '<responseDate>2026-01-01T00:00:00Z</responseDate>%s%s</OAI-PMH>'
                % (OAI_NS, request, inner)).encode('utf-8')

    def test_every_error_code_is_explained(self):
        for code in harness.ERROR_CODES:
            with self.subTest(code=code):
                doc = self.render(self.response('<error code="%s">why</error>' % code))
                section = doc.xpath('//section[@id="error-%s"]' % code)[0]
                text = ' '.join(section.text_content().split())
                self.assertIn('why', text)
                self.assertIn('What to try:', text)
                self.assertNotIn('does not know', text)

    def test_url_encoding_of_identifiers_and_tokens(self):
        ident = 'oai:x:a%b&c+d#e?f=g;h i"j<k>l/m:n\'o(p)é'
        token = 'A-b_c.D&=+%?#'
        doc = self.render(self.response(
            '<ListIdentifiers><header><identifier>%s</identifier><datestamp>2026-01-01T00:00:00Z'
            '</datestamp><setSpec>s:t</setSpec></header><resumptionToken cursor="0" '
            'completeListSize="40">%s</resumptionToken></ListIdentifiers>'
            % (escape(ident), escape(token)),
            '<request verb="ListIdentifiers" metadataPrefix="oai_dc">http://example.org/oai'
            '</request>'))
        record = doc.xpath('//a[@class="record-link"]')[0].get('href')
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(record).query, strict_parsing=True)
        self.assertEqual(q, {'verb': ['GetRecord'], 'metadataPrefix': ['oai_dc'],
                             'identifier': [ident]})
        nxt = urllib.parse.parse_qs(urllib.parse.urlsplit(next_href(doc)).query)
        self.assertEqual(nxt, {'verb': ['ListIdentifiers'], 'resumptionToken': [token]})
        self.assertIn('Records 1–1 of 40', main_text(doc))

    def test_view_parameter_switches_the_footer(self):
        xml = self.response('<Identify><repositoryName>R</repositoryName></Identify>',
                            '<request verb="Identify">https://h.example/base/oai</request>')
        a = self.render(xml).xpath('//a[@id="html-view"]')[0].get('href')
        self.assertEqual(a, '/base/oai/html?verb=Identify')
        a = self.render(xml, view="'html'").xpath('//a[@id="xml-view"]')[0].get('href')
        self.assertEqual(a, '/base/oai?verb=Identify')

    @unittest.skipUnless(shutil.which('xsltproc'), 'xsltproc not installed (Debian xsltproc)')
    def test_xsltproc_on_a_saved_response(self):
        raw = ENV.client.http('GET', '/oai?verb=ListRecords&metadataPrefix=oai_dc')
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'response.xml')
            with open(path, 'wb') as f:
                f.write(raw.body)
            p = subprocess.run(['xsltproc', '--nonet', '--stringparam', 'view', 'html',
                                XSL_PATH, path], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = check_html_page(self, p.stdout)
        self.assertEqual(len(page_identifiers(doc)), PAGE_SIZE)
        self.assertIsNotNone(next_href(doc))
        self.assertTrue(doc.xpath('//a[@id="xml-view"]'))


# ---------------------------------------------------------------------------
# Headless Chromium: what a person sees
# ---------------------------------------------------------------------------

def chromium(action, url, window='1280,1600'):
    """Runs headless Chromium once (fresh profile, no network but loopback
    in practice: no component updates, sync or background requests) and
    returns its stdout. Bounded by CHROMIUM_TIMEOUT; on timeout the whole
    process group it started is killed."""
    profile = tempfile.mkdtemp(prefix='oai-chromium-')
    cmd = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--disable-dev-shm-usage', '--hide-scrollbars',
           '--user-data-dir=' + profile, '--window-size=' + window] + action + [url]
    env = dict(os.environ, HOME=profile)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError('chromium did not finish within %d s: %s' % (CHROMIUM_TIMEOUT, url))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0:
        raise AssertionError('chromium exit status %d for %s:\n%s' % (
            proc.returncode, url, err.decode('utf-8', 'replace')[-3000:]))
    return out


def dump_dom(url):
    out = chromium(['--dump-dom'], url)
    return lhtml.document_fromstring(out)


def screenshot(url, name, window='1280,1600'):
    path = os.path.join(artefacts_dir(), name + '.png')
    if os.path.exists(path):
        os.unlink(path)
    chromium(['--screenshot=' + path], url, window)
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n', 'screenshot %s is not a PNG' % path
    return path


def xml_viewer(doc):
    """True when Chromium showed its raw XML tree instead of running XSLT."""
    return bool(doc.xpath('//*[@id="webkit-xml-viewer-source-xml"]'))


@unittest.skipUnless(os.path.exists(CHROMIUM), 'Chromium is not installed (%s): Debian '
                     'package chromium, in the test group of scripts/lib/deps.sh' % CHROMIUM)
class Browser(unittest.TestCase):
    """Each page loaded twice: the XML endpoint (Chromium applies oai.xsl
    itself) and /html (the server did)."""

    VIEWS = (('xml', '/oai'), ('html', '/oai/html'))

    @classmethod
    def setUpClass(cls):
        cls.base = 'http://127.0.0.1:%d' % ENV.server.port
        cls.xslt_removed = None

    def url(self, path, qs):
        return self.base + path + '?' + qs

    def load(self, view, path, qs):
        doc = dump_dom(self.url(path, qs))
        if view == 'xml' and xml_viewer(doc):
            version = subprocess.run([CHROMIUM, '--version'], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, timeout=60).stdout
            self.skipTest('this Chromium (%s) no longer runs XSLT: only the server-rendered '
                          'view can be checked' % version.decode().strip())
        body = doc.xpath('//body')[0]
        self.assertIn('view-' + view, body.get('class', ''), 'the stylesheet did not run')
        return doc

    def test_every_verb(self):
        name = ENV.server.settings['repository']['name']
        sets = [s.findtext('{%s}setName' % OAI_NS)
                for s in ENV.oai(verb='ListSets').items()]
        first = ENV.oai(verb='ListIdentifiers', metadataPrefix='oai_dc').identifiers()
        title = khmer_title()
        pages = [
            ('Identify', 'verb=Identify', lambda d: self.assertIn(name, main_text(d))),
            ('ListMetadataFormats', 'verb=ListMetadataFormats',
             lambda d: self.assertIn('oai_dc', main_text(d))),
            ('ListSets', 'verb=ListSets', lambda d: self.assertEqual(
                [e.text_content().strip() for e in d.xpath('//td[@class="set-name"]/span')],
                sets)),
            ('ListIdentifiers', 'verb=ListIdentifiers&metadataPrefix=oai_dc',
             lambda d: self.assertEqual(page_identifiers(d), first)),
            ('ListRecords', 'verb=ListRecords&metadataPrefix=oai_dc',
             lambda d: self.assertEqual(page_identifiers(d), first)),
            ('GetRecord', 'verb=GetRecord&metadataPrefix=oai_dc&identifier=' + enc(oai_id(SAMPLE)),
             lambda d: self.assertEqual(
                 [e.get('lang') for e in d.xpath('//h1//span') if e.text_content() == title],
                 ['km'])),
            ('badVerb', 'verb=Bogus', lambda d: self.assertIn(
                'six verbs', d.xpath('//section[@id="error-badVerb"]')[0].text_content())),
        ]
        for view, path in self.VIEWS:
            for label, qs, check in pages:
                with self.subTest(view=view, page=label):
                    doc = self.load(view, path, qs)
                    check(doc)
                    self.assertEqual(doc.get('lang'), 'en')
                    screenshot(self.url(path, qs), '%s-%s' % (view, label))

    def test_next_page_link(self):
        h = ENV.harvest('ListRecords', metadataPrefix='oai_dc')
        total = len(h.identifiers)
        for view, path in self.VIEWS:
            with self.subTest(view=view):
                first = self.url(path, 'verb=ListRecords&metadataPrefix=oai_dc')
                doc = self.load(view, path, 'verb=ListRecords&metadataPrefix=oai_dc')
                self.assertEqual(page_identifiers(doc), h.pages[0].identifiers())
                href = next_href(doc)
                self.assertIsNotNone(href, 'no "Next page" link on page 1')
                second = urllib.parse.urljoin(first, href)
                self.assertTrue(second.startswith(self.base + path + '?'), second)
                doc2 = self.load(view, path, second.split('?', 1)[1])
                self.assertEqual(page_identifiers(doc2), h.pages[1].identifiers())
                self.assertIn('Records %d–%d of %d' % (PAGE_SIZE + 1, 2 * PAGE_SIZE, total),
                              main_text(doc2))
                screenshot(second, '%s-ListRecords-page2' % view)

    def test_narrow_screen(self):
        qs = 'verb=GetRecord&metadataPrefix=oai_dc&identifier=' + enc(oai_id(SAMPLE))
        path = screenshot(self.url('/oai/html', qs), 'html-GetRecord-narrow', '390,1600')
        self.assertGreater(os.path.getsize(path), 10000)


if __name__ == '__main__':
    harness.main()
