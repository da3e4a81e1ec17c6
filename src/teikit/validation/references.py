"""Pointers must lead somewhere: the check no grammar can make.

RelaxNG and XSD only see that ``@ref="#stalin"`` is a well-formed URI; they cannot
see that no element carries ``xml:id="stalin"``. A dangling pointer breaks the
index of persons, the back-links and every downstream tool, so this engine follows
every pointer attribute:

* ``#id`` must name an ``xml:id`` in the document (XIncluded parts included);
* ``prefix:value`` is expanded through the document's ``prefixDef`` declarations
  (``matchPattern`` / ``replacementPattern``) and the expansion checked in turn;
* ``other.xml#id`` must be a local file (relative to the element's own file) that
  holds that ``xml:id``; such files are read with teikit's safe loader, once;
* absolute URIs (``http:``, ``https:``, ``urn:``, ``mailto:`` …) are not checked: that
  would need the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from lxml import etree

from teikit.diagnostics import Diagnostic, LoadError, Severity
from teikit.loading import TEI_NS, inside_project, note_dependency, parse_file
from teikit.locations import file_of, locate_all
from teikit.namespaces import XML_BASE, XML_ID
from teikit.validation import beside

if TYPE_CHECKING:
    from teikit.document import Document

#: Attributes whose values are whitespace-separated lists of pointers (TEI's
#: att.pointing, att.canonical @ref, att.global.linking, att.global.responsibility,
#: att.global.analytic, relation's participants). ``@facs`` points at images and
#: ``@key`` is an opaque code, so neither is followed.
POINTER_ATTRIBUTES = (
    "ref",
    "target",
    "corresp",
    "who",
    "sameAs",
    "copyOf",
    "next",
    "prev",
    "source",
    "resp",
    "scheme",
    "ana",
    "active",
    "passive",
    "mutual",
)

#: URI schemes that name things teikit cannot (or must not) reach offline.
ABSOLUTE_SCHEMES = {
    "http",
    "https",
    "urn",
    "mailto",
    "ftp",
    "ftps",
    "doi",
    "info",
    "tag",
    "data",
    "tel",
    "geo",
    "ark",
    "isbn",
    "issn",
    "hdl",
}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)


_POINTER_SET = frozenset(POINTER_ATTRIBUTES)
_ERROR = Severity.ERROR


class _Scanned(NamedTuple):
    """What :func:`_scan` finds in a tree."""

    #: each xml:id with its element
    with_id: list[tuple[str, etree._Element]]
    #: the elements carrying a pointer
    with_pointer: list[etree._Element]
    #: the index in document order of each of those elements, so that their positions
    #: are asked for by index (:meth:`~teikit.validation.rng.positions.Positions.starts_at`)
    id_order: list[int]
    pointer_order: list[int]
    #: how many elements the tree has
    elements: int
    #: whether any element has an ``xml:base``
    bases: bool


def _scan(root: etree._Element) -> _Scanned:
    """The xml:ids and the pointers of a tree, in one pass that skips attribute-less
    elements at once: on 10^6 inline elements, looking up 16 attributes on each was
    most of the check."""
    with_id: list[tuple[str, etree._Element]] = []
    with_pointer: list[etree._Element] = []
    id_order: list[int] = []
    pointer_order: list[int] = []
    bases = False
    i = -1
    for i, el in enumerate(root.iter(etree.Element)):
        keys = el.keys()
        if not keys:
            continue
        if len(keys) == 1:  # the common case, a pointer or an xml:id alone: one test
            key = keys[0]
            if key in _POINTER_SET:
                with_pointer.append(el)
                pointer_order.append(i)
            elif key == XML_ID:
                with_id.append((el.values()[0], el))
                id_order.append(i)
            else:
                bases = bases or key == XML_BASE
            continue
        if XML_ID in keys:
            with_id.append((el.values()[keys.index(XML_ID)], el))
            id_order.append(i)
        if not _POINTER_SET.isdisjoint(keys):
            with_pointer.append(el)
            pointer_order.append(i)
        if XML_BASE in keys:
            bases = True
    return _Scanned(with_id, with_pointer, id_order, pointer_order, i + 1, bases)


#: Each pointer attribute's rank in :data:`POINTER_ATTRIBUTES`: an element's pointers
#: are followed in that order, whatever the order they were written in.
_RANK = {name: rank for rank, name in enumerate(POINTER_ATTRIBUTES)}


def _pointers(attributes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pointer attributes among an element's ``attributes`` (``el.items()``), in
    :data:`_RANK` order. Why not ``el.get`` for each name: 15 lookups per pointer-bearing
    element were a third of checking 10^5 pointers that all resolve."""
    found = [(name, value) for name, value in attributes if name in _RANK]
    if len(found) > 1:
        found.sort(key=lambda pair: _RANK[pair[0]])
    return found


def _ids(root: etree._Element) -> dict[str, etree._Element]:
    return dict(_scan(root).with_id)


def _prefix_defs(root: etree._Element) -> dict[str, list[tuple[str, str]]]:
    defs: dict[str, list[tuple[str, str]]] = {}
    for el in root.iter(f"{{{TEI_NS}}}prefixDef"):
        ident = el.get("ident")
        if ident:
            defs.setdefault(ident, []).append(
                (el.get("matchPattern") or "", el.get("replacementPattern") or "")
            )
    return defs


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    """A ``matchPattern`` compiled by RE2, or None when RE2 cannot run it.

    Why RE2: the pattern is written by whoever wrote the document, and a backtracking
    engine (Python's ``re``) takes exponential time on shapes such as ``(a+)+$``; RE2
    matches in time linear in the value, whatever the pattern. Back-references and
    look-arounds, which need backtracking, are therefore refused (the pointer is then
    reported as matching no pattern).
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # a bad pattern is reported as ref:bad-prefix, not logged
    try:
        return re2.compile(pattern, options)
    except re2.error:
        return None


def _expand(value: str, patterns: list[tuple[str, str]]) -> str | None:
    """The expansion of a private URI, or None when no pattern matches.

    TEI replacement patterns use ``$1`` for groups; a pattern must match the whole
    value, as the Guidelines' examples assume.
    """
    for match_pattern, replacement in patterns:
        compiled = _compiled(match_pattern)
        m = compiled.fullmatch(value) if compiled is not None else None
        if m:
            return re.sub(r"\$(\d)", _group_of(m), replacement)
    return None


def _group_of(match: Any) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement for ``$n``: group ``n`` of ``match`` (empty if unset or
    beyond the pattern's groups)."""

    def group(ref: re.Match[str]) -> str:
        n = int(ref.group(1))
        return str(match.group(n) or "") if n <= match.re.groups else ""

    return group


@lru_cache(maxsize=64)
def _external_ids(path: Path, mtime_ns: int) -> frozenset[str] | LoadError:
    """The xml:ids of another local file, read once per process (per version of it)."""
    try:
        tree = parse_file(path, require_tei=False)
    except LoadError as exc:
        return exc
    return frozenset(_ids(tree.getroot()))


class _Checker:
    def __init__(self, doc: Document) -> None:
        self.tree: etree._ElementTree = doc.tree
        path = doc.path
        self.path = path
        self.default_file = str(path) if path else ""
        root = self.tree.getroot()
        self.scanned = _scan(root)
        self.with_id = self.scanned.with_id
        self.ids = dict(self.with_id)
        self.prefixes = _prefix_defs(root)
        #: the document index of the element being checked (see :class:`_Scanned`)
        self.index = 0
        #: the findings, each by its element, that element's index, rule and message
        #: (see :meth:`_placed`)
        self.todo: list[tuple[etree._Element, int, str, str]] = []

    def run(self) -> list[Diagnostic]:
        self._duplicates()
        ids = self.ids
        for el, index in zip(self.scanned.with_pointer, self.scanned.pointer_order, strict=True):
            self.index = index
            attributes = el.items()  # a pointer alone (the common case) is the pointer
            for attr, value in attributes if len(attributes) == 1 else _pointers(attributes):
                for token in value.split():
                    if token[0] != "#":
                        self._pointer(el, attr, token, token, depth=0)
                        continue
                    # the common case, inline: 10^5 pointers cost no call each
                    ident = unquote(token[1:]) if "%" in token else token[1:]
                    if ident not in ids and "(" not in ident:  # #f(...) is an XPointer
                        self._unresolved(el, f'@{attr}="{token}"', ident)
        return self._placed()

    def _unresolved(self, el: etree._Element, label: str, ident: str) -> None:
        self.todo.append(
            (
                el,
                self.index,
                "ref:unresolved",
                f"{label} points to no xml:id in this "
                f'document; add xml:id="{ident}" to the element it means, or '
                "correct the pointer.",
            )
        )

    def _report(self, rule: str, el: etree._Element, message: str) -> None:
        """Keep a finding; all are placed at the end, at once (:meth:`_placed`)."""
        self.todo.append((el, self.index, rule, message))

    def _placed(self) -> list[Diagnostic]:
        """The findings with their file, XPath, line and column, in the order found.

        Line and column are just after the element's start tag, where every engine
        places an element's finding. Why here and not left to the batch's ``placed``:
        that finds the element again from its XPath, a second walk per finding. The
        document's tags are read only when there is a finding."""
        if not self.todo:
            return []
        elements = [el for el, _, _, _ in self.todo]
        indices = [index for _, index, _, _ in self.todo]
        scanned = self.scanned
        # A child checking this document's grammars holds its bytes: it finds the start
        # tags meanwhile (one file's: no xml:base, so no XIncluded part).
        helper = beside.helper() if not scanned.bases else None
        asked = helper is not None and helper.ask((scanned.elements, indices))
        where = locate_all(elements, self.default_file, bases=scanned.bases)
        answer = helper.answer() if asked and helper is not None else None
        spots: Sequence[tuple[int, int] | None] = (
            answer
            if isinstance(answer, list) and len(answer) == len(indices)
            else self._starts(elements, indices)
        )
        make = Diagnostic._make  # all fields at once: no call of __new__ with defaults
        return [
            make((_ERROR, rule, message, file, *(spot or (el.sourceline or 0, 0)), xpath, ()))
            for (el, _, rule, message), (file, xpath), spot in zip(
                self.todo, where, spots, strict=True
            )
        ]

    def _starts(
        self, elements: list[etree._Element], indices: list[int]
    ) -> Sequence[tuple[int, int] | None]:
        """Where each of ``elements`` (at ``indices`` in document order) ends its start
        tag, None where that cannot be told."""
        from teikit.validation.rng.positions import Positions, of_file

        positions = of_file(self.path, self.tree.getroot(), self.scanned.elements)
        if isinstance(positions, Positions):  # one file: asked by index, no pairing
            return positions.starts_at(indices)
        return positions.starts(elements) if positions is not None else [None] * len(elements)

    def _duplicates(self) -> None:
        if len(self.ids) == len(self.with_id):
            return  # no xml:id twice
        seen: dict[str, etree._Element] = {}
        for (ident, el), index in zip(self.with_id, self.scanned.id_order, strict=True):
            self.index = index
            if ident in seen:
                first = seen[ident]
                self._report(
                    "ref:duplicate-id",
                    el,
                    f"xml:id '{ident}' is already used on "
                    f"line {first.sourceline}; every xml:id must be unique, so rename "
                    "one of them and update the pointers to it.",
                )
            else:
                seen[ident] = el

    def _pointer(
        self, el: etree._Element, attr: str, token: str, original: str, depth: int
    ) -> None:
        label = (
            f'@{attr}="{original}"'
            if token == original
            else f"@{attr}=\"{original}\" (expanded to '{token}')"
        )
        if token.startswith("#"):
            ident = unquote(token[1:])
            if "(" in ident:  # an XPointer scheme such as #string-range(...): not an id
                return
            if ident not in self.ids:
                self._unresolved(el, label, ident)
            return
        m = _SCHEME.match(token)
        # An undeclared single letter is a Windows drive (C:), not a scheme.
        if m and (m.group(1) in self.prefixes or len(m.group(1)) > 1):
            prefix, rest = m.group(1), m.group(2)
            if prefix in self.prefixes:
                expanded = _expand(rest, self.prefixes[prefix])
                if expanded is None:
                    self._report(
                        "ref:bad-prefix",
                        el,
                        f"{label}: no matchPattern of "
                        f"<prefixDef ident=\"{prefix}\"> matches '{rest}'; fix the "
                        "value or the prefixDef's matchPattern.",
                    )
                elif depth < 4:
                    self._pointer(el, attr, expanded, original, depth + 1)
                return
            if prefix.lower() in ABSOLUTE_SCHEMES:
                return
            if prefix.lower() != "file":
                self._report(
                    "ref:bad-prefix",
                    el,
                    f"{label} uses the prefix '{prefix}:', "
                    f'which no <prefixDef ident="{prefix}"> declares; declare it in '
                    "encodingDesc/listPrefixDef or write the full URI.",
                )
                return
            token = rest.removeprefix("//")
        self._file_pointer(el, label, token)

    def _file_pointer(self, el: etree._Element, label: str, token: str) -> None:
        file_part, _, fragment = token.partition("#")
        own = file_of(el, self.default_file)
        if not own:
            return  # a document built in memory: relative pointers have no base
        target = (Path(own).parent / unquote(file_part)).resolve()
        if not inside_project(target, self.path):
            self._report(
                "ref:outside-project",
                el,
                f"{label} names {file_part}, outside the "
                "project (the working folder, the folders validated and the "
                "document's repository); teikit neither reads nor probes files "
                "there. Point inside the project, or write a full URI.",
            )
            return
        note_dependency(target)  # read once per process below: the cache must still know
        if not target.exists():
            hint = (
                f" An element here has xml:id=\"{file_part}\": did you mean '#{file_part}'?"
                if file_part in self.ids
                else ""
            )
            self._report(
                "ref:file-missing",
                el,
                f"{label} names the file {file_part}, which "
                "does not exist next to this document; add the file or correct the "
                f"path.{hint}",
            )
            return
        if not fragment or "(" in fragment or not target.is_file():
            return
        ids = _external_ids(target, target.stat().st_mtime_ns)
        if isinstance(ids, LoadError):
            rule = ids.diagnostic.rule if ids.diagnostic else "xml:malformed"
            self._report(
                "ref:file-unreadable",
                el,
                f"{label}: {file_part} cannot be read "
                f"safely ([{rule}] {ids.diagnostic.message if ids.diagnostic else ''})"
                "; fix that file first.",
            )
            return
        if unquote(fragment) not in ids:
            self._report(
                "ref:unresolved",
                el,
                f"{label}: {file_part} has no element with "
                f'xml:id="{unquote(fragment)}"; add it there or correct the '
                "pointer.",
            )


def check(doc: Document) -> list[Diagnostic]:
    """Every dangling, undeclared or duplicated reference in ``doc``, located."""
    return _Checker(doc).run()
