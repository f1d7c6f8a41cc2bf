"""A day end to end: ingest → resolve (incremental) → features → score → plan, for N parcels.

Starts from a :func:`~redlane.bench.standing.standing_world` (setup, not timed). Timed, in a
child process (so its peak memory is its own): the last day's advance-data file is ingested, its
parties linked to existing actors, its shipments' features computed, scored and planned for every
port, plans stored and holds written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from redlane.bench.child import Laps, per_core, run_child
from redlane.bench.standing import resolve_kwargs, standing_world

_DAY_CHILD = """
import json, sys
from pathlib import Path
from redlane.bench.day_bench import timed_day
print(json.dumps(timed_day(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]{engine})))
"""
# The same under cProfile: stats to argv[4] (pstats format) and the top functions to argv[4].txt.
_PROFILED_DAY_CHILD = """
import cProfile, io, json, pstats, sys
from pathlib import Path
from redlane.bench.day_bench import timed_day
profile = cProfile.Profile()
figures = profile.runcall(timed_day, Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]{engine})
profile.dump_stats(sys.argv[4])
text = io.StringIO()
pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(60)
Path(sys.argv[4] + ".txt").write_text(text.getvalue())
print(json.dumps(figures))
"""


def day_child_code(engine: str = "duckdb", profiled: bool = False) -> str:
    """Python source for the child that times the day (argv: home, day file, day; and the
    profile's path when ``profiled``)."""
    code = _PROFILED_DAY_CHILD if profiled else _DAY_CHILD
    return code.replace("{engine}", resolve_kwargs(engine))


def timed_day(home: Path, day_file: Path, day: str, engine: str = "duckdb") -> dict[str, Any]:
    """The timed part (runs in the child): per-stage seconds and peak RSS, and counts.

    The day's features are written once, sorted by port, then each port is read back, scored
    and planned alone (:mod:`redlane.targeting.day_features`): reading a slice counts as features.
    On Spark (``engine="spark"``) the resolution, the features and the scores run on the
    executors (:mod:`redlane.targeting.spark_day`), each port's scored rows are then taken to
    the driver (counted as features) and planned there; CPU seconds and peak RSS are this
    process's, not the Spark JVM's or its Python workers'.
    """
    from redlane.brands.cloned import register_cloned_refs
    from redlane.engine.warehouse import Warehouse
    from redlane.feeds.ingest import ingest_paths
    from redlane.resolve.run import resolve
    from redlane.resolve.splink_model import quiet_splink
    from redlane.store.db import session_scope
    from redlane.targeting.day_features import ports_in_order, write_day_features
    from redlane.targeting.day_source import DayByPort, DuckDBDay
    from redlane.targeting.model import load_champion
    from redlane.targeting.plan import make_plan, port_capacity, save_plan, sync_ports, write_holds
    from redlane.targeting.rules import active_checks
    from redlane.targeting.training import connect

    quiet_splink()
    laps = Laps()
    warehouse_path = home / "warehouse"
    [result] = ingest_paths([day_file], Warehouse(warehouse_path))
    laps.lap("ingest")
    extra: dict[str, Any] = {} if engine == "duckdb" else {"engine": engine}
    summary = resolve(warehouse_path, home, links=(register_cloned_refs,), **extra)
    laps.lap("resolve")
    con = connect(home, warehouse_path)
    where = f"k.t::DATE = DATE '{day}'"
    source: DayByPort
    if engine == "spark":
        from redlane.engine.spark import spark_session
        from redlane.targeting.spark_day import score_day

        model = load_champion(home)
        source = score_day(spark_session(), home, warehouse_path, con, model, where, lap=laps.lap)
    else:
        features = home / "bench" / f"features_{day}.parquet"
        features.parent.mkdir(parents=True, exist_ok=True)
        source = DuckDBDay(con, features, write_day_features(con, where, features))
        laps.lap("features")
        model = load_champion(home)
    scored, score_sum, planned = 0, 0.0, 0
    with session_scope() as session:
        sync_ports(session, con)
        checks = active_checks(session)
        for port in ports_in_order(source.rows):
            feats, probability = source.port(port)
            laps.lap("features")
            if probability is None:
                probability = model.predict(feats)
            scored, score_sum = scored + len(probability), score_sum + float(probability.sum())
            laps.lap("score")
            if port is None:  # scored, but no port plans it
                continue
            capacity, documents = port_capacity(session, port)
            plan = make_plan(
                feats,
                model,
                checks,
                port=port,
                day=day,
                capacity=capacity,
                document_capacity=documents,
                probability=probability,
            )
            save_plan(session, plan, "system:bench")
            write_holds(plan, home / "plans")
            planned += len(plan.items)
            laps.lap("plan")
    con.close()
    laps.lap("plan")
    return {
        "shipments": int(result.loaded),
        "scored": scored,
        "mean_score": round(score_sum / scored, 5) if scored else 0.0,
        "new_parties": summary.new_parties,
        "resolve_steps_s": summary.steps,
        "planned": planned,
        "wall_s": laps.wall(),
        "stages_s": laps.seconds,
        "stages_cpu_s": laps.cpu_s,
        "stages_peak_rss_mb": laps.peak_rss_mb,
        "peak_rss_mb": max(laps.peak_rss_mb.values()),
    }


def run(
    shipments: int,
    seed: int = 17,
    history_days: int = 2,
    engine: str = "duckdb",
    profile: Path | None = None,
) -> dict[str, Any]:
    """``profile``: run the timed day under cProfile and write its stats there (and ``.txt``);
    profiling slows the Python parts, so such a run's figures are not comparable."""
    with standing_world(shipments, seed=seed, history_days=history_days) as standing:
        code = day_child_code(engine, profiled=profile is not None)
        args = [str(standing.home), str(standing.day_file), standing.day]
        args += [] if profile is None else [str(profile.resolve())]
        figures = run_child(code, args, standing.env, what="day")
    wall = float(figures["wall_s"])
    count = int(figures["shipments"])
    return {
        "bench": "day",
        "shipments": count,
        "wall_s": wall,
        "shipments_per_s": round(count / wall, 1) if wall else None,
        "shipments_per_s_per_core": per_core(count, wall),
        "peak_rss_mb": round(figures["peak_rss_mb"]),
        "stages_s": figures["stages_s"],
        "stages_cpu_s": figures["stages_cpu_s"],
        "cpu_s": round(sum(figures["stages_cpu_s"].values()), 2),
        "stages_peak_rss_mb": figures["stages_peak_rss_mb"],
        "resolve_steps_s": figures["resolve_steps_s"],
        "scored": figures["scored"],
        "new_parties": figures["new_parties"],
        "planned": figures["planned"],
        "history_days": history_days,
        "setup_s": standing.setup_s,
        "engine": engine,
        "profiled": profile is not None,
        "cores": os.cpu_count() or 1,
    }
