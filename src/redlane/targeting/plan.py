"""Inspection plans per port and day under capacity.

Order of selection (red lane, ``inspections_per_day``):
1. mandatory: red-lane rule and lookout hits (highest expected value first, up to capacity);
2. the top expected values among the rest, leaving room for
3. the exploration quota: ``capacity × exploration_rate`` parcels, its fraction carried over days
   (``exploration_quota``), drawn uniformly at random from those not yet selected, each with
   propensity ``quota / pool``, so hit rates can be estimated without bias and the model keeps
   learning outside its own beliefs, at small ports too.
Yellow-lane hits take the document checks (``document_checks_per_day``), then the next expected
values; notify-lane hits are listed for the partner; green-lane hits are released (never picked
by the model or exploration unless a red check also hits).
"""

from __future__ import annotations

import io
import json
import math
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, cast

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from redlane import csv_export
from redlane.brands.known_good import KnownGoodIndex
from redlane.engine.warehouse import write_atomic
from redlane.errors import NotFound
from redlane.store import audit, outbox
from redlane.store.models import Plan, PlanItem, Port
from redlane.targeting.model import TargetModel, column_floats
from redlane.targeting.reasons import (
    TableRows,
    explain,
    format_score,
    selection_reason,
    value_ranks,
)
from redlane.targeting.rules import Check, evaluate

DEFAULT_EXPLORATION: Final = 0.05


def exploration_quota(capacity: int, rate: float, *, day: str | None = None, key: str = "") -> int:
    """Parcels of a plan drawn at random.

    Without ``day``: ``capacity × rate`` rounded half up (a capacity pooled over the network,
    as the simulator loop plans it). With ``day`` (a port's plan): the fraction is carried over
    days, so a port of capacity 2 at 5 % explores one parcel every tenth day instead of never:
    the day's quota is how far the running total ``share × days`` (``share = capacity × rate``)
    crosses an integer that day, ``floor(share·(d+1) + φ) − floor(share·d + φ)`` for the day's
    ordinal ``d``. Over any run of days a port's quotas add up to ``share × days`` within one;
    each day's is ``share`` rounded down or up. The phase ``φ`` in [0, 1) comes from ``key``
    (the plan's port and seed), so ports with the same share do not all explore on the same day
    and the quota is the same whoever plans the port (``--port`` or ``--all-ports``). Exact
    fractions: float error must not turn a whole share into one more parcel."""
    if not 0 <= rate <= 1:
        raise ValueError(f"exploration rate must be within 0..1, not {rate}")
    if day is None:
        return min(capacity, int(math.floor(capacity * rate + 0.5)))
    share = Fraction(capacity) * Fraction(rate).limit_denominator(1_000_000)
    phase = Fraction(zlib.crc32(key.encode("utf-8")), 1 << 32)
    ordinal = date.fromisoformat(day).toordinal()
    carried = math.floor(share * (ordinal + 1) + phase) - math.floor(share * ordinal + phase)
    return min(capacity, carried)


@dataclass
class Selection:
    index: list[int]
    selected_by: list[str]
    propensity: list[float]
    mandatory_over_capacity: int = 0


def select(
    expected_value: npt.NDArray[np.float64],
    mandatory: npt.NDArray[np.bool_],
    capacity: int,
    quota: int,
    rng: np.random.Generator,
    *,
    excluded: npt.NDArray[np.bool_] | None = None,
    mandatory_kind: list[str] | None = None,
) -> Selection:
    """Exactly ``min(capacity, eligible)`` parcels: mandatory, top value, then ``quota`` random
    (fewer random only when mandatory hits leave no room)."""
    n = len(expected_value)
    mandatory = np.asarray(mandatory, dtype=bool)
    eligible = np.ones(n, dtype=bool) if excluded is None else ~excluded | mandatory
    cap = min(capacity, int(eligible.sum()))
    order = np.lexsort((np.arange(n), -expected_value))  # value desc, stable
    mand_all = order[mandatory[order]]
    over = max(0, len(mand_all) - cap)
    mand = mand_all[:cap]
    q = min(quota, cap - len(mand))
    k = cap - len(mand) - q
    free = eligible.copy()
    free[mand] = False
    top = order[free[order]][:k]
    free[top] = False
    pool = np.flatnonzero(free).astype(np.int64)
    explore = sorted(int(i) for i in rng.choice(pool, size=q, replace=False)) if q else []
    p_explore = q / len(pool) if q else 0.0
    kinds = mandatory_kind or ["rule"] * n
    return Selection(
        index=mand.tolist() + top.tolist() + explore,
        selected_by=[kinds[i] for i in mand.tolist()] + ["model"] * len(top) + ["exploration"] * q,
        propensity=[1.0] * (len(mand) + len(top)) + [p_explore] * q,
        mandatory_over_capacity=over,
    )


@dataclass
class PlannedItem:
    carrier: str
    hawb: str
    lane: str
    rank: int
    score: float
    expected_value: float
    propensity: float
    selected_by: str
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        """What ``dataclasses.asdict`` gives, without its per-value deep copies."""
        out = {name: getattr(self, name) for name in _ITEM_FIELDS}
        out["reasons"] = list(self.reasons)
        return out


_ITEM_FIELDS: Final = tuple(f.name for f in fields(PlannedItem))


@dataclass
class PlanResult:
    port: str
    day: str
    capacity: int
    document_capacity: int
    exploration_rate: float
    exploration_quota: int
    shipments: int
    model_version: str
    items: list[PlannedItem] = field(default_factory=list)
    mandatory_over_capacity: int = 0
    plan_id: int | None = None
    files: list[str] = field(default_factory=list)
    # Parcels of the port's day each rule or lookout hit, planned or not ("rule:3" -> 12).
    check_hits: dict[str, int] = field(default_factory=dict)

    def lane(self, lane: str) -> list[PlannedItem]:
        return [i for i in self.items if i.lane == lane]

    def to_dict(self) -> dict[str, Any]:
        """What ``dataclasses.asdict`` gives (the holds JSON, the CLI's ``--json``), without its
        per-value deep copies: every other field is a str or a number."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["items"] = [item.to_dict() for item in self.items]
        out["files"] = list(self.files)
        out["check_hits"] = dict(self.check_hits)
        return out


LANE_ORDER: Final = ("red", "yellow", "notify", "green")


def _any_lane(
    hits: npt.NDArray[np.bool_], lanes: npt.NDArray[np.str_], lane: str
) -> npt.NDArray[np.bool_]:
    if hits.shape[0] == 0 or not (lanes == lane).any():
        return np.zeros(hits.shape[0], dtype=bool)
    return np.asarray(hits[:, lanes == lane].any(axis=1), dtype=bool)


# A seizure's value when nothing estimates it (no genuine price range, no declared value).
DEFAULT_SEIZURE_VALUE: Final = 100.0


def seizure_values(feats: pa.Table) -> npt.NDArray[np.float64]:
    """Each shipment's estimated seizure value, the default where there is none."""
    return np.nan_to_num(column_floats(feats, "est_seizure_value"), nan=DEFAULT_SEIZURE_VALUE)


def score(
    model: TargetModel, feats: pa.Table, probability: npt.NDArray[np.float64] | None = None
) -> tuple[npt.NDArray[np.float64], Any]:
    """``(probability, expected value)`` per shipment; ``probability`` when already predicted."""
    p = model.predict(feats) if probability is None else probability
    return p, p * seizure_values(feats)


def hit_kinds(hits: npt.NDArray[np.bool_], checks: list[Check]) -> list[str]:
    """Per shipment, ``"lookout"`` when any lookout hits it, else ``"rule"`` (also when nothing
    hits: the kind only matters for mandatory picks)."""
    lookout = np.array([c.is_lookout for c in checks], dtype=bool)
    by_lookout = hits[:, lookout].any(axis=1)
    kinds: list[str] = np.where(by_lookout, "lookout", "rule").tolist()
    return kinds


def check_hit_counts(hits: npt.NDArray[np.bool_], checks: list[Check]) -> dict[str, int]:
    """Shipments each check hit, for the checks that hit any (``"rule:3"`` -> 12)."""
    if hits.shape[0] == 0:
        return {}
    counts = hits.sum(axis=0)
    return {c.key: int(n) for c, n in zip(checks, counts, strict=True) if n}


def make_plan(
    feats: pa.Table,
    model: TargetModel,
    checks: list[Check],
    *,
    port: str,
    day: str,
    capacity: int,
    document_capacity: int = 0,
    exploration_rate: float = DEFAULT_EXPLORATION,
    seed: int = 0,
    brand_evidence: KnownGoodIndex | None = None,
    probability: npt.NDArray[np.float64] | None = None,
) -> PlanResult:
    """Plan one port-day from its shipments' features (``features.day_where(day, port)``).

    ``brand_evidence`` (known-good supply chains, cloned codes) adjusts the model's scores
    before selection (:mod:`redlane.brands.known_good`). ``probability``: the model's
    predictions for ``feats`` when a caller already made them (a day scored for every port at
    once), so they are not made twice."""
    n = feats.num_rows
    if probability is not None and len(probability) != n:
        raise ValueError(f"{len(probability)} probabilities for {n} shipments")
    p, ev = score(model, feats, probability) if n else (np.zeros(0), np.zeros(0))
    hits = evaluate(feats, checks)
    lanes = np.array([c.lane for c in checks])
    red, yellow, notify, green = (_any_lane(hits, lanes, lane) for lane in LANE_ORDER)
    brand_reasons: list[list[str]] | None = None  # per shipment, with brand evidence only
    if brand_evidence is not None and n:
        est = seizure_values(feats)
        p, ev, brand_reasons = brand_evidence.adjust_batch(feats, p, est, red | yellow)
    kind = hit_kinds(hits, checks)
    rng = np.random.default_rng([seed, int(date.fromisoformat(day).toordinal())])
    quota = exploration_quota(capacity, exploration_rate, day=day, key=f"{seed}:{port}")
    red_sel = select(ev, red, capacity, quota, rng, excluded=green, mandatory_kind=kind)
    # Document checks: yellow hits, then the next values not already in the red lane.
    in_red = np.zeros(n, dtype=bool)
    in_red[red_sel.index] = True
    doc_sel = select(
        np.where(in_red, -np.inf, ev),
        yellow & ~in_red,
        document_capacity,
        0,
        rng,
        excluded=green | in_red,
        mandatory_kind=kind,
    )
    planned: list[tuple[int, str, str, float]] = [
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
        check_hits=check_hit_counts(hits, checks),
    )
    if not planned:
        return result
    idx = [i for i, *_ in planned]
    chosen = feats.take(pa.array(idx, type=pa.int64()))
    rows = TableRows(chosen)
    contrib = model.contributions(model.matrix(chosen))
    model_reasons = explain(rows, contrib)
    sentences = [c.sentence() for c in checks]
    ranks = value_ranks(ev)
    for rank, ((i, lane, by, pr), row, because) in enumerate(
        zip(planned, rows, model_reasons, strict=True), start=1
    ):
        hit = np.flatnonzero(hits[i])
        # First, why it is in its lane at all: the checks of that lane, its rank, or the draw.
        why = selection_reason(
            by,
            lane,
            checks=[checks[j].label for j in hit if checks[j].lane == lane],
            value_rank=int(ranks[i]),
            parcels=n,
            score=float(p[i]),
            expected_value=float(ev[i]),
            propensity=float(pr),
        )
        reasons = [why] + [sentences[j] for j in hit]
        reasons += because + (brand_reasons[i] if brand_reasons is not None else [])
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
                reasons=reasons,
            )
        )
    return result


# --- ports and persistence ---------------------------------------------------------------------
def sync_ports(session: Session, con: duckdb.DuckDBPyConnection) -> int:
    """Copy the warehouse ``ports`` table into the store's ``Port`` rows (insert or update)."""
    rows = con.sql(
        "SELECT port_code, any_value(port_name), any_value(country),"
        " any_value(inspections_per_day), any_value(document_checks_per_day)"
        " FROM ports GROUP BY port_code"
    ).fetchall()
    for code, name, country, inspections, documents in rows:
        port = session.get(Port, code)
        if port is None:
            port = Port(port_code=code)
            session.add(port)
        port.name, port.country = name, country
        port.inspections_per_day = int(inspections or 0)
        port.document_checks_per_day = int(documents or 0)
    session.flush()
    return len(rows)


def port_capacity(session: Session, port: str) -> tuple[int, int]:
    row = session.get(Port, port)
    if row is None:
        raise NotFound(f"port {port!r} is not in the ports table (ingest customs/ports.csv)")
    return row.inspections_per_day, row.document_checks_per_day


def save_plan(session: Session, result: PlanResult, actor: str, user_id: int | None = None) -> int:
    """Store the plan and its items, and audit every selection decision in one entry."""
    plan = Plan(
        port_code=result.port,
        plan_date=date.fromisoformat(result.day),
        created_by=user_id,
        model_version=result.model_version,
        capacity=result.capacity,
        exploration_rate=result.exploration_rate,
        status="draft",
    )
    session.add(plan)
    session.flush()
    # One executemany for the items instead of an ORM object each: on a busy port the unit of
    # work's per-object bookkeeping cost six times the inserts (the ORM's own bulk insert still
    # spent half again as much as a Core insert on the table). Rows go in rank order, so ids keep
    # following rank as they did.
    if result.items:
        session.execute(insert(_PLAN_ITEMS), _item_rows(plan.id, result.items))
    result.plan_id = plan.id
    counts = dict(Counter(f"{item.lane}/{item.selected_by}" for item in result.items))
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
    # Its red lane becomes the carrier's holds (redlane.events), with the plan's transaction.
    outbox.emit(
        session,
        "plan.made",
        f"plan:{plan.id}",
        {"plan_id": plan.id, "port": result.port, "day": result.day},
    )
    return plan.id


_PLAN_ITEMS: Final = cast(Table, PlanItem.__table__)


def _item_rows(plan_id: int, items: list[PlannedItem]) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": plan_id,
            "carrier": i.carrier,
            "hawb": i.hawb,
            "lane": i.lane,
            "rank": i.rank,
            "score": i.score,
            "expected_value": i.expected_value,
            "propensity": i.propensity,
            "selected_by": i.selected_by,
            "reasons": i.reasons,
        }
        for i in items
    ]


HOLD_COLUMNS: Final = (
    "carrier",
    "hawb",
    "lane",
    "rank",
    "selected_by",
    "score",
    "expected_value",
    "propensity",
    "reasons",
)


def write_holds(result: PlanResult, out: Path) -> list[Path]:
    """The holds list for the carrier, by air waybill: CSV and JSON, each written whole (a
    crash leaves the previous file or the new one, never a cut list)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"holds_{result.port}_{result.day}"
    csv_path, json_path = out / f"{stem}.csv", out / f"{stem}.json"
    with io.StringIO(newline="") as handle:
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
        write_atomic(csv_path, handle.getvalue())
    write_atomic(json_path, holds_json(result))
    result.files = [str(csv_path), str(json_path)]
    return [csv_path, json_path]


def holds_json(result: PlanResult) -> str:
    """The plan as JSON, one item a line: ``json.dumps(..., indent=...)`` runs the pure-Python
    encoder, which took 6 of a 100,000-parcel plan's 35 seconds; without indent the C encoder
    writes each line."""
    head = result.to_dict()
    items = head.pop("items")
    # Per-rule counts of the whole day are targeting's own figures, not the carrier's business.
    head.pop("check_hits")
    lines = ",\n".join(json.dumps(item, default=str) for item in items)
    listed = f"[\n{lines}\n]" if items else "[]"
    return f'{json.dumps(head, default=str)[:-1]}, "items": {listed}}}\n'


def plan_and_store(
    session: Session,
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
    brand_evidence: KnownGoodIndex | None,
    actor: str,
    user_id: int | None,
    out: Path | None,
    probability: npt.NDArray[np.float64] | None = None,
) -> PlanResult:
    """One port's plan from its features (and scores, when already computed): made, stored and
    audited, holds written."""
    result = make_plan(
        feats,
        model,
        checks,
        port=port,
        day=day,
        capacity=capacity,
        document_capacity=document_capacity,
        exploration_rate=exploration_rate,
        seed=seed,
        brand_evidence=brand_evidence,
        probability=probability,
    )
    save_plan(session, result, actor, user_id)
    if out is not None:
        write_holds(result, out)
    return result


def plan_port_day(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    model: TargetModel,
    *,
    port: str,
    day: str,
    actor: str,
    exploration_rate: float = DEFAULT_EXPLORATION,
    seed: int = 0,
    out: Path | None = None,
    user_id: int | None = None,
    port_day: Callable[[], tuple[pa.Table, npt.NDArray[np.float64] | None]] | None = None,
) -> PlanResult:
    """The whole of ``redlane target plan`` (and the service's call): sync ports, read the
    port's capacity and the active rules and lookouts, plan, store, audit, write the holds.

    ``port_day`` gives the port's features and scores when another engine computed them (Spark:
    :func:`redlane.targeting.day_plan.plan_one_port`); by default the features are computed here
    and scored by ``make_plan``. ``con`` comes from
    :func:`redlane.targeting.training.connect`; the caller commits ``session``.
    """
    from redlane.targeting.features import compute_features, day_where
    from redlane.targeting.rules import active_checks

    sync_ports(session, con)
    capacity, documents = port_capacity(session, port)
    if port_day is None:
        feats, probability = compute_features(con, day_where(day, port)), None
    else:
        feats, probability = port_day()
    brand_evidence = KnownGoodIndex.load(session, con)
    return plan_and_store(
        session,
        feats,
        model,
        active_checks(session),
        port=port,
        day=day,
        capacity=capacity,
        document_capacity=documents,
        exploration_rate=exploration_rate,
        seed=seed,
        brand_evidence=brand_evidence or None,
        actor=actor,
        user_id=user_id,
        out=out,
        probability=probability,
    )
