"""Time and peak memory against input size, from ``benchmarks/results/*.jsonl``.

For each benchmark the latest run at each size is drawn (profiled runs are skipped; a paired
run of ``day_ab.py`` counts as a day run, its current code's median), on log-log
axes with the targets of issue 7 as reference lines, into ``docs/img/perf_time.png`` and
``docs/img/perf_memory.png``; a Markdown table of the points drawn is printed.

    .venv/bin/python benchmarks/plot_scaling.py [--results benchmarks/results] [--out docs/img]
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Series:
    bench: str
    label: str
    size: str  # the key holding N
    seconds: str
    rss: str
    cpu: str | None = None


SERIES = (
    Series("day", "day end to end (parcels)", "shipments", "wall_s", "peak_rss_mb", "cpu_s"),
    Series(
        "resolve", "resolve, full (parties)", "parties", "resolve_s", "peak_rss_mb", "resolve_cpu_s"
    ),
    Series(
        "resolve",
        "Splink defaults (parties)",
        "parties",
        "baseline_s",
        "baseline_peak_rss_mb",
        "baseline_cpu_s",
    ),
    Series("ingest", "ingest (feed rows)", "feed_rows", "ingest_s", "ingest_peak_rss_mb"),
)
# Issue 7's targets on 2 cores: (N, seconds, peak MB).
TARGETS = {
    "day": (4_000_000, 600.0, 12 * 1024),
    "resolve": (1_000_000, 180.0, 8 * 1024),
}


def load(results: Path, since: str = "") -> dict[str, list[dict[str, Any]]]:
    """Runs per benchmark; ``since``: only those at or after this ISO time (e.g. one session's
    runs, made at a similar machine load)."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(results.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if str(record.get("at", "")) < since:
                    continue
                if path.stem == "day_ab":
                    record = paired_day(record)
                    if record is None:
                        continue
                runs.setdefault(str(record.get("bench", path.stem)), []).append(record)
    return runs


def paired_day(record: dict[str, Any]) -> dict[str, Any] | None:
    """A ``benchmarks/day_ab.py`` record as one day point: the median of its runs of the
    current code (the baseline's are an older revision). Runs made with settings changed
    through the environment (``env``) are not the default day, so they are left out."""
    current = record.get("runs", {}).get("current", [])
    if record.get("env") or not current:
        return None
    cpu = [sum(run.get("stages_cpu_s", {}).values()) for run in current]
    return {
        "bench": "day",
        "at": record.get("at", ""),
        "git": record.get("current", ""),
        "shipments": current[0]["shipments"],
        "wall_s": round(statistics.median(run["wall_s"] for run in current), 2),
        "cpu_s": round(statistics.median(cpu), 2),
        "peak_rss_mb": statistics.median(run["peak_rss_mb"] for run in current),
        "machine": record.get("machine", {}),
    }


def latest_per_size(records: list[dict[str, Any]], series: Series) -> list[dict[str, Any]]:
    by_size: dict[int, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: str(r.get("at", ""))):
        if record.get("profiled") or record.get(series.size) is None:
            continue
        if record.get(series.seconds) is None:
            continue
        by_size[int(record[series.size])] = record
    return [by_size[n] for n in sorted(by_size)]


def plot(runs: dict[str, list[dict[str, Any]]], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for what, key, unit in (("time", "seconds", "seconds"), ("memory", "rss", "peak RSS (MB)")):
        fig, ax = plt.subplots(figsize=(8, 5))
        for series in SERIES:
            points = latest_per_size(runs.get(series.bench, []), series)
            if not points:
                continue
            xs = [p[series.size] for p in points]
            ys = [p[getattr(series, key)] for p in points]
            (line,) = ax.plot(xs, ys, marker="o", label=series.label)
            cpu = [
                (float(p[series.size]), float(p[series.cpu]))
                for p in points
                if series.cpu and p.get(series.cpu) is not None
            ]
            if what == "time" and cpu:
                ax.plot(
                    [x for x, _ in cpu],
                    [c for _, c in cpu],
                    linestyle="--",
                    marker=".",
                    color=line.get_color(),
                    label=f"{series.label}: CPU s",
                )
        for n_target, (bench, (n, seconds, mb)) in enumerate(TARGETS.items()):
            y = seconds if what == "time" else mb
            ax.plot([n], [y], marker="*", markersize=14, linestyle="none", label=f"{bench} target")
            ax.plot(
                [n / 400, n],
                [y / 400, y],
                linestyle=":",
                color="grey",
                linewidth=0.8,
                label=None if n_target else "linear growth to a target",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("input size N")
        ax.set_ylabel(unit)
        ax.set_title(f"redlane on 2 cores: {what} vs N (latest run per size; ★ targets)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = out / f"perf_{what}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def table(runs: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "| benchmark | N | seconds | CPU s | peak RSS MB | load (1 min) | git |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for series in SERIES:
        for p in latest_per_size(runs.get(series.bench, []), series):
            cpu = p.get(series.cpu) if series.cpu else None
            lines.append(
                f"| {series.label} | {p[series.size]:,} | {p[series.seconds]} "
                f"| {'' if cpu is None else cpu} | {p[series.rss]:,} "
                f"| {p.get('machine', {}).get('load_avg_1m', '')} | {p.get('git', '')} |"
            )
    return "\n".join(lines)


def growth(runs: dict[str, list[dict[str, Any]]]) -> str:
    """Least-squares exponent b of ``y = a·N^b`` per series (b ≤ 1: at most linear growth) and
    what it gives at the target size; a guide only, from few points on a shared machine."""
    import numpy as np

    lines = [
        "| benchmark | sizes | time exponent | CPU exponent | memory exponent "
        "| at target N: s | CPU s | MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for series in SERIES:
        points = latest_per_size(runs.get(series.bench, []), series)
        if len(points) < 2:
            continue
        x = np.log([float(p[series.size]) for p in points])
        fits: list[tuple[float, float] | None] = []
        for key in (series.seconds, series.cpu, series.rss):
            if not key or any(p.get(key) is None for p in points):
                fits.append(None)
                continue
            b, a = np.polyfit(x, np.log([float(p[key]) for p in points]), 1)
            fits.append((float(b), float(a)))
        target = TARGETS.get(series.bench, (0, 0.0, 0))[0]
        exps = [f"{f[0]:.2f}" if f else "" for f in fits]
        at = [f"{np.exp(f[1]) * target ** f[0]:,.0f}" if f and target else "" for f in fits]
        lines.append(f"| {series.label} | {len(points)} | {' | '.join(exps)} | {' | '.join(at)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--since", default="", help="only runs at or after this ISO time")
    args = parser.parse_args()
    runs = load(args.results, args.since)
    for path in plot(runs, args.out):
        print(f"wrote {path}")  # noqa: T201
    print(table(runs))  # noqa: T201
    print()  # noqa: T201
    print(growth(runs))  # noqa: T201


if __name__ == "__main__":
    main()
