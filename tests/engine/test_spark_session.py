"""The Spark session's memory settings, seen where they matter: in the plans it runs."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _broadcast_sizes(plan: Any) -> list[int]:
    """Bytes each broadcast hash table of an executed plan holds (its ``dataSize`` metric)."""
    name = plan.nodeName()
    if name == "AdaptiveSparkPlan":
        return _broadcast_sizes(plan.executedPlan())
    if name.endswith("QueryStage"):  # a stage of an adaptive plan wraps what it ran
        return _broadcast_sizes(plan.plan())
    sizes = []
    if name == "BroadcastExchange":
        sizes.append(int(plan.metrics().apply("dataSize").value()))
    children = plan.children()
    for i in range(children.length()):
        sizes.extend(_broadcast_sizes(children.apply(i)))
    return sizes


def test_a_broadcast_of_a_few_rows_holds_one_small_page() -> None:
    """The feature query broadcasts dozens of small tables on string keys, and on ``local[N]``
    the driver holds every one: each must cost a page of ``REDLANE_SPARK_PAGE_SIZE``, not
    Spark's default page (32 MB on a 2 GB ``local[2]`` driver), or together they fill the
    driver's heap."""
    from pyspark.sql import functions as F

    from redlane.engine.spark import spark_session, spark_settings

    spark = spark_session()
    parcels = spark.range(100).selectExpr("concat('s', id) AS sid", "id AS n")
    labels = spark.range(1, 3).selectExpr("concat('s', id) AS sid", "1.0 AS seized")
    joined = parcels.join(F.broadcast(labels), "sid")

    assert len(joined.collect()) == 2
    sizes = _broadcast_sizes(joined._jdf.queryExecution().executedPlan())
    jvm = spark._jvm
    assert jvm is not None
    page = jvm.org.apache.spark.network.util.JavaUtils.byteStringAsBytes(spark_settings().page_size)
    assert len(sizes) == 1
    # One data page and the hash index of a two-row table (a few hundred bytes).
    assert page <= sizes[0] < 2 * page
