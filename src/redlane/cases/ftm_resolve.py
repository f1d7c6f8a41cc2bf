"""An imported FtM entity resolved to redlane's actors (``redlane case ftm-import --resolve``).

A list entry names one party as the lister knew it. Matched by its raw values, it flags whoever
shares any of them: every client of a forwarder whose warehouse address the listed party once
used, every namesake of a common name, the legitimate firm a front squats. Resolved, it flags the
actors the current resolution run judges it to be (live matching with the run's own model and
match threshold), and through them every identity resolution links to them later.

An entity that resolves to no actor keeps its identifier lists, less each value the run holds as
shared infrastructure (``resolve/infrastructure.py``): a forwarder's phone or address is a role,
not an identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from followthemoney.proxy import EntityProxy

from redlane.resolve.live import LiveMatcher, signature_of
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


@dataclass(frozen=True)
class Resolution:
    actors: dict[str, float]
    held_by_infrastructure: dict[str, list[str]]


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
                if candidate.probability >= self.threshold:
                    best = max(actors.get(candidate.actor_id, 0.0), candidate.probability)
                    actors[candidate.actor_id] = round(best, 6)
        return Resolution(
            actors=dict(sorted(actors.items())), held_by_infrastructure=self._held(proxy)
        )

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
