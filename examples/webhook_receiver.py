#!/usr/bin/env python3
"""A webhook receiver for redlane messages, for a partner to copy and adapt.

Needs only the Python standard library and ``standardwebhooks`` (``pip install
standardwebhooks``). It checks each request's signature (401 when it does not verify),
answers a message it has already seen by its ``webhook-id`` with 200 without handling it again
(redlane sends a message again after a timeout or a replay), and prints each new message as
one JSON line.

    WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 8080
    python webhook_receiver.py --secret whsec_... --host 0.0.0.0 --port 8080

Run it behind your HTTPS reverse proxy; the secret is the one ``redlane webhooks add`` (or
``POST /v1/webhooks``) showed once. See docs/webhooks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY = 1024 * 1024
# Ids remembered for deduplication: redlane retries for hours at most, so a bounded memory is
# enough here; a real receiver keeps them with the work the message started.
REMEMBERED = 100_000

Handle = Callable[[str, dict[str, Any]], None]


class SeenIds:
    """The webhook-ids already handled, the oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, msg_id: str) -> bool:
        with self._lock:
            if msg_id in self._ids:
                return False
            self._ids[msg_id] = None
            if len(self._ids) > self._size:
                self._ids.popitem(last=False)
            return True


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def print_message(msg_id: str, message: dict[str, Any]) -> None:
    line = {"webhook_id": msg_id, "type": message.get("type"), "data": message.get("data")}
    _say(json.dumps(line, ensure_ascii=False))


def make_handler(secret: str, handle: Handle = print_message) -> type[BaseHTTPRequestHandler]:
    webhook = Webhook(secret)
    seen = SeenIds()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            try:
                # The raw bytes, exactly as received: re-encoded JSON would not verify.
                message = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError:
                self._answer(401, "bad signature")
                return
            except ValueError:
                self._answer(400, "not JSON")
                return
            msg_id = self.headers["webhook-id"]
            if seen.first_time(msg_id):
                handle(msg_id, message)
            self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return Receiver


def make_server(
    host: str, port: int, secret: str, handle: Handle = print_message
) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(secret, handle))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Receive redlane webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0: any free port")
    parser.add_argument(
        "--secret",
        default=os.environ.get("WEBHOOK_SECRET", ""),
        help="whsec_... (default: $WEBHOOK_SECRET)",
    )
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("give the signing secret with --secret or WEBHOOK_SECRET")
    server = make_server(args.host, args.port, args.secret)
    port = server.server_address[1]
    _say(f"listening on http://{args.host}:{port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
