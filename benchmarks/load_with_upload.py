"""Screening under load while a large carrier feed is uploaded through the API.

Starts ``redlane serve`` over an existing ``REDLANE_HOME`` with a trained model (as
``screen_load.py`` does, whose warm server, request bodies and open-loop generator this
reuses), then at the same time:

* sends ``POST /v1/screen`` at ``--rate`` requests per second for ``--seconds`` (open loop:
  latency counts from each request's scheduled time);
* uploads an advance-data (AED) file of ``--rows`` new shipments through
  ``POST /v1/feeds/upload`` with a carrier machine's API key and ``Idempotency-Key``s. Uploads
  are capped at 50 MB, so the file goes as consecutive parts of at most ``--part-mb``; each part
  is one ingestion job, and the warehouse's writer lock runs them one after the other.

Then it checks: no screening error, the latency percentiles against ``--p99-target-ms``, and
that nothing was lost: every job done, the jobs' loaded rows and the warehouse's new rows both
equal to the file's, none quarantined or skipped. Appends the figures to
``benchmarks/results/load_upload.jsonl``; exits 1 when a check fails.

    REDLANE_HOME=... .venv/bin/python benchmarks/load_with_upload.py --seconds 300 --rows 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen_load import (  # noqa: E402
    ROOT,
    append_line,
    bench_user,
    cpu_seconds,
    latency_figures,
    load_average,
    pct,
    records,
    result_line,
    run_load,
    warm_server,
)

MB = 1024 * 1024


def carrier_key() -> str:
    """A new API key of the carrier's machine (the partner that sends AED files)."""
    from redlane.api.users import create_api_key
    from redlane.store.db import session_scope

    with session_scope() as session:
        _row, key = create_api_key(session, "carrier", "load benchmark")
    return key


def write_parts(
    folder: Path, bodies: list[dict[str, Any]], rows: int, prefix: str, part_bytes: int
) -> list[Path]:
    """``rows`` AED rows, copies of real ones under new hawbs ``<prefix><n>``, as CSV files
    of at most ``part_bytes`` each (the upload limit), each with the header."""
    from redlane.model.spec import FEEDS_BY_KIND

    columns = list(FEEDS_BY_KIND["carrier"].tables[0].field_names())
    folder.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    out = None
    writer: Any = None
    for i in range(rows):
        if out is None or out.tell() > part_bytes - 4096:
            if out is not None:
                out.close()
            parts.append(folder / f"aed-{prefix}-{len(parts):03d}.csv")
            out = parts[-1].open("w", newline="", encoding="utf-8")
            writer = csv.writer(out)
            writer.writerow(columns)
        row = bodies[i % len(bodies)]
        values = {**row, "hawb": f"{prefix}{i:09d}"}
        writer.writerow(["" if values.get(c) is None else values[c] for c in columns])
    if out is not None:
        out.close()
    return parts


@dataclass
class Upload:
    """The upload thread's record: jobs, times (monotonic), failures."""

    jobs: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    started: float = 0.0
    sent: float = 0.0
    bytes: int = 0

    def run(self, url: str, key: str, parts: list[Path]) -> None:
        self.started = time.monotonic()
        with httpx.Client(base_url=url, timeout=600) as client:
            for part in parts:
                headers = {"X-API-Key": key, "Idempotency-Key": f"upload-{part.name}"}
                r: httpx.Response | None = None
                for _attempt in range(3):  # a retry is safe: the key replays the first answer
                    try:
                        with part.open("rb") as fh:
                            files = {"file": (part.name, fh, "text/csv")}
                            r = client.post("/v1/feeds/upload", files=files, headers=headers)
                        break
                    except httpx.TransportError as e:
                        error = f"{part.name}: {type(e).__name__}: {e}"
                if r is None:
                    self.failures.append(error)
                    continue
                if r.status_code != 202:
                    self.failures.append(f"{part.name}: {r.status_code} {r.text[:200]}")
                    continue
                self.jobs.append(r.json()["id"])
                self.bytes += part.stat().st_size
        self.sent = time.monotonic()


def wait_for_jobs(url: str, key: str, jobs: list[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=url, timeout=30, headers={"X-API-Key": key}) as client:
        while len(done) < len(jobs) and time.monotonic() < deadline:
            for job in jobs:
                if job not in done:
                    body = client.get(f"/v1/feeds/jobs/{job}").json()
                    if body.get("status") in ("done", "failed"):
                        done[job] = body
            time.sleep(1)
    return [done.get(job, {"id": job, "status": "unfinished"}) for job in jobs]


def warehouse_rows(home: Path, prefix: str) -> int:
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(home / "warehouse").connect(tables=["aed_shipments"])
    try:
        [(n,)] = con.execute(
            "SELECT count(*) FROM aed_shipments WHERE starts_with(hawb, ?)", [prefix]
        ).fetchall()
    finally:
        con.close()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="screening requests per second")
    parser.add_argument("--seconds", type=float, default=300.0, help="screening duration")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the uploaded file")
    parser.add_argument("--part-mb", type=float, default=45.0, help="largest upload part (MB)")
    parser.add_argument("--records", type=int, default=2000, help="distinct screening bodies")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--p99-target-ms", type=float, default=50.0)
    parser.add_argument("--work-dir", type=Path, default=None, help="where the parts go")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results" / "load_upload.jsonl"
    )
    args = parser.parse_args()

    from redlane.config import get_settings

    home = get_settings().home.resolve()
    username, password = bench_user(home)
    key = carrier_key()
    bodies = records(home, args.records)
    prefix = f"LU{uuid.uuid4().hex[:8].upper()}"
    folder = args.work_dir or home / "load-upload" / prefix
    began = time.monotonic()
    parts = write_parts(folder, bodies, args.rows, prefix, int(args.part_mb * MB))
    written_s = time.monotonic() - began
    upload = Upload()
    with warm_server(username, password, bodies) as (server, url, token):
        load_before = load_average()
        cpu_before = cpu_seconds(server.pid)
        uploader = threading.Thread(target=upload.run, args=(url, key, parts), daemon=True)
        load_started = time.monotonic()
        uploader.start()
        latencies, errors, elapsed = asyncio.run(
            run_load(url, token, bodies, args.rate, args.seconds, args.connections)
        )
        load_ended = time.monotonic()
        cpu = cpu_seconds(server.pid) - cpu_before
        load_after = load_average()
        uploader.join()
        jobs = wait_for_jobs(url, key, upload.jobs, timeout=3600)
        ingested_at = time.monotonic()
    results = [j.get("result") or {} for j in jobs]
    loaded = sum(int(r.get("loaded", 0)) for r in results)
    in_warehouse = warehouse_rows(home, prefix)
    checks = {
        "no_screening_errors": errors == 0,
        "p99_within_target": pct(latencies, 99) <= args.p99_target_ms,
        "every_part_accepted": not upload.failures and len(jobs) == len(parts),
        "every_job_done": all(j.get("status") == "done" for j in jobs),
        "jobs_loaded_every_row": loaded == args.rows,
        "warehouse_has_every_row": in_warehouse == args.rows,
        "nothing_quarantined_or_skipped": all(
            int(r.get("quarantined", 0)) == 0 and int(r.get("duplicates", 0)) == 0 for r in results
        ),
    }
    figures = {
        "tool": "load_with_upload.py (open loop + API feed upload)",
        **latency_figures(latencies, errors, elapsed, args.rate, args.connections),
        "p99_target_ms": args.p99_target_ms,
        "server_cpu_percent_of_one_core": round(100 * cpu / elapsed, 1),
        "load_avg_1m_before_after": [load_before, load_after],
        "upload": {
            "rows": args.rows,
            "parts": len(parts),
            "bytes": upload.bytes,
            "file_written_s": round(written_s, 1),
            "sent_s_from_load_start": round(upload.sent - load_started, 1),
            "ingested_s_from_load_start": round(ingested_at - load_started, 1),
            "load_window_s": round(load_ended - load_started, 1),
            "jobs_loaded": loaded,
            "warehouse_rows": in_warehouse,
            "failures": upload.failures,
        },
        "checks": checks,
        "ok": all(checks.values()),
    }
    append_line(args.results, result_line("load_upload", figures))
    for part in parts:
        part.unlink(missing_ok=True)
    raise SystemExit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
