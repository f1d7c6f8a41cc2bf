"""Read partner files into chunks of raw string columns, keeping each record's line or location.

Parsing only splits a file into records and fields; it judges nothing but the file's shape
(encoding, field counts, JSON syntax). Every value stays a string (or None) so the validator can
give one uniform, row-level verdict in SQL. Problems found here become quarantine rows: a broken
line never stops the lines after it.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from redlane.errors import FeedError
from redlane.model.spec import FeedSpec, FieldSpec, TableSpec

CHUNK_ROWS = 100_000
# A CSV field beyond this is refused for its row, not for the whole file.
MAX_FIELD_BYTES = 1_000_000
MAX_JSON_DOCUMENT_BYTES = 512 * 1024 * 1024
LIST_SEPARATOR = "|"
# A refused record is kept as received, cut to this many characters.
RECORD_PREVIEW_CHARS = 10_000

INVALID_UTF8 = "invalid UTF-8 bytes"
LONE_SURROGATE = "lone surrogate escape: not valid Unicode text"
REPEATED_KEY = "key repeated in the JSON object"


def _csv_reader(lines: Iterable[str]) -> _csv.Reader:
    """``csv.reader`` with our field limit. The limit is the csv module's global state, which
    other libraries set on import (FollowTheMoney does), so it is set again for every file."""
    csv.field_size_limit(MAX_FIELD_BYTES)
    return csv.reader(lines)


@dataclass
class RawChunk:
    """Raw string columns for one table; ``lines``/``locations`` say where each record was."""

    table: TableSpec
    columns: dict[str, Sequence[str | None] | pa.Array]  # Arrow: straight from CSV rows
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
        """Columns from CSV rows of one width; ``positions`` maps each spec field to its column
        (-1: absent). The values go to Arrow in one conversion and each column is taken out of
        it by stride: a column per Python list cost three times as much."""
        count = len(rows)
        width = len(rows[0]) if rows else 0
        flat = pa.array(list(itertools.chain.from_iterable(rows)), pa.string())
        columns: dict[str, Sequence[str | None] | pa.Array] = {}
        for spec_field, (index, is_list) in zip(table.fields, positions, strict=True):
            if index < 0:
                columns[spec_field.name] = pa.nulls(count, pa.string())
            elif is_list:
                columns[spec_field.name] = [csv_list_text(row[index]) for row in rows]
            else:
                stride = np.arange(index, count * width, width, dtype=np.int64)
                columns[spec_field.name] = flat.take(pa.array(stride))
        return cls(table, columns, lines, [None] * count)

    def __len__(self) -> int:
        return len(self.lines)

    def values(self, name: str) -> list[str | None]:
        """One column's values as Python strings, whichever form it is held in."""
        column = self.columns[name]
        return column.to_pylist() if isinstance(column, pa.Array) else list(column)

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
# Any surrogate: a bad byte kept by ``surrogateescape`` or a JSON "\\ud800" escape. Neither can
# be written as UTF-8 (Parquet, the stores), so no value holding one goes further than quarantine.
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def without_bad_bytes(text: str) -> str:
    """``text`` with every byte that is not UTF-8 read as U+FFFD. Parsed as JSON it has the
    same shape as ``text``, and a surrogate still in one of its values came from a JSON escape:
    that is how a record tells its own fault from a bad byte elsewhere in the same text."""
    return _BAD_BYTE.sub("\ufffd", text)


def printable(text: str) -> str:
    """``text`` with every surrogate replaced by U+FFFD, so it can be stored and shown."""
    return _SURROGATE.sub("\ufffd", text)


def preview(text: str) -> str:
    """A refused record as stored in quarantine: printable, and cut if huge."""
    if len(text) > RECORD_PREVIEW_CHARS:
        text = text[:RECORD_PREVIEW_CHARS] + f"… ({len(text):,} characters in all)"
    return printable(text)


class JsonProblem(ValueError):
    """Text that ``load_json`` cannot turn into a value; ``reason`` is for quarantine."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RepeatedKeysObject(dict[str, Any]):
    """A JSON object in which some keys appear more than once (the last value is kept)."""

    repeated: frozenset[str] = frozenset()


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    flagged = RepeatedKeysObject(obj)
    flagged.repeated = frozenset(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return flagged


def _json_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        # Beyond Python's digit limit: kept as text, which the field's rules then refuse.
        return text


def load_json(text: str) -> Any:
    """Parse JSON text; every failure (syntax, nesting, sizes) is a :class:`JsonProblem`.

    Repeated keys are kept visible (:class:`RepeatedKeysObject`): which value counts is
    ambiguous, so records that repeat a field are refused rather than guessed.
    """
    try:
        return json.loads(text, parse_int=_json_int, object_pairs_hook=_json_object)
    except RecursionError:
        raise JsonProblem("JSON too deep") from None
    except ValueError as e:  # JSONDecodeError and the rest of the parser's value errors
        raise JsonProblem(f"not valid JSON: {e}") from None


def record_text(obj: Any) -> str:
    """A JSON value as the record text kept in quarantine."""
    try:
        return preview(json.dumps(obj, ensure_ascii=False))
    except (RecursionError, ValueError):
        return "(not shown: nested too deeply)"


# What a JSON list field that is not a list of strings reads as: not JSON, so the validator
# refuses it ("not a list of strings") instead of loading str() of numbers, lists or objects.
NOT_A_LIST = "(not a list of strings)"


def scalar_text(value: Any, list_field: bool) -> str | None:
    """One JSON value as the string the validator reads; lists become JSON arrays."""
    if value is None:
        return None
    if list_field:
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            # not JSON: the validator refuses it as "not a list of strings"
            return NOT_A_LIST
        return json.dumps(value, ensure_ascii=False)
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
            header = next(_csv_reader(text))
        except StopIteration:
            raise FeedError(str(path), "file is empty: no header row") from None
        except csv.Error as e:
            raise FeedError(str(path), f"header row cannot be read as CSV: {e}") from None
    return [h.strip().lower() for h in header]


@dataclass(frozen=True)
class CsvSpan:
    """Bytes ``[start, end)`` of a CSV file (``end`` None: to its end), beginning at a line
    start after ``lines_before`` physical lines; a span at 0 holds the header."""

    start: int
    end: int | None
    lines_before: int


def parse_csv(
    path: Path,
    feed: FeedSpec,
    stats: ParseStats,
    span: CsvSpan | None = None,
    tail: list[str] | None = None,
) -> Iterator[ParseItem]:
    """Records of a CSV file, or of one ``span`` of it (line numbers those of the whole file).
    ``tail`` receives the lines of the last record read, to check where a span ended."""
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
    span = span or CsvSpan(0, None, 0)
    offset = span.lines_before
    with _open_span(path, span) as (raw, text):
        received = _RecordLines(text)
        reader = _csv_reader(received)
        if span.start == 0:
            next(reader)
        last_line = reader.line_num
        while True:
            start = last_line + 1
            received.start_record()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if reader.line_num == last_line:
                    detail = f"line {start + offset}: CSV cannot be read further: {e}"
                    raise FeedError(str(path), detail) from None
                last_line = reader.line_num
                stats.records += 1
                raw_record = "".join(received.current)
                yield _csv_error_problem(e, raw_record, header, start + offset, table.name)
                continue
            last_line = reader.line_num
            if not row:
                continue
            stats.records += 1
            if len(row) != width or (check_bytes and has_bad_bytes("".join(row))):
                yield _csv_row_problem(row, header, start + offset, table.name)
                continue
            rows.append(row)
            lines.append(start + offset)
            if len(rows) >= CHUNK_ROWS:
                stats.bytes_read = span.start + raw.tell()
                yield RawChunk.from_rows(table, positions, rows, lines)
                rows, lines = [], []
        stats.bytes_read = span.start + raw.tell()
        if tail is not None:
            tail[:] = received.previous
    if rows:
        yield RawChunk.from_rows(table, positions, rows, lines)


class _ByteSpan(io.RawIOBase):
    """Bytes ``[start, end)`` of an open file, as a file of their own."""

    def __init__(self, raw: BinaryIO, start: int, end: int | None) -> None:
        self._raw, self._start, self._end = raw, start, end
        raw.seek(start)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._raw.tell() - self._start

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only absolute seeks")
        self._raw.seek(self._start + offset)
        return offset

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        if self._end is not None:
            size = min(size, self._end - self._raw.tell())
        if size <= 0:
            return 0
        data = self._raw.read(size)
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def _open_span(path: Path, span: CsvSpan) -> Iterator[tuple[BinaryIO, io.TextIOWrapper]]:
    """The span's bytes and its text. Past the first byte there is no byte-order mark to read:
    a split is only made in UTF-8 files."""
    with path.open("rb") as whole:
        raw: BinaryIO = whole
        if span != CsvSpan(0, None, 0):
            raw = io.BufferedReader(_ByteSpan(whole, span.start, span.end))
        if span.start == 0:
            text = open_text(path, raw)
        else:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        with text:
            yield raw, text


# A line after the last record of a span: read as a record of its own unless that record was
# still open (a quoted field running on), in which case the split fell inside a record.
_SPAN_END = "redlane-span-end"


def ends_between_records(lines: list[str]) -> bool:
    """Whether a CSV reader that read ``lines`` (one record's, from its start) stopped between
    records, as at the end of any record, rather than inside a quoted field."""
    try:
        rows = list(_csv_reader(io.StringIO("".join(lines) + _SPAN_END + "\n", newline="")))
    except csv.Error:
        return False
    return bool(rows) and rows[-1] == [_SPAN_END]


def _check_header(path: Path, table: TableSpec, header: list[str]) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise FeedError(str(path), f"header repeats column(s): {', '.join(duplicated)}")
    missing = [f.name for f in table.fields if f.required and f.name not in header]
    if missing:
        raise FeedError(
            str(path), f"header lacks required column(s) for {table.name}: {', '.join(missing)}"
        )


# One CSV field: runs of quoted text ("" is a quote inside) and unquoted characters.
_CSV_FIELD = re.compile(r'(?:"(?:[^"]|"")*(?:"|$)|[^,"\r\n])*')


class _RecordLines:
    """The lines of a text, keeping those of the record being read: a record the CSV reader
    refuses is then quarantined as it was received."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._lines = iter(text)
        self.current: list[str] = []
        self.previous: list[str] = []

    def start_record(self) -> None:
        self.previous, self.current = self.current, []

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.current.append(line)
        return line


def _csv_row_problem(row: list[str], header: list[str], line: int, table: str) -> ParseProblem:
    record = preview(json.dumps(row, ensure_ascii=False))
    if len(row) != len(header):
        reason = f"expected {len(header)} fields, found {len(row)}"
        # A short row (a truncated line, most often) names the first column it lacks.
        missing = header[len(row)] if len(row) < len(header) else None
        return ParseProblem(line, None, table, missing, None, reason, record)
    for name, value in zip(header, row, strict=True):
        if has_bad_bytes(value):
            return ParseProblem(line, None, table, name, printable(value), INVALID_UTF8, record)
    raise AssertionError("row has no problem")


def _csv_error_problem(
    error: csv.Error, raw: str, header: list[str], line: int, table: str
) -> ParseProblem:
    """A record the CSV reader refused: named by its oversized field where that was the cause."""
    index = _oversized_field(raw, MAX_FIELD_BYTES)
    if index is None:
        return ParseProblem(line, None, table, None, None, f"bad CSV: {error}", preview(raw))
    name = header[index] if index < len(header) else None
    reason = f"field longer than {MAX_FIELD_BYTES:,} characters"
    return ParseProblem(line, None, table, name, None, reason, preview(raw))


def _oversized_field(raw: str, limit: int) -> int | None:
    """Index of the first field of one raw CSV record longer than ``limit`` (quotes included,
    so the count is a few characters generous), or None."""
    index, pos = 0, 0
    while True:
        token = _CSV_FIELD.match(raw, pos)
        assert token is not None  # the pattern matches the empty string
        if token.end() - token.start() > limit:
            return index
        if raw[token.end() : token.end() + 1] != ",":
            return None
        index, pos = index + 1, token.end() + 1


class _Repeated:
    """Stands for an id inherited from a parent object that repeats that key."""


_REPEATED = _Repeated()


class _FieldProblem(Exception):
    def __init__(self, name: str, reason: str, value: str | None = None) -> None:
        super().__init__(name, reason)
        self.name, self.reason, self.value = name, reason, value


@dataclass(frozen=True)
class _Twin:
    """The same JSON object (and what it inherits) parsed from its text without bad bytes
    (:func:`without_bad_bytes`); only made where the text had some."""

    obj: Any
    extra: dict[str, Any]

    def text(self, spec_field: FieldSpec) -> str | None:
        value = {**self.extra, **self.obj}.get(spec_field.name)
        return _unicode_probe(value, scalar_text(value, spec_field.kind == "list"))


def _unicode_probe(value: Any, text: str | None) -> str | None:
    """The text to look for surrogates in: the field's text, or, for a list field whose value
    is not a list of strings (read as :data:`NOT_A_LIST`), every string inside the value, so a
    bad byte in ``"other_stores": "caf\xe9"`` is still named as that field's fault."""
    if text != NOT_A_LIST:
        return text
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return text


def _json_record_values(
    table: TableSpec,
    obj: dict[str, Any],
    extra: dict[str, Any] | None = None,
    twin: _Twin | None = None,
) -> dict[str, str | None]:
    """Field values of one JSON object; raises :class:`_FieldProblem` on the first field that
    is repeated, nested, or not valid Unicode. ``twin``: the object read from its text without
    the bytes that are not UTF-8, to tell a value holding such bytes from one holding a lone
    surrogate escape (None: the text had no bad bytes, so a surrogate is an escape)."""
    values: dict[str, str | None] = {}
    source = {**(extra or {}), **obj}
    repeated = obj.repeated if isinstance(obj, RepeatedKeysObject) else frozenset()
    for spec_field in table.fields:
        name = spec_field.name
        value = source.get(name)
        if name in repeated or value is _REPEATED:
            raise _FieldProblem(name, REPEATED_KEY)
        try:
            text = scalar_text(value, spec_field.kind == "list")
        except TypeError as e:
            raise _FieldProblem(name, f"expected a single value, found {e}") from None
        probe = _unicode_probe(value, text)
        if probe is not None and _SURROGATE.search(probe):
            held_bad_bytes = twin is not None and twin.text(spec_field) != probe
            reason = INVALID_UTF8 if held_bad_bytes else LONE_SURROGATE
            raise _FieldProblem(name, reason, printable(probe))
        values[name] = text
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
    bad_bytes = has_bad_bytes(record)

    def problem(
        reason: str, table: str | None = None, name: str | None = None, value: str | None = None
    ) -> tuple[ParseProblem, None, None]:
        return ParseProblem(number, None, table, name, value, reason, preview(record)), None, None

    try:
        obj = load_json(record)
    except JsonProblem as e:
        return problem(INVALID_UTF8 if bad_bytes else e.reason)
    if not isinstance(obj, dict):
        return problem(f"expected a JSON object, found {type(obj).__name__}")
    table = single
    if table is None:
        kind = obj.get("record_type")
        if isinstance(obj, RepeatedKeysObject) and "record_type" in obj.repeated:
            return problem(REPEATED_KEY, None, "record_type")
        table = by_type.get(kind) if isinstance(kind, str) else None
        if table is None:
            allowed = ", ".join(str(k) for k in by_type)
            value = None if kind is None else printable(str(kind))
            return problem(f"record_type must be one of {allowed}", None, "record_type", value)
    twin = _Twin(load_json(without_bad_bytes(record)), {}) if bad_bytes else None
    try:
        values = _json_record_values(table, obj, twin=twin)
    except _FieldProblem as e:
        return problem(e.reason, table.name, e.name, e.value)
    if bad_bytes:  # in a key or a field that is not read: the row is refused all the same
        return problem(INVALID_UTF8, table.name)
    return None, table, values


def parse_json_document(path: Path, feed: FeedSpec, stats: ParseStats) -> Iterator[ParseItem]:
    size = path.stat().st_size
    if size > MAX_JSON_DOCUMENT_BYTES:
        raise FeedError(str(path), f"JSON document of {size} bytes exceeds the limit")
    with path.open("rb") as raw, open_text(path, raw) as text:
        body = text.read()
    stats.bytes_read = size
    bad_bytes = has_bad_bytes(body)
    try:
        doc = load_json(body)
    except JsonProblem as e:
        reason = "invalid UTF-8 bytes in a JSON document" if bad_bytes else e.reason
        raise FeedError(str(path), reason) from None
    if not isinstance(doc, dict):
        raise FeedError(str(path), "expected a JSON object at the top level")
    # Same shape as ``doc``: bad bytes sit inside strings, or the document would not parse.
    twin_doc = load_json(without_bad_bytes(body)) if bad_bytes else None
    for table in feed.tables:
        chunk = RawChunk.empty(table)
        for location, obj, parent, twin in _walk_with_twins(doc, twin_doc, table.json_path):
            stats.records += 1
            if isinstance(obj, _NotAList):
                reason = f"expected a list, found {type(obj.value).__name__}"
                record = record_text(obj.value)
                yield ParseProblem(None, location, table.name, None, None, reason, record)
                continue
            if not isinstance(obj, dict):
                reason = f"expected a JSON object, found {type(obj).__name__}"
                yield ParseProblem(None, location, table.name, None, None, reason, record_text(obj))
                continue
            try:
                chunk.add(_json_record_values(table, obj, parent, twin), None, location)
            except _FieldProblem as e:
                yield ParseProblem(
                    None, location, table.name, e.name, e.value, e.reason, record_text(obj)
                )
        if len(chunk):
            yield chunk


@dataclass(frozen=True)
class _NotAList:
    """Where a list of records was expected, something else was found."""

    value: Any


def _walk_with_twins(
    doc: dict[str, Any], twin_doc: Any, path: tuple[str, ...]
) -> Iterator[tuple[str, Any, dict[str, Any], _Twin | None]]:
    """:func:`_walk`, each object with its twin from ``twin_doc`` (None when there is none)."""
    if twin_doc is None:
        for location, obj, parent in _walk(doc, path):
            yield location, obj, parent, None
        return
    for (location, obj, parent), (_, twin_obj, twin_parent) in zip(
        _walk(doc, path), _walk(twin_doc, path), strict=True
    ):
        yield location, obj, parent, _Twin(twin_obj, twin_parent)


def _walk(doc: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """Objects found at ``path`` (lists expanded), with a JSON pointer and the parent's id fields.

    A child inherits its parent's ``*_id`` values (e.g. ``brand_id``) unless it has its own; an
    id the parent repeats is inherited as ambiguous. Where the last key of ``path`` holds
    something other than a list, that is yielded as :class:`_NotAList` so it is not lost.
    """
    level: list[tuple[str, Any, dict[str, Any]]] = [("", doc, {})]
    for depth, key in enumerate(path):
        last = depth == len(path) - 1
        following: list[tuple[str, Any, dict[str, Any]]] = []
        for pointer, node, inherited in level:
            if not isinstance(node, dict):
                continue
            items = node.get(key)
            if not isinstance(items, list):
                if items is not None and last:
                    following.append((f"{pointer}/{key}", _NotAList(items), {}))
                continue
            ids: dict[str, Any] = {
                k: v for k, v in node.items() if k.endswith("_id") and isinstance(v, str)
            }
            if isinstance(node, RepeatedKeysObject):
                ids.update({k: _REPEATED for k in node.repeated if k.endswith("_id")})
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
