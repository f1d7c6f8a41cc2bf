"""Feed uploads run as background jobs: one thread per upload, status kept in memory.

A job saves the file under ``HOME/uploads/<job_id>/``, ingests it (the warehouse's writer lock
serialises concurrent uploads), then summarises what the batch sent to quarantine. Job status
does not survive a restart; the batch itself does (``redlane batches``).
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import FileResult, ingest_paths

JobStatus = Literal["queued", "running", "done", "failed"]


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

    def _run(self, job: Job, path: Path) -> None:
        job.status = "running"
        try:
            [result] = ingest_paths(
                [path], self.warehouse(), job.feed, job.partner, memory_limit=self.memory_limit
            ) or [FileResult(str(path), "failed", error="nothing to ingest")]
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
