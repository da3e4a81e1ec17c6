"""What teikit asks of libxml2's RelaxNG: compile a grammar, and turn its error log into
Diagnostics.

libxml2 reports RelaxNG failures as typed log entries (``RELAXNG_ERR_ELEMWRONG``…)
carrying a line but no file for XIncluded nodes and no XPath; each type maps to a stable
``rng:`` rule code, the message is rewritten into something a TEI encoder can act on
and located through :mod:`teikit.locations`. This report is the fallback: the
derivative walk (:mod:`.validator`) explains every document whose schema it takes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.diagnostics import Diagnostic, TeikitError, error
from teikit.locations import file_of, line_finder, locate

if TYPE_CHECKING:
    from teikit.document import Document

#: libxml2 error type name → rule code. One code per thing an encoder has to fix;
#: types not listed become ``rng:invalid``.
RULES: dict[str, str] = {
    **dict.fromkeys(
        (
            "RELAXNG_ERR_ELEMWRONG",
            "RELAXNG_ERR_ELEMNAME",
            "RELAXNG_ERR_ELEMWRONGNS",
            "RELAXNG_ERR_ELEMNONS",
            "RELAXNG_ERR_ELEMEXTRANS",
            "RELAXNG_ERR_INTEREXTRA",
            "RELAXNG_ERR_EXTRACONTENT",
            "RELAXNG_ERR_ELEMNOTEMPTY",
        ),
        "rng:element-not-allowed",
    ),
    **dict.fromkeys(("RELAXNG_ERR_NOELEM", "RELAXNG_ERR_INTERSEQ"), "rng:element-missing"),
    **dict.fromkeys(
        (
            "RELAXNG_ERR_INVALIDATTR",
            "RELAXNG_ERR_ATTRNAME",
            "RELAXNG_ERR_ATTRNONS",
            "RELAXNG_ERR_ATTRWRONGNS",
            "RELAXNG_ERR_ATTREXTRANS",
        ),
        "rng:attribute-not-allowed",
    ),
    **dict.fromkeys(
        (
            "RELAXNG_ERR_TYPE",
            "RELAXNG_ERR_TYPEVAL",
            "RELAXNG_ERR_TYPECMP",
            "RELAXNG_ERR_DATATYPE",
            "RELAXNG_ERR_VALUE",
            "RELAXNG_ERR_LIST",
            "RELAXNG_ERR_LISTEXTRA",
            "RELAXNG_ERR_LISTEMPTY",
            "RELAXNG_ERR_DATAELEM",
            "RELAXNG_ERR_VALELEM",
            "RELAXNG_ERR_LISTELEM",
        ),
        "rng:value-invalid",
    ),
    "RELAXNG_ERR_DUPID": "rng:duplicate-id",
    **dict.fromkeys(("RELAXNG_ERR_TEXTWRONG", "RELAXNG_ERR_NOTELEM"), "rng:text-not-allowed"),
}
GENERIC = "rng:invalid"

#: Types that only repeat, at an ancestor, a failure reported more precisely below it.
_ECHOES = {"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERNODATA", "RELAXNG_ERR_NOSTATE"}
#: Types that sum up, on the same line, what another entry there says precisely (a
#: value's datatype, then "failed to validate attributes"; an element missing from an
#: interleave, then "invalid sequence"): said only when nothing else is said there.
_SUMMARIES = {
    "RELAXNG_ERR_ATTRVALID",
    "RELAXNG_ERR_DATATYPE",
    "RELAXNG_ERR_LIST",
    "RELAXNG_ERR_INTERSEQ",
}

#: libxml2's messages (after :func:`_clean`) in teikit's words. libxml2 says less than
#: the walk: "Invalid attribute" also stands for a wrong value or a repeated ID, so the
#: words may not advise removing the attribute.
_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), w)
    for p, w in (
        (
            r"^Element (\S+) failed to validate attributes",
            "An attribute of <{0}> is missing "
            "or not valid here: check its required attributes and their values.",
        ),
        (r"^Element (\S+) failed to validate content", "The content of <{0}> is not valid."),
        (
            r"^Invalid attribute (\S+) for element (\S+)",
            "@{0} is not allowed on <{1}>, or "
            "its value is not valid there (a repeated ID, a value off its list or of the "
            "wrong type).",
        ),
        (r"^Type (\S+) doesn't allow value '(.*)'", 'The value "{1}" is not a valid {0}.'),
        (r"^Error validating datatype (\S+)", "The value is not a valid {0}."),
        (r"^Error validating value ?(.*)", "The value is not one allowed here."),
        (r"^Error validating list", "The list of values is not valid."),
        (r"^Extra data in list: (.*)", '"{0}" is not valid in this list, or one item too many.'),
        (
            r"^Did not expect element (\S+) there",
            "<{0}> is not allowed here: move or remove it, or check its name and namespace.",
        ),
        (
            r"^Did not expect text in element (\S+) content",
            "Text is not allowed in <{0}> here: wrap it in an element allowed here, or remove it.",
        ),
        (r"^Expecting an element got text", "Text is not allowed here: an element is expected."),
        (r"^Expecting an element (\S+), got nothing", "A <{0}> is missing here: add it."),
        (r"^Expecting element (\S+), got (\S+)", "<{1}> is not allowed here: <{0}> is expected."),
        (r"^Expecting a namespace for element (\S+)", "<{0}> needs its namespace here."),
        (r"^Expecting no namespace for element (\S+)", "<{0}> must be in no namespace here."),
        (
            r"^Element (\S+) has wrong namespace: expecting (\S+)",
            "<{0}> is in the wrong namespace: it belongs in {1}.",
        ),
        (r"^Expecting element (\S+) to be empty", "<{0}> must be empty."),
        (r"^Element (\S+) has extra content: (\S+)", "<{0}> has content not allowed there: {1}."),
        (
            r"^Datatype element (\S+) has child elements",
            "<{0}> holds a value: it may not contain elements.",
        ),
        (r"^Extra element (\S+) in interleave", "<{0}> appears more often than allowed here."),
        (r"^Invalid sequence in interleave", "Elements here are missing or repeated."),
        (
            r"^ID (\S+) redefined",
            'The ID "{0}" is used more than once: every ID must be unique; rename one of them.',
        ),
    )
]


def _clean(message: str) -> str:
    """libxml2's wording, without its C-isms (``{ns}name`` → ``name``, stray spaces)."""
    text = re.sub(r"\{[^}]*\}", "", message.strip())
    return re.sub(r"\s+", " ", text).rstrip(".")


def _words(message: str) -> str:
    """One of libxml2's messages as teikit says it (see :data:`_WORDS`), else as
    libxml2 says it, cleaned."""
    text = _clean(message)
    for pattern, words in _WORDS:
        m = pattern.match(text)
        if m:
            return words.format(*m.groups())
    return text + "."


def compile_tree(root: etree._Element, path: Path) -> etree.RelaxNG:
    """A reduced grammar, built in memory, compiled without a round trip through text."""
    try:
        return etree.RelaxNG(etree.ElementTree(root))
    except etree.RelaxNGParseError as exc:
        raise invalid(path, f"cannot be compiled: {exc}") from None


def compile_bytes(data: bytes, path: Path) -> etree.RelaxNG:
    """A schema compiled whole, from its bytes (its includes resolved by libxml2)."""
    try:
        tree = etree.ElementTree(
            etree.fromstring(
                data,
                etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False),
                base_url=str(path),
            )
        )
        return etree.RelaxNG(tree)
    except (etree.XMLSyntaxError, etree.RelaxNGParseError) as exc:
        raise invalid(path, f"cannot be compiled: {exc}") from None


def invalid(path: Path, why: str) -> TeikitError:
    """The schema's failure (``why`` it cannot be used) as an error located on the
    schema, so that it is the error of each document that uses it, not the end of a
    whole run (exit 3 is for teikit itself)."""
    message = f"The RelaxNG schema {path} {why}."
    return TeikitError(message, error("rng:schema-invalid", message, file=str(path)))


_NAMED = re.compile(r"^(?:Element|Extra element) (?:\{[^}]*\})?([\w.-]+)\b")


def _named(
    doc: Document, message: str, near: int, known: dict[str, dict[int, etree._Element]]
) -> etree._Element | None:
    """The element a line-less libxml2 message is about. Some checks (an element's
    attributes as a whole, an interleave) are logged at line 0 with the element's name
    only: the one of that name on line ``near`` (the next entry's line, where libxml2
    stood) when there is one, else the first, is where an encoder looks; line 0 is
    nowhere. ``known`` keeps each name's elements by line (0: the first), so many such
    messages cost one walk per name, not one each."""
    m = _NAMED.match(message)
    if m is None:
        return None
    by_line = known.get(m[1])
    if by_line is None:
        by_line = known[m[1]] = {}
        for el in doc.root.iter("{*}" + m[1], m[1]):
            by_line.setdefault(0, el)
            by_line.setdefault(el.sourceline or 0, el)
    found = by_line.get(near)  # not ``or``: an element without children is falsy
    return found if found is not None else by_line.get(0)


def _following_lines(entries: list[etree._LogEntry]) -> dict[int, int]:
    """For each entry (by ``id``), the first line at or after it in ``entries``, 0 if
    none: where libxml2 stood when it logged a line-less entry."""
    found, line = {}, 0
    for entry in reversed(entries):
        line = entry.line or line
        found[id(entry)] = line
    return found


def diagnostics(entries: list[etree._LogEntry], doc: Document) -> list[Diagnostic]:
    """libxml2's log ``entries`` for ``doc`` as located Diagnostics, echoes and repeats
    dropped."""
    default = str(doc.path) if doc.path else ""
    specific = [e for e in entries if e.type_name not in _ECHOES]
    precise = {e.line for e in specific if e.type_name not in _SUMMARIES}
    specific = [e for e in specific if e.type_name not in _SUMMARIES or e.line not in precise]
    chosen = specific or entries
    out: list[Diagnostic] = []
    seen: set[tuple[int, str, str]] = set()
    at_line = None  # one walk for all the entries' lines, at the first that has one
    named: dict[str, dict[int, etree._Element]] = {}
    following = _following_lines(entries)
    for entry in chosen:
        rule = RULES.get(entry.type_name, GENERIC)
        if entry.line:
            at_line = at_line or line_finder(doc.tree)
            node = at_line(entry.line)
        else:
            node = _named(doc, entry.message, following[id(entry)], named)
        where = (
            locate(node, default)
            if node is not None
            else {"file": file_of(doc.root, default), "line": entry.line, "column": 0, "xpath": ""}
        )
        message = _words(entry.message)
        key = (int(str(where["line"])), rule, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(error(rule, message, **where))
    return out
