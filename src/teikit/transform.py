"""XSLT 3.0 stylesheets with parameters: a TEI document in, HTML or text out, with messages.

The stylesheets in ``xslt/`` run on the process's one Saxon processor (:mod:`teikit.saxon`),
each compiled once. The document is handed over as the serialised lxml tree (XIncludes
already resolved by :mod:`teikit.loading`, so Saxon never opens a file or the network)
with its base URI, so ``base-uri()`` and relative ``unparsed-text()`` behave as for the
file itself.

Why :func:`transform` returns a :class:`Result` rather than a string: stylesheets say
things (an unresolved ``@ref``, an unknown element rendered as its content) through
``xsl:message``; returning only the output dropped them. ``terminate="yes"`` and dynamic
errors raise :class:`TeikitError` carrying a located diagnostic: never a traceback.

The EPUB stylesheet's output, a bundle of XHTML documents that :mod:`teikit.epub`
packages, is not a format: only :func:`epub_bundle` produces it.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from lxml import etree

from teikit import saxon
from teikit.diagnostics import Diagnostic, Severity, TeikitError, UsageError, error
from teikit.files import is_remote, path_inside
from teikit.loading import note_dependency
from teikit.namespaces import XSLT
from teikit.nfc import nfc
from teikit.resources import stylesheet

if TYPE_CHECKING:
    from teikit.document import Document

#: Public output format -> stylesheet file in ``xslt/``.
STYLESHEETS = {"html": "html.xsl", "text": "text.xsl"}
#: The EPUB stylesheet: its parameters are ``--param``s of ``--to epub``.
_EPUB = "epub"
_SHEETS = {**STYLESHEETS, _EPUB: "epub.xsl"}

T = TypeVar("T")


@dataclass
class Result(Generic[T]):
    """What one transformation produced: the output and what the stylesheet said.

    ``output`` is the HTML or text (a ``str``), EPUB bytes, or a written file's path;
    ``diagnostics`` holds every ``xsl:message`` as a located diagnostic.
    """

    output: T
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return str(self.output)


def _compiled(fmt: str, xslt: Path | None = None) -> saxon.Stylesheet:
    """The compiled stylesheet for ``fmt`` (once per process, see :mod:`teikit.saxon`),
    with the user's stylesheet ``xslt`` imported after teikit's (higher precedence)."""
    path = stylesheet(_SHEETS[fmt])
    if xslt is not None:
        return _customised(path, xslt)
    try:
        return saxon.compile_file(path)
    except saxon.CompileError as exc:
        raise TeikitError(
            f"teikit's stylesheet {path.name} does not compile: {exc.detail}; "
            "the installation is broken, reinstall teikit."
        ) from None


def stylesheet_closure(first: Path) -> dict[str, str]:
    """The user's stylesheet and every local one it imports or includes, at any depth,
    with their SHA-256: editing any of them changes the outputs. Read with no DTD and no
    network; remote hrefs are not followed (they are not files a build can watch)."""
    from urllib.parse import unquote, urlsplit

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    found: dict[str, str] = {}
    todo = [first.resolve()]
    while todo:
        path = todo.pop()
        if str(path) in found or not path.is_file():
            continue
        found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            root = etree.parse(str(path), parser).getroot()
        except (etree.XMLSyntaxError, OSError):
            continue  # the compile reports it
        for el in root.iter(f"{{{XSLT}}}import", f"{{{XSLT}}}include"):
            href = el.get("href", "")
            if href and not is_remote(href):
                todo.append((path.parent / unquote(urlsplit(href).path)).resolve())
    return found


def _customised(path: Path, xslt: Path) -> saxon.Stylesheet:
    """teikit's stylesheet ``path`` with the user's ``xslt`` imported after it.

    Why an import and not a copy: a later ``xsl:import`` has higher import precedence, so
    the user's templates in teikit's rendering mode (the unnamed default mode) replace
    teikit's for the elements they match and everything else stays teikit's; inside them
    ``<xsl:next-match/>`` or ``<xsl:apply-imports/>`` falls back to teikit's rendering.
    The digests of the file and of every stylesheet it imports are part of the text
    (:func:`stylesheet_closure`), so an edit to any of them recompiles.
    """
    try:
        user = xslt.resolve(strict=True)
        versions = " ".join(stylesheet_closure(user).values())
    except OSError as exc:
        raise UsageError(f"--xslt {xslt}: {exc.strerror or exc}.") from None
    text = (
        f'<xsl:stylesheet version="3.0" xmlns:xsl="{XSLT}">'
        f"<!-- {versions} -->"
        f'<xsl:import href="{path.resolve().as_uri()}"/>'
        f'<xsl:import href="{user.as_uri()}"/></xsl:stylesheet>'
    )
    try:
        return saxon.compile_text(text, source=str(xslt))
    except saxon.CompileError as exc:
        raise UsageError(f"--xslt {xslt} does not compile: {exc.detail}") from None


#: The namespace of teikit's own XSLT functions and annotations (``t:values``).
_T = "urn:x-teikit:xslt"
#: Parameter -> the values it accepts, as the stylesheets declare them with ``t:values``.
_VALUES: dict[str, tuple[str, ...]] = {}


@cache
def parameters(fmt: str) -> dict[str, str]:
    """The parameters a format (``html``, ``text``, ``epub``) accepts, with defaults.

    Read from the ``xsl:param`` declarations of the stylesheet and its imports, so the
    CLI can refuse a misspelt ``--param`` instead of silently ignoring it.
    """
    found: dict[str, str] = {}
    todo = [stylesheet(_SHEETS[fmt])]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if str(path) in seen:
            continue
        seen.add(str(path))
        root = etree.parse(str(path)).getroot()
        for p in root.findall(f"{{{XSLT}}}param"):
            name = p.get("name", "")
            if ":" in name:  # teikit's own (t:words-applied, t:files), set by this module only
                continue
            default = p.get("select", "")
            found.setdefault(name, default.strip("'"))
            values = p.get(f"{{{_T}}}values")
            if values is not None:
                _VALUES.setdefault(name, tuple(values.split()))
        for imp in root.findall(f"{{{XSLT}}}import") + root.findall(f"{{{XSLT}}}include"):
            todo.append(path.parent / imp.get("href", ""))
    return found


def _user_parameters(xslt: Path | None) -> dict[str, str]:
    """The top-level ``xsl:param``s of a user's stylesheet (they are parameters too)."""
    if xslt is None:
        return {}
    try:
        root = etree.parse(str(xslt)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise UsageError(f"--xslt {xslt}: {exc}") from None
    return {
        p.get("name", ""): p.get("select", "").strip("'") for p in root.findall(f"{{{XSLT}}}param")
    }


def _check_params(fmt: str, params: dict[str, str], xslt: Path | None = None) -> None:
    known = {**parameters(fmt), **_user_parameters(xslt)}
    extra = [name for name in params if name not in known]
    if extra:
        raise UsageError(
            f"unknown parameter(s) for {fmt}: {', '.join(sorted(extra))}; "
            f"known: {', '.join(sorted(known)) or 'none'}."
        )
    if fmt == "text":
        width = params.get("width", "0")
        if not width.isdigit():
            raise UsageError(f"--param width expects a whole number >= 0, got '{width}'.")
    for name, value in params.items():
        default = known.get(name, "")
        if default in ("true", "false") and value not in ("true", "false"):
            raise UsageError(f"--param {name} expects true or false, got '{value}'.")
        allowed = _VALUES.get(name)
        if allowed and value not in allowed:
            raise UsageError(f"--param {name} expects one of {', '.join(allowed)}, got '{value}'.")


#: ``t:files``, the stylesheets' parameter that lists the local files that exist.
_FILES = f"{{{_T}}}files"
#: ``t:markers``: whether the document holds one of the characters U+FDD0-U+FDEF that
#: text.xsl uses as markers (``yes``/``no``; common.xsl's ``t:has-markers``), and the
#: search for them in the UTF-8 serialisation (a literal byte pair first: a fast scan).
#: Attributes and comments count too: a needless "yes" costs only speed.
_MARKERS = f"{{{_T}}}markers"
_MARKER = re.compile(b"\xef\xb7[\x90-\xaf]")


def local_images(doc: Document) -> dict[str, Path]:
    """The images and facsimiles the document names (``graphic/@url``, ``pb/@facs``) that
    are files inside its folder: relative name -> resolved file (:func:`teikit.files.path_inside`).

    Why here: XSLT cannot ask whether an image file exists, and an output must never
    show a missing image or one from outside the document's folder (a stranger's TEI must
    not pull ``~/.ssh`` into a publication); the stylesheets show only these, and only
    these are copied beside an HTML page written elsewhere (:mod:`teikit.publish`). Each
    file looked for inside the folder is a dependency of the result, present or not
    (adding or editing the image changes the outputs).
    """
    if doc.path is None:
        return {}

    folder = doc.path.parent.resolve()
    names = {" ".join(str(u).split()) for u in doc.xpath("//tei:graphic/@url")}
    names.update(str(f).split()[0] for f in doc.xpath("//tei:text//tei:pb/@facs") if str(f).split())
    found = {}
    for name in sorted(names):
        path = path_inside(folder, name)
        if path is None:
            continue
        note_dependency(path)
        if path.is_file():
            found[name] = path
    return found


def present_files(doc: Document) -> str:
    """:func:`local_images`' names, one per line: the stylesheets' ``t:files``."""
    return "\n".join(local_images(doc))


def _apply(
    doc: Document, fmt: str, params: dict[str, str] | None, xslt: Path | None = None
) -> Result[str]:
    """Run the stylesheet of ``fmt`` (checked parameters) and locate its messages."""
    params = dict(params or {})
    _check_params(fmt, params, xslt)
    params[_FILES] = present_files(doc)
    file = str(doc.path) if doc.path else ""
    base = doc.path.resolve().as_uri() if doc.path is not None else None
    sheet = _compiled(fmt, xslt)
    source = etree.tostring(doc.tree, encoding="utf-8")
    params[_MARKERS] = "yes" if _MARKER.search(source) else "no"
    # (a user's templates might change the word rule: then the stylesheet applies it)
    words = _prepared_words(_fingerprint(source, base)) if xslt is None else None
    try:
        if words is not None:
            out = sheet.run_node(words, {**params, _WORDS_APPLIED: "yes"})
        else:
            out = sheet.run(doc.tree, params, base_uri=base)
    except saxon.RunError as exc:
        found = saxon.message_diagnostics(exc.messages, doc.tree, file)
        stop = next((d for d in reversed(found) if d.severity is Severity.ERROR), None)
        if stop is None:  # a plain terminating message says why: it leads, Saxon's words follow
            said = " ".join(d.message for d in found if d.rule == "xslt:message")
            why = f"{said} ({exc.detail})" if said else exc.detail
            stop = error("xslt:error", f"The {fmt} stylesheet failed: {why}", file=file)
        raise TeikitError(str(stop), stop) from None
    return Result(nfc(out.text), saxon.message_diagnostics(out.messages, doc.tree, file))


#: The named template of ``xslt/common.xsl`` that returns the document with the word rule
#: applied, and the parameter that tells a stylesheet its input already is that document.
_WORDS = f"{{{_T}}}words"
_WORDS_APPLIED = f"{{{_T}}}words-applied"
_words_lock = threading.Lock()
#: (the source's fingerprint, the word rule's output) of the document being built
_words: tuple[bytes, saxon.SaxonObject] | None = None


def _fingerprint(source: bytes, base: str | None) -> bytes:
    """What the tree of :func:`prepared` is matched by: the document's base URI and its
    serialisation by libxml2 (``source``: bytes, in C, a third of the cost of the text
    handed to Saxon; made once per format anyway), compared whole rather than hashed."""
    return f"{base}\n".encode() + source


@contextmanager
def prepared(doc: Document) -> Iterator[None]:
    """Within the block, every format of ``doc`` reads one tree: the document parsed
    once and passed through the word rule once (what ``build`` does for its three).

    Why: each stylesheet otherwise parses the document and applies the rule (a copy of
    the whole tree) itself; for three formats of a 2.5 MB dictionary that was a second.
    Why only on request: for a single format the separate step is one transformation
    more (~0.07 s on a novel) and saves nothing. The tree is matched to the document by
    its serialisation (:func:`_fingerprint`), so an edited tree is never served stale,
    and released when the block ends.
    """
    global _words
    base = doc.path.resolve().as_uri() if doc.path is not None else None
    sheet = _compiled("html")  # any of teikit's stylesheets: they all import common.xsl
    node = sheet.call(_WORDS, sheet.parse(saxon.document_text(doc.tree), base))
    with _words_lock:
        _words = (_fingerprint(etree.tostring(doc.tree, encoding="utf-8"), base), node)
    try:
        yield
    finally:
        with _words_lock:
            _words = None


def _prepared_words(fingerprint: bytes) -> saxon.SaxonObject | None:
    """The tree :func:`prepared` made, if it was made for the document of ``fingerprint``."""
    with _words_lock:
        words = _words
    if words is None or words[0] != fingerprint:
        return None
    return words[1]


def run(
    doc: Document, fmt: str, params: dict[str, str] | None = None, *, xslt: Path | None = None
) -> Result[str]:
    """Transform ``doc`` to ``fmt`` (``html`` or ``text``) with the stylesheet's messages;
    ``xslt`` is a user stylesheet whose templates override teikit's (see README).

    Raises :class:`UsageError` for an unknown format or parameter and
    :class:`TeikitError` (with a located diagnostic) when the stylesheet stops.
    """
    if fmt not in STYLESHEETS:
        raise UsageError(
            f"unknown output format '{fmt}'; choose one of {', '.join(sorted(STYLESHEETS))}."
        )
    result = _apply(doc, fmt, params, xslt)
    if fmt == "text":
        width = int((params or {}).get("width", "0") or 0)
        result.output = wrap(finish_text(result.output), width)
    return result


def transform(
    doc: Document, fmt: str, params: dict[str, str] | None = None, *, xslt: Path | None = None
) -> Result[str]:
    """``doc`` as ``html`` or ``text``: ``.output`` is the string, ``.diagnostics`` what
    the stylesheet reported (``str(result)`` is the output too)."""
    return run(doc, fmt, params, xslt=xslt)


def epub_bundle(
    doc: Document, params: dict[str, str] | None = None, *, xslt: Path | None = None
) -> Result[str]:
    """The EPUB stylesheet's bundle (XHTML documents plus header metadata) for ``doc``.

    Not an output format: :mod:`teikit.epub` is its only reader, and packages it.
    """
    return _apply(doc, _EPUB, params, xslt)


_SPACES = re.compile("  +")


def _runs(text: str, marker: str, blanks: str, repl: str) -> str:
    """``text`` with each maximal run of ``blanks`` and ``marker`` characters that holds
    a ``marker`` replaced by ``repl``: what ``[blanks]*marker[blanks marker]*`` does.

    Why not that regular expression: Python's ``re`` tries a pattern that starts with an
    optional class at every character; on a novel's text (3 MB) that took 0.2 s, where
    splitting at the few markers takes milliseconds.
    """
    parts = text.split(marker)
    if len(parts) == 1:
        return text
    out = [parts[0].rstrip(blanks)]
    for part in parts[1:-1]:
        core = part.strip(blanks)
        if core:  # a part of nothing but blanks joins the runs on both sides into one
            out += (repl, core)
    out += (repl, parts[-1].lstrip(blanks))
    return "".join(out)


def finish_text(raw: str) -> str:
    """Turn text.xsl's marked-up output into the final text.

    Source whitespace becomes single spaces; U+FDD0 marks a paragraph break (one blank
    line), U+FDD1 a line break; U+FDD2 and U+FDD3 are preserved spaces and newlines
    (``xml:space="preserve"``). (String methods, not regular expressions that start
    with a character class, and no ``str.translate``: on a 3 MB text those cost a second.)
    """
    text = raw.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SPACES.sub(" ", text)
    text = _runs(text, "\ufdd0", " \ufdd1", "\n\n")
    text = _runs(text, "\ufdd1", " ", "\n")
    text = text.replace("\ufdd2", " ").replace("\ufdd3", "\n")
    lines = text.split("\n")
    text = "\n".join([line.rstrip(" ") for line in lines[:-1]] + lines[-1:]).strip(" \n")
    return text + "\n"


def wrap(text: str, width: int) -> str:
    """Wrap each line of ``text`` at ``width`` columns (0: leave lines alone).

    Words are never split: a word longer than ``width`` stands alone on its line. Lines
    that start with a list label ("12. ") keep their continuation lines indented.
    """
    if width <= 0:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        label = re.match(r"\s*(\S{1,6}[.)]) ", line)
        hanging = (
            " " * len(label.group(0)) if label and len(label.group(0)) < width // 2 else indent
        )
        out.extend(
            textwrap.wrap(
                line,
                width=width,
                initial_indent="",
                subsequent_indent=hanging,
                break_long_words=False,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
            or [""]
        )
    return "\n".join(out)
