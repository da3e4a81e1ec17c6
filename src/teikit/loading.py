"""Reading XML that a stranger wrote, safely.

TEI files arrive from collaborators, corpora and pull requests, and validation runs in
CI with the repository's secrets nearby, so the parser is locked down:

* no network, no DTD loading, no entity expansion; a document that declares entities
  or names an external DTD is refused (``load:entity-declared``, ``load:dtd-external``);
* libxml2's own depth limit (:data:`MAX_DEPTH` levels) and a size limit (:data:`MAX_BYTES`)
  bound time and memory;
* XInclude is resolved here, by teikit and not by libxml2, so that every included file
  is read with this same parser and must lie inside the including document's folder
  tree (``load:xinclude-outside``); included elements keep their own line numbers and
  carry ``xml:base``, which is how :mod:`teikit.locations` names their file.

Anything wrong becomes a :class:`~teikit.diagnostics.LoadError` holding one located
:class:`~teikit.diagnostics.Diagnostic`; a traceback never reaches the user.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from lxml import etree

from teikit import saxon
from teikit.diagnostics import Diagnostic, LoadError, Severity, Where, error
from teikit.files import is_remote
from teikit.locations import record_files
from teikit.namespaces import TEI, XINCLUDE, XML, clark

TEI_NS = TEI
XI_NS = XINCLUDE
XML_BASE = clark(XML, "base")

#: Nesting deeper than this is refused: libxml2's limit without XML_PARSE_HUGE.
MAX_DEPTH = saxon.MAX_DEPTH
#: Files larger than this (bytes) are refused before parsing (override: TEIKIT_MAX_BYTES).
MAX_BYTES = 512 * 1024 * 1024
#: XInclude chains longer than this are refused (they are almost always cycles).
MAX_INCLUDE_DEPTH = 32
#: At most this many xi:include elements are resolved for one document, so that a few
#: small files including each other many times over cannot multiply without bound.
MAX_INCLUDES = 10_000


def max_bytes() -> int:
    """The size limit now: ``TEIKIT_MAX_BYTES`` when it is a positive integer, else
    :data:`MAX_BYTES`. Read per call so a caller (or a test) can change it at run time,
    and never fatal: a malformed value must not turn every run into a traceback."""
    raw = os.environ.get("TEIKIT_MAX_BYTES", "").strip()
    try:
        value = int(raw)
    except ValueError:
        return MAX_BYTES
    return value if value > 0 else MAX_BYTES


TEI_ROOTS = {f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"}

#: The limits Saxon's parser is given too (one parser's limits, see :mod:`teikit.saxon`).
MAX_ATTRIBUTES = saxon.MAX_ATTRIBUTES
MAX_NAME_LENGTH = saxon.MAX_NAME_LENGTH


class _NothingResolver(etree.Resolver):
    """Answers every request for an external resource (DTD, parameter entity) with an
    empty text, so nothing outside the document is ever read.

    Why: ``load_dtd=False`` alone is not enough; with ``collect_ids=False`` libxml2 still
    opens a local external DTD (seen with lxml 6.1 / libxml2 2.14 under strace), and
    ``no_network`` guards the network only.
    """

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    """A fresh locked-down parser (parsers are not shared across threads).

    No DTD is loaded, no entity is expanded (an entity reference stays an
    :class:`lxml.etree._Entity` node, which :func:`_check_doctype` refuses) and
    attribute defaults from a DTD are not applied.
    """
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_blank_text=False,
        # libxml2 would stop at a duplicate xml:id as if the file were malformed; the
        # reference check reports it instead, located, as ref:duplicate-id.
        collect_ids=False,
    )
    parser.resolvers.add(_NothingResolver())
    return parser


def _syntax_rule(message: str) -> str:
    text = message.lower()
    if "document is empty" in text:
        return "xml:empty"
    if "utf-8" in text or "encoding" in text or "not proper" in text or "char 0x" in text:
        return "xml:encoding"
    if "excessive depth" in text or ("xml_parse_huge" in text and "depth" in text):
        return "load:too-deep"
    if "entity" in text and ("amplification" in text or "loop" in text):
        return "load:entity-declared"
    return "xml:malformed"


def _fix_hint(rule: str) -> str:
    return {
        "xml:empty": "The file is empty or has no root element; give it a <TEI> root.",
        "xml:encoding": "Save the file as UTF-8 (or declare its real encoding).",
        "load:too-deep": f"Elements are nested deeper than {MAX_DEPTH} levels; flatten the markup.",
        "xml:malformed": "Fix the markup at this position; the file is not well-formed XML.",
    }.get(rule, "")


def base_url(file: str) -> str:
    """``file`` as the tree's URL: libxml2 takes UTF-8 only, and a file name that is not
    UTF-8 reaches Python with lone surrogates, which are written as escapes instead."""
    return file.encode("utf-8", "backslashreplace").decode("utf-8")


def _parse(data: bytes, file: str) -> etree._ElementTree:
    """``data`` parsed by the locked-down parser, or the first error as a LoadError."""
    # lxml keeps a per-thread log of earlier parses; start clean so the first entry
    # of a failure below is this document's first error.
    etree.clear_error_log()
    try:
        return etree.ElementTree(etree.fromstring(data, _parser(), base_url=base_url(file)))
    except etree.XMLSyntaxError as exc:
        # The first error is the cause; later ones are libxml2 recovering from it.
        log: Any = exc.error_log  # lxml-stubs lack _ErrorLog.__iter__
        entries = [e for e in log if e.level >= etree.ErrorLevels.ERROR]
        entry = entries[0] if entries else None
        if any(e.type_name == "ERR_NO_MEMORY" for e in entries):
            raise LoadError(
                error(
                    "load:out-of-memory",
                    "Parsing this file ran out of memory (libxml2 could "
                    "not allocate); give teikit more memory or split the file.",
                    file=file,
                    line=1,
                    column=1,
                )
            ) from None
        msg = (entry.message if entry else str(exc)).strip()
        line = (entry.line if entry else exc.lineno) or 1
        col = (entry.column if entry else exc.offset) or 1
        rule = _syntax_rule(msg)
        hint = _fix_hint(rule)
        raise LoadError(
            error(rule, f"{msg}. {hint}".strip(), file=file, line=line, column=col)
        ) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise LoadError(
            error("xml:encoding", f"{exc}. Save the file as UTF-8.", file=file, line=1, column=1)
        ) from None


def _text_line(data: bytes, encoding: str | None, needle: str) -> int:
    """The line of ``needle`` in ``data`` decoded as the parser did (UTF-16 too)."""
    try:
        text = data.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _check_doctype(
    tree: etree._ElementTree, data: bytes, file: str, notes: list[Diagnostic]
) -> None:
    """Decide about a DOCTYPE from the parsed document, never from the bytes.

    Why parsed: a byte pattern misses a DOCTYPE after a long comment or in UTF-16, and
    a parser never misses one. Entity declarations are refused (XXE, expansion bombs);
    so is a document that *needs* its DTD (it uses an entity only the DTD defines);
    a DOCTYPE that merely names a DTD (common in dictionaries) is ignored with a
    warning, since the DTD is never loaded and the document stands without it.
    """
    docinfo: Any = tree.docinfo  # lxml-stubs lack doctype, system_url, public_id
    if not docinfo.doctype:
        return
    encoding = docinfo.encoding
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise LoadError(
            error(
                "load:entity-declared",
                "The document declares entities in its DOCTYPE; teikit never expands entities "
                "(they enable XXE and expansion bombs). Replace them with the characters or "
                "markup they stand for.",
                file=file,
                line=_text_line(data, encoding, "<!ENTITY"),
                column=1,
            )
        )
    used = next(iter(tree.iter(etree.Entity)), None)
    if used is not None:
        raise LoadError(
            error(
                "load:dtd-external",
                f"The document uses the entity {used.text}, which only its DTD "
                f"({docinfo.system_url or docinfo.public_id or 'the DOCTYPE'}) defines; teikit "
                "loads no DTDs and reaches no network. Replace the entity with the character "
                "it stands for, then validate with --schema.",
                file=file,
                line=used.sourceline or 1,
                column=1,
            )
        )
    named = docinfo.system_url or docinfo.public_id
    what = f"names the DTD {named}" if named else "has an internal subset"
    notes.append(
        Diagnostic(
            Severity.WARNING,
            "load:doctype-ignored",
            f"The DOCTYPE {what}; teikit never loads DTDs, so it is ignored and the document "
            "is validated with its schemas (or --schema) instead.",
            file=file,
            line=_text_line(data, encoding, "<!DOCTYPE"),
            column=1,
        )
    )


def _check_width(tree: etree._ElementTree, file: str) -> None:
    """Refuse an element with more than :data:`MAX_ATTRIBUTES` attributes and namespace
    declarations: it would cost every engine time, and Saxon's parser counts both."""
    for el in tree.iter():
        if not isinstance(el.tag, str) or len(el.attrib) + len(el.nsmap) <= MAX_ATTRIBUTES:
            continue
        parent = el.getparent()
        inherited = parent.nsmap if parent is not None else {}
        declared = sum(1 for p, u in el.nsmap.items() if inherited.get(p) != u)
        if len(el.attrib) + declared > MAX_ATTRIBUTES:
            raise LoadError(
                error(
                    "load:too-wide",
                    f"This element has {len(el.attrib)} attributes and "
                    f"{declared} namespace declarations, more than teikit's limit of "
                    f"{MAX_ATTRIBUTES}; split the data over several elements.",
                    file=file,
                    line=el.sourceline or 1,
                    column=1,
                )
            )


def parse_bytes(
    data: bytes, file: str, *, require_tei: bool = True, notes: list[Diagnostic] | None = None
) -> etree._ElementTree:
    """Parse ``data`` (read from ``file``) with the locked-down parser.

    Raises :class:`LoadError` for anything that is not a safe, well-formed document;
    warnings about what was ignored (a DOCTYPE naming a DTD) are appended to ``notes``.
    """
    if not data.strip():
        raise LoadError(
            error(
                "xml:empty",
                "The file is empty; a TEI document needs a root element.",
                file=file,
                line=1,
                column=1,
            )
        )
    tree = _parse(data, file)
    _check_doctype(tree, data, file, notes if notes is not None else [])
    _check_width(tree, file)
    root = tree.getroot()
    if require_tei and root.tag not in TEI_ROOTS:
        raise LoadError(
            error(
                "load:not-tei",
                f"The root element is <{etree.QName(root).localname}> in namespace "
                f"'{etree.QName(root).namespace or ''}'; a TEI document has <TEI> or <teiCorpus> "
                f"in {TEI_NS}.",
                file=file,
                line=root.sourceline or 1,
                column=1,
                xpath="/*[1]",
            )
        )
    return tree


_dependencies: ContextVar[set[Path] | None] = ContextVar("teikit_dependencies", default=None)


@contextmanager
def dependencies() -> Iterator[set[Path]]:
    """Collect every file that work inside the ``with`` block reads or looks for.

    Why: the result cache (:mod:`teikit.validation.cache`) must know which files decided
    a result (XIncludes, files that pointers name, schemas) to tell when it is stale.
    """
    found: set[Path] = set()
    token = _dependencies.set(found)
    try:
        yield found
    finally:
        _dependencies.reset(token)


def note_dependency(path: str | os.PathLike[str]) -> None:
    """Tell a :func:`dependencies` block (if one is open) that ``path`` decided a result,
    whether or not it exists."""
    found = _dependencies.get()
    if found is not None:
        found.add(Path(path).resolve())


def read_file(path: Path) -> bytes:
    """Read ``path`` within the size limit, as a located diagnostic when impossible."""
    file = str(path)
    note_dependency(path)
    try:
        size = path.stat().st_size
        limit = max_bytes()
        if size > limit:
            raise LoadError(
                error(
                    "load:too-large",
                    f"The file has {size} bytes, more than the limit of "
                    f"{limit}; raise TEIKIT_MAX_BYTES if you trust it.",
                    file=file,
                    line=1,
                    column=1,
                )
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise LoadError(error("load:not-found", "No such file.", file=file)) from None
    except IsADirectoryError:
        raise LoadError(
            error("load:not-found", "This is a folder, not a file.", file=file)
        ) from None
    except OSError as exc:
        raise LoadError(
            error("load:unreadable", f"Cannot read the file: {exc.strerror}.", file=file)
        ) from None


def parse_file(
    path: str | os.PathLike[str],
    *,
    xinclude: bool = True,
    require_tei: bool = True,
    notes: list[Diagnostic] | None = None,
) -> etree._ElementTree:
    """Read and parse a file, resolving XIncludes inside its folder tree; warnings (of
    the file and of what it includes) are appended to ``notes``."""
    p = Path(path)
    if notes is None:
        notes = []
    tree = parse_bytes(read_file(p), str(p), require_tei=require_tei, notes=notes)
    read = [p]
    if xinclude:
        real = p.resolve()
        includer = _Includer(real.parent, notes)
        includer.resolve_all(tree.getroot(), p, real, depth=0, chain=((real, None),))
        read.extend(includer.files_read())
    record_files(base_url(str(p)), read)
    return tree


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
        node.set(XML_BASE, os.path.relpath(target, real.parent))
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


#: Folders a run validates (the folder arguments, the folders of file arguments), resolved:
#: with the working folder, the project tree that schemas named by documents may come from.
_project_roots: ContextVar[frozenset[Path]] = ContextVar(
    "teikit_project_roots", default=frozenset()
)


def set_project_roots(roots: tuple[str, ...]) -> None:
    """Declare the folders this run validates (called by the batch runner, per file)."""
    _project_roots.set(_resolved(roots))


@functools.lru_cache(maxsize=4)
def _resolved(roots: tuple[str, ...]) -> frozenset[Path]:
    """The roots resolved once per process, not once per file: a run over 10,000 files
    declares the same roots for each, and resolving hundreds of folders per file made
    the run quadratic."""
    return frozenset(Path(r).resolve() for r in roots)


def inside_project(path: Path, document: Path | None = None) -> bool:
    """Whether ``path`` lies in the project tree: the working folder, a folder this run
    validates, or the repository (the nearest folder with ``.git``) of ``document``,
    else ``document``'s own folder.

    Why: a document's ``xml-model`` PI is written by whoever wrote the document; it must
    not make teikit read ``/home/runner/.ssh/…`` or another checkout on the machine,
    but a document may name the schemas of its own repository from anywhere. The test
    walks up from ``path`` (its depth), not across the roots (their number).
    """
    real = path.resolve()
    roots = {Path.cwd().resolve()} | _project_roots.get()
    if document is not None:
        roots.add(_repository_of(document.resolve().parent))
    return any(folder in roots for folder in (real, *real.parents))


@functools.lru_cache(maxsize=256)
def _repository_of(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` that holds ``.git``, else ``folder``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder
