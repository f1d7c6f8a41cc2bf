"""Brand protection: the rights holders' registry, guides, codes and flags; authentication.

Every route declares its roles with ``access(...)``; which *brand* a caller may see or change is
decided in one place, :mod:`redlane.brands.scope` (a rights holder: only its own brands; a brand
outside the scope answers 404). Decisions and reads of party data are audited by the domain
functions in the same transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Final

from fastapi import Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from redlane.api.auth import access, require_port
from redlane.api.brand_schemas import (
    AuthenticateIn,
    BrandIn,
    CodesIn,
    ConfirmIn,
    DecisionIn,
    FlagIn,
    GuideIn,
    MemberIn,
    PartyIn,
    ProductLineIn,
    SyncOut,
    TrademarkIn,
)
from redlane.api.brand_views import (
    AUTHENTICATORS,
    FLAG_READERS,
    OWNERS,
    REGISTRY_READERS,
    REVIEWERS,
    brand_scope,
    code_key,
    live_matcher,
    records_con,
)
from redlane.api.case_views import settings_for
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.queries import audit_read
from redlane.api.roles import (
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers.common import protected_router
from redlane.api.schemas import RecordId
from redlane.api.state import get_state
from redlane.brands import codes, flags, guides, registry
from redlane.brands.scope import brand_in_scope
from redlane.store.brand_models import SCAN_VERDICTS

router = protected_router("brands", 404, 409, 413)

# Rules only the API uses; the ones the console shares are in redlane.api.brand_views.
CONFIRMERS = access(INVESTIGATOR, CUSTOMS_OFFICER, TARGETING_ANALYST)
METRICS_READERS = access(RIGHTS_HOLDER, TARGETING_ANALYST, INVESTIGATOR)
ADMINS = access()
MAX_IMAGE_UPLOAD: Final = guides.MAX_IMAGE_BYTES

PrincipalOf = Annotated[Principal, Depends(REGISTRY_READERS)]


# --- registry ---------------------------------------------------------------------------------
@router.get("/brands", summary="Brands the caller sees (a rights holder: its own)")
def list_brands(principal: PrincipalOf, session: SessionDep) -> list[dict[str, Any]]:
    scope = brand_scope(session, principal)
    return [registry.brand_summary(b) for b in session.execute(scope.brands()).scalars()]


@router.post("/brands", status_code=201, summary="Register a brand of your rights holder")
def create_brand(
    body: BrandIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    brand = registry.create_brand(
        session,
        brand_scope(session, principal),
        name=body.name,
        owner_country=body.owner_country,
        brand_ref=body.brand_id,
    )
    return registry.brand_detail(session, brand)


@router.get(
    "/brands/seizure-notices",
    summary="Seizure notices of the caller's brands, as far as the disclosure policy allows",
)
def seizure_notices(
    request: Request,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> list[dict[str, Any]]:
    from redlane.brands.notices import notices_for

    settings = settings_for(get_state(request))
    return notices_for(session, settings, brand_scope(session, principal))


@router.get("/brands/{brand_id}", summary="A brand: trademarks, product lines, authorised parties")
def get_brand(brand_id: str, principal: PrincipalOf, session: SessionDep) -> dict[str, Any]:
    brand = brand_in_scope(session, brand_scope(session, principal), brand_id)
    detail = registry.brand_detail(session, brand)
    audit_read(session, principal, "brand", [brand.brand_ref], "brand registry")
    return detail


@router.post("/brands/{brand_id}/trademarks", status_code=201, summary="Add a recordation")
def add_trademark(
    brand_id: str,
    body: TrademarkIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    scope = brand_scope(session, principal)
    registry.add_trademark(session, scope, brand_id, **body.model_dump())
    return registry.brand_detail(session, brand_in_scope(session, scope, brand_id))


@router.post("/brands/{brand_id}/product-lines", status_code=201, summary="Add a product line")
def add_product_line(
    brand_id: str,
    body: ProductLineIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    line = registry.add_product_line(
        session, brand_scope(session, principal), brand_id, **body.model_dump()
    )
    return registry.line_json(line, registry.brand_gtins(session, line.brand_id).get(line.id, []))


@router.post(
    "/brands/{brand_id}/parties",
    status_code=201,
    summary="Add an authorised manufacturer, licensee, exporter or distributor",
)
def add_party(
    request: Request,
    brand_id: str,
    body: PartyIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    data = body.model_dump()
    party = registry.add_party(
        session,
        brand_scope(session, principal),
        brand_id,
        party_ref=data.pop("party_id"),
        matcher=live_matcher(get_state(request)),
        **data,
    )
    return registry.party_json(party)


def _remove(session: Session, principal: Principal, brand_id: str, what: str, row: int) -> Response:
    registry.remove_row(session, brand_scope(session, principal), brand_id, what, row)
    return Response(status_code=204)


@router.delete(
    "/brands/{brand_id}/product-lines/{line_id}", status_code=204, summary="Remove a product line"
)
def remove_line(
    brand_id: str,
    line_id: RecordId,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> Response:
    return _remove(session, principal, brand_id, "product_line", line_id)


@router.delete(
    "/brands/{brand_id}/parties/{party_id}", status_code=204, summary="Remove an authorised party"
)
def remove_party(
    brand_id: str,
    party_id: RecordId,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> Response:
    return _remove(session, principal, brand_id, "party", party_id)


# --- guides -----------------------------------------------------------------------------------
@router.get("/brands/{brand_id}/guides", summary="A brand's product identification guides")
def list_guides(brand_id: str, principal: PrincipalOf, session: SessionDep) -> list[dict[str, Any]]:
    brand = brand_in_scope(session, brand_scope(session, principal), brand_id)
    return guides.guides_of(session, brand)


@router.post("/brands/{brand_id}/guides", status_code=201, summary="Write a guide")
def create_guide(
    brand_id: str,
    body: GuideIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    scope = brand_scope(session, principal)
    guide = guides.create_guide(session, scope, brand_id, title=body.title, body=body.body)
    return guides.guide_json(session, brand_in_scope(session, scope, brand_id), guide)


@router.post(
    "/brands/{brand_id}/guides/{guide_id}/images",
    status_code=201,
    summary="Add an image to a guide (PNG, JPEG or WebP, at most 2 MB)",
)
def add_image(
    brand_id: str,
    guide_id: RecordId,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
    file: Annotated[UploadFile, File(description="PNG, JPEG or WebP, ≤ 2 MB")],
) -> dict[str, Any]:
    image = guides.add_image(
        session,
        brand_scope(session, principal),
        brand_id,
        guide_id,
        data=file.file.read(MAX_IMAGE_UPLOAD + 1),
        filename=file.filename or "image",
    )
    return {"id": image.id, "sha256": image.sha256, "media_type": image.media_type}


@router.get(
    "/brands/{brand_id}/guides/{guide_id}/images/{image_id}",
    summary="A guide image",
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}}},
)
def get_image(
    brand_id: str,
    guide_id: RecordId,
    image_id: RecordId,
    principal: PrincipalOf,
    session: SessionDep,
) -> Response:
    image = guides.image_of(session, brand_scope(session, principal), brand_id, guide_id, image_id)
    return Response(
        image.data,
        media_type=image.media_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-SHA256": image.sha256},
    )


@router.delete("/brands/{brand_id}/guides/{guide_id}", status_code=204, summary="Delete a guide")
def delete_guide(
    brand_id: str,
    guide_id: RecordId,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> Response:
    guides.delete_guide(session, brand_scope(session, principal), brand_id, guide_id)
    return Response(status_code=204)


# --- codes ------------------------------------------------------------------------------------
@router.post(
    "/brands/{brand_id}/codes",
    status_code=201,
    summary="Enrol genuine units' authentication codes (stored as keyed hashes only)",
)
def enrol_codes(
    request: Request,
    brand_id: str,
    body: CodesIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    result = codes.enrol(
        session,
        brand_scope(session, principal),
        code_key(request),
        brand_id,
        body.codes,
        product_line=body.product_line,
        batch=body.batch,
        code_format=body.format,
    )
    return result.to_json()


@router.get("/brands/{brand_id}/codes", summary="Codes enrolled, scans by verdict, cloned codes")
def code_summary(
    brand_id: str,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    scope = brand_scope(session, principal)
    brand = brand_in_scope(session, scope, brand_id)
    summary = codes.brand_scans(session, scope, brand)
    audit_read(session, principal, "brand_codes", [brand.brand_ref], "code scans")
    return summary


@router.post(
    "/authenticate",
    summary="Genuine, unknown or cloned: the verdict on codes read off goods, and where each "
    "was seen before",
)
def authenticate(
    request: Request,
    body: AuthenticateIn,
    principal: Annotated[Principal, Depends(AUTHENTICATORS)],
    session: SessionDep,
) -> dict[str, Any]:
    if body.context.port_code:
        require_port(principal, body.context.port_code)
    elif principal.role == CUSTOMS_OFFICER:
        raise Problem(422, "name the port of the inspection (context.port_code)")
    context = codes.Context(body.context.kind, body.context.ref, body.context.port_code)
    results = codes.authenticate(
        session,
        brand_scope(session, principal),
        code_key(request),
        body.codes,
        context,
        brand_ref=body.brand_id,
        record=body.record,
        code_format=body.format,
    )
    counts = {v: sum(r.verdict == v for r in results) for v in SCAN_VERDICTS}
    return {
        "context": asdict(context),
        "counts": counts,
        "results": [r.to_json() for r in results],
    }


# --- flags ------------------------------------------------------------------------------------
@router.get("/flags", summary="Counterfeit flags the caller sees")
def list_flags(
    principal: Annotated[Principal, Depends(FLAG_READERS)],
    session: SessionDep,
    review: Annotated[str | None, Query(pattern="^(pending|accepted|rejected)$")] = None,
) -> list[dict[str, Any]]:
    rows = flags.flags_for(session, brand_scope(session, principal), review=review)
    if rows:
        audit_read(session, principal, "brand_flag", [r["id"] for r in rows], "flag review")
    return rows


@router.post("/flags", status_code=201, summary="Flag a listing, seller or shipment")
def create_flag(
    request: Request,
    body: FlagIn,
    principal: Annotated[Principal, Depends(OWNERS)],
    session: SessionDep,
) -> dict[str, Any]:
    with records_con(get_state(request)) as con:
        flag = flags.create_flag(
            session,
            brand_scope(session, principal),
            body.brand_id,
            target_kind=body.target_kind,
            target_ref=body.target_ref,
            reason=body.reason,
            evidence=body.evidence,
            con=con,
        )
    if flag.lookout_id is not None:
        session.commit()
        get_state(request).engines.refresh_screener()
    return flags.flag_json(session, flag)


@router.post("/flags/{flag_id}/decision", summary="Accept or reject a proposed lookout")
def decide_flag(
    request: Request,
    flag_id: RecordId,
    body: DecisionIn,
    principal: Annotated[Principal, Depends(REVIEWERS)],
    session: SessionDep,
) -> dict[str, Any]:
    with records_con(get_state(request)) as con:
        flag = flags.decide(
            session,
            principal,
            flag_id,
            accept=body.accept,
            reason=body.reason,
            lane=body.lane,
            con=con,
        )
    session.commit()
    get_state(request).engines.refresh_screener()
    return flags.flag_json(session, flag)


@router.post("/flags/{flag_id}/confirm", summary="Record the seizure or test buy proving a flag")
def confirm_flag(
    flag_id: RecordId,
    body: ConfirmIn,
    principal: Annotated[Principal, Depends(CONFIRMERS)],
    session: SessionDep,
) -> dict[str, Any]:
    flag = flags.confirm(session, principal, flag_id, by=body.by, ref=body.ref)
    return flags.flag_json(session, flag)


@router.get(
    "/flags/metrics",
    summary="Flag accuracy per rights holder: confirmed vs rejected, fast path, abuse signals",
)
def flag_metrics(
    request: Request,
    principal: Annotated[Principal, Depends(METRICS_READERS)],
    session: SessionDep,
) -> list[dict[str, Any]]:
    with records_con(get_state(request)) as con:
        return flags.metrics_in_scope(session, con, brand_scope(session, principal))


# --- notices and administration ---------------------------------------------------------------
@router.post("/brands/sync", summary="Copy the recordations feed into the registry (admin)")
def sync(
    request: Request,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> SyncOut:
    with records_con(get_state(request)) as con:
        return SyncOut.model_validate(registry.sync_recordations(session, con, principal).to_json())


@router.post(
    "/brands/holders/{slug}/members",
    summary="Let a rights_holder user act for a rights holder (admin)",
)
def add_member(
    slug: str,
    body: MemberIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> dict[str, Any]:
    holder = registry.link_user(session, body.username, slug, principal)
    return {"rights_holder": holder.slug, "username": body.username}


@router.post(
    "/cases/{case_id}/code-evidence",
    summary="Attach the cloned and unknown authentication codes of a case's parcels as evidence",
)
def case_code_evidence(
    request: Request,
    case_id: RecordId,
    principal: Annotated[Principal, Depends(access(INVESTIGATOR))],
    session: SessionDep,
) -> dict[str, Any]:
    from redlane.brands.cloned import add_code_evidence, case_refs
    from redlane.cases.service import evidence_json, get_case

    get_case(session, case_id)
    state = get_state(request)
    with records_con(state) as con:
        refs = case_refs(session, con, case_id)
    item = add_code_evidence(session, settings_for(state), case_id, refs, principal.name)
    if item is None:
        return {"case_id": case_id, "refs": refs, "evidence": None}
    session.flush()
    return {"case_id": case_id, "refs": refs, "evidence": evidence_json(session, item)}
