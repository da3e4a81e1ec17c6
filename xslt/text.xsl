<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit: TEI P5 to the plain reading text (UTF-8).

  Corrections, regularisations and expansions are read; deletions and the original side
  of a choice are not. Headings and paragraphs are separated by one blank line, verse
  lines and the lines of a speech by a line break.

  How: templates emit text with two marker characters, U+FDD0 (paragraph break) and
  U+FDD1 (line break); preserved whitespace (xml:space="preserve") is carried as U+FDD2
  (space) and U+FDD3 (newline). teikit.transform.finish_text then normalises all source
  whitespace to single spaces in one pass and turns the markers into newlines, so no
  template has to know what comes before or after it; it also wraps (param width).
  (That last pass is in Python because Saxon's regular expressions take seconds over a
  whole book; Python's take milliseconds.)
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:t="urn:x-teikit:xslt"
    xpath-default-namespace="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="#all">

  <xsl:import href="common.xsl"/>

  <xsl:output method="text" encoding="UTF-8"/>

  <!-- wrap lines at this many columns; 0 = one line per paragraph (applied by teikit) -->
  <xsl:param name="width" as="xs:string" select="'0'"/>
  <!-- put [N] where a page of the source begins (true|false) -->
  <xsl:param name="page-markers" as="xs:string" select="'false'"/>
  <!-- include the title, subtitle and author lines from the header (true|false) -->
  <xsl:param name="title-block" as="xs:string" select="'true'"/>

  <xsl:variable name="P" as="xs:string" select="'&#xFDD0;'"/>
  <xsl:variable name="N" as="xs:string" select="'&#xFDD1;'"/>

  <xsl:variable name="t:texts" select="$t:root//text[not(ancestor::text)]"/>

  <xsl:template match="/">
    <xsl:variable name="raw" as="xs:string">
      <xsl:value-of separator="">
        <xsl:if test="$title-block = 'true' and empty($t:title-page)">
          <xsl:sequence select="$t:title, $P"/>
          <xsl:sequence select="$t:subtitles ! (., $N)"/>
          <xsl:sequence select="$P, string-join($t:authors, ', '), $P"/>
        </xsl:if>
        <xsl:if test="$title-block = 'true'">
          <xsl:sequence select="$t:series ! (t:label('series') || ': ' || ., $N), $P"/>
          <xsl:sequence select="$t:corresp ! (., $N), $P"/>
        </xsl:if>
        <xsl:apply-templates select="$t:texts"/>
        <!-- apparatus entries outside any top-level division -->
        <xsl:call-template name="t:apparatus">
          <xsl:with-param name="apps" select="$t:texts//app[empty(ancestor::*[t:is-div(.)])]"/>
        </xsl:call-template>
        <xsl:variable name="notes" select="$t:texts//note[not(parent::app or parent::rdgGrp)]
      [not(ancestor::person or ancestor::personGrp or ancestor::place or ancestor::org)]"/>
        <xsl:if test="exists($notes)">
          <xsl:sequence select="$P, t:label('notes'), $P"/>
          <xsl:for-each select="$notes">
            <xsl:sequence select="'[' || t:note-label(.) || '] '"/>
            <xsl:apply-templates>
              <xsl:with-param name="sep" tunnel="yes" select="' '"/>
            </xsl:apply-templates>
            <xsl:sequence select="$P"/>
          </xsl:for-each>
        </xsl:if>
        <!-- the colophon, as on the HTML page: source, licence, what the page numbers count -->
        <xsl:variable name="colophon" select="
            $t:source[. != ''] ! (t:label('source') || ': ' || .),
            $t:rights[. != ''] ! (t:label('licence') || ': ' || .),
            if ($t:page-bibl) then t:label('page-numbers') || ': ' || $t:page-source else ()"/>
        <xsl:if test="$title-block = 'true' and exists($colophon)">
          <xsl:sequence select="$P, '* * *', $P, $colophon ! (., $N)"/>
        </xsl:if>
      </xsl:value-of>
    </xsl:variable>
    <xsl:value-of select="$raw"/>
  </xsl:template>

  <!-- ===== text nodes ===== -->
  <!-- (whether any element preserves space: most documents have none, and then no text
       node needs to look at its ancestors; an inscription's, which EpiDoc's template sets
       on every edition, is not honoured: its lb make the lines) -->
  <xsl:variable name="t:preserves" as="xs:boolean"
      select="exists($t:root/descendant-or-self::*[@xml:space = 'preserve'])
              and not($t:is-leiden)"/>
  <xsl:template match="text()">
    <xsl:choose>
      <xsl:when test="$t:preserves
                      and ancestor::*[@xml:space][1]/@xml:space = 'preserve'">
        <xsl:value-of select="translate(t:clean(.), ' &#9;&#xA;&#xD;',
                                        '&#xFDD2;&#xFDD2;&#xFDD3;')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="t:clean(.)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="comment() | processing-instruction()"/>
  <xsl:template match="teiHeader | facsimile | standOff | sourceDoc"/>

  <!-- ===== blocks ===== -->
  <xsl:template name="t:block">
    <xsl:param name="sep" tunnel="yes" as="xs:string" select="$P"/>
    <xsl:param name="before" as="xs:string" select="''"/>
    <xsl:param name="after" as="xs:string" select="''"/>
    <xsl:param name="inner" as="xs:string?" select="()"/>
    <xsl:value-of select="$sep || $before"/>
    <xsl:choose>
      <xsl:when test="exists($inner)">
        <xsl:apply-templates>
          <xsl:with-param name="sep" tunnel="yes" select="$inner"/>
        </xsl:apply-templates>
      </xsl:when>
      <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
    </xsl:choose>
    <xsl:value-of select="$after || $sep"/>
  </xsl:template>

  <!-- Default: blocks stand apart, everything else keeps its content in line.
       $inline: inside an element kept in line, which t:is-flow found holds no block, no
       descendant is one either (down to an element that is never a block, such as an
       anchor, whose content is judged afresh), so the test is not repeated for each. -->
  <xsl:template match="*">
    <xsl:param name="inline" tunnel="yes" as="xs:boolean" select="false()"/>
    <xsl:choose>
      <xsl:when test="$inline and not(t:is-never-flow(.))"><xsl:apply-templates/></xsl:when>
      <xsl:when test="t:is-flow(.)"><xsl:call-template name="t:block"/></xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates>
          <xsl:with-param name="inline" tunnel="yes" select="not(t:is-never-flow(.))"/>
        </xsl:apply-templates>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- a register (a listPerson, listPlace or listOrg): one line per entry, as the index of
       the HTML page shows it, never its dates, places and coordinates as running text -->
  <xsl:template match="listPerson | listPlace | listOrg">
    <xsl:param name="sep" tunnel="yes" as="xs:string" select="$P"/>
    <xsl:value-of select="$sep"/>
    <xsl:apply-templates select="head"/>
    <xsl:value-of select="string-join(.//(person | personGrp | place | org)
                          ! string-join((t:entity-name(.), t:entity-about(.)[. != '']), ' '),
                          $N), $sep" separator=""/>
  </xsl:template>

  <!-- an apparatus apart from the text (listApp): its entries are in the apparatus block -->
  <xsl:template match="listApp"/>

  <!-- shown once, by the title block (t:repeats-header), when there is one -->
  <xsl:template match="front/docTitle[$title-block = 'true'][t:repeats-header(.)]"
                priority="1"/>

  <xsl:template match="text | group | front | body | back | div | div1 | div2 | div3 | div4 | div5 | div6 | div7">
    <xsl:call-template name="t:block">
      <xsl:with-param name="sep" tunnel="yes" select="$P"/>
    </xsl:call-template>
    <xsl:if test="t:is-div(.) and empty(ancestor::*[t:is-div(.)])">
      <xsl:call-template name="t:apparatus">
        <xsl:with-param name="apps" select=".//app"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- The apparatus of a section, after it: one numbered entry per app. -->
  <xsl:template name="t:apparatus">
    <xsl:param name="apps" as="element()*"/>
    <xsl:if test="exists($apps)">
      <xsl:value-of select="$P || t:label('apparatus') || $P"/>
      <xsl:for-each select="$apps">
        <xsl:value-of select="t:app-entry(.) || $N"/>
      </xsl:for-each>
      <xsl:value-of select="$P"/>
    </xsl:if>
  </xsl:template>

  <!-- East Asian wide characters (Unicode's East_Asian_Width W and F, in ranges) -->
  <xsl:variable name="wide" as="xs:string" select="'&#x1100;-&#x115F;&#x2E80;-&#xA4CF;'
      || '&#xAC00;-&#xD7A3;&#xF900;-&#xFAFF;&#xFE30;-&#xFE4F;&#xFF00;-&#xFF60;&#xFFE0;-&#xFFE6;'
      || '&#x20000;-&#x3FFFD;'"/>

  <!-- Headings of divisions: a part (top level) underlined with "=", a section (second
       level) with "-", so the two look different in plain text (as in setext). -->
  <xsl:template match="head[t:is-div(..)][. is ../head[1]]">
    <xsl:variable name="depth" select="count(ancestor::*[t:is-div(.)])"/>
    <!-- as wide as the heading looks: a Han, kana or Hangul character (or a fullwidth
         form) takes two columns, a combining mark none -->
    <xsl:variable name="plain" select="t:plain(.)"/>
    <xsl:variable name="len" select="string-length($plain)
        - string-length(replace($plain, '[^\p{M}]', ''))
        + string-length(replace($plain, '[^' || $wide || ']', ''))"/>
    <xsl:call-template name="t:block">
      <xsl:with-param name="after" select="
          if ($depth le 2 and $len gt 0)
          then $N || string-join((1 to min(($len, 72))) ! (if ($depth = 1) then '=' else '-'))
          else ''"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="lg">
    <xsl:call-template name="t:block">
      <xsl:with-param name="sep" tunnel="yes" select="$P"/>
      <xsl:with-param name="inner" select="$N"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="l">
    <xsl:call-template name="t:block">
      <xsl:with-param name="sep" tunnel="yes" select="$N"/>
      <xsl:with-param name="inner" select="' '"/>
    </xsl:call-template>
  </xsl:template>

  <!-- A speech: the speaker on its own line, then its lines and paragraphs. -->
  <xsl:template match="sp">
    <xsl:call-template name="t:block">
      <xsl:with-param name="sep" tunnel="yes" select="$P"/>
      <xsl:with-param name="inner" select="$N"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="stage | move | view | camera | sound | tech">
    <xsl:variable name="s" select="normalize-space(string-join(t:plain(.)))"/>
    <xsl:variable name="open" select="if (starts-with($s, '(') or starts-with($s, '['))
                                      then '' else '('"/>
    <xsl:variable name="close" select="if ($open = '') then '' else ')'"/>
    <xsl:choose>
      <xsl:when test="t:is-flow(.)">
        <xsl:call-template name="t:block">
          <xsl:with-param name="before" select="$open"/>
          <xsl:with-param name="after" select="$close"/>
          <xsl:with-param name="inner" select="' '"/>
        </xsl:call-template>
      </xsl:when>
      <!-- inline: the word rule (t:ws) has already put a space where a word touches it;
           padding of its own put one before the punctuation that follows
           ("(Игриво заглядывая въ глаза) . Такъ") -->
      <xsl:otherwise>
        <xsl:value-of select="$open"/>
        <xsl:apply-templates/>
        <xsl:value-of select="$close"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Lists keep their numbers: "1. …" from item/@n, counted for ordered lists. -->
  <xsl:template match="list | castList | castGroup | listBibl">
    <xsl:param name="sep" tunnel="yes" as="xs:string" select="$P"/>
    <xsl:value-of select="$sep"/>
    <xsl:variable name="ordered" select="matches(@type || ' ' || @rend, 'order|number|enum', 'i')"/>
    <xsl:for-each select="node()">
      <xsl:choose>
        <xsl:when test="self::label[following-sibling::*[1][self::item]]">
          <xsl:value-of select="$N"/>
          <xsl:apply-templates>
            <xsl:with-param name="sep" tunnel="yes" select="' '"/>
          </xsl:apply-templates>
          <xsl:text> </xsl:text>
        </xsl:when>
        <xsl:when test="self::item | self::castItem | self::bibl | self::biblStruct">
          <xsl:variable name="n" select="normalize-space(@n)"/>
          <xsl:variable name="labelled" select="exists(preceding-sibling::*[1][self::label])"/>
          <xsl:value-of select="(if ($labelled) then '' else $N) || (
              if ($labelled) then ''
              else if ($n != '') then (if (matches($n, '[.):\]]$')) then $n else $n || '.') || ' '
              else if ($ordered) then count(preceding-sibling::item) + 1 || '. '
              else if (self::item) then '– ' else '')"/>
          <xsl:apply-templates>
            <xsl:with-param name="sep" tunnel="yes" select="$N"/>
          </xsl:apply-templates>
          <xsl:value-of select="$N"/>
        </xsl:when>
        <xsl:when test="self::head">
          <xsl:value-of select="$P"/>
          <xsl:apply-templates>
            <xsl:with-param name="sep" tunnel="yes" select="' '"/>
          </xsl:apply-templates>
          <xsl:value-of select="$P"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select=".">
            <xsl:with-param name="sep" tunnel="yes" select="$N"/>
          </xsl:apply-templates>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
    <xsl:value-of select="$sep"/>
  </xsl:template>

  <xsl:template match="table">
    <xsl:call-template name="t:block">
      <xsl:with-param name="inner" select="$N"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="row">
    <xsl:call-template name="t:block">
      <xsl:with-param name="sep" tunnel="yes" select="$N"/>
      <xsl:with-param name="inner" select="' '"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template match="cell">
    <xsl:if test="preceding-sibling::cell"><xsl:text> | </xsl:text></xsl:if>
    <xsl:apply-templates>
      <xsl:with-param name="sep" tunnel="yes" select="' '"/>
    </xsl:apply-templates>
  </xsl:template>

  <xsl:template match="milestone">
    <xsl:param name="sep" tunnel="yes" as="xs:string" select="$P"/>
    <xsl:value-of select="$P || '* * *' || $P"/>
  </xsl:template>

  <!-- ===== phrase level ===== -->
  <xsl:template match="text//note">
    <xsl:value-of select="'[' || t:note-label(.) || ']'"/>
  </xsl:template>
  <xsl:template match="note//text()[t:repeated-mark(.) != '']" priority="3">
    <xsl:value-of select="t:clean(replace(substring-after(., t:repeated-mark(.)), '^\s+', ''))"/>
  </xsl:template>
  <!-- a note called by a pointer has its mark where the pointer is (t:caller) -->
  <xsl:template match="text//note[exists(t:caller(.))]" priority="1"/>
  <xsl:template match="ref[exists(t:called-note(.))][t:is-mark(.)]
                       | ptr[exists(t:called-note(.))]" priority="1">
    <xsl:value-of select="'[' || t:note-label(t:called-note(.)) || ']'"/>
  </xsl:template>

  <xsl:template match="text//pb[t:empty-page(.)]" priority="2">
    <xsl:if test="not(@break = 'no')"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>
  <xsl:template match="text//pb">
    <!-- a text shows no image: the page's local facsimile is named in a marker of its own -->
    <xsl:variable name="facs" select="t:facs-image(.)"/>
    <xsl:variable name="marker" select="'[' || t:page-label(.) || ']' || (if ($facs != '')
        then ' [' || t:label('facsimile') || ': ' || $facs || ']' else '')"/>
    <xsl:choose>
      <xsl:when test="$page-markers = 'true' and t:in-flow-parent(.)">
        <xsl:value-of select="$P || $marker || $P"/>
      </xsl:when>
      <xsl:when test="$page-markers = 'true'">
        <xsl:value-of select="if (@break = 'no') then $marker
                              else ' ' || $marker || ' '"/>
      </xsl:when>
      <xsl:when test="not(@break = 'no')"><xsl:text> </xsl:text></xsl:when>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="lb | cb">
    <xsl:if test="not(@break = 'no')"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>
  <xsl:template match="lb[t:cjk-between(.)] | cb[t:cjk-between(.)]" priority="2"/>
  <xsl:template match="lb[t:keeps-line(.)]" priority="1">
    <xsl:value-of select="$N"/>
  </xsl:template>
  <!-- an inscription (Leiden conventions) keeps its lines: each lb begins one -->
  <xsl:template match="lb[$t:is-leiden][not(@break = 'no')]" priority="1">
    <xsl:value-of select="$N"/>
  </xsl:template>

  <xsl:template match="choice">
    <xsl:apply-templates select="t:reading(.)"/>
  </xsl:template>
  <xsl:template match="app">
    <xsl:apply-templates select="t:app-lemma(.)"/>
  </xsl:template>
  <xsl:template match="ex">
    <xsl:text>(</xsl:text><xsl:apply-templates/><xsl:text>)</xsl:text>
  </xsl:template>
  <xsl:template match="am"/>
  <xsl:template match="unclear//text()[t:leiden()]" priority="2">
    <xsl:value-of select="replace(t:clean(.), '(\w)', '$1&#x323;')"/>
  </xsl:template>
  <xsl:template match="del"/>
  <!-- Leiden: an erasure in double brackets (an erased name is text the edition keeps),
       superfluous letters in braces -->
  <xsl:template match="del[@rend = 'erasure'][t:leiden()]" priority="1">
    <xsl:text>⟦</xsl:text><xsl:apply-templates/><xsl:text>⟧</xsl:text>
  </xsl:template>
  <xsl:template match="surplus[t:leiden()]">
    <xsl:text>{</xsl:text><xsl:apply-templates/><xsl:text>}</xsl:text>
  </xsl:template>
  <xsl:template match="gap"><xsl:text>[…]</xsl:text></xsl:template>
  <xsl:template match="supplied">
    <xsl:text>[</xsl:text><xsl:apply-templates/><xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="quote | q | said">
    <xsl:variable name="marks" select="if (t:is-flow(.)) then () else t:quote-marks(.)"/>
    <xsl:choose>
      <xsl:when test="t:is-flow(.)"><xsl:call-template name="t:block"/></xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$marks[1]"/>
        <xsl:apply-templates/>
        <xsl:value-of select="$marks[2]"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="graphic | media | index | interp | interpGrp | link | linkGrp | join
                       | alt | altGrp | spanGrp | certainty | precision | respons"/>
  <xsl:template match="ptr | ref[t:is-bare-ref(.)]">
    <xsl:value-of select="t:ptr-text(tokenize(normalize-space(@target))[1], .)"/>
  </xsl:template>

  <!-- a figure's description stands in for its image -->
  <xsl:template match="figDesc">
    <xsl:value-of select="$P || '['"/>
    <xsl:apply-templates/>
    <xsl:value-of select="']' || $P"/>
  </xsl:template>

  <!-- letters: the lines of an opener, closer or address each on a line of their own -->
  <xsl:template match="opener | closer | address">
    <xsl:call-template name="t:block">
      <xsl:with-param name="inner" select="$N"/>
    </xsl:call-template>
  </xsl:template>

  <!-- dictionaries: pronunciation between slashes, senses numbered when there are many -->
  <xsl:template match="cit">
    <xsl:apply-templates/>
    <xsl:value-of select="t:cit-separator(.)"/>
  </xsl:template>
  <!-- grammatical labels in the reader's language (see t:gram-label) -->
  <xsl:template match="pos | gen | number | gramGrp//num">
    <xsl:variable name="label" select="t:gram-label(.)"/>
    <xsl:choose>
      <xsl:when test="$label != ''"><xsl:value-of select="$label"/></xsl:when>
      <xsl:otherwise><xsl:apply-templates/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="pron">
    <xsl:value-of select="' /'"/><xsl:apply-templates/><xsl:value-of select="'/ '"/>
  </xsl:template>
  <xsl:template match="sense">
    <xsl:value-of select="' ' || t:sense-number(.)"/>
    <xsl:apply-templates/>
  </xsl:template>

</xsl:stylesheet>
