"""`redlane worker`: handles what is in the outbox, then stops cleanly on SIGTERM; refuses an
unknown transport."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from redlane.store import outbox
from redlane.store.db import dispose_engine, session_scope
from redlane.store.event_models import OutboxEvent
from redlane.store.migrate import upgrade


def test_the_worker_handles_the_outbox_and_stops_on_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'redlane.db'}"
    upgrade(url)
    with session_scope(url) as session:
        outbox.emit(session, "plan.made", "plan:404", {"plan_id": 404, "port": "JFK"})
    env = {**os.environ, "REDLANE_HOME": str(home), "REDLANE_DATABASE_URL": ""}
    worker = subprocess.Popen(
        [sys.executable, "-m", "redlane.cli", "worker", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        done = False
        while time.monotonic() < deadline and not done:
            with session_scope(url, readonly=True) as session:
                done = all(r.done_at for r in session.scalars(select(OutboxEvent)))
            time.sleep(0.2)
        assert done, "the worker never handled the event"
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
        dispose_engine(url)
    assert worker.returncode == 0, err[-2000:]


def test_an_unknown_transport_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "REDLANE_HOME": str(tmp_path), "REDLANE_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "redlane.cli", "worker", "--transport", "kafka"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "outbox" in done.stderr + done.stdout
