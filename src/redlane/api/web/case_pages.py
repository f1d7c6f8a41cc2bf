"""Console pages for cases and evidence: same roles, policy and audit as ``/v1/cases``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from redlane.api import case_views
from redlane.api.auth import Access
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.schemas import RecordId
from redlane.api.state import get_state
from redlane.api.web.kit import check_csrf, page_access, page_router, render
from redlane.cases import evidence, service
from redlane.store.case_models import EVIDENCE_KINDS

CASES = Access(case_views.CASE_READERS)
CASE_WORK = Access(case_views.CASE_WORKERS)

router = page_router()


@router.get("/cases")
def cases_index(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(CASES))],
    session: SessionDep,
) -> HTMLResponse:
    rows = case_views.list_view(session, principal)
    return render(
        request, "cases.html", principal, rows=rows, may_work=case_views.may_work(principal)
    )


@router.post("/cases")
def case_open(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "actor",
    ref: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    case = service.open_case(
        session,
        case_views.settings_for(get_state(request)),
        kind=kind,
        ref=ref.strip(),
        title=title,
        actor=principal.name,
    )
    session.flush()
    return RedirectResponse(f"/console/cases/{case.id}", status_code=303)


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASES))],
    session: SessionDep,
    saved: str = "",
    kind: Annotated[list[str] | None, Query()] = None,
    since: str = "",
    until: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    query = case_views.TimelineQuery.parse(kinds=kind, since=since, until=until, page=page)
    detail = case_views.detail_view(session, get_state(request), principal, case_id, query)
    return render(
        request,
        "case.html",
        principal,
        c=detail,
        saved=saved,
        may_work=case_views.may_work(principal),
        kinds=EVIDENCE_KINDS,
        timeline_kinds=case_views.TIMELINE_KINDS,
        pager=timeline_pager(case_id, detail["timeline_page"]),
    )


def timeline_pager(case_id: int, paged: dict[str, Any]) -> dict[str, str]:
    """Links to the timeline's previous and next pages, keeping its filters (anchored at the
    timeline, so the page opens where the reader was)."""
    filters: list[tuple[str, str | int]] = [("kind", k) for k in paged["kinds"]]
    filters += [(name, paged[name]) for name in ("since", "until") if paged[name]]

    def link(page: int) -> str:
        return f"/console/cases/{case_id}?{urlencode([*filters, ('page', page)])}#tl"

    current = int(paged["page"])
    return {
        "previous": link(current - 1) if current > 1 else "",
        "next": link(current + 1) if current < int(paged["pages"]) else "",
    }


@router.post("/cases/{case_id}/notes")
def case_note(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    service.add_note(session, case_id, text, actor=principal.name)
    return RedirectResponse(f"/console/cases/{case_id}?saved=note", status_code=303)


@router.post("/cases/{case_id}/status")
def case_status(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    service.set_status(session, case_id, status, actor=principal.name, reason=reason)
    return RedirectResponse(f"/console/cases/{case_id}?saved=status", status_code=303)


@router.get("/cases/{case_id}/evidence/new")
def evidence_form(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
) -> HTMLResponse:
    case = service.get_case(session, case_id)
    return render(
        request, "evidence_new.html", principal, case=service.case_brief(case), kinds=EVIDENCE_KINDS
    )


@router.post("/cases/{case_id}/evidence")
def evidence_upload(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "document",
    source_partner: Annotated[str, Form(max_length=100)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    if file is None or not file.filename:
        raise Problem(422, "choose a file to upload")
    evidence.add_evidence(
        session,
        case_views.settings_for(get_state(request)),
        case_id,
        data=file.file.read(case_views.MAX_EVIDENCE_BYTES + 1),
        filename=file.filename,
        kind=kind,
        source_partner=source_partner.strip() or principal.partner_id,
        actor=principal.name,
        description=description,
    )
    return RedirectResponse(f"/console/cases/{case_id}?saved=evidence", status_code=303)


@router.get("/cases/{case_id}/evidence/{evidence_id}")
def evidence_view(
    case_id: RecordId,
    evidence_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASES))],
    session: SessionDep,
) -> Response:
    return case_views.evidence_download(session, principal, case_id, evidence_id, name="original")


@router.post("/cases/{case_id}/export")
def case_export(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(CASE_WORK))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    out_dir, data = case_views.export_zip(session, get_state(request), principal, case_id)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{out_dir.name}.zip"'},
    )
