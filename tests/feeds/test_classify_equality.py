"""The two-pass classification gives what the one-query form did, on a simulated world's files.

The reference below is the classification as it was before the fast path (one query that typed,
judged, ranked and kept every reason and record text for every row), kept here verbatim so the
fast path is checked against it: same loaded rows, same quarantine entries (ids, reasons, file,
line, field, value, record), same duplicate counts, across files with bad rows, repeats and
conflicts inside a file and with earlier batches.
"""

from __future__ import annotations

import copy
import itertools
import json
import types
from pathlib import Path
from typing import Any

import duckdb
import pytest

from redlane.engine.sql import quote_ident, quote_literal
from redlane.engine.warehouse import QUARANTINE_TABLE, Warehouse
from redlane.feeds import ingest as ingest_module
from redlane.feeds.currency import RATE_DATE_FIELDS, install_rates
from redlane.feeds.ingest import FileResult, ingest_paths
from redlane.feeds.load import (
    BatchContext,
    LoadResult,
    TableCounts,
    _staged_quarantine_select,
    copy_to_parquet,
    document_order_sql,
    final_quarantine_sql,
    loaded_rows_sql,
)
from redlane.feeds.validate import (
    all_errors_sql,
    any_error_sql,
    checked_select_sql,
    first_error_sqls,
    key_hash_sql,
    reference_tables_sqls,
    row_hash_sql,
)
from redlane.model.spec import CARRIER, MARKETPLACE, TABLES, TableSpec
from redlane.sim import generate_world
from tests.utils.feed_files import recordations_document, valid_record, write_csv, write_jsonl

AED = CARRIER.tables[0]


def _reference_classify_sql(table: TableSpec, raw_source: str) -> str:
    order = document_order_sql("_line", "_location")
    win = f"PARTITION BY _key ORDER BY {order}"
    return f"""
    WITH checked AS ({checked_select_sql(table, raw_source)}),
    flagged AS (SELECT *, {any_error_sql(table)} AS __invalid FROM checked),
    hashed AS (
        SELECT *,
            CASE WHEN NOT __invalid THEN {key_hash_sql(table)} END AS _key,
            CASE WHEN NOT __invalid THEN {row_hash_sql(table)} END AS _row_hash
        FROM flagged),
    ranked AS (
        SELECT *, row_number() OVER ({win}) AS __rn,
            first_value(_row_hash) OVER ({win}) AS __first_hash,
            first_value(coalesce('line ' || _line, _location)) OVER ({win}) AS __first_at
        FROM hashed),
    existing AS (
        SELECT _key AS __ekey, any_value(_row_hash) AS __ehash, any_value(_batch_id) AS __ebatch
        FROM {quote_ident(table.name)} GROUP BY _key)
    SELECT r.*, e.__ehash, e.__ebatch,
        CASE
            WHEN __invalid THEN 'invalid'
            WHEN __rn > 1 AND _row_hash = __first_hash THEN 'duplicate'
            WHEN __rn > 1 THEN 'conflict_file'
            WHEN e.__ehash IS NULL THEN 'load'
            WHEN e.__ehash = _row_hash THEN 'duplicate'
            ELSE 'conflict_batch'
        END AS __verdict
    FROM ranked r LEFT JOIN existing e ON r._key = e.__ekey
    """


def _reference_quarantined_rows_sql(table: TableSpec) -> str:
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
    FROM __classified WHERE __verdict IN ('invalid', 'conflict_file', 'conflict_batch')
    """


def _reference_load_batch(
    con: duckdb.DuckDBPyConnection,
    ctx: BatchContext,
    staged: dict[str, Path],
    problems_file: Path | None,
    warehouse_root: Path,
) -> LoadResult:
    result = LoadResult()
    quarantine_parts: list[str] = []
    for sql in reference_tables_sqls():
        con.execute(sql)
    if any(t.name in RATE_DATE_FIELDS for t in ctx.feed.tables):
        install_rates(con)
    for table in ctx.feed.tables:
        counts = result.tables.setdefault(table.name, TableCounts())
        raw_dir = staged.get(table.name)
        if raw_dir is None:
            continue
        raw_source = f"read_parquet({quote_literal(str(raw_dir / '*.parquet'))})"
        con.execute("DROP TABLE IF EXISTS __classified")
        con.execute(
            f"CREATE TEMP TABLE __classified AS {_reference_classify_sql(table, raw_source)}"
        )
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
            copy_to_parquet(con, _reference_quarantined_rows_sql(table), staged_q)
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


def _files_with_repeats(folder: Path) -> list[Path]:
    """Files that exercise every verdict: in-file repeats and conflicts, bad values in several
    fields, a short row, then a later file repeating and contradicting the loaded rows."""
    rows = [valid_record(AED, i) for i in range(12)]
    rows.append(dict(rows[2]))  # repeated whole: a duplicate
    rows.append({**rows[3], "description": "something else"})  # same key: a conflict
    rows.append({**rows[4], "pieces": "many", "currency": "XXX", "weight_kg": "-1"})
    rows.append({**rows[5], "hawb": "", "shipper_country": "ZZ"})
    rows.append({**rows[3], "description": "a third content"})  # a second conflict
    first = write_csv(folder / "a_first.csv", AED, rows)
    with first.open("a", encoding="utf-8", newline="") as out:
        out.write("EXPR,short,row\n")
    later = [dict(rows[0]), {**rows[1], "pieces": "7"}, valid_record(AED, 99)]
    later.append({**valid_record(AED, 98), "expected_arrival": "tomorrow"})
    second = write_csv(folder / "b_second.csv", AED, later)
    market = MARKETPLACE.tables
    records = [(t, valid_record(t, i)) for t in market for i in range(3)]
    records += [(market[1], valid_record(market[1], 1))]
    records += [(market[1], {**valid_record(market[1], 2), "title": "changed"})]
    jsonl = write_jsonl(folder / "c_market.jsonl", MARKETPLACE, records)
    doc = recordations_document(12)
    doc["brands"][10] = {**copy.deepcopy(doc["brands"][9]), "name": "Another Name"}
    doc["brands"][11] = copy.deepcopy(doc["brands"][2])
    document = folder / "d_recordations.json"
    document.write_text(json.dumps(doc), encoding="utf-8")
    return [first, second, jsonl, document]


def _ingest_all(root: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Ingest ``files`` one call each, with batch ids counted so both runs name batches alike."""
    counter = itertools.count()
    fake_uuid = types.SimpleNamespace(
        uuid4=lambda: types.SimpleNamespace(hex=f"batch{next(counter):04d}")
    )
    monkeypatch.setattr(ingest_module, "uuid", fake_uuid)
    warehouse = Warehouse(root)
    results: list[FileResult] = []
    for path in files:
        results.extend(ingest_paths([path], warehouse))
    return warehouse, results


def _contents(warehouse: Warehouse) -> dict[str, list[tuple[Any, ...]]]:
    con = warehouse.connect()
    return {
        name: con.execute(f"SELECT * EXCLUDE (_ingested_at) FROM {name} ORDER BY ALL").fetchall()
        for name in (*TABLES, QUARANTINE_TABLE)
    }


def _summary(result: FileResult) -> tuple[Any, ...]:
    return (
        Path(result.path).name,
        result.status,
        result.feed,
        result.batch_id,
        result.records,
        result.loaded,
        result.duplicates,
        result.quarantined,
        result.error,
        sorted(result.tables.items()),
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("equality")
    generate_world(root / "world", seed=23, parcels=1500, days=2)
    sim_files = sorted(
        p for p in (root / "world").rglob("*") if p.is_file() and "truth" not in p.parts
    )
    return sim_files + _files_with_repeats(root / "made")


def test_fast_classification_matches_the_one_query_form(world, tmp_path, monkeypatch):
    # Every file twice: the second time each is skipped whole by its content hash.
    files = world + world
    new_wh, new_results = _ingest_all(tmp_path / "new", files, monkeypatch)
    with monkeypatch.context() as patched:
        patched.setattr(ingest_module, "load_batch", _reference_load_batch)
        old_wh, old_results = _ingest_all(tmp_path / "old", files, monkeypatch)
    assert [_summary(r) for r in new_results] == [_summary(r) for r in old_results]
    new, old = _contents(new_wh), _contents(old_wh)
    for name in new:
        assert new[name] == old[name], name
    # The files above reach every verdict, so the comparison covers each path.
    quarantine = "\n".join(str(row) for row in new[QUARANTINE_TABLE])
    assert "of this file, with different content" in quarantine
    assert "a row loaded in batch batch" in quarantine
    assert "not a whole number" in quarantine and "expected 24 fields" in quarantine
    assert "/brands/9 of this file" in quarantine
    assert sum(r.duplicates for r in new_results if r.status == "loaded") >= 3
    assert any(r.status == "already_ingested" for r in new_results)
    assert sum(r.quarantined for r in new_results) > 10
