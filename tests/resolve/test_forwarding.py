"""Forwarders found per match component: a full run and an incremental run decide alike, on
random populations where shippers of one component name many seller accounts."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from redlane.resolve.cluster import assign_party_clusters, stable_actor_ids
from redlane.resolve.forwarding import (
    FORWARDER_COMPONENTS,
    MATCH_COMPONENTS,
    block_forwarders,
    block_forwarders_incrementally,
    write_match_components,
)
from redlane.resolve.increment import assign_incremental_actors
from redlane.resolve.infra_update import FLOW_SHIPPERS, create_flow_shippers
from redlane.resolve.infrastructure import BLOCKED_FLOW
from tests.resolve.party_tables import pair_table, party_table

OLD_SIGS = [f"o{n:02d}" for n in range(30)]
NEW_SIGS = [f"n{n:02d}" for n in range(15)]


def _party(rng: random.Random, party_id: str, sigs: list[str]) -> tuple[str | None, ...]:
    role = rng.choice(("shipper", "shipper", "seller", "importer", "consignee"))
    flow = role in ("importer", "consignee")
    address = "c/o Swift Cargo, 8 Harbour Road" if rng.random() < 0.2 else "addr"
    return (
        party_id,
        "t",
        party_id,
        role,
        rng.choice(sigs),
        f"H{rng.randrange(40)}" if flow else None,
        f"S{rng.randrange(12)}" if role in ("shipper", "seller") else None,
        None,
        address,
    )


def _population(seed: int, run_dir: Path) -> tuple[duckdb.DuckDBPyConnection, str, str]:
    """Earlier parties resolved by the full rule (``prev``, their match components written to
    ``run_dir`` as a run keeps them) and a day of new ones; returns the connection, the day's
    matches' SQL and the earlier matches'."""
    rng = random.Random(seed)
    run_dir.mkdir()
    con = duckdb.connect()
    # every signature carries a phone: identifying, so every match is evidence
    con.execute(
        "CREATE TABLE sigs AS SELECT unique_id, '1' phone, NULL address_core, NULL email, "
        "NULL bank_account, NULL device_id, NULL ip_address, NULL handle, NULL registry_id "
        "FROM unnest(?) t(unique_id)",
        [OLD_SIGS + NEW_SIGS],
    )
    party_table(con, "old", [_party(rng, f"P{n:03d}", OLD_SIGS) for n in range(90)])
    old = pair_table(con, "old_pairs", [tuple(rng.sample(OLD_SIGS, 2)) for _ in range(14)])
    con.execute(f"CREATE TABLE {BLOCKED_FLOW} (party_id VARCHAR)")
    block_forwarders(con, old, "sigs", "old")
    assign_party_clusters(con, old, parties="old", blocked_flow=BLOCKED_FLOW)
    stable_actor_ids(con)
    con.execute(
        "CREATE TABLE prev AS SELECT o.party_id, o.source_table, o.record_key, o.role, a.actor_id "
        "FROM old o JOIN party_actor_ids a USING (party_id)"
    )
    write_match_components(con, run_dir)
    party_table(con, "day", [_party(rng, f"Q{n:03d}", OLD_SIGS[:8] + NEW_SIGS) for n in range(40)])
    fresh = [(rng.choice(NEW_SIGS), rng.choice(OLD_SIGS + NEW_SIGS)) for _ in range(12)]
    con.execute(
        "CREATE VIEW everyone AS SELECT *, NULL::VARCHAR AS name_norm FROM "
        "(SELECT * FROM old UNION ALL SELECT * FROM day)"
    )
    con.execute(f"DELETE FROM {BLOCKED_FLOW}")
    return con, pair_table(con, "fresh", fresh), old


def _actors(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(con.execute(f"SELECT party_id, actor_id FROM {table}").fetchall())


def _components(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute(f"SELECT sig_id, comp FROM {MATCH_COMPONENTS}").fetchall())


def _incremental(con: duckdb.DuckDBPyConnection, run_dir: Path, fresh: str, old: str) -> None:
    """The incremental rule, from the match components kept in ``run_dir``."""
    create_flow_shippers(con, "day", "everyone")
    block_forwarders_incrementally(
        con,
        run_dir,
        fresh_pairs_sql=fresh,
        earlier_pairs_sql=old,
        signatures="sigs",
        shippers=FLOW_SHIPPERS,
        everyone="everyone",
    )


@pytest.mark.parametrize("seed", range(10))
def test_an_incremental_run_blocks_the_forwarders_a_full_run_blocks(
    seed: int, tmp_path: Path
) -> None:
    full, fresh, old = _population(seed, tmp_path / "full")
    block_forwarders(full, f"{old} UNION ALL {fresh}", "sigs", "everyone")
    assign_party_clusters(
        full, fresh, parties="everyone", previous="prev", blocked_flow=BLOCKED_FLOW
    )
    stable_actor_ids(full, previous="prev")
    expected = _actors(full, "party_actor_ids")
    blocked = {r[0] for r in full.execute(f"SELECT party_id FROM {BLOCKED_FLOW}").fetchall()}

    day, fresh, old = _population(seed, tmp_path / "day")
    _incremental(day, tmp_path / "day", fresh, old)
    assign_incremental_actors(
        day,
        fresh,
        new="day",
        earlier="old",
        previous="prev",
        out="got",
        blocked_flow=BLOCKED_FLOW,
    )
    assert _components(day) == _components(full)
    assert _actors(day, "got") == expected
    # the rule did something worth checking: a forwarder whose flow links a party of the day
    # reads, and a shipper of it blocked
    read = {r[0] for r in day.execute(f"SELECT party_id FROM {FLOW_SHIPPERS}").fetchall()}
    assert blocked & read
    assert day.execute(f"SELECT count(*) FROM {FORWARDER_COMPONENTS}").fetchall()[0][0]


def test_a_run_without_kept_components_gets_them_from_its_matches(tmp_path: Path) -> None:
    con, fresh, old = _population(3, tmp_path / "kept")
    block_forwarders(con, f"{old} UNION ALL {fresh}", "sigs", "everyone")
    expected = _components(con)
    con, fresh, old = _population(3, tmp_path / "none")
    for path in (tmp_path / "none").glob(f"{MATCH_COMPONENTS}*"):
        path.unlink()
    _incremental(con, tmp_path / "none", fresh, old)
    assert _components(con) == expected


def test_a_forwarder_others_write_care_of_is_one_whatever_few_accounts_it_names() -> None:
    """ "Kumho Express" names two seller accounts on its own waybills, fewer than MIN_CLIENTS;
    its phone is written "c/o" it by other names, so it owns a care-of value, and its waybills'
    seller links are not identity. A shipper naming two accounts that no one writes c/o keeps
    them."""
    con = duckdb.connect()
    rows = [
        ("F1", "t", "F1", "shipper", "kumho", None, "S-1", None, "164 Gangnam-daero"),
        ("F2", "t", "F2", "shipper", "kumho", None, "S-2", None, "164 Gangnam-daero"),
        ("G1", "t", "G1", "shipper", "seoul", None, "S-3", None, "93 Teheran-ro"),
        ("G2", "t", "G2", "shipper", "seoul", None, "S-4", None, "93 Teheran-ro"),
    ]
    party_table(con, "everyone", rows)
    con.execute(
        "CREATE TABLE sigs AS SELECT unique_id, '1' phone, NULL address_core, NULL email, "
        "NULL bank_account, NULL device_id, NULL ip_address, NULL handle, NULL registry_id "
        "FROM unnest(['kumho', 'seoul']) t(unique_id)"
    )
    con.execute("CREATE TABLE owners AS SELECT 'F1' AS party_id")
    no_pairs = "SELECT NULL::VARCHAR sig_l, NULL::VARCHAR sig_r WHERE false"

    def blocked(owners: str | None) -> set[str]:
        con.execute(f"CREATE OR REPLACE TABLE {BLOCKED_FLOW} (party_id VARCHAR)")
        block_forwarders(con, no_pairs, "sigs", "everyone", owners)
        return {r[0] for r in con.execute(f"SELECT party_id FROM {BLOCKED_FLOW}").fetchall()}

    assert blocked("owners") == {"F1", "F2"}
    assert blocked(None) == set()
