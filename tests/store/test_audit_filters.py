"""Reading the audit log by filter, on both stores: the object-id filter is JSON SQL that differs
per backend (SQLite's ``json_each``, PostgreSQL's ``jsonb_exists``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from redlane.store import audit, migrate
from redlane.store.db import dispose_engine, session_scope
from tests.utils.databases import BACKENDS, database_url


@pytest.mark.parametrize("backend", BACKENDS)
def test_filters_and_pages_read_the_same_entries_on_each_store(
    backend: str, tmp_path: Path
) -> None:
    with database_url(backend, tmp_path) as url:
        migrate.upgrade(url)
        with session_scope(url) as session:
            for i in range(7):
                audit.append(
                    session,
                    actor="analyst" if i % 2 else "officer",
                    action="case.view",
                    object_type="case",
                    object_ids=[i, 100 + i] if i < 5 else ["C-7", i],
                )
        try:
            with session_scope(url, readonly=True) as session:
                # ids are kept as text: a numeric id matches as text, and only whole elements
                by_id = audit.AuditFilter(object_id="3")
                assert audit.count(session, by_id) == 1
                assert audit.count(session, audit.AuditFilter(object_id="10")) == 0
                assert audit.count(session, audit.AuditFilter(object_id="C-7")) == 2
                both = audit.AuditFilter(actor="analyst", object_id="C-7")
                assert audit.count(session, both) == 1  # entries 5 (analyst) and 6 (officer)
                assert audit.count(session, audit.AuditFilter(actor="analyst")) == 3
                first = audit.read_page(session, audit.AuditFilter(action="case.view"), limit=4)
                assert len(first.entries) == 4 and first.next_before is not None
                rest = audit.read_page(
                    session,
                    audit.AuditFilter(action="case.view"),
                    limit=4,
                    before=first.next_before,
                )
                seqs = [e.seq for e in first.entries + rest.entries]
                assert len(seqs) == 7 and seqs == sorted(seqs, reverse=True)
        finally:
            dispose_engine(url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_and_lookout_hits_read_from_plan_entries_on_each_store(
    backend: str, tmp_path: Path
) -> None:
    """A port and day planned twice counts as its latest plan (JSON paths into ``details``)."""
    from redlane.targeting.decisions import plan_hits

    plans = [
        ("JFK", "2025-06-01", {"rule:1": 4, "lookout:2": 1}),
        ("JFK", "2025-06-01", {"rule:1": 3}),  # planned again: replaces the first
        ("LAX", "2025-06-01", {"rule:1": 2, "lookout:2": 5}),
    ]
    with database_url(backend, tmp_path) as url:
        migrate.upgrade(url)
        with session_scope(url) as session:
            for port, day, hits in plans:
                audit.append(
                    session,
                    actor="analyst",
                    action="target.plan",
                    object_type="plan",
                    object_ids=[f"{port}-{day}"],
                    details={"port": port, "day": day, "check_hits": hits},
                )
        try:
            with session_scope(url, readonly=True) as session:
                assert plan_hits(session) == {"rule:1": 5, "lookout:2": 5}
        finally:
            dispose_engine(url)
