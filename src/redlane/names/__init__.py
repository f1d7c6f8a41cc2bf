"""Name comparison: is this the same person, company or vessel name, written another way?

``compare(name1, name2, schema)`` → :class:`NameScore` (``score`` a calibrated probability,
``match`` = ``score >= 0.5``, ``reasons``). See docs/names.md.
"""

from redlane.names.compare import MATCH_THRESHOLD, SCHEMAS, NameScore, compare, family_of

__all__ = ["MATCH_THRESHOLD", "SCHEMAS", "NameScore", "compare", "family_of"]
