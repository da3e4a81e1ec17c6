"""[tool.teikit] (or teikit.toml): found by walking up, parsed strictly, CLI flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from teikit import config
from teikit.diagnostics import UsageError


def _project(tmp_path: Path, table: str, file: str = "pyproject.toml") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".git").mkdir()
    header = "[tool.teikit]\n" if file == "pyproject.toml" else ""
    (root / file).write_text(
        '[project]\nname = "x"\n\n' * (file == "pyproject.toml") + header + table
    )
    return root


def test_settings_are_read_from_pyproject(tmp_path: Path) -> None:
    root = _project(tmp_path, 'paths = ["tei"]\nexclude = ["tei/drafts/**"]\ntimeout = 30\n')
    found = config.load(root)
    assert (found.root, found.paths, found.exclude, found.timeout) == (
        root,
        ("tei",),
        ("tei/drafts/**",),
        30.0,
    )


def test_settings_are_read_from_teikit_toml(tmp_path: Path) -> None:
    root = _project(tmp_path, 'paths = ["letters"]\n', file="teikit.toml")
    assert config.load(root).paths == ("letters",)


def test_the_configuration_is_found_from_a_subfolder(tmp_path: Path) -> None:
    root = _project(tmp_path, 'paths = ["tei"]\n')
    (root / "tei" / "deep").mkdir(parents=True)
    assert config.load(root / "tei" / "deep").root == root


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.teikit]\npaths = ["outside"]\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert config.load(repo).root is None


def test_a_pyproject_without_a_teikit_table_is_no_configuration(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert config.load(tmp_path) == config.Config()


def test_an_unknown_key_is_a_usage_error(tmp_path: Path) -> None:
    root = _project(tmp_path, 'exlcude = ["drafts"]\n')
    with pytest.raises(UsageError, match="exlcude"):
        config.load(root)


@pytest.mark.parametrize(
    "table",
    [
        'paths = "tei", 3\n'.replace(", 3", "") + "timeout = -1\n",
        'unavailable = "ignore"\n',
        'fetch = "yes"\n',
        'mirrors = ["x"]\n',
        "per-file-schemas = 3\n",
        "jobs = 0\n",
        "memory-limit = -5\n",
    ],
)
def test_malformed_values_are_usage_errors(tmp_path: Path, table: str) -> None:
    root = _project(tmp_path, table)
    with pytest.raises(UsageError):
        config.load(root)


def test_per_file_schemas_are_kept_in_order(tmp_path: Path) -> None:
    root = _project(
        tmp_path, '[tool.teikit.per-file-schemas]\n"letters/**" = ["tei_all"]\n"**" = ["teikit"]\n'
    )
    assert config.load(root).per_file == (("letters/**", ("tei_all",)), ("**", ("teikit",)))


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    root = _project(
        tmp_path, 'fetch = true\nallow-hosts = ["a.example"]\nunavailable = "warning"\n'
    )
    settings = config.load(root).settings(
        fetch=False, allow_hosts=("b.example",), unavailable="error"
    )
    assert (
        settings.access.fetch,
        settings.access.allow_hosts,
        settings.unavailable,
        settings.root,
    ) == (False, ("a.example", "b.example"), "error", root)


def test_the_file_wins_over_the_defaults(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "fetch = true\n[tool.teikit.mirrors]\n"
        '"https://www.tei-c.org/Vault/P5/" = "http://127.0.0.1:9/Vault/P5/"\n',
    )
    access = config.load(root).settings().access
    assert (access.fetch, access.mirrors) == (
        True,
        (("https://www.tei-c.org/Vault/P5/", "http://127.0.0.1:9/Vault/P5/"),),
    )


def test_the_lock_table_is_not_an_unknown_key(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        'paths = ["tei"]\n\n[tool.teikit.schemas]\n'
        '"tei_all@4.3.0" = { sha256 = "ab", source = "x" }\n',
    )
    assert config.load(root).paths == ("tei",)


def test_a_folder_with_only_a_teikit_lock_is_a_project_root(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "teikit.lock").write_text("[schemas]\n")
    (root / "tei").mkdir()
    found = config.load(root / "tei")
    assert (found.root, found.configured, found.settings().root) == (root, False, root)


def test_a_teikit_table_is_a_configuration(tmp_path: Path) -> None:
    assert config.load(_project(tmp_path, 'paths = ["tei"]\n')).configured


@pytest.mark.parametrize(
    ("table", "flags", "bounds"),
    [
        ("", (None, None), (60.0, 2048)),
        ("timeout = 5\nmemory-limit = 512\n", (None, None), (5.0, 512)),
        ("timeout = 5\nmemory-limit = 512\n", (7.0, 256), (7.0, 256)),
        ("timeout = 5\n", (0.0, 0), (None, None)),
        ("timeout = 0\nmemory-limit = 0\n", (None, None), (None, None)),
    ],
    ids=["defaults", "file", "flags-win", "zero-switches-off", "zero-in-the-file-too"],
)
def test_the_per_document_bounds(
    tmp_path: Path,
    table: str,
    flags: tuple[float | None, int | None],
    bounds: tuple[float | None, int | None],
) -> None:
    assert config.load(_project(tmp_path, table)).bounds(*flags) == bounds
