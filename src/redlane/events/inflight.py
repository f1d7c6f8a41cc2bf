"""Parcels in flight: each advance-data parcel not yet arrived and released, its latest decision,
and the keys an event finds it by.

The keys are those the warm screener computes: the seller account, the shipper actors its
identifiers match, and the folded shipper and consignee identifiers (the same folding rules and
lookouts use), so "the parcels an event can affect" is an index lookup, not a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from redlane.store.event_models import InflightLink, InflightParcel
from redlane.store.sqltypes import utcnow

if TYPE_CHECKING:
    from redlane.targeting.screen import ScreenResult

# link kind -> the screener's key column (identifier links) or the record field
IDENTIFIER_LINKS: Final = ("sname", "sphone", "semail", "saddr", "cname", "caddr")
# a lookout's identifier kind -> the link kind it is compared with
LOOKOUT_IDENTIFIER_LINK: Final = {
    "phone": "sphone",
    "email": "semail",
    "name": "sname",
    "address": "saddr",
    "consignee_name": "cname",
    "consignee_address": "caddr",
}
_MAX_VALUE: Final = 400


@dataclass(frozen=True)
class Decision:
    """What screening (plus an event's trigger, if any) decided for one parcel."""

    result: ScreenResult
    hold: bool
    hold_reason: str | None


def aware(value: Any) -> datetime:
    """An aware UTC instant from an advance-data timestamp (naive values are UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise TypeError(f"not a date-time: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def links_of(
    record: Mapping[str, Any], keys: Mapping[str, Any], actors: Iterable[str]
) -> set[tuple[str, str]]:
    """The (kind, value) keys of one parcel: seller, actors, folded identifiers."""
    found: set[tuple[str, str]] = set()
    if record.get("seller_ref"):
        found.add(("seller", str(record["seller_ref"])))
    found.update(("actor", str(a)) for a in actors)
    for kind in IDENTIFIER_LINKS:
        value = keys.get(f"k_{kind}")
        if value:
            found.add((kind, str(value)[:_MAX_VALUE]))
    return found


def jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as stored (timestamps as ISO text, numbers as numbers)."""
    out: dict[str, Any] = {}
    for k, v in record.items():
        if k.startswith("_") and k != "_partner":  # lineage, except whose parcel it is
            continue
        if isinstance(v, datetime):
            out[k] = aware(v).isoformat()
        elif v is None or isinstance(v, str | int | float | bool):
            out[k] = v
        else:
            out[k] = str(v)
    return out


def upsert(
    session: Session,
    record: Mapping[str, Any],
    decision: Decision,
    links: set[tuple[str, str]],
    *,
    event_id: int | None,
) -> tuple[InflightParcel, bool]:
    """Write one parcel's decision; returns the row and whether it is newly held."""
    result = decision.result
    row = session.execute(
        select(InflightParcel).where(
            InflightParcel.carrier == record["carrier"], InflightParcel.hawb == record["hawb"]
        )
    ).scalar_one_or_none()
    was_held = row is not None and row.hold
    if row is None:
        row = InflightParcel(
            carrier=record["carrier"],
            hawb=record["hawb"],
            awb=record.get("awb"),
            port_code=record.get("port_of_entry") or "",
            expected_arrival=aware(record["expected_arrival"]),
            seller_ref=record.get("seller_ref"),
            record=jsonable(record),
            released=False,
            hold=False,
        )
        session.add(row)
    row.lane = result.lane
    row.score = float(result.score)
    row.expected_value = float(result.expected_value)
    row.reasons = ([decision.hold_reason] if decision.hold_reason else []) + list(result.reasons)
    row.model_version = result.model_version
    # A hold is withdrawn by an officer's release, never by a later re-screen: the carrier was
    # told to hold it, and a silent flip would leave it guessing.
    row.hold = was_held or decision.hold
    if decision.hold and not was_held:
        row.hold_reason = decision.hold_reason
        row.event_id = event_id
    row.screened_at = utcnow()
    session.flush()
    _write_links(session, row.carrier, row.hawb, links)
    return row, decision.hold and not was_held


def _write_links(session: Session, carrier: str, hawb: str, links: set[tuple[str, str]]) -> None:
    have: set[tuple[str, str]] = {
        (kind, value)
        for kind, value in session.execute(
            select(InflightLink.kind, InflightLink.value).where(
                InflightLink.carrier == carrier, InflightLink.hawb == hawb
            )
        )
    }
    gone = have - links
    if gone:
        session.execute(
            delete(InflightLink).where(
                InflightLink.carrier == carrier,
                InflightLink.hawb == hawb,
                tuple_(InflightLink.kind, InflightLink.value).in_(list(gone)),
            )
        )
    session.add_all(
        InflightLink(carrier=carrier, hawb=hawb, kind=k, value=v) for k, v in links - have
    )


def affected(session: Session, keys: Iterable[tuple[str, str]]) -> list[InflightParcel]:
    """Parcels in flight (not released) holding any of ``keys``, oldest arrival first."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    hits = select(InflightLink.carrier, InflightLink.hawb).where(
        tuple_(InflightLink.kind, InflightLink.value).in_(wanted)
    )
    return list(
        session.execute(
            select(InflightParcel)
            .where(
                tuple_(InflightParcel.carrier, InflightParcel.hawb).in_(hits),
                InflightParcel.released.is_(False),
            )
            .order_by(InflightParcel.expected_arrival, InflightParcel.id)
        ).scalars()
    )


def all_in_flight(session: Session) -> list[InflightParcel]:
    return list(
        session.execute(
            select(InflightParcel)
            .where(InflightParcel.released.is_(False))
            .order_by(InflightParcel.expected_arrival, InflightParcel.id)
        ).scalars()
    )


def release(session: Session, carrier: str, hawb: str) -> InflightParcel | None:
    """An officer recorded this parcel's outcome: it has arrived, and no event re-screens it."""
    row = session.execute(
        select(InflightParcel).where(InflightParcel.carrier == carrier, InflightParcel.hawb == hawb)
    ).scalar_one_or_none()
    if row is not None:
        row.released = True
    return row


def prune(session: Session, landed_before: datetime) -> int:
    """Forget parcels that arrived before ``landed_before`` (held or not: the plan and the
    outcomes have them now), with their links; returns how many."""
    old = select(InflightParcel.carrier, InflightParcel.hawb).where(
        InflightParcel.expected_arrival < landed_before
    )
    gone = [(str(carrier), str(hawb)) for carrier, hawb in session.execute(old)]
    if not gone:
        return 0
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        session.execute(
            delete(InflightLink).where(tuple_(InflightLink.carrier, InflightLink.hawb).in_(chunk))
        )
        session.execute(
            delete(InflightParcel).where(
                tuple_(InflightParcel.carrier, InflightParcel.hawb).in_(chunk)
            )
        )
    return len(gone)
