"""The current resolution run's output tables as Spark temp views (DuckDB's counterpart is
:func:`redlane.resolve.outputs.register_resolution_views`): empty views before the first run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from redlane.engine.spark import read_parquet, spark_path
from redlane.resolve.outputs import EMPTY_SQL, OUTPUT_TABLES, current_run_dir, table_paths

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def register_resolution_views_spark(spark: SparkSession, home: Path) -> bool:
    """A temp view per output table; returns whether a resolution run exists."""
    run_dir = current_run_dir(home)
    for name in OUTPUT_TABLES:
        files = table_paths(run_dir, name) if run_dir is not None else []
        paths = [spark_path(path, home) for path in files]
        read_parquet(spark, paths, EMPTY_SQL[name]).createOrReplaceTempView(name)
    return run_dir is not None
