"""The genuine line a parcel is compared with: the cheapest, and the same one on every run."""

from __future__ import annotations

import itertools

import duckdb

from redlane.targeting.sql import LINE_BY_BRAND_SQL, LINE_BY_HS6_SQL

# Two brands' lines at the same lowest price for one HS6, and two lines of one brand tied too.
_LINES = [
    ("B2", "640399", "sneakers", 80.0, 200.0),
    ("B1", "640399", "trainers", 80.0, 150.0),
    ("B1", "640399", "boots", 120.0, 400.0),
    ("B3", "420221", "handbags", 300.0, 900.0),
    ("B3", "420222", "wallets", 300.0, 500.0),
]


def _cheapest(rows: list[tuple[str, str, str, float, float]]) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE product_lines (brand_id VARCHAR, hs6 VARCHAR, product_line VARCHAR,"
        " price_min DECIMAL(12, 2), price_max DECIMAL(12, 2))"
    )
    con.executemany("INSERT INTO product_lines VALUES (?, ?, ?, ?, ?)", rows)
    by_hs6 = con.sql(f"SELECT * FROM ({LINE_BY_HS6_SQL}) ORDER BY hs6").fetchall()
    by_brand = con.sql(f"SELECT * FROM ({LINE_BY_BRAND_SQL}) ORDER BY brand_id").fetchall()
    return by_hs6, by_brand


def test_ties_for_the_cheapest_line_go_to_the_smallest_brand_then_line():
    by_hs6, by_brand = _cheapest(_LINES)
    assert by_hs6 == [
        ("420221", 300.0, 900.0, "B3", "handbags"),
        ("420222", 300.0, 500.0, "B3", "wallets"),
        ("640399", 80.0, 400.0, "B1", "trainers"),
    ]
    assert by_brand == [
        ("B1", 80.0, 400.0, "trainers"),
        ("B2", 80.0, 200.0, "sneakers"),
        ("B3", 300.0, 900.0, "handbags"),
    ]


def test_the_answer_does_not_depend_on_the_order_lines_were_loaded():
    first = _cheapest(_LINES)
    for order in itertools.permutations(_LINES):
        assert _cheapest(list(order)) == first
