"""Features use only what was known before each shipment was submitted."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from redlane.targeting.features import (
    FEATURES,
    LABEL_SCHEMA,
    compute_features,
    day_where,
    labelled_features,
    open_features_connection,
    reference_features,
    set_labels,
)
from redlane.targeting.sql import feature_sql
from tests.targeting.conftest import World


@pytest.fixture(scope="module")
def con(world: World, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("features-home")
    connection = open_features_connection(home, world.warehouse)
    yield connection
    connection.close()


def _rows(table: pa.Table) -> dict[str, dict[str, object]]:
    return {r["sid"]: r for r in table.to_pylist()}


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def test_one_row_per_shipment_with_every_model_feature(con):
    feats = compute_features(con)
    shipments = con.sql("SELECT count(*) FROM aed_shipments").fetchall()[0][0]
    assert feats.num_rows == shipments
    assert len(set(feats.column("sid").to_pylist())) == shipments
    assert set(FEATURES) <= set(feats.column_names)


def test_day_filter_keeps_only_that_port_and_day(con):
    day, port = con.sql(
        "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
        " GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0]
    feats = compute_features(con, day_where(str(day), port))
    assert feats.num_rows > 0
    assert set(feats.column("port").to_pylist()) == {port}
    assert set(feats.column("arrival_date").to_pylist()) == {day}


def test_a_future_seizure_does_not_change_earlier_features(con):
    """Leakage test: record a seizure of a late parcel of a repeat shipper; every shipment
    submitted before that inspection must keep exactly the same features, and the shipper's
    later shipments must see it (so the test would notice the seizure if it leaked)."""
    set_labels(con, None)
    before = _rows(compute_features(con))
    # a shipper with at least 3 shipments: seize the middle one
    sname, hawb, arrival = con.sql(
        """
        WITH s AS (
            SELECT hawb, expected_arrival, submitted_at,
                regexp_replace(lower(shipper_name), '[\\s\\.,\\-\\(\\)/&#]+', '', 'g') AS k,
                row_number() OVER (PARTITION BY k ORDER BY submitted_at) AS i,
                count(*) OVER (PARTITION BY k) AS n
            FROM aed_shipments
        )
        SELECT k, hawb, expected_arrival FROM s WHERE n >= 3 AND i = n - 1
        ORDER BY n DESC, hawb LIMIT 1
        """
    ).fetchall()[0]
    inspected_at = arrival + timedelta(hours=1)
    seizure = pa.Table.from_pylist(
        [
            {
                "hawb": hawb,
                "inspected_at": inspected_at,
                "seized": True,
                "seized_value": 5000.0,
                "propensity": 1.0,
                "selection_reason": "test",
            }
        ],
        schema=LABEL_SCHEMA,
    )
    set_labels(con, seizure)
    try:
        after = _rows(compute_features(con))
    finally:
        set_labels(con, None)
    earlier = [sid for sid, r in before.items() if r["submitted_at"] <= inspected_at]
    assert len(earlier) > 100
    for sid in earlier:
        for name in FEATURES:
            assert _same(before[sid][name], after[sid][name]), (sid, name)
    later_same_shipper = [
        sid
        for sid, r in after.items()
        if r["k_sname"] == sname and r["submitted_at"] > inspected_at
    ]
    moved = [sid for sid in later_same_shipper if after[sid]["sname_seized"] == 1]
    if later_same_shipper:
        assert moved == later_same_shipper


def test_labelled_features_carry_label_and_propensity(con):
    set_labels(con, None)
    table = labelled_features(con)
    inspections = con.sql("SELECT count(DISTINCT hawb) FROM inspections").fetchall()[0][0]
    assert table.num_rows == inspections
    assert set(table.column("label").to_pylist()) <= {0, 1}
    props = table.column("propensity").to_pylist()
    assert all(0 < p <= 1 for p in props)
    assert any(p < 1 for p in props)  # random inspections are marked as such


def test_labelled_features_are_every_shipments_features_joined_to_the_labels(con):
    """Scoped to the inspected parcels, each row is the one the query over every shipment
    gives it."""
    set_labels(con, None)
    scoped = labelled_features(con)
    whole = con.sql(
        f"SELECT f.*, l.seized::INT AS label, l.propensity, l.inspected_at,"
        f" l.seized_value AS label_value, l.selection_reason"
        f" FROM ({feature_sql()}) f JOIN target_labels l USING (hawb)"
        f" ORDER BY f.submitted_at, f.sid"
    ).to_arrow_table()
    assert scoped.column_names == whole.column_names
    assert scoped.column("sid").to_pylist() == whole.column("sid").to_pylist()
    for got, want in zip(scoped.to_pylist(), whole.to_pylist(), strict=True):
        assert all(_same(got[c], want[c]) for c in whole.column_names), got["sid"]
    day = str(scoped.column("arrival_date")[0])
    one_day = labelled_features(con, f"k.arrival_date = DATE '{day}'")
    assert 0 < one_day.num_rows < scoped.num_rows
    assert set(one_day.column("arrival_date").to_pylist()) == {
        scoped.column("arrival_date")[0].as_py()
    }


def test_the_reference_is_every_shipment_up_to_its_size_then_a_fixed_sample(con):
    everything = compute_features(con)
    assert reference_features(con).column("sid").to_pylist() == everything.column("sid").to_pylist()
    most = everything.num_rows // 4
    sample = reference_features(con, most=most)
    again = reference_features(con, most=most)
    sids = sample.column("sid").to_pylist()
    assert sids == again.column("sid").to_pylist()
    assert 0.5 * most < len(sids) < 1.5 * most
    rows = _rows(everything)
    for row in sample.to_pylist():
        assert all(_same(row[c], rows[row["sid"]][c]) for c in sample.column_names)
    day = str(everything.column("arrival_date")[0])
    one_day = reference_features(con, f"k.arrival_date = DATE '{day}'", most=most)
    assert set(one_day.column("sid").to_pylist()) <= set(sids)


def test_resolution_actors_feed_actor_and_ring_history(world: World, tmp_path: Path):
    """With a resolution run, shipments of one actor share its history and ring."""
    import duckdb

    from redlane.resolve.outputs import new_run_dir, publish_run, write_table

    home = tmp_path / "home"
    con0 = open_features_connection(home, world.warehouse)
    rows = con0.sql("SELECT hawb FROM aed_shipments ORDER BY submitted_at").fetchall()
    hawbs = [r[0] for r in rows]
    con0.close()
    first, rest = hawbs[0], hawbs[1:20] + hawbs[-20:]
    run = new_run_dir(home, "run1")
    scratch = duckdb.connect()
    listed = ", ".join(f"('{h}')" for h in [first, *rest])
    write_table(
        scratch,
        f"SELECT 'p-' || h AS party_id, 'aed_shipments' AS source_table, h AS record_key,"
        f" 'shipper' AS role, 'A-1' AS actor_id FROM (VALUES {listed}) v(h)",
        run,
        "party_actors",
    )
    write_table(
        scratch,
        "SELECT 'A-1' actor_id, 'x' display_name, 1::BIGINT n_parties, 1::BIGINT n_sources,"
        " NULL::TIMESTAMP first_seen, NULL::TIMESTAMP last_seen, 'R-17' ring_id,"
        " 0.9::DOUBLE risk, ['test']::VARCHAR[] risk_reasons",
        run,
        "actors",
    )
    publish_run(home, "run1")
    first_time = con0 = open_features_connection(home, world.warehouse)  # noqa: F841
    arrival = first_time.sql(
        f"SELECT expected_arrival FROM aed_shipments WHERE hawb = '{first}'"
    ).fetchall()[0][0]
    set_labels(
        first_time,
        pa.Table.from_pylist(
            [
                {
                    "hawb": first,
                    "inspected_at": arrival,
                    "seized": True,
                    "seized_value": 100.0,
                    "propensity": 1.0,
                    "selection_reason": "test",
                }
            ],
            schema=LABEL_SCHEMA,
        ),
    )
    feats = _rows(compute_features(first_time))
    con0.close()
    tagged = [r for r in feats.values() if r["hawb"] in rest]
    assert all(r["shipper_actor_id"] == "A-1" and r["ring_id"] == "R-17" for r in tagged)
    after = [r for r in tagged if r["submitted_at"] > arrival]
    assert after and all(r["sactor_seized"] == 1 and r["ring_seized"] == 1 for r in after)
    assert all(r["sactor_seized"] == 0 for r in tagged if r["submitted_at"] <= arrival)
