r"""Word integrity: find words the outputs fuse or split, measured against the TEI source.

This is the tests' own reading of where TEI separates words, written apart from the
stylesheets (xslt/common.xsl, mode ``t:ws``) so that it can catch them: a word boundary is
whitespace in the source, a block or line-like element, ``space``, ``lb``/``pb``/``cb``
without ``break="no"``, a child of a structural container (an ``opener``'s letterhead
``seg``\s, a dictionary ``form``'s parts), and a ``note`` (every output moves it away);
``break="no"`` joins the words on both sides. Of ``choice``, ``app`` and ``subst`` only
the reading is read (correction, lemma, addition); ``del`` is not read.

A *fused* word is an output token that is no source word but equals two adjacent source
words run together ("AlbertEhrenstein"); a *split* word is a source word that the output
shows as two adjacent tokens of which at least one is no source word ("Ge schichte").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

TEI = "http://www.tei-c.org/ns/1.0"
WORD = re.compile(r"[^\W_]+")

#: Elements whose edges are word boundaries wherever they stand.
BREAKS = frozenset(
    """
p ab div div1 div2 div3 div4 div5 div6 div7 head l lg sp speaker stage item list label table
row cell castList castGroup castItem roleDesc role actor set trailer byline docTitle titlePart
docAuthor docImprint docDate docEdition titlePage front body back group text epigraph argument
opener closer salute signed dateline postscript address addrLine figure figDesc caption
listBibl cit entry entryFree superEntry form orth pron hyph gramGrp pos gen number subc
sense usg def xr etym re hom lbl note space milestone fw floatingText listPerson listPlace
listOrg person place org
""".split()
)
#: Containers whose children are separate units whatever they are (letterhead lines,
#: the parts of a dictionary entry, a quotation and its source), unless the container
#: holds words of its own (a closer written as prose).
CONTAINERS = frozenset(
    {
        "opener",
        "closer",
        "address",
        "entry",
        "form",
        "sense",
        "gramGrp",
        "cit",
        "listBibl",
        "entryFree",
        "superEntry",
        "biblStruct",
        "analytic",
        "monogr",
        "imprint",
    }
)
#: What no output shows as reading text (an apparatus apart from the text, listApp, is read
#: as the apparatus).
SKIPPED = frozenset({"teiHeader", "facsimile", "standOff", "sourceDoc", "del", "listApp"})
#: A register (Schnitzler's back/listPerson): the outputs show it as the index of names or
#: one line per entry (name and years), not its dates, places and coordinates; its words
#: are known words (for fused and split ones) but not reading text (for letters kept).
REGISTERS = frozenset({"listPerson", "listPlace", "listOrg"})
#: Grammatical values the outputs show as labels in the reader's language, not as the
#: source's text (``<pos>n</pos>`` is "noun"): words of their own, never part of another.
LABELLED = frozenset({"pos", "gen", "number"})


def _name(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _is_join(el: etree._Element) -> bool:
    return _name(el) in {"lb", "pb", "cb"} and el.get("break") == "no"


def _is_break(el: etree._Element) -> bool:
    name = _name(el)
    if name in {"lb", "pb", "cb"}:
        return el.get("break") != "no"
    parent = el.getparent()
    return name in BREAKS or (
        parent is not None
        and ((_name(parent) in CONTAINERS and not _holds_prose(parent)) or _is_field_bibl(parent))
    )


def _holds_prose(el: etree._Element) -> bool:
    """A container with words of its own ("Herzlich<c>s</c>t Ihr" in a closer) is prose:
    its phrase-level children are parts of words, not units."""
    return any(re.search(r"[^\W\d_]", t or "") for t in [el.text, *(c.tail for c in el)])


def _is_field_bibl(el: etree._Element) -> bool:
    """A bibl of fields alone (no text of its own between them): its fields are units."""
    return (
        _name(el) == "bibl"
        and not (el.text or "").strip()
        and all(not (c.tail or "").strip() for c in el)
    )


def _read_children(el: etree._Element) -> list[etree._Element]:
    """The children read: one alternative of a choice or app, the additions of a subst."""
    kids = [c for c in el if isinstance(c.tag, str)]
    name = _name(el)
    if name == "choice":
        pick = [c for c in kids if _name(c) in {"corr", "reg", "expan"}] or kids
        return pick[:1]
    if name == "app":
        return ([c for c in kids if _name(c) == "lem"] or [c for c in kids if _name(c) == "rdg"])[
            :1
        ]
    return kids


def _pieces(el: etree._Element, registers: bool = True) -> Iterator[str]:
    """The source text of ``el`` with "\\x00" at boundaries and "\\x01" at joins."""
    if _name(el) in SKIPPED or (not registers and _name(el) in REGISTERS):
        return
    parent = el.getparent()
    if _name(el) in LABELLED or (
        _name(el) == "num" and parent is not None and _name(parent) == "gramGrp"
    ):
        yield "\x00"
        return
    brk = _is_break(el)
    if brk:
        yield "\x00"
    if _is_join(el):
        yield "\x01"
    if _name(el) in {"choice", "app", "subst"}:
        for child in _read_children(el):
            yield from _pieces(child, registers)
    else:
        yield el.text or ""
        for child in el:
            if isinstance(child.tag, str):
                yield from _pieces(child, registers)
            yield child.tail or ""
    if brk:
        yield "\x00"


def source_words(root: etree._Element, registers: bool = True) -> list[str]:
    """The words of every top-level ``text`` of the document, in order; without those of
    registers (the reading text only) when ``registers`` is false."""
    texts = root.xpath("//t:text[not(ancestor::t:text)]", namespaces={"t": TEI})
    raw = "".join(piece for t in texts for piece in _pieces(t, registers))
    raw = re.sub(r"\s*\x01\s*", "", raw)  # break="no": the words on both sides are one
    raw = nfc(raw)
    return WORD.findall(_editorial(raw.replace("\x00", " ")))


def nfc(text: str) -> str:
    """``text`` as the outputs spell it: in NFC (a canonically equivalent spelling: "и" and
    a combining breve is "й"), except CJK compatibility ideographs, kept as written."""
    return "".join(
        p if i % 2 else unicodedata.normalize("NFC", p)
        for i, p in enumerate(re.split("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)", text))
    )


@dataclass
class Integrity:
    """Fused and split words of one output, with examples."""

    fused: int = 0
    split: int = 0
    examples: list[str] = field(default_factory=list)


def integrity(source: list[str], output: str) -> Integrity:
    """Compare an output's tokens with the source words (case-insensitive)."""
    src = [w.casefold() for w in source]
    known = set(src)
    pairs = {a + b for a, b in zip(src, src[1:], strict=False)}
    out = [w.casefold() for w in WORD.findall(output)]
    result = Integrity()
    for token in out:
        if token not in known and token in pairs:
            result.fused += 1
            if len(result.examples) < 5:
                result.examples.append(f"fused {token!r}")
    for a, b in zip(out, out[1:], strict=False):
        if (a not in known or b not in known) and a + b in known:
            result.split += 1
            if len(result.examples) < 10:
                result.examples.append(f"split {a!r}+{b!r}")
    return result


#: HTML elements that separate words as a browser shows them.
_HTML_BLOCKS = (
    "p",
    "div",
    "li",
    "section",
    "td",
    "th",
    "br",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "tr",
    "aside",
    "nav",
    "header",
    "footer",
    "table",
    "ul",
    "ol",
    "dl",
    "article",
)
#: Generated marks that are no reading text (note and page labels, line numbers, links back).
_GENERATED = ("note-label", "noteref", "backlink", "pb", "lnum", "app-ref", "facs")


def html_reading(page: str) -> str:
    """The reading text of an HTML page: ``main`` without the generated marks, the notes
    and apparatus (read separately) and the index; blocks separated as a browser shows them.
    """
    from lxml import html as lhtml

    tree = lhtml.document_fromstring(page.encode("utf-8"))
    # one walk over the elements, not XPath: libxml2 2.14 merges the node sets of
    # "//*[@class]" and of a union of "//p | //div …" in quadratic time (47 s and 33 s on
    # a 3.5 MB dictionary page), and this runs on every page of the shared corpora
    elements = [el for el in tree.iter() if isinstance(el.tag, str)]
    dropped = [
        el
        for el in elements
        if el.get("id") == "tk-index"
        or el.tag in {"script", "style"}
        or "apparatus" in el.get("class", "").split()
    ]
    gone = set()
    for el in dropped:
        if not any(a in gone for a in el.iterancestors()):
            gone.add(el)
            el.drop_tree()
    elements = [el for el in tree.iter() if isinstance(el.tag, str)]
    generated = set(_GENERATED)
    for el in elements:
        # deletions are shown struck through, not read; clear() keeps the tail and,
        # unlike drop_tree(), costs no copying of the surrounding text
        if el.tag == "del" or set(el.get("class", "").split()) & generated:
            el.clear(keep_tail=True)
    blocks = set(_HTML_BLOCKS)
    for el in tree.iter():
        if el.tag == "img" and el.get("alt") is not None:  # what a screen reader reads
            el.tail = f" {el.get('alt')} {el.tail or ''}"
        if el.tag in blocks:
            el.text, el.tail = " " + (el.text or ""), " " + (el.tail or "")
    main = tree.find(".//main")
    return _editorial((main if main is not None else tree.find("body")).text_content())


def epub_reading(data: bytes) -> tuple[str, str]:
    """The reading text of an EPUB and its title block: its content documents in spine
    order (without the navigation document), each read as :func:`html_reading` reads a
    page; the documents made from the header (title page, imprint; like
    :func:`html_title_block`) apart."""
    import io
    import posixpath
    import zipfile

    opf_ns = {"opf": "http://www.idpf.org/2007/opf"}
    body, title = [], []
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        opf_path = str(container.xpath("string(//*[local-name()='rootfile']/@full-path)"))
        opf = etree.fromstring(book.read(opf_path))
        items = {i.get("id"): i for i in opf.xpath("//opf:manifest/opf:item", namespaces=opf_ns)}
        for ref in opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=opf_ns):
            item = items[ref]
            if "nav" in (item.get("properties") or "").split():
                continue
            page = book.read(posixpath.join(posixpath.dirname(opf_path), item.get("href")))
            # made from the header: the title page, and the imprint (source, licence) of a
            # text that opens with a title page of its own
            header = b'epub:type="titlepage"' in page or b'epub:type="imprint"' in page
            (title if header else body).append(html_reading(page.decode("utf-8")))
    return " ".join(body), " ".join(title)


def html_title_block(page: str) -> str:
    """The title block of an HTML page: made from the header, so no reading text to check
    words against, but where the text's own title is shown when it only repeats the
    header's (a front docTitle): counted for the letters kept."""
    from lxml import html as lhtml

    tree = lhtml.document_fromstring(page.encode("utf-8"))
    return " ".join(h.text_content() for h in tree.xpath("//header[@class='titlepage']"))


def text_reading(text: str) -> str:
    """The reading text of the text output: without note marks."""
    return _editorial(re.sub(r"\[\d+\]", " ", text))


def _editorial(text: str) -> str:
    """Editorial brackets inside a word ("w[ird]", "Imp(erator)") are part of the word, and
    so are the dots below unclear letters (Leiden), also where NFC made one letter of a
    letter and its dot ("ṛ"): both sides are read without any dot below."""
    if not text.isascii():
        text = unicodedata.normalize(
            "NFC", unicodedata.normalize("NFD", text).replace("\u0323", "")
        )
    return re.sub(r"(?<=\w)[\[\]()⟨⟩](?=\w)|(?<=\w)[\[\]()⟨⟩]+(?=\w)", "", text)


def letters_kept(source: list[str], output: str) -> float:
    """The share of the source's letters (its words, counted as a multiset and weighted by
    length) that the output has."""
    want = Counter(w.casefold() for w in source)
    have = Counter(w.casefold() for w in WORD.findall(output))
    total = sum(len(w) * n for w, n in want.items())
    kept = sum(len(w) * min(n, have[w]) for w, n in want.items())
    return kept / total if total else 1.0


def dangling_links(page: str) -> list[str]:
    """The ``#…`` links of an HTML page whose target id the page does not have."""
    from lxml import html as lhtml

    tree = lhtml.document_fromstring(page.encode("utf-8"))
    elements = [el for el in tree.iter() if isinstance(el.tag, str)]  # no XPath: see above
    ids = {el.get("id") for el in elements}
    hrefs = {el.get("href") or "" for el in elements if el.tag == "a"}
    return sorted({h for h in hrefs if h.startswith("#") and h[1:] not in ids})
