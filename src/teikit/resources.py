"""Where teikit's own schemas and stylesheets are, installed or in a checkout.

The wheel carries ``schemas/`` and ``xslt/`` inside the package (a build include);
a source checkout keeps them at the repository's top level. This module is the only
place that knows both layouts, so nothing else hard-codes a path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from teikit.diagnostics import TeikitError

_PACKAGE = Path(__file__).resolve().parent


@cache
def _folder(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise TeikitError(
        f"teikit's '{name}' folder is missing from {_PACKAGE}: the installation "
        "is incomplete; reinstall teikit."
    )


def schemas_dir() -> Path:
    """The folder holding teikit.odd, teikit.rng, teikit.xsd and teikit.sch."""
    return _folder("schemas")


def xslt_dir() -> Path:
    """The folder holding the XSLT 3.0 stylesheets."""
    return _folder("xslt")


def schema(name: str) -> Path:
    """A file inside :func:`schemas_dir`, e.g. ``schema("teikit.rng")``."""
    return schemas_dir() / name


def stylesheet(name: str) -> Path:
    """A file inside :func:`xslt_dir`, e.g. ``stylesheet("html.xsl")``."""
    return xslt_dir() / name
