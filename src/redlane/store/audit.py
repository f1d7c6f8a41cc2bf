"""The append-only, hash-chained audit log.

Each entry's ``hash`` is the SHA-256 of a canonical JSON of its content and ``prev_hash`` (the
hash of the entry before it; 64 zeros for the first). ``seq`` is left out of the hash because
PostgreSQL sequences skip numbers on rollback, so gaps in ``seq`` are normal; a deleted entry
shows instead as a ``prev_hash`` that no longer matches. Editing, deleting or reordering any entry
but the newest breaks the chain; removing the newest entries leaves a shorter valid chain, which
only a copy of :func:`head` kept elsewhere can reveal.

Writers are serialised so the chain never forks: PostgreSQL takes a transaction-scoped advisory
lock, SQLite relies on the ``BEGIN IMMEDIATE`` of sessions from :mod:`redlane.store.db`. The
unique ``prev_hash`` column is the backstop: a writer that raced anyway fails instead of forking.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, cast, column, exists, func, select
from sqlalchemy.orm import Session

from redlane.store.models import AuditEntry
from redlane.store.sqltypes import iso_utc, utcnow

GENESIS: Final = "0" * 64
SYSTEM: Final = "system"

# One app-wide key: every audit writer in the database queues on the same lock.
_PG_LOCK_KEY: Final = int.from_bytes(
    hashlib.sha256(b"redlane.audit_log").digest()[:8], "big", signed=True
)
_VERIFY_BATCH: Final = 1000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_ids: Sequence[str | int] | str | int,
    reason: str = "",
    partner_id: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the chain (flushed, not committed: it lands with the caller's work).

    ``actor`` is a username or :data:`SYSTEM`. ``details`` must be JSON-like; datetimes, dates,
    decimals and UUIDs are stored as strings, so what is hashed is exactly what is stored.
    """
    ids = _normalise_ids(object_ids)
    clean_details = _normalise_json(dict(details or {}))
    session.flush()
    _lock_chain(session)
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        partner_id=partner_id,
        action=action,
        object_type=object_type,
        object_ids=ids,
        reason=reason,
        details=clean_details,
        prev_hash=_last_hash(session),
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def verify(session: Session) -> VerifyResult:
    """Walk the chain in ``seq`` order and report the first entry that does not fit."""
    table = AuditEntry.__table__
    query = select(table).order_by(table.c.seq).execution_options(yield_per=_VERIFY_BATCH)
    expected_prev, previous_seq, entries = GENESIS, 0, 0
    first_bad: tuple[int, str] | None = None
    try:
        for row in session.execute(query):
            entries += 1
            if first_bad is None:
                first_bad = _check(row, expected_prev, previous_seq)
            expected_prev, previous_seq = row.hash, row.seq
    except ValueError as e:
        # A value edited into something the column type cannot read (bad JSON or timestamp).
        bad_seq = _next_seq(session, previous_seq)
        return VerifyResult(False, entries, bad_seq, f"entry cannot be read: {e}")
    if first_bad is not None:
        return VerifyResult(False, entries, first_bad[0], first_bad[1])
    return VerifyResult(True, entries)


def head(session: Session) -> tuple[int, str] | None:
    """``(seq, hash)`` of the newest entry; keep copies elsewhere to detect truncation."""
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return None if row is None else (row.seq, row.hash)


@dataclass(frozen=True)
class AuditFilter:
    """What to read of the log; every field given narrows (``None``: any). ``since`` is
    inclusive, ``until`` exclusive; ``object_id`` matches one of an entry's ``object_ids``."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def to_json(self) -> dict[str, str]:
        """The filters given, as text (for the audit entry that records the read itself)."""
        out: dict[str, str] = {}
        for name in ("actor", "action", "object_type", "object_id", "since", "until"):
            value = getattr(self, name)
            if value is not None:
                out[name] = iso_utc(value) if isinstance(value, datetime) else str(value)
        return out


@dataclass(frozen=True)
class AuditPage:
    """Entries newest first; ``next_before`` is the cursor of the following (older) page."""

    entries: list[AuditEntry]
    next_before: int | None


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": iso_utc(entry.at),
        "actor": entry.actor,
        "partner_id": entry.partner_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_ids": list(entry.object_ids or []),
        "reason": entry.reason,
        "details": dict(entry.details or {}),
        "hash": entry.hash,
    }


def read_page(
    session: Session, where: AuditFilter, *, limit: int = 50, before: int | None = None
) -> AuditPage:
    """One page of entries matching ``where``, newest first, older than seq ``before``."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = _filtered(select(AuditEntry), session, where)
    if before is not None:
        stmt = stmt.where(AuditEntry.seq < before)
    rows = list(session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].seq if more else None)


def count(session: Session, where: AuditFilter) -> int:
    """How many entries match ``where``."""
    stmt = _filtered(select(func.count()).select_from(AuditEntry), session, where)
    return int(session.execute(stmt).scalar_one())


def _filtered(stmt: Select[Any], session: Session, where: AuditFilter) -> Select[Any]:
    if where.actor is not None:
        stmt = stmt.where(AuditEntry.actor == where.actor)
    if where.action is not None:
        stmt = stmt.where(AuditEntry.action == where.action)
    if where.object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == where.object_type)
    if where.since is not None:
        stmt = stmt.where(AuditEntry.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.at < where.until)
    if where.object_id is not None:
        stmt = stmt.where(_has_object_id(session, where.object_id))
    return stmt


def _has_object_id(session: Session, object_id: str) -> ColumnElement[bool]:
    """``object_id`` is one element of the JSON list ``object_ids``, in the backend's JSON."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        return func.jsonb_exists(cast(AuditEntry.object_ids, JSONB), object_id)
    if dialect == "sqlite":
        elements = func.json_each(AuditEntry.object_ids).table_valued("value")
        return exists(select(1).select_from(elements).where(column("value") == object_id))
    raise NotImplementedError(f"no JSON list filter for {dialect}")


# What the chain covers; ``seq`` is left out because PostgreSQL may skip numbers.
HASHED_FIELDS = (
    "at",
    "actor",
    "partner_id",
    "action",
    "object_type",
    "object_ids",
    "reason",
    "details",
    "prev_hash",
)


def entry_hash(entry: AuditEntry | Row[Any]) -> str:
    """sha256 of an entry's hashed fields, from the model object or a row of ``audit_log``."""
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["at"] = iso_utc(content["at"])
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _check(row: Row[Any], expected_prev: str, previous_seq: int) -> tuple[int, str] | None:
    if row.prev_hash != expected_prev:
        if previous_seq == 0:
            return row.seq, "the first entry does not start the chain: earlier entries are gone"
        return row.seq, (
            f"prev_hash does not match entry {previous_seq}: "
            "an entry was deleted, inserted or reordered"
        )
    recomputed = entry_hash(row)
    if recomputed != row.hash:
        return row.seq, "content does not match its hash: the entry was edited"
    return None


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))


def _last_hash(session: Session) -> str:
    last = session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).scalar_one_or_none()
    return GENESIS if last is None else last


def _next_seq(session: Session, after: int) -> int | None:
    return session.execute(
        select(func.min(AuditEntry.seq)).where(AuditEntry.seq > after)
    ).scalar_one_or_none()


def _normalise_ids(object_ids: Sequence[str | int] | str | int) -> list[str]:
    if isinstance(object_ids, str | int):
        return [str(object_ids)]
    return [str(i) for i in object_ids]


def _normalise_json(value: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_canonical(value))
    return result


def _canonical(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=json_default,
    )


def json_default(value: Any) -> Any:
    """JSON for the values records hold (aware instants, dates, decimals, ids, sets)."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in audit details")
