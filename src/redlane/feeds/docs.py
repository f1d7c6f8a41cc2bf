"""``docs/feeds.md`` written from the feed spec, so the documentation cannot drift from it."""

from __future__ import annotations

from dataclasses import dataclass

from redlane.model.spec import DATE_MAX, DATE_MIN, FEEDS, ID_MAX_LEN, FieldSpec, TableSpec

KIND_TEXT = {
    "str": "text",
    "id": "identifier (no spaces)",
    "int": "whole number",
    "decimal": "number",
    "bool": "true/false (also 1/0, yes/no)",
    "date": "date YYYY-MM-DD",
    "datetime": "ISO 8601 date-time (offset converted to UTC; none means UTC)",
    "country": "ISO 3166-1 alpha-2 country",
    "currency": "ISO 4217 currency",
    "hs6": "HS code, 6 digits (dots, spaces and dashes ignored)",
    "hts10": "HTS number, 10 digits (dots, spaces and dashes ignored)",
    "email": "email address",
    "enum": "one of a fixed set",
    "list": "list of strings (JSON array; in CSV `|`-separated)",
}

INTRO = """# Feed formats

Written by `redlane feeds docs` from `src/redlane/model/spec.py`; a test fails when this file
and the spec disagree. Every partner file is one **batch**: it loads whole or not at all.

How a file is read:
- Feed kind: `--feed KIND`, else detected from the CSV header or the first JSON record's keys.
- Encoding: UTF-8 (a byte-order mark is fine; UTF-16 with a BOM is accepted). Bytes that are not
  UTF-8 refuse their row ("invalid UTF-8 bytes"), not the file (in a JSON document: the record
  whose field holds them; a document they make unparseable is refused). A JSON escape of a lone
  surrogate (`"\\ud800"`) refuses its record as `lone surrogate escape: not valid Unicode text`,
  whatever bad bytes other records of the same file hold.
- A JSON object that repeats a key the feed reads is refused: which value counts is ambiguous.
- Values are trimmed; an empty value is a missing value. Column names are case-insensitive.
  Columns or keys not listed here are ignored (the ingest summary names ignored CSV columns).
- A row that breaks a rule goes to quarantine with file, line (JSON documents: a JSON pointer
  such as `/brands/2/product_lines/0`), field, value and reason, plus every other error of that
  row and the record as received. The good rows of the file still load.
- Every record of a file is counted once: records = loaded + duplicates + quarantined. A refused
  record has a quarantine entry for each file and line it came in, even when an earlier file
  sent the same record (`redlane quarantine show ID` lists the other files that did).
- Text lengths count characters (not bytes) after trimming; each field's limit is in its
  "allowed" column, and a longer value is refused (`longer than N characters`).
- A file that cannot be read at all (unknown type, empty, a CSV header missing a required
  column, a JSON document that does not parse) is refused whole with an error naming it; the
  command exits non-zero and the other files still load.
- Idempotency: a file whose sha256 was already loaded is skipped. A row whose natural key was
  loaded before with the same content is counted as a duplicate and skipped; the same key with
  different content is quarantined ("same key … with different content"): nothing is replaced.
  A file skipped as already loaded adds no quarantine entry either.
- Lineage columns on every loaded row: `_batch_id`, `_partner`, `_source_file`, `_file_sha256`,
  `_line`, `_location`, `_ingested_at`, plus `_key` and `_row_hash`.

Errors a field can get, by type:

"""


@dataclass(frozen=True)
class ErrorRow:
    """One row of the documented error table. ``kinds``: the field kinds whose values can get
    these reasons ("required": any required field; empty: a problem of the file's shape).
    ``N``, ``M`` and ``…`` in a reason stand for what the message fills in."""

    label: str
    reasons: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    note: str = ""


_DATE_RANGE = f"date outside {DATE_MIN}..{DATE_MAX}"
_RANGE = ("must be at least N", "must be at most N")

ERROR_ROWS: tuple[ErrorRow, ...] = (
    ErrorRow("any required field", ("required field is missing",), ("required",)),
    ErrorRow(
        "text, identifier, email",
        ("contains control characters",),
        ("str", "id", "email"),
        "(text may hold tabs and line breaks)",
    ),
    ErrorRow("text", ("longer than N characters",), ("str",), "(N: the field's limit)"),
    ErrorRow(
        "identifier",
        ("identifier contains whitespace", "longer than N characters"),
        ("id",),
        f"(N: {ID_MAX_LEN})",
    ),
    ErrorRow("whole number", ("not a whole number", *_RANGE), ("int",)),
    ErrorRow("number", ("not a number", *_RANGE), ("decimal",)),
    ErrorRow("true/false", ("not true/false",), ("bool",)),
    ErrorRow("date", ("not a date (YYYY-MM-DD)", _DATE_RANGE), ("date",)),
    ErrorRow("date-time", ("not an ISO 8601 date-time", _DATE_RANGE), ("datetime",)),
    ErrorRow("country", ("not an ISO 3166 country code",), ("country",)),
    ErrorRow("currency", ("not an ISO 4217 currency code",), ("currency",)),
    ErrorRow(
        "HS / HTS",
        ("HS code must be 6 digits", "tariff number must be 10 digits"),
        ("hs6", "hts10"),
    ),
    ErrorRow("email", ("not an email address",), ("email",), "(also when longer than its limit)"),
    ErrorRow("one of a set", ("must be one of: …",), ("enum",)),
    ErrorRow("list", ("not a list of strings",), ("list",)),
    ErrorRow(
        "CSV row",
        ("expected N fields, found M", "bad CSV: …"),
        note="(a short row: field is the first column missing)",
    ),
    ErrorRow("CSV field", ("field longer than 1,000,000 characters", "invalid UTF-8 bytes")),
    ErrorRow(
        "JSON line", ("not valid JSON: …", "JSON too deep", "expected a JSON object, found …")
    ),
    ErrorRow("JSON record", ("record_type must be one of …", "expected a single value, found …")),
    ErrorRow("JSON field", ("key repeated in the JSON object", "invalid UTF-8 bytes")),
    ErrorRow("JSON field", ("lone surrogate escape: not valid Unicode text",)),
    ErrorRow("JSON document", ("expected a list, found …",), note="(where records should be)"),
)


def _error_table() -> list[str]:
    lines = ["| type | error reasons |", "| --- | --- |"]
    for row in ERROR_ROWS:
        reasons = ", ".join(f"`{r}`" for r in row.reasons)
        lines.append(f"| {row.label} | {reasons}{' ' + row.note if row.note else ''} |")
    return lines


def _rule(f: FieldSpec) -> str:
    parts = []
    if f.choices:
        parts.append(", ".join(f"`{c}`" for c in f.choices))
    if f.min is not None:
        parts.append(f"≥ {f.min:g}")
    if f.max is not None:
        parts.append(f"≤ {f.max:g}")
    limit = f.char_limit()
    if limit is not None:
        parts.append(f"≤ {limit} chars")
    return "; ".join(parts)


def _table(t: TableSpec) -> list[str]:
    lines = [f"### Table `{t.name}`", "", t.doc, "", f"Natural key: `{', '.join(t.key)}`."]
    if t.record_type:
        lines.append(f'Records with `"record_type": "{t.record_type}"`.')
    if t.json_path:
        lines.append(f"Records at `{'/'.join(t.json_path)}` (lists expanded).")
    lines += [
        "",
        "| field | type | required | allowed | description | example |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in t.fields:
        example = f.example.replace("|", "\\|")
        lines.append(
            f"| `{f.name}` | {KIND_TEXT[f.kind]} | {'yes' if f.required else 'no'} | "
            f"{_rule(f)} | {f.doc} | `{example}` |"
        )
    return lines + [""]


def feeds_markdown() -> str:
    lines = [INTRO.rstrip("\n"), "", *_error_table(), ""]
    for feed in FEEDS:
        lines += [f"## Feed `{feed.kind}` ({feed.format}, from {feed.partner})", "", feed.doc, ""]
        if feed.signature:
            keys = ", ".join(f"`{k}`" for k in sorted(feed.signature))
            lines += [f"Detected by: {keys}.", ""]
        for table in feed.tables:
            lines += _table(table)
    return "\n".join(lines).rstrip() + "\n"
