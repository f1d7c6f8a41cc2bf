"""Feed files as partners send them (CSV, JSON Lines, JSON), with their bad rows and resends.

Writers take columns of strings (CSV) or dicts (JSON Lines), break a few rows with ``errors``,
interleave yesterday's resent rows, write the file, and remember exactly where every injected
error and every resent duplicate ended up. Line numbers are physical 1-based lines: in a CSV the
header is line 1 (no field ever contains a line break, so one record is one line); in JSON Lines
the first record is line 1.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from redlane.model.spec import TableSpec
from redlane.sim.errors import Injected, bad_value, choose, plan

Row = tuple[str, ...]


@dataclass
class Resend:
    file: str
    line: int
    original_file: str
    original_line: int
    record_key: str


@dataclass
class FeedWriter:
    out: Path
    bad_rate: float
    files: dict[str, int] = field(default_factory=dict)
    injected: list[Injected] = field(default_factory=list)
    resends: list[Resend] = field(default_factory=list)

    def csv(
        self,
        rel: str,
        table: TableSpec,
        columns: dict[str, list[str]],
        keys: list[str],
        rng: random.Random,
        keep: frozenset[int] = frozenset(),
        resent: Sequence[tuple[Row, str, int, str]] = (),
        bad_rate: float | None = None,
    ) -> tuple[list[int], list[int]]:
        """Write a CSV; returns each new row's line, and the rows broken on purpose.

        ``keep`` rows are never broken; ``bad_rate`` overrides the writer's rate.

        ``resent`` holds (row, original file, original line, key) of rows sent again here.
        """
        n = len(keys)
        rate = self.bad_rate if bad_rate is None else bad_rate
        broken = plan(n, rate, rng, keep)
        notes: list[tuple[int, str, str, str, str]] = []
        for i in broken:
            spec, kind = choose(table, rng)
            original = columns[spec.name][i]
            columns[spec.name][i] = bad_value(spec, kind, original, rng)
            notes.append((i, spec.name, kind, original, columns[spec.name][i]))
        header = table.field_names()
        rows: list[Row] = list(zip(*(columns[h] for h in header), strict=True))
        total = n + len(resent)
        at = sorted(rng.sample(range(total), len(resent))) if resent else []
        ordered: list[Row] = []
        src = 0
        for k, pos in enumerate(at):
            # pos - k new rows come before the k-th resent row.
            ordered.extend(rows[src : pos - k])
            src = pos - k
            row, ofile, oline, key = resent[k]
            ordered.append(row)
            self.resends.append(Resend(rel, pos + 2, ofile, oline, key))
        ordered.extend(rows[src:])
        free = np.ones(total, dtype=np.bool_)
        free[at] = False
        lines: list[int] = (np.flatnonzero(free) + 2).tolist()
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(ordered)
        for i, name, kind, original, value in notes:
            self.injected.append(
                Injected(rel, lines[i], table.name, keys[i], name, kind, original, value)
            )
        self.files[rel] = total
        return lines, broken

    def jsonl(
        self, rel: str, records: list[tuple[TableSpec, dict[str, Any]]], rng: random.Random
    ) -> None:
        broken = plan(len(records), self.bad_rate, rng)
        for i in broken:
            table, record = records[i]
            spec, kind = choose(table, rng)
            original = _text(record.get(spec.name))
            value = bad_value(spec, kind, original, rng)
            if value == "" and rng.random() < 0.5:
                record.pop(spec.name, None)
            else:
                record[spec.name] = value
            key = "|".join(_text(record.get(k)) for k in table.key)
            self.injected.append(
                Injected(rel, i + 1, table.name, key, spec.name, kind, original, value)
            )
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for table, record in records:
                obj = {"record_type": table.record_type, **record} if table.record_type else record
                fh.write(
                    json.dumps({k: v for k, v in obj.items() if v is not None}, ensure_ascii=False)
                    + "\n"
                )
        self.files[rel] = len(records)

    def json(self, rel: str, document: dict[str, Any], rows: int) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        self.files[rel] = rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


class TruthWriter:
    """Parquet tables under truth/: streamed a day at a time or written whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.streams: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def append(self, name: str, table: pa.Table) -> None:
        if name not in self.streams:
            self.streams[name] = pq.ParquetWriter(
                self.folder / f"{name}.parquet", table.schema, compression="zstd"
            )
        self.streams[name].write_table(table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows

    def write(self, name: str, table: pa.Table) -> None:
        pq.write_table(table, self.folder / f"{name}.parquet", compression="zstd")
        self.rows[name] = table.num_rows

    def close(self) -> None:
        for stream in self.streams.values():
            stream.close()
        self.streams.clear()
