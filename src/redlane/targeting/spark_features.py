"""Targeting features and scores on Spark (``redlane target score --engine spark``).

The feature logic stays in one place, :mod:`redlane.targeting.sql`: its DuckDB text is translated
to Spark SQL when it runs (:func:`redlane.engine.spark.spark_sql`, which also keeps DuckDB's
meaning where the two engines' functions differ). Inputs are the same: the warehouse's committed
files, the current resolution run and ``target_labels``. Labels (inspections plus recorded
outcomes, a small table) are prepared on the driver by the DuckDB code that defines them and
handed to Spark, so they too are defined once.

Scores come from the same LightGBM model: :func:`spark_scores` applies it batch by batch on the
executors (``mapInArrow``) through :func:`redlane.targeting.plan.score`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from redlane.engine.spark import register_warehouse_views, spark_sql
from redlane.engine.warehouse import Warehouse
from redlane.feeds.currency import FX_DAYS, FX_TABLE, RATE_DATE_FIELDS, install_rates
from redlane.resolve.spark_outputs import register_resolution_views_spark
from redlane.targeting.features import INPUT_TABLES
from redlane.targeting.model import TargetModel
from redlane.targeting.sql import feature_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Columns of a score row: which parcel, where and when, and what the model says.
SCORE_KEYS: Final = ("carrier", "hawb", "sid", "port", "arrival_date", "submitted_at")
SCORE_SCHEMA: Final = pa.schema(
    [
        ("carrier", pa.string()),
        ("hawb", pa.string()),
        ("sid", pa.string()),
        ("port", pa.string()),
        ("arrival_date", pa.date32()),
        ("submitted_at", pa.timestamp("us")),
        ("score", pa.float64()),
        ("expected_value", pa.float64()),
    ]
)


def spark_feature_sql(where: str = "") -> str:
    """:func:`redlane.targeting.sql.feature_sql` in Spark SQL."""
    return spark_sql(feature_sql(where=where))


def target_labels(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The ``target_labels`` view of a features connection
    (:func:`redlane.targeting.training.connect`), as Arrow."""
    return con.sql("SELECT * FROM target_labels").to_arrow_table()


def register_feature_views(
    spark: SparkSession, home: Path, warehouse_path: Path, labels: pa.Table
) -> None:
    """Every relation the feature query reads, as Spark temp views."""
    warehouse = Warehouse(warehouse_path)
    register_warehouse_views(spark, warehouse, home, tables=INPUT_TABLES)
    spark.createDataFrame(rates_by_day(warehouse)).createOrReplaceTempView(FX_DAYS)
    register_resolution_views_spark(spark, home)
    spark.createDataFrame(labels).createOrReplaceTempView("target_labels")


def rates_by_day(warehouse: Warehouse) -> pa.Table:
    """The exchange rates by day (:data:`~redlane.feeds.currency.FX_DAYS`), built on the driver
    by the DuckDB code that defines them, so both engines convert with the same table; only
    the currencies the warehouse's money is in (the default table has some 300,000 rows)."""
    con = warehouse.connect(tables=[FX_TABLE, *RATE_DATE_FIELDS])
    try:
        install_rates(con)
        used = " UNION ".join(f"SELECT DISTINCT currency FROM {t}" for t in RATE_DATE_FIELDS)
        return con.sql(f"SELECT * FROM {FX_DAYS} WHERE currency IN ({used})").to_arrow_table()
    finally:
        con.close()


def spark_features(spark: SparkSession, where: str = "") -> DataFrame:
    """Features of every shipment (or those matching ``where``), as a Spark DataFrame."""
    return spark.sql(materialise_shared_ctes(spark, spark_feature_sql(where)))


def materialise_shared_ctes(spark: SparkSession, sql: str) -> str:
    """Turn the query's CTEs into temp views, cached when read more than once; return the
    query that reads them.

    DuckDB computes a CTE once; Spark inlines it at every reference, so the feature query's
    ``keyed`` and ``events`` (read by every history) would be recomputed dozens of times.
    """
    tree = sqlglot.parse_one(sql, read="spark")
    with_ = tree.find(exp.With)
    if with_ is None or with_.parent is not tree:
        return sql
    views: dict[str, str] = {}

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.db and node.name in views:
            return exp.table_(views[node.name], alias=node.alias_or_name)
        return node

    for cte in with_.expressions:
        body = cte.this.transform(rename)
        readers = [t for t in tree.find_all(exp.Table) if not t.db and t.name == cte.alias]
        view = views[cte.alias] = f"__redlane__{cte.alias}"
        if spark.catalog.tableExists(view):
            spark.catalog.uncacheTable(view)
        spark.sql(body.sql(dialect="spark")).createOrReplaceTempView(view)
        if len(readers) > 1:
            spark.catalog.cacheTable(view)
    rest = tree.copy()
    rest.set(with_.arg_key or "with", None)  # "with" or "with_", by sqlglot version
    return rest.transform(rename).sql(dialect="spark")


# --- scoring -------------------------------------------------------------------------------
# What a model is made of, as plain values a Spark task can take (a Booster does not pickle).
ModelParts = tuple[str, tuple[tuple[str, tuple[str, ...]], ...], tuple[float, float]]


def model_parts(model: TargetModel) -> ModelParts:
    """The model as its text, vocabulary and calibration, for :func:`scorer` on an executor."""
    vocab = tuple((k, tuple(v)) for k, v in sorted(model.vocab.items()))
    return model.booster.model_to_string(), vocab, model.platt


@lru_cache(maxsize=4)
def scorer(
    text: str, vocab: tuple[tuple[str, tuple[str, ...]], ...], platt: tuple[float, float]
) -> TargetModel:
    """The model rebuilt from :func:`model_parts`, once per Python worker."""
    import lightgbm as lgb

    return TargetModel(lgb.Booster(model_str=text), {k: list(v) for k, v in vocab}, platt)


def spark_scores(features: DataFrame, model: TargetModel) -> DataFrame:
    """``SCORE_SCHEMA`` rows: each shipment's calibrated score and expected seizure value,
    computed on the executors by the same code as the DuckDB path."""
    from pyspark.sql.types import StructType

    parts = model_parts(model)

    def score_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from redlane.targeting.plan import score

        scoring = scorer(*parts)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            p, ev = score(scoring, table) if table.num_rows else ([], [])
            keys = [table.column(k) for k in SCORE_KEYS]
            out = pa.Table.from_arrays([*keys, pa.array(p), pa.array(ev)], schema=SCORE_SCHEMA)
            yield from out.to_batches()

    schema = StructType.fromDDL(  # a StructType for this DDL, typed as DataType
        "carrier STRING, hawb STRING, sid STRING, port STRING, arrival_date DATE,"
        " submitted_at TIMESTAMP_NTZ, score DOUBLE, expected_value DOUBLE"
    )
    return features.mapInArrow(score_batches, schema)  # type: ignore[arg-type]
