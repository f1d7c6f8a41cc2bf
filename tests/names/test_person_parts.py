"""Person names parsed into parts with roles, and what the roles change in ``compare``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redlane.names import compare
from redlane.names.compare import feature_vector
from redlane.names.person_parts import parse_person
from redlane.names.prepare import prepare


def roles(name: str) -> list[tuple[str, str]]:
    p = prepare(name, "person")
    assert p.parts is not None
    return [(t.text, r) for t, r in zip(p.tokens, p.parts.roles, strict=True)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Arabic nasab: bin/ibn opens the father's slot, a second one the grandfather's
        (
            "Mohammed bin Salman bin Abdulaziz Al Saud",
            [("mohammed", "given"), ("bin", "marker"), ("salman", "father"), ("bin", "marker"),
             ("abdulaziz", "grandfather"), ("al", "marker"), ("saud", "clan")],
        ),
        # South Asian s/o: every word after it is the father's name
        (
            "Gul Mohammad s/o Wali Mohammad",
            [("gul", "given"), ("mohammad", "family"), ("s", "marker"), ("o", "marker"),
             ("wali", "father"), ("mohammad", "father")],
        ),
        ("Sunita Devi w/o Ram Lal",
         [("sunita", "given"), ("devi", "family"), ("w", "marker"), ("o", "marker"),
          ("ram", "spouse"), ("lal", "spouse")]),
        # East Slavic patronymic, both orders
        ("Ivan Ivanovich Petrov",
         [("ivan", "given"), ("ivanovich", "father"), ("petrov", "family")]),
        ("Petrov Ivan Ivanovich",
         [("petrov", "family"), ("ivan", "given"), ("ivanovich", "father")]),
        ("Олена Петрівна Шевченко",
         [("olena", "given"), ("petrivna", "father"), ("shevchenko", "family")]),
        # Azerbaijani: oglu after the father's name
        ("Ilham Heydar oglu Aliyev",
         [("ilham", "given"), ("heydar", "father"), ("oglu", "marker"), ("aliyev", "family")]),
        # Icelandic
        ("Björk Guðmundsdóttir", [("bjork", "given"), ("gudmundsdottir", "father")]),
        # Pashtun tribe
        ("Ahmed Shah Ahmadzai", [("ahmed", "given"), ("shah", "family"), ("ahmadzai", "clan")]),
        # Generational suffixes
        ("John Smith III", [("john", "given"), ("smith", "family"), ("iii", "generation")]),
        ("Smith, John Jr.", [("smith", "family"), ("john", "given"), ("jr", "generation")]),
        # East Asian order
        ("Kim Jong-un", [("kim", "family"), ("jong", "given"), ("un", "middle")]),
        ("Jong Un Kim", [("jong", "given"), ("un", "middle"), ("kim", "family")]),
        ("Xi Jinping", [("xi", "family"), ("jinping", "given")]),
        # Ben as a given name is no marker
        ("Ben Smith", [("ben", "given"), ("smith", "family")]),
        ("John R. Smith", [("john", "given"), ("r", "initial"), ("smith", "family")]),
    ],
)  # fmt: skip
def test_parse(name: str, expected: list[tuple[str, str]]) -> None:
    assert roles(name) == expected


def test_generation_values() -> None:
    def generation(name: str) -> int:
        parts = prepare(name, "person").parts
        assert parts is not None
        return parts.generation

    assert generation("John Smith III") == generation("John Smith 3rd") == 3
    assert generation("John Smith Jr") == generation("John Smith Junior") == 2
    assert generation("John Smith Sr.") == 1
    assert generation("John Smith") == 0
    assert generation("Jinping Xi") == 0  # Xi is a name, not a numeral


def test_companies_have_no_parts() -> None:
    assert prepare("Acme Trading Ltd", "org").parts is None
    assert prepare("Acme Ltd", "entity").parts is None
    assert prepare("John Smith", "entity").parts is not None


@pytest.mark.parametrize(
    ("name1", "name2", "same", "reason"),
    [
        ("Mohammed bin Salman bin Abdulaziz", "Mohammed bin Nayef bin Abdulaziz", False,
         "father's name differs"),
        ("Gul Mohammad s/o Wali Mohammad", "Gul Mohammad s/o Noor Mohammad", False,
         "father's name differs"),
        ("Khalid bin Ahmed Al Nuaimi", "Khalid bin Ahmed Al Hashimi", False, "clan differs"),
        ("Ivan Ivanovich Petrov", "Ivan Sergeyevich Petrov", False, "father's name differs"),
        ("John Smith Jr.", "John Smith Sr.", False, "generation differs"),
        ("John Smith II", "John Smith III", False, "generation differs"),
        ("Kim Jong Un", "Jong Un Kim", True, "name order"),
        ("Smith, John", "John Smith", True, "name order"),
        ("Ivan Ivanovich Petrov", "Petrov Ivan Ivanovich", True, "word order"),
        ("Mohammed bin Salman", "Mohammed ibn Salman", True, "spelling variant"),
    ],
)  # fmt: skip
def test_compare_uses_structure(name1: str, name2: str, same: bool, reason: str) -> None:
    result = compare(name1, name2, "Person")
    assert result.match is same, result
    assert reason in result.reasons, result


def test_east_asian_given_syllable() -> None:
    """A Korean given name is its syllables together: one differing is another person."""
    assert not compare("Kim Jong Un", "Kim Jong Il", "Person").match
    assert compare("Kim Jong Un", "Kim Jong-un", "Person").match
    parts = prepare("Kim Jong Un", "person").parts
    assert parts is not None and parts.east_asian
    western = prepare("John Smith", "person").parts
    assert western is not None and not western.east_asian


def test_ancestor_added_to_a_chain_is_no_conflict() -> None:
    """One name skips an ancestor the other lists: the shared name moved slots, nothing was
    substituted, so no "father's name differs"."""
    result = compare("Osama bin Laden", "Osama bin Mohammed bin Laden", "Person")
    assert "father's name differs" not in result.reasons
    swapped = compare("Ahmed bin Hassan bin Ali", "Ahmed bin Ali bin Hassan", "Person")
    assert "father's name differs" in swapped.reasons and not swapped.match


def test_markers_weigh_as_particles() -> None:
    tokens = prepare("Gul Mohammad s/o Wali Mohammad", "person").tokens
    assert [t.generic for t in tokens] == [False, False, True, True, False, False]


def test_structure_changes_the_score() -> None:
    """A differing father's slot costs more than a differing plain middle word."""
    father = compare("Gul Mohammad s/o Wali Mohammad", "Gul Mohammad s/o Noor Mohammad", "Person")
    assert father.score < 0.2


_WORDS = st.sampled_from(
    ["bin", "ibn", "al", "s", "o", "w", "d", "jr", "sr", "iii", "xiv", "vi", "kim", "ivanovich",
     "ahmadzai", "oglu", "of", "son", "ben", "x", "3rd", "twenty", "one", "mohammed", "ali"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=8), st.booleans())
def test_parse_never_raises(words: list[str], comma: bool) -> None:
    parts = parse_person(tuple(words), comma)
    assert len(parts.roles) == len(words)
    assert all(parts.roles)


@settings(max_examples=100, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=6), st.lists(_WORDS, min_size=1, max_size=6))
def test_symmetric_and_self_match(a: list[str], b: list[str]) -> None:
    name1, name2 = " ".join(a), " ".join(b)
    assert compare(name1, name2, "Person").score == compare(name2, name1, "Person").score
    pa, pb = prepare(name1, "person"), prepare(name2, "person")
    if not pa.empty and not pb.empty:
        assert feature_vector(pa, pb)[0] == feature_vector(pb, pa)[0]
        assert compare(name1, name1, "Person").score >= 0.97


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_any_text_parses(text: str) -> None:
    prepare(text, "person")
    prepare(text, "entity")
