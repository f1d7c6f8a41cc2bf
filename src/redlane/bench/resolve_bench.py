"""Resolution: redlane against the baseline (Splink as its tutorials set it up), same world.

Each resolver runs in its own child process on the same ingested warehouse, so wall time and
peak memory are its own; both are scored against the world's truth.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redlane.bench.child import run_child
from redlane.bench.standing import resolve_kwargs
from redlane.sim import generate_world

_REDLANE_CHILD = """
import json, resource, sys, time
from pathlib import Path
from redlane.brands.cloned import register_cloned_refs
from redlane.resolve.run import resolve
from redlane.resolve.splink_model import quiet_splink
quiet_splink()
home = Path(sys.argv[1])
started = time.perf_counter()
summary = resolve(home / "warehouse", home, full=True, links=(register_cloned_refs,){engine})
print(json.dumps({"seconds": time.perf_counter() - started, "parties": summary.parties,
                  "signatures": summary.signatures, "steps": summary.steps,
                  "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_BASELINE_CHILD = """
import json, resource, sys, time
from pathlib import Path
from redlane.resolve.baseline import baseline_resolve
home, out = Path(sys.argv[1]), Path(sys.argv[2])
started = time.perf_counter()
parties = baseline_resolve(home / "warehouse", out)
print(json.dumps({"seconds": time.perf_counter() - started, "parties": parties,
                  "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(
    parcels: int, seed: int = 13, days: int = 7, baseline: bool = True, engine: str = "duckdb"
) -> dict[str, Any]:
    import duckdb

    from redlane.resolve.baseline import evaluate_file
    from redlane.resolve.evaluate import evaluate_assignments
    from redlane.resolve.outputs import register_resolution_views

    with tempfile.TemporaryDirectory(prefix="redlane-bench-") as tmp:
        root = Path(tmp)
        world, home = root / "world", root / "home"
        generate_world(world, seed=seed, parcels=parcels, days=days)
        env = {**os.environ, "REDLANE_HOME": str(home)}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "redlane.cli", "ingest", str(world), "--json"],
            env=env,
            capture_output=True,
            check=False,
        )
        ingest_s = time.perf_counter() - started
        ours = run_child(
            _REDLANE_CHILD.replace("{engine}", resolve_kwargs(engine)), [str(home)], env, "resolve"
        )
        con = duckdb.connect()
        register_resolution_views(con, home)
        quality = evaluate_assignments(con, "SELECT * FROM party_actors", world / "truth")
        figures: dict[str, Any] = {
            "bench": "resolve",
            "parcels": parcels,
            "parties": ours["parties"],
            "ingest_s": round(ingest_s, 2),
            "resolve_s": round(ours["seconds"], 2),
            "resolve_cpu_s": round(ours["cpu_s"], 2),
            "parties_per_s": round(ours["parties"] / ours["seconds"]),
            "parties_per_s_per_core": round(
                ours["parties"] / ours["seconds"] / (os.cpu_count() or 1)
            ),
            "peak_rss_mb": round(ours["peak_rss_mb"]),
            "signatures": ours["signatures"],
            "pairwise_f1": quality.pairwise_f1,
            "bcubed_f1": quality.bcubed_f1,
        }
        if baseline:
            out = root / "baseline.parquet"
            base = run_child(_BASELINE_CHILD, [str(home), str(out)], env, "baseline")
            base_quality = evaluate_file(out, world / "truth")
            figures.update(
                {
                    "baseline_s": round(base["seconds"], 2),
                    "baseline_cpu_s": round(base["cpu_s"], 2),
                    "baseline_peak_rss_mb": round(base["peak_rss_mb"]),
                    "baseline_pairwise_f1": base_quality["pairwise_f1"],
                    "baseline_bcubed_f1": base_quality["bcubed_f1"],
                    "speedup_vs_baseline": round(base["seconds"] / ours["seconds"], 2),
                }
            )
    figures["steps_s"] = ours["steps"]
    figures["engine"] = engine
    figures["cores"] = os.cpu_count() or 1
    return figures
