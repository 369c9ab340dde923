"""The house rules of src/ (issue 11): checked by `make lint`, so a change that breaks one fails CI.

- no import cycle, and no import against the layers of DESIGN.md section 5 (contract,
  definitions, metrics, engine, then warehouse with interop, quality and the resolver, then
  signals, reports and casebook, then web and cli), read from the code's own imports;
- no module over 400 lines and no function over 60 lines.

usage: python tools/house_rules.py [SRC]   (exit 1 and one line per problem when any is broken)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LAYERS = (
    {"contract", "formats"},
    {"definitions"},
    {"metrics"},
    {"engine"},
    {"warehouse", "interop", "quality", "pipeline", "resolver", "synth"},
    {"signals", "reports", "casebook", "outreach", "publish", "awareness"},
    {"web", "cli"},
)
# An engine runs any expression: it never imports the formulas, nor they an engine.
NEVER = {("engine", "metrics"), ("metrics", "engine")}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int | None:
    name = room(module)
    return next((i for i, names in enumerate(LAYERS) if name in names), None)


def module_name(path: Path, src: Path) -> str:
    rel = path.relative_to(src).with_suffix("")
    return ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)


def imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """homeroom modules imported at run time (not under `if TYPE_CHECKING:`)."""
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for branch in node.body
        for inner in ast.walk(branch)
    }
    base = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("homeroom"))
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                target = ".".join(base[: len(base) - node.level + 1] + ([target] if target else []))
            if target.startswith("homeroom"):
                found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in graph:
        if node not in index:
            visit(node)
    return found


def problems(src: Path) -> list[str]:
    paths = {module_name(p, src): p for p in sorted((src / "homeroom").rglob("*.py"))}
    out: list[str] = []
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, str(path))
        if text.count("\n") > MAX_MODULE_LINES:
            out.append(f"{path}: {text.count(chr(10))} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out.append(f"{path}:{node.lineno}: {node.name} is {length} lines")
        targets = imports(tree, name, path.name == "__init__.py")
        graph[name] = {
            t for t in targets if t in paths and t != name and not name.startswith(t + ".")
        }
    for name, targets in graph.items():
        for target in targets:
            here, there = layer(name), layer(target)
            pair = (room(name), room(target))
            if pair in NEVER or (here is not None and there is not None and there > here):
                out.append(f"{name} imports {target}, against the layers")
    out.extend("import cycle: " + ", ".join(group) for group in cycles(graph))
    return out


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    found = problems(src)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
