"""The disclosure policy, officers' ports and demo users."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from redlane.api.policy import PrincipalPolicy
from redlane.api.roles import Principal
from redlane.api.security import verify_password
from redlane.api.users import all_user_ports, ensure_demo_users, set_user_ports, user_ports
from redlane.store.db import dispose_engine, session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.models import Agreement, Plan, PlanItem, Port, User

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SHIPMENT = {
    "carrier": "EXPR",
    "hawb": "H1",
    "consignee_name": "Jane",
    "consignee_email": "j@x",
    "_partner": "carrier",
}


def agreement(
    src: str, dst: str, allowed: dict, stage: str = "any", days: int = 10, until: int | None = None
) -> Agreement:
    return Agreement(
        from_partner=src,
        to_partner=dst,
        allowed=allowed,
        stage=stage,
        valid_from=NOW - timedelta(days=days),
        valid_to=None if until is None else NOW + timedelta(days=until),
    )


def viewer(partner: str, role: str = "investigator") -> Principal:
    return Principal(name="v", role=role, partner_id=partner)


def test_owner_and_admin_see_everything_others_nothing_without_agreement() -> None:
    policy = PrincipalPolicy([], NOW)
    assert (
        policy.redact("aed_shipments", SHIPMENT, viewer("carrier", "carrier_liaison")) == SHIPMENT
    )
    assert policy.redact("aed_shipments", SHIPMENT, viewer("ipcc", "admin")) == SHIPMENT
    assert policy.redact("aed_shipments", SHIPMENT, viewer("marketplace")) is None


def test_field_level_agreement_keeps_only_allowed_fields() -> None:
    policy = PrincipalPolicy(
        [agreement("carrier", "marketplace", {"aed_shipments": ["hawb", "carrier"]})], NOW
    )
    shown = policy.redact("aed_shipments", SHIPMENT, viewer("marketplace"))
    # Field level, lineage included: only what the agreement names.
    assert shown == {"carrier": "EXPR", "hawb": "H1"}
    # Other tables are not covered by it.
    assert policy.redact("mp_sellers", {"seller_id": "S"}, viewer("carrier")) is None


def test_stage_and_validity() -> None:
    policy = PrincipalPolicy(
        [
            agreement("customs", "marketplace", {"inspections": ["*"]}, stage="seizure"),
            agreement("carrier", "customs", {"aed_shipments": ["*"]}, until=-1),  # expired
            agreement("carrier", "rights_holders", {"aed_shipments": ["*"]}, days=-1),  # future
        ],
        NOW,
    )
    row = {"inspection_id": "I1", "outcome": "seized"}
    mp = viewer("marketplace")
    assert policy.redact("inspections", row, mp, "advance") is None
    assert policy.redact("inspections", row, mp, "seizure") == row
    assert policy.redact("inspections", row, mp, "case") == row
    assert policy.redact("inspections", row, mp, "no-such-stage") is None
    assert policy.redact("aed_shipments", SHIPMENT, viewer("customs", "targeting_analyst")) is None
    assert policy.redact("aed_shipments", SHIPMENT, viewer("rights_holders")) is None


def test_party_rows_follow_their_source_table() -> None:
    party = {
        "party_id": "P",
        "source_table": "aed_shipments",
        "role": "consignee",
        "name": "Jane",
        "email": "j@x",
        "phone": "1",
        "country": "US",
    }
    policy = PrincipalPolicy(
        [agreement("carrier", "marketplace", {"aed_shipments": ["consignee_email"]})], NOW
    )
    shown = policy.redact("parties", party, viewer("marketplace"))
    assert shown == {
        "party_id": "P",
        "source_table": "aed_shipments",
        "role": "consignee",
        "email": "j@x",
        "country": "US",
    }
    assert policy.redact("parties", party, viewer("rights_holders")) is None


def test_user_ports_file(tmp_path: Path) -> None:
    assert user_ports("a", tmp_path) == frozenset()
    set_user_ports("a", ["jfk", " LAX ", ""], tmp_path)
    set_user_ports("b", ["MIA"], tmp_path)
    assert user_ports("a", tmp_path) == {"JFK", "LAX"}
    assert all_user_ports(tmp_path) == {"a": ["JFK", "LAX"], "b": ["MIA"]}


def test_demo_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    ensure_schema(url)
    try:
        with session_scope(url) as session:
            from redlane.store.partners import ensure_default_partners

            ensure_default_partners(session)
            for code in ("ANC", "JFK"):
                session.add(
                    Port(
                        port_code=code,
                        name=code,
                        country="US",
                        inspections_per_day=1,
                        document_checks_per_day=1,
                    )
                )
            session.flush()
            # JFK has the busiest newest plan: the demo officer gets it (not ANC, first by name).
            for code, n in (("ANC", 1), ("JFK", 2)):
                plan = Plan(
                    port_code=code,
                    plan_date=date(2025, 6, 1),
                    model_version="m",
                    capacity=1,
                    exploration_rate=0.0,
                )
                for i in range(n):
                    plan.items.append(
                        PlanItem(
                            carrier="C",
                            hawb=f"H{i}",
                            lane="red",
                            rank=i,
                            score=0.5,
                            expected_value=1.0,
                            propensity=1.0,
                            selected_by="model",
                        )
                    )
                session.add(plan)
        with session_scope(url) as session:
            first = ensure_demo_users(session, tmp_path)
        roles = {role for _, _, role, _ in first}
        assert roles == {
            "customs_officer",
            "targeting_analyst",
            "investigator",
            "marketplace_analyst",
            "carrier_liaison",
            "rights_holder",
            "admin",
        }
        path = tmp_path / "demo-users.txt"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert all(password in path.read_text() for _, password, _, _ in first)
        assert len({p for _, p, _, _ in first}) == len(first)  # random, distinct
        with session_scope(url) as session:
            again = ensure_demo_users(session, tmp_path)
            officer = session.query(User).filter_by(username="officer").one()
            assert verify_password(officer.password_hash, {u: p for u, p, _, _ in again}["officer"])
            assert session.query(Agreement).count() > 0
        assert again == first  # stable once made
        assert user_ports("officer", tmp_path) == {"JFK"}
    finally:
        dispose_engine(url)


def test_audit_buffer_writes_every_entry_in_order_and_keeps_the_chain(tmp_path: Path) -> None:
    from redlane.api.audit_buffer import AuditBuffer
    from redlane.store import audit
    from redlane.store.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'a.db'}"
    ensure_schema(url)
    buffer = AuditBuffer(url, interval=0.05)
    try:
        for i in range(30):
            buffer.append(actor="u", action="screen", object_type="shipment", object_ids=[f"H{i}"])
        buffer.close()
        with session_scope(url, readonly=True) as session:
            ids = [e.object_ids[0] for e in session.query(AuditEntry).order_by(AuditEntry.seq)]
            assert ids == [f"H{i}" for i in range(30)]
            assert audit.verify(session).ok
    finally:
        dispose_engine(url)
