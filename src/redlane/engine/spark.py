"""Spark for the scale path: one session factory, the warehouse's committed files as views, and
DuckDB SQL translated to Spark SQL with DuckDB's meaning kept.

``redlane resolve --engine spark`` and ``redlane target score --engine spark`` run on the session
built here (``REDLANE_SPARK_MASTER``: ``local[2]`` on one machine, a cluster master URL in
production). Spark reads exactly the files the warehouse's manifests name
(:meth:`Warehouse.table_files`), never a file of an uncommitted batch. Paths under
``REDLANE_HOME`` can be read from a mirror (``REDLANE_SPARK_HOME_URI``, e.g. an ``s3a://``
bucket) when the executors do not share the driver's disk (``docs/scaling.md``). The
``REDLANE_SPARK_*`` settings are defined in :class:`redlane.config.SparkSettings`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import sqlglot
from sqlglot import exp

from redlane.config import SparkSettings
from redlane.engine.sql import empty_table_sql
from redlane.engine.warehouse import EMPTY_QUARANTINE_SQL, QUARANTINE_TABLE, Warehouse
from redlane.errors import ConfigError
from redlane.model.spec import TABLES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


# Characters of a query plan Spark keeps when it prints one (its default has no limit).
PLAN_STRING_CHARS: Final = 100_000


def spark_settings() -> SparkSettings:
    """``REDLANE_SPARK_*`` (:class:`redlane.config.SparkSettings`), read now."""
    return SparkSettings()


def spark_session(config: SparkSettings | None = None) -> SparkSession:
    """The process's Spark session (created on first use, then reused).

    Splink's similarity jar is put on the classpath so Splink's Spark SQL functions resolve;
    times are UTC like the DuckDB connections; the UI is off and logs are kept to errors.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - pyspark is the `spark` extra
        raise ConfigError(
            "the Spark engine needs PySpark: install redlane with the `spark` extra"
        ) from exc
    config = config or spark_settings()
    builder = (
        SparkSession.builder.master(config.master)
        .appName("redlane")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", config.driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(config.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The feature query's plan, with its cached views' plans nested inside, prints to about
        # 17 million characters: building that string at every adaptive re-plan ran a 2 GB
        # driver out of heap, the thread serving the result to Python died and `toArrow`
        # waited for it forever. Plan strings are for people; cut them short.
        .config("spark.sql.maxPlanStringLength", str(PLAN_STRING_CHARS))
    )
    if config.master.startswith("local"):
        # Python workers run this interpreter (PySpark's default is whatever `python3` is on
        # PATH); on a cluster PYSPARK_PYTHON comes from the deployment.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # A local session talks to itself: skip the host-name lookup (slow on some machines).
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    elif not config.checkpoint_dir:
        raise ConfigError(
            "set REDLANE_SPARK_CHECKPOINT_DIR to a path every executor can reach"
            f" (Splink checkpoints its intermediate tables there on {config.master})"
        )
    if config.page_size:
        builder = builder.config("spark.buffer.pageSize", config.page_size)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if config.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(config.checkpoint_dir)
    return spark


def spark_path(path: Path, home: Path, config: SparkSettings | None = None) -> str:
    """The location Spark reads ``path`` from: its mirror under ``home_uri`` when configured."""
    config = config or spark_settings()
    if config.home_uri:
        try:
            relative = path.resolve().relative_to(home.resolve())
        except ValueError:
            return str(path)
        return f"{config.home_uri.rstrip('/')}/{relative.as_posix()}"
    return str(path)


def read_parquet(spark: SparkSession, paths: Iterable[str], empty_sql: str) -> DataFrame:
    """Parquet files as one DataFrame (columns merged by name), or ``empty_sql`` when none."""
    listed = list(paths)
    if not listed:
        return spark.sql(spark_sql(empty_sql))
    return spark.read.option("mergeSchema", "true").parquet(*listed)


def register_warehouse_views(
    spark: SparkSession,
    warehouse: Warehouse,
    home: Path,
    tables: Iterable[str] | None = None,
    as_of_seq: int | None = None,
) -> None:
    """A temp view per warehouse table over its committed files, like ``Warehouse.connect``."""
    files = warehouse.table_files(as_of_seq)
    wanted = set(tables) if tables is not None else {*TABLES, QUARANTINE_TABLE}
    for name in sorted(wanted):
        if name == QUARANTINE_TABLE:
            empty = EMPTY_QUARANTINE_SQL
        elif name in TABLES:
            empty = empty_table_sql(TABLES[name])
        else:
            raise ValueError(f"no warehouse table {name!r}")
        paths = (spark_path(p, home) for p in files.get(name, []))
        read_parquet(spark, paths, empty).createOrReplaceTempView(name)


# --- DuckDB SQL → Spark SQL ------------------------------------------------------------------
def spark_sql(duckdb_sql: str) -> str:
    """Translate DuckDB SQL to Spark SQL (sqlglot), keeping DuckDB's results where the two
    engines' functions of the same name differ:

    - ``/`` is always floating point in DuckDB, exact DECIMAL arithmetic in Spark: both
      operands are cast to DOUBLE;
    - ``date_diff('day', a, b)`` counts day boundaries in DuckDB, whole 24-hour spans in Spark:
      it becomes ``datediff(CAST(b AS DATE), CAST(a AS DATE))``; ``'second'`` becomes the
      difference of whole epoch seconds. Other units are refused rather than mistranslated;
    - ``lower`` follows Unicode's simple case mapping in DuckDB, Java's full one in Spark, which
      differ on two letters: "İ" (Spark: "i" + combining dot) and a word-final "Σ" (Spark:
      "ς"). Both are mapped to DuckDB's result first.
    """
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    tree = tree.transform(_keep_duckdb_meaning)
    return tree.sql(dialect="spark")


def _keep_duckdb_meaning(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Div):
        # Changed in place, so the traversal goes on into the operands.
        node.set("this", _as_double(node.this))
        node.set("expression", _as_double(node.expression))
        return node
    if isinstance(node, exp.DateDiff):
        return _date_diff(node)
    if isinstance(node, exp.Lower):
        text = node.this
        for special, simple in _SIMPLE_LOWER.items():
            text = exp.func(
                "REPLACE", text, exp.Literal.string(special), exp.Literal.string(simple)
            )
        node.set("this", text)
        return node
    return node


# Letters whose lower case differs between DuckDB (simple case mapping) and Java (full mapping).
_SIMPLE_LOWER: Final = {"\u0130": "i", "\u03a3": "\u03c3"}


def _as_double(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE):
        return node
    return exp.cast(node, exp.DataType.Type.DOUBLE)


def _date_diff(node: exp.DateDiff) -> exp.Expression:
    unit = node.text("unit").upper()
    # A replaced node's operands are not visited by the traversal: translate them here.
    end = node.this.transform(_keep_duckdb_meaning)
    start = node.expression.transform(_keep_duckdb_meaning)
    if unit in ("DAY", "DAYS"):
        return exp.DateDiff(
            this=exp.cast(end, exp.DataType.Type.DATE),
            expression=exp.cast(start, exp.DataType.Type.DATE),
        )
    if unit in ("SECOND", "SECONDS"):
        return exp.paren(
            exp.Sub(
                this=exp.func("UNIX_SECONDS", exp.cast(end, exp.DataType.Type.TIMESTAMP)),
                expression=exp.func("UNIX_SECONDS", exp.cast(start, exp.DataType.Type.TIMESTAMP)),
            )
        )
    raise ValueError(f"date_diff with unit {unit!r} has no faithful Spark translation here")
