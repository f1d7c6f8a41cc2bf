"""Actions back to partners: what each partner gets from the pooled picture, through the
disclosure policy, as lists a service can serve and files an export can write.

* marketplace: seizure notices linked to its seller accounts, a sideline list (listings to pull,
  not yet taken down) and accounts to review;
* carrier: holds by air waybill and know-your-customer alerts about its own customers;
* rights holders: seizure notices (19 CFR 133.21(e)-style content);
* customs: lookout proposals from marketplace intelligence (accounts closed for counterfeits).

Every item is built as full records, then passed through :meth:`Policy.disclose` for the
receiving partner at the record's stage; what the policy withholds never leaves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
from sqlalchemy.orm import Session

from redlane.cases import records
from redlane.config import Settings
from redlane.policy import Policy, Viewer
from redlane.store import audit
from redlane.store.sqltypes import iso_utc, utcnow

# A parcel held before arrival is detained: what its carrier may be told of it then.
HOLD_STAGE: Final = "detention"
# Risk from which a ring's or actor's sellers and customers are flagged.
RISK_THRESHOLD: Final = 0.5
PARTNER_FEEDS: Final = {
    "marketplace": ("seizure_notices", "sideline_list", "accounts_to_review"),
    "carrier": ("holds", "kyc_alerts"),
    "rights_holders": ("seizure_notices",),
    "customs": ("lookout_proposals",),
}
DEFAULT_ROLE: Final = {
    "marketplace": "investigator",
    "carrier": "analyst",
    "rights_holders": "analyst",
    "customs": "officer",
}


@dataclass
class Feed:
    partner: str
    name: str
    items: list[dict[str, Any]]


def _stable_id(prefix: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:12]
    return f"{prefix}-{digest}"


def _seized(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return records.rows(
        con,
        "SELECT i.*, s.carrier, s.awb, s.seller_ref, s.description, s.shipper_name,"
        " s.shipper_address, s.consignee_name, s.consignee_address, s.origin_country,"
        " s._partner AS shipment_partner"
        " FROM findings i LEFT JOIN aed_shipments s USING (hawb)"
        " WHERE i.outcome = 'seized' ORDER BY i.inspected_at, i.inspection_id",
    )


def _split(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A seized-parcel row as its inspection record and its shipment record."""
    shipment_fields = (
        "carrier",
        "awb",
        "seller_ref",
        "description",
        "shipper_name",
        "shipper_address",
        "consignee_name",
        "consignee_address",
        "origin_country",
    )
    inspection = {
        k: v for k, v in row.items() if k not in shipment_fields and k != "shipment_partner"
    }
    shipment = {k: row.get(k) for k in shipment_fields}
    shipment["hawb"] = row.get("hawb")
    shipment["_partner"] = row.get("shipment_partner")
    return inspection, shipment


def seizure_notices(
    con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer
) -> list[dict[str, Any]]:
    notices = []
    for row in _seized(con):
        inspection, shipment = _split(row)
        shown = {
            **policy.disclose(viewer.partner, viewer.role, "aed_shipments", shipment, "seizure"),
            **policy.disclose(viewer.partner, viewer.role, "inspections", inspection, "seizure"),
        }
        if not shown:
            continue
        if viewer.partner == "marketplace" and not shown.get("seller_ref"):
            continue  # the marketplace gets the notices linked to its seller accounts
        notices.append({"notice_id": _stable_id("SN", row["inspection_id"]), **shown})
    return notices


def _flagged_sellers(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """seller id → reasons: parcels seized, or the seller's actor in a risky ring or risky."""
    reasons: dict[str, list[str]] = {}
    for seller, n in con.execute(
        "SELECT s.seller_ref, count(*) FROM findings i JOIN aed_shipments s USING (hawb)"
        " WHERE i.outcome = 'seized' AND s.seller_ref IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        reasons.setdefault(str(seller), []).append(f"{n} parcel(s) sold by it seized")
    for seller, actor, risk, ring in con.execute(
        "SELECT pa.record_key, a.actor_id, a.risk, a.ring_id FROM party_actors pa"
        " JOIN actors a USING (actor_id) WHERE pa.source_table = 'mp_sellers'"
        f" AND a.risk >= {RISK_THRESHOLD} ORDER BY 1"
    ).fetchall():
        where = f" in ring {ring}" if ring else ""
        reasons.setdefault(str(seller), []).append(f"actor {actor}{where}, risk {risk:.2f}")
    return reasons


def sideline_list(
    con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer
) -> list[dict[str, Any]]:
    """Listings of flagged sellers not taken down yet: to pull, with the reasons."""
    flagged = _flagged_sellers(con)
    if not flagged:
        return []
    listings = records.rows(
        con,
        "SELECT l.* FROM mp_listings l WHERE list_contains(?::VARCHAR[], l.seller_id)"
        " AND NOT EXISTS (SELECT 1 FROM mp_takedowns t WHERE t.listing_id = l.listing_id)"
        " ORDER BY l.seller_id, l.listing_id",
        [sorted(flagged)],
    )
    out = []
    for listing in listings:
        shown = policy.disclose(viewer.partner, viewer.role, "mp_listings", listing, "seizure")
        if shown:
            out.append({**shown, "reasons": flagged[str(listing["seller_id"])]})
    return out


def accounts_to_review(
    con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer
) -> list[dict[str, Any]]:
    flagged = _flagged_sellers(con)
    sellers = records.rows(
        con,
        "SELECT * FROM mp_sellers WHERE list_contains(?::VARCHAR[], seller_id) ORDER BY seller_id",
        [sorted(flagged)],
    )
    out = []
    for seller in sellers:
        shown = policy.disclose(viewer.partner, viewer.role, "mp_sellers", seller, "seizure")
        if shown:
            out.append({**shown, "reasons": flagged[str(seller["seller_id"])]})
    return out


def holds(con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer) -> list[dict[str, Any]]:
    """Parcels customs holds (seized or another violation), by air waybill, per carrier."""
    rows = records.rows(
        con,
        "SELECT s.carrier, s.awb, i.hawb, i.port_code, i.inspected_at AS held_at,"
        " i.outcome AS status, s._partner AS carrier_partner"
        " FROM findings i JOIN aed_shipments s USING (hawb)"
        " WHERE i.outcome IN ('seized', 'other_violation')"
        " UNION ALL SELECT carrier, awb, hawb, port_code, held_at, status, carrier_partner"
        " FROM pending_holds ORDER BY held_at, hawb",
    )
    out = []
    for row in rows:
        status = str(row["status"])
        stage = HOLD_STAGE if status == "hold" else policy.rules.outcome_stages.get(status)
        shown = policy.disclose(
            viewer.partner, viewer.role, "holds", row, stage or policy.rules.stages[0]
        )
        if shown:
            out.append(shown)
    return out


def kyc_alerts(
    con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer
) -> list[dict[str, Any]]:
    """Shippers among the carrier's customers whose parcels were seized or whose actor is
    risky: one alert per shipper name, with the hawbs the carrier can look the account up by."""
    rows = con.execute(
        "WITH risky AS ("
        "  SELECT pa.record_key AS hawb, a.actor_id, a.risk, a.ring_id FROM party_actors pa"
        "  JOIN actors a USING (actor_id)"
        "  WHERE pa.source_table = 'aed_shipments' AND pa.role = 'shipper'"
        f"  AND a.risk >= {RISK_THRESHOLD})"
        " SELECT s.shipper_name, s._partner, list(DISTINCT s.hawb ORDER BY s.hawb),"
        "  count(DISTINCT i.inspection_id) FILTER (i.outcome = 'seized'),"
        "  max(r.risk), any_value(r.ring_id)"
        " FROM aed_shipments s LEFT JOIN findings i USING (hawb)"
        " LEFT JOIN risky r USING (hawb)"
        " GROUP BY 1, 2"
        " HAVING count(DISTINCT i.inspection_id) FILTER (i.outcome = 'seized') > 0"
        "  OR max(r.risk) IS NOT NULL"
        " ORDER BY 1"
    ).fetchall()
    issued = iso_utc(utcnow())
    out = []
    for name, partner, hawbs, seized, risk, ring in rows:
        reasons = []
        if seized:
            reasons.append(f"{seized} parcel(s) seized")
        if risk is not None:
            reasons.append(f"linked actor risk {risk:.2f}" + (f" (ring {ring})" if ring else ""))
        alert = {
            "alert_id": _stable_id("KYC", partner, name),
            "customer_name": name,
            "customer_of": partner,
            "hawbs": list(hawbs),
            "reason": "; ".join(reasons),
            "issued_at": issued,
            "_partner": "ipcc",
        }
        shown = policy.disclose(
            viewer.partner, viewer.role, "kyc_alerts", alert, policy.rules.stages[0]
        )
        if shown:
            out.append(shown)
    return out


def lookout_proposals(
    con: duckdb.DuckDBPyConnection, policy: Policy, viewer: Viewer
) -> list[dict[str, Any]]:
    """Seller accounts the marketplace closed for counterfeits, as identifier lookouts customs
    could adopt (names, phones, emails, bank accounts the account registered)."""
    sellers = records.rows(
        con,
        "SELECT DISTINCT s.* FROM mp_sellers s JOIN mp_takedowns t USING (seller_id)"
        " WHERE t.account_closed ORDER BY s.seller_id",
    )
    out = []
    for seller in sellers:
        shown = policy.disclose(
            viewer.partner, viewer.role, "mp_sellers", seller, policy.rules.stages[0]
        )
        criteria = {
            k: shown[k]
            for k in ("registrant_name", "phone", "email", "bank_account", "business_address")
            if shown.get(k)
        }
        if criteria:
            out.append(
                {
                    "proposal_id": _stable_id("LP", seller["seller_id"]),
                    "kind": "identifier",
                    "criteria": criteria,
                    "reason": f"marketplace closed seller account {shown.get('seller_id', '')}"
                    " for counterfeits",
                }
            )
    return out


BUILDERS: Final[
    dict[str, Callable[[duckdb.DuckDBPyConnection, Policy, Viewer], list[dict[str, Any]]]]
] = {
    "seizure_notices": seizure_notices,
    "sideline_list": sideline_list,
    "accounts_to_review": accounts_to_review,
    "holds": holds,
    "kyc_alerts": kyc_alerts,
    "lookout_proposals": lookout_proposals,
}


def partner_feeds(
    session: Session, settings: Settings, partner: str, role: str | None = None
) -> list[Feed]:
    """Every feed due to ``partner`` (see :data:`PARTNER_FEEDS`), disclosed to it."""
    if partner not in PARTNER_FEEDS:
        raise ValueError(f"no feeds for {partner!r}; partners: {', '.join(PARTNER_FEEDS)}")
    viewer = Viewer(partner, role or DEFAULT_ROLE[partner])
    policy = Policy.load(session)
    con, _resolved = records.connect(settings)
    try:
        records.register_findings(con, session)
        records.register_pending_holds(con, session)
        return [
            Feed(partner, name, BUILDERS[name](con, policy, viewer))
            for name in PARTNER_FEEDS[partner]
        ]
    finally:
        con.close()


def export_feeds(
    session: Session,
    settings: Settings,
    partner: str,
    out_dir: Path,
    *,
    actor: str,
    role: str | None = None,
) -> list[Path]:
    """Write each feed as ``out_dir/<partner>-<feed>.jsonl`` and audit the hand-over."""
    feeds = partner_feeds(session, settings, partner, role)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for feed in feeds:
        path = out_dir / f"{partner}-{feed.name}.jsonl"
        path.write_text(
            "".join(
                json.dumps(item, sort_keys=True, ensure_ascii=False, default=str) + "\n"
                for item in feed.items
            )
        )
        written.append(path)
        audit.append(
            session,
            actor=actor,
            partner_id=partner,
            action="action.export",
            object_type="partner_feed",
            object_ids=[f"{partner}:{feed.name}"],
            details={
                "file": str(path),
                "items": len(feed.items),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "role": role or DEFAULT_ROLE[partner],
            },
        )
    return written
