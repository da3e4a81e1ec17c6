"""One rule for writing element and attribute names into RelaxNG messages.

Why a rule of its own: editors fix files from these messages, and a name can mislead
them two ways. Clark notation (``{http://…}channel``) is not how anyone writes XML, and
a foreign element written bare (an ELTeC ``<authorGender>`` in its own default
namespace, inside a TEI ``<textDesc>``) looks like a TEI element, which hides the very
reason it is refused. So, in every message:

* a name from the document is written as the document writes it (its prefix), and when
  its namespace is not the one an editor assumes (for elements the namespace of the
  document's root, TEI in a TEI document; none for attributes) the message says that
  namespace once: ``<authorGender> (namespace http://distantreading.net/eltec/ns)``;
* a name the schema expects is written bare in the assumed namespace, with the
  document's prefix for another namespace where the document declares one, else with
  its namespace said once.

JSON's ``expected`` lists are for programs, not readers: there every name is written as
the document would write it at that point (its default namespace bare, its prefixes),
else in Clark notation, which a program can always resolve (:func:`expected_elements`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from lxml import etree

from teikit.validation.rng.patterns import XML_NS, QName

#: Names shown in a list in a message; the diagnostic's ``expected`` has them all.
SHOWN = 8

Scope = tuple[tuple[str | None, str], ...]


def scope(el: etree._Element | None) -> Scope:
    """The namespace declarations in force at ``el`` (hashable, for the caches)."""
    return tuple(el.nsmap.items()) if el is not None else ()


def note(ns: str) -> str:
    """The words that say a namespace."""
    return f"(namespace {ns})" if ns else "(no namespace)"


def _prefix(ns: str, where: Scope) -> str | None:
    """The document's prefix for ``ns`` at that point, if it declares one."""
    if ns == XML_NS:
        return "xml"
    return next((p for p, u in where if u == ns and p), None)


class Namer:
    """Writes the names of one message, saying each unexpected namespace only once
    (a message that names three ELTeC elements says the ELTeC namespace once)."""

    def __init__(self, el: etree._Element) -> None:
        #: the namespace an editor assumes for elements: that of the root of ``el``'s
        #: document (TEI in a TEI document, none in a small test grammar's document)
        self.assumed = split(el.getroottree().getroot().tag)[0]
        self.said: set[str] = set()

    def noted(self, text: str, ns: str) -> str:
        """``text`` with the namespace ``ns`` said after it, unless said already."""
        if ns in self.said:
            return text
        self.said.add(ns)
        return f"{text} {note(ns)}"

    def element(self, el: etree._Element) -> str:
        """``<tag>`` of an element of the document, as it is written there."""
        return self.tag(QName(*split(el.tag)), el)

    def tag(self, name: QName, el: etree._Element) -> str:
        """``<tag>`` for the element ``name`` the document has at ``el`` (``el`` itself
        or the one being written about): its own prefix when it is ``el``'s name."""
        if QName(*split(el.tag)) == name:
            text = written(el)
        else:
            prefix = _prefix(name.ns, scope(el)) if name.ns else None
            text = f"{prefix}:{name.local}" if prefix else name.local
        text = f"<{text}>"
        return text if name.ns == self.assumed else self.noted(text, name.ns)

    def attribute(
        self, name: QName, el: etree._Element, value: str | None = None, sign: str = "@"
    ) -> str:
        """``@name`` of an attribute as written on ``el`` (``@name="value"`` with a
        value; ``sign`` empty for an ``xml:id="…"`` that reads better without it)."""
        prefix = _prefix(name.ns, scope(el)) if name.ns else None
        text = sign + (f"{prefix}:{name.local}" if prefix else name.local)
        if value is not None:
            text += f'="{value}"'
        return text if name.ns in ("", XML_NS) else self.noted(text, name.ns)

    def expected(self, names: Iterable[QName], where: Scope, attributes: bool = False) -> str:
        """Names the schema allows at a point whose declarations are ``where``:
        shortest first, up to :data:`SHOWN`, the rest counted."""
        text, said = _expected_listing(
            tuple(names), where, self.assumed if not attributes else None, frozenset(self.said)
        )
        self.said |= said
        return text

    def each(self, names: Iterable[QName], where: Scope, attributes: bool = False) -> list[str]:
        """Each of a few expected names written out (``<title>``, ``@ident``)."""
        out = []
        for name in names:
            written, ns = _expected_form(name, where, self.assumed if not attributes else None)
            wrap = f"@{written}" if attributes else f"<{written}>"
            out.append(wrap if ns is None else self.noted(wrap, ns))
        return out


def _expected_form(name: QName, where: Scope, assumed: str | None) -> tuple[str, str | None]:
    """An expected name as written, and its namespace when that must be said
    (``assumed``: the elements' assumed namespace; None for attributes)."""
    if name.ns == (assumed if assumed is not None else ""):
        return name.local, None
    prefix = _prefix(name.ns, where)
    if prefix:
        return f"{prefix}:{name.local}", None
    return name.local, name.ns


@cache
def _expected_listing(
    names: tuple[QName, ...], where: Scope, assumed: str | None, said: frozenset[str]
) -> tuple[str, frozenset[str]]:
    """The listing of :meth:`Namer.expected` and the namespaces it said. Cached: a run
    of errors in one content model (10^5 unknown siblings in a paragraph of tei_all:
    200 names each) asks for the same list every time."""
    forms = {_expected_form(n, where, assumed) for n in names}
    ordered = sorted(forms, key=lambda f: (len(f[0]), f[0], f[1] or ""))
    now = set(said)
    shown = []
    for text, ns in ordered[:SHOWN]:
        wrap = f"@{text}" if assumed is None else f"<{text}>"
        if ns is not None and ns not in now:
            now.add(ns)
            wrap += f" {note(ns)}"
        shown.append(wrap)
    more = len(ordered) - SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else ""), frozenset(now - said)


@cache
def expected_elements(names: tuple[QName, ...], where: Scope) -> tuple[str, ...]:
    """Element names for JSON's ``expected``, sorted, once each: the default namespace
    at that point bare, the document's prefixes, else Clark notation. Cached for the
    same reason as :func:`_expected_listing`."""
    default = dict(where).get(None) or ""
    return tuple(sorted({_machine(n, where, n.ns == default) for n in names}))


def expected_attributes(names: Iterable[QName], where: Scope) -> list[str]:
    """Attribute names for JSON's ``expected``: no namespace bare, else as
    :func:`expected_elements`."""
    return [_machine(n, where, not n.ns) for n in names]


def _machine(name: QName, where: Scope, bare: bool) -> str:
    if bare:
        return name.local
    prefix = _prefix(name.ns, where)
    return f"{prefix}:{name.local}" if prefix else f"{{{name.ns}}}{name.local}"


def written(el: etree._Element) -> str:
    """An element's name as the document writes it (its own prefix)."""
    local = split(el.tag)[1]
    return f"{el.prefix}:{local}" if el.prefix else local


def split(clark: object) -> tuple[str, str]:
    """A Clark name (lxml's ``tag``) as namespace and local name."""
    text = str(clark)
    if text.startswith("{"):
        ns, _, local = text[1:].partition("}")
        return ns, local
    return "", text
