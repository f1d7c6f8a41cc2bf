"""What each event re-decides: the parcels in flight it can affect, screened again, held where a
mandatory hit or the event itself says so, and the partners who must act told.

Every handler is idempotent: screening the same parcel twice writes the same decision, a hold is
announced once per parcel (its webhook message id is derived from the parcel), and a plan gets a
parcel once. So an event delivered twice (a worker killed after the work, before the mark) does
no harm.

Per event: which parcels are screened again, and when they are held.

* ``batch.committed`` with advance data: the batch's parcels not yet arrived; held on a red
  rule or lookout hit.
* ``batch.committed`` with takedowns (or ``takedown``): the seller's parcels and its actors';
  held when the marketplace closed the seller for counterfeits.
* ``batch.committed`` with inspections (or ``outcome.recorded``): the seized parcel's seller,
  actors, phone and e-mail; held as linked to a seizure.
* ``lookout.changed``: the lookout's actor or identifier (a pattern: every parcel in flight);
  held on a red lookout hit.
* ``rule.changed``, ``resolution.run``: every parcel in flight; held on a red hit.
* ``plan.made``: nothing re-screened; the plan's red lane is told to the carrier as holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow.parquet as pq
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from redlane.cases.actions import HOLD_STAGE
from redlane.engine.warehouse import Warehouse
from redlane.events import inflight, plans, webhooks
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.event_models import InflightLink, InflightParcel
from redlane.store.models import PlanItem
from redlane.store.outbox import Event
from redlane.targeting.rules import identifier_key

if TYPE_CHECKING:
    from redlane.targeting.screen import Screener

log = logging.getLogger(__name__)

ACTOR: Final = "event-worker"
# A parcel whose expected arrival is older than this has landed: advance data about it is not
# screened as in flight (flights run late, so not "older than now").
ARRIVED_AFTER: Final = timedelta(hours=2)
# Keys of a seized parcel that tie another parcel to it: names and addresses alone are too
# common to hold a parcel on.
SEIZURE_LINKS: Final = ("seller", "actor", "sphone", "semail")
# The disclosure stage an outcome puts its records at (``disclosure_rules.json``).
OUTCOME_STAGES: Final = {"seized": "seizure", "other_violation": "detention"}


@dataclass
class Tally:
    """What one event did, for the audit log and the worker's log."""

    screened: int = 0
    held: int = 0
    displaced: int = 0
    notices: int = 0


@dataclass
class Interdiction:
    """The handlers, with the warm screener they share with the service."""

    database_url: str
    warehouse_path: Path
    screener: Callable[[], Screener]
    reload_screener: Callable[[], None]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def handle(self, event: Event) -> None:
        handler = {
            "batch.committed": self._batch,
            "outcome.recorded": self._outcome,
            "takedown": self._takedown_event,
            "lookout.changed": self._lookout,
            "rule.changed": self._everything,
            "resolution.run": self._resolution,
            "plan.made": self._plan,
        }.get(event.kind)
        if handler is None:
            log.info("event %s: nothing to re-decide for kind %s", event.id, event.kind)
            return
        with session_scope(self.database_url) as session:
            tally = handler(session, event)
            audit.append(
                session,
                actor=ACTOR,
                action="event.handle",
                object_type="event",
                object_ids=[event.id],
                reason=f"{event.kind} {event.subject}",
                details={
                    "screened": tally.screened,
                    "held": tally.held,
                    "displaced": tally.displaced,
                    "notices": tally.notices,
                },
            )

    # --- deciding ----------------------------------------------------------------------
    def _decide(
        self,
        session: Session,
        record: Mapping[str, Any],
        event: Event,
        tally: Tally,
        trigger: str | None = None,
    ) -> None:
        screener = self.screener()
        row = screener.features(record)
        result = screener.screen(record, row)
        red_checks = {c.key: c for c in screener.checks if c.lane == "red"}
        mandatory = sorted(set(result.lookout_hits + result.rule_hits) & set(red_checks))
        hold_reason = trigger
        if hold_reason is None and mandatory:
            # the carrier and the officer read this: the check's name and reason, not its key
            hold_reason = "held by " + "; ".join(red_checks[k].sentence() for k in mandatory)
        if hold_reason is not None:
            result.lane = "red"
        decision = inflight.Decision(result, hold_reason is not None, hold_reason)
        links = inflight.links_of(record, row, result.matched_actor_ids)
        parcel, newly_held = inflight.upsert(session, record, decision, links, event_id=event.id)
        tally.screened += 1
        if newly_held:
            self._hold(session, parcel, event, tally, by_lookout=bool(result.lookout_hits))

    def _hold(
        self,
        session: Session,
        parcel: InflightParcel,
        event: Event,
        tally: Tally,
        *,
        by_lookout: bool,
    ) -> None:
        tally.held += 1
        audit.append(
            session,
            actor=ACTOR,
            action="event.hold",
            object_type="shipment",
            object_ids=[f"{parcel.carrier}:{parcel.hawb}"],
            reason=parcel.hold_reason or "held",
            details={"event_id": event.id, "event": event.kind, "port": parcel.port_code},
        )
        if plans.insert_mandatory(session, parcel, "lookout" if by_lookout else "rule", ACTOR):
            tally.displaced += 1
        tally.notices += self._tell_carrier(
            session,
            event,
            parcel.carrier,
            parcel.awb,
            parcel.hawb,
            parcel.port_code,
            parcel.record.get("_partner"),
        )

    def _tell_carrier(
        self,
        session: Session,
        event: Event,
        carrier: str,
        awb: str | None,
        hawb: str,
        port: str,
        partner: Any,
    ) -> int:
        """One hold message per parcel, whatever put it in the red lane first."""
        return webhooks.notify(
            session,
            topic="hold",
            key=f"hold:{carrier}:{hawb}",
            record_kind="holds",
            record={
                "carrier": carrier,
                "awb": awb,
                "hawb": hawb,
                "port_code": port,
                "held_at": self.now().isoformat(),
                "status": "hold",
                "carrier_partner": partner or "carrier",
            },
            stage=HOLD_STAGE,
            event_id=event.id,
            extra={"event_id": event.id},
        )

    def _rescreen(
        self,
        session: Session,
        parcels: Iterable[InflightParcel],
        event: Event,
        trigger: Callable[[InflightParcel], str | None] = lambda _p: None,
    ) -> Tally:
        tally = Tally()
        for parcel in parcels:
            self._decide(session, parcel.record, event, tally, trigger(parcel))
        return tally

    # --- events ------------------------------------------------------------------------
    def _batch(self, session: Session, event: Event) -> Tally:
        manifest = next(
            (
                m
                for m in Warehouse(self.warehouse_path).manifests()
                if m.batch_id == event.payload["batch_id"]
            ),
            None,
        )
        tally = Tally()
        if manifest is None:  # a batch rolled back by recovery: nothing was committed
            return tally
        root = self.warehouse_path
        rows = {
            table: pq.read_table([str(root / p.file) for p in parts]).to_pylist()
            for table, parts in manifest.tables.items()
            if table in ("aed_shipments", "mp_takedowns", "inspections") and parts
        }
        landed = self.now() - ARRIVED_AFTER
        for record in rows.get("aed_shipments", []):
            if inflight.aware(record["expected_arrival"]) >= landed:
                self._decide(session, record, event, tally)
        for takedown in rows.get("mp_takedowns", []):
            _add(tally, self._takedown(session, event, takedown))
        inspections = rows.get("inspections", [])
        # one warehouse read for the batch's parcels, not one per inspection
        shipments = self._shipments(sorted({str(i["hawb"]) for i in inspections}))
        for inspection in inspections:
            shipment = shipments.get(str(inspection["hawb"]))
            _add(tally, self._inspected(session, event, inspection, shipment))
        return tally

    def _takedown_event(self, session: Session, event: Event) -> Tally:
        return self._takedown(session, event, event.payload)

    def _takedown(self, session: Session, event: Event, takedown: Mapping[str, Any]) -> Tally:
        seller = str(takedown["seller_id"])
        self.screener().note_takedown(seller)
        parcels = inflight.affected(session, [("seller", seller)])
        if takedown.get("reason") != "counterfeit":
            return self._rescreen(session, parcels, event)
        tally_proposal = webhooks.notify(
            session,
            topic="lookout_proposal",
            key=f"takedown:{takedown.get('takedown_id') or seller}",
            record_kind="mp_takedowns",
            record={**takedown, "_partner": "marketplace"},
            stage="advance",
            event_id=event.id,
            extra={"event_id": event.id, "proposal": f"lookout on seller {seller}"},
            partners=["customs"],
        )
        actors = _actors_of(session, parcels)
        parcels = inflight.affected(session, [("seller", seller), *(("actor", a) for a in actors)])
        when = str(takedown.get("taken_down_at") or "")[:10]
        closed = "closed the account of" if takedown.get("account_closed") else "took down"
        direct = f"marketplace {closed} seller {seller} for counterfeits on {when}"

        def why(parcel: InflightParcel) -> str:
            if parcel.seller_ref == seller:
                return direct
            return f"same shipper as parcels of seller {seller}; {direct}"

        tally = self._rescreen(session, parcels, event, why)
        tally.notices += tally_proposal
        return tally

    def _outcome(self, session: Session, event: Event) -> Tally:
        return self._inspected(session, event, event.payload)

    def _inspected(
        self,
        session: Session,
        event: Event,
        inspection: Mapping[str, Any],
        shipment: Mapping[str, Any] | None = None,
    ) -> Tally:
        carrier, hawb = inspection.get("carrier"), str(inspection["hawb"])
        parcel = (
            inflight.release(session, str(carrier), hawb) if carrier else None
        ) or _release_by_hawb(session, hawb)
        tally = Tally()
        record = parcel.record if parcel is not None else (shipment or self._shipment(hawb))
        if record is None:
            return tally
        tally.notices += self._tell_contributors(session, event, record, inspection)
        if inspection.get("outcome") != "seized":
            return tally
        screener = self.screener()
        row = screener.features(record)
        keys = {
            k
            for k in inflight.links_of(record, row, row["matched_actor_ids"])
            if k[0] in SEIZURE_LINKS
        }
        port = inspection.get("port_code") or record.get("port_of_entry")
        when = str(inspection.get("inspected_at") or "")[:10]
        named = {"seller": "seller", "actor": "shipper", "sphone": "phone", "semail": "e-mail"}

        def trigger(other: InflightParcel) -> str:
            links = _links_of_row(session, other)  # once per parcel, not once per key
            shared = sorted(
                {
                    named[k[0]]
                    for k in keys
                    if (k[0] == "seller" and other.seller_ref == k[1]) or k in links
                }
            )
            return (
                f"same {', '.join(shared) or 'shipper'} as parcel {hawb} seized at {port} on {when}"
            )

        tally = self._rescreen(
            session, [p for p in inflight.affected(session, keys) if p.hawb != hawb], event, trigger
        )
        tally.notices += webhooks.notify(
            session,
            topic="seizure_notice",
            key=f"seizure:{record.get('carrier')}:{hawb}",
            record_kind="aed_shipments",
            record=record,
            stage="seizure",
            event_id=event.id,
            extra={
                "event_id": event.id,
                "outcome": "seized",
                "port_code": port,
                "inspected_at": str(inspection.get("inspected_at") or ""),
            },
        )
        if record.get("seller_ref"):
            tally.notices += webhooks.notify(
                session,
                topic="sideline",
                key=f"sideline:{record['seller_ref']}:{hawb}",
                record_kind="mp_sellers",
                record={"seller_id": record["seller_ref"], "_partner": "marketplace"},
                stage="seizure",
                event_id=event.id,
                extra={"event_id": event.id, "reason": "a parcel sold by it was seized"},
                partners=["marketplace"],
            )
        return tally

    def _tell_contributors(
        self,
        session: Session,
        event: Event,
        record: Mapping[str, Any],
        inspection: Mapping[str, Any],
    ) -> int:
        """Each partner whose data the parcel came with learns what the inspection found: the
        carrier (its advance data) and the marketplace (the seller account on it)."""
        outcome = str(inspection.get("outcome") or "")
        contributors = ["carrier"] + (["marketplace"] if record.get("seller_ref") else [])
        return webhooks.notify(
            session,
            topic="tip_outcome",
            key=f"outcome:{record.get('carrier')}:{record.get('hawb')}:{outcome}",
            record_kind="inspections",
            record={
                "hawb": record.get("hawb"),
                "port_code": inspection.get("port_code") or record.get("port_of_entry"),
                "inspected_at": str(inspection.get("inspected_at") or ""),
                "outcome": outcome,
            },
            stage=OUTCOME_STAGES.get(outcome, "advance"),
            event_id=event.id,
            extra={"event_id": event.id},
            partners=contributors,
        )

    def _lookout(self, session: Session, event: Event) -> Tally:
        screener = self.screener()
        screener.reload_checks()
        criteria = event.payload.get("criteria") or {}
        kind = event.payload.get("kind")
        if kind == "actor" and criteria.get("actor_id"):
            parcels = inflight.affected(session, [("actor", str(criteria["actor_id"]))])
        elif (
            kind == "identifier" and criteria.get("identifier") in inflight.LOOKOUT_IDENTIFIER_LINK
        ):
            ident = str(criteria["identifier"])
            value = identifier_key(ident, str(criteria.get("value") or ""))
            link = inflight.LOOKOUT_IDENTIFIER_LINK[ident]
            parcels = inflight.affected(session, [(link, value)] if value else [])
        else:
            parcels = inflight.all_in_flight(session)
        return self._rescreen(session, parcels, event)

    def _everything(self, session: Session, event: Event) -> Tally:
        self.screener().reload_checks()
        return self._rescreen(session, inflight.all_in_flight(session), event)

    def _resolution(self, session: Session, event: Event) -> Tally:
        self.reload_screener()
        return self._rescreen(session, inflight.all_in_flight(session), event)

    def _plan(self, session: Session, event: Event) -> Tally:
        """A plan's red lane is held: the carrier hears of each parcel on it."""
        tally = Tally()
        red = session.execute(
            select(PlanItem.carrier, PlanItem.hawb).where(
                PlanItem.plan_id == event.payload["plan_id"], PlanItem.lane == "red"
            )
        ).all()
        shipments = self._shipments([hawb for _carrier, hawb in red])
        for carrier, hawb in red:
            shipment = shipments.get(hawb, {})
            tally.notices += self._tell_carrier(
                session,
                event,
                carrier,
                shipment.get("awb"),
                hawb,
                str(event.payload.get("port") or ""),
                shipment.get("_partner"),
            )
        return tally

    def _shipment(self, hawb: str) -> dict[str, Any] | None:
        """A parcel's advance data from the warehouse (a seizure of a parcel never in flight)."""
        return self._shipments([hawb]).get(hawb)

    def _shipments(self, hawbs: list[str]) -> dict[str, dict[str, Any]]:
        if not hawbs:
            return {}
        con = Warehouse(self.warehouse_path).connect()
        try:
            found = con.execute(
                "SELECT * FROM aed_shipments WHERE hawb IN (SELECT unnest(?))"
                " QUALIFY row_number() OVER (PARTITION BY hawb ORDER BY _ingested_at DESC) = 1",
                [hawbs],
            )
            names = [d[0] for d in found.description or []]
            rows = found.fetchall()
        finally:
            con.close()
        return {r["hawb"]: r for r in (dict(zip(names, row, strict=True)) for row in rows)}


def _add(total: Tally, part: Tally) -> None:
    total.screened += part.screened
    total.held += part.held
    total.displaced += part.displaced
    total.notices += part.notices


def _actors_of(session: Session, parcels: Iterable[InflightParcel]) -> set[str]:
    pairs = [(p.carrier, p.hawb) for p in parcels]
    if not pairs:
        return set()
    return set(
        session.execute(
            select(InflightLink.value).where(
                InflightLink.kind == "actor",
                tuple_(InflightLink.carrier, InflightLink.hawb).in_(pairs),
            )
        ).scalars()
    )


def _links_of_row(session: Session, parcel: InflightParcel) -> set[tuple[str, str]]:
    return {
        (kind, value)
        for kind, value in session.execute(
            select(InflightLink.kind, InflightLink.value).where(
                InflightLink.carrier == parcel.carrier, InflightLink.hawb == parcel.hawb
            )
        )
    }


def _release_by_hawb(session: Session, hawb: str) -> InflightParcel | None:
    rows = (
        session.execute(select(InflightParcel).where(InflightParcel.hawb == hawb)).scalars().all()
    )
    for row in rows:
        row.released = True
    return rows[0] if len(rows) == 1 else None
