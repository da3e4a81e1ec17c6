"""The command line's own surface: version, help with examples, usage errors."""

from __future__ import annotations

import pytest

from teikit import __version__
from teikit.cli import main


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"teikit {__version__}"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("validate", "transform", "build", "schemas"):
        assert command in out


@pytest.mark.parametrize("command", ["validate", "transform", "build", "schemas"])
def test_each_command_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"teikit {command}" in out


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["validate", "--no-such-flag", "x.xml"])
    assert stop.value.code == 2
    assert "No such option '--no-such-flag'" in capsys.readouterr().err


def test_a_malformed_param_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transform", "x.xml", "--to", "text", "--param", "novalue"]) == 2
    assert "key=value" in capsys.readouterr().err
