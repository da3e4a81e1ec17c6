"""``pytest --teikit``: every TEI file of the project is a test, failing with teikit's findings.

A project that already runs pytest gets its TEI checked in the same run and report, with
the same selection (``-k``), the same CI summary and no second tool to wire up. Which
files, and against which schemas, comes from ``[tool.teikit]`` (``paths``, ``include``,
``exclude``, ``per-file-schemas`` …), exactly as ``teikit validate`` with no paths reads
it, so the two never disagree. Without ``--teikit`` the plugin does nothing (it is
loaded into every pytest run through the ``pytest11`` entry point).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from teikit.diagnostics import Report, Severity
from teikit.validation import validate

OPTION = "--teikit"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--teikit``; off by default so ordinary test runs are untouched."""
    group = parser.getgroup("teikit")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="validate the TEI files configured in [tool.teikit] as test items",
    )


class TeikitFailure(Exception):
    """A TEI file has error-level findings; carries the report to show them."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.render("text"))
        self.report = report


class TeikitItem(pytest.Item):
    """One TEI file: passes when teikit finds no errors (warnings are shown, not fatal,
    unless ``warnings-as-errors``)."""

    def __init__(self, *, tei_path: Path, strict: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tei_path = tei_path
        self.strict = strict

    def runtest(self) -> None:
        from teikit import config as teikit_config

        project = teikit_config.load(self.tei_path.parent)
        seconds, memory = project.bounds()
        report = validate(
            [self.tei_path], settings=project.settings(), timeout=seconds, memory_limit=memory
        )
        bad = [
            d
            for d in report
            if d.severity is Severity.ERROR or (self.strict and d.severity is Severity.WARNING)
        ]
        if bad or report.input_error:
            raise TeikitFailure(report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, TeikitFailure):
            report = excinfo.value.report
            used = ", ".join(str(u) for u in report.schemas_used()) or "no schema"
            return f"teikit found problems (judged by {used}):\n{report.render('text')}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.tei_path, 0, f"teikit: {self.name}"


class TeikitProject(pytest.Collector):
    """The project's configured TEI files, found the way ``teikit validate`` finds them."""

    def collect(self) -> Iterator[TeikitItem]:
        from teikit import config as teikit_config
        from teikit.validation.discovery import discover

        found = teikit_config.load(self.path)
        if found.root is None or not found.configured:
            raise pytest.UsageError(
                "pytest --teikit needs [tool.teikit] in pyproject.toml "
                "(or a teikit.toml) at or above the rootdir."
            )
        paths = [found.root / p for p in found.paths] or [found.root]
        files, _ = discover(
            paths, include=found.include, exclude=found.exclude, root=found.root, skip_non_tei=True
        )
        for file in files:
            name = (
                file.resolve().relative_to(found.root.resolve()).as_posix()
                if file.resolve().is_relative_to(found.root.resolve())
                else str(file)
            )
            yield TeikitItem.from_parent(
                self, name=name, path=file, tei_path=file, strict=found.warnings_as_errors
            )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the TEI items before selection (``-k``, ``-m``) and deselection run, so they
    filter TEI items like any other test."""
    if not config.getoption(OPTION):
        return
    project = TeikitProject.from_parent(
        session, name="teikit", path=config.rootpath, nodeid="teikit"
    )
    found: list[pytest.Item | pytest.Collector] = list(project.collect())
    # Tell the terminal reporter, so "collected N items" counts the TEI items too.
    config.hook.pytest_collectreport(
        report=pytest.CollectReport(project.nodeid, "passed", None, found)
    )
    items.extend(item for item in found if isinstance(item, pytest.Item))
