"""The labelled-pair sources: labels from data and conventions this project did not write."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from redlane.names.training import evaluate
from redlane.names.training.pairs import Pair
from redlane.names.training.sources import SOURCES, collect, conventions, pair_key
from redlane.names.training.sources.lexicon import name_symbols
from redlane.names.training.sources.nicknames import _formal
from redlane.names.training.sources.rigour_orgs import legal_forms, ordinals

N = 160


@pytest.fixture(scope="module")
def collected() -> dict[str, list[Pair]]:
    return collect(N, seed=3)


def test_every_source_gives_both_labels_and_names_itself(
    collected: dict[str, list[Pair]],
) -> None:
    assert set(collected) == set(SOURCES)
    for source, pairs in collected.items():
        assert len(pairs) > N // 3, source
        assert {p.label for p in pairs} == {0, 1}, source
        assert {p.source for p in pairs} == {source}
        assert all(p.name1.strip() and p.name2.strip() and p.kind for p in pairs), source


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_sources_are_deterministic_per_seed(source: str) -> None:
    make = SOURCES[source]
    assert make(60, 1) == make(60, 1)
    assert make(60, 1) != make(60, 2)


def test_no_pair_is_in_two_sources(collected: dict[str, list[Pair]]) -> None:
    owner: dict[tuple[str, str, str], str] = {}
    for source, pairs in collected.items():
        for pair in pairs:
            key = pair_key(pair)
            assert owner.setdefault(key, source) == source, (pair, owner[key])
    # and the key ignores order and case, so a swapped copy counts as the same pair
    p = Pair("Person", "Anna Lang", "LANG Anna", 1, "order", "lang", "x")
    q = Pair("Person", "lang anna", "Anna Lang", 1, "order", "lang", "y")
    assert pair_key(p) == pair_key(q)


def test_pair_keeps_its_old_positional_form() -> None:
    assert Pair("Person", "a", "b", 1, "typo", "g").source == "generator"


def test_rigour_labels_hand_checked() -> None:
    # Wikidata: Leonid in Latin and Cyrillic is one given-name item; Ivan and Olga are not.
    assert name_symbols("Leonid")[0] & name_symbols("Леонид")[0]
    assert not name_symbols("Ivan")[0] & name_symbols("Olga")[0]
    assert ("Gesellschaft mit beschränkter Haftung", "GmbH") in legal_forms()
    assert ("Limited Liability Company", "LLC") in legal_forms()
    three = dict(ordinals())[3]
    assert {"III", "3rd", "Third"} <= set(three)
    assert "Bob" in dict(_formal())["Robert"]


def test_wikidata_pairs_follow_the_items(collected: dict[str, list[Pair]]) -> None:
    for pair in collected["wikidata_names"]:
        if pair.label == 1:  # word by word, each the same letters or sharing an item
            first, second = pair.name1.split(), pair.name2.split()
            if pair.kind.endswith("+order"):
                second = second[::-1]
            for a, b in zip(first, second, strict=True):
                assert a.lower() == b.lower() or name_symbols(a)[0] & name_symbols(b)[0], pair
        if pair.kind == "same_family":  # given names share no item
            g1, g2 = pair.name1.split()[0], pair.name2.split()[0]
            assert not name_symbols(g1)[0] & name_symbols(g2)[0], pair


def test_convention_labels_hand_checked() -> None:
    rng = random.Random(0)
    seen: set[str] = set()
    for _ in range(300):
        a, b, label, kind, _ = conventions.somali(rng)
        seen.add(kind)
        if kind == "chain_order":  # the same three names, another father: another person
            assert sorted(a.split()) == sorted(b.split()) and a != b and label == 0
        if kind == "grandfather_dropped":
            assert b.split() == a.split()[:2] and label == 1
    assert {"chain_order", "orthography", "grandfather_differs"} <= seen
    for _ in range(200):
        a, b, label, kind, _ = conventions.generational(rng)
        assert (label == 1) == (kind == "suffix_form")
        if "Jr" in a.split()[-1] or a.endswith("Junior"):
            assert label == (0 if ("Sr" in b or "Senior" in b) else 1)
    for _ in range(200):
        a, b, label, kind, _ = conventions.east_slavic(rng)
        if kind == "patronymic_order":
            assert sorted(a.split()) == sorted(b.split()) and label == 1


def test_evaluate_by_source_reports_every_source(tmp_path: Path) -> None:
    out = tmp_path / "by_source.json"
    evaluate.main(["--by-source", "--pairs-per-source", "150", "--json", str(out)])
    report = json.loads(out.read_text())
    assert set(report["sources"]) == set(SOURCES)
    for r in report["sources"].values():
        held = r["held_out"]
        assert 0.0 <= held["all"]["f1"] <= 1.0 and held["families"] and held["kinds"]
        assert "f1" in held["baseline"]


def test_nicknames_package_source_when_installed() -> None:
    pytest.importorskip("nicknames")
    from redlane.names.training.sources import nickname_list

    assert nickname_list.SOURCE in SOURCES
    assert "Gus" in dict(nickname_list._table())["Augustus"]
    pairs = nickname_list.pairs(200, seed=1)
    assert {p.label for p in pairs} == {0, 1}
    for pair in pairs:
        if pair.kind == "nickname":  # same family name, the nickname is listed for the formal
            formal, nick = pair.name1.split()[0], pair.name2.split()[0]
            assert nick in dict(nickname_list._table())[formal]
