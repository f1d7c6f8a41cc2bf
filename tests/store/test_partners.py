"""Default partners are seeded once, however often startup runs."""

from __future__ import annotations

from sqlalchemy import func, select

from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, Partner
from redlane.store.partners import DEFAULT_PARTNERS, ensure_default_partners

IDS = sorted(pid for pid, _, _ in DEFAULT_PARTNERS)


def test_default_partners_are_the_five_pool_members() -> None:
    assert IDS == ["carrier", "customs", "ipcc", "marketplace", "rights_holders"]


def test_ensure_default_partners_is_idempotent(store_url: str) -> None:
    with session_scope(store_url) as session:
        assert ensure_default_partners(session) == IDS
    with session_scope(store_url) as session:
        assert ensure_default_partners(session) == []

    with session_scope(store_url, readonly=True) as session:
        assert sorted(session.scalars(select(Partner.id))) == IDS
        entries = session.scalars(select(AuditEntry)).all()
        assert [(e.action, e.object_ids) for e in entries] == [("partner.create", IDS)]
        assert audit.verify(session).ok


def test_existing_partners_are_kept_and_only_missing_ones_added(store_url: str) -> None:
    with session_scope(store_url) as session:
        session.add(Partner(id="customs", name="CBP Office of Trade", kind="customs"))

    with session_scope(store_url) as session:
        added = ensure_default_partners(session)

    with session_scope(store_url, readonly=True) as session:
        assert added == [pid for pid in IDS if pid != "customs"]
        assert session.get_one(Partner, "customs").name == "CBP Office of Trade"
        assert session.scalar(select(func.count()).select_from(Partner)) == 5
