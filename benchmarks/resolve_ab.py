"""Resolution timed with two versions of the code on one world: the full run on the history,
then the held-back last day resolved incrementally, alternated.

    .venv/bin/python benchmarks/resolve_ab.py --shipments 400000 --baseline REV [--runs 3]
        [--json OUT] [--results-dir benchmarks/results]

Simulates a world (seed 17, 8 days) with this checkout, ingests all but its last day into one
home per version, resolves it there in full with that version (``REV`` from a temporary git
worktree, first on ``PYTHONPATH``), then ingests the last day into both and times an incremental
``redlane resolve`` on a fresh copy of each home, baseline and current in turn, ``--runs`` times.
Each home was resolved by its own version, so neither reads the other's model or outputs.
Prints the medians and their ratio (current over baseline) and appends the record to
``benchmarks/results/resolve_ab.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redlane.bench.record import append_result, git_revision

ROOT = Path(__file__).resolve().parent.parent


def _redlane(args: list[str], home: Path, src: Path | None) -> dict[str, Any]:
    env = {**os.environ, "REDLANE_HOME": str(home)}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "redlane.cli", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    summary: dict[str, Any] = json.loads(out.stdout) if "--json" in args else {}
    return {"wall_s": round(wall, 3), **summary}


def _hold_back_last_day(world: Path, history: Path) -> None:
    shutil.copytree(world, history)
    tag = sorted(p.stem.removeprefix("aed_") for p in (world / "carrier").glob("aed_*.csv"))[-1]
    for path in [*history.glob(f"carrier/*_{tag}.csv"), *history.glob(f"customs/*_{tag}.csv")]:
        path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, required=True)
    parser.add_argument("--baseline", required=True, help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--results-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redlane-resolve-ab-") as tmp_name:
        tmp = Path(tmp_name)
        tree = tmp / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
            check=True,
            capture_output=True,
        )
        sources = {"baseline": tree / "src", "current": None}
        full: dict[str, dict[str, Any]] = {}
        incremental: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
        try:
            world, history = tmp / "world", tmp / "history"
            scale = ["--scale", str(args.shipments), "--days", "8"]
            _redlane(["sim", "world", "--seed", "17", *scale, "--out", str(world)], tmp, None)
            _hold_back_last_day(world, history)
            for version, src in sources.items():
                home = tmp / f"home-{version}"
                _redlane(["ingest", str(history)], home, None)
                full[version] = _redlane(["resolve", "--full", "--json"], home, src)
                _redlane(["ingest", str(world)], home, None)
                print(f"full {version}: {full[version]['wall_s']} s", flush=True)  # noqa: T201
            for n in range(args.runs):
                for version, src in sources.items():
                    run_home = tmp / "run"
                    shutil.rmtree(run_home, ignore_errors=True)
                    shutil.copytree(tmp / f"home-{version}", run_home)
                    run = _redlane(["resolve", "--json"], run_home, src)
                    incremental[version].append(run)
                    print(f"run {n + 1}: {version} {run['wall_s']} s", flush=True)  # noqa: T201
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    medians = {
        version: {
            "wall_s": statistics.median(r["wall_s"] for r in runs),
            "resolve_s": statistics.median(r["seconds"] for r in runs),
            **{
                f"step {step}": statistics.median(r["steps"][step] for r in runs)
                for step in runs[0]["steps"]
            },
        }
        for version, runs in incremental.items()
    }
    print(f"{'incremental (median)':24} {'baseline':>10} {'current':>10} {'ratio':>7}")  # noqa: T201
    for key, base in medians["baseline"].items():
        now = medians["current"].get(key, float("nan"))
        print(f"{key:24} {base:10.2f} {now:10.2f} {now / base if base else 0:7.2f}")  # noqa: T201
    out = {
        "shipments": args.shipments,
        "baseline": args.baseline,
        "current": git_revision(),
        "full": full,
        "incremental": incremental,
        "medians": medians,
    }
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    print(f"appended to {append_result(args.results_dir, 'resolve_ab', out)}")  # noqa: T201


if __name__ == "__main__":
    main()
