"""A small, fully known world for the service tests: ports, users, plans, feeds, resolution."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from redlane.api.users import add_user
from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import FEEDS_BY_KIND
from redlane.policy import ensure_default_agreements
from redlane.resolve.outputs import new_run_dir, publish_run, write_table
from redlane.store.db import session_scope
from redlane.store.models import Outcome, Plan, PlanItem, Port
from tests.utils.feed_files import valid_record, write_csv

PASSWORD = "correct horse battery staple"

# username -> (role, partner, ports)
USERS: dict[str, tuple[str, str, list[str]]] = {
    "officer": ("customs_officer", "customs", ["JFK"]),
    "officer_lax": ("customs_officer", "customs", ["LAX"]),
    "analyst": ("targeting_analyst", "customs", []),
    "investigator": ("investigator", "ipcc", []),
    "investigator2": ("investigator", "ipcc", []),
    "marketplace": ("marketplace_analyst", "marketplace", []),
    "carrier": ("carrier_liaison", "carrier", []),
    "rights": ("rights_holder", "rights_holders", []),
    "admin": ("admin", "ipcc", []),
}

# (port, carrier, hawb, lane, score, selected_by, reasons)
PLAN_ITEMS = [
    (
        "JFK",
        "EXPR",
        "JFK-RED-1",
        "red",
        0.91,
        "model",
        ["shipper linked to 2 seizures", "low value"],
    ),
    ("JFK", "EXPR", "JFK-RED-2", "red", 0.72, "rule", ["rule: footwear under $30", "new shipper"]),
    ("JFK", "EXPR", "JFK-YEL-1", "yellow", 0.40, "model", ["brand keyword in description"]),
    ("JFK", "EXPR", "JFK-GRN-1", "green", 0.03, "model", ["nothing notable"]),
    ("LAX", "EXPR", "LAX-RED-1", "red", 0.88, "lookout", ["lookout 1: actor A-1"]),
    ("LAX", "EXPR", "LAX-GRN-1", "green", 0.05, "exploration", ["random exploration pick"]),
]


@dataclass
class World:
    home: Path
    url: str
    plan_ids: dict[str, int] = field(default_factory=dict)


def seed_store(home: Path, url: str) -> World:
    world = World(home, url)
    today = datetime.now(UTC).date()
    with session_scope(url) as session:
        ensure_default_agreements(session)
        session.add_all(
            [
                Port(
                    port_code="JFK",
                    name="New York JFK",
                    country="US",
                    inspections_per_day=2,
                    document_checks_per_day=10,
                ),
                Port(
                    port_code="LAX",
                    name="Los Angeles",
                    country="US",
                    inspections_per_day=1,
                    document_checks_per_day=5,
                ),
            ]
        )
        for username, (role, partner, ports) in USERS.items():
            add_user(session, username, PASSWORD, role, partner, ports, home=home)
        for port in ("JFK", "LAX"):
            plan = Plan(
                port_code=port,
                plan_date=today,
                model_version="lgbm-test-1",
                capacity=2 if port == "JFK" else 1,
                exploration_rate=0.05,
                status="published",
            )
            rank = 0
            for p, carrier, hawb, lane, score, by, reasons in PLAN_ITEMS:
                if p != port:
                    continue
                rank += 1
                plan.items.append(
                    PlanItem(
                        carrier=carrier,
                        hawb=hawb,
                        lane=lane,
                        rank=rank,
                        score=score,
                        expected_value=score * 500,
                        propensity=1.0 if by != "exploration" else 0.05,
                        selected_by=by,
                        reasons=reasons,
                    )
                )
            session.add(plan)
            session.flush()
            world.plan_ids[port] = plan.id
        # One earlier inspection at LAX, so metrics have something before the tests add more.
        session.add(
            Outcome(
                carrier="EXPR",
                hawb="LAX-RED-1",
                port_code="LAX",
                inspected_at=datetime.now(UTC) - timedelta(hours=2),
                outcome="cleared",
                plan_id=world.plan_ids["LAX"],
            )
        )
    return world


def carrier_file(folder: Path, name: str = "aed.csv", bad_rows: int = 1) -> Path:
    table = FEEDS_BY_KIND["carrier"].tables[0]
    records = []
    for i, (port, carrier, hawb, *_rest) in enumerate(PLAN_ITEMS):
        record = valid_record(table, i)
        record.update(carrier=carrier, hawb=hawb, port_of_entry=port)
        record["shipper_name"] = f"Shipper {hawb}"
        records.append(record)
    for j in range(bad_rows):
        bad = valid_record(table, 100 + j)
        bad.update(carrier="EXPR", hawb=f"BAD-{j}", expected_arrival="not a date")
        records.append(bad)
    return write_csv(folder / name, table, records)


def seed_warehouse(home: Path) -> None:
    results = ingest_paths([carrier_file(home / "incoming")], Warehouse(home / "warehouse"))
    assert results[0].status == "loaded", results[0].error
    assert results[0].quarantined >= 1


def _values(rows: list[tuple[Any, ...]]) -> str:
    def lit(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, list):
            return "[" + ", ".join(lit(x) for x in v) + "]"
        if isinstance(v, int | float):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def seed_resolution(home: Path) -> None:
    """Three actors: A-1 (a shipper seen by the carrier and the marketplace) linked to A-2, A-3."""
    run_dir = new_run_dir(home, "test-run")
    con = duckdb.connect()
    parties = [
        (
            "P1",
            "aed_shipments",
            "JFK-RED-1",
            "shipper",
            "Shipper JFK-RED-1",
            "shipper jfk red 1",
            "12 Huangpu Ave",
            "CN",
            "+86 20 8888 1234",
            "sales@meiya.example.com",
            None,
            None,
            None,
            None,
            "2026-10-01 10:00:00",
        ),
        (
            "P2",
            "mp_sellers",
            "S-1",
            "seller",
            "Meiya Store",
            "meiya store",
            "12 Huangpu Ave",
            "CN",
            "+86 20 8888 1234",
            "shop@meiya.example.com",
            "CN00BANK1",
            "dev-1",
            "10.0.0.1",
            None,
            "2026-09-01 10:00:00",
        ),
        (
            "P3",
            "aed_shipments",
            "LAX-RED-1",
            "shipper",
            "Other Shipper",
            "other shipper",
            "1 Road",
            "CN",
            None,
            None,
            None,
            None,
            None,
            None,
            "2026-10-05 10:00:00",
        ),
    ]
    con.execute(
        "CREATE TABLE parties AS SELECT * FROM (VALUES "
        + _values(parties)
        + ") t(party_id, source_table, record_key, role, name, name_norm, address, country, "
        "phone, email, bank_account, device_id, ip_address, handle, first_seen)"
    )
    con.execute("ALTER TABLE parties ALTER first_seen TYPE TIMESTAMP")
    write_table(con, "SELECT * FROM parties", run_dir, "parties")
    party_actors = [
        ("P1", "aed_shipments", "JFK-RED-1", "shipper", "A-1"),
        ("P2", "mp_sellers", "S-1", "seller", "A-1"),
        ("P3", "aed_shipments", "LAX-RED-1", "shipper", "A-2"),
    ]
    write_table(
        con,
        "SELECT * FROM (VALUES "
        + _values(party_actors)
        + ") t(party_id, source_table, record_key, role, actor_id)",
        run_dir,
        "party_actors",
    )
    actors = [
        (
            "A-1",
            "Meiya Trading",
            2,
            2,
            "2026-09-01 10:00:00",
            "2026-10-01 10:00:00",
            "R-1",
            0.9,
            ["2 seizures", "shared phone with seller"],
        ),
        (
            "A-2",
            "Other Shipper",
            1,
            1,
            "2026-10-05 10:00:00",
            "2026-10-05 10:00:00",
            "R-1",
            0.4,
            [],
        ),
        ("A-3", "Third Party", 1, 1, "2026-10-06 10:00:00", "2026-10-06 10:00:00", "R-1", 0.2, []),
    ]
    write_table(
        con,
        "SELECT actor_id, display_name, n_parties::BIGINT n_parties, n_sources::BIGINT n_sources,"
        " first_seen::TIMESTAMP first_seen, last_seen::TIMESTAMP last_seen, ring_id,"
        " risk::DOUBLE risk, risk_reasons::VARCHAR[] risk_reasons FROM (VALUES "
        + _values(actors)
        + ") t(actor_id, display_name, n_parties, n_sources, first_seen, last_seen, ring_id,"
        " risk, risk_reasons)",
        run_dir,
        "actors",
    )
    edges = [
        ("A-1", "A-2", "shared_address", 0.8, "12 Huangpu Ave"),
        ("A-1", "A-3", "shared_bank", 0.6, None),
    ]
    write_table(
        con,
        "SELECT src_actor_id, dst_actor_id, kind, weight::DOUBLE weight, detail FROM (VALUES "
        + _values(edges)
        + ") t(src_actor_id, dst_actor_id, kind, weight, detail)",
        run_dir,
        "actor_edges",
    )
    con.close()
    publish_run(home, "test-run")
