"""XSLT 3.0 on saxonche: one processor, each stylesheet compiled once, messages as diagnostics.

Why a process-wide processor: starting SaxonC and compiling a stylesheet cost far more
than running it, and ``teikit build`` runs three stylesheets over the same document;
the Schematron engine reuses :func:`saxon` for the same reason.

The document is handed over as the serialised lxml tree (XIncludes already resolved by
:mod:`teikit.loading`, so Saxon never opens a file or the network) with its base URI, so
``base-uri()`` and relative ``unparsed-text()`` behave as for the file itself.

Stylesheets report through ``<xsl:message>`` in the form
``teikit|SEVERITY|CODE|XPATH|TEXT``; each becomes a :class:`Diagnostic` with rule
``xslt:CODE`` located through :mod:`teikit.locations`. ``terminate="yes"`` and dynamic
errors raise :class:`TeikitError` carrying such a diagnostic: never a traceback.
"""

from __future__ import annotations

import re
import textwrap
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, TeikitError, UsageError, error
from teikit.locations import element_at, locate
from teikit.resources import stylesheet

if TYPE_CHECKING:
    from teikit.document import Document

#: Output format -> stylesheet file in ``xslt/``.
STYLESHEETS = {"html": "html.xsl", "text": "text.xsl", "epub-bundle": "epub.xsl"}

_XSL_NS = "http://www.w3.org/1999/XSL/Transform"
_LOCK = threading.RLock()


@dataclass
class Result:
    """What one transformation produced: the serialised output and the messages."""

    output: str
    diagnostics: list[Diagnostic] = field(default_factory=list)


_processor: Any = None
_sandbox: Any = None

#: Saxon configuration features (see Saxon's "Configuration features" page).
_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
_EXTERNAL_FUNCTIONS = "http://saxon.sf.net/feature/allow-external-functions"
_PARSER_PROPERTY = "http://saxon.sf.net/feature/parserProperty?uri="


def harden(processor: Any, allowed_protocols: str) -> Any:
    """Lock ``processor`` down and return it.

    * ``allowedProtocols``: which URI schemes ``doc()``, ``unparsed-text()``,
      ``collection()``, ``xsl:include`` … may reach ("" = none at all);
    * ``allow-external-functions=false``: no extension functions or instructions, no
      ``xsl:result-document`` (refused at compile time), and ``environment-variable()``
      sees no environment;
    * the XML parser's limits equal the loader's (:data:`teikit.loading.SAXON_PARSER_LIMITS`),
      so a document that loads never fails inside Saxon (its defaults are 100 levels,
      200 attributes).
    """
    from urllib.parse import quote

    from teikit.loading import SAXON_PARSER_LIMITS

    processor.set_configuration_property(_ALLOWED_PROTOCOLS, allowed_protocols)
    processor.set_configuration_property(_EXTERNAL_FUNCTIONS, "false")
    for name, value in SAXON_PARSER_LIMITS.items():
        processor.set_configuration_property(_PARSER_PROPERTY + quote(name, safe=""), value)
    return processor


def saxon() -> Any:
    """The one ``PySaxonProcessor`` for teikit's own stylesheets (created on first use).

    saxonche is imported here, not at module import, so ``teikit validate`` with
    RelaxNG only never pays for starting Saxon. teikit's stylesheets are trusted code
    but read their imports and CSS from the installation, so this processor may use
    ``file:`` URIs; it has no network, no extension functions and no result documents.
    """
    global _processor
    with _LOCK:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = harden(PySaxonProcessor(license=False), "file,jar")
        return _processor


def sandbox() -> Any:
    """The ``PySaxonProcessor`` that runs code teikit did not write (compiled
    Schematron): it may reach no URI at all, so whatever a schema's XPath asks for,
    only the document handed to it is readable (see :func:`harden`)."""
    global _sandbox
    with _LOCK:
        if _sandbox is None:
            from saxonche import PySaxonProcessor

            _sandbox = harden(PySaxonProcessor(license=False), "")
        return _sandbox


@cache
def _executable(fmt: str) -> Any:
    """The compiled stylesheet for ``fmt`` (compiled once per process)."""
    from saxonche import PySaxonApiError

    path = stylesheet(STYLESHEETS[fmt])
    compiler = saxon().new_xslt30_processor()
    try:
        executable = compiler.compile_stylesheet(stylesheet_file=str(path))
    except PySaxonApiError as exc:
        raise TeikitError(f"teikit's stylesheet {path.name} does not compile: {exc}; the "
                          "installation is broken, reinstall teikit.") from None
    if executable is None:  # saxonche reports some compile errors only this way
        raise TeikitError(f"teikit's stylesheet {path.name} does not compile.")
    executable.set_save_xsl_message(True)
    return executable


@cache
def parameters(fmt: str) -> dict[str, str]:
    """The parameters a format accepts, with their defaults (from the stylesheets).

    Read from the ``xsl:param`` declarations of the stylesheet and its imports, so the
    CLI can refuse a misspelt ``--param`` instead of silently ignoring it.
    """
    found: dict[str, str] = {}
    todo = [stylesheet(STYLESHEETS[fmt])]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if str(path) in seen:
            continue
        seen.add(str(path))
        root = etree.parse(str(path)).getroot()
        for p in root.findall(f"{{{_XSL_NS}}}param"):
            name = p.get("name", "")
            default = p.get("select", "")
            found.setdefault(name, default.strip("'"))
        for imp in root.findall(f"{{{_XSL_NS}}}import") + root.findall(f"{{{_XSL_NS}}}include"):
            todo.append(path.parent / imp.get("href", ""))
    return found


def _check_params(fmt: str, params: dict[str, str]) -> None:
    known = parameters(fmt)
    extra = [name for name in (params or {}) if name not in known]
    if extra:
        raise UsageError(f"unknown parameter(s) for {fmt}: {', '.join(sorted(extra))}; "
                         f"known: {', '.join(sorted(known)) or 'none'}.")
    if fmt == "text":
        width = params.get("width", "0")
        if not width.isdigit():
            raise UsageError(f"--param width expects a whole number >= 0, got '{width}'.")
    for name, value in params.items():
        default = known.get(name, "")
        if default in ("true", "false") and value not in ("true", "false"):
            raise UsageError(f"--param {name} expects true or false, got '{value}'.")


_SEVERITIES = {s.value: s for s in Severity}


def _message_diagnostic(text: str, doc: Document) -> Diagnostic:
    """One ``xsl:message`` as a located diagnostic (unstructured messages become info)."""
    parts = text.split("|", 4)
    file = str(doc.path) if doc.path else ""
    if len(parts) == 5 and parts[0] == "teikit":
        _, severity, code, xpath, message = parts
        where: dict[str, Any] = {"file": file}
        node = element_at(doc.tree, xpath) if xpath else None
        if node is not None:
            where = locate(node, file)
        return Diagnostic(_SEVERITIES.get(severity, Severity.WARNING), f"xslt:{code}",
                          message, **where)
    return Diagnostic(Severity.INFO, "xslt:message", text.strip(), file=file)


def _messages(executable: Any, doc: Document) -> list[Diagnostic]:
    values = executable.get_xsl_messages()
    executable.clear_xsl_messages()
    if values is None:
        return []
    return [_message_diagnostic(values.item_at(i).string_value, doc)
            for i in range(values.size)]


def _source(doc: Document) -> Any:
    """The document as a Saxon node, parsed from the lxml tree with the file's base URI."""
    builder = saxon().new_document_builder()
    if doc.path is not None:
        builder.set_base_uri(doc.path.resolve().as_uri())
    from teikit.loading import for_saxon

    text = for_saxon(doc.tree)  # never the DOCTYPE: Saxon must not load a DTD
    return builder.parse_xml(xml_text=text, encoding="UTF-8")


_SAXON_LINE = re.compile(r"line (\d+)")


def run(doc: Document, fmt: str, params: dict[str, str] | None = None) -> Result:
    """Transform ``doc`` to ``fmt`` and return the output with the stylesheet's messages.

    Raises :class:`UsageError` for an unknown format or parameter and
    :class:`TeikitError` (with a located diagnostic) when the stylesheet stops.
    """
    from saxonche import PySaxonApiError

    if fmt not in STYLESHEETS:
        raise UsageError(f"unknown output format '{fmt}'; choose one of "
                         f"{', '.join(sorted(STYLESHEETS))}.")
    params = dict(params or {})
    _check_params(fmt, params)
    proc = saxon()
    with _LOCK:
        executable = _executable(fmt)
        node = _source(doc)
        executable.clear_parameters()
        for name, value in params.items():
            executable.set_parameter(name, proc.make_string_value(value))
        executable.clear_xsl_messages()
        try:
            output = executable.transform_to_string(xdm_node=node)
        except PySaxonApiError as exc:
            found = _messages(executable, doc)
            stop = next((d for d in reversed(found) if d.severity is Severity.ERROR), None)
            if stop is None:
                stop = error("xslt:error", f"The {fmt} stylesheet failed: {str(exc).strip()}",
                             file=str(doc.path or ""))
            raise TeikitError(str(stop), stop) from None
        diagnostics = _messages(executable, doc)
    if output is None:
        output = ""
    if fmt == "text":
        output = wrap(finish_text(output), int(params.get("width", "0") or 0))
    return Result(output, diagnostics)


def transform(doc: Document, fmt: str, params: dict[str, str] | None = None) -> str:
    """The output of ``fmt`` (``html``, ``text``, ``epub-bundle``) for ``doc``."""
    return run(doc, fmt, params).output


_SPACE = re.compile(r"[ \t\r\n]+")
_PARA = re.compile("[ \ufdd1]*\ufdd0[ \ufdd0\ufdd1]*")
_LINE = re.compile(" *\ufdd1[ \ufdd1]*")
_TRAILING = re.compile(r" +\n")


def finish_text(raw: str) -> str:
    """Turn text.xsl's marked-up output into the final text.

    Source whitespace becomes single spaces; U+FDD0 marks a paragraph break (one blank
    line), U+FDD1 a line break; U+FDD2 and U+FDD3 are preserved spaces and newlines
    (``xml:space="preserve"``).
    """
    text = _SPACE.sub(" ", raw)
    text = _PARA.sub("\n\n", text)
    text = _LINE.sub("\n", text)
    text = text.translate({0xFDD2: " ", 0xFDD3: "\n"})
    text = _TRAILING.sub("\n", text).strip(" \n")
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
        indent = re.match(r"\s*", line).group(0)  # type: ignore[union-attr]
        label = re.match(r"\s*(\S{1,6}[.)]) ", line)
        hanging = " " * len(label.group(0)) if label and len(label.group(0)) < width // 2 \
            else indent
        out.extend(textwrap.wrap(line, width=width, initial_indent="",
                                 subsequent_indent=hanging, break_long_words=False,
                                 break_on_hyphens=False, drop_whitespace=True) or [""])
    return "\n".join(out)
