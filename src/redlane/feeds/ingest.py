"""Ingest partner files: one file is one batch, loaded whole or not at all.

For each file: hash it (a file already loaded is skipped), detect its feed, parse it into staged
raw chunks, validate and classify in DuckDB, write table and quarantine files, then commit the
batch manifest. A failure before the commit leaves only invisible leftovers, which the next run
removes (``Warehouse.recover``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, Protocol

from redlane.config import IngestSettings, env_name
from redlane.engine.warehouse import (
    QUARANTINE_TABLE,
    STAGING_DIR,
    BatchManifest,
    TablePart,
    Warehouse,
)
from redlane.errors import FeedError
from redlane.feeds.currency import FX_TABLE
from redlane.feeds.detect import detect_feed, expand_paths
from redlane.feeds.load import BatchContext, load_batch
from redlane.feeds.parse import ParseStats
from redlane.feeds.stage import stage_file

# Test hook: name a point and the process kills itself there, as a crash would
# (``REDLANE_FAULT_POINT``, redlane.config.IngestSettings).
FAULT_ENV: Final = env_name(IngestSettings, "fault_point")
FAULT_POINTS = ("after_parse", "after_tables", "before_commit")


class IngestProgress(Protocol):
    def file_started(self, path: Path, total_bytes: int) -> None: ...

    def file_advanced(self, bytes_done: int, records: int) -> None: ...

    def file_stage(self, stage: str) -> None: ...

    def file_finished(self, result: FileResult) -> None: ...


Status = Literal["loaded", "already_ingested", "failed"]


@dataclass
class FileResult:
    path: str
    status: Status
    feed: str | None = None
    batch_id: str | None = None
    records: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    error: str | None = None
    tables: dict[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fault(point: str) -> None:
    if IngestSettings().fault_point == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def ingest_paths(
    paths: Iterable[Path],
    warehouse: Warehouse,
    feed_kind: str | None = None,
    partner: str | None = None,
    progress: IngestProgress | None = None,
    memory_limit: str = "",
) -> list[FileResult]:
    """Ingest files and folders; a file that fails is reported and the others still load."""
    results: list[FileResult] = []
    with warehouse.writer_lock():
        warehouse.recover()
        for path in _files(paths, results):
            results.append(ingest_file(path, warehouse, feed_kind, partner, progress, memory_limit))
    return results


def _files(paths: Iterable[Path], failures: list[FileResult]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        try:
            found.extend(expand_paths([path]))
        except FeedError as e:
            failures.append(FileResult(str(path), "failed", error=e.detail))
    return found


def ingest_file(
    path: Path,
    warehouse: Warehouse,
    feed_kind: str | None = None,
    partner: str | None = None,
    progress: IngestProgress | None = None,
    memory_limit: str = "",
) -> FileResult:
    """Ingest one file as one batch. Call under ``warehouse.writer_lock()``."""
    started = time.perf_counter()
    source = str(path.resolve())
    size = path.stat().st_size
    if progress:
        progress.file_started(path, size)
    try:
        result = _ingest(path, source, warehouse, feed_kind, partner, progress, memory_limit)
    except FeedError as e:
        result = FileResult(source, "failed", error=e.detail)
    except OSError as e:
        result = FileResult(source, "failed", error=f"{source}: {e.strerror or e}")
    finally:
        shutil.rmtree(warehouse.root / STAGING_DIR, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    if progress:
        progress.file_finished(result)
    return result


def _ingest(
    path: Path,
    source: str,
    warehouse: Warehouse,
    feed_kind: str | None,
    partner: str | None,
    progress: IngestProgress | None,
    memory_limit: str,
) -> FileResult:
    sha = file_sha256(path)
    earlier = warehouse.batch_for_file(sha)
    if earlier is not None:
        return FileResult(
            source,
            "already_ingested",
            feed=earlier.feed,
            batch_id=earlier.batch_id,
            records=earlier.records_read,
            duplicates=earlier.records_read,
        )
    feed = detect_feed(path, feed_kind)
    ctx = BatchContext(
        batch_id=uuid.uuid4().hex,
        feed=feed,
        partner=partner or feed.partner,
        source_file=source,
        file_sha256=sha,
        ingested_at=_now(),
    )
    staging = warehouse.root / STAGING_DIR / ctx.batch_id
    stats = ParseStats()
    advance = progress.file_advanced if progress else None
    staged = stage_file(path, feed, staging, stats, advance)
    _fault("after_parse")
    if progress:
        progress.file_stage("validating")
    needed = [t.name for t in feed.tables] + [QUARANTINE_TABLE, FX_TABLE]
    con = warehouse.connect(memory_limit=memory_limit, tables=needed)
    try:
        con.execute(f"SET temp_directory = '{staging / 'spill'}'")
        loaded = load_batch(con, ctx, staged.tables, staged.problems, warehouse.root)
    finally:
        con.close()
    _fault("after_tables")
    manifest = BatchManifest(
        batch_id=ctx.batch_id,
        seq=warehouse.next_seq(),
        feed=feed.kind,
        partner=ctx.partner,
        source_file=source,
        file_sha256=sha,
        file_bytes=path.stat().st_size,
        started_at=ctx.ingested_at,
        committed_at=_now(),
        records_read=stats.records,
        rows_loaded=sum(c.loaded for c in loaded.tables.values()),
        duplicates=sum(c.duplicates for c in loaded.tables.values()),
        quarantined=sum(c.quarantined for c in loaded.tables.values()),
        tables={t: [TablePart(rel, rows)] for t, (rel, rows) in loaded.files.items()},
    )
    _fault("before_commit")
    warehouse.commit(manifest)
    return FileResult(
        source,
        "loaded",
        feed=feed.kind,
        batch_id=ctx.batch_id,
        records=stats.records,
        loaded=manifest.rows_loaded,
        duplicates=manifest.duplicates,
        quarantined=manifest.quarantined,
        ignored_columns=stats.ignored_columns,
        tables={t: c.loaded for t, c in loaded.tables.items() if c.loaded},
    )
