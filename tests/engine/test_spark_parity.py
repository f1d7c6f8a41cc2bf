"""DuckDB and Spark give the same answers on the same warehouse: the same actors (up to their
ids) from a full resolution, the same features and scores for every shipment, and the same
day's plans (``redlane target score|plan --engine spark``).

Spark runs on ``local[2]`` with Java 17; the standing world is small (600 parcels a day, three
days) so the whole module takes a few minutes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from redlane.bench.standing import StandingWorld, standing_world
from redlane.cli import app
from redlane.config import get_settings
from redlane.resolve.outputs import current_run_dir, table_source

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def world() -> Iterator[StandingWorld]:
    with standing_world(600, seed=17, history_days=2, with_day=True) as standing:
        yield standing


def _actors(home: Path) -> set[frozenset[str]]:
    """The current run's actors as sets of party ids (ids themselves may differ by engine)."""
    run = current_run_dir(home)
    assert run is not None
    rows = duckdb.sql(
        f"SELECT actor_id, list(party_id) FROM '{run / 'party_actors.parquet'}' GROUP BY ALL"
    ).fetchall()
    return {frozenset(parties) for _actor, parties in rows}


def _pair_probabilities(home: Path) -> dict[tuple[str, str], float]:
    run = current_run_dir(home)
    assert run is not None
    rows = duckdb.sql(
        f"SELECT sig_id_l, sig_id_r, match_probability FROM {table_source(run, 'pair_evidence')}"
    ).fetchall()
    return {(left, right): p for left, right, p in rows}


def test_full_resolution_finds_the_same_actors_on_spark(
    world: StandingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = {}
    for engine in ("duckdb", "spark"):
        home = homes[engine] = tmp_path / engine
        shutil.copytree(world.home, home)
        monkeypatch.setenv("REDLANE_HOME", str(home))
        get_settings.cache_clear()  # the CLI reads REDLANE_HOME through the cached settings
        result = CliRunner().invoke(app, ["resolve", "--full", "--json", "--engine", engine])
        assert result.exit_code == 0, result.output

    get_settings.cache_clear()
    duck, spark = _actors(homes["duckdb"]), _actors(homes["spark"])
    assert len(duck) > 100
    assert duck == spark
    duck_pairs, spark_pairs = (
        _pair_probabilities(homes["duckdb"]),
        _pair_probabilities(homes["spark"]),
    )
    assert duck_pairs.keys() == spark_pairs.keys()
    worst = max(abs(duck_pairs[k] - spark_pairs[k]) for k in duck_pairs)
    assert worst <= 1e-6


def test_features_and_scores_are_the_same_on_spark(world: StandingWorld) -> None:
    from redlane.engine.spark import spark_session
    from redlane.targeting.features import compute_features
    from redlane.targeting.model import load_champion
    from redlane.targeting.plan import score
    from redlane.targeting.spark_features import (
        register_feature_views,
        spark_features,
        spark_scores,
        target_labels,
    )
    from redlane.targeting.training import connect

    con = connect(world.home, world.home / "warehouse")
    duck_features = compute_features(con)
    model = load_champion(world.home)
    duck_scores, _ = score(model, duck_features)

    spark = spark_session()
    register_feature_views(spark, world.home, world.home / "warehouse", target_labels(con))
    frame = spark_features(spark)
    spark_features_table = frame.toArrow()
    spark_scored = spark_scores(frame, model).toArrow()

    def keyed(table: pa.Table, values: list[float]) -> dict[tuple[str, str], float]:
        carriers, hawbs = table.column("carrier").to_pylist(), table.column("hawb").to_pylist()
        return dict(zip(zip(carriers, hawbs, strict=True), values, strict=True))

    assert duck_features.num_rows > 1000
    assert sorted(spark_features_table.column_names) == sorted(duck_features.column_names)
    duck = keyed(duck_features, duck_scores.tolist())
    on_spark = keyed(spark_scored, spark_scored.column("score").to_pylist())
    assert duck.keys() == on_spark.keys()
    differences = np.array([abs(duck[k] - on_spark[k]) for k in duck])
    assert differences.max() <= 1e-6
    assert np.std(list(duck.values())) > 0  # the scores say something


def _cli(home: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> str:
    monkeypatch.setenv("REDLANE_HOME", str(home))
    get_settings.cache_clear()  # the CLI reads REDLANE_HOME through the cached settings
    try:
        result = CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, f"{result.output}\n{result.exception}"
    return result.stdout


@pytest.mark.skipif(
    os.environ.get("REDLANE_SPARK_DAY_PARITY") != "1",
    reason="12-20 minutes on local[2] on a loaded 2-core machine, over CI's time: opt-in "
    "(its broadcast memory failure is fixed; docs/scaling.md, Parity)",
)
def test_a_days_scores_and_plans_are_the_same_on_spark(
    world: StandingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``redlane target score|plan --engine spark``: the same scores, and plans that select
    the same parcels for the same lanes, by the same route, with the same reasons."""
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    plans: dict[str, dict[str, dict[str, object]]] = {}
    for engine in ("duckdb", "spark"):
        home = tmp_path / engine
        shutil.copytree(world.home, home)
        out = tmp_path / f"scores_{engine}.parquet"
        _cli(
            home,
            monkeypatch,
            ["target", "score", "--date", world.day, "--out", str(out), "--engine", engine],
        )
        rows = pq.read_table(out).to_pylist()
        scores[engine] = {r["hawb"]: (r["score"], r["expected_value"]) for r in rows}
        printed = _cli(
            home,
            monkeypatch,
            ["target", "plan", "--date", world.day, "--all-ports", "--json", "--engine", engine],
        )
        plans[engine] = {p["port"]: p for p in json.loads(printed)["plans"]}

    duck, on_spark = scores["duckdb"], scores["spark"]
    assert len(duck) > 300
    assert duck.keys() == on_spark.keys()
    worst = max(abs(a - b) for k in duck for a, b in zip(duck[k], on_spark[k], strict=True))
    assert worst <= 1e-6

    assert len(plans["duckdb"]) > 3
    assert plans["duckdb"].keys() == plans["spark"].keys()
    picked = 0
    for port, plan in plans["duckdb"].items():
        other = plans["spark"][port]
        for key in (
            "shipments",
            "capacity",
            "exploration_quota",
            "mandatory_over_capacity",
            "check_hits",
        ):
            assert plan[key] == other[key], (port, key)
        items, other_items = plan["items"], other["items"]
        assert isinstance(items, list) and isinstance(other_items, list)
        chosen = [(i["hawb"], i["lane"], i["rank"], i["selected_by"]) for i in items]
        assert chosen == [(i["hawb"], i["lane"], i["rank"], i["selected_by"]) for i in other_items]
        assert [i["reasons"] for i in items] == [i["reasons"] for i in other_items]
        assert all(
            abs(a["score"] - b["score"]) <= 1e-6 for a, b in zip(items, other_items, strict=True)
        )
        picked += len(items)
    assert picked > 20
