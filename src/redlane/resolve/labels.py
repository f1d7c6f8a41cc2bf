"""Investigators' verdicts on party pairs (recorded from cases) as input to resolution."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from sqlalchemy import inspect, select

from redlane.store.db import get_engine, session_scope


def load_labels(database_url: str) -> list[tuple[str, str, str]]:
    """The latest verdict per party pair; empty when the store has no labels table yet."""
    if not inspect(get_engine(database_url)).has_table("resolution_labels"):
        return []
    from redlane.store.case_models import ResolutionLabel

    latest: dict[tuple[str, str], str] = {}
    with session_scope(database_url, readonly=True) as session:
        rows = session.execute(
            select(
                ResolutionLabel.party_id_l, ResolutionLabel.party_id_r, ResolutionLabel.label
            ).order_by(ResolutionLabel.at, ResolutionLabel.id)
        ).all()
    for left, right, label in rows:
        latest[(left, right) if left <= right else (right, left)] = label
    return [(left, right, label) for (left, right), label in latest.items()]


def register_labels(
    con: duckdb.DuckDBPyConnection, labels: list[tuple[str, str, str]], name: str = "labels"
) -> str:
    table = pa.table(
        {
            "party_id_l": pa.array([r[0] for r in labels], pa.string()),
            "party_id_r": pa.array([r[1] for r in labels], pa.string()),
            "label": pa.array([r[2] for r in labels], pa.string()),
        }
    )
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")
    return f"SELECT * FROM {name}"
