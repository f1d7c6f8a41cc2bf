"""The demo's case: the riskiest ring of the simulated world, with evidence, exported."""

from __future__ import annotations

import json
import shutil
from typing import Any

from sqlalchemy.orm import Session

from redlane.cases import records, service
from redlane.cases.evidence import add_evidence
from redlane.cases.package import export_case
from redlane.config import Settings
from redlane.errors import NotReady
from redlane.policy import ensure_default_agreements
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.partners import ensure_default_partners

DEMO_ACTOR = "system:demo"


def pick_target(settings: Settings) -> tuple[str, str, str]:
    """``(kind, ref, title)``: the highest-risk ring; else the actor with most parties; else the
    most valuable seizure (before any resolution run)."""
    con, _resolved = records.connect(settings)
    try:
        ring = con.execute(
            "SELECT ring_id, n_actors, risk FROM rings "
            "ORDER BY risk DESC NULLS LAST, seizures DESC NULLS LAST, ring_id LIMIT 1"
        ).fetchone()
        if ring is not None:
            return "ring", str(ring[0]), f"Ring {ring[0]}: {ring[1]} actors, risk {ring[2]:.2f}"
        actor = con.execute(
            "SELECT actor_id, display_name FROM actors "
            "ORDER BY n_parties DESC NULLS LAST, actor_id LIMIT 1"
        ).fetchone()
        if actor is not None:
            return "actor", str(actor[0]), f"Actor {actor[0]} ({actor[1]})"
        seizure = con.execute(
            "SELECT inspection_id, hawb, brand FROM inspections WHERE outcome = 'seized' "
            "ORDER BY seized_value DESC NULLS LAST, inspection_id LIMIT 1"
        ).fetchone()
        if seizure is not None:
            return (
                "seizure",
                str(seizure[0]),
                f"Seizure {seizure[0]} of {seizure[2]} ({seizure[1]})",
            )
    finally:
        con.close()
    raise NotReady("nothing to open a demo case on: no rings, actors or seizures yet")


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def create_demo_case(settings: Settings) -> int:
    """Open a case on the world's most notable target, attach seizure records and listing
    snapshots as evidence, export it to ``HOME/exports/case-<id>/`` and return the case id."""
    url = settings.database
    settings.home.mkdir(parents=True, exist_ok=True)
    ensure_schema(url)
    kind, ref, title = pick_target(settings)
    with session_scope(url) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        case = service.open_case(
            session, settings, kind=kind, ref=ref, title=title, actor=DEMO_ACTOR
        )
        case_id = case.id
        service.set_status(
            session, case_id, "investigation", actor=DEMO_ACTOR, reason="demo: notable target"
        )
        service.assign(session, case_id, "demo-investigator", actor=DEMO_ACTOR)
        service.add_note(
            session,
            case_id,
            f"Opened by the demo on {kind} {ref}, the highest-ranked target of the world.",
            actor=DEMO_ACTOR,
        )
        targets = [(t.kind, t.ref) for t in service.targets(session, case_id)]
    # Warehouse reads happen outside the store's write transactions.
    linked = records.collect(settings, targets)
    with session_scope(url) as session:
        _attach_evidence(session, settings, case_id, linked)
    out = settings.home / "exports" / f"case-{case_id}"
    if out.exists():
        # A folder left by an earlier store with the same case id: not this case's export.
        shutil.rmtree(out)
    with session_scope(url) as session:
        export_case(session, settings, case_id, out, actor=DEMO_ACTOR)
        audit.append(
            session,
            actor=DEMO_ACTOR,
            action="case.demo",
            object_type="case",
            object_ids=[case_id],
            details={"target": {"kind": kind, "ref": ref}, "export": str(out)},
        )
    return case_id


def _attach_evidence(
    session: Session, settings: Settings, case_id: int, linked: records.Linked
) -> None:
    """The seizure records with their advance data, and the listing snapshots."""
    seizures = linked.seizures
    if seizures:
        hawbs = {s.get("hawb") for s in seizures}
        add_evidence(
            session,
            settings,
            case_id,
            data=_json_bytes(
                {
                    "seizures": seizures,
                    "shipments": [
                        r for r in linked.records["aed_shipments"] if r.get("hawb") in hawbs
                    ],
                }
            ),
            filename="seizure-records.json",
            kind="seizure_record",
            source_partner="customs",
            actor=DEMO_ACTOR,
            description=f"{len(seizures)} seizure records with their advance data",
            record_refs=[{"table": "inspections", "key": s["inspection_id"]} for s in seizures],
        )
    listings = linked.records.get("mp_listings", [])
    if listings:
        add_evidence(
            session,
            settings,
            case_id,
            data=_json_bytes({"listings": listings}),
            filename="listing-snapshots.json",
            kind="listing_snapshot",
            source_partner="marketplace",
            actor=DEMO_ACTOR,
            description=f"snapshot of {len(listings)} listings of the case's sellers",
            record_refs=[{"table": "mp_listings", "key": r["listing_id"]} for r in listings],
        )
