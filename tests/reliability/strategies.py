"""Hypothesis strategies for partner files with known defects, built from the feed spec.

A generated file carries what ingesting it must give: the natural keys that load, how many rows
are exact repeats (counted as duplicates), and for every injected defect the quarantine row it
must produce (table, line or JSON pointer, field, reason). Good rows carry noise that must not
stop them: byte-order marks, UTF-16, CRLF, blank lines, shuffled and upper-case headers, ignored
columns and keys, surrounding whitespace, quoted commas and line breaks, formula-like text,
escaped or raw Unicode, numbers and booleans as JSON values. Defects cover bytes that are not
UTF-8, lone surrogate escapes, control characters, truncated and over-long lines, huge values,
nested and deeply nested JSON, repeated keys, out-of-range numbers and dates, malformed records,
and rows that conflict with an earlier row of the same file.

Values follow the spec's kinds, limits and choices (``redlane.model.spec``), so a new field or
rule is fuzzed without touching this module.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from redlane.feeds.currency import RATE_DATE_FIELDS
from redlane.feeds.parse import INVALID_UTF8, LONE_SURROGATE, REPEATED_KEY
from redlane.feeds.validate import (
    FALSE_WORDS,
    ID_MAX_LEN,
    TRUE_WORDS,
    WHITESPACE,
    country_codes,
    currency_codes,
)
from redlane.model.spec import DATE_MAX, DATE_MIN, FeedSpec, FieldSpec, TableSpec

# Stands for one byte that is not UTF-8 (written as 0xE9, Latin-1 "é") in a rendered file.
BAD_BYTE_MARK = "\ue000"
BAD_BYTE = b"\xe9"
FORMULAS = ('=HYPERLINK("http://x.example/a","open")', "=1+1", "+SUM(1,2)", "-2+3", "@cmd")
DAY_MIN, DAY_MAX = date.fromisoformat(DATE_MIN), date.fromisoformat(DATE_MAX)
MAX_RECORDS = 25


@dataclass(frozen=True)
class Fault:
    """What one defective record must become in quarantine: ``reasons`` are exact texts (or
    prefixes when ``prefix``); ``table``/``field`` are None where the record as a whole is bad."""

    kind: str
    table: str | None
    field: str | None
    reasons: frozenset[str]
    prefix: bool = False

    def matches(self, reason: str) -> bool:
        if self.prefix:
            return any(reason.startswith(r) for r in self.reasons)
        return reason in self.reasons


@dataclass(eq=False)
class Record:
    """One record of a generated file: ``values`` as the partner wrote them (None: absent),
    ``inherited`` the ids a JSON child takes from its parent, ``twist`` how to render it."""

    table: TableSpec
    values: dict[str, Any]
    fault: Fault | None = None
    twist: tuple[str, Any] | None = None
    duplicate: bool = False
    conflict_of: Record | None = None
    inherited: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    location: str | None = None

    def value(self, name: str) -> Any:
        own = self.values.get(name)
        return own if own is not None else self.inherited.get(name)

    def key(self) -> tuple[str, ...]:
        return tuple(clean(self.value(k)) or "" for k in self.table.key)

    def good(self) -> bool:
        return self.fault is None and not self.duplicate


@dataclass
class FeedFile:
    feed: FeedSpec
    name: str
    data: bytes
    records: list[Record]
    refused: str | None = None  # the whole file must be refused, naming this

    def __repr__(self) -> str:
        return f"FeedFile({self.name}, {len(self.data):,} bytes, {len(self.records)} records)"

    def excerpt(self, line: int | None, location: str | None) -> str:
        """The text around a record, for failure messages."""
        text = self.data.decode(
            "utf-16" if self.data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace"
        )
        if line is None:
            return f"{location}: {text[:2000]!r}"
        lines = re.split(r"\r\n|\r|\n", text)
        return "\n".join(
            f"{i + 1}: {lines[i][:300]!r}"
            for i in range(max(0, line - 3), min(len(lines), line + 2))
        )

    def expected_loaded(self) -> dict[str, set[tuple[str, ...]]]:
        loaded: dict[str, set[tuple[str, ...]]] = {t.name: set() for t in self.feed.tables}
        for r in self.records:
            if r.good():
                loaded[r.table.name].add(r.key())
        return loaded

    def faults(self) -> list[Record]:
        return [r for r in self.records if r.fault is not None]

    def duplicates(self) -> int:
        return sum(r.duplicate for r in self.records)


def clean(value: Any) -> str | None:
    """What the validator sees of a text value: trimmed, empty as missing."""
    if value is None:
        return None
    text = str(value).strip(WHITESPACE)
    return text or None


# --- valid values ---------------------------------------------------------------------------

# Printable text: no controls, surrogates, private use, or line and paragraph separators.
_TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
_ID_CHARS = st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/#=+@()\"'ÄéßЖ中"
)
_PAD = st.sampled_from(["", "", "", " ", "  ", "\t", "\xa0"])


@st.composite
def _padded(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    return draw(_PAD) + draw(inner) + draw(_PAD)


@st.composite
def _text(draw: st.DrawFn, f: FieldSpec) -> str:
    body = draw(
        st.one_of(
            st.text(_TEXT, min_size=1, max_size=min(f.max_len, 40)),
            st.sampled_from(FORMULAS),
            st.text(st.sampled_from('ab ,"\n\t'), min_size=1, max_size=12),
        )
    )
    if not body.strip(WHITESPACE):
        body = "x" + body
    return draw(_padded(st.just(body)))


def _number_text(value: Decimal) -> st.SearchStrategy[str]:
    plain = format(value, "f")
    return st.sampled_from([plain, f" {plain} ", f"+{plain}" if value >= 0 else plain])


@st.composite
def _datetime_text(draw: st.DrawFn) -> str:
    moment = draw(
        st.datetimes(datetime(1990, 1, 2), datetime(2100, 12, 30), timezones=st.just(UTC))
    )
    offset = draw(st.sampled_from([None, 0, 330, -300]))
    sep = draw(st.sampled_from(["T", " "]))
    seconds = draw(st.sampled_from([":%S", ":%S.%f", ""]))
    if offset is None:
        text = moment.strftime(f"%Y-%m-%d{sep}%H:%M{seconds}")
        return text + draw(st.sampled_from(["", "Z", "z"]))
    shown = moment.astimezone(timezone(timedelta(minutes=offset)))
    zone = shown.strftime("%z")
    colon = draw(st.sampled_from([":", ""]))
    return shown.strftime(f"%Y-%m-%d{sep}%H:%M{seconds}") + zone[:3] + colon + zone[3:]


def valid_value(f: FieldSpec, fmt: str) -> st.SearchStrategy[Any]:
    """A value the spec accepts for ``f``, as a partner might write it (in JSON, numbers and
    booleans are native some of the time)."""
    json_like = fmt != "csv"
    match f.kind:
        case "str":
            return _text(f)
        case "id":
            return _padded(st.text(_ID_CHARS, min_size=1, max_size=40))
        case "int":
            ints = st.integers(int(f.min or 0), int(f.max if f.max is not None else 10**9))
            text = ints.flatmap(lambda n: _number_text(Decimal(n)))
            return st.one_of(text, ints) if json_like else text
        case "decimal":
            low = Decimal(str(f.min or 0))
            high = Decimal(str(f.max if f.max is not None else 10**6))
            decimals = st.decimals(low, high, places=3, allow_nan=False, allow_infinity=False)
            text = decimals.flatmap(_number_text)
            return st.one_of(text, decimals.map(float)) if json_like else text
        case "bool":
            words = st.sampled_from(TRUE_WORDS + FALSE_WORDS).flatmap(
                lambda w: st.sampled_from([w, w.upper()])
            )
            return st.one_of(words, st.booleans()) if json_like else words
        case "date":
            return st.dates(DAY_MIN, DAY_MAX).map(date.isoformat)
        case "datetime":
            return _datetime_text()
        case "country":
            return st.sampled_from(country_codes()).flatmap(
                lambda c: st.sampled_from([c, c.lower(), f" {c} "])
            )
        case "currency":
            return st.sampled_from(currency_codes()).flatmap(
                lambda c: st.sampled_from([c, c.lower()])
            )
        case "hs6":
            return st.from_regex(r"[0-9]{6}|[0-9]{4}\.[0-9]{2}", fullmatch=True)
        case "hts10":
            return st.from_regex(r"[0-9]{10}|[0-9]{4}\.[0-9]{2}\.[0-9]{4}", fullmatch=True)
        case "email":
            return st.from_regex(r"[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True)
        case "enum":
            return st.sampled_from(f.choices).flatmap(lambda c: st.sampled_from([c, c.upper()]))
        case "list":
            item = st.text(_TEXT.filter(lambda c: c != "|"), min_size=1, max_size=10)
            items = st.lists(item.filter(lambda s: bool(s.strip())), max_size=3)
            return items if json_like else items.map(lambda xs: "|".join(x.strip() for x in xs))
    raise AssertionError(f.kind)


@st.composite
def valid_record(
    draw: st.DrawFn,
    table: TableSpec,
    n: int,
    fmt: str,
    absent: frozenset[str] = frozenset(),
    inherited: dict[str, Any] | None = None,
) -> Record:
    """A good record; ``n`` makes its natural key unique within the file. Fields in
    ``inherited`` (a JSON child's brand_id) are left for the parent to give."""
    inherited = inherited or {}
    values: dict[str, Any] = {}
    for f in table.fields:
        if f.name in absent or f.name in inherited:
            values[f.name] = None
        elif not f.required and draw(st.integers(0, 3)) == 0:
            values[f.name] = None
        else:
            values[f.name] = draw(valid_value(f, fmt))
    if table.name in RATE_DATE_FIELDS and values.get("currency") is not None:
        # money in another currency needs a rate for its (random) date: only USD never does
        values["currency"] = draw(st.sampled_from(["USD", "usd"]))
    kinds = {f.name: f.kind for f in table.fields}
    for name in table.key:
        if name == "brand_id" and table.key != ("brand_id",):
            continue  # a recordations child takes it from its brand
        if kinds[name] == "currency":  # a code takes no suffix: the key's date is unique
            values[name] = (clean(values[name]) or "").upper()  # as loaded
            continue
        if kinds[name] == "date":
            values[name] = (DAY_MIN + timedelta(days=n)).isoformat()
            continue
        values[name] = f"K{n}-{clean(values[name]) or ''}".replace(" ", "_")[:ID_MAX_LEN]
    return Record(table, values, inherited=inherited)


# --- defects --------------------------------------------------------------------------------


def bad_values(f: FieldSpec) -> list[tuple[str, Any, str]]:
    """(label, value, reason) that the spec refuses for ``f``."""
    out: list[tuple[str, Any, str]] = []
    if f.required:
        out += [("missing", "", "required field is missing")]
        out += [("blank", " \t\xa0 ", "required field is missing")]
    control = "contains control characters"
    match f.kind:
        case "str":
            out += [("control", "a\x00b", control), ("control", "\x1b[31mred\x7f", control)]
            out += [("too_long", "x" * (f.max_len + 1), f"longer than {f.max_len} characters")]
        case "id":
            limit = min(f.max_len, ID_MAX_LEN)
            out += [("whitespace", "A B", "identifier contains whitespace")]
            out += [("control", "A\x01\x0b", control)]
            out += [("too_long", "K" * (limit + 1), f"longer than {limit} characters")]
        case "int":
            out += [("not_int", v, "not a whole number") for v in ("1.5", "12abc", "9" * 25)]
            if f.min is not None:
                out += [("below", str(int(f.min) - 1), f"must be at least {f.min:g}")]
            if f.max is not None:
                out += [("above", str(int(f.max) + 1), f"must be at most {f.max:g}")]
        case "decimal":
            out += [("not_number", v, "not a number") for v in ("NaN", "1e400", "12,5", "-inf")]
            if f.min is not None:
                out += [("below", str(f.min - 1), f"must be at least {f.min:g}")]
            if f.max is not None:
                out += [("above", str(f.max * 10), f"must be at most {f.max:g}")]
        case "bool":
            out += [("not_bool", "maybe", "not true/false")]
        case "date":
            shape, outside = "not a date (YYYY-MM-DD)", f"date outside {DATE_MIN}..{DATE_MAX}"
            out += [("bad_date", v, shape) for v in ("2025-02-30", "03/06/2025", "99999-01-01")]
            out += [("date_range", v, outside) for v in ("1899-12-31", "2101-01-01")]
        case "datetime":
            shape, outside = "not an ISO 8601 date-time", f"date outside {DATE_MIN}..{DATE_MAX}"
            out += [("bad_datetime", v, shape) for v in ("next tuesday", "2025-13-01T00:00:00Z")]
            out += [("datetime_range", v, outside) for v in ("1980-05-01T10:00Z", "2150-05-01")]
        case "country":
            out += [("bad_country", v, "not an ISO 3166 country code") for v in ("XX", "USA")]
        case "currency":
            out += [("bad_currency", "DOLLAR", "not an ISO 4217 currency code")]
        case "hs6":
            out += [("bad_hs", "8518", "HS code must be 6 digits")]
        case "hts10":
            out += [("bad_hts", "851830", "tariff number must be 10 digits")]
        case "email":
            out += [("bad_email", "not-an-email", "not an email address")]
            out += [("control", "a\x00@b.example", control)]
        case "enum":
            out += [("bad_enum", "bogus", f"must be one of: {', '.join(f.choices)}")]
    return out


def _other_value(f: FieldSpec, tag: int, current: str | None) -> str:
    """A valid value of ``f`` made from ``tag`` (a str, id, decimal or int field) that differs
    from ``current``: it keeps refused records apart and makes conflicts differ."""
    if f.kind in ("str", "id"):
        value = f"U{tag}"
        return value if value != current else f"V{tag}"
    value = Decimal(int(f.min or 0) + 1 + tag)
    if current is not None and Decimal(current.lstrip("+")) == value:
        value += 1
    return str(value)


def _marker_field(record: Record, fields: list[FieldSpec], skip: str) -> FieldSpec | None:
    return next(
        (
            f
            for f in fields
            if f.name not in (skip, *record.table.key)
            and f.name not in record.inherited
            and f.kind in ("str", "id", "decimal", "int")
        ),
        None,
    )


@st.composite
def value_fault(
    draw: st.DrawFn, record: Record, fmt: str, fields: list[FieldSpec], bad_bytes: bool, tag: int
) -> Record:
    """``record`` with one field given a value the spec refuses or, in JSON, a wrong shape.

    Quarantine keeps one row per distinct record and reason, so a fault on a key field (which
    would otherwise make two records alike) also gets a distinct value elsewhere (``tag``)."""
    choices = [(f, label, value, reason) for f in fields for label, value, reason in bad_values(f)]
    if fmt != "csv":
        for f in fields:
            choices += [
                (f, "surrogate_escape", "x\ud800y", LONE_SURROGATE),
                (f, "repeated_key", None, REPEATED_KEY),
            ]
            if f.kind != "list":  # a list field takes any JSON value as its items
                choices += [
                    (
                        f,
                        "nested_object",
                        {"a": [1, {"b": 2}]},
                        "expected a single value, found dict",
                    ),
                    (f, "nested_list", [1, 2], "expected a single value, found list"),
                ]
    if bad_bytes:
        choices += [(f, "bad_bytes", f"caf{BAD_BYTE_MARK}", INVALID_UTF8) for f in fields]
    f, label, value, reason = draw(st.sampled_from(choices))
    values = dict(record.values)
    twist: tuple[str, Any] | None = None
    if label == "repeated_key":
        twist = ("repeat", f.name)
        if values[f.name] is None:
            values[f.name] = draw(valid_value(f, fmt))
    else:
        values[f.name] = value
        twist = {"bad_bytes": ("raw", None), "surrogate_escape": ("ascii", None)}.get(label)
    if f.name in record.table.key:
        marker = _marker_field(record, fields, f.name)
        if marker is not None:
            values[marker.name] = _other_value(marker, tag, None)
    reasons = {reason}
    if fmt == "json" and label in ("bad_bytes", "surrogate_escape"):
        # In a document holding bad bytes anywhere, a lone surrogate is reported as bad bytes.
        reasons |= {INVALID_UTF8, LONE_SURROGATE}
    fault = Fault(f"{f.kind}:{label}", record.table.name, f.name, frozenset(reasons))
    return replace(record, values=values, fault=fault, twist=twist)


def repeat_of(original: Record) -> Record:
    return replace(original, duplicate=True, line=None, location=None)


def conflict_with(original: Record, fields: list[FieldSpec], tag: int) -> Record:
    """Same natural key as ``original``, other content: quarantined as a conflict."""
    target = _marker_field(original, fields, "")
    assert target is not None, original.table.name
    values = dict(original.values)
    values[target.name] = _other_value(target, tag, clean(original.value(target.name)))
    key = ",".join(original.table.key)
    fault = Fault("conflict", original.table.name, key, frozenset())  # reason set once placed
    return replace(original, values=values, fault=fault, conflict_of=original, twist=None)


def settle_conflicts(records: list[Record]) -> None:
    """Give conflicts their reason, which names where the first row of the key is."""
    for r in records:
        if r.conflict_of is not None and r.fault is not None:
            first = r.conflict_of
            where = f"line {first.line}" if first.line is not None else first.location
            reason = f"same key ({r.fault.field}) as {where} of this file, with different content"
            r.fault = replace(r.fault, reasons=frozenset({reason}))


@st.composite
def one_record(
    draw: st.DrawFn,
    records: list[Record],
    table: TableSpec,
    n: int,
    fmt: str,
    fields: list[FieldSpec],
    bad_bytes: bool,
    absent: frozenset[str] = frozenset(),
    inherited: dict[str, Any] | None = None,
) -> Record:
    """The next record of a file: good, a repeat or a conflict of an earlier one, or faulty."""
    earlier = [r for r in records if r.good() and r.table is table]
    roll = draw(st.integers(0, 9))
    if roll == 0 and earlier:
        return repeat_of(draw(st.sampled_from(earlier)))
    if roll == 1 and earlier:
        return conflict_with(draw(st.sampled_from(earlier)), fields, n)
    record = draw(valid_record(table, n, fmt, absent, inherited))
    if roll in (2, 3, 4):
        record = draw(value_fault(record, fmt, fields, bad_bytes, n))
    return record


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    if encoding == "utf-16":
        return text.encode("utf-16")  # always with a byte-order mark
    data = text.encode("utf-8", "surrogatepass").replace(BAD_BYTE_MARK.encode(), BAD_BYTE)
    return (b"\xef\xbb\xbf" if bom else b"") + data


# --- CSV ------------------------------------------------------------------------------------

_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class CsvLayout:
    columns: tuple[str, ...]  # header as written
    names: tuple[str | None, ...]  # the spec field of each column (None: an ignored column)
    terminator: str
    quoting: int

    def line(self, cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, quoting=self.quoting, lineterminator=self.terminator).writerow(cells)
        return out.getvalue()


@st.composite
def csv_layout(draw: st.DrawFn, table: TableSpec) -> CsvLayout:
    optional = [f.name for f in table.fields if not f.required]
    absent = draw(st.sets(st.sampled_from(optional))) if optional else set()
    names: list[str | None] = [f.name for f in table.fields if f.name not in absent]
    names = draw(st.permutations(names + [None] * draw(st.integers(0, 2))))
    columns = tuple(
        f"extra_{i}" if name is None else draw(st.sampled_from([name, name.upper(), f" {name} "]))
        for i, name in enumerate(names)
    )
    return CsvLayout(
        columns=columns,
        names=tuple(names),
        terminator=draw(st.sampled_from(["\n", "\r\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )


def _csv_shape_fault(draw: st.DrawFn, record: Record, layout: CsvLayout) -> Record:
    width = len(layout.columns)
    if width > 1 and draw(st.booleans()):
        keep = draw(st.integers(1, width - 1))
        missing = layout.names[keep] or layout.columns[keep].strip().lower()
        reason = f"expected {width} fields, found {keep}"
        fault = Fault("csv:truncated_row", record.table.name, missing, frozenset({reason}))
        return replace(record, fault=fault, twist=("keep", keep))
    extra = draw(st.integers(1, 3))
    reason = f"expected {width} fields, found {width + extra}"
    fault = Fault("csv:extra_fields", record.table.name, None, frozenset({reason}))
    return replace(record, fault=fault, twist=("extra", extra))


def _csv_row(record: Record, layout: CsvLayout) -> str:
    cells = [
        'ignored, "quoted"' if name is None else ("" if v is None else str(v))
        for name in layout.names
        for v in [record.values.get(name) if name else None]
    ]
    if record.twist and record.twist[0] == "keep":
        # What is left may not hold the key: a mark keeps two truncated rows apart.
        cells = cells[: record.twist[1]]
        cells[0] += "~" + "~".join(record.key())
    elif record.twist and record.twist[0] == "extra":
        cells += ["surplus"] * record.twist[1]
    return layout.line(cells)


@st.composite
def csv_file(draw: st.DrawFn, feed: FeedSpec) -> FeedFile:
    """A CSV feed file: good rows, repeats, conflicts and defective rows, with line numbers."""
    table = feed.tables[0]
    layout = draw(csv_layout(table))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16"]))
    bad_bytes = encoding == "utf-8"
    present = [f for f in table.fields if f.name in layout.names]
    absent = frozenset(f.name for f in table.fields if f.name not in layout.names)
    records: list[Record] = []
    for n in range(draw(st.integers(1, MAX_RECORDS))):
        record = draw(one_record(records, table, n, "csv", present, bad_bytes, absent))
        if record.fault is None and not record.duplicate and draw(st.integers(0, 9)) == 0:
            record = _csv_shape_fault(draw, record, layout)
        records.append(record)
    parts = [layout.line(list(layout.columns))]
    line = 2
    for record in records:
        if draw(st.integers(0, 6)) == 0:  # blank lines are skipped, and still counted
            parts.append(layout.terminator)
            line += 1
        text = _csv_row(record, layout)
        record.line = line
        line += len(_BREAKS.findall(text))
        parts.append(text)
    text = "".join(parts)
    if draw(st.booleans()):
        text = text[: -len(layout.terminator)]  # no line break after the last row
    settle_conflicts(records)
    data = _encode(text, encoding, bom=draw(st.booleans()))
    return FeedFile(feed, f"{feed.kind}.csv", data, records)


# --- JSON Lines and JSON documents ---------------------------------------------------------


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@st.composite
def _json_text(draw: st.DrawFn, obj: dict[str, Any], record: Record) -> str:
    """One JSON object as text: keys shuffled, an ignored (maybe nested) key now and then,
    Unicode raw or escaped, and a repeated key written before the real one."""
    if draw(st.integers(0, 3)) == 0:
        obj = {**obj, "ignored_key": _deep(draw(st.integers(0, 60)))}
    obj = {k: obj[k] for k in draw(st.permutations(list(obj)))}
    twist = record.twist[0] if record.twist else None
    ascii_only = twist == "ascii" or (twist != "raw" and draw(st.booleans()))
    text = json.dumps(obj, ensure_ascii=ascii_only)
    if twist == "repeat":
        text = "{" + json.dumps(record.twist[1]) + ': "shadowed", ' + text[1:]  # type: ignore[index]
    return text


def _record_object(record: Record, record_type: str | None) -> dict[str, Any]:
    obj = {k: v for k, v in record.values.items() if v is not None}
    return obj if record_type is None else {"record_type": record_type, **obj}


def _line_faults(n: int) -> list[tuple[str, str, str, bool]]:
    """(label, line, reason, reason is a prefix) for lines that are not a record; ``n`` keeps
    each line distinct (quarantine keeps one row per distinct record and reason)."""
    pad = " " * n
    return [
        ("json:truncated", "", "not valid JSON: ", True),
        ("json:garbage", f"{{'single': {n}}}", "not valid JSON: ", True),
        ("json:too_deep", pad + "[" * 100_000 + "]" * 100_000, "JSON too deep", False),
        ("json:array", f"[1, {n}]", "expected a JSON object, found list", False),
        ("json:string", f'"just text {n}"', "expected a JSON object, found str", False),
        ("json:null", pad + "null", "expected a JSON object, found NoneType", False),
        ("json:huge_number", "1" + "0" * 5000 + str(n), "expected a JSON object, found str", False),
    ]


@st.composite
def jsonl_file(draw: st.DrawFn, feed: FeedSpec) -> FeedFile:
    """A JSON Lines feed file; ``record_type`` picks the table where the feed has several."""
    types = [t.record_type for t in feed.tables if t.record_type]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16"]))
    bad_bytes = encoding == "utf-8"
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    records: list[Record] = []
    texts: list[str] = []
    for n in range(draw(st.integers(1, MAX_RECORDS))):
        table = draw(st.sampled_from(feed.tables))
        fields = list(table.fields)
        record = draw(one_record(records, table, n, "jsonl", fields, bad_bytes))
        if record.duplicate:
            text = texts[next(i for i, r in enumerate(records) if r.key() == record.key())]
        else:
            text = draw(_json_text(_record_object(record, table.record_type), record))
        if record.good() and draw(st.integers(0, 9)) == 0:
            record, text = _line_fault(draw, record, text, types, n)
        records.append(record)
        texts.append(text)
    out: list[str] = []
    number = 1
    for record, text in zip(records, texts, strict=True):
        if draw(st.integers(0, 6)) == 0:
            out.append(draw(st.sampled_from(["", "   ", "\t"])) + terminator)
            number += 1
        record.line = number
        out.append(text + terminator)
        number += 1
    settle_conflicts(records)
    data = _encode("".join(out), encoding, bom=draw(st.booleans()))
    return FeedFile(feed, f"{feed.kind}.jsonl", data, records)


def _line_fault(
    draw: st.DrawFn, record: Record, text: str, types: list[str], n: int
) -> tuple[Record, str]:
    options = _line_faults(n)
    if types:
        reason = f"record_type must be one of {', '.join(types)}"
        options += [("json:record_type", "bogus", reason, False)]
        options += [("json:no_record_type", "", reason, False)]
    label, bad, reason, prefix = draw(st.sampled_from(options))
    field_name: str | None = None
    if label == "json:truncated":
        bad = " " * n + text[: draw(st.integers(1, max(1, len(text) - 1)))]
    elif label in ("json:record_type", "json:no_record_type"):
        obj = json.loads(text)
        if bad:
            obj["record_type"] = bad
        else:
            obj.pop("record_type")
        bad, field_name = json.dumps(obj), "record_type"
    fault = Fault(label, None, field_name, frozenset({reason}), prefix=prefix)
    return replace(record, fault=fault, twist=None), bad


@st.composite
def json_document(draw: st.DrawFn, feed: FeedSpec) -> FeedFile:
    """A recordations document: brands, each with lists of child records that inherit its
    ``brand_id``; defects in brands (other than their id), children and child lists."""
    parent, *child_tables = feed.tables
    bad_bytes = draw(st.booleans())
    records: list[Record] = []
    brands: list[dict[str, Any]] = []
    counter = iter(range(10_000))
    for b in range(draw(st.integers(1, 4))):
        fields = [f for f in parent.fields if f.name != "brand_id"]
        brand = draw(one_record(records, parent, next(counter), "json", fields, bad_bytes))
        brand.location = f"/brands/{b}"
        records.append(brand)
        obj = draw(_json_text(_record_object(brand, None), brand))
        node: dict[str, Any] = {"__text__": obj}
        if not brand.duplicate:
            for table in child_tables:
                node[table.json_path[-1]] = _children(
                    draw, records, table, brand, b, counter, bad_bytes
                )
        brands.append(node)
    settle_conflicts(records)
    text = _document_text(draw, brands)
    data = _encode(text, "utf-8", bom=draw(st.booleans()))
    return FeedFile(feed, f"{feed.kind}.json", data, records)


def _children(
    draw: st.DrawFn,
    records: list[Record],
    table: TableSpec,
    brand: Record,
    b: int,
    counter: Any,
    bad_bytes: bool,
) -> Any:
    key = table.json_path[-1]
    inherited = {"brand_id": brand.values["brand_id"]}
    shape = draw(st.integers(0, 14))
    if shape == 0:
        return None  # no such list: nothing to load, nothing refused
    if shape == 1:
        n = next(counter)
        wrong = draw(st.sampled_from([{"not": "a list", "n": n}, f"text {n}", 42 + n]))
        found = type(wrong).__name__
        fault = Fault(
            "json:not_a_list", table.name, None, frozenset({f"expected a list, found {found}"})
        )
        records.append(Record(table, {}, fault=fault, location=f"/brands/{b}/{key}"))
        return {"__raw__": wrong}
    items: list[Any] = []
    siblings: list[Record] = []
    for j in range(draw(st.integers(0, 3))):
        location = f"/brands/{b}/{key}/{j}"
        if draw(st.integers(0, 12)) == 0:
            n = next(counter)
            wrong = draw(st.sampled_from([f"text {n}", 7 + n, [1, n]]))
            reason = f"expected a JSON object, found {type(wrong).__name__}"
            fault = Fault("json:not_an_object", table.name, None, frozenset({reason}))
            records.append(Record(table, {}, fault=fault, location=location))
            items.append({"__raw__": wrong})
            continue
        n = next(counter)
        fields = list(table.fields)
        child = draw(one_record(siblings, table, n, "json", fields, bad_bytes, inherited=inherited))
        child.location = location
        siblings.append(child)
        records.append(child)
        items.append({"__text__": draw(_json_text(_record_object(child, None), child))})
    return items


def _document_text(draw: st.DrawFn, brands: list[dict[str, Any]]) -> str:
    """The document, assembled from pre-rendered record texts so their twists survive."""

    def render(node: Any) -> str:
        if isinstance(node, dict) and "__raw__" in node:
            return json.dumps(node["__raw__"])
        if isinstance(node, dict) and "__text__" in node:
            own = node["__text__"]
            lists = [f"{json.dumps(k)}: {render(v)}" for k, v in node.items() if k != "__text__"]
            if not lists:
                return own
            body = own[1:-1].strip()
            return "{" + ", ".join(([body] if body else []) + lists) + "}"
        if isinstance(node, list):
            return "[" + ", ".join(render(x) for x in node) + "]"
        return json.dumps(node)

    head = '{"feed": "recordations", "rights_holder": "Fuzz Holdings", "brands": '
    return head + render(brands) + "}" + draw(st.sampled_from(["", "\n"]))


@st.composite
def refused_document(draw: st.DrawFn, feed: FeedSpec) -> FeedFile:
    """A recordations document that cannot be read at all: it must be refused whole."""
    good = '{"feed": "recordations", "brands": [{"brand_id": "B1", "name": "N", "owner": "O"}]}'
    label, text, reason = draw(
        st.sampled_from(
            [
                ("truncated", good[: len(good) // 2], "not valid JSON"),
                ("top_level_list", "[" + good + "]", "expected a JSON object at the top level"),
                ("too_deep", "[" * 100_000 + "]" * 100_000, "JSON too deep"),
                ("deep_inside", '{"brands": ' + "[" * 100_000 + "]" * 100_000 + "}", "too deep"),
                ("bad_bytes_outside_strings", good.replace(":", BAD_BYTE_MARK, 1), "invalid UTF-8"),
                ("empty", "", "not valid JSON"),
            ]
        )
    )
    del label
    return FeedFile(feed, f"{feed.kind}.json", _encode(text, "utf-8", False), [], refused=reason)
