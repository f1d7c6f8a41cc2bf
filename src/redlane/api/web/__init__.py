"""The server-rendered console (Jinja2 templates, htmx, cytoscape.js, Chart.js from npm).

:mod:`~redlane.api.web.kit` is the page kit every page module uses; :func:`install` adds the
pages to the app.
"""

from __future__ import annotations

from fastapi import FastAPI

from redlane.api.problems import set_html_renderer
from redlane.api.web import (
    action_pages,
    admin_pages,
    brand_pages,
    case_pages,
    console,
    queue_pages,
    targeting_pages,
    webhook_pages,
)
from redlane.api.web.kit import error_page


def install(app: FastAPI) -> None:
    """The console's routes, and its errors rendered as pages."""
    app.include_router(console.public)
    app.include_router(case_pages.router)
    app.include_router(brand_pages.router)
    app.include_router(console.pages)
    app.include_router(queue_pages.router)
    app.include_router(targeting_pages.router)
    app.include_router(webhook_pages.router)
    app.include_router(action_pages.router)
    app.include_router(admin_pages.router)
    set_html_renderer(app, error_page)
