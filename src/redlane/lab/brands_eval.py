"""The brand-protection evaluation on a simulated world (``redlane brands evaluate``).

1. A world is generated, ingested and resolved in a fresh home; the recordations feed is synced
   into the brand registry (authorised parties with their resolved actors).
2. **Known-good.** The targeting model is trained on the inspections of the first half of the
   days and scores every parcel of the second half. The same scores, adjusted by the known-good
   supply chains (:mod:`redlane.brands.known_good`, no rule or lookout hits: the model's ranking
   alone), are compared at the same counterfeit recall: how many non-counterfeit parcels must be
   opened to reach it, with and without, and at a fixed budget of inspections.
3. **Cloned codes.** Codes from :mod:`redlane.sim.serials` are enrolled (keyed hashes), and the
   parcels customs opens — the world's own historical inspections plus the model's top
   parcels of the second half — are scanned in arrival order through
   :func:`redlane.brands.codes.authenticate`. Reported: verdicts per kind of parcel, the ring
   links cloned codes make (pairs of shipper actors, same ring or not, per the truth), and how
   counterfeit the parcels of shippers flagged by cloned codes are.

The truth (``truth/``) is read only to score.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt

from redlane.brands import codes, registry
from redlane.brands.cloned import cloned_ref_rows
from redlane.brands.known_good import KnownGoodIndex
from redlane.brands.scope import ADMIN, BrandScope, CliCaller
from redlane.sim.serials import draw_codes

RECALLS: Final = (0.5, 0.8, 0.9, 0.95)
BUDGET: Final = 0.05

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class EvalConfig:
    seed: int = 7
    scale: str = "small"
    days: int = 30
    budget: float = BUDGET


def fp_at_recall(scores: FloatArray, y: BoolArray, recall: float) -> tuple[int, int]:
    """(parcels opened, non-counterfeits among them) to reach ``recall`` by descending score."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    hits = np.cumsum(y[order])
    need = math.ceil(recall * int(y.sum()))
    if need == 0:
        return 0, 0
    opened = int(np.searchsorted(hits, need) + 1)
    return opened, opened - int(hits[opened - 1])


def at_budget(scores: FloatArray, y: BoolArray, k: int) -> dict[str, float]:
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    found = int(y[order].sum())
    return {
        "opened": k,
        "counterfeits": found,
        "false_positives": k - found,
        "recall": round(found / max(int(y.sum()), 1), 4),
    }


def run(cfg: EvalConfig, work: Path | None = None) -> dict[str, Any]:
    """The whole evaluation in ``work`` (a new temporary folder when None)."""
    if work is None:
        with tempfile.TemporaryDirectory(prefix="redlane-brands-eval-") as tmp:
            return run(cfg, Path(tmp))
    world, home = work / "world", work / "home"
    url = _build(cfg, world, home)
    return _evaluate(cfg, world, home, url)


def _build(cfg: EvalConfig, world: Path, home: Path) -> str:
    from redlane.brands.cloned import register_cloned_refs
    from redlane.cases.records import connect
    from redlane.config import Settings
    from redlane.engine.warehouse import Warehouse
    from redlane.feeds.ingest import ingest_paths
    from redlane.resolve.run import resolve
    from redlane.resolve.splink_model import quiet_splink
    from redlane.sim import generate_world, parse_scale
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.store.partners import ensure_default_partners

    home.mkdir(parents=True, exist_ok=True)
    generate_world(world, seed=cfg.seed, parcels=parse_scale(cfg.scale), days=cfg.days)
    ingest_paths([world], Warehouse(home / "warehouse"))
    quiet_splink()
    resolve(home / "warehouse", home, full=True, links=(register_cloned_refs,))
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'redlane.db'}")
    ensure_schema(settings.database)
    con, _ = connect(settings)
    try:
        with session_scope(settings.database) as session:
            ensure_default_partners(session)
            registry.sync_recordations(session, con, CliCaller("eval"))
    finally:
        con.close()
    return settings.database


def _evaluate(cfg: EvalConfig, world: Path, home: Path, url: str) -> dict[str, Any]:
    from redlane.store.db import session_scope
    from redlane.targeting.features import compute_features, labelled_features
    from redlane.targeting.features import open_features_connection as features_con
    from redlane.targeting.model import train
    from redlane.targeting.plan import seizure_values

    con = features_con(home, home / "warehouse")
    try:
        first, last = con.execute(
            "SELECT min(CAST(expected_arrival AS DATE)), max(CAST(expected_arrival AS DATE))"
            " FROM aed_shipments"
        ).fetchall()[0]
        cut = first + timedelta(days=(last - first).days // 2 + 1)
        model = train(labelled_features(con, where=_before(cut)), seed=7)
        test = compute_features(con, where=f"k.arrival_date >= DATE '{cut.isoformat()}'")
        hawbs = [str(h) for h in test.column("hawb").to_pylist()]
        truth = _truth(world)
        y = np.array([truth.get(h, (False, None, None))[0] for h in hawbs], dtype=bool)
        p = model.predict(test)
        est = seizure_values(test)
        none = np.zeros(test.num_rows, dtype=bool)
        with session_scope(url) as session:
            index = KnownGoodIndex.load(session)
            p_kg, _ev, _why = index.adjust_batch(test, p, est, none)
            mask = np.array(index.known_good_mask(test, none), dtype=bool)
            known_good = _known_good(p, p_kg, y, mask, cfg)
            cloned = _cloned(cfg, world, home, session, con, hawbs, p, truth)
    finally:
        con.close()
    return {
        "seed": cfg.seed,
        "scale": cfg.scale,
        "days": cfg.days,
        "test_from": cut.isoformat(),
        "test_parcels": len(hawbs),
        "test_counterfeits": int(y.sum()),
        "training_rows": model.meta.get("rows"),
        "known_good": known_good,
        "cloned_codes": cloned,
    }


def _before(cut: date) -> str:
    return f"k.arrival_date < DATE '{cut.isoformat()}'"


def _truth(world: Path) -> dict[str, tuple[bool, str | None, str | None]]:
    """hawb → (counterfeit, ring, shipper actor) from the simulator's truth."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT hawb, is_counterfeit, ring_id, shipper_actor_id"
            f" FROM read_parquet('{world / 'truth' / 'shipments.parquet'}')"
        ).fetchall()
    finally:
        con.close()
    return {str(h): (bool(c), r, a) for h, c, r, a in rows}


def _known_good(
    p: FloatArray, p_kg: FloatArray, y: BoolArray, mask: BoolArray, cfg: EvalConfig
) -> dict[str, Any]:
    k = max(1, round(cfg.budget * len(p)))
    recall_rows = []
    for recall in RECALLS:
        opened, fp = fp_at_recall(p, y, recall)
        opened_kg, fp_kg = fp_at_recall(p_kg, y, recall)
        recall_rows.append(
            {
                "recall": recall,
                "opened": opened,
                "false_positives": fp,
                "opened_known_good": opened_kg,
                "false_positives_known_good": fp_kg,
                "false_positives_avoided": fp - fp_kg,
            }
        )
    return {
        "parcels_known_good": int(mask.sum()),
        "counterfeits_known_good": int((mask & y).sum()),
        "at_recall": recall_rows,
        "budget": {
            "share": cfg.budget,
            "model": at_budget(p, y, k),
            "model_known_good": at_budget(p_kg, y, k),
        },
    }


def _cloned(
    cfg: EvalConfig,
    world: Path,
    home: Path,
    session: Any,
    con: duckdb.DuckDBPyConnection,
    hawbs: list[str],
    p: FloatArray,
    truth: dict[str, tuple[bool, str | None, str | None]],
) -> dict[str, Any]:
    serials = draw_codes(world, cfg.seed)
    key = codes.load_code_key(home)
    owner = BrandScope(CliCaller("eval", role=ADMIN), None)
    step = codes.MAX_CODES_PER_CALL
    for brand, values in sorted(serials.enrolled.items()):
        for start in range(0, len(values), step):
            codes.enrol(session, owner, key, brand, values[start : start + step], batch="sim")
    opened = _opened(con, hawbs, p, cfg.budget)
    officer = BrandScope(CliCaller("eval-officer", role="customs_officer"), None)
    outcome: dict[str, Counter[str]] = defaultdict(Counter)
    for carrier, hawb, port in opened:
        carried = serials.carried.get(hawb)
        if not carried:
            continue
        results = codes.authenticate(
            session,
            officer,
            key,
            carried,
            codes.Context("shipment", f"{carrier}/{hawb}", port),
            brand_ref=serials.brand[hawb],
        )
        verdicts = {r.verdict for r in results}
        verdict = next(v for v in ("cloned", "unknown", "genuine") if v in verdicts)
        outcome[serials.kind[hawb]][verdict] += 1
    links = _ring_links(session, truth)
    signal = _signal(session, con, hawbs, truth)
    return {
        "enrolled_codes": sum(len(v) for v in serials.enrolled.values()),
        "parcels_opened": len(opened),
        "verdicts_by_kind": {k: dict(v) for k, v in sorted(outcome.items())},
        "ring_links": links,
        "cloned_code_signal": signal,
        "world_kinds": dict(Counter(serials.kind.values())),
    }


def _opened(
    con: duckdb.DuckDBPyConnection, hawbs: list[str], p: FloatArray, budget: float
) -> list[tuple[str, str, str]]:
    """Parcels customs opened, oldest first: the world's inspections plus the model's top
    ``budget`` of the second half."""
    top = np.argsort(-p, kind="stable")[: max(1, round(budget * len(p)))]
    picked = sorted({hawbs[int(i)] for i in top})
    return [
        (str(c), str(h), str(port))
        for c, h, port in con.execute(
            "SELECT carrier, hawb, any_value(port_of_entry) FROM aed_shipments"
            " WHERE hawb IN (SELECT hawb FROM inspections) OR list_contains(?, hawb)"
            " GROUP BY ALL ORDER BY min(expected_arrival), hawb",
            [picked],
        ).fetchall()
    ]


def _ring_links(
    session: Any, truth: dict[str, tuple[bool, str | None, str | None]]
) -> dict[str, int]:
    """Pairs of (true) shipper actors linked by a shared cloned code: same ring or not."""
    holders: dict[str, set[str]] = defaultdict(set)
    for digest, kind, key in cloned_ref_rows(session):
        actor = truth.get(key, (False, None, None))[2] if kind == "shipment" else None
        if actor:
            holders[digest].add(actor)
    ring_of = {a: r for _c, r, a in truth.values() if a}
    pairs: set[tuple[str, str]] = set()
    for actors in holders.values():
        ordered = sorted(actors)
        pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    same = sum(1 for a, b in pairs if ring_of.get(a) and ring_of.get(a) == ring_of.get(b))
    rings = {ring_of[a] for pair in pairs for a in pair if ring_of.get(a)}
    return {"actor_pairs": len(pairs), "same_ring": same, "rings_linked": len(rings)}


def _signal(
    session: Any,
    con: duckdb.DuckDBPyConnection,
    hawbs: list[str],
    truth: dict[str, tuple[bool, str | None, str | None]],
) -> dict[str, Any]:
    """Parcels of the second half whose shipper (resolved) carried cloned codes, and how many
    are counterfeit. Scans include the second half's own inspections: descriptive, not as-of."""
    index = KnownGoodIndex.load(session, con)
    found = con.execute(
        "SELECT record_key, actor_id FROM party_actors WHERE source_table = 'aed_shipments'"
        " AND role = 'shipper' AND list_contains(?, record_key)",
        [hawbs],
    ).fetchall()
    flagged = [str(h) for h, a in found if str(a) in index.cloned]
    fakes = sum(truth.get(h, (False, None, None))[0] for h in flagged)
    return {
        "actors_flagged": len(index.cloned),
        "parcels_flagged": len(flagged),
        "counterfeit": int(fakes),
        "precision": round(fakes / len(flagged), 4) if flagged else None,
    }
