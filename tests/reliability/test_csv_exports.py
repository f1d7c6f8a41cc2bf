"""CSV exports never hand a spreadsheet a formula: partner text such as ``=HYPERLINK(...)`` is
written so it shows as text, and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from redlane import csv_export
from redlane.targeting.plan import PlannedItem, PlanResult, write_holds

SRC = Path(__file__).resolve().parents[2] / "src" / "redlane"
HOSTILE = [
    '=HYPERLINK("http://evil.example/x","Click for details")',
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A9)",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


@given(st.text(max_size=30))
def test_a_cell_is_neutralised_exactly_when_a_spreadsheet_would_run_it(text: str) -> None:
    cell = csv_export.safe_cell(text)
    number = re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text) is not None
    if text.startswith(csv_export.FORMULA_STARTS) and not number:
        assert cell == "'" + text
    else:
        assert cell == text


def test_numbers_and_non_text_pass_unchanged() -> None:
    for value in (-3.5, 0, None, "-3.50", "+12", "1e-5", "plain", ""):
        assert csv_export.safe_cell(value) == value


def test_writer_neutralises_every_hostile_cell() -> None:
    out = io.StringIO()
    csv_export.writer(out, lineterminator="\n").writerows([[v, v] for v in HOSTILE])

    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))

    assert rows == [["'" + v, "'" + v] for v in HOSTILE]


def test_a_line_break_never_splits_a_row() -> None:
    out = io.StringIO()
    csv_export.writer(out, lineterminator="\n").writerow(["a\rb", "c\nd", "plain"])

    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [["a\rb", "c\nd", "plain"]]


def test_holds_list_written_for_the_carrier_shows_partner_text_as_text(tmp_path: Path) -> None:
    items = [
        PlannedItem(
            carrier="@EXPR",
            hawb=value,
            lane="red",
            rank=rank,
            score=0.5,
            expected_value=-12.5,
            propensity=1.0,
            selected_by="model",
            reasons=[value, "value above threshold"],
        )
        for rank, value in enumerate(HOSTILE, start=1)
    ]
    result = PlanResult("JFK", "2025-06-03", 5, 5, 0.05, 0, len(items), "m1", items)

    csv_path, _json_path = write_holds(result, tmp_path)

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8", newline="")))
    assert [r["hawb"] for r in rows] == ["'" + v for v in HOSTILE]
    assert {r["carrier"] for r in rows} == {"'@EXPR"}
    assert all(r["reasons"].startswith("'") for r in rows)
    assert {r["expected_value"] for r in rows} == {"-12.50"}  # a number stays a number


def test_every_csv_export_in_the_package_goes_through_the_helper() -> None:
    # The simulator writes partner files as partners would, formulas and all: not an export.
    allowed = {"csv_export.py", "sim/writers.py"}
    raw = [
        name
        for path in SRC.rglob("*.py")
        if (name := path.relative_to(SRC).as_posix()) not in allowed
        and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert raw == [], "write CSV exports with redlane.csv_export.writer"
