"""Screening throughput and latency: the warm ``Screener`` in process, then a short HTTP run.

Starts from a standing world with the day ingested and resolved (setup, untimed). In a child:
the screener loads (model, rules, lookouts, history aggregates), then screens ``requests`` real
advance-data records of the day one at a time (latency per call and records/s), then the same
records go through ``POST /v1/screen`` of the FastAPI app in process (TestClient: routing,
authentication, validation, audit), sequentially, ``http_requests`` of them. For a load test over
a real socket at a fixed arrival rate see ``benchmarks/screen_load.py``.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

from redlane.bench.child import Laps, run_child
from redlane.bench.standing import standing_world

_API_CHILD = """
import json, sys
from pathlib import Path
from redlane.bench.api_bench import timed_api
print(json.dumps(timed_api(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
"""


def sample_records(home: Path, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` advance-data records from the warehouse as request bodies (strings, no lineage)."""
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(home / "warehouse").connect(tables=["aed_shipments"])
    cur = con.execute(
        f"SELECT * FROM aed_shipments USING SAMPLE reservoir({int(n)} ROWS) REPEATABLE ({seed})"
    )
    cols = [d[0] for d in cur.description or []]
    rows = [
        {
            c: None if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
            for c, v in zip(cols, row, strict=True)
            if not c.startswith("_")
        }
        for row in cur.fetchall()
    ]
    con.close()
    return rows


def latency_figures(prefix: str, seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    total = float(ms.sum()) / 1000
    return {
        f"{prefix}requests": len(seconds),
        f"{prefix}per_s": round(len(seconds) / total, 1) if total else 0.0,
        **{
            f"{prefix}p{q}_ms": round(float(np.percentile(ms, q)), 3) if len(ms) else 0.0
            for q in (50, 95, 99)
        },
        f"{prefix}max_ms": round(float(ms.max()), 3) if len(ms) else 0.0,
    }


def _bench_token(client: Any, home: Path) -> str:
    from redlane.api.users import add_user
    from redlane.store.db import session_scope

    password = secrets.token_urlsafe(16)
    with session_scope() as session:
        add_user(session, "bench", password, "targeting_analyst", "customs", home=home)
    answer = client.post("/v1/auth/login", json={"username": "bench", "password": password})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _http_latencies(home: Path, bodies: list[dict[str, Any]]) -> list[float]:
    from fastapi.testclient import TestClient

    from redlane.api.app import create_app

    seconds = []
    with TestClient(create_app(home)) as client:
        headers = {"Authorization": f"Bearer {_bench_token(client, home)}"}
        client.post("/v1/screen", json=bodies[0], headers=headers).raise_for_status()  # warm
        for body in bodies:
            started = time.perf_counter()
            answer = client.post("/v1/screen", json=body, headers=headers)
            seconds.append(time.perf_counter() - started)
            answer.raise_for_status()
    return seconds


def timed_api(home: Path, requests: int, http_requests: int) -> dict[str, Any]:
    """The timed part (runs in the child)."""
    from redlane.api.schemas import AdvanceData
    from redlane.targeting.screen import Screener

    bodies = sample_records(home, requests)
    laps = Laps()
    screener = Screener.load(home)
    laps.lap("load")
    seconds = []
    for body in bodies:
        record = AdvanceData.model_validate(body).model_dump()  # what the route hands over
        started = time.perf_counter()
        screener.screen(record)
        seconds.append(time.perf_counter() - started)
    laps.lap("screen")
    http = _http_latencies(home, bodies[:http_requests]) if http_requests else []
    laps.lap("http")
    return {
        "stages_s": laps.seconds,
        "stages_cpu_s": laps.cpu_s,
        "stages_peak_rss_mb": laps.peak_rss_mb,
        **latency_figures("screen_", seconds),
        **latency_figures("http_", http),
    }


def run(
    shipments: int,
    seed: int = 17,
    history_days: int = 2,
    requests: int = 2000,
    http_requests: int = 300,
) -> dict[str, Any]:
    with standing_world(shipments, seed=seed, history_days=history_days, with_day=True) as world:
        figures = run_from(world.home, requests, http_requests)
        figures["setup_s"] = world.setup_s
    figures["shipments"] = shipments
    figures["history_days"] = history_days
    return figures


def run_from(home: Path, requests: int = 2000, http_requests: int = 300) -> dict[str, Any]:
    """Screen records of a standing world that already has its day ingested and resolved."""
    env = {**os.environ, "REDLANE_HOME": str(home)}
    child = run_child(_API_CHILD, [str(home), str(requests), str(http_requests)], env, "api")
    return {
        "bench": "api",
        "load_s": child["stages_s"]["load"],
        "peak_rss_mb": round(max(child["stages_peak_rss_mb"].values())),
        **child,
        "engine": "duckdb",
        "cores": os.cpu_count() or 1,
    }
