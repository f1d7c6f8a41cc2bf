"""Read partner files into chunks of raw string columns, keeping each record's line or location.

Parsing only splits a file into records and fields; it judges nothing but the file's shape
(encoding, field counts, JSON syntax). Every value stays a string (or None) so the validator can
give one uniform, row-level verdict in SQL. Problems found here become quarantine rows: a broken
line never stops the lines after it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from redlane.errors import FeedError
from redlane.feeds.spec import FeedSpec, TableSpec

CHUNK_ROWS = 100_000
# A CSV field beyond this is refused for its row, not for the whole file.
MAX_FIELD_BYTES = 1_000_000
MAX_JSON_DOCUMENT_BYTES = 512 * 1024 * 1024
LIST_SEPARATOR = "|"

csv.field_size_limit(MAX_FIELD_BYTES)


@dataclass
class RawChunk:
    """Raw string columns for one table; ``lines``/``locations`` say where each record was."""

    table: TableSpec
    columns: dict[str, Sequence[str | None]]
    lines: list[int | None] = field(default_factory=list)
    locations: list[str | None] = field(default_factory=list)

    @classmethod
    def empty(cls, table: TableSpec) -> RawChunk:
        return cls(table, {name: [] for name in table.field_names()})

    @classmethod
    def from_rows(
        cls,
        table: TableSpec,
        positions: list[tuple[int, bool]],
        rows: list[list[str]],
        lines: list[int | None],
    ) -> RawChunk:
        """Columns from CSV rows; ``positions`` maps each spec field to its column (-1: absent)."""
        transposed = list(zip(*rows, strict=True)) if rows else []
        columns: dict[str, Sequence[str | None]] = {}
        for spec_field, (index, is_list) in zip(table.fields, positions, strict=True):
            if index < 0:
                columns[spec_field.name] = [None] * len(rows)
            elif is_list:
                columns[spec_field.name] = [csv_list_text(v) for v in transposed[index]]
            else:
                columns[spec_field.name] = transposed[index]
        return cls(table, columns, lines, [None] * len(rows))

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, values: dict[str, str | None], line: int | None, location: str | None) -> None:
        for name, column in self.columns.items():
            assert isinstance(column, list)
            column.append(values.get(name))
        self.lines.append(line)
        self.locations.append(location)


@dataclass(frozen=True)
class ParseProblem:
    """A record refused before validation: its text is kept so nothing is lost."""

    line: int | None
    location: str | None
    table: str | None
    field: str | None
    value: str | None
    reason: str
    record: str


@dataclass
class ParseStats:
    records: int = 0
    bytes_read: int = 0
    ignored_columns: tuple[str, ...] = ()


ParseItem = RawChunk | ParseProblem


def open_text(path: Path, raw: BinaryIO) -> io.TextIOWrapper:
    """Text stream that never raises on bad bytes: they become surrogates we detect per row."""
    head = raw.read(4)
    raw.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head[:4] and len(head) == 4:
        raise FeedError(str(path), "looks like UTF-16/32 without a byte-order mark; send UTF-8")
    else:
        encoding = "utf-8-sig"
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


_BAD_BYTE = re.compile("[\udc80-\udcff]")


def is_valid_utf8(path: Path) -> bool:
    """One fast pass over the bytes, so clean files skip the per-row check."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as raw:
        try:
            for block in iter(lambda: raw.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def has_bad_bytes(text: str) -> bool:
    """True where decoding met bytes that are not UTF-8 (kept as lone surrogates)."""
    return _BAD_BYTE.search(text) is not None


def scalar_text(value: Any, list_field: bool) -> str | None:
    """One JSON value as the string the validator reads; lists become JSON arrays."""
    if value is None:
        return None
    if list_field:
        items = value if isinstance(value, list) else [value]
        return json.dumps([str(x) for x in items if x is not None], ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError(type(value).__name__)


def csv_list_text(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    parts = [p.strip() for p in value.split(LIST_SEPARATOR) if p.strip()]
    return json.dumps(parts, ensure_ascii=False)


def read_csv_header(path: Path) -> list[str]:
    with path.open("rb") as raw, open_text(path, raw) as text:
        try:
            header = next(csv.reader(text))
        except StopIteration:
            raise FeedError(str(path), "file is empty: no header row") from None
        except csv.Error as e:
            raise FeedError(str(path), f"header row cannot be read as CSV: {e}") from None
    return [h.strip().lower() for h in header]


def parse_csv(path: Path, feed: FeedSpec, stats: ParseStats) -> Iterator[ParseItem]:
    table = feed.tables[0]
    header = read_csv_header(path)
    _check_header(path, table, header)
    stats.ignored_columns = tuple(h for h in header if h not in table.field_names())
    positions = [
        (header.index(f.name), f.kind == "list") if f.name in header else (-1, False)
        for f in table.fields
    ]
    rows: list[list[str]] = []
    lines: list[int | None] = []
    check_bytes = not is_valid_utf8(path)
    width = len(header)
    with path.open("rb") as raw, open_text(path, raw) as text:
        reader = csv.reader(text)
        next(reader)
        last_line = reader.line_num
        while True:
            start = last_line + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if reader.line_num == last_line:
                    detail = f"line {start}: CSV cannot be read further: {e}"
                    raise FeedError(str(path), detail) from None
                last_line = reader.line_num
                yield ParseProblem(start, None, table.name, None, None, f"bad CSV: {e}", "")
                continue
            last_line = reader.line_num
            if not row:
                continue
            stats.records += 1
            if len(row) != width or (check_bytes and has_bad_bytes("".join(row))):
                yield _csv_row_problem(row, header, start, table.name)
                continue
            rows.append(row)
            lines.append(start)
            if len(rows) >= CHUNK_ROWS:
                stats.bytes_read = raw.tell()
                yield RawChunk.from_rows(table, positions, rows, lines)
                rows, lines = [], []
        stats.bytes_read = raw.tell()
    if rows:
        yield RawChunk.from_rows(table, positions, rows, lines)


def _check_header(path: Path, table: TableSpec, header: list[str]) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise FeedError(str(path), f"header repeats column(s): {', '.join(duplicated)}")
    missing = [f.name for f in table.fields if f.required and f.name not in header]
    if missing:
        raise FeedError(
            str(path), f"header lacks required column(s) for {table.name}: {', '.join(missing)}"
        )


def _csv_row_problem(row: list[str], header: list[str], line: int, table: str) -> ParseProblem:
    record = json.dumps(row, ensure_ascii=False)
    if len(row) != len(header):
        reason = f"expected {len(header)} fields, found {len(row)}"
        return ParseProblem(line, None, table, None, None, reason, record)
    for name, value in zip(header, row, strict=True):
        if has_bad_bytes(value):
            clean = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return ParseProblem(line, None, table, name, clean, "invalid UTF-8 bytes", record)
    raise AssertionError("row has no problem")


def _json_record_values(
    table: TableSpec, obj: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, str | None]:
    """Field values of one JSON object; raises TypeError naming the field on nested values."""
    values: dict[str, str | None] = {}
    source = {**(extra or {}), **obj}
    for spec_field in table.fields:
        try:
            values[spec_field.name] = scalar_text(
                source.get(spec_field.name), spec_field.kind == "list"
            )
        except TypeError as e:
            raise TypeError(spec_field.name, f"expected a single value, found {e}") from None
    return values


def parse_jsonl(path: Path, feed: FeedSpec, stats: ParseStats) -> Iterator[ParseItem]:
    by_type: dict[str | None, TableSpec] = {t.record_type: t for t in feed.tables if t.record_type}
    single = feed.tables[0] if not by_type else None
    chunks = {t.name: RawChunk.empty(t) for t in feed.tables}
    with path.open("rb") as raw, open_text(path, raw) as text:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            stats.records += 1
            problem, table, values = _jsonl_record(line, number, by_type, single)
            if problem is not None:
                yield problem
                continue
            assert table is not None and values is not None
            chunk = chunks[table.name]
            chunk.add(values, number, None)
            if len(chunk) >= CHUNK_ROWS:
                stats.bytes_read = raw.tell()
                yield chunk
                chunks[table.name] = RawChunk.empty(table)
        stats.bytes_read = raw.tell()
    yield from (c for c in chunks.values() if len(c))


def _jsonl_record(
    line: str, number: int, by_type: dict[str | None, TableSpec], single: TableSpec | None
) -> tuple[ParseProblem | None, TableSpec | None, dict[str, str | None] | None]:
    record = line.rstrip("\r\n")
    if has_bad_bytes(record):
        clean = record.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return (
            ParseProblem(number, None, None, None, None, "invalid UTF-8 bytes", clean),
            None,
            None,
        )
    try:
        obj = json.loads(record)
    except (json.JSONDecodeError, RecursionError) as e:
        reason = f"not valid JSON: {e}" if isinstance(e, json.JSONDecodeError) else "JSON too deep"
        return ParseProblem(number, None, None, None, None, reason, record), None, None
    if not isinstance(obj, dict):
        reason = f"expected a JSON object, found {type(obj).__name__}"
        return ParseProblem(number, None, None, None, None, reason, record), None, None
    table = single
    if table is None:
        kind = obj.get("record_type")
        table = by_type.get(kind) if isinstance(kind, str) else None
        if table is None:
            allowed = ", ".join(str(k) for k in by_type)
            reason = f"record_type must be one of {allowed}"
            value = None if kind is None else str(kind)
            return (
                ParseProblem(number, None, None, "record_type", value, reason, record),
                None,
                None,
            )
    try:
        return None, table, _json_record_values(table, obj)
    except TypeError as e:
        name, reason = e.args
        return ParseProblem(number, None, table.name, name, None, reason, record), None, None


def parse_json_document(path: Path, feed: FeedSpec, stats: ParseStats) -> Iterator[ParseItem]:
    size = path.stat().st_size
    if size > MAX_JSON_DOCUMENT_BYTES:
        raise FeedError(str(path), f"JSON document of {size} bytes exceeds the limit")
    with path.open("rb") as raw, open_text(path, raw) as text:
        body = text.read()
    stats.bytes_read = size
    if has_bad_bytes(body):
        raise FeedError(str(path), "invalid UTF-8 bytes in a JSON document")
    try:
        doc = json.loads(body)
    except (json.JSONDecodeError, RecursionError) as e:
        raise FeedError(str(path), f"not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise FeedError(str(path), "expected a JSON object at the top level")
    for table in feed.tables:
        chunk = RawChunk.empty(table)
        for location, obj, parent in _walk(doc, table.json_path):
            stats.records += 1
            if not isinstance(obj, dict):
                record = json.dumps(obj, ensure_ascii=False)
                reason = f"expected a JSON object, found {type(obj).__name__}"
                yield ParseProblem(None, location, table.name, None, None, reason, record)
                continue
            try:
                chunk.add(_json_record_values(table, obj, parent), None, location)
            except TypeError as e:
                name, reason = e.args
                record = json.dumps(obj, ensure_ascii=False)
                yield ParseProblem(None, location, table.name, name, None, reason, record)
        if len(chunk):
            yield chunk


def _walk(doc: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Objects found at ``path`` (lists expanded), with a JSON pointer and the parent's id fields.

    A child inherits its parent's ``*_id`` values (e.g. ``brand_id``) unless it has its own.
    """
    level: list[tuple[str, Any, dict[str, Any]]] = [("", doc, {})]
    for key in path:
        following: list[tuple[str, Any, dict[str, Any]]] = []
        for pointer, node, inherited in level:
            if not isinstance(node, dict):
                continue
            items = node.get(key)
            if not isinstance(items, list):
                continue
            ids = {k: v for k, v in node.items() if k.endswith("_id") and isinstance(v, str)}
            for i, item in enumerate(items):
                following.append((f"{pointer}/{key}/{i}", item, {**inherited, **ids}))
        level = following
    return iter(level)


def parse_file(path: Path, feed: FeedSpec, stats: ParseStats) -> Iterator[ParseItem]:
    if feed.format == "csv":
        return parse_csv(path, feed, stats)
    if feed.format == "jsonl":
        return parse_jsonl(path, feed, stats)
    return parse_json_document(path, feed, stats)
