"""Cloned codes as links between actors and as case evidence.

Resolution's network step (:func:`redlane.network.edges.build_actor_edges`) adds a
``shared_cloned_code`` edge between actors whose parcels or listings carried the same cloned
code; :func:`register_cloned_refs` hands it those refs from the operational store. A case gets
the cloned and unknown codes of its parcels as one JSON evidence item
(:func:`add_code_evidence`), through the cases package's evidence store and custody chain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from redlane.brands.codes import cloned_refs
from redlane.config import Settings, settings_for_home
from redlane.store.brand_models import Brand, BrandCodeScan
from redlane.store.case_models import EvidenceItem

TABLE = "brand_cloned_refs"


def cloned_ref_rows(session: Session) -> list[tuple[str, str, str]]:
    """(code hash, kind, ref key) for every ref that carried a cloned code; ref key is the hawb
    for shipments, else the listing or test-buy reference."""
    rows = []
    for digest, refs in sorted(cloned_refs(session).items()):
        for ref in sorted(refs):
            kind, _, key = ref.partition(":")
            rows.append(
                (digest, kind, (key.partition("/")[2] or key) if kind == "shipment" else key)
            )
    return rows


def register_cloned_refs(con: duckdb.DuckDBPyConnection, home: Path) -> int:
    """Create ``brand_cloned_refs`` on ``con`` from the store at ``home`` (none: empty).

    The store is the one the settings name for ``home``: ``REDLANE_DATABASE_URL`` when set,
    else ``home/redlane.db``, whatever the process's own ``REDLANE_HOME`` is.
    """
    from redlane.store.db import session_scope

    settings = settings_for_home(home)
    rows: list[tuple[str, str, str]] = []
    if settings.database_url or (home / "redlane.db").exists():
        try:
            with session_scope(settings.database, readonly=True) as session:
                rows = cloned_ref_rows(session)
        except SQLAlchemyError:
            rows = []  # a store without the brand tables yet: no cloned codes to link by
    table = pa.table(
        {
            "code_hash": pa.array([r[0] for r in rows], pa.string()),
            "kind": pa.array([r[1] for r in rows], pa.string()),
            "ref_key": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    con.register("brand_cloned_refs_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM brand_cloned_refs_arrow")
    con.unregister("brand_cloned_refs_arrow")
    return len(rows)


def non_genuine_scans(session: Session) -> list[BrandCodeScan]:
    return list(
        session.execute(
            select(BrandCodeScan)
            .where(BrandCodeScan.verdict != "genuine")
            .order_by(BrandCodeScan.scanned_at, BrandCodeScan.id)
        ).scalars()
    )


def case_refs(session: Session, con: duckdb.DuckDBPyConnection, case_id: int) -> list[str]:
    """The hawbs a case is about: its shipment targets and its actors' parcels as shipper."""
    from redlane.store.case_models import CaseTarget

    targets = session.execute(
        select(CaseTarget.kind, CaseTarget.ref).where(CaseTarget.case_id == case_id)
    ).all()
    refs = {str(ref) for kind, ref in targets if kind == "hawb"}
    actors = sorted(str(ref) for kind, ref in targets if kind == "actor")
    if actors:
        try:
            refs.update(
                str(k)
                for (k,) in con.execute(
                    "SELECT record_key FROM party_actors WHERE source_table = 'aed_shipments'"
                    " AND role = 'shipper' AND list_contains(?, actor_id)",
                    [actors],
                ).fetchall()
            )
        except duckdb.Error:
            pass  # no resolution run: the shipment targets only
    return sorted(refs)


def code_evidence(session: Session, refs: list[str]) -> dict[str, Any] | None:
    """What the code scans of these refs (``carrier/hawb``, listing ids) show, or None when
    none of them was cloned or unknown. Codes appear as hash prefixes only."""
    wanted = set(refs)
    scans = [
        s
        for s in non_genuine_scans(session)
        if s.ref in wanted or s.ref.rpartition("/")[2] in wanted
    ]
    if not scans:
        return None
    names = dict(session.execute(select(Brand.id, Brand.name)).all())
    return {
        "kind": "authentication_codes",
        "scans": [
            {
                "ref": s.ref,
                "context": s.context,
                "verdict": s.verdict,
                "brand": names.get(s.brand_id) if s.brand_id else None,
                "code": s.code_hash[:12],
                "port_code": s.port_code,
                "scanned_at": s.scanned_at.isoformat(),
                "scanned_by": s.scanned_by,
            }
            for s in scans
        ],
    }


def add_code_evidence(
    session: Session, settings: Settings, case_id: int, refs: list[str], actor: str
) -> EvidenceItem | None:
    """Attach the cloned and unknown codes seen on ``refs`` to a case (custody: ``added``)."""
    from redlane.cases.evidence import add_evidence

    found = code_evidence(session, refs)
    if found is None:
        return None
    data = json.dumps(found, indent=1, sort_keys=True).encode()
    return add_evidence(
        session,
        settings,
        case_id,
        data=data,
        filename=f"authentication-codes-case-{case_id}.json",
        kind="seizure_record",
        source_partner="customs",
        actor=actor,
        description=f"{len(found['scans'])} cloned or unknown authentication codes",
        record_refs=[{"table": "brand_code_scans", "key": r} for r in sorted(set(refs))],
    )
