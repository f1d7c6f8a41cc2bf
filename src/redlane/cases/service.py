"""Opening and working a case. Every change is written to the audit log in the same transaction.

Functions take an open :class:`~sqlalchemy.orm.Session` (the caller commits) and the acting
user's name (``cli:<user>`` from the command line).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.cases import records
from redlane.cases.workflow import CaseError, check_transition
from redlane.config import Settings
from redlane.errors import NotFound
from redlane.store import audit
from redlane.store.case_models import (
    LABELS,
    CaseAssignee,
    CaseNote,
    CaseTarget,
    CustodyEvent,
    EvidenceItem,
    ResolutionLabel,
)
from redlane.store.models import Case
from redlane.store.sqltypes import iso_utc, utcnow

# What ``case open`` accepts, and the target kind it is stored as.
OPEN_KINDS: Final = {"actor": "actor", "ring": "ring", "hawb": "hawb", "seizure": "inspection"}


def open_case(
    session: Session, settings: Settings, *, kind: str, ref: str, title: str, actor: str
) -> Case:
    """Open a case on an actor, a ring, a shipment (hawb) or a seizure (inspection id).

    The target must exist; the actors it resolves to become targets too, so the case keeps
    pointing at them whatever later resolution runs make of the ring or shipment.
    """
    if kind not in OPEN_KINDS:
        raise CaseError(f"cannot open a case on {kind!r}; use one of {', '.join(OPEN_KINDS)}")
    if not title.strip():
        raise CaseError("a case needs a title")
    target_kind = OPEN_KINDS[kind]
    con, resolved = records.connect(settings)
    try:
        _check_target_exists(con, resolved, kind, ref)
        actor_ids = records.target_actor_ids(con, target_kind, ref)
    finally:
        con.close()
    case = Case(title=title.strip(), status="lead", summary="")
    session.add(case)
    session.flush()
    session.add(CaseTarget(case_id=case.id, kind=target_kind, ref=ref, added_by=actor))
    for actor_id in actor_ids:
        if (target_kind, ref) != ("actor", actor_id):
            session.add(CaseTarget(case_id=case.id, kind="actor", ref=actor_id, added_by=actor))
    audit.append(
        session,
        actor=actor,
        action="case.open",
        object_type="case",
        object_ids=[case.id],
        details={"title": case.title, "from": {"kind": kind, "ref": ref}, "actors": actor_ids},
    )
    session.flush()
    return case


def _check_target_exists(con: Any, resolved: bool, kind: str, ref: str) -> None:
    if kind in ("actor", "ring") and not resolved:
        raise NotFound(f"no resolution run yet: there are no {kind}s to open a case on")
    if kind == "actor":
        found = con.execute("SELECT count(*) FROM actors WHERE actor_id = ?", [ref]).fetchone()
    elif kind == "ring":
        found = con.execute(
            "SELECT count(*) FROM (SELECT ring_id FROM rings WHERE ring_id = ? "
            "UNION ALL SELECT ring_id FROM actors WHERE ring_id = ?)",
            [ref, ref],
        ).fetchone()
    elif kind == "hawb":
        found = con.execute(
            "SELECT count(*) FROM (SELECT hawb FROM aed_shipments WHERE hawb = ? "
            "UNION ALL SELECT hawb FROM inspections WHERE hawb = ?)",
            [ref, ref],
        ).fetchone()
    else:
        outcome = con.execute(
            "SELECT outcome FROM inspections WHERE inspection_id = ?", [ref]
        ).fetchone()
        if outcome is None:
            raise NotFound(f"no inspection {ref!r} in the warehouse")
        if outcome[0] != "seized":
            raise CaseError(f"inspection {ref} found {outcome[0]!r}, not a seizure")
        return
    if not found or not found[0]:
        raise NotFound(f"no {kind} {ref!r} found")


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def list_cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case).order_by(Case.id.desc())))


def set_status(session: Session, case_id: int, new: str, *, actor: str, reason: str = "") -> Case:
    case = get_case(session, case_id)
    old = case.status
    check_transition(old, new)
    case.status = new
    case.updated_at = utcnow()
    audit.append(
        session,
        actor=actor,
        action="case.status",
        object_type="case",
        object_ids=[case_id],
        reason=reason,
        details={"from": old, "to": new},
    )
    return case


def require_open(case: Case) -> None:
    if case.status == "closed":
        raise CaseError(f"case {case.id} is closed")


def add_note(session: Session, case_id: int, text: str, *, actor: str) -> CaseNote:
    case = get_case(session, case_id)
    require_open(case)
    if not text.strip():
        raise CaseError("an empty note adds nothing")
    note = CaseNote(case_id=case_id, author=actor, text=text.strip(), at=utcnow())
    session.add(note)
    case.updated_at = utcnow()
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="case.note",
        object_type="case",
        object_ids=[case_id],
        details={"note_id": note.id, "chars": len(note.text)},
    )
    return note


def assign(session: Session, case_id: int, username: str, *, actor: str) -> CaseAssignee:
    case = get_case(session, case_id)
    require_open(case)
    existing = session.scalar(
        select(CaseAssignee).where(
            CaseAssignee.case_id == case_id, CaseAssignee.username == username
        )
    )
    if existing is not None:
        return existing
    row = CaseAssignee(case_id=case_id, username=username, assigned_by=actor, assigned_at=utcnow())
    session.add(row)
    audit.append(
        session,
        actor=actor,
        action="case.assign",
        object_type="case",
        object_ids=[case_id],
        details={"username": username},
    )
    return row


def add_target(session: Session, case_id: int, kind: str, ref: str, *, actor: str) -> CaseTarget:
    case = get_case(session, case_id)
    require_open(case)
    target = CaseTarget(case_id=case_id, kind=kind, ref=ref, added_by=actor)
    session.add(target)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="case.target",
        object_type="case",
        object_ids=[case_id],
        details={"kind": kind, "ref": ref},
    )
    return target


def add_label(
    session: Session,
    case_id: int,
    party_a: str,
    party_b: str,
    label: str,
    *,
    actor: str,
    settings: Settings | None = None,
) -> ResolutionLabel:
    """Record an investigator's match / non-match verdict on two parties, for resolution to
    learn from (the pair is stored in sorted order). With ``settings``, both parties must exist
    in the current resolution run, when there is one."""
    get_case(session, case_id)
    if label not in LABELS:
        raise CaseError(f"label must be one of {', '.join(LABELS)}")
    if party_a == party_b:
        raise CaseError("a party always matches itself; label two different parties")
    if settings is not None:
        _check_parties_exist(settings, (party_a, party_b))
    left, right = sorted((party_a, party_b))
    row = ResolutionLabel(
        party_id_l=left, party_id_r=right, label=label, case_id=case_id, by=actor, at=utcnow()
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="case.label",
        object_type="case",
        object_ids=[case_id],
        details={"party_id_l": left, "party_id_r": right, "label": label},
    )
    return row


def _check_parties_exist(settings: Settings, party_ids: tuple[str, ...]) -> None:
    con, resolved = records.connect(settings)
    try:
        if not resolved:
            return
        found = {
            str(r[0])
            for r in con.execute(
                "SELECT party_id FROM parties WHERE list_contains(?::VARCHAR[], party_id)",
                [list(party_ids)],
            ).fetchall()
        }
    finally:
        con.close()
    missing = [p for p in party_ids if p not in found]
    if missing:
        raise NotFound(f"no party {', '.join(missing)} in the current resolution run")


def targets(session: Session, case_id: int) -> list[CaseTarget]:
    return list(
        session.scalars(
            select(CaseTarget).where(CaseTarget.case_id == case_id).order_by(CaseTarget.id)
        )
    )


def case_brief(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "title": case.title,
        "status": case.status,
        "created_at": iso_utc(case.created_at),
        "updated_at": iso_utc(case.updated_at),
    }


def case_detail(session: Session, case_id: int) -> dict[str, Any]:
    """The case as stored (targets, assignees, notes, evidence with custody, labels)."""
    case = get_case(session, case_id)
    out = case_brief(case)
    out["targets"] = [
        {"kind": t.kind, "ref": t.ref, "added_by": t.added_by, "added_at": iso_utc(t.added_at)}
        for t in targets(session, case_id)
    ]
    out["assignees"] = [
        a.username
        for a in session.scalars(
            select(CaseAssignee).where(CaseAssignee.case_id == case_id).order_by(CaseAssignee.id)
        )
    ]
    out["notes"] = [
        {"at": iso_utc(n.at), "author": n.author, "text": n.text}
        for n in session.scalars(
            select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
        )
    ]
    out["evidence"] = [evidence_json(session, e) for e in evidence_items(session, case_id)]
    out["labels"] = [
        {
            "party_id_l": lab.party_id_l,
            "party_id_r": lab.party_id_r,
            "label": lab.label,
            "by": lab.by,
            "at": iso_utc(lab.at),
        }
        for lab in session.scalars(
            select(ResolutionLabel)
            .where(ResolutionLabel.case_id == case_id)
            .order_by(ResolutionLabel.id)
        )
    ]
    return out


def evidence_items(session: Session, case_id: int) -> list[EvidenceItem]:
    return list(
        session.scalars(
            select(EvidenceItem).where(EvidenceItem.case_id == case_id).order_by(EvidenceItem.id)
        )
    )


def evidence_json(session: Session, item: EvidenceItem) -> dict[str, Any]:
    custody = session.scalars(
        select(CustodyEvent).where(CustodyEvent.evidence_id == item.id).order_by(CustodyEvent.id)
    )
    return {
        "id": item.id,
        "kind": item.kind,
        "source_partner": item.source_partner,
        "original_filename": item.original_filename,
        "sha256": item.sha256,
        "size_bytes": item.size_bytes,
        "received_at": iso_utc(item.received_at),
        "added_by": item.added_by,
        "description": item.description,
        "record_refs": item.record_refs,
        "custody": [
            {"at": iso_utc(c.at), "actor": c.actor, "action": c.action, "details": c.details}
            for c in custody
        ],
    }
