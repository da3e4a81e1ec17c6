"""W3C XML Schema validation with xmlschema, as located diagnostics.

xmlschema is pure Python and builds a schema slowly, so each schema is compiled once
per process and cached by its path *and* content hash (an edited schema is rebuilt,
an unchanged one never is). Its errors are long multi-line dumps of the offending
element; teikit keeps the reason and the path, and files each under a short stable
rule code (``xsd:content``, ``xsd:datatype``, ``xsd:attribute-missing`` …) so CI can
group and suppress them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import xmlschema
from lxml import etree
from xmlschema.validators.exceptions import (
    XMLSchemaChildrenValidationError,
    XMLSchemaDecodeError,
    XMLSchemaValidationError,
)

from teikit.diagnostics import Diagnostic, TeikitError, error
from teikit.locations import locate
from teikit.validation.compiled import compiled
from teikit.validation.xsd_words import names, words

if TYPE_CHECKING:
    from teikit.document import Document


def _rule(exc: XMLSchemaValidationError) -> str:
    """A stable rule code for an xmlschema validation error."""
    reason = (exc.reason or "").lower()
    if isinstance(exc, XMLSchemaChildrenValidationError):
        return "xsd:content"
    if "is not an element of the schema" in reason or "no matching global" in reason:
        return "xsd:unknown-element"
    if "missing required attribute" in reason:
        return "xsd:attribute-missing"
    if "attribute" in reason and ("not allowed" in reason or "unexpected" in reason):
        return "xsd:attribute-unexpected"
    if "duplicate" in reason or "key" in reason and "not found" in reason:
        return "xsd:identity"
    if (
        isinstance(exc, XMLSchemaDecodeError)
        or "not a valid value" in reason
        or "attribute" in reason
        and "value" in reason
    ):
        return "xsd:datatype"
    if "character data" in reason or "simple content" in reason or "mixed" in reason:
        return "xsd:content"
    return "xsd:invalid"


def _message(exc: XMLSchemaValidationError) -> str:
    reason = " ".join((exc.reason or str(exc.message) or "invalid").split())
    return reason.rstrip(".") + "."


class XSD:
    """One compiled XML Schema; :meth:`validate` runs it on a loaded document."""

    def __init__(self, schema: xmlschema.XMLSchemaBase, path: Path) -> None:
        self.schema = schema
        self.path = path

    @classmethod
    def compile(cls, path: str | Path) -> XSD:
        """Build (or reuse) the schema at ``path``; :class:`TeikitError` when broken.

        Imports and includes are allowed only inside the schema's own folder tree and
        entities are defused: a schema is input too.
        """
        p = Path(path).resolve()

        def build(_data: bytes) -> XSD:
            try:
                schema = xmlschema.XMLSchema(str(p), allow="sandbox", defuse="always")
            except (xmlschema.XMLSchemaException, etree.LxmlError, OSError, ValueError) as exc:
                first = " ".join(str(exc).split())[:300]
                message = f"The XML Schema {path} cannot be compiled: {first}"
                raise TeikitError(
                    message, error("xsd:schema-invalid", message, file=str(path))
                ) from None
            return cls(schema, p)

        try:
            return compiled("xsd", p, build)
        except OSError as exc:
            message = f"Cannot read the XML Schema {path}: {exc.strerror}."
            raise TeikitError(
                message, error("xsd:schema-invalid", message, file=str(path))
            ) from None

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every schema violation in ``doc``, located at the offending element."""
        tree = doc.tree
        path = doc.path
        default_file = str(path) if path else ""
        found: list[Diagnostic] = []
        # The tree was read by teikit's safe loader; wrapping it in a resource that may
        # open nothing keeps xmlschema from following xsi:schemaLocation or anything else.
        # (lxml trees are what XMLResource expects at run time; its stubs name ElementTree)
        resource = xmlschema.XMLResource(cast(Any, tree), allow="none", defuse="always")
        try:
            errors = list(self.schema.iter_errors(resource, use_location_hints=False))
        except (xmlschema.XMLSchemaException, RecursionError, ValueError) as exc:
            raise TeikitError(
                f"The XML Schema {self.path} could not be applied to "
                f"{default_file or 'the document'}: "
                f"{' '.join(str(exc).split())[:300]}"
            ) from None
        for problem in errors:
            elem: Any = problem.elem  # an lxml element here (the tree is lxml)
            # a child out of place is reported at its own start tag, as RelaxNG's are
            child: Any = getattr(problem, "invalid_child", None)
            if isinstance(child, etree._Element):
                where = locate(child, default_file)
            elif isinstance(elem, etree._Element):
                where = locate(elem, default_file)
            else:
                where = {
                    "file": default_file,
                    "line": getattr(problem, "sourceline", 0) or 0,
                    "column": 0,
                    "xpath": problem.path or "",
                }
            message = words(problem, elem if isinstance(elem, etree._Element) else None)
            if message is None:
                message = names(_message(problem))
                if problem.path and problem.path not in message:
                    message = f"{message} (at {problem.path})"
            found.append(error(_rule(problem), message, **where))
        return found
