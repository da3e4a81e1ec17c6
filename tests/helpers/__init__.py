"""Adapters for the outside checkers the tests use as oracles: jing, epubcheck, Nu.

Each runs its tool once for many files (one JVM) and returns teikit's own message type,
:class:`~teikit.diagnostics.Diagnostic`, so a test compares like with like and a failure
prints ``file:line:col: error [epubcheck:RSC-005] …``. A missing tool skips the test
locally and fails it in CI (``conftest.missing``). Test modules import these, never each
other.
"""
