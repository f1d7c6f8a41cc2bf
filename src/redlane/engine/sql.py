"""SQL text helpers shared by every floor that builds SQL: quoting, typed empty relations, lineage.

Pure functions that run nothing. The one place that turns a Python value into SQL text, so a
quoting rule is fixed once (the feed validator, the targeting rules and features, resolution and
the benchmarks all call these).
"""

from __future__ import annotations

import math
from typing import Any

from redlane.model.spec import TableSpec

SQL_TYPES: dict[str, str] = {
    "str": "VARCHAR",
    "id": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,4)",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "country": "VARCHAR",
    "currency": "VARCHAR",
    "hs6": "VARCHAR",
    "hts10": "VARCHAR",
    "email": "VARCHAR",
    "enum": "VARCHAR",
    "list": "VARCHAR[]",
}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def empty_table_sql(table: TableSpec) -> str:
    """A typed, empty relation with the table's final columns (for views before any load)."""
    cols = [f"CAST(NULL AS {SQL_TYPES[f.kind]}) AS {quote_ident(f.name)}" for f in table.fields]
    return f"SELECT {', '.join(cols + LINEAGE_EMPTY)} WHERE FALSE"


LINEAGE_COLUMNS = (
    ("_key", "VARCHAR"),
    ("_row_hash", "VARCHAR"),
    ("_batch_id", "VARCHAR"),
    ("_partner", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_line", "BIGINT"),
    ("_location", "VARCHAR"),
    ("_ingested_at", "TIMESTAMP"),
)


def null_columns_sql(columns: tuple[tuple[str, str], ...]) -> list[str]:
    """Typed NULL columns, for empty relations that still have the right schema."""
    return [f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in columns]


LINEAGE_EMPTY = null_columns_sql(LINEAGE_COLUMNS)


class NotALiteral(ValueError):
    """A value that has no SQL literal (NaN, infinity)."""


def sql_value(value: Any) -> str:
    """A Python scalar as a SQL literal: booleans and finite numbers bare, the rest quoted text."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise NotALiteral(f"not a finite number: {value}")
        return repr(value)
    return quote_literal(str(value))
