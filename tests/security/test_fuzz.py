"""Seeded fuzzing: byte and structure mutations of real TEI files never make teikit
crash, hang or invent an exit code. One command line run validates all mutants (as a
corpus would be), so the test stays well under half a minute."""

from __future__ import annotations

import json
import random
from pathlib import Path

from lxml import etree

from tests.security.conftest import Attack

SEED = 20261201
MUTANTS_PER_SOURCE = 10
TEI = "{http://www.tei-c.org/ns/1.0}"

#: Fragments an attacker (or a broken editor) might splice in.
SPLICES = [
    b"<!DOCTYPE TEI [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;",
    b"\xff\xfe",
    b"<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='/etc/passwd'/>",
    b"<?xml-model href='/etc/x.sch'?>",
    b"]]>",
    b"<![CDATA[",
    b"\x00",
    b"&#0;",
    b"<" * 40,
    b"xml:id='a' xml:id='a'",
    b"\r\n::error::x\n",
]


def _sources() -> list[Path]:
    from conftest import CASES

    found = sorted(p for p in CASES.glob("*/*.xml") if p.stat().st_size < 20_000)
    return random.Random(SEED).sample(found, min(20, len(found)))


def _bytes(data: bytes, rng: random.Random) -> bytes:
    """One byte-level mutation: flip, cut, splice, repeat or drop a span."""
    pos = rng.randrange(max(1, len(data)))
    kind = rng.randrange(5)
    if kind == 0:
        return data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1 :]
    if kind == 1:
        return data[:pos]
    if kind == 2:
        return data[:pos] + rng.choice(SPLICES) + data[pos:]
    span = data[pos : pos + rng.randrange(1, 200)]
    return (
        data[:pos] + span * rng.randrange(2, 50) + data[pos:]
        if kind == 3
        else data[:pos] + data[pos + len(span) :]
    )


def _structure(data: bytes, rng: random.Random) -> bytes:
    """One tree-level mutation of a well-formed file: rename, move, nest deep, add odd
    attributes or pointers; the file stays well-formed so the engines are reached."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return _bytes(data, rng)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    el = rng.choice(elements)
    kind = rng.randrange(5)
    if kind == 0:
        el.tag = TEI + rng.choice(["p", "div", "ref", "TEI", "listPrefixDef", "x" * 300])
    elif kind == 1 and el is not root:
        host = rng.choice(elements)
        if host is not el and el not in host.iterancestors():
            host.append(el)
    elif kind == 2:
        for _ in range(rng.randrange(50, 240)):
            el = etree.SubElement(el, TEI + "seg")
    elif kind == 3:
        el.set(
            rng.choice(
                ["ref", "target", "corresp", "n", "{http://www.w3.org/XML/1998/namespace}base"]
            ),
            rng.choice(
                [
                    "#nowhere",
                    "../../../etc/passwd#x",
                    "evil:aaaaaaaaaaaaaaaab",
                    "file:///etc/passwd",
                    "http://127.0.0.1:9/x",
                    "\u202e" * 10,
                ]
            ),
        )
    else:
        prefix = etree.SubElement(
            el,
            TEI + "prefixDef",
            ident="evil",
            matchPattern=rng.choice(["(a+)+$", "(", "(a)\\1", ".*"]),
            replacementPattern="#$1$9",
        )
        prefix.tail = ""
    return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True)


def test_mutated_real_files_end_in_a_documented_exit_code(attack: Attack) -> None:
    rng = random.Random(SEED)
    count = 0
    for source in _sources():
        data = source.read_bytes()
        for i in range(MUTANTS_PER_SOURCE):
            mutate = _bytes if i % 2 else _structure
            # folder and name: two cases may share a name (missing.xml)
            attack.write(f"mutants/{source.parent.name}-{source.stem}-{i}.xml", mutate(data, rng))
            count += 1
    outcome = attack.run(
        "validate",
        "-q",
        "--no-cache",
        "--timeout",
        "20",
        "-j",
        "2",
        "-f",
        "json",
        "--schema",
        "teikit",
        "mutants",
        timeout=240,
    )
    attack.assert_safe(outcome)
    report = json.loads(outcome.stdout)
    assert outcome.code in (0, 1, 2), outcome.output
    # a mutant whose root is no longer TEI is skipped with an info when found in a folder
    skipped = [d for d in report["diagnostics"] if d["rule"] == "load:skipped-not-tei"]
    assert len(report["files"]) + len(skipped) == count
    assert not [
        d
        for d in report["diagnostics"]
        if d["rule"] in ("load:internal-error", "load:worker-died", "load:timeout")
    ], outcome.stdout
    assert outcome.seconds < 60


def test_mutated_real_files_transform_or_refuse_cleanly(attack: Attack) -> None:
    rng = random.Random(SEED + 1)
    sources = _sources()[:4]
    for n, source in enumerate(sources):
        attack.write(f"m{n}.xml", _structure(source.read_bytes(), rng))
        outcome = attack.run("transform", f"m{n}.xml", "--to", "text", timeout=60)
        attack.assert_safe(outcome)
        assert outcome.code in (0, 1, 2), outcome.output
