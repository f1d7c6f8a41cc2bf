"""Signatures that carry no identifying evidence: they join an actor, never bridge two.

A parcel written with a name and nothing else (or a name and a country) says only "someone of
this name". Namesakes share exactly that, so if such a signature were an ordinary node of the
match graph, one name-only parcel that scores above the threshold against two namesake firms
would make one actor of both. The clustering therefore works in two phases:

1. components over the edges that carry evidence: matches between signatures that each have an
   identifying field, flow links, investigators' matches;
2. each weak signature (and each weak shipper or seller naming a seller account) joins the component
   its matches point to only when they point to exactly one (its own component, when a flow
   link put it in one, counts); matching two or more, it joins none (:func:`attach_weak`).

Weak signatures are never matched with each other: two name-only parcels of one name are the
same signature when written alike, and namesakes when not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

# Fields that identify a holder. Country, and the name itself, do not: a weak signature has none
# of these (scoped infrastructure values still count: they are a name at one forwarder).
IDENTIFYING_COLUMNS: Final = (
    "address_core",
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
)
WEAK_SIGS: Final = "weak_sig"
# A weak shipper or seller naming a seller account is a node of its own (``w:party_id``): its
# flow link is its evidence, and two firms' name-only parcels folded into one signature stay
# apart.
WEAK_PARTY_PREFIX: Final = "w:"


def weak_signature_sql(alias: str) -> str:
    """True for a signature row ``alias`` without any identifying field."""
    return " AND ".join(f"{alias}.{column} IS NULL" for column in IDENTIFYING_COLUMNS)


def shares_evidence_sql(left: str, right: str) -> str:
    """True for two signature rows that both hold some identifying field. A match without one
    rests on a name (and a country) alone, which namesakes share: "OOO Vektor" at two addresses
    with two phones matched at 0.91 on the name and country, one side having no phone and the
    other no address. Such a match is no evidence edge, whatever its probability."""
    return " OR ".join(
        f"({left}.{column} IS NOT NULL AND {right}.{column} IS NOT NULL)"
        for column in IDENTIFYING_COLUMNS
    )


def weak_signatures_sql(signatures: str) -> str:
    """``(sig_id)`` of every weak signature of ``signatures`` (a signatures table)."""
    return f"SELECT unique_id AS sig_id FROM {signatures} s WHERE {weak_signature_sql('s')}"


def weak_party_sql(alias: str) -> str:
    """True for a shipper or seller on a weak signature that names a seller account
    (``alias`` is a party row; ``weak_sig`` must exist). Consignees keep their signature's node:
    a consumer's name-only parcels are linked only through weak importers, and are one person
    far more often than two (seed 3, small: 66 such signatures held one person, 2 held two)."""
    return (
        f"({alias}.sig_id IN (SELECT sig_id FROM {WEAK_SIGS}) "
        f"AND {alias}.role IN ('shipper', 'seller') AND {alias}.seller_link IS NOT NULL)"
    )


def attach_weak(
    membership: Mapping[str, int],
    anchored: set[str],
    weak_pairs: Iterable[tuple[str, str]],
) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Which weak nodes join which component.

    ``membership``: node → component after phase 1 (a node absent from it is a component of
    its own); ``anchored``: weak nodes whose own component is already evidence (a flow link put
    them there, or an earlier run's actor that holds more than this signature);
    ``weak_pairs``: (weak node, matched node) for every match at or above the threshold.

    Returns the edges that attach (one per weak node joining a component) and, for every weak
    node refused, how many separate components its matches pointed to.
    """
    candidates: dict[str, set[object]] = {}
    first_partner: dict[str, str] = {}
    for weak, other in weak_pairs:
        if weak == other:
            continue
        found = candidates.setdefault(weak, set())
        found.add(membership.get(other, other))
        first_partner.setdefault(weak, other)
    edges: list[tuple[str, str]] = []
    refused: dict[str, int] = {}
    for weak in sorted(candidates):
        found = set(candidates[weak])
        if weak in anchored:
            found.add(membership.get(weak, weak))
        if len(found) == 1:
            edges.append((weak, first_partner[weak]))
        else:
            refused[weak] = len(found)
    return edges, refused
