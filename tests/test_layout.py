"""The package's layout as the architecture says: layers only point down, no import cycles, few top modules.

Imports are read from the source (every ``import`` statement, function-level and TYPE_CHECKING ones
included), so a cycle hidden inside a function body counts as much as one at module level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "narrate"
LAYERS = {
    "narrate": 0, "narrate.model": 0, "narrate.errors": 0, "narrate.settings": 0,
    "narrate.sources": 1, "narrate.script": 2, "narrate.voice": 3, "narrate.audio": 4, "narrate.publish": 5,
    "narrate.pipeline": 6, "narrate.check": 7, "narrate.batch": 8, "narrate.web": 9, "narrate.api": 10,
    "narrate.service": 11, "narrate.cli": 12,
}
"""The flow, bottom up: a module may import modules of its own layer or below, never above."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """The narrate modules ``name`` imports anywhere in its source."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: imported(name) for name in MODULES}


def layer(name: str) -> int:
    while name not in LAYERS:
        name = name.rpartition(".")[0]
    return LAYERS[name]


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as a list of modules (first repeated at the end), or [] when it has none."""
    state: dict[str, int] = {}  # 1 while on the path, 2 when done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def test_no_import_cycles() -> None:
    assert find_cycle(GRAPH) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_layers_only_point_down(name: str) -> None:
    upward = sorted(target for target in GRAPH[name] if layer(target) > layer(name))
    assert upward == [], f"{name} (layer {layer(name)}) imports from above: {upward}"


def test_at_most_eight_modules_beside_the_packages() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_every_package_says_which_arrow_of_the_flow_it_is() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and ("->" in doc.splitlines()[0] or init.parent.name in ("cli", "web", "batch")), init
