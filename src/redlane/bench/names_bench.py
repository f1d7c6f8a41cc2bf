"""Measure the name comparator's throughput on one core.

    redlane names bench [--pairs 20000] [--runs 3] [--signatures PATH]
                        [--resolution-pairs 1000000] [--json OUT]
    python -m redlane.bench.names_bench …   (the same)

Every figure is pairs per second of CPU time of a *fresh* child process (other load on the
machine doesn't count), the median of ``--runs`` processes. Loading the model and rigour's
tables (a one-off per process, about a second) is outside the clock; preparing every name is
inside it.

* ``resolution`` (the headline): the name pairs a resolution compares — every pair Splink's
  blocking rules (resolve/settings.json) yield over a signatures table, or a random sample of
  ``--resolution-pairs`` of them when there are more (a sample repeats names less than the
  whole run, so it understates the speed) — scored by the batch scorer
  (:mod:`redlane.names.batch`) as ``LegalEntity``. The table is ``--signatures`` (a run's
  ``signatures`` Parquet file or folder) or else the current resolution run under
  ``REDLANE_HOME``; with neither, the mode is skipped (``null`` in the JSON). The pairs whose
  names differ are timed apart too (``differing_pairs_per_s``: scored first, every name new).
* ``batch_generated``: pairs from the labelled-pair generator (all families, positives and
  hard negatives, few names repeat) through the batch scorer: the worst case for it.
* ``compare_fresh``, ``compare_new_names``, ``compare_repeated``: the same generated pairs
  through ``compare()`` one by one (reasons included), as measured before the batch scorer:
  a fresh process; after a warm-up on other pairs with the per-name cache cleared (new names
  of mostly known words); the same pairs again (every name cached).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from redlane.names import compare
from redlane.names.prepare import prepare
from redlane.names.training.pairs import Pair, generate

__all__ = ["blocked_name_pairs", "measure", "run", "sample"]

MODES = ("resolution", "batch_generated", "compare")
RESOLUTION_PAIRS = 1_000_000
RESOLUTION_SCHEMA = "LegalEntity"  # parties carry no schema (splink_model.NAME_SCORE_SCHEMA)


def sample(n: int, seed: int = 99) -> list[Pair]:
    shares = {"person": 0.4, "org": 0.3, "entity": 0.2, "vessel": 0.1}
    pairs: list[Pair] = []
    for family, share in shares.items():
        pairs += generate(family, int(n * share), seed)
    return pairs


def run(pairs: list[Pair]) -> float:
    """compare() pairs per second of this process's CPU time."""
    started = time.process_time()
    for p in pairs:
        compare(p.name1, p.name2, p.schema)
    return len(pairs) / (time.process_time() - started)


def _warm() -> None:
    for schema in ("Person", "Company", "LegalEntity", "Vessel"):
        compare("warm up", "the model", schema)  # load coefficients and rigour's taggers


def _signatures_source(signatures: Path | None) -> str | None:
    from redlane.resolve.outputs import current_run_dir, table_source

    if signatures is not None:
        path = signatures / "*.parquet" if signatures.is_dir() else signatures
        return f"read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')"
    from redlane.config import get_settings

    run_dir = current_run_dir(get_settings().home)
    return table_source(run_dir, "signatures") if run_dir is not None else None


def blocked_name_pairs(source: str, limit: int) -> list[tuple[str | None, str | None]]:
    """(name_l, name_r) of the pairs settings.json's blocking rules yield over the signatures
    in ``source`` (a SQL table expression), each pair once as in Splink, a fixed sample of
    ``limit`` of them in a fixed order."""
    import duckdb
    from splink import block_on

    from redlane.resolve.splink_model import load_settings

    rules = [
        block_on(*rule).get_blocking_rule("duckdb").blocking_rule_sql
        for rule in load_settings()["blocking_rules"]
    ]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE s AS SELECT * FROM {source}")
    blocked = " UNION ".join(
        f"SELECT l.unique_id AS id_l, r.unique_id AS id_r, l.name_norm AS name_l, "
        f"r.name_norm AS name_r FROM s l JOIN s r ON ({rule}) AND l.unique_id < r.unique_id"
        for rule in rules
    )
    rows = con.execute(
        f"SELECT name_l, name_r FROM ({blocked}) ORDER BY hash(id_l || id_r), id_l, id_r "
        f"LIMIT {int(limit)}"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _child(
    mode: str, pairs_n: int, signatures: Path | None, resolution_pairs: int
) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    from redlane.names.batch import score_pairs

    if mode == "resolution":
        source = _signatures_source(signatures)
        if source is None:
            return {"skipped": "no signatures: pass --signatures or run `redlane resolve`"}
        blocked = blocked_name_pairs(source, resolution_pairs)
        left, right = [p[0] for p in blocked], [p[1] for p in blocked]
        # Pairs with equal names take the exact path; timed apart, the pairs that need the
        # comparator (names that differ) give the figure without that help, every name new.
        differ = [p for p in blocked if p[0] != p[1]]
        equal = [p for p in blocked if p[0] == p[1]]
        _warm()
        started = time.process_time()
        score_pairs([p[0] for p in differ], [p[1] for p in differ], RESOLUTION_SCHEMA)
        differ_seconds = time.process_time() - started
        score_pairs([p[0] for p in equal], [p[1] for p in equal], RESOLUTION_SCHEMA)
        seconds = time.process_time() - started
        return {
            "pairs": len(blocked),
            "distinct_names": len({*left, *right}),
            "distinct_pairs": len(set(blocked)),
            "equal_names": len(equal),
            "pairs_per_s": len(blocked) / seconds if seconds else None,
            "differing_pairs_per_s": len(differ) / differ_seconds if differ_seconds else None,
        }
    generated = sample(pairs_n)
    if mode == "batch_generated":
        _warm()
        started = time.process_time()
        score_pairs(
            [p.name1 for p in generated],
            [p.name2 for p in generated],
            [p.schema for p in generated],
        )
        seconds = time.process_time() - started
        return {"pairs": len(generated), "pairs_per_s": len(generated) / seconds}
    other = sample(pairs_n, seed=7)
    _warm()
    fresh = run(generated)
    run(other)
    prepare.cache_clear()
    steady = run(generated)
    repeated = run(generated)
    return {
        "pairs": len(generated),
        "fresh": fresh,
        "new_names": steady,
        "repeated": repeated,
    }


def _in_fresh_process(
    mode: str, pairs_n: int, signatures: Path | None, resolution_pairs: int
) -> dict[str, Any]:
    command = [sys.executable, "-m", "redlane.bench.names_bench", "--child", mode]
    command += ["--pairs", str(pairs_n), "--resolution-pairs", str(resolution_pairs)]
    if signatures is not None:
        command += ["--signatures", str(signatures)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(statistics.median(values)) if values else None


def measure(
    pairs_n: int,
    runs: int,
    signatures: Path | None = None,
    resolution_pairs: int = RESOLUTION_PAIRS,
) -> dict[str, Any]:
    """Every mode, ``runs`` fresh processes each; medians (the figures of ``--json``)."""

    def each(mode: str) -> list[dict[str, Any]]:
        return [_in_fresh_process(mode, pairs_n, signatures, resolution_pairs) for _ in range(runs)]

    resolution, batch, old = each("resolution"), each("batch_generated"), each("compare")
    first = resolution[0]
    figures: dict[str, Any] = {
        "runs": runs,
        "resolution": None
        if "skipped" in first
        else {
            "pairs": first["pairs"],
            "distinct_names": first["distinct_names"],
            "distinct_pairs": first["distinct_pairs"],
            "equal_names": first["equal_names"],
            "pairs_per_s": _median(resolution, "pairs_per_s"),
            "differing_pairs_per_s": _median(resolution, "differing_pairs_per_s"),
        },
        "batch_generated": {
            "pairs": batch[0]["pairs"],
            "pairs_per_s": _median(batch, "pairs_per_s"),
        },
        "compare_fresh": _median(old, "fresh"),
        "compare_new_names": _median(old, "new_names"),
        "compare_repeated": _median(old, "repeated"),
        "generated_pairs": old[0]["pairs"],
    }
    if "skipped" in first:
        figures["resolution_skipped"] = first["skipped"]
    return figures


def report(figures: dict[str, Any]) -> str:
    lines = [f"one core, CPU time, median of {figures['runs']} fresh processes:"]
    res = figures["resolution"]
    if res is None:
        lines.append(f"  resolution pairs, batch scorer: skipped ({figures['resolution_skipped']})")
    else:
        lines.append(
            f"  resolution pairs, batch scorer: {res['pairs_per_s']:,} pairs/s "
            f"({res['pairs']:,} blocked pairs, {res['distinct_names']:,} distinct names, "
            f"{res['distinct_pairs']:,} distinct pairs, {res['equal_names']:,} equal); "
            f"the {res['pairs'] - res['equal_names']:,} with names that differ alone: "
            f"{res['differing_pairs_per_s']:,} pairs/s"
        )
    lines += [
        f"  generated pairs, batch scorer: {figures['batch_generated']['pairs_per_s']:,} pairs/s "
        f"({figures['batch_generated']['pairs']:,} pairs)",
        f"  generated pairs, compare(): fresh process {figures['compare_fresh']:,} pairs/s, "
        f"new names {figures['compare_new_names']:,}, repeated names "
        f"{figures['compare_repeated']:,} ({figures['generated_pairs']:,} pairs)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="name comparator throughput, one core")
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--signatures", type=Path, default=None)
    parser.add_argument("--resolution-pairs", type=int, default=RESOLUTION_PAIRS)
    parser.add_argument("--json", type=Path, default=None, dest="json_out")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        sys.stdout.write(
            json.dumps(_child(args.child, args.pairs, args.signatures, args.resolution_pairs))
            + "\n"
        )
        return
    figures = measure(args.pairs, args.runs, args.signatures, args.resolution_pairs)
    sys.stdout.write(report(figures))
    if args.json_out is not None:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
