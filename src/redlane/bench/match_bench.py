"""Live matching latency on a warm process: queries are existing parties with their actor known.

Each query is a party record from the current resolution run with one field dropped at random
(as a new waybill often lacks an email or a phone); the figure is the per-call latency of
``LiveMatcher.match`` and how often the resolved actor comes first.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from redlane.resolve.live import LiveMatcher
from redlane.resolve.outputs import register_resolution_views

FIELDS = ("name", "address", "country", "phone", "email", "bank_account", "device_id")


def run(home: Path, queries: int = 2000, seed: int = 7) -> dict[str, Any]:
    started = time.perf_counter()
    matcher = LiveMatcher.load(home)
    load_s = time.perf_counter() - started
    con = duckdb.connect()
    register_resolution_views(con, home)
    # Sampled after the filter: DuckDB samples the FROM clause before WHERE, which gave fewer
    # queries than asked whenever a sampled party had no name.
    rows = con.execute(
        f"SELECT * FROM (SELECT a.actor_id, {', '.join('p.' + f for f in FIELDS)} FROM parties p "
        "JOIN party_actors a USING (party_id) WHERE p.name IS NOT NULL) "
        f"USING SAMPLE reservoir({queries} ROWS) REPEATABLE ({seed})"
    ).fetchall()
    rng = random.Random(seed)
    latencies, hits = [], 0
    for actor_id, *values in rows:
        record = {f: v for f, v in zip(FIELDS, values, strict=True) if v is not None}
        droppable = [f for f in record if f not in ("name", "country")]
        if droppable:
            record.pop(rng.choice(droppable))
        t0 = time.perf_counter()
        candidates = matcher.match(record, top=5)
        latencies.append(time.perf_counter() - t0)
        hits += bool(candidates) and candidates[0].actor_id == actor_id
    ms = np.array(latencies) * 1000
    return {
        "bench": "match",
        "queries": len(rows),
        "load_s": round(load_s, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
        "top1_is_resolved_actor": round(hits / max(len(rows), 1), 4),
        "signatures": len(matcher.signatures),
    }
