"""``POST /v1/screen`` under wrk (a C load tool) at a constant rate over loopback.

Same setup as ``screen_load.py`` (serve over an existing ``REDLANE_HOME`` with a trained model,
a benchmark user, real advance-data bodies, a warm screener), but the load comes from
``wrk -t1 -c N --latency -s benchmarks/screen.lua``: the connections share one schedule of
``--rate`` slots per second (see the script), so the rate holds whatever the latency while
enough connections are idle, and wrk itself uses little CPU. wrk times each request from its
send; requests sent more than 10 ms after their slot (no connection was free) are counted as
``sent_late_over_10ms`` and show how much queueing the closed loop hid. Reports wrk's latency
distribution, errors, the server's CPU (``/proc/<pid>/stat``) and the machine's load average,
and appends them to ``benchmarks/results/screen_wrk.jsonl`` (``--results``).

    REDLANE_HOME=... .venv/bin/python benchmarks/screen_wrk.py --rate 100 --seconds 120
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
from screen_load import (  # noqa: E402
    ROOT,
    append_line,
    bench_user,
    cpu_seconds,
    load_average,
    records,
    result_line,
    warm_server,
)


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split(" [")[0].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "screen_wrk.jsonl"
    )
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
    command = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(ROOT / "benchmarks" / "screen.lua"),
    ]
    try:
        with warm_server(username, password, bodies) as (server, url, token):
            env = {**os.environ, "TOKEN": token, "BODIES_FILE": bodies_file, "RATE": str(args.rate)}
            load_before = load_average()
            cpu_before = cpu_seconds(server.pid)
            out = subprocess.run(
                [*command, url], env=env, capture_output=True, text=True, check=True
            ).stdout
            cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        os.unlink(bodies_file)
    sys.stderr.write(out)
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    figures = json.loads(line[5:])
    figures["rate"] = round(figures["requests"] / figures["duration_s"], 1)
    figures["rate_target"] = args.rate
    figures["connections"] = args.connections
    figures["errors"] = sum(v for k, v in figures.items() if k.startswith("errors_"))
    figures["server_cpu_percent_of_one_core"] = round(100 * cpu / figures["duration_s"], 1)
    figures["tool"] = wrk_version()
    figures["command"] = " ".join([*command, "URL"]) + f" (RATE={args.rate:g})"
    figures["load_avg_1m_before_after"] = [load_before, load_average()]
    append_line(args.results, result_line("screen_wrk", figures))


if __name__ == "__main__":
    main()
