"""Disclosure policy, tested from the agreement table: for every role × partner × record kind ×
stage, what must and must not be visible; plus the regulation's named cases by hand."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from redlane.model.spec import TABLES
from redlane.policy import Policy, StageRules, ensure_default_agreements
from redlane.store.db import dispose_engine, session_scope
from redlane.store.migrate import upgrade
from redlane.store.models import Agreement
from redlane.store.partners import DEFAULT_PARTNERS, ensure_default_partners

RULES = StageRules.load()
PARTNERS = [p[0] for p in DEFAULT_PARTNERS]
ROLES = ("investigator", "analyst", "officer", "auditor", "admin")
KINDS = sorted(RULES.record_owners)
EXTRA_FIELDS = {
    "holds": ("carrier", "awb", "hawb", "port_code", "held_at", "status", "carrier_partner"),
    "kyc_alerts": (
        "alert_id",
        "customer_ref",
        "hawbs",
        "customer_name",
        "customer_of",
        "reason",
        "issued_at",
        "internal_score",
    ),
}


def full_record(kind: str, owner: str, viewer: str) -> dict[str, Any]:
    names = TABLES[kind].field_names() if kind in TABLES else EXTRA_FIELDS[kind]
    record: dict[str, Any] = {name: f"v:{name}" for name in names}
    record["_partner"] = owner
    own_field = RULES.own_records_only.get(kind)
    if own_field:
        record[own_field] = viewer  # about the viewer's own customers
    return record


@pytest.fixture(scope="module")
def agreements(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Policy, list[Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('policy') / 'redlane.db'}"
    upgrade(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
        assert ensure_default_agreements(session) == len(RULES.agreements)
        assert ensure_default_agreements(session) == 0  # idempotent
    with session_scope(url, readonly=True) as session:
        policy = Policy.load(session)
        rows = [
            (a.from_partner, a.to_partner, a.stage, dict(a.allowed))
            for a in session.scalars(select(Agreement))
        ]
    yield policy, rows
    dispose_engine(url)


def expected_fields(
    rows: list[Any], role: str, partner: str, kind: str, stage: str, record: dict[str, Any]
) -> set[str]:
    """The oracle, straight from the agreement rows and the rules file."""
    owner = record["_partner"]
    if role in RULES.roles_without_records:
        return set()
    if role in RULES.full_access.get(partner, ()) or owner == partner:
        return set(record)
    allowed: set[str] = set()
    for from_p, to_p, a_stage, a_allowed in rows:
        if from_p == owner and to_p == partner:
            if RULES.stage_index(a_stage) <= RULES.stage_index(stage):
                allowed.update(a_allowed.get(kind, []))
    return set(record) if "*" in allowed else allowed & set(record)


@pytest.mark.parametrize(
    ("role", "partner", "kind", "stage"),
    list(itertools.product(ROLES, PARTNERS, KINDS, RULES.stages)),
)
def test_disclosure_matches_the_agreement_table(agreements, role, partner, kind, stage) -> None:
    policy, rows = agreements
    record = full_record(kind, RULES.record_owners[kind], partner)

    shown = policy.disclose(partner, role, kind, record, stage)

    must = expected_fields(rows, role, partner, kind, stage, record)
    assert set(shown) == must, f"must see {sorted(must)}, saw {sorted(shown)}"
    assert all(shown[k] == record[k] for k in shown)  # redaction never alters values


def test_rights_holder_at_detention_and_after_seizure(agreements) -> None:
    """19 CFR 133.21: at detention date of import, port, description, quantity and origin,
    not the importer; after seizure also importer/exporter names and addresses."""
    policy, _rows = agreements
    shipment = full_record("aed_shipments", "carrier", "rights_holders")
    entry = full_record("customs_entries", "customs", "rights_holders")
    identity = {"shipper_name", "shipper_address", "consignee_name", "consignee_address"}

    held = policy.disclose("rights_holders", "analyst", "aed_shipments", shipment, "detention")
    assert {"expected_arrival", "port_of_entry", "description", "pieces", "origin_country"} <= set(
        held
    )
    assert not identity & set(held)
    held_entry = policy.disclose("rights_holders", "analyst", "customs_entries", entry, "detention")
    assert "importer_name" not in held_entry and "quantity" in held_entry

    seized = policy.disclose("rights_holders", "analyst", "aed_shipments", shipment, "seizure")
    assert identity <= set(seized)
    assert "shipper_phone" not in seized and "declared_value" not in seized
    seized_entry = policy.disclose("rights_holders", "analyst", "customs_entries", entry, "seizure")
    assert {"importer_name", "importer_address"} <= set(seized_entry)
    assert "importer_id" not in seized_entry
    assert policy.disclose("rights_holders", "analyst", "aed_shipments", shipment, "advance") == {}


def test_carrier_gets_holds_and_alerts_about_its_own_customers_only(agreements) -> None:
    policy, _rows = agreements
    for kind in KINDS:
        owner = RULES.record_owners[kind]
        for stage in RULES.stages:
            shown = policy.disclose(
                "carrier", "analyst", kind, full_record(kind, owner, "x"), stage
            )
            if kind not in ("holds", "kyc_alerts", "aed_shipments"):
                assert shown == {}, (kind, stage)
    alert = full_record("kyc_alerts", "ipcc", "carrier")
    assert policy.disclose("carrier", "analyst", "kyc_alerts", alert, "advance")
    assert "internal_score" not in policy.disclose(
        "carrier", "analyst", "kyc_alerts", alert, "advance"
    )
    someone_elses = {**alert, "customer_of": "other_carrier"}
    assert policy.disclose("carrier", "analyst", "kyc_alerts", someone_elses, "seizure") == {}
    hold = full_record("holds", "customs", "carrier")
    assert set(policy.disclose("carrier", "analyst", "holds", hold, "detention")) >= {"awb", "hawb"}
    assert policy.disclose("carrier", "analyst", "holds", hold, "advance") == {}


def test_more_stage_never_means_less(agreements) -> None:
    policy, _rows = agreements
    for role, partner, kind in itertools.product(ROLES, PARTNERS, KINDS):
        record = full_record(kind, RULES.record_owners[kind], partner)
        seen = [set(policy.disclose(partner, role, kind, record, s)) for s in RULES.stages]
        assert all(a <= b for a, b in itertools.pairwise(seen)), (role, partner, kind)


def test_agreements_are_data(tmp_path: Path) -> None:
    """A new agreement row widens, and an expired one stops, disclosure without code."""
    url = f"sqlite:///{tmp_path / 'redlane.db'}"
    upgrade(url)
    shipment = full_record("aed_shipments", "carrier", "rights_holders")
    with session_scope(url) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        before = Policy.load(session).disclose(
            "rights_holders", "analyst", "aed_shipments", shipment, "detention"
        )
        session.add(
            Agreement(
                from_partner="carrier",
                to_partner="rights_holders",
                stage="detention",
                allowed={"aed_shipments": ["shipper_phone"]},
                valid_from=datetime(2020, 1, 1, tzinfo=UTC),
                valid_to=datetime(2030, 1, 1, tzinfo=UTC),
            )
        )
        session.add(
            Agreement(
                from_partner="carrier",
                to_partner="rights_holders",
                stage="whenever",  # a stage the rules do not know: ignored, never widening
                allowed={"aed_shipments": ["*"]},
                valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )
        session.flush()
        during = Policy.load(session).disclose(
            "rights_holders", "analyst", "aed_shipments", shipment, "detention"
        )
        after = Policy.load(session, at=datetime(2031, 1, 1, tzinfo=UTC)).disclose(
            "rights_holders", "analyst", "aed_shipments", shipment, "detention"
        )
    dispose_engine(url)
    assert "shipper_phone" not in before
    assert "shipper_phone" in during and "shipper_email" not in during
    assert "shipper_phone" not in after


def test_unknown_stage_is_an_error(agreements) -> None:
    policy, _rows = agreements
    with pytest.raises(ValueError, match="unknown stage"):
        policy.disclose("rights_holders", "analyst", "aed_shipments", {}, "arrest")


def test_stage_rules_are_configurable(tmp_path: Path, agreements) -> None:
    """Another jurisdiction: its own stage names, no code change."""
    _policy, rows = agreements
    path = tmp_path / "rules.json"
    path.write_text(
        '{"name": "XX", "stages": ["notified", "retained", "forfeited"],'
        ' "outcome_stages": {"seized": "forfeited"},'
        ' "record_owners": {"aed_shipments": "carrier"}}'
    )
    rules = StageRules.load(path)
    from redlane.policy import Grant

    policy = Policy(
        rules, [Grant("carrier", "rights_holders", "forfeited", {"aed_shipments": ["hawb"]})]
    )
    shipment = {"hawb": "H", "shipper_name": "S", "_partner": "carrier"}
    assert policy.disclose("rights_holders", "a", "aed_shipments", shipment, "retained") == {}
    assert policy.disclose("rights_holders", "a", "aed_shipments", shipment, "forfeited") == {
        "hawb": "H"
    }
    assert rows  # the default agreements were loaded from the table
