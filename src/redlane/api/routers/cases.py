"""Cases and evidence: investigators work them, targeting analysts read them.

Reads go through the one disclosure policy (:mod:`redlane.api.case_views`); every read and
action is audited, evidence views and exports also in the item's chain of custody.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from redlane.api import case_views
from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.problems import problem_responses
from redlane.api.roles import Principal
from redlane.api.routers.common import protected_router
from redlane.api.schemas import RecordId
from redlane.api.state import get_state
from redlane.cases import evidence, service
from redlane.store.case_models import EVIDENCE_KINDS

router = protected_router("cases", 404, 409)

CASE_READERS = access(*case_views.CASE_READERS)
CASE_WORKERS = access(*case_views.CASE_WORKERS)


class CaseOpen(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"kind": "ring", "ref": "R-0013", "title": "Ring R-0013"}}
    )
    kind: Literal["actor", "ring", "hawb", "seizure"] = Field(
        description="What the case opens on (seizure: an inspection id whose outcome is seized)"
    )
    ref: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)


class StatusChange(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"status": "investigation", "reason": "two seizures"}}
    )
    status: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=1000)


class NoteIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"text": "same bank account as the March seizure"}}
    )
    text: str = Field(min_length=1, max_length=10_000)


@router.get("/cases", summary="Cases, newest first")
def list_cases(
    principal: Annotated[Principal, Depends(CASE_READERS)],
    session: SessionDep,
) -> list[dict[str, Any]]:
    return case_views.list_view(session, principal)


@router.post("/cases", status_code=201, summary="Open a case on an actor, ring, hawb or seizure")
def open_case(
    request: Request,
    body: CaseOpen,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    session: SessionDep,
) -> dict[str, Any]:
    case = service.open_case(
        session,
        case_views.settings_for(get_state(request)),
        kind=body.kind,
        ref=body.ref,
        title=body.title,
        actor=principal.name,
    )
    return service.case_brief(case)


@router.get(
    "/cases/{case_id}",
    summary="A case: targets, notes, evidence index with custody, linked actors, timeline",
)
def get_case(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(CASE_READERS)],
    session: SessionDep,
    timeline_kind: Annotated[
        list[str] | None, Query(description="only events from these source tables")
    ] = None,
    timeline_since: Annotated[str, Query(description="events on or after (YYYY-MM-DD)")] = "",
    timeline_until: Annotated[str, Query(description="events on or before (YYYY-MM-DD)")] = "",
    timeline_page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    timeline_per_page: Annotated[int, Query(ge=1, le=case_views.TIMELINE_LIMIT)] = (
        case_views.TIMELINE_LIMIT
    ),
) -> dict[str, Any]:
    query = case_views.TimelineQuery.parse(
        kinds=timeline_kind,
        since=timeline_since,
        until=timeline_until,
        page=timeline_page,
        per_page=timeline_per_page,
    )
    return case_views.detail_view(session, get_state(request), principal, case_id, query)


@router.post("/cases/{case_id}/status", summary="Move a case along its workflow")
def change_status(
    case_id: RecordId,
    body: StatusChange,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    session: SessionDep,
) -> dict[str, Any]:
    case = service.set_status(
        session, case_id, body.status, actor=principal.name, reason=body.reason
    )
    return service.case_brief(case)


@router.post("/cases/{case_id}/notes", status_code=201, summary="Add a note to an open case")
def add_note(
    case_id: RecordId,
    body: NoteIn,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    session: SessionDep,
) -> dict[str, Any]:
    note = service.add_note(session, case_id, body.text, actor=principal.name)
    return {"id": note.id, "case_id": case_id, "author": note.author, "text": note.text}


@router.post(
    "/cases/{case_id}/evidence",
    status_code=201,
    summary="Add an evidence file (multipart, max 50 MB); custody starts with `added`",
    responses=problem_responses(413),
)
def add_evidence(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    session: SessionDep,
    file: Annotated[UploadFile, File(description="The evidence file, kept byte for byte")],
    kind: Annotated[str, Form(description=f"One of {', '.join(EVIDENCE_KINDS)}")] = "document",
    source_partner: Annotated[
        str | None, Form(description="Partner it came from (default: yours)")
    ] = None,
    description: Annotated[str, Form(max_length=2000)] = "",
) -> dict[str, Any]:
    data = file.file.read(case_views.MAX_EVIDENCE_BYTES + 1)
    item = evidence.add_evidence(
        session,
        case_views.settings_for(get_state(request)),
        case_id,
        data=data,
        filename=file.filename or "evidence",
        kind=kind,
        source_partner=source_partner or principal.partner_id,
        actor=principal.name,
        description=description,
    )
    session.flush()
    return service.evidence_json(session, item)


@router.get(
    "/cases/{case_id}/evidence/{evidence_id}",
    summary="An evidence file, checked against its sha256 (custody: `viewed`)",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        **problem_responses(500),
    },
)
def view_evidence(
    case_id: RecordId,
    evidence_id: RecordId,
    principal: Annotated[Principal, Depends(CASE_READERS)],
    session: SessionDep,
) -> Response:
    return case_views.evidence_download(session, principal, case_id, evidence_id, name="id")


@router.post(
    "/cases/{case_id}/export",
    summary="Export the signed evidence package; answers a zip of it (its folder in a header)",
    responses={200: {"content": {"application/zip": {}}, "description": "The package"}},
)
def export(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    session: SessionDep,
) -> Response:
    out_dir, data = case_views.export_zip(session, get_state(request), principal, case_id)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{out_dir.name}.zip"',
            "X-Package-Path": str(out_dir),
        },
    )
