<?xml version="1.0" encoding="UTF-8"?>
<!-- A project's customisation (the stylesheet teikit build is given) that reports, in plain words, each margin
     note it renders: a message without teikit's structure is kept as xslt:message. -->
<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0" exclude-result-prefixes="tei">
  <xsl:template match="tei:note[@place = 'margin']" priority="10">
    <xsl:message>Margin note <xsl:value-of select="count(preceding::tei:note[@place = 'margin']) + 1"/> kept in the text flow.</xsl:message>
    <xsl:next-match/>
  </xsl:template>
</xsl:stylesheet>
