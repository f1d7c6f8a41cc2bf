"""Per-shipment targeting features from the warehouse (the SQL lives in :mod:`.sql`).

``open_features_connection(home, warehouse_path)`` gives a DuckDB connection with every input
view the feature query needs; ``compute_features(con, where)`` runs it and returns Arrow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa

from redlane.engine.sql import quote_literal
from redlane.engine.warehouse import Warehouse
from redlane.feeds.currency import FX_TABLE, install_rates
from redlane.resolve.outputs import register_resolution_views
from redlane.targeting.sql import HISTORY_KEYS, WAREHOUSE_LABELS_SQL, feature_sql

# Numeric model inputs (all DOUBLE in the query's output).
NUMERIC_FEATURES: Final[tuple[str, ...]] = (
    "declared_value",
    "weight_kg",
    "pieces",
    "log_value",
    "unit_value",
    "log_value_per_kg",
    "genuine_gap",
    "brand_in_description",
    "vague_description",
    "description_length",
    "hs_missing",
    "descr_hs_share",
    "descr_prior_volume",
    "value_per_kg_vs_descr",
    "origin_ne_shipper_country",
    "has_entry",
    "entry_hs_mismatch",
    "entry_value_ratio",
    "shipper_prior_volume",
    "shipper_volume_7d",
    "shipper_age_days",
    "phone_prior_volume",
    "consignee_volume_30d",
    "hs6_origin_volume_7d",
    "has_seller",
    "seller_age_days",
    "seller_listings",
    "seller_branded_listings",
    "listing_price_ratio",
    "seller_takedowns",
    "seller_hype_posts",
    *(f"{k}_{s}" for k in HISTORY_KEYS for s in ("inspected", "seized", "seized_60d", "te")),
    *(f"{k}_days_since_seizure" for k in ("sname", "sphone", "saddr", "sactor", "ring")),
    "identifier_seized",
    "identifier_seized_60d",
)
# Low-cardinality codes given to LightGBM as categories (vocabulary kept with the model).
CATEGORICAL_FEATURES: Final[tuple[str, ...]] = ("origin", "port", "hs2", "entry_type")
FEATURES: Final[tuple[str, ...]] = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# Most shipments whose features a model's reference (vocabularies, drift deciles) is drawn from:
# deciles and the categories seen three times are stable on a sample this size, and the
# features of a whole history would not fit in memory.
REFERENCE_ROWS: Final = 500_000

# Every warehouse table the query reads.
INPUT_TABLES: Final = (
    "aed_shipments",
    "customs_entries",
    "inspections",
    "product_lines",
    "brands",
    "trademarks",
    "mp_listings",
    "mp_sellers",
    "mp_takedowns",
    "social_posts",
    "ports",
    FX_TABLE,
)

LABEL_SCHEMA: Final = pa.schema(
    [
        ("hawb", pa.string()),
        ("inspected_at", pa.timestamp("us")),
        ("seized", pa.bool_()),
        ("seized_value", pa.float64()),
        ("propensity", pa.float64()),
        ("selection_reason", pa.string()),
    ]
)


def empty_labels() -> pa.Table:
    return LABEL_SCHEMA.empty_table()


def open_features_connection(
    home: Path,
    warehouse_path: Path,
    outcomes: pa.Table | None = None,
    *,
    warehouse_labels: bool = True,
    memory_limit: str = "",
) -> duckdb.DuckDBPyConnection:
    """A connection with the warehouse views, the exchange rates by day (``fx_days``), the
    resolution views and ``target_labels``.

    ``outcomes`` (``LABEL_SCHEMA``) are recorded outcomes; they win over a warehouse inspection
    of the same parcel. ``warehouse_labels=False`` ignores the warehouse's inspections (the
    simulator loop uses only its own).
    """
    con = Warehouse(warehouse_path).connect(memory_limit=memory_limit, tables=INPUT_TABLES)
    install_rates(con)
    register_resolution_views(con, home)
    set_labels(con, outcomes, warehouse_labels=warehouse_labels)
    return con


def set_labels(
    con: duckdb.DuckDBPyConnection, outcomes: pa.Table | None, *, warehouse_labels: bool = True
) -> None:
    """(Re)define ``target_labels``: one row per inspected parcel (its latest record)."""
    recorded = outcomes if outcomes is not None else empty_labels()
    con.register("target_outcomes", recorded.select(LABEL_SCHEMA.names).cast(LABEL_SCHEMA))
    parts = ["SELECT *, 1 AS pri FROM target_outcomes"]
    if warehouse_labels:
        parts.append(f"SELECT *, 2 AS pri FROM ({WAREHOUSE_LABELS_SQL})")
    union = " UNION ALL ".join(parts)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW target_labels AS "
        "SELECT hawb, inspected_at, seized, coalesce(seized_value, 0) AS seized_value,"
        " propensity, selection_reason FROM ("
        f"SELECT *, row_number() OVER (PARTITION BY hawb ORDER BY pri, inspected_at DESC) AS rn"
        f" FROM ({union})) WHERE rn = 1"
    )


def compute_features(con: duckdb.DuckDBPyConnection, where: str = "") -> pa.Table:
    """Features of every shipment (or those matching ``where``, e.g. one port and day)."""
    return con.sql(feature_sql(where=where)).to_arrow_table()


def labelled_features(con: duckdb.DuckDBPyConnection, where: str = "") -> pa.Table:
    """Features of inspected shipments with ``label`` (seized), ``propensity``,
    ``inspected_at`` and ``seized_value``, in time order.

    The feature query is scoped to the inspected shipments: computed for every shipment and
    then joined to the labels, it held the whole history's windows (an 8 M-parcel history ran
    out of memory under the 8 GB limit) for the few percent that were inspected.
    """
    labelled = "k.hawb IN (SELECT hawb FROM target_labels)"
    scope = f"({where}) AND {labelled}" if where else labelled
    sql = (
        f"SELECT f.*, l.seized::INT AS label, l.propensity, l.inspected_at,"
        f" l.seized_value AS label_value, l.selection_reason"
        f" FROM ({feature_sql(where=scope)}) f JOIN target_labels l USING (hawb)"
        f" ORDER BY f.submitted_at, f.sid"
    )
    return con.sql(sql).to_arrow_table()


def reference_features(
    con: duckdb.DuckDBPyConnection, where: str = "", most: int = REFERENCE_ROWS
) -> pa.Table:
    """Features a model's vocabularies and drift reference are drawn from: the shipments
    matching ``where``; when the warehouse holds more than ``most`` shipments, about ``most``
    of them at most, one in ``m`` by a hash of the shipment id (the same ones every run)."""
    [(shipments,)] = con.sql("SELECT count(*) FROM aed_shipments").fetchall()
    step = -(-int(shipments) // max(1, most))
    if step > 1:
        sample = f"hash(k.sid) % {step} = 0"
        where = f"({where}) AND {sample}" if where else sample
    return compute_features(con, where)


def day_where(day: str, port: str | None = None) -> str:
    """``where`` for the shipments expected on ``day`` (YYYY-MM-DD), at ``port`` if given."""
    clause = f"k.arrival_date = DATE {quote_literal(day)}"
    if port is not None:
        clause += f" AND k.port = {quote_literal(port)}"
    return clause
