"""The name comparator as a SQL function: ``name_score(name1, name2, schema)`` on DuckDB and Spark.

Both are vectorised over Arrow columns (:func:`redlane.names.batch.score_arrow`): DuckDB hands
the function a few thousand rows at a time, Spark an Arrow batch per task, and the batch scorer's
memo keeps names and pairs it has already scored between calls. The value is
``compare(name1, name2, schema).score``; NULL if any argument is NULL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from duckdb.func import FunctionNullHandling, PythonUDFType

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["FUNCTION_NAME", "name_score_arrow", "register_duckdb", "register_spark"]

FUNCTION_NAME = "name_score"


def name_score_arrow(
    names1: pa.Array | pa.ChunkedArray,
    names2: pa.Array | pa.ChunkedArray,
    schemas: pa.Array | pa.ChunkedArray,
) -> pa.Array:
    # Imported here: resolution imports this module for its constants, and needs the
    # comparator only when a model has name-score levels.
    from redlane.names.batch import score_arrow

    def flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column

    return score_arrow(flat(names1), flat(names2), flat(schemas))


def register_duckdb(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``name_score(VARCHAR, VARCHAR, VARCHAR) -> DOUBLE`` callable on ``con`` (once)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [FUNCTION_NAME]
    ).fetchall()[0][0]
    if exists:
        return
    varchar = duckdb.sqltype("VARCHAR")
    con.create_function(
        FUNCTION_NAME,
        name_score_arrow,
        [varchar, varchar, varchar],
        duckdb.sqltype("DOUBLE"),
        type=PythonUDFType.ARROW,
        # NULLs reach the function, which returns NULL for them itself (one Arrow call per chunk).
        null_handling=FunctionNullHandling.SPECIAL,
        side_effects=False,
    )


def _name_score_spark(names1: pa.Array, names2: pa.Array, schemas: pa.Array) -> pa.Array:
    # PySpark picks the UDF's kind from these annotations: exactly pa.Array, no unions.
    return name_score_arrow(names1, names2, schemas)


def register_spark(spark: SparkSession) -> None:
    """The same function on Spark, through a vectorised Arrow UDF (PySpark 4.1+)."""
    from pyspark.sql import functions

    # arrow_udf is new in PySpark 4.1 and missing from its type stubs.
    arrow_udf = functions.arrow_udf  # type: ignore[attr-defined]
    spark.udf.register(FUNCTION_NAME, arrow_udf(_name_score_spark, "double"))
