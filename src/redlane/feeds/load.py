"""Turn staged raw chunks of one batch into loaded rows and quarantine rows, in DuckDB.

Every valid row is classified once: new (loaded), an exact repeat of a row already loaded or
earlier in the same file (duplicate, skipped), or the same natural key with other content
(conflict, quarantined with the line or batch it conflicts with: nothing is silently replaced).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from redlane.engine.sql import quote_ident, quote_literal
from redlane.engine.warehouse import QUARANTINE_COLUMNS, QUARANTINE_TABLE
from redlane.feeds.currency import RATE_DATE_FIELDS, install_rates
from redlane.feeds.parse import ParseProblem, RawChunk
from redlane.feeds.validate import (
    all_errors_sql,
    any_error_sql,
    checked_select_sql,
    first_error_sqls,
    key_hash_sql,
    reference_tables_sqls,
    row_hash_sql,
)
from redlane.model.spec import FeedSpec, TableSpec


@dataclass(frozen=True)
class BatchContext:
    batch_id: str
    feed: FeedSpec
    partner: str
    source_file: str
    file_sha256: str
    ingested_at: str  # ISO timestamp, UTC


@dataclass
class TableCounts:
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0


@dataclass
class LoadResult:
    tables: dict[str, TableCounts] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # table -> (relpath, rows)


def chunk_to_arrow(chunk: RawChunk) -> pa.Table:
    arrays = {
        name: values if isinstance(values, pa.Array) else pa.array(values, pa.string())
        for name, values in chunk.columns.items()
    }
    arrays["_line"] = pa.array(chunk.lines, pa.int64())
    arrays["_location"] = pa.array(chunk.locations, pa.string())
    return pa.table(arrays)


PROBLEM_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("location", pa.string()),
        ("table_name", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("errors", pa.string()),
        ("record", pa.string()),
    ]
)


def problems_to_arrow(problems: list[ParseProblem]) -> pa.Table:
    return pa.table(
        {
            "line": pa.array([p.line for p in problems], pa.int64()),
            "location": pa.array([p.location for p in problems], pa.string()),
            "table_name": pa.array([p.table for p in problems], pa.string()),
            "field": pa.array([p.field for p in problems], pa.string()),
            "value": pa.array([p.value for p in problems], pa.string()),
            "reason": pa.array([p.reason for p in problems], pa.string()),
            "errors": pa.nulls(len(problems), pa.string()),
            "record": pa.array([p.record for p in problems], pa.string()),
        },
        schema=PROBLEM_SCHEMA,
    )


def _lineage_sql(ctx: BatchContext) -> str:
    return (
        f"{quote_literal(ctx.batch_id)} AS _batch_id, {quote_literal(ctx.partner)} AS _partner, "
        f"{quote_literal(ctx.source_file)} AS _source_file, "
        f"{quote_literal(ctx.file_sha256)} AS _file_sha256"
    )


def _ingested_sql(ctx: BatchContext) -> str:
    return f"CAST({quote_literal(ctx.ingested_at)} AS TIMESTAMP)"


def document_order_sql(line: str, location: str) -> str:
    """Order of records in their file: by line, else by JSON pointer compared segment by
    segment with numbers padded, so ``/brands/10`` comes after ``/brands/9``."""
    segments = f"list_transform(string_split({location}, '/'), lambda s: lpad(s, 12, '0'))"
    return f"{line} NULLS LAST, {segments}"


# Where each staged row came from (its staged file and row in it): names a row across queries.
_ROW_ID = ("__file", "__row")
_VERDICT = ("__verdict", "__first_at", "__ebatch")
_REFUSED = "('invalid', 'conflict_file', 'conflict_batch')"


def raw_rows_sql(raw_glob: Path) -> str:
    """The staged raw rows of one table, each with its :data:`_ROW_ID`."""
    source = (
        f"read_parquet({quote_literal(str(raw_glob))}, filename = '__file', file_row_number = true)"
    )
    return f"(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM {source})"


def typed_rows_sql(table: TableSpec, raw_source: str) -> str:
    """Every row typed and judged valid or not in one vectorised pass, with its key and row
    hashes: no reasons and no record text, which only refused rows need."""
    fields = ", ".join(quote_ident(f.name) for f in table.fields)
    return f"""
    WITH checked AS ({checked_select_sql(table, raw_source, _ROW_ID, record=False)}),
    flagged AS (SELECT *, {any_error_sql(table)} AS __invalid FROM checked)
    SELECT __file, __row, _line, _location, {fields}, __invalid,
        CASE WHEN NOT __invalid THEN {key_hash_sql(table)} END AS _key,
        CASE WHEN NOT __invalid THEN {row_hash_sql(table)} END AS _row_hash
    FROM flagged
    """


def classify_sql(table: TableSpec, typed: str) -> str:
    """The typed rows (table ``typed``) with a verdict: load|duplicate|conflict|invalid.

    Among rows of one key, the first in the file is the one kept; later ones are repeats or
    conflicts. Only keys seen more than once in the file are ranked (most are seen once), and
    only the loaded rows of this batch's keys are looked up."""
    order = document_order_sql("_line", "_location")
    win = f"PARTITION BY _key ORDER BY {order}"
    return f"""
    WITH repeated AS (
        SELECT _key FROM {typed} WHERE _key IS NOT NULL GROUP BY _key HAVING count(*) > 1),
    ranked AS (
        SELECT __file AS __rfile, __row AS __rrow, row_number() OVER ({win}) AS __rn,
            first_value(_row_hash) OVER ({win}) AS __first_hash,
            first_value(coalesce('line ' || _line, _location)) OVER ({win}) AS __first_at
        FROM {typed} WHERE _key IN (SELECT _key FROM repeated)),
    existing AS (
        SELECT _key AS __ekey, any_value(_row_hash) AS __ehash, any_value(_batch_id) AS __ebatch
        FROM {quote_ident(table.name)}
        WHERE _key IN (SELECT _key FROM {typed} WHERE _key IS NOT NULL)
        GROUP BY _key)
    SELECT t.*, r.__first_at, e.__ebatch,
        CASE
            WHEN __invalid THEN 'invalid'
            WHEN __rn > 1 AND _row_hash = __first_hash THEN 'duplicate'
            WHEN __rn > 1 THEN 'conflict_file'
            WHEN e.__ehash IS NULL THEN 'load'
            WHEN e.__ehash = _row_hash THEN 'duplicate'
            ELSE 'conflict_batch'
        END AS __verdict
    FROM {typed} t
    LEFT JOIN ranked r ON t.__file = r.__rfile AND t.__row = r.__rrow
    LEFT JOIN existing e ON t._key = e.__ekey
    """


def loaded_rows_sql(table: TableSpec, ctx: BatchContext) -> str:
    fields = ", ".join(quote_ident(f.name) for f in table.fields)
    return (
        f"SELECT {fields}, _key, _row_hash, {_lineage_sql(ctx)}, _line, _location, "
        f"{_ingested_sql(ctx)} AS _ingested_at FROM __classified "
        f"WHERE __verdict = 'load' ORDER BY {document_order_sql('_line', '_location')}"
    )


def refused_rows_sql(table: TableSpec, raw_source: str, classified: str) -> str:
    """The refused rows of ``classified`` checked again from their raw values, now with every
    reason and the record as received: the per-row path, run on these rows only."""
    ids = ", ".join(_ROW_ID)
    verdicts = ", ".join(_VERDICT)
    refused = (
        f"(SELECT r.*, {verdicts} FROM {raw_source} r "
        f"JOIN (SELECT {ids}, {verdicts} FROM {classified} WHERE __verdict IN {_REFUSED}) v "
        "ON r.__file = v.__file AND r.__row = v.__row)"
    )
    checked = checked_select_sql(table, refused, _VERDICT)
    return f"SELECT *, {any_error_sql(table)} AS __invalid FROM ({checked})"


def quarantined_rows_sql(table: TableSpec, refused: str) -> str:
    """Quarantine rows of ``refused`` (:func:`refused_rows_sql`)."""
    err_field, err_value, err_reason = first_error_sqls(table)
    key_fields = ",".join(table.key)
    key_values = " || ',' || ".join(
        f"coalesce(CAST({quote_ident(k)} AS VARCHAR), '')" for k in table.key
    )
    conflict_reason = (
        "'same key (' || " + quote_literal(key_fields) + " || ') as ' || "
        "CASE WHEN __verdict = 'conflict_file' THEN __first_at || ' of this file' "
        "ELSE 'a row loaded in batch ' || __ebatch END || ', with different content'"
    )
    return f"""
    SELECT {quote_literal(table.name)} AS table_name, _line AS line, _location AS location,
        CASE WHEN __invalid THEN {err_field} ELSE {quote_literal(key_fields)} END AS field,
        CASE WHEN __invalid THEN {err_value} ELSE {key_values} END AS value,
        CASE WHEN __invalid THEN {err_reason} ELSE {conflict_reason} END AS reason,
        CASE WHEN __invalid THEN {all_errors_sql(table)} ELSE NULL END AS errors,
        CAST(__record AS VARCHAR) AS record
    FROM ({refused}) WHERE __verdict IN {_REFUSED}
    """


def final_quarantine_sql(parts: list[str], ctx: BatchContext) -> str:
    """Quarantine rows of the batch: one per refused record, kept even when an earlier file
    sent the same record, so every record of a file is accounted for at its own file and line.

    The id names the file (by content) and the place in it: a file whose content was ingested
    before is skipped whole, so a re-run never adds an entry twice.
    """
    union = " UNION ALL ".join(parts)
    columns = ", ".join(name for name, _ in QUARANTINE_COLUMNS)
    place = (
        f"to_json([{quote_literal(ctx.feed.kind)}, {quote_literal(ctx.file_sha256)}, "
        "table_name, CAST(line AS VARCHAR), location])"
    )
    return f"""
    SELECT {columns} FROM (
        SELECT *, md5({place}) AS quarantine_id, {quote_literal(ctx.feed.kind)} AS feed,
            {_lineage_sql(ctx)}, {_ingested_sql(ctx)} AS _ingested_at
        FROM ({union}))
    ORDER BY {document_order_sql("line", "location")}
    """


def copy_to_parquet(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet, COMPRESSION zstd)")
    return int(pq.read_metadata(path).num_rows)


def load_batch(
    con: duckdb.DuckDBPyConnection,
    ctx: BatchContext,
    staged: dict[str, Path],
    problems_file: Path | None,
    warehouse_root: Path,
) -> LoadResult:
    """Write the batch's table files and quarantine file; the caller commits the manifest."""
    result = LoadResult()
    quarantine_parts: list[str] = []
    for sql in reference_tables_sqls():
        con.execute(sql)
    if any(t.name in RATE_DATE_FIELDS for t in ctx.feed.tables):
        install_rates(con)  # money in other currencies needs a rate for its date
    for table in ctx.feed.tables:
        counts = result.tables.setdefault(table.name, TableCounts())
        raw_dir = staged.get(table.name)
        if raw_dir is None:
            continue
        raw_source = raw_rows_sql(raw_dir / "*.parquet")
        con.execute("DROP TABLE IF EXISTS __classified")
        con.execute(f"CREATE OR REPLACE TEMP TABLE __typed AS {typed_rows_sql(table, raw_source)}")
        con.execute(f"CREATE TEMP TABLE __classified AS {classify_sql(table, '__typed')}")
        con.execute("DROP TABLE __typed")
        rel = f"{table.name}/{ctx.batch_id}.parquet"
        verdicts = dict(
            con.execute("SELECT __verdict, count(*) FROM __classified GROUP BY 1").fetchall()
        )
        counts.duplicates = int(verdicts.get("duplicate", 0))
        if verdicts.get("load"):
            counts.loaded = copy_to_parquet(con, loaded_rows_sql(table, ctx), warehouse_root / rel)
            result.files[table.name] = (rel, counts.loaded)
        if any(verdicts.get(v) for v in ("invalid", "conflict_file", "conflict_batch")):
            staged_q = raw_dir.parent / f"{table.name}.quarantine.parquet"
            refused = refused_rows_sql(table, raw_source, "__classified")
            copy_to_parquet(con, quarantined_rows_sql(table, refused), staged_q)
            quarantine_parts.append(_staged_quarantine_select(staged_q))
    if problems_file is not None:
        quarantine_parts.append(_staged_quarantine_select(problems_file))
    if quarantine_parts:
        rel = f"{QUARANTINE_TABLE}/{ctx.batch_id}.parquet"
        path = warehouse_root / rel
        rows = copy_to_parquet(con, final_quarantine_sql(quarantine_parts, ctx), path)
        if rows:
            result.files[QUARANTINE_TABLE] = (rel, rows)
            for table_name, n in con.execute(
                f"SELECT table_name, count(*) FROM read_parquet({quote_literal(str(path))}) "
                "GROUP BY 1"
            ).fetchall():
                counts = result.tables.setdefault(table_name or ctx.feed.kind, TableCounts())
                counts.quarantined += int(n)
        else:
            path.unlink()
    return result


def _staged_quarantine_select(path: Path) -> str:
    return (
        "SELECT table_name, line, location, field, value, reason, "
        "CAST(errors AS VARCHAR) AS errors, record "
        f"FROM read_parquet({quote_literal(str(path))}, union_by_name = true)"
    )
