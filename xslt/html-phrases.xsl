<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit: phrase-level rendering shared by the HTML page and the EPUB (included by html.xsl).

  Quotations, links (ref, ptr), editorial markup (choice, gap, supplied, del, add, unclear,
  abbr/expan with Leiden conventions), figures and graphics. Kept apart from html.xsl so
  each file stays readable; the templates have html.xsl's import precedence.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:t="urn:x-teikit:xslt"
    xmlns:b="urn:x-teikit:bundle"
    xmlns:epub="http://www.idpf.org/2007/ops"
    xmlns="http://www.w3.org/1999/xhtml"
    xpath-default-namespace="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="#all">

  <!-- ===================== quotations ===================== -->
  <!-- Marks of the document's language, only when the source has none (t:quote-marks). -->
  <xsl:template match="quote | q | said | cit">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="block" select="not($phrasing) and exists(*[t:is-flow(.)])"/>
    <xsl:variable name="marks" select="if ($block or self::cit) then () else t:quote-marks(.)"/>
    <xsl:choose>
      <!-- t:inline's phrasing case written out: a dictionary has two of these per entry -->
      <xsl:when test="$phrasing">
        <xsl:element name="{if (self::cit) then 'span' else 'q'}">
          <xsl:call-template name="t:attrs"/>
          <xsl:value-of select="$marks[1]"/>
          <xsl:apply-templates/>
          <xsl:value-of select="$marks[2], t:cit-separator(.)" separator=""/>
        </xsl:element>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:inline">
          <xsl:with-param name="tag" select="if (self::cit) then 'span' else 'q'"/>
          <xsl:with-param name="flow-tag" select="'blockquote'"/>
          <xsl:with-param name="before" as="node()*">
            <xsl:value-of select="$marks[1]"/></xsl:with-param>
          <xsl:with-param name="after" as="node()*">
            <xsl:value-of select="$marks[2], t:cit-separator(.)" separator=""/></xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================== links ===================== -->
  <xsl:template match="note//text()[t:repeated-mark(.) != '']" priority="3">
    <xsl:value-of select="t:clean(replace(substring-after(., t:repeated-mark(.)), '^\s+', ''))"/>
  </xsl:template>

  <!-- The pointer that calls a note (t:caller) is the note's mark. -->
  <xsl:template match="ref[exists(t:called-note(.))] | ptr[exists(t:called-note(.))]"
                priority="1">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="note" select="t:called-note(.)"/>
    <xsl:variable name="n" select="t:note-number($note)"/>
    <xsl:variable name="mark" select="t:is-mark(.)"/>
    <xsl:element name="{if ($in-link) then 'span' else 'a'}">
      <xsl:attribute name="class" select="if ($mark) then 'noteref' else 'tei-ref'"/>
      <xsl:attribute name="id" select="'noteref-' || $n"/>
      <xsl:if test="not($in-link)">
        <xsl:attribute name="href" select="t:file(.) || '#note-' || $n"/>
        <xsl:attribute name="role" select="'doc-noteref'"/>
        <xsl:if test="$mark">
          <xsl:attribute name="aria-label" select="t:label('note') || ' ' || t:note-label($note)"/>
        </xsl:if>
        <xsl:if test="$t:epub"><xsl:attribute name="epub:type" select="'noteref'"/></xsl:if>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$mark"><sup><xsl:value-of select="t:note-label($note)"/></sup></xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates>
            <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
            <xsl:with-param name="in-link" tunnel="yes" select="true()"/>
          </xsl:apply-templates>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:element>
  </xsl:template>

  <xsl:template match="ref | ptr">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="target" select="tokenize(normalize-space(@target))[1]"/>
    <xsl:variable name="href" select="if ($in-link) then '' else t:href($target, .)"/>
    <xsl:if test="starts-with($target, '#') and t:href($target, .) = ''">
      <xsl:call-template name="t:report">
        <xsl:with-param name="code" select="'unresolved-target'"/>
        <xsl:with-param name="text" select="'&lt;' || local-name() || ' target=&quot;'
            || $target || '&quot;&gt; points to nothing this output shows; it is rendered '
            || 'as plain text.'"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:variable name="text" as="node()*">
      <xsl:choose>
        <xsl:when test="self::ptr or t:is-bare-ref(.)">
          <xsl:value-of select="t:ptr-text($target, .)"/></xsl:when>
        <xsl:otherwise><xsl:apply-templates>
          <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
          <xsl:with-param name="in-link" tunnel="yes" select="true()"/>
        </xsl:apply-templates></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="$href != '' and not(*[t:is-flow(.)])">
        <a href="{$href}"><xsl:call-template name="t:attrs"/><xsl:sequence select="$text"/></a>
      </xsl:when>
      <xsl:when test="self::ptr or t:is-bare-ref(.)">
        <span><xsl:call-template name="t:attrs"/><xsl:sequence select="$text"/></span>
      </xsl:when>
      <xsl:otherwise><xsl:call-template name="t:inline"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Where a pointer can safely link: the web (http and https only), or an element of
       the document that this output renders with an id. '' when it cannot. -->
  <xsl:function name="t:href" as="xs:string">
    <xsl:param name="target" as="xs:string?"/>
    <xsl:param name="context" as="element()"/>
    <xsl:variable name="local" select="if (starts-with($target, '#'))
        then key('t:id', substring($target, 2), root($context))[1] else ()"/>
    <xsl:sequence select="
        if (matches($target, '^https?://\S+$')) then $target
        else if ($local intersect $t:entities and $t:show-index)
        then t:index-file() || '#idx-' || $local/@xml:id
        else if (empty($local) or empty($local/ancestor::text)) then ''
        else if (t:is-div($local)) then t:file($local) || '#' || t:div-id($local)
        else if ($local/self::pb) then t:file($local) || '#' || t:page-id($local)
        else if ($local/self::note)
        then t:file(t:note-home($local)) || '#note-' || t:note-number($local)
        else if (t:shows-id($local)) then t:file($local) || '#' || $local/@xml:id
        else ''"/>
  </xsl:function>

  <!-- Whether an element of the text appears in the output with its xml:id as id: not
       hidden (the unread side of a choice, a reading of an app other than the lemma, a
       note's content, which lives in the notes) and not one whose id the output replaces. -->
  <xsl:function name="t:shows-id" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="not($e/ancestor-or-self::*[parent::choice][not(. is t:reading(..))])
        and not($e/ancestor-or-self::rdg[parent::app[lem]])
        and not($e/ancestor-or-self::*[self::rdg or self::rdgGrp or self::witDetail]
                [parent::app or parent::rdgGrp])
        and not($e/ancestor::note) and not($e/ancestor::*[t:is-name(.)])
        and not($e[t:is-name(.)]) and not($e/self::lb or $e/self::cb or $e/self::app
                or $e/self::choice or $e/self::figDesc or $e/self::index)
        and not($e/ancestor::figDesc) and not($e/ancestor::teiHeader)"/>
  </xsl:function>

  <!-- ===================== editorial markup ===================== -->
  <xsl:template match="choice">
    <xsl:variable name="r" select="t:reading(.)"/>
    <xsl:call-template name="t:edit">
      <xsl:with-param name="class" select="('choice', local-name($r))"/>
      <xsl:with-param name="title" select="t:choice-title(.)"/>
      <xsl:with-param name="content" select="$r"/>
    </xsl:call-template>
  </xsl:template>

  <!-- A critical apparatus entry: the lemma in place with a reference mark linking to its
       entry in the apparatus section (visible in print, on touch screens, in EPUB); the
       hover title is an extra. -->
  <xsl:template match="app">
    <xsl:param name="in-link" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="n" select="t:app-number(.)"/>
    <xsl:call-template name="t:edit">
      <xsl:with-param name="class" select="'app'"/>
      <xsl:with-param name="title" select="t:app-entry(.)"/>
      <xsl:with-param name="content" select="t:app-lemma(.)"/>
      <xsl:with-param name="after" as="node()*">
        <xsl:choose>
          <xsl:when test="$in-link">
            <sup class="app-ref" id="app-{$n}"><xsl:value-of select="$n"/></sup>
          </xsl:when>
          <xsl:otherwise>
            <a class="app-ref" id="app-{$n}" href="{t:file(.)}#appn-{$n}"
               aria-label="{t:label('apparatus') || ' ' || $n}"><xsl:value-of select="$n"/></a>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="t:apparatus-section">
    <xsl:param name="apps" as="element()*"/>
    <xsl:if test="exists($apps)">
      <section class="apparatus" aria-labelledby="tk-app-h">
        <h2 id="tk-app-h"><xsl:value-of select="t:label('apparatus')"/></h2>
        <ol>
          <xsl:for-each select="$apps">
            <xsl:variable name="n" select="t:app-number(.)"/>
            <xsl:variable name="lemma" select="t:app-lemma(.)"/>
            <li id="appn-{$n}" value="{$n}">
              <xsl:call-template name="t:lang-attrs"/>
              <span class="entry-n">
                <xsl:value-of select="(t:app-key(.)[. != ''], $n)[1]"/>
              </span>
              <xsl:text> </xsl:text>
              <span class="lemma"><xsl:value-of select="t:reading-text($lemma)"/></span>
              <xsl:text>]</xsl:text>
              <xsl:if test="t:sigla($lemma) != ''">
                <xsl:text> </xsl:text>
                <span class="wit"><xsl:value-of select="t:sigla($lemma)"/></span>
              </xsl:if>
              <xsl:variable name="app" select="."/>
              <xsl:for-each select="t:app-others(.)">
                <xsl:value-of select="if (position() = 1) then ' ' else '; '"/>
                <xsl:value-of select="t:reading-text(.)"/>
                <xsl:if test="t:sigla(.) != ''">
                  <xsl:text> </xsl:text>
                  <span class="wit"><xsl:value-of select="t:sigla(.)"/></span>
                </xsl:if>
                <xsl:value-of select="t:wit-details($app, .) ! (' ' || .)" separator=""/>
              </xsl:for-each>
              <xsl:for-each select="note | rdgGrp/note">
                <xsl:text> — </xsl:text>
                <xsl:apply-templates>
                  <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
                  <xsl:with-param name="in-link" tunnel="yes" select="false()"/>
                </xsl:apply-templates>
              </xsl:for-each>
              <xsl:if test="empty(ancestor::listApp)">
                <xsl:text> </xsl:text>
                <a class="backlink" href="{t:file(.)}#app-{$n}" role="doc-backlink"
                   aria-label="{t:label('back')}">↩</a>
              </xsl:if>
            </li>
          </xsl:for-each>
        </ol>
      </section>
    </xsl:if>
  </xsl:template>

  <!-- The reading in place, the alternative in a title (hover) and focusable for the
       keyboard; the CSS shows the title on focus. -->
  <xsl:template name="t:edit">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:param name="class" as="xs:string*"/>
    <xsl:param name="title" as="xs:string"/>
    <xsl:param name="content" as="element()*"/>
    <xsl:param name="after" as="node()*" select="()"/>
    <xsl:variable name="flow" select="not($phrasing) and exists($content/*[t:is-flow(.)])"/>
    <xsl:element name="{if ($flow) then 'div' else 'span'}">
      <xsl:call-template name="t:attrs"><xsl:with-param name="class" select="$class"/>
      </xsl:call-template>
      <xsl:attribute name="title" select="$title"/>
      <xsl:attribute name="tabindex" select="0"/>
      <xsl:apply-templates select="$content/node()">
        <xsl:with-param name="phrasing" tunnel="yes" select="not($flow)"/>
      </xsl:apply-templates>
      <xsl:sequence select="$after"/>
    </xsl:element>
  </xsl:template>

  <!-- Leiden conventions: [supplied], (ex)pansion, [. . .] gaps, dot-below for unclear
       letters; the hover title says what each mark means. -->
  <xsl:template match="gap">
    <span class="tei-gap" title="{string-join((t:label('gap'), @reason, @quantity, @unit,
                                  @extent), ' ')}">[…]</span>
  </xsl:template>
  <xsl:template match="supplied">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="title" select="string-join((t:label('supplied'), @reason), ': ')"/>
      <xsl:with-param name="before" as="node()*"><xsl:text>[</xsl:text></xsl:with-param>
      <xsl:with-param name="after" as="node()*"><xsl:text>]</xsl:text></xsl:with-param>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="ex">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="before" as="node()*"><xsl:text>(</xsl:text></xsl:with-param>
      <xsl:with-param name="after" as="node()*"><xsl:text>)</xsl:text></xsl:with-param>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="am"/>
  <xsl:template match="del">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="tag" select="'del'"/>
      <xsl:with-param name="title" select="string-join((t:label('deleted'), @rend), ': ')"/>
    </xsl:call-template>
  </xsl:template>
  <!-- Leiden: an erasure in double brackets, superfluous letters in braces -->
  <xsl:template match="del[@rend = 'erasure'][t:leiden()]" priority="1">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="tag" select="'del'"/>
      <xsl:with-param name="class" select="'leiden'"/>
      <xsl:with-param name="title" select="string-join((t:label('deleted'), @rend), ': ')"/>
      <xsl:with-param name="before" as="node()*"><xsl:text>⟦</xsl:text></xsl:with-param>
      <xsl:with-param name="after" as="node()*"><xsl:text>⟧</xsl:text></xsl:with-param>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="surplus[t:leiden()]">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="before" as="node()*"><xsl:text>{</xsl:text></xsl:with-param>
      <xsl:with-param name="after" as="node()*"><xsl:text>}</xsl:text></xsl:with-param>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="add">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="tag" select="'ins'"/>
      <xsl:with-param name="title" select="string-join((t:label('added'), @place), ': ')"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="unclear">
    <xsl:call-template name="t:inline">
      <xsl:with-param name="title" select="string-join((t:label('unclear'), @reason), ': ')"/>
      <xsl:with-param name="class" select="if (t:leiden()) then 'leiden' else ()"/>
    </xsl:call-template>
  </xsl:template>
  <!-- in epigraphic (Leiden) texts each unclear letter carries a dot below -->
  <xsl:template match="unclear//text()[t:leiden()]" priority="2">
    <xsl:value-of select="replace(t:clean(.), '(\w)', '$1&#x323;')"/>
  </xsl:template>
  <xsl:template match="abbr[not(parent::choice)][not(parent::expan)]">
    <xsl:call-template name="t:inline"><xsl:with-param name="tag" select="'abbr'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- ===================== dictionaries ===================== -->
  <xsl:template match="sense">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:variable name="n" select="t:sense-number(.)"/>
    <xsl:choose>
      <!-- t:inline's phrasing case written out: every entry has a sense -->
      <xsl:when test="$phrasing">
        <span>
          <xsl:call-template name="t:attrs"/>
          <xsl:if test="$n != ''"><span class="sense-n"><xsl:value-of select="$n"/></span></xsl:if>
          <xsl:apply-templates/>
        </span>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="t:inline">
          <xsl:with-param name="before" as="node()*">
            <xsl:if test="$n != ''">
              <span class="sense-n"><xsl:value-of select="$n"/></span></xsl:if>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================== dictionaries: grammatical labels ===================== -->
  <!-- pos, gen, number: the common abbreviations as labels in the reader's language
       (t:gram-label: n → noun, Substantiv, nom, существительное); the source's value stays
       in the title. Anything else is shown as the source has it. -->
  <xsl:template match="pos | gen | number | gramGrp//num">
    <xsl:variable name="label" select="t:gram-label(.)"/>
    <xsl:choose>
      <xsl:when test="$label != ''">
        <span title="{normalize-space(.)}">
          <xsl:call-template name="t:attrs">
            <xsl:with-param name="class" select="'gram'"/>
          </xsl:call-template>
          <xsl:value-of select="$label"/>
        </span>
      </xsl:when>
      <xsl:otherwise><xsl:call-template name="t:inline"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ===================== figures and graphics ===================== -->
  <xsl:template match="figure">
    <xsl:param name="phrasing" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$phrasing"><xsl:call-template name="t:box"/></xsl:when>
      <xsl:otherwise>
        <figure>
          <xsl:call-template name="t:attrs"/>
          <xsl:apply-templates select="node() except (head | figDesc)"/>
          <xsl:if test="head or (figDesc and empty(.//graphic))">
            <figcaption>
              <xsl:apply-templates select="(head, figDesc[empty(current()//graphic)])/node()">
                <xsl:with-param name="phrasing" tunnel="yes" select="true()"/>
              </xsl:apply-templates>
            </figcaption>
          </xsl:if>
        </figure>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The text that stands for an image: its figure's figDesc, its own desc, the head. -->
  <xsl:function name="t:alt" as="xs:string">
    <xsl:param name="g" as="element()"/>
    <xsl:sequence select="(t:plain($g/desc)[. != ''],
                           t:plain($g/ancestor::figure[1]/figDesc)[. != ''],
                           t:plain($g/ancestor::figure[1]/head)[. != ''], '')[1]"/>
  </xsl:function>

  <!-- Image URLs a page may show: the web, or a relative path (no scheme, not absolute). -->
  <xsl:function name="t:image-url" as="xs:string">
    <xsl:param name="g" as="element()"/>
    <xsl:variable name="u" select="normalize-space($g/@url)"/>
    <xsl:sequence select="
        if (not(matches($u, '\.(png|jpe?g|gif|svg|webp)(\?.*)?$', 'i'))) then ''
        else if (matches($u, '^https?://')) then $u
        else if (matches($u, '^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|\\|(^|/)\.\.(/|$)')) then ''
        else $u"/>
  </xsl:function>

  <!-- a local image only when it is a file inside the document's folder ($t:present):
       a page must not show a broken image, nor one a link leads to outside the folder -->
  <xsl:template match="graphic | media">
    <xsl:variable name="url" select="t:image-url(.)"/>
    <xsl:choose>
      <xsl:when test="$url != '' and ($url = $t:present or matches($url, '^https?://'))">
        <img class="tei-graphic" src="{t:image-src(., $url)}" alt="{t:alt(.)}"/>
      </xsl:when>
      <xsl:when test="matches(@url, '^https?://')">
        <a class="tei-graphic" href="{normalize-space(@url)}">
          <xsl:value-of select="(t:alt(.)[. != ''], normalize-space(@url))[1]"/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span class="tei-graphic"><xsl:value-of select="(t:alt(.)[. != ''],
                                                          normalize-space(@url))[1]"/></span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Where the page finds an image: as the source names it (HTML). epub.xsl overrides
       this with the file inside the publication. -->
  <xsl:function name="t:image-src" as="xs:string">
    <xsl:param name="g" as="element()"/>
    <xsl:param name="url" as="xs:string"/>
    <xsl:sequence select="$url"/>
  </xsl:function>

</xsl:stylesheet>
