"""Run the `homeroom` command in-process, as a user would type it, and capture what it says."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from homeroom.cli import main


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    capsys.readouterr()  # start clean
    saved = sys.argv
    sys.argv = ["homeroom", *map(str, args)]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
