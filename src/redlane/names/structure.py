"""Evidence from the structure of person names (:mod:`redlane.names.person_parts`) once the
words are aligned: a father's, grandfather's, husband's or clan slot filled differently on the
two sides, a generational suffix that differs, a family name moved from front to back.

Every function here is symmetric in its two names.
"""

from __future__ import annotations

from redlane.names.person_parts import CLAN, FAMILY, GIVEN, MIDDLE, RELATIONS, PersonParts
from redlane.names.prepare import Prepared

__all__ = [
    "STRUCTURE_FEATURES",
    "given_syllable_conflict",
    "name_order_moved",
    "structure_features",
    "structure_reasons",
]

STRUCTURE_FEATURES: tuple[str, ...] = (
    "relation_conflict",
    "relation_one_side",
    "generation_conflict",
    "given_syllable_conflict",
)
_NONE = (0.0, 0.0, 0.0)


def _relation_evidence(
    pa: PersonParts, pb: PersonParts, pairs: dict[int, int], sim_a: list[float], sim_b: list[float]
) -> tuple[list[str], int]:
    """(roles filled on both sides by words not paired with each other, slots one side fills
    with words the other side lacks)."""
    conflicts: list[str] = []
    one_side = 0
    for role in RELATIONS:
        in_a = [i for i, r in enumerate(pa.roles) if r == role]
        in_b = [j for j, r in enumerate(pb.roles) if r == role]
        if in_a and in_b:
            # each side has a word in the slot that is unmatched (a substitution: Wali Mohammad
            # / Noor Mohammad), or each has one paired outside the other's slot (words swapped
            # between slots). One unmatched and one moved is an ancestor added to a chain
            # (Osama bin Laden / Osama bin Mohammed bin Laden): no conflict. Words matched as
            # parts of joined words have no 1:1 pair and are not lost.
            set_a, set_b = set(in_a), set(in_b)
            inverse = {j: i for i, j in pairs.items()}
            unmatched = any(not sim_a[i] for i in in_a) and any(not sim_b[j] for j in in_b)
            moved = any(i in pairs and pairs[i] not in set_b for i in in_a) and any(
                j in inverse and inverse[j] not in set_a for j in in_b
            )
            if unmatched or moved:
                conflicts.append(role)
        elif in_a or in_b:
            # the slot's words unmatched: one name says who the father is, the other doesn't
            idx, sims = (in_a, sim_a) if in_a else (in_b, sim_b)
            one_side += all(not sims[k] for k in idx)
    return conflicts, one_side


def structure_features(
    a: Prepared,
    b: Prepared,
    order: tuple[list[int], list[int]],
    sim_a: list[float],
    sim_b: list[float],
) -> tuple[float, float, float]:
    """relation_conflict, relation_one_side, generation_conflict (``order``: a- and b-indices
    of the words paired one to one)."""
    pa, pb = a.parts, b.parts
    if pa is None or pb is None or not (pa.related or pb.related):
        return _NONE
    pairs = dict(zip(*order, strict=True))
    conflicts, one_side = _relation_evidence(pa, pb, pairs, sim_a, sim_b)
    generation = pa.generation and pb.generation and pa.generation != pb.generation
    return float(min(len(conflicts), 2)), float(min(one_side, 2)), float(bool(generation))


def given_syllable_conflict(
    a: Prepared, b: Prepared, sim_a: list[float], sim_b: list[float]
) -> float:
    """Both are East Asian names (a common family name first or last) and each has a given
    name syllable the other lacks: Kim Jong Un / Kim Jong Il. Syllables weigh little as words
    (two letters), but a given name is its syllables together ("Korean name")."""
    pa, pb = a.parts, b.parts
    if pa is None or pb is None or not (pa.east_asian and pb.east_asian):
        return 0.0
    given = (GIVEN, MIDDLE)
    lost_a = any(not s and r in given for r, s in zip(pa.roles, sim_a, strict=True))
    lost_b = any(not s and r in given for r, s in zip(pb.roles, sim_b, strict=True))
    return float(lost_a and lost_b)


def structure_reasons(
    a: Prepared,
    b: Prepared,
    order: tuple[list[int], list[int]],
    sim_a: list[float],
    sim_b: list[float],
) -> list[str]:
    """``father's name differs`` (father, grandfather or husband slot), ``clan differs``,
    ``generation differs``."""
    pa, pb = a.parts, b.parts
    if pa is None or pb is None or not (pa.related or pb.related):
        return []
    pairs = dict(zip(*order, strict=True))
    conflicts, _ = _relation_evidence(pa, pb, pairs, sim_a, sim_b)
    out: list[str] = []
    if any(role != CLAN for role in conflicts):
        out.append("father's name differs")
    if CLAN in conflicts:
        out.append("clan differs")
    if pa.generation and pb.generation and pa.generation != pb.generation:
        out.append("generation differs")
    return out


def name_order_moved(a: Prepared, b: Prepared, pairs: dict[int, int]) -> bool:
    """Every word paired, and the family name is first on one side and last on the other
    (``Kim Jong Un`` ↔ ``Jong Un Kim``, ``Smith, John`` ↔ ``John Smith``)."""
    pa, pb = a.parts, b.parts
    if pa is None or len(pairs) < 2 or len(pairs) != len(a.tokens) or len(pairs) != len(b.tokens):
        return False
    last_a, last_b = len(a.tokens) - 1, len(b.tokens) - 1
    fam = [i for i, r in enumerate(pa.roles) if r == FAMILY]
    if len(fam) != 1:
        if pb is None:
            return False
        fam_b = [j for j, r in enumerate(pb.roles) if r == FAMILY]
        inverse = {j: i for i, j in pairs.items()}
        if len(fam_b) != 1 or fam_b[0] not in inverse:
            return False
        fam = [inverse[fam_b[0]]]
    i = fam[0]
    j = pairs.get(i)
    return (
        j is not None
        and {(i == 0), (j == 0)} == {True, False}
        and ((i == 0 and j == last_b) or (j == 0 and i == last_a))
    )
