"""Ingestion speed: a simulated world's feeds, validated and loaded, against a plain load.

The baseline is DuckDB reading the same CSV/JSON files into Parquet with no validation,
dedupe or lineage, in the same process: the ratio is the price of doing ingestion safely.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from redlane.bench.child import peak_rss_mb
from redlane.engine.sql import quote_literal
from redlane.feeds.detect import expand_paths
from redlane.sim import generate_world


def plain_load_seconds(world: Path, out: Path) -> float:
    """Baseline: DuckDB's own readers straight to Parquet, no checks."""
    con = duckdb.connect()
    started = time.perf_counter()
    for i, path in enumerate(expand_paths([world])):
        # Strings only, as partners' values arrive: typed auto-detection stops at the first bad row.
        source = quote_literal(str(path))
        reader = (
            f"read_csv({source}, all_varchar = true)"
            if path.suffix == ".csv"
            else f"read_json_objects({source})"
        )
        target = quote_literal(str(out / f"{i}.parquet"))
        con.execute(f"COPY (SELECT * FROM {reader}) TO {target} (FORMAT parquet)")
    return time.perf_counter() - started


def ingest_in_child(world: Path, home: Path) -> tuple[list[dict[str, Any]], float, float]:
    """``redlane ingest`` as its own process, so its time and peak memory are its own."""
    env = {**os.environ, "REDLANE_HOME": str(home)}
    cmd = [sys.executable, "-m", "redlane.cli", "ingest", str(world), "--json"]
    started = time.perf_counter()
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ingest failed ({proc.returncode}): {err.decode()[-2000:]}")
    rss = peak_rss_mb(resource.RUSAGE_CHILDREN)
    return json.loads(out), seconds, rss


def run(parcels: int, seed: int = 11, days: int = 7) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redlane-bench-") as tmp:
        root = Path(tmp)
        world = root / "world"
        started = time.perf_counter()
        summary = generate_world(world, seed=seed, parcels=parcels, days=days)
        sim_s = time.perf_counter() - started
        rss_after_sim = peak_rss_mb()
        results, ingest_s, ingest_rss = ingest_in_child(world, root / "home")
        records = sum(int(r["records"]) for r in results)
        baseline_dir = root / "baseline"
        baseline_dir.mkdir()
        baseline_s = plain_load_seconds(world, baseline_dir)
    cores = os.cpu_count() or 1
    return {
        "bench": "ingest",
        "parcels": parcels,
        "feed_rows": records,
        "sim_s": round(sim_s, 2),
        "sim_rows_per_s": round(sum(summary.files.values()) / sim_s),
        "ingest_s": round(ingest_s, 2),
        "ingest_rows_per_s": round(records / ingest_s),
        "ingest_rows_per_s_per_core": round(records / ingest_s / cores),
        "loaded": sum(int(r["loaded"]) for r in results),
        "quarantined": sum(int(r["quarantined"]) for r in results),
        "failed_files": sum(r["status"] == "failed" for r in results),
        "baseline_plain_load_s": round(baseline_s, 2),
        "ingest_vs_plain_load": round(ingest_s / baseline_s, 2) if baseline_s else None,
        "sim_peak_rss_mb": round(rss_after_sim),
        "ingest_peak_rss_mb": round(ingest_rss),
        "cores": cores,
    }
