"""The name comparison's "same family word, other names" level: two people who share a family
name and differ in every other name are evidence against a match, where Jaro-Winkler rewarded
the shared prefix; the live matcher and Spark read the level as DuckDB's SQL does."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redlane.resolve.live import level_predicate, signature_of
from redlane.resolve.splink_model import OTHER_GIVEN_LABEL, build_comparison, other_given_sql

CASES = [
    # another person of one family name (Jaro-Winkler passed each at 0.85 or more)
    ("Liu Xiufang", "Liu Nan", True),
    ("John Smith", "Jane Smith", True),
    ("Nguyen Van Duc", "Nguyen Van Minh", True),
    ("John Michael Smith", "John David Smith", True),
    ("Mohammed Ali", "Mohammed Khan", True),
    ("Wang Wei", "Wang Weiming", True),
    # two firms of one family's name: one word another
    ("Phuong Nam Garment", "Phuong Nam Freight", True),
    # one person written differently: a typo, a spelling, an initial, a name dropped
    ("Jonathan Smith", "Jonathon Smith", False),
    ("Mohammed Ali", "Muhammad Ali", False),
    ("John Smith", "J. Smith", False),
    ("John A. Smith", "John B. Smith", False),
    ("John Robert Smith", "John Smith", False),
    ("Meibai Logistics", "Xiamen Meibai Logistics", False),
    ("Chen Jie", "Chen Jing", False),  # two edits of four letters: read as a typo
    # nothing shared, or one word: other levels decide
    ("Liu Nan", "Wang Fang", False),
    ("Liu Nan", "Nan Liu", False),
    ("Liu", "Liu Nan", False),
    ("Liu Nan", "Liu Nan", False),
]


def _sql_levels(pairs: list[tuple[str | None, str | None]]) -> list[bool]:
    con = duckdb.connect()
    con.execute("CREATE TABLE n (name_norm_l VARCHAR, name_norm_r VARCHAR, k INTEGER)")
    con.executemany("INSERT INTO n VALUES (?, ?, ?)", [(a, b, k) for k, (a, b) in enumerate(pairs)])
    rows = con.execute(
        f"SELECT coalesce({other_given_sql('name_norm')}, false) FROM n ORDER BY k"
    ).fetchall()
    return [bool(r[0]) for r in rows]


@pytest.mark.parametrize(("left", "right", "other"), CASES)
def test_another_name_of_one_family_falls_in_the_level_in_sql_and_live(
    left: str, right: str, other: bool
) -> None:
    q, c = signature_of({"name": left}), signature_of({"name": right})
    pair = (q["name_norm"], c["name_norm"])
    assert _sql_levels([pair, pair[::-1]]) == [other, other]  # symmetric
    assert level_predicate(OTHER_GIVEN_LABEL, "name_norm")(q, c) is other


WORDS = st.sampled_from(["liu", "nan", "xiufang", "li", "j", "smith", "jon", "john", "van", "a"])
NAMES = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=20))
def test_the_live_matcher_reads_the_level_as_the_sql_does(pairs: list[tuple[str, str]]) -> None:
    live = level_predicate(OTHER_GIVEN_LABEL, "name_norm")
    expected = [live({"name_norm": a}, {"name_norm": b}) for a, b in pairs]
    assert _sql_levels(list(pairs)) == expected


def test_the_level_comes_after_the_exact_levels_and_before_jaro_winkler() -> None:
    from redlane.resolve.splink_model import load_settings

    name = next(c for c in load_settings()["comparisons"] if c["kind"] == "name")
    levels = build_comparison(name).get_comparison("duckdb").as_dict()["comparison_levels"]
    labels = [level.get("label_for_charts", "") for level in levels]
    at = labels.index(OTHER_GIVEN_LABEL)
    assert all(label.startswith("Exact match") for label in labels[1:at])
    assert labels[at + 1].startswith("Jaro-Winkler")
    assert levels[at]["m_probability"] / levels[at]["u_probability"] < 1, "evidence against"


@pytest.mark.spark
@pytest.mark.slow
def test_spark_reads_the_level_as_duckdb_does() -> None:
    from redlane.engine.spark import spark_session
    from redlane.resolve.spark_scoring import register_similarity_functions

    spark = spark_session()
    register_similarity_functions(spark)
    pairs = [
        (signature_of({"name": a})["name_norm"], signature_of({"name": b})["name_norm"])
        for a, b, _ in CASES
    ]
    frame = spark.createDataFrame(
        [(a, b, k) for k, (a, b) in enumerate(pairs)],
        "name_norm_l string, name_norm_r string, k int",
    )
    frame.createOrReplaceTempView("name_pairs")
    sql = other_given_sql("name_norm", "spark")
    got = [
        bool(r[0])
        for r in spark.sql(f"SELECT coalesce({sql}, false) FROM name_pairs ORDER BY k").collect()
    ]
    assert got == _sql_levels(pairs) == [other for _, _, other in CASES]
