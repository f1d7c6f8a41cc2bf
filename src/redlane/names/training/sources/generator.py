"""The project's own pair generator (``training.pairs``) as one source among the others.

It is the only source written here, so it is kept for robustness noise (typos, look-alike
digits, case and punctuation, joined words) and is held out like any other source.
"""

from __future__ import annotations

from redlane.names.training.pairs import Pair, generate

__all__ = ["SOURCE", "pairs"]

SOURCE = "generator"
# Share of the pairs per family, as the shipped model's training run has them.
_SHARES = {"person": 0.3, "org": 0.3, "entity": 0.25, "vessel": 0.15}


def pairs(n: int, seed: int = 0) -> list[Pair]:
    """About ``n`` generated pairs across the four families; deterministic per seed."""
    return [p for family, share in _SHARES.items() for p in generate(family, int(n * share), seed)]
