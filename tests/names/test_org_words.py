"""Organisation names: acronyms, abbreviations, distinctive vs generic words (org_words.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redlane.names import compare
from redlane.names.align import FEATURES
from redlane.names.compare import feature_vector, stated_logit
from redlane.names.org_words import (
    abbreviates,
    acronym_run,
    org_words,
    same_stem,
)
from redlane.names.prepare import prepare

# (schema, name1, name2, same name?, what it tests). Cases are written from the conventions
# (initialisms, dotted and contracted abbreviations), not taken from any benchmark.
ORG_CASES: list[tuple[str, str, str, bool, str]] = [
    ("Company", "International Business Machines", "IBM", True, "acronym"),
    ("Company", "International Business Machines Corporation", "IBM Corp", True, "+ legal"),
    ("Company", "International Business Machines", "I.B.M.", True, "dotted acronym"),
    ("Company", "International Business Machines", "I B M", True, "spaced acronym"),
    ("Company", "I B M", "IBM", True, "spaced vs joined letters"),
    ("Company", "Drop Itself PJSC", "D.I. PJSC", True, "dotted acronym spelling a connector"),
    ("Company", "Santorio Enterprises", "Santorio-Ent.", True, "dotted prefix after a hyphen"),
    ("Organization", "North Atlantic Treaty Organization", "NATO", True, "acronym"),
    ("Organization", "World Health Organization", "W.H.O.", True, "acronym of generic words"),
    ("Company", "Bank of America Corp", "BOA Corp", True, "acronym spelling the connector"),
    ("Company", "Bank of America Corp", "BA Corp", True, "acronym skipping the connector"),
    ("Company", "Intl Bus. Machines", "International Business Machines", True, "dotted prefix"),
    ("Company", "Acme Manufacturing Co", "Acme Mfg Co", True, "contraction"),
    ("Company", "Standard Chartered Bank", "Std Chartered Bank", True, "contraction"),
    ("Company", "Acme Trading International Ltd", "International Acme Trading Ltd", True, "order"),
    ("Company", "Acme Holdings Group Ltd", "Acme Ltd", True, "generic words dropped"),
    ("Company", "Zenith Trading", "Zenith International Trading Group", True, "generic added"),
    ("Company", "Acme Bank", "Acme Banking Corporation", True, "word form"),
    ("Company", "Acme Industry Ltd", "Acme Industries Ltd", True, "word form, y to ies"),
    ("Company", "International Business Machines", "IBN", False, "acronym one letter off"),
    ("Company", "International Business Machines", "XBM", False, "acronym first letter off"),
    ("Company", "Sun Trading Ltd", "Sunshine Trading Ltd", False, "undotted prefix: a word"),
    ("Company", "Star Trading Ltd", "Stellar Trading Ltd", False, "vowels: no contraction"),
    ("Company", "Apex International Trading", "Summit International Trading", False, "generic"),
    ("Company", "Apex Trading", "Summit Trading International", False, "generic added too"),
]


@pytest.mark.parametrize(
    ("schema", "name1", "name2", "same", "note"),
    ORG_CASES,
    ids=[f"{c[4]}:{c[1]}|{c[2]}" for c in ORG_CASES],
)
def test_org_case(schema: str, name1: str, name2: str, same: bool, note: str) -> None:
    result = compare(name1, name2, schema)
    assert result.match is same, f"{note}: {result}"
    assert compare(name2, name1, schema).score == result.score


@pytest.mark.parametrize(
    ("name1", "name2", "reason"),
    [
        ("International Business Machines", "IBM", "acronym"),
        ("Acme Manufacturing Co", "Acme Mfg Co", "abbreviation"),
        ("Intl Bus. Machines", "International Business Machines", "abbreviation"),
        ("I B M", "IBM", "joined words"),
        ("Acme Bank", "Acme Banking", "word form"),
    ],
)
def test_org_reasons(name1: str, name2: str, reason: str) -> None:
    assert reason in compare(name1, name2, "Company").reasons


def test_persons_get_no_acronyms() -> None:
    """Initials of a person are the initials pass's business, not acronyms."""
    assert prepare("J R Smith", "person").org is None
    assert prepare("Ocean Star", "vessel").org is None
    assert prepare("IBM", "entity").org is not None


def test_org_words_finds_acronyms_and_abbreviations() -> None:
    words = prepare("I B M Mfg Bus. Co", "org").tokens
    info = org_words(words, frozenset({"bus"}), frozenset())
    assert (0, 2, "ibm") in info.acronyms
    texts = [w.text for w in words]
    assert {texts[i] for i in info.abbreviations} == {"mfg", "bus"}
    assert "co" not in {text for _, _, text in info.acronyms}  # a generic word, not an acronym


@pytest.mark.parametrize(
    ("short", "long", "dotted", "expected"),
    [
        ("mfg", "manufacturing", False, True),
        ("std", "standard", False, True),
        ("mgmt", "management", False, True),
        ("bus", "business", True, True),
        ("bus", "business", False, False),  # undotted prefix: "Sun" is not "Sunshine"
        ("star", "stellar", False, False),  # vowels after the first letter: not a contraction
        ("mfg", "mfgs", False, False),  # the long word must be two letters longer
        ("xfg", "manufacturing", False, False),
        ("ms", "mister", True, False),  # too short
    ],
)
def test_abbreviates(short: str, long: str, dotted: bool, expected: bool) -> None:
    assert abbreviates(short, long, dotted) is expected


@pytest.mark.parametrize(
    ("short", "long", "expected"),
    [
        ("bank", "banking", True),
        ("product", "products", True),
        ("industry", "industries", True),
        ("industry", "industrial", True),
        ("star", "stars", True),
        ("sun", "suns", False),  # too short to say
        ("bank", "bankrupt", False),  # not a suffix
        ("mart", "martin", False),
    ],
)
def test_same_stem(short: str, long: str, expected: bool) -> None:
    assert same_stem(short, long) is expected


def test_acronym_run_connectors_and_numbers() -> None:
    words = prepare("Bank of America 3 Mining", "org").tokens
    free = [True] * len(words)
    assert acronym_run("boa", words, free) == [0, 1, 2]
    assert acronym_run("ba", words, free) == [0, 1, 2]
    assert acronym_run("b", words, free) is None  # one spelled word is no acronym
    assert acronym_run("am", words, free) is None  # a number breaks the run
    assert acronym_run("ba", words, [True, True, False, True, True]) is None


def _distinctive_min(name1: str, name2: str) -> float:
    x, _ = feature_vector(prepare(name1, "org"), prepare(name2, "org"))
    return x[FEATURES.index("distinctive_min")]


def test_distinctive_share() -> None:
    assert _distinctive_min("Acme Global Trading", "Acme") == 1.0  # generic words dropped
    assert _distinctive_min("Acme Global Trading", "Apex Global Trading") == 0.0
    # a name with no distinctive word falls back to its coverage
    assert _distinctive_min("Global Trading", "International Trading") == 0.5


def test_two_letter_acronym_alone_is_weak() -> None:
    """Two letters are two initials: alone they still match the name they spell, but less
    surely than three letters or than two letters with a distinctive word that agrees."""
    alone = compare("JP Trading", "Jade Pearl Trading", "Company")
    three = compare("JPM Trading", "Jade Pearl Moon Trading", "Company")
    backed = compare("JP Star Trading", "Jade Pearl Star Trading", "Company")
    assert alone.match and "acronym" in alone.reasons
    assert alone.score < three.score and alone.score < backed.score
    # the stated evidence: one letter of an acronym fewer than the model was fitted on
    _, weak = feature_vector(prepare("JP Trading", "org"), prepare("Jade Pearl Trading", "org"))
    _, strong = feature_vector(prepare("JP Star", "org"), prepare("Jade Pearl Star", "org"))
    assert stated_logit(weak) == -math.log(26) and stated_logit(strong) == 0.0


def test_a_lone_two_letter_acronym_yields_to_other_differences() -> None:
    """An extra word or a person's missing family name outweighs two initials."""
    assert not compare("MA", "Muhammad Ali Khan", "LegalEntity").match
    assert not compare("JS Trading", "John Smith", "LegalEntity").match
    assert compare("MA Khan", "Muhammad Ali Khan", "LegalEntity").match  # Khan backs it


def test_two_letter_acronym_stays_symmetric_and_distinct() -> None:
    """Weak or not, the pair stays symmetric and a distinctive word that differs still tells
    two names apart."""
    for a, b in [("JP Trading", "Jade Pearl Trading"), ("UN", "United Nations")]:
        assert compare(a, b, "Company").score == compare(b, a, "Company").score
    assert not compare("JP Star Trading", "Jade Pearl Moon Trading", "Company").match


@pytest.mark.parametrize(
    ("name", "acronym"),
    [
        ("Go Travel Ltd", False),  # written as a word in a name that uses capitals
        ("GoTravel Ltd", False),
        ("GO Travel Ltd", True),
        ("GO TRAVEL LTD", True),  # one case throughout: case says nothing
        ("go travel ltd", True),
        ("G.O. Travel Ltd", True),
        ("Jp Morgan", False),
        ("JP Morgan", True),
    ],
)
def test_two_letter_words_in_small_letters_are_no_acronyms(name: str, acronym: bool) -> None:
    info = prepare(name, "org").org
    assert info is not None
    assert any(letters == "go" or letters == "jp" for _, _, letters in info.acronyms) is acronym


WORD = st.sampled_from(
    ["International", "Business", "Machines", "IBM", "I.B.M.", "I", "B", "M", "of", "and", "Mfg",
     "Manufacturing", "Bus.", "Corp", "Ltd", "Co", "3", "&", "ÉDF", "Électricité", "Ромашка",
     "JP", "Jp", "Jade", "Pearl", "Go", "GO", "II", "Fund", "LP"]
)  # fmt: skip
ORG_NAMES = st.one_of(st.text(max_size=30), st.lists(WORD, max_size=7).map(" ".join))
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(a=ORG_NAMES, b=ORG_NAMES, schema=st.sampled_from(["Company", "LegalEntity"]))
def test_org_passes_never_raise_and_are_symmetric(a: str, b: str, schema: str) -> None:
    ab, ba = compare(a, b, schema), compare(b, a, schema)
    assert ab.score == ba.score
    assert 0.0 <= ab.score <= 1.0


@SETTINGS
@given(name=ORG_NAMES, letters=st.text(min_size=1, max_size=8))
def test_classifier_and_matcher_never_raise(name: str, letters: str) -> None:
    words = prepare(name, "org").tokens
    info = org_words(words, frozenset(w.text for w in words), frozenset({letters}))
    assert all(first <= last < len(words) for first, last, _ in info.acronyms)
    run = acronym_run(letters.lower(), words, [True] * len(words))
    assert run is None or all(0 <= k < len(words) for k in run)
    for w in words:
        abbreviates(w.text, letters, True)
        same_stem(w.text, letters)
        same_stem(letters, w.text)


def test_org_word_pairs_are_appended_and_labelled() -> None:
    from redlane.names.training.pairs import generate

    pairs = generate("org", 800, seed=5)
    assert pairs == generate("org", 800, seed=5)
    org = [p for p in pairs if p.kind.startswith("org_")]
    kinds = {p.kind: p.label for p in org}
    assert kinds["org_acronym"] == 1 and kinds["org_near_acronym"] == 0
    assert kinds["org_distinctive_differs"] == 0 and kinds["org_reorder"] == 1
    # one block appended after the other generators' pairs, which it leaves unchanged
    at = [i for i, p in enumerate(pairs) if p.kind.startswith("org_")]
    assert at == list(range(at[0], at[0] + len(at))) and at[0] > 0
