"""Validation: every schema kind into one Report (being written; see issue 5)."""

from __future__ import annotations

from teikit.diagnostics import Report


def validate(paths, schemas=None, *, jobs=1, embedded_schematron=False, on_file=None) -> Report:
    raise NotImplementedError


def validate_document(doc, schemas=None) -> Report:
    raise NotImplementedError
