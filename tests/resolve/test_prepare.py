"""Incremental normalisation: spellings resolved before reuse their normalised value."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from redlane import normalize
from redlane.resolve import prepare
from redlane.resolve.parties import PARTY_COLUMNS
from redlane.resolve.prepare import prepare_parties

OLD = {"party_id": "p1", "name": "Acme Trading Ltd", "phone": "+44 20 7946 0958"}
SAME_PHONE = {"party_id": "p2", "name": "ACME TRADING", "phone": "+44 20 7946 0958"}
NEW_PHONE = {"party_id": "p3", "name": "Acme Trading Ltd", "phone": "020 7946 0111"}
ALT_ONLY = {"party_id": "p4", "alt_name": "Acme Trading Ltd", "phone": "020 7946 0111"}


def _raw(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    rows = [{"country": "GB", **r} for r in rows]
    columns = {c: [r.get(c) for r in rows] for c in PARTY_COLUMNS if c != "first_seen"}
    data = pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})
    con.register(f"{table}_rows", data)
    con.execute(f"CREATE TABLE {table} AS SELECT *, NULL::TIMESTAMP first_seen FROM {table}_rows")


def _normalised(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[Any, ...]]:
    rows = con.execute(
        f"SELECT party_id, name_norm, phone_norm, country_norm FROM {table} ORDER BY party_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_known_spellings_are_reused_and_new_ones_normalised():
    con = duckdb.connect()
    _raw(con, "raw_parties", [OLD, SAME_PHONE, NEW_PHONE, ALT_ONLY])
    con.execute("CREATE TABLE raw_old AS SELECT * FROM raw_parties WHERE party_id = 'p1'")
    prepare_parties(con, "raw_old", "prev_parties", "prev_signatures")
    # A value only the previous run could have produced shows that it was reused, not redone.
    con.execute("UPDATE prev_parties SET phone_norm = 'from-previous-run'")
    con.execute("CREATE TABLE raw_new AS SELECT * FROM raw_parties WHERE party_id <> 'p1'")

    known = "raw_parties r JOIN prev_parties p USING (party_id)"
    prepare_parties(con, "raw_new", "parties_new", "signatures_new", known=known)
    prepare_parties(con, "raw_new", "parties_plain", "signatures_plain")

    reused, plain = _normalised(con, "parties_new"), _normalised(con, "parties_plain")
    assert reused["p2"][1] == "from-previous-run"
    assert plain["p2"][1] == normalize.phone("+44 20 7946 0958", "GB")
    assert reused["p3"] == plain["p3"]  # unseen phone: the normaliser's own answer
    assert reused["p3"][1] == normalize.phone("020 7946 0111", "GB")
    assert reused["p4"] == plain["p4"]  # a name known only as a name, used for an alt_name
    assert reused["p3"][0] == plain["p3"][0] == reused["p4"][0] is not None
    assert reused["p2"][0] == plain["p2"][0] and reused["p2"][2] == plain["p2"][2] == "GB"


def _many_parties(n: int) -> list[dict[str, Any]]:
    """Varied parties (spellings, countries, junk), so chunks differ and order would show."""
    forms = ["Ltd", "Co., Ltd.", "GmbH", "LLC", "有限公司", "S.A.", ""]
    countries = ["GB", "DE", "CN", "US", "RU", None, "XX"]
    rows = []
    for i in range(n):
        country = countries[i % len(countries)]
        rows.append(
            {
                "party_id": f"p{i}",
                "name": f"Trader {i % 97} {forms[i % len(forms)]}" if i % 11 else None,
                "alt_name": f"ALT {i % 13}" if i % 5 == 0 else None,
                "address": f"{i % 50} High Street, Town {i % 7}",
                "country": country,
                "phone": f"+44 20 7946 {i:04d}" if i % 3 else f"0{i % 9}0 {i:06d}",
                "email": f"user{i % 40}@Example.com",
                "registry_id": f"hrb-{i % 30}",
            }
        )
    return rows


def _everything(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_worker_pool_gives_the_serial_result(monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect()
    _raw(con, "raw_parties", _many_parties(700))
    monkeypatch.setenv(prepare.WORKERS_ENV, "1")
    prepare_parties(con, "raw_parties", "parties_serial", "signatures_serial")

    # Every map through the pool, in several chunks, so order and chunking are exercised.
    calls: list[int] = []
    map_rows = prepare._LazyPool.map_rows

    def counted(self: prepare._LazyPool, fn: Any, rows: list[tuple[Any, ...]]) -> list[Any]:
        calls.append(len(rows))
        return map_rows(self, fn, rows)

    monkeypatch.setattr(prepare._LazyPool, "map_rows", counted)
    monkeypatch.setattr(prepare, "_MIN_CHUNK", 7)
    monkeypatch.setenv(prepare.WORKERS_ENV, "2")
    monkeypatch.setenv(prepare.PARALLEL_MIN_ENV, "1")
    prepare_parties(con, "raw_parties", "parties_pool", "signatures_pool")

    assert len(calls) == 6 and max(calls) > 7 * 2 * prepare._CHUNKS_PER_WORKER  # maps with values
    assert _everything(con, "parties_pool") == _everything(con, "parties_serial")
    assert _everything(con, "signatures_pool") == _everything(con, "signatures_serial")


def test_small_maps_and_one_worker_stay_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(prepare.WORKERS_ENV, "1")
    with prepare.normaliser_pool() as pool:
        assert pool is None
    monkeypatch.setenv(prepare.WORKERS_ENV, "2")
    monkeypatch.delenv(prepare.PARALLEL_MIN_ENV, raising=False)
    with prepare.normaliser_pool() as pool:
        assert pool is not None
        assert prepare._normalise_rows(normalize.country, [("de",)], pool) == ["DE"]
        assert pool._pool is None  # one value: no worker process was started


def _dies_in_a_worker(text: str) -> str | None:
    if multiprocessing.parent_process() is not None:
        os._exit(1)  # as a worker killed by the kernel would
    return text.upper()


def test_a_broken_pool_falls_back_to_serial() -> None:
    rows = [(f"v{i}",) for i in range(50)]
    with prepare.normaliser_pool(2) as pool:
        assert pool is not None
        assert pool.map_rows(_dies_in_a_worker, rows) == [f"V{i}" for i in range(50)]
        assert pool.map_rows(normalize.country, [("de",)]) == ["DE"]  # serial from now on


def test_kept_values_are_reused_and_only_new_ones_are_fresh():
    """With the previous run's normalised values (``kept``), a value found there is not
    normalised again, and only the values normalised here are written as the run's own."""
    con = duckdb.connect()
    _raw(con, "raw_parties", [OLD, SAME_PHONE, NEW_PHONE, ALT_ONLY])
    con.execute("CREATE TABLE raw_old AS SELECT * FROM raw_parties WHERE party_id = 'p1'")
    prepare_parties(con, "raw_old", "prev_parties", "prev_signatures")
    con.execute("CREATE TABLE kept AS SELECT * FROM (" + prepare.normalised_values_sql() + ")")
    # A value only the kept table could have produced shows that it was reused, not redone.
    con.execute("UPDATE kept SET value = 'from-kept' WHERE map = 'map_phone'")
    con.execute("CREATE TABLE raw_new AS SELECT * FROM raw_parties WHERE party_id <> 'p1'")

    prepare_parties(con, "raw_new", "parties_new", "signatures_new", kept="kept")

    reused = _normalised(con, "parties_new")
    assert reused["p2"][1] == "from-kept"
    assert reused["p3"][1] == normalize.phone("020 7946 0111", "GB")
    fresh = con.execute(
        "SELECT map, v, c, value FROM (" + prepare.normalised_values_sql() + ")"
    ).fetchall()
    assert ("map_phone", "020 7946 0111", "GB", reused["p3"][1]) in fresh
    assert not [row for row in fresh if row[1] in ("+44 20 7946 0958", "GB")]
    # "Acme Trading Ltd" was seen before (p1); "ACME TRADING" was not
    assert [row[1] for row in fresh if row[0] == "map_name"] == ["ACME TRADING"]
