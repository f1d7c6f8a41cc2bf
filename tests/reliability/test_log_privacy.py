"""Personal data never reaches the logs: with every logger at DEBUG, a flow that ingests, refuses,
shows and serves records with names, phones and emails logs none of them, nor a password or a
token."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from redlane.api.app import create_app
from redlane.cli import app as cli
from redlane.model.spec import CARRIER
from redlane.store.db import dispose_engine, session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.partners import ensure_default_partners
from tests.api.seed import PASSWORD, seed_resolution, seed_store, seed_warehouse
from tests.utils.feed_files import valid_record, write_csv

runner = CliRunner()
# Personal data of the records below (the spec's examples and the seeded resolution).
PERSONAL = [
    "John Miller",
    "(217) 555-0148",
    "jmiller@example.org",
    "41 Oak St",
    "Guangzhou Meiya Ltd",
    "sales@meiya.example.com",
    "+86 20 8888 1234",
    "shop@meiya.example.com",
    "Meiya Store",
    "Meiya Trading",
    "Yolanda Quispe",
    "yolanda.q@example.net",
]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # the root: redlane's loggers and every library's
    yield caplog


@pytest.fixture
def seeded(home: Path) -> Iterator[str]:
    home.mkdir(parents=True)
    url = f"sqlite:///{home / 'redlane.db'}"
    ensure_schema(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
    seed_store(home, url)
    seed_warehouse(home)
    seed_resolution(home)
    yield url
    dispose_engine(url)


def assert_no_personal_data(text: str, also: list[str]) -> None:
    leaked = [value for value in PERSONAL + also if value and value in text]
    assert leaked == [], f"in the logs: {leaked}"


def test_ingest_quarantine_and_service_log_no_personal_data(
    seeded: str, home: Path, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    table = CARRIER.tables[0]
    bad = valid_record(table, 1)
    bad.update(consignee_name="Yolanda Quispe", consignee_email="yolanda.q@example.net")
    bad["declared_value"] = "lots"
    path = write_csv(tmp_path / "aed.csv", table, [valid_record(table, 0), bad])

    assert runner.invoke(cli, ["ingest", str(path)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).stdout)["rows"]
    [refused_id] = [r["quarantine_id"] for r in listed if r["field"] == "declared_value"]
    shown = runner.invoke(cli, ["quarantine", "show", refused_id, "--json"])
    assert shown.exit_code == 0 and "Yolanda Quispe" in shown.stdout  # shown, not logged

    app = create_app(home, seeded)
    with TestClient(app) as client:
        refused = client.post("/v1/auth/login", json={"username": "officer", "password": "nope"})
        assert refused.status_code == 401
        tokens = {}
        for user in ("officer", "investigator", "admin"):
            r = client.post("/v1/auth/login", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            tokens[user] = r.json()["access_token"]

        def get(user: str, url: str) -> str:
            r = client.get(url, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code == 200, (url, r.text)
            return r.text

        shipment = get("officer", "/v1/shipments/EXPR/JFK-RED-1")
        actor = get("investigator", "/v1/actors/A-1?reason=case%2017")
        quarantine = get("admin", "/v1/quarantine")
    served = shipment + actor + quarantine
    assert {"John Miller", "Meiya Trading"} <= {v for v in PERSONAL if v in served}

    assert len(debug_logs.records) > 0
    assert_no_personal_data(debug_logs.text, [PASSWORD, "nope", *tokens.values()])


@pytest.mark.slow
def test_simulated_world_through_the_pipeline_logs_no_personal_data(
    home: Path, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    world = tmp_path / "world"
    steps = [
        # 5 % counterfeits, so that the world's own inspections seize some to train on
        [
            "sim",
            "world",
            "--seed",
            "1",
            "--scale",
            "1500",
            "--days",
            "2",
            "--counterfeit-rate",
            "0.05",
            "--out",
            str(world),
        ],
        ["ingest", str(world)],
        ["resolve"],
        ["target", "train"],
        ["target", "plan", "--port", "JFK", "--date", "2025-06-02"],
    ]
    for step in steps:
        result = runner.invoke(cli, step)
        assert result.exit_code == 0, (step, result.output)

    people = set()
    for path in sorted((world / "carrier").glob("*.csv")):
        rows = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
        for column in ("shipper_name", "consignee_name", "consignee_phone", "consignee_email"):
            people |= {v for v in rows.column(column).to_pylist() if v and len(v) >= 8}
    assert len(people) > 100
    assert len(debug_logs.records) > 0
    assert_no_personal_data(debug_logs.text, sorted(people))


def test_a_database_error_does_not_carry_the_values_it_refused(home: Path) -> None:
    from sqlalchemy.exc import IntegrityError

    from redlane.store.models import Partner

    url = f"sqlite:///{home / 'redlane.db'}"
    ensure_schema(url)
    try:
        with pytest.raises(IntegrityError) as refused, session_scope(url) as session:
            row = {"id": "dup", "name": "Yolanda Quispe", "kind": "ngo"}
            session.execute(Partner.__table__.insert(), [row, row])
    finally:
        dispose_engine(url)

    assert "Yolanda" not in str(refused.value)
    assert "parameters hidden" in str(refused.value)
