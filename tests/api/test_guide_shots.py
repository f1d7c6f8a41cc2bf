"""Every role's day in the console, in a real browser: the pages of ``docs/guide/`` render with
content, and (on request) their screenshots.

By default the seeded browser-test world is served (cheap: no simulation) and every page a guide
shows must answer 200, raise no script error and hold at least one row of content. With
``REDLANE_GUIDE_SHOTS=1`` the PNGs are written to ``docs/guide/img/``; with
``REDLANE_GUIDE_HOME`` naming the home of a ``redlane demo --no-serve`` run, that demo world is
served instead (logging in with its ``demo-users.txt``), which is how the guides' pictures are
made. CI sets neither, so it never rewrites the docs. Skips where Chromium is missing, except
under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from redlane.api.app import create_app
from redlane.config import get_settings
from redlane.store.db import dispose_engine
from tests.api.seed import PASSWORD
from tests.api.test_browser import _need_browser, _need_vendor, new_page, serve_world, served
from tests.api.test_browser import browser as browser  # noqa: F401 (fixture)

GUIDE_IMG = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
CONTENT_ROWS = "main table.grid tbody tr:not(:has(td.empty))"


@dataclass(frozen=True)
class Shot:
    """A page of a guide: who opens it, where, the PNG's name, and the table that must have
    rows (None: the page's main text must not be empty)."""

    username: str
    path: str
    name: str
    table: str | None = "main table.grid"


# The pages each docs/guide/<role>.md shows, in the order of the role's day. A path of ``first:``
# follows the first link of that CSS selector on the page before it (a queue's first parcel).
SHOTS: tuple[Shot, ...] = (
    Shot("officer", "/console/queue", "officer-queue", "#queue-table"),
    Shot("officer", "first:#queue-table tbody a", "officer-shipment", None),
    Shot("officer", "/console/dashboard", "officer-dashboard", "#metrics-by_port"),
    Shot("analyst", "/console/targeting", "analyst-targeting", "#rules"),
    Shot("analyst", "/console/dashboard", "analyst-dashboard", "#metrics-by_selection"),
    Shot("analyst", "/console/flags", "analyst-flags", "#flags"),
    Shot("investigator", "/console/actors", "investigator-actors", "main table.grid"),
    Shot("investigator", "first:main table.grid tbody a", "investigator-actor", None),
    Shot("investigator", "/console/targeting", "investigator-lookouts", "#lookouts"),
    Shot("investigator", "/console/cases", "investigator-cases", "#cases"),
    Shot("marketplace", "/console/flags", "marketplace-flags", "#flags"),
    Shot("marketplace", "/console/actors", "marketplace-actors", "main table.grid"),
    Shot("carrier", "/console/quarantine", "carrier-quarantine", "#quarantine-table"),
    Shot("rights", "/console/brands", "rights-brands", "#brands"),
    Shot("rights", "first:#brands tbody a", "rights-brand", None),
    Shot("rights", "/console/flags", "rights-flags", "#flags"),
    Shot("admin", "/console/audit", "admin-audit", "#audit-entries"),
    Shot("admin", "/console/dashboard", "admin-dashboard", "#metrics-by_port"),
)


@dataclass
class GuideWorld:
    url: str
    passwords: dict[str, str]
    demo: bool


def _seed_guide_extras(url: str, home: Path) -> None:
    """What the seeded world lacks for the guides: an outcome at the officer's port, the shipped
    rule pack, a lookout, a rights holder with a brand and a flag on a listing, and a case."""
    from redlane.brands import flags, registry
    from redlane.brands.scope import CliCaller, scope_for
    from redlane.store.db import session_scope
    from redlane.store.models import Plan, User
    from redlane.targeting import decisions
    from redlane.targeting.outcomes import record_outcome
    from redlane.targeting.rules import COUNTERFEIT_PACK

    with session_scope(url) as session:
        jfk = session.query(Plan).filter_by(port_code="JFK").one()
        found = {"carrier": "EXPR", "hawb": "JFK-RED-1", "port_code": "JFK", "plan_id": jfk.id}
        record_outcome(session, found | {"outcome": "seized"}, "officer")
        people = {u.username: u for u in session.query(User)}
        analyst, investigator = people["analyst"], people["investigator"]
        decisions.create_rules(
            session,
            decisions.Person("analyst", analyst.id, analyst.partner_id),
            COUNTERFEIT_PACK,
            None,
        )
        decisions.create_lookout(
            session,
            decisions.Person("investigator", investigator.id, investigator.partner_id),
            {"kind": "actor", "criteria": {"actor_id": "A-1"}, "lane": "red", "reason": "ring"},
            None,
        )
        holder = registry.ensure_holder(session, "Acme Brands Inc.", "US")
        registry.link_user(session, "rights", holder.slug, CliCaller("test"))
        user = session.query(User).filter_by(username="rights").one()
        rights = CliCaller("rights", "rights_holder", user.partner_id, user.id)
        scope = scope_for(session, rights)
        brand = registry.create_brand(session, scope, name="Acme", owner_country="US")
        flags.create_flag(
            session,
            scope,
            brand.brand_ref,
            target_kind="listing",
            target_ref="L-0045521",
            reason="test buys were counterfeit",
        )
    from redlane.cases.demo import create_demo_case

    create_demo_case(get_settings())


@contextmanager
def _serve_home(home: Path) -> Iterator[str]:
    """An existing home (a demo's) served by uvicorn on a free loopback port."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        mp.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
        get_settings.cache_clear()
        url = get_settings().database
        with served(create_app(home, url)) as base_url:
            yield base_url
        dispose_engine(url)
        get_settings.cache_clear()


def _demo_passwords(home: Path) -> dict[str, str]:
    lines = (home / "demo-users.txt").read_text(encoding="utf-8").splitlines()
    return {p[0]: p[1] for line in lines if not line.startswith("#") and len(p := line.split()) > 1}


@pytest.fixture(scope="module")
def guide_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuideWorld]:
    _need_browser()
    _need_vendor()
    demo_home = os.environ.get("REDLANE_GUIDE_HOME")
    if demo_home:
        home = Path(demo_home)
        with _serve_home(home) as url:
            yield GuideWorld(url, _demo_passwords(home), demo=True)
        return
    with serve_world(tmp_path_factory.mktemp("guide") / "home", _seed_guide_extras) as url:
        yield GuideWorld(url, {s.username: PASSWORD for s in SHOTS}, demo=False)


@pytest.fixture(scope="module")
def live_url(guide_world: GuideWorld) -> str:
    """The browser fixture of ``test_browser`` starts once the world is served."""
    return guide_world.url


def _shots_folder() -> Path | None:
    if os.environ.get("REDLANE_GUIDE_SHOTS") != "1":
        return None
    GUIDE_IMG.mkdir(parents=True, exist_ok=True)
    return GUIDE_IMG


def _login(page: Any, username: str, password: str) -> None:
    page.goto("/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/console/login" not in page.url, f"{username} could not log in"


def _open(page: Any, shot: Shot) -> None:
    if shot.path.startswith("first:"):
        link = page.locator(shot.path.removeprefix("first:")).first
        assert link.count() == 1, f"{shot.name}: nothing to follow on {page.url}"
        with page.expect_navigation():
            link.click()
    else:
        response = page.goto(shot.path)
        assert response is not None and response.status == 200, (shot.name, response)


def _assert_content(page: Any, shot: Shot) -> None:
    assert page.locator("main h1, main h2").count() > 0, f"{shot.name}: no heading"
    if shot.table is None:
        assert page.inner_text("main").strip(), f"{shot.name}: empty page"
        return
    rows = page.locator(f"{shot.table} tbody tr:not(:has(td.empty))")
    assert rows.count() > 0, f"{shot.name}: {shot.table} has no rows on {page.url}"


@pytest.mark.parametrize("username", sorted({s.username for s in SHOTS}))
def test_each_roles_guide_pages_render_with_content(
    browser: Any, guide_world: GuideWorld, username: str
) -> None:
    folder = _shots_folder()
    page = new_page(browser, guide_world.url)
    _login(page, username, guide_world.passwords[username])
    for shot in (s for s in SHOTS if s.username == username):
        _open(page, shot)
        page.wait_for_load_state("networkidle")
        _assert_content(page, shot)
        if folder is not None:
            page.screenshot(path=str(folder / f"{shot.name}.png"), full_page=True)
    assert page.js_errors == [], page.js_errors
