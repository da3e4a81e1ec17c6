"""The composite GitHub Action: pinned third-party actions, caches keyed right, and the
validate step's script (run here with bash and the real teikit) honouring ``fail-on``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import DATA as TEST_DATA
from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
DATA = TEST_DATA / "tei-kinds"


def _script() -> str:
    step = next(s for s in STEPS if s.get("id") == "validate")
    text = step["run"]
    return text[text.index("# BEGIN validate") : text.index("# END validate")]


def test_every_third_party_action_is_pinned_by_a_full_commit_sha() -> None:
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses)


def test_the_schema_store_cache_is_keyed_on_the_lock() -> None:
    caches = [s["with"] for s in STEPS if str(s.get("uses", "")).startswith("actions/cache@")]
    keys = {c["path"]: c["key"] for c in caches}
    assert "hashFiles('teikit.lock', 'pyproject.toml')" in keys["~/.cache/teikit-action/schemas"]


def test_pip_downloads_are_cached() -> None:
    caches = [
        s["with"]["path"] for s in STEPS if str(s.get("uses", "")).startswith("actions/cache@")
    ]
    assert "~/.cache/teikit-action/pip" in caches


def test_fail_on_is_an_input_defaulting_to_error() -> None:
    assert ACTION["inputs"]["fail-on"]["default"] == "error"


def _run(tmp_path: Path, fail_on: str, doc: Path, schemas: str = "references") -> tuple[int, str]:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    output = tmp_path / "github-output"
    env = {
        **os.environ,
        "TEIKIT_PATHS": str(doc),
        "TEIKIT_SCHEMAS": schemas,
        "TEIKIT_FETCH": "false",
        "TEIKIT_FAIL_ON": fail_on,
        "TEIKIT_FORMAT": "text",
        "TEIKIT_OUTPUT": "",
        "TEIKIT_JOBS": "1",
        "GITHUB_OUTPUT": str(output),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", _script()],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    return done.returncode, output.read_text()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "letter.xml"
    path.write_text(
        (DATA / "letter.xml")
        .read_text()
        .replace('ref="#anna">Anna</persName>,', 'ref="#nobody">Anna</persName>,')
    )
    return path


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    """Clean but for one warning: a schema that cannot be had, downgraded on purpose."""
    (tmp_path / "pyproject.toml").write_text('[tool.teikit]\nunavailable = "warning"\n')
    path = tmp_path / "poem.xml"
    text = (DATA / "poem.xml").read_text()
    path.write_text(text.replace("?>\n", '?>\n<?xml-model href="https://example.org/s.rng"?>\n', 1))
    return path


def test_fail_on_error_fails_on_findings(tmp_path: Path, broken: Path) -> None:
    assert _run(tmp_path, "error", broken) == (1, "exit-code=1\n")


def test_fail_on_never_reports_but_passes(tmp_path: Path, broken: Path) -> None:
    assert _run(tmp_path, "never", broken) == (0, "exit-code=1\n")


def test_fail_on_warning_fails_on_a_warning(tmp_path: Path, warned: Path) -> None:
    assert _run(tmp_path, "warning", warned, schemas="")[0] == 1


def test_fail_on_error_passes_a_warning(tmp_path: Path, warned: Path) -> None:
    assert _run(tmp_path, "error", warned, schemas="")[0] == 0


def test_an_unknown_fail_on_is_an_input_error(tmp_path: Path, broken: Path) -> None:
    assert _run(tmp_path, "sometimes", broken) == (2, "exit-code=2\n")
