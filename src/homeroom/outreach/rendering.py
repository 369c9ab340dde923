"""Letters from templates: the shipped ones, or the district's own copies in the workspace.

A kind has two templates, `<kind>.html` (print and email) and `<kind>.txt` (email's plain
part and texts; its first line is the subject, then a blank line, then the body). They are
looked for in this order, the first found wins:

1. `<workspace>/outreach/templates/<lang>/<kind>.html` — the district's words in one language;
2. `<workspace>/outreach/templates/<kind>.html` — the district's words, translated through the
   catalogs (a sentence the catalog does not know stays in English);
3. the shipped `homeroom/outreach/templates/<kind>.html`.

The words to translate are `{% trans %}` blocks (Jinja's i18n extension), read from gettext
catalogs (see `languages`). HTML is autoescaped: a name with `<` in it prints as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from homeroom.outreach.languages import translations

SHIPPED_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateProblem(ValueError):
    """A template that cannot be read or rendered: names the file, line and why."""

    exit_code = 2


def template_dirs(workspace_root: Path | None, language: str) -> tuple[Path, ...]:
    """Where a language's templates are looked for, the district's own first."""
    if workspace_root is None:
        return (SHIPPED_TEMPLATES,)
    own = workspace_root / "outreach" / "templates"
    return (own / language, own, SHIPPED_TEMPLATES)


@cache
def _environment(
    templates: tuple[Path, ...], language: str, catalogs: tuple[Path, ...]
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in templates]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,  # a misspelt name in a district's copy is an error
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language, catalogs), newstyle=True
    )
    return env


def render(
    kind: str,
    context: Mapping[str, object],
    *,
    language: str,
    workspace_root: Path | None,
    catalogs: tuple[Path, ...],
) -> Rendered:
    """The letter of KIND in LANGUAGE: subject, plain text and HTML."""
    env = _environment(template_dirs(workspace_root, language), language, catalogs)
    text = _render(env, f"{kind}.txt", context).strip("\n")
    subject, _, body = text.partition("\n")
    html = _render(env, f"{kind}.html", context)
    return Rendered(subject.strip(), _tidy(body), html)


def _render(env: jinja2.Environment, name: str, context: Mapping[str, object]) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename}, line {exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"no template {name} (looked in {env.loader})") from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"{name}: {exc.message}") from exc


def _tidy(body: str) -> str:
    """The plain text with at most one blank line between paragraphs."""
    lines = [line.rstrip() for line in body.strip("\n").splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"
