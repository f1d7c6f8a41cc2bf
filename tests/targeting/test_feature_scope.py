"""``feature_sql(where=...)`` computes only what the selected shipments need, and gives each of
them exactly the row the query over every shipment gives it (the query filtered at the end)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.resolve.outputs import new_run_dir, publish_run, write_table
from redlane.sim import SimConfig, generate_world
from redlane.targeting.features import LABEL_SCHEMA, open_features_connection, set_labels
from redlane.targeting.sql import RUNNING_KEYS, _running_history_cte, feature_sql, prelude_sql
from tests.targeting.conftest import World

# The warehouse's shipments with holes punched in the keys the windows partition by (NULL keys
# form a partition of their own), a third of the submission times cut to midnight (ties within
# a key are peers of a RANGE frame) and, for half of them, copies exactly 7 and 30 days earlier
# (on the boundary of the bounded frames, and history beyond them).
_SHIPMENTS_WITH_NULLS = """
CREATE OR REPLACE TEMP VIEW ship_nulls AS
WITH holed AS (
    SELECT * REPLACE (
        CASE WHEN hash(hawb) % 7 = 0 THEN NULL ELSE shipper_name END AS shipper_name,
        CASE WHEN hash(hawb) % 5 = 0 THEN NULL ELSE shipper_phone END AS shipper_phone,
        CASE WHEN hash(hawb) % 6 = 0 THEN NULL ELSE consignee_address END AS consignee_address,
        CASE WHEN hash(hawb) % 4 = 0 THEN NULL ELSE hs6 END AS hs6,
        CASE WHEN hash(hawb) % 9 = 0 THEN NULL ELSE description END AS description,
        CASE WHEN hash(hawb) % 3 = 1 THEN date_trunc('day', submitted_at) ELSE submitted_at END
            AS submitted_at)
    FROM aed_shipments
)
SELECT * FROM holed
UNION ALL
SELECT * EXCLUDE (d) REPLACE (hawb || '-' || d AS hawb, submitted_at - to_days(d) AS submitted_at,
    expected_arrival - to_days(d) AS expected_arrival)
FROM holed, (VALUES (7), (30)) v(d)
WHERE hash(hawb) % 2 = 0
"""


def _resolution_run(home: Path, warehouse: Path) -> None:
    """A made-up resolution run: actors (some in rings) for most shippers and consignees, so
    the actor and ring histories have something to count."""
    run = new_run_dir(home, "scope")
    con = Warehouse(warehouse).connect(tables=["aed_shipments"])
    write_table(
        con,
        "SELECT 'p-' || hawb || '-' || role AS party_id, 'aed_shipments' AS source_table,"
        " hawb AS record_key, role, actor_id FROM ("
        " SELECT hawb, 'shipper' AS role, 'A-' || (hash(lower(shipper_name)) % 300) AS actor_id"
        " FROM aed_shipments WHERE hash(hawb) % 4 <> 0 UNION ALL"
        " SELECT hawb, 'consignee', 'C-' || (hash(lower(consignee_name)) % 500)"
        " FROM aed_shipments WHERE hash(hawb) % 4 <> 1)",
        run,
        "party_actors",
    )
    write_table(
        con,
        "SELECT 'A-' || i AS actor_id, 'x' AS display_name, 1::BIGINT AS n_parties,"
        " 1::BIGINT AS n_sources, NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,"
        " CASE WHEN i % 3 = 0 THEN 'R-' || (i % 11) END AS ring_id,"
        " (i % 10) / 10.0 AS risk, ['test']::VARCHAR[] AS risk_reasons"
        " FROM range(300) r(i)",
        run,
        "actors",
    )
    con.close()
    publish_run(home, "scope")


def _truth_outcomes(con: duckdb.DuckDBPyConnection, world: World) -> pa.Table:
    """Inspections of every third parcel an hour after arrival, seized when counterfeit."""
    truth = world.root / "truth" / "shipments.parquet"
    return con.sql(
        f"""
        SELECT a.hawb, a.expected_arrival + INTERVAL 1 HOUR AS inspected_at,
            t.is_counterfeit AS seized,
            CASE WHEN t.is_counterfeit THEN t.msrp_value END::DOUBLE AS seized_value,
            1.0::DOUBLE AS propensity, 'test' AS selection_reason
        FROM aed_shipments a JOIN read_parquet('{truth}') t USING (hawb)
        WHERE hash(a.hawb) % 3 = 0
        """
    ).to_arrow_table()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """This module's own world, with five times the usual share of counterfeits: on the
    default world's few seizures no late day carries a shipper-name seizure history, which
    the scoped query must reproduce (at three times, once forwarders wrote some counterfeit
    parcels under their own names, the last day had none)."""
    base = tmp_path_factory.mktemp("scope-world")
    cfg = SimConfig(counterfeit_rate=0.05)
    generate_world(base / "world", seed=11, parcels=3500, days=10, config=cfg)
    warehouse = Warehouse(base / "warehouse")
    ingest_paths([base / "world"], warehouse)
    return World(base / "world", warehouse.root)


@pytest.fixture(scope="module")
def con(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    home = tmp_path_factory.mktemp("scope-home")
    _resolution_run(home, world.warehouse)
    connection = open_features_connection(home, world.warehouse)
    set_labels(connection, _truth_outcomes(connection, world).cast(LABEL_SCHEMA))
    connection.execute(_SHIPMENTS_WITH_NULLS)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def days(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.sql("SELECT DISTINCT submitted_at::DATE FROM aed_shipments ORDER BY 1").fetchall()
    return [str(d) for (d,) in rows]


# Picked by arg_min among product lines of equal price: either of the tied lines (and their
# brands) may come out of any run of the query, scoped or not, so only their presence is
# compared. The prices they come with (genuine_min, genuine_max) are compared exactly.
_ARBITRARY_AMONG_TIES = ("genuine_line", "genuine_brand")


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _selected(con: duckdb.DuckDBPyConnection, shipments: str, where: str) -> set[str]:
    return {
        sid
        for (sid,) in con.sql(
            f"WITH {prelude_sql(shipments)} SELECT k.sid FROM keyed k WHERE {where}"
        ).fetchall()
    }


def _assert_scoped_equals_full(
    con: duckdb.DuckDBPyConnection, shipments: str, where: str
) -> list[dict[str, object]]:
    """The scoped query's rows are the full query's rows of the selected shipments, in order,
    every column equal (floats to 1e-9, NULLs equal); returns them."""
    selected = _selected(con, shipments, where)
    full = con.sql(feature_sql(shipments)).to_arrow_table()
    expected = [r for r in full.to_pylist() if r["sid"] in selected]
    scoped = con.sql(feature_sql(shipments, where=where)).to_arrow_table()
    assert scoped.schema == full.schema
    got = scoped.to_pylist()
    assert [r["sid"] for r in got] == [r["sid"] for r in expected]
    for want, have in zip(expected, got, strict=True):
        wrong = {
            c: (want[c], have[c])
            for c in want
            if not (
                (want[c] is None) == (have[c] is None)
                if c in _ARBITRARY_AMONG_TIES
                else _same(want[c], have[c])
            )
        }
        assert not wrong, (want["sid"], wrong)
    return got


@pytest.mark.parametrize("shipments", ["aed_shipments", "ship_nulls"])
def test_a_day_has_the_rows_of_the_full_query(con, days, shipments):
    # The last day: its shippers' histories reach back past the 7-day frames.
    rows = _assert_scoped_equals_full(con, shipments, f"k.t::DATE = DATE '{days[-1]}'")
    assert len(rows) > 200
    # the test covers the parts it is about: rows before the bounded frames, label and actor
    # histories, and (in ship_nulls) every kind of NULL partition among the targets
    assert any(r["shipper_age_days"] > 7 for r in rows)
    assert any(r["shipper_prior_volume"] > r["shipper_volume_7d"] for r in rows)
    assert any(r["sname_seized"] > 0 for r in rows) and any(r["ring_seized"] > 0 for r in rows)
    if shipments == "ship_nulls":
        for key in ("k_sname", "k_sphone", "k_caddr", "hs6", "description"):
            assert any(r[key] is None for r in rows), key
        assert any(r["k_sname"] is None and r["shipper_prior_volume"] > 0 for r in rows)


@pytest.mark.parametrize(
    "where",
    [
        "k.arrival_date = DATE '{mid}' AND k.port = 'JFK'",
        "k.arrival_date >= DATE '{late}'",
        "k.arrival_date < DATE '{early}'",
        "k.hawb IN (SELECT hawb FROM aed_shipments ORDER BY hawb LIMIT 5)",
        "FALSE",
    ],
)
def test_other_selections_have_the_rows_of_the_full_query(con, days, where):
    clause = where.format(early=days[2], mid=days[5], late=days[-2])
    rows = _assert_scoped_equals_full(con, "ship_nulls", clause)
    assert (len(rows) == 0) == (where == "FALSE")


def test_without_where_every_shipment_is_computed_as_before(con):
    """No ``where``: the windows run over every shipment (no ``targets`` CTE)."""
    sql = feature_sql()
    assert "targets" not in sql and "windows AS (\n    SELECT sid," in sql


def test_the_scoped_query_translates_to_spark_sql():
    import sqlglot

    from redlane.engine.spark import spark_sql

    translated = spark_sql(feature_sql(where="k.arrival_date = DATE '2025-06-03'"))
    sqlglot.parse_one(translated, read="spark")
    assert "IS NOT DISTINCT FROM" in translated or "<=>" in translated


@pytest.mark.spark
@pytest.mark.slow
def test_the_scoped_query_gives_the_same_rows_on_spark(con, world, days, tmp_path):
    """Spark SQL accepts the scoped query (its semi-joins, weighted rows and CTEs) and gives
    the rows DuckDB gives."""
    from redlane.engine.spark import PLAN_STRING_CHARS, spark_session
    from redlane.targeting.spark_features import (
        register_feature_views,
        spark_features,
        target_labels,
    )

    where = f"k.t::DATE = DATE '{days[-1]}'"
    duck = con.sql(feature_sql(where=where)).to_arrow_table()
    home = tmp_path / "home"
    _resolution_run(home, world.warehouse)
    spark = spark_session()
    register_feature_views(spark, home, world.warehouse, target_labels(con))
    features = spark_features(spark, where)
    # Printed in full, this plan (its cached views' plans nested inside) is some 17 million
    # characters: building it ran a 2 GB driver out of heap and the result never came back.
    assert len(features._jdf.queryExecution().toString()) <= PLAN_STRING_CHARS
    on_spark = {r["sid"]: r for r in features.toArrow().to_pylist()}
    assert duck.num_rows > 200 and len(on_spark) == duck.num_rows
    for want in duck.to_pylist():
        have = on_spark[want["sid"]]
        # numbers and strings (date-time types differ between the engines' Arrow output)
        wrong = {
            c: (want[c], have[c])
            for c in want
            if c not in _ARBITRARY_AMONG_TIES
            and isinstance(want[c], float | int | str | None)
            and not _same(_number(want[c]), _number(have[c]))
        }
        assert not wrong, (want["sid"], wrong)


def _number(value: object) -> object:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _joined_history(key: str) -> str:
    """The label history of ``key`` as a join of each shipment with its key's earlier labels:
    the plain statement of what :func:`redlane.targeting.sql._running_history_cte` computes."""
    return f"""
h_{key} AS (
    SELECT b.sid, count(*)::DOUBLE AS n, sum(e.seized)::DOUBLE AS s,
        sum(CASE WHEN e.inspected_at >= b.t - INTERVAL 60 DAY THEN e.seized ELSE 0 END)::DOUBLE
            AS s60,
        max(CASE WHEN e.seized = 1 THEN e.inspected_at END) AS last_seized,
        sum(e.seized_value)::DOUBLE AS v
    FROM keyed b JOIN events e ON e.k_{key} = b.k_{key} AND e.inspected_at < b.t
    WHERE b.k_{key} IS NOT NULL AND b.k_{key} <> ''
    GROUP BY b.sid
)"""


@pytest.mark.parametrize("shipments", ["aed_shipments", "ship_nulls"])
@pytest.mark.parametrize("key", sorted(RUNNING_KEYS | {"sname", "seller"}))
def test_running_histories_equal_the_join_of_earlier_labels(con, shipments, key):
    """Running sums over a key's timeline give each shipment exactly the join's history
    (labels strictly before it; the last 60 days; no row without an earlier label)."""
    rows = {}
    for name, cte in (("join", _joined_history(key)), ("run", _running_history_cte(key, "keyed"))):
        rows[name] = con.sql(
            f"WITH {prelude_sql(shipments)}, {cte} "
            f"SELECT sid, n, s, s60, last_seized, round(v, 6) FROM h_{key} ORDER BY sid"
        ).fetchall()
    assert rows["run"] == rows["join"] and rows["join"]


@pytest.mark.parametrize("seed", range(5))
def test_running_histories_hold_at_the_edges_of_time(seed):
    """Labels at a shipment's very instant (not before it), exactly 60 days before (inside the
    60 days), older ones (outside), NULL and empty keys, a shipment listed twice."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    times = [
        start + timedelta(days=rng.randrange(200), hours=rng.choice([0, 6])) for _ in range(80)
    ]
    shipments = [(f"S{i % 70}", rng.choice(["a", "b", "", None]), t) for i, t in enumerate(times)]
    events = []
    for _ in range(60):
        _, key, t = rng.choice(shipments)
        at = rng.choice([t, t - timedelta(days=60), t - timedelta(days=rng.randrange(120))])
        seized = rng.random() < 0.5
        events.append((key, at, int(seized), rng.choice([0.0, 12.5, 99.0]) if seized else 0.0))
    con = duckdb.connect()
    con.execute("CREATE TABLE keyed (sid VARCHAR, k_port VARCHAR, t TIMESTAMP)")
    con.executemany("INSERT INTO keyed VALUES (?, ?, ?)", shipments)
    con.execute(
        "CREATE TABLE events (k_port VARCHAR, inspected_at TIMESTAMP, seized INT, "
        "seized_value DOUBLE)"
    )
    con.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", events)
    found = {}
    for name, cte in (
        ("join", _joined_history("port")),
        ("run", _running_history_cte("port", "keyed")),
    ):
        found[name] = con.sql(
            f"WITH {cte} SELECT sid, n, s, s60, last_seized, round(v, 6) FROM h_port ORDER BY sid"
        ).fetchall()
    assert found["run"] == found["join"]
    assert any(r[3] != r[2] for r in found["join"])  # some seizures older than 60 days
