"""Seeded multi-error mutants of real TEI files, jing's full error list for them, and the
scores that compare teikit's diagnostics with jing's.

Why: diagnostics are only as good as their agreement with the reference validator on
the errors encoders really make, several at once: elements out of order, a required
child missing, an element moved where it does not belong, stray text, misspelt element
and attribute names, values of the wrong datatype, duplicate identifiers. Each mutant
gets :data:`FAULTS` of them, chosen by a seeded generator, so every run (CI and the
benchmark) sees the same files; jing runs once, in one JVM, over all of them.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

TEI = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
FAULTS = 3
#: Misspellings an encoder makes (case, a dropped or doubled letter).
_SLIPS = ("lower", "drop", "double")


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter(etree.Element) if e.getparent() is not None]


def lift_tail(el: etree._Element) -> etree._Element:
    """Hand ``el``'s tail to the text before it and return ``el``'s parent, so that
    removing or moving ``el`` removes or moves the element only, not the text after it."""
    tail, el.tail = el.tail, None
    parent = el.getparent()
    assert parent is not None
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    return parent


def _remove(root: etree._Element, rng: random.Random) -> str | None:
    victim = rng.choice(_elements(root))
    lift_tail(victim).remove(victim)
    return f"removed <{etree.QName(victim).localname}>"


def _swap(root: etree._Element, rng: random.Random) -> str | None:
    pairs = [
        e
        for e in _elements(root)
        if e.getnext() is not None and isinstance(e.getnext().tag, str) and e.getnext().tag != e.tag
    ]
    if not pairs:
        return None
    first = rng.choice(pairs)
    second = first.getnext()
    assert second is not None
    first.tail, second.tail = second.tail, first.tail
    first.addnext(second)  # moves second before first
    second.addnext(first)
    return f"swapped <{etree.QName(first).localname}> and <{etree.QName(second).localname}>"


def _move(root: etree._Element, rng: random.Random) -> str | None:
    elements = _elements(root)
    victim = rng.choice(elements)
    target = rng.choice(elements)
    if victim in target.iterancestors() or victim is target:
        return None
    lift_tail(victim)
    target.insert(rng.randint(0, len(target)), victim)
    return f"moved <{etree.QName(victim).localname}> into <{etree.QName(target).localname}>"


def _text(root: etree._Element, rng: random.Random) -> str | None:
    parents = [e for e in _elements(root) if len(e)]
    if not parents:
        return None
    parent = rng.choice(parents)
    child = parent[rng.randint(0, len(parent) - 1)]
    child.tail = " stray words " + (child.tail or "")
    return f"text after <{etree.QName(child).localname}>"


def _misspell(name: str, rng: random.Random) -> str:
    slip = rng.choice(_SLIPS)
    if slip == "lower" and name != name.lower():
        return name.lower()
    i = rng.randint(1, max(1, len(name) - 1))
    if slip == "drop" and len(name) > 3:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i - 1] + name[i:]


def _rename(root: etree._Element, rng: random.Random) -> str | None:
    victim = rng.choice(_elements(root))
    qn = etree.QName(victim)
    victim.tag = (
        f"{{{qn.namespace}}}{_misspell(qn.localname, rng)}"
        if qn.namespace
        else (_misspell(qn.localname, rng))
    )
    return f"renamed <{qn.localname}> to <{etree.QName(victim).localname}>"


def _rename_attribute(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [(e, k) for e in _elements(root) for k in e.attrib if "}" not in k]
    if not candidates:
        return None
    el, key = rng.choice(candidates)
    value = el.attrib.pop(key)
    el.set(_misspell(key, rng), value)
    return f"renamed @{key}"


def _datatype(root: etree._Element, rng: random.Random) -> str | None:
    candidates = [
        (e, a)
        for e in _elements(root)
        for a in ("when", "notBefore", "notAfter", "from", "to", XML_ID, "n", "type", "unit")
        if e.get(a) is not None
    ]
    if not candidates:
        return None
    el, attr = rng.choice(candidates)
    el.set(attr, rng.choice(("10 July 1843", "not a valid value", "", "12.5.1931")))
    return f"broke @{etree.QName(attr).localname}"


def _duplicate_id(root: etree._Element, rng: random.Random) -> str | None:
    having = [e for e in _elements(root) if e.get(XML_ID)]
    others = _elements(root)
    if not having:
        return None
    source = rng.choice(having)
    target = rng.choice(others)
    if target is source:
        return None
    target.set(XML_ID, source.get(XML_ID, ""))
    return f"duplicated xml:id {source.get(XML_ID)}"


def _unknown(root: etree._Element, rng: random.Random) -> str | None:
    parent = rng.choice(_elements(root))
    intruder = etree.Element(f"{{{TEI}}}unknownElement")
    parent.insert(rng.randint(0, len(parent)), intruder)
    return f"inserted <unknownElement> into <{etree.QName(parent).localname}>"


KINDS: dict[str, Callable[[etree._Element, random.Random], str | None]] = {
    "remove": _remove,
    "swap": _swap,
    "move": _move,
    "text": _text,
    "rename": _rename,
    "attribute": _rename_attribute,
    "datatype": _datatype,
    "duplicate-id": _duplicate_id,
    "unknown": _unknown,
}


@dataclass(frozen=True)
class Mutant:
    """One mutated copy: where it is, which file it came from, what was done."""

    path: Path
    source: Path
    faults: tuple[str, ...]


def generate(
    sources: list[Path], count: int, out_dir: Path, seed: int = 1931, faults: int = FAULTS
) -> list[Mutant]:
    """``count`` copies of files from ``sources``, each with ``faults`` faults of
    different kinds, written to ``out_dir`` without any DOCTYPE."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    made: list[Mutant] = []
    kinds = sorted(KINDS)
    while len(made) < count:
        source = sources[len(made) % len(sources)]
        root = etree.parse(str(source), parser).getroot()
        done = []
        for kind in rng.sample(kinds, k=min(faults, len(kinds))):
            detail = KINDS[kind](root, rng)
            if detail:
                done.append(detail)
        path = out_dir / f"f{len(made):04d}-{source.stem}.xml"
        path.write_bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True))
        made.append(Mutant(path, source, tuple(done)))
    return made


_JING = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?:error|fatal): (?P<msg>.*)")


def jing_errors(schema: Path, files: list[Path]) -> dict[str, list[tuple[int, int, str]]]:
    """jing's errors (line, column, message) per file, all files in one JVM."""
    pyjing = Path(sys.executable).with_name("pyjing")
    out = subprocess.run(
        [str(pyjing), str(schema), *map(str, files)], capture_output=True, text=True, check=False
    ).stdout
    found: dict[str, list[tuple[int, int, str]]] = {str(f): [] for f in files}
    for line in out.splitlines():
        m = _JING.match(line)
        if m and m["file"] in found:
            found[m["file"]].append((int(m["line"]), int(m["col"]), m["msg"]))
    return found


@dataclass(frozen=True)
class Scores:
    """How teikit's diagnostics compare with jing's over a set of files."""

    jing_lines: int
    our_lines: int
    matched: int
    named_equal: int
    element_level: int
    with_column: int
    missed: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.matched / self.jing_lines if self.jing_lines else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.our_lines if self.our_lines else 1.0

    @property
    def names(self) -> float:
        return self.named_equal / self.matched if self.matched else 1.0


_QUOTED = re.compile(r'(?:element|attribute|ID|IDREF) "([^"]+)"')
_OURS = re.compile(r"</?([\w:.-]+)>|@([\w:.-]+)|\b(?:xml:)?id=\"([^\"]*)\"|@?[\w:]+=\"([^\"]*)\"")


def _jing_name(message: str) -> str:
    """The element, attribute or ID jing's message is about: the first quoted name
    before its ``;`` (after it come the names that would have been allowed)."""
    m = _QUOTED.search(message.split(";", 1)[0])
    return m.group(1) if m else ""


def _our_names(message: str) -> set[str]:
    return {g for m in _OURS.finditer(message) for g in m.groups() if g}


def compare(
    jing: dict[str, list[tuple[int, int, str]]], ours: dict[str, list[tuple[int, int, str, str]]]
) -> Scores:
    """Error lines of jing and of teikit ((line, column, rule, message) per file)
    compared: recall, precision, whether the name jing's message gives is named by a
    teikit message on that line, and whether element-level diagnostics have columns."""
    jl = ol = matched = named = level = columns = 0
    missed: list[str] = []
    extra: list[str] = []
    for file, theirs in jing.items():
        mine = ours.get(file, [])
        j_lines = {line for line, _, _ in theirs}
        o_lines = {line for line, _, _, _ in mine}
        jl, ol = jl + len(j_lines), ol + len(o_lines)
        matched += len(j_lines & o_lines)
        for line in sorted(j_lines & o_lines):
            wanted = {_jing_name(m) for ln, _, m in theirs if ln == line} - {""}
            said = set().union(*(_our_names(m) for ln, _, _, m in mine if ln == line))
            named += bool(not wanted or wanted & said)
        missed += [f"{file}:{ln}: {m}" for ln, _, m in theirs if ln not in o_lines]
        extra += [f"{file}:{ln}: {m}" for ln, _, _, m in mine if ln not in j_lines]
        for _, col, rule, _ in mine:
            if rule.startswith("rng:"):
                level += 1
                columns += col > 0
    return Scores(jl, ol, matched, named, level, columns, tuple(missed), tuple(extra))


def dictionary_with_errors(source: Path, errors: int, out: Path, seed: int = 1000) -> Path:
    """``source`` (a FreeDict dictionary) with ``errors`` faults spread evenly over its
    entries, one per entry, kinds in turn: a misspelt element, a misspelt attribute,
    children out of order, stray text, an unknown element."""
    rng = random.Random(seed)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(source), parser).getroot()
    entries = [e for e in root.iter(f"{{{TEI}}}entry") if len(e) > 1]
    step = max(1, len(entries) // errors)
    for i, entry in enumerate(entries[::step][:errors]):
        inner = [e for e in entry.iter(etree.Element) if e is not entry]
        kind = i % 5
        if kind == 0:
            victim = rng.choice(inner)
            qn = etree.QName(victim)
            victim.tag = f"{{{qn.namespace}}}{_misspell(qn.localname, rng)}"
        elif kind == 1:
            victim = rng.choice(inner)
            victim.set(_misspell(next(iter(victim.attrib), "type"), rng), "x")
        elif kind == 2:
            entry[0].addprevious(entry[1])
        elif kind == 3:
            entry[0].tail = "stray words" + (entry[0].tail or "")
        else:
            entry.insert(1, etree.Element(f"{{{TEI}}}unknownElement"))
    out.write_bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True))
    return out
