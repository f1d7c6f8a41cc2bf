"""A crash mid-ingest (kill -9) leaves the warehouse as it was; a re-run then completes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import FAULT_ENV, FAULT_POINTS
from redlane.model.spec import CARRIER
from tests.utils.feed_files import valid_record, write_csv

AED = CARRIER.tables[0]
ROWS = 30_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash")
    records = [valid_record(AED, i) for i in range(ROWS)]
    for i in range(0, ROWS, 1000):
        records[i]["origin_country"] = "XX"
    return write_csv(folder / "aed.csv", AED, records)


def run_ingest(path: Path, home: Path, fault: str | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDLANE_HOME": str(home)}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    cmd = [sys.executable, "-m", "redlane.cli", "ingest", str(path)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def state(home: Path) -> tuple[int, int, int]:
    store = Warehouse(home / "warehouse")
    rows = store.table_rows()
    return rows["aed_shipments"], rows["quarantine"], len(store.manifests())


def visible_rows(home: Path) -> int:
    row = (
        Warehouse(home / "warehouse")
        .connect()
        .execute("SELECT count(*) FROM aed_shipments")
        .fetchone()
    )
    return int(row[0]) if row else -1


CLEAN = (ROWS - ROWS // 1000, ROWS // 1000, 1)


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_kill_at_each_stage_leaves_nothing_then_rerun_completes(point, big_file, tmp_path):
    proc = run_ingest(big_file, tmp_path, fault=point)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert state(tmp_path) == (0, 0, 0) and visible_rows(tmp_path) == 0
    rerun = run_ingest(big_file, tmp_path)
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read() if rerun.stderr else ""
    assert state(tmp_path) == CLEAN and visible_rows(tmp_path) == CLEAN[0]
    leftovers = [
        p
        for p in (tmp_path / "warehouse").rglob("*.parquet")
        if p.parent.name in ("aed_shipments", "quarantine")
    ]
    assert len(leftovers) == 2  # only the committed batch's files remain


@pytest.mark.slow
def test_kill_at_random_moments(big_file, tmp_path):
    rng = random.Random(20261123)
    for attempt in range(6):
        home = tmp_path / f"run{attempt}"
        proc = run_ingest(big_file, home)
        time.sleep(rng.uniform(0.2, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert state(home) in ((0, 0, 0), CLEAN)
        assert run_ingest(big_file, home).wait(timeout=120) == 0
        assert state(home) == CLEAN and visible_rows(home) == CLEAN[0]
