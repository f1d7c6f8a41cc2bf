"""A large CSV file parsed in two halves stages what one pass stages: the same rows with the
same line numbers, the same problems, the same counts, whatever quotes and line breaks it holds."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redlane.errors import FeedError
from redlane.feeds.parse import (
    CsvSpan,
    ParseProblem,
    ParseStats,
    RawChunk,
    ends_between_records,
    parse_csv,
)
from redlane.feeds.stage import SPLIT_MIN_BYTES_ENV, csv_split, stage_file
from redlane.model.spec import CARRIER

FIELDS = CARRIER.tables[0].field_names()
# Values a partner's file holds: quotes, separators, line breaks of both kinds, non-ASCII.
VALUE = st.one_of(
    st.sampled_from(["", "x", 'say "hi"', "a,b", "two\nlines", "crlf\r\nline", "ünï", '"']),
    st.text(alphabet='ab,"\n é', max_size=8),
)
# Lines written by hand, as a careless exporter would: short rows, a quote in mid-field,
# a quoted field left open, a blank line.
ODD_LINE = st.sampled_from(['x,y"z,w', "only,two", "", '"open,field', 'a,"b""c",d'])


@st.composite
def csv_files(draw: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(FIELDS)
    for _ in range(draw(st.integers(1, 30))):
        if draw(st.integers(0, 9)) == 0:
            out.write(draw(ODD_LINE) + "\n")
        else:
            writer.writerow([draw(VALUE) for _ in FIELDS])
    return out.getvalue().encode()


def _items(path: Path, span: CsvSpan | None = None, tail: list[str] | None = None) -> tuple:
    stats = ParseStats()
    rows: list[tuple[Any, ...]] = []
    problems: list[ParseProblem] = []
    for item in parse_csv(path, CARRIER, stats, span, tail):
        if isinstance(item, RawChunk):
            columns = [item.values(name) for name in FIELDS]
            rows += zip(item.lines, *columns, strict=True)
        else:
            problems.append(item)
    return rows, problems, stats.records


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csv_files())
def test_two_spans_read_as_one_pass_wherever_the_split_holds(tmp_path: Path, data: bytes):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    try:
        whole = _items(path)
    except FeedError:
        return
    second = csv_split(path, 1)
    if second is None:
        return
    tail: list[str] = []
    first = _items(path, CsvSpan(0, second.start, 0), tail)
    if not ends_between_records(tail):
        return  # the split fell inside a record: staging parses the file whole instead
    later = _items(path, second)
    assert first[0] + later[0] == whole[0]
    assert first[1] + later[1] == whole[1]
    assert first[2] + later[2] == whole[2]


def _staged(staging: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    raw = sorted((staging / "raw" / "aed_shipments").glob("*.parquet"))
    rows = pa.concat_tables([pq.read_table(p) for p in raw]).to_pylist() if raw else []
    problem_files = sorted((staging / "problems").glob("*.parquet"))
    problems = [r for p in problem_files for r in pq.read_table(p).to_pylist()]
    key = lambda r: (r.get("_line") or r.get("line") or 0, str(r))  # noqa: E731
    return [tuple(r.items()) for r in sorted(rows, key=key)], [
        tuple(r.items()) for r in sorted(problems, key=key)
    ]


def _stage(path: Path, staging: Path, min_bytes: int, monkeypatch: pytest.MonkeyPatch) -> tuple:
    monkeypatch.setenv(SPLIT_MIN_BYTES_ENV, str(min_bytes))
    stats = ParseStats()
    stage_file(path, CARRIER, staging, stats, None)
    return (*_staged(staging), stats.records)


def _file(tmp_path: Path, rows: list[list[str]], odd: dict[int, str]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for n, row in enumerate(rows):
        if n in odd:
            out.write(odd[n] + "\n")
        writer.writerow(row)
    path = tmp_path / "big.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_split_file_stages_what_one_pass_stages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rows = [[f"{name}-{n}" for name in FIELDS] for n in range(3000)]
    for n in range(0, 3000, 7):
        rows[n][3] = f'quoted "{n}",\nwith a line break'
    path = _file(tmp_path, rows, {100: "only,two", 2500: "too,short"})
    whole = _stage(path, tmp_path / "one", 10**12, monkeypatch)
    halves = _stage(path, tmp_path / "two", 1, monkeypatch)
    assert csv_split(path, 1) is not None
    assert any(p.name.startswith("b-") for p in (tmp_path / "two" / "raw").rglob("*.parquet"))
    assert halves == whole
    assert whole[2] == 3002 and len(whole[1]) == 2


def test_a_split_inside_a_quoted_field_falls_back_to_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A quote in mid-field (read as a character) makes the quotes before the middle odd, so
    the balanced line end found is inside the next quoted field: the check catches it."""
    rows = [[f"{name}-{n}" for name in FIELDS] for n in range(400)]
    for n in range(201, 400):
        rows[n][3] = "first line\nsecond line"
    path = _file(tmp_path, rows, {10: 'stray"quote,x'})
    second = csv_split(path, 1)
    assert second is not None
    tail: list[str] = []
    _items(path, CsvSpan(0, second.start, 0), tail)
    assert not ends_between_records(tail)
    whole = _stage(path, tmp_path / "one", 10**12, monkeypatch)
    assert _stage(path, tmp_path / "two", 1, monkeypatch) == whole
    assert not any(p.name.startswith("b-") for p in (tmp_path / "two").rglob("*.parquet"))


def test_files_that_are_not_split(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\r1,2\r3,4\r")  # lone carriage returns: lines counted otherwise
    assert csv_split(path, 1) is None
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    assert csv_split(path, 1) is None
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    assert csv_split(path, 10**6) is None  # small
    assert csv_split(path, 1) == CsvSpan(8, None, 2)
