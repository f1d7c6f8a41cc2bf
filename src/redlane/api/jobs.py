"""Feed uploads run as background jobs: status kept in memory, the ingestion in a child process.

A job saves the file under ``HOME/uploads/<job_id>/``, ingests it (the warehouse's writer lock
serialises concurrent uploads), then summarises what the batch sent to quarantine. Job status
does not survive a restart; the batch itself does (``redlane batches``).

The ingestion itself runs in one long-lived child process at a lower CPU priority, not in a
thread of the service: a million-row upload is minutes of Python parsing, and in a thread it
holds the interpreter lock that screening requests wait for (p99 700 ms instead of 9 ms at
100 requests/s on two cores, ``benchmarks/load_with_upload.py``). The child is spawned, never
forked, since the service has threads; a child that dies fails its job and is replaced.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import FileResult, ingest_paths

JobStatus = Literal["queued", "running", "done", "failed"]
# How much lower than the service the ingesting child runs (nice(2) increment).
INGEST_NICENESS = 10


@dataclass
class Job:
    id: str
    filename: str
    partner: str
    feed: str | None
    submitted_by: str
    submitted_at: str
    status: JobStatus = "queued"
    result: dict[str, Any] | None = None
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    finished_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _lower_priority() -> None:
    os.nice(INGEST_NICENESS)


def _ingest_file(
    path: Path, warehouse_root: Path, feed: str | None, partner: str, memory_limit: str
) -> FileResult:
    """Runs in the ingesting child."""
    results = ingest_paths(
        [path], Warehouse(warehouse_root), feed, partner, memory_limit=memory_limit
    )
    return results[0] if results else FileResult(str(path), "failed", error="nothing to ingest")


class JobRunner:
    def __init__(
        self,
        home: Path,
        warehouse: Callable[[], Warehouse],
        on_done: Callable[[Job], None] | None = None,
        memory_limit: str = "",
    ) -> None:
        self.home = home
        self.warehouse = warehouse
        self.on_done = on_done
        self.memory_limit = memory_limit
        self._jobs: dict[str, Job] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def upload_dir(self, job_id: str) -> Path:
        return self.home / "uploads" / job_id

    def submit(
        self, path: Path, filename: str, partner: str, feed: str | None, submitted_by: str
    ) -> Job:
        job = Job(
            id=path.parent.name,
            filename=filename,
            partner=partner,
            feed=feed,
            submitted_by=submitted_by,
            submitted_at=_now(),
        )
        thread = threading.Thread(target=self._run, args=(job, path), daemon=True)
        with self._lock:
            self._jobs[job.id] = job
            self._threads[job.id] = thread
        thread.start()
        return job

    def new_job_dir(self) -> Path:
        job_dir = self.upload_dir(uuid.uuid4().hex)
        job_dir.mkdir(parents=True)
        return job_dir

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def wait(self, job_id: str, timeout: float = 60.0) -> None:
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)

    def _ingester(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority,
                )
            return self._pool

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None

    def _ingest(self, job: Job, path: Path) -> FileResult:
        args = (path, self.warehouse().root, job.feed, job.partner, self.memory_limit)
        pool = self._ingester()
        try:
            future = pool.submit(_ingest_file, *args)
        except BrokenProcessPool:  # the child died while idle: nothing of this job ran yet
            self._forget(pool)
            pool = self._ingester()
            future = pool.submit(_ingest_file, *args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._forget(pool)  # died during the job: the job fails, the next gets a new child
            raise

    def close(self) -> None:
        """Stop the ingesting child (after the job it is running, if any)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: Job, path: Path) -> None:
        job.status = "running"
        try:
            result = self._ingest(job, path)
            job.result = asdict(result)
            job.result["path"] = job.filename
            if result.status == "failed":
                job.status, job.error = "failed", result.error
            else:
                job.status = "done"
                if result.batch_id and result.quarantined:
                    job.quarantine = self._summary(result.batch_id)
        except Exception as e:  # noqa: BLE001 - a job reports every failure as its status
            job.status, job.error = "failed", f"{type(e).__name__}: {e}"
        finally:
            job.finished_at = _now()
            shutil.rmtree(path.parent, ignore_errors=True)
            if self.on_done is not None:
                try:
                    self.on_done(job)
                except Exception:  # noqa: BLE001, S110 - auditing failure must not kill the thread
                    pass

    def _summary(self, batch_id: str) -> list[dict[str, Any]]:
        con = self.warehouse().connect(tables=["quarantine"])
        try:
            rows = con.execute(
                "SELECT table_name, reason, count(*) AS n FROM quarantine WHERE _batch_id = ? "
                "GROUP BY ALL ORDER BY n DESC, reason LIMIT 20",
                [batch_id],
            ).fetchall()
        finally:
            con.close()
        return [{"table": t, "reason": r, "rows": int(n)} for t, r, n in rows]
