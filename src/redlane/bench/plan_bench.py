"""Planning a day: per-port plans under capacity, against random and rules-only at equal capacity.

Starts from a standing world with the day ingested and resolved (setup, untimed). Timed in a
child: the day's features, a plan per port (rule and lookout hits, expected value, exploration),
plans stored and holds written; then, in the same process and at each port's same red-lane
capacity, the two baselines the targeting loop compares with: ``random`` (a uniform draw) and
``rules_only`` (red rule hits first, the rest at random). The red-lane picks of all three are
scored against the simulator's truth (hit rate: counterfeit share of the parcels picked).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from redlane.bench.child import Laps
from redlane.bench.score_bench import counterfeit_flags, day_features
from redlane.bench.standing import day_child_figures, on_standing_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_PLAN_CHILD = """
import json, sys
from pathlib import Path
from redlane.bench.plan_bench import timed_plan
print(json.dumps(timed_plan(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))))
"""


def _hit_rate(hits: int, picked: int) -> float | None:
    return round(hits / picked, 4) if picked else None


def port_slices(
    session: Session, home: Path, feats: pa.Table
) -> Iterator[tuple[str, pa.Table, int, int]]:
    """``(port, its shipments, inspections, document checks)`` for every port in ``feats``."""
    import pyarrow.compute as pc

    from redlane.targeting.plan import port_capacity, sync_ports
    from redlane.targeting.training import connect

    con = connect(home, home / "warehouse")
    sync_ports(session, con)
    con.close()
    ports = feats.column("port")
    for port in sorted(set(ports.to_pylist()) - {None}):
        capacity, documents = port_capacity(session, port)
        yield port, feats.filter(pc.equal(ports, port)), capacity, documents


def timed_plan(home: Path, day: str, truth: Path, seed: int = 0) -> dict[str, Any]:
    """The timed part (runs in the child)."""
    from redlane.store.db import session_scope
    from redlane.targeting.model import load_champion
    from redlane.targeting.plan import make_plan, save_plan, select, write_holds
    from redlane.targeting.rules import active_checks, evaluate

    laps = Laps()
    feats = day_features(home, day)
    laps.lap("features")
    model = load_champion(home)
    with session_scope() as session:
        checks = active_checks(session)
        slices = list(port_slices(session, home, feats))
        plans = [
            make_plan(s, model, checks, port=p, day=day, capacity=c, document_capacity=d)
            for p, s, c, d in slices
        ]
        laps.lap("plan")
        for plan in plans:
            save_plan(session, plan, "system:bench")
            write_holds(plan, home / "plans")
        laps.lap("store")
    rng = np.random.default_rng(seed)
    random_picks = [
        s.column("hawb").take(rng.choice(s.num_rows, min(c, s.num_rows), replace=False))
        for _, s, c, _ in slices
    ]
    laps.lap("baseline_random")
    red = [c for c in checks if c.lane == "red"]
    rules_picks = []
    for _, s, c, _ in slices:
        mandatory = np.asarray(evaluate(s, red).any(axis=1), dtype=bool)
        picked = select(rng.random(s.num_rows), mandatory, c, 0, rng).index
        rules_picks.append(s.column("hawb").take(picked))
    laps.lap("baseline_rules_only")
    model_picks = [i.hawb for plan in plans for i in plan.lane("red")]
    figures: dict[str, Any] = {
        "scored": int(feats.num_rows),
        "ports": len(slices),
        "planned": sum(len(plan.items) for plan in plans),
        "stages_s": laps.seconds,
        "stages_cpu_s": laps.cpu_s,
        "stages_peak_rss_mb": laps.peak_rss_mb,
    }
    for name, hawbs in (
        ("model", model_picks),
        ("random", [h for a in random_picks for h in a.to_pylist()]),
        ("rules_only", [h for a in rules_picks for h in a.to_pylist()]),
    ):
        flags = counterfeit_flags(truth, pa.array(hawbs, type=pa.string()))
        prefix = "" if name == "model" else f"baseline_{name}_"
        figures[f"{prefix}red_picks"] = len(hawbs)
        figures[f"{prefix}hit_rate"] = _hit_rate(int(flags.sum()), len(hawbs))
    return figures


def run(shipments: int, seed: int = 17, history_days: int = 2) -> dict[str, Any]:
    return on_standing_day(run_from, shipments, seed, history_days)


def run_from(home: Path, day: str, truth: Path) -> dict[str, Any]:
    """Plan a day of a standing world that already has it ingested and resolved."""
    return day_child_figures("plan", _PLAN_CHILD, home, day, truth, ("plan", "store"))
