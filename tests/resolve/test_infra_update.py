"""Infrastructure kept up to date from each day's parties gives the same tables as finding it
again over the whole population, day after day, on random populations where values become
infrastructure (and change owner) as the days come."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from redlane.resolve import outputs
from redlane.resolve.infra_update import update_infrastructure, write_kept_tables
from redlane.resolve.infrastructure import (
    BLOCKED_FLOW,
    INFRA_HELD,
    INFRA_PARTIES,
    INFRA_VALUES,
    find_infrastructure,
)

COLUMNS = (
    "party_id VARCHAR, role VARCHAR, name_norm VARCHAR, seller_link VARCHAR, "
    "phone_norm VARCHAR, email_norm VARCHAR, address_core VARCHAR, address VARCHAR, "
    "sig_id VARCHAR"
)
# Names with distinct four-letter keys, and spellings sharing a key (one name counted once).
NAMES = [
    "alpha cargo",
    "alpha cargo ltd",
    "bravo toys",
    "carbon tools",
    "delta lights",
    "echo audio",
    "fox shoes",
    "golf crafts",
    "hotel tea",
    "india pumps",
    "juliet swim",
    "kilo bearings",
    None,
]
ROLES = ("shipper", "shipper", "seller", "importer", "consignee")


def _party(rng: random.Random, party_id: str, day: int) -> tuple[str | None, ...]:
    role = rng.choice(ROLES)
    # later days reuse earlier values and bring a few of their own
    pool = 4 + 2 * day
    address = rng.choice(["1 Dock Rd", "2 Pier St", "c/o Swift, 8 Harbour Rd", None])
    return (
        party_id,
        role,
        rng.choice(NAMES),
        f"S{rng.randrange(8)}" if role in ("shipper", "seller") and rng.random() < 0.8 else None,
        f"+86{rng.randrange(pool)}" if rng.random() < 0.8 else None,
        f"m{rng.randrange(pool)}@x.cn" if rng.random() < 0.5 else None,
        f"addr{rng.randrange(pool)}" if address is not None else None,
        address,
        f"sig-{party_id}",
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _everything(parties: list[tuple[str | None, ...]], flow_shippers: set[str]) -> dict:
    """The tables found over the whole population, as a run before the kept counts did."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE everyone ({COLUMNS})")
    con.executemany(f"INSERT INTO everyone VALUES ({', '.join('?' * 9)})", parties)
    find_infrastructure(con, "everyone")
    blocked = {r[0] for r in con.execute(f"SELECT party_id FROM {BLOCKED_FLOW}").fetchall()}
    return {
        "values": _rows(con, f"SELECT * FROM {INFRA_VALUES}"),
        "held": _rows(con, f"SELECT * FROM {INFRA_HELD}"),
        "operators": _rows(con, f"SELECT * FROM {INFRA_PARTIES}"),
        "blocked": blocked & flow_shippers,
    }


@pytest.mark.parametrize("seed", range(6))
def test_kept_counts_give_the_tables_of_the_whole_population(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    earlier = [_party(rng, f"P0-{n:03d}", 0) for n in range(60)]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE prev_parties ({COLUMNS})")
    con.executemany(f"INSERT INTO prev_parties VALUES ({', '.join('?' * 9)})", earlier)
    find_infrastructure(con, "prev_parties")
    run_dir = tmp_path / "run0"
    run_dir.mkdir()
    write_kept_tables(con, run_dir, None)
    outputs.write_table(con, f"SELECT * FROM {INFRA_VALUES}", run_dir, "infrastructure")
    became = 0
    for day in range(1, 4):
        con = duckdb.connect()
        con.execute(f"CREATE TABLE prev_parties ({COLUMNS})")
        con.executemany(f"INSERT INTO prev_parties VALUES ({', '.join('?' * 9)})", earlier)
        new = [_party(rng, f"P{day}-{n:03d}", day) for n in range(30)]
        con.execute(f"CREATE TABLE parties_new ({COLUMNS})")
        con.executemany(f"INSERT INTO parties_new VALUES ({', '.join('?' * 9)})", new)
        con.execute(
            "CREATE VIEW parties_all AS "
            "SELECT * FROM prev_parties UNION ALL SELECT * FROM parties_new"
        )
        assert update_infrastructure(con, run_dir)
        became += con.execute("SELECT count(*) FROM infra_became").fetchall()[0][0]
        links = {p[3] for p in new if p[1] in ("shipper", "seller") and p[3] is not None}
        flow_shippers = {p[0] for p in earlier + new if p[1] == "shipper" and p[3] in links}
        expected = _everything(earlier + new, flow_shippers)
        assert _rows(con, f"SELECT * FROM {INFRA_VALUES}") == expected["values"]
        assert _rows(con, f"SELECT * FROM {INFRA_HELD}") == expected["held"]
        assert _rows(con, f"SELECT * FROM {INFRA_PARTIES}") == expected["operators"]
        blocked = {r[0] for r in con.execute(f"SELECT party_id FROM {BLOCKED_FLOW}").fetchall()}
        assert blocked == expected["blocked"]
        next_dir = tmp_path / f"run{day}"
        next_dir.mkdir()
        write_kept_tables(con, next_dir, run_dir)
        outputs.write_table(con, f"SELECT * FROM {INFRA_VALUES}", next_dir, "infrastructure")
        run_dir, earlier = next_dir, earlier + new
    assert became > 0, "no value became infrastructure on a later day: the test reads nothing"


def test_a_previous_run_without_kept_counts_is_found_over_everyone(tmp_path: Path) -> None:
    rng = random.Random(1)
    con = duckdb.connect()
    for name, rows in (("prev_parties", 40), ("parties_new", 20)):
        con.execute(f"CREATE TABLE {name} ({COLUMNS})")
        parties = [_party(rng, f"{name}-{n}", 1) for n in range(rows)]
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * 9)})", parties)
    con.execute(
        "CREATE VIEW parties_all AS SELECT * FROM prev_parties UNION ALL SELECT * FROM parties_new"
    )
    assert not update_infrastructure(con, tmp_path)
    found = _rows(con, f"SELECT * FROM {INFRA_VALUES}")
    find_infrastructure(con, "parties_all")
    assert found == _rows(con, f"SELECT * FROM {INFRA_VALUES}")
