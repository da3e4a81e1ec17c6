"""The floor of a cold corpus run: what each file costs in the parts teikit cannot skip.

Why: issue 16 asks for ``teikit validate --jobs 2`` over 10,000 generated files in at most
half of jing's time. Whether any runner can get there on this machine is a question of
arithmetic, not of tuning: every file must be read, parsed and judged, and on two cores
the parts that cannot be avoided, split perfectly, already take a certain time. This
script measures those parts one by one on the very corpus of ``scale.py`` (CPU time of
this process, each part in a pass of its own over all files), beside jing's run and
teikit's own, and prints the bound.

Parts, per file: reading the bytes; lxml's parse with teikit's locked-down parser;
libxml2's RelaxNG check against tei_all reduced to the corpus's names (the verdict teikit
uses, compiled once, before timing); the same check against a grammar that allows any
element and attribute (libxml2's cost of visiting a tree at all, the floor of any grammar
given to it); teikit's derivative walk (its own RelaxNG engine, with memo tables warmed on
these very documents: the most favourable case). Then teikit whole, in one fresh process
(``teikit.validate``, no cache, no deadline: every per-file cost but the pool's), and the
two commands of ``scale.py``: jing in one JVM and ``teikit validate --jobs 2``.

The bound: with the cheaper of the two verdicts and nothing else (no Python around the
engines, no wording of errors, no start-up, no discovery, no pool), two cores need
``(read + parse + min(check, walk)) / 2`` for the corpus.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar

from lxml import etree
from scale import BIN, ROOT, generate, measure  # benchmarks/scale.py, beside this script

T = TypeVar("T")
R = TypeVar("R")
#: Documents held in memory at once while a part is timed.
BATCH = 500
#: A grammar that allows any element with any attributes and any content.
ANYTHING = """<grammar xmlns="http://relaxng.org/ns/structure/1.0">
<start><ref name="any"/></start>
<define name="any"><element><anyName/>
<zeroOrMore><attribute><anyName/></attribute></zeroOrMore>
<zeroOrMore><choice><text/><ref name="any"/></choice></zeroOrMore>
</element></define></grammar>"""


def _each(step: Callable[[T], R], items: Sequence[T]) -> tuple[list[R], float]:
    """``step`` over ``items``, and the CPU seconds of this process it took."""
    began = time.process_time()
    out = [step(item) for item in items]
    return out, time.process_time() - began


def _batches(files: list[Path]) -> Iterable[list[Path]]:
    for i in range(0, len(files), BATCH):
        yield files[i : i + BATCH]


def parts(files: list[Path]) -> tuple[dict[str, float], list[Path]]:
    """CPU seconds of each part over all ``files`` (see the module's docstring), and
    the files the walk finds invalid."""
    from teikit.loading.parsing import _parse
    from teikit.validation.rng.relaxng import RelaxNG, _names
    from teikit.validation.rng.validator import walk
    from teikit.validation.schemas import stored_schema

    engine = RelaxNG.compile(stored_schema("tei_all"))
    derivatives = engine._derivatives()
    assert derivatives is not None, "tei_all is walked by teikit's derivative engine"
    spent = dict.fromkeys(("read", "parse", "check", "anything", "walk"), 0.0)
    elements: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    invalid: list[Path] = []
    for batch in _batches(files):
        data, secs = _each(Path.read_bytes, batch)
        spent["read"] += secs
        pairs_in = list(zip(data, map(str, batch), strict=True))
        trees, secs = _each(lambda pair: _parse(*pair), pairs_in)
        spent["parse"] += secs
        for tree in trees:
            found, carried = _names(tree.getroot())
            elements |= found
            pairs |= carried
    # the grammar a run compiles once its sample has shown the corpus's names
    reduced = engine._covering(frozenset(elements), frozenset(pairs))
    anything = etree.RelaxNG(etree.fromstring(ANYTHING))
    for batch in _batches(files):
        trees = [_parse(f.read_bytes(), str(f)) for f in batch]
        spent["check"] += _each(reduced.validate, trees)[1]
        spent["anything"] += _each(anything.validate, trees)[1]
        roots = [tree.getroot() for tree in trees]
        for root in roots:  # warm the memo tables on these very documents
            walk(derivatives, root)
        found, secs = _each(partial(walk, derivatives), roots)
        spent["walk"] += secs
        invalid += [f for f, findings in zip(batch, found, strict=True) if findings]
    return spent, invalid


def in_one_process(paths: list[Path]) -> float:
    """CPU seconds of a fresh Python process that validates ``paths`` with
    ``teikit.validate`` (imports, discovery, compiles and all), without cache or
    deadline: every cost of a run but the pool's."""
    code = "import sys; from teikit.validation import validate; validate(sys.argv[1:], 'tei_all')"
    return measure([sys.executable, "-c", code, *map(str, paths)])[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, help="an existing folder of TEI files instead")
    args = parser.parse_args()
    from run import byte_compile  # benchmarks/run.py, beside this script

    byte_compile()
    sys.path.insert(0, str(ROOT / "src"))
    from teikit.validation.schemas import stored_schema

    work = Path(tempfile.mkdtemp(prefix="teikit-floor-"))
    try:
        if args.corpus:
            corpus = args.corpus.resolve()
            files = sorted(corpus.rglob("*.xml"))
        else:
            corpus = work / "corpus"
            files = generate(args.files, corpus)
        n = len(files)
        jing = measure([str(BIN / "pyjing"), str(stored_schema("tei_all")), *map(str, files)])
        cli = [str(BIN / "teikit"), "validate", "-q", "--schema", "tei_all", "--jobs", "2"]
        jobs2 = measure([*cli, str(corpus)], {"TEIKIT_NO_CACHE": "1"})
        spent, invalid = parts(files)
        whole = in_one_process([corpus])
        explained = in_one_process(invalid) if invalid else 0.0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    verdict = min(spent["check"], spent["walk"])
    floor = (spent["read"] + spent["parse"] + verdict) / 2
    target = jing[0] / 2
    rest = whole - spent["read"] - spent["parse"] - spent["check"]
    rows = [
        ("read the bytes", spent["read"]),
        ("parse (lxml, teikit's parser)", spent["parse"]),
        ("libxml2 RelaxNG check, tei_all reduced to the corpus's names", spent["check"]),
        ("libxml2 RelaxNG check, a grammar allowing anything", spent["anything"]),
        ("teikit's derivative walk, memo warm", spent["walk"]),
        ("teikit.validate in one process, whole", whole),
        (f"teikit.validate in one process, the {len(invalid)} invalid files alone", explained),
    ]
    print(f"{n} files, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the end\n")
    print("| part | CPU s | ms per file |\n| --- | ---: | ---: |")
    for name, secs in rows:
        print(f"| {name} | {secs:.2f} | {secs / n * 1000:.3f} |")
    print(
        f"\njing, one JVM: {jing[0]:.2f} s wall ({jing[1]:.1f} s CPU); the target, half of "
        f"it: {target:.2f} s.\nteikit --jobs 2 measured: {jobs2[0]:.2f} s wall "
        f"({jobs2[1]:.1f} s CPU), {jobs2[0] / jing[0]:.2f}× jing.\n"
        f"teikit in one process, split perfectly over 2 cores: {whole / 2:.2f} s, "
        f"{whole / 2 / jing[0]:.2f}× jing.\n"
        f"Floor (read + parse + the cheaper verdict, nothing else, 2 cores): {floor:.2f} s, "
        f"{floor / jing[0]:.2f}× jing: the target is "
        f"{'within' if floor <= target else 'beyond'} reach of these engines "
        f"({'leaving' if floor <= target else 'short by'} {abs(target - floor):.2f} s "
        f"for everything else).\nEverything else, as teikit spends it in one process "
        f"(whole − read − parse − check, 2 cores): {rest / 2:.2f} s; a run over the "
        f"{len(invalid)} invalid files alone, its start included: {explained / 2:.2f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
