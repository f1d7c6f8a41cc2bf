"""A tiny world for case tests: partner files ingested for real, plus a hand-made resolution run.

Two shipments H1, H2 from one shipper (actor A1, who also runs seller account S1) to consignee
A2; A1 and A2 form ring R1 (risk 0.9). Shipment H3 comes from actor A3 (no ring). H1 was seized
(I1), H3 cleared (I2). Seller S1 has listings L1, L2, a takedown T1 and a social post P1 that
links to L1.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import FEEDS_BY_KIND, TABLES
from redlane.resolve.outputs import new_run_dir, publish_run, write_table
from tests.utils.feed_files import valid_record, write_csv, write_jsonl

SHIPPER = {"shipper_name": "Shenzhen Bright Trading", "shipper_address": "8 Longgang Rd"}
CONSIGNEE = {"consignee_name": "John Doe", "consignee_address": "1 Elm St, Springfield"}


def _rec(table: str, **values: str) -> dict[str, str]:
    record = valid_record(TABLES[table], 0)
    record.update(values)
    return record


def write_feeds(folder: Path) -> list[Path]:
    shipments = [
        _rec("aed_shipments", hawb="H1", seller_ref="S1", **SHIPPER, **CONSIGNEE),
        _rec(
            "aed_shipments",
            hawb="H2",
            seller_ref="S1",
            submitted_at="2025-06-04T10:00:00Z",
            **SHIPPER,
            **CONSIGNEE,
        ),
        _rec(
            "aed_shipments",
            hawb="H3",
            shipper_name="Honest Exports Ltd",
            shipper_address="3 Harbour Rd",
            seller_ref="",
        ),
    ]
    inspections = [
        _rec("inspections", inspection_id="I1", hawb="H1", outcome="seized"),
        _rec(
            "inspections",
            inspection_id="I2",
            hawb="H3",
            outcome="cleared",
            brand="",
            seized_quantity="",
            seized_value="",
            currency="",
        ),
    ]
    entries = [_rec("customs_entries", entry_number="E1", hawb="H1")]
    market = FEEDS_BY_KIND["marketplace"]
    sellers, listings, takedowns = market.tables
    social = FEEDS_BY_KIND["social"].tables[0]
    return [
        write_csv(folder / "carrier.csv", TABLES["aed_shipments"], shipments),
        write_csv(folder / "inspections.csv", TABLES["inspections"], inspections),
        write_csv(folder / "customs.csv", TABLES["customs_entries"], entries),
        write_jsonl(
            folder / "marketplace.jsonl",
            market,
            [
                (sellers, _rec("mp_sellers", seller_id="S1")),
                (listings, _rec("mp_listings", listing_id="L1", seller_id="S1")),
                (listings, _rec("mp_listings", listing_id="L2", seller_id="S1")),
                (
                    takedowns,
                    _rec("mp_takedowns", takedown_id="T1", seller_id="S1", listing_id="L1"),
                ),
            ],
        ),
        write_jsonl(
            folder / "social.jsonl",
            FEEDS_BY_KIND["social"],
            [(social, _rec("social_posts", post_id="P1", linked_listing_id="L1"))],
        ),
    ]


PARTIES = [
    # party_id, source_table, record_key, role, name, address, phone, email, bank, actor
    ("p1", "aed_shipments", "H1", "shipper", "Shenzhen Bright Trading", "+8613800138000", "A1"),
    ("p2", "aed_shipments", "H2", "shipper", "Shenzhen Bright Trading Co", "+8613800138000", "A1"),
    ("p3", "mp_sellers", "S1", "seller", "Bright Trading", "+8613800138000", "A1"),
    ("p4", "aed_shipments", "H1", "consignee", "John Doe", "+12175550148", "A2"),
    ("p5", "aed_shipments", "H2", "consignee", "J. Doe", "+12175550148", "A2"),
    ("p6", "aed_shipments", "H3", "shipper", "Honest Exports Ltd", "+85223456789", "A3"),
]


def _values(rows: list[tuple[object, ...]]) -> str:
    def lit(v: object) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, float | int):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


def write_resolution(home: Path, run_id: str = "run-1", rings: bool = True) -> None:
    run_dir = new_run_dir(home, run_id)
    con = duckdb.connect()
    try:
        parties = [
            (
                pid,
                t,
                k,
                role,
                name,
                name.lower(),
                "addr " + pid,
                "CN",
                phone,
                None,
                "CN12 3456" if actor == "A1" else None,
                None,
                None,
                None,
                "2025-06-01 00:00:00",
            )
            for pid, t, k, role, name, phone, actor in PARTIES
        ]
        write_table(
            con,
            "SELECT c0 party_id, c1 source_table, c2 record_key, c3 role, c4 name, c5 name_norm,"
            " c6 address, c7 country, c8 phone, c9::VARCHAR email, c10::VARCHAR bank_account,"
            " c11::VARCHAR device_id, c12::VARCHAR ip_address, c13::VARCHAR handle,"
            " c14::TIMESTAMP first_seen"
            " FROM (VALUES " + _values(parties) + ") v(c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,"
            "c12,c13,c14)",
            run_dir,
            "parties",
        )
        links = [(pid, t, k, role, actor) for pid, t, k, role, _n, _p, actor in PARTIES]
        write_table(
            con,
            "SELECT * FROM (VALUES " + _values(links) + ") "
            "v(party_id, source_table, record_key, role, actor_id)",
            run_dir,
            "party_actors",
        )
        ring = "'R1'" if rings else "NULL"
        write_table(
            con,
            "SELECT actor_id, display_name, n_parties::BIGINT n_parties, 2::BIGINT n_sources,"
            " TIMESTAMP '2025-06-01' first_seen, TIMESTAMP '2025-06-04' last_seen,"
            f" CASE WHEN actor_id IN ('A1', 'A2') THEN {ring} END::VARCHAR ring_id,"
            " risk::DOUBLE risk, ['seized once']::VARCHAR[] risk_reasons FROM (VALUES "
            + _values(
                [
                    ("A1", "Shenzhen Bright Trading", 3, 0.9),
                    ("A2", "John Doe", 2, 0.7),
                    ("A3", "Honest Exports Ltd", 1, 0.1),
                ]
            )
            + ") v(actor_id, display_name, n_parties, risk)",
            run_dir,
            "actors",
        )
        write_table(
            con,
            "SELECT * FROM (VALUES ('A1', 'A2', 'flow', 2.0, 'shipper to consignee twice')) "
            "v(src_actor_id, dst_actor_id, kind, weight, detail)",
            run_dir,
            "actor_edges",
        )
        write_table(
            con,
            "SELECT 'R1' ring_id, 2::BIGINT n_actors, ['A1', 'A2'] actor_ids, 0.9::DOUBLE risk,"
            " 1::BIGINT seizures" + ("" if rings else " WHERE false"),
            run_dir,
            "rings",
        )
        write_table(
            con,
            "SELECT 'p1' party_id_l, 'p2' party_id_r, 0.98::DOUBLE match_probability,"
            " 7.5::DOUBLE match_weight",
            run_dir,
            "pair_evidence",
        )
    finally:
        con.close()
    publish_run(home, run_id)


def build(home: Path, *, resolution: bool = True, rings: bool = True) -> None:
    feeds = write_feeds(home.parent / f"{home.name}-feeds")
    results = ingest_paths(feeds, Warehouse(home / "warehouse"))
    failed = [r for r in results if r.status != "loaded" or r.quarantined]
    assert not failed, failed
    if resolution:
        write_resolution(home, rings=rings)
