"""The console's floors (``docs/architecture.md``), read from the code's imports (``ast``).

``web/kit.py`` is the page kit: it imports no page module. Page modules use the kit and the
shared views (``case_views``, ``brand_views``, ``queries``), never a JSON router.
"""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "redlane" / "api" / "web"
PAGES = sorted(p for p in WEB.glob("*.py") if p.name not in {"__init__.py", "kit.py"})


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file, function-local ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def test_there_are_page_modules() -> None:
    assert {"console.py", "case_pages.py", "brand_pages.py"} <= {p.name for p in PAGES}


def test_the_kit_imports_no_page_module() -> None:
    pages = {f"redlane.api.web.{p.stem}" for p in PAGES}
    bad = [
        f"kit.py:{line} imports {module}"
        for line, module in _imports(WEB / "kit.py")
        if any(module == page or module.startswith(page + ".") for page in pages)
    ]
    assert not bad, "\n".join(bad)


def test_no_page_module_imports_a_router() -> None:
    bad = [
        f"{path.name}:{line} imports {module}"
        for path in PAGES
        for line, module in _imports(path)
        if module.startswith("redlane.api.routers")
    ]
    assert not bad, "\n".join(bad)
