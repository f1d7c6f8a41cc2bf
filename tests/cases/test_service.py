"""Opening and working cases: targets, workflow, notes, labels, timeline, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from redlane.cases import records, service
from redlane.cases.workflow import TRANSITIONS, CaseError, check_transition
from redlane.config import Settings
from redlane.errors import NotFound
from redlane.store import audit
from redlane.store.case_models import ResolutionLabel
from redlane.store.db import session_scope
from redlane.store.models import CASE_STATUSES, AuditEntry

ME = "cli:tester"


def _open(settings: Settings, kind: str, ref: str) -> int:
    with session_scope(settings.database) as session:
        return service.open_case(
            session, settings, kind=kind, ref=ref, title=f"{kind} {ref}", actor=ME
        ).id


def _targets(settings: Settings, case_id: int) -> set[tuple[str, str]]:
    with session_scope(settings.database) as session:
        return {(t.kind, t.ref) for t in service.targets(session, case_id)}


@pytest.mark.parametrize(
    ("kind", "ref", "expected"),
    [
        ("actor", "A1", {("actor", "A1")}),
        ("ring", "R1", {("ring", "R1"), ("actor", "A1"), ("actor", "A2")}),
        ("hawb", "H1", {("hawb", "H1"), ("actor", "A1"), ("actor", "A2")}),
        ("seizure", "I1", {("inspection", "I1"), ("actor", "A1"), ("actor", "A2")}),
        ("hawb", "H3", {("hawb", "H3"), ("actor", "A3")}),
    ],
)
def test_open_case_resolves_targets_to_actors(settings, kind, ref, expected) -> None:
    case_id = _open(settings, kind, ref)

    assert _targets(settings, case_id) == expected
    with session_scope(settings.database) as session:
        case = service.get_case(session, case_id)
        assert case.status == "lead"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case.open")).one()
        assert entry.object_ids == [str(case_id)]
        assert entry.details["from"] == {"kind": kind, "ref": ref}


@pytest.mark.parametrize(
    ("kind", "ref", "error"),
    [
        ("actor", "NOPE", NotFound),
        ("ring", "NOPE", NotFound),
        ("hawb", "NOPE", NotFound),
        ("seizure", "NOPE", NotFound),
        ("seizure", "I2", CaseError),  # cleared, not seized
        ("listing", "L1", CaseError),
    ],
)
def test_open_case_refuses_unknown_targets(settings, kind, ref, error) -> None:
    with pytest.raises(error), session_scope(settings.database) as session:
        service.open_case(session, settings, kind=kind, ref=ref, title="x", actor=ME)


def test_every_status_pair_is_allowed_exactly_per_the_workflow() -> None:
    for current in CASE_STATUSES:
        for new in CASE_STATUSES:
            if new in TRANSITIONS[current]:
                check_transition(current, new)
            else:
                with pytest.raises(CaseError):
                    check_transition(current, new)
    with pytest.raises(CaseError, match="unknown status"):
        check_transition("lead", "referred")


def test_status_workflow_and_audit(settings) -> None:
    case_id = _open(settings, "ring", "R1")
    with session_scope(settings.database) as session:
        with pytest.raises(CaseError, match="from lead to referred_prosecution"):
            service.set_status(session, case_id, "referred_prosecution", actor=ME)
    for new in ("investigation", "referred_prosecution", "closed"):
        with session_scope(settings.database) as session:
            service.set_status(session, case_id, new, actor=ME, reason="test")
    with session_scope(settings.database) as session:
        assert service.get_case(session, case_id).status == "closed"
        with pytest.raises(CaseError, match="closed"):
            service.set_status(session, case_id, "investigation", actor=ME)
        with pytest.raises(CaseError, match="closed"):
            service.add_note(session, case_id, "too late", actor=ME)
    with session_scope(settings.database) as session:
        moves = [
            e.details
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "case.status")
                .order_by(AuditEntry.seq)
            )
        ]
        assert moves == [
            {"from": "lead", "to": "investigation"},
            {"from": "investigation", "to": "referred_prosecution"},
            {"from": "referred_prosecution", "to": "closed"},
        ]
        assert audit.verify(session).ok


def test_notes_assignees_labels(settings) -> None:
    case_id = _open(settings, "actor", "A1")
    with session_scope(settings.database) as session:
        service.add_note(session, case_id, "  same phone on three records ", actor=ME)
        service.assign(session, case_id, "alice", actor=ME)
        service.assign(session, case_id, "alice", actor=ME)  # idempotent
        service.add_label(session, case_id, "p3", "p1", "match", actor=ME)
        service.add_label(session, case_id, "p6", "p1", "non_match", actor=ME)
        with pytest.raises(CaseError):
            service.add_label(session, case_id, "p1", "p1", "match", actor=ME)
        with pytest.raises(CaseError):
            service.add_label(session, case_id, "p1", "p2", "maybe", actor=ME)
        with pytest.raises(NotFound, match="p9"):
            service.add_label(session, case_id, "p1", "p9", "match", actor=ME, settings=settings)
        service.add_label(session, case_id, "p4", "p5", "match", actor=ME, settings=settings)
    with session_scope(settings.database) as session:
        detail = service.case_detail(session, case_id)
        labels = list(session.scalars(select(ResolutionLabel).order_by(ResolutionLabel.id)))
    assert [n["text"] for n in detail["notes"]] == ["same phone on three records"]
    assert detail["assignees"] == ["alice"]
    # Stored in sorted order, ready for resolution training.
    assert [(lab.party_id_l, lab.party_id_r, lab.label, lab.case_id) for lab in labels] == [
        ("p1", "p3", "match", case_id),
        ("p1", "p6", "non_match", case_id),
        ("p4", "p5", "match", case_id),
    ]


def test_timeline_covers_every_linked_record(settings) -> None:
    linked = records.collect(settings, [("ring", "R1")])

    keys = {(e.table, e.key) for e in linked.timeline}
    assert keys == {
        ("aed_shipments", "H1"),
        ("aed_shipments", "H2"),
        ("inspections", "I1"),
        ("customs_entries", "E1"),
        ("mp_sellers", "S1"),
        ("mp_listings", "L1"),
        ("mp_listings", "L2"),
        ("mp_takedowns", "T1"),
        ("social_posts", "P1"),
    }
    assert [e.at for e in linked.timeline] == sorted(e.at for e in linked.timeline)
    assert [s["inspection_id"] for s in linked.seizures] == ["I1"]
    # H3 belongs to another actor and stays out.
    assert all(e.key != "H3" for e in linked.timeline)


def test_without_resolution_a_shipment_case_still_sees_its_records(settings) -> None:
    (settings.home / "resolution" / "current.json").unlink()

    linked = records.collect(settings, [("inspection", "I1")])

    assert not linked.resolved and linked.actors == []
    assert {e.key for e in linked.timeline} >= {"H1", "I1", "E1", "S1", "L1"}


def test_a_seizure_recorded_in_the_service_is_in_the_case_at_once(settings) -> None:
    from redlane.cases.package import case_content
    from redlane.policy import Viewer, ensure_default_agreements
    from redlane.store.partners import ensure_default_partners
    from redlane.targeting.outcomes import record_outcome

    case_id = _open(settings, "ring", "R1")
    with session_scope(settings.database) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        record_outcome(
            session,
            {"carrier": "EXPR", "hawb": "H2", "port_code": "JFK", "outcome": "seized"},
            "officer",
        )
    with session_scope(settings.database) as session:
        _detail, linked, _policy = case_content(
            session, settings, case_id, Viewer("ipcc", "investigator")
        )
    assert sorted(s["hawb"] for s in linked.seizures) == ["H1", "H2"]
    # without the store, only customs' inspections feed: what the case showed before
    assert [s["hawb"] for s in records.collect(settings, [("ring", "R1")]).seizures] == ["H1"]
