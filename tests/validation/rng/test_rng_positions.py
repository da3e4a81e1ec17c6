"""Tag positions found by the regular-expression scan equal expat's, tag for tag, on
markup that could mislead a scan (tags inside comments, CDATA and processing
instructions, ``>`` inside attribute values, empty-element tags, deep nesting); a file
the scan cannot be sure of (a DOCTYPE, UTF-16) is left to expat."""

from __future__ import annotations

from lxml import etree

from teikit.validation.rng import positions

TRICKY = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-model href="x.rng" note="<a>"?>
<!-- <fake> </fake> -->
<doc xmlns="urn:d" xmlns:o="urn:o">
  <a rend="x > y" o:n='1 > 0'>text<!-- </a> --><b/>tail</a>
  <c><![CDATA[ <d> </c> ]]><e><f><g/></f></e>
  </c>
  <?pi <h> </c> ?>
  <o:k
     n="2"><l>é ü</l><m></m></o:k>
  <n><p><q/><r/></p></n>
</doc>
"""


def _every_place(found: positions.Positions, root: etree._Element) -> list[object]:
    places: list[object] = []
    for el in root.iter(etree.Element):
        places.append((el.tag, found.start(el), found.end(el), found.before_start(el)))
        places.append((found.before_end(el), found.text_before(el, "before-end")))
        places.append(found.text_before(el, "before-start"))
    return places


def test_the_scan_finds_what_expat_finds() -> None:
    data = TRICKY.encode("utf-8")
    root = etree.fromstring(data)
    elements = list(root.iter(etree.Element))
    scanned = positions._scan(data, elements)
    read = positions.read(data)
    assert scanned is not None and read is not None and read.bind(elements)
    assert _every_place(scanned, root) == _every_place(read, root)


def test_files_the_scan_cannot_be_sure_of_are_left_to_expat() -> None:
    doctype = b'<!DOCTYPE doc [<!ENTITY e "<x/>">]><doc>&e;</doc>'
    root = etree.fromstring(doctype)
    assert positions._scan(doctype, list(root.iter(etree.Element))) is None
    utf16 = "<doc><x/></doc>".encode("utf-16")
    root = etree.fromstring(utf16)
    assert positions._scan(utf16, list(root.iter(etree.Element))) is None
