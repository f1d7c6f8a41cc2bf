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


def column(table: str, index: int) -> str:
    """The text of one column of a printed table, its folded lines joined back together."""
    cells = [line.split("│")[index + 1].strip() for line in table.splitlines() if "│" in line]
    return "".join(cells)


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


def test_ingest_and_lookout_tables_fit_80_columns(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, narrow: None
) -> None:
    """The ingest report and the lookouts list: a long file name and criteria wrap, whole."""
    from pathlib import Path

    from redlane.config import get_settings
    from redlane.model.spec import FEEDS
    from tests.utils.feed_files import write_valid_feed

    home = Path(str(tmp_path)) / "home"
    monkeypatch.setenv("REDLANE_HOME", str(home))
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    monkeypatch.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
    get_settings.cache_clear()
    try:
        carrier = next(f for f in FEEDS if f.kind == "carrier")
        written = write_valid_feed(Path(str(tmp_path)), carrier)
        long_name = written.with_name("aed_express_hub_frankfurt_night_shift_20250602.csv")
        written.rename(long_name)
        # the table is on stdout (the progress bars, on stderr, are not tables)
        result = runner.invoke(app, ["ingest", str(long_name)])
        assert result.exit_code == 0, result.output
        ingested = result.stdout
        assert max(len(line) for line in ingested.splitlines()) <= 80, ingested
        assert "…" not in ingested, ingested
        assert long_name.name in column(ingested, 0)
        run(
            "target",
            "lookouts",
            "add",
            "--kind",
            "identifier",
            "--criteria",
            '{"identifier": "email", "value": "orders.department@best-deals-outlet.example.com"}',
            "--reason",
            "ring mailbox",
        )
        listed = run("target", "lookouts", "list")
        assert "orders.department@best-deals-outlet.example.com" in column(listed, 2)
    finally:
        get_settings.cache_clear()
