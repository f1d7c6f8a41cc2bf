"""The floors of ``docs/architecture.md``, read from the code's own imports (``ast``).

Every import counts: module level, inside functions and under ``TYPE_CHECKING``. A package may
import its own modules and packages on a lower floor, or on its own floor when that makes no
circle; the named directions below must never exist. A failure names the file and the import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "redlane"

# Ground first. A top-level module (config.py, errors.py, ...) is a "package" of its own name.
FLOORS: dict[str, int] = {
    "config": 0,
    "errors": 0,
    "secret_files": 0,
    "csv_export": 0,
    "model": 1,
    "engine": 2,
    "store": 2,
    "normalize": 3,
    "names": 3,
    "feeds": 3,
    "kcs": 3,
    "resolve": 4,
    "network": 4,
    "policy": 4,
    "cases": 5,
    "brands": 6,
    "targeting": 7,
    "sim": 8,
    "events": 8,
    "lab": 9,
    "api": 9,
    "bench": 10,
    "cli": 11,
}
EDGES = {"api", "cli", "bench", "lab"}
SIM_USERS = {"sim", "lab", "bench", "cli"}
NEVER: dict[str, set[str]] = {
    "model": set(FLOORS) - {"model", "config", "errors"},
    "engine": {p for p, f in FLOORS.items() if f >= FLOORS["engine"]} - {"engine", "model"},
    "store": {p for p, f in FLOORS.items() if f >= FLOORS["store"]} - {"store", "model"},
    "feeds": {"brands", "cases", "targeting"},
    "network": {"brands", "cases", "targeting"},
    "resolve": {"brands", "cases", "targeting"},
    "cases": {"brands", "targeting"},
    "brands": {"targeting"},
}


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, redlane.x.y) for every import of a redlane module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("redlane")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "redlane":
                found += [(node.lineno, f"redlane.{a.name}") for a in node.names]
            elif module.startswith("redlane."):
                found.append((node.lineno, module))
    return found


def _arrows() -> list[tuple[str, str, str]]:
    """(importing package, imported package, where) across the source tree."""
    arrows = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = _package(path)
        for line, module in _imported(path):
            parts = module.split(".")
            if len(parts) < 2 or parts[1] in {"__version__"}:
                continue
            target = parts[1]
            if target != source:
                arrows.append((source, target, f"{path.relative_to(SRC)}:{line} imports {module}"))
    return arrows


ARROWS = _arrows()


def test_every_package_has_a_floor():
    packages = {
        p.name.removesuffix(".py")
        for p in SRC.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert packages <= set(FLOORS), f"give these a floor: {sorted(packages - set(FLOORS))}"


def test_no_import_climbs_a_floor():
    up = [w for s, t, w in ARROWS if FLOORS.get(t, -1) > FLOORS.get(s, 99)]
    assert not up, "imports that climb a floor:\n" + "\n".join(up)


@pytest.mark.parametrize("package", sorted(NEVER))
def test_forbidden_directions(package: str):
    bad = [w for s, t, w in ARROWS if s == package and t in NEVER[package]]
    assert not bad, f"{package} must not import {sorted(NEVER[package])}:\n" + "\n".join(bad)


def test_only_the_edges_and_the_lab_use_the_simulator():
    bad = [w for s, t, w in ARROWS if t == "sim" and s not in SIM_USERS]
    assert not bad, "\n".join(bad)


def test_no_domain_package_imports_an_edge():
    bad = [w for s, t, w in ARROWS if t in EDGES and s not in EDGES]
    bad += [w for s, t, w in ARROWS if s == "api" and t in {"cli", "bench", "lab"}]
    assert not bad, "\n".join(bad)


def test_no_circle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for s, t, _ in ARROWS:
        graph[s].add(t)
    # Tarjan-free: a package in a circle reaches itself.
    circles = []
    for start in list(graph):
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            node = todo.pop()
            if node == start:
                circles.append(start)
                break
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
    assert not circles, f"packages in a circle: {sorted(circles)}"


def test_no_empty_package():
    empty = [
        str(d.relative_to(SRC))
        for d in SRC.rglob("*")
        if d.is_dir()
        and (d / "__init__.py").exists()
        and not [p for p in d.iterdir() if p.name != "__init__.py" and p.name != "__pycache__"]
    ]
    assert not empty, f"packages with nothing but __init__.py: {empty}"


def test_the_rules_see_imports_inside_functions():
    """A guard for the reader above: a function-local import must count as an arrow."""
    sample = SRC / "cli" / "sim_cmds.py"
    assert any(module.startswith("redlane.lab") for _, module in _imported(sample))
