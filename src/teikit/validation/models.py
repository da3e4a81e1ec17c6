"""``<?xml-model?>`` processing instructions: what a document says its schemas are.

Reading the PIs and deciding what each one points at (a local file of some kind, or
a web address) is kept apart from resolving addresses to stored schemas, so the
rules for local hrefs (relative to the document, ``file:`` URLs, ``.rnc`` refused)
stay small and testable on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from teikit.diagnostics import Diagnostic, Where, error
from teikit.files import is_remote
from teikit.loading import inside_project
from teikit.locations import display_path
from teikit.namespaces import RELAXNG as RELAXNG_NS
from teikit.namespaces import SCHEMATRON_ALL as SCHEMATRON_NS
from teikit.namespaces import XSD as XSD_NS
from teikit.validation.store import KINDS


@dataclass(frozen=True)
class XmlModel:
    """One ``<?xml-model?>`` processing instruction, as far as teikit cares."""

    href: str
    schematypens: str
    type: str
    line: int


def xml_models(tree: etree._ElementTree) -> list[XmlModel]:
    """The document's ``xml-model`` PIs, in order (only those before the root count)."""
    found: list[XmlModel] = []
    for node in reversed(list(tree.getroot().itersiblings(preceding=True))):
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model":
            found.append(
                XmlModel(
                    href=node.get("href") or "",
                    schematypens=node.get("schematypens") or "",
                    type=node.get("type") or "",
                    line=node.sourceline or 1,
                )
            )
    return found


def kind_of(model: XmlModel, name: str) -> str:
    """The engine for a PI: its ``schematypens`` first, else the file extension.

    A Schematron PI on a ``.rng`` means the Schematron embedded in that grammar
    (``schematron-in-rng``), as oXygen's TEI templates write it.
    """
    suffix = Path(urlparse(name).path if is_remote(name) else name).suffix.lower()
    if model.schematypens == RELAXNG_NS:
        return "relaxng"
    if model.schematypens == XSD_NS:
        return "xsd"
    if model.schematypens in SCHEMATRON_NS:
        return "schematron-in-rng" if suffix in {".rng", ".rnc"} else "schematron"
    return KINDS.get(suffix, "relaxng" if suffix == ".rnc" else "")


def model_target(
    model: XmlModel, doc_path: Path | None
) -> Diagnostic | tuple[str, Path | None, str]:
    """(kind, local path or None, remote address or '') for a PI, or the reason it is
    unusable as a located diagnostic (file left for the caller to fill in)."""
    where: Where = {"line": model.line, "column": 1}
    if not model.href:
        return error(
            "schema:missing",
            "This xml-model processing instruction has no href; add one or remove the instruction.",
            **where,
        )
    if is_remote(model.href):
        kind = kind_of(model, model.href)
        return kind, None, model.href
    local = (
        unquote(urlparse(model.href).path)
        if model.href.startswith("file:")
        else unquote(model.href)
    )
    base = doc_path.parent if doc_path else Path.cwd()
    path = (base / local) if not Path(local).is_absolute() else Path(local)
    if not inside_project(path, doc_path):
        return error(
            "schema:outside-project",
            f"The xml-model schema {model.href} is outside "
            "the project (the working folder, the folders validated and the "
            "document's repository); teikit reads a schema a document names only "
            "from there. Run teikit from the project folder, or pass the schema "
            "with --schema if you trust it.",
            **where,
        )
    if path.suffix.lower() == ".rnc":
        return error(
            "schema:rnc",
            f"The xml-model schema {model.href} is RelaxNG compact "
            "syntax, which teikit does not read; convert it with trang to .rng and "
            "point href at that.",
            **where,
        )
    if not path.is_file():
        return error(
            "schema:missing",
            f"The xml-model schema {model.href} does not exist "
            f"(looked for {display_path(str(path))}); fix href or pass --schema.",
            **where,
        )
    kind = kind_of(model, str(path))
    if not kind:
        return error(
            "schema:unknown-kind",
            f"Cannot tell what kind of schema {model.href} "
            "is; give the PI a schematypens or use a .rng, .xsd or .sch file.",
            **where,
        )
    return kind, path, ""
