"""The port queue: a port's plan for a day, its holds list, and the shipment page with the
outcome form."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any, Final

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane import csv_export
from redlane.api import actions, queries
from redlane.api.brand_views import shipment_guides
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import CUSTOMS_OFFICER, Principal
from redlane.api.schemas import OutcomeIn
from redlane.api.state import get_state
from redlane.api.web.kit import (
    ACTORS,
    QUEUE,
    allowed,
    check_csrf,
    page_access,
    page_router,
    render,
)
from redlane.store.models import Plan, Port
from redlane.targeting.reasons import format_score

router = page_router()


def _ports_for(session: Session, principal: Principal) -> list[str]:
    if principal.role == CUSTOMS_OFFICER:
        return sorted(principal.ports)
    return sorted(session.execute(select(Port.port_code)).scalars())


def with_score_text(item: dict[str, Any]) -> dict[str, Any]:
    """A plan item with its score as people read it (``score_text``: three decimals, never
    1.000 for a score short of certainty); ``score`` stays the number, for sorting."""
    return {**item, "score_text": format_score(float(item["score"]))}


SORTS: Final = {
    "rank": (lambda i: i["rank"], False),
    "score": (lambda i: i["score"], True),
    "expected_value": (lambda i: i["expected_value"], True),
}


def _queue_data(
    session: Session, principal: Principal, port: str | None, day: date | None
) -> tuple[list[str], str | None, date, dict[str, Any] | None]:
    ports = _ports_for(session, principal)
    chosen = port or (ports[0] if ports else None)
    when = day or queries.today()
    plan = None
    if chosen:
        if not principal.may_see_port(chosen):
            raise Problem(403, f"port {chosen} is not one of your ports")
        found = queries.latest_plan(session, chosen, when)
        if found is None and day is None:
            # No plan today (e.g. a simulated world's dates): show the port's newest plan.
            found = session.execute(
                select(Plan)
                .where(Plan.port_code == chosen)
                .order_by(Plan.plan_date.desc(), Plan.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if found is not None:
                when = found.plan_date
        plan = queries.plan_view(session, found) if found else None
    return ports, chosen, when, plan


@router.get("/queue")
def queue(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: SessionDep,
    port: str | None = None,
    day: Annotated[date | None, Query(alias="date")] = None,
    lane: str = "",
    sort: str = "rank",
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    ports, chosen, when, plan = _queue_data(session, principal, port, day)
    items: list[dict[str, Any]] = []
    if plan:
        items = [i for i in plan["items"] if not lane or i["lane"] == lane]
        if q:
            needle = q.lower()
            items = [
                i
                for i in items
                if needle in i["hawb"].lower()
                or needle in i["carrier"].lower()
                or any(needle in str(r).lower() for r in i["reasons"])
            ]
        key, reverse = SORTS.get(sort, SORTS["rank"])
        items = [with_score_text(i) for i in sorted(items, key=key, reverse=reverse)]
    return render(
        request,
        "queue.html",
        principal,
        ports=ports,
        port=chosen,
        day=when.isoformat(),
        plan=plan,
        items=items,
        lane=lane,
        sort=sort,
        q=q,
    )


@router.get("/queue/holds.csv")
def export_holds(
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: SessionDep,
    port: str | None = None,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    _ports, chosen, when, plan = _queue_data(session, principal, port, day)
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(
        ["rank", "carrier", "hawb", "lane", "score", "expected_value", "selected_by", "reasons"]
    )
    holds = [i for i in (plan or {}).get("items", []) if i["lane"] == "red"]
    for i in holds:
        writer.writerow(
            [
                i["rank"],
                i["carrier"],
                i["hawb"],
                i["lane"],
                format_score(i["score"]),
                f"{i['expected_value']:.2f}",
                i["selected_by"],
                " | ".join(map(str, i["reasons"])),
            ]
        )
    queries.audit_read(
        session,
        principal,
        "plan",
        [str((plan or {}).get("plan_id", ""))],
        "holds list export",
        {"port": chosen, "date": when.isoformat(), "rows": len(holds)},
    )
    filename = f"holds-{chosen or 'none'}-{when.isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/shipments/{carrier}/{hawb}")
def shipment(
    request: Request,
    carrier: str,
    hawb: str,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: SessionDep,
    saved: str = "",
) -> HTMLResponse:
    data = queries.shipment_view(session, get_state(request), principal, carrier, hawb)
    port = (
        data["plans"][0]["port_code"]
        if data["plans"]
        else ((data["advance_data"] or {}).get("port_of_entry") or "")
    )
    return render(
        request,
        "shipment.html",
        principal,
        s={**data, "plans": [with_score_text(p) for p in data["plans"]]},
        port=port,
        saved=saved,
        may_see_actors=allowed(ACTORS, principal),
        guides=shipment_guides(session, principal, data),
    )


@router.post("/shipments/{carrier}/{hawb}/outcome")
def shipment_outcome(
    request: Request,
    carrier: str,
    hawb: str,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    port_code: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "",
    seized_quantity: Annotated[str, Form()] = "",
    seized_value: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = OutcomeIn(
            carrier=carrier,
            hawb=hawb,
            port_code=port_code,
            outcome=outcome,  # type: ignore[arg-type]
            brand=brand or None,
            seized_quantity=int(seized_quantity) if seized_quantity.strip() else None,
            seized_value=float(seized_value) if seized_value.strip() else None,
            notes=notes,
        )
    except (ValidationError, ValueError) as e:
        raise Problem(422, f"the outcome form is not valid: {e}") from e
    actions.record_outcome(session, principal, body)
    return RedirectResponse(f"/console/shipments/{carrier}/{hawb}?saved=1", status_code=303)
