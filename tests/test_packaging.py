"""The wheel carries teikit's schemas and stylesheets and works outside the checkout.

A user who runs ``pip install teikit`` has no ``schemas/`` or ``xslt/`` beside the code,
so this builds the wheel, installs it into a fresh virtual environment in a temporary
folder and runs the console script there. Dependencies are taken from the test
environment (a path entry, not an install), so the test needs no network.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import EDITION, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (found,) = out.glob("teikit-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with only the wheel installed into it."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # dependencies (lxml, saxonche, …) from this environment; teikit itself from the wheel
    Path(site, "teikit-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return env_dir


def test_wheel_contains_schemas_and_stylesheets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "teikit/schemas/teikit.rng",
        "teikit/schemas/teikit.sch",
        "teikit/schemas/teikit.xsd",
        "teikit/schemas/teikit.odd",
        "teikit/xslt/html.xsl",
        "teikit/xslt/text.xsl",
    ):
        assert required in names, f"{required} missing from {wheel.name}"


def test_wheel_marks_the_package_as_typed(wheel: Path) -> None:
    """PEP 561: without py.typed, mypy users of ``teikit.validate`` get no checking."""
    assert "teikit/py.typed" in zipfile.ZipFile(wheel).namelist()


def test_wheel_registers_the_pytest_plugin(wheel: Path) -> None:
    """``pytest --teikit`` works only if pytest finds the plugin through this entry point."""
    archive = zipfile.ZipFile(wheel)
    (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = archive.read(name).decode("utf-8")
    section = text.split("[pytest11]", 1)[1].split("[", 1)[0]
    assert [line.replace(" ", "") for line in section.split("\n") if line.strip()] == [
        "teikit=teikit.pytest_plugin"
    ]


def test_installed_wheel_imports_from_its_own_site_packages(installed: Path) -> None:
    out = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import teikit.resources as r; print(r.schemas_dir())",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=installed,
    ).stdout
    assert str(installed) in out and str(ROOT) not in out


def test_installed_wheel_reports_its_version(installed: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "teikit"), "--version"],
        capture_output=True,
        text=True,
        cwd=installed,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("teikit ")


def test_installed_wheel_builds_the_edition(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "teikit"), "build", str(EDITION), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    stem = EDITION.stem
    for suffix in (".html", ".txt", ".epub"):
        assert (tmp_path / f"{stem}{suffix}").stat().st_size > 1000
