"""The `homeroom` commands of this area; registered by homeroom.cli."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `homeroom` app."""
