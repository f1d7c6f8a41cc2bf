"""The closed loop on the simulator: score → plan → inspect → record → retrain, day by day.

A world is generated, ingested and resolved (each day, incrementally) in a private
``REDLANE_HOME``. Its historical inspections of
the first ``warmup_days`` are the labels every strategy starts from; after that each strategy
sees only the outcomes of the parcels *it* inspected (the truth of a parcel is read only when a
strategy selects it). Strategies, all at the same daily capacity (``inspection_rate`` of the
day's arrivals, planned as one network-wide pool):

- ``random``: a uniform draw;
- ``rules_only``: counterfeit rule pack and lookouts on its own seizures' identifiers first,
  the rest at random;
- ``model``: the same rules and lookouts first, then expected value, then the exploration quota;
  retrained every ``retrain_every`` days on its own outcomes.

The world is generated day by day around the loop (``generate_world(on_day=...)``): before the
warm-up ends the rings react to customs' historical seizures; after it, to the model strategy's
own seizures and holds (``redlane.sim.adapt``). The other strategies see the same traffic, so
their figures are counterfactual: what they would have found in the world the model made.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from html import escape as html_escape
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.engine.warehouse import Warehouse
from redlane.errors import RedlaneError
from redlane.feeds.ingest import ingest_paths
from redlane.lab.loop_figures import world_figures
from redlane.resolve.run import resolve
from redlane.resolve.splink_model import quiet_splink
from redlane.sim.daily import Touch
from redlane.targeting.features import (
    LABEL_SCHEMA,
    compute_features,
    labelled_features,
    open_features_connection,
    set_labels,
)
from redlane.targeting.model import TargetModel, Weighting, train
from redlane.targeting.plan import exploration_quota, seizure_values, select
from redlane.targeting.rules import (
    COUNTERFEIT_PACK,
    IDENTIFIER_COLUMNS,
    Check,
    checks_from_definitions,
    evaluate,
)
from redlane.targeting.sql import base_sql

Progress = Callable[[str, int, int], None]
STRATEGIES: Final = ("random", "rules_only", "model", "model_no_mandatory")
# Strategies with their own model (retrained on their own outcomes) and whether rule and
# lookout hits are mandatory for them.
MODEL_STRATEGIES: Final = {"model": True, "model_no_mandatory": False}
LOOKOUT_DAYS: Final = 90
# An identifier already on more than this many parcels in the 30 days before a seizure (a
# forwarder's address, a busy exporter's trading name that a counterfeiter's name collides with)
# does not single out the counterfeiter: no lookout is filed on it. Counterfeiters' own
# identifiers carry a few parcels a month; a lookout on a busy one only floods the mandatory
# lane with clean parcels (on the seed-1 world one name lookout hit 170 clean parcels in 12 days).
LOOKOUT_MAX_RECENT: Final = 30
LOOKOUT_RECENT_DAYS: Final = 30


@dataclass
class StrategyState:
    name: str
    labels: list[dict[str, Any]] = field(default_factory=list)
    lookouts: list[Check] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)
    model: TargetModel | None = None


@dataclass
class LoopResult:
    seed: int
    days: int
    parcels: int
    inspection_rate: float
    exploration_rate: float
    weighting: str
    warmup_days: int
    evaluation_days: list[str]
    evaluation_parcels: int
    evaluation_counterfeits: int
    strategies: dict[str, dict[str, Any]]
    daily: dict[str, list[dict[str, Any]]]
    bias_correction: dict[str, dict[str, Any]]
    world: dict[str, Any]
    seconds: float
    notes: list[str]

    def summary(self) -> dict[str, Any]:
        m, r, ro = (self.strategies[k] for k in ("model", "random", "rules_only"))
        return {
            "hit_rate": m["hit_rate"],
            "random_hit_rate": r["hit_rate"],
            # what a random draw hits on average: the counterfeit share of the evaluation half
            "random_expected_hit_rate": round(
                self.evaluation_counterfeits / max(1, self.evaluation_parcels), 4
            ),
            "rules_only_hit_rate": ro["hit_rate"],
            "seized_value_share": m["seized_value_share"],
            "counterfeit_recall": m["counterfeit_recall"],
            "lift_vs_random": _ratio(m["hit_rate"], r["hit_rate"]),
            "lift_vs_rules_only": _ratio(m["hit_rate"], ro["hit_rate"]),
            "ceiling_hit_rate": self.world["ceiling_hit_rate"],
            "share_of_ceiling": _ratio(m["hit_rate"], self.world["ceiling_hit_rate"]),
            "adaptations": self.world["adaptations"],
            "redetect_days_median": self.world["redetect_days_median"],
            "rings_undetected_share": self.world["rings_undetected_share"],
            "model_no_mandatory_hit_rate": self.strategies["model_no_mandatory"]["hit_rate"],
            "random_seized_value_share": r["seized_value_share"],
            "rules_only_seized_value_share": ro["seized_value_share"],
            "inspection_rate": self.inspection_rate,
            "exploration_rate": self.exploration_rate,
            "weighting": self.weighting,
            "seed": self.seed,
            "days": self.days,
            "parcels": self.parcels,
            "evaluation_days": [self.evaluation_days[0], self.evaluation_days[-1]]
            if self.evaluation_days
            else [],
            "strategies": self.strategies,
            "bias_correction": self.bias_correction,
            "world": self.world,
            "seconds": round(self.seconds, 1),
            "notes": self.notes,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or not b:
        return None
    return round(a / b, 3)


class Oracle:
    """The simulator's truth (hawb -> counterfeit, MSRP value), read only for parcels a
    strategy inspects (and for the final report's denominators)."""

    def __init__(self, truth: dict[str, tuple[bool, float]]) -> None:
        self._truth = truth

    def inspect(self, hawb: str) -> tuple[bool, float]:
        fake, value = self._truth[hawb]
        return fake, value if fake else 0.0


def _labels_table(rows: list[dict[str, Any]]) -> pa.Table:
    if not rows:
        return LABEL_SCHEMA.empty_table()
    return pa.Table.from_pylist(rows, schema=LABEL_SCHEMA)


class IdentifierTraffic:
    """When each shipper identifier (folded as the features fold it) was used: how busy an
    identifier was before a day, from the advance data alone."""

    KINDS: Final = ("phone", "email", "name", "address")

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        columns = ", ".join(IDENTIFIER_COLUMNS[k] for k in self.KINDS)
        rows = con.sql(f"SELECT t, {columns} FROM ({base_sql()}) ORDER BY t").fetchall()
        self._times: dict[str, dict[str, list[datetime]]] = {k: {} for k in self.KINDS}
        for t, *values in rows:
            for kind, value in zip(self.KINDS, values, strict=True):
                if value:
                    self._times[kind].setdefault(value, []).append(t)

    def recent(self, kind: str, value: str, until: datetime, days: int) -> int:
        """Parcels submitted in the ``days`` before ``until`` with this identifier."""
        times = self._times[kind].get(value, [])
        return bisect_left(times, until) - bisect_right(times, until - timedelta(days=days))


def _lookouts_from(
    seized_rows: list[dict[str, Any]], day: date, traffic: IdentifierTraffic | None = None
) -> list[Check]:
    """Identifier lookouts on a seized parcel's shipper (what an investigator would file),
    skipping identifiers too busy to single anyone out (``LOOKOUT_MAX_RECENT``)."""
    checks = []
    valid_to = datetime.combine(day + timedelta(days=LOOKOUT_DAYS), datetime.min.time())
    filed_at = datetime.combine(day + timedelta(days=1), datetime.min.time())
    for row in seized_rows:
        for ident in IdentifierTraffic.KINDS:
            value = row.get(IDENTIFIER_COLUMNS[ident])
            busy = (
                traffic is not None
                and value
                and (
                    traffic.recent(ident, value, filed_at, LOOKOUT_RECENT_DAYS) > LOOKOUT_MAX_RECENT
                )
            )
            if value and not busy:
                checks.append(
                    Check(
                        key=f"lookout:{row['hawb']}:{ident}",
                        name=f"{ident} of seized {row['hawb']}",
                        criteria={"field": IDENTIFIER_COLUMNS[ident], "op": "eq", "value": value},
                        lane="red",
                        reason=f"shipper {ident} seen on seized parcel {row['hawb']}",
                        kind="identifier",
                        valid_to=valid_to,
                    )
                )
    return checks


def _fit(
    labels: list[dict[str, Any]],
    con: duckdb.DuckDBPyConnection,
    weighting: Weighting,
    seed: int,
    reference: pa.Table | None,
) -> TargetModel | None:
    set_labels(con, _labels_table(labels), warehouse_labels=False)
    table = labelled_features(con)
    try:
        return train(table, weighting=weighting, seed=seed, reference=reference)
    except RedlaneError:  # too few labels yet: keep the previous model
        return None


def run_loop(
    seed: int,
    days: int,
    parcels: int,
    *,
    inspection_rate: float = 0.05,
    exploration_rate: float = 0.05,
    warmup_days: int = 7,
    retrain_every: int = 7,
    weighting: Weighting = "ipw",
    workdir: Path | None = None,
    progress: Progress | None = None,
    compare_weightings: bool = True,
) -> LoopResult:
    from redlane.sim import generate_world

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="redlane-loop-")) if workdir is None else workdir
    try:
        world, home = tmp / "world", tmp / "home"
        tick = progress or (lambda stage, done, total: None)
        quiet_splink()
        driver = _Driver(
            world,
            home,
            seed,
            days,
            inspection_rate,
            exploration_rate,
            warmup_days,
            retrain_every,
            weighting,
            tick,
        )
        # The world is generated day by day around the loop: after each day the model
        # strategy's seizures and holds go back to the simulator, and the rings react.
        generate_world(
            world,
            seed=seed,
            parcels=parcels,
            days=days,
            on_day=driver.on_day,
            react_from_day=warmup_days,
        )
        tick("days", len(driver.plan_days), len(driver.plan_days))
        result = driver.result(parcels, compare_weightings)
        driver.close()
    finally:
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


class _Driver:
    """The loop's side of each simulated day: ingest what arrived, resolve it, plan every strategy's
    inspections of the day's arrivals, inspect (read the truth of what was picked), and report
    the model strategy's seizures and holds back to the world."""

    def __init__(
        self,
        world: Path,
        home: Path,
        seed: int,
        days: int,
        inspection_rate: float,
        exploration_rate: float,
        warmup_days: int,
        retrain_every: int,
        weighting: Weighting,
        tick: Progress,
    ) -> None:
        from redlane.sim.config import START_DATE

        self.world, self.home, self.seed, self.days = world, home, seed, days
        self.inspection_rate, self.exploration_rate = inspection_rate, exploration_rate
        self.warmup_days, self.retrain_every = warmup_days, retrain_every
        self.weighting, self.tick = weighting, tick
        self.start = START_DATE
        self.plan_days = [START_DATE + timedelta(days=d) for d in range(warmup_days, days)]
        self.half = self.plan_days[len(self.plan_days) // 2] if self.plan_days else START_DATE
        self.rng = np.random.default_rng(seed)
        self.warehouse = Warehouse(home / "warehouse")
        self.truth: dict[str, tuple[bool, float, int]] = {}  # hawb -> (fake, value, ring)
        self.states: dict[str, StrategyState] = {}
        self.pack = checks_from_definitions(COUNTERFEIT_PACK)
        self.reference: pa.Table | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.evaluation_hawbs: list[str] = []
        self.ceiling: list[dict[str, Any]] = []
        self.model_hits: list[tuple[date, int]] = []  # (day, ring index) of the model's seizures
        self.ingested: set[Path] = set()

    def on_day(self, g: int, p: Any, hawbs: list[str]) -> list[Touch]:
        from redlane.sim.parcels import FAKE

        fake = p.kind == FAKE
        for i, h in enumerate(hawbs):
            self.truth[h] = (
                bool(fake[i]),
                float(p.msrp_usd[i]) if fake[i] else 0.0,
                int(p.ring[i]),
            )
        if g < self.warmup_days:
            return []
        day = self.start + timedelta(days=g)
        self._ingest()
        if not self.states:
            self._warm_up()
        seized, held = self._plan(day, self.plan_days.index(day))
        return [Touch(h, "seizure") for h in seized] + [Touch(h, "hold") for h in held]

    def _ingest(self) -> None:
        files = sorted(
            f
            for f in self.world.rglob("*")
            if f.is_file() and "truth" not in f.parts and f not in self.ingested
        )
        ingest_paths(files, self.warehouse)
        self.ingested.update(files)
        if self.con is not None:
            self.con.close()
        # Resolve the day's parties as the product does (incrementally after the first run), so
        # that a ring's new identity that keeps a bank account, device or address inherits its
        # actor's and ring's history in the features.
        resolve(self.warehouse.root, self.home)
        self.con = open_features_connection(self.home, self.warehouse.root, warehouse_labels=False)

    def _warm_up(self) -> None:
        assert self.con is not None
        first = self.plan_days[0]
        # Warm-up labels: the simulator's own historical inspections of the first days.
        warm = self.con.sql(
            "SELECT hawb, inspected_at, outcome = 'seized' AS seized, seized_value::DOUBLE,"
            " CASE WHEN selection_reason = 'random' THEN 0.02 ELSE 1.0 END::DOUBLE,"
            f" selection_reason FROM inspections WHERE inspected_at < TIMESTAMP '{first}'"
        ).fetchall()
        names = LABEL_SCHEMA.names
        rows = [dict(zip(names, r, strict=True)) for r in warm]
        self.states = {s: StrategyState(s, labels=list(rows)) for s in STRATEGIES}
        set_labels(self.con, None, warehouse_labels=False)
        self.reference = compute_features(self.con, f"k.arrival_date < DATE '{first}'")

    def _plan(self, day: date, n_day: int) -> tuple[list[str], list[str]]:
        con, states, rng = self.con, self.states, self.rng
        assert con is not None
        self.tick("days", n_day, len(self.plan_days))
        if n_day % self.retrain_every == 0:
            for name in MODEL_STRATEGIES:
                fitted = _fit(states[name].labels, con, self.weighting, self.seed, self.reference)
                states[name].model = fitted or states[name].model
        where = f"k.arrival_date = DATE '{day}'"
        per_strategy: dict[str, pa.Table] = {}
        for name in MODEL_STRATEGIES:
            set_labels(con, _labels_table(states[name].labels), warehouse_labels=False)
            per_strategy[name] = compute_features(con, where)
        feats = per_strategy["model"]  # label-free columns are the same in every table
        n = feats.num_rows
        if n == 0:
            return [], []
        capacity = max(1, int(math.floor(self.inspection_rate * n + 0.5)))
        hawbs = feats.column("hawb").to_pylist()
        fakes = sum(self.truth[h][0] for h in hawbs if h in self.truth)
        if day >= self.half:
            self.evaluation_hawbs.extend(hawbs)
        self.ceiling.append({"day": str(day), "capacity": capacity, "counterfeits": fakes})
        traffic = IdentifierTraffic(con)
        rows_cache: list[dict[str, Any]] | None = None
        seized_by_model: list[str] = []
        held_by_model: list[str] = []
        for name, state in states.items():
            own = per_strategy.get(name, feats)
            picked, propensity = self._pick(name, state, own, day, n, capacity, rng)
            seized_rows = []
            found = value = 0.0
            for i, pr in zip(picked, propensity, strict=True):
                fake, v, ring = self.truth.get(hawbs[i], (False, 0.0, -1))
                at = feats.column("expected_arrival")[i].as_py() + timedelta(hours=1)
                state.labels.append(
                    {
                        "hawb": hawbs[i],
                        "inspected_at": at,
                        "seized": fake,
                        "seized_value": v,
                        "propensity": float(pr),
                        "selection_reason": name,
                    }
                )
                if name == "model":
                    if fake:
                        seized_by_model.append(hawbs[i])
                        self.model_hits.append((day, ring))
                    elif ring >= 0:
                        held_by_model.append(hawbs[i])  # a ring's genuine cover parcel
                if fake:
                    found += 1
                    value += v
                    if rows_cache is None:
                        rows_cache = feats.to_pylist()
                    seized_rows.append(rows_cache[i])
            if name != "random":
                state.lookouts.extend(_lookouts_from(seized_rows, day, traffic))
            state.daily.append(
                {"day": str(day), "inspected": len(picked), "seized": int(found), "value": value}
            )
        return seized_by_model, held_by_model

    def _pick(
        self,
        name: str,
        state: StrategyState,
        own: pa.Table,
        day: date,
        n: int,
        capacity: int,
        rng: np.random.Generator,
    ) -> tuple[list[int], list[float]]:
        if name == "random":
            picked = [int(i) for i in rng.choice(n, size=min(capacity, n), replace=False)]
            return picked, [min(capacity, n) / n] * len(picked)
        checks = self.pack + [
            c
            for c in state.lookouts
            if c.valid_to is None or c.valid_to > datetime.combine(day, datetime.min.time())
        ]
        mandatory = np.asarray(evaluate(own, checks).any(axis=1), dtype=bool)
        if name in MODEL_STRATEGIES and not MODEL_STRATEGIES[name]:
            mandatory = np.zeros(n, dtype=bool)
        modelled = name in MODEL_STRATEGIES and state.model is not None
        if modelled and state.model is not None:
            ev = state.model.predict(own) * seizure_values(own)
            quota = exploration_quota(capacity, self.exploration_rate)
        else:  # rules first, the rest at random (what a selectivity system does)
            ev = rng.random(n)
            quota = 0
        sel = select(ev, mandatory, capacity, quota, rng)
        if modelled:
            return list(sel.index), list(sel.propensity)
        rest = n - int(mandatory.sum())
        fill = capacity - min(capacity, int(mandatory.sum()))
        return list(sel.index), [1.0 if mandatory[i] else fill / max(1, rest) for i in sel.index]

    def result(self, parcels: int, compare_weightings: bool) -> LoopResult:
        assert self.con is not None
        eval_days = [str(d) for d in self.plan_days if d >= self.half]
        fakes = [self.truth[h] for h in self.evaluation_hawbs if self.truth[h][0]]
        n_fake, fake_value = len(fakes), sum(f[1] for f in fakes)
        strategies = {
            name: _metrics(state.daily, set(eval_days), n_fake, fake_value)
            for name, state in self.states.items()
        }
        bias: dict[str, dict[str, Any]] = {}
        if compare_weightings:
            oracle = Oracle({h: (t[0], t[1]) for h, t in self.truth.items()})
            bias = _compare_weightings(
                self.con,
                oracle,
                self.states["model"].labels,
                self.half,
                self.seed,
                self.reference,
                self.inspection_rate,
            )
        world = world_figures(
            self.world / "truth",
            self.plan_days,
            self.half,
            self.ceiling,
            self.model_hits,
            {self.truth[h][2] for h in self.evaluation_hawbs if self.truth[h][0]},
        )
        return LoopResult(
            seed=self.seed,
            days=self.days,
            parcels=parcels,
            inspection_rate=self.inspection_rate,
            exploration_rate=self.exploration_rate,
            weighting=self.weighting,
            warmup_days=self.warmup_days,
            evaluation_days=eval_days,
            evaluation_parcels=len(self.evaluation_hawbs),
            evaluation_counterfeits=n_fake,
            strategies=strategies,
            daily={name: state.daily for name, state in self.states.items()},
            bias_correction=bias,
            world=world,
            seconds=0.0,
            notes=[
                "the world is generated day by day around the loop: rings react to the model "
                "strategy's seizures and holds (after a lag drawn per ring); the other "
                "strategies are scored on the same traffic, so their figures are counterfactual",
                "capacity is pooled over the network per day (inspection_rate of arrivals)",
            ],
        )

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def _metrics(
    daily: list[dict[str, Any]], eval_days: set[str], n_fake: int, fake_value: float
) -> dict[str, Any]:
    rows = [d for d in daily if d["day"] in eval_days]
    inspected = sum(d["inspected"] for d in rows)
    seized = sum(d["seized"] for d in rows)
    value = sum(d["value"] for d in rows)
    return {
        "inspected": inspected,
        "seized": seized,
        "seized_value": round(value, 2),
        "hit_rate": round(seized / inspected, 4) if inspected else None,
        "seized_value_share": round(value / fake_value, 4) if fake_value else None,
        "counterfeit_recall": round(seized / n_fake, 4) if n_fake else None,
        "counterfeits": n_fake,
    }


def _compare_weightings(
    con: duckdb.DuckDBPyConnection,
    oracle: Oracle,
    labels: list[dict[str, Any]],
    half: date,
    seed: int,
    reference: pa.Table | None,
    rate: float,
) -> dict[str, dict[str, Any]]:
    """Train each bias correction on the model strategy's labels before the evaluation half;
    report (from the truth, evaluation only) the precision and value share at ``rate`` over the
    evaluation half's parcels ranked by expected value."""
    cutoff = datetime.combine(half, datetime.min.time())
    before = [r for r in labels if r["inspected_at"] < cutoff]
    set_labels(con, _labels_table(before), warehouse_labels=False)
    table = labelled_features(con)
    feats = compute_features(con, f"k.arrival_date >= DATE '{half}'")
    hawbs = feats.column("hawb").to_pylist()
    truth = [oracle.inspect(h) for h in hawbs]
    y = np.array([t[0] for t in truth], dtype=bool)
    v = np.array([t[1] for t in truth])
    k = max(1, int(math.floor(rate * len(hawbs) + 0.5)))
    out: dict[str, dict[str, Any]] = {}
    est = seizure_values(feats)
    weightings: tuple[Weighting, ...] = ("ipw", "exploration", "none")
    for w in weightings:
        try:
            model = train(table, weighting=w, seed=seed, reference=reference)
        except RedlaneError as exc:
            out[w] = {"trained": False, "why": str(exc)}
            continue
        ev: npt.NDArray[np.float64] = model.predict(feats) * est
        top = np.argsort(-ev, kind="stable")[:k]
        out[w] = {
            "trained": True,
            "training_rows": int(model.meta["rows"]),
            "training_seizures": int(model.meta["seizures"]),
            "precision_at_rate": round(float(y[top].mean()), 4),
            "value_share_at_rate": round(float(v[top].sum() / max(v.sum(), 1e-9)), 4),
        }
    return out


def write_plots(result: LoopResult, out: Path) -> list[Path]:
    """Hit rate per day and strategy: a PNG and a small HTML page around it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    labels = sorted({d["day"] for daily in result.daily.values() for d in daily})
    position = {day: i for i, day in enumerate(labels)}
    for name, daily in result.daily.items():
        xs = [position[d["day"]] for d in daily]
        ys = [d["seized"] / d["inspected"] if d["inspected"] else 0.0 for d in daily]
        ax.plot(xs, ys, marker="o", ms=3, label=name)
    if result.evaluation_days:
        ax.axvline(
            x=position[result.evaluation_days[0]], color="grey", ls=":", label="evaluation half"
        )
    ax.set_xticks(range(len(labels)), [day[5:] for day in labels])
    ax.set_ylabel("hit rate (seized / inspected)")
    ax.set_xlabel("arrival day")
    ax.set_title(
        f"Closed loop, seed {result.seed}, {result.parcels:,} parcels, "
        f"{result.inspection_rate:.0%} inspected"
    )
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.legend()
    fig.tight_layout()
    png = out / "loop_hit_rate.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    html = out / "loop_hit_rate.html"
    summary = html_escape(json.dumps(result.summary(), indent=1, default=str))
    html.write_text(
        "<!doctype html><meta charset='utf-8'><title>redlane closed loop</title>"
        "<h1>Hit rate per day and strategy</h1>"
        f"<img src='{png.name}' alt='hit rate per day'><pre>{summary}</pre>",
        encoding="utf-8",
    )
    return [png, html]
