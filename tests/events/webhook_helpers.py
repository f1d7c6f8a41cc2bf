"""What the webhook tests share: a migrated store with the default partners and agreements, and
a partner endpoint on 127.0.0.1 (an ephemeral port) that answers scripted statuses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from redlane.policy import ensure_default_agreements
from redlane.store.db import session_scope
from redlane.store.migrate import upgrade
from redlane.store.partners import ensure_default_partners


def make_store(directory: Path) -> str:
    url = f"sqlite:///{directory / 'redlane.db'}"
    upgrade(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
    return url


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class LocalReceiver:
    """Answers each POST with the next scripted status, then ``default``; keeps every request."""

    def __init__(self, statuses: Iterable[int] = (), default: int = 200, delay_s: float = 0.0):
        self.statuses = list(statuses)
        self.default = default
        self.delay_s = delay_s
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll: shutdown() waits for it, at every test's end.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else receiver.default
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler

    def wait_for(self, count: int, timeout_s: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.01)
        return False

    def __enter__(self) -> LocalReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
