"""The XML namespace URIs teikit reads and writes, each spelt once.

Why a module of its own: the same URIs used to be typed in the loader, the engines, the
schema resolver and the EPUB packager, and a typo in one copy is a silent mismatch (an
element that is simply never found). Every module imports its URIs from here; the Clark
helper :func:`clark` builds ``{uri}local`` names so no one slices braces by hand.

This module imports nothing from teikit: it sits on the lowest floor.
"""

from __future__ import annotations

from typing import Final

#: TEI P5.
TEI: Final = "http://www.tei-c.org/ns/1.0"
#: The ``xml:`` prefix (``xml:id``, ``xml:lang``); bound in every XML document.
XML: Final = "http://www.w3.org/XML/1998/namespace"
#: XInclude 1.0 (``xi:include``, ``xi:fallback``).
XINCLUDE: Final = "http://www.w3.org/2001/XInclude"
#: RELAX NG structure patterns.
RELAXNG: Final = "http://relaxng.org/ns/structure/1.0"
#: RELAX NG DTD-compatibility annotations (``a:defaultValue``, ``a:documentation``).
RELAXNG_ANNOTATIONS: Final = "http://relaxng.org/ns/compatibility/annotations/1.0"
#: W3C XML Schema.
XSD: Final = "http://www.w3.org/2001/XMLSchema"
#: ISO Schematron (ISO/IEC 19757-3).
SCHEMATRON: Final = "http://purl.oclc.org/dsdl/schematron"
#: The pre-ISO Schematron 1.5 namespace, still found in ODD-generated RelaxNG.
SCHEMATRON_OLD: Final = "http://www.ascc.net/xml/schematron"
#: Both Schematron namespaces, for "is this a Schematron element" tests.
SCHEMATRON_ALL: Final = frozenset({SCHEMATRON, SCHEMATRON_OLD})
#: XSLT (1.0 to 3.0 share it).
XSLT: Final = "http://www.w3.org/1999/XSL/Transform"
#: XHTML, as written in EPUB content documents.
XHTML: Final = "http://www.w3.org/1999/xhtml"
#: EPUB 3 structural semantics (``epub:type``).
EPUB_OPS: Final = "http://www.idpf.org/2007/ops"
#: The EPUB package document (OPF).
OPF: Final = "http://www.idpf.org/2007/opf"
#: Dublin Core elements, used in the OPF metadata.
DC: Final = "http://purl.org/dc/elements/1.1/"
#: OCF ``META-INF/container.xml``.
OCF_CONTAINER: Final = "urn:oasis:names:tc:opendocument:xmlns:container"
#: teikit's own: the bundle ``xslt/epub.xsl`` hands to :mod:`teikit.epub`.
TEIKIT_BUNDLE: Final = "urn:x-teikit:bundle"
#: teikit's own: the result document of compiled Schematron.
TEIKIT_SCHEMATRON_RESULT: Final = "urn:teikit:schematron-result"

#: The prefixes a user types in an XPath (``tei:p``, ``@xml:id``), for lxml's ``xpath()``.
XPATH_PREFIXES: Final[dict[str, str]] = {"tei": TEI, "xml": XML}


def clark(namespace: str, local: str) -> str:
    """``{namespace}local``: the name form lxml uses for tags and attributes."""
    return f"{{{namespace}}}{local}"


#: ``xml:base`` and ``xml:id`` as lxml names them: the XInclude loader writes the one, the
#: reference check, the placing of findings and the positions read both.
XML_BASE: Final = clark(XML, "base")
XML_ID: Final = clark(XML, "id")
