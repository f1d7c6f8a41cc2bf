"""The world a day starts from: standing actors, a champion model, and the day's file held back.

Setup, never timed: a simulated world of ``history_days + 1`` days with N parcels a day; every
feed but the last day's advance data (and that day's customs files) is ingested, resolved in
full, a targeting model trained and the counterfeit rule pack added: the standing population of
actors, the champion model and the rules a real deployment starts its day with. With
``with_day`` the held-back day is then ingested and resolved too (what the score, plan and
screening benchmarks start from).
"""

from __future__ import annotations

import inspect
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redlane.bench.child import per_core, run_child, run_cli
from redlane.sim import generate_world

ENGINES = ("duckdb", "spark")


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run this benchmark in this build."""


def check_engine(engine: str, bench: str, *, resolves: bool) -> None:
    """Refuse early (before any setup) an engine this benchmark cannot run on."""
    if engine not in ENGINES:
        raise EngineUnavailable(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "duckdb":
        return
    if not resolves:
        raise EngineUnavailable(
            f"bench {bench} has no Spark path (Spark runs in bench resolve and bench day):"
            " use --engine duckdb"
        )
    from redlane.resolve.run import resolve

    if "engine" not in inspect.signature(resolve).parameters:
        raise EngineUnavailable(
            "Spark resolution is not in this build yet (redlane.resolve.run.resolve takes no "
            "engine); use --engine duckdb"
        )


def resolve_kwargs(engine: str) -> str:
    """Keyword arguments, as Python source for a child, that select the resolution engine."""
    return "" if engine == "duckdb" else f", engine={engine!r}"


@dataclass(frozen=True)
class StandingWorld:
    root: Path
    world: Path
    home: Path
    day_file: Path
    day: str
    setup_s: float

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "REDLANE_HOME": str(self.home)}

    @property
    def truth(self) -> Path:
        return self.world / "truth" / "shipments.parquet"


@contextmanager
def standing_world(
    shipments: int, *, seed: int, history_days: int, with_day: bool = False
) -> Iterator[StandingWorld]:
    days = history_days + 1
    with tempfile.TemporaryDirectory(prefix="redlane-bench-") as tmp:
        root = Path(tmp)
        world, home = root / "world", root / "home"
        started = time.perf_counter()
        generate_world(world, seed=seed, parcels=shipments * days, days=days)
        last = sorted((world / "carrier").glob("aed_*.csv"))[-1]
        stamp = last.stem.split("_")[-1]
        held_back = root / "held_back"
        held_back.mkdir()
        for path in [last, *(world / "customs").glob(f"*_{stamp}.csv")]:
            path.rename(held_back / path.name)
        env = {**os.environ, "REDLANE_HOME": str(home)}
        # ingest exits 1 when some rows were quarantined: the simulator plants bad rows.
        run_cli(["ingest", str(world)], env, ok=(0, 1))
        run_cli(["resolve", "--full"], env)
        run_cli(["target", "train"], env)
        # A deployment screens with rules too: the plans' mandatory hits and the rule baseline.
        run_cli(["target", "rules", "add-pack", "counterfeit"], env)
        day_file = held_back / last.name
        if with_day:
            run_cli(["ingest", str(day_file)], env, ok=(0, 1))
            run_cli(["resolve"], env)
        yield StandingWorld(
            root=root,
            world=world,
            home=home,
            day_file=day_file,
            day=f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}",
            setup_s=round(time.perf_counter() - started, 1),
        )


DayRun = Callable[[Path, str, Path], dict[str, Any]]


def on_standing_day(
    run_from: DayRun, shipments: int, seed: int, history_days: int
) -> dict[str, Any]:
    """A benchmark of one held-back day (``run_from(home, day, truth)``) on a new standing world."""
    with standing_world(shipments, seed=seed, history_days=history_days, with_day=True) as world:
        figures = run_from(world.home, world.day, world.truth)
        figures["setup_s"] = world.setup_s
    figures["history_days"] = history_days
    return figures


def day_child_figures(
    bench: str, code: str, home: Path, day: str, truth: Path, timed: tuple[str, ...]
) -> dict[str, Any]:
    """Run a day benchmark's child (``code``, given home, day and truth) and report it, timed
    over the stages named in ``timed``."""
    env = {**os.environ, "REDLANE_HOME": str(home)}
    child = run_child(code, [str(home), day, str(truth)], env, what=bench)
    seconds = sum(float(child["stages_s"][stage]) for stage in timed)
    scored = int(child["scored"])
    return {
        "bench": bench,
        "shipments": scored,
        "wall_s": round(seconds, 2),
        "shipments_per_s": round(scored / seconds, 1) if seconds else None,
        "shipments_per_s_per_core": per_core(scored, seconds),
        "peak_rss_mb": round(max(child["stages_peak_rss_mb"].values())),
        **{k: v for k, v in child.items() if k != "scored"},
        "engine": "duckdb",
        "cores": os.cpu_count() or 1,
    }
