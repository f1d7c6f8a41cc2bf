"""Everything a case links to, read from the warehouse and the current resolution run.

A case's targets (actors, rings, shipments, seizures, parties) are expanded to actors through
the resolution views, the actors to their party appearances (``party_actors``), and those to
the partner records they came from. Before the first resolution run a case still sees the
records reachable from its shipments and seizures directly.

``party_actors.record_key`` is the hawb for ``aed_shipments`` and the last natural-key field
otherwise (entry number, seller id, post id), as the simulator's truth files spell it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.config import Settings
from redlane.engine.warehouse import Warehouse
from redlane.resolve.outputs import register_resolution_views
from redlane.resolve.parties import IDENTIFIER_FIELDS as PARTY_IDENTIFIERS

# Lineage columns kept on exported records (the rest of the ``_`` columns are internal).
LINEAGE: Final = ("_partner", "_source_file", "_line", "_batch_id")

# table -> (time field, how one row reads on a timeline)
TIMELINE_FIELDS: Final = {
    "aed_shipments": "submitted_at",
    "customs_entries": "entry_date",
    "inspections": "inspected_at",
    "mp_sellers": "registered_at",
    "mp_listings": "listed_at",
    "mp_takedowns": "taken_down_at",
    "social_posts": "posted_at",
}
RECORD_KEYS: Final = {
    "aed_shipments": "hawb",
    "customs_entries": "entry_number",
    "inspections": "inspection_id",
    "mp_sellers": "seller_id",
    "mp_listings": "listing_id",
    "mp_takedowns": "takedown_id",
    "social_posts": "post_id",
}
# The identifiers listed per actor: the party's identifying fields except registry_id.
SHOWN_IDENTIFIERS: Final = tuple(f for f in PARTY_IDENTIFIERS if f != "registry_id")
MAX_EDGES: Final = 400


@dataclass
class TimelineEvent:
    at: str
    table: str
    key: str
    summary: str

    def to_json(self) -> dict[str, str]:
        return {"at": self.at, "table": self.table, "key": self.key, "summary": self.summary}


@dataclass
class Linked:
    """What a case's targets reach. Rows are JSON-ready dicts."""

    resolved: bool = False
    actors: list[dict[str, Any]] = field(default_factory=list)
    identifiers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    parties: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    rings: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)

    @property
    def seizures(self) -> list[dict[str, Any]]:
        return [r for r in self.records.get("inspections", []) if r.get("outcome") == "seized"]

    def to_json(self) -> dict[str, Any]:
        return {
            "resolved": self.resolved,
            "actors": self.actors,
            "identifiers": self.identifiers,
            "parties": self.parties,
            "edges": self.edges,
            "rings": self.rings,
            "records": self.records,
            "seizures": self.seizures,
            "timeline": [e.to_json() for e in self.timeline],
        }


def connect(settings: Settings) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """Warehouse views plus resolution views; the flag says whether a resolution run exists."""
    con = Warehouse(settings.warehouse_path).connect(memory_limit=settings.duckdb_memory_limit)
    resolved = register_resolution_views(con, settings.home)
    return con, resolved


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    result = con.execute(sql, list(params))
    names = [d[0] for d in result.description or []]
    return [{n: jsonable(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]


def _record_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str,
    params: Sequence[Any],
    source: str | None = None,
) -> list[dict[str, Any]]:
    found = rows(con, f"SELECT * FROM {source or table} WHERE {where}", params)
    keep = []
    for row in found:
        keep.append({k: v for k, v in row.items() if not k.startswith("_") or k in LINEAGE})
    key = RECORD_KEYS[table]
    return sorted(keep, key=lambda r: str(r.get(key)))


def target_actor_ids(con: duckdb.DuckDBPyConnection, kind: str, ref: str) -> list[str]:
    """The actors a target stands for (empty before a resolution run)."""
    if kind == "actor":
        sql = "SELECT actor_id FROM actors WHERE actor_id = ?"
        params: list[Any] = [ref]
    elif kind == "ring":
        sql = (
            "SELECT actor_id FROM actors WHERE ring_id = ? UNION "
            "SELECT unnest(actor_ids) FROM rings WHERE ring_id = ?"
        )
        params = [ref, ref]
    elif kind == "hawb":
        sql = (
            "SELECT DISTINCT actor_id FROM party_actors "
            "WHERE source_table = 'aed_shipments' AND record_key = ?"
        )
        params = [ref]
    elif kind == "inspection":
        sql = (
            "SELECT DISTINCT actor_id FROM party_actors WHERE source_table = 'aed_shipments' "
            "AND record_key IN (SELECT hawb FROM inspections WHERE inspection_id = ?)"
        )
        params = [ref]
    elif kind == "party":
        sql = "SELECT DISTINCT actor_id FROM party_actors WHERE party_id = ?"
        params = [ref]
    else:
        raise ValueError(f"unknown target kind {kind!r}")
    return sorted(str(r[0]) for r in con.execute(sql, params).fetchall() if r[0] is not None)


def collect(
    settings: Settings, targets: Iterable[tuple[str, str]], session: Session | None = None
) -> Linked:
    """Expand ``(kind, ref)`` targets to actors, parties, records and a timeline. With the
    operational store's ``session``, inspections include the outcomes officers recorded in the
    service (:func:`register_findings`), not only customs' inspections feed."""
    con, resolved = connect(settings)
    try:
        if session is not None:
            register_findings(con, session)
        return _collect(
            con, resolved, list(targets), "findings" if session is not None else "inspections"
        )
    finally:
        con.close()


def _collect(
    con: duckdb.DuckDBPyConnection,
    resolved: bool,
    targets: list[tuple[str, str]],
    inspections_from: str = "inspections",
) -> Linked:
    linked = Linked(resolved=resolved)
    actor_ids: set[str] = set()
    hawbs: set[str] = set()
    inspections: set[str] = set()
    for kind, ref in targets:
        actor_ids.update(target_actor_ids(con, kind, ref))
        if kind == "hawb":
            hawbs.add(ref)
        elif kind == "inspection":
            inspections.add(ref)
    ids = sorted(actor_ids)
    keys: dict[str, set[str]] = {t: set() for t in RECORD_KEYS}
    if ids:
        linked.actors = rows(
            con,
            "SELECT * FROM actors WHERE list_contains(?::VARCHAR[], actor_id) "
            "ORDER BY risk DESC NULLS LAST, actor_id",
            [ids],
        )
        linked.parties = rows(
            con,
            "SELECT p.*, pa.actor_id FROM parties p JOIN party_actors pa USING (party_id) "
            "WHERE list_contains(?::VARCHAR[], pa.actor_id) ORDER BY pa.actor_id, p.party_id",
            [ids],
        )
        for table, key in con.execute(
            "SELECT DISTINCT source_table, record_key FROM party_actors "
            "WHERE list_contains(?::VARCHAR[], actor_id)",
            [ids],
        ).fetchall():
            if table in keys and key is not None:
                keys[table].add(str(key))
        linked.edges = rows(
            con,
            "SELECT * FROM actor_edges WHERE list_contains(?::VARCHAR[], src_actor_id) "
            f"AND list_contains(?::VARCHAR[], dst_actor_id) ORDER BY weight DESC LIMIT {MAX_EDGES}",
            [ids, ids],
        )
        ring_ids = sorted({str(a["ring_id"]) for a in linked.actors if a.get("ring_id")})
        if ring_ids:
            linked.rings = rows(
                con,
                "SELECT * FROM rings WHERE list_contains(?::VARCHAR[], ring_id) ORDER BY ring_id",
                [ring_ids],
            )
    linked.identifiers = _identifiers(linked.parties)
    hawbs |= keys["aed_shipments"]
    if inspections:
        for (hawb,) in con.execute(
            f"SELECT DISTINCT hawb FROM {inspections_from} "
            "WHERE list_contains(?::VARCHAR[], inspection_id)",
            [sorted(inspections)],
        ).fetchall():
            if hawb is not None:
                hawbs.add(str(hawb))
    h = sorted(hawbs)
    records = linked.records
    records["aed_shipments"] = _record_rows(
        con, "aed_shipments", "list_contains(?::VARCHAR[], hawb)", [h]
    )
    records["inspections"] = _record_rows(
        con,
        "inspections",
        "list_contains(?::VARCHAR[], hawb) OR list_contains(?::VARCHAR[], inspection_id)",
        [h, sorted(inspections)],
        source=inspections_from,
    )
    records["customs_entries"] = _record_rows(
        con,
        "customs_entries",
        "list_contains(?::VARCHAR[], hawb) OR list_contains(?::VARCHAR[], entry_number)",
        [h, sorted(keys["customs_entries"])],
    )
    sellers = set(keys["mp_sellers"])
    sellers.update(
        str(r["seller_ref"]) for r in records["aed_shipments"] if r.get("seller_ref") is not None
    )
    s = sorted(sellers)
    records["mp_sellers"] = _record_rows(
        con, "mp_sellers", "list_contains(?::VARCHAR[], seller_id)", [s]
    )
    records["mp_listings"] = _record_rows(
        con, "mp_listings", "list_contains(?::VARCHAR[], seller_id)", [s]
    )
    records["mp_takedowns"] = _record_rows(
        con, "mp_takedowns", "list_contains(?::VARCHAR[], seller_id)", [s]
    )
    listings = sorted(str(r["listing_id"]) for r in records["mp_listings"])
    records["social_posts"] = _record_rows(
        con,
        "social_posts",
        "list_contains(?::VARCHAR[], post_id) OR list_contains(?::VARCHAR[], linked_listing_id)",
        [sorted(keys["social_posts"]), listings],
    )
    linked.timeline = timeline(records)
    return linked


def _identifiers(parties: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, set[str]]] = {}
    for party in parties:
        per = found.setdefault(str(party["actor_id"]), {})
        for name in SHOWN_IDENTIFIERS:
            value = party.get(name)
            if value not in (None, ""):
                per.setdefault(name, set()).add(str(value))
    return {a: {k: sorted(v) for k, v in per.items()} for a, per in sorted(found.items())}


def timeline(records: dict[str, list[dict[str, Any]]]) -> list[TimelineEvent]:
    events = []
    for table, time_field in TIMELINE_FIELDS.items():
        for row in records.get(table, []):
            at = row.get(time_field)
            if at is None:
                continue
            key = str(row.get(RECORD_KEYS[table]))
            events.append(TimelineEvent(str(at), table, key, describe(table, row)))
    return sorted(events, key=lambda e: (e.at, e.table, e.key))


def describe(table: str, r: dict[str, Any]) -> str:
    """One line saying what a record is."""
    if table == "aed_shipments":
        return (
            f"advance data: hawb {r.get('hawb')} {r.get('shipper_name')} "
            f"({r.get('shipper_country')}) → {r.get('consignee_name')}, "
            f"{r.get('description')}, {r.get('declared_value')} {r.get('currency')}"
        )
    if table == "inspections":
        text = f"inspection {r.get('inspection_id')} at {r.get('port_code')}: {r.get('outcome')}"
        if r.get("outcome") == "seized":
            text += (
                f", {r.get('seized_quantity')} × {r.get('brand')} "
                f"worth {r.get('seized_value')} {r.get('currency')}"
            )
        return text
    if table == "customs_entries":
        return f"entry {r.get('entry_number')} by {r.get('importer_name')}: {r.get('description')}"
    if table == "mp_sellers":
        return f"seller account {r.get('seller_id')} '{r.get('store_name')}' registered"
    if table == "mp_listings":
        return (
            f"listing {r.get('listing_id')} by {r.get('seller_id')}: {r.get('title')} "
            f"({r.get('brand')}) at {r.get('price')} {r.get('currency')}"
        )
    if table == "mp_takedowns":
        closed = ", account closed" if r.get("account_closed") else ""
        return (
            f"takedown {r.get('takedown_id')} of {r.get('listing_id')}: {r.get('reason')}{closed}"
        )
    if table == "social_posts":
        return f"post {r.get('post_id')} on {r.get('platform')} by {r.get('handle')}"
    return f"{table} {r}"


def register_findings(con: duckdb.DuckDBPyConnection, session: Session) -> None:
    """A ``findings`` view: customs' inspections feed plus the outcomes officers recorded in
    the service (console, API, CLI) that no feed row repeats yet, so a seizure reaches the
    partners' feeds when it is recorded, not when the next inspections file arrives."""
    from redlane.store.models import Outcome

    recorded = session.execute(
        select(
            Outcome.id,
            Outcome.hawb,
            Outcome.port_code,
            Outcome.inspected_at,
            Outcome.outcome,
            Outcome.brand,
            Outcome.seized_quantity,
            Outcome.seized_value,
        )
    ).all()
    table = pa.table(
        {
            "inspection_id": pa.array([f"OUT-{r[0]}" for r in recorded], pa.string()),
            "hawb": pa.array([r[1] for r in recorded], pa.string()),
            "port_code": pa.array([r[2] for r in recorded], pa.string()),
            # naive UTC, as the warehouse keeps its timestamps
            "inspected_at": pa.array(
                [r[3].astimezone(UTC).replace(tzinfo=None) for r in recorded], pa.timestamp("us")
            ),
            "outcome": pa.array([r[4] for r in recorded], pa.string()),
            "brand": pa.array([r[5] for r in recorded], pa.string()),
            "seized_quantity": pa.array([r[6] for r in recorded], pa.int64()),
            "seized_value": pa.array([r[7] for r in recorded], pa.float64()),
        }
    )
    con.register("recorded_outcomes", table)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW findings AS SELECT * FROM inspections"
        " UNION ALL BY NAME SELECT r.* FROM recorded_outcomes r"
        " WHERE NOT EXISTS (SELECT 1 FROM inspections i"
        "  WHERE i.hawb = r.hawb AND i.outcome = r.outcome)"
    )


def register_pending_holds(con: duckdb.DuckDBPyConnection, session: Session) -> None:
    """A ``pending_holds`` view: parcels in flight that customs holds before arrival (a
    mandatory hit, a takedown, a linked seizure; ``redlane.events``), not yet released."""
    from redlane.store.event_models import InflightParcel

    held = session.execute(
        select(
            InflightParcel.carrier,
            InflightParcel.awb,
            InflightParcel.hawb,
            InflightParcel.port_code,
            InflightParcel.screened_at,
            InflightParcel.record,
        ).where(InflightParcel.hold.is_(True), InflightParcel.released.is_(False))
    ).all()
    table = pa.table(
        {
            "carrier": pa.array([h[0] for h in held], pa.string()),
            "awb": pa.array([h[1] for h in held], pa.string()),
            "hawb": pa.array([h[2] for h in held], pa.string()),
            "port_code": pa.array([h[3] for h in held], pa.string()),
            "held_at": pa.array(
                [h[4].astimezone(UTC).replace(tzinfo=None) for h in held], pa.timestamp("us")
            ),
            "status": pa.array(["hold"] * len(held), pa.string()),
            "carrier_partner": pa.array(
                [str((h[5] or {}).get("_partner") or "carrier") for h in held], pa.string()
            ),
        }
    )
    con.register("pending_holds", table)
