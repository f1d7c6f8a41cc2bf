"""Screening one shipment in a few milliseconds, for the service.

``Screener.load(home)`` reads the champion model, the active rules and lookouts, and every
aggregate the features need (label history per identifier, actor and ring; shipper volumes;
genuine price ranges; marketplace signals) into memory once. ``screen(record)`` then computes the
same features as :mod:`redlane.targeting.sql` for one advance-data record (``aed_shipments``
columns) without touching DuckDB, as of the record's ``submitted_at`` (default: now), treating
everything loaded as earlier. Differences from the batch query, by design: a new record has no
customs entry yet, and its actor is found through its identifiers (the batch query only knows
actors of records the last resolution run saw).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np

from redlane.brands.known_good import KnownGoodIndex
from redlane.feeds.currency import RateBook
from redlane.targeting.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from redlane.targeting.model import TargetModel, load_champion
from redlane.targeting.reasons import explain, format_score
from redlane.targeting.rules import Check, check_matches, fold, phone_key
from redlane.targeting.sql import (
    ALPHA,
    HISTORY_KEYS,
    IDENTIFIER_KEYS,
    LINE_BY_BRAND_SQL,
    LINE_BY_HS6_SQL,
    PRIOR_RATE,
    VAGUE_DESCRIPTIONS,
    prelude_sql,
)

RED_AT: Final = 0.3
YELLOW_AT: Final = 0.1
_RECENT_DAYS: Final = 31


@dataclass
class ScreenResult:
    hawb: str | None
    score: float
    expected_value: float
    lane: str
    reasons: list[str]
    lookout_hits: list[str] = field(default_factory=list)
    rule_hits: list[str] = field(default_factory=list)
    matched_actor_ids: list[str] = field(default_factory=list)
    model_version: str = ""


@dataclass
class _History:
    n: float = 0.0
    s: float = 0.0
    v: float = 0.0
    seized_at: list[datetime] = field(default_factory=list)  # sorted


def _naive(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    raise TypeError(f"not a date-time: {value!r}")


def _f(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


class Screener:
    """Warm scorer: load once, screen many (thread-safe for reads)."""

    def __init__(self, model: TargetModel, checks: list[Check]) -> None:
        self.model = model
        self.checks = checks
        self.history: dict[str, dict[Any, _History]] = {k: {} for k in HISTORY_KEYS}
        self.volume: dict[str, Counter[Any]] = defaultdict(Counter)
        self.first_seen: dict[Any, datetime] = {}
        self.recent: dict[str, dict[Any, list[datetime]]] = defaultdict(dict)
        self.actor_by_identifier: dict[tuple[str, str], str] = {}
        self.actors: dict[str, tuple[str | None, float]] = {}
        self.actor_first_seen: dict[str, datetime] = {}
        self.marks: list[tuple[str, str, str]] = []
        self.lines_brand_hs6: dict[tuple[str, str], tuple[float, float, str]] = {}
        self.lines_brand: dict[str, tuple[float, float, str]] = {}
        self.lines_hs6: dict[str, tuple[float, float, str, str]] = {}
        self.brand_names: dict[str, str] = {}
        self.sellers: dict[str, dict[str, Any]] = {}
        self.descr_log_value_per_kg: dict[Any, float] = {}
        self.red_at, self.yellow_at = RED_AT, YELLOW_AT
        self.brand_evidence = KnownGoodIndex()
        self.rates = RateBook({})

    # --- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, home: Path, warehouse_path: Path | None = None) -> Screener:
        """Read the champion model, rules, lookouts and history aggregates into memory."""
        from redlane.store.db import session_scope
        from redlane.store.migrate import ensure_schema
        from redlane.targeting.rules import active_checks
        from redlane.targeting.training import connect

        model = load_champion(home)
        ensure_schema()
        with session_scope(readonly=True) as session:
            checks = active_checks(session)
        con = connect(home, warehouse_path or home / "warehouse")
        screener = cls(model, checks)
        screener._load(con)
        with session_scope(readonly=True) as session:
            screener.brand_evidence = KnownGoodIndex.load(session, con)
        con.close()
        return screener

    def _load(self, con: duckdb.DuckDBPyConnection) -> None:
        pre = f"WITH {prelude_sql()} "
        self.rates = RateBook.load(con)  # money in US dollars, as the feature query's join
        for key in HISTORY_KEYS:
            rows = con.sql(
                pre + f"SELECT k_{key}, count(*), sum(seized), sum(seized_value),"
                " list(inspected_at ORDER BY inspected_at) FILTER (WHERE seized = 1)"
                f" FROM events WHERE k_{key} IS NOT NULL AND k_{key} <> '' GROUP BY 1"
            ).fetchall()
            self.history[key] = {
                k: _History(float(n), float(s or 0), float(v or 0), list(times or []))
                for k, n, s, v, times in rows
            }
        last = con.execute("SELECT max(submitted_at) FROM aed_shipments").fetchall()[0]
        horizon = (last[0] if last and last[0] else datetime(1990, 1, 1)) - timedelta(
            days=_RECENT_DAYS
        )
        for name, expr in (
            ("sname", "k_sname"),
            ("sphone", "coalesce(k_sphone, sid)"),
            ("caddr", "k_caddr"),
            ("hs6_origin", "k_hs6_origin"),
            ("descr", "descr"),
            ("descr_hs4", "descr || '|' || coalesce(hs4, '')"),
        ):
            for k, n, first, times in con.sql(
                pre + f"SELECT {expr}, count(*), min(t),"
                f" list(t ORDER BY t) FILTER (WHERE t >= TIMESTAMP '{horizon:%Y-%m-%d %H:%M:%S}')"
                " FROM keyed GROUP BY 1"
            ).fetchall():
                self.volume[name][k] = int(n)
                if name == "sname":
                    self.first_seen[k] = first
                self.recent[name][k] = list(times or [])
        # sum of log value per kg by description: the batch query's running mean
        self.descr_log_value_per_kg = dict(
            con.sql(
                pre + "SELECT descr, sum(ln(1 + declared_value / greatest(weight_kg, 0.001)))"
                " FROM keyed GROUP BY 1"
            ).fetchall()
        )
        for ident in ("sname", "sphone", "semail", "saddr"):
            for k, actor in con.sql(
                pre + f"SELECT k_{ident}, mode(k_sactor) FROM keyed"
                f" WHERE k_sactor IS NOT NULL AND k_{ident} IS NOT NULL GROUP BY 1"
            ).fetchall():
                self.actor_by_identifier[(ident, k)] = actor
        for actor, ring, risk, first in con.sql(
            "SELECT actor_id, ring_id, risk, first_seen FROM actors"
        ).fetchall():
            self.actors[actor] = (ring, float(risk or 0))
            if first is not None:
                self.actor_first_seen[actor] = first
        self.brand_names = dict(con.sql("SELECT brand_id, name FROM brands").fetchall())
        self.marks = sorted(
            con.sql(
                "SELECT brand_id, lower(name), name FROM brands UNION SELECT t.brand_id,"
                " trim(regexp_replace(lower(t.mark), '\\s*\\(.*\\)', '', 'g')), b.name"
                " FROM trademarks t JOIN brands b USING (brand_id)"
            ).fetchall()
        )
        for b, hs6, lo, hi, line in con.sql(
            "SELECT brand_id, hs6, min(price_min), max(price_max), min(product_line)"
            " FROM product_lines GROUP BY ALL"
        ).fetchall():
            self.lines_brand_hs6[(b, hs6)] = (float(lo), float(hi), line)
        for b, lo, hi, line in con.sql(
            f"SELECT brand_id, price_min, price_max, line FROM ({LINE_BY_BRAND_SQL})"
        ).fetchall():
            self.lines_brand[b] = (float(lo), float(hi), line)
        for hs6, lo, hi, b, line in con.sql(
            f"SELECT hs6, price_min, price_max, brand_id, line FROM ({LINE_BY_HS6_SQL})"
        ).fetchall():
            self.lines_hs6[hs6] = (float(lo), float(hi), b, line)
        for sid, registered in con.sql(
            "SELECT seller_id, min(registered_at) FROM mp_sellers GROUP BY 1"
        ).fetchall():
            self.sellers.setdefault(sid, {})["registered_at"] = registered
        for sid, n, branded, ratio in con.sql(
            "SELECT l.seller_id, count(*), count(l.brand),"
            " min(l.price::DOUBLE / nullif(p.price_min, 0)) FROM mp_listings l"
            " LEFT JOIN brands b ON lower(b.name) = lower(l.brand)"
            " LEFT JOIN (SELECT brand_id, min(price_min)::DOUBLE price_min FROM product_lines"
            " GROUP BY 1) p ON p.brand_id = b.brand_id GROUP BY 1"
        ).fetchall():
            self.sellers.setdefault(sid, {}).update(listings=n, branded=branded, ratio=ratio)
        for sid, n in con.sql("SELECT seller_id, count(*) FROM mp_takedowns GROUP BY 1").fetchall():
            self.sellers.setdefault(sid, {})["takedowns"] = n
        for sid, n in con.sql(
            "SELECT l.seller_id, count(*) FROM social_posts p JOIN mp_listings l"
            " ON p.linked_listing_id = l.listing_id GROUP BY 1"
        ).fetchall():
            self.sellers.setdefault(sid, {})["posts"] = n

    # --- changes between loads (events) --------------------------------------------------
    def reload_checks(self) -> None:
        """Take the active rules and lookouts again (a rule or lookout changed): cheap, so an
        event makes the warm screener current without reloading the aggregates."""
        from redlane.store.db import session_scope
        from redlane.targeting.rules import active_checks

        with session_scope(readonly=True) as session:
            self.checks = active_checks(session)

    def note_takedown(self, seller_id: str) -> None:
        """Count a marketplace takedown of ``seller_id`` that arrived after the load."""
        seller = self.sellers.setdefault(seller_id, {})
        seller["takedowns"] = int(seller.get("takedowns", 0)) + 1

    # --- features ------------------------------------------------------------------------
    def _window(self, name: str, key: Any, start: datetime, t: datetime) -> int:
        times = self.recent[name].get(key, [])
        return bisect_right(times, t) - bisect_left(times, start)

    def features(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The feature row of one record, with the columns reasons and rules use."""
        t = _naive(record.get("submitted_at")) or datetime.now(UTC).replace(tzinfo=None)
        descr = (record.get("description") or "").strip().lower()
        hs6 = record.get("hs6") or None
        hs4 = hs6[:4] if hs6 else None
        origin = record.get("origin_country")
        amount = float(record.get("declared_value") or 0)
        converted = self.rates.convert(amount, record.get("currency"), t.date())
        value = converted.usd if converted else math.nan  # no rate: not compared, as in SQL
        weight = float(record.get("weight_kg") or 0.001)
        pieces = float(record.get("pieces") or 1)
        keys: dict[str, Any] = {
            "sname": fold(record.get("shipper_name")),
            "sphone": phone_key(record.get("shipper_phone")),
            "semail": (record.get("shipper_email") or "").lower() or None,
            "saddr": fold(record.get("shipper_address")),
            "cname": fold(record.get("consignee_name")),
            "caddr": fold(record.get("consignee_address")),
            "seller": record.get("seller_ref") or None,
            "hs6_origin": f"{hs6}|{origin}" if hs6 else None,
            "hs4": hs4,
            "origin": origin,
            "port": record.get("port_of_entry"),
            "descr": descr or None,
        }
        actors = sorted(
            {
                a
                for ident in ("sname", "sphone", "semail", "saddr")
                if keys[ident]
                and (a := self.actor_by_identifier.get((ident, keys[ident]))) is not None
            }
        )
        keys["sactor"] = actors[0] if actors else None
        keys["cactor"] = None
        ring, risk = self.actors.get(keys["sactor"] or "", (None, 0.0))
        keys["ring"] = ring
        row: dict[str, Any] = {
            "carrier": record.get("carrier"),
            "hawb": record.get("hawb"),
            "port": keys["port"],
            "origin": origin,
            "shipper_country": record.get("shipper_country"),
            "submitted_at": t,
            "expected_arrival": _naive(record.get("expected_arrival")),
            "description": record.get("description"),
            "hs6": hs6,
            "hs2": hs6[:2] if hs6 else None,
            "shipper_name": record.get("shipper_name"),
            "shipper_phone": record.get("shipper_phone"),
            "shipper_email": record.get("shipper_email"),
            "shipper_address": record.get("shipper_address"),
            "consignee_name": record.get("consignee_name"),
            "seller_ref": keys["seller"],
            "shipper_actor_id": keys["sactor"],
            "shipper_actor_first_seen": self.actor_first_seen.get(keys["sactor"] or ""),
            "consignee_actor_id": None,
            "ring_id": ring,
            "actor_risk_snapshot": risk,
            "declared_value": value,
            "declared_amount": amount,
            "declared_currency": (record.get("currency") or "USD").strip().upper(),
            "fx_units_per_usd": converted.units_per_usd if converted else None,
            "fx_rate_date": converted.rate_date if converted else None,
            "weight_kg": weight,
            "pieces": pieces,
            "log_value": math.log1p(value),
            "unit_value": value / max(pieces, 1),
            "log_value_per_kg": math.log1p(value / max(weight, 0.001)),
            "vague_description": float(descr in VAGUE_DESCRIPTIONS),
            "description_length": float(len(descr)),
            "hs_missing": float(hs6 is None),
            "origin_ne_shipper_country": float(origin != record.get("shipper_country")),
            "has_entry": 0.0,
            "entry_hs_mismatch": 0.0,
            "entry_value_ratio": None,
            "entry_type": None,
        }
        for name in ("k_sname", "k_sphone", "k_semail", "k_saddr", "k_cname", "k_caddr"):
            row[name] = keys[name[2:]]
        # genuine prices
        hits = [(b, name) for b, word, name in self.marks if len(word) >= 4 and word in descr]
        brand_id = min(b for b, _ in hits) if hits else None
        by_hs6 = self.lines_hs6.get(hs6 or "")
        line = (self.lines_brand_hs6.get((brand_id, hs6 or "")) if brand_id else None) or (
            self.lines_brand.get(brand_id) if brand_id else None
        )
        lo, hi, line_name = (
            line if line else (by_hs6[:2] + (by_hs6[3],) if by_hs6 else (None, None, None))
        )
        row["genuine_brand"] = (
            min(n for _, n in hits)
            if hits
            else (self.brand_names.get(by_hs6[2]) if by_hs6 else None)
        )
        row["genuine_line"], row["genuine_min"], row["genuine_max"] = line_name, lo, hi
        # as the feature query: a range is the parcel's own only if of a line of its HS6
        own = self.lines_brand_hs6.get((brand_id, hs6 or "")) if brand_id else None
        row["genuine_line_matched"] = own is not None or (line is None and by_hs6 is not None)
        row["genuine_line_brand"] = (
            (min(n for _, n in hits) if hits else None)
            if line
            else (self.brand_names.get(by_hs6[2]) if by_hs6 else None)
        )
        row["genuine_gap"] = 1 - row["unit_value"] / lo if lo else None
        row["brand_in_description"] = float(brand_id is not None)
        # label-free windows (everything loaded counts as earlier)
        d7, d30 = t - timedelta(days=7), t - timedelta(days=30)
        row["shipper_prior_volume"] = float(self.volume["sname"][keys["sname"]])
        row["shipper_volume_7d"] = float(self._window("sname", keys["sname"], d7, t))
        first = self.first_seen.get(keys["sname"])
        row["shipper_age_days"] = (t - min(first, t)).total_seconds() / 86400 if first else 0.0
        row["phone_prior_volume"] = (
            float(self.volume["sphone"][keys["sphone"]]) if keys["sphone"] else 0.0
        )
        row["consignee_volume_30d"] = float(self._window("caddr", keys["caddr"], d30, t))
        row["hs6_origin_volume_7d"] = float(self._window("hs6_origin", keys["hs6_origin"], d7, t))
        n_descr = self.volume["descr"][descr] + 1
        row["descr_hs_share"] = (self.volume["descr_hs4"][f"{descr}|{hs4 or ''}"] + 1) / n_descr
        row["descr_prior_volume"] = float(n_descr)
        peers = self.descr_log_value_per_kg.get(descr, 0.0) + row["log_value_per_kg"]
        row["value_per_kg_vs_descr"] = row["log_value_per_kg"] - peers / n_descr
        # marketplace
        seller = self.sellers.get(keys["seller"] or "", {})
        registered = seller.get("registered_at")
        row["has_seller"] = float(keys["seller"] is not None)
        row["seller_age_days"] = (t - registered).total_seconds() / 86400 if registered else None
        row["seller_listings"] = float(seller.get("listings", 0))
        row["seller_branded_listings"] = float(seller.get("branded", 0))
        row["listing_price_ratio"] = _f(seller.get("ratio"))
        row["seller_takedowns"] = float(seller.get("takedowns", 0))
        row["seller_hype_posts"] = float(seller.get("posts", 0))
        # label history
        since = t - timedelta(days=60)
        for key in HISTORY_KEYS:
            h = self.history[key].get(keys[key]) if keys[key] else None
            h = h or _History()
            s60 = len(h.seized_at) - bisect_left(h.seized_at, since)
            row[f"{key}_inspected"], row[f"{key}_seized"] = h.n, h.s
            row[f"{key}_seized_60d"] = float(s60)
            row[f"{key}_te"] = (h.s + ALPHA * PRIOR_RATE) / (h.n + ALPHA)
            row[f"{key}_days_since_seizure"] = (
                float((t.date() - h.seized_at[-1].date()).days) if h.seized_at else None
            )
            row[f"_{key}_v"] = h.v
        row["identifier_seized"] = max(row[f"{k}_seized"] for k in IDENTIFIER_KEYS)
        row["identifier_seized_60d"] = max(row[f"{k}_seized_60d"] for k in IDENTIFIER_KEYS)
        est = None
        if lo is not None and hi is not None:
            est = max(pieces, 1) * (lo + hi) / 2
        elif row["hs4_seized"]:
            est = row["_hs4_v"] / row["hs4_seized"]
        elif row["origin_seized"]:
            est = row["_origin_v"] / row["origin_seized"]
        row["est_seizure_value"] = est if est is not None else max(10 * value, 100.0)
        row["matched_actor_ids"] = actors
        return row

    def vector(self, row: Mapping[str, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
        x = np.empty((1, len(NUMERIC_FEATURES) + len(CATEGORICAL_FEATURES)))
        for j, name in enumerate(NUMERIC_FEATURES):
            v = row.get(name)
            x[0, j] = math.nan if v is None else float(v)
        for j, name in enumerate(CATEGORICAL_FEATURES, start=len(NUMERIC_FEATURES)):
            vocab = self.model.vocab.get(name, [])
            v = row.get(name)
            x[0, j] = float(vocab.index(v)) if v in vocab else math.nan
        return x

    # --- screening -----------------------------------------------------------------------
    def screen(
        self, record: Mapping[str, Any], row: Mapping[str, Any] | None = None
    ) -> ScreenResult:
        """Score, lane and reasons of one record (``row``: its :meth:`features`, if the caller
        has them already)."""
        row = dict(row) if row is not None else self.features(record)
        x = self.vector(row)
        p, contributions = self.model.predict_one(x)
        reasons = explain([row], contributions)[0]
        hit = [c for c in self.checks if check_matches(c, row)]
        lanes = {c.lane for c in hit}
        # Known-good supply chains and cloned codes (redlane.brands.known_good).
        p, brand_reasons = self.brand_evidence.adjust_one(row, p, bool(lanes & {"red", "yellow"}))
        reasons += brand_reasons
        ev = p * float(row["est_seizure_value"])
        if "red" in lanes or p >= self.red_at:
            lane = "red"
        elif "yellow" in lanes or p >= self.yellow_at:
            lane = "yellow"
        elif "green" in lanes:
            lane = "green"
        else:
            lane = "notify" if "notify" in lanes else "green"
        return ScreenResult(
            hawb=record.get("hawb"),
            score=p,
            expected_value=ev,
            lane=lane,
            reasons=[self.lane_reason(lane, p, hit)] + [c.sentence() for c in hit] + reasons,
            lookout_hits=[c.key for c in hit if c.is_lookout],
            rule_hits=[c.key for c in hit if not c.is_lookout],
            matched_actor_ids=list(row["matched_actor_ids"]),
            model_version=self.model.version,
        )

    def lane_reason(self, lane: str, score: float, hit: list[Check]) -> str:
        """Why the record got its lane: the checks of that lane, else its score against the
        lane thresholds, in plain words."""
        deciding = [c.label for c in hit if c.lane == lane]
        if deciding:
            return f"{lane} lane: required by {', '.join(deciding)}"
        shown = format_score(score)
        if lane == "red":
            return (
                f"red lane: score {shown} is at or above the inspection threshold {self.red_at:.3f}"
            )
        if lane == "yellow":
            return (
                f"yellow lane: score {shown} is at or above the document-check threshold "
                f"{self.yellow_at:.3f}"
            )
        return (
            f"{lane} lane: score {shown} is below the document-check threshold {self.yellow_at:.3f}"
        )

    def screen_batch(self, records: Iterable[Mapping[str, Any]]) -> list[ScreenResult]:
        return [self.screen(r) for r in records]
