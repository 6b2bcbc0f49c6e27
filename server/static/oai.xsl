<?xml version="1.0" encoding="UTF-8"?>
<!--
  oai.xsl - the browser view of the repository's OAI-PMH responses.

  Every response carries <?xml-stylesheet href="<base path>/static/oai.xsl"?>,
  so a browser that still runs XSLT renders it with this file; the server
  applies the same file itself (libxslt, server/html_view.c) for
  <base path>/html?<the same arguments>. See docs/browser-view.md.

  Rules this file keeps so that it works in both places:
  - XSLT 1.0 only, no extension functions, no document(): the server
    forbids file and network access during the transformation.
  - No external resources: the CSS is in the <style> element below (a
    <link> would resolve against the page's URL, not this file's), the
    only image is the built-in icon under <base path>/static/.
  - Links between pages are relative ("?verb=..."), so they stay in the
    view they are followed from (/oai or /oai/html).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai="http://www.openarchives.org/OAI/2.0/"
    xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:oai-id="http://www.openarchives.org/OAI/2.0/oai-identifier"
    xmlns:branding="http://www.openarchives.org/OAI/2.0/branding/"
    xmlns:friends="http://www.openarchives.org/OAI/2.0/friends/"
    exclude-result-prefixes="oai oai_dc dc oai-id branding friends">

  <xsl:output method="html" encoding="UTF-8" indent="no"
              doctype-system="about:legacy-compat"/>

  <!-- 'html' when the server renders the page (/html), 'xml' when the
       browser does (the OAI endpoint itself). -->
  <xsl:param name="view" select="'xml'"/>

  <!-- ==================================================================
       What the page is about
       ================================================================== -->

  <xsl:variable name="root" select="/oai:OAI-PMH"/>
  <xsl:variable name="request" select="$root/oai:request"/>
  <xsl:variable name="payload" select="$root/*[not(self::oai:responseDate or self::oai:request
                                                   or self::oai:error)][1]"/>
  <xsl:variable name="kind">
    <xsl:choose>
      <xsl:when test="$root/oai:error">error</xsl:when>
      <xsl:otherwise><xsl:value-of select="local-name($payload)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- The format of links to records: the request's, else oai_dc (a
       resumed list request carries only its token). -->
  <xsl:variable name="prefix">
    <xsl:choose>
      <xsl:when test="$request/@metadataPrefix">
        <xsl:value-of select="$request/@metadataPrefix"/>
      </xsl:when>
      <xsl:otherwise>oai_dc</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- The endpoint's path, from the base URL in <request> (the path the
       server routes): "/oai". Only the switch between the two views
       needs it; every other link is relative. -->
  <xsl:variable name="base-url" select="normalize-space($request)"/>
  <xsl:variable name="base-path">
    <xsl:variable name="after-scheme" select="substring-after($base-url, '://')"/>
    <xsl:variable name="path">
      <xsl:if test="contains($after-scheme, '/')">
        <xsl:value-of select="concat('/', substring-after($after-scheme, '/'))"/>
      </xsl:if>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="substring($path, string-length($path)) = '/'">
        <xsl:value-of select="substring($path, 1, string-length($path) - 1)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$path"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="xml-endpoint">
    <xsl:choose>
      <xsl:when test="$base-path = ''">/</xsl:when>
      <xsl:otherwise><xsl:value-of select="$base-path"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="html-endpoint" select="concat($base-path, '/html')"/>
  <xsl:variable name="static" select="concat($base-path, '/static/')"/>

  <!-- The request's arguments again, as a query string (the server echoes
       them in <request>, except on badVerb and badArgument). -->
  <xsl:variable name="query">
    <xsl:for-each select="$request/@*">
      <xsl:if test="position() &gt; 1">&amp;</xsl:if>
      <xsl:value-of select="name()"/>
      <xsl:text>=</xsl:text>
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="."/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:variable>

  <!-- Characters of the Khmer (U+1780-U+17FF) and Khmer Symbols
       (U+19E0-U+19FF) blocks: a value without xml:lang that contains one
       is marked lang="km", so the browser picks a Khmer font for it. -->
  <xsl:variable name="khmer-chars" select="concat(
    '&#x1780;&#x1781;&#x1782;&#x1783;&#x1784;&#x1785;&#x1786;&#x1787;&#x1788;&#x1789;&#x178A;&#x178B;&#x178C;&#x178D;&#x178E;&#x178F;',
    '&#x1790;&#x1791;&#x1792;&#x1793;&#x1794;&#x1795;&#x1796;&#x1797;&#x1798;&#x1799;&#x179A;&#x179B;&#x179C;&#x179D;&#x179E;&#x179F;',
    '&#x17A0;&#x17A1;&#x17A2;&#x17A3;&#x17A4;&#x17A5;&#x17A6;&#x17A7;&#x17A8;&#x17A9;&#x17AA;&#x17AB;&#x17AC;&#x17AD;&#x17AE;&#x17AF;',
    '&#x17B0;&#x17B1;&#x17B2;&#x17B3;&#x17B4;&#x17B5;&#x17B6;&#x17B7;&#x17B8;&#x17B9;&#x17BA;&#x17BB;&#x17BC;&#x17BD;&#x17BE;&#x17BF;',
    '&#x17C0;&#x17C1;&#x17C2;&#x17C3;&#x17C4;&#x17C5;&#x17C6;&#x17C7;&#x17C8;&#x17C9;&#x17CA;&#x17CB;&#x17CC;&#x17CD;&#x17CE;&#x17CF;',
    '&#x17D0;&#x17D1;&#x17D2;&#x17D3;&#x17D4;&#x17D5;&#x17D6;&#x17D7;&#x17D8;&#x17D9;&#x17DA;&#x17DB;&#x17DC;&#x17DD;&#x17DE;&#x17DF;',
    '&#x17E0;&#x17E1;&#x17E2;&#x17E3;&#x17E4;&#x17E5;&#x17E6;&#x17E7;&#x17E8;&#x17E9;&#x17EA;&#x17EB;&#x17EC;&#x17ED;&#x17EE;&#x17EF;',
    '&#x17F0;&#x17F1;&#x17F2;&#x17F3;&#x17F4;&#x17F5;&#x17F6;&#x17F7;&#x17F8;&#x17F9;&#x17FA;&#x17FB;&#x17FC;&#x17FD;&#x17FE;&#x17FF;',
    '&#x19E0;&#x19E1;&#x19E2;&#x19E3;&#x19E4;&#x19E5;&#x19E6;&#x19E7;&#x19E8;&#x19E9;&#x19EA;&#x19EB;&#x19EC;&#x19ED;&#x19EE;&#x19EF;',
    '&#x19F0;&#x19F1;&#x19F2;&#x19F3;&#x19F4;&#x19F5;&#x19F6;&#x19F7;&#x19F8;&#x19F9;&#x19FA;&#x19FB;&#x19FC;&#x19FD;&#x19FE;&#x19FF;')"/>

  <!-- ==================================================================
       The page
       ================================================================== -->

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>
          <xsl:call-template name="page-title"/>
          <xsl:text> · OAI-PMH</xsl:text>
        </title>
        <xsl:call-template name="css"/>
      </head>
      <body class="view-{$view} page-{$kind}">
        <xsl:call-template name="masthead"/>
        <main class="wrap" id="content">
          <xsl:choose>
            <xsl:when test="$kind = 'error'">
              <xsl:call-template name="errors"/>
            </xsl:when>
            <xsl:otherwise>
              <xsl:apply-templates select="$payload"/>
            </xsl:otherwise>
          </xsl:choose>
        </main>
        <xsl:call-template name="footer"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="page-title">
    <xsl:choose>
      <xsl:when test="$kind = 'error'">
        <xsl:value-of select="concat('Error: ', $root/oai:error[1]/@code)"/>
      </xsl:when>
      <xsl:when test="$kind = 'Identify'">
        <xsl:value-of select="$payload/oai:repositoryName"/>
      </xsl:when>
      <xsl:when test="$kind = 'GetRecord'">
        <xsl:variable name="titles"
                      select="$payload/oai:record/oai:metadata/*/dc:title"/>
        <xsl:choose>
          <xsl:when test="$titles[@xml:lang = 'en']">
            <xsl:value-of select="$titles[@xml:lang = 'en'][1]"/>
          </xsl:when>
          <xsl:when test="$titles">
            <xsl:value-of select="$titles[1]"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="$payload/oai:record/oai:header/oai:identifier"/>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="verb-label">
          <xsl:with-param name="verb" select="$kind"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="verb-label">
    <xsl:param name="verb"/>
    <xsl:choose>
      <xsl:when test="$verb = 'Identify'">About this repository</xsl:when>
      <xsl:when test="$verb = 'ListMetadataFormats'">Metadata formats</xsl:when>
      <xsl:when test="$verb = 'ListSets'">Sets</xsl:when>
      <xsl:when test="$verb = 'ListIdentifiers'">Record headers</xsl:when>
      <xsl:when test="$verb = 'ListRecords'">Records</xsl:when>
      <xsl:when test="$verb = 'GetRecord'">Record</xsl:when>
      <xsl:otherwise><xsl:value-of select="$verb"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="masthead">
    <header class="masthead">
      <div class="wrap bar">
        <a class="brand" href="?verb=Identify">
          <img src="{$static}icon.svg" alt="" width="88" height="31"/>
          <span class="brand-text">
            <span class="brand-name">Open Archives (OAI-PMH) repository</span>
            <span class="brand-url"><xsl:value-of select="$base-url"/></span>
          </span>
        </a>
      </div>
      <nav class="wrap verbs" aria-label="OAI-PMH requests">
        <xsl:call-template name="nav-link">
          <xsl:with-param name="verb" select="'Identify'"/>
          <xsl:with-param name="href" select="'?verb=Identify'"/>
          <xsl:with-param name="label" select="'Identify'"/>
        </xsl:call-template>
        <xsl:call-template name="nav-link">
          <xsl:with-param name="verb" select="'ListSets'"/>
          <xsl:with-param name="href" select="'?verb=ListSets'"/>
          <xsl:with-param name="label" select="'Sets'"/>
        </xsl:call-template>
        <xsl:call-template name="nav-link">
          <xsl:with-param name="verb" select="'ListMetadataFormats'"/>
          <xsl:with-param name="href" select="'?verb=ListMetadataFormats'"/>
          <xsl:with-param name="label" select="'Metadata formats'"/>
        </xsl:call-template>
        <xsl:call-template name="nav-link">
          <xsl:with-param name="verb" select="'ListIdentifiers'"/>
          <xsl:with-param name="href" select="'?verb=ListIdentifiers&amp;metadataPrefix=oai_dc'"/>
          <xsl:with-param name="label" select="'Identifiers'"/>
        </xsl:call-template>
        <xsl:call-template name="nav-link">
          <xsl:with-param name="verb" select="'ListRecords'"/>
          <xsl:with-param name="href" select="'?verb=ListRecords&amp;metadataPrefix=oai_dc'"/>
          <xsl:with-param name="label" select="'Records (oai_dc)'"/>
        </xsl:call-template>
      </nav>
    </header>
  </xsl:template>

  <xsl:template name="nav-link">
    <xsl:param name="verb"/>
    <xsl:param name="href"/>
    <xsl:param name="label"/>
    <a href="{$href}">
      <xsl:if test="$kind = $verb">
        <xsl:attribute name="class">current</xsl:attribute>
        <xsl:attribute name="aria-current">page</xsl:attribute>
      </xsl:if>
      <xsl:value-of select="$label"/>
    </a>
  </xsl:template>

  <xsl:template name="footer">
    <footer class="wrap footer">
      <p class="switch">
        <xsl:choose>
          <xsl:when test="$view = 'html'">
            <a id="xml-view" href="{$xml-endpoint}?{$query}">XML view</a>
            <span> · This page was rendered by the server; harvesters use the XML view.</span>
          </xsl:when>
          <xsl:otherwise>
            <a id="html-view" href="{$html-endpoint}?{$query}">HTML view</a>
            <span> · Your browser rendered this OAI-PMH response; if it shows raw XML,
              use the HTML view.</span>
          </xsl:otherwise>
        </xsl:choose>
      </p>
      <p class="response-info">
        <xsl:text>Response date </xsl:text>
        <xsl:call-template name="datestamp">
          <xsl:with-param name="d" select="$root/oai:responseDate"/>
        </xsl:call-template>
        <xsl:if test="$request/@*">
          <xsl:text> · Request: </xsl:text>
          <xsl:for-each select="$request/@*">
            <xsl:if test="position() &gt; 1">, </xsl:if>
            <code><xsl:value-of select="concat(name(), '=', .)"/></code>
          </xsl:for-each>
        </xsl:if>
      </p>
      <p>OAI-PMH 2.0 · <a href="https://www.openarchives.org/OAI/openarchivesprotocol.html">protocol
        specification</a></p>
    </footer>
  </xsl:template>

  <!-- ==================================================================
       Identify
       ================================================================== -->

  <xsl:template match="oai:Identify">
    <h1><xsl:value-of select="oai:repositoryName"/></h1>
    <p class="lead">This is an OAI-PMH data provider: harvesters such as library
      catalogues and aggregators collect its records through the requests in the
      menu above. These pages show the same answers for people.</p>
    <dl class="facts">
      <dt>Base URL</dt>
      <dd><code class="break"><xsl:value-of select="oai:baseURL"/></code></dd>
      <dt>Protocol version</dt>
      <dd><xsl:value-of select="oai:protocolVersion"/></dd>
      <dt>Administrator</dt>
      <dd>
        <xsl:for-each select="oai:adminEmail">
          <xsl:if test="position() &gt; 1">, </xsl:if>
          <a href="mailto:{.}"><xsl:value-of select="."/></a>
        </xsl:for-each>
      </dd>
      <dt>Earliest datestamp</dt>
      <dd>
        <xsl:call-template name="datestamp">
          <xsl:with-param name="d" select="oai:earliestDatestamp"/>
        </xsl:call-template>
      </dd>
      <dt>Datestamp granularity</dt>
      <dd>
        <code><xsl:value-of select="oai:granularity"/></code>
        <xsl:choose>
          <xsl:when test="oai:granularity = 'YYYY-MM-DDThh:mm:ssZ'">
            (seconds: <code>from</code> and <code>until</code> take a day or a second)</xsl:when>
          <xsl:otherwise> (days)</xsl:otherwise>
        </xsl:choose>
      </dd>
      <dt>Deleted records</dt>
      <dd>
        <code><xsl:value-of select="oai:deletedRecord"/></code>
        <xsl:choose>
          <xsl:when test="oai:deletedRecord = 'persistent'"> — a withdrawn record stays
            visible as a deleted header, so harvesters learn of the withdrawal.</xsl:when>
          <xsl:when test="oai:deletedRecord = 'transient'"> — withdrawn records are shown as
            deleted for a while only.</xsl:when>
          <xsl:otherwise> — withdrawn records simply disappear.</xsl:otherwise>
        </xsl:choose>
      </dd>
      <xsl:if test="oai:compression">
        <dt>Compression</dt>
        <dd>
          <xsl:for-each select="oai:compression">
            <xsl:if test="position() &gt; 1">, </xsl:if>
            <code><xsl:value-of select="."/></code>
          </xsl:for-each>
        </dd>
      </xsl:if>
    </dl>
    <xsl:apply-templates select="oai:description"/>
  </xsl:template>

  <xsl:template match="oai:description">
    <section class="card description">
      <xsl:apply-templates select="*"/>
    </section>
  </xsl:template>

  <xsl:template match="oai-id:oai-identifier">
    <h2>Identifiers</h2>
    <p>Every item has an identifier of the form
      <code><xsl:value-of select="concat(oai-id:scheme, oai-id:delimiter,
        oai-id:repositoryIdentifier, oai-id:delimiter)"/>&lt;local id&gt;</code>.</p>
    <dl class="facts">
      <dt>Scheme</dt><dd><code><xsl:value-of select="oai-id:scheme"/></code></dd>
      <dt>Repository identifier</dt>
      <dd><code><xsl:value-of select="oai-id:repositoryIdentifier"/></code></dd>
      <dt>Sample identifier</dt>
      <dd>
        <xsl:call-template name="record-link">
          <xsl:with-param name="identifier" select="oai-id:sampleIdentifier"/>
        </xsl:call-template>
      </dd>
    </dl>
  </xsl:template>

  <xsl:template match="branding:branding">
    <h2>Branding</h2>
    <xsl:for-each select="branding:collectionIcon">
      <p class="icon">
        <a href="{branding:link}">
          <img src="{branding:url}" alt="{branding:title}">
            <xsl:if test="branding:width">
              <xsl:attribute name="width"><xsl:value-of select="branding:width"/></xsl:attribute>
            </xsl:if>
            <xsl:if test="branding:height">
              <xsl:attribute name="height"><xsl:value-of select="branding:height"/></xsl:attribute>
            </xsl:if>
          </img>
        </a>
        <span><xsl:value-of select="branding:title"/></span>
      </p>
    </xsl:for-each>
    <xsl:for-each select="branding:metadataRendering">
      <p>Records in <code><xsl:value-of select="@metadataNamespace"/></code> are rendered
        for people by <a href="{.}"><xsl:value-of select="."/></a>.</p>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="friends:friends">
    <h2>Friends</h2>
    <p>Other OAI-PMH repositories this one recommends:</p>
    <ul class="plain">
      <xsl:for-each select="friends:baseURL">
        <li><a href="{.}?verb=Identify"><xsl:value-of select="."/></a></li>
      </xsl:for-each>
    </ul>
  </xsl:template>

  <!-- A description this file does not know: its elements as a tree. -->
  <xsl:template match="oai:description/*" priority="-1">
    <h2><xsl:value-of select="local-name()"/></h2>
    <xsl:call-template name="tree"/>
  </xsl:template>

  <xsl:template name="tree">
    <dl class="tree">
      <xsl:for-each select="*">
        <dt><xsl:value-of select="local-name()"/></dt>
        <dd>
          <xsl:choose>
            <xsl:when test="*"><xsl:call-template name="tree"/></xsl:when>
            <xsl:otherwise>
              <xsl:call-template name="lang-attr"/>
              <xsl:value-of select="."/>
            </xsl:otherwise>
          </xsl:choose>
        </dd>
      </xsl:for-each>
    </dl>
  </xsl:template>

  <!-- ==================================================================
       ListMetadataFormats
       ================================================================== -->

  <xsl:template match="oai:ListMetadataFormats">
    <h1>Metadata formats</h1>
    <p class="lead">
      <xsl:choose>
        <xsl:when test="$request/@identifier">
          <xsl:text>The formats in which item </xsl:text>
          <code class="break"><xsl:value-of select="$request/@identifier"/></code>
          <xsl:text> can be harvested.</xsl:text>
        </xsl:when>
        <xsl:otherwise>The formats in which this repository's records can be
          harvested.</xsl:otherwise>
      </xsl:choose>
    </p>
    <div class="table-wrap">
      <table>
        <thead>
          <tr><th>Prefix</th><th>Schema and namespace</th><th>Browse</th></tr>
        </thead>
        <tbody>
          <xsl:for-each select="oai:metadataFormat">
            <tr>
              <td><code><xsl:value-of select="oai:metadataPrefix"/></code></td>
              <td>
                <a class="break" href="{oai:schema}"><xsl:value-of select="oai:schema"/></a>
                <br/>
                <code class="break muted"><xsl:value-of select="oai:metadataNamespace"/></code>
              </td>
              <td class="actions">
                <xsl:variable name="p">
                  <xsl:call-template name="url-encode">
                    <xsl:with-param name="s" select="oai:metadataPrefix"/>
                  </xsl:call-template>
                </xsl:variable>
                <xsl:choose>
                  <xsl:when test="$request/@identifier">
                    <xsl:variable name="id">
                      <xsl:call-template name="url-encode">
                        <xsl:with-param name="s" select="$request/@identifier"/>
                      </xsl:call-template>
                    </xsl:variable>
                    <a href="?verb=GetRecord&amp;metadataPrefix={$p}&amp;identifier={$id}">This
                      record</a>
                  </xsl:when>
                  <xsl:otherwise>
                    <a href="?verb=ListRecords&amp;metadataPrefix={$p}">Records</a>
                    <a href="?verb=ListIdentifiers&amp;metadataPrefix={$p}">Identifiers</a>
                  </xsl:otherwise>
                </xsl:choose>
              </td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </div>
  </xsl:template>

  <!-- ==================================================================
       ListSets
       ================================================================== -->

  <xsl:template match="oai:ListSets">
    <h1>Sets</h1>
    <p class="lead">Groups of records a harvester can collect on their own. A set
      whose name has a colon (<code>type:law</code>) is part of the set before it.</p>
    <xsl:call-template name="summary">
      <xsl:with-param name="noun" select="'Sets'"/>
      <xsl:with-param name="count" select="count(oai:set)"/>
    </xsl:call-template>
    <div class="table-wrap">
      <table class="sets">
        <thead>
          <tr><th>Set</th><th>Description</th><th>Browse</th></tr>
        </thead>
        <tbody>
          <xsl:apply-templates select="oai:set"/>
        </tbody>
      </table>
    </div>
    <xsl:call-template name="pager"/>
  </xsl:template>

  <xsl:template match="oai:set">
    <xsl:variable name="spec" select="oai:setSpec"/>
    <xsl:variable name="depth"
                  select="string-length($spec) - string-length(translate($spec, ':', ''))"/>
    <xsl:variable name="enc">
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="$spec"/>
      </xsl:call-template>
    </xsl:variable>
    <tr class="set depth-{$depth}">
      <td class="set-name">
        <span class="name"><xsl:call-template name="lang-attr">
            <xsl:with-param name="node" select="oai:setName"/>
          </xsl:call-template><xsl:value-of select="oai:setName"/></span>
        <code class="spec"><xsl:value-of select="$spec"/></code>
      </td>
      <td>
        <xsl:for-each select="oai:setDescription//dc:description">
          <p class="value"><xsl:call-template name="lang-attr"/><xsl:value-of select="."/></p>
        </xsl:for-each>
      </td>
      <td class="actions">
        <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={$enc}">Records</a>
        <a href="?verb=ListIdentifiers&amp;metadataPrefix=oai_dc&amp;set={$enc}">Identifiers</a>
      </td>
    </tr>
  </xsl:template>

  <!-- ==================================================================
       ListIdentifiers
       ================================================================== -->

  <xsl:template match="oai:ListIdentifiers">
    <h1>Record headers</h1>
    <xsl:call-template name="selection"/>
    <xsl:call-template name="summary">
      <xsl:with-param name="noun" select="'Records'"/>
      <xsl:with-param name="count" select="count(oai:header)"/>
    </xsl:call-template>
    <div class="table-wrap">
      <table class="headers">
        <thead>
          <tr><th>Identifier</th><th>Datestamp</th><th>Sets</th><th>Links</th></tr>
        </thead>
        <tbody>
          <xsl:for-each select="oai:header">
            <tr>
              <xsl:if test="@status = 'deleted'">
                <xsl:attribute name="class">deleted</xsl:attribute>
              </xsl:if>
              <td>
                <xsl:call-template name="record-link">
                  <xsl:with-param name="identifier" select="oai:identifier"/>
                  <xsl:with-param name="class" select="'oai-id'"/>
                </xsl:call-template>
                <xsl:if test="@status = 'deleted'">
                  <xsl:text> </xsl:text><span class="badge deleted">deleted</span>
                </xsl:if>
              </td>
              <td class="nowrap">
                <xsl:call-template name="datestamp">
                  <xsl:with-param name="d" select="oai:datestamp"/>
                </xsl:call-template>
              </td>
              <td><xsl:call-template name="set-tags"/></td>
              <td class="actions"><xsl:call-template name="record-actions"/></td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </div>
    <xsl:call-template name="pager"/>
  </xsl:template>

  <!-- ==================================================================
       ListRecords and GetRecord
       ================================================================== -->

  <xsl:template match="oai:ListRecords">
    <h1>Records</h1>
    <xsl:call-template name="selection"/>
    <xsl:call-template name="summary">
      <xsl:with-param name="noun" select="'Records'"/>
      <xsl:with-param name="count" select="count(oai:record)"/>
    </xsl:call-template>
    <xsl:for-each select="oai:record">
      <article class="card record">
        <xsl:if test="oai:header/@status = 'deleted'">
          <xsl:attribute name="class">card record deleted</xsl:attribute>
        </xsl:if>
        <h2 class="titles"><xsl:call-template name="titles"/></h2>
        <xsl:call-template name="header-facts"/>
        <xsl:apply-templates select="oai:metadata"/>
      </article>
    </xsl:for-each>
    <xsl:call-template name="pager"/>
  </xsl:template>

  <xsl:template match="oai:GetRecord">
    <xsl:for-each select="oai:record">
      <article class="record full">
        <h1 class="titles"><xsl:call-template name="titles"/></h1>
        <xsl:call-template name="header-facts"/>
        <xsl:if test="oai:header/@status = 'deleted'">
          <p class="notice">This record has been withdrawn. The repository keeps its
            header so that harvesters learn of the withdrawal; its metadata is no longer
            given.</p>
        </xsl:if>
        <xsl:apply-templates select="oai:metadata"/>
      </article>
    </xsl:for-each>
  </xsl:template>

  <!-- The record's titles (every language), or its identifier. -->
  <xsl:template name="titles">
    <xsl:variable name="titles" select="oai:metadata/*/dc:title"/>
    <xsl:choose>
      <xsl:when test="$titles">
        <xsl:for-each select="$titles">
          <span class="title"><xsl:call-template name="lang-attr"/><xsl:value-of
            select="."/></span>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <span class="title untitled"><xsl:value-of select="oai:header/oai:identifier"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Identifier, datestamp, sets and links of a record's header. -->
  <xsl:template name="header-facts">
    <xsl:for-each select="oai:header">
      <dl class="header-facts">
        <dt>Identifier</dt>
        <dd>
          <code class="oai-id break"><xsl:value-of select="oai:identifier"/></code>
          <xsl:if test="@status = 'deleted'">
            <xsl:text> </xsl:text><span class="badge deleted">deleted</span>
          </xsl:if>
        </dd>
        <dt>Datestamp</dt>
        <dd>
          <xsl:call-template name="datestamp">
            <xsl:with-param name="d" select="oai:datestamp"/>
          </xsl:call-template>
        </dd>
        <xsl:if test="oai:setSpec">
          <dt>Sets</dt>
          <dd><xsl:call-template name="set-tags"/></dd>
        </xsl:if>
        <dt>Links</dt>
        <dd class="actions"><xsl:call-template name="record-actions"/></dd>
      </dl>
    </xsl:for-each>
  </xsl:template>

  <!-- Links from a header (the context node) to its record and formats. -->
  <xsl:template name="record-actions">
    <xsl:variable name="id">
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="oai:identifier"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="p">
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="$prefix"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="$kind != 'GetRecord'">
      <a class="record-link" href="?verb=GetRecord&amp;metadataPrefix={$p}&amp;identifier={$id}">Record</a>
    </xsl:if>
    <a href="?verb=ListMetadataFormats&amp;identifier={$id}">Formats</a>
  </xsl:template>

  <!-- An identifier as a link to its record (in the list's format). -->
  <xsl:template name="record-link">
    <xsl:param name="identifier"/>
    <xsl:param name="class" select="'break'"/>
    <xsl:variable name="id">
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="$identifier"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="p">
      <xsl:call-template name="url-encode">
        <xsl:with-param name="s" select="$prefix"/>
      </xsl:call-template>
    </xsl:variable>
    <a href="?verb=GetRecord&amp;metadataPrefix={$p}&amp;identifier={$id}">
      <code class="{$class}"><xsl:value-of select="$identifier"/></code>
    </a>
  </xsl:template>

  <!-- The setSpecs of a header (the context node), each a link to its records. -->
  <xsl:template name="set-tags">
    <xsl:for-each select="oai:setSpec">
      <xsl:variable name="enc">
        <xsl:call-template name="url-encode">
          <xsl:with-param name="s" select="."/>
        </xsl:call-template>
      </xsl:variable>
      <a class="tag" href="?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={$enc}">
        <xsl:value-of select="."/>
      </a>
      <xsl:text> </xsl:text>
    </xsl:for-each>
  </xsl:template>

  <!-- What a list request selected (first page only: a resumed request
       carries only its token). -->
  <xsl:template name="selection">
    <xsl:if test="$request/@metadataPrefix">
      <p class="lead">
        <xsl:text>Format </xsl:text>
        <code><xsl:value-of select="$request/@metadataPrefix"/></code>
        <xsl:if test="$request/@set">
          <xsl:text>, set </xsl:text><code><xsl:value-of select="$request/@set"/></code>
        </xsl:if>
        <xsl:if test="$request/@from">
          <xsl:text>, changed from </xsl:text><code><xsl:value-of select="$request/@from"/></code>
        </xsl:if>
        <xsl:if test="$request/@until">
          <xsl:text>, until </xsl:text><code><xsl:value-of select="$request/@until"/></code>
        </xsl:if>
        <xsl:text>; oldest changes first.</xsl:text>
      </p>
    </xsl:if>
  </xsl:template>

  <!-- ==================================================================
       Metadata
       ================================================================== -->

  <xsl:template match="oai:metadata">
    <xsl:apply-templates select="*" mode="metadata"/>
  </xsl:template>

  <!-- Dublin Core: a definition list, one term per element with all its
       values (in the order given), each value with its language. Titles
       are the heading already. Grouping by name, not by run, so values of
       an element can never appear twice. -->
  <xsl:template match="oai_dc:dc" mode="metadata">
    <dl class="dc">
      <xsl:for-each select="*[not(self::dc:title)]">
        <xsl:if test="not(preceding-sibling::*[local-name() = local-name(current())])">
          <div class="field">
            <dt>
              <xsl:call-template name="dc-label">
                <xsl:with-param name="name" select="local-name()"/>
              </xsl:call-template>
            </dt>
            <xsl:for-each select="../*[local-name() = local-name(current())]">
              <dd>
                <xsl:call-template name="lang-attr"/>
                <xsl:call-template name="value"/>
              </dd>
            </xsl:for-each>
          </div>
        </xsl:if>
      </xsl:for-each>
    </dl>
  </xsl:template>

  <!-- Another format: its elements as a tree. -->
  <xsl:template match="*" mode="metadata">
    <p class="muted">Metadata in <code><xsl:value-of select="namespace-uri()"/></code>:</p>
    <xsl:call-template name="tree"/>
  </xsl:template>

  <!-- A value; web addresses become links. -->
  <xsl:template name="value">
    <xsl:choose>
      <xsl:when test="starts-with(., 'https://') or starts-with(., 'http://')">
        <a class="break" href="{.}"><xsl:value-of select="."/></a>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- English and Khmer names of the fifteen Dublin Core elements, as
       "|element=English=Khmer" entries (a string, not a template of
       choices: it is looked up for every element of every record). -->
  <xsl:variable name="dc-labels" select="concat(
    '|title=Title=ចំណងជើង',
    '|creator=Creator=អ្នកនិពន្ធ',
    '|subject=Subject=ប្រធានបទ',
    '|description=Description=ការពិពណ៌នា',
    '|publisher=Publisher=អ្នកបោះពុម្ពផ្សាយ',
    '|contributor=Contributor=អ្នករួមចំណែក',
    '|date=Date=កាលបរិច្ឆេទ',
    '|type=Type=ប្រភេទ',
    '|format=Format=ទម្រង់',
    '|identifier=Identifier=លេខសម្គាល់',
    '|source=Source=ប្រភព',
    '|language=Language=ភាសា',
    '|relation=Relation=ទំនាក់ទំនង',
    '|coverage=Coverage=វិសាលភាព',
    '|rights=Rights=សិទ្ធិ',
    '|')"/>

  <xsl:template name="dc-label">
    <xsl:param name="name"/>
    <xsl:variable name="entry"
                  select="substring-before(substring-after($dc-labels, concat('|', $name, '=')), '|')"/>
    <xsl:choose>
      <xsl:when test="$entry">
        <span class="label-en"><xsl:value-of select="substring-before($entry, '=')"/></span>
        <span class="label-km" lang="km"><xsl:value-of select="substring-after($entry, '=')"/></span>
      </xsl:when>
      <xsl:otherwise>
        <span class="label-en"><xsl:value-of select="$name"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- lang="..." for the HTML element being written, from the value's
       xml:lang; a value without one gets "km" when it is written in Khmer
       script, else "" (language unknown) rather than the page's "en". -->
  <xsl:template name="lang-attr">
    <xsl:param name="node" select="."/>
    <xsl:variable name="l" select="$node/ancestor-or-self::*[@xml:lang][1]/@xml:lang"/>
    <xsl:attribute name="lang">
      <xsl:choose>
        <xsl:when test="$l"><xsl:value-of select="$l"/></xsl:when>
        <xsl:when test="translate($node, $khmer-chars, '') != string($node)">km</xsl:when>
      </xsl:choose>
    </xsl:attribute>
  </xsl:template>

  <!-- ==================================================================
       Paging
       ================================================================== -->

  <!-- "Records 21–40 of 338", from the resumptionToken's cursor and
       completeListSize; "Records: 12" for a list that fits one page. -->
  <xsl:template name="summary">
    <xsl:param name="noun"/>
    <xsl:param name="count"/>
    <xsl:variable name="token" select="oai:resumptionToken"/>
    <p class="summary">
      <xsl:choose>
        <xsl:when test="$token/@cursor and $count &gt; 0">
          <xsl:value-of select="concat($noun, ' ', $token/@cursor + 1, '–',
                                       $token/@cursor + $count)"/>
          <xsl:if test="$token/@completeListSize">
            <xsl:value-of select="concat(' of ', $token/@completeListSize)"/>
          </xsl:if>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="concat($noun, ': ', $count)"/>
        </xsl:otherwise>
      </xsl:choose>
    </p>
  </xsl:template>

  <!-- The link to the next page: the same verb with the resumptionToken. -->
  <xsl:template name="pager">
    <xsl:variable name="token" select="oai:resumptionToken"/>
    <xsl:if test="$token">
      <nav class="pager" aria-label="Pages">
        <xsl:choose>
          <xsl:when test="normalize-space($token) != ''">
            <xsl:variable name="enc">
              <xsl:call-template name="url-encode">
                <xsl:with-param name="s" select="normalize-space($token)"/>
              </xsl:call-template>
            </xsl:variable>
            <a id="next-page" rel="next" class="button"
               href="?verb={local-name()}&amp;resumptionToken={$enc}">Next page →</a>
            <xsl:if test="$token/@expirationDate">
              <span class="muted"> This link works until
                <xsl:call-template name="datestamp">
                  <xsl:with-param name="d" select="$token/@expirationDate"/>
                </xsl:call-template>.
              </span>
            </xsl:if>
          </xsl:when>
          <xsl:otherwise>
            <span class="muted">This is the last page.</span>
          </xsl:otherwise>
        </xsl:choose>
      </nav>
    </xsl:if>
  </xsl:template>

  <!-- ==================================================================
       Errors
       ================================================================== -->

  <xsl:template name="errors">
    <h1>The request could not be answered</h1>
    <xsl:for-each select="$root/oai:error">
      <!-- A response may report several errors (spec 3.6), several of one
           code: the ids stay unique (error-badArgument, -2, ...). -->
      <xsl:variable name="same" select="count(preceding-sibling::oai:error[@code = current()/@code])"/>
      <section class="card error">
        <xsl:attribute name="id">
          <xsl:value-of select="concat('error-', @code)"/>
          <xsl:if test="$same &gt; 0">
            <xsl:value-of select="concat('-', $same + 1)"/>
          </xsl:if>
        </xsl:attribute>
        <h2><code><xsl:value-of select="@code"/></code> — <xsl:call-template
          name="error-title"/></h2>
        <xsl:if test="normalize-space(.)">
          <p class="message"><xsl:value-of select="."/></p>
        </xsl:if>
        <p class="explanation"><xsl:call-template name="error-explanation"/></p>
        <p class="try"><strong>What to try: </strong><xsl:call-template
          name="error-advice"/></p>
      </section>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="error-title">
    <xsl:choose>
      <xsl:when test="@code = 'badArgument'">the request's arguments are not valid</xsl:when>
      <xsl:when test="@code = 'badResumptionToken'">the resumption token is not valid</xsl:when>
      <xsl:when test="@code = 'badVerb'">no valid request (verb) was given</xsl:when>
      <xsl:when test="@code = 'cannotDisseminateFormat'">that metadata format is not
        available</xsl:when>
      <xsl:when test="@code = 'idDoesNotExist'">no such item</xsl:when>
      <xsl:when test="@code = 'noMetadataFormats'">no metadata formats for this
        item</xsl:when>
      <xsl:when test="@code = 'noRecordsMatch'">no records match</xsl:when>
      <xsl:when test="@code = 'noSetHierarchy'">this repository has no sets</xsl:when>
      <xsl:otherwise>error</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="error-explanation">
    <xsl:choose>
      <xsl:when test="@code = 'badArgument'">The request has an argument this request
        type does not accept, misses one it needs, repeats one, or has a value in the wrong
        form (dates are written <code>YYYY-MM-DD</code> or
        <code>YYYY-MM-DDThh:mm:ssZ</code>).</xsl:when>
      <xsl:when test="@code = 'badResumptionToken'">A resumption token continues a long
        list page by page. This one has expired, was changed, or belongs to another kind of
        list.</xsl:when>
      <xsl:when test="@code = 'badVerb'">Every OAI-PMH request names one of six verbs —
        Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord — in
        its <code>verb</code> argument. This request had none, had it twice, or named
        another.</xsl:when>
      <xsl:when test="@code = 'cannotDisseminateFormat'">The
        <code>metadataPrefix</code> names a format in which this repository (or this item)
        does not give its records.</xsl:when>
      <xsl:when test="@code = 'idDoesNotExist'">No item in this repository has that
        identifier. Identifiers look like the sample on the Identify page.</xsl:when>
      <xsl:when test="@code = 'noMetadataFormats'">This item cannot be given in any
        metadata format.</xsl:when>
      <xsl:when test="@code = 'noRecordsMatch'">The request is valid, but no record
        matches its combination of dates, set and format.</xsl:when>
      <xsl:when test="@code = 'noSetHierarchy'">This repository does not group its records
        into sets, so a request cannot select one.</xsl:when>
      <xsl:otherwise>The repository reported an error this page does not
        know.</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="error-advice">
    <xsl:choose>
      <xsl:when test="@code = 'badArgument'">start again from a link in the menu, and
        change one argument at a time.</xsl:when>
      <xsl:when test="@code = 'badResumptionToken'">start the list again from its first
        page: <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc">records</a>,
        <a href="?verb=ListIdentifiers&amp;metadataPrefix=oai_dc">identifiers</a> or
        <a href="?verb=ListSets">sets</a>.</xsl:when>
      <xsl:when test="@code = 'badVerb'">choose one of the requests in the menu above,
        for example <a href="?verb=Identify">Identify</a>.</xsl:when>
      <xsl:when test="@code = 'cannotDisseminateFormat'">see the
        <a href="?verb=ListMetadataFormats">metadata formats</a>; <code>oai_dc</code>
        (Dublin Core) always works.</xsl:when>
      <xsl:when test="@code = 'idDoesNotExist'">browse the
        <a href="?verb=ListIdentifiers&amp;metadataPrefix=oai_dc">identifiers</a> and
        follow a link from there.</xsl:when>
      <xsl:when test="@code = 'noMetadataFormats'">see the
        <a href="?verb=ListMetadataFormats">formats of the repository</a>.</xsl:when>
      <xsl:when test="@code = 'noRecordsMatch'">widen the dates, choose another
        <a href="?verb=ListSets">set</a>, or list
        <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc">all records</a>.</xsl:when>
      <xsl:when test="@code = 'noSetHierarchy'">list
        <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc">all records</a> without a
        set.</xsl:when>
      <xsl:otherwise>go back to the <a href="?verb=Identify">repository's
        page</a>.</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ==================================================================
       Helpers
       ================================================================== -->

  <!-- A datestamp for people: "2019-01-14 02:15:07 UTC". -->
  <xsl:template name="datestamp">
    <xsl:param name="d"/>
    <time datetime="{$d}">
      <xsl:choose>
        <xsl:when test="contains($d, 'T')">
          <xsl:value-of select="concat(substring-before($d, 'T'), ' ',
                                       translate(substring-after($d, 'T'), 'Z', ''), ' UTC')"/>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="$d"/></xsl:otherwise>
      </xsl:choose>
    </time>
  </xsl:template>

  <!-- %-encodes the characters that would end or change a query-string
       value: % & + # ? = ; space " < >. Resumption tokens only use
       [A-Za-z0-9_.-], but identifiers and setSpecs may hold any of these.
       Other non-ASCII characters are %-encoded as UTF-8 by the HTML
       serializer and the browser. Recursion is per occurrence, not per
       character, so long values stay shallow. -->
  <xsl:template name="url-encode">
    <xsl:param name="s"/>
    <xsl:param name="i" select="1"/>
    <xsl:variable name="chars" select="'%&amp;+#?=; &quot;&lt;&gt;'"/>
    <xsl:variable name="codes" select="'%25%26%2B%23%3F%3D%3B%20%22%3C%3E'"/>
    <xsl:variable name="c" select="substring($chars, $i, 1)"/>
    <xsl:choose>
      <xsl:when test="translate($s, $chars, '') = $s"><xsl:value-of select="$s"/></xsl:when>
      <xsl:when test="contains($s, $c)">
        <xsl:call-template name="url-encode">
          <xsl:with-param name="s" select="substring-before($s, $c)"/>
          <xsl:with-param name="i" select="$i + 1"/>
        </xsl:call-template>
        <xsl:value-of select="substring($codes, 3 * $i - 2, 3)"/>
        <xsl:call-template name="url-encode">
          <xsl:with-param name="s" select="substring-after($s, $c)"/>
          <xsl:with-param name="i" select="$i"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="url-encode">
          <xsl:with-param name="s" select="$s"/>
          <xsl:with-param name="i" select="$i + 1"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ==================================================================
       Style: no external resources (the server's network may be closed,
       and a browser without internet must still show Khmer text with the
       fonts the reader has).
       ================================================================== -->

  <xsl:template name="css">
    <style>
:root {
  --blue: #032ea1; --blue-dark: #021f6b; --red: #c8102e;
  --ink: #1c2331; --muted: #5a6375; --line: #dce1ea; --bg: #f4f6fa; --card: #ffffff;
  --link: #0a4fc2; --tag: #e8eefc;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
          "Liberation Sans", Arial, "Noto Sans Khmer", "Khmer OS System", "Khmer OS",
          "Khmer UI", "Leelawadee UI", sans-serif;
  --khmer: "Noto Sans Khmer", "Khmer OS System", "Khmer OS", "Khmer OS Content",
           "Khmer OS Siemreap", "Hanuman", "Battambang", "Khmer UI", "Leelawadee UI",
           "Khmer Sangam MN", "Khmer MN", sans-serif;
  --mono: "DejaVu Sans Mono", "Liberation Mono", Consolas, Menlo, monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 16px/1.55 var(--sans); }
:lang(km) { font-family: var(--khmer); line-height: 1.6; }
.label-km, dd:lang(km), .title:lang(km) { font-size: 1.05em; }
a { color: var(--link); text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { color: var(--blue-dark); }
code { font-family: var(--mono); font-size: 0.9em; }
.break { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.muted { color: var(--muted); }
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1.25rem; }

.masthead { background: var(--blue); color: #fff; border-bottom: 4px solid var(--red); }
.bar { display: flex; align-items: center; padding-top: 0.8rem; padding-bottom: 0.6rem; }
.brand { display: flex; align-items: center; gap: 0.9rem; color: #fff; text-decoration: none; }
.brand img { display: block; border: 1px solid rgba(255,255,255,0.5); border-radius: 4px; }
.brand-text { display: flex; flex-direction: column; line-height: 1.3; }
.brand-name { font-weight: 600; font-size: 1.05rem; }
.brand-url { font-family: var(--mono); font-size: 0.8rem; opacity: 0.85; overflow-wrap: anywhere; }
.verbs { display: flex; flex-wrap: wrap; gap: 0.25rem; padding-bottom: 0.6rem; }
.verbs a { color: #fff; text-decoration: none; padding: 0.35rem 0.75rem; border-radius: 999px;
           font-size: 0.95rem; }
.verbs a:hover { background: rgba(255,255,255,0.15); }
.verbs a.current { background: #fff; color: var(--blue); font-weight: 600; }

main.wrap { padding-top: 1.5rem; padding-bottom: 2rem; }
h1 { font-size: 1.8rem; line-height: 1.3; margin: 0.2rem 0 0.8rem; color: var(--blue-dark); }
h2 { font-size: 1.25rem; line-height: 1.35; margin: 0 0 0.6rem; }
.lead { color: var(--muted); margin-top: 0; max-width: 50rem; }
.summary { font-weight: 600; margin: 1rem 0 0.5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
        padding: 1rem 1.25rem; margin: 0 0 1rem; box-shadow: 0 1px 2px rgba(16,24,40,0.05); }

dl.facts, dl.header-facts, dl.tree { display: grid; grid-template-columns: minmax(8rem, 13rem) 1fr;
  gap: 0.35rem 1.25rem; margin: 0 0 1rem; }
dl.facts dt, dl.header-facts dt, dl.tree dt, dl.dc dt { color: var(--muted); font-weight: 600; grid-column: 1; }
dl dd { margin: 0; grid-column: 2; min-width: 0; }
dl.dc { margin: 0.75rem 0 0; }
dl.dc .field { display: flow-root; padding: 0.5rem 0; border-top: 1px solid var(--line); }
dl.dc .field:first-child { border-top: 0; }
dl.dc dt { float: left; width: 12rem; padding-right: 1rem; line-height: 1.4; }
dl.dc dd { margin-left: 13rem; }
dl.dc dd + dd { margin-top: 0.25rem; }
.label-en, .label-km { display: block; }
.label-km { font-weight: 400; font-size: 0.95em; }
dl.header-facts { font-size: 0.92rem; grid-template-columns: minmax(6rem, 8rem) 1fr; gap: 0.15rem 1rem;
  padding: 0.6rem 0.8rem; background: var(--bg); border-radius: 6px; }
dl.tree dl.tree { margin: 0; }

.titles .title { display: block; }
.titles .title + .title { font-size: 0.8em; font-weight: 500; color: var(--muted); margin-top: 0.2rem; }
.record.full > .titles { margin-bottom: 1rem; }
.record.full dl.dc { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 1rem 1.25rem; }
.record.deleted { background: #fbfbfc; border-style: dashed; }
.record.deleted .titles { color: var(--muted); text-decoration: line-through; }

.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.55rem 0.8rem; border-bottom: 1px solid var(--line); }
th { background: #eef1f7; font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:nth-child(even) { background: #fafbfd; }
tr.deleted .oai-id { text-decoration: line-through; color: var(--muted); }
table.headers .oai-id { white-space: nowrap; }
td p.value { margin: 0 0 0.3rem; }
.set-name .name { display: block; font-weight: 600; }
.set-name .spec { color: var(--muted); font-size: 0.82rem; }
tr.depth-1 .set-name { padding-left: 2rem; }
tr.depth-2 .set-name { padding-left: 3.2rem; }
tr.depth-3 .set-name { padding-left: 4.4rem; }
.actions a { display: inline-block; margin: 0 0.6rem 0.2rem 0; white-space: nowrap; }
.tag { display: inline-block; background: var(--tag); color: var(--blue-dark); border-radius: 4px;
       padding: 0 0.4rem; margin: 0 0.15rem 0.2rem 0; font: 0.8rem/1.6 var(--mono); text-decoration: none; }
.tag:hover { background: #d3defa; }
.badge { display: inline-block; border-radius: 4px; padding: 0 0.4rem; font-size: 0.78rem; font-weight: 600;
         text-transform: uppercase; letter-spacing: 0.04em; vertical-align: 0.1em; }
.badge.deleted { background: #fde7ea; color: var(--red); }
.notice { background: #fff7e0; border: 1px solid #f1d48a; border-radius: 6px; padding: 0.6rem 0.9rem; }

.pager { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; margin: 1.25rem 0; }
.button { display: inline-block; background: var(--blue); color: #fff; text-decoration: none; font-weight: 600;
          padding: 0.55rem 1.1rem; border-radius: 6px; }
.button:hover { background: var(--blue-dark); color: #fff; }

.error { border-left: 5px solid var(--red); }
.error h2 code { color: var(--red); }
.error .message { font-family: var(--mono); font-size: 0.9rem; background: var(--bg); padding: 0.5rem 0.75rem;
                  border-radius: 4px; }
.description h2 { font-size: 1.1rem; }
.icon { display: flex; align-items: center; gap: 0.75rem; }
ul.plain { padding-left: 1.2rem; }

.footer { border-top: 1px solid var(--line); padding-top: 1rem; padding-bottom: 2rem; color: var(--muted);
          font-size: 0.88rem; }
.footer p { margin: 0.3rem 0; }
.switch a { font-weight: 600; }

@media (max-width: 40rem) {
  h1 { font-size: 1.45rem; }
  dl.facts, dl.header-facts, dl.tree { grid-template-columns: 1fr; }
  dl dd, dl dt { grid-column: 1; }
  dl.dc dt { float: none; width: auto; }
  dl.dc dd { margin-left: 0; }
  table, thead, tbody, tr, th, td { display: block; }
  table.headers .oai-id { white-space: normal; overflow-wrap: anywhere; }
  thead { display: none; }
  tr { border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
  td { border: 0; padding: 0.2rem 0.8rem; }
  tr.depth-1 .set-name, tr.depth-2 .set-name, tr.depth-3 .set-name { padding-left: 0.8rem; }
}
@media print {
  .verbs, .pager, .switch { display: none; }
  .masthead { background: none; color: var(--ink); border-bottom: 2px solid var(--ink); }
  .brand { color: var(--ink); }
}
    </style>
  </xsl:template>

</xsl:stylesheet>
