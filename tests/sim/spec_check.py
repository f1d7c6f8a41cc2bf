"""A plain-Python reading of the feed spec's rules, to check simulated files row by row.

Independent of the SQL validator on purpose: if both agree with the simulator, the simulator
follows the spec rather than one implementation of it.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pycountry

from redlane.model.spec import FieldSpec, TableSpec

COUNTRIES = {c.alpha_2 for c in pycountry.countries}
CURRENCIES = {c.alpha_3 for c in pycountry.currencies}
DATETIME_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def field_error(f: FieldSpec, raw: Any) -> str | None:
    """Why ``raw`` breaks ``f``'s rule, or None. JSON values arrive as Python values."""
    if f.kind == "list":
        if raw is None or raw == "":
            return "missing" if f.required else None
        items = raw if isinstance(raw, list) else str(raw).split("|")
        return None if all(isinstance(x, str) for x in items) else "list"
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    value = "" if raw is None else str(raw).strip()
    if value == "":
        return "missing" if f.required else None
    match f.kind:
        case "str":
            return "too long" if len(value) > f.max_len else None
        case "id":
            return "id" if re.search(r"\s", value) or len(value) > min(f.max_len, 128) else None
        case "int":
            if not re.fullmatch(r"[+-]?\d{1,18}", value):
                return "int"
            return _range(f, int(value))
        case "decimal":
            try:
                number = float(value)
            except ValueError:
                return "decimal"
            return _range(f, number)
        case "bool":
            return None if value.lower() in ("true", "false", "1", "0", "yes", "no") else "bool"
        case "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                return "date"
            return None if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "date"
        case "datetime":
            if not DATETIME_Z.fullmatch(value):
                return "datetime"
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return "datetime"
            return None
        case "country":
            return None if value.upper() in COUNTRIES else "country"
        case "currency":
            return None if value.upper() in CURRENCIES else "currency"
        case "hs6":
            return None if re.fullmatch(r"\d{6}", re.sub(r"[.\s-]", "", value)) else "hs6"
        case "hts10":
            return None if re.fullmatch(r"\d{10}", re.sub(r"[.\s-]", "", value)) else "hts10"
        case "email":
            return None if EMAIL.fullmatch(value) and len(value) <= 254 else "email"
        case "enum":
            return None if value.lower() in f.choices else "enum"
    raise AssertionError(f.kind)


def _range(f: FieldSpec, number: float) -> str | None:
    if f.min is not None and number < f.min:
        return "below min"
    if f.max is not None and number > f.max:
        return "above max"
    return None


def row_errors(table: TableSpec, record: dict[str, Any]) -> dict[str, str]:
    out = {}
    for f in table.fields:
        err = field_error(f, record.get(f.name))
        if err is not None:
            out[f.name] = err
    return out


def csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Header and (physical line, record) pairs; the header is line 1."""
    text = path.read_text(encoding="utf-8")
    assert "\r" not in text, f"{path}: lines must end with \\n only"
    lines = text.split("\n")
    assert lines[-1] == "", f"{path}: must end with a newline"
    header = next(csv.reader([lines[0]]))

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for number, line in enumerate(lines[1:-1], start=2):
            values = next(csv.reader([line]))
            assert len(values) == len(header), f"{path}:{number}: field count"
            yield number, dict(zip(header, values, strict=True))

    return header, records()


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            yield number, json.loads(line)
