"""A day's scores written to a file: ``redlane target score``.

One row a shipment (:data:`~redlane.targeting.spark_features.SCORE_SCHEMA`: which parcel, where
and when, the model's calibrated probability of a seizure if inspected and the expected seizure
value), ports by code and shipments without a port last, each port in the feature query's order.
The score is the model's alone: known-good supply chains and cloned codes adjust it only when a
plan is made (:mod:`redlane.brands.known_good`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from redlane import csv_export
from redlane.targeting.day_features import ports_in_order
from redlane.targeting.day_source import DayByPort
from redlane.targeting.model import TargetModel
from redlane.targeting.plan import score
from redlane.targeting.spark_features import SCORE_KEYS, SCORE_SCHEMA

SCORE_FORMATS: Final = (".parquet", ".csv")
# Written in full precision (repr), so a CSV reads back to the same floats.
SCORE_NUMBERS: Final = frozenset({"score", "expected_value"})


@dataclass
class PortScores:
    shipments: int
    mean_score: float
    max_score: float


@dataclass
class DayScores:
    day: str
    engine: str
    model_version: str
    # Per port code ("" for shipments that name no port), in output order.
    ports: dict[str, PortScores] = field(default_factory=dict)
    out: str | None = None

    @property
    def shipments(self) -> int:
        return sum(p.shipments for p in self.ports.values())

    def to_dict(self) -> dict[str, Any]:
        total = sum(p.mean_score * p.shipments for p in self.ports.values())
        return {
            "day": self.day,
            "engine": self.engine,
            "model_version": self.model_version,
            "shipments": self.shipments,
            "mean_score": round(total / self.shipments, 6) if self.shipments else None,
            "ports": {
                code: {
                    "shipments": p.shipments,
                    "mean_score": round(p.mean_score, 6),
                    "max_score": round(p.max_score, 6),
                }
                for code, p in self.ports.items()
            },
            "out": self.out,
        }


def port_score_tables(source: DayByPort, model: TargetModel) -> Iterator[pa.Table]:
    """``SCORE_SCHEMA`` rows, a port at a time; the driver scores only what the engine has not
    (on Spark the probabilities come with the rows)."""
    for port in ports_in_order(source.rows):
        feats, probability = source.port(port)
        p, ev = score(model, feats, probability) if feats.num_rows else ([], [])
        keys = [feats.column(k).cast(SCORE_SCHEMA.field(k).type) for k in SCORE_KEYS]
        yield pa.Table.from_arrays(
            [*keys, pa.array(p, pa.float64()), pa.array(ev, pa.float64())], schema=SCORE_SCHEMA
        )


def write_day_scores(
    source: DayByPort, model: TargetModel, *, day: str, engine: str, out: Path | None
) -> DayScores:
    """Score every port of ``source``; stream the rows to ``out`` (``.parquet`` or ``.csv``,
    replaced whole: a failure leaves the previous file) when given."""
    if out is not None and out.suffix.lower() not in SCORE_FORMATS:
        raise ValueError(f"write scores to a .parquet or .csv file, not {out.name!r}")
    result = DayScores(day=day, engine=engine, model_version=model.version)
    with _ScoreWriter(out) as writer:
        for table in port_score_tables(source, model):
            if not table.num_rows:
                continue
            scores = table.column("score").to_pylist()
            code = table.column("port")[0].as_py() or ""
            result.ports[code] = PortScores(len(scores), sum(scores) / len(scores), max(scores))
            writer.write(table)
    result.out = None if out is None else str(out)
    return result


class _ScoreWriter:
    """Rows to a partial file next to ``out``, renamed over it when all are written."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.partial = None if out is None else out.with_name(f".{out.name}.partial")
        self.parquet: pq.ParquetWriter | None = None
        self.text: io.TextIOWrapper | None = None

    def __enter__(self) -> _ScoreWriter:
        if self.out is None or self.partial is None:
            return self
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.out.suffix.lower() == ".parquet":
            self.parquet = pq.ParquetWriter(self.partial, SCORE_SCHEMA)
        else:
            self.text = self.partial.open("w", encoding="utf-8", newline="")
            csv_export.writer(self.text, lineterminator="\n").writerow(SCORE_SCHEMA.names)
        return self

    def write(self, table: pa.Table) -> None:
        if self.parquet is not None:
            self.parquet.write_table(table)
        elif self.text is not None:
            writer = csv_export.writer(self.text, lineterminator="\n")
            for row in table.to_pylist():
                writer.writerow([_cell(name, value) for name, value in row.items()])

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if self.parquet is not None:
            self.parquet.close()
        if self.text is not None:
            self.text.close()
        if self.partial is None or self.out is None:
            return
        if error is None:
            os.replace(self.partial, self.out)
        self.partial.unlink(missing_ok=True)


def _cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in SCORE_NUMBERS:
        return repr(float(value))
    return value.isoformat() if hasattr(value, "isoformat") else value
