"""``redlane ingest``, ``redlane resolve`` and ``redlane target plan`` killed with SIGKILL at
random moments (seeded): what is left is the state before or after, never between, and a re-run
ends with exactly the counts of a clean run.

One small simulated world is prepared once (ingested, resolved, a model trained); every kill
works on a copy of the home it needs. The kill falls uniformly within the duration of the clean
run of the same command, measured here, so it lands anywhere from start-up to exit; when a run
finishes before its kill (runs after the first are faster: imports are compiled, files cached),
the next kill of that command falls within a shorter window, until every command has been killed
the number of times ``KILLS`` asks. The file ingest's own fault points are tested in
tests/feeds/test_crash_safety.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from redlane.engine.warehouse import Warehouse
from redlane.resolve.outputs import OUTPUT_TABLES, table_source

pytestmark = pytest.mark.slow

SEED = 20261124
KILLS = {"ingest": 4, "resolve": 3, "plan": 3}  # kills that must land, per command
ATTEMPTS = 3  # at most this many runs per kill asked for
SHRINK = 0.6  # the kill window after a run that finished first
PORT, DAY = "JFK", "2025-06-02"
runner = CliRunner()
OUTCOMES: Counter[str] = Counter()


@dataclass(frozen=True)
class Prepared:
    world: Path
    ingested: Path  # home after a clean ingest
    trained: Path  # home after a clean resolve and target train
    seconds: dict[str, float]  # wall time of each clean command, start-up included
    batches: list[tuple[str, int, int, int]]  # clean ingest: (sha, loaded, dups, quarantined)
    rows: dict[str, int]
    resolution: dict[str, int]
    plan: tuple[int, Counter[str]]


def command(name: str, world: Path) -> list[str]:
    return {
        "ingest": ["ingest", str(world)],
        "resolve": ["resolve"],
        "plan": ["target", "plan", "--port", PORT, "--date", DAY],
    }[name]


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDLANE_")}
    return {**env, "REDLANE_HOME": str(home)}


def spawn(args: list[str], home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "redlane.cli", *args],
        env=environment(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def timed_run(args: list[str], home: Path) -> float:
    started = time.perf_counter()
    proc = spawn(args, home)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()
    return time.perf_counter() - started


def rerun(args: list[str], home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same command again, as a user would run it: a new process, like the clean run
    (``monkeypatch`` is kept for the callers' signature)."""
    del monkeypatch
    proc = spawn(args, home)
    _out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err.decode()


# --- state -----------------------------------------------------------------------------------


def warehouse_state(home: Path) -> tuple[list[tuple[str, int, int, int]], dict[str, int]]:
    """Committed batches and rows, after checking readers see exactly the committed rows."""
    store = Warehouse(home / "warehouse")
    committed = store.table_rows()
    con = store.connect()
    try:
        for table, rows in committed.items():
            [(visible,)] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()
            assert visible == rows, (table, visible, rows)
    finally:
        con.close()
    batches = [
        (m.file_sha256, m.rows_loaded, m.duplicates, m.quarantined) for m in store.manifests()
    ]
    return batches, committed


def resolution_state(home: Path) -> dict[str, int] | None:
    """Rows of each output of the published run (all must be readable), or None before any."""
    pointer = home / "resolution" / "current.json"
    if not pointer.exists():
        return None
    run_dir = home / "resolution" / "runs" / json.loads(pointer.read_text())["run_id"]
    con = duckdb.connect()
    try:
        return {
            name: int(
                con.execute(f"SELECT count(*) FROM {table_source(run_dir, name)}").fetchall()[0][0]
            )
            for name in OUTPUT_TABLES
        }
    finally:
        con.close()


def store_rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(home / "redlane.db")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def plan_state(home: Path) -> list[tuple[int, Counter[str]]]:
    """Each stored plan of the port and day: its items by lane, and its audit entry checked."""
    plans = store_rows(
        home, f"SELECT id FROM plans WHERE port_code = '{PORT}' AND plan_date = '{DAY}'"
    )
    audited = store_rows(home, "SELECT object_ids FROM audit_log WHERE action = 'target.plan'")
    audited_ids = {json.loads(ids)[0] for (ids,) in audited}
    found = []
    for (plan_id,) in plans:
        lanes = Counter(
            lane
            for (lane,) in store_rows(
                home, f"SELECT lane FROM plan_items WHERE plan_id = {plan_id}"
            )
        )
        assert str(plan_id) in audited_ids, "a plan stored without its audit entry"
        found.append((plan_id, lanes))
    return found


def holds_rows(home: Path) -> int | None:
    path = home / "plans" / f"holds_{PORT}_{DAY}.csv"
    if not path.exists():
        return None
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


# --- the prepared world ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    base = tmp_path_factory.mktemp("crash-world")
    world = base / "world"
    # 5 % counterfeits: enough that the world's own inspections seize some, which `target
    # train` needs (at 1 % a 900-parcel world's ~30 inspections often seize nothing).
    sim = ["sim", "world", "--seed", "3", "--scale", "1500", "--days", "2"]
    sim += ["--counterfeit-rate", "0.05", "--out", str(world)]
    seconds: dict[str, float] = {}
    timed_run(sim, base / "sim-home")
    ingested = base / "ingested"
    seconds["ingest"] = timed_run(command("ingest", world), ingested)
    batches, rows = warehouse_state(ingested)
    trained = base / "trained"
    shutil.copytree(ingested, trained)
    seconds["resolve"] = timed_run(command("resolve", world), trained)
    resolution = resolution_state(trained)
    assert resolution is not None and resolution["actors"] > 0
    timed_run(["target", "train"], trained)
    planned = base / "planned"
    shutil.copytree(trained, planned)
    seconds["plan"] = timed_run(command("plan", world), planned)
    [plan] = plan_state(planned)
    return Prepared(world, ingested, trained, seconds, batches, rows, resolution, plan)


def kill_at_random(args: list[str], home: Path, within: float, rng: random.Random) -> bool:
    """Run, SIGKILL after a random delay; True when the process was still running."""
    proc = spawn(args, home)
    time.sleep(rng.uniform(0, within))
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=900)
    assert proc.returncode == (-signal.SIGKILL if running else 0)
    return running


def fresh_home(source: Path | None, target: Path) -> Path:
    if source is None:
        target.mkdir(parents=True)
    else:
        shutil.copytree(source, target)
    return target


# --- the kills -------------------------------------------------------------------------------


def kill_ingest(
    prepared: Prepared, home: Path, window: float, rng: random.Random, mp: pytest.MonkeyPatch
) -> bool:
    args = command("ingest", prepared.world)
    killed = kill_at_random(args, home, window, rng)
    batches, _rows = warehouse_state(home)
    assert batches == prepared.batches[: len(batches)]  # whole batches, in order, or none
    done = f"{len(batches)}/{len(prepared.batches)} files"
    OUTCOMES[f"ingest {'killed' if killed else 'finished'}: {done} committed"] += 1
    rerun(args, home, mp)
    assert warehouse_state(home) == (prepared.batches, prepared.rows)
    return killed


def kill_resolve(
    prepared: Prepared, home: Path, window: float, rng: random.Random, mp: pytest.MonkeyPatch
) -> bool:
    args = command("resolve", prepared.world)
    killed = kill_at_random(args, home, window, rng)
    state = resolution_state(home)
    assert state in (None, prepared.resolution)  # nothing published, or all of a run
    OUTCOMES[f"resolve {'killed' if killed else 'finished'}: {'after' if state else 'before'}"] += 1
    rerun(args, home, mp)
    assert resolution_state(home) == prepared.resolution
    return killed


def kill_plan(
    prepared: Prepared, home: Path, window: float, rng: random.Random, mp: pytest.MonkeyPatch
) -> bool:
    args = command("plan", prepared.world)
    _plan_id, clean_lanes = prepared.plan
    killed = kill_at_random(args, home, window, rng)
    plans = plan_state(home)
    assert [lanes for _id, lanes in plans] in ([], [clean_lanes])
    if plans:  # stored, audited, and the carrier's holds list written whole
        assert holds_rows(home) == sum(clean_lanes.values())
    else:  # a plan is a new decision each run: re-run only when none was stored
        if holds_rows(home) is not None:
            OUTCOMES["plan: holds list written, plan not stored"] += 1
        rerun(args, home, mp)
    OUTCOMES[f"plan {'killed' if killed else 'finished'}: {'after' if plans else 'before'}"] += 1
    assert [lanes for _id, lanes in plan_state(home)] == [clean_lanes]
    assert holds_rows(home) == sum(clean_lanes.values())
    return killed


def test_sigkill_at_random_moments_leaves_before_or_after_and_reruns_complete(
    prepared: Prepared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(SEED)
    plan = [("ingest", None, kill_ingest), ("resolve", prepared.ingested, kill_resolve)]
    plan += [("plan", prepared.trained, kill_plan)]
    kills: Counter[str] = Counter()
    for name, source, kill in plan:
        window = prepared.seconds[name]
        for run in range(KILLS[name] * ATTEMPTS):
            if kills[name] == KILLS[name]:
                break
            home = fresh_home(source, tmp_path / f"{name}-{run}")
            if kill(prepared, home, window, rng, monkeypatch):
                kills[name] += 1
            else:
                window *= SHRINK
            shutil.rmtree(home)
    if os.environ.get("REDLANE_CRASH_TALLY"):  # the figures of docs/reliability.md
        tally = {**OUTCOMES, "clean seconds": prepared.seconds}
        Path(os.environ["REDLANE_CRASH_TALLY"]).write_text(json.dumps(tally, indent=1))
    assert kills == KILLS, OUTCOMES
