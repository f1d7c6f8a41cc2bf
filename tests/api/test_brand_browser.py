"""The rights holders' console in a real browser (Debian's Chromium through Playwright).

A rights holder registers a brand, adds a product line, a guide with an image and codes, and
flags a listing; an officer finds the guide on a selected shipment and authenticates a cloned
code; an analyst accepts the flag as a lookout; another rights holder cannot see any of it.
Skips where Chromium is missing, except under CI=true. Screenshots go to
``$REDLANE_SCREENSHOTS`` (``docs/img`` refreshes the docs) or a temp folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from redlane.api.users import add_user
from redlane.brands.registry import ensure_holder, link_user
from redlane.brands.scope import CliCaller
from redlane.store.db import session_scope
from redlane.store.models import PlanItem
from tests.api.seed import PASSWORD
from tests.api.test_brands_api import png
from tests.api.test_browser import _need_browser, login, new_page, serve_world
from tests.api.test_browser import browser as browser  # noqa: F401 (fixture)
from tests.api.test_browser import shots as shots  # noqa: F401 (fixture)

BRAND = "acme-brands-inc-acme"


def _seed_brand_people(url: str, home: Path) -> None:
    with session_scope(url) as session:
        add_user(session, "rights_b", PASSWORD, "rights_holder", home=home)
        ensure_holder(session, "Acme Brands Inc.", "US")
        ensure_holder(session, "Zenith Group", "FR")
        link_user(session, "rights", "acme-brands-inc", CliCaller("test"))
        link_user(session, "rights_b", "zenith-group", CliCaller("test"))
        item = session.scalars(select(PlanItem).where(PlanItem.hawb == "JFK-RED-1")).one()
        item.reasons = [*item.reasons, "brand word 'Acme' in the description 'Acme sneakers'"]


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    with serve_world(tmp_path_factory.mktemp("brand-browser") / "home", _seed_brand_people) as url:
        yield url


def test_rights_holder_officer_and_analyst(
    browser: Any, live_url: str, shots: Path, tmp_path: Path
) -> None:
    page = new_page(browser, live_url)
    login(page, "rights")
    assert page.url.endswith("/console/brands")  # a rights holder's console opens on its brands
    page.fill("#brand-form input[name=name]", "Acme")
    page.fill("#brand-form input[name=owner_country]", "US")
    page.click("#brand-form button")
    page.wait_for_url(f"**/console/brands/{BRAND}?saved=brand")
    page.fill("#line-form input[name=name]", "sneakers")
    page.fill("#line-form input[name=hs6]", "6404.11")
    page.fill("#line-form input[name=price_min]", "80")
    page.fill("#line-form input[name=price_max]", "220")
    page.fill("#line-form textarea[name=gtins]", "(01)09506000134352")
    page.click("#line-form button")
    page.wait_for_url("**saved=product-line")
    assert "640411" in page.inner_text("#product-lines")
    assert "09506000134352" in page.inner_text("#product-lines")  # read as a GTIN-14
    page.fill("#guide-form input[name=title]", "Genuine Acme sneakers")
    page.fill("#guide-form textarea[name=body]", "8 stitches per inch; hologram on the tongue.")
    page.click("#guide-form button")
    page.wait_for_url("**saved=guide")
    image = tmp_path / "tongue.png"
    image.write_bytes(png(40, 30))
    page.set_input_files("#guides input[type=file]", str(image))
    page.click("#guides button")
    page.wait_for_url("**saved=image")
    assert page.locator("#guides img").count() == 1
    page.fill(
        "#codes-form textarea[name=codes]",
        "ACME-0001-XK\nACME-0002-QZ\n(01)09506000134352(21)SN0000042",
    )
    page.click("#codes-form button")
    page.wait_for_url("**saved=3-codes")
    assert "3 enrolled" in page.inner_text("#code-summary")
    page.screenshot(path=str(shots / "console-brand.png"), full_page=True)
    page.click("nav >> text=Brands")
    page.wait_for_url("**/console/brands")
    assert "Acme" in page.inner_text("#brands")
    page.screenshot(path=str(shots / "console-brands.png"), full_page=True)

    page.click("nav >> text=Flags")
    page.wait_for_url("**/console/flags")
    page.select_option("#flag-form select[name=target_kind]", "seller")
    page.fill("#flag-form input[name=target_ref]", "S-0045521")
    page.fill("#flag-form input[name=reason]", "our product photos at 10% of retail")
    page.fill("#flag-form textarea[name=evidence]", "test buy TB-3: cloned code")
    page.click("#flag-form button")
    page.wait_for_url("**saved=flag")
    assert "S-0045521" in page.inner_text("#flags")
    assert "pending" in page.inner_text("#flags")
    page.screenshot(path=str(shots / "console-brand-flags.png"), full_page=True)
    assert page.js_errors == []

    officer = new_page(browser, live_url)
    login(officer, "officer")
    officer.goto("/console/shipments/EXPR/JFK-RED-1")
    assert "Genuine Acme sneakers" in officer.inner_text("#guides")
    assert officer.locator("#guides img").count() == 1
    officer.screenshot(path=str(shots / "console-shipment-guide.png"), full_page=True)
    officer.click("text=Check authentication codes on these goods")
    officer.wait_for_url(re.compile(r".*/console/authenticate\?ref=EXPR.*JFK-RED-1.*"))
    officer.fill(
        "#authenticate-form textarea[name=codes]",
        "acme 0002 qz\nhttps://id.gs1.org/01/09506000134352/21/SN0000042",
    )
    officer.click("#authenticate-form button")
    assert officer.locator("#verdicts tr[data-verdict=genuine]").count() == 2
    # the SGTIN, scanned as a Digital Link, is read as the line's GTIN and its serial
    assert "09506000134352 sneakers" in officer.inner_text("#verdicts")
    officer.fill("#authenticate-form input[name=ref]", "EXPR/JFK-RED-2")
    officer.fill("#authenticate-form textarea[name=codes]", "ACME-0002-QZ\nNOT-OURS-77")
    officer.click("#authenticate-form button")
    assert officer.locator("#verdicts tr[data-verdict=cloned]").count() == 1
    assert officer.locator("#verdicts tr[data-verdict=unknown]").count() == 1
    assert "EXPR/JFK-RED-1" in officer.inner_text("#verdicts")
    officer.screenshot(path=str(shots / "console-authenticate.png"), full_page=True)
    assert officer.js_errors == []

    analyst = new_page(browser, live_url)
    login(analyst, "analyst")
    analyst.goto("/console/flags")
    row = analyst.locator("#flags tr[data-flag]").first
    row.locator("input[name=reason]").fill("photos match the brand's; seller new")
    row.locator("button[value=accept]").click()
    analyst.wait_for_url("**saved=accept")
    assert analyst.locator("#flags tr[data-flag] .review").first.inner_text() == "accepted"
    assert "Acme Brands Inc." in analyst.inner_text("#metrics")
    analyst.screenshot(path=str(shots / "console-flags-review.png"), full_page=True)
    assert analyst.js_errors == []


def test_another_rights_holder_sees_none_of_it(browser: Any, live_url: str) -> None:
    page = new_page(browser, live_url)
    login(page, "rights_b")
    assert "Acme" not in page.inner_text("#brands")
    r = page.goto(f"/console/brands/{BRAND}")
    assert r is not None and r.status == 404
    r = page.goto(f"/console/brands/{BRAND}/guides/1/images/1")
    assert r is not None and r.status == 404
    page.goto("/console/flags")
    assert "S-0045521" not in page.inner_text("main")
    page.goto("/console/authenticate")
    assert "Acme" not in page.inner_text("#authenticate-form")
