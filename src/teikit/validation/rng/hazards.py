"""Grammar shapes that make libxml2 loop forever, found before libxml2 sees them.

Why: libxml2 2.14's ``xmlRelaxNGParse`` never returns for an element whose content is
an explicit ``<group>`` of one pattern (``empty`` aside) followed by attributes, when
the element can occur inside that group; a group of two or more patterns, as tei_all's
``list`` has, compiles (measured with xmllint on variants of
``tests/data/relaxng/group-before-attributes.rng``; docs/decisions/0006). teikit's
reduced grammars splice such groups away, but a schema compiled whole (one with
``include``, ``externalRef`` or ``combine``) reaches libxml2 as written, and a document
may name such a schema in its ``xml-model`` PI: one hostile schema would hang the run.
So every file of such a schema is read first (includes followed inside its folder tree
only) and the shape refused.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from teikit.diagnostics import TeikitError, error
from teikit.namespaces import RELAXNG
from teikit.validation.rng import nodes

_R = f"{{{RELAXNG}}}"
#: Most nodes followed when looking for an element inside its own group.
_BUDGET = 200_000


def _files(path: Path, data: bytes) -> list[etree._Element]:
    """The roots of ``path`` (with bytes ``data``) and of every local file it includes
    or refers to (``include``, ``externalRef``), each once."""
    parser = nodes.parser()
    roots = [etree.fromstring(data, parser, base_url=str(path))]
    seen = {path.resolve()}
    folder = path.resolve().parent
    i = 0
    while i < len(roots):
        for ref in roots[i].iter(f"{_R}include", f"{_R}externalRef"):
            href = ref.get("href", "")
            target = (Path(roots[i].base or str(path)).parent / href).resolve()
            if "://" in href or target in seen or not target.is_relative_to(folder):
                continue  # remote or outside: libxml2 reports it, no file is read here
            seen.add(target)
            try:
                roots.append(etree.parse(str(target), parser).getroot())
            except (OSError, etree.XMLSyntaxError):
                continue
        i += 1
    return roots


def _content(element: etree._Element) -> list[etree._Element]:
    kids = [k for k in element if isinstance(k.tag, str) and k.tag.startswith(_R)]
    return kids[1:] if element.get("name") is None else kids


def _has_attribute(node: etree._Element) -> bool:
    return node.tag == f"{_R}attribute" or any(True for _ in node.iter(f"{_R}attribute"))


def _reaches(
    start: etree._Element, target: etree._Element, defines: dict[str, list[etree._Element]]
) -> bool:
    """Whether ``target`` (an ``element`` pattern) occurs inside ``start``, following
    references through the defines."""
    todo = [start]
    seen: set[str] = set()
    budget = _BUDGET
    while todo and budget:
        budget -= 1
        node = todo.pop()
        if node is target:
            return True
        if node.tag == f"{_R}ref":
            name = node.get("name", "").strip()
            if name not in seen:
                seen.add(name)
                todo.extend(defines.get(name, ()))
            continue
        todo.extend(k for k in node if isinstance(k.tag, str))
    return bool(todo)  # out of budget: too tangled to clear, so refuse


def loop_shape(path: Path, data: bytes) -> str | None:
    """The name of an element with libxml2's looping shape in the schema at ``path``,
    or None when it has none."""
    roots = _files(path, data)
    defines: dict[str, list[etree._Element]] = {}
    for root in roots:
        for define in root.iter(f"{_R}define"):
            defines.setdefault(define.get("name", "").strip(), []).append(define)
    for root in roots:
        for element in root.iter(f"{_R}element"):
            content = _content(element)
            for i, kid in enumerate(content):
                if kid.tag != f"{_R}group" or not any(map(_has_attribute, content[i + 1 :])):
                    continue
                inside = [
                    k
                    for k in kid
                    if isinstance(k.tag, str) and k.tag.startswith(_R) and k.tag != f"{_R}empty"
                ]
                if len(inside) != 1:
                    continue
                if _reaches(kid, element, defines):
                    return element.get("name") or "an element with a name class"
    return None


def refuse_loops(path: Path, data: bytes) -> None:
    """Raise when the schema has the shape that makes libxml2 loop forever (see
    :mod:`.hazards`): a schema compiled whole reaches libxml2 as written."""
    try:
        element = loop_shape(path, data)
    except etree.XMLSyntaxError:
        return  # libxml2 reports the syntax error itself
    if element is not None:
        message = (
            f"The RelaxNG schema {path} is refused: <{element}> has an explicit "
            "<group> followed by attributes and can occur inside that group, a "
            "shape on which libxml2 never finishes compiling. Put the attributes "
            "before the group, or drop the <group> wrapper (a group inside an "
            "element is the same sequence without it)."
        )
        raise TeikitError(message, error("schema:unsafe", message, file=str(path)))
