<?xml version="1.0" encoding="UTF-8"?>
<!-- A series' customisation (the stylesheet teikit build is given) that stops when an edition lacks the series
     statement its title page needs (xsl:message terminate="yes"): the stylesheet fails,
     which teikit reports as xslt:error after the message itself. -->
<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0" exclude-result-prefixes="tei">
  <xsl:template match="/" priority="10">
    <xsl:if test="not(//tei:fileDesc/tei:seriesStmt/tei:title)">
      <xsl:message terminate="yes">This series' title page needs fileDesc/seriesStmt/title.</xsl:message>
    </xsl:if>
    <xsl:next-match/>
  </xsl:template>
</xsl:stylesheet>
