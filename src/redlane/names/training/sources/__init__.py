"""Labelled name pairs by source, for training and for source-held-out evaluation.

Each source is a module with ``SOURCE`` (its name) and ``pairs(n, seed) -> list[Pair]``:

* ``generator``: the project's own generator (robustness noise; ``training.pairs``);
* ``wikidata_names``: person names across scripts and spellings (rigour's Wikidata symbols);
* ``rigour_nicknames``: given names and nicknames (rigour's nickname sets);
* ``rigour_orgs``: legal forms long and short, ordinals and numbers (rigour's tables);
* ``conventions``: person names from documented naming conventions, one cited rule each;
* ``nicknames_package``: given names and nicknames from the ``nicknames`` package, listed
  only when that (optional) package is installed.

``collect`` builds them and drops any pair already given by an earlier source, so a pair held
out with one source is never trained on through another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from redlane.names.compare import SCHEMAS
from redlane.names.training.pairs import Pair
from redlane.names.training.sources import (
    conventions,
    generator,
    nickname_list,
    nicknames,
    rigour_orgs,
    wikidata_names,
)

__all__ = ["SOURCES", "collect", "pair_key"]

SOURCES: dict[str, Callable[[int, int], list[Pair]]] = {
    generator.SOURCE: generator.pairs,
    wikidata_names.SOURCE: wikidata_names.pairs,
    nicknames.SOURCE: nicknames.pairs,
    rigour_orgs.SOURCE: rigour_orgs.pairs,
    conventions.SOURCE: conventions.pairs,
}
if nickname_list.available():
    SOURCES[nickname_list.SOURCE] = nickname_list.pairs


def pair_key(pair: Pair) -> tuple[str, str, str]:
    """What makes two pairs the same question: the family and the two names, unordered."""
    a, b = sorted((pair.name1.casefold().strip(), pair.name2.casefold().strip()))
    return SCHEMAS[pair.schema], a, b


def collect(n: int, seed: int = 0, names: Iterable[str] | None = None) -> dict[str, list[Pair]]:
    """About ``n`` pairs from each named source (all by default), deduplicated across and
    within sources in ``SOURCES`` order."""
    wanted = list(SOURCES) if names is None else list(names)
    unknown = set(wanted) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown source(s) {sorted(unknown)}; expected some of {list(SOURCES)}")
    seen: set[tuple[str, str, str]] = set()
    out: dict[str, list[Pair]] = {}
    for name in SOURCES:
        if name not in wanted:
            continue
        kept = []
        for pair in SOURCES[name](n, seed):
            key = pair_key(pair)
            if key not in seen:
                seen.add(key)
                kept.append(pair)
        out[name] = kept
    return out
