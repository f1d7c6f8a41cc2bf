"""A day's features and scores on Spark, handed to the driver one port at a time.

``redlane target score|plan --engine spark`` and ``redlane bench day --engine spark``: the
per-parcel work (the feature query, the model) runs on the executors over the warehouse's
committed files (:mod:`redlane.targeting.spark_features`); the scored rows stay on the
executors (cached) and the driver takes one port's rows at a time, in the order the DuckDB path
gives them (the feature query's ``submitted_at, sid``), so the plan built from them is the same
plan. Planning a port (top-k under capacity, mandatory hits, exploration, reasons) is small per
port and stays on the driver, as it does on DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.targeting.model import TargetModel
from redlane.targeting.spark_features import (
    SCORE_KEYS,
    model_parts,
    register_feature_views,
    scorer,
    spark_features,
    target_labels,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

# The model's probability and expected seizure value, carried beside a parcel's features until
# the driver splits them off.
PROBABILITY: Final = "__redlane_probability"
EXPECTED_VALUE: Final = "__redlane_expected_value"
# The DuckDB path's row order within a port (`feature_sql`'s ORDER BY): plans depend on it
# (ties in value and the exploration draw are taken in row order).
ROW_ORDER: Final = ("submitted_at", "sid")


def with_probability(features: DataFrame, model: TargetModel) -> DataFrame:
    """``features`` with the model's calibrated probability and expected seizure value
    appended (:data:`PROBABILITY`, :data:`EXPECTED_VALUE`), computed on the executors per Arrow
    batch by the DuckDB path's own function (:func:`redlane.targeting.plan.score`)."""
    from pyspark.sql.types import DoubleType, StructField, StructType

    parts = model_parts(model)

    def score_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from redlane.targeting.plan import score

        scoring = scorer(*parts)
        for batch in batches:
            table = pa.Table.from_batches([batch])
            p, ev = score(scoring, table) if table.num_rows else (np.zeros(0), np.zeros(0))
            table = table.append_column(PROBABILITY, pa.array(p, pa.float64()))
            yield from table.append_column(EXPECTED_VALUE, pa.array(ev, pa.float64())).to_batches()

    added = [StructField(PROBABILITY, DoubleType()), StructField(EXPECTED_VALUE, DoubleType())]
    schema = StructType([*features.schema.fields, *added])
    return features.mapInArrow(score_batches, schema)


@dataclass
class ScoredDay:
    """A day's scored features, cached on the executors; ``rows`` per port (``None``: no port)."""

    frame: DataFrame
    rows: dict[str | None, int]
    # What ``frame`` was computed from, cached with it.
    features: DataFrame | None = None

    def port(self, port: str | None) -> tuple[pa.Table, npt.NDArray[np.float64]]:
        """One port's features (the DuckDB path's columns and order) and probabilities."""
        from pyspark.sql import functions as F

        condition = F.col("port").isNull() if port is None else F.col("port") == port
        table = self.frame.filter(condition).orderBy(*_row_order()).toArrow()
        probability = np.asarray(table.column(PROBABILITY).to_numpy(), dtype=np.float64)
        return table.drop_columns([PROBABILITY, EXPECTED_VALUE]), probability

    def scores(self) -> DataFrame:
        """``SCORE_SCHEMA`` rows (:mod:`redlane.targeting.spark_features`): ports by code,
        no port last, each in row order."""
        from pyspark.sql import functions as F

        return self.frame.select(
            *SCORE_KEYS,
            F.col(PROBABILITY).alias("score"),
            F.col(EXPECTED_VALUE).alias("expected_value"),
        ).orderBy(F.col("port").asc_nulls_last(), *_row_order())

    def release(self) -> None:
        self.frame.unpersist()
        if self.features is not None:
            self.features.unpersist()


def _row_order() -> list[Column]:
    """:data:`ROW_ORDER` as DuckDB sorts: ascending, NULLs last (Spark's default: first)."""
    from pyspark.sql import functions as F

    return [F.col(name).asc_nulls_last() for name in ROW_ORDER]


def score_day(
    spark: SparkSession,
    home: Path,
    warehouse_path: Path,
    con: duckdb.DuckDBPyConnection,
    model: TargetModel,
    where: str,
    *,
    lap: Callable[[str], None] | None = None,
) -> ScoredDay:
    """Features and probabilities of the shipments matching ``where`` (the feature query's
    condition), computed and cached on the executors. ``con`` is a features connection
    (:func:`redlane.targeting.training.connect`): its labels are the ones Spark reads.
    ``lap(stage)`` when the features (``"features"``), then the scores (``"score"``) are cached.
    """
    from pyspark import StorageLevel

    register_feature_views(spark, home, warehouse_path, target_labels(con))
    # Features and scores are cached one after the other, so each stage's time is its own.
    # The features stay cached until the day is released: unpersisting them would make Spark
    # rebuild the scores' cache, which reads them, from the feature query again.
    features = spark_features(spark, where).persist(StorageLevel.MEMORY_AND_DISK)
    features.count()
    if lap is not None:
        lap("features")
    frame = with_probability(features, model).persist(StorageLevel.MEMORY_AND_DISK)
    counted = frame.groupBy("port").count().collect()
    if lap is not None:
        lap("score")
    return ScoredDay(frame, {row["port"]: int(row["count"]) for row in counted}, features)
