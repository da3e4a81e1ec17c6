"""Text where no text is allowed is reported where jing reports it: at the markup
after it, as jing's parser delivers it (before a start tag, an end tag, a comment or a
processing instruction; on one line or several)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.validation.rng import RelaxNG

from helpers import jing

SCHEMA = """<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="doc">
<zeroOrMore><choice><element name="e"><empty/></element><element name="k"><zeroOrMore>
<element name="e"><empty/></element></zeroOrMore></element></choice></zeroOrMore>
</element></start></grammar>"""

LINES = [
    "<e>a</e>",
    "<k>abc</k>",
    "<k><e/>xy</k>",
    "<k>xy<e/></k>",
    "<e>a\n</e>",
    "<k>ab   </k>",
    "<k>ab<!-- c --></k>",
    "<e>\u00e9</e>",
    "<k>ab\ncd</k>",
    "<k>\nab</k>",
    "<k>ab\n  <e/></k>",
    "<k>ab\n\n</k>",
    "<k>ab<?pi x?></k>",
    "<k>  ab  </k>",
    "<e>ab<!-- c --></e>",
    "<e>ab<!-- c -->\n</e>",
    "<k><!-- c -->ab</k>",
    "<k>ab<!-- c -->  <?p?>\n<e/></k>",
]


def test_text_is_placed_where_jing_places_it(tmp_path: Path) -> None:
    schema = tmp_path / "s.rng"
    schema.write_text(SCHEMA, encoding="utf-8")
    doc = tmp_path / "d.xml"
    doc.write_text("<doc>\n" + "\n".join(LINES) + "\n</doc>\n", encoding="utf-8")
    theirs = sorted((d.line, d.column) for d in jing.check(schema, [doc])[doc])
    found = RelaxNG.compile(schema).validate(Document(etree.parse(str(doc)), doc))
    assert sorted((d.line, d.column) for d in found) == theirs
    assert len(theirs) == len(LINES)
