"""The local store of named, versioned schemas, each verified by SHA-256 on every use.

A validator that silently used a tampered, truncated or different grammar would give
verdicts nobody can trust, so every stored file carries the SHA-256 recorded when it
was stored (and, for schemas whose bytes teikit knows, the known checksum), and
:func:`get` re-checks it before handing the path out. Keys are ``NAME@VERSION``
(``tei_all@4.3.0``) or, for a schema fetched from an address the user allowed, the
address itself.

Layout: ``$TEIKIT_SCHEMA_STORE`` (else ``$XDG_CACHE_HOME/teikit/schemas``, else
``~/.cache/teikit/schemas``) holds ``NAME/VERSION/FILE`` and ``store.json``. Stores
written by earlier teikit versions keep a name-only ``index.json``; it is still read
(its entries appear under their versions), never rewritten, so an older teikit sharing
the folder keeps working. Decision record: ``docs/decisions/0004-schema-store.md``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from teikit.diagnostics import TeikitError, UsageError
from teikit.files import user_cache_dir, write_atomic
from teikit.validation.catalogue import (
    DEFAULT_VERSION,
    PINNED,
    SchemaRef,
    is_known,
    parse_ref,
    version_key,
)

KINDS = {".rng": "relaxng", ".xsd": "xsd", ".sch": "schematron"}
#: Names that mean teikit's built-in profiles; the store refuses them.
PROFILES = ("teikit", "teikit-xsd", "references")
STORE_FILE = "store.json"
LEGACY_INDEX = "index.json"
#: Stored files larger than this are refused: a schema is a few MiB at most.
MAX_SCHEMA_BYTES = 64 << 20


@dataclass(frozen=True)
class Entry:
    """One stored schema: where its file is and what its bytes must hash to."""

    key: str
    name: str
    version: str
    kind: str
    file: str
    sha256: str
    source: str

    @property
    def ref(self) -> SchemaRef:
        return SchemaRef(self.name, self.version)


def store_dir() -> Path:
    """The schema store: ``$TEIKIT_SCHEMA_STORE``, else the user's cache folder."""
    if os.environ.get("TEIKIT_SCHEMA_STORE"):
        return Path(os.environ["TEIKIT_SCHEMA_STORE"]).expanduser()
    return user_cache_dir() / "schemas"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks so a large schema costs no large buffer."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _load_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise TeikitError(
            f"The schema store file {path} is unreadable ({exc}); delete it "
            "and fetch or add the schemas again."
        ) from None
    return data if isinstance(data, dict) else {}


def _legacy_version(text: str) -> str:
    """``TEI P5 4.3.0`` (how earlier teikit versions recorded it) -> ``4.3.0``."""
    return re.sub(r"^TEI P5\s+", "", text.strip()) or "local"


def _legacy_entries(store: Path) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for name, raw in _load_json(store / LEGACY_INDEX).items():
        if not isinstance(raw, dict) or "file" not in raw or "sha256" not in raw:
            continue
        version = _legacy_version(str(raw.get("version", "")))
        key = f"{name}@{version}"
        out[key] = Entry(
            key=key,
            name=name,
            version=version,
            kind=str(raw.get("kind", "")),
            file=str(raw["file"]),
            sha256=str(raw["sha256"]),
            source=str(raw.get("source", "")),
        )
    return out


def entries(store: Path | None = None) -> dict[str, Entry]:
    """Every stored schema by key (this store's ``store.json`` over the legacy index)."""
    store = store or store_dir()
    found = _legacy_entries(store)
    raw = _load_json(store / STORE_FILE).get("schemas", {})
    for key, value in raw.items() if isinstance(raw, dict) else []:
        if isinstance(value, dict):
            with contextlib.suppress(TypeError):
                found[key] = Entry(key=key, **{k: str(v) for k, v in value.items() if k != "key"})
    return found


def versions(name: str, store: Path | None = None) -> list[Entry]:
    """The stored versions of ``name``, newest first."""
    found = [e for e in entries(store).values() if e.name == name and e.key == str(e.ref)]
    return sorted(found, key=lambda e: version_key(e.version), reverse=True)


def lookup(ref: SchemaRef, store: Path | None = None) -> Entry | None:
    """The stored entry for ``ref``: that exact version, or the newest when none is asked."""
    if ref.newest:
        stored = versions(ref.name, store)
        return stored[0] if stored else None
    return entries(store).get(str(ref))


def lookup_url(url: str, store: Path | None = None) -> Entry | None:
    """The entry stored for a non-catalogue address (fetched with the user's permission)."""
    return entries(store).get(url)


_VERIFIED: dict[tuple[str, int, int], str] = {}


def verified(entry: Entry, store: Path | None = None) -> Path:
    """The path of ``entry``'s file after checking its bytes against every known checksum.

    Memoised per process by path, mtime and size, so a corpus run hashes each schema
    once while an edit between runs is still caught.
    """
    store = store or store_dir()
    path = store / entry.file
    if not path.is_file():
        raise TeikitError(
            f"The schema '{entry.key}' is recorded in {store} but its file "
            f"{path} is missing; fetch or add it again."
        )
    pinned = PINNED.get((entry.name, entry.version))
    expected = pinned[0] if pinned else entry.sha256
    stat = path.stat()
    memo = (str(path), stat.st_mtime_ns, stat.st_size)
    actual = _VERIFIED.get(memo) or sha256_of(path)
    if actual != expected:
        raise TeikitError(
            f"The stored schema '{entry.key}' at {path} has SHA-256 {actual}, "
            f"not the recorded {expected}: it was changed after it was stored. "
            "Fetch or add it again."
        )
    _VERIFIED[memo] = actual
    return path


def fix_command(ref: SchemaRef) -> str:
    """The command that puts ``ref`` into the store (named in every 'missing' message)."""
    if is_known(ref.name):
        return f"teikit schemas fetch {ref}"
    return f"teikit schemas add {ref.name} PATH"


def get(ref: SchemaRef | str, store: Path | None = None) -> tuple[Entry, Path]:
    """The verified entry and path for ``ref``; :class:`TeikitError` naming the fix if absent."""
    if isinstance(ref, str):
        ref = parse_ref(ref)
    store = store or store_dir()
    entry = lookup(ref, store)
    if entry is None:
        raise TeikitError(
            f"The schema '{ref}' is not in the schema store {store}; run '{fix_command(ref)}'."
        )
    return entry, verified(entry, store)


def stored_schema(name: str) -> Path:
    """The verified path of the stored schema ``name`` (``NAME`` or ``NAME@VERSION``)."""
    return get(name)[1]


@contextlib.contextmanager
def _locked(store: Path) -> Iterator[None]:
    """Serialise writers of one store (parallel CI jobs and test runs share it)."""
    store.mkdir(parents=True, exist_ok=True)
    with (store / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("._") or "_"


def put(key: str, ref: SchemaRef, data_path: Path, kind: str, filename: str, source: str) -> Entry:
    """Copy ``data_path`` into the store under ``key`` and record its SHA-256."""
    store = store_dir()
    if data_path.stat().st_size > MAX_SCHEMA_BYTES:
        raise TeikitError(
            f"{data_path} is larger than {MAX_SCHEMA_BYTES >> 20} MiB; teikit "
            "does not store it as a schema."
        )
    folder = (
        store / "_url" / hashlib.sha256(key.encode()).hexdigest()[:16]
        if key != str(ref)
        else store / _safe(ref.name) / _safe(ref.version)
    )
    data = data_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with _locked(store):
        target = write_atomic(folder / _safe(filename), data)
        entry = Entry(
            key=key,
            name=ref.name,
            version=ref.version,
            kind=kind,
            file=target.relative_to(store).as_posix(),
            sha256=digest,
            source=source,
        )
        recorded = _load_json(store / STORE_FILE)
        schemas = recorded.get("schemas")
        schemas = dict(schemas) if isinstance(schemas, dict) else {}
        schemas[key] = {k: v for k, v in asdict(entry).items() if k != "key"}
        text = json.dumps({"format": 2, "schemas": schemas}, indent=2, sort_keys=True)
        write_atomic(store / STORE_FILE, (text + "\n").encode("utf-8"))
    return entry


def add(name: str, path: Path) -> Path:
    """Register a local single-file schema as ``NAME`` or ``NAME@VERSION`` (default
    version ``local``), copied with its SHA-256; known schemas must match their pin."""
    ref = parse_ref(name)
    if ref.name in PROFILES:
        raise UsageError(f"'{ref.name}' is a built-in profile name; choose another name.")
    if not path.is_file():
        raise UsageError(f"No such schema file: {path}.")
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(
            f"{path.name}: teikit stores .rng, .xsd and .sch schemas only"
            + (" (convert .rnc with trang first)." if path.suffix == ".rnc" else ".")
        )
    version = ref.version or DEFAULT_VERSION.get(ref.name, "local")
    pinned = PINNED.get((ref.name, version))
    if pinned is not None and sha256_of(path) != pinned[0]:
        raise TeikitError(
            f"Refusing {path} as '{ref.name}@{version}': its SHA-256 is "
            f"{sha256_of(path)}, but it must be {pinned[0]}."
        )
    ref = SchemaRef(ref.name, version)
    stored = put(str(ref), ref, path, kind, path.name, f"file {path.name}")
    return store_dir() / stored.file


def _state(entry: Entry, store: Path) -> str:
    try:
        verified(entry, store)
    except TeikitError:
        return "damaged" if (store / entry.file).is_file() else "missing"
    return "present"


def listing() -> list[dict[str, str]]:
    """Every pinned and stored schema with its state, for ``teikit schemas list``."""
    store = store_dir()
    stored = entries(store)
    rows: list[dict[str, str]] = []
    keys = set(stored) | {f"{n}@{v}" for n, v in PINNED}
    for key in sorted(keys):
        entry = stored.get(key)
        if entry is None:
            name, _, version = key.partition("@")
            rows.append(
                {
                    "name": name,
                    "version": version,
                    "kind": "relaxng",
                    "sha256": PINNED[(name, version)][0][:12],
                    "state": "missing",
                }
            )
            continue
        rows.append(
            {
                "name": entry.name if entry.key == str(entry.ref) else entry.key,
                "version": entry.version,
                "kind": entry.kind,
                "sha256": entry.sha256[:12],
                "state": _state(entry, store),
            }
        )
    return rows
