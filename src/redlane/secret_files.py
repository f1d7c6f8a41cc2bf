"""Deployment secrets kept under REDLANE_HOME: made once, private, never in the repo.

Every secret file (the token signing key, the authentication-code key, the evidence signing
key) is created the same way: in a 0700 folder, opened with O_EXCL and mode 0600 so that a
second process starting at the same moment reads the first one's key instead of replacing it.
A key given in the environment (:class:`redlane.config.SecretSettings`) is used instead of its
file.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from redlane.config import SecretSettings, env_name
from redlane.errors import ConfigError

MIN_SECRET_CHARS = 32
_create_lock = threading.Lock()


def create_once(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` unless the file exists; a concurrent creator wins."""
    with _create_lock:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())


def environment_secret(variable: str) -> str:
    """The value of a secret of :class:`~redlane.config.SecretSettings`, read now ("" unset)."""
    given = SecretSettings()
    for field in SecretSettings.model_fields:
        if env_name(SecretSettings, field) == variable:
            value = getattr(given, field)
            return str(value.get_secret_value())
    raise ValueError(f"{variable} is not a secret of redlane.config.SecretSettings")


def hex_secret(variable: str, path: Path) -> str:
    """The environment's secret if set, else the key file's (256 random bits, made on first use)."""
    from_env = environment_secret(variable)
    if from_env:
        if len(from_env) < MIN_SECRET_CHARS:
            raise ConfigError(f"{variable} must be at least {MIN_SECRET_CHARS} characters")
        return from_env
    create_once(path, secrets.token_hex(32).encode())
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(f"{path} holds a key shorter than {MIN_SECRET_CHARS} characters")
    return key
