"""Score signature pairs with Splink's Spark backend (``redlane resolve --engine spark``).

Blocking and comparing signatures is the part of resolution that grows with the square of the
data; it runs on Spark. Parties, normalisation, training (on samples), clustering and the
network stay on the driver, so both engines publish the same kind of run.

**Same settings, same parameters.** The Spark linker is built from ``settings.json`` by the same
``build_settings`` as DuckDB's (Splink writes each engine's SQL), then given the trained λ, m and
u of the run's ``model.json`` (``splink_model.model_settings``); a model whose comparisons or
levels differ from the settings is refused. The model file itself holds DuckDB SQL, so it is
never handed to Spark as is.

**Same similarity.** Splink's Spark jar computes Jaro-Winkler differently from DuckDB on long
strings (e.g. 0.8488 against 0.8538 for "guangzhou longjin trading" / "guang zhou long jin mao
yi"), which moved 51 comparison levels on a 3,500-parcel world. The model was trained with
DuckDB's (rapidfuzz's) Jaro-Winkler and the live matcher uses rapidfuzz, so on Spark
``jaro_winkler`` is a vectorised Arrow UDF over rapidfuzz; the jar stays on the classpath for
Splink's other functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redlane.engine.spark import spark_session, spark_settings
from redlane.names.duckdb_udf import register_spark
from redlane.resolve.splink_model import load_settings, model_settings, tf_columns

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from splink import Linker
    from splink.backends.spark import SparkAPI

PAIR_COLUMNS = ("unique_id_l", "unique_id_r", "match_probability", "match_weight")


def jaro_winkler_arrow(left: pa.Array, right: pa.Array) -> pa.Array:
    """DuckDB's ``jaro_winkler_similarity`` (rapidfuzz) on two string columns; NULL if either is."""
    from rapidfuzz.distance import JaroWinkler
    from rapidfuzz.process import cpdist

    both = pc.and_(pc.is_valid(left), pc.is_valid(right))
    lefts = pc.filter(left, both).to_pylist()
    rights = pc.filter(right, both).to_pylist()
    # float64: a level's cut-off (0.95) is often met exactly, and float32 falls just below it.
    scores = cpdist(lefts, rights, scorer=JaroWinkler.normalized_similarity, dtype=np.float64)
    values = iter(scores.tolist())
    return pa.array(
        [float(next(values)) if ok else None for ok in both.to_pylist()], type=pa.float64()
    )


def register_similarity_functions(spark: SparkSession) -> None:
    """Replace the jar's ``jaro_winkler`` with DuckDB's (see the module docstring) and add
    ``name_score``, the same name comparator as on DuckDB."""
    from pyspark.sql import functions

    # arrow_udf is new in PySpark 4.1 and missing from its type stubs.
    arrow_udf = functions.arrow_udf  # type: ignore[attr-defined]
    spark.udf.register("jaro_winkler", arrow_udf(jaro_winkler_arrow, "double"))
    # redlane's name comparator, for the name-score levels (settings.json "name_score").
    register_spark(spark)


def _spark_api(spark: SparkSession) -> SparkAPI:
    from splink.backends.spark import SparkAPI

    # Locally, cached DataFrames break Splink's long lineages; on a cluster, Parquet
    # checkpoints under REDLANE_SPARK_CHECKPOINT_DIR (Splink's default).
    local = spark_settings().master.startswith("local")
    method = "persist" if local else "parquet"
    db = SparkAPI(spark_session=spark, break_lineage_method=method)  # type: ignore[no-untyped-call]
    register_similarity_functions(spark)
    return db


def _linker(db: SparkAPI, table: pa.Table, settings: dict[str, Any]) -> Linker:
    from splink import Linker

    return Linker(db.register(table, dataset_display_name="signatures"), settings)


def _to_duckdb(con: duckdb.DuckDBPyConnection, out: str, results: list[pa.Table]) -> str:
    """Create ``out (sig_id_l, sig_id_r, match_probability, match_weight)`` from results."""
    schema = pa.schema(
        [
            ("sig_id_l", pa.string()),
            ("sig_id_r", pa.string()),
            ("match_probability", pa.float64()),
            ("match_weight", pa.float64()),
        ]
    )
    tables = [
        t.select(list(PAIR_COLUMNS)).rename_columns(schema.names).cast(schema) for t in results
    ]
    con.register(f"{out}_arrow", pa.concat_tables(tables) if tables else schema.empty_table())
    con.execute(f"CREATE OR REPLACE TABLE {out} AS SELECT * FROM {out}_arrow")
    con.unregister(f"{out}_arrow")
    return out


def _arrow(con: duckdb.DuckDBPyConnection, table: str) -> pa.Table:
    return con.sql(f"SELECT * FROM {table}").to_arrow_table()


def spark_pairs(
    con: duckdb.DuckDBPyConnection,
    model_path: Path,
    floor: float,
    data: dict[str, Any] | None = None,
    signatures: str = "signatures_all",
) -> str:
    """Score every blocked pair of ``signatures`` on Spark; returns a table on ``con`` (like
    the DuckDB path's ``pairs_all`` before renaming) of pairs with probability ≥ ``floor``."""
    db = _spark_api(spark_session())
    linker = _linker(db, _arrow(con, signatures), model_settings(model_path, "spark", data))
    predictions = linker.inference.predict(threshold_match_probability=floor)
    scored = predictions.as_spark_dataframe().select(*PAIR_COLUMNS).toArrow()
    return _to_duckdb(con, "pairs_spark", [scored])


def spark_new_pairs(
    con: duckdb.DuckDBPyConnection,
    model_path: Path,
    threshold: float,
    data: dict[str, Any] | None = None,
) -> str:
    """Spark's counterpart of :func:`redlane.resolve.splink_model.new_pairs` (same inputs on
    ``con``: ``signatures_all``, ``prev_signatures``, ``signatures_new``; same output)."""
    data = data or load_settings()
    con.execute(
        "CREATE OR REPLACE TABLE sigs_new_only AS SELECT * FROM signatures_new "
        "WHERE unique_id NOT IN (SELECT unique_id FROM prev_signatures)"
    )
    if not con.execute("SELECT count(*) FROM sigs_new_only").fetchall()[0][0]:
        return _to_duckdb(con, "pairs_new", [])
    db = _spark_api(spark_session())
    linker = _linker(db, _arrow(con, "signatures_all"), model_settings(model_path, "spark", data))
    for column in tf_columns(data):
        linker.table_management.compute_tf_table(column)
    new_sdf = db.register(_arrow(con, "sigs_new_only"), dataset_display_name="new")
    old_sdf = db.register(_arrow(con, "prev_signatures"), dataset_display_name="existing")
    floor = min(threshold, 0.5)
    results = [
        result.as_spark_dataframe().select(*PAIR_COLUMNS).toArrow()
        for result in (
            linker.inference.predict_between(new_sdf, old_sdf, threshold_match_probability=floor),
            linker.inference.predict_within(new_sdf, threshold_match_probability=floor),
        )
    ]
    return _to_duckdb(con, "pairs_new", results)
