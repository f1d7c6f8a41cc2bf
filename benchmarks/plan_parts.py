"""Where the plan stage's CPU goes, part by part, on one day.

    .venv/bin/python benchmarks/plan_parts.py --shipments 200000 [--home KEPT]

Builds a standing world as ``redlane bench day`` does (seed 17, two days of history) and times
its day once (``day_bench.timed_day`` in a child), which leaves the day's features written by
port in the home. ``--home`` reuses a home left by an earlier run (``--keep``). Then the plan
stage alone is replayed in this process, every port planned, stored (into a copy of the store)
and its holds written, as the day does, and the CPU seconds (all threads) of its parts are
printed: LightGBM ``pred_contrib``, ``reasons.explain``, ``rules.evaluate``, the audit entry,
the store and the holds files; then ``pred_contrib`` again over each lane's planned parcels. CPU
seconds, not wall: on a shared machine they move far less. The parts are timed by wrapping the
functions ``plan.py`` calls, so the planning code runs as it is.

``--out DIR`` keeps the replay's store and holds files; ``--compare A B`` then checks that two
such replays (say, two revisions on one kept home) wrote the same holds files byte for byte and
the same plans, items and audit entries (times and hashes aside).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from redlane.bench.child import run_child
from redlane.bench.day_bench import day_child_code
from redlane.bench.standing import standing_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, default=200_000)
    parser.add_argument("--home", type=Path, help="a home kept by an earlier --keep")
    parser.add_argument("--keep", type=Path, help="keep the timed day's home here")
    parser.add_argument("--out", type=Path, help="keep the replay's store and holds here")
    parser.add_argument("--compare", type=Path, nargs=2, help="compare two --out directories")
    args = parser.parse_args()
    if args.compare:
        print(json.dumps(compare(*args.compare), indent=1))  # noqa: T201
        return
    with tempfile.TemporaryDirectory(prefix="redlane-plan-parts-") as tmp:
        home = args.home or _timed_day_home(args.shipments, Path(tmp), args.keep)
        out = args.out or Path(tmp) / "replay"
        print(json.dumps(replay(home, out), indent=1))  # noqa: T201


_STORED = {
    "plans": "SELECT id, port_code, plan_date, created_by, model_version, capacity,"
    " exploration_rate, status FROM plans ORDER BY id",
    "plan_items": "SELECT * FROM plan_items ORDER BY id",
    "audit_log": "SELECT seq, actor, partner_id, action, object_type, object_ids, reason,"
    " details FROM audit_log ORDER BY seq",
}


def compare(a: Path, b: Path) -> dict[str, Any]:
    """Rows and files two replays wrote; raises on the first difference."""
    import sqlite3

    files = sorted(p.name for p in (a / "plans").iterdir())
    if files != sorted(p.name for p in (b / "plans").iterdir()):
        raise SystemExit("different holds files")
    for name in files:
        if (a / "plans" / name).read_bytes() != (b / "plans" / name).read_bytes():
            raise SystemExit(f"{name} differs")
    counts = {"holds files": len(files)}
    for table, sql in _STORED.items():
        rows = []
        for side in (a, b):
            con = sqlite3.connect(side / "store.db")
            found = con.execute(sql).fetchall()
            con.close()
            # JSON columns as documents: the same values whatever the text's spacing.
            rows.append([tuple(_json(v) for v in row) for row in found])
        if rows[0] != rows[1]:
            raise SystemExit(f"{table} differs")
        counts[table] = len(rows[0])
    return {"identical": counts}


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _timed_day_home(shipments: int, tmp: Path, keep: Path | None) -> Path:
    home = keep or tmp / "home"
    with standing_world(shipments, seed=17, history_days=2) as world:
        shutil.copytree(world.home, home)
        env = {**os.environ, "REDLANE_HOME": str(home)}
        run_child(day_child_code(), [str(home), str(world.day_file), world.day], env, what="day")
    return home


def replay(home: Path, out: Path) -> dict[str, Any]:
    """Plan every port of the day whose features ``home/bench`` holds; CPU seconds by part."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy(home / "redlane.db", out / "store.db")
    os.environ["REDLANE_HOME"] = str(home)
    os.environ["REDLANE_DATABASE_URL"] = f"sqlite:///{out / 'store.db'}"
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    import redlane.targeting.plan as plan_module
    from redlane.store import audit
    from redlane.store.db import session_scope
    from redlane.targeting.day_features import port_features
    from redlane.targeting.model import load_champion
    from redlane.targeting.rules import active_checks

    [features] = (home / "bench").glob("features_*.parquet")
    day = features.name.removeprefix("features_").removesuffix(".parquet")
    con = duckdb.connect()
    ports = [
        str(p)
        for (p,) in con.sql(
            f"SELECT DISTINCT port FROM read_parquet('{features}/*.parquet')"
            " WHERE port IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    model = load_champion(home)
    scored = {}
    for port in ports:
        table = port_features(con, features, port)
        scored[port] = (table, model.predict(table))
    cpu: dict[str, float] = defaultdict(float)
    model.contributions = _timed(model.contributions, cpu, "pred_contrib")  # type: ignore[method-assign]
    for name in ("explain", "evaluate"):
        setattr(plan_module, name, _timed(getattr(plan_module, name), cpu, name))
    audit.append = _timed(audit.append, cpu, "audit entry")
    planned: dict[str, list[str]] = defaultdict(list)
    started = time.process_time()
    with session_scope() as session:
        checks = active_checks(session)
        for port in ports:
            table, probability = scored[port]
            capacity, documents = plan_module.port_capacity(session, port)
            t0 = time.process_time()
            plan = plan_module.make_plan(
                table,
                model,
                checks,
                port=port,
                day=day,
                capacity=capacity,
                document_capacity=documents,
                probability=probability,
            )
            t1 = time.process_time()
            plan_module.save_plan(session, plan, "system:bench")
            t2 = time.process_time()
            plan_module.write_holds(plan, out / "plans")
            t3 = time.process_time()
            cpu["make_plan"] += t1 - t0
            cpu["save_plan (audit entry included)"] += t2 - t1
            cpu["holds files"] += t3 - t2
            for item in plan.items:
                planned[item.lane].append(item.hawb)
    cpu["plan stage, store commit included"] = time.process_time() - started
    by_lane: dict[str, Any] = {}
    day_rows = pa.concat_tables([table for table, _ in scored.values()])
    for lane, hawbs in sorted(planned.items()):
        rows = day_rows.filter(pc.is_in(day_rows.column("hawb"), value_set=pa.array(hawbs)))
        x = model.matrix(rows)
        t0 = time.process_time()
        model.booster.predict(x, pred_contrib=True)
        seconds = round(time.process_time() - t0, 3)
        by_lane[lane] = {"parcels": rows.num_rows, "pred_contrib_cpu_s": seconds}
    return {
        "day": day,
        "ports": len(ports),
        "planned": sum(len(h) for h in planned.values()),
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "pred_contrib_by_lane": by_lane,
    }


def _timed(function: Callable[..., Any], cpu: dict[str, float], name: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            cpu[name] += time.process_time() - started

    return timed


if __name__ == "__main__":
    main()
