"""One day's advance-data file ingested under cProfile: where ingest's time goes.

    .venv/bin/python benchmarks/profile_ingest.py --shipments 200000 [--out ingest.prof]

Simulates one day of N parcels (seed 17) in a temporary folder, ingests its carrier file into
an empty warehouse in this process (the second half of a large file is parsed in a worker,
which cProfile does not see), and prints the 40 costliest calls by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.sim import generate_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shipments", type=int, required=True)
    parser.add_argument("--out", type=Path, default=Path("ingest.prof"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redlane-ingest-prof-") as tmp:
        world = Path(tmp) / "world"
        generate_world(world, seed=17, parcels=args.shipments, days=1)
        [day_file] = sorted((world / "carrier").glob("*.csv"))
        profile = cProfile.Profile()
        started = time.perf_counter()
        [result] = profile.runcall(ingest_paths, [day_file], Warehouse(Path(tmp) / "home"))
        seconds = time.perf_counter() - started
    profile.dump_stats(args.out)
    print(  # noqa: T201
        f"{result.status}: {result.records} records, {result.loaded} loaded, "
        f"{result.quarantined} quarantined in {seconds:.2f} s (under cProfile)"
    )
    pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
