"""A large document's grammars checked in a forked child beside its reference check
(teikit.validation.beside): the same report as without, whatever the child does, no
child left behind, and no fork where none is allowed.

Each case runs in a fresh single-threaded Python (pytest's own process may have
threads, where teikit never forks); ``os.fork`` is wrapped there to count the forks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from teikit.validation.beside import BESIDE_BYTES

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0">'
    "<teiHeader><fileDesc><titleStmt><title>T</title></titleStmt><publicationStmt><p>P</p>"
    "</publicationStmt><sourceDesc><p>S</p></sourceDesc></fileDesc></teiHeader><text><body>"
)

# What each case's Python runs first: os.fork counted, the document validated with the
# fork allowed (``beside.allowed``) and in the plain way, both reports printed.
PRELUDE = """
import json, os, sys
from pathlib import Path
from teikit.validation import beside
from teikit.validation.batch import Options, validate_path
MAIN = os.getpid()
forks = []
_fork = os.fork
def fork():
    pid = _fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = fork
from teikit.validation.rng import relaxng
here = []  # the grammar checks run in this process (not in a child)
_checked = relaxng.RelaxNG.validate
def checked(self, doc):
    if os.getpid() == MAIN:
        here.append(1)
    return _checked(self, doc)
relaxng.RelaxNG.validate = checked
from teikit.validation import references
placed = []  # the reference findings' start tags found in this process
_starts = references._Checker._starts
def starts(self, *args):
    if os.getpid() == MAIN:
        placed.append(1)
    return _starts(self, *args)
references._Checker._starts = starts
options = Options(schemas=("tei_all", "references"))
path = Path(sys.argv[1])
"""
COMPARE = """
with beside.allowed(LIMIT):
    split = validate_path(path, options)
checked_here, placed_here = len(here), len(placed)
alone = validate_path(path, options)
try:
    os.waitpid(-1, os.WNOHANG)
    left = True
except ChildProcessError:
    left = False
print(json.dumps({
    "forks": len(forks),
    "same": list(split) == list(alone) and split.input_error == alone.input_error,
    "findings": len(alone),
    "rules": sorted({d.rule for d in alone}),
    "children_left": left,
    "checked_here": checked_here,
    "placed_here": placed_here,
}))
"""


# The worker taking its time before it needs the child's answer, so that the child has
# done its grammars by then (else the worker withdraws its question: another test).
PATIENT = """
import time
_locate_all = references.locate_all
def locate_all(*args, **kwargs):
    if os.getpid() == MAIN:
        time.sleep(1)
    return _locate_all(*args, **kwargs)
references.locate_all = locate_all
"""


def _document(folder: Path, size: int, *, part: bool = False) -> Path:
    """A document of about ``size`` bytes with grammar errors (an unknown element every
    thousand items) and dangling pointers (every item); with ``part``, a part XIncluded
    (which the worker and the child each read)."""
    items = []
    n = 0
    while sum(map(len, items)) < size:
        bogus = "<bogus/>" if n % 1000 == 0 else ""
        items.append(f'<item>{bogus}<ref target="#missing{n}">x</ref></item>\n')
        n += 1
    path = folder / "large.xml"
    (folder / "part.xml").write_text(
        '<div xmlns="http://www.tei-c.org/ns/1.0"><p>Included.</p></div>\n', "utf-8"
    )
    include = (
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="part.xml"/>' if part else ""
    )
    path.write_text(f"{HEAD}<list>{''.join(items)}</list>{include}</body></text></TEI>\n", "utf-8")
    return path


def _run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory, tei_all: Path) -> Path:
    return _document(tmp_path_factory.mktemp("beside"), BESIDE_BYTES + 2**16)


@pytest.fixture(scope="module")
def including(tmp_path_factory: pytest.TempPathFactory, tei_all: Path) -> Path:
    return _document(tmp_path_factory.mktemp("including"), BESIDE_BYTES + 2**16, part=True)


def test_a_large_document_reads_the_same_with_its_grammars_checked_beside(large: Path) -> None:
    result = _run(PATIENT + "LIMIT = None\n" + COMPARE, str(large))
    assert result["forks"] == 1 and result["same"] is True
    assert result["rules"] == ["ref:unresolved", "rng:element-not-allowed"]
    assert result["checked_here"] == 0  # the child's findings were taken
    assert result["placed_here"] == 0  # and its answer: where the start tags end
    assert result["children_left"] is False  # the child was waited for


@pytest.mark.parametrize(
    "sabotage",
    [
        # the child dies in the grammar check
        "from teikit.validation.rng import relaxng\n"
        "_v = relaxng.RelaxNG.validate\n"
        "relaxng.RelaxNG.validate = lambda self, doc: "
        "os._exit(7) if os.getpid() != MAIN else _v(self, doc)\n",
        # the child raises
        "from teikit.validation.rng import relaxng\n"
        "_v = relaxng.RelaxNG.validate\n"
        "def _raise(self, doc):\n"
        "    if os.getpid() != MAIN:\n"
        "        raise RuntimeError('child')\n"
        "    return _v(self, doc)\n"
        "relaxng.RelaxNG.validate = _raise\n",
        # the child's peak memory is over the worker's limit
        "beside.over = lambda limit: os.getpid() != MAIN\n",
        # the child read other bytes of a file than the worker (edited meanwhile)
        "from teikit.loading import parsing\n"
        "_b = parsing.note_bytes\n"
        "parsing.note_bytes = lambda path, data: _b(path, data if os.getpid() == MAIN "
        "else data + b' ')\n"
        "from teikit.loading.scope import dependencies\n"
        "_vp = validate_path\n"
        "def validate_path(path, options):\n"
        "    with dependencies():\n"
        "        return _vp(path, options)\n",
        # the child planned other schemas than the worker (its answer still holds)
        "from teikit.validation import judging\n"
        "import dataclasses\n"
        "_p = judging._plan\n"
        "judging._plan = lambda *a: _p(*a) if os.getpid() == MAIN else "
        "dataclasses.replace(_p(*a), schemas=[])\n",
        # the child fails while answering the reference check's question
        "from teikit.validation.rng import positions\n"
        "positions.starts_in = lambda data, question: 1 / 0\n",
    ],
    ids=[
        "child-dies",
        "child-raises",
        "child-over-memory",
        "child-read-other-bytes",
        "child-planned-otherwise",
        "child-fails-to-answer",
    ],
)
def test_whatever_goes_wrong_in_the_child_the_worker_checks_and_reports_the_same(
    request: pytest.FixtureRequest, sabotage: str
) -> None:
    case = request.node.callspec.id
    # the child must read the bytes of a file itself to read other ones: an XIncluded
    # part (the reference check asks no question of a tree of several files)
    document = request.getfixturevalue("including" if "other-bytes" in case else "large")
    result = _run(PATIENT + sabotage + "LIMIT = 2048\n" + COMPARE, str(document))
    assert result["forks"] == 1 and result["same"] is True
    assert result["rules"] == ["ref:unresolved", "rng:element-not-allowed"]
    assert result["checked_here"] == 1  # the worker checked the grammars itself
    assert result["placed_here"] == (0 if "planned" in case else 1)


def test_a_question_the_child_is_too_busy_to_answer_is_withdrawn(
    large: Path, tmp_path: Path
) -> None:
    """When the worker needs the answer and the child is still at its grammars, the
    worker finds the start tags itself, and the child, done, answers nothing (it would
    only hold back its findings): the report is the same, the grammars still the
    child's."""
    answered = tmp_path / "answered"
    script = (
        "import time\n"
        "_slow = relaxng.RelaxNG.validate\n"
        "def slow(self, doc):\n"
        "    if os.getpid() != MAIN:\n"
        "        time.sleep(1.5)\n"
        "    return _slow(self, doc)\n"
        "relaxng.RelaxNG.validate = slow\n"
        "from teikit.validation.rng import positions\n"
        "_starts_in = positions.starts_in\n"
        "def starts_in(data, question):\n"
        f"    open({str(answered)!r}, 'w').close()\n"
        "    return _starts_in(data, question)\n"
        "positions.starts_in = starts_in\n"
        "LIMIT = None\n" + COMPARE
    )
    result = _run(script, str(large))
    assert result["forks"] == 1 and result["same"] is True
    assert result["checked_here"] == 0  # the child's grammars were taken
    assert result["placed_here"] == 1  # the worker did not wait for an answer
    assert not answered.exists()  # the child found the question withdrawn


def test_what_the_child_read_reaches_the_result_cache(large: Path) -> None:
    """A file an engine in the child notes (a schema it includes, say) is a dependency
    of the result, as if the worker had read it."""
    script = (
        "from teikit.loading.scope import dependencies, note_dependency\n"
        "from teikit.validation.rng import relaxng\n"
        "_v = relaxng.RelaxNG.validate\n"
        "def _noting(self, doc):\n"
        "    note_dependency('/nowhere/included-by-the-grammar.rng')\n"
        "    return _v(self, doc)\n"
        "relaxng.RelaxNG.validate = _noting\n"
        "with dependencies() as read, beside.allowed(None):\n"
        "    validate_path(path, options)\n"
        "print(json.dumps({'forks': len(forks), 'read': sorted(map(str, read))}))\n"
    )
    result = _run(script, str(large))
    assert result["forks"] == 1
    assert "/nowhere/included-by-the-grammar.rng" in result["read"]  # type: ignore[operator]


@pytest.mark.parametrize("case", ["library", "small", "grammars-only", "references-only"])
def test_no_fork_outside_a_worker_nor_for_a_small_document_nor_for_one_kind_of_check(
    large: Path, tmp_path: Path, case: str
) -> None:
    """A library caller's process is never forked; a small document is not worth it, nor
    is a run whose named schemas are all grammars, or the reference check alone (the
    child would only hold a second tree)."""
    target = large
    script = "with beside.allowed(None):\n    validate_path(path, options)\n"
    if case == "library":
        script = "validate_path(path, options)\n"
    elif case == "small":
        target = _document(tmp_path, BESIDE_BYTES // 4)
    else:
        named = "'tei_all'" if case == "grammars-only" else "'references'"
        script = f"options = Options(schemas=({named},))\n" + script
    result = _run(script + "print(json.dumps({'forks': len(forks)}))\n", str(target))
    assert result["forks"] == 0


def test_a_child_dies_with_its_worker(large: Path) -> None:
    """A worker stopped at its deadline (SIGKILL) leaves no child running: the child
    asked Linux to kill it with its parent."""
    if not sys.platform.startswith("linux"):
        pytest.skip("teikit forks beside only on Linux")
    script = (
        "import time\n"
        "with beside.allowed(None), beside.start(lambda: time.sleep(120), 2**30):\n"
        "    print(json.dumps({'child': forks[0]}), flush=True)\n"
        "    time.sleep(120)\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + script, str(large)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        child = json.loads(worker.stdout.readline())["child"]
        assert _alive(child)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return False
    return "\nState:\tZ" not in status and os.path.exists(f"/proc/{pid}")


def test_a_worker_whose_own_check_fails_still_waits_for_its_child(large: Path) -> None:
    """A bug in the worker's reference check (not a schema's failure: it propagates)
    leaves no child behind, running or unreaped."""
    script = (
        "from teikit.validation import references\n"
        "def _bug(doc):\n"
        "    raise RuntimeError('a bug')\n"
        "references.check = _bug\n"
        "try:\n"
        "    with beside.allowed(None):\n"
        "        validate_path(path, options)\n"
        "except RuntimeError:\n"
        "    pass\n"
        "try:\n"
        "    os.waitpid(-1, os.WNOHANG)\n"
        "    left = True\n"
        "except ChildProcessError:\n"
        "    left = False\n"
        "print(json.dumps({'forks': len(forks), 'children_left': left}))\n"
    )
    result = _run(script, str(large))
    assert result == {"forks": 1, "children_left": False}
