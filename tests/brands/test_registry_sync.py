"""The recordations feed synced into the brand registry: idempotent, portal rows untouched."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from redlane.brands import registry
from redlane.brands.scope import CliCaller, scope_for
from redlane.cases.records import connect
from redlane.cli import app
from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.store.brand_models import Brand, BrandParty, BrandProductLine, BrandTrademark
from redlane.store.db import session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.partners import ensure_default_partners
from tests.utils.feed_files import recordations_document

ADMIN = CliCaller("test-admin")
runner = CliRunner()


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


def _document_with_gtins() -> dict[str, object]:
    doc = recordations_document(brands=1)
    lines = doc["brands"][0]["product_lines"]  # type: ignore[index]
    lines[0]["gtins"] = ["9506000134352", "(01)09506000134369"]  # EAN-13 and element string
    lines[1]["gtins"] = ["09506000134376", "09506000134353"]  # the second: wrong check digit
    return doc


def test_sync_takes_the_feeds_gtins_and_refuses_a_bad_check_digit(
    home: Path, warehouse: Warehouse
) -> None:
    doc = home / "in" / "rights_holders" / "gs1.json"
    doc.parent.mkdir(parents=True)
    doc.write_text(json.dumps(_document_with_gtins()))
    assert ingest_paths([doc], warehouse)[0].status == "loaded"

    first = runner.invoke(app, ["brands", "sync", "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["gtins"] == 3
    [refused] = summary["gtins_refused"]
    assert refused["gtin"] == "09506000134353"
    assert "wrong check digit: expected 2, got 3" in refused["problem"]

    again = runner.invoke(app, ["brands", "sync"])  # idempotent, and says what it refused
    assert again.exit_code == 0, again.output
    assert "3 GTINs" in again.stdout
    assert "GTIN refused" in again.stderr and "09506000134353" in again.stderr
    with session_scope(get_settings().database, readonly=True) as session:
        brand = session.execute(select(Brand)).scalars().one()
        lines = registry.brand_detail(session, brand)["product_lines"]
    assert sorted(g for line in lines for g in line["gtins"]) == [
        "09506000134352",
        "09506000134369",
        "09506000134376",
    ]
