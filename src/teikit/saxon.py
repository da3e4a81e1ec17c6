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
from urllib.parse import quote

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, TeikitError, Where
from teikit.locations import element_at, locate

#: A SaxonC object (``PySaxonProcessor``, ``PyXsltExecutable``, ``PyXdmNode`` …).
#: saxonche ships no type information, and importing it eagerly would load the JVM-less
#: Graal image into every process, so its objects are typed as Any at this boundary.
SaxonObject = Any

_LOCK = threading.RLock()
_processor: SaxonObject = None
_sandbox: SaxonObject = None
_compiled: dict[tuple[str, ...], Stylesheet] = {}

#: One parser's limits: the loader (:mod:`teikit.loading`, libxml2) enforces them, and
#: Saxon's parser is configured with the same numbers, so that a document that loads
#: never fails later inside Saxon (JAXP's defaults are 100 levels, 200 attributes and
#: 1000-character names). Depth and name length are libxml2's own limits without
#: XML_PARSE_HUGE.
MAX_DEPTH = 256
MAX_NAME_LENGTH = 50_000
#: Attributes plus namespace declarations on one element (the loader counts them).
MAX_ATTRIBUTES = 10_000

#: Saxon configuration features (Saxon's "Configuration features" documentation).
ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
ALLOW_EXTERNAL_FUNCTIONS = "http://saxon.sf.net/feature/allow-external-functions"
_PARSER_PROPERTY = "http://saxon.sf.net/feature/parserProperty?uri="
#: JAXP properties for Saxon's parser. ``0`` is "no limit" for attributes: the loader's
#: count is the bound, because libxml2 hides redundant namespace re-declarations,
#: which JAXP would count as attributes.
PARSER_LIMITS = {
    "http://www.oracle.com/xml/jaxp/properties/maxElementDepth": str(MAX_DEPTH),
    "http://www.oracle.com/xml/jaxp/properties/elementAttributeLimit": "0",
    "http://www.oracle.com/xml/jaxp/properties/maxXMLNameLimit": str(MAX_NAME_LENGTH),
}


def harden(proc: SaxonObject, allowed_protocols: str) -> SaxonObject:
    """Lock ``proc`` down and return it.

    * ``allowedProtocols``: the URI schemes ``doc()``, ``unparsed-text()``,
      ``collection()``, ``xsl:include`` … may reach ("" = none at all);
    * ``allow-external-functions=false``: no extension functions or instructions, no
      ``xsl:result-document`` (refused when compiling), and ``environment-variable()``
      sees an empty environment;
    * the parser's limits are the loader's (:data:`PARSER_LIMITS`).
    """
    proc.set_configuration_property(ALLOWED_PROTOCOLS, allowed_protocols)
    proc.set_configuration_property(ALLOW_EXTERNAL_FUNCTIONS, "false")
    for name, value in PARSER_LIMITS.items():
        proc.set_configuration_property(_PARSER_PROPERTY + quote(name, safe=""), value)
    return proc


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
    """The ``PySaxonProcessor`` for teikit's own stylesheets (created on first use).

    They are trusted code but read their imports and CSS from the installation, so it
    may open ``file:`` URIs; no network, no extension functions, no result documents.
    """
    global _processor
    with _LOCK:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = harden(PySaxonProcessor(license=False), "file")
        return _processor


def sandbox() -> SaxonObject:
    """The ``PySaxonProcessor`` for code teikit did not write (compiled Schematron): it
    reaches no URI at all, so only the document handed to it is readable, whatever the
    static check of :mod:`teikit.validation.schematron_safety` may have missed."""
    global _sandbox
    with _LOCK:
        if _sandbox is None:
            from saxonche import PySaxonProcessor

            _sandbox = harden(PySaxonProcessor(license=False), "")
        return _sandbox


class Stylesheet:
    """One compiled XSLT 3.0 stylesheet; :meth:`run` is safe to call from many threads.

    A SaxonC executable holds its parameters and collected messages as state, so runs
    of one stylesheet are serialised by its own lock (different stylesheets run freely).
    """

    def __init__(self, executable: SaxonObject, source: str, proc: SaxonObject = None) -> None:
        self._executable = executable
        self._processor = proc
        self._lock = threading.Lock()
        #: the file or label the stylesheet came from, for messages
        self.source = source
        executable.set_save_xsl_message(True)

    def run(
        self,
        tree: etree._ElementTree | etree._Element,
        params: dict[str, str] | None = None,
        base_uri: str | None = None,
    ) -> Output:
        """Transform ``tree`` with string ``params``; ``base_uri`` is what the stylesheet
        sees as ``base-uri()`` (so relative ``unparsed-text()`` behaves as for the file).

        Raises :class:`RunError` when the stylesheet stops or fails.
        """
        return self.run_node(self.parse(document_text(tree), base_uri), params)

    def parse(self, text: str, base_uri: str | None = None) -> SaxonObject:
        """``text`` (a document) as a node of this stylesheet's processor."""
        return _parse(self._processor or processor(), text, base_uri)

    def run_node(self, node: SaxonObject, params: dict[str, str] | None = None) -> Output:
        """Transform an already parsed document (from :meth:`parse` or :meth:`call`), so
        several stylesheets can read one parse; otherwise as :meth:`run`."""
        from saxonche import PySaxonApiError

        with self._lock:
            ex = self._prepare(params)
            try:
                result = ex.transform_to_string(xdm_node=node)
            except PySaxonApiError as exc:
                raise RunError(str(exc).strip(), self._take_messages()) from None
            return Output(result or "", self._take_messages())

    def call(
        self, template: str, node: SaxonObject, params: dict[str, str] | None = None
    ) -> SaxonObject:
        """The one item the named ``template`` (an EQName, ``{uri}local``) returns with
        ``node`` as the global context item: a tree to hand to :meth:`run_node`.

        Raises :class:`RunError` when the template fails or returns no single item.
        """
        from saxonche import PySaxonApiError

        with self._lock:
            ex = self._prepare(params)
            ex.set_global_context_item(xdm_item=node)
            try:
                value = ex.call_template_returning_value(template)
            except PySaxonApiError as exc:
                raise RunError(str(exc).strip(), self._take_messages()) from None
            if value is None or value.size != 1:
                raise RunError(f"template {template} returned no single item", [])
            return value.head

    def _prepare(self, params: dict[str, str] | None) -> SaxonObject:
        """The executable with ``params`` set and no messages left from an earlier run
        (the caller holds the lock)."""
        proc = self._processor or processor()
        ex = self._executable
        ex.clear_parameters()
        for name, value in (params or {}).items():
            ex.set_parameter(name, proc.make_string_value(value))
        ex.clear_xsl_messages()
        return ex

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
    return _compile(key, str(path), lambda c: c.compile_stylesheet(stylesheet_file=str(resolved)))


def compile_text(text: str, source: str = "<stylesheet>", *, untrusted: bool = False) -> Stylesheet:
    """The compiled stylesheet ``text``, once per process per text (by SHA-256);
    ``untrusted`` compiles and later runs it in the :func:`sandbox`."""
    key = ("untrusted" if untrusted else "text", hashlib.sha256(text.encode("utf-8")).hexdigest())
    return _compile(
        key,
        source,
        lambda c: c.compile_stylesheet(stylesheet_text=text),
        sandbox if untrusted else processor,
    )


def document_text(tree: etree._ElementTree | etree._Element) -> str:
    """The document as text for Saxon: the root with its sibling comments and
    processing instructions, never a DOCTYPE.

    Why: Saxon's parser would try to load the DTD a DOCTYPE names (and fail, or read a
    file); the loader has already decided that the document stands without it.
    """
    if isinstance(tree, etree._Element):
        return str(etree.tostring(tree, encoding="unicode"))
    root = tree.getroot()
    before = list(root.itersiblings(preceding=True))[::-1]
    after = list(root.itersiblings())
    return "".join(
        str(etree.tostring(node, encoding="unicode", with_tail=False)) + "\n"
        for node in (*before, root, *after)
    )


def _compile(key: tuple[str, ...], source: str, how: Any, which: Any = processor) -> Stylesheet:
    with _LOCK:
        found = _compiled.get(key)
        if found is not None:
            return found
        proc = which()
        compiler = proc.new_xslt30_processor()
        try:
            executable = how(compiler)
        except Exception as exc:  # saxonche raises PySaxonApiError; its text is the help
            raise CompileError(str(exc).strip()) from None
        if executable is None:  # saxonche reports some compile errors only this way
            raise CompileError(f"{source} did not compile (Saxon gave no reason)")
        found = Stylesheet(executable, source, proc)
        _compiled[key] = found
        return found


def message_diagnostics(
    messages: list[str], tree: etree._ElementTree, file: str
) -> list[Diagnostic]:
    """Every ``xsl:message`` text as a located diagnostic in ``tree`` (read from ``file``)."""
    return [message_diagnostic(text, tree, file) for text in messages]


def message_diagnostic(text: str, tree: etree._ElementTree, file: str) -> Diagnostic:
    """One ``xsl:message``: ``teikit|SEVERITY|CODE|XPATH|TEXT`` becomes rule ``xslt:CODE``
    at the element XPATH names; any other text is an ``xslt:message`` at info level."""
    parts = text.split("|", 4)
    if len(parts) == 5 and parts[0] == "teikit":
        _, severity, code, xpath, message = parts
        node = element_at(tree, xpath) if xpath else None
        where: Where = locate(node, file) if node is not None else {"file": file}
        return Diagnostic(
            _SEVERITIES.get(severity, Severity.WARNING), f"xslt:{code}", message, **where
        )
    return Diagnostic(Severity.INFO, "xslt:message", text.strip(), file=file)
