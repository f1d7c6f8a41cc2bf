"""Audit entries for what a command-line user does: reads of personal data and data events."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from typing import Any

from redlane.cli.common import migrated_store


def cli_actor() -> str:
    """Who ran the command, as the operating system knows them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def record(
    action: str,
    object_type: str,
    object_ids: Sequence[str],
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    from redlane.store import audit
    from redlane.store.db import session_scope

    with session_scope(migrated_store()) as session:
        audit.append(
            session,
            actor=cli_actor(),
            action=action,
            object_type=object_type,
            object_ids=list(object_ids),
            reason=reason,
            details=details,
        )
