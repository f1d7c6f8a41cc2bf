"""The batch scorer gives compare()'s score, row for row; the SQL function and the Splink levels
built on it."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redlane.bench.names_bench import sample
from redlane.names import SCHEMAS, compare
from redlane.names.batch import PairScorer, score_arrow, score_pairs
from redlane.names.duckdb_udf import register_duckdb
from redlane.resolve.live import level_predicate
from redlane.resolve.splink_model import build_comparison, name_score_label

# Few distinct names, so that rows repeat names and pairs (in both orders): the memo's paths.
NAMES = st.sampled_from(
    ["John Smith", "Smith, John", "JOHN SMITH", "Jon Smith", "J. Smith", "Ivan Petrov",
     "Petrova Ivana", "ООО «Ромашка»", "Romashka LLC", "Romashka", "Acme Trading Co., Ltd.",
     "ACME TRADING", "acmetrading", "习近平", "Xi Jinping", "MV Ocean Star", "Ocean Star II",
     "Ocean Star 2", "", " ", "\x00", "LuckyStar", "luckystar", "Lucky Star"]
)  # fmt: skip
ROWS = st.lists(
    st.tuples(
        st.one_of(NAMES, st.text(max_size=20)),
        st.one_of(NAMES, st.text(max_size=20)),
        st.sampled_from(sorted(SCHEMAS)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS)
def test_equals_compare_on_any_rows(rows: list[tuple[str, str, str]]) -> None:
    expected = [compare(a, b, s).score for a, b, s in rows]
    scores = PairScorer().score([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    assert scores.tolist() == expected
    # and again through the long-lived memo, the other way round
    swapped = score_pairs([r[1] for r in rows], [r[0] for r in rows], [r[2] for r in rows])
    assert swapped.tolist() == [compare(b, a, s).score for a, b, s in rows]


def test_equals_compare_on_generated_pairs() -> None:
    pairs = sample(600, seed=3)
    scores = score_pairs(
        [p.name1 for p in pairs], [p.name2 for p in pairs], [p.schema for p in pairs]
    )
    assert scores.dtype == np.float64
    assert scores.tolist() == [compare(p.name1, p.name2, p.schema).score for p in pairs]
    assert 0 < (scores >= 0.5).sum() < len(pairs)  # both matches and non-matches among them


def test_order_is_kept_and_one_schema_serves_all_rows() -> None:
    left = ["Acme Trading Ltd", "Zeta Logistics", "ACME TRADING", "Acme Tradng"]
    right = ["Acme Trading", "Acme Trading", "Zeta Logistics", "acme trading"]
    forward = score_pairs(left, right, "Company")
    backward = score_pairs(left[::-1], right[::-1], "Company")
    assert forward.tolist() == backward.tolist()[::-1]
    assert forward.tolist() == [
        compare(a, b, "Company").score for a, b in zip(left, right, strict=True)
    ]
    assert forward[0] > 0.9 > forward[1]


def test_arrow_and_numpy_columns() -> None:
    left, right = ["Ivan Petrov", "Maria Lopez"], ["Petrov Ivan", "Mario Lopez"]
    expected = [compare(a, b, "Person").score for a, b in zip(left, right, strict=True)]
    assert score_pairs(pa.array(left), pa.chunked_array([right]), "Person").tolist() == expected
    assert score_pairs(np.array(left), np.array(right), np.array(["Person"] * 2)).tolist() == (
        expected
    )


def test_empty_input() -> None:
    scores = score_pairs([], [], [])
    assert scores.dtype == np.float64 and len(scores) == 0
    empty = pa.array([], type=pa.string())
    assert score_arrow(empty, empty, empty).to_pylist() == []


def test_nulls() -> None:
    # score_pairs reads a missing name as compare() reads a non-text: an empty name, score 0
    scores = score_pairs([None, "Acme", None], ["Acme", None, None], [None, "Company", "Vessel"])
    assert scores.tolist() == [0.0, 0.0, 0.0]
    assert score_pairs(["Ivan Petrov"], ["Petrov Ivan"], [None]).tolist() == [
        compare("Ivan Petrov", "Petrov Ivan").score  # a null schema is compare()'s default
    ]
    # the Arrow function (the body of the SQL function): NULL in, NULL out
    out = score_arrow(
        pa.array(["Acme Ltd", None, "Acme Ltd", "Acme Ltd"]),
        pa.array(["ACME LIMITED", "Acme", None, "Acme Limited"]),
        pa.array(["Company", "Company", "Company", None]),
    )
    assert out.to_pylist() == [
        compare("Acme Ltd", "ACME LIMITED", "Company").score,
        None,
        None,
        None,
    ]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        score_pairs(["a"], ["b"], "Ship")
    with pytest.raises(ValueError, match="against"):
        score_pairs(["a", "b"], ["b"], "Person")


def test_duckdb_function_through_sql() -> None:
    con = duckdb.connect()
    register_duckdb(con)
    register_duckdb(con)  # a second registration is a no-op, not an error
    rows = [
        ("Acme Trading Co., Ltd.", "ACME TRADING", "Company"),
        ("Ivan Petrov", "Petrov Ivan", "Person"),
        ("Ocean Star", "Ocean Star II", "Vessel"),
        (None, "Acme", "Company"),
        ("Acme", "Acme", None),
    ]
    con.execute("CREATE TABLE t (i INT, a VARCHAR, b VARCHAR, s VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])
    got = con.execute("SELECT name_score(a, b, s) FROM t ORDER BY i").fetchall()
    expected = [compare(a, b, s).score if a and b and s else None for a, b, s in rows]
    assert [g[0] for g in got] == expected
    # over more rows than one DuckDB vector (2,048), with repeats
    got_many = con.execute(
        "SELECT name_score('acme ' || (x % 50)::VARCHAR, 'acme ' || (x % 7)::VARCHAR, 'Company') "
        "FROM range(5000) r(x) ORDER BY x"
    ).fetchall()
    assert [g[0] for g in got_many] == [
        compare(f"acme {x % 50}", f"acme {x % 7}", "Company").score for x in range(5000)
    ]


def test_splink_name_score_levels() -> None:
    spec = {"column": "name_norm", "kind": "name", "tf": True, "name_score": True}
    settings_ = build_comparison(spec).get_comparison("duckdb").as_dict()
    labels = [level["label_for_charts"] for level in settings_["comparison_levels"]]
    assert labels[-4:] == [
        name_score_label("name_norm", 0.95),
        name_score_label("name_norm", 0.8),
        name_score_label("name_norm", 0.5),
        "All other comparisons",
    ]
    sql = settings_["comparison_levels"][-2]["sql_condition"]
    con = duckdb.connect()
    register_duckdb(con)
    left, right = "acme trading", "acme tradng"
    hit = con.execute(
        f"SELECT {sql} FROM (SELECT ? AS name_norm_l, ? AS name_norm_r)", [left, right]
    ).fetchall()[0][0]
    assert hit is True
    # the live matcher reads the same level back from its label
    test = level_predicate(name_score_label("name_norm", 0.95), "name_norm")
    assert test({"name_norm": left}, {"name_norm": right}) == (
        compare(left, right, "LegalEntity").score >= 0.95
    )
    assert not test({"name_norm": "acme"}, {"name_norm": None})


def test_jaro_winkler_levels_stay_the_default() -> None:
    from redlane.resolve.splink_model import load_settings

    name = next(c for c in load_settings()["comparisons"] if c["kind"] == "name")
    assert name.get("name_score") is False
    levels = build_comparison(name).get_comparison("duckdb").as_dict()["comparison_levels"]
    assert not any("name_score" in str(level.get("sql_condition")) for level in levels)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_function_is_the_same() -> None:
    from redlane.engine.spark import spark_session
    from redlane.resolve.spark_scoring import register_similarity_functions

    spark = spark_session()
    register_similarity_functions(spark)
    rows = [
        ("Acme Trading Co., Ltd.", "ACME TRADING", "Company"),
        ("Ivan Petrov", "Petrov Ivan", "Person"),
        (None, "Acme", "Company"),
    ]
    frame = spark.createDataFrame(rows, "a string, b string, s string")
    frame.createOrReplaceTempView("name_pairs")
    got = [r[0] for r in spark.sql("SELECT name_score(a, b, s) FROM name_pairs").collect()]
    assert got == [compare(a, b, s).score if a else None for a, b, s in rows]
