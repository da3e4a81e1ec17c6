"""Isolation: a file that hangs, crashes its worker, or whose schema fails costs that file
only; every other file is validated, ``-o`` still writes the report, Ctrl-C stops the
run at once and leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.security.conftest import Attack, tei

from helpers.hostile import ENDLESS_SCHEMATRON, rules_by_file

FAILING = (
    '<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
    '<sch:ns prefix="tei" uri="http://www.tei-c.org/ns/1.0"/>\n'
    '<sch:pattern><sch:rule context="tei:p">\n'
    '<sch:assert test="xs:integer(.) gt 0">a number</sch:assert>\n'
    "</sch:rule></sch:pattern></sch:schema>\n"
)


def _pi(href: str) -> str:
    return f'<?xml-model href="{href}" schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'


def _corpus(attack: Attack, bad_schema: str) -> None:
    """a.xml and c.xml are fine (their PI names a harmless schema); b.xml names
    ``bad_schema``."""
    attack.write(
        "rules/ok.sch",
        ENDLESS_SCHEMATRON.replace("f:loop(1)", "'fine'").replace(
            'test="true()"', 'test="false()"'
        ),
    )
    attack.write("rules/bad.sch", bad_schema)
    attack.write("tei/a.xml", tei(before=_pi("../rules/ok.sch")))
    attack.write("tei/b.xml", tei(before=_pi("../rules/bad.sch")))
    attack.write("tei/c.xml", tei(before=_pi("../rules/ok.sch")))


def test_a_file_that_never_ends_times_out_and_the_others_are_validated(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    # b.xml never ends; a.xml and c.xml need a few hundredths of a second of CPU each
    outcome = attack.run("validate", "-q", "--timeout", "1", "-f", "json", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(outcome.stdout)) == (
        2,
        {"a.xml": [], "b.xml": ["load:timeout"], "c.xml": []},
    ), outcome.output
    assert outcome.seconds < 20


def test_validate_takes_the_deadline_from_the_project_configuration(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    attack.write("pyproject.toml", "[tool.teikit]\ntimeout = 1\n")
    outcome = attack.run("validate", "-q", "-f", "json", "tei", timeout=30)  # no --timeout
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(outcome.stdout)) == (
        2,
        {"a.xml": [], "b.xml": ["load:timeout"], "c.xml": []},
    ), outcome.output


def test_a_schematron_failing_at_run_time_is_that_files_error(attack: Attack) -> None:
    _corpus(attack, FAILING)
    outcome = attack.run("validate", "-q", "-f", "json", "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(outcome.stdout)) == (
        2,
        {"a.xml": [], "b.xml": ["sch:run-failed"], "c.xml": []},
    ), outcome.output


def test_a_schematron_that_does_not_compile_is_that_files_error(attack: Attack) -> None:
    _corpus(attack, FAILING.replace("xs:integer(.) gt 0", "((("))
    outcome = attack.run("validate", "-q", "-f", "json", "tei")
    attack.assert_safe(outcome)
    found = rules_by_file(outcome.stdout)
    assert (outcome.code, found["a.xml"], found["c.xml"]) == (2, [], []), outcome.output
    assert any(rule == "sch:schema-invalid" for rules in found.values() for rule in rules)


def test_a_relaxng_schema_that_does_not_compile_is_that_files_error(
    attack: Attack, tmp_path: Path
) -> None:
    attack.write(
        "rules/broken.rng",
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">\n'
        '<start><ref name="nowhere"/></start></grammar>\n',
    )
    attack.write("tei/a.xml", tei())
    attack.write(
        "tei/b.xml",
        tei(
            before='<?xml-model href="../rules/broken.rng" '
            'schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
        ),
    )
    attack.write("tei/c.xml", tei('<p><ref target="#nobody">x</ref></p>'))
    target = tmp_path / "report.json"
    outcome = attack.run("validate", "-q", "--no-cache", "-f", "json", "-o", str(target), "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, rules_by_file(target.read_text(encoding="utf-8"))) == (
        2,
        # located on the schema, as sch:schema-invalid is: the fix is made there
        {
            "a.xml": [],
            "b.xml": [],
            "broken.rng": ["rng:schema-invalid"],
            "c.xml": ["ref:unresolved"],
        },
    ), outcome.output


def test_the_report_is_written_with_o_when_files_fail(attack: Attack, tmp_path: Path) -> None:
    _corpus(attack, FAILING)
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    outcome = attack.run("validate", "-q", "-f", "json", "-o", str(target), "tei")
    attack.assert_safe(outcome)
    assert (outcome.code, sorted(rules_by_file(target.read_text(encoding="utf-8")))) == (
        2,
        ["a.xml", "b.xml", "c.xml"],
    )


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.extend(int(x) for x in text.split())
    return found


def _start(attack: Attack, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "teikit.cli", *args],
        cwd=attack.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TEIKIT_TEST_SECRET": attack.secret},
    )


def _worker_of(proc: subprocess.Popen[str], seconds: float = 20.0) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kids = _children(proc.pid)
        if kids:
            return kids[0]
        time.sleep(0.05)
    raise AssertionError("no worker process appeared")


def _wait_for_cpu(pid: int, seconds: float, wall: float = 60.0) -> None:
    """Wait until process ``pid`` has used ``seconds`` of CPU: a worker past its small
    first file and busy with the endless one, however loaded the machine (a fixed sleep
    is too long on a quiet machine and may be too short on a loaded one)."""
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + wall
    while time.monotonic() < deadline:
        fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
        if (int(fields[11]) + int(fields[12])) / tick >= seconds:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} did not use {seconds} s of CPU")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"


def test_a_killed_worker_costs_its_file_only(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    before = sorted(attack.folder.rglob("*"))
    proc = _start(attack, "validate", "-q", "--timeout", "60", "-f", "json", "tei")
    try:
        worker = _worker_of(proc)
        _wait_for_cpu(worker, 0.5)  # a.xml (0.02 s) is done, b.xml is running for ever
        os.kill(worker, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert attack.secret not in out + err and "Traceback" not in err
    assert (attack.loopback.hits, sorted(attack.folder.rglob("*"))) == ([], before)
    assert (proc.returncode, rules_by_file(out)) == (
        2,
        {"a.xml": [], "b.xml": ["load:worker-died"], "c.xml": []},
    ), out + err


def test_ctrl_c_stops_at_once_and_leaves_no_process(attack: Attack) -> None:
    _corpus(attack, ENDLESS_SCHEMATRON)
    before = sorted(attack.folder.rglob("*"))
    proc = _start(attack, "validate", "-q", "--timeout", "60", "tei")
    try:
        worker = _worker_of(proc)
        _wait_for_cpu(worker, 0.5)  # busy with the endless file
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        took = time.monotonic() - start
    finally:
        proc.kill()
    assert (proc.returncode, "Traceback" in err, took < 5) == (130, False, True), err
    assert not _alive(worker)
    assert attack.secret not in out + err
    assert (attack.loopback.hits, sorted(attack.folder.rglob("*"))) == ([], before)
