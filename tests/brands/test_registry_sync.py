"""The recordations feed synced into the brand registry: idempotent, portal rows untouched."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from redlane.brands import registry
from redlane.brands.scope import CliCaller, scope_for
from redlane.cases.records import connect
from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.store.brand_models import Brand, BrandParty, BrandProductLine, BrandTrademark
from redlane.store.db import session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.partners import ensure_default_partners
from tests.utils.feed_files import recordations_document

ADMIN = CliCaller("test-admin")


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_sync_is_idempotent_and_leaves_portal_rows(home: Path, warehouse: Warehouse) -> None:
    doc = home / "in" / "rights_holders" / "auralis.json"
    doc.parent.mkdir(parents=True)
    doc.write_text(json.dumps(recordations_document(brands=2)))
    assert ingest_paths([doc], warehouse)[0].status == "loaded"
    settings = get_settings()
    ensure_schema(settings.database)
    con, _ = connect(settings)
    try:
        with session_scope(settings.database) as session:
            ensure_default_partners(session)
            first = registry.sync_recordations(session, con, ADMIN)
            brand = session.execute(select(Brand).order_by(Brand.id)).scalars().first()
            assert brand is not None and brand.source == "recordations"
            admin_scope = scope_for(session, ADMIN)
            registry.add_party(
                session, admin_scope, brand.brand_ref, role="distributor", name="Own", country="US"
            )
            counts = [
                _count(session, m) for m in (Brand, BrandTrademark, BrandProductLine, BrandParty)
            ]
            second = registry.sync_recordations(session, con, ADMIN)
            again = [
                _count(session, m) for m in (Brand, BrandTrademark, BrandProductLine, BrandParty)
            ]
    finally:
        con.close()
    assert first.to_json() == second.to_json()
    assert first.brands == 2 and first.holders == 1
    assert counts == again  # nothing duplicated; the portal's own party is still there
    assert first.parties_resolved == 0  # no resolution run yet
