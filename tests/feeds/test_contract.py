"""docs/feeds.md and the code are one contract.

For every feed, records are built from the spec's documented rules alone: valid records at the
boundaries (a text exactly at its limit, numbers at their bounds, the first and last dates,
optional fields left out) and one invalid record per documented error kind of every field. One
ingest per feed then checks each outcome: loaded as written, or quarantined at its line or
JSON pointer with its field and the documented reason.

Everything is read from the spec objects (kinds, limits, ranges, choices, required flags) and
the documented error table (``redlane.feeds.docs.ERROR_ROWS``), so a rule changed in one place
and not in the other fails here.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from redlane.engine.warehouse import Warehouse
from redlane.feeds.docs import ERROR_ROWS
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import DATE_MAX, DATE_MIN, FEEDS, FeedSpec, FieldSpec, TableSpec

MISSING = object()  # a field left out (JSON) or empty (CSV)


@dataclass
class Case:
    table: TableSpec
    values: dict[str, Any]  # field -> value as written; MISSING: left out
    expected: tuple[str, str] | None  # (field, reason) when refused, None when it loads
    position: int | str | None = None  # line, or JSON pointer, once written


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _sized_text(stem: str, length: int) -> str:
    return stem + "x" * (length - len(stem))


def boundary_value(f: FieldSpec, n: int, high: bool) -> Any:
    """A value the docs allow, at the top (``high``) or the bottom of the field's range."""
    limit = f.char_limit()
    match f.kind:
        case "str" | "id":
            assert limit is not None
            stem = f"{f.kind[0]}{n}-"
            return _sized_text(stem, limit) if high else stem
        case "email":
            assert limit is not None
            domain = f"@{n}.example.com"
            return "a" * (limit - len(domain)) + domain if high else f"a{domain}"
        case "int" | "decimal":
            bound = f.max if high else f.min
            if bound is None:
                return f.example
            return str(int(bound)) if f.kind == "int" else _number(bound)
        case "bool":
            return "true" if high else "false"
        case "date":
            return DATE_MAX if high else DATE_MIN
        case "datetime":
            return f"{DATE_MAX}T23:59:59Z" if high else f"{DATE_MIN}T00:00:00Z"
        case "enum":
            return f.choices[-1] if high else f.choices[0]
        case "list":
            return json.loads(f.example)
    return f.example  # country, currency, HS and HTS codes: the documented example


def violations(f: FieldSpec, feed: FeedSpec) -> list[tuple[Any, str]]:
    """(value, documented reason) for every error kind the docs give this field."""
    out: list[tuple[Any, str]] = []
    if f.required:
        out.append((MISSING, "required field is missing"))
    limit = f.char_limit()
    control = "contains control characters"
    match f.kind:
        case "str":
            out += [("bad\x01value", control), ("x" * (limit or 0) + "x", _longer(limit))]
        case "id":
            out += [("K 1", "identifier contains whitespace"), ("K\x01", control)]
            out.append(("k" * (limit or 0) + "k", _longer(limit)))
        case "email":
            too_long = "a" * ((limit or 0) + 1 - len("@example.com")) + "@example.com"
            out += [("a\x01@example.com", control), ("not-an-email", "not an email address")]
            out.append((too_long, "not an email address"))
        case "int" | "decimal":
            out += _number_violations(f)
        case "bool":
            out.append(("maybe", "not true/false"))
        case "date":
            outside = f"date outside {DATE_MIN}..{DATE_MAX}"
            out += [("2025-02-30", "not a date (YYYY-MM-DD)"), ("1989-12-31", outside)]
            out.append(("2101-01-01", outside))
        case "datetime":
            outside = f"date outside {DATE_MIN}..{DATE_MAX}"
            out += [("2025-02-30T10:00:00Z", "not an ISO 8601 date-time")]
            out += [("1989-12-31T23:59:59Z", outside), ("2101-01-01T00:00:00Z", outside)]
        case "country":
            out.append(("XX", "not an ISO 3166 country code"))
        case "currency":
            out.append(("XYZ", "not an ISO 4217 currency code"))
        case "hs6":
            out.append(("8518", "HS code must be 6 digits"))
        case "hts10":
            out.append(("8518.30", "tariff number must be 10 digits"))
        case "enum":
            out.append(("not-a-choice", f"must be one of: {', '.join(f.choices)}"))
        case "list" if feed.format != "csv":  # in CSV, any text is a `|`-separated list
            out += [(5, "not a list of strings"), ([1, 2], "not a list of strings")]
    return out


def _longer(limit: int | None) -> str:
    return f"longer than {limit} characters"


def _number_violations(f: FieldSpec) -> list[tuple[str, str]]:
    out = [("1.5", "not a whole number") if f.kind == "int" else ("12,50", "not a number")]
    if f.min is not None:
        below = f.min - 1 if f.kind == "int" or f.min == 0 else f.min / 2
        out.append((_write_number(f, below), f"must be at least {f.min:g}"))
    if f.max is not None:
        above = f.max + 1 if f.kind == "int" else f.max * 1.5
        out.append((_write_number(f, above), f"must be at most {f.max:g}"))
    return out


def _write_number(f: FieldSpec, value: float) -> str:
    return str(int(value)) if f.kind == "int" else _number(value)


def table_cases(feed: FeedSpec, table: TableSpec, first: int) -> list[Case]:
    """Two valid records (every field at the top of its range; required fields only, at the
    bottom) and one invalid record per documented error of each field, in that order."""
    high = {f.name: boundary_value(f, first, True) for f in table.fields}
    low = {
        f.name: boundary_value(f, first + 1, False) if f.required else MISSING for f in table.fields
    }
    cases = [Case(table, high, None), Case(table, low, None)]
    base = first + 2
    for f in table.fields:
        for value, reason in violations(f, feed):
            values = {g.name: boundary_value(g, base, False) for g in table.fields}
            values[f.name] = value
            cases.append(Case(table, values, (f.name, reason)))
            base += 1
    return cases


def _csv_text(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(value)
    return "" if value is MISSING else str(value)


def write_csv_cases(path: Path, table: TableSpec, cases: list[Case]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(table.field_names())
        for line, case in enumerate(cases, start=2):
            writer.writerow([_csv_text(case.values[name]) for name in table.field_names()])
            case.position = line


def _json_object(case: Case, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in case.values.items() if v is not MISSING and k not in leave_out}


def write_jsonl_cases(path: Path, cases: list[Case]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line, case in enumerate(cases, start=1):
            head = {"record_type": case.table.record_type} if case.table.record_type else {}
            out.write(json.dumps({**head, **_json_object(case)}) + "\n")
            case.position = line


def write_document_cases(path: Path, feed: FeedSpec, cases: list[Case]) -> None:
    """Top-level records in a list. The records of nested tables sit in the first (valid)
    top-level record, whose id the valid ones inherit, as the docs say; those missing that id
    sit in the top-level record that lacks it too, so that nothing can be inherited."""
    top = feed.tables[0]
    [key] = top.key
    parents = [c for c in cases if c.table is top]
    objects = [_json_object(c) for c in parents]
    for i, case in enumerate(parents):
        case.position = f"/{top.json_path[0]}/{i}"
    holder = parents[0]
    orphan = next(i for i, c in enumerate(parents) if c.values[key] is MISSING)
    for case in (c for c in cases if c.table is not top):
        at = orphan if case.values.get(key) is MISSING else 0
        parent = parents[at]
        children = objects[at].setdefault(case.table.json_path[-1], [])
        if case.expected is None:
            children.append(_json_object(case, leave_out=(key,)))
            case.values[key] = holder.values[key]
        else:
            children.append(_json_object(case))
        case.position = f"{parent.position}/{case.table.json_path[-1]}/{len(children) - 1}"
    document = {"feed": feed.kind, top.json_path[0]: objects}
    path.write_text(json.dumps(document), encoding="utf-8")


def feed_cases(feed: FeedSpec) -> list[Case]:
    cases: list[Case] = []
    for n, table in enumerate(feed.tables):
        cases += table_cases(feed, table, first=1000 * (n + 1))
    return cases


def write_feed(folder: Path, feed: FeedSpec, cases: list[Case]) -> Path:
    path = folder / f"contract.{feed.format}"
    if feed.format == "csv":
        write_csv_cases(path, feed.tables[0], cases)
    elif feed.format == "jsonl":
        write_jsonl_cases(path, cases)
    else:
        write_document_cases(path, feed, cases)
    return path


def _rows(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    cur = warehouse.connect().execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _position_column(feed: FeedSpec) -> str:
    return "location" if feed.format == "json" else "line"


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.kind)
def test_every_documented_rule_holds_at_its_boundary(feed, tmp_path, warehouse):
    cases = feed_cases(feed)
    path = write_feed(tmp_path, feed, cases)
    [result] = ingest_paths([path], warehouse)

    valid = [c for c in cases if c.expected is None]
    refused = [c for c in cases if c.expected is not None]
    assert result.status == "loaded", result.error
    assert (result.records, result.duplicates) == (len(cases), 0)
    assert (result.loaded, result.quarantined) == (len(valid), len(refused))

    where = _position_column(feed)
    quarantined = {
        (r["table_name"], r[where]): (r["field"], r["reason"])
        for r in _rows(warehouse, f"SELECT table_name, {where}, field, reason FROM quarantine")
    }
    assert quarantined == {(c.table.name, c.position): c.expected for c in refused}

    lineage = "_location" if feed.format == "json" else "_line"
    for table in feed.tables:
        loaded = {r[lineage]: r for r in _rows(warehouse, f"SELECT * FROM {table.name}")}
        for case in (c for c in valid if c.table is table):
            row = loaded[case.position]
            for f in table.fields:
                written = case.values[f.name]
                if f.kind in ("str", "id", "email") and written is not MISSING:
                    expected = written.lower() if f.kind == "email" else written
                    assert row[f.name] == expected, f"{table.name}.{f.name}"


def _documented(template: str) -> re.Pattern[str]:
    """A documented reason as a pattern: N and M stand for numbers, … for any text."""
    parts = re.split(r"(\bN\b|\bM\b|…)", template)
    pattern = "".join(
        r"-?[0-9.e+]+" if p in ("N", "M") else ".+" if p == "…" else re.escape(p) for p in parts
    )
    return re.compile(pattern)


def test_each_reason_is_documented_for_its_kind_and_each_documented_reason_is_tried():
    """The reasons above are the docs' own: each matches a reason of the documented error
    table for its field's kind, and every field reason the table documents is tried."""
    tried: set[str] = set()
    for feed in FEEDS:
        for table in feed.tables:
            for f in table.fields:
                for _, reason in violations(f, feed):
                    kind = "required" if reason == "required field is missing" else f.kind
                    rows = [r for r in ERROR_ROWS if kind in r.kinds]
                    matching = [
                        t for r in rows for t in r.reasons if _documented(t).fullmatch(reason)
                    ]
                    assert matching, f"{table.name}.{f.name}: {reason!r} is not documented"
                    tried.update(matching)
    documented = {t for r in ERROR_ROWS if r.kinds for t in r.reasons}
    assert documented <= tried, f"documented but never tried: {documented - tried}"
