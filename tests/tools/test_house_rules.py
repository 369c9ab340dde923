"""tools/house_rules.py finds each broken house rule in a made-up tree, and none in src/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("house_rules", ROOT / "tools" / "house_rules.py")
assert spec is not None and spec.loader is not None
house_rules = importlib.util.module_from_spec(spec)
spec.loader.exec_module(house_rules)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "homeroom" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_project_keeps_its_house_rules():
    assert house_rules.problems(ROOT / "src") == []


def test_a_cycle_an_import_up_the_layers_and_an_engine_importing_metrics(tmp_path):
    src = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "metrics/__init__.py": "",
            "metrics/a.py": "from homeroom.metrics import b\n",
            "metrics/b.py": "from homeroom.metrics import a\n",
            "contract/__init__.py": "",
            "contract/c.py": "import homeroom.web.pages\n",
            "web/__init__.py": "",
            "web/pages.py": "",
            "engine/__init__.py": "",
            "engine/e.py": "from homeroom.metrics.a import x\n",
            "reports/__init__.py": "",
            "reports/r.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from homeroom.cli import app\n",
        },
    )
    found = house_rules.problems(src)
    assert "import cycle: homeroom.metrics.a, homeroom.metrics.b" in found
    assert "homeroom.contract.c imports homeroom.web.pages, against the layers" in found
    assert "homeroom.engine.e imports homeroom.metrics.a, against the layers" in found
    assert not any("homeroom.reports.r" in line for line in found)  # typing only


def test_a_long_module_and_a_long_function(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(60))
    src = _tree(
        tmp_path,
        {"__init__.py": "", "big.py": "\n" * 401, "long.py": f"def long():\n{body}"},
    )
    found = house_rules.problems(src)
    assert any(line.endswith("big.py: 401 lines (at most 400)") for line in found)
    assert any(line.endswith("long.py:1: long is 61 lines") for line in found)
