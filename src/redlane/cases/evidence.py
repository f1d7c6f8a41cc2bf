"""Evidence files and their chain of custody.

A file is stored once by content at ``HOME/evidence/<sha256>`` (read-only, written by an atomic
rename), so two cases holding the same photo share one copy and a changed copy is detectable:
every read re-hashes the file. Each item's custody log (``custody_events``) only ever grows:
added, viewed, exported, shared; every custody event is also written to the audit log.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.cases.service import get_case, require_open
from redlane.cases.workflow import CaseError
from redlane.config import Settings
from redlane.errors import NotFound
from redlane.store import audit
from redlane.store.case_models import CUSTODY_ACTIONS, EVIDENCE_KINDS, CustodyEvent, EvidenceItem
from redlane.store.sqltypes import utcnow


class EvidenceTampered(CaseError):
    """A stored evidence file no longer has the hash it was received with."""

    STATUS = 500


def evidence_dir(settings: Settings) -> Path:
    return settings.home / "evidence"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store(settings: Settings, data: bytes) -> tuple[str, Path]:
    sha = hashlib.sha256(data).hexdigest()
    folder = evidence_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / sha
    if target.exists() and sha256_file(target) == sha:
        return sha, target
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha, target


def add_evidence(
    session: Session,
    settings: Settings,
    case_id: int,
    *,
    data: bytes,
    filename: str,
    kind: str,
    source_partner: str,
    actor: str,
    description: str = "",
    record_refs: Sequence[Mapping[str, Any]] = (),
) -> EvidenceItem:
    """Store ``data`` as evidence of the case and start its chain of custody.

    Safe to retry: the same bytes of the same kind from the same partner, added to the same case
    again, give back the item already there (with no second "added" custody event)."""
    case = get_case(session, case_id)
    require_open(case)
    if kind not in EVIDENCE_KINDS:
        raise CaseError(f"unknown evidence kind {kind!r}; kinds: {', '.join(EVIDENCE_KINDS)}")
    if not source_partner.strip():
        raise CaseError("evidence needs the partner it came from")
    sha, stored = _store(settings, data)
    existing = session.scalars(
        select(EvidenceItem)
        .where(
            EvidenceItem.case_id == case_id,
            EvidenceItem.sha256 == sha,
            EvidenceItem.kind == kind,
            EvidenceItem.source_partner == source_partner,
        )
        .order_by(EvidenceItem.id)
    ).first()
    if existing is not None:
        return existing
    item = EvidenceItem(
        case_id=case_id,
        kind=kind,
        source_partner=source_partner,
        original_filename=Path(filename).name,
        stored_path=str(stored),
        sha256=sha,
        size_bytes=len(data),
        received_at=utcnow(),
        added_by=actor,
        description=description,
        record_refs=[dict(r) for r in record_refs],
    )
    session.add(item)
    session.flush()
    custody(session, item, "added", actor=actor, details={"original_filename": filename})
    case.updated_at = utcnow()
    return item


def add_evidence_file(
    session: Session,
    settings: Settings,
    case_id: int,
    path: Path,
    *,
    kind: str,
    source_partner: str,
    actor: str,
    description: str = "",
) -> EvidenceItem:
    if not path.is_file():
        raise NotFound(f"no file {path}")
    return add_evidence(
        session,
        settings,
        case_id,
        data=path.read_bytes(),
        filename=path.name,
        kind=kind,
        source_partner=source_partner,
        actor=actor,
        description=description,
    )


def custody(
    session: Session,
    item: EvidenceItem,
    action: str,
    *,
    actor: str,
    details: Mapping[str, Any] | None = None,
) -> CustodyEvent:
    """Append one custody event (and its audit entry)."""
    if action not in CUSTODY_ACTIONS:
        raise ValueError(f"unknown custody action {action!r}")
    event = CustodyEvent(
        evidence_id=item.id, at=utcnow(), actor=actor, action=action, details=dict(details or {})
    )
    session.add(event)
    audit.append(
        session,
        actor=actor,
        action=f"evidence.{action}",
        object_type="evidence",
        object_ids=[item.id],
        details={"case_id": item.case_id, "sha256": item.sha256, **dict(details or {})},
    )
    return event


def verified_bytes(session: Session, evidence_id: int) -> tuple[EvidenceItem, bytes]:
    """The item and its bytes, checked against its sha256; logs nothing (callers that pass
    the bytes on must log a custody event)."""
    item = session.get(EvidenceItem, evidence_id)
    if item is None:
        raise NotFound(f"no evidence item {evidence_id}")
    path = Path(item.stored_path)
    if not path.is_file():
        raise EvidenceTampered(f"evidence {evidence_id}: stored file {path} is missing")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise EvidenceTampered(
            f"evidence {evidence_id}: stored file {path} no longer matches its sha256"
        )
    return item, data


def read_evidence(
    session: Session,
    evidence_id: int,
    *,
    actor: str,
    action: str = "viewed",
    details: Mapping[str, Any] | None = None,
) -> bytes:
    """The item's bytes, checked against its hash; logs a custody event (``viewed`` by default,
    ``exported`` or ``shared`` when the caller passes the bytes on)."""
    item, data = verified_bytes(session, evidence_id)
    custody(session, item, action, actor=actor, details=details)
    return data
