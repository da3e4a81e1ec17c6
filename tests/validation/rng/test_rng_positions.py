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


def _start_by_hand(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) just after the ``>`` that ends at ``offset``, counted from scratch."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[line_start:offset].decode()) + 1


def test_starts_count_columns_on_from_the_last_in_any_order() -> None:
    # a column is counted on from the last one asked for (a minified document's one
    # line is not scanned back to its start for each finding); in document order,
    # backwards, and across line breaks, the answer is the one counted from scratch
    data = (
        '<doc xmlns="urn:d">' + "<é/><w n='>'/>" * 40 + "\n<x>\n<y/></x>" * 3 + "</doc>"
    ).encode()
    root = etree.fromstring(data)
    elements = list(root.iter(etree.Element))
    expected = []
    for el in elements:
        found = positions._scan(data, elements)
        assert found is not None
        expected.append(found.start(el))  # one fresh scan each: nothing counted on
    for order in (elements, elements[::-1], elements[::3] + elements[1::3]):
        found = positions._scan(data, elements)
        assert found is not None
        assert found.starts(order) == [expected[elements.index(el)] for el in order]
        assert found.starts(order) == [found.start(el) for el in order]
    assert expected[2] == _start_by_hand(data, data.index(b"'/>") + 3)  # the first w
    assert expected[-1] == _start_by_hand(data, data.rindex(b"<y/>") + 4)
