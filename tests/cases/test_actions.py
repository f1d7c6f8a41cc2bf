"""Actions back to partners, through the policy, audited."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from redlane.cases.actions import export_feeds, partner_feeds
from redlane.policy import ensure_default_agreements
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry
from redlane.store.partners import ensure_default_partners


def _feeds(settings, partner: str) -> dict[str, list[dict]]:
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        return {f.name: f.items for f in partner_feeds(session, settings, partner)}


def test_marketplace_gets_notices_sideline_list_and_accounts(settings) -> None:
    feeds = _feeds(settings, "marketplace")

    (notice,) = feeds["seizure_notices"]
    assert notice["hawb"] == "H1" and notice["seller_ref"] == "S1"
    assert notice["inspection_id"] == "I1" and notice["seized_quantity"] == 20
    # Customs shares no identities with the marketplace.
    assert not {"consignee_name", "shipper_name", "seized_value", "officer_id"} & set(notice)
    # L1 was taken down already; L2 is still up.
    assert [item["listing_id"] for item in feeds["sideline_list"]] == ["L2"]
    (account,) = feeds["accounts_to_review"]
    assert account["seller_id"] == "S1"
    assert any("seized" in r for r in account["reasons"])
    assert any("ring R1" in r for r in account["reasons"])


def test_carrier_gets_holds_and_alerts_about_its_customers_only(settings) -> None:
    feeds = _feeds(settings, "carrier")

    assert [(h["hawb"], h["status"]) for h in feeds["holds"]] == [("H1", "seized")]
    assert set(feeds["holds"][0]) == {"carrier", "awb", "hawb", "port_code", "held_at", "status"}
    alerts = {a["customer_name"]: a for a in feeds["kyc_alerts"]}
    assert set(alerts) == {"Shenzhen Bright Trading"}  # A3's risk is 0.1, nothing seized
    alert = alerts["Shenzhen Bright Trading"]
    assert alert["hawbs"] == ["H1", "H2"]
    assert "1 parcel(s) seized" in alert["reason"] and "ring R1" in alert["reason"]
    assert "customer_of" not in alert


def test_rights_holders_and_customs(settings) -> None:
    rights = _feeds(settings, "rights_holders")["seizure_notices"]
    (notice,) = rights
    assert notice["consignee_name"] == "John Doe"  # after seizure, names and addresses
    assert notice["brand"] and notice["seized_value"] == 3980.0
    assert "seller_ref" not in notice and "shipper_phone" not in notice

    proposals = _feeds(settings, "customs")["lookout_proposals"]
    (proposal,) = proposals
    assert proposal["criteria"]["registrant_name"]
    assert "S1" in proposal["reason"]


def test_export_files_are_audited(settings, tmp_path: Path) -> None:
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        paths = export_feeds(session, settings, "carrier", tmp_path, actor="cli:t")
    assert [p.name for p in paths] == ["carrier-holds.jsonl", "carrier-kyc_alerts.jsonl"]
    holds = [json.loads(line) for line in paths[0].read_text().splitlines()]
    assert [h["hawb"] for h in holds] == ["H1"]
    with session_scope(settings.database) as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "action.export")
        ).all()
    assert [(e.partner_id, e.object_ids, e.details["items"]) for e in entries] == [
        ("carrier", ["carrier:holds"], 1),
        ("carrier", ["carrier:kyc_alerts"], 1),
    ]


def test_a_seizure_recorded_in_the_service_reaches_the_feeds_before_any_customs_file(
    settings,
) -> None:
    from redlane.targeting.outcomes import record_outcome

    with session_scope(settings.database) as session:
        record_outcome(
            session,
            {"carrier": "EXPR", "hawb": "H2", "port_code": "JFK", "outcome": "seized"},
            "officer",
        )
    holds = _feeds(settings, "carrier")["holds"]
    assert [(h["hawb"], h["status"]) for h in holds] == [("H1", "seized"), ("H2", "seized")]
    notices = _feeds(settings, "marketplace")["seizure_notices"]
    assert sorted(n["hawb"] for n in notices) == ["H1", "H2"]


def test_a_parcel_held_in_flight_is_in_its_carriers_holds_until_released(settings) -> None:
    from redlane.events import inflight
    from redlane.targeting.screen import ScreenResult

    record = {
        "carrier": "EXPR",
        "awb": "176-9",
        "hawb": "H-AIR-1",
        "port_of_entry": "JFK",
        "expected_arrival": "2026-12-07T06:00:00+00:00",
        "_partner": "carrier",
    }
    result = ScreenResult("H-AIR-1", 0.9, 10.0, "red", ["lookout"], ["lookout:1"])
    with session_scope(settings.database) as session:
        decision = inflight.Decision(
            result, True, "held by identifier lookout 1 (red lane): ring phone"
        )
        inflight.upsert(session, record, decision, set(), event_id=1)
    holds = _feeds(settings, "carrier")["holds"]
    assert [(h["hawb"], h["status"], h["awb"]) for h in holds][-1] == ("H-AIR-1", "hold", "176-9")
    assert "hold_reason" not in holds[-1] and "reasons" not in holds[-1]
    with session_scope(settings.database) as session:
        inflight.release(session, "EXPR", "H-AIR-1")
    assert [h["hawb"] for h in _feeds(settings, "carrier")["holds"]] == ["H1"]
