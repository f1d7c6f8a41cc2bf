"""The embedded transport: an event is written with its change or not at all, claimed by one
worker, retried when its handler fails, and survives a worker killed in the middle of it; the
warehouse's batches become events once each."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from redlane.events.sources import SourceWatcher
from redlane.events.transport import OutboxTransport
from redlane.store import outbox
from redlane.store.db import session_scope
from redlane.store.event_models import OutboxEvent
from redlane.targeting import decisions
from redlane.targeting.outcomes import record_outcome
from tests.events.webhook_helpers import make_store


def rows(url: str) -> list[tuple[int, str, int, bool]]:
    with session_scope(url, readonly=True) as session:
        return [
            (r.id, r.kind, r.attempts, r.done_at is not None)
            for r in session.execute(select(OutboxEvent).order_by(OutboxEvent.id)).scalars()
        ]


def test_a_lookout_and_its_event_are_written_together_or_not_at_all(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    lookout = {
        "kind": "identifier",
        "criteria": {"identifier": "phone", "value": "+86 20 5555 0101"},
        "lane": "red",
        "reason": "ring phone",
    }
    with pytest.raises(RuntimeError), session_scope(url) as session:
        decisions.create_lookout(session, decisions.person(session, "ana", "ipcc"), lookout, None)
        raise RuntimeError("the request failed after the write")
    assert rows(url) == []
    with session_scope(url) as session:
        decisions.create_lookout(session, decisions.person(session, "ana", "ipcc"), lookout, None)
    assert [(kind, done) for _id, kind, _n, done in rows(url)] == [("lookout.changed", False)]


def test_an_outcome_is_an_event(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    with session_scope(url) as session:
        record_outcome(
            session,
            {"carrier": "EXPR", "hawb": "H1", "port_code": "JFK", "outcome": "seized"},
            "officer",
        )
        record_outcome(  # the same finding again changes nothing: no second event
            session,
            {"carrier": "EXPR", "hawb": "H1", "port_code": "JFK", "outcome": "seized"},
            "officer",
        )
    with session_scope(url, readonly=True) as session:
        payloads = [r.payload for r in session.execute(select(OutboxEvent)).scalars()]
    assert len(payloads) == 1
    assert payloads[0]["hawb"] == "H1" and payloads[0]["outcome"] == "seized"


def test_two_workers_never_claim_the_same_event(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    with session_scope(url) as session:
        for n in range(10):
            outbox.emit(session, "test", f"t:{n}", {"n": n})
    with session_scope(url) as session:
        first = outbox.claim(session, "w1", limit=6)
    with session_scope(url) as session:
        second = outbox.claim(session, "w2", limit=10)
    assert len(first) == 6 and len(second) == 4
    assert not {e.id for e in first} & {e.id for e in second}


def test_a_failing_handler_is_retried_then_done(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    with session_scope(url) as session:
        outbox.emit(session, "test", "t:1", {})
    calls: list[int] = []

    def flaky(event: outbox.Event) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise ValueError("the warehouse was busy")

    stop = threading.Event()
    worker = OutboxTransport(url, poll_s=0.05)
    thread = threading.Thread(target=worker.run, args=(flaky, stop))
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not rows(url)[0][3]:
        time.sleep(0.1)
    stop.set()
    thread.join()
    assert calls == [1, 1]
    assert rows(url) == [(1, "test", 2, True)]


CHILD = """
import sys, time
from datetime import timedelta
from pathlib import Path
from redlane.events.transport import OutboxTransport
import threading

def stuck(event):
    Path(sys.argv[2]).write_text(str(event.id))
    time.sleep(600)

OutboxTransport(sys.argv[1], poll_s=0.05, lease=timedelta(seconds=2)).run(stuck, threading.Event())
"""


def test_an_event_whose_worker_is_killed_mid_way_is_handled_by_the_next(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    with session_scope(url) as session:
        outbox.emit(session, "test", "t:1", {"n": 1})
    started = tmp_path / "started"
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(started)])
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the first worker never took the event"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert rows(url) == [(1, "test", 1, False)]  # claimed, not done: the lease still runs
    handled: list[int] = []
    stop = threading.Event()
    worker = OutboxTransport(url, poll_s=0.05, lease=timedelta(seconds=2))
    thread = threading.Thread(target=worker.run, args=(lambda e: handled.append(e.id), stop))
    thread.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not rows(url)[0][3]:
        time.sleep(0.1)
    stop.set()
    thread.join()
    assert handled == [1]
    assert rows(url) == [(1, "test", 2, True)]


def manifest(warehouse: Path, seq: int, batch_id: str) -> None:
    folder = warehouse / "_batches"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{seq:09d}-{batch_id}.json").write_text(
        json.dumps({"batch_id": batch_id, "seq": seq, "feed": "carrier", "tables": {}}),
        encoding="utf-8",
    )


def test_batches_committed_after_the_first_watcher_starts_become_one_event_each(
    tmp_path: Path,
) -> None:
    url = make_store(tmp_path)
    home, warehouse = tmp_path, tmp_path / "warehouse"
    manifest(warehouse, 1, "old")  # history: in the warehouse before events began
    watcher = SourceWatcher(url, home, warehouse)
    assert watcher.poll() == 0
    manifest(warehouse, 2, "b2")
    manifest(warehouse, 3, "b3")
    other = SourceWatcher(url, home, warehouse)  # a second worker, started meanwhile
    assert watcher.poll() + other.poll() == 2
    assert watcher.poll() == other.poll() == 0
    with session_scope(url, readonly=True) as session:
        subjects = [r.subject for r in session.execute(select(OutboxEvent)).scalars()]
    assert subjects == ["batch:b2", "batch:b3"]
    restarted = SourceWatcher(url, home, warehouse)  # picks up where the announced ones end
    manifest(warehouse, 4, "b4")
    assert restarted.poll() == 1


def test_a_published_resolution_run_is_an_event(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    pointer = tmp_path / "resolution" / "current.json"
    pointer.parent.mkdir()
    pointer.write_text(json.dumps({"run_id": "r1"}), encoding="utf-8")
    watcher = SourceWatcher(url, tmp_path, tmp_path / "warehouse")
    assert watcher.poll() == 0
    pointer.write_text(json.dumps({"run_id": "r2"}), encoding="utf-8")
    assert watcher.poll() == 1
    assert [k for _i, k, _n, _d in rows(url)] == ["resolution.run"]


def test_worker_once_handles_what_is_pending_and_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`redlane worker --once`: a scheduler's pass; every due event handled, none left."""
    from typer.testing import CliRunner

    from redlane.cli import app
    from redlane.config import get_settings

    url = make_store(tmp_path)
    with session_scope(url) as session:
        record_outcome(
            session,
            {"carrier": "EXPR", "hawb": "H1", "port_code": "JFK", "outcome": "seized"},
            "officer",
        )
    monkeypatch.setenv("REDLANE_HOME", str(tmp_path))
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["worker", "--once"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 events handled" in result.output
    assert [(kind, done) for _id, kind, _n, done in rows(url)] == [("outcome.recorded", True)]
