"""What an officer reads about a parcel (issue 28 §2): every reason true, relevant, in plain
words and saying its direction. One row per sentence officers rejected, then a whole planned day
read back from the CLI's JSON and the holds file."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.targeting.features import FEATURES
from redlane.targeting.reasons import explain, format_score, selection_reason
from redlane.targeting.rules import Check
from tests.targeting.conftest import World

runner = CliRunner()

# A parcel with nothing on record: each case adds what it is about.
BLANK: dict[str, Any] = {
    "carrier": "EXPR",
    "hawb": "H-1",
    "port": "JFK",
    "origin": "TR",
    "shipper_country": "TR",
    "description": "cotton t-shirts",
    "hs6": "610910",
    "shipper_name": "Anka Tekstil",
    "consignee_name": "J. Doe",
    "submitted_at": datetime(2025, 6, 10, 8, 0),
    "shipper_prior_volume": 12.0,
    "shipper_volume_7d": 2.0,
    "shipper_age_days": 40.0,
    "descr_hs_share": 0.9,
}


def _because(row: dict[str, Any], contributions: dict[str, float]) -> list[str]:
    """The model's sentences for one parcel whose score the named features moved."""
    matrix = np.zeros((1, len(FEATURES) + 1))
    for name, value in contributions.items():
        matrix[0, FEATURES.index(name)] = value
    return explain([{**BLANK, **row}], matrix)[0]


CASES: list[tuple[str, dict[str, Any], dict[str, float], list[str], list[str]]] = [
    # (what officers rejected, parcel, contributions, sentences expected, words never shown)
    (
        "HS None from TR",
        {"hs6": None, "hs_missing": 1.0, "origin_seized": 3.0, "origin_inspected": 40.0},
        {"origin_seized": 0.8},
        [
            "raises risk: origin TR: 3 seizures in 40 past inspections",
        ],
        ["None"],
    ),
    (
        "new shipper first seen 0.0 days ago, its actor known for weeks",
        {
            "shipper_prior_volume": 0.0,
            "shipper_volume_7d": 0.0,
            "shipper_age_days": 0.0,
            "shipper_actor_id": "A-7",
            "shipper_actor_first_seen": datetime(2025, 5, 1, 8, 0),
        },
        {"shipper_age_days": 0.6},
        [
            "raises risk: first parcel under this shipper name, but its actor A-7 was first "
            "seen 40 days ago",
        ],
        ["new shipper", "0.0 days"],
    ),
    (
        "a truly new shipper",
        {"shipper_prior_volume": 0.0, "shipper_volume_7d": 0.0, "shipper_age_days": 0.0},
        {"shipper_prior_volume": 0.6},
        ["raises risk: new shipper: first parcel under this name"],
        ["0.0 days"],
    ),
    (
        "a new shipper whose actor is new too",
        {
            "shipper_prior_volume": 0.0,
            "shipper_actor_id": "A-8",
            "shipper_actor_first_seen": datetime(2025, 6, 10, 8, 0),
        },
        {"shipper_prior_volume": 0.6},
        ["raises risk: new shipper: first parcel under this name, and its actor A-8 is new"],
        [],
    ),
    (
        "a shipper seen before",
        {"shipper_prior_volume": 1.0, "shipper_volume_7d": 1.0, "shipper_age_days": 0.25},
        {"shipper_volume_7d": 0.4},
        [
            "raises risk: shipper first seen less than a day ago: 1 earlier parcel, 1 in the last "
            "7 days"
        ],
        ["new shipper", "0.2"],
    ),
    (
        "HS x from CN: 0 seizures in 2 inspections beside the origin's seizures",
        {"hs6_origin_inspected": 2.0, "origin_seized": 6.0, "origin_inspected": 120.0},
        {"hs6_origin_te": 0.5},
        ["raises risk: origin TR: 6 seizures in 120 past inspections"],
        ["610910"],
    ),
    (
        "port JFK: 0 seizures in 60 days given as a reason to inspect",
        {
            "port_seized_60d": 0.0,
            "port_seized": 0.0,
            "brand_in_description": 1.0,
            "genuine_brand": "Jorovoir",
        },
        {"port_te": 0.9, "brand_in_description": 0.3},
        ["raises risk: brand word 'Jorovoir' in the description 'cotton t-shirts'"],
        ["port JFK"],
    ),
    (
        "a contribution that lowers the score, alone",
        {"port_seized_60d": 0.0, "port_seized": 0.0},
        {"port_te": -0.7},
        ["lowers risk: port JFK: no seizures in the last 60 days"],
        ["raises risk"],
    ),
    (
        "1 hype posts",
        {"seller_ref": "S-9", "seller_hype_posts": 1.0, "seller_takedowns": 1.0},
        {"seller_hype_posts": 0.5},
        ["raises risk: seller S-9, 1 marketplace takedown, 1 hype post"],
        ["posts", "takedowns"],
    ),
    (
        "2 hype posts",
        {"seller_ref": "S-9", "seller_hype_posts": 2.0, "seller_takedowns": 4.0},
        {"seller_hype_posts": 0.5},
        ["raises risk: seller S-9, 4 marketplace takedowns, 2 hype posts"],
        [],
    ),
    (
        "shipper inspected 0 times, none seized, as a reason",
        {"sname_inspected": 0.0, "vague_description": 1.0, "description": "gift"},
        {"sname_te": 0.9, "vague_description": 0.2},
        ["raises risk: vague goods description 'gift'"],
        ["inspected 0", "shipper 'None'"],
    ),
    (
        "one earlier seizure",
        {"sphone_seized": 1.0, "identifier_seized_60d": 1.0},
        {"sphone_seized": 0.9},
        [
            "raises risk: shipper identifiers seen in earlier seizures: phone (1); 1 in the last "
            "60 days"
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    ("rejected", "row", "contributions", "expected", "never"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_model_reasons_are_true_plain_and_say_their_direction(
    rejected: str,
    row: dict[str, Any],
    contributions: dict[str, float],
    expected: list[str],
    never: list[str],
) -> None:
    got = _because(row, contributions)
    assert got == expected, rejected
    for words in never:
        assert not any(words in sentence for sentence in got), (rejected, words)


SELECTIONS: list[tuple[str, dict[str, Any], str]] = [
    (
        "red-lane pick at score 0.001 without saying why",
        {
            "selected_by": "model",
            "lane": "red",
            "value_rank": 3,
            "parcels": 120,
            "score": 0.001,
            "expected_value": 120.0,
        },
        "selected for inspection by the model: 3rd highest expected seizure value of 120 parcels "
        "(score 0.001 × estimated value 120,000 USD), for the value at stake rather than a high "
        "score",
    ),
    (
        "random exploration",
        {"selected_by": "exploration", "lane": "red", "propensity": 0.0123},
        "selected for inspection at random (exploration, a 1 in 81 chance), not for its score",
    ),
    (
        "a rule and a lookout",
        {
            "selected_by": "lookout",
            "lane": "red",
            "checks": [
                Check("rule:1", "vague from CN", {}, "red", "why").label,
                Check(
                    "lookout:3", "identifier lookout 3", {}, "red", "why", kind="identifier"
                ).label,
            ],
        },
        "selected for inspection by rule 'vague from CN' and identifier lookout 3 "
        "(a mandatory check)",
    ),
    (
        "a score of 0.99999998",
        {
            "selected_by": "model",
            "lane": "yellow",
            "value_rank": 1,
            "parcels": 1,
            "score": 0.99999998,
            "expected_value": 50.0,
        },
        "selected for document check by the model: 1st highest expected seizure value of 1 "
        "parcel (score > 0.999 × estimated value 50 USD)",
    ),
]


@pytest.mark.parametrize(("case", "args", "expected"), SELECTIONS, ids=[s[0] for s in SELECTIONS])
def test_every_pick_says_why_it_was_selected(
    case: str, args: dict[str, Any], expected: str
) -> None:
    by, lane = args.pop("selected_by"), args.pop("lane")
    assert selection_reason(by, lane, **args) == expected, case


@pytest.mark.parametrize(
    ("score", "shown"),
    [
        (0.99999998, "> 0.999"),
        (1e-9, "< 0.001"),
        (0.41234, "0.412"),
        (0.0, "0.000"),
        (1.0, "1.000"),
        (0.0005, "0.001"),
    ],
)
def test_scores_are_shown_with_three_decimals_and_never_as_certain(
    score: float, shown: str
) -> None:
    assert format_score(score) == shown


# --- a whole planned day ---------------------------------------------------------------------
UNROUNDED = re.compile(r"\d\.\d{4,}|\de-\d")
PLURAL_OF_ONE = re.compile(
    r"(?<![\d.,])1 (seizures|inspections|parcels|takedowns|posts|hype posts|days|times|"
    r"earlier seizures|earlier parcels|past inspections|marketplace takedowns)\b"
)


def _bad(reason: str) -> list[str]:
    found = [w for w in ("None", "nan", "0.0 days", "(s)") if w in reason]
    found += UNROUNDED.findall(reason) + PLURAL_OF_ONE.findall(reason)
    if re.search(r"\b0 seizures\b|: 0 seizures", reason) and "raises risk" in reason:
        found.append("zero evidence as a reason")
    return found


def test_a_planned_day_reads_cleanly(trained_home: Path, world: World) -> None:
    """The busiest port-day of the session's world, planned through the CLI: every item says
    why it was selected first, and no reason has None, nan, 0.0 days, "1 … posts" or an
    unrounded number; the holds file shows scores with three decimals."""
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    day, port = con.sql(
        "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
        " GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0]
    con.close()
    out = trained_home / "holds"
    result = runner.invoke(
        app,
        [
            "target",
            "plan",
            "--port",
            str(port),
            "--date",
            str(day),
            "--exploration",
            "0.5",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    red = [i for i in plan["items"] if i["lane"] == "red"]
    assert red and any(i["selected_by"] == "exploration" for i in red)
    for item in plan["items"]:
        first = item["reasons"][0]
        assert first.startswith("selected for "), first
        if item["selected_by"] == "exploration":
            assert "at random" in first
        elif item["selected_by"] == "model":
            assert "highest expected seizure value" in first and "score" in first
        for reason in item["reasons"]:
            assert not _bad(reason), (reason, _bad(reason))
        model = [r for r in item["reasons"] if r.startswith(("raises risk", "lowers risk"))]
        assert model or any("stands out" in r for r in item["reasons"]), item["reasons"]
    with (out / f"holds_{port}_{day}.csv").open(encoding="utf-8") as handle:
        holds = list(csv.DictReader(handle))
    assert all(re.fullmatch(r"(> |< )?[01]\.\d{3}", h["score"]) for h in holds), holds[0]


@pytest.mark.parametrize(
    ("lane", "score", "hits", "expected"),
    [
        (
            "red",
            0.99999998,
            [],
            "red lane: score > 0.999 is at or above the inspection threshold 0.300",
        ),
        (
            "yellow",
            0.1234,
            [],
            "yellow lane: score 0.123 is at or above the document-check threshold 0.100",
        ),
        (
            "green",
            3e-7,
            [],
            "green lane: score < 0.001 is below the document-check threshold 0.100",
        ),
        (
            "red",
            0.001,
            [
                Check("rule:1", "vague from CN", {}, "red", "why"),
                Check("rule:2", "x", {}, "notify", "y"),
            ],
            "red lane: required by rule 'vague from CN'",
        ),
    ],
)
def test_a_screened_record_says_why_it_got_its_lane(
    lane: str, score: float, hits: list[Check], expected: str
) -> None:
    from typing import cast

    from redlane.targeting.model import TargetModel
    from redlane.targeting.screen import Screener

    screener = Screener(cast(TargetModel, None), [])
    assert screener.lane_reason(lane, score, hits) == expected


def test_a_new_shipper_name_of_a_known_actor_is_not_called_new(
    world: World, tmp_path: Path
) -> None:
    """Through the feature query: parcels that are the first under their shipper name, their
    parties resolved to an actor first seen long before, read as the actor's, not "new"."""
    import duckdb

    from redlane.resolve.outputs import new_run_dir, publish_run, write_table
    from redlane.targeting.features import compute_features, open_features_connection

    home = tmp_path / "home"
    con = open_features_connection(home, world.warehouse)
    firsts = [
        h
        for (h,) in con.sql(
            "SELECT hawb FROM (SELECT hawb, row_number() OVER (PARTITION BY lower(shipper_name)"
            " ORDER BY submitted_at) AS n FROM aed_shipments) WHERE n = 1 ORDER BY hawb LIMIT 8"
        ).fetchall()
    ]
    con.close()
    run, scratch = new_run_dir(home, "run1"), duckdb.connect()
    listed = ", ".join(f"('{h}')" for h in firsts)
    write_table(
        scratch,
        "SELECT 'p-' || h AS party_id, 'aed_shipments' AS source_table, h AS record_key,"
        f" 'shipper' AS role, 'A-1' AS actor_id FROM (VALUES {listed}) v(h)",
        run,
        "party_actors",
    )
    write_table(
        scratch,
        "SELECT 'A-1' actor_id, 'x' display_name, 1::BIGINT n_parties, 1::BIGINT n_sources,"
        " TIMESTAMP '2024-01-01' first_seen, NULL::TIMESTAMP last_seen, NULL::VARCHAR ring_id,"
        " 0.0::DOUBLE risk, []::VARCHAR[] risk_reasons",
        run,
        "actors",
    )
    publish_run(home, "run1")
    con = open_features_connection(home, world.warehouse)
    where = "k.hawb IN (" + ", ".join(f"'{h}'" for h in firsts) + ")"
    rows = [r for r in compute_features(con, where).to_pylist() if not r["shipper_prior_volume"]]
    con.close()
    assert rows
    contributions = np.zeros((len(rows), len(FEATURES) + 1))
    contributions[:, FEATURES.index("shipper_prior_volume")] = 0.6
    for row, (sentence,) in zip(rows, explain(rows, contributions), strict=True):
        days = (row["submitted_at"] - datetime(2024, 1, 1)).days
        assert sentence == (
            "raises risk: first parcel under this shipper name, but its actor A-1 was first "
            f"seen {days} days ago"
        )
