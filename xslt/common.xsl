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
  <xsl:param name="ui-lang" as="xs:string" select="''"/>

  <!-- ===== keys ===== -->
  <xsl:key name="t:id" match="*[@xml:id]" use="string(@xml:id)"/>
  <xsl:key name="t:mentions" match="text//*[t:is-name(.)]"
           use="for $r in tokenize(@ref) return t:ref-id($r)"/>
  <xsl:key name="t:pb-n" match="text//pb" use="string(@n)"/>

  <!-- ===== counters (document order) ===== -->
  <xsl:accumulator name="t:mention" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//*[t:is-name(.)]" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:note" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//note" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:pb" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//pb" select="$value + 1"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:page" as="xs:string" initial-value="''">
    <xsl:accumulator-rule match="text//pb" select="string(@n)"/>
  </xsl:accumulator>
  <xsl:accumulator name="t:div" as="xs:integer" initial-value="0">
    <xsl:accumulator-rule match="text//*[t:is-div(.)]" select="$value + 1"/>
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
    <xsl:sequence select="local-name($e) = ('div', 'div1', 'div2', 'div3', 'div4', 'div5',
        'div6', 'div7') and namespace-uri($e) = 'http://www.tei-c.org/ns/1.0'"/>
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
      'byline', 'imprimatur', 'epilogue', 'div', 'u', 'eg', 'egXML', 'fw')"/>

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
       that holds one. -->
  <xsl:function name="t:is-flow" as="xs:boolean" cache="yes">
    <xsl:param name="e" as="element()"/>
    <xsl:variable name="k" select="if (namespace-uri($e) = 'http://www.tei-c.org/ns/1.0')
                                   then $t:kinds(local-name($e)) else ()"/>
    <xsl:sequence select="
        if ($k = 'never') then false()
        else if ($k = 'context')
          then (t:in-flow-parent($e) and not($e/parent::note)) or exists($e/*[t:is-flow(.)])
        else if ($k = 'block') then true()
        else exists($e/*[t:is-flow(.)])"/>
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
       'org') ! map{.: true()}), map{'duplicates': 'use-first'})"/>
  <!-- Containers whose children are separate units whatever they are: letterhead lines,
       the parts of a dictionary entry, a quotation and its source. -->
  <xsl:variable name="t:unit-containers" as="xs:string*" select="('opener', 'closer',
      'address', 'entry', 'form', 'sense', 'gramGrp', 'cit', 'listBibl', 'entryFree',
      'superEntry')"/>
  <xsl:variable name="t:alternatives" as="xs:string*"
      select="('subst', 'choice', 'app', 'rdgGrp')"/>

  <xsl:function name="t:is-break" as="xs:boolean">
    <xsl:param name="n" as="node()?"/>
    <xsl:sequence select="
        if (not($n instance of element()) or namespace-uri($n) != 'http://www.tei-c.org/ns/1.0')
          then false()
        else if (local-name($n) = ('lb', 'pb', 'cb')) then not($n/@break = 'no')
        else map:contains($t:break-names, local-name($n))
             or local-name($n/..) = $t:unit-containers"/>
  </xsl:function>
  <xsl:function name="t:is-join" as="xs:boolean">
    <xsl:param name="n" as="node()?"/>
    <xsl:sequence select="exists($n/self::*[local-name() = ('lb', 'pb', 'cb')]
                                          [@break = 'no'])"/>
  </xsl:function>

  <xsl:mode name="t:ws" on-no-match="shallow-copy"/>
  <xsl:mode name="t:wst" on-no-match="shallow-copy"/>
  <xsl:template match="text" mode="t:ws">
    <xsl:copy>
      <xsl:apply-templates select="@*, node()" mode="t:wst"/>
    </xsl:copy>
  </xsl:template>
  <xsl:template match="text()" mode="t:wst">
    <xsl:variable name="prev" select="preceding-sibling::node()[1]"/>
    <xsl:variable name="next" select="following-sibling::node()[1]"/>
    <xsl:variable name="s" select="
        if (t:is-join($prev)) then replace(., '^\s+', '') else string(.)"/>
    <xsl:variable name="s" select="
        if (t:is-join($next)) then replace($s, '\s+$', '') else $s"/>
    <xsl:choose>
      <xsl:when test="$s = ''"/>
      <xsl:when test="local-name(..) = $t:alternatives and normalize-space($s) = ''"/>
      <xsl:otherwise>
        <xsl:value-of select="
            (if (t:is-break($prev) and matches($s, '^\w')) then ' ' else '') || $s
            || (if (t:is-break($next) and matches($s, '\w$')) then ' ' else '')"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="*" mode="t:wst">
    <xsl:variable name="brk" select="t:is-break(.)"/>
    <xsl:if test="$brk and preceding-sibling::node()[1] instance of element()
                  and not(local-name(..) = $t:alternatives)">
      <xsl:text> </xsl:text>
    </xsl:if>
    <xsl:copy>
      <xsl:apply-templates select="@*, node()" mode="t:wst"/>
    </xsl:copy>
    <xsl:if test="$brk and following-sibling::node()[1][self::*][not(t:is-break(.))]
                  and not(local-name(..) = $t:alternatives)">
      <xsl:text> </xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- The document as every output reads it: the source with the rule above applied. -->
  <xsl:variable name="t:doc" as="document-node()">
    <xsl:document>
      <xsl:apply-templates select="/node()" mode="t:ws"/>
    </xsl:document>
  </xsl:variable>

  <!-- ===== document facts ===== -->
  <xsl:variable name="t:root" select="$t:doc/*" as="element()"/>
  <xsl:variable name="t:header" select="($t:root/teiHeader, $t:root//teiHeader)[1]"/>
  <xsl:variable name="t:lang" as="xs:string"
      select="(normalize-space($t:root/@xml:lang)[. != ''],
               normalize-space(($t:root//text)[1]/@xml:lang)[. != ''], 'und')[1]"/>
  <xsl:variable name="t:ui" as="xs:string"
      select="if ($ui-lang != '') then $ui-lang
              else if (starts-with($t:lang, 'ru')) then 'ru' else 'en'"/>

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
                'start': 'Start of text'},
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
                'others': 'Прочие имена', 'start': 'Начало текста'}}"/>

  <xsl:function name="t:label" as="xs:string">
    <xsl:param name="key" as="xs:string"/>
    <xsl:sequence select="($t:labels($t:ui)($key), $t:labels('en')($key), $key)[1]"/>
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
      let $main := $t:titleStmt/title[not(@type) or @type = ('main', 'full')],
          $all := ($main, $t:titleStmt/title),
          $pick := ($all[not(@xml:lang) or @xml:lang = $t:lang])[1]
      return (t:plain(($pick, $all[1])[1])[. != ''], t:plain($t:root//text//head[1])[. != ''],
              t:label('untitled'))[1]"/>

  <xsl:variable name="t:subtitles" as="xs:string*" select="
      for $s in $t:titleStmt/title[@type = ('sub', 'subtitle')]
                 [not(@xml:lang) or @xml:lang = $t:lang]
      return t:plain($s)[. != '']"/>

  <!-- Authors: the name in the document's language, without ids and dates. -->
  <xsl:variable name="t:author-elements" select="$t:titleStmt/author"/>
  <xsl:function name="t:author-name" as="xs:string">
    <xsl:param name="a" as="element()"/>
    <xsl:variable name="names" select="$a/(persName | name | orgName)"/>
    <xsl:sequence select="
        if (exists($names))
        then t:plain(($names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1])
        else t:plain($a/node()[not(self::idno or self::date or self::note)])"/>
  </xsl:function>
  <!-- "Surname, Forename" for sorting (EPUB file-as) -->
  <xsl:function name="t:author-file-as" as="xs:string">
    <xsl:param name="a" as="element()"/>
    <xsl:variable name="names" select="$a/(persName | name)"/>
    <xsl:variable name="n" select="($names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1]"/>
    <xsl:sequence select="
        if ($n/surname and $n/forename)
        then string-join((t:plain($n/surname), string-join($n/forename !t:plain(.), ' ')), ', ')
        else t:author-name($a)"/>
  </xsl:function>
  <xsl:variable name="t:authors" as="xs:string*"
      select="$t:author-elements ! t:author-name(.)[. != '']"/>

  <xsl:variable name="t:source" as="xs:string" select="
      let $sd := $t:header/fileDesc/sourceDesc,
          $b := ($sd//bibl[@type = ('originalSource', 'printSource', 'print')],
                 $sd/(bibl | biblStruct | biblFull | msDesc | p))[1]
      return if ($b/self::biblStruct) then t:bibl-struct($b) else t:plain($b)"/>

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

  <xsl:variable name="t:rights" as="xs:string" select="
      let $a := $t:header/fileDesc/publicationStmt/availability
      return string-join(($a/licence ! (t:plain(.), @target)[. != ''],
                          if ($a/licence) then () else t:plain($a)), ' ')"/>
  <xsl:variable name="t:description" as="xs:string" select="
      string-join((string-join($t:subtitles, '. ')[. != ''],
                   if ($t:source) then t:label('source') || ': ' || $t:source else ()), '. ')"/>

  <!-- ===== plain mode: the reading text ===== -->
  <xsl:template match="note | teiHeader | facsimile | standOff | sourceDoc" mode="t:plain"/>
  <xsl:template match="choice" mode="t:plain">
    <xsl:apply-templates select="t:reading(.)" mode="t:plain"/>
  </xsl:template>
  <xsl:template match="app" mode="t:plain">
    <xsl:apply-templates select="(lem, rdg)[1]" mode="t:plain"/>
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
    <xsl:text> </xsl:text><xsl:apply-templates mode="t:plain"/><xsl:text> </xsl:text>
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

  <xsl:variable name="t:entities" as="element()*" select="
      ($t:root//standOff, $t:header)//(person | personGrp | place | org)[@xml:id]"/>

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
                                        | settlement | country)"/>
    <xsl:sequence select="(t:plain(($names[not(@xml:lang) or @xml:lang = $t:lang], $names)[1])
                           [. != ''], string($e/@xml:id))[1]"/>
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
    <xsl:sequence select="'m-' || $name/accumulator-before('t:mention')"/>
  </xsl:function>
  <xsl:function name="t:note-number" as="xs:integer">
    <xsl:param name="note" as="element()"/>
    <xsl:sequence select="$note/accumulator-before('t:note')"/>
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
    <xsl:sequence select="if (matches($s, '[&#xFDD0;-&#xFDEF;]'))
                          then replace($s, '[&#xFDD0;-&#xFDEF;]', '') else $s"/>
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
