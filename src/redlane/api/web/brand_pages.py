"""Console pages for brand protection: same roles, brand scope and audit as the ``/v1`` routes.

Rights holders manage their brands (product lines, authorised parties, guides with images,
authentication codes) and flag counterfeits; analysts review proposed lookouts and read each
rights holder's accuracy; officers authenticate codes and read guides on the shipment page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from redlane.api import brand_views
from redlane.api.auth import require_port
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.queries import audit_read
from redlane.api.roles import (
    ADMIN,
    INVESTIGATOR,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.schemas import RecordId
from redlane.api.state import get_state
from redlane.api.web.kit import check_csrf, page_access, page_router, render
from redlane.brands import codes, flags, guides, registry
from redlane.brands.scope import BrandScope, brand_in_scope
from redlane.errors import RedlaneError
from redlane.store.brand_models import PARTY_ROLES, Brand

READ = brand_views.REGISTRY_READERS
OWN = brand_views.OWNERS
FLAGS = brand_views.FLAG_READERS
AUTHENTICATE = brand_views.AUTHENTICATORS
REVIEW = brand_views.REVIEWERS

router = page_router()


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain errors as console error pages (the API answers them as problem details)."""
    try:
        yield
    except RedlaneError as e:
        raise Problem(int(getattr(e, "STATUS", 500)), e.detail) from e


def _back(path: str, saved: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?saved={saved}", status_code=303)


def _summaries(session: Session, scope: BrandScope) -> list[dict[str, Any]]:
    """The brands the caller sees, as the pages list them."""
    return [registry.brand_summary(b) for b in session.execute(scope.brands()).scalars()]


# --- brands -----------------------------------------------------------------------------------
@router.get("/brands")
def brand_list(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(READ))],
    session: SessionDep,
    saved: str = "",
) -> HTMLResponse:
    scope = brand_views.brand_scope(session, principal)
    rows = _summaries(session, scope)
    return render(
        request,
        "brand_list.html",
        principal,
        rows=rows,
        may_create=principal.role == RIGHTS_HOLDER,
        saved=saved,
    )


@router.post("/brands")
def brand_create(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    owner_country: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    with domain_errors():
        brand = registry.create_brand(
            session,
            brand_views.brand_scope(session, principal),
            name=name,
            owner_country=owner_country.upper() or None,
        )
    return _back(f"/console/brands/{brand.brand_ref}", "brand")


def _owner_view(session: Session, scope: BrandScope, brand: Brand) -> dict[str, Any] | None:
    if not scope.may_change(brand):
        return None
    return codes.brand_scans(session, scope, brand)


@router.get("/brands/{brand_ref}")
def brand_page(
    request: Request,
    brand_ref: str,
    principal: Annotated[Principal, Depends(page_access(READ))],
    session: SessionDep,
    saved: str = "",
) -> HTMLResponse:
    scope = brand_views.brand_scope(session, principal)
    with domain_errors():
        brand = brand_in_scope(session, scope, brand_ref)
    audit_read(session, principal, "brand", [brand.brand_ref], "brand registry page")
    return render(
        request,
        "brand_detail.html",
        principal,
        b=registry.brand_detail(session, brand),
        guides=guides.guides_of(session, brand),
        code_summary=_owner_view(session, scope, brand),
        may_change=scope.may_change(brand),
        roles=PARTY_ROLES,
        saved=saved,
    )


@router.post("/brands/{brand_ref}/product-lines")
def line_add(
    request: Request,
    brand_ref: str,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    hs6: Annotated[str, Form(max_length=12)] = "",
    price_min: Annotated[float, Form(ge=0)] = 0,
    price_max: Annotated[float, Form(ge=0)] = 0,
    gtins: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    with domain_errors():
        registry.add_product_line(
            session,
            brand_views.brand_scope(session, principal),
            brand_ref,
            name=name,
            hs6=hs6,
            price_min=price_min,
            price_max=price_max,
            # one per line: a Digital Link or an element string holds no line break
            gtins=[g.strip() for g in gtins.splitlines() if g.strip()],
        )
    return _back(f"/console/brands/{brand_ref}", "product-line")


@router.post("/brands/{brand_ref}/parties")
def party_add(
    request: Request,
    brand_ref: str,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "exporter",
    name: Annotated[str, Form(max_length=300)] = "",
    address: Annotated[str, Form(max_length=1000)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    with domain_errors():
        registry.add_party(
            session,
            brand_views.brand_scope(session, principal),
            brand_ref,
            role=role,
            name=name,
            country=country,
            address=address or None,
            matcher=brand_views.live_matcher(get_state(request)),
        )
    return _back(f"/console/brands/{brand_ref}", "party")


@router.post("/brands/{brand_ref}/guides")
def guide_add(
    request: Request,
    brand_ref: str,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=guides.MAX_BODY_CHARS)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    with domain_errors():
        guides.create_guide(
            session, brand_views.brand_scope(session, principal), brand_ref, title=title, body=body
        )
    return _back(f"/console/brands/{brand_ref}", "guide")


@router.post("/brands/{brand_ref}/guides/{guide_id}/images")
def image_add(
    request: Request,
    brand_ref: str,
    guide_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    if file is None or not file.filename:
        raise Problem(422, "choose an image to upload")
    with domain_errors():
        guides.add_image(
            session,
            brand_views.brand_scope(session, principal),
            brand_ref,
            guide_id,
            data=file.file.read(guides.MAX_IMAGE_BYTES + 1),
            filename=file.filename,
        )
    return _back(f"/console/brands/{brand_ref}", "image")


@router.get("/brands/{brand_ref}/guides/{guide_id}/images/{image_id}")
def image_view(
    brand_ref: str,
    guide_id: RecordId,
    image_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(READ))],
    session: SessionDep,
) -> Response:
    with domain_errors():
        image = guides.image_of(
            session, brand_views.brand_scope(session, principal), brand_ref, guide_id, image_id
        )
    return Response(image.data, media_type=image.media_type)


@router.post("/brands/{brand_ref}/codes")
def codes_enrol(
    request: Request,
    brand_ref: str,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    codes_text: Annotated[str, Form(alias="codes", max_length=900_000)] = "",
    batch: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    values = [c.strip() for c in codes_text.replace(",", "\n").splitlines() if c.strip()]
    with domain_errors():
        result = codes.enrol(
            session,
            brand_views.brand_scope(session, principal),
            brand_views.code_key(request),
            brand_ref,
            values,
            batch=batch,
        )
    return _back(f"/console/brands/{brand_ref}", f"{result.enrolled}-codes")


# --- authentication -------------------------------------------------------------------------
@router.get("/authenticate")
def authenticate_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(AUTHENTICATE))],
    session: SessionDep,
    ref: str = "",
    port: str = "",
) -> HTMLResponse:
    scope = brand_views.brand_scope(session, principal)
    brands = _summaries(session, scope)
    return render(
        request,
        "brand_authenticate.html",
        principal,
        brands=brands,
        result=None,
        form={"ref": ref, "port_code": port, "kind": "shipment", "brand_id": ""},
    )


@router.post("/authenticate")
def authenticate_submit(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(AUTHENTICATE))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    brand_id: Annotated[str, Form(max_length=128)] = "",
    codes_text: Annotated[str, Form(alias="codes", max_length=100_000)] = "",
    kind: Annotated[str, Form()] = "shipment",
    ref: Annotated[str, Form(max_length=200)] = "",
    port_code: Annotated[str, Form(max_length=16)] = "",
) -> HTMLResponse:
    check_csrf(request, principal, csrf)
    if port_code:
        require_port(principal, port_code)
    elif principal.role == "customs_officer":
        raise Problem(422, "name the port of the inspection")
    values = [c.strip() for c in codes_text.splitlines() if c.strip()]
    scope = brand_views.brand_scope(session, principal)
    with domain_errors():
        results = codes.authenticate(
            session,
            scope,
            brand_views.code_key(request),
            values,
            codes.Context(kind, ref, port_code or None),
            brand_ref=brand_id or None,
        )
    brands = _summaries(session, scope)
    return render(
        request,
        "brand_authenticate.html",
        principal,
        brands=brands,
        result=[r.to_json() for r in results],
        form={"ref": ref, "port_code": port_code, "kind": kind, "brand_id": brand_id},
    )


# --- flags ------------------------------------------------------------------------------------
@router.get("/flags")
def flag_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(FLAGS))],
    session: SessionDep,
    saved: str = "",
) -> HTMLResponse:
    scope = brand_views.brand_scope(session, principal)
    rows = flags.flags_for(session, scope)
    if rows:
        audit_read(session, principal, "brand_flag", [r["id"] for r in rows], "flag review")
    metrics: list[dict[str, Any]] = []
    if principal.role in (RIGHTS_HOLDER, TARGETING_ANALYST, INVESTIGATOR, ADMIN):
        with brand_views.records_con(get_state(request)) as con:
            metrics = flags.metrics_in_scope(session, con, scope)
    own = _summaries(session, scope)
    return render(
        request,
        "brand_flags.html",
        principal,
        rows=rows,
        metrics=metrics,
        brands=own if scope.is_holder else [],
        may_flag=scope.is_holder,
        may_review=principal.role in (TARGETING_ANALYST, INVESTIGATOR, ADMIN),
        saved=saved,
    )


@router.post("/flags")
def flag_create(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(OWN))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    brand_id: Annotated[str, Form(max_length=128)] = "",
    target_kind: Annotated[str, Form()] = "listing",
    target_ref: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    evidence: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    with domain_errors(), brand_views.records_con(get_state(request)) as con:
        flag = flags.create_flag(
            session,
            brand_views.brand_scope(session, principal),
            brand_id,
            target_kind=target_kind,
            target_ref=target_ref,
            reason=reason,
            evidence=[e.strip() for e in evidence.splitlines() if e.strip()],
            con=con,
        )
    if flag.lookout_id is not None:
        session.commit()
        get_state(request).engines.refresh_screener()
    return _back("/console/flags", "flag")


@router.post("/flags/{flag_id}/decision")
def flag_decide(
    request: Request,
    flag_id: RecordId,
    principal: Annotated[Principal, Depends(page_access(REVIEW))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    lane: Annotated[str, Form()] = "yellow",
) -> Response:
    check_csrf(request, principal, csrf)
    if decision not in ("accept", "reject"):
        raise Problem(422, "decide accept or reject")
    with domain_errors(), brand_views.records_con(get_state(request)) as con:
        flags.decide(
            session,
            principal,
            flag_id,
            accept=decision == "accept",
            reason=reason,
            lane=lane,
            con=con,
        )
    session.commit()
    get_state(request).engines.refresh_screener()
    return _back("/console/flags", decision)
