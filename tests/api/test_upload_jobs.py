"""Upload jobs ingest in a child process of their own, and survive that child's death."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from redlane.api.jobs import Job, JobRunner
from redlane.engine.warehouse import Warehouse
from redlane.model.spec import FEEDS_BY_KIND
from tests.utils.feed_files import valid_record, write_csv

AED = FEEDS_BY_KIND["carrier"].tables[0]


def _upload(runner: JobRunner, first: int, count: int) -> Job:
    job_dir = runner.new_job_dir()
    records = [valid_record(AED, i) for i in range(first, first + count)]
    path = write_csv(job_dir / "aed.csv", AED, records)
    job = runner.submit(path, "aed.csv", "carrier", "carrier", "test")
    runner.wait(job.id, timeout=120)
    return job


def _aed_rows(warehouse_root: Path) -> int:
    con = Warehouse(warehouse_root).connect(tables=["aed_shipments"])
    try:
        return int(con.execute("SELECT count(*) FROM aed_shipments").fetchall()[0][0])
    finally:
        con.close()


def test_jobs_ingest_in_a_lower_priority_child_that_is_replaced_when_it_dies(
    tmp_path: Path,
) -> None:
    warehouse_root = tmp_path / "warehouse"
    runner = JobRunner(tmp_path, lambda: Warehouse(warehouse_root))
    others = {p.pid for p in multiprocessing.active_children()}  # other tests' services
    try:
        first = _upload(runner, 0, 3)
        assert first.status == "done", first.error
        assert first.result is not None and first.result["loaded"] == 3
        [child] = [p for p in multiprocessing.active_children() if p.pid not in others]
        assert child.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, child.pid) > os.getpriority(os.PRIO_PROCESS, 0)

        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        time.sleep(0.5)  # let the pool notice
        second = _upload(runner, 3, 2)
        third = _upload(runner, 5, 4)

        # The job that met the dead child fails whole or is run by a new one; later jobs are fine.
        assert second.status in ("done", "failed")
        assert third.status == "done", third.error
        loaded = 3 + 4 + (2 if second.status == "done" else 0)
        assert _aed_rows(warehouse_root) == loaded
    finally:
        runner.close()
    assert {p.pid for p in multiprocessing.active_children()} <= others
