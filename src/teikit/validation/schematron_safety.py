"""Schematron is data, not code: the checks a schema passes before it is compiled.

Why: a ``.sch`` can be named by the document under validation (an ``xml-model`` PI), and
in CI on pull requests that document comes from a stranger. Compiled naively, its XPath
and its foreign XSLT could read files (``unparsed-text``, ``doc``), read the environment
(``environment-variable``), reach the network, write files (``xsl:result-document``) or
call extension functions. teikit refuses such a schema with a located ``schema:unsafe``
error *before* Saxon sees it, and also runs the compiled rules in a Saxon configuration
that has no protocols, no result documents and no environment (see
``teikit.saxon`` / :func:`teikit.validation.schematron.sandbox`), so that a check missed
here is still stopped there.

What is scanned: every XPath-bearing attribute of the Schematron elements (after
abstract patterns are expanded), and everything inside copied XSLT (top-level
``xsl:function``/``xsl:key`` and the content of ``sch:let``): attributes, text (text
value templates) and the XSLT instructions themselves.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from teikit.diagnostics import TeikitError, error
from teikit.namespaces import XSD, XSLT

XSL = XSLT
FN = "http://www.w3.org/2005/xpath-functions"

#: Standard functions that read something other than the document, or that run code
#: chosen at run time (which would defeat a static check).
UNSAFE_FUNCTIONS = frozenset(
    {
        "unparsed-text",
        "unparsed-text-lines",
        "unparsed-text-available",
        "doc",
        "document",
        "doc-available",
        "collection",
        "uri-collection",
        "environment-variable",
        "available-environment-variables",
        "json-doc",
        "parse-xml",
        "transform",
        "load-xquery-module",
        "function-lookup",
    }
)

#: Function namespaces whose every function is pure (constructors, maths, maps, arrays).
SAFE_NAMESPACES = frozenset(
    {
        XSD,
        "http://www.w3.org/2005/xpath-functions/math",
        "http://www.w3.org/2005/xpath-functions/map",
        "http://www.w3.org/2005/xpath-functions/array",
    }
)

#: XSLT instructions that read or write outside the document, evaluate text as code, or
#: load other modules; none may appear in XSLT copied from a schema.
UNSAFE_INSTRUCTIONS = frozenset(
    {
        "result-document",
        "source-document",
        "evaluate",
        "import-schema",
        "include",
        "import",
        "merge",
        "merge-source",
        "stream",
        "use-package",
        "package",
        "original",
        "accumulator",
        "global-context-item",
        "script",
    }
)

#: The only XSLT a Schematron schema may carry at its top level (ISO 19757-3, Annex).
ALLOWED_TOP_LEVEL = frozenset({"function", "key"})

#: Schematron attributes that hold XPath (or an XSLT pattern).
XPATH_ATTRIBUTES = ("context", "test", "select", "value", "path", "subject")

_STRING = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_NAME = r"[A-Za-z_][\w.\-]*"
_CALL = re.compile(rf"(?<![\w.\-$}}])(Q\{{[^}}]*\}}{_NAME}|{_NAME}(?::{_NAME})?)\s*(\(|#\s*\d)")


class Unsafe(TeikitError):
    """A schema that would read, write or run something besides the document."""


def _strip(expr: str) -> str:
    """``expr`` with its string literals and (nested) comments blanked out (same length),
    as they may contain anything without being code.

    One scan from the left, as the XPath parser reads: a quote inside a comment does not
    open a string and ``(:`` inside a string does not open a comment (removing all
    strings first let ``(: it's :) doc('x') (: ' :)`` hide the call inside a "string").
    An unterminated string or comment runs to the end (Saxon refuses it anyway).
    """
    out = list(expr)
    i, depth, start = 0, 0, 0
    while i < len(expr):
        if expr.startswith("(:", i):
            start = i if depth == 0 else start
            depth, i = depth + 1, i + 2
        elif depth:
            closes = expr.startswith(":)", i)
            depth, i = depth - closes, i + 1 + closes
            if depth == 0:
                out[start:i] = " " * (i - start)
        elif expr[i] in "'\"":
            found = _STRING.match(expr, i)
            end = found.end() if found else len(expr)
            out[i:end] = " " * (end - i)
            i = end
        else:
            i += 1
    if depth:
        out[start:] = " " * (len(expr) - start)
    return "".join(out)


def _template_parts(text: str) -> list[str]:
    """The expressions inside the ``{…}`` of an attribute or text value template
    (``{{`` and ``}}`` are literal braces); braces inside an expression's strings or
    comments do not end it, nested ones (maps, inline functions) are counted."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("{{", i) or text.startswith("}}", i):
            i += 2
        elif text[i] == "{":
            blank, level, end = _strip(text[i + 1 :]), 0, len(text)
            for j, ch in enumerate(blank):
                level += (ch == "{") - (ch == "}")
                if level < 0:
                    end = i + 1 + j
                    break
            parts.append(text[i + 1 : end])
            i = end + 1
        else:
            i += 1
    return parts


def called_functions(expr: str, template: bool = False) -> list[str]:
    """The names of the functions ``expr`` calls or references (``f(…)``, ``f#1``), as
    written (``fn:doc``, ``Q{uri}f``, ``doc``). With ``template``, ``expr`` is also
    read as an attribute or text value template (``it's {doc('x')}``) and the calls of
    both readings are returned: which reading Saxon uses depends on where the text is."""
    found = [m.group(1) for m in _CALL.finditer(_strip(expr))]
    if template:
        for part in _template_parts(expr):
            found.extend(m.group(1) for m in _CALL.finditer(_strip(part)))
    return found


class Checker:
    """Checks one schema (its expanded tree) against the rules above.

    ``namespaces`` are the schema's ``sch:ns`` bindings; ``own_functions`` the
    ``{uri}local`` names of the schema's own ``xsl:function``s, which may be called.
    """

    def __init__(self, source: str, namespaces: dict[str, str], own_functions: set[str]) -> None:
        self.source = source
        self.namespaces = namespaces
        self.own_functions = own_functions

    def refuse(self, why: str, el: etree._Element | None) -> Unsafe:
        """The located ``schema:unsafe`` error for ``why`` at ``el``."""
        line = el.sourceline if el is not None and el.sourceline else 0
        message = (
            f"The Schematron schema {self.source} is refused: {why}. A schema may "
            "only read the document under validation; remove that construct."
        )
        return Unsafe(
            f"{self.source}:{line}: {message}",
            error("schema:unsafe", message, file=self.source, line=line, column=1),
        )

    def _uri(self, prefix: str, el: etree._Element) -> str | None:
        return self.namespaces.get(prefix) or (el.nsmap or {}).get(prefix)

    def check_expression(self, expr: str, el: etree._Element, template: bool = False) -> None:
        """Refuse ``expr`` (found on ``el``; ``template``: perhaps a value template) if it
        calls a function outside the safe set."""
        for name in called_functions(expr, template):
            if name.startswith("Q{"):
                uri, local = name[2:].split("}", 1)
            elif ":" in name:
                prefix, local = name.split(":", 1)
                found = self._uri(prefix, el)
                if found is None:
                    raise self.refuse(f"'{name}' uses the undeclared prefix '{prefix}'", el)
                uri = found
            else:
                uri, local = FN, name
            if uri == FN:
                if local in UNSAFE_FUNCTIONS:
                    raise self.refuse(
                        f"it calls {local}(), which reads outside the "
                        "document or runs code chosen at run time",
                        el,
                    )
            elif uri not in SAFE_NAMESPACES and f"{{{uri}}}{local}" not in self.own_functions:
                raise self.refuse(f"it calls the extension function '{name}'", el)

    def check_xslt(self, root: etree._Element) -> None:
        """Refuse copied XSLT (a function, key or let content) that does more than
        compute: unsafe instructions, extension instructions, unsafe calls anywhere."""
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            qn = etree.QName(el)
            if qn.namespace == XSL and qn.localname in UNSAFE_INSTRUCTIONS:
                raise self.refuse(f"it contains xsl:{qn.localname}", el)
            for name, value in el.attrib.items():
                if etree.QName(name).localname == "extension-element-prefixes":
                    raise self.refuse("it declares extension instructions", el)
                self.check_expression(str(value), el, template=True)
            for text in (el.text, el.tail):
                if text and "{" in text:
                    self.check_expression(text, el, template=True)

    def check_schema(self, schema: etree._Element) -> None:
        """Check every XPath of the (expanded) Schematron and all the XSLT it carries."""
        for el in schema.iter():
            if not isinstance(el.tag, str):
                continue
            if etree.QName(el).namespace == XSL:
                continue  # checked as copied XSLT, below
            for attr in XPATH_ATTRIBUTES:
                value = el.get(attr)
                if value is not None:
                    self.check_expression(value, el)
            if etree.QName(el).localname == "let":
                for child in el:
                    if isinstance(child.tag, str):
                        self.check_xslt(child)
        for el in schema:
            if isinstance(el.tag, str) and etree.QName(el).namespace == XSL:
                local = etree.QName(el).localname
                if local not in ALLOWED_TOP_LEVEL:
                    raise self.refuse(
                        f"top-level xsl:{local} is not allowed (only xsl:function and xsl:key)", el
                    )
                self.check_xslt(el)


def own_functions(schema: etree._Element) -> set[str]:
    """``{uri}local`` of every top-level ``xsl:function`` the schema declares."""
    found: set[str] = set()
    for el in schema:
        if isinstance(el.tag, str) and el.tag == f"{{{XSL}}}function":
            name = el.get("name", "")
            if ":" in name:
                prefix, local = name.split(":", 1)
                uri = (el.nsmap or {}).get(prefix)
                if uri:
                    found.add(f"{{{uri}}}{local}")
    return found


def inside(target: Path, folder: Path) -> bool:
    """Whether ``target`` (resolved, symlinks followed) lies in ``folder``'s tree."""
    return target.resolve().is_relative_to(folder.resolve())


_silence_lock = threading.Lock()
#: How many threads are inside :func:`native_stderr_silenced`, and the real stderr's
#: duplicate while any is.
_silenced: list[int] = [0, -1]


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to ``/dev/null`` meanwhile.

    Why: SaxonC prints every dynamic error of a stylesheet, with the schema's own
    strings in it (``error((), '&#10;::error file=…::forged')``), straight to the
    process's stderr, which in CI is the job log; a line there starting ``::`` is a
    workflow command. teikit reports the same error itself, escaped, as
    ``sch:run-failed``, so nothing is lost. Nested and concurrent uses share one
    redirection (the descriptor is the process's, not the thread's).
    """
    with _silence_lock:
        if _silenced[0] == 0:
            if sys.stderr is not None:  # None when the process has no stderr
                sys.stderr.flush()
            _silenced[1] = _redirect_stderr()
        _silenced[0] += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silenced[0] -= 1
            if _silenced[0] == 0 and _silenced[1] >= 0:
                os.dup2(_silenced[1], 2)
                os.close(_silenced[1])


def _redirect_stderr() -> int:
    """Point descriptor 2 at ``/dev/null``; the duplicate of what it was, or -1 when
    there is no stderr to silence (a process started with it closed)."""
    try:
        saved = os.dup(2)
    except OSError:
        return -1
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    return saved
