<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit: TEI P5 to the content of an EPUB 3 publication, as one XML bundle.

  The bundle (namespace urn:x-teikit:bundle) holds the publication's metadata as read from
  the TEI header and one b:doc per XHTML content document: a title page, nav.xhtml (toc,
  landmarks, page-list), one document per top-level division (the front, each division of
  the body, runs of undivided body content, the back) and the index of names. teikit.epub
  serialises each document and writes the OPF, container and zip; keeping the packaging in
  Python and the content here means each side does what its language is good at.

  Rendering is html.xsl's; this stylesheet overrides where things live (t:file), page
  breaks (epub:type pagebreak, role doc-pagebreak) and the heading offset.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:t="urn:x-teikit:xslt"
    xmlns:b="urn:x-teikit:bundle"
    xmlns:epub="http://www.idpf.org/2007/ops"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    xmlns="http://www.w3.org/1999/xhtml"
    xpath-default-namespace="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="xs tei t map">

  <xsl:import href="html.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="no"/>

  <xsl:variable name="t:epub" as="xs:boolean" select="true()"/>
  <xsl:variable name="t:heading-offset" as="xs:integer" select="0"/>

  <!-- ===== the reading order: which top-level nodes go into which document ===== -->
  <xsl:variable name="t:tops" as="element()*"
      select="for $c in $t:texts/* return if ($c/self::body) then $c/* else $c"/>

  <!-- Page breaks and other markers between units belong to the unit that follows them
       (the last unit when none follows): no document holds only a page marker. -->
  <xsl:function name="t:is-marker" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e/(self::pb | self::cb | self::milestone | self::anchor))"/>
  </xsl:function>
  <xsl:function name="t:unit-key" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="next" select="$e/following-sibling::*[not(t:is-marker(.))][1]"/>
    <xsl:variable name="prev" select="$e/preceding-sibling::*[not(t:is-marker(.))][1]"/>
    <xsl:sequence select="
        if ($e/self::front or $e/self::back or (t:is-div($e) and $e/parent::body))
          then generate-id($e)
        else if (not(t:is-marker($e))) then 'run'
        else if ($next) then t:unit-key($next)
        else if ($prev) then t:unit-key($prev) else 'run'"/>
  </xsl:function>

  <!-- A run of undivided body content is cut into documents of at most this many blocks:
       a dictionary's 16,679 entries made one 5 MB XHTML file, which reading systems load
       slowly or not at all. -->
  <xsl:variable name="t:chunk" as="xs:integer" select="400"/>
  <xsl:variable name="t:unit-groups" as="array(element()*)*">
    <xsl:for-each-group select="$t:tops" group-adjacent="t:unit-key(.)">
      <xsl:choose>
        <xsl:when test="current-grouping-key() = 'run' and count(current-group()) gt $t:chunk">
          <xsl:for-each-group select="current-group()"
                              group-adjacent="(position() - 1) idiv $t:chunk">
            <xsl:sequence select="[current-group()]"/>
          </xsl:for-each-group>
        </xsl:when>
        <xsl:otherwise><xsl:sequence select="[current-group()]"/></xsl:otherwise>
      </xsl:choose>
    </xsl:for-each-group>
  </xsl:variable>

  <xsl:variable name="t:units" as="map(*)*">
    <xsl:for-each select="$t:unit-groups">
      <xsl:variable name="nodes" select="?1"/>
      <xsl:variable name="first" select="($nodes[not(t:is-marker(.))], $nodes)[1]"/>
      <xsl:sequence select="map{
          'file': 'part-' || format-number(position(), '000') || '.xhtml',
          'nodes': $nodes,
          'kind': if ($first/self::front) then 'frontmatter'
                  else if ($first/self::back) then 'backmatter' else 'bodymatter',
          'title': t:unit-title($nodes, position())}"/>
    </xsl:for-each>
  </xsl:variable>

  <xsl:variable name="t:file-of-top" as="map(xs:string, xs:string)"
      select="map:merge(for $u in $t:units return
                        for $n in $u('nodes') return map{generate-id($n): $u('file')})"/>

  <xsl:function name="t:unit-title" as="xs:string">
    <xsl:param name="nodes" as="element()*"/>
    <xsl:param name="pos" as="xs:integer"/>
    <xsl:variable name="first" select="($nodes[not(t:is-marker(.))], $nodes)[1]"/>
    <!-- a dictionary's part: its first and last headwords, as on a dictionary's page -->
    <xsl:variable name="words" select="$nodes/self::*[self::entry or self::entryFree
        or self::superEntry]/descendant::orth[1]"/>
    <xsl:sequence select="(
        t:plain(($nodes/self::*[t:is-div(.)]/head)[1])[. != ''],
        t:plain($nodes/self::head[1])[. != ''],
        if (exists($words)) then string-join(distinct-values((t:plain($words[1]),
                                                              t:plain($words[last()]))), ' – ')
        else (),
        if ($first/self::front) then t:label('front')
        else if ($first/self::back) then t:label('back-matter') else (),
        if ($first/self::*[t:is-div(.)] or $first/parent::body) then
          t:label('section') || ' ' || $pos else t:label('text'))[1]"/>
  </xsl:function>

  <xsl:function name="t:file" as="xs:string">
    <xsl:param name="node" as="node()"/>
    <xsl:variable name="top" select="($node/ancestor-or-self::* intersect $t:tops)[1]"/>
    <xsl:sequence select="if ($top) then $t:file-of-top(generate-id($top))
                          else ($t:units[1]('file'), 'title.xhtml')[1]"/>
  </xsl:function>
  <xsl:function name="t:index-file" as="xs:string">
    <xsl:sequence select="'names.xhtml'"/>
  </xsl:function>

  <!-- ===== the bundle ===== -->
  <xsl:template match="/">
    <xsl:call-template name="t:unresolved-refs"/>
    <xsl:call-template name="t:facsimile-warnings"/>
    <xsl:call-template name="t:unwritten-characters"/>
    <xsl:variable name="pbs" select="t:shown-pbs($t:texts)[ancestor-or-self::* intersect $t:tops]"/>
    <b:bundle>
      <b:meta title="{$t:title}" lang="{$t:lang}" dir="{t:dir($t:lang)}" date="{$t:work-date}" source="{$t:source}" rights="{$t:rights}"
              page-source="{$t:page-source}"
              images="{count($t:texts//graphic) + count($t:facs-images)}"
              images-without-alt="{count($t:texts//graphic[t:alt(.) = ''])}"
              description="{$t:description}" pages="{count($pbs)}"
              index="{$t:show-index}" notes="{count($t:notes)}">
        <xsl:for-each select="$t:author-elements[t:author-name(.) != '']">
          <b:creator name="{t:author-name(.)}" file-as="{t:author-file-as(.)}"/>
        </xsl:for-each>
      </b:meta>
      <xsl:for-each select="$t:images">
        <b:image href="{t:image-src($t:root, .)}" src="{.}"/>
      </xsl:for-each>
      <xsl:if test="not($t:own-title-page)">
        <b:doc href="title.xhtml" title="{$t:title}" kind="titlepage">
          <xsl:call-template name="t:page">
            <xsl:with-param name="title" select="$t:title"/>
            <xsl:with-param name="body" as="element()*">
              <section class="titlepage" epub:type="titlepage">
                <xsl:call-template name="t:title-block"/>
                <xsl:call-template name="t:colophon"/>
              </section>
            </xsl:with-param>
          </xsl:call-template>
        </b:doc>
        <xsl:call-template name="t:nav-doc">
          <xsl:with-param name="pbs" select="$pbs"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:for-each select="$t:units">
        <xsl:variable name="unit" select="."/>
        <b:doc href="{$unit('file')}" title="{$unit('title')}" kind="{$unit('kind')}">
          <xsl:call-template name="t:page">
            <xsl:with-param name="title" select="$unit('title')"/>
            <xsl:with-param name="body" as="element()*">
              <section epub:type="{$unit('kind')}">
                <xsl:apply-templates select="$unit('nodes')"/>
              </section>
              <xsl:call-template name="t:notes-section">
                <xsl:with-param name="notes"
                                select="$t:notes[t:file(t:note-home(.)) = $unit('file')]"/>
              </xsl:call-template>
              <xsl:call-template name="t:apparatus-section">
                <xsl:with-param name="apps" select="$t:apps[t:file(.) = $unit('file')]"/>
              </xsl:call-template>
            </xsl:with-param>
          </xsl:call-template>
        </b:doc>
        <!-- the text's own title page first, then the imprint and the contents -->
        <xsl:if test="$t:own-title-page and position() = 1">
          <b:doc href="{$t:imprint-file}" title="{t:label('imprint')}" kind="imprint">
            <xsl:call-template name="t:page">
              <xsl:with-param name="title" select="t:label('imprint')"/>
              <xsl:with-param name="body" as="element()*">
                <section class="imprint" epub:type="imprint" aria-labelledby="imprint-h">
                  <h1 id="imprint-h"><xsl:value-of select="t:label('imprint')"/></h1>
                  <xsl:call-template name="t:colophon"/>
                </section>
              </xsl:with-param>
            </xsl:call-template>
          </b:doc>
          <xsl:call-template name="t:nav-doc">
            <xsl:with-param name="pbs" select="$pbs"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:for-each>
      <xsl:if test="exists($t:loose-surfaces)">
        <b:doc href="facsimile.xhtml" title="{t:label('facsimile')}" kind="facsimile">
          <xsl:call-template name="t:page">
            <xsl:with-param name="title" select="t:label('facsimile')"/>
            <xsl:with-param name="body" as="element()*">
              <xsl:call-template name="t:facsimile-section"/>
            </xsl:with-param>
          </xsl:call-template>
        </b:doc>
      </xsl:if>
      <xsl:if test="$t:show-index">
        <b:doc href="names.xhtml" title="{t:label('index')}" kind="index">
          <xsl:call-template name="t:page">
            <xsl:with-param name="title" select="t:label('index')"/>
            <xsl:with-param name="body" as="element()*">
              <xsl:call-template name="t:index-section"/>
            </xsl:with-param>
          </xsl:call-template>
        </b:doc>
      </xsl:if>
    </b:bundle>
  </xsl:template>

  <!-- A text with a title page of its own (front/titlePage, in the first document) opens
       with it: the book has one title block, not a second one made from the header, and
       the source, licence and page-source lines go to an imprint page after it. -->
  <xsl:variable name="t:own-title-page" as="xs:boolean"
      select="exists($t:title-page) and exists($t:units)
              and t:file($t:title-page) = $t:units[1]('file')"/>
  <xsl:variable name="t:title-file" as="xs:string"
      select="if ($t:own-title-page) then $t:units[1]('file') else 'title.xhtml'"/>
  <xsl:variable name="t:imprint-file" as="xs:string" select="'imprint.xhtml'"/>

  <xsl:template name="t:nav-doc">
    <xsl:param name="pbs" as="element()*"/>
    <b:doc href="nav.xhtml" title="{t:label('contents')}" kind="nav">
      <xsl:call-template name="t:nav">
        <xsl:with-param name="pbs" select="$pbs"/>
      </xsl:call-template>
    </b:doc>
  </xsl:template>

  <xsl:template name="t:page">
    <xsl:param name="title" as="xs:string"/>
    <xsl:param name="body" as="element()*"/>
    <html lang="{$t:lang}" xml:lang="{$t:lang}">
      <xsl:if test="t:dir($t:lang) = 'rtl'"><xsl:attribute name="dir" select="'rtl'"/></xsl:if>
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="$title"/></title>
        <link rel="stylesheet" type="text/css" href="teikit.css"/>
        <xsl:if test="$css ne ''">
          <link rel="stylesheet" type="text/css" href="custom.css"/>
        </xsl:if>
      </head>
      <body>
        <xsl:sequence select="$body"/>
      </body>
    </html>
  </xsl:template>

  <!-- ===== navigation document ===== -->
  <xsl:template name="t:nav">
    <xsl:param name="pbs" as="element()*"/>
    <xsl:call-template name="t:page">
      <xsl:with-param name="title" select="t:label('contents')"/>
      <xsl:with-param name="body" as="element()*">
        <nav epub:type="toc" id="toc" role="doc-toc" aria-labelledby="toc-h">
          <h1 id="toc-h"><xsl:value-of select="t:label('contents')"/></h1>
          <ol>
            <xsl:if test="not($t:own-title-page)">
              <li><a href="title.xhtml"><xsl:value-of select="$t:title"/></a></li>
            </xsl:if>
            <xsl:for-each select="$t:units">
              <xsl:variable name="unit" select="."/>
              <xsl:variable name="sub" select="t:toc-items($unit('nodes')
                  [t:is-div(.) or self::front or self::back])"/>
              <li>
                <a href="{$unit('file')}"><xsl:value-of select="
                    if ($t:own-title-page and position() = 1) then $t:title
                    else $unit('title')"/></a>
                <xsl:if test="exists($sub)"><ol><xsl:sequence select="$sub"/></ol></xsl:if>
              </li>
              <xsl:if test="$t:own-title-page and position() = 1">
                <li><a href="{$t:imprint-file}"><xsl:value-of select="t:label('imprint')"/></a></li>
              </xsl:if>
            </xsl:for-each>
            <xsl:if test="exists($t:loose-surfaces)">
              <li><a href="facsimile.xhtml"><xsl:value-of select="t:label('facsimile')"/></a></li>
            </xsl:if>
            <xsl:if test="$t:show-index">
              <li><a href="names.xhtml"><xsl:value-of select="t:label('index')"/></a></li>
            </xsl:if>
          </ol>
        </nav>
        <nav epub:type="landmarks" id="landmarks" hidden="hidden" aria-labelledby="lm-h">
          <h2 id="lm-h"><xsl:value-of select="t:label('landmarks')"/></h2>
          <ol>
            <li><a epub:type="titlepage" href="{$t:title-file}">
              <xsl:value-of select="$t:title"/></a></li>
            <li><a epub:type="toc" href="nav.xhtml#toc">
              <xsl:value-of select="t:label('contents')"/></a></li>
            <xsl:for-each select="($t:units[?kind = 'bodymatter'], $t:units)[1]">
              <li><a epub:type="bodymatter" href="{?file}">
                <xsl:value-of select="t:label('start')"/></a></li>
            </xsl:for-each>
            <xsl:if test="$t:show-index">
              <li><a epub:type="index" href="names.xhtml">
                <xsl:value-of select="t:label('index')"/></a></li>
            </xsl:if>
          </ol>
        </nav>
        <xsl:if test="exists($pbs)">
          <nav epub:type="page-list" id="page-list" hidden="hidden" aria-labelledby="pl-h">
            <h2 id="pl-h"><xsl:value-of select="t:label('pages')"/></h2>
            <ol>
              <xsl:for-each select="$pbs">
                <li><a href="{t:file(.)}#{t:page-id(.)}">
                  <xsl:value-of select="t:page-label(.)"/></a></li>
              </xsl:for-each>
            </ol>
          </nav>
        </xsl:if>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <!-- ===== images: local ones are copied into the publication ===== -->
  <!-- Only local (relative) images go in: an EPUB may not show remote images, so those
       become links (t:image-url gives '' and the graphic template links instead). -->
  <xsl:function name="t:image-url" as="xs:string">
    <xsl:param name="g" as="element()"/>
    <xsl:variable name="u" select="normalize-space($g/@url)"/>
    <xsl:sequence select="
        if (not(matches($u, '\.(png|jpe?g|gif|svg|webp)$', 'i'))) then ''
        else if (matches($u, '^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|\\|(^|/)\.\.(/|$)')) then ''
        else $u"/>
  </xsl:function>
  <!-- the facsimiles shown: of each page break that is shown, of surfaces no page has -->
  <xsl:variable name="t:facs-images" as="xs:string*"
      select="($t:texts//pb[not(t:empty-page(.))], $t:loose-surfaces) ! t:facs-image(.)[. != '']"/>
  <xsl:variable name="t:images" as="xs:string*"
      select="distinct-values(($t:texts//graphic ! t:image-url(.)[. != ''], $t:facs-images))"/>
  <xsl:function name="t:image-src" as="xs:string">
    <xsl:param name="g" as="element()"/>
    <xsl:param name="url" as="xs:string"/>
    <xsl:sequence select="'images/img-' || format-number(index-of($t:images, $url)[1], '000')
                          || '.' || lower-case(replace($url, '^.*\.', ''))"/>
  </xsl:function>

  <!-- ===== overrides of html.xsl ===== -->
  <xsl:template match="text//pb[t:empty-page(.)]" priority="2"/>
  <xsl:template match="text//pb">
    <span class="pb" id="{t:page-id(.)}" epub:type="pagebreak" role="doc-pagebreak"
          aria-label="{t:page-label(.)}">[<xsl:value-of select="t:page-label(.)"/>]</span>
    <xsl:variable name="facs" select="t:facs-image(.)"/>
    <xsl:if test="$facs != ''">
      <xsl:call-template name="t:facs-figure">
        <xsl:with-param name="url" select="$facs"/>
        <xsl:with-param name="label" select="t:label('page') || ' ' || t:page-label(.)"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>
  <!-- in a book the image itself, not a link to it (reading systems open no image files) -->
  <xsl:template name="t:facs-figure">
    <xsl:param name="url" as="xs:string"/>
    <xsl:param name="label" as="xs:string"/>
    <img class="facs" src="{t:image-src(., $url)}" alt="{t:label('facsimile') || ': ' || $label}"/>
  </xsl:template>

</xsl:stylesheet>
