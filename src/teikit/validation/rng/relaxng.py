"""RelaxNG validation on libxml2 (lxml), with libxml2's error log turned into Diagnostics.

libxml2 reports RelaxNG failures as typed log entries (``RELAXNG_ERR_ELEMWRONG``…)
carrying a line but no file for XIncluded nodes and no XPath; this module maps each
type to a stable ``rng:`` rule code, rewrites the message into something a TEI encoder
can act on and locates it through :mod:`teikit.locations`.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from teikit.diagnostics import Diagnostic, TeikitError, error
from teikit.locations import element_at_line, file_of, locate
from teikit.validation.rng.grammar import Grammar
from teikit.validation.rng.grammar import index as grammar_index

if TYPE_CHECKING:
    from teikit.document import Document

#: libxml2 error type name → rule code. One code per thing an encoder has to fix;
#: types not listed become ``rng:invalid``.
RULES: dict[str, str] = {
    "RELAXNG_ERR_ELEMWRONG": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMNAME": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMWRONGNS": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMNONS": "rng:element-not-allowed",
    "RELAXNG_ERR_ELEMEXTRANS": "rng:element-not-allowed",
    "RELAXNG_ERR_INTEREXTRA": "rng:element-not-allowed",
    "RELAXNG_ERR_EXTRACONTENT": "rng:element-not-allowed",
    "RELAXNG_ERR_NOELEM": "rng:element-missing",
    "RELAXNG_ERR_INTERSEQ": "rng:element-missing",
    "RELAXNG_ERR_INVALIDATTR": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRNAME": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRNONS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRWRONGNS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTREXTRANS": "rng:attribute-not-allowed",
    "RELAXNG_ERR_ATTRVALID": "rng:attribute-invalid",
    "RELAXNG_ERR_TYPE": "rng:value-invalid",
    "RELAXNG_ERR_TYPEVAL": "rng:value-invalid",
    "RELAXNG_ERR_TYPECMP": "rng:value-invalid",
    "RELAXNG_ERR_DATATYPE": "rng:value-invalid",
    "RELAXNG_ERR_VALUE": "rng:value-invalid",
    "RELAXNG_ERR_LIST": "rng:value-invalid",
    "RELAXNG_ERR_LISTEXTRA": "rng:value-invalid",
    "RELAXNG_ERR_LISTEMPTY": "rng:value-invalid",
    "RELAXNG_ERR_DATAELEM": "rng:value-invalid",
    "RELAXNG_ERR_VALELEM": "rng:value-invalid",
    "RELAXNG_ERR_LISTELEM": "rng:value-invalid",
    "RELAXNG_ERR_DUPID": "rng:duplicate-id",
    "RELAXNG_ERR_TEXTWRONG": "rng:text-not-allowed",
    "RELAXNG_ERR_NOTELEM": "rng:text-not-allowed",
    "RELAXNG_ERR_ELEMNOTEMPTY": "rng:element-not-empty",
    "RELAXNG_ERR_CONTENTVALID": "rng:content-invalid",
}
GENERIC = "rng:invalid"

#: Types by which libxml2 blames an element's attributes.
_ATTRIBUTE_TYPES = {"RELAXNG_ERR_ATTRVALID", "RELAXNG_ERR_INVALIDATTR",
                    "RELAXNG_ERR_ATTRNAME", "RELAXNG_ERR_ATTRNONS",
                    "RELAXNG_ERR_ATTRWRONGNS", "RELAXNG_ERR_ATTREXTRANS"}


class _Failure:
    """A stand-in log entry: the content failed, libxml2 only blamed attributes."""

    type_name = "RELAXNG_ERR_CONTENTVALID"
    message = "Element content does not validate."
    line = 0


_CONTENT_FAILED: etree._LogEntry = _Failure()  # type: ignore[assignment]

#: Types that only repeat, at an ancestor, a failure reported more precisely below it.
_ECHOES = {"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERNODATA", "RELAXNG_ERR_NOSTATE"}

_HINTS: dict[str, str] = {
    "rng:element-not-allowed": "Move or remove it, or check its name and namespace.",
    "rng:element-missing": "Add the missing element.",
    "rng:attribute-not-allowed": "Remove the attribute or check its name.",
    "rng:attribute-invalid": "Check that required attributes are present and their values "
    "are allowed.",
    "rng:value-invalid": "Use a value of the type the schema requires.",
    "rng:text-not-allowed": "Wrap the text in an element allowed here, or remove it.",
}

_lock = threading.Lock()
_compiled: dict[tuple[str, str], RelaxNG] = {}
#: (resolved path, mtime_ns, size) → the engine compiled from those bytes.
_by_stat: dict[tuple[str, int, int], RelaxNG] = {}
#: Compiled reduced grammars kept per schema (one per element set met, most recent last).
MEMO_SIZE = 64
#: Most element names a grammar reduced for several documents at once may keep.
UNION_LIMIT = 250
#: Children probed one by one to find the one an element does not allow.
MAX_PROBES = 400


def _clean(message: str) -> str:
    """libxml2's wording, without its C-isms (``{ns}name`` → ``name``, stray spaces)."""
    text = re.sub(r"\{[^}]*\}", "", message.strip())
    text = re.sub(r"\s+", " ", text)
    return text if text.endswith(".") else text + "."


def _local(clark: str) -> str:
    return clark.rpartition("}")[2]


class RelaxNG:
    """A RelaxNG schema; compile once per process, validate many documents.

    For a schema :mod:`teikit.validation.rng.grammar` can reduce (tei_all and other
    single-file grammars), each document is validated against the grammar reduced to
    the element names it uses, compiled once per element set; when a document is
    invalid, :meth:`_localise` pins each error to the smallest failing element.
    Other schemas are compiled whole, once.
    """

    def __init__(self, path: Path, data: bytes, sha256: str) -> None:
        self.path = path
        self.sha256 = sha256
        self._data = data
        self._grammar: Grammar = grammar_index(data, sha256, str(path))
        self._full: etree.RelaxNG | None = None
        self._memo: OrderedDict[tuple[str, str | None, frozenset[str]], etree.RelaxNG] = (
            OrderedDict())
        self._lock = threading.Lock()
        self._met: frozenset[str] = frozenset()
        self._met_attrs: frozenset[str] = frozenset()
        #: (element names, attribute names, compiled) per reduced grammar, newest last.
        self._reduced: list[tuple[frozenset[str], frozenset[str], etree.RelaxNG]] = []

    @classmethod
    def compile(cls, path: str | Path) -> RelaxNG:
        """The schema at ``path``, cached per process by path and content hash (an
        edited schema is indexed again, an unchanged one never twice)."""
        p = Path(path)
        try:
            stat = p.stat()
            seen = (str(p.resolve()), stat.st_mtime_ns, stat.st_size)
            with _lock:
                known = _by_stat.get(seen)
            if known is not None:  # unchanged on disk: no need to read and hash 1 MB again
                return known
            data = p.read_bytes()
        except OSError as exc:
            raise TeikitError(f"Cannot read the RelaxNG schema {p}: {exc.strerror}.") from None
        key = (seen[0], hashlib.sha256(data).hexdigest())
        with _lock:
            found = _compiled.get(key)
            if found is None:
                try:
                    found = cls(p, data, key[1])
                except etree.XMLSyntaxError as exc:
                    raise TeikitError(f"The RelaxNG schema {p} is not well-formed XML: "
                                      f"{exc}.") from None
                if not found._grammar.reducible:
                    found._full = _compile_bytes(data, p)
                _compiled[key] = found
            _by_stat[seen] = found
            return found

    @property
    def reducible(self) -> bool:
        """Whether documents are validated against per-document reduced grammars."""
        return self._grammar.reducible

    def _validator(self, kind: str, element: str | None, present: frozenset[str]
                   ) -> etree.RelaxNG:
        """The compiled grammar of ``kind`` (reduced, standalone, own) for an element set."""
        if self._full is not None:
            return self._full
        key = (kind, element, present)
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                return found
        g = self._grammar
        if kind == "reduced":
            data = g.reduced(present)
        elif kind == "standalone":
            data = g.standalone(element or "", present)
        elif kind == "content":
            data = g.own_level(element or "", present, attributes=False)
        else:
            data = g.own_level(element or "", present)
        compiled = _compile_bytes(data, self.path)
        with self._lock:
            self._memo[key] = compiled
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return compiled

    def _check(self, schema: etree.RelaxNG, target: etree._ElementTree | etree._Element
               ) -> list[etree._LogEntry] | None:
        """None when ``target`` is valid, else libxml2's log entries."""
        with self._lock:  # an lxml validator keeps its error log on the object
            if schema.validate(target):
                return None
            return list(schema.error_log)

    def _widest(self) -> tuple[frozenset[str], frozenset[str], etree.RelaxNG] | None:
        """The reduced grammar compiled last: each is reduced to the union of all
        element and attribute names met before, so it is the widest one."""
        with self._lock:
            return self._reduced[-1] if self._reduced else None

    def _covering(self, present: frozenset[str], attrs: frozenset[str]) -> etree.RelaxNG:
        """A compiled reduced grammar exact for a document with elements ``present``
        and attribute names ``attrs``.

        Any grammar reduced to *supersets* of these is exact too (a name a document
        lacks cannot matter), so one already compiled is reused when it covers them;
        otherwise the grammar is reduced to them together with every name this
        process has met so far (up to :data:`UNION_LIMIT` element names). In a corpus
        run the union stops growing after a few files, and from then on each file
        costs one validation and no compile.
        """
        if self._full is not None:
            return self._full
        with self._lock:
            for names, anames, compiled in reversed(self._reduced):
                if present <= names and attrs <= anames:
                    return compiled
            if len(present | self._met) <= UNION_LIMIT:
                present, attrs = present | self._met, attrs | self._met_attrs
            self._met, self._met_attrs = self._met | present, self._met_attrs | attrs
        compiled = _compile_bytes(self._grammar.reduced(present, attrs), self.path)
        with self._lock:
            self._reduced.append((present, attrs, compiled))
            del self._reduced[:-MEMO_SIZE]
        return compiled

    def expect(self, docs: list[Document]) -> None:
        """Compile, once, a grammar reduced for all of ``docs`` (and every name met
        before): a batch that announces its documents saves a compile per new name."""
        if self._full is not None or not docs:
            return
        found = [_names(d.root) for d in docs]
        self._covering(frozenset().union(*(e for e, _ in found)),
                       frozenset().union(*(a for _, a in found)))

    def validate(self, doc: Document) -> list[Diagnostic]:
        """Every RelaxNG error in ``doc`` as a located Diagnostic (empty when valid).

        A reduced grammar matches a subset of what the full one matches (only
        patterns were turned into ``notAllowed``), so a document valid against the
        widest grammar compiled so far is valid, full stop: that check needs no walk
        over the document's names. Only a failure needs the exact element and
        attribute names, to tell a real error from a name the grammar was not reduced
        for.
        """
        if self._full is not None:
            entries = self._check(self._full, doc.tree)
            return [] if entries is None else _diagnostics(entries, doc)
        widest = self._widest()
        if widest is not None:
            entries = self._check(widest[2], doc.tree)
            if entries is None:
                return []
        present, attrs = _names(doc.root)
        if widest is None or not (present <= widest[0] and attrs <= widest[1]):
            entries = self._check(self._covering(present, attrs), doc.tree)
            if entries is None:
                return []
        found = self._localise(doc, present)
        if found:
            return found
        # libxml2's own report, from the grammar reduced to exactly this document's names:
        # the wider grammars above give the same verdict, but their wording would depend
        # on which documents this process happened to validate before
        own = self._check(self._validator("reduced", None, present), doc.tree)
        return _diagnostics(own or entries or [], doc)

    # -- precision --------------------------------------------------------------------

    def _localise(self, doc: Document, present: frozenset[str]) -> list[Diagnostic]:
        """Errors pinned to the smallest failing elements, in document order.

        An element's subtree is valid exactly when it matches its define on its own
        (a TEI element name has one define, so context cannot change that). From the
        root down, only children whose subtree fails standalone are entered; at each
        failing element its own level (attributes, the sequence of its children, text)
        is checked with its children accepted as anything, so what fails there is this
        element's own fault and libxml2's report of it is specific.
        """
        g = self._grammar
        out: list[Diagnostic] = []
        if not g.defines_of(doc.root.tag):
            return []  # declared inline (not one define per element): libxml2's report
        stack = [doc.root]
        while stack:
            el = stack.pop()
            own = self._check(self._validator("own", el.tag, present), el)
            if own is not None:
                out.extend(self._explain(el, own, doc, present))
            allowed = set(g.content_names(el.tag, clark=True))
            for child in el.iterchildren(etree.Element):
                if child.tag not in allowed or not g.defines_of(child.tag):
                    continue  # matched by a wildcard, or unknown: el's own level says so
                if self._check(self._validator("standalone", child.tag, present),
                               child) is not None:
                    stack.append(child)
        out.sort(key=lambda d: (d.file, d.line, d.column, d.rule))
        return out

    def _attribute_problem(self, el: etree._Element, entry: etree._LogEntry, rule: str,
                           text: str) -> tuple[str, str]:
        """Rule and message for an attribute error, said the way jing says it.

        libxml2 writes "Invalid attribute X" both for an attribute the element does not
        declare and for a declared one with a bad value, and "failed to validate
        attributes" for a missing required one; the grammar tells them apart.
        """
        name = _local(el.tag)
        parent = el.getparent()
        declared, required = self._grammar.attribute_names(
            el.tag, parent.tag if parent is not None else None)
        said = re.search(r"attribute (\S+) for element", entry.message)
        if said:
            found = _attribute_named(el, said.group(1))
            known = "*" in declared or any(_local(d) == said.group(1) for d in declared)
            if found and known:
                return "rng:value-invalid", self._bad_value(el, found[0], found[1])
            shown = found[0] if found else said.group(1)
            return ("rng:attribute-not-allowed", f"Attribute {shown} is not allowed on "
                    f"<{name}>. Remove it or check its name.")
        missing = sorted(r for r in required if r not in el.attrib)
        if rule == "rng:attribute-invalid" and missing:
            shown = ", ".join(("xml:" + _local(m)) if m.startswith(
                "{http://www.w3.org/XML/1998/") else _local(m) for m in missing)
            return ("rng:attribute-invalid", f"Element <{name}> is missing required "
                    f"attribute {shown}. Add it.")
        for key, value in el.attrib.items():  # a closed list the value is not on
            allowed = self._grammar.attribute_values(
                el.tag, key, parent.tag if parent is not None else None)
            if allowed is not None and value not in allowed:
                return "rng:value-invalid", self._bad_value(el, _shown(key), value)
        return rule, (f"{text} Attributes of <{name}>: {_attributes(el)}. "
                      f"{_HINTS.get(rule, '')}").strip()

    def _bad_value(self, el: etree._Element, shown: str, value: str) -> str:
        """The message for a bad attribute value, naming the allowed values when the
        grammar has a closed list of them (as jing does)."""
        parent = el.getparent()
        key = next((k for k in el.attrib if _shown(k) == shown), shown)
        allowed = self._grammar.attribute_values(
            el.tag, key, parent.tag if parent is not None else None)
        said = f'The value of attribute {shown}="{value}" is not allowed on <{_local(el.tag)}>.'
        if allowed:
            listed = ", ".join(f'"{v}"' for v in allowed)
            return f"{said} Use one of: {listed}."
        return f"{said} Use the form the schema gives for it."

    def _culprit(self, el: etree._Element, present: frozenset[str]) -> etree._Element | None:
        """The first child whose removal makes ``el``'s own level valid, if any.

        Probes run on a shallow copy (children with a define become empty stubs, which
        the own-level grammar accepts), so each costs one small validation.
        """
        own = self._validator("own", el.tag, present)
        kids = [k for k in el if isinstance(k.tag, str)]
        for i, suspect in enumerate(kids[:MAX_PROBES]):
            copy = etree.Element(el.tag, attrib=dict(el.attrib), nsmap=el.nsmap)
            copy.text = el.text
            for j, k in enumerate(kids):
                if j == i:
                    continue
                stub = (etree.SubElement(copy, k.tag) if self._grammar.defines_of(k.tag)
                        else _append_copy(copy, k))
                stub.tail = k.tail
            if self._check(own, copy) is None:
                return suspect
        return None

    def _explain(self, el: etree._Element, entries: list[etree._LogEntry], doc: Document,
                 present: frozenset[str]) -> list[Diagnostic]:
        """Diagnostics for one element whose own level fails, placed where jing would
        place them: an unexpected child at its start tag, a missing one at the end tag,
        attributes at the start tag, stray text at the next tag after it."""
        default = str(doc.path) if doc.path else ""
        name = _local(el.tag)
        may = self._grammar.content_names(el.tag)
        contains = _listing(may)
        out: list[Diagnostic] = []
        specific = [e for e in entries if e.type_name not in _ECHOES] or entries
        about_attributes = [e for e in specific if e.type_name in _ATTRIBUTE_TYPES]
        if about_attributes:
            # libxml2 reports a content error beside an attribute error, and blames the
            # attributes ("failed to validate attributes") for a content error; a check
            # with any attributes accepted tells which is real.
            if self._check(self._validator("content", el.tag, present), el) is None:
                specific = [e for e in specific if e.type_name in _ATTRIBUTE_TYPES
                            or RULES.get(e.type_name) == "rng:value-invalid"]
                if len(specific) > 1:  # the generic one only repeats a precise one
                    specific = [e for e in specific
                                if e.type_name != "RELAXNG_ERR_ATTRVALID"]
            else:
                named = [e for e in about_attributes
                         if e.type_name != "RELAXNG_ERR_ATTRVALID"]
                content = [e for e in specific if e.type_name not in _ATTRIBUTE_TYPES]
                specific = named + (content or [_CONTENT_FAILED])
        for entry in specific:
            rule = RULES.get(entry.type_name, GENERIC)
            where = locate(el, default)
            text = _clean(entry.message)
            if rule in ("rng:element-not-allowed", "rng:content-invalid"):
                # libxml2 often blames the first child of a sequence it could not
                # finish; the culprit is the child whose removal makes this level pass,
                # and when there is none, the element is incomplete (at its end tag).
                child = self._culprit(el, present)
                early = None if child is not None else _child_named(
                    el, _names_in(entry.message), entry.line)
                if child is None and early is not None and entry.type_name in (
                        "RELAXNG_ERR_ELEMWRONG", "RELAXNG_ERR_ELEMNAME"):
                    # No child is extra, yet the sequence breaks at this one: something
                    # required before it is missing (jing: "not allowed yet").
                    rule = "rng:element-not-allowed"
                    where = locate(early, default)
                    text = (f"Element <{_local(early.tag)}> is not allowed here yet in "
                            f"<{name}>: an element required before it is missing. <{name}> "
                            f"may contain: {contains}.")
                elif child is None:
                    rule = "rng:element-missing"
                    where["line"] = _end_line(el)
                    text = (f"Element <{name}> is incomplete or its children are out of "
                            f"order. <{name}> may contain: {contains}.")
                else:
                    rule = "rng:element-not-allowed"
                    where = locate(child, default)
                    text = (f"Element <{_local(child.tag)}> is not allowed here in <{name}>. "
                            f"<{name}> may contain: {contains}.")
            elif rule == "rng:element-missing":
                wanted = _names_in(entry.message)
                where["line"] = _end_line(el)
                text = (f"Element <{name}> is incomplete: missing required element "
                        f"{', '.join(f'<{w}>' for w in wanted) or 'content'}.")
            elif rule == "rng:text-not-allowed":
                where["line"] = _after_text_line(el)
                text = (f"Text is not allowed directly in <{name}>. <{name}> may contain: "
                        f"{contains}.")
            elif rule in ("rng:attribute-not-allowed", "rng:attribute-invalid",
                          "rng:value-invalid"):
                rule, text = self._attribute_problem(el, entry, rule, text)
            hint = _HINTS.get(rule)
            if hint and rule not in ("rng:element-not-allowed", "rng:text-not-allowed",
                                     "rng:content-invalid", "rng:attribute-not-allowed",
                                     "rng:attribute-invalid", "rng:value-invalid"):
                text = f"{text} {hint}"
            out.append(error(rule, text, **where))
        # One diagnostic per rule and line; of two about a missing child, the one that
        # names it.
        chosen: dict[tuple[int, str], Diagnostic] = {}
        for d in out:
            key = (d.line, d.rule)
            if key not in chosen or "missing required element <" in d.message:
                chosen[key] = d
        return list(chosen.values())


def _shown(key: str) -> str:
    """An attribute's Clark name as users write it (``xml:id``, ``type``)."""
    local = _local(key)
    return f"xml:{local}" if key.startswith("{http://www.w3.org/XML/1998/") else local


def _attribute_named(el: etree._Element, local: str) -> tuple[str, str] | None:
    """(name as written, value) of ``el``'s attribute with local name ``local``."""
    for key, value in el.attrib.items():
        if _local(key) == local:
            return _shown(key), value
    return None


def _names(root: etree._Element) -> tuple[frozenset[str], frozenset[str]]:
    """The element and attribute names (Clark) used in a document.

    Two passes beat one: ``map`` over lxml's element iterator, and libxml2's XPath for
    the attributes (no element proxy per attribute-bearing element); ~1.3 µs an
    element, the dearest step on a single large file.
    """
    tags = frozenset(map(attrgetter("tag"), root.iter(etree.Element)))
    attrs = frozenset(map(attrgetter("attrname"), root.xpath("//@*")))
    return tags, attrs


def _append_copy(parent: etree._Element, node: etree._Element) -> etree._Element:
    from copy import deepcopy

    clone = deepcopy(node)
    parent.append(clone)
    return clone


def _listing(names: list[str], limit: int = 25) -> str:
    if not names:
        return "nothing but text or nothing at all"
    shown = ", ".join(f"<{n}>" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _attributes(el: etree._Element) -> str:
    items = [f'{_local(k)}="{v}"' for k, v in el.attrib.items()]
    return " ".join(items) if items else "none"


def _names_in(message: str) -> list[str]:
    """Element names libxml2 mentions, in order (``Expecting element a, got b``)."""
    names = re.findall(r"(?:\{[^}]*\})?([A-Za-z_][\w.-]*)", re.sub(
        r"^(Did not expect element|Expecting an element|Expecting element|Element|Extra "
        r"element)\s+", "", message.strip()))
    stop = {"there", "got", "nothing", "has", "extra", "content", "in", "interleave", "for",
            "element", "failed", "to", "validate"}
    return [n for n in names if n not in stop]


def _child_named(el: etree._Element, names: list[str], line: int) -> etree._Element | None:
    """The child of ``el`` libxml2 is talking about: by name and line, else by line."""
    kids = list(el.iterchildren(etree.Element))
    for want in reversed(names):
        for k in kids:
            if _local(k.tag) == want and (k.sourceline == line or not line):
                return k
        for k in kids:
            if _local(k.tag) == want:
                return k
    for k in kids:
        if line and k.sourceline == line:
            return k
    return None


def _newlines(text: str | None) -> int:
    return text.count("\n") if text else 0


def _end_line(node: etree._Element) -> int:
    """The line of ``node``'s end tag: lxml keeps only start lines (the line of a start
    tag's ``>``, and of a comment's end), so count the newlines after them."""
    if not isinstance(node.tag, str):  # comment or PI: sourceline is its last line
        return node.sourceline or 0
    children = list(node)
    if children:
        last = children[-1]
        return _end_line(last) + _newlines(last.tail)
    return (node.sourceline or 0) + _newlines(node.text)


def _after_text_line(el: etree._Element) -> int:
    """The line of the first tag after the first non-blank text directly in ``el``."""
    if el.text and el.text.strip():
        first = next(iter(el), None)
        return first.sourceline or 0 if first is not None else _end_line(el)
    children = list(el)
    for i, child in enumerate(children):
        if child.tail and child.tail.strip():
            nxt = children[i + 1] if i + 1 < len(children) else None
            return (nxt.sourceline or 0) if nxt is not None else _end_line(el)
    return el.sourceline or 0


def _compile_bytes(data: bytes, path: Path) -> etree.RelaxNG:
    try:
        tree = etree.ElementTree(etree.fromstring(data, etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False), base_url=str(path)))
        return etree.RelaxNG(tree)
    except (etree.XMLSyntaxError, etree.RelaxNGParseError) as exc:
        raise TeikitError(f"The RelaxNG schema {path} cannot be compiled: {exc}.") from None


def _diagnostics(entries: list[etree._LogEntry], doc: Document) -> list[Diagnostic]:
    default = str(doc.path) if doc.path else ""
    specific = [e for e in entries if e.type_name not in _ECHOES]
    chosen = specific or entries
    out: list[Diagnostic] = []
    seen: set[tuple[int, str, str]] = set()
    for entry in chosen:
        rule = RULES.get(entry.type_name, GENERIC)
        node = element_at_line(doc.tree, entry.line) if entry.line else None
        where = locate(node, default) if node is not None else {
            "file": file_of(doc.root, default), "line": entry.line, "column": 0, "xpath": ""}
        message = _clean(entry.message)
        hint = _HINTS.get(rule)
        if hint:
            message = f"{message} {hint}"
        key = (entry.line, rule, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(error(rule, message, **where))
    return out
