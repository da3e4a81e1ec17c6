"""teikit.namespaces: each URI spelt once, and no module spells one again."""

from __future__ import annotations

import re

from teikit import namespaces

from conftest import ROOT

URI = re.compile(r"""["'{](https?://[^"'}\s]+|urn:[^"'}\s]+)""")
#: Modules allowed to spell namespace URIs: this one, and those being re-cut (issue 14).
ALLOWED = {"namespaces.py", "grammar.py", "relaxng.py"}


def test_clark_names() -> None:
    assert namespaces.clark(namespaces.TEI, "p") == "{http://www.tei-c.org/ns/1.0}p"


def test_no_module_repeats_a_namespace_uri() -> None:
    known = {v for v in vars(namespaces).values() if isinstance(v, str) and ":" in v}
    repeated = {}
    for path in (ROOT / "src" / "teikit").rglob("*.py"):
        if path.name in ALLOWED:
            continue
        found = set(URI.findall(path.read_text(encoding="utf-8"))) & known
        if found:
            repeated[path.name] = found
    assert repeated == {}
