"""pyproject declares exactly what src/ imports: nothing imported goes undeclared (it would
work here only because another package happened to pull it in) and nothing declared goes unused.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Needed at run time but never imported by name, each for a reason pyproject's comments give.
RUNTIME_ONLY = {
    "sqlglot",  # a version cap on an ibis dependency (ibis #12101)
    "python-multipart",  # FastAPI parses form posts with it
    "psycopg",  # the PostgreSQL driver SQLAlchemy loads from a postgresql+psycopg URL
}
# Import names whose distribution is named otherwise, for when the package is not installed.
KNOWN = {
    "yaml": "pyyaml",
    "sklearn": "scikit-learn",
    "multipart": "python-multipart",
    "vl_convert": "vl-convert-python",
    "argon2": "argon2-cffi",
    "ibis": "ibis-framework",
    "dateutil": "python-dateutil",
}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _imported_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "homeroom"}


def _distribution(module: str) -> str:
    installed = packages_distributions().get(module)
    return _name(installed[0] if installed else KNOWN.get(module, module))


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {_name(r) for r in project["dependencies"]}
    optional = {_name(r) for group in project["optional-dependencies"].values() for r in group}
    return required, optional


def test_every_imported_package_is_declared_and_every_declared_one_imported() -> None:
    imported = {_distribution(m) for m in _imported_modules()}
    required, optional = _declared()
    assert sorted(imported - required - optional) == [], "imported but not declared"
    assert sorted(required - imported - RUNTIME_ONLY) == [], "declared but imported nowhere"
    assert required >= RUNTIME_ONLY


def test_import_names_map_to_their_distributions() -> None:
    assert _distribution("sklearn") == "scikit-learn"
    assert _distribution("vl_convert") == "vl-convert-python"
    assert _name("psycopg[binary]>=3.2,<4") == "psycopg"
