"""Property tests: the validators and parsers give a verdict on any input and never crash."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redlane.errors import FeedError
from redlane.feeds.parse import ParseProblem, ParseStats, RawChunk, parse_csv, parse_jsonl
from redlane.feeds.validate import (
    WHITESPACE,
    cleaned_sql,
    country_codes,
    currency_codes,
    error_sql,
    reference_tables_sqls,
    typed_sql,
)
from redlane.model.spec import CARRIER, SOCIAL, FieldSpec

CON = duckdb.connect()
CON.execute("SET TimeZone = 'UTC'")
for _sql in reference_tables_sqls():
    CON.execute(_sql)


def verdict(spec: FieldSpec, value: str | None) -> tuple[object, str | None]:
    table = pa.table({spec.name: pa.array([value], pa.string())})
    CON.register("t", table)
    try:
        [row] = CON.execute(
            f"SELECT {typed_sql(spec)}, {error_sql(spec)} "
            f"FROM (SELECT {cleaned_sql(spec)} AS v FROM t)"
        ).fetchall()
    finally:
        CON.unregister("t")
    assert row is not None
    return row[0], row[1]


def field(kind: str, **kw: object) -> FieldSpec:
    return FieldSpec("v", kind, **kw)  # type: ignore[arg-type]


text = st.text(max_size=40)


@given(text)
def test_country_accepts_exactly_iso_codes(value):
    typed, error = verdict(field("country"), value)
    # An ISO code is two ASCII letters: "ﬁ" upper-cases to "FI" in Python, yet is no code.
    cleaned = value.strip(WHITESPACE).upper()
    if not value.strip(WHITESPACE):
        assert error is None and typed is None  # optional and missing
    elif value.strip(WHITESPACE).isascii() and cleaned in country_codes():
        assert error is None and typed == cleaned
    else:
        assert error == "not an ISO 3166 country code"


@given(st.one_of(text, st.sampled_from(["usd", " EUR ", "CNY", "XXX", "US"])))
def test_currency_accepts_exactly_iso_codes(value):
    _, error = verdict(field("currency", required=True), value)
    if not value.strip(WHITESPACE):
        assert error == "required field is missing"
    else:
        code = value.strip(WHITESPACE)
        assert (error is None) == (code.isascii() and code.upper() in currency_codes())


@given(st.one_of(text, st.integers(-(10**20), 10**20).map(str)))
def test_int_is_strict_and_in_range(value):
    typed, error = verdict(field("int", min=1, max=1000), value)
    stripped = value.strip(WHITESPACE)
    is_int = stripped.lstrip("+-").isascii() and stripped.lstrip("+-").isdigit()
    if not stripped:
        assert error is None
    elif not is_int or len(stripped.lstrip("+-")) > 18:
        assert error == "not a whole number"
    elif not 1 <= int(stripped) <= 1000:
        assert error is not None and error.startswith("must be at")
    else:
        assert error is None and typed == int(stripped)


@given(st.one_of(text, st.floats(allow_nan=True, allow_infinity=True).map(str)))
def test_decimal_never_accepts_nan_or_inf(value):
    _, error = verdict(field("decimal", min=0), value)
    if value.strip(WHITESPACE).lower() in ("nan", "inf", "-inf", "infinity", "+inf"):
        assert error == "not a number"


@given(st.one_of(text, st.datetimes().map(lambda d: d.isoformat() + "Z")))
def test_datetime_valid_iff_iso_within_range(value):
    typed, error = verdict(field("datetime"), value)
    if error is None and value.strip(WHITESPACE):
        assert typed is not None and 1990 <= typed.year <= 2100


@given(st.one_of(text, st.from_regex(r"\d{4}\.\d{2}", fullmatch=True)))
def test_hs6_digits_only(value):
    typed, error = verdict(field("hs6"), value)
    if error is None and value.strip(WHITESPACE):
        assert isinstance(typed, str) and len(typed) == 6 and typed.isdigit()


@given(
    st.text(max_size=30),
    st.sampled_from(["str", "id", "email", "enum", "bool", "date", "list", "hts10"]),
)
def test_every_kind_gives_a_verdict_on_any_text(value, kind):
    spec = field(kind, choices=("a", "b")) if kind == "enum" else field(kind)
    verdict(spec, value)  # must not raise


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_csv_parser_never_crashes_and_loses_no_line(tmp_path: Path, data: bytes):
    header = ",".join(CARRIER.tables[0].field_names()).encode()
    path = tmp_path / "f.csv"
    path.write_bytes(header + b"\n" + data)
    stats = ParseStats()
    try:
        items = list(parse_csv(path, CARRIER, stats))
    except FeedError:
        return  # refused whole with a reason naming the file
    rows = sum(len(i) for i in items if isinstance(i, RawChunk))
    problems = sum(isinstance(i, ParseProblem) for i in items)
    assert rows + problems >= stats.records - problems


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=60),
            st.dictionaries(
                st.sampled_from(["post_id", "platform", "handle", "posted_at", "x"]),
                st.one_of(
                    st.none(),
                    st.integers(),
                    st.text(max_size=10),
                    st.lists(st.integers(), max_size=2),
                ),
                max_size=5,
            ).map(lambda d: json.dumps(d).encode()),
        ),
        max_size=8,
    )
)
def test_jsonl_parser_accounts_for_every_nonblank_line(tmp_path: Path, lines: list[bytes]):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\n".join(x.replace(b"\n", b" ").replace(b"\r", b" ") for x in lines))
    stats = ParseStats()
    try:
        items = list(parse_jsonl(path, SOCIAL, stats))
    except FeedError as e:
        assert b"\x00" in path.read_bytes()[:4] and "UTF-16" in e.detail
        return
    rows = sum(len(i) for i in items if isinstance(i, RawChunk))
    problems = sum(isinstance(i, ParseProblem) for i in items)
    assert rows + problems == stats.records


def test_csv_round_trip_of_any_text_values(tmp_path):
    table = CARRIER.tables[0]
    values = ["a,b", 'quote"d', "multi\nline", "ünïcödé", '=HYPERLINK("x")']
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.field_names())
    for v in values:
        writer.writerow([v] * len(table.fields))
    path = tmp_path / "f.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    [chunk] = list(parse_csv(path, CARRIER, ParseStats()))
    assert isinstance(chunk, RawChunk)
    assert chunk.values("description") == values
    span = len(table.fields)  # the multi-line record has a line break in every field
    assert chunk.lines == [2, 3, 4, 5 + span, 6 + span]


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_utf8_bom_is_accepted(tmp_path, bom):
    header = ",".join(CARRIER.tables[0].field_names()).encode()
    path = tmp_path / "f.csv"
    path.write_bytes(bom + header + b"\n")
    assert list(parse_csv(path, CARRIER, ParseStats())) == []
