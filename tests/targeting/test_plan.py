"""Plans respect capacity and exploration quota exactly; every planned parcel has a reason."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from redlane.cli import app
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, Plan, PlanItem
from redlane.targeting.plan import exploration_quota
from redlane.targeting.plan import select as plan_select

runner = CliRunner()


@pytest.mark.parametrize("seed", range(30))
def test_select_fills_capacity_exactly_with_the_quota(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    ev = rng.random(n)
    mandatory = rng.random(n) < rng.choice([0.0, 0.02, 0.3])
    excluded = rng.random(n) < 0.1
    capacity = int(rng.integers(0, 60))
    rate = float(rng.choice([0.0, 0.05, 0.1, 0.5]))
    quota = exploration_quota(capacity, rate)
    sel = plan_select(ev, mandatory, capacity, quota, rng, excluded=excluded)
    eligible = int((~excluded | mandatory).sum())
    assert len(sel.index) == len(set(sel.index)) == min(capacity, eligible)
    n_mand = min(int(mandatory.sum()), min(capacity, eligible))
    assert sel.selected_by[:n_mand] == ["rule"] * n_mand
    assert all(mandatory[i] for i in sel.index[:n_mand])
    explored = sel.selected_by.count("exploration")
    assert explored == min(quota, min(capacity, eligible) - n_mand)
    assert not any(excluded[i] and not mandatory[i] for i in sel.index)
    model = [i for i, by in zip(sel.index, sel.selected_by, strict=True) if by == "model"]
    others = set(range(n)) - set(sel.index) - {i for i in range(n) if excluded[i]}
    if model and others:  # the model's picks beat every parcel left behind
        explored_set = {
            i for i, by in zip(sel.index, sel.selected_by, strict=True) if by == "exploration"
        }
        left = [ev[i] for i in others if i not in explored_set]
        if left:
            assert min(ev[model]) >= max(left)
    for by, p in zip(sel.selected_by, sel.propensity, strict=True):
        assert (p == 1.0) if by != "exploration" else (0 < p <= 1)


def test_exploration_quota_rounds_half_up():
    assert exploration_quota(40, 0.05) == 2
    assert exploration_quota(10, 0.05) == 1
    assert exploration_quota(9, 0.05) == 0
    assert exploration_quota(3, 1.0) == 3
    with pytest.raises(ValueError):
        exploration_quota(3, 1.5)


DAYS = [(date(2025, 6, 1) + timedelta(days=d)).isoformat() for d in range(60)]


@pytest.mark.parametrize("capacity", [1, 2, 3])
def test_small_ports_explore_at_the_rate_over_days(capacity: int) -> None:
    """At 5 % a port of capacity 1–3 used to get a quota of 0 every day: the fraction is
    carried over days, so over 60 days it explores capacity × 5 % × 60 parcels, within one."""
    quotas = [exploration_quota(capacity, 0.05, day=d, key="0:SMALL") for d in DAYS]
    assert abs(sum(quotas) - capacity * 0.05 * len(DAYS)) < 1
    assert sum(quotas) >= 3 and set(quotas) <= {0, 1}


def test_day_quotas_are_the_share_rounded_and_add_up_to_the_rate() -> None:
    """Each day's quota is capacity × rate rounded down or up, the same on every call (plans are
    reproducible); across ports and days the random picks add up to rate × total capacity."""
    capacities = {f"P{c:02d}": c for c in range(0, 41)}
    total = 0
    for port, capacity in capacities.items():
        quotas = [exploration_quota(capacity, 0.05, day=d, key=f"7:{port}") for d in DAYS]
        assert quotas == [exploration_quota(capacity, 0.05, day=d, key=f"7:{port}") for d in DAYS]
        share = capacity * 0.05
        assert all(math.floor(share) <= q <= math.ceil(share) for q in quotas)
        total += sum(quotas)
    expected = 0.05 * sum(capacities.values()) * len(DAYS)
    assert abs(total - expected) < len(capacities)
    assert exploration_quota(20, 0.05, day=DAYS[0]) == 1  # a whole share is never one more
    assert exploration_quota(3, 1.0, day=DAYS[0]) == 3


def _busiest(home_con) -> tuple[str, str]:
    day, port = home_con.sql(
        "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
        " GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0]
    return str(day), str(port)


def test_plan_cli_respects_capacity_quota_and_gives_reasons(trained_home: Path, world):
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments", "ports"])
    day, port = _busiest(con)
    capacity, documents = con.sql(
        f"SELECT inspections_per_day, document_checks_per_day FROM ports WHERE port_code = '{port}'"
    ).fetchall()[0]
    con.close()
    out = trained_home / "holds"
    result = runner.invoke(
        app,
        [
            "target",
            "plan",
            "--port",
            port,
            "--date",
            day,
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
    yellow = [i for i in plan["items"] if i["lane"] == "yellow"]
    assert len(red) == min(capacity, plan["shipments"])
    assert len(yellow) == min(documents, plan["shipments"] - len(red))
    assert plan["exploration_quota"] == exploration_quota(capacity, 0.5, day=day, key=f"0:{port}")
    assert sum(i["selected_by"] == "exploration" for i in red) == plan["exploration_quota"]
    assert all(i["reasons"] and all(r.strip() for r in i["reasons"]) for i in plan["items"])
    explore = [i for i in red if i["selected_by"] == "exploration"]
    assert all(0 < i["propensity"] < 1 for i in explore)
    # stored, audited, and the holds list for the carrier
    with session_scope(readonly=True) as session:
        stored = session.get(Plan, plan["plan_id"])
        assert stored is not None and stored.capacity == capacity
        n_items = session.scalar(
            select(func.count()).select_from(PlanItem).where(PlanItem.plan_id == stored.id)
        )
        assert n_items == len(plan["items"])
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "target.plan")).one()
        assert len(entry.details["decisions"]) == len(plan["items"])
    with (out / f"holds_{port}_{day}.csv").open(encoding="utf-8") as handle:
        holds = list(csv.DictReader(handle))
    assert [h["hawb"] for h in holds] == [i["hawb"] for i in plan["items"]]
    assert all(h["reasons"] for h in holds)
    assert (out / f"holds_{port}_{day}.json").exists()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_plan_without_a_model_says_what_to_do(target_home: Path):
    result = runner.invoke(app, ["target", "plan", "--port", "JFK", "--date", "2025-06-03"])
    assert result.exit_code == 2
    assert "redlane target train" in result.output


def test_mandatory_rule_hits_come_first(trained_home: Path, world):
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments", "ports"])
    day, port = _busiest(con)
    origin = con.sql(
        f"SELECT origin_country FROM aed_shipments WHERE port_of_entry = '{port}'"
        f" AND expected_arrival::DATE = DATE '{day}' GROUP BY 1 ORDER BY count(*) LIMIT 1"
    ).fetchall()[0][0]
    con.close()
    criteria = json.dumps({"field": "origin", "op": "eq", "value": origin})
    added = runner.invoke(
        app,
        [
            "target",
            "rules",
            "add",
            "--name",
            "rare origin",
            "--criteria",
            criteria,
            "--reason",
            "test rule",
            "--valid-from",
            "2020-01-01",
        ],
    )
    assert added.exit_code == 0, added.output
    result = runner.invoke(app, ["target", "plan", "--port", port, "--date", day, "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    first = items[0]
    assert first["selected_by"] == "rule"
    assert any("rare origin" in r for r in first["reasons"])


def test_plan_all_ports_plans_each_port_as_its_own_plan_would(trained_home: Path, world):
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    day, busiest = _busiest(con)
    arrivals = dict(
        con.sql(
            "SELECT port_of_entry, count(*) FROM aed_shipments"
            f" WHERE expected_arrival::DATE = DATE '{day}' GROUP BY ALL"
        ).fetchall()
    )
    con.close()
    out = trained_home / "holds"
    args = ["target", "plan", "--date", day, "--out", str(out), "--json"]
    result = runner.invoke(app, [*args, "--all-ports"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    plans = {p["port"]: p for p in found["plans"]}
    assert {p: plans[p]["shipments"] for p in plans} == {p: n for p, n in arrivals.items() if p}
    assert found["unknown_ports"] == {} and found["without_port"] == arrivals.get(None, 0)
    for plan in plans.values():
        assert plan["items"] and all(i["reasons"] for i in plan["items"])
        assert (out / f"holds_{plan['port']}_{day}.csv").exists()
    with session_scope(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Plan)) == len(plans)
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "target.plan"))
        assert len(list(audited)) == len(plans)
    # The busiest port's plan is the one planning that port alone gives.
    alone = runner.invoke(app, [*args, "--port", busiest])
    assert alone.exit_code == 0, alone.output
    single = json.loads(alone.stdout)
    picked = [(i["hawb"], i["lane"], i["selected_by"]) for i in single["items"]]
    assert [(i["hawb"], i["lane"], i["selected_by"]) for i in plans[busiest]["items"]] == picked
    assert [i["reasons"] for i in plans[busiest]["items"]] == [
        i["reasons"] for i in single["items"]
    ]


@pytest.mark.parametrize("extra", [[], ["--port", "JFK", "--all-ports"]])
def test_plan_wants_either_a_port_or_all_ports(target_home: Path, extra: list[str]):
    result = runner.invoke(app, ["target", "plan", "--date", "2025-06-03", *extra])
    assert result.exit_code == 2
    assert "either --port or --all-ports" in " ".join(result.output.split())


def test_plan_all_ports_prints_a_table_of_the_ports(trained_home: Path, world):
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    day, busiest = _busiest(con)
    con.close()
    result = runner.invoke(app, ["target", "plan", "--date", day, "--all-ports"])
    assert result.exit_code == 0, result.output
    assert f"plans for {day}" in result.output and busiest in result.output
