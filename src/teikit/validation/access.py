"""What the network may be used for, and the test of a URL against it.

Apart from :mod:`.fetching`, which does the downloading: every run reads these settings
(the project's ``[tool.teikit]``, the CLI's flags), few runs fetch, and the HTTP stack
``urllib.request`` brings in (``http.client``, ``ssl``, ``email``) cost every start of
``teikit`` some 20 ms.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlparse

from teikit.diagnostics import UsageError
from teikit.validation import catalogue

__all__ = ["Access", "check_url", "loopback", "mirrored"]


@dataclass(frozen=True)
class Access:
    """What the network may be used for; the default allows nothing during validation.

    ``allow_hosts`` entries are ``host`` or ``host:port``; ``mirrors`` pairs rewrite an
    address prefix (``https://www.tei-c.org/Vault/P5/``) to another.
    """

    fetch: bool = False
    allow_hosts: tuple[str, ...] = ()
    mirrors: tuple[tuple[str, str], ...] = ()


def loopback(host: str) -> bool:
    """Whether ``host`` names this machine (a test server, never the internet)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed_by_user(url: str, access: Access) -> bool:
    parts = urlparse(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    return any(item.lower() in {host, f"{host}:{port}"} for item in access.allow_hosts)


def check_url(url: str, access: Access) -> None:
    """Raise :class:`UsageError` unless teikit may download ``url`` under ``access``."""
    parts = urlparse(url)
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    by_user = _allowed_by_user(url, access)
    if scheme == "https" and (host in catalogue.HOSTS or by_user):
        return
    if scheme == "http" and by_user and loopback(host):
        return
    if scheme not in {"http", "https"}:
        raise UsageError(f"teikit fetches schemas over HTTPS only, not {url}.")
    if scheme == "http" and host in catalogue.HOSTS:
        raise UsageError(f"teikit fetches over HTTPS only; {url} is plain HTTP.")
    raise UsageError(
        f"{host or url} is not a host teikit fetches schemas from: the catalogue "
        f"has {', '.join(sorted(catalogue.HOSTS))}. To allow it, add it to "
        "allow-hosts in [tool.teikit] or pass --allow-host "
        f"{host}{':' + str(parts.port) if parts.port else ''} (plain HTTP only "
        "for a loopback address)."
    )


def mirrored(url: str, access: Access) -> str:
    """``url`` rewritten by the first mirror whose prefix it starts with."""
    for prefix, replacement in access.mirrors:
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    return url
