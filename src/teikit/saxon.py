"""The one Saxon (saxonche) processor of the process: compile once, run, read the messages.

Why one module: starting SaxonC and compiling a stylesheet cost far more than running
it. The publishing stylesheets (:mod:`teikit.transform`) and compiled Schematron
(:mod:`teikit.validation.schematron`) used to share the processor by importing it from
the output layer, and each kept its own compile cache. Now both come here:

* :func:`processor` creates the ``PySaxonProcessor`` on first use. saxonche is imported
  only then, so a RelaxNG-only ``teikit validate`` never loads it (and the batch runner
  may still fork its workers, which is unsafe once Saxon's threads exist);
* :func:`compile_file` and :func:`compile_text` compile an XSLT 3.0 stylesheet once per
  process (by file version, or by the text's SHA-256), whoever asks;
* :meth:`Stylesheet.run` transforms an lxml tree (serialised, so Saxon never opens the
  document's file or the network itself) and returns the output with every
  ``xsl:message``;
* :func:`message_diagnostics` turns the messages into located :class:`Diagnostic`\\ s.

Stylesheets report through ``<xsl:message>`` in the form
``teikit|SEVERITY|CODE|XPATH|TEXT``; each becomes a diagnostic with rule ``xslt:CODE``
located through :mod:`teikit.locations`; any other message is kept as ``xslt:message``
at info level, so nothing a stylesheet says is dropped.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, TeikitError
from teikit.locations import element_at, locate

#: A SaxonC object (``PySaxonProcessor``, ``PyXsltExecutable``, ``PyXdmNode`` …).
#: saxonche ships no type information, and importing it eagerly would load the JVM-less
#: Graal image into every process, so its objects are typed as Any at this boundary.
SaxonObject = Any

_LOCK = threading.RLock()
_processor: SaxonObject = None
_compiled: dict[tuple[str, ...], Stylesheet] = {}

_SEVERITIES = {s.value: s for s in Severity}


class CompileError(TeikitError):
    """Saxon refused a stylesheet; ``detail`` is Saxon's own explanation.

    Callers wrap it with what the stylesheet was for (teikit's own stylesheet: a broken
    installation; a user's Schematron: ``sch:schema-invalid``).
    """

    def __init__(self, detail: str) -> None:
        super().__init__(f"the stylesheet does not compile: {detail}")
        self.detail = detail


class RunError(TeikitError):
    """A transformation stopped (``xsl:message terminate="yes"`` or a dynamic error).

    ``messages`` holds what the stylesheet said before it stopped, which usually names
    the reason better than ``detail`` (Saxon's error text) does.
    """

    def __init__(self, detail: str, messages: list[str]) -> None:
        super().__init__(f"the transformation failed: {detail}")
        self.detail = detail
        self.messages = messages


@dataclass
class Output:
    """What one run produced: the serialised result and every ``xsl:message`` text."""

    text: str
    messages: list[str] = field(default_factory=list)


def processor() -> SaxonObject:
    """The one ``PySaxonProcessor`` of this process (created on first use)."""
    global _processor
    with _LOCK:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = PySaxonProcessor(license=False)
        return _processor


class Stylesheet:
    """One compiled XSLT 3.0 stylesheet; :meth:`run` is safe to call from many threads.

    A SaxonC executable holds its parameters and collected messages as state, so runs
    of one stylesheet are serialised by its own lock (different stylesheets run freely).
    """

    def __init__(self, executable: SaxonObject, source: str) -> None:
        self._executable = executable
        self._lock = threading.Lock()
        #: the file or label the stylesheet came from, for messages
        self.source = source
        executable.set_save_xsl_message(True)

    def run(self, tree: etree._ElementTree | etree._Element,
            params: dict[str, str] | None = None, base_uri: str | None = None) -> Output:
        """Transform ``tree`` with string ``params``; ``base_uri`` is what the stylesheet
        sees as ``base-uri()`` (so relative ``unparsed-text()`` behaves as for the file).

        Raises :class:`RunError` when the stylesheet stops or fails.
        """
        from saxonche import PySaxonApiError

        text = etree.tostring(tree, encoding="unicode")
        proc = processor()
        with self._lock:
            node = _parse(proc, text, base_uri)
            ex = self._executable
            ex.clear_parameters()
            for name, value in (params or {}).items():
                ex.set_parameter(name, proc.make_string_value(value))
            ex.clear_xsl_messages()
            try:
                result = ex.transform_to_string(xdm_node=node)
            except PySaxonApiError as exc:
                raise RunError(str(exc).strip(), self._take_messages()) from None
            return Output(result or "", self._take_messages())

    def _take_messages(self) -> list[str]:
        values = self._executable.get_xsl_messages()
        self._executable.clear_xsl_messages()
        if values is None:
            return []
        return [str(values.item_at(i).string_value) for i in range(values.size)]


def _parse(proc: SaxonObject, text: str, base_uri: str | None) -> SaxonObject:
    with _LOCK:  # the builder is the processor's; one at a time
        builder = proc.new_document_builder()
        if base_uri:
            builder.set_base_uri(base_uri)
        return builder.parse_xml(xml_text=text, encoding="UTF-8")


def compile_file(path: Path) -> Stylesheet:
    """The compiled stylesheet at ``path``, once per process and file version.

    Keyed by the resolved path, modification time and size, so an edited stylesheet
    (a user's customisation, a test) is recompiled and an unchanged one never is.
    """
    resolved = path.resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise CompileError(f"{path}: {exc.strerror}") from None
    key = ("file", str(resolved), str(stat.st_mtime_ns), str(stat.st_size))
    return _compile(key, str(path), lambda c: c.compile_stylesheet(
        stylesheet_file=str(resolved)))


def compile_text(text: str, source: str = "<stylesheet>") -> Stylesheet:
    """The compiled stylesheet ``text``, once per process per text (by SHA-256)."""
    key = ("text", hashlib.sha256(text.encode("utf-8")).hexdigest())
    return _compile(key, source, lambda c: c.compile_stylesheet(stylesheet_text=text))


def _compile(key: tuple[str, ...], source: str, how: Any) -> Stylesheet:
    with _LOCK:
        found = _compiled.get(key)
        if found is not None:
            return found
        compiler = processor().new_xslt30_processor()
        try:
            executable = how(compiler)
        except Exception as exc:  # saxonche raises PySaxonApiError; its text is the help
            raise CompileError(str(exc).strip()) from None
        if executable is None:  # saxonche reports some compile errors only this way
            raise CompileError(f"{source} did not compile (Saxon gave no reason)")
        found = Stylesheet(executable, source)
        _compiled[key] = found
        return found


def message_diagnostics(messages: list[str], tree: etree._ElementTree,
                        file: str) -> list[Diagnostic]:
    """Every ``xsl:message`` text as a located diagnostic in ``tree`` (read from ``file``)."""
    return [message_diagnostic(text, tree, file) for text in messages]


def message_diagnostic(text: str, tree: etree._ElementTree, file: str) -> Diagnostic:
    """One ``xsl:message``: ``teikit|SEVERITY|CODE|XPATH|TEXT`` becomes rule ``xslt:CODE``
    at the element XPATH names; any other text is an ``xslt:message`` at info level."""
    parts = text.split("|", 4)
    if len(parts) == 5 and parts[0] == "teikit":
        _, severity, code, xpath, message = parts
        node = element_at(tree, xpath) if xpath else None
        where: dict[str, Any] = locate(node, file) if node is not None else {"file": file}
        return Diagnostic(_SEVERITIES.get(severity, Severity.WARNING), f"xslt:{code}",
                          message, **where)
    return Diagnostic(Severity.INFO, "xslt:message", text.strip(), file=file)
