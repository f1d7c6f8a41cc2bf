"""Two homes' current resolution runs compared table by table, as multisets of rows.

    .venv/bin/python benchmarks/resolution_diff.py HOME_A HOME_B [--round-risk 12]

Prints, per output table, its rows and how many rows each side holds that the other lacks;
``--round-risk N`` compares ``actors.risk`` and ``rings.risk`` rounded to N decimals (a parallel
sum makes their last digit differ between two runs of the same code).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from redlane.resolve import outputs

TABLES = (
    "party_actors",
    "actors",
    "actor_edges",
    "rings",
    "infrastructure",
    "parties",
    "signatures",
    "pair_evidence",
    "party_raw",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home_a", type=Path)
    parser.add_argument("home_b", type=Path)
    parser.add_argument("--round-risk", type=int)
    args = parser.parse_args()
    runs = [outputs.current_run_dir(home) for home in (args.home_a, args.home_b)]
    if runs[0] is None or runs[1] is None:
        raise SystemExit("both homes need a resolution run")
    con = duckdb.connect()
    for name in TABLES:
        a, b = (f"(SELECT * FROM {outputs.table_source(run, name)})" for run in runs)
        if args.round_risk is not None and name in ("actors", "rings"):
            a, b = (
                f"(SELECT * REPLACE (round(risk, {args.round_risk}) AS risk) FROM {side})"
                for side in (a, b)
            )
        rows = con.execute(f"SELECT count(*) FROM {a}").fetchall()[0][0]
        only = [
            con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {x} EXCEPT ALL SELECT * FROM {y})"
            ).fetchall()[0][0]
            for x, y in ((a, b), (b, a))
        ]
        print(f"{name:15} rows {rows:>11,}  only in A {only[0]:>9,}  only in B {only[1]:>9,}")  # noqa: T201


if __name__ == "__main__":
    main()
