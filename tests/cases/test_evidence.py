"""Evidence files: stored by content, chain of custody, tampering detected on read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from redlane.cases import service
from redlane.cases.evidence import EvidenceTampered, add_evidence_file, read_evidence
from redlane.cases.workflow import CaseError
from redlane.store import audit
from redlane.store.case_models import CustodyEvent
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry

ME = "cli:tester"


@pytest.fixture
def case_id(settings) -> int:
    with session_scope(settings.database) as session:
        return service.open_case(
            session, settings, kind="seizure", ref="I1", title="t", actor=ME
        ).id


def test_evidence_is_stored_by_sha256_with_custody(settings, case_id, tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 fake jpeg")
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    with session_scope(settings.database) as session:
        item = add_evidence_file(
            session, settings, case_id, photo, kind="photo", source_partner="customs", actor=ME
        )
        again = add_evidence_file(
            session, settings, case_id, photo, kind="photo", source_partner="customs", actor=ME
        )
        item_id = item.id
    stored = settings.home / "evidence" / sha
    assert item.sha256 == sha and Path(item.stored_path) == stored
    assert again.stored_path == item.stored_path  # one copy per content
    assert stored.read_bytes() == photo.read_bytes()
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    with session_scope(settings.database) as session:
        assert read_evidence(session, item_id, actor="cli:bob") == photo.read_bytes()
    with session_scope(settings.database) as session:
        chain = [
            (c.action, c.actor)
            for c in session.scalars(
                select(CustodyEvent)
                .where(CustodyEvent.evidence_id == item_id)
                .order_by(CustodyEvent.id)
            )
        ]
        assert chain == [("added", ME), ("viewed", "cli:bob")]
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"evidence.added", "evidence.viewed"} <= actions
        assert audit.verify(session).ok


def test_changed_stored_file_is_refused(settings, case_id, tmp_path: Path) -> None:
    doc = tmp_path / "invoice.pdf"
    doc.write_bytes(b"%PDF-1.4 invoice")
    with session_scope(settings.database) as session:
        item = add_evidence_file(
            session, settings, case_id, doc, kind="document", source_partner="carrier", actor=ME
        )
    stored = Path(item.stored_path)
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF-1.4 forged")
    with pytest.raises(EvidenceTampered, match="no longer matches"):
        with session_scope(settings.database) as session:
            read_evidence(session, item.id, actor=ME)


def test_evidence_needs_known_kind_and_partner(settings, case_id, tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("x")
    with session_scope(settings.database) as session:
        with pytest.raises(CaseError, match="kind"):
            add_evidence_file(
                session, settings, case_id, f, kind="rumour", source_partner="c", actor=ME
            )
        with pytest.raises(CaseError, match="partner"):
            add_evidence_file(
                session, settings, case_id, f, kind="other", source_partner=" ", actor=ME
            )
