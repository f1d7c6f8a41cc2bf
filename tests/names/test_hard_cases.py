"""The hand-written hard cases (never used for fitting) and the reasons they produce."""

from __future__ import annotations

import pytest

from redlane.names import SCHEMAS, NameScore, compare, family_of
from redlane.names.training.hard_cases import HARD_CASES


@pytest.mark.parametrize(
    ("schema", "name1", "name2", "same", "note"),
    HARD_CASES,
    ids=[f"{c[0]}:{c[4]}:{c[1]}|{c[2]}" for c in HARD_CASES],
)
def test_hard_case(schema: str, name1: str, name2: str, same: bool, note: str) -> None:
    result = compare(name1, name2, schema)
    assert result.match is same, f"{note}: {result}"
    assert result.match == (result.score >= 0.5)


@pytest.mark.parametrize(
    ("schema", "name1", "name2", "reason"),
    [
        ("Company", "ACME Co., Ltd.", "Acme Limited", "legal form differs only"),
        ("Company", "Acme Trading Co., Ltd.", "Acme Trading", "legal form differs only"),
        ("Person", "John Smith", "J. Smith", "initial matches"),
        ("Person", "Владимир Путин", "Vladimir Putin", "transliteration"),
        ("Person", "习近平", "Xi Jinping", "transliteration"),
        ("Person", "习近平", "Xi Jinping", "joined words"),
        ("Person", "John Smith", "Jon Smith", "one typo"),
        ("Person", "Jonathan Smith", "Jonathon Smyth", "typos"),
        ("Person", "John Smith", "Jonh Smith", "character swap"),
        ("Person", "John Smith", "Smith, John", "word order"),
        ("Person", "Robert Johnson", "Bob Johnson", "nickname"),
        ("Person", "Mr. John Smith", "John Smith", "title removed"),
        ("Person", "Maria Garcia", "Mario Garcia", "different ending"),
        ("Company", "G00GLE Store", "Google Store", "look-alike characters"),
        ("Company", "Lucky Star Trading", "Luckystar Trading", "joined words"),
        ("Company", "Lucky Star Trading", "LuckyStar Trading", "formatting differs only"),
        ("Company", "Global Sourcing International", "Global Sourcing Intl", "abbreviation"),
        ("Company", "TACTICAL MISSILES", "TACTICAL KITTENS", "different word"),
        ("Company", "Store 88 Ltd", "Store 99 Ltd", "number differs"),
        ("Person", "John Robert Smith", "John Smith", "extra word"),
        ("Person", "Acme", "Acme", "exact match"),
        ("Person", "John Smith", "Peter Brown", "no common words"),
        ("Company", "Acme Holdings Ltd", "Apex Holdings Ltd", "generic words only"),
    ],
)
def test_reasons(schema: str, name1: str, name2: str, reason: str) -> None:
    assert reason in compare(name1, name2, schema).reasons


def test_empty_names() -> None:
    assert compare("", "John Smith", "Person") == NameScore(0.0, False, ["empty name"])
    assert compare("...", "...", "Person").score == 1.0
    assert compare("", "", "Person").score == 0.0


def test_unknown_schema_raises() -> None:
    with pytest.raises(ValueError, match="unknown schema"):
        compare("a", "b", "Airplane")
    assert set(SCHEMAS) == {"Person", "Company", "Organization", "LegalEntity", "Vessel"}
    assert family_of("Organization") == "org"


def test_scores_are_graded() -> None:
    """Closer variants score higher: the score is a probability, not a flag."""
    exact = compare("Jonathan Smith", "Jonathan Smith", "Person").score
    one = compare("Jonathan Smith", "Jonathen Smith", "Person").score
    other = compare("Jonathan Smith", "Jonathan Brown", "Person").score
    assert exact > one > 0.5 > other
