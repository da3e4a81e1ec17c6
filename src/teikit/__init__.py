"""teikit: validate TEI P5 encodings and publish them as HTML, plain text and EPUB 3.

The public API is this module's names; everything else is an implementation detail.

>>> import teikit
>>> doc = teikit.load("tei/problems-of-development-of-the-ussr-1931.xml")  # doctest: +SKIP
>>> doc.validate().ok                                                     # doctest: +SKIP
True
"""

from teikit.diagnostics import (
    Diagnostic,
    LoadError,
    Report,
    Severity,
    TeikitError,
    UsageError,
)
from teikit.document import Document, load
from teikit.transform import transform
from teikit.validation import validate
from teikit.version import __version__

__all__ = [
    "Diagnostic",
    "Document",
    "LoadError",
    "Report",
    "Severity",
    "TeikitError",
    "UsageError",
    "load",
    "transform",
    "validate",
    "__version__",
]
