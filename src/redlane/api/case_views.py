"""Case reads and actions shared by the ``/v1/cases`` routes and the console's case pages.

Reads go through the one disclosure policy (:func:`redlane.cases.package.case_content`, which
calls :meth:`redlane.policy.Policy.disclose` per record at its stage): a viewer without the full
view (e.g. a customs targeting analyst) sees the case's records as its agreements allow, no
internal notes and only its own partner's evidence. Every read and action is audited; actions
by :mod:`redlane.cases.service` / :mod:`redlane.cases.evidence` in the same transaction.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import quote

from fastapi.responses import Response
from sqlalchemy.orm import Session

from redlane.api.problems import Problem
from redlane.api.queries import audit_read
from redlane.api.roles import ADMIN, INVESTIGATOR, TARGETING_ANALYST, Principal
from redlane.api.state import ServiceState
from redlane.cases import evidence, service
from redlane.cases.package import case_content, export_case
from redlane.cases.records import TimelineEvent
from redlane.cases.workflow import TRANSITIONS
from redlane.config import Settings
from redlane.policy import Policy, Viewer
from redlane.store.case_models import EvidenceItem

# Who works cases (every action) and who may only read them.
CASE_WORKERS: Final = (INVESTIGATOR,)
CASE_READERS: Final = (INVESTIGATOR, TARGETING_ANALYST)
TIMELINE_LIMIT: Final = 500
# The console shows a case's timeline a page at a time (a case had 639 events on one page).
TIMELINE_PAGE: Final = 50
# Event kinds are the source tables; how the console names them.
TIMELINE_KINDS: Final = {
    "aed_shipments": "advance data",
    "customs_entries": "customs entries",
    "inspections": "inspections",
    "mp_sellers": "seller accounts",
    "mp_listings": "listings",
    "mp_takedowns": "takedowns",
    "social_posts": "social posts",
}
MAX_EVIDENCE_BYTES: Final = 50 * 1024 * 1024


def settings_for(state: ServiceState) -> Settings:
    """The service's home and stores as the case functions expect them."""
    return Settings(
        home=state.home, database_url=state.database_url, warehouse_dir=state.warehouse_path
    )


def viewer_of(principal: Principal) -> Viewer:
    return Viewer(principal.partner_id, principal.role)


def may_work(principal: Principal) -> bool:
    return principal.role in CASE_WORKERS or principal.role == ADMIN


def list_view(session: Session, principal: Principal) -> list[dict[str, Any]]:
    cases = [service.case_brief(c) for c in service.list_cases(session)]
    audit_read(session, principal, "case", [c["id"] for c in cases], "case list")
    return cases


@dataclass(frozen=True)
class TimelineQuery:
    """Which timeline events a reader asks for: kinds (none: all), a date range (inclusive,
    on the event's day) and a page of ``per_page`` events."""

    kinds: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = TIMELINE_LIMIT

    @classmethod
    def parse(
        cls,
        *,
        kinds: list[str] | None = None,
        since: str = "",
        until: str = "",
        page: int = 1,
        per_page: int | None = None,
    ) -> TimelineQuery:
        """From query parameters as typed; a bad value is a 422 naming the parameter."""
        chosen = tuple(k for k in (kinds or []) if k)
        unknown = [k for k in chosen if k not in TIMELINE_KINDS]
        if unknown:
            raise Problem(
                422,
                f"timeline kind {', '.join(map(repr, unknown))} is not one of "
                f"{', '.join(TIMELINE_KINDS)}",
            )
        query = cls(
            kinds=chosen,
            since=_day("since", since),
            until=_day("until", until),
            page=max(page, 1),
            per_page=per_page or TIMELINE_PAGE,
        )
        if query.since and query.until and query.since > query.until:
            raise Problem(422, f"timeline since {query.since} is after until {query.until}")
        return query

    def matches(self, event: TimelineEvent) -> bool:
        day = event.at[:10]
        return (
            (not self.kinds or event.table in self.kinds)
            and (self.since is None or day >= self.since.isoformat())
            and (self.until is None or day <= self.until.isoformat())
        )


def _day(name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Problem(422, f"timeline {name} {text!r} is not a date (YYYY-MM-DD)") from None


def timeline_page(events: list[TimelineEvent], query: TimelineQuery) -> dict[str, Any]:
    """One page of the events the query matches (a page past the end shows the last one), the
    counts per kind over all events, and where the page sits."""
    matched = [e for e in events if query.matches(e)]
    pages = max(1, math.ceil(len(matched) / query.per_page))
    page = min(query.page, pages)
    start = (page - 1) * query.per_page
    return {
        "events": [e.to_json() for e in matched[start : start + query.per_page]],
        "matched": len(matched),
        "page": page,
        "pages": pages,
        "per_page": query.per_page,
        "first": start + 1 if matched else 0,
        "kinds": list(query.kinds),
        "since": query.since.isoformat() if query.since else "",
        "until": query.until.isoformat() if query.until else "",
        "kind_counts": dict(Counter(e.table for e in events)),
    }


def detail_view(
    session: Session,
    state: ServiceState,
    principal: Principal,
    case_id: int,
    timeline_query: TimelineQuery | None = None,
) -> dict[str, Any]:
    """The case (targets, assignees, notes, evidence with custody) plus the records it links
    to, disclosed to the caller: actors, seizures and the timeline (by default its first
    :data:`TIMELINE_LIMIT` events; ``timeline_query`` filters and pages it)."""
    detail, linked, _policy = case_content(
        session, settings_for(state), case_id, viewer_of(principal)
    )
    detail["actors"] = [
        {k: a.get(k) for k in ("actor_id", "display_name", "risk", "ring_id", "n_parties")}
        for a in linked.actors
    ]
    detail["seizures"] = linked.seizures
    paged = timeline_page(linked.timeline, timeline_query or TimelineQuery())
    detail["timeline"] = paged.pop("events")
    detail["timeline_total"] = len(linked.timeline)
    detail["timeline_page"] = paged
    detail["transitions"] = list(TRANSITIONS.get(detail["status"], ()))
    audit_read(
        session,
        principal,
        "case",
        [case_id],
        "case detail",
        {
            "records": {t: len(rows) for t, rows in linked.records.items()},
            "evidence_shown": [e["id"] for e in detail["evidence"]],
        },
    )
    return detail


def evidence_for(
    session: Session, principal: Principal, case_id: int, evidence_id: int
) -> tuple[EvidenceItem, bytes]:
    """An evidence item of the case and its bytes, checked against its sha256; custody event
    ``viewed`` recorded. The caller must see the item: the policy's full view, or evidence its
    own partner supplied (the rule of the case detail, :func:`case_content`)."""
    service.get_case(session, case_id)
    item = session.get(EvidenceItem, evidence_id)
    if item is None or item.case_id != case_id:
        raise Problem(404, f"no evidence item {evidence_id} in case {case_id}")
    full = Policy.load(session).full_view(principal.partner_id, principal.role)
    if not full and item.source_partner != principal.partner_id:
        raise Problem(403, "this evidence item is not shared with your partner", kind="forbidden")
    data = evidence.read_evidence(
        session, evidence_id, actor=principal.name, details={"via": "service"}
    )
    return item, data


def evidence_download(
    session: Session,
    principal: Principal,
    case_id: int,
    evidence_id: int,
    *,
    name: Literal["id", "original"],
) -> Response:
    """An evidence file as a download (:func:`evidence_for`: checked, custody ``viewed``),
    named ``evidence-<id>`` (the API) or by the name it was uploaded under (the console)."""
    item, data = evidence_for(session, principal, case_id, evidence_id)
    filename = f"evidence-{item.id}" if name == "id" else item.original_filename
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": attachment(filename),
            "X-Evidence-SHA256": item.sha256,
        },
    )


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` for any uploaded name (RFC 6266): an ASCII fallback with quotes,
    backslashes and controls replaced, and the exact name percent-encoded in ``filename*``.
    An uploader's name can hold anything; written raw it broke the header or the response."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback or 'evidence'}\"; filename*=UTF-8''{encoded}"


def export_zip(
    session: Session, state: ServiceState, principal: Principal, case_id: int
) -> tuple[Path, bytes]:
    """Export the signed package under ``HOME/exports/`` and return its folder and a zip of it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    out = state.home / "exports" / f"case-{case_id}-{stamp}"
    result = export_case(session, settings_for(state), case_id, out, actor=principal.name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(result.out_dir.rglob("*")):
            if path.is_file():
                archive.write(path, f"{out.name}/{path.relative_to(result.out_dir)}")
    return result.out_dir, buffer.getvalue()
