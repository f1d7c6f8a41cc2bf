"""Warehouse batches as events, end to end on real files: advance data becomes parcels in
flight, a takedown file holds the seller's parcels, an inspections file releases the seized
parcel and holds those linked to it. The screener is the stand-in of test_interdiction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from redlane.engine.warehouse import Warehouse
from redlane.events.handlers import Interdiction
from redlane.events.sources import SourceWatcher
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import CARRIER, INSPECTIONS, MARKETPLACE
from redlane.store import outbox
from redlane.store.db import session_scope
from redlane.store.event_models import InflightParcel
from tests.events.test_interdiction import FakeScreener
from tests.events.webhook_helpers import make_store
from tests.utils.feed_files import valid_record, write_csv, write_jsonl


def table(feed, name):  # type: ignore[no-untyped-def]
    return next(t for t in feed.tables if t.name == name)


def drain(url: str, handlers: Interdiction) -> list[str]:
    with session_scope(url) as session:
        events = outbox.claim(session, "test", limit=100)
    for e in events:
        handlers.handle(e)
        with session_scope(url) as session:
            outbox.complete(session, e.id)
    return [e.kind for e in events]


def parcels(url: str) -> dict[str, tuple[bool, bool, str | None]]:
    with session_scope(url, readonly=True) as session:
        return {
            p.hawb: (p.hold, p.released, p.hold_reason)
            for p in session.execute(select(InflightParcel)).scalars()
        }


def test_files_arriving_become_events_that_hold_and_release_parcels(tmp_path: Path) -> None:
    url = make_store(tmp_path)
    warehouse = Warehouse(tmp_path / "warehouse")
    screener = FakeScreener()
    handlers = Interdiction(url, warehouse.root, lambda: screener, lambda: None)
    watcher = SourceWatcher(url, tmp_path, warehouse.root)

    aed = table(CARRIER, "aed_shipments")
    soon = (datetime.now(UTC) + timedelta(hours=5)).isoformat().replace("+00:00", "Z")
    landed = (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    rows = []
    for i, (seller, phone, arrival) in enumerate(
        [
            ("S-1", "020 1111 0001", soon),
            ("S-2", "020 1111 0001", soon),
            ("S-3", "020 1111 0001", soon),
            ("S-1", "020 3333 0003", landed),
        ]
    ):
        record = valid_record(aed, i)
        record.update(seller_ref=seller, shipper_phone=phone, expected_arrival=arrival)
        rows.append(record)
    ingest_paths([write_csv(tmp_path / "in" / "aed_1.csv", aed, rows)], warehouse)
    assert watcher.poll() == 1
    assert drain(url, handlers) == ["batch.committed"]
    hawbs = [r["hawb"] for r in rows]
    # the parcel that landed yesterday is not in flight
    assert sorted(parcels(url)) == sorted(hawbs[:3])

    takedowns = table(MARKETPLACE, "mp_takedowns")
    takedown = valid_record(takedowns, 1)
    takedown.update(seller_id="S-1", reason="counterfeit")
    ingest_paths(
        [write_jsonl(tmp_path / "in" / "mp_1.jsonl", MARKETPLACE, [(takedowns, takedown)])],
        warehouse,
    )
    assert watcher.poll() == 1 and drain(url, handlers) == ["batch.committed"]
    state = parcels(url)
    assert state[hawbs[0]][0] and "seller S-1 for counterfeits" in str(state[hawbs[0]][2])
    assert not state[hawbs[1]][0] and not state[hawbs[2]][0]

    inspections = table(INSPECTIONS, "inspections")
    seized = valid_record(inspections, 1)
    seized.update(hawb=hawbs[1], outcome="seized")
    ingest_paths(
        [write_csv(tmp_path / "in" / "inspections_1.csv", inspections, [seized])], warehouse
    )
    assert watcher.poll() == 1 and drain(url, handlers) == ["batch.committed"]
    state = parcels(url)
    assert state[hawbs[1]][1]  # the seized parcel has arrived: released
    held, _released, reason = state[hawbs[2]]  # the same shipper phone, another seller
    assert held and reason is not None and reason.startswith(f"same phone as parcel {hawbs[1]}")
    assert "seller S-1" in str(state[hawbs[0]][2])  # held before, for its own reason
