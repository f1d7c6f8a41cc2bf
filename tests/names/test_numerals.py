"""Numbers written as digits, English words, ordinals and Roman numerals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from redlane.names import compare
from redlane.names.numerals import (
    cardinal_run,
    number_value,
    ordinal_value,
    roman_is_unambiguous,
    roman_of,
    roman_value,
    words_of,
)
from redlane.names.prepare import prepare


@given(st.integers(min_value=0, max_value=999))
def test_words_round_trip(value: int) -> None:
    words = words_of(value)
    assert cardinal_run(words, 0) == (value, len(words))
    # hyphenated tens ("twenty-one") tokenise to the same words
    assert cardinal_run(["Ship", *(w.title() for w in words)], 1) == (value, len(words))


@given(st.integers(min_value=1, max_value=39))
def test_roman_round_trip_i_to_xxxix(value: int) -> None:
    numeral = roman_of(value)
    assert roman_value(numeral) == value
    assert roman_value(numeral.upper()) == value
    if len(numeral) >= 2 and numeral not in ("vi", "xi"):
        assert roman_is_unambiguous(numeral)
        assert number_value(numeral) == value


@given(st.integers(min_value=1, max_value=3999))
def test_roman_round_trip_all(value: int) -> None:
    assert roman_value(roman_of(value)) == value


@given(st.text(max_size=12))
def test_number_value_never_raises(text: str) -> None:
    value = number_value(text)
    assert value is None or value >= 0
    assert cardinal_run(text.split(), 0) is None or text.split()


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("seven", 7), ("Third", 3), ("3rd", 3), ("21st", 21), ("xiv", 14), ("III", 3)],
)
def test_number_value(text: str, value: int) -> None:
    assert number_value(text) == value


@pytest.mark.parametrize("text", ["iiii", "vx", "civil", "il", "mill", ""])
def test_not_roman(text: str) -> None:
    assert roman_value(text) is None


@pytest.mark.parametrize("text", ["vi", "xi", "v", "i", "x", "li", "mix"])
def test_names_are_not_read_as_numerals(text: str) -> None:
    assert number_value(text) is None


def test_ordinal_value() -> None:
    assert ordinal_value("twentieth") == 20
    assert ordinal_value("twenty") is None


def test_compound_number_is_one_token() -> None:
    tokens = prepare("Ocean Twenty-One", "vessel").tokens
    assert [t.numeric for t in tokens] == [False, True]
    assert "NUM:21" in tokens[1].symbols


@pytest.mark.parametrize(
    ("name1", "name2", "schema", "same"),
    [
        ("Star 7", "Star Seven", "Vessel", True),
        ("Star 7", "Star VII", "Vessel", True),
        ("Star 7", "Star 8", "Vessel", False),
        ("Star 7", "Star Eight", "Vessel", False),
        ("Star Seven", "Star Eight", "Vessel", False),
        ("Pacific Star 21", "Pacific Star Twenty One", "Vessel", True),
        ("Louis XIV", "Louis 14", "Person", True),
        ("Seven Seas Shipping", "7 Seas Shipping", "Company", True),
    ],
)
def test_numbers_in_names(name1: str, name2: str, schema: str, same: bool) -> None:
    result = compare(name1, name2, schema)
    assert result.match is same, result
    if same:
        assert "number written differently" in result.reasons


@pytest.mark.parametrize(
    ("words", "value"),
    [
        (["twenty", "first"], 21),
        (["Ninety", "Ninth"], 99),
        (["one", "hundred", "and", "third"], 103),
    ],
)
def test_compound_ordinals_read_as_their_number(words: list[str], value: int) -> None:
    assert cardinal_run(words, 0) == (value, len(words))


def test_compound_ordinal_matches_its_digits() -> None:
    from redlane.names import compare

    assert compare("Twenty First Century Fox", "21st Century Fox", "Company").match
    assert not compare("Twenty First Century Fox", "22nd Century Fox", "Company").match


@pytest.mark.parametrize(
    ("word", "value"),
    [("3e", 3), ("14eme", 14), ("3er", 3), ("5to", 5), ("8va", 8), ("5de", 5), ("12th", 12),
     ("vth", 5), ("xvith", 16), ("no1", 1), ("no.12", 12), ("nr5", 5)],
)  # fmt: skip
def test_written_ordinal_forms(word: str, value: int) -> None:
    """Ordinal indicators of English, French, Spanish, Italian, Dutch and German; a number
    marker glued to its digits."""
    assert number_value(word) == value


@pytest.mark.parametrize("word", ["le", "vie", "lie", "5a", "5o", "no", "number"])
def test_words_that_look_like_ordinals_are_not_numbers(word: str) -> None:
    assert number_value(word) is None


def test_a_number_marker_is_a_particle_before_a_number_only() -> None:
    from redlane.names import compare

    assert compare("Vaillant No. 6", "Vaillant 6th", "Vessel").match
    assert compare("Maillet 12e", "Maillet Number 12", "Vessel").match
    assert not compare("Tanguy 14to", "Tanguy No. 15", "Vessel").match
    number = prepare("Maillet Number 12", "vessel").tokens[1]
    plain = prepare("Number Cruncher", "vessel").tokens[0]
    assert number.generic and number.weight < plain.weight
