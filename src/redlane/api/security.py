"""Secrets, password hashes, tokens and the login rate limit.

The JWT signing key comes from ``REDLANE_SECRET_KEY`` or, when unset, from
``HOME/secrets/jwt.key``, created on first use with mode 0600 (it never lives in the repo).
Passwords are hashed with argon2id; API keys are long random strings, so a SHA-256 of the key
is enough to store and look them up by.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from redlane.config import SecretSettings, env_name
from redlane.secret_files import hex_secret

SECRET_ENV: Final = env_name(SecretSettings, "secret_key")
ALGORITHM: Final = "HS256"
ACCESS_TOKEN_SECONDS: Final = 15 * 60
SESSION_SECONDS: Final = 8 * 60 * 60
API_KEY_PREFIX: Final = "rl_"

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown user like a known one.
_DUMMY_HASH: Final = _hasher.hash("redlane-no-such-user")


def secret_key_path(home: Path) -> Path:
    return home / "secrets" / "jwt.key"


def load_secret_key(home: Path) -> str:
    """The signing key: the environment's, else the key file (created on first run, 0600)."""
    return hex_secret(SECRET_ENV, secret_key_path(home))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time: an account without a password still costs one argon2 verify."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    kind: str  # "access" (API bearer) or "session" (console cookie)
    jti: str
    expires_at: int


def issue_token(
    key: str, *, user_id: int, username: str, kind: str = "access", seconds: int | None = None
) -> tuple[str, int]:
    """A signed JWT and its lifetime in seconds. Role and partner are NOT trusted from it:
    every request reloads the user, so a revoked or changed user takes effect at once."""
    lifetime = seconds or (SESSION_SECONDS if kind == "session" else ACCESS_TOKEN_SECONDS)
    now = int(time.time())
    claims = {
        "sub": username,
        "uid": user_id,
        "typ": kind,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM), lifetime


def decode_token(key: str, token: str, kind: str) -> TokenClaims | None:
    """The claims of a valid, unexpired token of ``kind``, else None."""
    try:
        data: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "uid", "typ", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    if data.get("typ") != kind or not isinstance(data.get("uid"), int):
        return None
    return TokenClaims(int(data["uid"]), str(data["sub"]), kind, str(data["jti"]), int(data["exp"]))


def csrf_token(key: str, session_jti: str) -> str:
    """The console's form token: bound to one session, unguessable without the key."""
    return hmac.new(key.encode(), f"csrf:{session_jti}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str, session_jti: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(key, session_jti), given or "")


class LoginLimiter:
    """At most ``attempts`` failed logins per ``window`` seconds per username and per client.

    In memory, per process: enough against online guessing at one service instance; several
    instances behind a balancer each count on their own.
    """

    def __init__(
        self,
        attempts: int = 5,
        window: float = 300.0,
        per_client: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.per_client = per_client
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def retry_after(self, username: str, client: str) -> int:
        """Seconds to wait before another try, 0 when allowed."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in (
                (f"u:{username.lower()}", self.attempts),
                (f"c:{client}", self.per_client),
            ):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    waits.append(recent[0] + self.window - now)
            return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, username: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent(f"u:{username.lower()}", now).append(now)
            self._recent(f"c:{client}", now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{username.lower()}", None)
