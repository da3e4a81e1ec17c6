"""Fetching schemas: only when asked, only from allowed hosts, once, hashed and locked.

Every network test talks to a loopback server (tests/loopback.py) that stops itself;
catalogue addresses reach it through a ``mirrors`` setting whose host is allowed on
purpose, the way a user would point teikit at a mirror.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from teikit.diagnostics import TeikitError, UsageError
from teikit.validation import access, fetching, lock, store, validate
from teikit.validation.access import Access
from teikit.validation.schemas import Settings

from conftest import DATA as TEST_DATA
from helpers.loopback import Served, listener, serve

DATA = TEST_DATA / "validation"
MINI = DATA / "mini.rng"
VAULT_PATH = "Vault/P5/{version}/xml/tei/custom/schema/relaxng/{name}.rng"

#: TEI-valid, but not valid against mini.rng (which allows text only in <p>): a run that
#: reports rng errors for it has really used the fetched schema.
DOC = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-model href="{href}" type="application/xml" schematypens="http://relaxng.org/ns/structure/1.0"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt><title>T</title>
</titleStmt><publicationStmt><p>P</p></publicationStmt><sourceDesc><p>S</p></sourceDesc>
</fileDesc></teiHeader><text><body><p>A <hi>word</hi>.</p></body></text></TEI>
"""


@pytest.fixture(autouse=True)
def tmp_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEIKIT_SCHEMA_STORE", str(tmp_path / "store"))
    return tmp_path / "store"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project configured in pyproject.toml, so the lock goes there."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.teikit]\npaths = ["."]\n')
    return root


def _doc(folder: Path, href: str) -> Path:
    path = folder / "doc.xml"
    path.write_text(DOC.format(href=href), encoding="utf-8")
    return path


def _vault(tmp_path: Path, name: str, version: str, source: Path = MINI) -> Path:
    root = tmp_path / "www"
    target = root / VAULT_PATH.format(version=version, name=name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return root


def _vault_access(server: Served, allowed: bool = True) -> Access:
    """Fetching on, with the loopback ``server`` standing in for the TEI Vault (a mirror),
    its host allowed unless ``allowed`` is false."""
    return Access(
        fetch=True,
        allow_hosts=(server.authority,) if allowed else (),
        mirrors=(("https://www.tei-c.org/Vault/P5/", f"{server.base}/Vault/P5/"),),
    )


def test_an_unknown_remote_pi_is_unavailable_and_nothing_connects(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(root=project))
    assert (report.exit_code, [d.rule for d in report], server.connections) == (
        2,
        ["schema:unavailable"],
        0,
    )


def test_an_allowed_host_without_fetch_still_makes_no_connection(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        access = Access(fetch=False, allow_hosts=(server.authority,))
        report = validate([doc], settings=Settings(access=access, root=project))
    assert (report.exit_code, server.connections) == (2, 0)


def test_fetch_without_the_host_allowed_makes_no_connection(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(access=Access(fetch=True), root=project))
    assert (report.exit_code, server.connections) == (2, 0)


def test_the_unavailable_message_names_the_fix(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(root=project))
    assert f"--fetch --allow-host {server.authority}" in report.diagnostics[0].message


def test_the_unavailable_error_names_the_flag_that_downgrades_it(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(root=project))
    assert "--unavailable warning" in report.diagnostics[0].message


def test_the_downgraded_warning_does_not_advise_downgrading(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(root=project, unavailable="warning"))
    assert "--unavailable" not in report.diagnostics[0].message


@pytest.mark.parametrize(
    ("flags", "code"), [((), 2), (("--unavailable", "warning"), 0)], ids=["error", "downgraded"]
)
def test_the_cli_flag_downgrades_an_unavailable_pi(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flags: tuple[str, ...],
    code: int,
) -> None:
    from teikit.cli import main

    monkeypatch.chdir(project)
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        found = main(["validate", "-q", "--no-cache", *flags, str(doc)])
    out = capsys.readouterr().out
    assert (found, "[schema:unavailable]" in out, server.connections) == (code, True, 0)


def test_an_unavailable_schema_option_names_the_fetch_and_the_downgrade(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    monkeypatch.chdir(project)
    code = main(["validate", "-q", "--schema", "tei_lite@4.9.0", str(_doc(project, "x.rng"))])
    err = capsys.readouterr().err
    assert (code, "teikit schemas fetch tei_lite@4.9.0" in err, "--unavailable warning" in err) == (
        2,
        True,
        True,
    )


def test_unavailable_can_be_downgraded_to_a_warning_on_purpose(project: Path) -> None:
    with listener() as server:
        doc = _doc(project, f"{server.base}/schema.rng")
        report = validate([doc], settings=Settings(root=project, unavailable="warning"))
    assert (report.exit_code, [d.severity.value for d in report]) == (0, ["warning"])


def test_an_allowed_fetch_happens_once_is_hashed_locked_and_used(
    tmp_path: Path, project: Path
) -> None:
    folder = tmp_path / "www"
    folder.mkdir()
    shutil.copyfile(MINI, folder / "schema.rng")
    with serve(folder) as server:
        url = f"{server.base}/schema.rng"
        doc = _doc(project, url)
        settings = Settings(
            access=Access(fetch=True, allow_hosts=(server.authority,)), root=project
        )
        first = validate([doc], settings=settings)
        second = validate([doc], settings=settings)
    locked = lock.read(project)[url]
    assert (server.requests, locked.sha256) == (["/schema.rng"], store.sha256_of(MINI))
    assert {d.rule.partition(":")[0] for d in first.errors} == {"rng"}
    assert [d.rule for d in first.errors] == [d.rule for d in second.errors]
    assert [str(u) for u in first.schemas_used()][0] == f"{url}@{locked.sha256[:12]}"


def test_the_lock_goes_into_pyproject_under_tool_teikit_schemas(
    tmp_path: Path, project: Path
) -> None:
    root = _vault(tmp_path, "tei_lite", "4.9.0")
    with serve(root) as server:
        access = _vault_access(server)
        fetching.fetch("tei_lite@4.9.0", access=access, lock_root=project)
    table = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["teikit"]
    assert (table["paths"], table["schemas"]["tei_lite@4.9.0"]["sha256"]) == (
        ["."],
        store.sha256_of(MINI),
    )


def test_a_project_without_pyproject_settings_gets_a_teikit_lock(tmp_path: Path) -> None:
    root = _vault(tmp_path, "tei_bare", "4.9.0")
    project = tmp_path / "p"
    project.mkdir()
    with serve(root) as server:
        access = _vault_access(server)
        fetching.fetch("tei_bare@4.9.0", access=access, lock_root=project)
    assert tomllib.loads((project / "teikit.lock").read_text())["schemas"]["tei_bare@4.9.0"][
        "sha256"
    ] == store.sha256_of(MINI)


def test_the_vault_is_asked_for_the_named_version(tmp_path: Path) -> None:
    root = _vault(tmp_path, "tei_lite", "4.9.0")
    with serve(root) as server:
        access = _vault_access(server)
        entry = fetching.fetch("tei_lite@4.9.0", access=access)
    assert (entry.key, server.requests) == (
        "tei_lite@4.9.0",
        ["/Vault/P5/4.9.0/xml/tei/custom/schema/relaxng/tei_lite.rng"],
    )


def _mirror_config(project: Path, server: Served) -> None:
    """A project whose [tool.teikit] allows the loopback server and mirrors the Vault on it."""
    (project / "pyproject.toml").write_text(
        f'[tool.teikit]\nallow-hosts = ["{server.authority}"]\n\n[tool.teikit.mirrors]\n'
        f'"https://www.tei-c.org/Vault/P5/" = "{server.base}/Vault/P5/"\n'
    )


def _stating(tmp_path: Path, version: str) -> Path:
    """The tiny schema with a header stating its TEI release, as the Vault's files do."""
    source = tmp_path / "stated.rng"
    source.write_text(
        MINI.read_text().replace(
            "<!-- A tiny", f"<!--\nTEI Edition: Version {version}. Last updated\n-->\n<!-- A tiny"
        )
    )
    return source


def test_current_is_stored_under_the_version_the_file_states(tmp_path: Path) -> None:
    root = _vault(tmp_path, "tei_lite", "current", _stating(tmp_path, "4.9.1"))
    with serve(root) as server:
        access = _vault_access(server)
        entry = fetching.fetch("tei_lite", access=access)
    assert entry.key == "tei_lite@4.9.1"


@pytest.mark.parametrize("spec", ["tei_all@current", "tei_all@release", "tei_all@latest"])
def test_tei_all_at_current_asks_the_vault_not_the_pinned_default(
    tmp_path: Path, spec: str
) -> None:
    """A bare ``tei_all`` means teikit's pinned 4.3.0; ``@current`` means the newest release."""
    root = _vault(tmp_path, "tei_all", "current", _stating(tmp_path, "4.10.2"))
    with serve(root) as server:
        entry = fetching.fetch(spec, access=_vault_access(server))
    assert (entry.key, server.requests) == (
        "tei_all@4.10.2",
        ["/Vault/P5/current/xml/tei/custom/schema/relaxng/tei_all.rng"],
    )


def test_a_stored_schema_is_not_downloaded_again(tmp_path: Path) -> None:
    root = _vault(tmp_path, "tei_lite", "4.9.0")
    with serve(root) as server:
        access = _vault_access(server)
        fetching.fetch("tei_lite@4.9.0", access=access)
        fetching.fetch("tei_lite@4.9.0", access=access)
    assert len(server.requests) == 1


def test_a_mirror_whose_host_is_not_allowed_is_refused(tmp_path: Path) -> None:
    with listener() as server:
        access = _vault_access(server, allowed=False)
        with pytest.raises(UsageError, match="not a host teikit fetches"):
            fetching.fetch("tei_lite@4.9.0", access=access)
    assert server.connections == 0


def test_bytes_that_differ_from_the_lock_are_refused(tmp_path: Path, project: Path) -> None:
    root = _vault(tmp_path, "tei_lite", "4.9.0")
    lock.record(project, lock.Locked("tei_lite@4.9.0", "0" * 64, "elsewhere"))
    with serve(root) as server:
        access = _vault_access(server)
        with pytest.raises(TeikitError, match="the project lock says"):
            fetching.fetch("tei_lite@4.9.0", access=access, lock_root=project)
    assert store.lookup(store.SchemaRef("tei_lite", "4.9.0")) is None


def test_an_html_error_page_is_not_stored_as_a_schema(tmp_path: Path) -> None:
    page = tmp_path / "page.rng"
    page.write_text("<html><body>Not found</body></html>")
    root = _vault(tmp_path, "tei_lite", "4.9.0", page)
    with serve(root) as server:
        access = _vault_access(server)
        with pytest.raises(TeikitError, match="not a relaxng schema"):
            fetching.fetch("tei_lite@4.9.0", access=access)


def test_a_redirect_to_a_host_that_is_not_allowed_is_not_followed(tmp_path: Path) -> None:
    with listener() as elsewhere:
        redirects = {"/schema.rng": f"{elsewhere.base}/schema.rng"}
        with serve(tmp_path, redirects) as server:
            access = Access(fetch=True, allow_hosts=(server.authority,))
            with pytest.raises(UsageError, match="not a host teikit fetches"):
                fetching.download(f"{server.base}/schema.rng", access)
    assert elsewhere.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/schema.rng",  # plain HTTP across a network, even if allowed
        "http://www.tei-c.org/Vault/P5/4.3.0/xml/tei/custom/schema/relaxng/tei_all.rng",
        "file:///etc/passwd",
        "https://example.org/schema.rng",  # not in the catalogue, not allowed
    ],
)
def test_addresses_teikit_will_not_fetch(url: str) -> None:
    with pytest.raises(UsageError):
        access.check_url(url, Access(fetch=True, allow_hosts=("example.org:80",)))


def test_https_to_an_allowed_host_is_accepted() -> None:
    access.check_url(
        "https://schemas.example.org/a.rng",
        Access(fetch=True, allow_hosts=("schemas.example.org",)),
    )


def test_epidoc_latest_without_its_own_version_is_refused_not_misnamed(tmp_path: Path) -> None:
    """Its header states only the TEI release under it: storing it as tei-epidoc@4.10.2
    would name a version EpiDoc never had."""
    folder = tmp_path / "epidoc" / "schema" / "latest"
    folder.mkdir(parents=True)
    (folder / "tei-epidoc.rng").write_text(
        MINI.read_text().replace(
            "<!-- A tiny",
            "<!--\nTEI Edition: P5 Version\u00a04.10.2. Last updated\n-->\n<!-- A tiny",
        ),
        encoding="utf-8",
    )
    with serve(tmp_path / "epidoc") as server:
        access = Access(
            fetch=True,
            allow_hosts=(server.authority,),
            mirrors=(("https://epidoc.stoa.org/", f"{server.base}/"),),
        )
        with pytest.raises(TeikitError, match="teikit schemas fetch tei-epidoc@VERSION"):
            fetching.fetch("tei-epidoc", access=access)
    assert store.versions("tei-epidoc") == []


def test_the_vaults_own_host_is_a_catalogue_host() -> None:
    """www.tei-c.org/Vault/ redirects there: the redirect must pass check_url unasked."""
    access.check_url(
        "https://vault.tei-c.org/P5/4.9.0/xml/tei/custom/schema/relaxng/tei_lite.rng",
        Access(fetch=True),
    )


def test_epidoc_is_fetched_from_its_site_through_a_mirror(tmp_path: Path) -> None:
    folder = tmp_path / "epidoc" / "schema" / "9.5"
    folder.mkdir(parents=True)
    shutil.copyfile(MINI, folder / "tei-epidoc.rng")
    with serve(tmp_path / "epidoc") as server:
        access = Access(
            fetch=True,
            allow_hosts=(server.authority,),
            mirrors=(("https://epidoc.stoa.org/", f"{server.base}/"),),
        )
        entry = fetching.fetch("tei-epidoc@9.5", access=access)
    assert (entry.key, server.requests) == ("tei-epidoc@9.5", ["/schema/9.5/tei-epidoc.rng"])


def test_the_cli_fetches_once_with_fetch_and_an_allowed_host_and_locks_it(
    tmp_path: Path,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The done-when test, end to end through `teikit validate`."""
    from teikit.cli import main

    folder = tmp_path / "www"
    folder.mkdir()
    shutil.copyfile(MINI, folder / "schema.rng")
    monkeypatch.chdir(project)
    with serve(folder) as server:
        url = f"{server.base}/schema.rng"
        doc = _doc(project, url)
        refused = main(["validate", "-q", str(doc)])
        first = main(["validate", "-q", "--fetch", "--allow-host", server.authority, str(doc)])
        again = main(["validate", "-q", str(doc)])  # stored now: no flag, no connection
    out = capsys.readouterr().out
    assert (refused, first, again, server.requests) == (2, 1, 1, ["/schema.rng"])
    assert "[schema:unavailable]" in out and "[rng:" in out
    assert lock.read(project)[url].sha256 == store.sha256_of(MINI)


def test_schemas_fetch_reads_mirrors_and_hosts_from_the_project_and_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    root = _vault(tmp_path, "tei_lite", "4.9.0")
    project = tmp_path / "configured"
    (project / ".git").mkdir(parents=True)
    with serve(root) as server:
        _mirror_config(project, server)
        monkeypatch.chdir(project)
        code = main(["schemas", "fetch", "tei_lite@4.9.0"])
    assert (code, "tei_lite@4.9.0" in capsys.readouterr().out) == (0, True)
    assert lock.read(project)["tei_lite@4.9.0"].sha256 == store.sha256_of(MINI)


@pytest.fixture
def lock_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose only teikit file is an (empty) teikit.lock; the working folder."""
    root = tmp_path / "locked"
    (root / ".git").mkdir(parents=True)
    (root / "teikit.lock").write_text("")
    monkeypatch.chdir(root)
    return root


def test_schemas_fetch_locks_into_a_projects_own_teikit_lock(
    lock_only: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    code = main(["schemas", "fetch", "tei_lite@4.9.0", "--from", str(MINI)])
    assert (code, lock.read(lock_only)["tei_lite@4.9.0"].sha256) == (0, store.sha256_of(MINI))
    assert f"locked in {lock_only / 'teikit.lock'}" in capsys.readouterr().out


def test_validation_in_a_lock_only_project_refuses_bytes_the_lock_does_not_name(
    lock_only: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What CI relies on: the store holds other bytes than the maintainer locked."""
    from teikit.cli import main

    assert main(["schemas", "fetch", "tei_lite@4.9.0", "--from", str(MINI)]) == 0
    other = tmp_path / "other.rng"
    other.write_text(MINI.read_text().replace("<grammar", "<!-- changed -->\n<grammar", 1))
    store.add("tei_lite@4.9.0", other)
    url = "https://www.tei-c.org/Vault/P5/4.9.0/xml/tei/custom/schema/relaxng/tei_lite.rng"
    code = main(["validate", "-q", "--no-cache", str(_doc(lock_only, url))])
    captured = capsys.readouterr()
    assert (code, "the project lock says" in captured.out + captured.err) == (3, True)


def test_schemas_fetch_outside_a_project_says_it_locked_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from teikit.cli import main

    (tmp_path / "loose" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "loose")
    assert main(["schemas", "fetch", "tei_lite@4.9.0", "--from", str(MINI)]) == 0
    assert "not locked: no project here" in capsys.readouterr().out
    assert not (tmp_path / "loose" / "teikit.lock").exists()


def test_json_lists_no_schema_for_a_file_whose_schema_was_downgraded(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/json-report.md: read but judged by nothing is an empty list, not a missing key."""
    from teikit.cli import main

    monkeypatch.chdir(project)
    with listener() as server:
        _doc(project, f"{server.base}/schema.rng")
        args = ["--format", "json", "--unavailable", "warning", "doc.xml"]
        code = main(["validate", "-q", "--no-cache", *args])
    assert (code, json.loads(capsys.readouterr().out)["schemas"]) == (0, {"doc.xml": []})


def test_a_release_pi_with_fetch_gets_the_vaults_current_stores_and_locks_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole path a new project takes: a `release` PI, `--fetch`, the Vault (a mirror
    here) serving `current` with a header as the TEI writes it (NO-BREAK SPACE)."""
    from teikit.cli import main

    source = tmp_path / "current.rng"
    source.write_text(
        MINI.read_text().replace(
            "<!-- A tiny",
            "<!--\nTEI Edition: P5 Version\u00a04.10.2. Last updated\n-->\n<!-- A tiny",
        ),
        encoding="utf-8",
    )
    root = _vault(tmp_path, "tei_lite", "current", source)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    with serve(root) as server:
        _mirror_config(project, server)
        monkeypatch.chdir(project)
        release = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_lite.rng"
        doc = _doc(project, release)
        code = main(["validate", "-q", "--no-cache", "--fetch", "--format", "json", str(doc)])
    report = json.loads(capsys.readouterr().out)
    infos = [d["message"] for d in report["diagnostics"] if d["rule"] == "schema:version"]
    assert (code, server.requests, report["schemas"]["doc.xml"][0]) == (
        1,
        ["/Vault/P5/current/xml/tei/custom/schema/relaxng/tei_lite.rng"],
        {"name": "tei_lite", "version": "4.10.2"},
    )
    assert "tei_lite@4.10.2, the locked version" in infos[0]
    assert lock.read(project)["tei_lite@4.10.2"].sha256 == store.sha256_of(source)
