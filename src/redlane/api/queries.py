"""Reads shared by the API routes and the console pages, with policy and audit applied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api.policy import PrincipalPolicy
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.state import ServiceState
from redlane.resolve.outputs import register_resolution_views
from redlane.store import audit
from redlane.store.models import Lookout, Outcome, Plan, PlanItem, Rule, User

HITS = ("seized", "other_violation")


def audit_read(
    session: Session,
    principal: Principal,
    object_type: str,
    ids: list[str] | list[int],
    reason: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Every read of personal data leaves an entry: who, what, which records, why."""
    audit.append(
        session,
        actor=principal.name,
        action="read",
        object_type=object_type,
        object_ids=ids,
        reason=reason,
        partner_id=principal.partner_id,
        details=details,
    )


def today() -> date:
    """Today in UTC: the plan day when a caller names none."""
    return datetime.now(UTC).date()


def latest_plan(session: Session, port: str, day: date) -> Plan | None:
    return session.execute(
        select(Plan)
        .where(Plan.port_code == port, Plan.plan_date == day)
        .order_by(Plan.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def plan_view(session: Session, plan: Plan) -> dict[str, Any]:
    outcomes = {
        (o.carrier, o.hawb): o.outcome
        for o in session.execute(select(Outcome).where(Outcome.plan_id == plan.id)).scalars()
    }
    lanes: dict[str, int] = defaultdict(int)
    items = []
    for item in plan.items:
        lanes[item.lane] += 1
        items.append(
            {
                "rank": item.rank,
                "carrier": item.carrier,
                "hawb": item.hawb,
                "lane": item.lane,
                "score": item.score,
                "expected_value": item.expected_value,
                "propensity": item.propensity,
                "selected_by": item.selected_by,
                "reasons": list(item.reasons or []),
                "outcome": outcomes.get((item.carrier, item.hawb)),
            }
        )
    return {
        "plan_id": plan.id,
        "port_code": plan.port_code,
        "date": plan.plan_date,
        "model_version": plan.model_version,
        "capacity": plan.capacity,
        "capacity_used": lanes.get("red", 0),
        "exploration_rate": plan.exploration_rate,
        "status": plan.status,
        "lanes": dict(lanes),
        "items": items,
    }


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def shipment_view(
    session: Session, state: ServiceState, principal: Principal, carrier: str, hawb: str
) -> dict[str, Any]:
    """Advance data (as far as agreements allow), plan entries, outcomes and matched actors."""
    plan_rows = session.execute(
        select(PlanItem, Plan)
        .join(Plan, PlanItem.plan_id == Plan.id)
        .where(PlanItem.carrier == carrier, PlanItem.hawb == hawb)
        .order_by(Plan.plan_date.desc(), Plan.id.desc())
    ).all()
    outcomes = list(
        session.execute(
            select(Outcome)
            .where(Outcome.carrier == carrier, Outcome.hawb == hawb)
            .order_by(Outcome.inspected_at)
        ).scalars()
    )
    con = state.warehouse().connect(tables=["aed_shipments"])
    try:
        raw = _rows(
            con,
            "SELECT * FROM aed_shipments WHERE carrier = ? AND hawb = ? "
            "ORDER BY _ingested_at DESC LIMIT 1",
            [carrier, hawb],
        )
    finally:
        con.close()
    ports = {p.port_code for _, p in plan_rows} | {o.port_code for o in outcomes}
    if raw and raw[0].get("port_of_entry"):
        ports.add(str(raw[0]["port_of_entry"]))
    if not plan_rows and not raw and not outcomes:
        raise Problem(404, f"no shipment {carrier}/{hawb}")
    if not any(principal.may_see_port(p) for p in ports):
        raise Problem(403, "this shipment is not at one of your ports", kind="forbidden")
    policy = PrincipalPolicy.load(session)
    rules = policy.core.rules
    stage = max(
        (rules.outcome_stages.get(o.outcome, rules.stages[0]) for o in outcomes),
        key=rules.stage_index,
        default=rules.stages[0],
    )
    advance = None
    withheld = False
    if raw:
        advance = policy.redact("aed_shipments", _plain(raw[0]), principal, stage)
        withheld = advance is None
    actors = _shipment_actors(state, carrier, hawb, raw[0].get("_key") if raw else None)
    audit_read(
        session,
        principal,
        "shipment",
        [f"{carrier}/{hawb}"],
        "shipment detail",
        {"advance_data_shown": advance is not None, "stage": stage},
    )
    return {
        "carrier": carrier,
        "hawb": hawb,
        "advance_data": advance,
        "advance_data_withheld": withheld,
        "plans": [
            {
                "plan_id": plan.id,
                "port_code": plan.port_code,
                "date": plan.plan_date.isoformat(),
                "lane": item.lane,
                "rank": item.rank,
                "score": item.score,
                "expected_value": item.expected_value,
                "selected_by": item.selected_by,
                "reasons": list(item.reasons or []),
            }
            for item, plan in plan_rows
        ],
        "outcomes": [
            {
                "id": o.id,
                "port_code": o.port_code,
                "outcome": o.outcome,
                "brand": o.brand,
                "seized_quantity": o.seized_quantity,
                "seized_value": o.seized_value,
                "inspected_at": o.inspected_at.isoformat(),
            }
            for o in outcomes
        ],
        "matched_actors": actors,
    }


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in row.items()}


def _resolution(state: ServiceState) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    register_resolution_views(con, state.home)
    return con


def _shipment_actors(
    state: ServiceState, carrier: str, hawb: str, key: str | None
) -> list[dict[str, Any]]:
    keys = [hawb, f"{carrier}|{hawb}", f"{carrier}/{hawb}", key or hawb]
    con = _resolution(state)
    try:
        return _rows(
            con,
            "SELECT DISTINCT pa.actor_id, pa.role, a.display_name, a.risk FROM party_actors pa "
            "LEFT JOIN actors a USING (actor_id) WHERE pa.source_table = 'aed_shipments' "
            "AND pa.record_key IN (?, ?, ?, ?) ORDER BY pa.role, pa.actor_id",
            keys,
        )
    finally:
        con.close()


def actor_view(
    session: Session, state: ServiceState, principal: Principal, actor_id: str, reason: str
) -> dict[str, Any]:
    """An actor's profile, parties (redacted per agreements), timeline and network."""
    con = _resolution(state)
    try:
        found = _rows(con, "SELECT * FROM actors WHERE actor_id = ?", [actor_id])
        if not found:
            raise Problem(404, f"no actor {actor_id!r} in the current resolution run")
        parties = _rows(
            con,
            "SELECT p.* FROM party_actors pa JOIN parties p USING (party_id) "
            "WHERE pa.actor_id = ? ORDER BY p.first_seen NULLS LAST, p.party_id",
            [actor_id],
        )
        edges = _rows(
            con,
            "SELECT src_actor_id, dst_actor_id, kind, weight, detail FROM actor_edges "
            "WHERE src_actor_id = ? OR dst_actor_id = ? ORDER BY weight DESC LIMIT 200",
            [actor_id, actor_id],
        )
        neighbour_ids = sorted(
            {e["src_actor_id"] for e in edges} | {e["dst_actor_id"] for e in edges} | {actor_id}
        )
        nodes = _rows(
            con,
            "SELECT actor_id, display_name, risk, ring_id FROM actors "
            "WHERE list_contains(?, actor_id)",
            [neighbour_ids],
        )
    finally:
        con.close()
    policy = PrincipalPolicy.load(session)
    stage_of = _party_stages(session, policy, parties)
    shown: list[dict[str, Any]] = []
    withheld = 0
    for party in parties:
        visible = policy.redact("parties", _plain(party), principal, stage_of(party))
        if visible is None:
            withheld += 1
        else:
            shown.append(visible)
    timeline = [
        {
            "at": p.get("first_seen"),
            "source_table": p.get("source_table"),
            "role": p.get("role"),
            "record_key": p.get("record_key"),
        }
        for p in shown
    ]
    actor = _plain(found[0])
    network = {"nodes": [_plain(n) for n in nodes], "edges": [_plain(e) for e in edges]}
    if not policy.core.sees_resolution(principal.partner_id, principal.role):
        actor, network = _outside_view(actor, shown, network)
    audit_read(
        session,
        principal,
        "actor",
        [actor_id],
        reason,
        {"parties_shown": len(shown), "parties_withheld": withheld},
    )
    return {
        "actor": actor,
        "parties": shown,
        "parties_withheld": withheld,
        "timeline": timeline,
        "network": network,
    }


def _outside_view(
    actor: dict[str, Any], shown: list[dict[str, Any]], network: dict[str, list[dict[str, Any]]]
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """An actor as seen by a viewer outside the stage rules' ``resolution_viewers``.

    The resolution's summary is derived from every partner's parties: the display name is
    their most common name, first/last seen their dates, risk reasons and edge details quote
    shared identifiers (an address, a phone). Such a viewer gets the summary rebuilt from the
    parties shown to them and the network's shape without names or identifiers.
    """
    names = sorted(str(p["name"]) for p in shown if p.get("name"))
    seen = sorted(str(p["first_seen"]) for p in shown if p.get("first_seen"))
    display = max(names, key=names.count) if names else None
    limited = {
        **actor,
        "display_name": display,
        "first_seen": seen[0] if seen else None,
        "last_seen": seen[-1] if seen else None,
        "risk_reasons": [],
    }
    own = actor.get("actor_id")
    nodes = [
        {**n, "display_name": display if n.get("actor_id") == own else None}
        for n in network["nodes"]
    ]
    edges = [{**e, "detail": None} for e in network["edges"]]
    return limited, {"nodes": nodes, "edges": edges}


PARCEL_TABLES = ("aed_shipments", "inspections", "customs_entries")


def _party_stages(
    session: Session, policy: PrincipalPolicy, parties: list[dict[str, Any]]
) -> Callable[[dict[str, Any]], str]:
    """A party's disclosure stage: a parcel's parties (record key = hawb) are at the furthest
    stage its recorded outcomes reach (seized → seizure, other_violation → detention, per the
    stage rules); everything else at the first stage."""
    rules = policy.core.rules
    first = rules.stages[0]
    hawbs = {
        str(p.get("record_key"))
        for p in parties
        if p.get("source_table") in PARCEL_TABLES and p.get("record_key")
    }
    by_hawb: dict[str, str] = {}
    if hawbs:
        for hawb, outcome in session.execute(
            select(Outcome.hawb, Outcome.outcome).where(Outcome.hawb.in_(hawbs))
        ).all():
            stage = rules.outcome_stages.get(str(outcome), first)
            if rules.stage_index(stage) > rules.stage_index(by_hawb.get(hawb, first)):
                by_hawb[hawb] = stage

    def stage_of(party: dict[str, Any]) -> str:
        if party.get("source_table") in PARCEL_TABLES:
            return by_hawb.get(str(party.get("record_key")), first)
        return first

    return stage_of


def quarantine_view(
    session: Session,
    state: ServiceState,
    principal: Principal,
    *,
    table: str | None,
    batch: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    where = ["TRUE"]
    params: list[Any] = []
    if not principal.is_admin:
        where.append("_partner = ?")
        params.append(principal.partner_id)
    if table:
        where.append("table_name = ?")
        params.append(table)
    if batch:
        where.append("starts_with(_batch_id, ?)")
        params.append(batch)
    clause = " AND ".join(where)
    con = state.warehouse().connect(tables=["quarantine"])
    try:
        [(total,)] = con.execute(
            f"SELECT count(*) FROM quarantine WHERE {clause}", params
        ).fetchall()
        rows = _rows(
            con,
            "SELECT quarantine_id, feed, table_name, _partner AS partner, _batch_id AS batch_id, "
            "_source_file AS source_file, line, location, field, value, reason "
            f"FROM quarantine WHERE {clause} ORDER BY _ingested_at, _source_file, line "
            f"LIMIT {int(limit)} OFFSET {int(offset)}",
            params,
        )
    finally:
        con.close()
    for row in rows:
        row["source_file"] = str(row["source_file"] or "").rsplit("/", 1)[-1]
    if rows:
        audit_read(
            session,
            principal,
            "quarantine_row",
            [str(r["quarantine_id"]) for r in rows],
            "data quality review",
        )
    return {"total": int(total), "rows": rows}


def _rate(inspected: int, hits: int) -> float | None:
    return round(hits / inspected, 4) if inspected else None


def metrics_view(session: Session, principal: Principal, port: str | None) -> dict[str, Any]:
    """Hit rates (seizures and other violations per inspection) by port, selection, rule, model."""
    query = (
        select(Outcome, PlanItem, Plan)
        .outerjoin(Plan, Outcome.plan_id == Plan.id)
        .outerjoin(
            PlanItem,
            (PlanItem.plan_id == Outcome.plan_id)
            & (PlanItem.carrier == Outcome.carrier)
            & (PlanItem.hawb == Outcome.hawb),
        )
    )
    if port:
        query = query.where(Outcome.port_code == port)
    groups: dict[str, dict[str, list[int]]] = {
        k: defaultdict(lambda: [0, 0]) for k in ("by_port", "by_selection", "by_rule", "by_model")
    }
    daily: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for outcome, item, plan in session.execute(query).all():
        if not principal.may_see_port(outcome.port_code):
            continue
        hit = int(outcome.outcome in HITS)
        keys = {
            "by_port": outcome.port_code,
            "by_selection": item.selected_by if item is not None else "unplanned",
            "by_model": plan.model_version if plan is not None else "unplanned",
        }
        if item is not None and item.selected_by in ("rule", "lookout") and item.reasons:
            keys["by_rule"] = str(item.reasons[0])
        for group, key in keys.items():
            counts = groups[group][key]
            counts[0] += 1
            counts[1] += hit
        day = outcome.inspected_at.astimezone(UTC).date().isoformat()
        counts = daily[(outcome.port_code, day)]
        counts[0] += 1
        counts[1] += hit
    result: dict[str, Any] = {
        group: [
            {"key": key, "inspected": n, "hits": h, "hit_rate": _rate(n, h)}
            for key, (n, h) in sorted(values.items())
        ]
        for group, values in groups.items()
    }
    result["daily"] = [
        {"port": p, "date": d, "inspected": n, "hits": h, "hit_rate": _rate(n, h)}
        for (p, d), (n, h) in sorted(daily.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    return result


def in_force(valid_from: datetime, valid_to: datetime | None, active: bool) -> bool:
    now = datetime.now(UTC)

    def aware(t: datetime) -> datetime:
        return t if t.tzinfo else t.replace(tzinfo=UTC)

    return active and aware(valid_from) <= now and (valid_to is None or aware(valid_to) > now)


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()
    return {int(uid): str(name) for uid, name in rows}


def lookout_view(lookout: Lookout, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": lookout.id,
        "owner": names.get(lookout.owner_id),
        "partner_id": lookout.partner_id,
        "kind": lookout.kind,
        "criteria": lookout.criteria,
        "lane": lookout.lane,
        "reason": lookout.reason,
        "valid_from": lookout.valid_from,
        "valid_to": lookout.valid_to,
        "active": lookout.active,
        "in_force": in_force(lookout.valid_from, lookout.valid_to, lookout.active),
    }


def rule_view(rule: Rule, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "owner": names.get(rule.owner_id) if rule.owner_id is not None else None,
        "criteria": rule.criteria,
        "lane": rule.lane,
        "reason": rule.reason,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "active": rule.active,
        "in_force": in_force(rule.valid_from, rule.valid_to, rule.active),
    }
