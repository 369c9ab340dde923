"""The Jinja2 environment of a package's shipped templates: autoescaped, strict, read from the
installed package (so it works from a wheel as from a checkout)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2


@cache
def package_environment(package: str) -> jinja2.Environment:
    """The templates in PACKAGE/templates/ (e.g. `homeroom.reports`, `homeroom.signals`)."""
    folder = resources.files(package) / "templates"

    def load(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
