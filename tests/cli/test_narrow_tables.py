"""Tables at 80 columns: identifiers, statuses and times print whole, never cut into "…"."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.cli.common import ColumnKind, console, fitting_table
from tests.cases.conftest import settings, world_template  # noqa: F401

runner = CliRunner()
# A title with a word wider than its column: Rich's default cut it and the times into "…".
TITLE = "Best Deals Outlet via https://shop.example.com/stores/best-deals-outlet/spring-2025"


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "width", 80)  # as if COLUMNS=80


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80, result.output
    assert "…" not in result.output, result.output
    return result.output


def test_case_list_and_timeline_fit_80_columns(settings: object, narrow: None) -> None:  # noqa: F811
    run("case", "open", "--ring", "R1", "--title", TITLE)
    run("case", "status", "1", "investigation")
    listed = run("case", "list")
    assert "investigation" in listed
    updated = runner.invoke(app, ["case", "list", "--json"]).output
    assert '"updated_at": "' in updated
    stamp = updated.split('"updated_at": "', 1)[1][:19]
    assert stamp in listed

    shown = run("case", "show", "1")
    for key in ("2025-06-03T09:30:00", "customs_entries", "aed_shipments", "hawb H1"):
        assert key in shown


@pytest.mark.parametrize("width", [80, 60, 40])
def test_fitting_table_never_cuts_a_value(width: int) -> None:
    from rich.console import Console

    rows = [["A-000123456789", "investigation", TITLE, "2026-12-07T02:01:13"]]
    columns: list[tuple[str, ColumnKind]] = [
        ("actor", "key"),
        ("status", "key"),
        ("title", "text"),
        ("updated", "key"),
    ]
    out = Console(width=width, record=True)
    with out.capture() as captured:
        out.print(fitting_table("t", columns, rows, width=width))
    text = captured.get()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    if width == 80:
        assert all(value in text for value in (rows[0][0], rows[0][1], rows[0][3]))
