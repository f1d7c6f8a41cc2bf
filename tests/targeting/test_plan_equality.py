"""The fast planning path (vectorised selection and hit kinds, bulk item inserts, ``to_dict``
without deep copies) gives exactly what the plain per-row path gives: the same plan, the same
stored rows (every column), the same audit entry and the same holds files (the CSV byte for
byte, the JSON as a document).

The ``_reference_*`` functions are the per-row implementations planning had before; they are
slow and obviously correct, and kept here only to compare against.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from redlane import csv_export
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.migrate import upgrade
from redlane.store.models import AuditEntry, Plan, PlanItem, Port
from redlane.targeting.model import TargetModel
from redlane.targeting.plan import (
    HOLD_COLUMNS,
    LANE_ORDER,
    PlannedItem,
    PlanResult,
    Selection,
    exploration_quota,
    hit_kinds,
    make_plan,
    save_plan,
    score,
    write_holds,
)
from redlane.targeting.plan import select as plan_select
from redlane.targeting.reasons import format_score, selection_reason
from redlane.targeting.rules import COUNTERFEIT_PACK, Check, checks_from_definitions, evaluate
from tests.targeting.reference_explain import reference_explain
from tests.utils.databases import BACKENDS, database_url


# --- the per-row reference path ----------------------------------------------------------------
def _reference_select(
    expected_value: np.ndarray,
    mandatory: np.ndarray,
    capacity: int,
    quota: int,
    rng: np.random.Generator,
    *,
    excluded: np.ndarray | None = None,
    mandatory_kind: list[str] | None = None,
) -> Selection:
    n = len(expected_value)
    eligible = np.ones(n, dtype=bool) if excluded is None else ~excluded | mandatory
    cap = min(capacity, int(eligible.sum()))
    order = np.lexsort((np.arange(n), -expected_value))
    mand = [int(i) for i in order if mandatory[i]]
    over = max(0, len(mand) - cap)
    mand = mand[:cap]
    q = min(quota, cap - len(mand))
    k = cap - len(mand) - q
    taken = set(mand)
    top = [int(i) for i in order if eligible[i] and i not in taken][:k]
    taken.update(top)
    pool = np.array([i for i in range(n) if eligible[i] and i not in taken], dtype=np.int64)
    explore = sorted(int(i) for i in rng.choice(pool, size=q, replace=False)) if q else []
    p_explore = q / len(pool) if q else 0.0
    kinds = mandatory_kind or ["rule"] * n
    return Selection(
        index=mand + top + explore,
        selected_by=[kinds[i] for i in mand] + ["model"] * len(top) + ["exploration"] * q,
        propensity=[1.0] * (len(mand) + len(top)) + [p_explore] * q,
        mandatory_over_capacity=over,
    )


def _reference_kinds(hits: np.ndarray, checks: list[Check]) -> list[str]:
    return [
        "lookout" if any(checks[j].is_lookout for j in np.flatnonzero(hits[i])) else "rule"
        for i in range(hits.shape[0])
    ]


def _reference_make_plan(
    feats: pa.Table,
    model: TargetModel,
    checks: list[Check],
    *,
    port: str,
    day: str,
    capacity: int,
    document_capacity: int,
    exploration_rate: float,
    seed: int,
) -> PlanResult:
    n = feats.num_rows
    p, ev = score(model, feats) if n else (np.zeros(0), np.zeros(0))
    hits = evaluate(feats, checks)
    lanes = np.array([c.lane for c in checks])
    red, yellow, notify, green = (
        hits[:, lanes == lane].any(axis=1)
        if hits.shape[0] and (lanes == lane).any()
        else np.zeros(n, dtype=bool)
        for lane in LANE_ORDER
    )
    kind = _reference_kinds(hits, checks)
    rng = np.random.default_rng([seed, int(date.fromisoformat(day).toordinal())])
    quota = exploration_quota(capacity, exploration_rate, day=day, key=f"{seed}:{port}")
    red_sel = _reference_select(ev, red, capacity, quota, rng, excluded=green, mandatory_kind=kind)
    in_red = np.zeros(n, dtype=bool)
    in_red[red_sel.index] = True
    doc_sel = _reference_select(
        np.where(in_red, -np.inf, ev),
        yellow & ~in_red,
        document_capacity,
        0,
        rng,
        excluded=green | in_red,
        mandatory_kind=kind,
    )
    planned = [
        (i, "red", by, pr)
        for i, by, pr in zip(red_sel.index, red_sel.selected_by, red_sel.propensity, strict=True)
    ]
    planned += [
        (i, "yellow", by, pr)
        for i, by, pr in zip(doc_sel.index, doc_sel.selected_by, doc_sel.propensity, strict=True)
    ]
    taken = {i for i, *_ in planned}
    planned += [
        (int(i), "notify", kind[int(i)], 1.0) for i in np.flatnonzero(notify) if i not in taken
    ]
    result = PlanResult(
        port=port,
        day=day,
        capacity=capacity,
        document_capacity=document_capacity,
        exploration_rate=exploration_rate,
        exploration_quota=quota,
        shipments=n,
        model_version=model.version,
        mandatory_over_capacity=red_sel.mandatory_over_capacity,
        check_hits={
            c.key: int(sum(bool(hits[i, j]) for i in range(n)))
            for j, c in enumerate(checks)
            if n and hits[:, j].any()
        },
    )
    if not planned:
        return result
    chosen = feats.take(pa.array([i for i, *_ in planned], type=pa.int64()))
    rows = chosen.to_pylist()
    because = reference_explain(rows, model.contributions(model.matrix(chosen)))
    for rank, ((i, lane, by, pr), row, model_reasons) in enumerate(
        zip(planned, rows, because, strict=True), start=1
    ):
        hit = np.flatnonzero(hits[i])
        value_rank = 1 + sum(ev[j] > ev[i] or (ev[j] == ev[i] and j < i) for j in range(n))
        why = selection_reason(
            by,
            lane,
            checks=[checks[j].label for j in hit if checks[j].lane == lane],
            value_rank=int(value_rank),
            parcels=n,
            score=float(p[i]),
            expected_value=float(ev[i]),
            propensity=float(pr),
        )
        reasons = [why] + [checks[j].sentence() for j in hit]
        result.items.append(
            PlannedItem(
                carrier=str(row["carrier"]),
                hawb=str(row["hawb"]),
                lane=lane,
                rank=rank,
                score=float(p[i]),
                expected_value=float(ev[i]),
                propensity=float(pr),
                selected_by=by,
                reasons=reasons + model_reasons,
            )
        )
    return result


def _reference_save_plan(session: Session, result: PlanResult, actor: str) -> int:
    """One ORM object per item, as plans were stored before the bulk insert."""
    plan = Plan(
        port_code=result.port,
        plan_date=date.fromisoformat(result.day),
        created_by=None,
        model_version=result.model_version,
        capacity=result.capacity,
        exploration_rate=result.exploration_rate,
        status="draft",
    )
    plan.items = [
        PlanItem(
            carrier=i.carrier,
            hawb=i.hawb,
            lane=i.lane,
            rank=i.rank,
            score=i.score,
            expected_value=i.expected_value,
            propensity=i.propensity,
            selected_by=i.selected_by,
            reasons=i.reasons,
        )
        for i in result.items
    ]
    session.add(plan)
    session.flush()
    counts: dict[str, int] = {}
    for item in result.items:
        key = f"{item.lane}/{item.selected_by}"
        counts[key] = counts.get(key, 0) + 1
    audit.append(
        session,
        actor=actor,
        action="target.plan",
        object_type="plan",
        object_ids=[plan.id],
        reason=f"inspection plan for {result.port} on {result.day}",
        details={
            "port": result.port,
            "day": result.day,
            "capacity": result.capacity,
            "document_capacity": result.document_capacity,
            "exploration_rate": result.exploration_rate,
            "exploration_quota": result.exploration_quota,
            "shipments": result.shipments,
            "model_version": result.model_version,
            "counts": counts,
            "check_hits": result.check_hits,
            "decisions": [
                {
                    "hawb": i.hawb,
                    "carrier": i.carrier,
                    "lane": i.lane,
                    "selected_by": i.selected_by,
                    "propensity": round(i.propensity, 6),
                    "score": round(i.score, 6),
                    "reasons": i.reasons,
                }
                for i in result.items
            ],
        },
    )
    return plan.id


def _reference_holds(result: PlanResult) -> tuple[str, str]:
    handle = io.StringIO(newline="")
    writer = csv_export.writer(handle, lineterminator="\n")
    writer.writerow(HOLD_COLUMNS)
    for i in result.items:
        writer.writerow(
            [
                i.carrier,
                i.hawb,
                i.lane,
                i.rank,
                i.selected_by,
                format_score(i.score),
                f"{i.expected_value:.2f}",
                f"{i.propensity:.6f}",
                " | ".join(i.reasons),
            ]
        )
    document = {k: v for k, v in asdict(result).items() if k != "check_hits"}  # not the carrier's
    return handle.getvalue(), json.dumps(document, indent=1, default=str)


# --- selection and kinds on random inputs ------------------------------------------------------
@pytest.mark.parametrize("seed", range(40))
def test_select_picks_what_the_per_row_version_picks(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    ev = rng.random(n)
    ev[rng.random(n) < 0.2] = 0.5  # ties, which the stable order must break by position
    ev[rng.random(n) < 0.05] = -np.inf
    mandatory = rng.random(n) < rng.choice([0.0, 0.02, 0.3, 0.9])
    excluded = (rng.random(n) < 0.1) if seed % 3 else None
    kinds = [str(k) for k in rng.choice(["rule", "lookout"], size=n)] if seed % 2 else None
    capacity = int(rng.integers(0, 80))
    quota = exploration_quota(capacity, float(rng.choice([0.0, 0.05, 0.3, 1.0])))
    state = int(rng.integers(1 << 31))
    fast = plan_select(
        ev,
        mandatory,
        capacity,
        quota,
        np.random.default_rng(state),
        excluded=excluded,
        mandatory_kind=kinds,
    )
    slow = _reference_select(
        ev,
        mandatory,
        capacity,
        quota,
        np.random.default_rng(state),
        excluded=excluded,
        mandatory_kind=kinds,
    )
    assert fast == slow
    assert all(type(i) is int for i in fast.index)
    assert all(type(by) is str for by in fast.selected_by)


@pytest.mark.parametrize("seed", range(10))
def test_hit_kinds_name_what_the_per_row_version_names(seed: int):
    rng = np.random.default_rng(seed)
    n_checks = int(rng.integers(0, 6))
    checks = [
        Check(
            key=f"c{j}",
            name=f"c{j}",
            criteria={},
            lane="red",
            reason="",
            kind=str(rng.choice(["rule", "actor", "identifier", "pattern"])),
        )
        for j in range(n_checks)
    ]
    hits = rng.random((int(rng.integers(0, 200)), n_checks)) < 0.2
    kinds = hit_kinds(hits, checks)
    assert kinds == _reference_kinds(hits, checks)
    assert all(type(k) is str for k in kinds)


# --- a simulated day ---------------------------------------------------------------------------
def _day_checks(feats: pa.Table) -> list[Check]:
    """The counterfeit pack plus a lookout, a document rule and notify checks on the day's most
    common origins and a green rule on its rarest, so every lane and both kinds occur."""
    counts = pc.value_counts(feats.column("origin")).to_pylist()
    origins = [c["values"] for c in sorted(counts, key=lambda c: (-c["counts"], c["values"]))]
    assert len(origins) >= 4, "the test day needs several origins"

    def on_origin(origin: str) -> dict[str, Any]:
        return {"field": "origin", "op": "eq", "value": origin}

    pack = checks_from_definitions(COUNTERFEIT_PACK)
    return [
        *pack,
        Check("lookout:1", "actor lookout", on_origin(origins[0]), "red", "seen", kind="actor"),
        Check("rule:y", "documents", on_origin(origins[1]), "yellow", "check papers"),
        Check("rule:n", "tell partner", on_origin(origins[2]), "notify", "partner asks"),
        Check("lookout:n", "notify lookout", on_origin(origins[2]), "notify", "x", kind="pattern"),
        Check("rule:g", "trusted", on_origin(origins[-1]), "green", "known trader"),
    ]


@pytest.fixture
def day(trained_home: Path, world) -> dict[str, Any]:
    from redlane.engine.warehouse import Warehouse
    from redlane.targeting.features import compute_features, day_where
    from redlane.targeting.model import load_champion
    from redlane.targeting.training import connect

    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    day_, port = (
        str(v)
        for v in con.sql(
            "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
            " GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1"
        ).fetchall()[0]
    )
    con.close()
    con = connect(trained_home, world.warehouse)
    feats = compute_features(con, day_where(day_, port))
    con.close()
    assert feats.num_rows > 50
    return {
        "feats": feats,
        "model": load_champion(trained_home),
        "checks": _day_checks(feats),
        "port": port,
        "day": day_,
    }


PLAN_SETTINGS = (  # capacity, document capacity, exploration rate, seed
    (30, 10, 0.05, 0),
    (5, 3, 0.5, 1),  # mandatory hits over capacity
    (10_000, 0, 0.1, 2),  # capacity above the day's parcels
    (0, 0, 0.05, 3),
)


def _plans(day: dict[str, Any], planner: Any) -> Iterator[PlanResult]:
    for capacity, documents, rate, seed in PLAN_SETTINGS:
        yield planner(
            day["feats"],
            day["model"],
            day["checks"],
            port=day["port"],
            day=day["day"],
            capacity=capacity,
            document_capacity=documents,
            exploration_rate=rate,
            seed=seed,
        )


def test_make_plan_plans_what_the_per_row_version_plans(day: dict[str, Any]):
    fast = list(_plans(day, make_plan))
    slow = list(_plans(day, _reference_make_plan))
    assert [f.to_dict() for f in fast] == [asdict(s) for s in slow]
    # the day exercises what the fast paths replaced: every lane, lookouts, exploration
    items = [i for plan in fast for i in plan.items]
    assert {i.lane for i in items} == {"red", "yellow", "notify"}
    assert {"lookout", "rule", "model", "exploration"} <= {i.selected_by for i in items}
    assert any(plan.mandatory_over_capacity for plan in fast)


def test_a_plan_from_given_probabilities_is_the_plan_that_predicts_them(day: dict[str, Any]):
    """A day scored once for every port hands each port its probabilities: same plans."""
    probability = day["model"].predict(day["feats"])
    given = list(_plans(day, partial(make_plan, probability=probability)))
    assert [g.to_dict() for g in given] == [p.to_dict() for p in _plans(day, make_plan)]
    with pytest.raises(ValueError, match="probabilities for"):
        next(_plans(day, partial(make_plan, probability=probability[1:])))


def test_holds_files_hold_the_same_csv_bytes_and_json_document(day: dict[str, Any], tmp_path: Path):
    for n, plan in enumerate(_plans(day, make_plan)):
        plan = replace(plan, plan_id=n + 1)
        expected_csv, expected_json = _reference_holds(plan)  # before: files get set after
        paths = write_holds(plan, tmp_path / str(n))
        assert paths[0].read_text(encoding="utf-8") == expected_csv
        # The JSON is laid out one item a line now (the C encoder): the same document.
        written = paths[1].read_text(encoding="utf-8")
        assert json.loads(written) == json.loads(expected_json)
        assert len(written.splitlines()) == 1 + len(plan.items) + (1 if plan.items else 0)
        assert plan.files == [str(p) for p in paths]
        assert len(list(csv.reader(io.StringIO(expected_csv)))) == len(plan.items) + 1


# --- storing: every column, and the audit entry ------------------------------------------------
def _stored(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the plan tables and the audit log; times (and the hashes over them) left
    out, since they are the only values two saves may not share."""

    def rows(session: Session, model: Any, skip: set[str]) -> list[dict[str, Any]]:
        table = model.__table__
        found = session.execute(sql_select(table).order_by(*table.primary_key.columns))
        return [{k: v for k, v in r._mapping.items() if k not in skip} for r in found]

    with session_scope(url, readonly=True) as session:
        assert audit.verify(session).ok
        return {
            "plans": rows(session, Plan, {"created_at"}),
            "plan_items": rows(session, PlanItem, set()),
            "audit_log": rows(session, AuditEntry, {"at", "hash", "prev_hash"}),
        }


def _store_plans(url: str, plans: list[PlanResult], saver: Any) -> list[int]:
    upgrade(url)
    with session_scope(url) as session:
        session.add(
            Port(
                port_code=plans[0].port,
                name="p",
                country="XX",
                inspections_per_day=1,
                document_checks_per_day=1,
            )
        )
        session.flush()
        return [saver(session, plan, "system:test") for plan in plans]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stored_plans_and_audit_are_those_of_the_orm_path(
    backend: str, day: dict[str, Any], tmp_path: Path
):
    plans = list(_plans(day, make_plan))
    (tmp_path / "fast").mkdir()
    (tmp_path / "slow").mkdir()
    with database_url(backend, tmp_path / "fast") as fast_url:
        fast_ids = _store_plans(fast_url, plans, save_plan)
        fast = _stored(fast_url)
        with session_scope(fast_url, readonly=True) as session:
            # the ORM relationship still sees the bulk-inserted items, in rank order
            for plan, plan_id in zip(plans, fast_ids, strict=True):
                stored = session.get(Plan, plan_id)
                assert stored is not None
                assert [(i.hawb, i.rank) for i in stored.items] == [
                    (i.hawb, i.rank) for i in plan.items
                ]
    with database_url(backend, tmp_path / "slow") as slow_url:
        slow_ids = _store_plans(slow_url, plans, _reference_save_plan)
        slow = _stored(slow_url)
    assert fast_ids == slow_ids == [p.plan_id for p in plans]
    assert fast == slow
    assert len(fast["plan_items"]) == sum(len(p.items) for p in plans) > 0
    ranks = [(r["plan_id"], r["rank"]) for r in fast["plan_items"]]
    assert ranks == sorted(ranks)  # ids follow rank, which outcomes.py reads them by
    assert all(not math.isnan(r["score"]) for r in fast["plan_items"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_plan_that_fails_to_store_leaves_nothing(
    backend: str, day: dict[str, Any], tmp_path: Path
):
    [plan, *_] = list(_plans(day, make_plan))
    twice = replace(plan, items=plan.items + plan.items[:1])  # breaks (plan, carrier, hawb)
    with database_url(backend, tmp_path) as url:
        upgrade(url)
        with session_scope(url) as session:
            session.add(
                Port(
                    port_code=plan.port,
                    name="p",
                    country="XX",
                    inspections_per_day=1,
                    document_checks_per_day=1,
                )
            )
        with pytest.raises(Exception, match="(?i)unique"), session_scope(url) as session:
            save_plan(session, twice, "system:test")
        stored = _stored(url)
    assert stored == {"plans": [], "plan_items": [], "audit_log": []}
