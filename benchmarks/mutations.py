"""Deterministic single-fault mutations of TEI files, and jing's first error line for each.

Why: verdict equality on a corpus that is all valid never exercises the invalid path,
and "the first error is on jing's line" needs many faults of the kinds encoders make.
Each mutation changes one thing (an element removed, an unknown element inserted, an
attribute value broken), chosen by a seeded random generator so that every run, in CI
and in the benchmark, sees the same files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from faults import jing_errors, lift_tail
from lxml import etree

TEI = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Attributes whose TEI datatype rejects a value with a space in it.
BREAKABLE = (f"{{{XML_NS}}}id", f"{{{XML_NS}}}lang", "type", "when")
KINDS = ("remove", "insert", "attribute")


@dataclass(frozen=True)
class Mutation:
    """One mutated copy: where it was written and what was done to which file."""

    path: Path
    source: Path
    kind: str
    detail: str


def _mutate(tree: etree._ElementTree, kind: str, rng: random.Random) -> str | None:
    elements = [e for e in tree.getroot().iter(etree.Element) if e.getparent() is not None]
    if kind == "remove":
        victim = rng.choice(elements)
        lift_tail(victim).remove(victim)
        return f"removed <{etree.QName(victim).localname}> (line {victim.sourceline})"
    if kind == "insert":
        parent = rng.choice(elements)
        index = rng.randint(0, len(parent))
        intruder = etree.Element(f"{{{TEI}}}unknownElement")
        intruder.tail = parent[index - 1].tail if index and len(parent) else None
        if index and len(parent):
            parent[index - 1].tail = None
        parent.insert(index, intruder)
        return (
            f"inserted <unknownElement> into <{etree.QName(parent).localname}> "
            f"(line {parent.sourceline})"
        )
    candidates = [(e, a) for e in elements for a in BREAKABLE if e.get(a) is not None]
    if not candidates:
        return None
    el, attr = rng.choice(candidates)
    el.set(attr, "not a valid value")
    return (
        f"broke @{etree.QName(attr).localname} of <{etree.QName(el).localname}> "
        f"(line {el.sourceline})"
    )


def generate(sources: list[Path], count: int, out_dir: Path, seed: int = 1931) -> list[Mutation]:
    """``count`` mutated copies of files from ``sources`` in ``out_dir`` (kinds in turn)."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Mutation] = []
    attempt = 0
    while len(made) < count and attempt < count * 5:
        attempt += 1
        source = rng.choice(sources)
        kind = KINDS[len(made) % len(KINDS)]
        tree = etree.parse(str(source), etree.XMLParser(resolve_entities=False, no_network=True))
        detail = _mutate(tree, kind, rng)
        if detail is None:
            continue
        path = out_dir / f"m{len(made):04d}-{kind}-{source.name}"
        tree.write(str(path), encoding="UTF-8", xml_declaration=True)
        made.append(Mutation(path, source, kind, detail))
    return made


def jing_first_errors(schema: Path, files: list[Path]) -> dict[str, int | None]:
    """jing's first error line per file (None when valid), all files in one JVM."""
    return {
        file: errors[0][0] if errors else None
        for file, errors in jing_errors(schema, files).items()
    }
