"""The warehouse: Parquet files under one folder, made visible batch by batch.

Commit protocol (why: a batch spans several tables plus quarantine, and a crash must leave
nothing half-visible):
1. a batch writes its Parquet files as ``<table>/<batch_id>.parquet``;
2. it then writes ``_batches/<seq>-<batch_id>.json`` (the manifest) by an atomic rename.
Only files named by a manifest are part of the warehouse. Files of a batch without a manifest
are invisible to readers and removed by ``recover()`` before the next write. The ordered list of
manifests is the warehouse's history: the data as of batch N is the files of batches 1..N.

Readers get a DuckDB connection with one view per table over the committed files; Spark (or any
Parquet reader) can be handed the same file lists through ``table_files()``.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import duckdb

from redlane.engine.sql import empty_table_sql, null_columns_sql, quote_ident, quote_literal
from redlane.model.spec import TABLES

# DuckDB's own default lets one query take 80 % of the machine; a third leaves the rest of a
# process (Arrow tables, the model's matrices, a second connection) room on one laptop.
DEFAULT_MEMORY_SHARE: Final = 1 / 3


def default_memory_limit() -> str:
    """``REDLANE_DUCKDB_MEMORY_LIMIT``, else a third of physical memory."""
    from redlane.config import get_settings

    configured = get_settings().duckdb_memory_limit
    if configured:
        return configured
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1, int(total * DEFAULT_MEMORY_SHARE) >> 20)}MB"


SPILL_PREFIX: Final = "redlane-duckdb-"


def spill_directory() -> Path:
    """Where this process's DuckDB connections spill. Not created here: DuckDB creates it on
    the first spill and removes it when the connection closes (its files carry the process id,
    so connections in one process do not collide)."""
    return Path(tempfile.gettempdir()) / f"{SPILL_PREFIX}{os.getpid()}"


def sweep_stale_spill() -> list[Path]:
    """Remove the spill directories of processes that no longer run: a killed process cannot
    remove its own, and a large day spills gigabytes."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*"):
        pid = path.name.removeprefix(SPILL_PREFIX)
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@functools.cache
def _swept_once() -> None:
    sweep_stale_spill()


def limit_memory(con: duckdb.DuckDBPyConnection, memory_limit: str = "") -> None:
    """Hold ``con`` to ``memory_limit`` (default :func:`default_memory_limit`), spilling what
    does not fit to :func:`spill_directory`, so large joins, sorts and windows slow down
    instead of taking the machine's memory."""
    _swept_once()
    con.execute(f"SET memory_limit = {quote_literal(memory_limit or default_memory_limit())}")
    con.execute(f"SET temp_directory = {quote_literal(str(spill_directory()))}")


BATCHES_DIR = "_batches"
STAGING_DIR = "_staging"
QUARANTINE_TABLE = "quarantine"


@dataclass
class TablePart:
    file: str  # relative to the warehouse root
    rows: int


@dataclass
class BatchManifest:
    batch_id: str
    seq: int
    feed: str
    partner: str
    source_file: str
    file_sha256: str
    file_bytes: int
    started_at: str
    committed_at: str
    records_read: int
    rows_loaded: int
    duplicates: int
    quarantined: int
    tables: dict[str, list[TablePart]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchManifest:
        tables = {
            name: [TablePart(**part) for part in parts]
            for name, parts in data.pop("tables", {}).items()
        }
        return cls(tables=tables, **data)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk (a folder's, so a rename survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parquet_source(paths: list[Path]) -> str:
    """A DuckDB table expression reading ``paths`` (at least one) as one table."""
    listed = ", ".join(quote_literal(str(p)) for p in paths)
    # by name: a later file's columns may come in another order, or be more
    return f"read_parquet([{listed}], union_by_name = true)"


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see either nothing or all of it, even after a power cut."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


class Warehouse:
    def __init__(self, root: Path) -> None:
        self.root = root
        # Manifests never change once committed, so each is parsed once per process.
        self._parsed: dict[str, BatchManifest] = {}

    @property
    def batches_dir(self) -> Path:
        return self.root / BATCHES_DIR

    def ensure(self) -> None:
        self.batches_dir.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer at a time; readers never wait (they only read committed files)."""
        self.ensure()
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def manifests(self) -> list[BatchManifest]:
        if not self.batches_dir.exists():
            return []
        found = []
        for path in sorted(self.batches_dir.glob("*.json")):
            manifest = self._parsed.get(path.name)
            if manifest is None:
                data = json.loads(path.read_text(encoding="utf-8"))
                manifest = self._parsed[path.name] = BatchManifest.from_json(data)
            found.append(manifest)
        return sorted(found, key=lambda m: m.seq)

    def next_seq(self) -> int:
        batches = self.manifests()
        return batches[-1].seq + 1 if batches else 1

    def batch_for_file(self, sha256: str) -> BatchManifest | None:
        return next((m for m in self.manifests() if m.file_sha256 == sha256), None)

    def commit(self, manifest: BatchManifest) -> None:
        for parts in manifest.tables.values():
            for part in parts:
                fsync_path(self.root / part.file)
        for folder in {(self.root / p.file).parent for ps in manifest.tables.values() for p in ps}:
            fsync_path(folder)
        name = f"{manifest.seq:09d}-{manifest.batch_id}.json"
        write_atomic(self.batches_dir / name, json.dumps(manifest.to_json(), indent=1))

    def last_seq(self) -> int:
        """The sequence number of the newest committed batch (0 when empty)."""
        batches = self.manifests()
        return batches[-1].seq if batches else 0

    def table_files(
        self, as_of_seq: int | None = None, after_seq: int = 0
    ) -> dict[str, list[Path]]:
        """Files per table of the batches ``after_seq < seq <= as_of_seq``."""
        files: dict[str, list[Path]] = {}
        for manifest in self.manifests():
            if as_of_seq is not None and manifest.seq > as_of_seq:
                break
            if manifest.seq <= after_seq:
                continue
            for table, parts in manifest.tables.items():
                files.setdefault(table, []).extend(self.root / p.file for p in parts)
        return files

    def table_rows(self) -> dict[str, int]:
        """Committed rows per table, from the manifests (no data file is opened)."""
        rows = dict.fromkeys(TABLES, 0)
        rows[QUARANTINE_TABLE] = 0
        for manifest in self.manifests():
            for table, parts in manifest.tables.items():
                rows[table] = rows.get(table, 0) + sum(p.rows for p in parts)
        return rows

    def recover(self) -> list[Path]:
        """Remove files no manifest names: leftovers of a batch that crashed before commit."""
        if not self.root.exists():
            return []
        committed = {
            self.root / p.file for m in self.manifests() for ps in m.tables.values() for p in ps
        }
        removed = []
        staging = self.root / STAGING_DIR
        if staging.exists():
            shutil.rmtree(staging)
            removed.append(staging)
        for path in self.root.glob("*/*.parquet"):
            if path.parent.name.startswith("_"):
                continue
            if path not in committed:
                path.unlink()
                removed.append(path)
        for tmp in self.batches_dir.glob(".*.tmp") if self.batches_dir.exists() else []:
            tmp.unlink()
            removed.append(tmp)
        return removed

    def connect(
        self,
        memory_limit: str = "",
        as_of_seq: int | None = None,
        tables: Iterable[str] | None = None,
    ) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with a view per warehouse table over committed data.

        ``tables`` limits the views to those named (binding a view reads its files' schemas).
        """
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        # Our own Rich bars report progress; DuckDB's would be drawn into the command's output.
        con.execute("SET enable_progress_bar = false")
        limit_memory(con, memory_limit)
        self.create_views(con, as_of_seq=as_of_seq, tables=tables)
        return con

    def create_views(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        as_of_seq: int | None = None,
        after_seq: int = 0,
        tables: Iterable[str] | None = None,
        schema: str = "main",
    ) -> None:
        """A view per table in ``schema`` over the batches ``after_seq < seq <= as_of_seq``."""
        if schema != "main":
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
        files = self.table_files(as_of_seq, after_seq)
        wanted = set(tables) if tables is not None else {*TABLES, QUARANTINE_TABLE}
        prefix = f"{quote_ident(schema)}."
        for name, table in TABLES.items():
            if name in wanted:
                source = self._source(files.get(name), empty_table_sql(table))
                con.execute(f"CREATE OR REPLACE VIEW {prefix}{quote_ident(name)} AS {source}")
        if QUARANTINE_TABLE in wanted:
            source = self._source(files.get(QUARANTINE_TABLE), EMPTY_QUARANTINE_SQL)
            con.execute(f"CREATE OR REPLACE VIEW {prefix}{QUARANTINE_TABLE} AS {source}")

    @staticmethod
    def _source(paths: list[Path] | None, empty_sql: str) -> str:
        if not paths:
            return empty_sql
        return f"SELECT * FROM {parquet_source(paths)}"


QUARANTINE_COLUMNS = (
    ("quarantine_id", "VARCHAR"),
    ("feed", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("line", "BIGINT"),
    ("location", "VARCHAR"),
    ("field", "VARCHAR"),
    ("value", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("errors", "VARCHAR"),
    ("record", "VARCHAR"),
    ("_batch_id", "VARCHAR"),
    ("_partner", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_ingested_at", "TIMESTAMP"),
)
EMPTY_QUARANTINE_SQL = f"SELECT {', '.join(null_columns_sql(QUARANTINE_COLUMNS))} WHERE FALSE"
