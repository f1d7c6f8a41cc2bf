"""The address comparison's "other house number" level: two houses are two addresses, whatever
else in them is alike, and the live matcher reads the level as Splink's SQL does."""

from __future__ import annotations

import duckdb
import pytest

from redlane.resolve.live import level_predicate, signature_of
from redlane.resolve.prepare import ADDRESS_LETTERS_SQL, ADDRESS_NUMBER_SQL
from redlane.resolve.splink_model import OTHER_NUMBER_LABEL, other_number_sql

CASES = [
    # one street, other numbers, other towns (the Jaro-Winkler level called them the same)
    (
        "Laleli Mahallesi, Merter Sokak No: 46, 16010 Bursa",
        "Laleli Mahallesi, Merter Sokak No: 24, 34169 İstanbul",
        True,
    ),
    (
        "Osmanbey Mahallesi İnönü Caddesi No: 111 06420 Ankara",
        "Osmanbey Mahallesi, İnönü Caddesi No: 143, 06420 Ankara",
        True,
    ),
    ("127 Tran Hung Dao Street, Hai Phong 180000", "15 Tran Hung Dao Street, Hanoi 100000", True),
    ("Hauptstraße 137, 20095 Hamburg", "Hauptstraße 114, 20095 Hamburg", True),
    ("12 Calle de Alcala, Madrid 28014", "14 Calle de Alcala, Madrid 28014", True),
    # one house written differently: not this level
    ("12 Calle de Alcala, Madrid 28014", "12 Calle de Alcalá, Madrid 28014", False),
    ("Via Garibaldi 63, 20121 Milano", "Via Garibaldi 63, 20121 Milan", False),
    # nothing alike: the else level, not this one
    ("5 Avinguda Diagonal, Barcelona 08019", "88 Keji Road, Nanshan, Shenzhen 518057", False),
]


def _sql_level(left: dict, right: dict) -> bool:
    con = duckdb.connect()
    con.execute("CREATE TABLE a (address_core_l VARCHAR, address_core_r VARCHAR)")
    con.execute("INSERT INTO a VALUES (?, ?)", [left["address_core"], right["address_core"]])
    sides = ", ".join(
        f"{sql.format(a=f'address_core_{side}')} AS {name}_{side}"
        for side in ("l", "r")
        for name, sql in (
            ("address_letters", ADDRESS_LETTERS_SQL),
            ("address_number", ADDRESS_NUMBER_SQL),
        )
    )
    row = con.execute(
        f"SELECT coalesce({other_number_sql('address_core')}, false) "
        f"FROM (SELECT *, {sides} FROM a)"
    ).fetchone()
    assert row is not None
    return bool(row[0])


@pytest.mark.parametrize(("left", "right", "other_house"), CASES)
def test_two_houses_fall_in_the_other_number_level_on_both_engines(
    left: str, right: str, other_house: bool
) -> None:
    q, c = signature_of({"address": left}), signature_of({"address": right})
    assert _sql_level(q, c) is other_house
    assert level_predicate(OTHER_NUMBER_LABEL, "address_core")(q, c) is other_house
    assert _sql_level(c, q) is other_house  # symmetric
