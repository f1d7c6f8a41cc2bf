"""An imported FtM entity resolved to redlane's actors (``redlane case ftm-import --resolve``).

A list entry names one party as the lister knew it. Matched by its raw values, it flags whoever
shares any of them: every client of a forwarder whose warehouse address the listed party once
used, every namesake of a common name, the legitimate firm a front squats. Resolved, it flags the
actors the current resolution run judges it to be (live matching with the run's own model and
match threshold), and through them every identity resolution links to them later.

An entity that resolves to no actor keeps its identifier lists, less each value the run holds as
shared infrastructure (``resolve/infrastructure.py``: a forwarder's phone or address is a role,
not an identity) and each name the run sees on more than one actor (a common name alone would
flag every namesake).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from followthemoney.proxy import EntityProxy

from redlane.resolve.live import Candidate, LiveMatcher, signature_of
from redlane.resolve.splink_model import load_settings

# FtM property → (the live matcher's record key, the infrastructure kind of its normalised value).
IDENTIFIER_PROPS: Final = {
    "address": ("address", "address_core"),
    "phone": ("phone", "phone"),
    "email": ("email", "email"),
}
# Criteria list (cases.ftm.lookout_criteria) of each FtM property above.
CRITERIA_LISTS: Final = {"address": "addresses", "phone": "phones", "email": "emails"}
MAX_CANDIDATES: Final = 20
# The live matcher's name comparison, and the fields whose agreement alone does not identify.
NAME_FIELD: Final = "name_norm"
NAME_ONLY_FIELDS: Final = frozenset({NAME_FIELD, "country"})
EXACT_LEVEL: Final = "Exact match"


@dataclass(frozen=True)
class Resolution:
    # Every actor at or above the threshold, with its best probability over the queries.
    actors: dict[str, float]
    held_by_infrastructure: dict[str, list[str]]
    # Names the run sees on more than one actor: a common name alone flags every namesake.
    held_by_namesakes: list[str]

    @property
    def best(self) -> str | None:
        """The actor the entity matches best (the smallest id among equals): a list entry names
        one party. A second actor above the threshold came, on our worlds, from a weaker
        reading (a name in another script sharing boilerplate words), not from a split actor."""
        if not self.actors:
            return None
        return min(self.actors, key=lambda actor: (-self.actors[actor], actor))


@dataclass
class EntityResolver:
    matcher: LiveMatcher
    threshold: float

    @classmethod
    def load(cls, home: Path) -> EntityResolver:
        """The current resolution run's matcher (``NotReady`` when there is none)."""
        return cls(LiveMatcher.load(home), float(load_settings()["threshold"]))

    def queries(self, proxy: EntityProxy) -> list[dict[str, Any]]:
        """One record per name of the entity, each with its first address, phone, e-mail and
        country: a list entry's values describe one party, so they are matched together."""
        first = {
            key: next(iter(sorted(proxy.get(prop, quiet=True))), None)
            for prop, (key, _) in IDENTIFIER_PROPS.items()
        }
        country = next(iter(sorted(proxy.get("country", quiet=True))), None)
        names = sorted(set(proxy.get("name")) | set(proxy.get("alias", quiet=True)))
        return [{"name": name, "country": country, **first} for name in names]

    def resolve(self, proxy: EntityProxy) -> Resolution:
        actors: dict[str, float] = {}
        for query in self.queries(proxy):
            for candidate in self.matcher.match(query, top=MAX_CANDIDATES):
                if candidate.probability >= self.threshold and self._identified(candidate, query):
                    best = max(actors.get(candidate.actor_id, 0.0), candidate.probability)
                    actors[candidate.actor_id] = round(best, 6)
        names = sorted(set(proxy.get("name")) | set(proxy.get("alias", quiet=True)))
        return Resolution(
            actors=dict(sorted(actors.items())),
            held_by_infrastructure=self._held(proxy),
            held_by_namesakes=[name for name in names if len(self._actors_named(name)) > 1],
        )

    def _identified(self, candidate: Candidate, query: dict[str, Any]) -> bool:
        """Whether a candidate's evidence names one party: a field beyond the name and country
        agrees (an address, phone, e-mail, ...), or the name is the same, exactly, and no other
        actor of the run bears it. A name that is only similar, with nothing else known on one
        side, scored above the threshold on our worlds (``Jiang Xiufang`` and ``Xiuying Jiang``,
        0.98): the live score leaves out term frequencies and a null level is no evidence."""
        if any(r.weight > 0 and r.field not in NAME_ONLY_FIELDS for r in candidate.reasons):
            return True
        exact_name = any(
            r.field == NAME_FIELD and r.level.startswith(EXACT_LEVEL) for r in candidate.reasons
        )
        return exact_name and self._actors_named(str(query["name"])) == {candidate.actor_id}

    def _actors_named(self, name: str) -> set[str]:
        return self._name_actors.get(signature_of({"name": name})["name_norm"] or "", set())

    @cached_property
    def _name_actors(self) -> dict[str, set[str]]:
        """Each exact (normalised) name of the run → the actors whose signatures bear it."""
        found: dict[str, set[str]] = {}
        for sig_id, signature in self.matcher.signatures.items():
            name, actor = signature.get("name_norm"), self.matcher.sig_actor.get(sig_id)
            if name is not None and actor is not None:
                found.setdefault(name, set()).add(actor)
        return found

    def _held(self, proxy: EntityProxy) -> dict[str, list[str]]:
        """The entity's values the run holds as shared infrastructure, per criteria list."""
        country = next(iter(sorted(proxy.get("country", quiet=True))), None)
        held: dict[str, list[str]] = {}
        for prop, (key, kind) in IDENTIFIER_PROPS.items():
            for value in sorted(proxy.get(prop, quiet=True)):
                normalised = signature_of({key: value, "country": country}).get(kind)
                if normalised is not None and (kind, normalised) in self.matcher.infrastructure:
                    held.setdefault(CRITERIA_LISTS[prop], []).append(value)
        return held
