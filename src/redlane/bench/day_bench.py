"""A day end to end: ingest → resolve (incremental) → features → score → plan, for N parcels.

Setup, not timed: a simulated world of ``history_days + 1`` days with N parcels a day; every feed
but the last day's advance data (and that day's customs files) is ingested, resolved in full and
a targeting model trained — the standing population of actors and the champion model a real
deployment starts its day with. Timed, in a child process (so its peak memory is its own): the
last day's advance-data file is ingested, its parties linked to existing actors, its shipments'
features computed, scored and planned for every port, plans stored and holds written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redlane.sim import generate_world

_DAY_CHILD = """
import json, resource, sys, time
from pathlib import Path
from redlane.bench.day_bench import timed_day
figures = timed_day(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(figures))
"""


def timed_day(home: Path, day_file: Path, day: str) -> dict[str, Any]:
    """The timed part (runs in the child): returns per-stage seconds and counts."""
    import numpy as np
    import pyarrow.compute as pc

    from redlane.engine.warehouse import Warehouse
    from redlane.feeds.ingest import ingest_paths
    from redlane.resolve.run import resolve
    from redlane.resolve.splink_model import quiet_splink
    from redlane.store.db import session_scope
    from redlane.target.features import compute_features
    from redlane.target.model import load_champion
    from redlane.target.plan import make_plan, port_capacity, save_plan, sync_ports, write_holds
    from redlane.target.rules import active_checks
    from redlane.target.training import connect

    quiet_splink()
    stages: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        stages[name] = round(now - mark, 2)
        mark = now

    started = mark
    warehouse_path = home / "warehouse"
    [result] = ingest_paths([day_file], Warehouse(warehouse_path))
    lap("ingest")
    summary = resolve(warehouse_path, home)
    lap("resolve")
    con = connect(home, warehouse_path)
    feats = compute_features(con, f"k.t::DATE = DATE '{day}'")
    lap("features")
    model = load_champion(home)
    probabilities = model.predict(feats)
    lap("score")
    planned = 0
    out = home / "plans"
    with session_scope() as session:
        sync_ports(session, con)
        checks = active_checks(session)
        ports = feats.column("port")
        for port in sorted(set(ports.to_pylist()) - {None}):
            subset = feats.filter(pc.equal(ports, port))
            capacity, documents = port_capacity(session, port)
            plan = make_plan(
                subset,
                model,
                checks,
                port=port,
                day=day,
                capacity=capacity,
                document_capacity=documents,
            )
            save_plan(session, plan, "system:bench")
            write_holds(plan, out)
            planned += len(plan.items)
    lap("plan")
    return {
        "shipments": int(result.loaded),
        "scored": int(feats.num_rows),
        "mean_score": round(float(np.mean(probabilities)) if len(probabilities) else 0.0, 5),
        "new_parties": summary.new_parties,
        "planned": planned,
        "wall_s": round(time.perf_counter() - started, 2),
        "stages_s": stages,
    }


def run(shipments: int, seed: int = 17, history_days: int = 2) -> dict[str, Any]:
    days = history_days + 1
    with tempfile.TemporaryDirectory(prefix="redlane-day-") as tmp:
        root = Path(tmp)
        world, home = root / "world", root / "home"
        started = time.perf_counter()
        generate_world(world, seed=seed, parcels=shipments * days, days=days)
        last = sorted((world / "carrier").glob("aed_*.csv"))[-1]
        stamp = last.stem.split("_")[-1]
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
        held_back = root / "held_back"
        held_back.mkdir()
        for path in [last, *(world / "customs").glob(f"*_{stamp}.csv")]:
            path.rename(held_back / path.name)
        env = {**os.environ, "REDLANE_HOME": str(home)}
        python = [sys.executable, "-m", "redlane.cli"]
        for args in (["ingest", str(world)], ["resolve", "--full"], ["target", "train"]):
            proc = subprocess.run(python + args, env=env, capture_output=True, text=True)
            if proc.returncode not in (0, 1) or (args[0] != "ingest" and proc.returncode):
                raise RuntimeError(f"setup step {args[0]} failed: {proc.stderr[-2000:]}")
        setup_s = time.perf_counter() - started
        proc = subprocess.run(
            [sys.executable, "-c", _DAY_CHILD, str(home), str(held_back / last.name), day],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"bench day failed: {proc.stderr[-3000:]}")
        figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    cores = os.cpu_count() or 1
    wall = float(figures["wall_s"])
    return {
        "bench": "day",
        "shipments": figures["shipments"],
        "wall_s": wall,
        "shipments_per_s": round(figures["shipments"] / wall, 1) if wall else None,
        "shipments_per_s_per_core": round(figures["shipments"] / wall / cores, 1) if wall else None,
        "peak_rss_mb": round(figures["peak_rss_mb"]),
        "stages_s": figures["stages_s"],
        "scored": figures["scored"],
        "new_parties": figures["new_parties"],
        "planned": figures["planned"],
        "history_days": history_days,
        "setup_s": round(setup_s, 1),
        "engine": "duckdb",
        "cores": cores,
    }
