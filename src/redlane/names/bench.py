"""Measure ``compare`` throughput on one core.

    python -m redlane.names.bench [--pairs 20000]

Pairs come from the labelled-pair generator (all families, a mix of positives and hard
negatives; few names repeat). Three figures:

* ``fresh process``: the first pairs a new process scores — every name and most words are
  new, rigour's own per-word caches are empty;
* ``new names``: after a warm-up on *other* pairs (another seed), with the per-name cache
  cleared — new names made of mostly known words: a long-running scorer's steady state;
* ``repeated names``: the same pairs again, every name cached.
"""

from __future__ import annotations

import argparse
import sys
import time

from redlane.names import compare
from redlane.names.prepare import prepare
from redlane.names.training.pairs import Pair, generate


def sample(n: int, seed: int = 99) -> list[Pair]:
    shares = {"person": 0.4, "org": 0.3, "entity": 0.2, "vessel": 0.1}
    pairs: list[Pair] = []
    for family, share in shares.items():
        pairs += generate(family, int(n * share), seed)
    return pairs


def run(pairs: list[Pair]) -> float:
    """Pairs per second of this process's CPU time (other load on the machine doesn't count)."""
    started = time.process_time()
    for p in pairs:
        compare(p.name1, p.name2, p.schema)
    return len(pairs) / (time.process_time() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="compare() throughput, one core")
    parser.add_argument("--pairs", type=int, default=20_000)
    args = parser.parse_args(argv)
    pairs = sample(args.pairs)
    other = sample(args.pairs, seed=7)
    for schema in ("Person", "Company", "LegalEntity", "Vessel"):
        compare("warm up", "the model", schema)  # load coefficients and rigour's taggers
    fresh = run(pairs)
    run(other)
    prepare.cache_clear()
    steady = run(pairs)
    repeated = run(pairs)
    sys.stdout.write(
        f"{len(pairs)} pairs, one core: fresh process {fresh:,.0f} pairs/s, "
        f"new names {steady:,.0f} pairs/s, repeated names {repeated:,.0f} pairs/s\n"
    )


if __name__ == "__main__":
    main()
