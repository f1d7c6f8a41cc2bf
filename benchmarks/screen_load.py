"""Load test for ``POST /v1/screen``: a constant arrival rate (open loop), latency percentiles.

Starts ``redlane serve`` on a free loopback port over an existing ``REDLANE_HOME`` (one with a
trained model, e.g. after ``redlane demo --no-serve``), creates a benchmark user, takes real
advance-data records from the warehouse as request bodies, warms the screener, then sends
``--rate`` requests per second for ``--seconds`` seconds. Requests are scheduled on the clock,
not after the previous answer, so a slow server shows up as latency instead of as a lower rate
(no coordinated omission). Reports p50/p95/p99/max, errors, the achieved rate, the server
process's CPU use and the machine's load average (before and after: the load generator shares
the machine), and appends the figures to ``benchmarks/results/screen.jsonl`` (``--results``).

    .venv/bin/python benchmarks/screen_load.py --rate 100 --seconds 120
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def bench_user(home: Path) -> tuple[str, str]:
    from redlane.api.users import add_user
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.store.partners import ensure_default_partners

    ensure_schema()
    password = secrets.token_urlsafe(16)
    with session_scope() as session:
        ensure_default_partners(session)
        add_user(session, "bench", password, "targeting_analyst", "customs", home=home)
    return "bench", password


def records(home: Path, n: int) -> list[dict[str, Any]]:
    from redlane.bench.api_bench import sample_records

    rows = sample_records(home, n)
    if not rows:
        raise SystemExit("no aed_shipments in the warehouse: run `redlane demo --no-serve` first")
    return rows


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for this benchmark.

    A general client (httpx) costs more CPU per request than the screening being measured on a
    small machine; this one writes a prepared request and reads one Content-Length response.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        await self.reader.readexactly(length)
        return int(status_line.split()[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def run_load(
    url: str,
    token: str,
    bodies: list[dict[str, Any]],
    rate: float,
    seconds: float,
    connections: int,
) -> tuple[list[float], int, float]:
    """Open loop: request i is due at start + i/rate; a free connection takes the oldest due
    request; latency counts from the due time, so waiting for a connection counts too."""
    host, port = url.removeprefix("http://").split(":")
    encoded = [json.dumps(b).encode() for b in bodies]
    total = int(rate * seconds)
    due: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        conn = Connection(host, int(port), token)
        while (item := await due.get()) is not None:
            i, at = item
            try:
                status = await asyncio.wait_for(
                    conn.post("/v1/screen", encoded[i % len(encoded)]), 10
                )
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                conn.close()
                status = 0
            latencies.append((time.perf_counter() - at) * 1000)
            if status != 200:
                errors += 1
        conn.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    begin = time.perf_counter() + 0.1
    for i in range(total):
        at = begin + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((i, at))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, errors, time.perf_counter() - begin


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def latency_figures(
    latencies: list[float], errors: int, elapsed: float, rate: float, connections: int
) -> dict[str, Any]:
    """The figures every screening load test reports."""
    return {
        "rate_target": rate,
        "connections": connections,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "achieved_rate": round(len(latencies) / elapsed, 1),
        "errors": errors,
        "p50_ms": round(pct(latencies, 50), 2),
        "p95_ms": round(pct(latencies, 95), 2),
        "p99_ms": round(pct(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def result_line(bench: str, figures: dict[str, Any]) -> dict[str, Any]:
    """The common head of a result line: bench, time, git revision, machine (with load)."""
    from redlane.bench.record import git_revision, machine_info

    return {
        "bench": bench,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_revision(),
        "machine": {**machine_info(), "node": platform.node()},
        **figures,
    }


def append_line(path: Path, line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line, indent=1) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def wait_for_matcher(url: str, timeout: float = 120.0) -> None:
    """The warm-up thread loads the matcher after the screener, then collects garbage and
    freezes the heap: measuring before then would time the start-up, not the service."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/v1/health", timeout=5).json().get("live_matching"):
            break
        time.sleep(0.5)
    time.sleep(2)


@contextmanager
def warm_server(
    username: str, password: str, bodies: list[dict[str, Any]], serve_args: list[str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    """``redlane serve`` on a free loopback port, logged in and with a warm screener:
    yields (process, base URL, bearer token); the server is stopped on exit."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "redlane.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *(serve_args or []),
        ],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = httpx.post(
            f"{url}/v1/auth/login", json={"username": username, "password": password}
        ).json()["access_token"]
        for body in bodies[:50]:  # warm: the screener loads on first use if not at startup
            r = httpx.post(
                f"{url}/v1/screen",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
            if r.status_code != 200:
                raise SystemExit(f"screen answered {r.status_code}: {r.text[:300]}")
        wait_for_matcher(url)
        yield server, url, token
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=120.0, help="duration")
    parser.add_argument("--records", type=int, default=2000, help="distinct request bodies")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "screen.jsonl"
    )
    args = parser.parse_args()

    from redlane.config import get_settings

    home = get_settings().home.resolve()
    username, password = bench_user(home)
    bodies = records(home, args.records)
    with warm_server(username, password, bodies) as (server, url, token):
        load_before = load_average()
        cpu_before = cpu_seconds(server.pid)
        latencies, errors, elapsed = asyncio.run(
            run_load(url, token, bodies, args.rate, args.seconds, args.connections)
        )
        cpu = cpu_seconds(server.pid) - cpu_before
    figures = {
        "tool": "screen_load.py (open loop)",
        **latency_figures(latencies, errors, elapsed, args.rate, args.connections),
        "server_cpu_percent_of_one_core": round(100 * cpu / elapsed, 1),
        "load_avg_1m_before_after": [load_before, load_average()],
    }
    append_line(args.results, result_line("screen", figures))


if __name__ == "__main__":
    main()
