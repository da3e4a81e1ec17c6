<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit: TEI P5 to one standalone, accessible HTML5 page.

  Rendering model. Every element is rendered either in *flow* context (where HTML allows
  blocks: section, div, li, td) or in *phrasing* context (inside p, headings, spans, links).
  The tunnel parameter $phrasing says which. In phrasing context everything becomes a span
  (blocks get display:block from the CSS), so the output is valid HTML whatever TEI nests
  inside what. In flow context t:is-flow() decides between a block and an inline rendering.
  $in-link stops links from nesting. Unknown elements keep their content, as a span or div
  with class tei-NAME: nothing is silently dropped.

  epub.xsl imports this stylesheet and overrides t:file(), the page-break and note markup,
  and the heading offset.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:t="urn:x-teikit:xslt"
    xmlns:epub="http://www.idpf.org/2007/ops"
    xmlns="http://www.w3.org/1999/xhtml"
    xpath-default-namespace="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="#all">

  <xsl:import href="common.xsl"/>

  <!-- escape-uri-attributes="no": an href to an id with non-ASCII letters keeps them as
       they are, as the id has them (HTML5 compares fragments with ids literally) -->
  <xsl:output method="html" html-version="5" encoding="UTF-8" indent="no"
              include-content-type="no" escape-uri-attributes="no"/>

  <!-- include the table of contents (true|false) -->
  <xsl:param name="toc" as="xs:string" select="'true'"/>
  <!-- include the index of names (true|false) -->
  <xsl:param name="index" as="xs:string" select="'true'"/>
  <!-- extra CSS appended to the embedded stylesheet -->
  <xsl:param name="css" as="xs:string" select="''"/>

  <xsl:variable name="t:epub" as="xs:boolean" select="false()"/>
  <!-- h1 is the document title in HTML; EPUB documents start their parts at h1 -->
  <xsl:variable name="t:heading-offset" as="xs:integer" select="1"/>

  <xsl:variable name="t:texts" select="$t:root//text[not(ancestor::text)]"/>
  <xsl:variable name="t:notes" select="$t:texts//note[not(parent::app or parent::rdgGrp)]
      [not(ancestor::person or ancestor::personGrp or ancestor::place or ancestor::org)]"/>
  <xsl:variable name="t:apps" select="$t:texts//app"/>
  <xsl:variable name="t:mentioned" as="element()*"
      select="$t:entities[exists(key('t:mentions', string(@xml:id), $t:root/root()))]"/>
  <xsl:variable name="t:show-index" as="xs:boolean"
      select="$index = 'true' and exists($t:entities)"/>

  <!-- ===================== page ===================== -->
  <xsl:template match="/">
    <xsl:call-template name="t:unresolved-refs"/>
    <xsl:call-template name="t:facsimile-warnings"/>
    <xsl:call-template name="t:unwritten-characters"/>
    <html lang="{$t:lang}">
      <xsl:if test="t:dir($t:lang) = 'rtl'"><xsl:attribute name="dir" select="'rtl'"/></xsl:if>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$t:title"/></title>
        <xsl:if test="exists($t:authors)">
          <meta name="author" content="{string-join($t:authors, '; ')}"/>
        </xsl:if>
        <xsl:if test="$t:description != ''">
          <meta name="description" content="{$t:description}"/>
        </xsl:if>
        <meta name="generator" content="teikit"/>
        <style><xsl:value-of select="unparsed-text('teikit.css') || $css"/></style>
      </head>
      <body>
        <a class="skip" href="#tk-main"><xsl:value-of select="t:label('start')"/></a>
        <xsl:if test="empty($t:title-page)">
          <header class="titlepage">
            <xsl:call-template name="t:title-block"/>
          </header>
        </xsl:if>
        <xsl:variable name="toc-items" select="t:toc-items($t:texts)"/>
        <xsl:if test="$toc = 'true' and exists($toc-items)">
          <nav id="tk-toc" class="toc" role="doc-toc" aria-labelledby="tk-toc-h">
            <h2 id="tk-toc-h"><xsl:value-of select="t:label('contents')"/></h2>
            <ol>
              <xsl:sequence select="$toc-items"/>
              <xsl:if test="exists($t:notes)">
                <li><a href="#tk-notes"><xsl:value-of select="t:label('notes')"/></a></li>
              </xsl:if>
              <xsl:if test="$t:show-index">
                <li><a href="#tk-index"><xsl:value-of select="t:label('index')"/></a></li>
              </xsl:if>
            </ol>
          </nav>
        </xsl:if>
        <main id="tk-main">
          <xsl:apply-templates select="$t:texts"/>
          <xsl:call-template name="t:facsimile-section"/>
          <xsl:call-template name="t:notes-section">
            <xsl:with-param name="notes" select="$t:notes"/>
          </xsl:call-template>
          <xsl:call-template name="t:apparatus-section">
            <xsl:with-param name="apps" select="$t:apps"/>
          </xsl:call-template>
          <xsl:if test="$t:show-index">
            <xsl:call-template name="t:index-section"/>
          </xsl:if>
        </main>
        <footer>
          <xsl:call-template name="t:colophon"/>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="t:title-block">
    <h1><xsl:value-of select="$t:title"/></h1>
    <xsl:for-each select="$t:subtitles">
      <p class="subtitle"><xsl:value-of select="."/></p>
    </xsl:for-each>
    <xsl:if test="exists($t:authors)">
      <p class="author"><xsl:value-of select="string-join($t:authors, ', ')"/></p>
    </xsl:if>
    <xsl:for-each select="$t:series">
      <p class="series"><xsl:value-of select="t:label('series') || ': ' || ."/></p>
    </xsl:for-each>
    <xsl:if test="exists($t:corresp)">
      <div class="corresp">
        <xsl:for-each select="$t:corresp"><p><xsl:value-of select="."/></p></xsl:for-each>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- The main title of the text's own title page is the page's h1. -->
  <xsl:template match="docTitle/titlePart[. is $t:title-page/docTitle/(titlePart[@type = 'main'],
                                          titlePart)[1]]" priority="2">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:call-template name="t:box">
      <xsl:with-param name="tag" select="if ($phrasing) then 'span' else 'h1'"/>
      <xsl:with-param name="class" select="'title'"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="t:colophon">
    <xsl:if test="$t:source != ''">
      <p><xsl:value-of select="t:label('source') || ': ' || $t:source"/></p>
    </xsl:if>
    <xsl:if test="$t:rights != ''">
      <p><xsl:value-of select="t:label('licence') || ': ' || $t:rights"/></p>
    </xsl:if>
    <xsl:if test="$t:page-bibl">
      <p class="page-source">
        <xsl:value-of select="t:label('page-numbers') || ': ' || $t:page-source"/></p>
    </xsl:if>
    <p class="generator"><xsl:value-of select="t:label('generated')"/></p>
  </xsl:template>

  <!-- Warn once per unresolved local reference: the link will point nowhere. -->
  <xsl:template name="t:unresolved-refs">
    <xsl:for-each select="$t:texts//*[t:is-name(.)][starts-with(normalize-space(@ref), '#')]
                          [empty(t:entity(.))]
                          [t:href(tokenize(normalize-space(@ref))[1], .) = '']">
      <xsl:call-template name="t:report">
        <xsl:with-param name="code" select="'unresolved-ref'"/>
        <xsl:with-param name="text" select="'&lt;' || local-name() || ' ref=&quot;' || @ref
            || '&quot;&gt; names no person, place or organisation of the document; the name '
            || 'is shown without a link to the index.'"/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <!-- ===================== table of contents ===================== -->
  <xsl:function name="t:toc-items" as="element()*">
    <xsl:param name="containers" as="element()*"/>
    <xsl:for-each select="$containers/*">
      <xsl:choose>
        <xsl:when test="t:is-div(.) and head">
          <xsl:variable name="sub" select="t:toc-items(.)"/>
          <li>
            <a href="{t:file(.)}#{t:div-id(.)}">
              <xsl:value-of select="(t:plain(head[1])[. != ''], t:label('section'))[1]"/>
            </a>
            <xsl:if test="exists($sub)"><ol><xsl:sequence select="$sub"/></ol></xsl:if>
          </li>
        </xsl:when>
        <xsl:when test="t:is-div(.) or self::front or self::body or self::back or self::group
                        or self::text">
          <xsl:sequence select="t:toc-items(.)"/>
        </xsl:when>
      </xsl:choose>
    </xsl:for-each>
  </xsl:function>

  <!-- ===================== notes ===================== -->
  <xsl:template name="t:notes-section">
    <xsl:param name="notes" as="element()*"/>
    <xsl:if test="exists($notes)">
      <section id="tk-notes" class="notes" role="doc-endnotes" aria-labelledby="tk-notes-h">
        <xsl:if test="$t:epub"><xsl:attribute name="epub:type" select="'endnotes'"/></xsl:if>
        <h2 id="tk-notes-h"><xsl:value-of select="t:label('notes')"/></h2>
        <ol class="notes">
          <xsl:for-each select="$notes">
            <xsl:variable name="n" select="t:note-number(.)"/>
            <li id="note-{$n}">
              <xsl:if test="$t:epub"><xsl:attribute name="epub:type" select="'endnote'"/></xsl:if>
              <xsl:call-template name="t:lang-attrs"/>
              <span class="note-label"><xsl:value-of select="t:note-label(.)"/>. </span>
              <xsl:apply-templates>
                <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                <xsl:with-param name="in-link" tunnel="yes" select="false()"/>
              </xsl:apply-templates>
              <xsl:text> </xsl:text>
              <a class="backlink" href="#noteref-{$n}" role="doc-backlink"
                 aria-label="{t:label('back')}">↩</a>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template match="text//note[exists(t:caller(.))]" priority="4"/>

  <xsl:template match="text//note" priority="3">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="n" select="t:note-number(.)"/>
    <xsl:choose>
      <xsl:when test="$in-link">
        <sup class="noteref" id="noteref-{$n}"><xsl:value-of select="t:note-label(.)"/></sup>
      </xsl:when>
      <xsl:otherwise>
        <a class="noteref" id="noteref-{$n}" href="{t:file(.)}#note-{$n}" role="doc-noteref"
           aria-label="{t:label('note') || ' ' || t:note-label(.)}">
          <xsl:if test="$t:epub"><xsl:attribute name="epub:type" select="'noteref'"/></xsl:if>
          <sup><xsl:value-of select="t:note-label(.)"/></sup>
        </a>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================== index of names ===================== -->
  <xsl:template name="t:index-section">
    <section id="tk-index" class="index" role="doc-index" aria-labelledby="tk-index-h">
      <xsl:if test="$t:epub"><xsl:attribute name="epub:type" select="'index'"/></xsl:if>
      <h2 id="tk-index-h"><xsl:value-of select="t:label('index')"/></h2>
      <xsl:for-each-group select="$t:entities" group-by="t:entity-kind(.)">
        <xsl:sort select="index-of(('persons', 'places', 'orgs'), current-grouping-key())"/>
        <section class="index-{current-grouping-key()}"
                 aria-labelledby="tk-index-{current-grouping-key()}">
          <h3 id="tk-index-{current-grouping-key()}">
            <xsl:value-of select="t:label(current-grouping-key())"/>
          </h3>
          <ul class="index-list">
            <xsl:for-each select="current-group()">
              <xsl:sort select="t:entity-sort-key(.)" lang="{$t:lang}"/>
              <xsl:call-template name="t:index-entry"/>
            </xsl:for-each>
          </ul>
        </section>
      </xsl:for-each-group>
    </section>
  </xsl:template>

  <!-- One index entry: the name, life years, a short description, the spellings the text
       uses, Wikidata, then the places it is mentioned: each page once (its first mention
       there), or each mention when the document has no pages; speeches (sp/@who) are
       counted, with a link to the first. -->
  <xsl:template name="t:index-entry">
    <xsl:variable name="all" select="key('t:mentions', string(@xml:id), root(.))"/>
    <xsl:variable name="mentions" select="$all[not(self::sp)]"/>
    <xsl:variable name="speeches" select="$all[self::sp]"/>
    <xsl:variable name="wd" select="t:wikidata(.)"/>
    <xsl:variable name="name" select="t:entity-name(.)"/>
    <xsl:variable name="about" select="t:entity-about(.)"/>
    <li id="idx-{@xml:id}">
      <span class="entry"><xsl:value-of select="$name"/></span>
      <xsl:if test="$about != ''">
        <xsl:value-of select="' ' || $about"/>
      </xsl:if>
      <xsl:if test="t:entity-alike(.)">
        <xsl:value-of select="' (' || (replace(($wd, '')[1], '^.*/', '')[. != ''], @xml:id)[1]
                              || ')'"/>
      </xsl:if>
      <xsl:if test="exists($wd)">
        <xsl:text> </xsl:text>
        <a class="wikidata" href="{$wd}" hreflang="en">
          <xsl:value-of select="t:label('wikidata') || ' ' || replace($wd, '^.*/', '')"/>
        </a>
      </xsl:if>
      <xsl:if test="exists($mentions)">
        <xsl:text> — </xsl:text>
        <span class="backlinks">
          <xsl:for-each-group select="$mentions" group-by="
              let $p := accumulator-before('t:page')
              return if ($p != '') then $p else generate-id()">
            <xsl:variable name="page" select="accumulator-before('t:page')"/>
            <xsl:if test="position() gt 1">, </xsl:if>
            <a href="{t:file(.)}#{t:mention-id(.)}" role="doc-backlink"
               aria-label="{t:label('mention') || ' ' || position()
                            || (if ($page != '') then ', ' || lower-case(t:label('page')) || ' ' || $page
                                else '')}">
              <xsl:value-of select="if ($page != '') then $page else position()"/>
            </a>
          </xsl:for-each-group>
        </span>
      </xsl:if>
      <xsl:if test="exists($speeches)">
        <xsl:text> — </xsl:text>
        <a class="speeches" href="{t:file($speeches[1])}#{t:mention-id($speeches[1])}"
           role="doc-backlink">
          <xsl:value-of select="t:label('speeches') || ': ' || count($speeches)"/>
        </a>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- ===================== rendering machinery ===================== -->

  <!-- lang (from xml:lang) and the xml:space class -->
  <xsl:template name="t:lang-attrs">
    <xsl:variable name="lang" select="if (@xml:lang) then t:bcp47(@xml:lang) else ''"/>
    <xsl:if test="$lang != ''">
      <xsl:attribute name="lang" select="$lang"/>
      <xsl:if test="$t:epub"><xsl:attribute name="xml:lang" select="$lang"/></xsl:if>
      <!-- a passage written the other way from what surrounds it (t:dir) -->
      <xsl:variable name="outer" select="((ancestor::*/@xml:lang)[last()] ! t:bcp47(.)
                                          [. != ''], $t:lang)[1]"/>
      <xsl:if test="t:dir($lang) != t:dir($outer)">
        <xsl:attribute name="dir" select="t:dir($lang)"/>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <xsl:template name="t:attrs">
    <xsl:param name="class" as="xs:string*" select="()"/>
    <xsl:param name="id" as="xs:string?" select="@xml:id"/>
    <xsl:if test="$id"><xsl:attribute name="id" select="$id"/></xsl:if>
    <xsl:call-template name="t:lang-attrs"/>
    <!-- (the common case, a bare element, first: this runs for every element) -->
    <xsl:attribute name="class" select="
        if (empty($class) and empty(@type) and empty(@xml:space)) then 'tei-' || local-name()
        else string-join(distinct-values(('tei-' || local-name(),
        $class, if (@xml:space = 'preserve' and not($t:is-leiden)) then 'preserve' else (),
        @type ! ('type-' || translate(normalize-space(.), ' ', '_')))), ' ')"/>
    <!-- (translate, not replace(…, '\s', '_'): after normalize-space a space is the only
         whitespace left, and a regular expression per element with a type was slow) -->
  </xsl:template>

  <!--
    Render the current element as: a span (phrasing context), $flow-tag with flow children
    (when it holds blocks), or $tag with phrasing children.
  -->
  <xsl:template name="t:box">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:param name="tag" as="xs:string" select="'div'"/>
    <xsl:param name="flow-tag" as="xs:string" select="'div'"/>
    <xsl:param name="span-tag" as="xs:string" select="'span'"/>
    <xsl:param name="class" as="xs:string*" select="()"/>
    <xsl:param name="id" as="xs:string?" select="@xml:id"/>
    <xsl:param name="title" as="xs:string?" select="()"/>
    <xsl:param name="before" as="node()*" select="()"/>
    <xsl:param name="after" as="node()*" select="()"/>
    <xsl:param name="content" as="node()*" select="node()"/>
    <xsl:variable name="flow" select="not($phrasing) and exists(*[t:is-flow(.)])"/>
    <xsl:element name="{if ($phrasing) then $span-tag else if ($flow) then $flow-tag
                        else $tag}">
      <xsl:call-template name="t:attrs">
        <xsl:with-param name="class" select="$class"/>
        <xsl:with-param name="id" select="$id"/>
      </xsl:call-template>
      <xsl:if test="$title"><xsl:attribute name="title" select="$title"/></xsl:if>
      <xsl:sequence select="$before"/>
      <xsl:apply-templates select="$content">
        <xsl:with-param name="phrasing" tunnel="yes" select="not($flow)"/>
      </xsl:apply-templates>
      <xsl:sequence select="$after"/>
    </xsl:element>
  </xsl:template>

  <!-- Inline element: a span-like element in phrasing context; a div when it holds blocks. -->
  <xsl:template name="t:inline">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:param name="tag" as="xs:string" select="'span'"/>
    <xsl:param name="class" as="xs:string*" select="()"/>
    <xsl:param name="title" as="xs:string?" select="()"/>
    <xsl:param name="before" as="node()*" select="()"/>
    <xsl:param name="after" as="node()*" select="()"/>
    <xsl:param name="flow-tag" as="xs:string" select="'div'"/>
    <xsl:param name="id" as="xs:string?" select="@xml:id"/>
    <xsl:choose>
      <!-- t:box's phrasing case, written out: the common one, and calls cost -->
      <xsl:when test="$phrasing">
        <xsl:element name="{$tag}">
          <xsl:call-template name="t:attrs">
            <xsl:with-param name="class" select="$class"/>
            <xsl:with-param name="id" select="$id"/>
          </xsl:call-template>
          <xsl:if test="$title"><xsl:attribute name="title" select="$title"/></xsl:if>
          <xsl:sequence select="$before"/>
          <xsl:apply-templates/>
          <xsl:sequence select="$after"/>
        </xsl:element>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:box">
          <xsl:with-param name="id" select="$id"/>
          <xsl:with-param name="tag" select="$tag"/>
          <xsl:with-param name="span-tag" select="$tag"/>
          <xsl:with-param name="flow-tag" select="$flow-tag"/>
          <xsl:with-param name="class" select="$class"/>
          <xsl:with-param name="title" select="$title"/>
          <xsl:with-param name="before" select="$before"/>
          <xsl:with-param name="after" select="$after"/>
          <xsl:with-param name="phrasing" tunnel="yes"
                          select="not(exists(*[t:is-flow(.)]))"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Generic fallback: any element keeps its content. -->
  <xsl:template match="*">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <!-- what t:inline gives in phrasing context, without its parameters: most elements
           of a big document come here, so the shortest path matters -->
      <xsl:when test="$phrasing">
        <span><xsl:call-template name="t:attrs"/><xsl:apply-templates/></span>
      </xsl:when>
      <xsl:when test="t:is-flow(.)">
        <xsl:call-template name="t:box"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:inline"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="comment() | processing-instruction()"/>
  <xsl:template match="teiHeader | facsimile | standOff | sourceDoc"/>

  <!-- ===================== structure ===================== -->
  <xsl:template match="text | group | front | body | back">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:call-template name="t:box"/>
  </xsl:template>

  <xsl:template match="div | div1 | div2 | div3 | div4 | div5 | div6 | div7" priority="0.5">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <!-- a section only when it has a heading: a headless one (a letter's writing
           session, a scene without a title) is a div, which is what HTML means by it -->
      <xsl:otherwise>
        <xsl:element name="{if (head) then 'section' else 'div'}">
          <xsl:call-template name="t:attrs">
            <xsl:with-param name="id" select="t:div-id(.)"/>
          </xsl:call-template>
          <xsl:apply-templates/>
        </xsl:element>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:function name="t:heading-level" as="xs:integer">
    <xsl:param name="div" as="element()"/>
    <xsl:sequence select="min((6, max((1, count($div/ancestor-or-self::*[t:is-div(.)])
                                        + $t:heading-offset))))"/>
  </xsl:function>

  <xsl:template match="head">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="not($phrasing) and t:is-div(..) and . is ../head[1]">
        <xsl:element name="h{t:heading-level(..)}">
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates>
            <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
          </xsl:apply-templates>
        </xsl:element>
      </xsl:when>
      <xsl:when test="parent::table or parent::figure"/>
      <xsl:otherwise>
        <xsl:call-template name="t:box">
          <xsl:with-param name="tag" select="'p'"/>
          <xsl:with-param name="class" select="'head'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="p | ab | speaker | trailer | byline | dateline | salute | signed
                       | docAuthor | docDate | docEdition | titlePart | imprimatur
                       | figDesc | caption">
    <xsl:call-template name="t:box">
      <xsl:with-param name="tag" select="'p'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- ===================== page breaks and separators ===================== -->
  <xsl:template match="text//pb[t:empty-page(.)]" priority="2"/>
  <xsl:template match="text//pb">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="label" select="t:page-label(.)"/>
    <xsl:choose>
      <xsl:when test="$in-link">
        <span class="pb" id="{t:page-id(.)}" role="doc-pagebreak"
              aria-label="{t:label('page') || ' ' || $label}">[<xsl:value-of
              select="$label"/>]</span>
      </xsl:when>
      <xsl:otherwise>
        <a class="pb" id="{t:page-id(.)}" href="#{t:page-id(.)}"
           aria-label="{t:label('page') || ' ' || $label}">[<xsl:value-of
           select="$label"/>]</a>
        <xsl:variable name="facs" select="t:facs-image(.)"/>
        <xsl:if test="$facs != ''">
          <xsl:call-template name="t:facs-figure">
            <xsl:with-param name="url" select="$facs"/>
            <xsl:with-param name="label" select="t:label('page') || ' ' || $label"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A page's or surface's facsimile: the local image, linked to itself (full size). -->
  <xsl:template name="t:facs-figure">
    <xsl:param name="url" as="xs:string"/>
    <xsl:param name="label" as="xs:string"/>
    <a class="facs" href="{t:image-src(., $url)}"><img class="facs" src="{t:image-src(., $url)}"
        alt="{t:label('facsimile') || ': ' || $label}"/></a>
  </xsl:template>

  <!-- Surfaces no page break points to, after the text (see t:loose-surfaces). -->
  <xsl:template name="t:facsimile-section">
    <xsl:if test="exists($t:loose-surfaces)">
      <section class="facsimile" id="tk-facsimile" aria-labelledby="tk-facsimile-h">
        <h2 id="tk-facsimile-h"><xsl:value-of select="t:label('facsimile')"/></h2>
        <xsl:for-each select="$t:loose-surfaces">
          <xsl:variable name="label" select="(@n, t:plain(label)[. != ''],
              string(position()))[1]"/>
          <figure>
            <xsl:call-template name="t:facs-figure">
              <xsl:with-param name="url" select="t:facs-image(.)"/>
              <xsl:with-param name="label" select="$label"/>
            </xsl:call-template>
            <figcaption><xsl:value-of select="$label"/></figcaption>
          </figure>
        </xsl:for-each>
      </section>
    </xsl:if>
  </xsl:template>

  <xsl:template match="lb">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="br" select="($phrasing and not(@break = 'no')) or t:keeps-line(.)"/>
    <xsl:if test="$br"><br/></xsl:if>
    <xsl:if test="not($br) and not(@break = 'no')"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>
  <xsl:template match="cb | index | interp | interpGrp | link | linkGrp | join | alt | altGrp
                       | spanGrp | timeline | certainty | precision | respons"/>
  <!-- an anchor marks a point; one that (wrongly) holds text still shows it -->
  <xsl:template match="anchor">
    <xsl:if test="@xml:id"><span class="tei-anchor" id="{@xml:id}"></span></xsl:if>
    <xsl:apply-templates/>
  </xsl:template>

  <xsl:template match="milestone">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:element name="{if ($phrasing or not(t:is-flow(.))) then 'span' else 'div'}">
      <xsl:call-template name="t:attrs">
        <xsl:with-param name="class" select="'milestone'"/>
      </xsl:call-template>
      <xsl:attribute name="role" select="'separator'"/>
      <xsl:text>* * *</xsl:text>
    </xsl:element>
  </xsl:template>

  <!-- ===================== lists ===================== -->
  <xsl:function name="t:item-label" as="xs:string?">
    <xsl:param name="item" as="element()"/>
    <xsl:variable name="n" select="normalize-space($item/@n)"/>
    <xsl:sequence select="if ($n = '') then ()
        else if (matches($n, '[.):\]]$')) then $n else $n || '.'"/>
  </xsl:function>

  <!-- list, castList, castGroup, listBibl: items become li; whatever stands between items
       (labels, page breaks, notes) goes into the following item so no text is lost and
       ul/ol keep only li children. -->
  <xsl:template name="t:listlike">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:param name="items" as="element()*"/>
    <xsl:param name="tag" as="xs:string" select="'ul'"/>
    <xsl:variable name="heads" select="head"/>
    <xsl:variable name="rest" select="node()[not(self::head)]
                                      [not(self::text()[normalize-space() = ''])]
                                      [not(self::comment() or self::processing-instruction())]"/>
    <xsl:choose>
      <xsl:when test="$phrasing">
        <xsl:call-template name="t:box"/>
      </xsl:when>
      <xsl:otherwise>
        <div>
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates select="$heads"/>
          <xsl:if test="exists($rest)">
            <xsl:element name="{$tag}">
              <xsl:if test="$items/@n">
                <xsl:attribute name="class" select="'labelled'"/>
              </xsl:if>
              <xsl:for-each-group select="$rest" group-ending-with="node()[. intersect $items]">
                <xsl:variable name="item" select="current-group()[. intersect $items]"/>
                <li>
                  <!-- the li stands for an item; any other member (bibl…) renders itself
                       inside it, with its own id: ids stay unique -->
                  <xsl:for-each select="$item[self::item or self::castItem]">
                    <xsl:call-template name="t:attrs"/>
                  </xsl:for-each>
                  <xsl:if test="empty($item)">
                    <xsl:attribute name="class" select="'tei-extra'"/>
                  </xsl:if>
                  <xsl:apply-templates select="current-group() except $item">
                    <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                  </xsl:apply-templates>
                  <xsl:for-each select="$item">
                    <xsl:for-each select="t:item-label(.)">
                      <span class="item-n"><xsl:value-of select="."/></span>
                      <xsl:text> </xsl:text>
                    </xsl:for-each>
                    <xsl:apply-templates select="if (self::item or self::castItem) then node()
                                                 else .">
                      <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                    </xsl:apply-templates>
                  </xsl:for-each>
                </li>
              </xsl:for-each-group>
            </xsl:element>
          </xsl:if>
        </div>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A gloss list (label + item pairs, or a numbered list whose numbers are labels): a
       dl, each label printed once as its term. -->
  <!-- A numbered list whose numbers are labels ("1." + item): the label printed once as
       the item's number. -->
  <xsl:template match="list[label][count(label) = count(item)]
                       [every $l in label satisfies $l/following-sibling::*[1][self::item]]
                       [every $l in label satisfies matches(normalize-space($l),
                        '^[\p{L}\p{N}]{1,5}[.):]?$')][not(@type = 'gloss')]" priority="3">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <div>
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates select="head"/>
          <ul class="labelled">
            <xsl:for-each select="label">
              <xsl:variable name="item" select="following-sibling::*[1]"/>
              <li>
                <xsl:for-each select="$item"><xsl:call-template name="t:attrs"/></xsl:for-each>
                <span class="item-n"><xsl:call-template name="t:attrs"/>
                  <xsl:apply-templates>
                    <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
                  </xsl:apply-templates>
                </span>
                <xsl:text> </xsl:text>
                <xsl:apply-templates select="$item/node()">
                  <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                </xsl:apply-templates>
              </li>
            </xsl:for-each>
          </ul>
          <xsl:apply-templates select="* except (head | label | item)"/>
        </div>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="list[label][count(label) = count(item)]
                       [every $l in label satisfies $l/following-sibling::*[1][self::item]]"
                priority="2">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <div>
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates select="head"/>
          <dl class="gloss">
            <xsl:for-each select="label">
              <xsl:variable name="item" select="following-sibling::*[1]"/>
              <dt>
                <xsl:call-template name="t:attrs"/>
                <xsl:apply-templates>
                  <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
                </xsl:apply-templates>
              </dt>
              <dd>
                <xsl:for-each select="$item"><xsl:call-template name="t:attrs"/></xsl:for-each>
                <xsl:apply-templates select="$item/node()">
                  <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                </xsl:apply-templates>
              </dd>
            </xsl:for-each>
          </dl>
          <xsl:apply-templates select="* except (head | label | item)"/>
        </div>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="list">
    <xsl:call-template name="t:listlike">
      <xsl:with-param name="items" select="item"/>
      <xsl:with-param name="tag" select="if (item/@n) then 'ul'
          else if (matches(@type || ' ' || @rend, 'order|number|enum', 'i')) then 'ol'
          else 'ul'"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="castList | castGroup">
    <xsl:call-template name="t:listlike">
      <xsl:with-param name="items" select="castItem | castGroup"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="listBibl">
    <xsl:call-template name="t:listlike">
      <xsl:with-param name="items" select="bibl | biblStruct | biblFull | listBibl | msDesc"/>
    </xsl:call-template>
  </xsl:template>

  <!-- ===================== tables ===================== -->
  <xsl:template match="table">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <table>
          <xsl:call-template name="t:attrs"/>
          <xsl:if test="head">
            <caption>
              <xsl:apply-templates select="head/node()">
                <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
              </xsl:apply-templates>
            </caption>
          </xsl:if>
          <tbody>
            <xsl:for-each-group select="node()[not(self::head)]
                [not(self::text()[normalize-space() = ''])]
                [not(self::comment() or self::processing-instruction())]"
                group-adjacent="boolean(self::row)">
              <xsl:choose>
                <xsl:when test="current-grouping-key()">
                  <xsl:apply-templates select="current-group()"/>
                </xsl:when>
                <xsl:otherwise>
                  <tr class="tei-extra"><td colspan="{max((1, ../row ! count(cell)))}">
                    <xsl:apply-templates select="current-group()">
                      <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                    </xsl:apply-templates>
                  </td></tr>
                </xsl:otherwise>
              </xsl:choose>
            </xsl:for-each-group>
          </tbody>
        </table>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="table/row">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <tr>
          <xsl:call-template name="t:attrs"/>
          <xsl:for-each-group select="node()[not(self::text()[normalize-space() = ''])]
              [not(self::comment() or self::processing-instruction())]"
              group-adjacent="boolean(self::cell)">
            <xsl:choose>
              <xsl:when test="current-grouping-key()">
                <xsl:apply-templates select="current-group()"/>
              </xsl:when>
              <xsl:otherwise>
                <td class="tei-extra">
                  <xsl:apply-templates select="current-group()">
                    <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
                  </xsl:apply-templates>
                </td>
              </xsl:otherwise>
            </xsl:choose>
          </xsl:for-each-group>
        </tr>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="table/row/cell">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <xsl:element name="{if (@role = 'label' or ../@role = 'label') then 'th' else 'td'}">
          <xsl:call-template name="t:attrs"/>
          <xsl:if test="@cols castable as xs:positiveInteger">
            <xsl:attribute name="colspan" select="@cols"/>
          </xsl:if>
          <xsl:if test="@rows castable as xs:positiveInteger">
            <xsl:attribute name="rowspan" select="@rows"/>
          </xsl:if>
          <xsl:apply-templates>
            <xsl:with-param name="phrasing" tunnel="yes" select="false()"/>
          </xsl:apply-templates>
        </xsl:element>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="front/docTitle[t:repeats-header(.)]" priority="1"/>

  <!-- ===================== verse and drama ===================== -->
  <xsl:template match="lg | sp | spGrp | set | epigraph | argument | opener | closer
                       | postscript | titlePage | docTitle | docImprint | floatingText
                       | performance | prologue | epilogue | castItem">
    <xsl:call-template name="t:box"/>
  </xsl:template>

  <!-- A speech: its sp carries the id the person index counts; the speaker links to the
       speaker's cast list entry when there is one (t:cast-entry), else to the speaking
       person's index entry (from sp/@who). -->
  <xsl:template match="sp[@who]">
    <xsl:call-template name="t:box">
      <xsl:with-param name="id" select="t:mention-id(.)"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="sp[@who]/speaker">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="ids" select="tokenize(../@who) ! t:ref-id(.)"/>
    <xsl:variable name="cast" select="($ids ! t:cast-entry(.))[1]"/>
    <xsl:variable name="who" select="($ids ! t:who-ids(.)
        ! key('t:id', ., $t:doc)[. intersect $t:entities])[1]"/>
    <xsl:choose>
      <xsl:when test="($cast or ($who and $t:show-index)) and not($in-link)">
        <xsl:call-template name="t:box">
          <xsl:with-param name="tag" select="'p'"/>
          <xsl:with-param name="before" as="node()*">
            <a class="speaker-link"
               href="{if ($cast) then t:file($cast) || '#' || $cast/@xml:id
                      else t:index-file() || '#idx-' || $who/@xml:id}"
               aria-label="{if ($who) then t:entity-name($who) else t:plain($cast)}">
              <xsl:apply-templates>
                <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
                <xsl:with-param name="in-link" tunnel="yes" select="true()"/>
              </xsl:apply-templates>
            </a>
          </xsl:with-param>
          <xsl:with-param name="content" select="()"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:box"><xsl:with-param name="tag" select="'p'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="l">
    <xsl:call-template name="t:box">
      <xsl:with-param name="before" as="node()*">
        <xsl:if test="normalize-space(@n) != ''">
          <span class="lnum"><xsl:value-of select="normalize-space(@n)"/></span>
          <xsl:text> </xsl:text>
        </xsl:if>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="stage | move | view | camera | sound | tech">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="not($phrasing) and t:is-flow(.)">
        <xsl:call-template name="t:box">
          <xsl:with-param name="tag" select="'p'"/>
          <xsl:with-param name="class" select="'stage'"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:inline">
          <xsl:with-param name="tag" select="'i'"/>
          <xsl:with-param name="class" select="'stage'"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================== phrase level ===================== -->
  <xsl:template match="hi">
    <xsl:variable name="r" select="lower-case(@rend || ' ' || @rendition || ' ' || @style)"/>
    <xsl:variable name="w" select="tokenize(replace($r, '[#:;,]', ' '))"/>
    <xsl:call-template name="t:inline">
      <xsl:with-param name="tag" select="
          if (some $x in $w satisfies starts-with($x, 'sup')) then 'sup'
          else if (some $x in $w satisfies starts-with($x, 'sub')) then 'sub'
          else if ($w = ('b', 'bold', 'strong', 'bolder', 'font-weight')) then 'b'
          else if (some $x in $w satisfies starts-with($x, 'under')) then 'u'
          else if (matches($r, 'small.?caps|spaced|letter|sperr|caps|upper')) then 'span'
          else if ($w = ('i', 'italic', 'italics', 'slanted', 'oblique', 'font-style')) then 'i'
          else 'em'"/>
      <xsl:with-param name="class" select="
          if (matches($r, 'small.?caps')) then 'smallcaps'
          else if (matches($r, 'spaced|letter|sperr')) then 'spaced'
          else if (matches($r, 'caps|upper')) then 'caps' else ()"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="emph">
    <xsl:call-template name="t:inline"><xsl:with-param name="tag" select="'em'"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="title[ancestor::text]">
    <xsl:call-template name="t:inline"><xsl:with-param name="tag" select="'cite'"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="foreign | term | mentioned">
    <xsl:call-template name="t:inline"><xsl:with-param name="tag" select="'i'"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="soCalled">
    <xsl:call-template name="t:inline"><xsl:with-param name="class" select="'socalled'"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="date[matches(normalize-space(@when),
                       '^\d{4}(-\d{2}(-\d{2})?)?$')]">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="exists(*[t:is-flow(.)]) and not($phrasing)">
        <xsl:call-template name="t:box"/>
      </xsl:when>
      <xsl:otherwise>
        <time datetime="{normalize-space(@when)}">
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates>
            <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
          </xsl:apply-templates>
        </time>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- names: a link to the index entry; the mention carries an id the index links back to -->
  <xsl:template match="text//persName[@ref] | text//placeName[@ref] | text//orgName[@ref]
                          | text//name[@ref] | text//rs[@ref] | text//geogName[@ref]
                          | text//settlement[@ref] | text//country[@ref]"
                priority="2">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="e" select="t:entity(.)"/>
    <xsl:variable name="first" select="tokenize(normalize-space(@ref))[1]"/>
    <xsl:variable name="href" select="
        if ($e and $t:show-index) then t:index-file() || '#idx-' || $e/@xml:id
        else if (matches($first, '^https?://')) then $first
        else if (starts-with($first, '#')) then t:href($first, .) else ''"/>
    <xsl:variable name="class" select="'name', ($e ! t:entity-kind(.))"/>
    <xsl:choose>
      <xsl:when test="$in-link or $href = '' or (not($phrasing) and exists(*[t:is-flow(.)]))">
        <xsl:call-template name="t:inline">
          <xsl:with-param name="class" select="$class"/>
          <xsl:with-param name="id" select="t:mention-id(.)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <a href="{$href}">
          <xsl:call-template name="t:attrs">
            <xsl:with-param name="class" select="$class"/>
            <xsl:with-param name="id" select="t:mention-id(.)"/>
          </xsl:call-template>
          <xsl:apply-templates>
            <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
            <xsl:with-param name="in-link" tunnel="yes" select="true()"/>
          </xsl:apply-templates>
        </a>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A register in the back (t:registers): the index shows it; without the index, one
       line per entry (name, years, description), never its dates, places and coordinates
       as running text. -->
  <xsl:template match="listPerson | listPlace | listOrg" priority="2">
    <xsl:if test="not($t:show-index and exists(. intersect $t:registers))">
      <xsl:apply-templates select="head"/>
      <ul class="register">
        <xsl:for-each select=".//(person | personGrp | place | org)">
          <li>
            <xsl:if test="@xml:id"><xsl:attribute name="id" select="@xml:id"/></xsl:if>
            <span class="entry"><xsl:value-of select="t:entity-name(.)"/></span>
            <xsl:value-of select="t:entity-about(.)[. != ''] ! (' ' || .)"/>
          </li>
        </xsl:for-each>
      </ul>
    </xsl:if>
  </xsl:template>

  <!-- An apparatus apart from the text (EpiDoc's div type="apparatus"): its entries are
       the apparatus section's, keyed by their @loc; its lemmas are no text of their own. -->
  <xsl:template match="listApp"/>

  <xsl:include href="html-phrases.xsl"/>

</xsl:stylesheet>
