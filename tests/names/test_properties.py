"""Properties of ``compare`` on arbitrary Unicode: total, symmetric, reflexive, bounded."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from redlane.names import SCHEMAS, compare
from redlane.normalize._util import clean_text

NAME_PARTS = st.sampled_from(
    ["John", "Smith", "Jon", "J.", "Mr.", "ООО", "Ромашка", "习近平", "Xi", "Jinping", "Co., Ltd.",
     "GmbH", "Trading", "0", "1", "III", "M/V", "محمد", "Ltd. Şti.", "&", "-", " ", "有限公司"]
)  # fmt: skip
NAMES = st.one_of(
    st.text(max_size=40),
    st.lists(NAME_PARTS, max_size=6).map(" ".join),
    st.lists(NAME_PARTS, max_size=6).map("".join),
)
SCHEMA = st.sampled_from(sorted(SCHEMAS))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(a=NAMES, b=NAMES, schema=SCHEMA)
@example(a="", b="", schema="Person")
@example(a="\x00\ufffd", b="\u200b", schema="Company")
@example(a="x" * 5000, b="x" * 4999, schema="Vessel")
def test_never_raises_and_is_bounded(a: str, b: str, schema: str) -> None:
    result = compare(a, b, schema)
    assert 0.0 <= result.score <= 1.0
    assert result.match == (result.score >= 0.5)
    assert isinstance(result.reasons, list) and all(isinstance(r, str) for r in result.reasons)


@SETTINGS
@given(a=NAMES, b=NAMES, schema=SCHEMA)
@example(a="John Smith", b="Smith John", schema="Person")
@example(a="Wang Wei", b="Wei Wang Wei", schema="Person")
def test_symmetric(a: str, b: str, schema: str) -> None:
    assert compare(a, b, schema).score == compare(b, a, schema).score


@SETTINGS
@given(a=NAMES, schema=SCHEMA)
def test_a_name_matches_itself(a: str, schema: str) -> None:
    result = compare(a, a, schema)
    if clean_text(a) is None:  # nothing but spaces and control characters: no name at all
        assert result.score == 0.0
    else:
        assert result.score >= 0.95 and result.match


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_non_strings_are_no_names(schema: str) -> None:
    assert compare(None, "x", schema).score == 0.0  # type: ignore[arg-type]


INITIALS = st.lists(st.sampled_from("ABCDEFGHJKMNPRSTWÖŞ"), min_size=2, max_size=4)
FAMILY = st.sampled_from(["Khan", "Smith", "Öztürk", "Tolkien", "Nguyen"])


@SETTINGS
@given(letters=INITIALS, family=FAMILY, other=NAMES)
@example(letters=["M", "A"], family="Khan", other="Muhammad Ali Khan")
def test_joined_initials_score_as_spaced_ones(letters: list[str], family: str, other: str) -> None:
    """A person's initials written together ("M.A. Khan") are the same words as written apart
    ("M. A. Khan"), whatever the other name."""
    joined = "".join(f"{letter}." for letter in letters) + f" {family}"
    spaced = " ".join(f"{letter}." for letter in letters) + f" {family}"
    assert compare(joined, other, "Person").score == compare(spaced, other, "Person").score
