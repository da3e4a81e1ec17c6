"""The single mapping between an element, its XPath and its file, line and column.

Engines speak different location languages: libxml2 and xmlschema give lines,
Schematron (run on Saxon) gives XPaths such as ``/Q{ns}TEI[1]/Q{ns}text[1]``, and
XIncluded elements live in another file. Every engine goes through this module so
that a diagnostic always carries all of file, line and XPath, the same way.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from teikit.diagnostics import Where
from teikit.namespaces import TEI, XML, XML_BASE, XPATH_PREFIXES

NAMESPACES = XPATH_PREFIXES
_PREFIXES = {TEI: "tei", XML: "xml"}


def xpath_of(node: etree._Element) -> str:
    """A positional XPath for ``node`` with TEI elements prefixed ``tei:``.

    It is the form users paste into an editor's XPath bar, so it uses prefixes
    rather than Clark or ``Q{}`` notation; other namespaces fall back to ``*:``.
    An element's path is its parent's (remembered for the few parents asked about
    last) plus one step, so 10^5 findings in one list cost 10^5 steps, not 10^5 walks.
    """
    parent = node.getparent()
    step = _step(node, parent)
    if parent is None:
        return "/" + step
    found = _paths.pop(parent, None)
    if found is None:
        found = xpath_of(parent)
        if len(_paths) >= _RECENT:
            _paths.pop(next(iter(_paths)))
    _paths[parent] = found  # most recently used last
    return f"{found}/{step}"


def _step(el: etree._Element, parent: etree._Element | None) -> str:
    if not isinstance(el.tag, str):  # comment or processing instruction
        kind = "comment()" if isinstance(el, etree._Comment) else "processing-instruction()"
        same = [s for s in (parent if parent is not None else []) if type(s) is type(el)]
        return f"{kind}[{same.index(el) + 1 if el in same else 1}]"
    position = 1 if parent is None else _positions(parent).get(el, 1)
    return f"{_name(str(el.tag))}[{position}]"


@lru_cache(maxsize=4096)
def _name(tag: str) -> str:
    """The step name of an element's Clark ``tag``: ``tei:p``, ``p`` or ``*:mi``."""
    if tag[0] == "{":
        namespace, _, local = tag[1:].partition("}")
    else:
        namespace, local = "", tag
    prefix = _PREFIXES.get(namespace)
    return f"{prefix}:{local}" if prefix else (local if not namespace else f"*:{local}")


#: XPaths of the parents asked about last (see :func:`xpath_of`).
_paths: dict[etree._Element, str] = {}


#: Children positions of the parents asked about last (a few: one diagnostic's path
#: visits each ancestor). Diagnostics come in document order, so a dictionary's 10,000
#: entries are counted once, not once per diagnostic.
_recent: dict[etree._Element, dict[etree._Element, int]] = {}
_RECENT = 32


def _positions(parent: etree._Element) -> dict[etree._Element, int]:
    """Each element child of ``parent`` with its position among same-named siblings."""
    found = _recent.pop(parent, None)
    if found is not None:
        _recent[parent] = found  # most recently used last: the root's stay cached
        return found
    found = _counted(parent)
    if len(_recent) >= _RECENT:
        _recent.pop(next(iter(_recent)))
    _recent[parent] = found
    return found


_STEP_Q = re.compile(r"Q\{([^}]*)\}")


def element_at(tree: etree._ElementTree | etree._Element, path: str) -> etree._Element | None:
    """The element a location XPath points at (attribute and text steps are dropped).

    Accepts Saxon's ``Q{uri}local[n]`` steps, ``prefix:local[n]`` with the ``tei`` and
    ``xml`` prefixes, ``*:local[n]`` and unprefixed steps.
    """
    if not path:
        return None
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    ns: dict[str, str] = dict(NAMESPACES)

    def bind(match: re.Match[str]) -> str:
        uri = match.group(1)
        if not uri:
            return ""
        prefix = _PREFIXES.get(uri) or next((p for p, u in ns.items() if u == uri), None)
        if prefix is None:
            prefix = f"ns{len(ns)}"
            ns[prefix] = uri
        return f"{prefix}:"

    expr = _STEP_Q.sub(bind, path)
    # drop trailing attribute / text / node steps: diagnostics are about elements
    expr = re.sub(
        r"(/(@[^/]+|text\(\)(\[\d+\])?|node\(\)(\[\d+\])?|"
        r"comment\(\)(\[\d+\])?|processing-instruction\([^)]*\)(\[\d+\])?))+$",
        "",
        expr,
    )
    if not expr or expr == "/":
        return root
    walked = _walk(root, expr, ns)
    if walked is not _UNWALKABLE:
        return walked
    try:
        found = root.getroottree().xpath(expr, namespaces=ns)
    except etree.XPathError:
        return None
    return (
        found[0]
        if isinstance(found, list) and found and isinstance(found[0], etree._Element)
        else None
    )


#: One positional step, ``prefix:local[n]``, ``*:local[n]`` (any namespace, as XPath 2.0
#: reads it) or ``local[n]``: what :func:`xpath_of` and Saxon's ``path()`` (once its
#: ``Q{uri}`` is bound to a prefix) write.
_SIMPLE_STEP = re.compile(r"(?:(\*|[^\W\d][\w.-]*):)?([^\W\d][\w.-]*)\[(\d+)\]")
#: :func:`_walk`'s answer for a path it does not read; lxml's XPath then does.
_UNWALKABLE = etree.Element("unwalkable")


def _walk(root: etree._Element, expr: str, ns: dict[str, str]) -> etree._Element | None:
    """Follow a path of positional steps child by child.

    Why not lxml's XPath: libxml2 evaluates ``item[5000]`` by collecting every ``item``
    sibling first, so locating each of 10^5 findings in one list is quadratic (a list of
    16,000 dangling pointers took 6 s, 10^5 took minutes). Here each step is an index
    into the parent's children by name, and the steps a path shares with the path walked
    before it are not walked again (findings come in document order: most share all but
    their last step or two). Other paths are :data:`_UNWALKABLE`.
    """
    global _last_walk
    steps = expr.split("/")
    if steps[0] or len(steps) < 2:
        return _UNWALKABLE
    # the last walk's steps and elements, reusable in the same tree when no step used a
    # prefix made up for this call (ns3 may be another namespace in another path)
    keyed = len(ns) == len(NAMESPACES)
    last_root, last_steps, last_nodes = _last_walk
    shared = 0
    if keyed and last_root is root:
        for mine, theirs in zip(steps[1:], last_steps, strict=False):
            if mine != theirs:
                break
            shared += 1
    nodes = last_nodes[:shared]
    for step in steps[1 + shared :]:
        match = _SIMPLE_STEP.fullmatch(step)
        if match is None:
            return _UNWALKABLE
        node = _step_down(root, nodes[-1] if nodes else None, match, ns)
        if node is _UNWALKABLE or node is None:
            return node
        nodes.append(node)
    if keyed:
        _last_walk = (root, steps[1:], nodes)
    return nodes[-1]


#: The root, steps and elements of the last path walked (see :func:`_walk`).
_last_walk: tuple[etree._Element | None, list[str], list[etree._Element]] = (None, [], [])


def _step_down(
    root: etree._Element, node: etree._Element | None, match: re.Match[str], ns: dict[str, str]
) -> etree._Element | None:
    """The child of ``node`` (the root, when None) one positional step names."""
    prefix, local, n = match.groups()
    index = int(n) - 1
    if prefix == "*":
        children = [root] if node is None else node.iterchildren(etree.Element)
        same = [c for c in children if etree.QName(c).localname == local]
    else:
        uri = ns.get(prefix) if prefix else ""
        if uri is None:
            return _UNWALKABLE
        tag = f"{{{uri}}}{local}" if uri else local
        if node is None:
            same = [root] if root.tag == tag else []
        else:
            same = _named(node).get(tag, [])
    return same[index] if 0 <= index < len(same) else None


#: Element children by name of the parents asked about last (see :func:`_walk`).
_by_name: dict[etree._Element, dict[str, list[etree._Element]]] = {}


def _named(parent: etree._Element) -> dict[str, list[etree._Element]]:
    found = _by_name.pop(parent, None)
    if found is None:
        found = {}
        for child in parent.iterchildren(etree.Element):
            found.setdefault(str(child.tag), []).append(child)
        if len(_by_name) >= _RECENT:
            _by_name.pop(next(iter(_by_name)))
    _by_name[parent] = found  # most recently used last
    return found


#: For each document file teikit loaded, every file read into its tree (itself and its
#: XIncludes), resolved: the only files a finding in that tree may be reported on.
_READ_INTO: dict[str, frozenset[str]] = {}


def record_files(document: str, files: Iterable[Path]) -> None:
    """Remember which files the loader read into the tree of ``document`` (its URL)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder is gone: only absolute paths resolve
        _READ_INTO[document] = frozenset(str(f.resolve()) for f in files)
        return
    _READ_INTO[document] = frozenset(_real_file(os.fspath(f), cwd) for f in files)


def _base_file(node: etree._Element) -> str:
    base = node.base
    if not base:
        return ""
    if base.startswith("file:"):
        return unquote(urlparse(base).path)
    if "://" in base:  # a document's own xml:base naming its web home, not a file read
        return ""
    return base


@lru_cache(maxsize=1024)
def _real(path: str) -> str:
    return str(Path(path).resolve())


def file_of(node: etree._Element, default: str = "") -> str:
    """The file ``node`` was read from: its ``xml:base`` chain, as XInclude left it.

    Honest, whatever the document says: an ``xml:base`` that a document's author wrote
    (``xml:base="/etc/passwd"``) must not move a finding to another file nor make
    relative pointers resolve elsewhere, so a base counts only when it names a file
    the loader really read into this tree; otherwise the nearest ancestor's that does.
    """
    allowed = _READ_INTO.get(node.getroottree().docinfo.URL or "")
    if allowed is None:  # a tree teikit's loader did not read: trust its bases
        return _base_file(node) or default
    for el in (node, *node.iterancestors()):
        candidate = _base_file(el)
        if candidate and _real(candidate) in allowed:
            return candidate
    return default


def display_path(file: str) -> str:
    """Paths relative to the working folder when below it, so CI annotations match."""
    try:
        return _display(file, os.getcwd())
    except OSError:  # the working folder is gone
        return file


@lru_cache(maxsize=4096)
def _display(file: str, cwd: str) -> str:
    """Cached per working folder: every finding is located through here, and resolving
    the same file's path 10^5 times was a tenth of a large report's cost. A run names
    each of 10^4 files once, so the folder is resolved once (:func:`_real_folder`) and
    only the file itself is looked at: a link is resolved whole."""
    try:
        real = _real_file(file, cwd)
    except OSError:
        return file
    # Path.relative_to, as strings: both are absolute and normalised (realpath, getcwd),
    # and a warm re-run of 10,000 files spent a tenth of its time in pathlib here.
    if real == cwd:
        return "."
    below = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return real[len(below) :] if real.startswith(below) else file


def _real_file(file: str, cwd: str) -> str:
    """``file`` resolved as :meth:`Path.resolve` would, looking only at the file itself
    (a link is resolved whole) below its folder resolved once (:func:`_real_folder`):
    the loader records each document's real path, and resolving every folder above each
    of 10^4 files was a tenth of loading them."""
    head, tail = os.path.split(file)
    if tail in ("", ".", "..") or os.path.islink(file):
        return os.path.realpath(file)
    return os.path.join(_real_folder(head or os.curdir, cwd), tail)


@lru_cache(maxsize=4096)
def _real_folder(folder: str, cwd: str) -> str:
    """The resolved ``folder`` (relative ones from ``cwd``), as :meth:`Path.resolve`."""
    return os.path.realpath(os.path.join(cwd, folder))


def locate_all(
    nodes: Sequence[etree._Element], default_file: str = "", *, bases: bool = True
) -> list[tuple[str, str]]:
    """The file (as :func:`display_path` shows it) and XPath of each of ``nodes``
    (elements of one tree): :func:`locate` for the findings of a whole check at once.
    ``bases`` False says that no element of the tree has an ``xml:base`` (the caller
    looked): then none is looked for.

    Why a batch: placing 10^5 dangling pointers one by one was most of the reference
    check (each path walked the ancestors and counted siblings again). Here each
    ancestor is stepped through once for all the findings below it (:func:`_path_finder`).
    The file is that of the top of the element's part, its nearest ancestor-or-self
    with an ``xml:base`` (or the root): an element without ``xml:base`` has its
    parent's base, so :func:`file_of` answers the same for it as for that top, and is
    asked once per part, not per finding.
    """
    # The finders are recursive closures, hence cycles: what they hold (an entry per
    # ancestor) is freed at the end, not left to the cyclic collector (a pass over 10^5
    # findings' worth of it cost a worker 0.18 s after the file).
    known: dict[etree._Element, str] = {}
    counted: dict[etree._Element, dict[etree._Element, int]] = {}
    tops: dict[etree._Element, etree._Element] = {}
    try:
        path_of = _path_finder(known, counted)
        paths = [path_of(node) for node in nodes]
        if not bases:  # one part: one file
            one = display_path(file_of(nodes[0], default_file)) if nodes else ""
            return [(one, path) for path in paths]
        top_of = _top_finder(tops)
        files: dict[etree._Element, str] = {}
        out = []
        for node, path in zip(nodes, paths, strict=True):
            top = top_of(node)
            file = files.get(top)
            if file is None:
                file = files[top] = display_path(file_of(top, default_file))
            out.append((file, path))
        return out
    finally:
        known.clear()
        counted.clear()
        tops.clear()


#: Preceding siblings :func:`_path_finder` looks at before it counts the parent's children
#: once for all (a long list's): a few, so a small parent costs no dictionary.
_NEAR = 8


def _path_finder(
    paths: dict[etree._Element, str], counted: dict[etree._Element, dict[etree._Element, int]]
) -> Callable[[etree._Element], str]:
    """A function giving the XPath of an element of one tree, as :func:`xpath_of` writes
    it, that works each ancestor's out once. An element's position among its parent's
    children of its name is counted over its preceding siblings when they are few, else
    looked up in the parent's children, counted once (10^5 findings in one list: not
    10^5 counts of it). A closure, not a class: its state in local variables made
    placing a dictionary's 10^5 findings an eighth cheaper. ``paths`` and ``counted``
    (ancestors' paths, long lists' positions) are the caller's, to be cleared after."""
    names: dict[object, str] = {}

    def path_of(el: etree._Element) -> str:
        tag = el.tag
        name = names.get(tag)
        if name is None:
            name = names[tag] = _name(str(tag))
        parent = el.getparent()
        if parent is None:
            return f"/{name}[1]"
        above = paths.get(parent)
        if above is None:
            above = paths[parent] = path_of(parent)
        sibling = el.getprevious()
        if sibling is None:
            return f"{above}/{name}[1]"
        positions = counted.get(parent)
        if positions is not None:
            return f"{above}/{name}[{positions[el]}]"
        position, near = 1, 0
        while sibling is not None:
            near += 1
            if near > _NEAR:
                positions = counted[parent] = _counted(parent)
                return f"{above}/{name}[{positions[el]}]"
            if sibling.tag == tag:
                position += 1
            sibling = sibling.getprevious()
        return f"{above}/{name}[{position}]"

    return path_of


def _top_finder(
    tops: dict[etree._Element, etree._Element],
) -> Callable[[etree._Element], etree._Element]:
    """A function giving the top of an element's part (see :func:`locate_all`), that
    works each ancestor's out once (into ``tops``, the caller's, to be cleared after)."""

    def top_of(el: etree._Element) -> etree._Element:
        parent = el.getparent()
        if parent is None or el.get(XML_BASE) is not None:
            return el
        above = tops.get(parent)
        if above is None:
            above = tops[parent] = top_of(parent)
        return above

    return top_of


def _counted(parent: etree._Element) -> dict[etree._Element, int]:
    """Each element child of ``parent`` with its position among same-named siblings."""
    counts: dict[object, int] = {}
    found = {}
    for child in parent.iterchildren(etree.Element):
        counts[child.tag] = counts.get(child.tag, 0) + 1
        found[child] = counts[child.tag]
    return found


def locate(node: etree._Element, default_file: str = "") -> Where:
    """File, line, column and XPath of ``node``, ready to unpack into a Diagnostic."""
    return {
        "file": display_path(file_of(node, default_file)),
        "line": node.sourceline or 0,
        "column": 0,
        "xpath": xpath_of(node),
    }


def element_at_line(
    tree: etree._ElementTree, line: int, file: str | None = None
) -> etree._Element | None:
    """The last element that starts on ``line`` (of ``file`` when given), else before it.

    libxml2 and xmlschema report lines; this gives such a report its XPath.
    """
    return line_finder(tree, file)(line)


def line_finder(
    tree: etree._ElementTree, file: str | None = None
) -> Callable[[int], etree._Element | None]:
    """:func:`element_at_line` for many lines of one tree: one walk, then a binary
    search per line (a walk per line was quadratic in a report of many findings)."""
    last: dict[int, etree._Element] = {}
    for el in tree.getroot().iter(etree.Element):
        line = el.sourceline
        if line is not None and (file is None or file_of(el) == file):
            last[line] = el  # the last one to start on its line, in document order
    lines = sorted(last)

    def at(line: int) -> etree._Element | None:
        i = bisect.bisect_right(lines, line)
        return last[lines[i - 1]] if i else None

    return at
