"""Small, valid feed files built from the spec's own examples, for tests to break on purpose."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from redlane.model.spec import RECORDATIONS, FeedSpec, TableSpec


def valid_record(table: TableSpec, i: int) -> dict[str, str]:
    """The spec's example row, with its natural key made unique by ``i``."""
    record = {f.name: f.example for f in table.fields}
    kinds = {f.name: f.kind for f in table.fields}
    for name in table.key:
        if kinds[name] == "currency":
            continue  # a code cannot take a suffix; the key's date varies instead
        if kinds[name] == "date":
            record[name] = (date.fromisoformat(record[name]) + timedelta(days=i)).isoformat()
        elif name != "brand_id" or table.key == ("brand_id",):
            record[name] = f"{record[name].replace(' ', '-')}-{i}"
    return record


def write_csv(
    path: Path, table: TableSpec, records: list[dict[str, str]], header: list[str] | None = None
) -> Path:
    columns = header or list(table.field_names())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for record in records:
            writer.writerow([record.get(c, "") for c in columns])
    return path


def json_value(table: TableSpec, name: str, value: str) -> Any:
    kind = next(f.kind for f in table.fields if f.name == name)
    if kind == "list" and value.startswith("["):
        return json.loads(value)
    return value


def write_jsonl(
    path: Path, feed: FeedSpec, records: list[tuple[TableSpec, dict[str, str]]]
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for table, record in records:
            obj: dict[str, Any] = {k: json_value(table, k, v) for k, v in record.items()}
            if table.record_type:
                obj = {"record_type": table.record_type, **obj}
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def recordations_document(brands: int = 2) -> dict[str, Any]:
    brand_t, tm_t, pl_t, ap_t = RECORDATIONS.tables
    doc_brands = []
    for b in range(brands):
        brand = valid_record(brand_t, b)
        children = {
            "trademarks": [valid_record(tm_t, b * 10 + j) for j in range(2)],
            "product_lines": [
                {k: json_value(pl_t, k, v) for k, v in valid_record(pl_t, b * 10 + j).items()}
                for j in range(2)
            ],
            "authorized_parties": [valid_record(ap_t, b * 10 + j) for j in range(2)],
        }
        for rows in children.values():
            for row in rows:
                row.pop("brand_id", None)
        doc_brands.append({**brand, **children})
    return {"feed": "recordations", "rights_holder": "Auralis Audio Inc.", "brands": doc_brands}


def write_valid_feed(folder: Path, feed: FeedSpec, rows: int = 5) -> Path:
    """A valid file of ``rows`` records per table for any feed."""
    if feed.format == "csv":
        table = feed.tables[0]
        return write_csv(
            folder / f"{feed.kind}.csv", table, [valid_record(table, i) for i in range(rows)]
        )
    if feed.format == "jsonl":
        records = [(t, valid_record(t, i)) for t in feed.tables for i in range(rows)]
        return write_jsonl(folder / f"{feed.kind}.jsonl", feed, records)
    path = folder / f"{feed.kind}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recordations_document(rows)), encoding="utf-8")
    return path
