"""The broker transport against a real NATS JetStream server (``REDLANE_NATS_URL``, default
127.0.0.1:4222): skipped when none answers, except under ``CI=true``, where that fails.

Each test has a stream and subject prefix of its own (deleted afterwards) and a SQLite store
migrated to head; ``ack_wait`` is 2 s so that redeliveries happen within a test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext, api
from sqlalchemy import select, update

from redlane.config import Settings
from redlane.events.nats_transport import (
    DEFAULT_SERVERS,
    BrokerUnavailable,
    NatsTransport,
    broker_reachable,
    encode,
    subject_for,
)
from redlane.store import outbox
from redlane.store.db import dispose_engine, session_scope
from redlane.store.event_models import OutboxEvent
from redlane.store.migrate import upgrade
from redlane.store.sqltypes import utcnow
from tests.utils.databases import in_ci

NATS_URL = Settings().nats_url or DEFAULT_SERVERS
ROOT = Path(__file__).resolve().parents[2]
ACK_WAIT = 2.0


@pytest.fixture(scope="module")
def broker() -> str:
    if not broker_reachable(NATS_URL, timeout=1.0):
        message = f"NATS JetStream unreachable at {NATS_URL}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return NATS_URL


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'redlane.db'}"
    upgrade(url)
    yield url
    dispose_engine(url)


@dataclass(frozen=True)
class Names:
    stream: str
    prefix: str


@pytest.fixture
def names(broker: str) -> Iterator[Names]:
    token = uuid.uuid4().hex[:12]
    yield Names(stream=f"TEST_EVENTS_{token}", prefix=f"test.{token}")

    async def delete(js: JetStreamContext) -> None:
        try:
            await js.delete_stream(f"TEST_EVENTS_{token}")
        except nats.js.errors.NotFoundError:
            pass

    with_js(broker, delete)


def with_js(servers: str, action: Callable[[JetStreamContext], Any]) -> Any:
    async def main() -> Any:
        nc = await nats.connect(servers)
        try:
            return await action(nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(main())


def transport(store_url: str, names: Names, **kwargs: Any) -> NatsTransport:
    kwargs.setdefault("ack_wait_s", ACK_WAIT)
    kwargs.setdefault("poll_s", 0.1)
    return NatsTransport(store_url, NATS_URL, names.stream, names.prefix, **kwargs)


class Recorder:
    """A handler recording what it was given, thread-safe."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.ids: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, event: outbox.Event) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.ids.append(event.id)


@contextmanager
def running(worker: NatsTransport, handle: Callable[[outbox.Event], None]) -> Iterator[None]:
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            worker.run(handle, stop)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive(), "run() did not return after stop"
    assert not errors, errors


def emit(store_url: str, count: int, kind: str = "seller_flagged") -> list[int]:
    with session_scope(store_url) as session:
        ids = [outbox.emit(session, kind, f"seller:S-{i}", {"i": i}) for i in range(count)]
    return [i for i in ids if i is not None]


def rows(store_url: str) -> list[OutboxEvent]:
    with session_scope(store_url, readonly=True) as session:
        found = list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
        session.expunge_all()  # kept readable after the read-only session's rollback
        return found


def all_done(store_url: str) -> bool:
    return all(row.done_at is not None for row in rows(store_url))


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(0.05)


def stream_state(names: Names) -> api.StreamState:
    async def state(js: JetStreamContext) -> api.StreamState:
        return (await js.stream_info(names.stream)).state

    result: api.StreamState = with_js(NATS_URL, state)
    return result


def test_events_are_handled_once_and_end_done(store_url: str, names: Names) -> None:
    ids = emit(store_url, 5)
    handled = Recorder()
    with running(transport(store_url, names), handled):
        wait_until(lambda: all_done(store_url))
        # Work queue: acked messages leave the stream (acks are sent without waiting).
        wait_until(lambda: stream_state(names).messages == 0)
    assert sorted(handled.ids) == ids
    for row in rows(store_url):
        assert row.published_at is not None and row.done_at is not None
        assert row.attempts == 1 and row.error is None
    assert stream_state(names).last_seq == len(ids)


def test_two_workers_share_the_events(store_url: str, names: Names) -> None:
    ids = emit(store_url, 20)
    first, second = Recorder(delay=0.05), Recorder(delay=0.05)
    # Both relay too: every row may be published twice, and is stored once (Nats-Msg-Id).
    with running(transport(store_url, names), first), running(transport(store_url, names), second):
        wait_until(lambda: all_done(store_url))
    handled = first.ids + second.ids
    duplicates = len(handled) - len(set(handled))
    assert set(handled) == set(ids)  # none lost
    assert first.ids and second.ids, (first.ids, second.ids)  # the work is shared
    assert duplicates == 0, f"{duplicates} events handled twice"
    assert stream_state(names).last_seq == len(ids)


CHILD = """
import sys, threading, time
from pathlib import Path
from redlane.events.nats_transport import NatsTransport

url, servers, stream, prefix, marker = sys.argv[1:]

def handle(event):
    Path(marker).write_text(str(event.id))
    time.sleep(600)  # killed here, mid-event

NatsTransport(url, servers, stream, prefix, ack_wait_s=2.0, poll_s=0.1).run(
    handle, threading.Event()
)
"""


def test_an_event_of_a_killed_worker_is_redelivered(
    store_url: str, names: Names, tmp_path: Path
) -> None:
    [event_id] = emit(store_url, 1)
    marker = tmp_path / "handling"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, NATS_URL, names.stream, names.prefix, marker],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        wait_until(marker.exists, timeout=10)
        time.sleep(0.5)  # let a heartbeat or two go by: the claim is the dead worker's own
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    [row] = rows(store_url)
    assert row.done_at is None and row.attempts == 1 and row.claimed_by is not None

    handled = Recorder()
    started = time.monotonic()
    with running(transport(store_url, names), handled):
        wait_until(lambda: all_done(store_url), timeout=10)
    assert handled.ids == [event_id]
    assert time.monotonic() - started < 3 * ACK_WAIT + 2
    [row] = rows(store_url)
    assert row.attempts == 2 and row.error is None


def test_a_relay_publishing_again_after_a_crash_is_deduplicated(
    store_url: str, names: Names
) -> None:
    ids = emit(store_url, 3)
    worker = transport(store_url, names)
    # A relay that died after the stream's ack and before marking its rows published.
    with session_scope(store_url, readonly=True) as session:
        events = [
            outbox.Event(r.id, r.kind, r.subject, dict(r.payload), r.created_at, 0)
            for r in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        ]

    async def publish(js: JetStreamContext) -> list[api.PubAck]:
        await worker.ensure_stream(js)
        return [
            await js.publish(
                subject_for(names.prefix, e.kind),
                encode(e),
                headers={"Nats-Msg-Id": str(e.id)},
            )
            for e in events
        ]

    acks = with_js(NATS_URL, publish)
    assert [a.seq for a in acks] == [1, 2, 3]
    assert all(row.published_at is None for row in rows(store_url))

    handled = Recorder()
    with running(worker, handled):
        wait_until(lambda: all_done(store_url))
    assert sorted(handled.ids) == ids  # once each
    assert all(row.published_at is not None for row in rows(store_url))  # the relay ran again
    assert stream_state(names).last_seq == 3  # ... and its copies were dropped by the stream


def test_a_failed_event_is_retried_after_its_backoff(store_url: str, names: Names) -> None:
    [event_id] = emit(store_url, 1)
    calls: list[int] = []

    def flaky(event: outbox.Event) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("partner down")

    with running(transport(store_url, names), flaky):
        wait_until(lambda: all_done(store_url), timeout=10)
    assert calls == [event_id, event_id]
    [row] = rows(store_url)
    assert row.attempts == 2 and row.error is None


def test_an_event_the_broker_lost_is_published_again(store_url: str, names: Names) -> None:
    [event_id] = emit(store_url, 1)
    # Marked published long ago, yet the stream never held it (purged, or out of deliveries).
    with session_scope(store_url) as session:
        session.execute(update(OutboxEvent).values(published_at=utcnow() - timedelta(hours=1)))
    handled = Recorder()
    with running(transport(store_url, names), handled):
        wait_until(lambda: all_done(store_url), timeout=10)
    assert handled.ids == [event_id]


def test_an_unreachable_broker_is_a_clear_error(store_url: str) -> None:
    url = "nats://127.0.0.1:1"
    assert not broker_reachable(url, timeout=0.5)
    worker = NatsTransport(store_url, url, connect_timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(BrokerUnavailable, match="nats://127.0.0.1:1"):
        worker.run(Recorder(), threading.Event())
    assert time.monotonic() - started < 5
