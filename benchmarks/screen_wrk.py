"""``POST /v1/screen`` under wrk (a C load tool) at about 100 requests/s over loopback.

Same setup as ``screen_load.py`` (serve over an existing ``REDLANE_HOME`` with a trained model,
a benchmark user, real advance-data bodies, a warm screener), but the load comes from
``wrk -s benchmarks/screen.lua``: each of ``--connections`` connections waits ``DELAY_MS``
between requests, so the rate is paced and wrk itself uses little CPU. wrk is closed-loop (a slow
answer delays the next request on that connection), so its percentiles can hide queueing that
``screen_load.py``'s open-loop schedule shows; report both.

    REDLANE_HOME=... .venv/bin/python benchmarks/screen_wrk.py --seconds 120
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_load import ROOT, bench_user, cpu_seconds, records, warm_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--connections", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    from redlane.config import get_settings

    home = get_settings().home.resolve()
    username, password = bench_user(home)
    bodies = records(home, 2000)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(b) + "\n" for b in bodies)
        bodies_file = f.name
    try:
        with warm_server(username, password, bodies) as (server, url, token):
            env = {
                **os.environ,
                "TOKEN": token,
                "BODIES_FILE": bodies_file,
                "DELAY_MS": str(args.delay_ms),
            }
            cpu_before = cpu_seconds(server.pid)
            out = subprocess.run(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(ROOT / "benchmarks" / "screen.lua"),
                    url,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        os.unlink(bodies_file)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    figures = json.loads(line[5:])
    figures["rate"] = round(figures["requests"] / figures["duration_s"], 1)
    figures["server_cpu_percent_of_one_core"] = round(100 * cpu / figures["duration_s"], 1)
    figures["tool"] = "wrk 4.1"
    sys.stdout.write(json.dumps(figures, indent=1) + "\n")
    results = ROOT / "benchmarks" / "results" / "screen_wrk.jsonl"
    with results.open("a", encoding="utf-8") as f:
        f.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
