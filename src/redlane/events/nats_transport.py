"""The broker transport: outbox events carried through NATS JetStream to every worker process.

The outbox table stays the record of truth; the broker only carries the work. Two loops run in
each worker, in one asyncio loop inside the caller's thread:

* the **relay** publishes outbox rows not yet published (``published_at IS NULL AND done_at IS
  NULL``) to ``<prefix>.<kind>`` with ``Nats-Msg-Id`` = the outbox id and marks them published
  after the stream's ack. Every worker relays: two relays may publish the same row, and the
  stream's duplicate window stores it once. A relay that dies between the ack and the mark
  publishes the row again after its restart, and that copy is dropped the same way.
* the **consumer** pulls from one durable consumer shared by every worker (work-queue semantics:
  each message goes to one worker, again after ``ack_wait`` when it is not acked). The message
  only names an outbox row: the worker claims that row (skipping one already done), runs the
  handler as :func:`redlane.events.transport.handle_one` does, and acks after the row is done.

A message the broker gives up on (``max_deliver``) or loses is not lost to the outbox: when the
consumer has nothing pending, rows published long ago and still not done are published again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from sqlalchemy import or_, select, update

from redlane.errors import NotReady
from redlane.events.transport import Handler, handle_one, worker_name
from redlane.store import outbox
from redlane.store.db import session_scope
from redlane.store.event_models import OutboxEvent
from redlane.store.sqltypes import iso_utc, utcnow

log = logging.getLogger(__name__)

DEFAULT_SERVERS: Final = "nats://127.0.0.1:4222"
DEFAULT_STREAM: Final = "REDLANE_EVENTS"
# A subject token may not hold wildcards, dots (a new level) or white space.
_SUBJECT_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]")


class BrokerUnavailable(NotReady):
    """The NATS server(s) cannot be reached (or have no JetStream) when a transport starts."""

    def __init__(self, servers: str, detail: str) -> None:
        super().__init__(f"NATS JetStream at {servers} unavailable: {detail}")
        self.servers = servers


def server_list(servers: str) -> list[str]:
    """``"nats://a:4222, nats://b:4222"`` -> one URL per server (nats-py fails over between
    them)."""
    return [s.strip() for s in servers.split(",") if s.strip()]


def subject_for(prefix: str, kind: str) -> str:
    return f"{prefix}.{_SUBJECT_UNSAFE.sub('_', kind)}"


def encode(event: outbox.Event) -> bytes:
    """The message body: the event as a handler sees it, in JSON. Workers read the outbox row
    itself (its ``done_at`` and ``attempts`` are the truth); the body serves other readers of the
    stream and people debugging it."""
    return json.dumps(
        {
            "id": event.id,
            "kind": event.kind,
            "subject": event.subject,
            "payload": event.payload,
            "created_at": iso_utc(event.created_at),
            "attempts": event.attempts,
        },
        separators=(",", ":"),
        default=str,
    ).encode()


def broker_reachable(servers: str = DEFAULT_SERVERS, timeout: float = 1.0) -> bool:
    """True when a NATS server with JetStream answers at ``servers`` within ``timeout``."""

    async def probe() -> bool:
        try:
            nc = await _connect_once(servers, timeout)
        except BrokerUnavailable:
            return False
        try:
            await nc.jetstream(timeout=timeout).account_info()
            return True
        except (nats.errors.Error, TimeoutError):
            return False
        finally:
            await nc.close()

    return asyncio.run(probe())


def stream_names(stream: str) -> tuple[str, str]:
    """The subject prefix and durable consumer of a deployment's stream. One stream per
    deployment (per operational store): outbox ids restart with each store, so two stores on one
    stream would collide in the duplicate window and take each other's work."""
    if stream == DEFAULT_STREAM:
        return "redlane.events", "redlane-worker"
    return f"redlane.{stream.lower()}", f"{stream.lower()}-worker"


def delete_stream(servers: str, stream: str, timeout: float = 2.0) -> bool:
    """Remove a stream (a benchmark's or a test's own); False when it was not there."""

    async def main() -> bool:
        nc = await _connect_once(servers, timeout)
        try:
            await nc.jetstream(timeout=timeout + 3).delete_stream(stream)
        except nats.js.errors.NotFoundError:
            return False
        finally:
            await nc.close()
        return True

    return asyncio.run(main())


async def _connect_once(servers: str, timeout: float) -> Client:
    """A connection made in about ``timeout`` or :class:`BrokerUnavailable`. nats-py's own loop
    would retry a first connection for minutes (``max_reconnect_attempts`` times
    ``reconnect_time_wait``) before saying anything; here each server gets two quick tries."""
    errors: list[Exception] = []

    async def remember(e: Exception) -> None:
        errors.append(e)  # raised below with the servers; nats-py would log every attempt

    try:
        return await asyncio.wait_for(
            nats.connect(
                servers=server_list(servers),
                allow_reconnect=False,
                max_reconnect_attempts=1,  # nats-py tries a server this many times plus one
                reconnect_time_wait=0.1,
                connect_timeout=max(1, round(timeout)),
                error_cb=remember,
            ),
            timeout=timeout + 1,
        )
    except (OSError, nats.errors.Error, TimeoutError) as e:
        cause = errors[-1] if errors else e
        raise BrokerUnavailable(servers, f"{type(cause).__name__}: {cause}") from e


@dataclass(frozen=True)
class _Skip:
    """What to do with a message whose row is not ours to handle now."""

    action: str  # "ack" (done already), "term" (no such row), "nak" (busy or not due)
    delay: float = 0.0


class NatsTransport:
    """Relay and consumer of outbox events through NATS JetStream (see the module)."""

    name = "nats"

    def __init__(
        self,
        database_url: str,
        servers: str = DEFAULT_SERVERS,
        stream: str = DEFAULT_STREAM,
        subject_prefix: str = "redlane.events",
        durable: str = "redlane-worker",
        *,
        ack_wait_s: float = 30.0,
        max_deliver: int = 3 * outbox.MAX_ATTEMPTS,
        duplicate_window_s: float = 120.0,
        relay: bool = True,
        consume: bool = True,
        poll_s: float = 0.5,
        batch: int = 100,
        republish_after_s: float = 300.0,
        connect_timeout_s: float = 2.0,
    ) -> None:
        if duplicate_window_s < 120:
            # Shorter, and a relay restarting after a crash may store its re-publish twice.
            raise ValueError("duplicate_window_s must be at least 120 s")
        self.database_url = database_url
        self.servers = servers
        self.stream = stream
        self.subject_prefix = subject_prefix
        self.durable = durable
        self.ack_wait_s = ack_wait_s
        # Bounded so that a poison message does not circle for ever; the outbox gives up first
        # (MAX_ATTEMPTS), the rest of the budget covers naks for rows busy on another worker.
        self.max_deliver = max_deliver
        self.duplicate_window_s = duplicate_window_s
        self.relay = relay
        self.consume = consume
        self.poll_s = poll_s
        self.batch = batch
        self.republish_after_s = republish_after_s
        self.connect_timeout_s = connect_timeout_s
        # Unique per transport, not only per thread: the claim of a row is reclaimable by its
        # own worker, which must never be another transport built in the same thread. It fits
        # ``claimed_by`` (120 characters) whatever the host name.
        self.worker = f"{worker_name()[:110]}:{uuid.uuid4().hex[:8]}"

    # -- running -----------------------------------------------------------------------------

    def run(self, handle: Handler, stop: threading.Event) -> None:
        """Relay and consume until ``stop`` is set, in an event loop of this thread. Raises
        :class:`BrokerUnavailable` when the broker cannot be reached at start; afterwards
        nats-py reconnects on its own and both loops carry on when it is back."""
        asyncio.run(self._main(handle, stop))

    async def _main(self, handle: Handler, stop: threading.Event) -> None:
        nc = await self.connect()
        tasks: list[asyncio.Task[None]] = []
        try:
            js = nc.jetstream(timeout=self.connect_timeout_s + 3)
            try:
                await self.ensure_stream(js)
                sub = await self._subscribe(js) if self.consume else None
            except nats.errors.Error as e:
                raise BrokerUnavailable(self.servers, f"{type(e).__name__}: {e}") from e
            stopping = asyncio.Event()
            tasks.append(asyncio.create_task(self._watch(stop, stopping)))
            if self.relay:
                tasks.append(asyncio.create_task(self._relay_loop(js, sub, stopping)))
            if sub is not None:
                tasks.append(asyncio.create_task(self._consume_loop(sub, handle, stopping)))
            # The loops only end when stopping; one raising is a bug, surfaced to the caller.
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
            stopping.set()
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await nc.flush(timeout=1)  # acks are fire-and-forget: send them before closing
            await nc.close()

    async def connect(self) -> Client:
        """A connection that reconnects for ever once made, after a first one that fails fast
        with :class:`BrokerUnavailable` naming the servers."""
        probe = await _connect_once(self.servers, self.connect_timeout_s)
        await probe.close()

        async def on_error(e: Exception) -> None:
            log.warning("NATS %s: %s: %s", self.servers, type(e).__name__, e)

        async def on_disconnected() -> None:
            log.warning("NATS %s: disconnected, reconnecting", self.servers)

        async def on_reconnected() -> None:
            log.info("NATS %s: reconnected", self.servers)

        try:
            return await asyncio.wait_for(
                nats.connect(
                    servers=server_list(self.servers),
                    name=self.worker,
                    connect_timeout=max(1, round(self.connect_timeout_s)),
                    max_reconnect_attempts=-1,  # a worker outlives broker restarts
                    error_cb=on_error,
                    disconnected_cb=on_disconnected,
                    reconnected_cb=on_reconnected,
                ),
                timeout=self.connect_timeout_s + 1,
            )
        except (OSError, nats.errors.Error, TimeoutError) as e:
            raise BrokerUnavailable(self.servers, f"{type(e).__name__}: {e}") from e

    async def ensure_stream(self, js: JetStreamContext) -> None:
        """Create the stream unless it exists (every worker calls this at start; creating it
        twice with the same configuration is a no-op on the server)."""
        try:
            await js.stream_info(self.stream)
            return
        except nats.js.errors.NotFoundError:
            pass
        config = api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.subject_prefix}.>"],
            # Work queue: a message is deleted once acked. The outbox table already keeps every
            # event with its outcome, so the broker need not keep history; the stream then holds
            # only pending work and stays small without age or size limits that could drop
            # unhandled events. It admits one consumer per subject, which is the design: every
            # worker pulls from the one durable consumer.
            retention=api.RetentionPolicy.WORK_QUEUE,
            storage=api.StorageType.FILE,
            duplicate_window=self.duplicate_window_s,
        )
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.stream_info(self.stream)  # made meanwhile by another worker: fine
        log.info("created JetStream stream %s on %s.>", self.stream, self.subject_prefix)

    async def _subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        try:
            await js.consumer_info(self.stream, self.durable)
        except nats.js.errors.NotFoundError:
            config = api.ConsumerConfig(
                durable_name=self.durable,
                ack_policy=api.AckPolicy.EXPLICIT,
                ack_wait=self.ack_wait_s,
                max_deliver=self.max_deliver,
                filter_subject=f"{self.subject_prefix}.>",
                deliver_policy=api.DeliverPolicy.ALL,
            )
            with contextlib.suppress(nats.js.errors.BadRequestError):  # made by another worker
                await js.add_consumer(self.stream, config)
        return await js.pull_subscribe_bind(durable=self.durable, stream=self.stream)

    @staticmethod
    async def _watch(stop: threading.Event, stopping: asyncio.Event) -> None:
        # ``stop`` is a thread event: polled, since waiting on it would block the loop.
        while not stop.is_set() and not stopping.is_set():
            await asyncio.sleep(0.05)
        stopping.set()

    # -- relay -------------------------------------------------------------------------------

    async def _relay_loop(
        self,
        js: JetStreamContext,
        sub: JetStreamContext.PullSubscription | None,
        stopping: asyncio.Event,
    ) -> None:
        last_sweep = asyncio.get_running_loop().time()
        while not stopping.is_set():
            try:
                published = await self.relay_once(js)
                now = asyncio.get_running_loop().time()
                if not published and sub is not None and now - last_sweep >= self.poll_s * 20:
                    last_sweep = now
                    published = await self._sweep(js, sub)
            except Exception:  # noqa: BLE001 - broker or store down: retry, the rows wait
                log.exception("relay pass failed; retrying")
                published = 0
            if published < self.batch:
                await _wait(stopping, self.poll_s)

    async def relay_once(self, js: JetStreamContext) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        events = await asyncio.to_thread(self._unpublished)
        return await self._publish(js, events)

    async def _publish(self, js: JetStreamContext, events: list[outbox.Event]) -> int:
        if not events:
            return 0
        acks = await asyncio.gather(
            *(
                js.publish(
                    subject_for(self.subject_prefix, event.kind),
                    encode(event),
                    stream=self.stream,
                    headers={api.Header.MSG_ID.value: str(event.id)},
                )
                for event in events
            ),
            return_exceptions=True,
        )
        # Only rows whose publish the stream acked are marked: the others stay for the next pass.
        stored = [e.id for e, ack in zip(events, acks, strict=True) if isinstance(ack, api.PubAck)]
        failed = [ack for ack in acks if not isinstance(ack, api.PubAck)]
        if failed:
            log.warning("relay: %d of %d publishes failed: %r", len(failed), len(acks), failed[0])
        if stored:
            await asyncio.to_thread(self._mark_published, stored)
        return len(stored)

    def _unpublished(self) -> list[outbox.Event]:
        with session_scope(self.database_url, readonly=True) as session:
            rows = session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None), OutboxEvent.done_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self.batch)
            ).all()
            return [_event(row) for row in rows]

    def _mark_published(self, ids: list[int]) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=utcnow())
            )

    async def _sweep(self, js: JetStreamContext, sub: JetStreamContext.PullSubscription) -> int:
        """Publish again rows the broker no longer holds: published long ago, not done, not
        being handled, while the consumer has nothing pending or unacked. That happens when a
        message ran out of ``max_deliver`` or the stream was purged or recreated. Asked only
        when nothing is pending, so a backlog is never published twice."""
        info = await sub.consumer_info()
        if info.num_pending or info.num_ack_pending:
            return 0
        before = utcnow() - timedelta(seconds=max(self.republish_after_s, self.duplicate_window_s))
        events = await asyncio.to_thread(self._stale, before)
        if events:
            log.warning("relay: publishing %d events again the broker no longer holds", len(events))
        return await self._publish(js, events)

    def _stale(self, before: datetime) -> list[outbox.Event]:
        now = utcnow()
        with session_scope(self.database_url, readonly=True) as session:
            rows = session.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.done_at.is_(None),
                    OutboxEvent.published_at < before,
                    or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now),
                )
                .order_by(OutboxEvent.id)
                .limit(self.batch)
            ).all()
            return [_event(row) for row in rows]

    # -- consumer ----------------------------------------------------------------------------

    async def _consume_loop(
        self, sub: JetStreamContext.PullSubscription, handle: Handler, stopping: asyncio.Event
    ) -> None:
        while not stopping.is_set():
            try:
                # One message at a time: a fetched message's ack_wait runs from its delivery,
                # so a batch would make the last ones wait behind the first ones' handling, and
                # other workers get the next message as soon as they ask.
                msgs = await sub.fetch(1, timeout=1.0)
            except nats.errors.TimeoutError:
                continue  # nothing to do (also how the loop notices ``stopping``)
            except Exception:  # noqa: BLE001 - reconnecting: nats-py resumes, we retry
                log.warning("fetch from %s failed; retrying", self.stream, exc_info=True)
                await _wait(stopping, 1.0)
                continue
            for msg in msgs:
                try:
                    await self.handle_message(msg, handle)
                except Exception:  # noqa: BLE001 - unacked: the broker delivers it again
                    log.exception("message %s not settled", msg.headers)

    async def handle_message(self, msg: Msg, handle: Handler) -> None:
        """Claim the message's outbox row, run the handler, settle the message."""
        event_id = _event_id(msg)
        if event_id is None:
            log.error("message on %s names no outbox event: dropped", msg.subject)
            await msg.term()
            return
        claimed = await asyncio.to_thread(self._claim, event_id)
        if isinstance(claimed, _Skip):
            if claimed.action == "ack":
                await msg.ack()  # handled already (a duplicate or a redelivery): idempotent skip
            elif claimed.action == "term":
                log.error("event %s is not in the outbox: message dropped", event_id)
                await msg.term()
            else:
                await msg.nak(delay=claimed.delay)
            return
        handled = await self._run_with_heartbeat(msg, claimed, handle)
        if handled:
            await msg.ack()
            return
        after = await asyncio.to_thread(self._claim_state, event_id)
        if after.action == "ack":  # the outbox gave up (MAX_ATTEMPTS): the broker stops too
            await msg.term()
        else:
            await msg.nak(delay=after.delay)

    async def _run_with_heartbeat(self, msg: Msg, event: outbox.Event, handle: Handler) -> bool:
        """Run the handler in a thread (the loop keeps the connection alive meanwhile); while it
        runs, tell the broker and the outbox that this worker still holds the event, so a long
        handler is not given to another worker, but a killed one is after ``ack_wait``."""
        work = asyncio.ensure_future(
            asyncio.to_thread(handle_one, self.database_url, event, handle)
        )
        while True:
            done, _ = await asyncio.wait({work}, timeout=self.ack_wait_s / 3)
            if done:
                return work.result()
            try:
                await msg.in_progress()
                await asyncio.to_thread(self._extend, event.id)
            except Exception:  # noqa: BLE001 - a missed beat only risks a duplicate delivery
                log.warning("heartbeat of event %s failed", event.id, exc_info=True)

    def _claim(self, event_id: int) -> outbox.Event | _Skip:
        """Take the row for ``ack_wait`` (counting an attempt), unless it is done, missing,
        held by a live claim of another worker, or waiting out a retry backoff."""
        with session_scope(self.database_url) as session:
            skip = _skip(session.get(OutboxEvent, event_id), self.worker)
            if skip is not None:
                return skip
            now = utcnow()
            taken = session.execute(
                update(OutboxEvent)
                .where(
                    OutboxEvent.id == event_id,
                    OutboxEvent.done_at.is_(None),
                    or_(
                        OutboxEvent.claimed_until.is_(None),
                        OutboxEvent.claimed_until < now,
                        OutboxEvent.claimed_by == self.worker,
                    ),
                )
                .values(
                    claimed_by=self.worker,
                    claimed_until=now + timedelta(seconds=self.ack_wait_s),
                    attempts=OutboxEvent.attempts + 1,
                )
            )
            if getattr(taken, "rowcount", 0) != 1:
                return _Skip("nak", 1.0)  # lost a race for it: look again shortly
            row = session.get(OutboxEvent, event_id)
            assert row is not None
            session.refresh(row)
            return _event(row)

    def _claim_state(self, event_id: int) -> _Skip:
        with session_scope(self.database_url, readonly=True) as session:
            return _skip(session.get(OutboxEvent, event_id), self.worker) or _Skip("nak", 1.0)

    def _extend(self, event_id: int) -> None:
        with session_scope(self.database_url) as session:
            session.execute(
                update(OutboxEvent)
                .where(
                    OutboxEvent.id == event_id,
                    OutboxEvent.claimed_by == self.worker,
                    OutboxEvent.done_at.is_(None),
                )
                .values(claimed_until=utcnow() + timedelta(seconds=self.ack_wait_s))
            )


def _skip(row: OutboxEvent | None, worker: str) -> _Skip | None:
    if row is None:
        return _Skip("term")
    if row.done_at is not None:
        return _Skip("ack")
    now = utcnow()
    if row.claimed_until is not None and row.claimed_until > now and row.claimed_by != worker:
        return _Skip("nak", _seconds(row.claimed_until - now))
    if row.available_at > now:
        return _Skip("nak", _seconds(row.available_at - now))
    return None


def _seconds(delta: timedelta) -> float:
    # At least a beat: a nak without delay is redelivered at once and could spin.
    return max(0.5, delta.total_seconds())


def _event(row: OutboxEvent) -> outbox.Event:
    return outbox.Event(
        row.id, row.kind, row.subject, dict(row.payload), row.created_at, row.attempts
    )


def _event_id(msg: Msg) -> int | None:
    """The outbox id: the ``Nats-Msg-Id`` header, else the body's ``id``."""
    value: Any = (msg.headers or {}).get(api.Header.MSG_ID.value)
    if value is None:
        try:
            value = json.loads(msg.data).get("id")
        except (ValueError, AttributeError):
            return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
