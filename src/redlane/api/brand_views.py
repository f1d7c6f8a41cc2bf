"""Brand reads and access rules shared by the ``/v1`` brand routes and the console's brand pages.

Who may read, own, authenticate or review is declared here once; which *brand* a caller may see
or change is decided by :mod:`redlane.brands.scope` (a rights holder: only its own brands).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb
from fastapi import Request
from sqlalchemy.orm import Session

from redlane.api.auth import access
from redlane.api.case_views import settings_for
from redlane.api.problems import Problem
from redlane.api.roles import (
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.state import ServiceState, get_state
from redlane.brands import codes, guides
from redlane.brands.scope import BrandScope, scope_for
from redlane.cases import records

if TYPE_CHECKING:
    from redlane.resolve.live import LiveMatcher

# Who reads the registry and guides (officers need the guide of whatever brand a parcel carries).
REGISTRY_READERS = access(
    RIGHTS_HOLDER, CUSTOMS_OFFICER, TARGETING_ANALYST, INVESTIGATOR, MARKETPLACE_ANALYST
)
OWNERS = access(RIGHTS_HOLDER, partners=["rights_holders"])
AUTHENTICATORS = access(
    CUSTOMS_OFFICER, TARGETING_ANALYST, INVESTIGATOR, MARKETPLACE_ANALYST, RIGHTS_HOLDER
)
FLAG_READERS = access(RIGHTS_HOLDER, TARGETING_ANALYST, INVESTIGATOR, MARKETPLACE_ANALYST)
REVIEWERS = access(TARGETING_ANALYST, INVESTIGATOR)


def brand_scope(session: Session, principal: Principal) -> BrandScope:
    return scope_for(session, principal)


def code_key(request: Request) -> bytes:
    return codes.load_code_key(get_state(request).home)


@contextmanager
def records_con(state: ServiceState) -> Iterator[duckdb.DuckDBPyConnection]:
    """Warehouse and resolution views, for flags (listings, seizures) and metrics."""
    con, _resolved = records.connect(settings_for(state))
    try:
        yield con
    finally:
        con.close()


def live_matcher(state: ServiceState) -> LiveMatcher | None:
    """The warm live matcher when a resolution run exists (authorised parties resolve)."""
    try:
        return state.engines.matcher()
    except Problem:  # no run yet: parties stay unresolved until the next sync
        return None


def shipment_guides(
    session: Session, principal: Principal, data: dict[str, Any]
) -> list[dict[str, Any]]:
    """Guides of the brands a plan selected this parcel for: brands named in its description
    or in the plan's reasons (only when it is on a plan)."""
    if not data.get("plans"):
        return []
    text = " ".join(
        [str((data.get("advance_data") or {}).get("description") or "")]
        + [str(r) for p in data["plans"] for r in p["reasons"]]
    ).lower()
    scope = brand_scope(session, principal)
    names = {b.name for b in session.execute(scope.brands()).scalars() if b.name.lower() in text}
    return guides.guides_for_brands(session, scope, names)
