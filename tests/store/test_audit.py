"""The audit chain verifies when intact and names the first entry that was tampered with."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.schema import metadata
from tests.utils.audit_tamper import tampering

TABLE = metadata.tables["audit_log"]
CONTENT = ("at", "actor", "partner_id", "action", "object_type", "object_ids", "reason", "details")


def _append(url: str, n: int, *, actor: str = "ann") -> list[int]:
    seqs = []
    for i in range(n):
        with session_scope(url) as session:
            entry = audit.append(
                session,
                actor=actor,
                action="case.view",
                object_type="case",
                object_ids=[i],
                reason=f"reason {i}",
                partner_id="ipcc",
                details={"i": i, "score": i / 7, "names": ["Zoë", "王"]},
            )
            seqs.append(entry.seq)
    return seqs


def _verify(url: str) -> audit.VerifyResult:
    with session_scope(url, readonly=True) as session:
        return audit.verify(session)


def _row(url: str, seq: int) -> dict[str, Any]:
    with session_scope(url, readonly=True) as session:
        return dict(session.execute(select(TABLE).where(TABLE.c.seq == seq)).one()._mapping)


def test_empty_log_verifies(store_url: str) -> None:
    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=0)


def test_appended_entries_verify(store_url: str) -> None:
    _append(store_url, 20)

    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=20)


def test_entries_chain_from_genesis(store_url: str) -> None:
    first, second = _append(store_url, 2)

    assert _row(store_url, first)["prev_hash"] == audit.GENESIS
    assert _row(store_url, second)["prev_hash"] == _row(store_url, first)["hash"]


def test_details_are_stored_exactly_as_hashed(store_url: str) -> None:
    at = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
    with session_scope(store_url) as session:
        entry = audit.append(
            session,
            actor="system",
            action="plan.publish",
            object_type="plan",
            object_ids="7",
            details={"at": at, "day": date(2025, 5, 1), "value": Decimal("12.50"), "tags": {"b"}},
        )
        seq = entry.seq

    row = _row(store_url, seq)
    assert row["object_ids"] == ["7"]
    assert row["details"] == {
        "at": "2025-05-01T08:00:00.000000+00:00",
        "day": "2025-05-01",
        "value": "12.50",
        "tags": ["b"],
    }
    assert _verify(store_url).ok


def test_appends_in_one_transaction_chain(store_url: str) -> None:
    with session_scope(store_url) as session:
        for i in range(5):
            audit.append(session, actor="ann", action="a", object_type="t", object_ids=[i])

    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=5)


def test_rolled_back_append_leaves_chain_valid(store_url: str) -> None:
    _append(store_url, 2)
    with pytest.raises(RuntimeError), session_scope(store_url) as session:
        audit.append(session, actor="ann", action="a", object_type="t", object_ids=[1])
        raise RuntimeError("abandon")
    _append(store_url, 2)

    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=4)


@pytest.mark.parametrize(
    "column, value",
    [
        ("reason", "nothing to see"),
        ("actor", "mallory"),
        ("at", datetime(2020, 1, 1, tzinfo=UTC)),
        ("details", {"i": 999}),
        ("object_ids", ["42"]),
        ("partner_id", None),
    ],
)
def test_edited_entry_is_named(store_url: str, column: str, value: object) -> None:
    seqs = _append(store_url, 6)
    with tampering(store_url) as session:
        session.execute(update(TABLE).where(TABLE.c.seq == seqs[3]).values({column: value}))

    result = _verify(store_url)

    assert (result.ok, result.first_bad_seq, result.entries) == (False, seqs[3], 6)
    assert "edited" in result.problem


def test_raw_sql_edit_is_named(store_url: str) -> None:
    seqs = _append(store_url, 5)
    with tampering(store_url) as session:
        session.execute(
            text("UPDATE audit_log SET action = 'case.close' WHERE seq = :seq"), {"seq": seqs[1]}
        )

    assert _verify(store_url).first_bad_seq == seqs[1]


def test_deleted_entry_is_detected(store_url: str) -> None:
    seqs = _append(store_url, 6)
    with tampering(store_url) as session:
        session.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": seqs[2]})

    result = _verify(store_url)

    assert (result.ok, result.first_bad_seq, result.entries) == (False, seqs[3], 5)
    assert "deleted" in result.problem


def test_deleted_first_entry_is_detected(store_url: str) -> None:
    seqs = _append(store_url, 3)
    with tampering(store_url) as session:
        session.execute(delete(TABLE).where(TABLE.c.seq == seqs[0]))

    result = _verify(store_url)

    assert (result.ok, result.first_bad_seq) == (False, seqs[1])
    assert "first entry" in result.problem


def test_truncation_shows_only_against_a_kept_head(store_url: str) -> None:
    seqs = _append(store_url, 4)
    with session_scope(store_url, readonly=True) as session:
        kept = audit.head(session)
    with tampering(store_url) as session:
        session.execute(delete(TABLE).where(TABLE.c.seq == seqs[-1]))

    with session_scope(store_url, readonly=True) as session:
        assert audit.verify(session).ok
        assert audit.head(session) != kept


@pytest.mark.parametrize("swap_hashes", [True, False], ids=["whole-rows", "content-only"])
def test_reordered_entries_are_detected(store_url: str, swap_hashes: bool) -> None:
    seqs = _append(store_url, 6)
    a, b = seqs[2], seqs[3]
    columns = CONTENT + (("prev_hash", "hash") if swap_hashes else ())
    row_a, row_b = _row(store_url, a), _row(store_url, b)
    with tampering(store_url) as session:
        # Park b's hashes first: they are unique, so a cannot take them while b holds them.
        session.execute(
            update(TABLE).where(TABLE.c.seq == b).values(prev_hash="p" * 64, hash="h" * 64)
        )
        session.execute(
            update(TABLE).where(TABLE.c.seq == a).values({c: row_b[c] for c in columns})
        )
        restore = {c: row_a[c] for c in columns} | (
            {} if swap_hashes else {"prev_hash": row_b["prev_hash"], "hash": row_b["hash"]}
        )
        session.execute(update(TABLE).where(TABLE.c.seq == b).values(restore))

    result = _verify(store_url)

    assert (result.ok, result.first_bad_seq) == (False, a)


def test_unreadable_entry_is_named(tmp_path: Any) -> None:
    from redlane.store.migrate import upgrade
    from tests.utils.databases import database_url

    with database_url("sqlite", tmp_path) as url:
        upgrade(url)
        seqs = _append(url, 4)
        with session_scope(url) as session:
            session.execute(
                text("UPDATE audit_log SET details = 'not json' WHERE seq = :s"), {"s": seqs[2]}
            )

        result = _verify(url)

    assert (result.ok, result.first_bad_seq) == (False, seqs[2])
    assert "cannot be read" in result.problem


def test_chain_cannot_fork_even_without_the_lock(store_url: str) -> None:
    (seq,) = _append(store_url, 1)
    row = _row(store_url, seq)
    forged = {c: row[c] for c in CONTENT} | {"prev_hash": row["prev_hash"], "hash": "f" * 64}

    with pytest.raises(IntegrityError), session_scope(store_url) as session:
        session.execute(TABLE.insert().values(forged))


def test_concurrent_threads_keep_one_chain(store_url: str) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            _append(store_url, 25, actor=name)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=100)


WRITER = """
import sys
from redlane.store import audit
from redlane.store.db import session_scope
url, name = sys.argv[1], sys.argv[2]
for i in range(20):
    with session_scope(url) as session:
        audit.append(session, actor=name, action="a", object_type="t", object_ids=[i])
"""


def test_concurrent_processes_keep_one_chain(store_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, f"p{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    failures = [p.communicate(timeout=120)[1] for p in procs if p.wait(timeout=120) != 0]

    assert failures == []
    assert _verify(store_url) == audit.VerifyResult(ok=True, entries=60)
