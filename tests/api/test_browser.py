"""The console in a real browser: Debian's Chromium driven by Playwright, against a live server.

Skips (with the reason) where Chromium is missing, except under CI=true where it fails.
Screenshots go to ``$REDLANE_SCREENSHOTS`` (``docs/img`` to refresh the docs) or a temp folder.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from redlane.api.app import create_app
from redlane.config import get_settings
from redlane.store.db import dispose_engine
from tests.api.conftest import FakeEngines, build_world, ci
from tests.api.seed import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need_browser() -> None:
    reason = ""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed"
    if reason:
        if ci():
            pytest.fail(f"browser tests must run under CI: {reason}")
        pytest.skip(reason)


def _need_vendor() -> None:
    from redlane.api.web.kit import NODE_MODULES, VENDOR

    missing = [name for name, rel in VENDOR.items() if not (NODE_MODULES / rel).exists()]
    if missing:
        reason = f"console libraries missing ({', '.join(missing)}): run `make setup` (npm)"
        if ci():
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_world(home: Path, prepare: Callable[[str, Path], None] | None = None) -> Iterator[str]:
    """The seeded test world served by uvicorn on a free loopback port; yields its base URL.
    ``prepare(database_url, home)`` adds to the world before the service starts."""
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        mp.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
        get_settings.cache_clear()
        url, _world = build_world(home)
        if prepare is not None:
            prepare(url, home)
        with served(create_app(home, url, engines=FakeEngines(home))) as base_url:
            yield base_url
        dispose_engine(url)
        get_settings.cache_clear()


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    with serve_world(tmp_path_factory.mktemp("browser") / "home") as url:
        yield url


@pytest.fixture(scope="module")
def browser(live_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("REDLANE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_page(browser: Any, live_url: str) -> Any:
    context = browser.new_context(base_url=live_url, viewport={"width": 1366, "height": 820})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.js_errors = errors
    return page


def login(page: Any, username: str) -> None:
    page.goto("/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_officer_queue_shipment_seizure_dashboard(browser: Any, live_url: str, shots: Path) -> None:
    _need_vendor()
    page = new_page(browser, live_url)
    r = page.goto("/console/queue")
    assert r.status == 401  # no session: the login page itself, not a redirect
    page.screenshot(path=str(shots / "console-login.png"))
    # Keyboard only: the username field has focus, Tab to the password, Enter submits.
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/console/queue")
    rows = page.locator("#queue-table tbody tr")
    assert rows.count() == 4
    text = page.inner_text("#queue-table")
    assert "JFK-RED-1" in text and "LAX" not in text
    assert page.inner_text("#capacity-used") == "2 / 2"
    page.screenshot(path=str(shots / "console-queue.png"), full_page=True)

    page.click("text=EXPR JFK-RED-1")
    page.wait_for_url("**/console/shipments/EXPR/JFK-RED-1")
    assert "shipper linked to 2 seizures" in page.inner_text("main")
    page.check("input[name=outcome][value=seized]")
    page.fill("input[name=brand]", "Acme")
    page.fill("input[name=seized_quantity]", "40")
    page.fill("input[name=seized_value]", "5200")
    page.screenshot(path=str(shots / "console-shipment.png"), full_page=True)
    page.click("text=Record outcome >> nth=-1")
    page.wait_for_url("**?saved=1")
    assert "Outcome recorded." in page.inner_text("main")
    assert "seized" in page.inner_text("#outcomes")

    page.click("nav >> text=Dashboard")
    page.wait_for_url("**/console/dashboard")
    jfk = page.locator("#metrics-by_port tr[data-key=JFK]")
    assert jfk.locator(".hits").inner_text() == "1"
    assert jfk.locator(".inspected").inner_text() == "1"
    assert page.locator("#metrics-by_port tr[data-key=LAX]").count() == 0  # not their port
    page.wait_for_function("document.getElementById('chart-daily').dataset.rendered === '1'")
    page.screenshot(path=str(shots / "console-dashboard.png"), full_page=True)
    assert page.js_errors == []


def test_investigator_actor_graph_renders(browser: Any, live_url: str, shots: Path) -> None:
    _need_vendor()
    page = new_page(browser, live_url)
    login(page, "investigator")
    page.goto("/console/actors")
    page.click("text=Meiya Trading")
    page.wait_for_url("**/console/actors/A-1")
    page.wait_for_function("document.getElementById('graph').dataset.rendered === '3'")
    # cytoscape drew into canvases inside the container
    assert page.locator("#graph canvas").count() > 0
    assert "shop@meiya.example.com" in page.inner_text("main")
    page.screenshot(path=str(shots / "console-actor.png"), full_page=True)
    page.goto("/console/targeting")
    page.fill("input[name=criteria] >> nth=0", "actor_id=A-1")
    page.fill("form[action='/console/lookouts'] input[name=reason]", "ring R-1 under investigation")
    page.click("text=Add lookout")
    page.wait_for_url("**saved=lookout")
    assert "ring R-1 under investigation" in page.inner_text("#lookouts")
    page.screenshot(path=str(shots / "console-targeting.png"), full_page=True)
    assert page.js_errors == []


def test_marketplace_analyst_cannot_open_customs_pages(
    browser: Any, live_url: str, shots: Path
) -> None:
    page = new_page(browser, live_url)
    login(page, "marketplace")
    nav = page.inner_text("nav")
    assert "Port queue" not in nav and "Dashboard" not in nav and "Actors" in nav
    for path in ("/console/queue", "/console/shipments/EXPR/JFK-RED-1", "/console/dashboard"):
        r = page.goto(path)
        assert r.status == 403, path
        assert "Not allowed" in page.inner_text("main")
    page.screenshot(path=str(shots / "console-forbidden.png"))
    page.goto("/console/quarantine")
    assert "Nothing refused." in page.inner_text("#quarantine-table")


def test_carrier_quarantine_viewer(browser: Any, live_url: str, shots: Path) -> None:
    page = new_page(browser, live_url)
    login(page, "carrier")
    page.wait_for_url("**/console/quarantine")
    assert "not an ISO 8601 date-time" in page.inner_text("#quarantine-table")
    page.screenshot(path=str(shots / "console-quarantine.png"), full_page=True)


def test_investigator_works_a_case(
    browser: Any, live_url: str, shots: Path, tmp_path: Path
) -> None:
    """Open a case, add a note, upload evidence, view it: the custody log shows each step."""
    page = new_page(browser, live_url)
    login(page, "investigator")
    page.click("nav >> text=Cases")
    page.wait_for_url("**/console/cases")
    page.select_option("form[action='/console/cases'] select[name=kind]", "actor")
    page.fill("form[action='/console/cases'] input[name=ref]", "A-1")
    page.fill("form[action='/console/cases'] input[name=title]", "Meiya Trading network")
    page.click("text=Open case")
    page.wait_for_url("**/console/cases/*")
    case_url = page.url
    assert "Meiya Trading network" in page.inner_text("h1")
    assert page.locator("#case-targets a[href='/console/actors/A-1']").count() == 1
    assert "JFK-RED-1" in page.inner_text("#case-timeline")

    page.fill("form[action$='/notes'] textarea[name=text]", "same phone as the JFK seizure")
    page.click("text=Add note")
    page.wait_for_url("**saved=note")
    assert "same phone as the JFK seizure" in page.inner_text("#case-notes")

    page.click("text=Move to investigation")
    page.wait_for_url("**saved=status")
    assert page.inner_text("#case-status") == "investigation"
    buttons = page.inner_text("#case-actions")
    assert "Move to civil action" in buttons and "Move to investigation" not in buttons

    photo = tmp_path / "seized-sneakers.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg, but evidence all the same")
    page.click("text=Add evidence")
    page.wait_for_url("**/evidence/new")
    page.set_input_files("#evidence-form input[name=file]", str(photo))
    page.select_option("#evidence-form select[name=kind]", "photo")
    page.fill("#evidence-form input[name=description]", "photo of the seized pairs")
    page.click("#evidence-form button[type=submit]")
    page.wait_for_url("**saved=evidence")
    import hashlib

    row = page.locator("#evidence tbody tr", has_text="seized-sneakers.jpg")
    assert hashlib.sha256(photo.read_bytes()).hexdigest() in row.inner_text()
    assert "added by investigator" in row.locator(".custody").inner_text()

    with page.expect_download() as download:
        row.locator("a", has_text="seized-sneakers.jpg").click()
    assert Path(download.value.path()).read_bytes() == photo.read_bytes()
    page.goto(case_url)
    custody = page.locator("#evidence tbody tr", has_text="seized-sneakers.jpg").locator(".custody")
    assert "viewed by investigator" in custody.inner_text()
    page.screenshot(path=str(shots / "console-case.png"), full_page=True)
    assert page.js_errors == []


def test_investigator_pages_and_filters_a_busy_timeline(
    browser: Any, live_url: str, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case with 121 events shows 50 at a time; a kind filter and Next keep each other."""
    from redlane.api import case_views
    from tests.api.test_cases_routes import busy_events

    real = case_views.case_content

    def with_busy_timeline(*args: Any, **kwargs: Any) -> Any:
        detail, linked, policy = real(*args, **kwargs)
        linked.timeline = sorted(linked.timeline + busy_events(), key=lambda e: e.at)
        return detail, linked, policy

    monkeypatch.setattr(case_views, "case_content", with_busy_timeline)
    page = new_page(browser, live_url)
    login(page, "investigator")
    page.goto("/console/cases")
    page.fill("form[action='/console/cases'] input[name=ref]", "A-1")
    page.fill("form[action='/console/cases'] input[name=title]", "Busy timeline")
    page.click("text=Open case")
    page.wait_for_url("**/console/cases/*")
    assert page.locator("#case-timeline li").count() == 50
    assert "Page 1 of 3" in page.inner_text("#timeline-pager")

    page.check("#timeline-filters input[value=inspections]")
    page.check("#timeline-filters input[value=mp_listings]")
    page.click("#timeline-filters button[type=submit]")
    page.wait_for_url("**kind=mp_listings**")
    # 80 of the busy events are of the two kinds; the world's own records of A-1 may add a few
    # (other browser tests record inspections), so the page counts are read from the total.
    counted = re.search(
        r"Events 1–50 of (\d+) matching \((\d+) in all\)", page.inner_text("#timeline-count")
    )
    assert counted is not None
    matching, total = int(counted.group(1)), int(counted.group(2))
    assert 80 <= matching < total and total >= 121
    assert matching <= 100, "the test expects the filtered timeline to fill two pages"
    page.click("#timeline-pager >> text=Next")
    page.wait_for_url("**page=2**")
    assert page.locator("#case-timeline li").count() == matching - 50
    assert "Page 2 of 2" in page.inner_text("#timeline-pager")
    assert page.is_checked("#timeline-filters input[value=mp_listings]")
    page.locator("#tl").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "console-case-timeline.png"))
    assert page.js_errors == []


def test_crowded_actor_graph_labels_do_not_overlap(browser: Any, live_url: str) -> None:
    """60 actors around one: the labels cytoscape draws (the centre and the riskiest) never
    cover one another."""
    import json

    _need_vendor()
    ids = [f"AC-{i:07d}" for i in range(60)]
    graph = {
        "center": ids[0],
        "nodes": [
            {"id": a, "label": f"Trading firm {i}", "risk": 1 - i / 60} for i, a in enumerate(ids)
        ],
        "edges": [{"source": ids[0], "target": a, "kind": "shared phone"} for a in ids[1:]]
        + [
            {"source": a, "target": b, "kind": "shipment"}
            for a, b in zip(ids[1:], ids[2:], strict=False)
        ],
    }
    page = new_page(browser, live_url)
    page.goto("/console/login")  # the origin that serves the libraries
    page.set_content(
        '<div id="graph" class="graph" style="width:900px;height:420px"></div>'
        f'<script type="application/json" id="graph-data">{json.dumps(graph)}</script>'
        f'<script src="{live_url}/static/vendor/cytoscape.min.js"></script>'
        f'<script src="{live_url}/static/console.js"></script>'
    )
    page.wait_for_function("document.getElementById('graph').dataset.rendered === '60'")
    boxes = page.evaluate(
        """() => window.redlaneGraph.nodes('[labelled = 1]').map(n => {
             const only = {includeNodes: false, includeEdges: false, includeLabels: true};
             const b = n.boundingBox(only);
             return [n.id(), b.x1, b.y1, b.x2, b.y2];
           })"""
    )
    assert ids[0] in [b[0] for b in boxes] and len(boxes) >= 20
    for a, b in itertools.combinations(boxes, 2):
        apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
        assert apart, f"labels of {a[0]} and {b[0]} overlap"
    assert page.js_errors == []


def test_admin_adds_and_expires_an_agreement_then_reads_the_audit_log(
    browser: Any, live_url: str, shots: Path
) -> None:
    page = new_page(browser, live_url)
    login(page, "admin")
    page.click("nav >> text=Agreements")
    page.wait_for_url("**/console/agreements")
    form = page.locator("#agreement-form")
    form.locator("select[name=from_partner]").select_option("marketplace")
    form.locator("select[name=to_partner]").select_option("carrier")
    form.locator("textarea[name=allowed]").fill("mp_sellers=seller_id,store_name")
    form.locator("input[name=reason]").fill("pilot with the carrier")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**saved=added-*")
    added = page.url.rsplit("-", 1)[1]
    row = page.locator(f"#agreements tr[data-id='{added}']")
    assert "store_name" in row.inner_text() and row.locator(".status").inner_text() == "in force"
    page.screenshot(path=str(shots / "console-agreements.png"), full_page=True)
    row.locator("input[name=reason]").fill("pilot over")
    row.locator("button", has_text=f"Expire {added}").click()
    page.wait_for_url(f"**saved=expired-{added}")
    assert page.locator(f"#agreements tr[data-id='{added}'] .status").inner_text() == "expired"

    page.click("nav >> text=Audit log")
    page.wait_for_url("**/console/audit")
    page.fill("#audit-filters input[name=action]", "agreement.expire")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**action=agreement.expire*")
    entries = page.inner_text("#audit-entries")
    assert "pilot over" in entries and "admin" in entries
    page.click("#verify-chain")
    page.wait_for_url("**verify=1*")
    assert "Chain intact" in page.inner_text("#chain-status")
    page.screenshot(path=str(shots / "console-audit.png"), full_page=True)
    assert page.js_errors == []


def test_partners_see_their_own_action_feeds(browser: Any, live_url: str, shots: Path) -> None:
    from redlane.events import webhooks
    from redlane.store.db import session_scope

    url = f"sqlite:///{Path(os.environ['REDLANE_HOME']) / 'redlane.db'}"
    hold = {
        "carrier": "EXPR",
        "awb": "AWB-9",
        "hawb": "JFK-RED-1",
        "port_code": "JFK",
        "held_at": "2026-03-01T10:00:00+00:00",
        "status": "hold",
        "carrier_partner": "carrier",
    }
    seizure = {"hawb": "JFK-RED-2", "outcome": "seized", "brand": "Acme"}
    with session_scope(url) as session:
        webhooks.notify(
            session,
            topic="hold",
            key="hold:EXPR:JFK-RED-1",
            record_kind="holds",
            record=hold,
            stage="detention",
        )
        webhooks.notify(
            session,
            topic="seizure_notice",
            key="seizure:EXPR:JFK-RED-2",
            record_kind="inspections",
            record=seizure,
            stage="seizure",
            partners=["marketplace"],
        )

    page = new_page(browser, live_url)
    login(page, "marketplace")
    assert "Carrier holds" not in page.inner_text("nav")
    page.click("nav >> text=Marketplace actions")
    page.wait_for_url("**/console/actions/marketplace")
    feed = page.locator("#action-feed")
    assert feed.locator("tr[data-topic=seizure_notice]").count() == 1
    assert "JFK-RED-2" in feed.inner_text() and "AWB-9" not in feed.inner_text()
    page.screenshot(path=str(shots / "console-marketplace-actions.png"), full_page=True)
    page.select_option("select[name=topic]", "sideline")
    page.click("text=Filter")
    page.wait_for_url("**topic=sideline")
    assert "Nothing for marketplace yet." in page.inner_text("#action-feed")

    carrier = new_page(browser, live_url)
    login(carrier, "carrier")
    carrier.click("nav >> text=Carrier holds")
    carrier.wait_for_url("**/console/actions/carrier")
    holds = carrier.locator("#action-feed tr[data-topic=hold]")
    assert holds.count() == 1 and "AWB-9" in holds.inner_text()
    assert carrier.goto("/console/actions/marketplace").status == 403
    assert page.js_errors == [] and carrier.js_errors == []
