"""XInclude, resolved by teikit and not by libxml2.

Why by teikit: every included file must be read with the same locked-down parser
(:mod:`teikit.loading.parsing`) and lie inside the including document's folder tree
(``load:xinclude-outside``); libxml2's own XInclude would read with its own settings.
Included elements keep their own line numbers and carry ``xml:base``, which is how
:mod:`teikit.locations` names their file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from teikit.diagnostics import Diagnostic, LoadError, Where, error
from teikit.files import is_remote
from teikit.loading.limits import MAX_INCLUDE_DEPTH, MAX_INCLUDES
from teikit.loading.parsing import parse_bytes, read_file
from teikit.loading.scope import note_dependency
from teikit.namespaces import XINCLUDE, XML_BASE

XI_NS = XINCLUDE


def resolve_includes(tree: etree._ElementTree, path: Path, notes: list[Diagnostic]) -> list[Path]:
    """Replace every xi:include in ``tree`` (read from ``path``) by what it names, inside
    ``path``'s folder tree; warnings of the included files go to ``notes``. Returns the
    files included (that exist)."""
    if next(tree.getroot().iter(f"{{{XI_NS}}}include"), None) is None:
        return []  # most documents include nothing: no need to resolve their path
    real = path.resolve()
    includer = _Includer(real.parent, notes)
    includer.resolve_all(tree.getroot(), path, real, depth=0, chain=((real, None),))
    return includer.files_read()


_Chain = tuple[tuple[Path, str | None], ...]
_POINTER = re.compile(r"^(?:xpointer\(id\(['\"](.+)['\"]\)\)|element\((.+)\))$")


class _Includer:
    """XInclude resolution for one document.

    Why a class: a document may include the same few files thousands of times (that is
    what :data:`MAX_INCLUDES` bounds), and each include used to resolve its path through
    the file system three times; here each (folder, href) is resolved once and each
    target read once, so the cost is one parse per include and nothing more.
    """

    def __init__(self, confine: Path, notes: list[Diagnostic]) -> None:
        self.confine = confine
        self.notes = notes
        self.budget = MAX_INCLUDES
        self._targets: dict[tuple[Path, str], Path] = {}
        self._bytes: dict[Path, bytes | None] = {}
        self._bases: dict[tuple[Path, Path], str] = {}

    def resolve_all(
        self, root: etree._Element, file: Path, real: Path, depth: int, chain: _Chain
    ) -> None:
        """Resolve every xi:include below ``root`` (read from ``file``, whose resolved
        path is ``real``); ``chain`` is the (file, xpointer) path that led here, so a
        cycle is named at once instead of after 32 re-reads."""
        for inc in list(root.iter(f"{{{XI_NS}}}include")):
            self.budget -= 1
            if self.budget < 0:
                raise LoadError(
                    error(
                        "load:xinclude-too-many",
                        f"More than {MAX_INCLUDES} XIncludes for one "
                        "document; teikit stops here so that repeated includes cannot multiply "
                        "without bound.",
                        file=str(file),
                        line=inc.sourceline or 0,
                        column=1,
                    )
                )
            self._include_one(inc, file, real, depth, chain)

    def files_read(self) -> list[Path]:
        """Every file this document included (that exists)."""
        return [path for path, data in self._bytes.items() if data is not None]

    def _target(self, real: Path, href: str) -> Path:
        key = (real.parent, href)
        found = self._targets.get(key)
        if found is None:
            found = (real.parent / href.removeprefix("file:")).resolve() if href else real
            self._targets[key] = found
        return found

    def _base(self, target: Path, folder: Path) -> str:
        """``target`` relative to ``folder`` (the included element's ``xml:base``), worked
        out once per pair: ``os.path.relpath`` was a quarter of the cost of 10,000
        includes of one file."""
        key = (target, folder)
        found = self._bases.get(key)
        if found is None:
            found = self._bases[key] = os.path.relpath(target, folder)
        return found

    def _read(self, target: Path) -> bytes | None:
        """The target's bytes, or None when it is not a file (read once per document)."""
        if target not in self._bytes:
            note_dependency(target)  # its absence decides the result too (the fallback)
            self._bytes[target] = read_file(target) if target.is_file() else None
        return self._bytes[target]

    def _include_one(
        self, inc: etree._Element, file: Path, real: Path, depth: int, chain: _Chain
    ) -> None:
        where: Where = {"file": str(file), "line": inc.sourceline or 0, "column": 1}
        if depth >= MAX_INCLUDE_DEPTH:
            raise LoadError(
                error(
                    "load:xinclude-loop",
                    f"XInclude nested more than {MAX_INCLUDE_DEPTH} levels deep (a cycle?).",
                    **where,
                )
            )
        href = inc.get("href", "")
        if is_remote(href):
            raise LoadError(
                error(
                    "load:xinclude-remote",
                    f"XInclude of '{href}' would reach "
                    "the network; teikit includes local files only. Download "
                    "it next to the document and point href at the copy.",
                    **where,
                )
            )
        target = self._target(real, href)
        if href:
            # Also the name as written, through the links on its way: a later check of
            # the result opens it again, so a link moved since is a change (the resolved
            # target alone would still be the old one, unchanged).
            note_dependency(file.parent / href.removeprefix("file:"))
        if not target.is_relative_to(self.confine):
            raise LoadError(
                error(
                    "load:xinclude-outside",
                    f"XInclude of '{href}' resolves "
                    f"to {target}, outside the document's folder "
                    f"{self.confine}; teikit only includes files inside that "
                    "folder tree.",
                    **where,
                )
            )
        data = self._read(target)
        if data is None:
            fallback = inc.find(f"{{{XI_NS}}}fallback")
            if fallback is None:
                raise LoadError(
                    error(
                        "load:xinclude-missing",
                        f"XInclude of '{href}': no such file, and no xi:fallback.",
                        **where,
                    )
                )
            _replace(inc, list(fallback), fallback.text)
            return
        if inc.get("parse", "xml") == "text":
            _replace(inc, [], _as_text(data, inc.get("encoding") or "utf-8", href, where))
            return
        pointer = inc.get("xpointer")
        link = (target, pointer)
        if link in chain or (target == real and not pointer):
            names = " -> ".join(
                os.path.relpath(f, self.confine) + (f"#{x}" if x else "") for f, x in (*chain, link)
            )
            raise LoadError(
                error(
                    "load:xinclude-loop",
                    f"XIncludes form a cycle ({names}); remove the include that closes it.",
                    **where,
                )
            )
        sub = parse_bytes(data, str(target), require_tei=False, notes=self.notes).getroot()
        self.resolve_all(sub, target, target, depth + 1, (*chain, link))
        node = _pointed(sub, pointer, target, where) if pointer else sub
        node.set(XML_BASE, self._base(target, real.parent))
        _replace(inc, [node], None)


def _as_text(data: bytes, encoding: str, href: str, where: Where) -> str:
    """An ``parse="text"`` include's content, or a located encoding error."""
    try:
        return data.decode(encoding, errors="strict")
    except (UnicodeDecodeError, LookupError) as exc:
        why = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise LoadError(
            error(
                "xml:encoding",
                f"XInclude of '{href}' as text: the file is "
                f"not valid {encoding} ({why}); save it as UTF-8 or give the "
                "right encoding attribute.",
                **where,
            )
        ) from None


def _pointed(sub: etree._Element, pointer: str, target: Path, where: Where) -> etree._Element:
    """The element an ``xpointer`` (``id('x')`` or ``element(x)``) names in ``sub``."""
    ident = _POINTER.sub(r"\1\2", pointer)
    found = sub.xpath("//*[@xml:id=$i]", i=ident)
    if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
        raise LoadError(
            error(
                "load:xinclude-missing",
                f"XInclude xpointer '{pointer}' finds "
                f"no element with xml:id '{ident}' in {target}.",
                **where,
            )
        )
    return found[0]


def _replace(inc: etree._Element, nodes: list[etree._Element], text: str | None) -> None:
    """Put ``text`` and ``nodes`` where ``inc`` stands, keeping the surrounding text."""
    parent = inc.getparent()
    if parent is None:
        raise LoadError(
            error(
                "load:xinclude-root",
                "The root element cannot be an xi:include.",
                file=str(inc.base or ""),
                line=inc.sourceline or 0,
            )
        )
    prev = inc.getprevious()
    lead = text or ""
    if prev is not None:
        prev.tail = (prev.tail or "") + lead
    else:
        parent.text = (parent.text or "") + lead
    index = parent.index(inc)
    tail = inc.tail
    for offset, node in enumerate(nodes):
        parent.insert(index + offset, node)
    parent.remove(inc)
    if tail:
        last = nodes[-1] if nodes else (parent[index - 1] if index > 0 else None)
        if last is not None:
            last.tail = (last.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
