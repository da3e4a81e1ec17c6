"""``teikit schemas list|fetch|add``: the store's user interface, as text to show.

Kept apart from the store and the fetcher so that they return data and raise, and
only this module decides how a listing or a confirmation reads.
"""

from __future__ import annotations

from pathlib import Path

from teikit.diagnostics import UsageError
from teikit.validation import catalogue, store
from teikit.validation.fetching import Access, fetch


def _table(rows: list[dict[str, str]]) -> str:
    header = {"name": "NAME", "version": "VERSION", "kind": "KIND", "sha256": "SHA-256",
              "state": "STATE"}
    cols = list(header)
    widths = {c: max(len(header[c]), *(len(r[c]) for r in rows)) for c in cols}
    lines = ["  ".join(header[c].ljust(widths[c]) for c in cols).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in cols).rstrip() for r in rows]
    lines.append(f"store: {store.store_dir()}")
    return "\n".join(lines)


def schemas_command(action: str, name: str, path: str | None, *,
                    access: Access | None = None, lock_root: Path | None = None) -> str:
    """What ``teikit schemas ACTION [NAME] [PATH]`` does, as the text to show.

    ``fetch`` is the explicit request that allows the network (catalogue hosts, plus
    ``access.allow_hosts``); ``lock_root`` is the project whose lock records the bytes.
    """
    if action == "list":
        return _table(store.listing())
    if action == "fetch":
        if not name:
            raise UsageError("teikit schemas fetch NAME[@VERSION] [--from FILE]: which schema? "
                             f"(the catalogue: {', '.join(catalogue.TEI_NAMES)}, "
                             f"{catalogue.EPIDOC})")
        entry = fetch(name, source=Path(path) if path else None,
                      access=access or Access(fetch=True), lock_root=lock_root)
        where = store.store_dir() / entry.file
        locked = f"; locked in {lock_root}" if lock_root else ""
        return (f"{entry.key} stored at {where}, SHA-256 {entry.sha256[:12]}… verified"
                f"{locked}")
    if action == "add":
        if not name or not path:
            raise UsageError("teikit schemas add NAME PATH: both a name and a file are needed.")
        stored = store.add(name, Path(path))
        return f"{name} stored at {stored} (SHA-256 {store.sha256_of(stored)[:12]}…)"
    raise UsageError(f"unknown schemas action '{action}' (list, fetch, add)")
