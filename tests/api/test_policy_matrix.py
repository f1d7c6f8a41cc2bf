"""API reads under the one disclosure policy, generated from the agreement table.

For every service role × partner × record kind × stage,
:meth:`redlane.api.policy.PrincipalPolicy.redact` (what every API read of partner records calls)
must show exactly the fields the seeded agreement rows and the stage rules allow, and no other;
party rows of the resolution follow their source table. The oracle below reads the rows and the
rules file, not the policy code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from redlane.api.policy import PrincipalPolicy
from redlane.api.roles import USER_ROLES, Principal
from redlane.model.spec import TABLES
from redlane.policy import StageRules, ensure_default_agreements
from redlane.store.db import dispose_engine, session_scope
from redlane.store.migrate import upgrade
from redlane.store.models import Agreement
from redlane.store.partners import DEFAULT_PARTNERS, ensure_default_partners

RULES = StageRules.load()
PARTNERS = [p[0] for p in DEFAULT_PARTNERS]
KINDS = sorted(k for k in RULES.record_owners if k in TABLES)
STAGES = ("any", *RULES.stages)
PARTY_TABLES = ("aed_shipments", "customs_entries", "mp_sellers")
PARTY = {
    "party_id": "P-1",
    "record_key": "H-1",
    "role": "shipper",
    "country": "CN",
    "first_seen": "2026-01-01",
    "name": "Meiya Trading",
    "address": "1 Road",
    "phone": "+8610",
    "email": "m@x",
    "bank_account": "CN00",
}
PARTY_NEUTRAL = {"party_id", "source_table", "record_key", "role", "country", "first_seen"}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrincipalPolicy, list[Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('api-policy') / 'redlane.db'}"
    upgrade(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
    with session_scope(url, readonly=True) as session:
        policy = PrincipalPolicy.load(session)
        rows = [
            (a.from_partner, a.to_partner, a.stage, dict(a.allowed))
            for a in session.scalars(select(Agreement))
        ]
    yield policy, rows
    dispose_engine(url)


def agreed(rows: list[Any], owner: str, partner: str, kind: str, stage: str) -> set[str]:
    at = RULES.stage_index(RULES.stages[0] if stage == "any" else stage)
    fields: set[str] = set()
    for from_p, to_p, a_stage, allowed in rows:
        if from_p == owner and to_p == partner and RULES.stage_index(a_stage) <= at:
            fields.update(allowed.get(kind, []))
    return fields


def full_view(role: str, partner: str, owner: str) -> bool:
    return role in RULES.full_access.get(partner, ()) or owner == partner


@pytest.mark.parametrize(
    ("role", "partner", "kind", "stage"),
    list(itertools.product(USER_ROLES, PARTNERS, KINDS, STAGES)),
)
def test_api_read_matches_the_agreement_table(table, role, partner, kind, stage) -> None:
    policy, rows = table
    owner = RULES.record_owners[kind]
    record: dict[str, Any] = {name: f"v:{name}" for name in TABLES[kind].field_names()}
    record["_partner"] = owner
    viewer = Principal(name="u", role=role, partner_id=partner)

    shown = policy.redact(kind, record, viewer, stage)

    if full_view(role, partner, owner):
        must = set(record)
    else:
        allowed = agreed(rows, owner, partner, kind, stage)
        must = set(record) if "*" in allowed else allowed & set(record)
    if not must:
        assert shown is None, f"must see nothing, saw {sorted(shown or {})}"
    else:
        assert shown is not None and set(shown) == must, (sorted(must), sorted(shown or {}))
        assert all(shown[k] == record[k] for k in shown)


@pytest.mark.parametrize(
    ("role", "partner", "source", "stage"),
    list(itertools.product(USER_ROLES, PARTNERS, PARTY_TABLES, STAGES)),
)
def test_api_party_rows_follow_their_source_table(table, role, partner, source, stage) -> None:
    policy, rows = table
    owner = RULES.record_owners[source]
    party = {**PARTY, "source_table": source}
    viewer = Principal(name="u", role=role, partner_id=partner)

    shown = policy.redact("parties", party, viewer, stage)

    if full_view(role, partner, owner):
        assert shown == party
        return
    allowed = agreed(rows, owner, partner, source, stage)
    if "*" in allowed:
        assert shown == party
        return
    identifying = {
        k
        for k in party
        if k not in PARTY_NEUTRAL and any(f == k or f.endswith("_" + k) for f in allowed)
    }
    if not identifying:
        assert shown is None, f"must be withheld, saw {sorted(shown or {})}"
    else:
        assert shown is not None and set(shown) == PARTY_NEUTRAL | identifying


def test_rights_holder_reads_through_the_api_as_the_regulation_says(table) -> None:
    policy, _rows = table
    rights = Principal(name="r", role="rights_holder", partner_id="rights_holders")
    shipment = {n: f"v:{n}" for n in TABLES["aed_shipments"].field_names()}
    assert policy.redact("aed_shipments", shipment, rights, "advance") is None
    held = policy.redact("aed_shipments", shipment, rights, "detention") or {}
    assert "port_of_entry" in held and "consignee_name" not in held
    seized = policy.redact("aed_shipments", shipment, rights, "seizure") or {}
    assert "consignee_name" in seized and "consignee_phone" not in seized
    assert policy.redact("aed_shipments", shipment, rights, "arrest") is None  # fail closed
