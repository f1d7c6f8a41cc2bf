"""What an event re-decides: exactly the parcels in flight it can affect (never released ones),
holds with their reasons, one hold message per parcel however often an event is handled, and a
plan kept within capacity when a hold joins it.

The screener here is a stand-in that records what it was asked to screen and hits a red lookout
on one phone: these tests are about which parcels an event reaches and what follows, not about
the model (the event benchmark runs the real screener end to end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from redlane.events import inflight
from redlane.events.handlers import Interdiction
from redlane.store.db import session_scope
from redlane.store.event_models import InflightParcel, WebhookDelivery
from redlane.store.models import AuditEntry, Plan, PlanItem, Port
from redlane.store.outbox import Event
from redlane.targeting.rules import phone_key
from redlane.targeting.screen import ScreenResult
from tests.events.webhook_helpers import LocalReceiver, make_store

ARRIVAL = datetime.now(UTC) + timedelta(hours=6)
RING_PHONE = "+86 20 5555 0101"


@dataclass
class FakeCheck:
    key: str
    lane: str

    def sentence(self) -> str:  # as targeting.rules.Check words it
        return f"identifier lookout 1 ({self.lane} lane): ring phone"


def actor_of(record: dict[str, Any]) -> str:
    """The stand-in's resolution: the record's actor, else one actor per seller account."""
    return str(record.get("actor") or f"A-{record.get('seller_ref') or record['hawb']}")


@dataclass
class FakeScreener:
    """Screens by the record's own fields: a red lookout on RING_PHONE once it is active."""

    lookout_active: bool = False
    screened: list[str] = field(default_factory=list)
    takedowns: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[FakeCheck]:
        return [FakeCheck("lookout:1", "red")] if self.lookout_active else []

    def features(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "k_sphone": phone_key(record.get("shipper_phone")),
            "k_sname": (record.get("shipper_name") or "").lower() or None,
            "matched_actor_ids": [actor_of(record)],
        }

    def screen(self, record: dict[str, Any], row: Any = None) -> ScreenResult:
        self.screened.append(record["hawb"])
        hit = self.lookout_active and record.get("shipper_phone") == RING_PHONE
        return ScreenResult(
            hawb=record["hawb"],
            score=0.05,
            expected_value=float(record.get("declared_value") or 1),
            lane="red" if hit else "green",
            reasons=["model: low risk"],
            lookout_hits=["lookout:1"] if hit else [],
            matched_actor_ids=[actor_of(record)],
            model_version="m-test",
        )

    def note_takedown(self, seller: str) -> None:
        self.takedowns.append(seller)

    def reload_checks(self) -> None:
        return None


def parcel(
    hawb: str,
    *,
    seller: str | None,
    actor: str,
    phone: str | None = None,
    port: str = "JFK",
    value: float = 20.0,
) -> dict[str, Any]:
    return {
        "carrier": "EXPR",
        "awb": "176-1",
        "hawb": hawb,
        "shipper_name": f"Shipper {hawb}",
        "shipper_phone": phone,
        "seller_ref": seller,
        "port_of_entry": port,
        "expected_arrival": ARRIVAL,
        "declared_value": value,
        "actor": actor,
        "_partner": "carrier",
    }


@pytest.fixture
def world(tmp_path: Path) -> tuple[Interdiction, FakeScreener, str]:
    url = make_store(tmp_path)
    screener = FakeScreener()
    handlers = Interdiction(url, tmp_path / "warehouse", lambda: screener, lambda: None)
    records = [
        parcel("P1", seller="S-1", actor="A-1"),
        parcel("P2", seller=None, actor="A-1", phone=RING_PHONE),
        parcel("P3", seller="S-2", actor="A-2"),
        parcel("P4", seller="S-1", actor="A-1"),  # released below
        parcel("P5", seller=None, actor="A-3", phone=RING_PHONE),
    ]
    with session_scope(url) as session:
        for record in records:
            result = screener.screen(record)
            links = inflight.links_of(record, screener.features(record), [record["actor"]])
            inflight.upsert(
                session, record, inflight.Decision(result, False, None), links, event_id=None
            )
        inflight.release(session, "EXPR", "P4")
    screener.screened.clear()
    return handlers, screener, url


def event(event_id: int, kind: str, payload: dict[str, Any]) -> Event:
    return Event(event_id, kind, f"test:{event_id}", payload, datetime.now(UTC), 1)


SEIZURE_OF_P1 = event(
    1,
    "outcome.recorded",
    {
        "carrier": "EXPR",
        "hawb": "P1",
        "outcome": "seized",
        "port_code": "JFK",
        "inspected_at": "2026-12-06T09:00:00",
    },
)


def held(url: str) -> dict[str, str | None]:
    with session_scope(url, readonly=True) as session:
        rows = session.execute(select(InflightParcel).where(InflightParcel.hold.is_(True)))
        return {p.hawb: p.hold_reason for p in rows.scalars()}


def subscribe_carrier(url: str, receiver_url: str = "http://127.0.0.1:9/hooks") -> None:
    from redlane.events import webhooks

    with session_scope(url) as session:
        webhooks.subscribe(
            session, partner_id="carrier", url=receiver_url, topics=["hold"], created_by="test"
        )


def add_plan(url: str, items: list[tuple[str, str, str, float]]) -> int:
    """A JFK plan of capacity 2 for the parcels' arrival day: (hawb, lane, selected_by, value)."""
    with session_scope(url) as session:
        session.add(
            Port(
                port_code="JFK",
                name="JFK",
                country="US",
                inspections_per_day=2,
                document_checks_per_day=0,
            )
        )
        session.flush()
        plan = Plan(
            port_code="JFK",
            plan_date=ARRIVAL.date(),
            model_version="m",
            capacity=2,
            exploration_rate=0.1,
        )
        session.add(plan)
        session.flush()
        for hawb, lane, by, value in items:
            session.add(
                PlanItem(
                    plan_id=plan.id,
                    carrier="EXPR",
                    hawb=hawb,
                    lane=lane,
                    rank=1,
                    score=0.5,
                    expected_value=value,
                    propensity=0.5,
                    selected_by=by,
                    reasons=[],
                )
            )
        return plan.id


def test_a_counterfeit_takedown_holds_the_sellers_parcels_and_its_actors_but_no_released_one(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, screener, url = world
    handlers.handle(
        event(
            1,
            "takedown",
            {
                "seller_id": "S-1",
                "reason": "counterfeit",
                "account_closed": True,
                "taken_down_at": "2026-12-06T10:00:00Z",
            },
        )
    )
    assert sorted(screener.screened) == ["P1", "P2"]  # P4 is released, P3 and P5 unrelated
    assert screener.takedowns == ["S-1"]
    reasons = held(url)
    assert sorted(reasons) == ["P1", "P2"]
    assert (
        reasons["P1"]
        == "marketplace closed the account of seller S-1 for counterfeits on 2026-12-06"
    )
    assert reasons["P2"] is not None and reasons["P2"].startswith(
        "same shipper as parcels of seller S-1"
    )


def test_a_takedown_for_another_reason_rescreens_the_seller_but_holds_nothing(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, screener, url = world
    handlers.handle(event(1, "takedown", {"seller_id": "S-1", "reason": "policy"}))
    assert screener.screened == ["P1"]
    assert held(url) == {}


def test_a_red_lookout_on_a_phone_holds_exactly_the_parcels_with_that_phone(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, screener, url = world
    screener.lookout_active = True
    handlers.handle(
        event(
            1,
            "lookout.changed",
            {
                "id": 1,
                "kind": "identifier",
                "lane": "red",
                "active": True,
                "criteria": {"identifier": "phone", "value": RING_PHONE},
            },
        )
    )
    assert sorted(screener.screened) == ["P2", "P5"]
    reasons = held(url)
    assert sorted(reasons) == ["P2", "P5"]
    assert reasons["P2"] == "held by identifier lookout 1 (red lane): ring phone"


def test_a_seizure_holds_the_parcels_that_share_its_actor_and_releases_the_seized_one(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, screener, url = world
    handlers.handle(SEIZURE_OF_P1)
    assert screener.screened == ["P2"]  # P1 is now released; P4 released already
    reasons = held(url)
    assert list(reasons) == ["P2"]
    assert reasons["P2"] == "same shipper as parcel P1 seized at JFK on 2026-12-06"
    with session_scope(url, readonly=True) as session:
        p1 = session.execute(select(InflightParcel).where(InflightParcel.hawb == "P1")).scalar_one()
        assert p1.released


def test_an_event_handled_twice_holds_and_tells_the_carrier_once(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    subscribe_carrier(url)
    takedown = event(7, "takedown", {"seller_id": "S-1", "reason": "counterfeit"})
    handlers.handle(takedown)
    handlers.handle(takedown)  # at least once: a worker killed after the work, before the mark
    with session_scope(url, readonly=True) as session:
        bodies = [d.payload["data"] for d in session.execute(select(WebhookDelivery)).scalars()]
        holds = session.execute(
            select(AuditEntry.seq).where(AuditEntry.action == "event.hold")
        ).all()
    assert sorted(b["hawb"] for b in bodies) == ["P1", "P2"]
    assert {b["event_id"] for b in bodies} == {7}
    assert len(holds) == 2
    # what the carrier is told is what the holds agreement grants, nothing of the reason
    assert set(bodies[0]) <= {
        "carrier",
        "awb",
        "hawb",
        "port_code",
        "held_at",
        "status",
        "event_id",
    }


def test_a_hold_delivered_to_the_carrier_is_signed(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    import httpx
    from standardwebhooks.webhooks import Webhook

    from redlane.events import delivery, webhooks

    handlers, _screener, url = world
    with LocalReceiver() as receiver:
        with session_scope(url) as session:
            _sub, secret = webhooks.subscribe(
                session, partner_id="carrier", url=receiver.url, topics=["hold"], created_by="t"
            )
        handlers.handle(event(1, "takedown", {"seller_id": "S-2", "reason": "counterfeit"}))
        with httpx.Client() as client:
            delivery.deliver_due(url, client)
        assert receiver.wait_for(1)
        got = receiver.received[0]
        message = Webhook(secret).verify(got.body, {k.lower(): v for k, v in got.headers.items()})
    assert message["type"] == "hold" and message["data"]["hawb"] == "P3"


def test_a_hold_joining_a_full_plan_displaces_the_lowest_value_model_pick_and_says_so(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    plan_id = add_plan(url, [("M1", "red", "model", 50.0), ("X1", "red", "exploration", 1.0)])
    handlers.handle(event(1, "takedown", {"seller_id": "S-2", "reason": "counterfeit"}))
    with session_scope(url, readonly=True) as session:
        items = {
            i.hawb: (i.selected_by, i.lane, list(i.reasons))
            for i in session.execute(select(PlanItem).where(PlanItem.plan_id == plan_id)).scalars()
        }
        audit_reason = session.execute(
            select(AuditEntry.reason).where(AuditEntry.action == "plan.insert")
        ).scalar_one()
    assert sorted(items) == ["P3", "X1"]  # capacity 2 kept; the exploration pick stays
    selected_by, lane, reasons = items["P3"]
    assert (selected_by, lane) == ("rule", "red")
    assert any("took the place of EXPR/M1, the lowest-value model pick" in r for r in reasons)
    assert "displaced EXPR/M1" in audit_reason


def test_no_plan_for_the_day_means_the_hold_stands_alone(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    handlers.handle(event(1, "takedown", {"seller_id": "S-2", "reason": "counterfeit"}))
    with session_scope(url, readonly=True) as session:
        assert session.execute(select(PlanItem)).first() is None
    assert list(held(url)) == ["P3"]


def test_every_event_is_in_the_audit_log(world: tuple[Interdiction, FakeScreener, str]) -> None:
    handlers, _screener, url = world
    handlers.handle(event(3, "rule.changed", {"id": 1}))
    with session_scope(url, readonly=True) as session:
        details = session.execute(
            select(AuditEntry.details).where(AuditEntry.action == "event.handle")
        ).scalar_one()
    assert details == {"screened": 4, "held": 0, "displaced": 0, "notices": 0}


def test_a_new_plans_red_lane_reaches_the_carrier_as_holds_once(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    subscribe_carrier(url)
    plan_id = add_plan(url, [("R1", "red", "model", 1.0), ("Y1", "yellow", "model", 1.0)])
    made = event(9, "plan.made", {"plan_id": plan_id, "port": "JFK", "day": "2026-12-07"})
    handlers.handle(made)
    handlers.handle(made)
    with session_scope(url, readonly=True) as session:
        bodies = [d.payload["data"] for d in session.execute(select(WebhookDelivery)).scalars()]
    assert [(b["hawb"], b["port_code"], b["status"]) for b in bodies] == [("R1", "JFK", "hold")]


def messages(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    from redlane.store.event_models import PartnerMessage

    with session_scope(url, readonly=True) as session:
        return {
            (m.partner_id, m.topic): m.payload["data"]
            for m in session.execute(select(PartnerMessage)).scalars()
        }


def test_a_seizure_tells_each_partner_what_its_agreement_allows(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    handlers.handle(SEIZURE_OF_P1)
    told = messages(url)
    assert sorted(told) == [
        ("carrier", "hold"),  # P2 shares P1's shipper actor
        ("marketplace", "seizure_notice"),
        ("marketplace", "sideline"),
        ("marketplace", "tip_outcome"),  # its seller account was on the parcel
        ("rights_holders", "seizure_notice"),
    ]
    notice = told[("marketplace", "seizure_notice")]
    assert notice["hawb"] == "P1" and notice["seller_ref"] == "S-1"
    assert "shipper_name" not in notice  # the marketplace is not told who shipped it
    assert told[("marketplace", "sideline")]["seller_id"] == "S-1"
    assert not any(k.startswith("_") for body in told.values() for k in body)


def test_a_counterfeit_takedown_proposes_a_lookout_to_customs(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    handlers, _screener, url = world
    handlers.handle(
        event(2, "takedown", {"takedown_id": "T-1", "seller_id": "S-9", "reason": "counterfeit"})
    )
    told = messages(url)
    assert list(told) == [("customs", "lookout_proposal")]
    assert told[("customs", "lookout_proposal")]["seller_id"] == "S-9"


def test_parcels_long_arrived_leave_the_index(
    world: tuple[Interdiction, FakeScreener, str],
) -> None:
    _handlers, _screener, url = world
    with session_scope(url) as session:
        assert inflight.prune(session, ARRIVAL - timedelta(minutes=1)) == 0
        assert inflight.prune(session, ARRIVAL + timedelta(minutes=1)) == 5
    with session_scope(url, readonly=True) as session:
        assert inflight.affected(session, [("seller", "S-1")]) == []
