<?xml version="1.0" encoding="UTF-8"?>
<!--
  teikit: what every output format shares.

  Header facts (title, authors, language, source), the reading of editorial markup
  (choice, app), the index of named entities, counters, and the "plain" mode that turns any
  TEI fragment into its reading text (for titles, tables of contents, hover texts).

  Counters use accumulators, not xsl:number or generate-id(): they cost one pass over the
  document and give the same ids on every run, which byte-identical EPUBs need.

  Messages: <xsl:message> content is "teikit|SEVERITY|CODE|XPATH|TEXT"; teikit.transform
  turns it into a Diagnostic with rule xslt:CODE located at XPATH.
-->
<xsl:stylesheet version="3.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    xmlns:t="urn:x-teikit:xslt"
    xmlns:map="http://www.w3.org/2005/xpath-functions/map"
    xpath-default-namespace="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="#all">

  <!-- ===== parameters shared by all formats ===== -->
  <!-- language of the interface labels ("Contents", "Notes"…); default: the document's -->
  <!-- (t:values lists what teikit accepts; anything else is a usage error, exit 2) -->
  <xsl:param name="ui-lang" as="xs:string" select="''" t:values="en ru de fr"/>

  <!-- ===== keys ===== -->
  <xsl:key name="t:id" match="*[@xml:id]" use="string(@xml:id)"/>
  <!-- mentions of an entity: names pointing to it, and speeches (sp/@who) it speaks
       (also through a cast list role that corresponds to it: t:who-ids) -->
  <!-- (patterns name the elements, as below: Saxon then tests only those elements, where
       a predicate on * such as *[t:is-name(.)] ran for every element of the document) -->
  <xsl:key name="t:mentions" match="text//persName[@ref] | text//placeName[@ref]
                                    | text//orgName[@ref] | text//name[@ref] | text//rs[@ref]
                                    | text//geogName[@ref] | text//settlement[@ref]
                                    | text//country[@ref] | text//sp[@who]"
           use="if (ancestor::person or ancestor::personGrp or ancestor::place or ancestor::org)
                then () (: a register's own birthplaces and streets are no mentions :)
                else for $r in tokenize(@ref | @who) return
                  if (self::sp) then t:who-ids(t:ref-id($r)) else t:ref-id($r)"/>
  <xsl:key name="t:pb-n" match="text//pb" use="string(@n)"/>
  <!-- pointers by the id they point to first (a note's callers: t:caller) -->
  <xsl:key name="t:callers" match="text//ref[@target] | text//ptr[@target]"
           use="tokenize(normalize-space(@target))[1][starts-with(., '#')] ! substring(., 2)"/>

  <!-- ===== counters (document order) ===== -->
  <xsl:accumulator name="t:mention" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//persName[@ref] | text//placeName[@ref] | text//orgName[@ref]
                                  | text//name[@ref] | text//rs[@ref] | text//geogName[@ref]
                                  | text//settlement[@ref] | text//country[@ref]"
                          select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:sp" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//sp[@who]" select="$value + 1"/>
  </xsl:accumulator>
  <!-- (a note inside a register's entry belongs to the entry, which the outputs show as
       one line: it is no note of the text) -->
  <xsl:accumulator name="t:note" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//note[not(parent::app or parent::rdgGrp)]
      [not(ancestor::person or ancestor::personGrp or ancestor::place or ancestor::org)]"
                          select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:app" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//app" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:pb" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//pb" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:page" as="xs:string" initial-value="''">
    <xsl:accumulator-rule match="text//pb" select="string(@n)"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:div" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//div | text//div1 | text//div2 | text//div3
                                  | text//div4 | text//div5 | text//div6 | text//div7"
                          select="$value + 1"/>
  </xsl:accumulator>

  <xsl:mode use-accumulators="#all"/>
  <xsl:mode name="t:plain" use-accumulators="#all" on-no-match="text-only-copy"/>

  <!-- ===== classification ===== -->
  <xsl:function name="t:is-name" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e/@ref) and
        $e/(self::persName | self::placeName | self::orgName | self::name | self::rs
            | self::geogName | self::settlement | self::country)"/>
  </xsl:function>

  <xsl:function name="t:is-div" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e[self::div or self::div1 or self::div2 or self::div3
        or self::div4 or self::div5 or self::div6 or self::div7])"/>
  </xsl:function>

  <!-- Elements that are blocks of text in any context. -->
  <xsl:variable name="t:block-names" as="xs:string*" select="(
      'p', 'ab', 'div', 'div1', 'div2', 'div3', 'div4', 'div5', 'div6', 'div7', 'lg', 'l',
      'sp', 'speaker', 'list', 'item', 'table', 'row', 'cell', 'head', 'castList',
      'castGroup', 'castItem', 'figure', 'floatingText', 'body', 'front', 'back', 'group',
      'text', 'titlePage', 'docTitle', 'titlePart', 'byline', 'docAuthor', 'docImprint',
      'docEdition', 'epigraph', 'argument', 'set', 'trailer', 'closer', 'opener', 'salute',
      'signed', 'dateline', 'postscript', 'listBibl', 'spGrp', 'performance', 'prologue',
      'epilogue', 'milestone', 'label', 'listPerson', 'listPlace', 'listOrg', 'camera',
      'view', 'move', 'sound', 'tech', 'caption', 'figDesc', 'lem', 'listApp', 'sp',
      'byline', 'imprimatur', 'epilogue', 'div', 'u', 'eg', 'egXML', 'fw', 'entry',
      'entryFree', 'superEntry', 'address', 'addrLine', 'biblStruct')"/>

  <!-- Containers whose children sit in flow (block) context. -->
  <xsl:variable name="t:flow-parents" as="xs:string*" select="(
      'div', 'div1', 'div2', 'div3', 'div4', 'div5', 'div6', 'div7', 'body', 'front', 'back',
      'sp', 'lg', 'castList', 'castGroup', 'set', 'spGrp', 'performance', 'prologue',
      'epilogue', 'group', 'text', 'titlePage', 'floatingText', 'argument', 'epigraph',
      'figure', 'item', 'cell', 'note')"/>

  <!-- Element names by how they render; a map, because comparing a name against a long
       sequence for every element of a play is what made big documents slow. -->
  <xsl:variable name="t:kinds" as="map(xs:string, xs:string)" select="map:merge((
      ('note', 'pb', 'lb', 'cb', 'anchor', 'gap', 'ptr', 'index', 'interp', 'interpGrp', 'link',
       'linkGrp', 'join', 'alt', 'altGrp', 'span', 'spanGrp') ! map{.: 'never'},
      ('stage', 'milestone', 'label', 'fw', 'lem') ! map{.: 'context'},
      $t:block-names ! map{.: 'block'}), map{'duplicates': 'use-first'})"/>
  <xsl:variable name="t:flow-parent-map" as="map(xs:string, xs:boolean)"
      select="map:merge($t:flow-parents ! map{.: true()})"/>

  <xsl:function name="t:in-flow-parent" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e/..) and map:contains($t:flow-parent-map, local-name($e/..))"/>
  </xsl:function>

  <!-- True when $e renders as a block (in flow context): a block element, or any element
       that holds one. (Only the answer for an element with children is cached: a memo
       entry costs more than the name lookup that decides the other cases, which are most
       elements; the cache keeps the recursion over nested inline elements linear.) -->
  <xsl:function name="t:is-flow" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="k" select="if (namespace-uri($e) = 'http://www.tei-c.org/ns/1.0')
                                   then $t:kinds(local-name($e)) else ()"/>
    <xsl:sequence select="
        if ($k = 'never') then false()
        else if ($k = 'context')
          then (t:in-flow-parent($e) and not($e/parent::note)) or exists($e/*[t:is-flow(.)])
        else if ($k = 'block') then true()
        else exists($e/*) and t:holds-flow($e)"/>
  </xsl:function>
  <!-- Never a block, whatever it holds (t:is-flow is false of it). -->
  <xsl:function name="t:is-never-flow" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="namespace-uri($e) = 'http://www.tei-c.org/ns/1.0'
                          and $t:kinds(local-name($e)) = 'never'"/>
  </xsl:function>
  <xsl:function name="t:holds-flow" as="xs:boolean" cache="yes">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e/*[t:is-flow(.)])"/>
  </xsl:function>

  <!-- ===== word boundaries: one rule for every output ===== -->
  <!--
    The rule (the only place that decides where words begin and end; html, epub and text
    read the document through it). An element boundary separates words only where TEI
    means a break: blocks and line-like units (t:is-break), space, and lb/pb/cb without
    break="no". So a break gets a space beside it when the source has none
    ("<addrLine>Albert</addrLine><addrLine>Ehrenstein</addrLine>" is two words);
    break="no" joins the words on both sides and swallows the layout whitespace around it
    ("Ge-<lb break='no'/>
   schichte"); and the whitespace between the children of
    subst, choice, app and rdgGrp is layout, not text. Everything else (hi, seg, name…)
    joins: "<hi>D</hi>er" is one word.
    It runs once, as a copy of the document (t:doc), so the stylesheets need no
    neighbour tests of their own; only text nodes change, so paths, ids and keys stay.
  -->
  <xsl:variable name="t:break-names" as="map(xs:string, xs:boolean)" select="map:merge((
      ($t:block-names[not(. = ('lem'))], 'space', 'address', 'addrLine', 'roleDesc', 'role',
       'actor', 'entry', 'entryFree', 'superEntry', 'form', 'orth', 'pron', 'hyph', 'gramGrp',
       'pos', 'gen', 'number', 'subc', 'sense', 'usg', 'def', 'xr', 'etym', 're', 'hom',
       'lbl', 'listBibl', 'cit', 'listPerson', 'listPlace', 'listOrg', 'person', 'place',
       'org', 'stage', 'move', 'view', 'camera', 'sound', 'tech') ! map{.: true()}),
      map{'duplicates': 'use-first'})"/>
  <!-- Containers whose children are separate units whatever they are: letterhead lines,
       the parts of a dictionary entry, a quotation and its source. -->
  <xsl:variable name="t:unit-containers" as="map(xs:string, xs:boolean)" select="map:merge((
      'opener', 'closer', 'address', 'entry', 'form', 'sense', 'gramGrp', 'cit', 'listBibl',
      'entryFree', 'superEntry', 'biblStruct', 'analytic', 'monogr', 'imprint',
      'correspAction') ! map{.: true()})"/>
  <xsl:variable name="t:alternatives" as="map(xs:string, xs:boolean)"
      select="map:merge(('subst', 'choice', 'app', 'rdgGrp') ! map{.: true()})"/>

  <!-- (written for speed: this runs for every node of the text, so names are looked up in
       maps and the common cases return first) -->
  <xsl:function name="t:is-break" as="xs:boolean">
    <xsl:param name="n" as="node()?"/>
    <xsl:sequence select="
        if (not($n instance of element())) then false()
        else let $name := local-name($n) return
          if ($name = ('lb', 'pb', 'cb')) then not($n/@break = 'no' or t:cjk-between($n))
          else (map:contains($t:break-names, $name)
                or (map:contains($t:unit-containers, local-name($n/..))
                    and not(t:holds-prose($n/..)))
                or t:is-field-bibl($n/..))
               and namespace-uri($n) = 'http://www.tei-c.org/ns/1.0'"/>
  </xsl:function>
  <!-- A unit container that holds words of its own is prose, not a row of units: its
       phrase-level children join the words beside them like anywhere else (Schnitzler's
       closers: "Herzlich<c>s</c>t Ihr" is "Herzlichst", not "Herzlich s t"); its blocks
       and line-like children still break. -->
  <xsl:function name="t:holds-prose" as="xs:boolean" cache="yes">
    <xsl:param name="c" as="element()"/>
    <xsl:sequence select="exists($c/text()[matches(., '\p{L}')])"/>
  </xsl:function>
  <!-- A bibl made of fields alone, with no punctuation of its own (Schnitzler's registers),
       and a biblStruct and its parts (which never have any): its fields are units
       ("<title>Episode</title><author>…" is two words), punctuated by t:field-separator;
       a bibl that writes its punctuation ("<author>A</author>: …") reads as is. -->
  <xsl:function name="t:is-field-bibl" as="xs:boolean">
    <xsl:param name="b" as="node()?"/>
    <xsl:sequence select="exists($b/(self::bibl | self::biblStruct | self::analytic
                                     | self::monogr | self::imprint | self::series))
                          and empty($b/text()[normalize-space()])"/>
  </xsl:function>
  <!-- What stands between two fields of such a bibl: "; " between names, ". " between
       other fields (the works register of every Schnitzler letter read "Anatol Arthur
       Schnitzler: Anatol. Berlin … 1893 Anatol Schnitzler, Arthur Hofmannsthal, Hugo von"),
       ", " after a monograph's title and between the parts of its imprint ("Author. Title,
       Paris, Publisher, 1896", as t:bibl-struct writes a source);
       a space where a field ends in punctuation or a note, pointer or milestone stands. -->
  <xsl:function name="t:field-separator" as="xs:string">
    <xsl:param name="prev" as="element()"/>
    <xsl:param name="next" as="element()"/>
    <xsl:sequence select="
        if (t:is-never-flow($prev) or t:is-never-flow($next) or normalize-space($prev) = ''
            or matches(normalize-space($prev), '[.!?:;,]$')) then ' '
        else if ($prev[self::author or self::editor] and $next[self::author or self::editor])
        then '; '
        else if ($prev/parent::imprint or $prev[self::title or self::edition or self::biblScope]
                 [parent::monogr or parent::series]) then ', '
        else '. '"/>
  </xsl:function>
  <!-- Chinese and Japanese are written without spaces between words: in a document in
       one of them, a line break of the source (a newline, an lb, pb or cb) between two of
       their characters is no word boundary ("不亦說乎？ 有朋" was a space too many). -->
  <xsl:variable name="t:cjk" as="xs:boolean" select="tokenize(lower-case(string(
      (/*/@xml:lang, (/*//*:text)[1]/@xml:lang)[1])), '[-_]')[1]
      = ('zh', 'ja', 'lzh', 'yue', 'wuu', 'och', 'ltc', 'cmn', 'zho', 'chi', 'jpn')"/>
  <xsl:variable name="t:cjk-class" as="xs:string" select="'[&#x3000;-&#x303F;&#x3040;-&#x30FF;&#x3400;-&#x4DBF;&#x4E00;-&#x9FFF;&#xF900;-&#xFAFF;&#xFF00;-&#xFFEF;&#x20000;-&#x3FFFD;]'"/>
  <xsl:function name="t:cjk-between" as="xs:boolean">
    <xsl:param name="n" as="node()"/>
    <xsl:sequence select="$t:cjk
        and matches(string($n/preceding-sibling::node()[1][self::text()]), $t:cjk-class || '\s*$')
        and matches(string($n/following-sibling::node()[1][self::text()]), '^\s*' || $t:cjk-class)"/>
  </xsl:function>
  <xsl:function name="t:cjk-join" as="xs:string">
    <xsl:param name="s" as="xs:string"/>
    <xsl:variable name="pattern" select="'(' || $t:cjk-class || ')\s*\n\s*(' || $t:cjk-class || ')'"/>
    <xsl:sequence select="if ($t:cjk) then replace(replace($s, $pattern, '$1$2'), $pattern, '$1$2')
                          else $s"/>
  </xsl:function>
  <xsl:function name="t:is-join" as="xs:boolean">
    <xsl:param name="n" as="node()?"/>
    <xsl:sequence select="$n instance of element() and local-name($n) = ('lb', 'pb', 'cb')
                          and ($n/@break = 'no' or t:cjk-between($n))"/>
  </xsl:function>

  <xsl:mode name="t:ws" on-no-match="shallow-copy"/>
  <xsl:mode name="t:wst" on-no-match="shallow-copy"/>
  <xsl:template match="text" mode="t:ws">
    <xsl:copy>
      <xsl:apply-templates select="@*, node()" mode="t:wst"/>
    </xsl:copy>
  </xsl:template>
  <xsl:template match="text()[$t:cjk]" mode="t:wst" priority="0">
    <xsl:value-of select="t:cjk-join(.)"/>
  </xsl:template>
  <!-- Whitespace alone beside an element (between the blocks of a novel, the entries of a
       dictionary: most text nodes of the rule's) is what the template below makes of it,
       with the tests that cannot apply to it left out: no word character for a break to
       be added beside, no CJK character to join. (The word rule's share of a novel's
       build: 0.12 s with every such node through the general template, 0.07 without.) -->
  <xsl:template match="text()[../*][not(matches(., '\S'))]" mode="t:wst" priority="1">
    <xsl:variable name="prev" select="preceding-sibling::node()[1]"/>
    <xsl:variable name="next" select="following-sibling::node()[1]"/>
    <xsl:choose>
      <xsl:when test="t:is-join($prev) or t:is-join($next)"/>
      <xsl:when test="map:contains($t:alternatives, local-name(..))"/>
      <xsl:when test="empty($next) and map:contains($t:unit-containers, local-name(..))"/>
      <xsl:when test="$prev instance of element() and $next instance of element()
                      and t:is-field-bibl(..)">
        <xsl:value-of select="t:field-separator($prev, $next)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- only a text node with an element beside it can need a change (in Chinese and
       Japanese, any text node: t:cjk-join) -->
  <xsl:template match="text()[../*]" mode="t:wst">
    <xsl:variable name="prev" select="preceding-sibling::node()[1]"/>
    <xsl:variable name="next" select="following-sibling::node()[1]"/>
    <xsl:variable name="s" select="
        if (t:is-join($prev)) then replace(t:cjk-join(.), '^\s+', '') else t:cjk-join(.)"/>
    <xsl:variable name="s" select="
        if (t:is-join($next)) then replace($s, '\s+$', '') else $s"/>
    <xsl:choose>
      <xsl:when test="$s = ''"/>
      <xsl:when test="map:contains($t:alternatives, local-name(..))
                      and normalize-space($s) = ''"/>
      <!-- layout whitespace closing a unit container is no text: what follows the last
           unit (a dictionary translation's ";") comes right after it -->
      <xsl:when test="empty($next) and map:contains($t:unit-containers, local-name(..))
                      and normalize-space($s) = ''"/>
      <xsl:when test="$prev instance of element() and $next instance of element()
                      and normalize-space($s) = '' and t:is-field-bibl(..)">
        <xsl:value-of select="t:field-separator($prev, $next)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="
            (if (t:is-break($prev) and matches($s, '^\w')) then ' ' else '') || $s
            || (if (t:is-break($next) and matches($s, '\w$')) then ' ' else '')"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- only an element with an element right beside it can need a space added -->
  <xsl:template match="*[preceding-sibling::node()[1] instance of element()
                         or following-sibling::node()[1] instance of element()]" mode="t:wst">
    <xsl:variable name="brk" select="t:is-break(.)
                                     and not(map:contains($t:alternatives, local-name(..)))"/>
    <xsl:if test="$brk and preceding-sibling::node()[1] instance of element()">
      <xsl:value-of select="if (t:is-field-bibl(..))
                            then t:field-separator(preceding-sibling::*[1], .) else ' '"/>
    </xsl:if>
    <xsl:copy>
      <xsl:apply-templates select="@*, node()" mode="t:wst"/>
    </xsl:copy>
    <xsl:if test="$brk and following-sibling::node()[1][self::*][not(t:is-break(.))]">
      <xsl:text> </xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- The document as every output reads it: the source with the rule above applied.
       teikit.transform applies the rule once per document (calling t:words) and hands its
       result to each format with t:words-applied="yes": one copy of the tree, not three. -->
  <xsl:param name="t:words-applied" as="xs:string" select="''"/>
  <xsl:variable name="t:doc" as="document-node()">
    <xsl:choose>
      <xsl:when test="$t:words-applied = 'yes'"><xsl:sequence select="/"/></xsl:when>
      <xsl:otherwise>
        <xsl:document>
          <xsl:apply-templates select="/node()" mode="t:ws"/>
        </xsl:document>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:template name="t:words" as="document-node()">
    <xsl:sequence select="$t:doc"/>
  </xsl:template>

  <!-- ===== document facts ===== -->
  <xsl:variable name="t:root" select="$t:doc/*" as="element()"/>
  <xsl:variable name="t:header" select="($t:root/teiHeader, $t:root//teiHeader)[1]"/>
  <!-- ISO 639-2/3 codes with an ISO 639-1 equivalent: BCP 47 (and so HTML and EPUB) wants
       the two-letter code where one exists. -->
  <xsl:variable name="t:iso639-1" as="map(xs:string, xs:string)" select="map{
      'deu': 'de', 'ger': 'de', 'fra': 'fr', 'fre': 'fr', 'rus': 'ru', 'eng': 'en',
      'lat': 'la', 'ita': 'it', 'spa': 'es', 'por': 'pt', 'pol': 'pl', 'ces': 'cs',
      'cze': 'cs', 'slk': 'sk', 'slo': 'sk', 'hun': 'hu', 'fin': 'fi', 'swe': 'sv',
      'nor': 'no', 'nob': 'nb', 'nno': 'nn', 'dan': 'da', 'nld': 'nl', 'dut': 'nl',
      'ell': 'el', 'gre': 'el', 'heb': 'he', 'ara': 'ar', 'tur': 'tr', 'ukr': 'uk',
      'bel': 'be', 'bul': 'bg', 'srp': 'sr', 'hrv': 'hr', 'slv': 'sl', 'lit': 'lt',
      'lav': 'lv', 'est': 'et', 'ron': 'ro', 'rum': 'ro', 'cat': 'ca', 'oci': 'oc',
      'gle': 'ga', 'cym': 'cy', 'wel': 'cy', 'afr': 'af', 'swa': 'sw', 'wol': 'wo',
      'san': 'sa', 'zho': 'zh', 'chi': 'zh', 'jpn': 'ja', 'kor': 'ko', 'hin': 'hi',
      'yid': 'yi', 'eus': 'eu', 'baq': 'eu', 'glg': 'gl', 'isl': 'is', 'ice': 'is',
      'mkd': 'mk', 'mac': 'mk', 'sqi': 'sq', 'alb': 'sq', 'hye': 'hy', 'arm': 'hy',
      'kat': 'ka', 'geo': 'ka', 'fas': 'fa', 'per': 'fa', 'urd': 'ur', 'ben': 'bn',
      'vie': 'vi', 'tha': 'th', 'ind': 'id', 'msa': 'ms', 'may': 'ms', 'epo': 'eo',
      'ltz': 'lb', 'bre': 'br', 'gla': 'gd', 'fao': 'fo', 'kaz': 'kk', 'uzb': 'uz',
      'aze': 'az', 'tat': 'tt', 'gsw': 'gsw', 'swh': 'sw', 'nds': 'nds'}"/>

  <!-- A language tag as BCP 47: the primary subtag lower-cased and two-letter where ISO
       639-1 has it, the rest kept; '' when the value is no language tag at all (a primary
       subtag is two or three letters: "creole" or "German" are names, not tags). -->
  <xsl:function name="t:bcp47" as="xs:string">
    <xsl:param name="tag" as="xs:string?"/>
    <xsl:variable name="t" select="normalize-space($tag)"/>
    <xsl:variable name="parts" select="tokenize($t, '[-_]')"/>
    <xsl:variable name="primary" select="lower-case($parts[1])"/>
    <xsl:sequence select="
        if (not(matches($t, '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$'))) then ''
        else string-join((($t:iso639-1($primary), $primary)[1], subsequence($parts, 2)), '-')"/>
  </xsl:function>

  <!-- The writing direction of a (BCP 47) language: right to left for the scripts written
       so (Arabic, Hebrew, Syriac, Thaana, N'Ko, Adlam…), by the script subtag when there is
       one, else by the language's usual script. Without it an Arabic page is set left to
       right: punctuation at the wrong end, lines aligned to the wrong side. -->
  <xsl:function name="t:dir" as="xs:string">
    <xsl:param name="lang" as="xs:string"/>
    <xsl:variable name="parts" select="tokenize(lower-case($lang), '-')"/>
    <xsl:variable name="script" select="$parts[position() gt 1][string-length(.) = 4][1]"/>
    <xsl:sequence select="
        if (exists($script))
        then (if ($script = ('arab', 'hebr', 'syrc', 'thaa', 'nkoo', 'adlm', 'samr', 'mand',
                             'rohg')) then 'rtl' else 'ltr')
        else if ($parts[1] = ('ar', 'he', 'iw', 'fa', 'ur', 'yi', 'ji', 'ps', 'sd', 'ug', 'dv',
                              'syr', 'arc', 'ckb', 'prs', 'pnb', 'azb', 'ota', 'jrb', 'sam'))
        then 'rtl' else 'ltr'"/>
  </xsl:function>

  <xsl:variable name="t:lang" as="xs:string"
      select="(t:bcp47($t:root/@xml:lang)[. != ''],
               t:bcp47(($t:root//text)[1]/@xml:lang)[. != ''],
               t:bcp47(($t:header/profileDesc/langUsage/language)[1]/@ident)[. != ''],
               'und')[1]"/>
  <!-- Interface labels: the ui-lang parameter, else the document's language when teikit
       has labels for it, else English. -->
  <xsl:variable name="t:ui" as="xs:string" select="
      let $doc := substring-before($t:lang || '-', '-')
      return if ($ui-lang != '' and map:contains($t:labels, $ui-lang)) then $ui-lang
             else if (map:contains($t:labels, $doc)) then $doc else 'en'"/>

  <xsl:variable name="t:labels" as="map(xs:string, map(xs:string, xs:string))" select="map{
      'en': map{'contents': 'Contents', 'notes': 'Notes', 'index': 'Index of names',
                'persons': 'Persons', 'places': 'Places', 'orgs': 'Organisations',
                'page': 'Page', 'note': 'Note', 'back': 'Back to text', 'mention': 'mention',
                'original': 'original', 'editorial': 'editorial addition',
                'abbr': 'abbreviation', 'readings': 'other readings', 'gap': 'omitted',
                'source': 'Source', 'licence': 'Licence', 'front': 'Front matter',
                'back-matter': 'Back matter', 'text': 'Text', 'section': 'Section',
                'untitled': 'Untitled', 'landmarks': 'Landmarks', 'pages': 'Pages',
                'mentions': 'mentions', 'wikidata': 'Wikidata', 'generated':
                'Generated by teikit from the TEI source.', 'author': 'Author',
                'deleted': 'deleted', 'added': 'added', 'unclear': 'unclear',
                'supplied': 'supplied', 'cast': 'Cast', 'others': 'Other names',
                'start': 'Start of text', 'apparatus': 'Apparatus', 'sent': 'From',
                'received': 'To', 'series': 'Series', 'pages-of': 'pages of',
                'speeches': 'speeches', 'variants': 'also',
                'facsimile': 'Facsimile', 'page-numbers': 'Page numbers',
                'pages-transcription': 'pages of the transcription', 'imprint': 'Imprint'},
      'ru': map{'contents': 'Содержание', 'notes': 'Примечания', 'index': 'Указатель имён',
                'persons': 'Лица', 'places': 'Места', 'orgs': 'Организации',
                'page': 'Страница', 'note': 'Примечание', 'back': 'Назад к тексту',
                'mention': 'упоминание', 'original': 'в оригинале',
                'editorial': 'добавлено редактором', 'abbr': 'сокращение',
                'readings': 'другие чтения', 'gap': 'пропуск', 'source': 'Источник',
                'licence': 'Лицензия', 'front': 'Вступительная часть',
                'back-matter': 'Заключительная часть', 'text': 'Текст', 'section': 'Раздел',
                'untitled': 'Без названия', 'landmarks': 'Ориентиры', 'pages': 'Страницы',
                'mentions': 'упоминания', 'wikidata': 'Викиданные',
                'generated': 'Создано teikit из TEI-источника.', 'author': 'Автор',
                'deleted': 'удалено', 'added': 'добавлено', 'unclear': 'неразборчиво',
                'supplied': 'восстановлено', 'cast': 'Действующие лица',
                'others': 'Прочие имена', 'start': 'Начало текста',
                'apparatus': 'Критический аппарат', 'sent': 'Отправитель',
                'received': 'Получатель', 'series': 'Серия', 'pages-of': 'страницы издания',
                'speeches': 'реплики', 'variants': 'также',
                'facsimile': 'Факсимиле', 'page-numbers': 'Номера страниц',
                'pages-transcription': 'страницы транскрипции', 'imprint': 'Выходные данные'},
      'de': map{'contents': 'Inhalt', 'notes': 'Anmerkungen', 'index': 'Namensregister',
                'persons': 'Personen', 'places': 'Orte', 'orgs': 'Organisationen',
                'page': 'Seite', 'note': 'Anmerkung', 'back': 'Zurück zum Text',
                'mention': 'Erwähnung', 'original': 'im Original',
                'editorial': 'Ergänzung der Herausgeber', 'abbr': 'Abkürzung',
                'readings': 'andere Lesarten', 'gap': 'Auslassung', 'source': 'Quelle',
                'licence': 'Lizenz', 'front': 'Vorspann', 'back-matter': 'Anhang',
                'text': 'Text', 'section': 'Abschnitt', 'untitled': 'Ohne Titel',
                'landmarks': 'Orientierungspunkte', 'pages': 'Seiten',
                'mentions': 'Erwähnungen', 'wikidata': 'Wikidata',
                'generated': 'Von teikit aus der TEI-Quelle erzeugt.', 'author': 'Autor',
                'deleted': 'gestrichen', 'added': 'hinzugefügt', 'unclear': 'unsicher',
                'supplied': 'ergänzt', 'cast': 'Personen', 'others': 'Weitere Namen',
                'start': 'Zum Text', 'apparatus': 'Apparat', 'sent': 'Von',
                'received': 'An', 'series': 'Reihe', 'pages-of': 'Seiten von',
                'speeches': 'Repliken', 'variants': 'auch',
                'facsimile': 'Faksimile', 'page-numbers': 'Seitenzahlen',
                'pages-transcription': 'Seiten der Transkription', 'imprint': 'Impressum'},
      'fr': map{'contents': 'Sommaire', 'notes': 'Notes', 'index': 'Index des noms',
                'persons': 'Personnes', 'places': 'Lieux', 'orgs': 'Organisations',
                'page': 'Page', 'note': 'Note', 'back': 'Retour au texte',
                'mention': 'mention', 'original': 'original',
                'editorial': 'ajout de l’éditeur', 'abbr': 'abréviation',
                'readings': 'autres leçons', 'gap': 'lacune', 'source': 'Source',
                'licence': 'Licence', 'front': 'Liminaire', 'back-matter': 'Annexes',
                'text': 'Texte', 'section': 'Section', 'untitled': 'Sans titre',
                'landmarks': 'Repères', 'pages': 'Pages', 'mentions': 'mentions',
                'wikidata': 'Wikidata', 'generated': 'Produit par teikit à partir de la source TEI.',
                'author': 'Auteur', 'deleted': 'supprimé', 'added': 'ajouté',
                'unclear': 'incertain', 'supplied': 'restitué', 'cast': 'Personnages',
                'others': 'Autres noms', 'start': 'Début du texte',
                'apparatus': 'Apparat critique', 'sent': 'De', 'received': 'À',
                'series': 'Collection', 'pages-of': 'pages de',
                'speeches': 'répliques', 'variants': 'aussi',
                'facsimile': 'Fac-similé', 'page-numbers': 'Numéros de page',
                'pages-transcription': 'pages de la transcription', 'imprint': 'Informations éditoriales'}}"/>

  <xsl:function name="t:label" as="xs:string">
    <xsl:param name="key" as="xs:string"/>
    <xsl:sequence select="(map:get(($t:labels($t:ui), map{})[1], $key),
                           $t:labels('en')($key), $key)[1]"/>
  </xsl:function>

  <!-- The reading text of any nodes, whitespace normalised. -->
  <xsl:function name="t:plain" as="xs:string">
    <xsl:param name="nodes" as="node()*"/>
    <xsl:variable name="s" as="xs:string*">
      <xsl:apply-templates select="$nodes" mode="t:plain"/>
    </xsl:variable>
    <xsl:sequence select="normalize-space(string-join($s, ''))"/>
  </xsl:function>

  <xsl:variable name="t:titleStmt" select="$t:header/fileDesc/titleStmt"/>

  <!-- Main title: untyped or type=main, in the document's language if there is one. -->
  <xsl:variable name="t:title" as="xs:string" select="
      let $own := $t:titleStmt/title[not(@level = ('s', 'j', 'm') and ../title[@level = 'a'])]
                                    [not(@level = 's')][not(@type = ('iso-date', 'sub',
                                     'subtitle', 'alt', 'short', 'desc'))],
          $main := $own[not(@type) or @type = ('main', 'full')],
          $all := ($main, $own, $t:titleStmt/title),
          $pick := ($all[not(@xml:lang) or @xml:lang = $t:lang])[1]
      return (t:plain(($pick, $all[1])[1])[. != ''], t:plain($t:root//text//head[1])[. != ''],
              t:label('untitled'))[1]"/>

  <!-- The text's own title page (front/titlePage): when there is one, it is the title
       block of every output and the block made from the header is left out: one title
       block, not two. -->
  <xsl:variable name="t:title-page" as="element()?"
      select="($t:root//text[not(ancestor::text)]/front/titlePage)[1]"/>

  <!-- A docTitle straight in the front (no titlePage round it) whose parts only repeat the
       header's titles, as in most DraCor plays: the title block already shows them, so the
       outputs that show that block leave it out rather than show the title twice. -->
  <xsl:function name="t:repeats-header" as="xs:boolean">
    <xsl:param name="doc-title" as="element()"/>
    <xsl:variable name="header" select="t:title-key(string-join($t:titleStmt/title ! t:plain(.),
                                                                ' / '))"/>
    <!-- (one holding a note is kept: the note's mark is there) -->
    <xsl:sequence select="empty($t:title-page) and exists($doc-title/titlePart)
        and empty($doc-title//note) and
        (every $p in $doc-title/titlePart satisfies contains($header, t:title-key(t:plain($p))))"/>
  </xsl:function>
  <!-- A title as compared: case, punctuation and Unicode normalisation do not count. -->
  <xsl:function name="t:title-key" as="xs:string">
    <xsl:param name="s" as="xs:string"/>
    <xsl:sequence select="normalize-space(lower-case(replace(normalize-unicode($s),
                                                             '[\p{P}\s]+', ' ')))"/>
  </xsl:function>

  <!-- The series a document belongs to (title level="s"): shown apart, never as the title. -->
  <xsl:variable name="t:series" as="xs:string*" select="
      $t:titleStmt/title[@level = 's'] ! t:plain(.)[. != '']"/>

  <xsl:variable name="t:subtitles" as="xs:string*" select="
      for $s in $t:titleStmt/title[@type = ('sub', 'subtitle')]
                 [not(@xml:lang) or @xml:lang = $t:lang]
      return t:plain($s)[. != '']"/>

  <!-- The date of the work (an EPUB's dc:date, which a reading system's library shows): a
       letter's sending, the text's creation, the earliest of a play's writing, printing
       and premiere (DraCor's standOff events, in no set order: "Дни Турбиных", played in
       1926, was dated by its 1955 printing), the source's first edition, then the edition the text
       was taken from, else a date of the source that is not the digital source's (ELTeC
       and DraCor date their digitisation: Gay's "Ellénore" of 1844 was dated 2006); only a
       W3C date (YYYY, YYYY-MM, YYYY-MM-DD), which is what dc:date may hold, a range of
       years ("1869-1870") by its first; a text born digital (a source described in
       prose, no bibliographic record: FreeDict's dictionaries) is dated by its
       publication. The order is kept with "!" and "for": a path ("(a, b)/@when") would
       put the dates back in document order. -->
  <xsl:variable name="t:work-date" as="xs:string?" select="
      let $p := $t:header/profileDesc,
          $sd := $t:header/fileDesc/sourceDesc,
          $events := $t:root/standOff//event[@type = ('written', 'print', 'premiere')],
          $sources := ($sd//bibl[@type = 'firstEdition'],
                       $sd//bibl[@type = ('originalSource', 'printSource')])
      return ((($p/correspDesc/correspAction[@type = 'sent']//date,
                $p/creation//date) ! (@when, @notBefore, @from),
               sort($events ! (@when, @notBefore)[matches(., '^\d{4}')] ! string(.))[1],
               (for $b in $sources return $b//date[ancestor::bibl[1] is $b]) ! (@when, .),
               $sd//date[not(ancestor::bibl[1]/@type = 'digitalSource')] ! (@when, .),
               $t:header/fileDesc/publicationStmt/date[empty($sd/(bibl | biblStruct
                   | biblFull | msDesc | listBibl))] ! (@when, .))
              ! replace(normalize-space(.), '^(\d{4})\s*[-–/]\s*\d{4}$', '$1')
              [matches(., '^\d{4}(-\d\d(-\d\d)?)?$')])[1]"/>

  <!-- Authors: the name in the document's language, without ids and dates. -->
  <xsl:variable name="t:author-elements" select="$t:titleStmt/author"/>
  <!-- The display form: "Forename Surname" (a persName with forename and surname in that
       order; an inverted "Surname, Forename" is turned round). The name's own display
       form wins when it marks one (persName type="display"/"full"). -->
  <xsl:function name="t:author-name" as="xs:string">
    <xsl:param name="a" as="element()"/>
    <xsl:variable name="names" select="$a/(persName | name | orgName)"/>
    <xsl:variable name="n" select="($names[@type = ('display', 'full')][not(@xml:lang) or
        @xml:lang = $t:lang], $names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1]"/>
    <xsl:variable name="s" select="
        if (exists($n/forename) and exists($n/surname))
        then string-join(($n/forename ! t:plain(.), $n/surname ! t:plain(.)), ' ')
        else if (exists($n)) then t:plain($n)
        else t:plain($a/node()[not(self::idno or self::date or self::note)])"/>
    <xsl:variable name="core" select="t:name-core($s)"/>
    <xsl:sequence select="
        if (empty($a/*) and matches($core, '^[^,]+,\s*[^,]+$'))
        then replace($core, '^([^,]+),\s*(.+)$', '$2 $1') else $core"/>
  </xsl:function>
  <!-- A name without what an authority heading adds to it (ELTeC's "Sand, George [Amantine
       Lucile Aurore Dupin] (1804-1876)"): the real name in brackets and the life dates in
       parentheses belong to a catalogue, not to the title page. -->
  <xsl:function name="t:name-core" as="xs:string">
    <xsl:param name="s" as="xs:string"/>
    <xsl:sequence select="normalize-space(replace(replace($s, '\s*\[[^\]]*\]', ''),
                                                  '\s*\([^)]*\d[^)]*\)\s*$', ''))"/>
  </xsl:function>
  <!-- "Surname, Forename" for sorting (EPUB file-as) -->
  <xsl:function name="t:author-file-as" as="xs:string">
    <xsl:param name="a" as="element()"/>
    <xsl:variable name="names" select="$a/(persName | name)"/>
    <xsl:variable name="n" select="($names[@type = ('filing', 'sort', 'reg')],
        $names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1]"/>
    <xsl:sequence select="
        if ($n/@type = ('filing', 'sort', 'reg')) then t:plain($n)
        else if ($n/surname and $n/forename)
        then string-join((t:plain($n/surname), string-join($n/forename !t:plain(.), ' ')), ', ')
        else if (empty($a/*) and contains(t:name-core(t:plain($a)), ','))
        then t:name-core(t:plain($a))
        else t:author-name($a)"/>
  </xsl:function>
  <xsl:variable name="t:authors" as="xs:string*"
      select="$t:author-elements ! t:author-name(.)[. != '']"/>

  <xsl:variable name="t:source" as="xs:string" select="
      let $sd := $t:header/fileDesc/sourceDesc,
          $b := ($sd//bibl[@type = ('originalSource', 'printSource', 'print')],
                 $sd/(bibl | biblStruct | biblFull | msDesc | p))[1]
      return if ($b/self::biblStruct) then t:bibl-struct($b)
             else if ($b/self::msDesc) then t:fields($b/msIdentifier/*, ', ')
             else if ($b/self::bibl and empty($b/text()[normalize-space()])) then t:bibl-fields($b)
             else t:plain($b)"/>

  <!-- A source made of fields alone, with no punctuation of its own between them (ELTeC's
       print source, a manuscript's msIdentifier): the fields kept apart, in citation order
       ("Paul Bourget. Laurence Albani. Plon-Nourrit, 1919"; "Wien, ÖNB, Cod. 123"); their
       text run together read "WienÖNBCod. 123". -->
  <xsl:function name="t:bibl-fields" as="xs:string">
    <xsl:param name="b" as="element()"/>
    <xsl:sequence select="string-join((
        string-join(($b/author | $b/editor) ! t:author-name(.)[. != ''], ', '),
        t:fields($b/title, '. '),
        t:fields($b/*[not(self::author or self::editor or self::title or self::ref
                          or self::ptr or self::note)], ', '))[. != ''], '. ')"/>
  </xsl:function>
  <xsl:function name="t:fields" as="xs:string">
    <xsl:param name="fields" as="element()*"/>
    <xsl:param name="sep" as="xs:string"/>
    <xsl:sequence select="string-join($fields ! t:plain(.)[. != ''], $sep)"/>
  </xsl:function>

  <!-- "Author. Title. Journal, No. 20, 1931" from a biblStruct -->
  <xsl:function name="t:bibl-struct" as="xs:string">
    <xsl:param name="b" as="element()"/>
    <xsl:variable name="a" select="$b/analytic"/>
    <xsl:variable name="m" select="$b/monogr"/>
    <xsl:sequence select="string-join((
        string-join(($a, $m)[1]/author ! t:plain(.), ', ')[. != ''],
        t:plain(($a/title[not(@type = 'sub')], $a/title)[1])[. != ''],
        string-join((t:plain(($m/title[not(@type = 'sub')], $m/title)[1])[. != ''],
                     $m/biblScope ! t:plain(.)[. != ''],
                     t:plain($m/imprint/pubPlace)[. != ''],
                     t:plain($m/imprint/date)[. != '']), ', ')[. != '']), '. ')"/>
  </xsl:function>

  <!-- Of several versions of a statement in different languages, those in the document's
       language (else the ones without xml:lang, else all). -->
  <xsl:function name="t:in-lang" as="element()*">
    <xsl:param name="els" as="element()*"/>
    <xsl:variable name="primary" select="substring-before($t:lang || '-', '-')"/>
    <xsl:variable name="mine" select="$els[starts-with(t:bcp47(
        ancestor-or-self::*[@xml:lang][1]/@xml:lang) || '-', $primary || '-')]"/>
    <xsl:sequence select="if (exists($mine)) then $mine
                          else if (exists($els[not(@xml:lang)])) then $els[not(@xml:lang)]
                          else $els"/>
  </xsl:function>

  <!-- The licence and the rights statement, in the document's language when the header
       gives them in several. -->
  <xsl:variable name="t:rights" as="xs:string" select="
      let $a := $t:header/fileDesc/publicationStmt/availability
      return string-join((t:in-lang($a/licence) ! (t:plain(.), @target)[. != ''],
                          t:in-lang($a/p) ! t:plain(.)[. != ''],
                          if ($a/licence or $a/p) then () else t:plain($a)), ' ')"/>
  <xsl:variable name="t:description" as="xs:string" select="
      string-join((string-join($t:subtitles, '. ')[. != ''],
                   if ($t:source) then t:label('source') || ': ' || $t:source else ()), '. ')"/>

  <!-- ===== critical apparatus ===== -->
  <!-- An entry keyed to its lemma: "1.2:5 lemma] reading Sigla; om. Sigla (witDetail) — note"
       (t:app-key: section 1.2, line 5; the entry's number when it has neither).
       Sigla come from listWit/witness (@n, abbr, idno, then the text), else the pointer
       itself; an empty reading is "om.". The notes of an app belong to its entry. -->
  <xsl:function name="t:app-number" as="xs:integer">
    <xsl:param name="app" as="element()"/>
    <xsl:sequence select="$app/accumulator-before('t:app')"/>
  </xsl:function>
  <xsl:function name="t:app-lemma" as="element()?">
    <xsl:param name="app" as="element()"/>
    <xsl:sequence select="($app/lem, $app/rdg, $app/rdgGrp/(lem, rdg))[1]"/>
  </xsl:function>
  <!-- A witness's siglum: its @n, its abbr/idno/siglum, its content when that is as short
       as a siglum ("A"), else its id: a name such as "Oxoniensis" is a description, and
       the id the apparatus then uses is the editor's siglum ("O"). -->
  <xsl:function name="t:siglum" as="xs:string">
    <xsl:param name="pointer" as="xs:string"/>
    <xsl:variable name="id" select="t:ref-id($pointer)"/>
    <xsl:variable name="w" select="key('t:id', $id, $t:doc)[self::witness or self::listWit
                                                                or self::bibl or self::msDesc]"/>
    <xsl:sequence select="(normalize-space($w/@n)[. != ''],
                           t:plain($w/(abbr | idno | siglum)[1])[. != ''],
                           t:plain($w)[. != ''][string-length(.) le 5], $id)[1]"/>
  </xsl:function>
  <!-- Who attests a reading: its witnesses, its source, and who proposed it (@resp: a
       conjecture has no witness, but has an author). -->
  <xsl:function name="t:sigla" as="xs:string">
    <xsl:param name="r" as="element()"/>
    <xsl:sequence select="string-join(for $p in tokenize(normalize-space(
                              string-join(($r/@wit, $r/@source, $r/@resp), ' ')))
                          return t:siglum($p), ' ')"/>
  </xsl:function>
  <xsl:function name="t:reading-text" as="xs:string">
    <xsl:param name="r" as="element()"/>
    <xsl:sequence select="(t:plain($r)[. != ''], 'om.')[1]"/>
  </xsl:function>
  <!-- The readings other than the lemma (those of a nested app belong to its own entry). -->
  <xsl:function name="t:app-others" as="element()*">
    <xsl:param name="app" as="element()"/>
    <xsl:variable name="lemma" select="t:app-lemma($app)"/>
    <xsl:sequence select="$app//(lem | rdg)[not(. is $lemma)][ancestor::app[1] is $app]"/>
  </xsl:function>
  <!-- What the witDetails of an app say about reading $r: "(in the margin)". -->
  <xsl:function name="t:wit-details" as="xs:string*">
    <xsl:param name="app" as="element()"/>
    <xsl:param name="r" as="element()"/>
    <xsl:sequence select="$app//witDetail[tokenize(@target) = $r/@xml:id ! ('#' || .)]
                                         [ancestor::app[1] is $app] ! ('(' || t:plain(.) || ')')"/>
  </xsl:function>
  <!-- The readings other than the lemma, each with its sigla and wit details. -->
  <xsl:function name="t:app-readings" as="xs:string*">
    <xsl:param name="app" as="element()"/>
    <xsl:sequence select="
        for $r in t:app-others($app)
        return string-join((t:reading-text($r), t:sigla($r)[. != ''], t:wit-details($app, $r)),
                           ' ')"/>
  </xsl:function>
  <!-- Where an entry stands, as its key: the section reference (each enclosing division's
       @n, else its head's @n, else its position among its sibling divisions, joined by
       '.') and, after ':', the line: the verse line's @n, else, where the section has line
       beginnings (lb), the last one's @n or their count. '' outside any division and line. -->
  <xsl:function name="t:app-key" as="xs:string">
    <xsl:param name="app" as="element()"/>
    <xsl:variable name="divs" select="$app/ancestor::*[t:is-div(.)]"/>
    <xsl:variable name="section" select="string-join(
        for $d in $divs return (normalize-space($d/@n)[. != ''],
                                normalize-space($d/head[1]/@n)[. != ''],
                                string(count($d/preceding-sibling::*[t:is-div(.)]) + 1))[1],
        '.')"/>
    <xsl:variable name="line" select="(normalize-space($app/ancestor::l[1]/@n)[. != ''],
                                       t:lb-line($app, ($divs[last()], $app/ancestor::text[1])[1]))[1]"/>
    <!-- an entry that says where it belongs (EpiDoc's app/@loc: the line) keeps that -->
    <xsl:sequence select="(normalize-space($app/@loc)[. != ''],
                           string-join(($section[. != ''], $line[. != '']), ':'))[1]"/>
  </xsl:function>
  <!-- The line of $node counted by the lb elements of $scope: the last preceding one's
       @n, else how many precede it (plus one when text stands before the first lb);
       '' when $scope has no lb. -->
  <xsl:function name="t:lb-line" as="xs:string">
    <xsl:param name="node" as="element()"/>
    <xsl:param name="scope" as="element()?"/>
    <xsl:variable name="lbs" select="$scope//lb"/>
    <xsl:variable name="before" select="$lbs[. &lt;&lt; $node]"/>
    <xsl:variable name="opening" select="exists($lbs[1]/preceding::text()[normalize-space()]
        [. >> $scope][not(ancestor::head)])"/>
    <xsl:sequence select="if (empty($lbs)) then ''
        else if (normalize-space($before[last()]/@n) != '') then normalize-space($before[last()]/@n)
        else string(count($before) + (if ($opening) then 1 else 0))"/>
  </xsl:function>
  <xsl:function name="t:app-entry" as="xs:string">
    <xsl:param name="app" as="element()"/>
    <xsl:variable name="lemma" select="t:app-lemma($app)"/>
    <xsl:variable name="line" select="(t:app-key($app)[. != ''], string(t:app-number($app)))[1]"/>
    <xsl:sequence select="string-join((
        (if ($line != '') then $line || ' ' else '')
        || t:reading-text($lemma) || ']'
        || (if (t:sigla($lemma) != '') then ' ' || t:sigla($lemma) else ''),
        string-join(t:app-readings($app), '; ')[. != ''],
        ($app/note | $app/rdgGrp/note) ! ('— ' || t:plain(./node()))), ' ')"/>
  </xsl:function>

  <!-- ===== quotation marks ===== -->
  <!-- Outer and inner pairs per language (the primary subtag); others use English. -->
  <xsl:variable name="t:quote-pairs" as="map(xs:string, xs:string+)" select="map{
      'de': ('„', '“', '‚', '‘'), 'fr': ('«&#xA0;', '&#xA0;»', '“', '”'),
      'ru': ('«', '»', '„', '“'), 'uk': ('«', '»', '„', '“'), 'pl': ('„', '”', '«', '»'),
      'cs': ('„', '“', '‚', '‘'), 'it': ('«', '»', '“', '”'), 'es': ('«', '»', '“', '”'),
      'ca': ('«', '»', '“', '”'), 'oc': ('«', '»', '“', '”'), 'pt': ('«', '»', '“', '”'),
      'el': ('«', '»', '“', '”'), 'ar': ('«', '»', '‹', '›'), 'fa': ('«', '»', '‹', '›'),
      'ja': ('「', '」', '『', '』'), 'hu': ('„', '”', '»', '«'), 'da': ('»', '«', '›', '‹'),
      'sv': ('”', '”', '’', '’'), 'fi': ('”', '”', '’', '’'), 'nl': ('“', '”', '‘', '’'),
      'en': ('“', '”', '‘', '’')}"/>
  <xsl:variable name="t:quote-chars" as="xs:string" select="'«»„“”‟&quot;''‹›‚‘’「」『』'"/>

  <!-- The marks to put around a quotation, or () when the source has its own: a quote
       character just before it or at its start, or said[@direct='false']. Inner marks
       for a quotation inside a quotation. -->
  <xsl:function name="t:quote-marks" as="xs:string*">
    <xsl:param name="q" as="element()"/>
    <!-- (the cases decided by the element alone first, before any of the variables of
         t:quote-marks-of are looked at: a dictionary's every translation is one, and
         Saxon computed them all for it: a sixth of the HTML of FreeDict oci-cat) -->
    <xsl:sequence select="if ($q/self::said[@direct = 'false']) then ()
        else if ($q/parent::cit[@type = ('trans', 'translation')]
                 or $q/@type = ('trans', 'translation')) then ()
        else t:quote-marks-of($q)"/>
  </xsl:function>
  <xsl:function name="t:quote-marks-of" as="xs:string*">
    <xsl:param name="q" as="element()"/>
    <xsl:variable name="before" select="string($q/preceding-sibling::node()[1]
                                               [self::text()])"/>
    <xsl:variable name="own" select="normalize-space(string($q))"/>
    <xsl:variable name="lang" select="substring-before(t:bcp47(
        ($q/ancestor-or-self::*[@xml:lang][1]/@xml:lang, $t:lang)[1]) || '-', '-')"/>
    <xsl:variable name="pairs" select="if (map:contains($t:quote-pairs, $lang))
                                       then $t:quote-pairs($lang) else $t:quote-pairs('en')"/>
    <xsl:variable name="nested" select="exists($q/ancestor::*[self::quote or self::q
                                               or self::said][not(self::said[@direct = 'false'])])"/>
    <xsl:sequence select="
        if (contains($t:quote-chars, substring(replace($before, '\s+$', ''),
                 string-length(replace($before, '\s+$', '')))) and $before != '') then ()
        else if ($own != '' and contains($t:quote-chars, substring($own, 1, 1))) then ()
        else if ($nested) then subsequence($pairs, 3, 2) else subsequence($pairs, 1, 2)"/>
  </xsl:function>

  <!-- After a translation (or example) of a dictionary sense that another follows: ";"
       (the word rule has put a space between them). -->
  <xsl:function name="t:cit-separator" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="if ($e/self::cit[following-sibling::*[1][self::cit]][ancestor::entry
                              or ancestor::entryFree]) then ';' else ''"/>
  </xsl:function>

  <!-- An epigraphic edition (EpiDoc): Leiden conventions for unclear letters. -->
  <xsl:variable name="t:is-leiden" as="xs:boolean" select="
      exists($t:doc/processing-instruction('xml-model')[contains(., 'epidoc')])
      or exists($t:root//text//div[@type = 'edition'])"/>
  <xsl:function name="t:leiden" as="xs:boolean">
    <xsl:sequence select="$t:is-leiden"/>
  </xsl:function>

  <!-- A line break in a letter's opening or closing formula keeps its line in every
       output: "Herzlichste Grüße!<lb/>Prost Neujahr!<lb/>Ihr sehr ergeb." is three lines
       of the letter's layout, where an lb in a paragraph of prose is only the source's
       line end (the text output reflows it). -->
  <xsl:function name="t:keeps-line" as="xs:boolean">
    <xsl:param name="lb" as="element()"/>
    <xsl:sequence select="not($lb/@break = 'no') and exists($lb/ancestor::*[self::opener
                          or self::closer][1]) and empty($lb/ancestor::note)"/>
  </xsl:function>

  <!-- ===== letters: the correspondence header ===== -->
  <!-- "From: Hermann Bahr, Wien, 24. 12. 1899", "To: Arthur Schnitzler, Wien": a person
       in the display form the title block and the index use (an authority's "Schnitzler,
       Arthur" turned round; its commas ran into the line's own: "Von: Kraus, Karl, 31. 12.
       1892, Wien"). -->
  <xsl:variable name="t:corresp" as="xs:string*" select="
      for $a in ($t:header/profileDesc/correspDesc/correspAction)[@type = ('sent', 'received')]
      return t:label($a/@type) || ': ' || string-join(
          $a/(persName | orgName | name | placeName | settlement | date)
            ! (if (self::persName) then t:author-name(.) else t:plain(.))[. != ''],
          ', ')"/>

  <!-- "1. " before a sense that has sibling senses (or its own @n); '' otherwise. -->
  <xsl:function name="t:sense-number" as="xs:string">
    <xsl:param name="sense" as="element()"/>
    <xsl:variable name="n" select="normalize-space($sense/@n)"/>
    <xsl:sequence select="
        if ($n != '') then $n || (if (matches($n, '[.)]$')) then ' ' else '. ')
        else if (count($sense/../sense) gt 1)
          then count($sense/preceding-sibling::sense) + 1 || '. '
        else ''"/>
  </xsl:function>

  <!-- A ref with a target and no content says no more than a ptr: it reads as one (its
       target's heading or label, else the address), or the reference would vanish
       (Schnitzler's notes: "trafen (<ref target='1899-05-13'/>)" read "trafen ()"). -->
  <xsl:function name="t:is-bare-ref" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="exists($e/self::ref) and empty($e/*) and normalize-space($e) = ''
                          and normalize-space($e/@target) != ''"/>
  </xsl:function>

  <!-- What a ptr shows: the heading or label of its target, else the address. -->
  <xsl:function name="t:ptr-text" as="xs:string">
    <xsl:param name="target" as="xs:string?"/>
    <xsl:param name="context" as="element()"/>
    <xsl:variable name="local" select="if (starts-with($target, '#'))
        then key('t:id', substring($target, 2), root($context))[1] else ()"/>
    <xsl:sequence select="(
        if ($local/self::note) then t:note-label($local) else (),
        if ($local/self::pb) then t:label('page') || ' ' || t:page-label($local) else (),
        t:plain($local/head[1])[. != ''],
        t:plain($local/(label | n | @n)[1])[. != ''],
        t:plain($local)[. != ''][string-length(.) lt 60],
        $target)[1]"/>
  </xsl:function>

  <!-- ===== plain mode: the reading text ===== -->
  <xsl:template match="note | teiHeader | facsimile | standOff | sourceDoc" mode="t:plain"/>
  <xsl:template match="choice" mode="t:plain">
    <xsl:apply-templates select="t:reading(.)" mode="t:plain"/>
  </xsl:template>
  <xsl:template match="app" mode="t:plain">
    <xsl:apply-templates select="t:app-lemma(.)" mode="t:plain"/>
  </xsl:template>
  <xsl:template match="lb | pb | cb" mode="t:plain">
    <xsl:if test="not(@break = 'no')"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>
  <xsl:template match="del" mode="t:plain"/>
  <xsl:template match="gap" mode="t:plain"><xsl:text>[…]</xsl:text></xsl:template>
  <xsl:template match="supplied" mode="t:plain">
    <xsl:text>[</xsl:text><xsl:apply-templates mode="t:plain"/><xsl:text>]</xsl:text>
  </xsl:template>
  <xsl:template match="text()" mode="t:plain"><xsl:value-of select="t:clean(.)"/></xsl:template>
  <xsl:template match="head | p | l | item | ab | speaker | stage | lg | sp | label | castItem
                       | title | persName | forename | surname | addName | roleName"
                mode="t:plain" priority="-0.1">
    <!-- apart from an element beside it ("<forename>A</forename><surname>B</surname>");
         text beside it has its own spacing ("<title>B</title>, 1900" is not "B , 1900") -->
    <xsl:if test="preceding-sibling::node()[1][self::*]"><xsl:text> </xsl:text></xsl:if>
    <xsl:apply-templates mode="t:plain"/>
    <xsl:if test="following-sibling::node()[1][self::*]"><xsl:text> </xsl:text></xsl:if>
  </xsl:template>

  <!-- ===== editorial readings ===== -->
  <!-- The child of a choice that is read: corrected, regularised, expanded. -->
  <xsl:function name="t:reading" as="element()?">
    <xsl:param name="choice" as="element()"/>
    <xsl:sequence select="($choice/(corr | reg | expan), $choice/*)[1]"/>
  </xsl:function>
  <xsl:function name="t:originals" as="element()*">
    <xsl:param name="choice" as="element()"/>
    <xsl:sequence select="$choice/* except t:reading($choice)"/>
  </xsl:function>
  <!-- Hover text naming the original reading(s) of a choice. -->
  <xsl:function name="t:choice-title" as="xs:string">
    <xsl:param name="choice" as="element()"/>
    <xsl:variable name="r" select="t:reading($choice)"/>
    <xsl:variable name="orig" select="string-join(t:originals($choice) ! t:plain(.), ' | ')"/>
    <xsl:sequence select="
        if ($r/self::corr and normalize-space($orig) = '') then t:label('editorial')
        else if ($r/self::expan) then t:label('abbr') || ': ' || $orig
        else t:label('original') || ': ' || $orig"/>
  </xsl:function>

  <!-- ===== names and entities ===== -->
  <xsl:function name="t:ref-id" as="xs:string">
    <xsl:param name="ref" as="xs:string"/>
    <xsl:sequence select="if (starts-with($ref, '#')) then substring($ref, 2) else $ref"/>
  </xsl:function>

  <!-- The entities of the index: those of the header and standOff, and those of a register
       in the back (Schnitzler's letters keep their listPerson and listPlace there). -->
  <xsl:variable name="t:entities" as="element()*" select="
      ($t:root//standOff, $t:header, $t:registers)//(person | personGrp | place | org)
      [@xml:id]"/>
  <xsl:variable name="t:registers" as="element()*" select="
      $t:root//text/back//(listPerson | listPlace | listOrg)
      [not(ancestor::listPerson or ancestor::listPlace or ancestor::listOrg)]"/>

  <!-- The entity a name points to (its first local reference), if any. -->
  <xsl:function name="t:entity" as="element()?">
    <xsl:param name="name" as="element()"/>
    <xsl:sequence select="(for $r in tokenize($name/@ref) return
        key('t:id', t:ref-id($r), root($name))[self::person or self::personGrp or self::place
                                               or self::org])[1]"/>
  </xsl:function>

  <xsl:function name="t:entity-kind" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="if ($e/self::place) then 'places' else if ($e/self::org) then 'orgs'
                          else 'persons'"/>
  </xsl:function>

  <xsl:function name="t:entity-name" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="names" select="$e/(persName | placeName | orgName | name | geogName
                                        | settlement | country)[not(@type = 'variant')]"/>
    <xsl:variable name="n" select="($names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1]"/>
    <!-- a surname written before the forename (Schnitzler's "<surname>Schnitzler</surname>
         <forename>Arthur</forename>") reads "Arthur Schnitzler", as every other entry -->
    <xsl:variable name="s" select="
        if ($n/surname[following-sibling::forename] and count($n/*) = 2)
        then string-join(($n/forename, $n/surname) ! t:plain(.), ' ') else t:plain($n)"/>
    <xsl:sequence select="($s[. != ''], string($e/@xml:id))[1]"/>
  </xsl:function>

  <!-- Where an entity files in the index: a person by surname ("Hofmannsthal Hugo" before
       "Schnitzler Arthur", as a name index reads), anything else by its name. -->
  <xsl:function name="t:entity-sort-key" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="n" select="($e/persName[surname][not(@xml:lang) or @xml:lang = $t:lang],
                                    $e/persName[surname])[1]"/>
    <xsl:sequence select="if ($n) then string-join(($n/surname, $n/forename) ! t:plain(.), ' ')
                          else t:entity-name($e)"/>
  </xsl:function>

  <!-- How many entities share each display name: those need telling apart. -->
  <xsl:variable name="t:entity-name-count" as="map(xs:string, xs:integer)">
    <xsl:map>
      <xsl:for-each-group select="$t:entities" group-by="t:entity-name(.)">
        <xsl:map-entry key="current-grouping-key()" select="count(current-group())"/>
      </xsl:for-each-group>
    </xsl:map>
  </xsl:variable>
  <!-- Whether an index entry would read like another: the same name and nothing known
       (t:entity-about) that differs. Such an entry shows its Wikidata id or xml:id. -->
  <xsl:variable name="t:entity-alike-ids" as="map(xs:string, xs:boolean)">
    <xsl:map>
      <xsl:for-each-group select="$t:entities[$t:entity-name-count(t:entity-name(.)) gt 1]"
                          group-by="t:entity-name(.) || '&#x9;' || t:entity-about(.)">
        <xsl:if test="count(current-group()) gt 1 or ends-with(current-grouping-key(), '&#x9;')">
          <xsl:sequence select="current-group() ! map{generate-id(.): true()}"/>
        </xsl:if>
      </xsl:for-each-group>
    </xsl:map>
  </xsl:variable>
  <xsl:function name="t:entity-alike" as="xs:boolean">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="map:contains($t:entity-alike-ids, generate-id($e))"/>
  </xsl:function>

  <!-- "(1879–1953), description; also: variant, variant" from the entity's life dates,
       its first describing note (or desc, occupation) and its other names: variant spellings
       and abbreviations («Коминтерна» is the edition's usual name for the Comintern). -->
  <xsl:function name="t:entity-about" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="born" select="substring(($e/birth/@when, $e/birth/date/@when,
                                                 $e/birth/@notBefore)[1], 1, 4)"/>
    <xsl:variable name="died" select="substring(($e/death/@when, $e/death/date/@when,
                                                 $e/death/@notAfter)[1], 1, 4)"/>
    <xsl:variable name="years" select="if ($born != '' or $died != '')
        then '(' || ($born[. != ''], '?')[1] || '–' || $died || ')' else ''"/>
    <!-- a note that describes (untyped, or typed as a description; a typed note is data:
         Schnitzler's "references", "image", "apis_dates"); its content, as t:plain leaves
         notes out (they are no reading text) -->
    <xsl:variable name="desc" select="t:plain(($e/(note[not(@type) or @type = ('desc',
        'description', 'bio', 'biography')] | desc | occupation))[1]/node())"/>
    <xsl:variable name="variants" select="distinct-values(
        $e/(persName | placeName | orgName | name)[@type = ('variant', 'abbreviation')]
        ! t:plain(.))"/>
    <xsl:sequence select="string-join((
        string-join(($years[. != ''], $desc[. != '']), ', ')[. != ''],
        if (exists($variants)) then t:label('variants') || ': ' || string-join($variants, ', ')
        else ()), '; ')"/>
  </xsl:function>

  <xsl:function name="t:wikidata" as="xs:string?">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="q" select="normalize-space(($e/idno[@type = 'wikidata'])[1])"/>
    <xsl:sequence select="
        if ($q = '') then ()
        else if (matches($q, '^https?://')) then $q
        else 'https://www.wikidata.org/wiki/' || $q"/>
  </xsl:function>

  <!-- ===== ids ===== -->
  <xsl:function name="t:mention-id" as="xs:string">
    <xsl:param name="name" as="element()"/>
    <xsl:sequence select="if ($name/self::sp) then (string($name/@xml:id)[. != ''],
                              'sp-' || $name/accumulator-before('t:sp'))[1]
                          else 'm-' || $name/accumulator-before('t:mention')"/>
  </xsl:function>
  <xsl:function name="t:note-number" as="xs:integer">
    <xsl:param name="note" as="element()"/>
    <xsl:sequence select="$note/accumulator-before('t:note')"/>
  </xsl:function>
  <!-- A note called by a pointer (ELTeC's endnotes: <ref target="#N2">{2}</ref> in the
       text, the note itself in back/div[@type='notes']): the first pointer outside any note
       stands where the note's mark belongs, so the note gets no mark where it is written
       and, in an EPUB, goes with that pointer's file (its back-link is "#noteref-N"). -->
  <xsl:function name="t:caller" as="element()?">
    <xsl:param name="note" as="element()"/>
    <xsl:sequence select="if (empty($note/@xml:id)) then ()
        else key('t:callers', string($note/@xml:id), root($note))[not(ancestor::note)][1]"/>
  </xsl:function>
  <xsl:function name="t:called-note" as="element()?">
    <xsl:param name="ref" as="element()"/>
    <xsl:sequence select="(tokenize(normalize-space($ref/@target))[1][starts-with(., '#')]
        ! key('t:id', substring(., 2), root($ref)))[self::note][t:caller(.) is $ref]"/>
  </xsl:function>
  <!-- The start of a called note's text when it repeats its caller's mark (Gay: "[1] Elle
       a…" called by "[1]"): the notes show their own label, and the mark twice read
       "1. [1] Elle a…". '' otherwise. -->
  <xsl:function name="t:repeated-mark" as="xs:string">
    <xsl:param name="t" as="text()"/>
    <xsl:variable name="note" select="$t/ancestor::note[1]"/>
    <xsl:variable name="mark" select="normalize-space(($note ! t:caller(.))[1])"/>
    <xsl:sequence select="if ($mark != '' and starts-with(normalize-space($t), $mark)
                              and $t is ($note//text()[normalize-space()])[1])
                          then $mark else ''"/>
  </xsl:function>
  <xsl:function name="t:note-home" as="element()">
    <xsl:param name="note" as="element()"/>
    <xsl:sequence select="(t:caller($note), $note)[1]"/>
  </xsl:function>
  <!-- A pointer whose text is only a note mark ("{2}", "[1]", "*"), or none (ELTeC calls
       its notes with an empty ref: the HTML link had no text, the text no mark): it shows
       the note's own label, as every other note mark does; a pointer of words keeps its
       words. -->
  <xsl:function name="t:is-mark" as="xs:boolean">
    <xsl:param name="ref" as="element()"/>
    <xsl:sequence select="exists($ref/self::ptr) or t:is-bare-ref($ref)
                          or matches(normalize-space($ref),
                          '^[\[\(\{]?\s*(\p{N}+|\p{L}|\*+|†|‡)\s*[\]\)\}]?$')"/>
  </xsl:function>
  <xsl:function name="t:note-label" as="xs:string">
    <xsl:param name="note" as="element()"/>
    <xsl:sequence select="(normalize-space($note/@n)[. != ''],
                           string(t:note-number($note)))[1]"/>
  </xsl:function>
  <xsl:function name="t:div-id" as="xs:string">
    <xsl:param name="div" as="element()"/>
    <xsl:sequence select="(string($div/@xml:id)[. != ''],
                           'sec-' || $div/accumulator-before('t:div'))[1]"/>
  </xsl:function>
  <!-- page-N; made unique (page-N-k) when a number repeats, as it may across editions -->
  <xsl:function name="t:page-id" as="xs:string">
    <xsl:param name="pb" as="element()"/>
    <xsl:variable name="n" select="replace(normalize-space($pb/@n), '\s', '_')"/>
    <xsl:sequence select="
        if ($n = '') then 'pb-' || $pb/accumulator-before('t:pb')
        else if (count(key('t:pb-n', string($pb/@n), root($pb))) gt 1)
          then 'page-' || $n || '-' || $pb/accumulator-before('t:pb')
        else 'page-' || $n"/>
  </xsl:function>
  <xsl:function name="t:page-label" as="xs:string">
    <xsl:param name="pb" as="element()"/>
    <xsl:sequence select="(normalize-space($pb/@n)[. != ''],
                           string($pb/accumulator-before('t:pb')))[1]"/>
  </xsl:function>

  <!-- A page with no text: nothing but whitespace between this pb and the next (or the
       end). Outputs show no marker for it: "[21]" after a colophon is a page of nothing. -->
  <xsl:function name="t:empty-page" as="xs:boolean">
    <xsl:param name="pb" as="element()"/>
    <xsl:variable name="next-text" select="($pb/following::text()[normalize-space()]
                                             [ancestor::text][not(ancestor::note)])[1]"/>
    <xsl:variable name="next-pb" select="$pb/following::pb[1]"/>
    <xsl:sequence select="empty($next-text) or (exists($next-pb) and $next-pb &lt;&lt; $next-text)"/>
  </xsl:function>
  <!-- The page breaks the outputs mark (and the EPUB lists). -->
  <xsl:function name="t:shown-pbs" as="element()*">
    <xsl:param name="scope" as="element()*"/>
    <xsl:sequence select="$scope//pb[not(t:empty-page(.))]"/>
  </xsl:function>

  <!-- What the page numbers count: the bibl that every pb's @edRef names (the pages of a
       transcription, say), else the source. -->
  <xsl:variable name="t:page-bibl" as="element()?" select="
      let $refs := distinct-values($t:root//text//pb/@edRef ! normalize-space(.))
      return if (count($refs) = 1 and starts-with($refs, '#'))
             then key('t:id', substring($refs, 2), $t:doc)[1] else ()"/>
  <xsl:variable name="t:page-source" as="xs:string" select="
      if ($t:page-bibl) then
        let $title := (t:plain($t:page-bibl/title[1])[. != ''], t:plain($t:page-bibl))[1],
            $q := ($t:quote-pairs(substring-before($t:ui || '-', '-')), $t:quote-pairs('en'))
        return t:label(if ($t:page-bibl/@type = ('digital', 'transcription'))
                       then 'pages-transcription' else 'pages-of') || ' ' || $q[1] || $title
               || $q[2]
      else $t:source"/>

  <!-- The file an element lands in; one page for HTML, overridden for EPUB. -->
  <xsl:function name="t:file" as="xs:string">
    <xsl:param name="node" as="node()"/>
    <xsl:sequence select="''"/>
  </xsl:function>
  <xsl:function name="t:index-file" as="xs:string">
    <xsl:sequence select="''"/>
  </xsl:function>

  <!-- Drop characters the text output uses as internal markers (U+FDD0…U+FDEF are
       noncharacters and never meaningful in a source). -->
  <xsl:function name="t:clean" as="xs:string">
    <xsl:param name="s" as="xs:string"/>
    <xsl:sequence select="if ($t:has-markers and matches($s, '[&#xFDD0;-&#xFDEF;]'))
                          then replace($s, '[&#xFDD0;-&#xFDEF;]', '') else $s"/>
  </xsl:function>

  <!-- (one scan of the document's text: most have none of those characters, and then no
       text node needs a regular expression. teikit.transform makes that scan in Python
       and says "yes" or "no" in t:markers: Saxon's took 0.07 s of each format of a
       3 MB novel; the stylesheet scans only when it is not told.) -->
  <xsl:param name="t:markers" as="xs:string" select="''"/>
  <xsl:variable name="t:has-markers" as="xs:boolean"
      select="if ($t:markers = ('yes', 'no')) then $t:markers = 'yes'
              else matches(string($t:doc), '[&#xFDD0;-&#xFDEF;]')"/>

  <!-- ===== facsimiles: pb/@facs and facsimile/surface/graphic ===== -->
  <!-- The local files the document names that exist inside its folder, one per line.
       teikit sets it (XSLT cannot ask whether an image file exists), so no output ever
       names a missing image; the name is in teikit's namespace: not a user parameter. -->
  <xsl:param name="t:files" as="xs:string" select="''"/>
  <xsl:variable name="t:present" as="xs:string*" select="tokenize($t:files, '&#10;')[. != '']"/>

  <!-- A relative path to an image file (no scheme, not absolute, never upwards), or ''. -->
  <xsl:function name="t:local-image" as="xs:string">
    <xsl:param name="u" as="xs:string"/>
    <xsl:sequence select="
        if (matches($u, '\.(png|jpe?g|gif|svg|webp)$', 'i')
            and not(matches($u, '^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|\\|(^|/)\.\.(/|$)')))
        then $u else ''"/>
  </xsl:function>

  <!-- The images a pb/@facs or a surface names, local or not, present or not: the
       graphics of the surface (or zone, or the graphic) it points to, or a file name. -->
  <xsl:function name="t:facs-urls" as="xs:string*">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="f" select="tokenize(normalize-space($e/self::pb/@facs))[1]"/>
    <xsl:variable name="target" select="if ($e/self::surface) then $e
        else if (starts-with($f, '#')) then key('t:id', substring($f, 2), $t:doc)[1] else ()"/>
    <xsl:sequence select="if ($target)
        then ($target/self::graphic, $target/graphic, $target//graphic)
             ! normalize-space(@url)[. != '']
        else $f[. != '' and not(starts-with(., '#'))]"/>
  </xsl:function>

  <!-- The image a page may show for pb or surface $e: the first that is local and
       present; '' when there is none (remote and missing images are never shown). -->
  <xsl:function name="t:facs-image" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:sequence select="(t:facs-urls($e)[t:local-image(.) != ''][. = $t:present], '')[1]"/>
  </xsl:function>

  <!-- Surfaces no page break of the text points to (a facsimile without the
       transcription's pages): shown apart, after the text, each with its own image. A page
       break points to a surface by its id (#f1) or by the name of one of its images. -->
  <xsl:variable name="t:pb-facs" as="xs:string*"
      select="distinct-values($t:doc//text//pb/@facs ! tokenize(normalize-space(.))[1])"/>
  <xsl:variable name="t:paged-surfaces" as="element()*" select="
      ($t:pb-facs[starts-with(., '#')] ! key('t:id', substring(., 2), $t:doc)
       /ancestor-or-self::surface,
       $t:doc/*/facsimile//surface[graphic/normalize-space(@url) = $t:pb-facs])"/>
  <xsl:variable name="t:unpaged-surfaces" as="element()*"
      select="$t:doc/*/facsimile//surface[not(ancestor::surface)]
              [not(. intersect $t:paged-surfaces)]"/>
  <xsl:variable name="t:loose-surfaces" as="element()*"
      select="$t:unpaged-surfaces[t:facs-image(.) != '']"/>

  <!-- One warning per output when pages or surfaces name images that cannot be shown
       (remote, missing, not an image file: IIIF identifiers, say), located at the first,
       with how many; the pages are shown without them. -->
  <xsl:template name="t:facsimile-warnings">
    <xsl:variable name="unshown" select="($t:doc//text//pb[@facs] | $t:unpaged-surfaces)
        [exists(t:facs-urls(.))][t:facs-image(.) = '']"/>
    <xsl:if test="exists($unshown)">
      <xsl:call-template name="t:report">
        <xsl:with-param name="code" select="'facsimile-unavailable'"/>
        <xsl:with-param name="node" select="$unshown[1]"/>
        <xsl:with-param name="text" select="count($unshown) || ' facsimile image(s), the'
            || ' first ''' || t:facs-urls($unshown[1])[1] || ''', are not local image files'
            || ' inside the document''s folder (remote, missing or not an image); the pages'
            || ' are shown without them.'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- An empty c or g stands for a character the document does not write: its meaning
       is in a rendition or glyph declared elsewhere (Schnitzler's <c rendition="#dots"
       n="3"/> and "#kaufmannsund" for "&amp;", declared in the edition's central
       schema). The outputs cannot show it; one warning says how many, so that "nicht,
       sende" is not lost unannounced. -->
  <xsl:template name="t:unwritten-characters">
    <xsl:variable name="empty" select="$t:doc//text//(c | g)[not(string(.))]"/>
    <xsl:if test="exists($empty)">
      <xsl:call-template name="t:report">
        <xsl:with-param name="code" select="'character-unavailable'"/>
        <xsl:with-param name="node" select="$empty[1]"/>
        <xsl:with-param name="text" select="count($empty) || ' empty &lt;c&gt;/&lt;g&gt;'
            || ' element(s), the first ' || string-join(($empty[1]/(@rendition, @ref, @n))
            ! (name() || '=&quot;' || . || '&quot;'), ' ') || ', stand for characters the'
            || ' document does not write (declared elsewhere); the outputs show nothing for'
            || ' them. Write the character in the element to have it shown.'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- ===== dictionaries: grammatical labels ===== -->
  <!-- The common abbreviations of gramGrp's pos, gen and number (FreeDict, TEI Lex-0,
       printed dictionaries), as labels in en, de, fr, ru (in that order). Keyed by the
       element and the lower-cased value without a final dot: 'n' is a noun in pos and
       neuter in gen. Values not listed are shown as the source has them. -->
  <xsl:variable name="t:gram-langs" as="xs:string*" select="('en', 'de', 'fr', 'ru')"/>
  <xsl:variable name="t:gram-labels" as="map(xs:string, map(xs:string, xs:string+))"
      select="map{
    'pos': map{
      'n': ('noun', 'Substantiv', 'nom', 'существительное'),
      'noun': ('noun', 'Substantiv', 'nom', 'существительное'),
      's': ('noun', 'Substantiv', 'nom', 'существительное'),
      'subst': ('noun', 'Substantiv', 'nom', 'существительное'),
      'v': ('verb', 'Verb', 'verbe', 'глагол'),
      'vb': ('verb', 'Verb', 'verbe', 'глагол'),
      'verb': ('verb', 'Verb', 'verbe', 'глагол'),
      'vi': ('intransitive verb', 'intransitives Verb', 'verbe intransitif',
             'непереходный глагол'),
      'vt': ('transitive verb', 'transitives Verb', 'verbe transitif', 'переходный глагол'),
      'a': ('adjective', 'Adjektiv', 'adjectif', 'прилагательное'),
      'adj': ('adjective', 'Adjektiv', 'adjectif', 'прилагательное'),
      'adv': ('adverb', 'Adverb', 'adverbe', 'наречие'),
      'pron': ('pronoun', 'Pronomen', 'pronom', 'местоимение'),
      'prep': ('preposition', 'Präposition', 'préposition', 'предлог'),
      'pr': ('preposition', 'Präposition', 'préposition', 'предлог'),
      'conj': ('conjunction', 'Konjunktion', 'conjonction', 'союз'),
      'interj': ('interjection', 'Interjektion', 'interjection', 'междометие'),
      'int': ('interjection', 'Interjektion', 'interjection', 'междометие'),
      'num': ('numeral', 'Numerale', 'numéral', 'числительное'),
      'art': ('article', 'Artikel', 'article', 'артикль'),
      'det': ('determiner', 'Determinativ', 'déterminant', 'определитель'),
      'part': ('particle', 'Partikel', 'particule', 'частица'),
      'ptcl': ('particle', 'Partikel', 'particule', 'частица'),
      'pn': ('proper noun', 'Eigenname', 'nom propre', 'имя собственное'),
      'propn': ('proper noun', 'Eigenname', 'nom propre', 'имя собственное'),
      'abbr': ('abbreviation', 'Abkürzung', 'abréviation', 'сокращение')},
    'gen': map{
      'm': ('masculine', 'maskulin', 'masculin', 'мужской род'),
      'masc': ('masculine', 'maskulin', 'masculin', 'мужской род'),
      'f': ('feminine', 'feminin', 'féminin', 'женский род'),
      'fem': ('feminine', 'feminin', 'féminin', 'женский род'),
      'n': ('neuter', 'neutral', 'neutre', 'средний род'),
      'nt': ('neuter', 'neutral', 'neutre', 'средний род'),
      'neut': ('neuter', 'neutral', 'neutre', 'средний род'),
      'c': ('common gender', 'Utrum', 'genre commun', 'общий род')},
    'number': map{
      'sg': ('singular', 'Singular', 'singulier', 'единственное число'),
      'pl': ('plural', 'Plural', 'pluriel', 'множественное число'),
      'du': ('dual', 'Dual', 'duel', 'двойственное число')}}"/>

  <!-- A grammatical element's value as labels in the interface language (unknown
       languages: English), token by token ('n N9' → 'noun N9'); '' when nothing in it is
       a known abbreviation or it holds elements (it is then rendered as it stands). -->
  <xsl:function name="t:gram-label" as="xs:string">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="table" select="$t:gram-labels(if ($e/self::num) then 'number'
                                                       else local-name($e))"/>
    <xsl:variable name="i" select="(index-of($t:gram-langs, $t:ui), 1)[1]"/>
    <xsl:variable name="tokens" select="tokenize(normalize-space($e))"/>
    <xsl:variable name="labels" select="for $tok in $tokens return
        let $k := lower-case(replace($tok, '\.$', ''))
        return if (map:contains($table, $k)) then $table($k)[$i] else $tok"/>
    <xsl:sequence select="if (exists($e/*) or empty($tokens) or deep-equal($labels, $tokens))
                          then '' else string-join($labels, ' ')"/>
  </xsl:function>

  <!-- ===== drama: speakers and the cast list ===== -->
  <!-- The ids an sp/@who id stands for: itself and, when it names a cast list entry
       (castItem or role), the persons that entry corresponds to (@corresp). -->
  <xsl:function name="t:who-ids" as="xs:string*">
    <xsl:param name="id" as="xs:string"/>
    <xsl:variable name="cast" select="key('t:id', $id, $t:doc)[self::castItem or self::role]"/>
    <xsl:sequence select="distinct-values(($id,
        ($cast, $cast/parent::castItem, $cast/role)/@corresp ! tokenize(.) ! t:ref-id(.)))"/>
  </xsl:function>

  <!-- Cast list entries a speaker may link to: castItems and roles with an id. -->
  <xsl:variable name="t:cast-targets" as="element()*"
      select="$t:doc//text//castList//(castItem | role)[@xml:id]"/>

  <!-- The cast list entry for an sp/@who id: the castItem or role with that id, else one
       whose @corresp (or its castItem's, or its role's) names that person; () if none. -->
  <xsl:function name="t:cast-entry" as="element()?">
    <xsl:param name="id" as="xs:string"/>
    <xsl:sequence select="($t:cast-targets[@xml:id = $id],
        $t:cast-targets[(@corresp, parent::castItem/@corresp, role/@corresp)
                        ! tokenize(.) ! t:ref-id(.) = $id])[1]"/>
  </xsl:function>

  <!-- Report something through xsl:message in the structured form teikit reads. -->
  <xsl:template name="t:report">
    <xsl:param name="severity" as="xs:string" select="'warning'"/>
    <xsl:param name="code" as="xs:string"/>
    <xsl:param name="node" as="node()?" select="."/>
    <xsl:param name="text" as="xs:string"/>
    <xsl:message select="string-join(('teikit', $severity, $code,
        if ($node) then path($node) else '', $text), '|')"/>
  </xsl:template>

</xsl:stylesheet>
