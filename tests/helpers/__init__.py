"""What several test modules share: the outside checkers used as oracles (jing,
epubcheck, Nu), headless Chromium, a loopback HTTP server, the word-integrity
reading of the outputs, and the stand-in work of the worker-pool tests.

Each checker runs its tool once for many files (one JVM) and returns teikit's own message type,
:class:`~teikit.diagnostics.Diagnostic`, so a test compares like with like and a failure
prints ``file:line:col: error [epubcheck:RSC-005] …``. A missing tool skips the test
locally and fails it in CI (``conftest.missing``). Test modules import these, never each
other; ``wordcheck`` is the tests' own reading of TEI word boundaries, apart from the
stylesheets.
"""
