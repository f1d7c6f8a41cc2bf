"""The whole day timed with two versions of the code on one standing world, alternated.

    .venv/bin/python benchmarks/day_ab.py --shipments 200000 --baseline REV [--pairs 2]
        [--json OUT] [--results-dir benchmarks/results]

Builds a standing world once (as ``redlane bench day`` does: seed 17, two days of history),
checks out ``REV`` in a temporary git worktree, then times the day
(``redlane.bench.day_bench.timed_day`` in a child process, each time on a fresh copy of the
standing home) in the order baseline, current, current, baseline, ... ``--pairs`` times. The
baseline's child runs with the worktree's ``src`` first on ``PYTHONPATH``; both use this
checkout's environment. Prints the median of each figure for both and their ratio (current over
baseline): on a shared machine, a ratio of medians from interleaved runs is the figure to read.
Every run is appended to ``benchmarks/results/day_ab.jsonl`` with the machine and git revision.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from redlane.bench.child import run_child
from redlane.bench.day_bench import day_child_code
from redlane.bench.record import append_result, git_revision
from redlane.bench.standing import standing_world

ROOT = Path(__file__).resolve().parent.parent


def _figures(run: dict[str, Any]) -> dict[str, float]:
    flat = {"wall_s": run["wall_s"], "peak_rss_mb": run["peak_rss_mb"]}
    flat |= {f"stage {k}": v for k, v in run["stages_s"].items()}
    flat |= {f"resolve {k}": v for k, v in run["resolve_steps_s"].items()}
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, required=True)
    parser.add_argument("--baseline", required=True, help="git revision to compare with")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--results-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory(prefix="redlane-ab-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            with standing_world(args.shipments, seed=17, history_days=2) as world:
                order = ["baseline", "current", "current", "baseline"] * args.pairs
                for n, version in enumerate(order[: 2 * args.pairs]):
                    home = Path(tmp) / "home"
                    shutil.rmtree(home, ignore_errors=True)
                    shutil.copytree(world.home, home)
                    env = {**os.environ, "REDLANE_HOME": str(home)}
                    if version == "baseline":
                        env["PYTHONPATH"] = str(tree / "src")
                    child_args = [str(home), str(world.day_file), world.day]
                    run = run_child(day_child_code(), child_args, env, what=f"day ({version})")
                    runs[version].append(run)
                    print(f"run {n + 1}: {version} {run['wall_s']} s", flush=True)  # noqa: T201
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    medians = {v: _medians([_figures(r) for r in rs]) for v, rs in runs.items()}
    print(f"{'figure':28} {'baseline':>10} {'current':>10} {'ratio':>7}")  # noqa: T201
    for key, base in medians["baseline"].items():
        now = medians["current"].get(key, float("nan"))
        ratio = now / base if base else float("nan")
        print(f"{key:28} {base:10.2f} {now:10.2f} {ratio:7.2f}")  # noqa: T201
    out = {"shipments": args.shipments, "baseline": args.baseline, "runs": runs}
    out |= {"medians": medians, "current": git_revision(), "env": _settings_env()}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    print(f"appended to {append_result(args.results_dir, 'day_ab', out)}")  # noqa: T201


def _settings_env() -> dict[str, str]:
    """The ``REDLANE_`` settings this run was made with, other than where its files went: a
    run with a setting changed is not the default day (``plot_scaling.py`` leaves it out)."""
    return {
        k: v for k, v in sorted(os.environ.items()) if k.startswith("REDLANE_") and k not in _PLACES
    }


_PLACES = frozenset({"REDLANE_HOME", "REDLANE_DATABASE_URL", "REDLANE_WAREHOUSE_DIR"})


def _medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows if key in row) for key in rows[0]}


if __name__ == "__main__":
    main()
