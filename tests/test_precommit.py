"""The pre-commit hook, run by pre-commit itself (``pre-commit try-repo``) on a small
project in a temporary git repository.

``teikit-validate-system`` is tested: it runs the teikit on PATH, so pre-commit builds no
hook environment and nothing is downloaded. ``teikit-validate`` (``language: python``)
has the same entry and file filter; its environment is built by ``pip install`` of this
repository, which needs a package index, so it is not run here (a test asserts the two
hooks stay identical apart from that).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import DATA as TEST_DATA
from conftest import ROOT

DATA = TEST_DATA / "tei-kinds"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CONFIG = (
    '[project]\nname = "edition"\n\n[tool.teikit]\npaths = ["tei"]\nexclude = ["tei/drafts/**"]\n'
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, tei_all: Path) -> Path:
    """A git repository with TEI (.xml and .tei), an SVG and a draft, all staged."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "edition"
    (root / "tei" / "drafts").mkdir(parents=True)
    (root / "pyproject.toml").write_text(CONFIG)
    shutil.copyfile(DATA / "letter.xml", root / "tei" / "letter.xml")
    shutil.copyfile(DATA / "poem.xml", root / "tei" / "poem.tei")
    (root / "tei" / "figure.xml").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (root / "tei" / "drafts" / "draft.xml").write_text("<TEI>not even well-formed")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    return root


def _try_repo(repo: Path, tmp_path: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout's hooks on ``files`` (the staged files of a
    commit), else on every file of ``repo``."""
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "teikit-validate-system",
            *(["--files", *files] if files else ["--all-files"]),
            "--verbose",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_hook_passes_a_valid_project(repo: Path, tmp_path: Path) -> None:
    """The SVG is skipped with an info; the malformed draft is excluded by [tool.teikit]."""
    done = _try_repo(repo, tmp_path)
    assert (
        done.returncode,
        "figure.xml: info [load:skipped-not-tei]" in done.stdout,
        "draft" in done.stdout,
    ) == (0, True, False), done.stdout + done.stderr


def test_the_hook_fails_on_a_dangling_ref_and_shows_it(repo: Path, tmp_path: Path) -> None:
    letter = repo / "tei" / "letter.xml"
    letter.write_text(
        letter.read_text().replace('ref="#anna">Anna</persName>,', 'ref="#nobody">Anna</persName>,')
    )
    _git(repo, "add", ".")
    done = _try_repo(repo, tmp_path)
    assert (done.returncode, "[ref:unresolved]" in done.stdout) == (1, True), done.stdout


def test_the_hook_checks_tei_files_too(repo: Path, tmp_path: Path) -> None:
    poem = repo / "tei" / "poem.tei"
    poem.write_text(poem.read_text().replace("<head>Rain</head>", "<head>Rain<oops/></head>"))
    _git(repo, "add", ".")
    done = _try_repo(repo, tmp_path)
    assert (done.returncode, "poem.tei" in done.stdout) == (1, True), done.stdout


def test_a_staged_chapter_alone_is_judged_inside_the_document_that_includes_it(
    repo: Path, tmp_path: Path
) -> None:
    """A commit that changes only an XIncluded part names only the part, which alone is
    not TEI: without its parent the hook skipped it and passed a broken chapter."""
    (repo / "tei" / "chapters").mkdir()
    (repo / "tei" / "book.xml").write_text(
        (DATA / "poem.xml")
        .read_text(encoding="utf-8")
        .replace(
            "</body>",
            '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="chapters/one.xml"/>'
            "</body>",
            1,
        ),
        encoding="utf-8",
    )
    chapter = repo / "tei" / "chapters" / "one.xml"
    chapter.write_text('<div xmlns="http://www.tei-c.org/ns/1.0"><p>Fine.</p></div>\n')
    _git(repo, "add", ".")
    assert _try_repo(repo, tmp_path, "tei/chapters/one.xml").returncode == 0
    chapter.write_text('<div xmlns="http://www.tei-c.org/ns/1.0"><p>Bad <oops/>.</p></div>\n')
    _git(repo, "add", ".")
    done = _try_repo(repo, tmp_path, "tei/chapters/one.xml")
    assert (done.returncode, "one.xml:1:" in done.stdout) == (1, True), done.stdout


def test_the_two_hooks_differ_only_in_how_teikit_is_installed() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    python, system = hooks["teikit-validate"], hooks["teikit-validate-system"]
    same = ("entry", "files", "types", "require_serial")
    assert ([python[k] for k in same], python["language"], system["language"]) == (
        [system[k] for k in same],
        "python",
        "system",
    )


def test_the_readme_pins_a_rev_that_exists_and_defines_the_hook() -> None:
    """pre-commit needs a tag or a full SHA; teikit has no tags, so the README shows a SHA,
    which must be a commit of this repository whose hooks file defines the hook it names."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# .pre-commit-config.yaml", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(block)
    repo = config["repos"][0]
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    if shallow == "true":
        pytest.skip("a shallow clone lacks the history the pinned rev is in")
    shown = subprocess.run(
        ["git", "show", f"{repo['rev']}:.pre-commit-hooks.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    ids = {hook["id"] for hook in yaml.safe_load(shown.stdout)}
    assert {hook["id"] for hook in repo["hooks"]} <= ids
    assert len(repo["rev"]) == 40
