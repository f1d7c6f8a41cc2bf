"""Feed upload: a file becomes an ingestion job; its status carries a quarantine summary."""

from __future__ import annotations

import hashlib
import re
import shutil
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.idempotency import REPLAYED, IdempotencyDep
from redlane.api.problems import Problem, problem_responses
from redlane.api.roles import (
    CARRIER_LIAISON,
    MACHINE,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers.common import protected_router
from redlane.api.schemas import JobOut
from redlane.api.state import get_state
from redlane.errors import FeedError
from redlane.feeds.detect import detect_feed
from redlane.model.spec import FEEDS_BY_KIND
from redlane.store import audit

router = protected_router("feeds")

UPLOADERS = access(CARRIER_LIAISON, MARKETPLACE_ANALYST, RIGHTS_HOLDER, TARGETING_ANALYST, MACHINE)
CHUNK = 1 << 20


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    return cleaned[:120] or "upload"


@router.post(
    "/feeds/upload",
    response_model=JobOut,
    status_code=202,
    summary="Upload one partner file; ingestion runs in the background (max 50 MB)",
    responses=problem_responses(409, 413),
)
def upload(
    request: Request,
    principal: Annotated[Principal, Depends(UPLOADERS)],
    session: SessionDep,
    file: Annotated[UploadFile, File(description="A partner feed file (CSV, JSON, JSONL)")],
    idempotency: IdempotencyDep,
    feed: Annotated[str | None, Form(description="Feed kind; detected when omitted")] = None,
    partner: Annotated[str | None, Form(description="Admins only: the sending partner")] = None,
) -> JobOut | Response:
    if feed is not None and feed not in FEEDS_BY_KIND:
        raise Problem(422, f"unknown feed {feed!r}; known: {', '.join(FEEDS_BY_KIND)}")
    sender = principal.partner_id
    if partner and partner != sender:
        if not principal.is_admin:
            raise Problem(403, "you may only upload your own partner's files", kind="forbidden")
        sender = partner
    state = get_state(request)
    job_dir = state.jobs.new_job_dir()
    filename = _safe_name(file.filename or "upload")
    target = job_dir / filename
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while block := file.file.read(CHUNK):
            digest.update(block)
            out.write(block)

    def ingest() -> JobOut:
        try:
            spec = detect_feed(target, feed)
        except FeedError as e:
            raise Problem(422, f"{filename}: {e.detail.removeprefix(e.path + ': ')}") from e
        if spec.partner != sender and not principal.is_admin:
            raise Problem(403, f"the {spec.kind} feed is not sent by {sender!r}", kind="forbidden")
        audit.append(
            session,
            actor=principal.name,
            action="feed.upload",
            object_type="upload_job",
            object_ids=[job_dir.name],
            reason="partner feed upload",
            partner_id=sender,
            details={"filename": filename, "feed": feed, "bytes": target.stat().st_size},
        )
        session.commit()
        job = state.jobs.submit(target, filename, sender, feed, principal.name)
        return JobOut(**job.to_json())

    # A retry of the same file (same bytes, name, feed and sender) replays the first job.
    same = {"sha256": digest.hexdigest(), "filename": filename, "feed": feed, "sender": sender}
    try:
        answer = idempotency.run(principal, same, ingest, session)
    except Problem:  # refused before any job started (bad file, or a reused key)
        shutil.rmtree(job_dir, ignore_errors=True)
        raise
    if isinstance(answer, Response) and REPLAYED in answer.headers:
        shutil.rmtree(job_dir, ignore_errors=True)  # nothing to ingest: the first job did
    return answer


@router.get(
    "/feeds/jobs/{job_id}",
    response_model=JobOut,
    summary="An upload job's status and quarantine summary",
    responses=problem_responses(404),
)
def job_status(
    request: Request,
    job_id: str,
    principal: Annotated[Principal, Depends(UPLOADERS)],
) -> JobOut:
    job = get_state(request).jobs.get(job_id)
    if job is None or (not principal.is_admin and job.partner != principal.partner_id):
        raise Problem(404, f"no upload job {job_id!r}")
    return JobOut(**job.to_json())
