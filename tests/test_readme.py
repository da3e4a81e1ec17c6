"""Every command the README shows works as the README says.

The README's shell examples and its Python example are run here, in a scratch copy of
the edition and the schemas, so a renamed flag or a changed default cannot leave the
documentation wrong. (``make build`` and ``make test`` are run by CI itself.)
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def teikit_commands() -> list[str]:
    """The `teikit …` lines of the README's sh blocks, comments removed."""
    lines = []
    for block in blocks("sh"):
        for line in block.splitlines():
            command = line.split(" #", 1)[0].strip()
            if command.startswith("teikit "):
                lines.append(command)
    return lines


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A folder laid out like the repository's top level: tei/, schemas/, dist/."""
    shutil.copytree(ROOT / "tei", tmp_path / "tei")
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    (tmp_path / "dist").mkdir()
    return tmp_path


def test_readme_shows_the_quick_start() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make build" in quick and "make test" in quick


def test_readme_has_teikit_commands() -> None:
    assert len(teikit_commands()) >= 5


@pytest.mark.parametrize("command", teikit_commands())
def test_readme_command_exits_zero(command: str, scratch: Path, tei_all: Path) -> None:
    argv = shlex.split(command)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


def test_readme_python_example_runs(scratch: Path) -> None:
    (code,) = [b for b in blocks("python") if "import teikit" in b][:1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=scratch, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_make_build_left_the_three_formats_in_dist() -> None:
    """CI's `make test` runs `make build` first; its outputs must be there."""
    dist = ROOT / "dist"
    if not dist.is_dir():
        if IN_CI:
            pytest.fail("dist/ is missing: `make test` should have run `make build` first")
        pytest.skip("run `make build` first")
    stem = "problems-of-development-of-the-ussr-1931"
    for suffix in (".html", ".txt", ".epub"):
        assert (dist / f"{stem}{suffix}").stat().st_size > 10_000
