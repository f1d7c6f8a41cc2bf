"""Rights holders' counterfeit flags: routed, reviewed, confirmed, and scored for accuracy.

A rights holder flags a listing, a seller account or a shipment (``carrier/hawb``) of one of
its own brands, with a reason and evidence. The flag goes two ways:

* to the marketplace, as intelligence (:func:`marketplace_intelligence`: flags on listings
  and sellers);
* to customs, as a proposed lookout (``review = pending``) that a targeting analyst accepts
  (a lookout is created) or rejects (:func:`decide`).

A holder with a good record has the **fast path**: its flag becomes an active yellow-lane
lookout at once, still pending review (a rejection retires it). Accuracy is flags confirmed
(a seizure of the parcel or of the seller's parcels, or a test buy) against flags rejected; a
holder below :data:`FAST_PATH_PRECISION` over at least :data:`FAST_PATH_MIN_DECIDED` decided
flags loses the fast path. Abuse — flagging a competitor — shows in :func:`accuracy` as flags on
targets that carry none of the flagged brand, and flags on another brand's authorised supply
chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.brands.scope import (
    ADMIN,
    BrandScope,
    Caller,
    Forbidden,
    audit_act,
    brand_to_change,
    require_holder,
)
from redlane.errors import NotFound, RedlaneError
from redlane.store import outbox
from redlane.store.brand_models import (
    FLAG_CONFIRMATIONS,
    FLAG_TARGETS,
    Brand,
    BrandCodeScan,
    BrandFlag,
    BrandParty,
    RightsHolder,
)
from redlane.store.models import LANES, Lookout, Outcome

FAST_PATH_MIN_DECIDED: Final = 3
FAST_PATH_PRECISION: Final = 0.7
FAST_PATH_LANE: Final = "yellow"
# Who reviews proposed lookouts (customs' targeting analysts, the centre's investigators).
REVIEWERS: Final = ("targeting_analyst", "investigator", ADMIN)
# Who records a confirming test buy.
CONFIRMERS: Final = ("investigator", "customs_officer", "targeting_analyst", ADMIN)


class FlagError(RedlaneError):
    STATUS = 422


class FlagConflict(RedlaneError):
    STATUS = 409


def _target_criteria(kind: str, ref: str, seller: str | None) -> dict[str, Any] | None:
    """A flag's target as lookout criteria on the feature table; None when it has none."""
    if kind == "shipment":
        carrier, _, hawb = ref.partition("/")
        if not hawb:
            return {"field": "hawb", "op": "eq", "value": carrier}
        return {
            "all": [
                {"field": "carrier", "op": "eq", "value": carrier},
                {"field": "hawb", "op": "eq", "value": hawb},
            ]
        }
    target_seller = ref if kind == "seller" else seller
    if not target_seller:
        return None
    return {"field": "seller_ref", "op": "eq", "value": target_seller}


def listing_seller(con: duckdb.DuckDBPyConnection | None, listing_id: str) -> str | None:
    if con is None:
        return None
    found = con.execute(
        "SELECT seller_id FROM mp_listings WHERE listing_id = ? LIMIT 1", [listing_id]
    ).fetchall()
    return str(found[0][0]) if found else None


def create_flag(
    session: Session,
    scope: BrandScope,
    brand_ref: str,
    *,
    target_kind: str,
    target_ref: str,
    reason: str,
    evidence: Sequence[str] = (),
    con: duckdb.DuckDBPyConnection | None = None,
) -> BrandFlag:
    # The form is checked before who may file it: an incomplete flag is 422 for everyone.
    if target_kind not in FLAG_TARGETS:
        raise FlagError(f"target_kind must be one of {', '.join(FLAG_TARGETS)}")
    ref = target_ref.strip()
    if not ref or len(reason.strip()) < 3:
        raise FlagError("a flag needs its target and a reason")
    holder = require_holder(session, scope)
    brand = brand_to_change(session, scope, brand_ref)
    open_flag = session.execute(
        select(BrandFlag.id).where(
            BrandFlag.rights_holder_id == holder.id,
            BrandFlag.target_kind == target_kind,
            BrandFlag.target_ref == ref,
            BrandFlag.review != "rejected",
        )
    ).first()
    if open_flag:
        raise FlagConflict(f"you already flagged {target_kind} {ref} (flag {open_flag[0]})")
    fast = accuracy(session, holder.id).fast_path
    flag = BrandFlag(
        rights_holder_id=holder.id,
        brand_id=brand.id,
        target_kind=target_kind,
        target_ref=ref,
        reason=reason.strip(),
        evidence=[str(e)[:2000] for e in evidence][:20],
        review="pending",
        fast_path=fast,
        created_by=scope.caller.name,
    )
    session.add(flag)
    session.flush()
    seller = listing_seller(con, ref) if target_kind == "listing" else None
    criteria = _target_criteria(target_kind, ref, seller)
    if fast and criteria is not None and scope.caller.user_id is not None:
        flag.lookout_id = _lookout(
            session, scope.caller, flag, brand, criteria, FAST_PATH_LANE, fast=True
        ).id
    audit_act(
        session,
        scope.caller,
        "flag.create",
        "brand_flag",
        [flag.id],
        flag.reason,
        {
            "brand": brand.brand_ref,
            "target": f"{target_kind}:{ref}",
            "fast_path": fast,
            "lookout_id": flag.lookout_id,
        },
    )
    return flag


def _lookout(
    session: Session,
    caller: Caller,
    flag: BrandFlag,
    brand: Brand,
    criteria: dict[str, Any],
    lane: str,
    *,
    fast: bool,
) -> Lookout:
    assert caller.user_id is not None
    how = "fast path" if fast else f"accepted by {caller.name}"
    lookout = Lookout(
        owner_id=caller.user_id,
        partner_id=caller.partner_id,
        kind="pattern",
        criteria=criteria,
        lane=lane,
        reason=f"{brand.name} rights holder flag {flag.id} ({how}): {flag.reason}"[:2000],
        valid_from=datetime.now(UTC),
        valid_to=None,
        active=True,
    )
    session.add(lookout)
    session.flush()
    _lookout_changed(session, lookout)
    audit_act(
        session,
        caller,
        "lookout.create",
        "lookout",
        [lookout.id],
        lookout.reason,
        {"kind": "pattern", "criteria": criteria, "lane": lane, "flag_id": flag.id},
    )
    return lookout


def _lookout_changed(session: Session, lookout: Lookout) -> None:
    """A flag's lookout is an event like any other (``redlane.events``): the parcels in flight
    are screened against it, in the flag's transaction."""
    outbox.emit(
        session,
        "lookout.changed",
        f"lookout:{lookout.id}",
        {
            "id": lookout.id,
            "kind": lookout.kind,
            "criteria": lookout.criteria,
            "lane": lookout.lane,
            "active": lookout.active,
            "source": "brand_flag",
        },
    )


def decide(
    session: Session,
    caller: Caller,
    flag_id: int,
    *,
    accept: bool,
    reason: str,
    lane: str = "yellow",
    con: duckdb.DuckDBPyConnection | None = None,
) -> BrandFlag:
    """A customs analyst accepts (a lookout is made, or the fast-path one kept) or rejects (a
    fast-path lookout is retired) a proposed lookout."""
    if caller.role not in REVIEWERS:
        raise Forbidden(f"role {caller.role} does not review flags")
    flag = session.get(BrandFlag, flag_id)
    if flag is None:
        raise NotFound(f"no flag {flag_id}")
    if flag.review != "pending":
        raise FlagConflict(f"flag {flag_id} was already {flag.review}")
    if lane not in LANES:
        raise FlagError(f"lane must be one of {', '.join(LANES)}")
    brand = session.get(Brand, flag.brand_id)
    assert brand is not None
    existing = session.get(Lookout, flag.lookout_id) if flag.lookout_id else None
    if accept:
        if existing is not None:
            existing.lane = lane
        else:
            seller = listing_seller(con, flag.target_ref) if flag.target_kind == "listing" else None
            criteria = _target_criteria(flag.target_kind, flag.target_ref, seller)
            if criteria is None:
                raise FlagError(
                    f"listing {flag.target_ref} is unknown to the marketplace feed: no lookout"
                    " can be made; reject it or wait for the listing to arrive"
                )
            if caller.user_id is None:
                raise Forbidden("lookouts are owned by people, not API keys")
            flag.lookout_id = _lookout(session, caller, flag, brand, criteria, lane, fast=False).id
    elif existing is not None:
        existing.active = False
    flag.review = "accepted" if accept else "rejected"
    flag.decided_by, flag.decided_at = caller.name, datetime.now(UTC)
    flag.decision_reason = reason.strip()
    session.flush()
    if existing is not None:  # its lane changed or it was retired: screening follows
        _lookout_changed(session, existing)
    audit_act(
        session,
        caller,
        "flag.accept" if accept else "flag.reject",
        "brand_flag",
        [flag.id],
        flag.decision_reason or flag.review,
        {"lookout_id": flag.lookout_id, "lane": lane if accept else None},
    )
    return flag


def confirm(session: Session, caller: Caller, flag_id: int, *, by: str, ref: str) -> BrandFlag:
    """Record what proved a flag right: a seizure (inspection id) or a test buy (its ref)."""
    if caller.role not in CONFIRMERS:
        raise Forbidden(f"role {caller.role} does not confirm flags")
    if by not in FLAG_CONFIRMATIONS:
        raise FlagError(f"confirmed by one of {', '.join(FLAG_CONFIRMATIONS)}")
    flag = session.get(BrandFlag, flag_id)
    if flag is None:
        raise NotFound(f"no flag {flag_id}")
    _confirm(flag, by, ref)
    audit_act(session, caller, "flag.confirm", "brand_flag", [flag.id], f"{by} {ref}")
    return flag


def _confirm(flag: BrandFlag, by: str, ref: str) -> None:
    if flag.confirmed_by is None:
        flag.confirmed_by, flag.confirmed_ref = by, ref[:200]
        flag.confirmed_at = datetime.now(UTC)


def confirm_from_records(session: Session, con: duckdb.DuckDBPyConnection, caller: Caller) -> int:
    """Confirm flags the records prove: a seized parcel (the flagged shipment, or one sold by
    the flagged seller or the listing's seller), or a test buy whose codes were cloned or
    unknown. Returns how many flags were newly confirmed."""
    pending = list(
        session.execute(select(BrandFlag).where(BrandFlag.confirmed_by.is_(None))).scalars()
    )
    if not pending:
        return 0
    seized_hawbs = {
        str(h)
        for (h,) in con.execute("SELECT hawb FROM inspections WHERE outcome = 'seized'").fetchall()
    }
    seized_hawbs |= set(
        session.execute(select(Outcome.hawb).where(Outcome.outcome == "seized")).scalars()
    )
    seller_seizures: dict[str, str] = {}
    if seized_hawbs:
        for seller, hawb in con.execute(
            "SELECT seller_ref, min(hawb) FROM aed_shipments WHERE seller_ref IS NOT NULL"
            " AND list_contains(?, hawb) GROUP BY 1",
            [sorted(seized_hawbs)],
        ).fetchall():
            seller_seizures[str(seller)] = str(hawb)
    bad_test_buys = set(
        session.execute(
            select(BrandCodeScan.ref).where(
                BrandCodeScan.context == "test_buy", BrandCodeScan.verdict != "genuine"
            )
        ).scalars()
    )
    confirmed = []
    for flag in pending:
        hawb = flag.target_ref.partition("/")[2] or flag.target_ref
        seller = (
            flag.target_ref
            if flag.target_kind == "seller"
            else listing_seller(con, flag.target_ref)
            if flag.target_kind == "listing"
            else None
        )
        if flag.target_kind == "shipment" and hawb in seized_hawbs:
            _confirm(flag, "seizure", hawb)
        elif seller is not None and seller in seller_seizures:
            _confirm(flag, "seizure", seller_seizures[seller])
        elif flag.target_ref in bad_test_buys:
            _confirm(flag, "test_buy", flag.target_ref)
        if flag.confirmed_by is not None:
            confirmed.append(flag.id)
    if confirmed:
        audit_act(session, caller, "flag.confirm", "brand_flag", confirmed, "records confirm")
    return len(confirmed)


# --- accuracy, fast path, abuse ---------------------------------------------------------------
@dataclass
class Accuracy:
    rights_holder_id: int
    flags: int = 0
    pending: int = 0
    accepted: int = 0
    rejected: int = 0
    confirmed: int = 0
    precision: float | None = None
    fast_path: bool = False
    off_brand: int = 0
    against_authorised: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def accuracy(
    session: Session, holder_id: int, con: duckdb.DuckDBPyConnection | None = None
) -> Accuracy:
    """Confirmed flags against rejected ones; with ``con``, the abuse signals too."""
    flags = list(
        session.execute(select(BrandFlag).where(BrandFlag.rights_holder_id == holder_id)).scalars()
    )
    result = Accuracy(holder_id, flags=len(flags))
    for flag in flags:
        result.pending += flag.review == "pending"
        result.accepted += flag.review == "accepted"
        result.rejected += flag.review == "rejected"
        result.confirmed += flag.confirmed_by is not None
    # A flag rejected but later confirmed counts as confirmed: the records win.
    wrong = sum(f.review == "rejected" and f.confirmed_by is None for f in flags)
    decided = result.confirmed + wrong
    if decided:
        result.precision = round(result.confirmed / decided, 4)
    result.fast_path = (
        decided >= FAST_PATH_MIN_DECIDED
        and result.precision is not None
        and result.precision >= FAST_PATH_PRECISION
    )
    if con is not None:
        result.off_brand, result.against_authorised = _abuse(session, con, flags)
    return result


def _abuse(
    session: Session, con: duckdb.DuckDBPyConnection, flags: list[BrandFlag]
) -> tuple[int, int]:
    """(flags on targets with no listing of the flagged brand, flags on a shipment whose shipper
    is another brand's authorised party)."""
    names = {b.id: b.name.lower() for b in session.execute(select(Brand)).scalars()}
    others = {
        str(actor): brand
        for actor, brand in session.execute(
            select(BrandParty.actor_id, BrandParty.brand_id).where(BrandParty.actor_id.is_not(None))
        ).all()
    }
    off_brand = against = 0
    for flag in flags:
        brand = names.get(flag.brand_id, "")
        if flag.target_kind in ("listing", "seller"):
            column = "listing_id" if flag.target_kind == "listing" else "seller_id"
            found = con.execute(
                f"SELECT count(*) FILTER (WHERE lower(coalesce(brand, '')) = ?"
                f" OR contains(lower(title), ?)), count(*) FROM mp_listings WHERE {column} = ?",
                [brand, brand, flag.target_ref],
            ).fetchall()[0]
            off_brand += bool(found[1]) and not found[0]
        else:
            hawb = flag.target_ref.partition("/")[2] or flag.target_ref
            shipper = con.execute(
                "SELECT actor_id FROM party_actors WHERE source_table = 'aed_shipments'"
                " AND record_key = ? AND role = 'shipper' LIMIT 1",
                [hawb],
            ).fetchall()
            other = others.get(str(shipper[0][0])) if shipper else None
            against += other is not None and other != flag.brand_id
    return off_brand, against


def metrics_in_scope(
    session: Session, con: duckdb.DuckDBPyConnection, scope: BrandScope
) -> list[dict[str, Any]]:
    """Flag accuracy as ``scope`` may see it (a rights holder its own line, analysts every
    holder's), after confirming the flags the records now prove."""
    confirm_from_records(session, con, scope.caller)
    ids = [scope.holder_id] if scope.is_holder and scope.holder_id else None
    return holder_metrics(session, con, ids)


def holder_metrics(
    session: Session, con: duckdb.DuckDBPyConnection | None, holder_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """Accuracy per rights holder (all of them, or those listed), worst precision first."""
    query = select(RightsHolder).order_by(RightsHolder.name)
    if holder_ids is not None:
        query = query.where(RightsHolder.id.in_(list(holder_ids)))
    out = []
    for holder in session.execute(query).scalars():
        acc = accuracy(session, holder.id, con)
        if acc.flags or holder_ids is not None:
            out.append({"rights_holder": holder.name, "slug": holder.slug, **acc.to_json()})
    out.sort(key=lambda r: (r["precision"] if r["precision"] is not None else 2.0, r["slug"]))
    return out


# --- views ------------------------------------------------------------------------------------
def flag_json(session: Session, flag: BrandFlag, *, full: bool = True) -> dict[str, Any]:
    brand = session.get(Brand, flag.brand_id)
    holder = session.get(RightsHolder, flag.rights_holder_id)
    shown: dict[str, Any] = {
        "id": flag.id,
        "brand_id": brand.brand_ref if brand else None,
        "brand": brand.name if brand else None,
        "rights_holder": holder.name if holder else None,
        "target_kind": flag.target_kind,
        "target_ref": flag.target_ref,
        "reason": flag.reason,
        "evidence": list(flag.evidence or []),
        "review": flag.review,
        "created_at": flag.created_at.isoformat(),
        "confirmed_by": flag.confirmed_by,
    }
    if full:
        shown.update(
            fast_path=flag.fast_path,
            lookout_id=flag.lookout_id,
            created_by=flag.created_by,
            decided_by=flag.decided_by,
            decided_at=flag.decided_at.isoformat() if flag.decided_at else None,
            decision_reason=flag.decision_reason,
            confirmed_ref=flag.confirmed_ref,
        )
    return shown


def flags_for(
    session: Session, scope: BrandScope, *, review: str | None = None
) -> list[dict[str, Any]]:
    """The flags the caller sees: a rights holder its own; the marketplace those on listings and
    sellers (intelligence, without customs' decision details); customs and the centre all."""
    query = select(BrandFlag).order_by(BrandFlag.id.desc())
    if review:
        query = query.where(BrandFlag.review == review)
    marketplace = scope.caller.partner_id == "marketplace" and scope.caller.role != ADMIN
    if scope.is_holder:
        query = query.where(BrandFlag.rights_holder_id == scope.holder_id)
    elif marketplace:
        query = query.where(BrandFlag.target_kind.in_(("listing", "seller")))
    rows = list(session.execute(query.limit(1000)).scalars())
    return [flag_json(session, f, full=not marketplace) for f in rows]


def marketplace_intelligence(session: Session) -> list[dict[str, Any]]:
    """Flags on listings and seller accounts, for the marketplace's takedown teams."""
    rows = session.execute(
        select(BrandFlag)
        .where(BrandFlag.target_kind.in_(("listing", "seller")))
        .order_by(BrandFlag.id.desc())
    ).scalars()
    return [flag_json(session, f, full=False) for f in rows]
