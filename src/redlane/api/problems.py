"""Errors as RFC 9457 problem details, and the request size limit.

Every error leaves the service as ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail`` (plus ``errors`` for validation). The console's pages are the one
exception: an unauthenticated browser gets the login page with status 401 (see ``web``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from redlane.errors import RedlaneError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE: Final = "https://redlane.invalid/problems/"
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"

MAX_JSON_BYTES: Final = 1 * 1024 * 1024
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024
UPLOAD_PATHS: Final = ("/v1/feeds/upload",)
# Evidence files (photos, documents) of a case, and brand guide images (capped at 2 MB by
# redlane.brands.guides), from the API and the console.
UPLOAD_PATTERN: Final = re.compile(
    r"^/(v1|console)/(cases/[^/]+/evidence|brands/[^/]+/guides/[^/]+/images)$"
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Problem(Exception):
    """Raise to answer with a problem detail."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _slug(status)
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra or {}


def _slug(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (kind or _slug(status)),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


# The schema shown in OpenAPI for error answers.
PROBLEM_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
    "example": {
        "type": PROBLEM_TYPE_BASE + "unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "credentials required: a bearer token or an X-API-Key",
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    return {
        s: {
            "description": HTTPStatus(s).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for s in statuses
    }


# The console renders its own errors as pages; it registers itself here.
HtmlRenderer = Callable[[Request, int, str], Response]
_html_renderers: dict[int, HtmlRenderer] = {}
HTML_PREFIX: Final = "/console"


def set_html_renderer(app: FastAPI, renderer: HtmlRenderer) -> None:
    _html_renderers[id(app)] = renderer


def _html(request: Request, status: int, detail: str) -> Response | None:
    if not request.url.path.startswith(HTML_PREFIX):
        return None
    renderer = _html_renderers.get(id(request.app))
    return renderer(request, status, detail) if renderer is not None else None


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        page = _html(request, exc.status, exc.detail)
        if page is not None:
            return page
        return problem_response(
            exc.status,
            exc.detail,
            kind=exc.kind,
            title=exc.title,
            instance=request.url.path,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        page = _html(request, exc.status_code, str(exc.detail))
        if page is not None:
            return page
        return problem_response(
            exc.status_code,
            str(exc.detail),
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        page = _html(request, 422, "; ".join(str(e.get("msg", "")) for e in exc.errors()))
        if page is not None:
            return page
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem_response(
            422,
            "the request does not match the schema",
            kind="validation-error",
            title="Request validation failed",
            instance=request.url.path,
            extra={"errors": errors},
        )

    async def on_redlane(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RedlaneError)
        status = int(getattr(exc, "STATUS", 500))
        return problem_response(status, str(exc), instance=request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return problem_response(500, "internal error (logged)", instance=request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(RedlaneError, on_redlane)
    app.add_exception_handler(Exception, on_unexpected)


class _TooLarge(StarletteHTTPException):
    """Raised while a body streams past its limit; FastAPI passes HTTP exceptions through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit // (1024 * 1024)} MB")


class BodySizeLimit:
    """Refuse bodies over the limit with 413: 50 MB for uploads, 1 MB for everything else.

    A declared ``Content-Length`` is checked before anything is read; a chunked body is counted
    as it streams.
    """

    def __init__(
        self, app: ASGIApp, json_limit: int = MAX_JSON_BYTES, upload_limit: int = MAX_UPLOAD_BYTES
    ) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        upload = path in UPLOAD_PATHS or UPLOAD_PATTERN.match(path) is not None
        limit = self.upload_limit if upload else self.json_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            f"request body larger than {limit // (1024 * 1024)} MB",
            instance=str(scope.get("path", "")),
        )
        await response(scope, receive, send)


SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    """Headers every answer carries: no MIME sniffing, no framing (clickjacking), no referrer
    leaving the site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)
