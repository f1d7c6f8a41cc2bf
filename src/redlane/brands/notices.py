"""Seizure notices for one rights holder: its brands only, disclosed as the policy allows.

The cases issue's ``seizure_notices`` feed for the ``rights_holders`` partner already passes
every notice through the disclosure policy at the seizure stage (19 CFR 133.21: after seizure
the names and addresses of the exporter and importer, the quantity, the value). All rights
holders share that partner, so here each one gets only the notices of its own brands; what each
notice shows is unchanged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from redlane.brands.scope import BrandScope, audit_act
from redlane.cases.actions import partner_feeds
from redlane.config import Settings

PARTNER = "rights_holders"


def notices_for(session: Session, settings: Settings, scope: BrandScope) -> list[dict[str, Any]]:
    names = {b.name.lower() for b in session.execute(scope.brands()).scalars()}
    refs = {b.brand_ref.lower() for b in session.execute(scope.brands()).scalars()}
    feeds = partner_feeds(session, settings, PARTNER)
    notices = [
        item
        for feed in feeds
        if feed.name == "seizure_notices"
        for item in feed.items
        if str(item.get("brand") or "").lower() in names | refs
    ]
    audit_act(
        session,
        scope.caller,
        "action.serve",
        "partner_feed",
        [f"{PARTNER}:seizure_notices"],
        "rights holder pulled its brands' seizure notices",
        {"notices": len(notices), "brands": sorted(refs)},
    )
    return notices
