"""Operating days on the demo world (``redlane demo``): the product used as people use it.

The demo's history is the world's files up to the last few days. Those days are then played one
at a time, each as customs would live it: the day's advance data arrives (carrier AED and
customs entries) and is ingested and resolved; every port with arrivals gets its inspection plan
(the champion model, the shipped counterfeit rule pack and the lookouts in force); officers open
the red-lane parcels and the simulator's truth tells what they find (the lab's ``Oracle``: read
only for the parcels opened), recorded through :func:`redlane.targeting.outcomes.record_outcome`
with the plan they came from; the investigator files actor lookouts on the shippers behind the
seizures. The simulator's own inspection files of those days are left out: redlane's plans
decide what is opened. Between the last two days the demo retrains the model
(:func:`retrain_champion`, champion against challenger), so the last day is planned by the winner.

Then the partners act: the marketplace takes down a seller behind seized parcels (a takedown
record in its own feed format, ingested like any partner file), the rights holder enrols its
units' authentication codes, officers scan two counterfeit parcels that carry the same cloned
code (the second scan answers ``cloned``), and the rights holder flags a listing that a customs
analyst accepts as a lookout. Every write goes through the
code the service and the command line use (``targeting.plan``, ``targeting.outcomes``,
``targeting.decisions``, ``targeting.training``, ``brands.flags``, ``brands.codes``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.brands import codes, flags
from redlane.brands.scope import CliCaller, holder_of, scope_for
from redlane.config import Settings
from redlane.engine.warehouse import Warehouse
from redlane.errors import NotReady
from redlane.feeds.ingest import ingest_paths
from redlane.lab.targeting_loop import LOOKOUT_DAYS, LOOKOUT_MAX_RECENT, Oracle
from redlane.store.brand_models import Brand
from redlane.store.db import session_scope
from redlane.store.models import User
from redlane.targeting import decisions
from redlane.targeting.model import TargetModel, load_champion, promote, save_model, train
from redlane.targeting.outcomes import record_outcome
from redlane.targeting.plan import PlanResult, plan_port_day
from redlane.targeting.rules import COUNTERFEIT_PACK
from redlane.targeting.training import Comparison, connect, retrain

OPERATING_DAYS: Final = 3
SYSTEM: Final = "system:demo"
# Day files carry their date in the name (``aed_20250630.csv``); other files are reference data.
_DAY_FILE: Final = re.compile(r"_(\d{8})$")
# The simulator's own inspections of a day: left out of the operating days.
_SIM_INSPECTIONS: Final = "inspections"
INSPECTED_AFTER_ARRIVAL: Final = timedelta(hours=1)


# --- the world's files: history and operating days ---------------------------------------------
@dataclass
class WorldSplit:
    history: list[Path]
    days: dict[date, list[Path]]  # operating day -> the day's AED and entries files
    held_out: list[Path]  # the simulator's own inspections of the operating days


def _file_day(path: Path) -> date | None:
    found = _DAY_FILE.search(path.stem)
    return datetime.strptime(found.group(1), "%Y%m%d").date() if found else None


def split_world(world: Path, operating_days: int = OPERATING_DAYS) -> WorldSplit:
    """The world's partner files (never ``truth/``): history, and the last ``operating_days``
    days' files to be played one day at a time."""
    files = sorted(
        f for f in world.rglob("*") if f.is_file() and "truth" not in f.relative_to(world).parts
    )
    dated = sorted({d for f in files if (d := _file_day(f)) is not None})
    playing = set(dated[-operating_days:]) if operating_days > 0 else set()
    split = WorldSplit(history=[], days={d: [] for d in sorted(playing)}, held_out=[])
    for f in files:
        day = _file_day(f)
        if day not in playing:
            split.history.append(f)
        elif f.stem.startswith(_SIM_INSPECTIONS):
            split.held_out.append(f)
        else:
            assert day is not None
            split.days[day].append(f)
    return split


# --- the model the service has before the operating days ----------------------------------------
def train_history_model(home: Path, con: duckdb.DuckDBPyConnection, before: date) -> TargetModel:
    """Train on the inspections of parcels that arrived before ``before`` and make it the
    champion (``redlane target train`` on the history alone)."""
    from redlane.targeting.features import labelled_features, reference_features

    where = f"k.arrival_date < DATE '{before.isoformat()}'"
    model = train(labelled_features(con, where=where), reference=reference_features(con, where))
    save_model(home, model)
    promote(home, model)
    return model


def add_rule_pack(session: Session, settings: Settings, valid_from: datetime) -> list[str]:
    """The shipped counterfeit rule pack, in force from ``valid_from`` (the world's start)."""
    analyst = _person(session, "analyst")
    present = {r["name"] for r in decisions.rule_rows(session) if r["active"]}
    definitions = [
        dict(d, valid_from=valid_from) for d in COUNTERFEIT_PACK if d["name"] not in present
    ]
    if not definitions:
        return []
    where = (settings.home, settings.warehouse_path)
    rules = decisions.create_rules(session, analyst, definitions, where)
    return [f"rule {r.id}: {r.name}" for r in rules]


def history_lookouts(settings: Settings, valid_from: datetime, day: date) -> list[str]:
    """The investigator's lookouts on the shippers behind the history's seizures (the
    warehouse's inspections), in force from ``valid_from``."""
    con = connect(settings.home, settings.warehouse_path, settings.duckdb_memory_limit)
    try:
        seized = [
            str(h)
            for (h,) in con.execute(
                "SELECT DISTINCT hawb FROM inspections WHERE outcome = 'seized' ORDER BY 1"
            ).fetchall()
        ]
        with session_scope(settings.database) as session:
            investigator = _person(session, "investigator")
            return file_lookouts(session, con, investigator, seized, day, valid_from)
    finally:
        con.close()


def _person(session: Session, username: str) -> decisions.Person:
    """A demo user as the actor of a decision (``ensure_demo_users`` made them)."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotReady(f"no user {username!r}: create the demo users first")
    return decisions.Person(user.username, user.id, user.partner_id)


def _caller(session: Session, username: str) -> CliCaller:
    person = _person(session, username)
    user = session.get(User, person.user_id)
    assert user is not None
    return CliCaller(user.username, user.role, user.partner_id, user.id)


# --- one operating day ------------------------------------------------------------------------
@dataclass
class PortDay:
    port: str
    shipments: int
    red: int
    capacity: int
    by_checks: int  # red-lane parcels put there by a rule or a lookout
    exploration: int
    seized: int
    model_version: str


@dataclass
class DayReport:
    day: date
    files: int
    rows: int
    ports: list[PortDay] = field(default_factory=list)
    lookouts: list[str] = field(default_factory=list)
    seized_hawbs: list[str] = field(default_factory=list)

    @property
    def inspected(self) -> int:
        return sum(p.red for p in self.ports)

    @property
    def seized(self) -> int:
        return sum(p.seized for p in self.ports)


@dataclass
class Truth:
    """What the simulator knows of a parcel: read only once an officer opens it."""

    oracle: Oracle
    parcels: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, world: Path) -> Truth:
        con = duckdb.connect()
        try:
            cur = con.execute(
                "SELECT hawb, is_counterfeit, coalesce(msrp_value, 0.0), units, brand_id,"
                " seller_id, ring_id"
                f" FROM read_parquet('{world / 'truth' / 'shipments.parquet'}')"
            )
            rows = cur.fetchall()
        finally:
            con.close()
        parcels = {
            str(h): {"fake": bool(f), "value": float(v), "units": u, "brand": b, "seller": s}
            for h, f, v, u, b, s, _ring in rows
        }
        oracle = Oracle({h: (p["fake"], p["value"]) for h, p in parcels.items()})
        return cls(oracle, parcels)

    def open(self, hawb: str) -> dict[str, Any]:
        """What an officer finds in the parcel: seized (with brand, units, value) or cleared."""
        fake, value = self.oracle.inspect(hawb)
        if not fake:
            return {"outcome": "cleared"}
        parcel = self.parcels[hawb]
        return {
            "outcome": "seized",
            "brand": parcel["brand"],
            "seized_quantity": parcel["units"],
            "seized_value": round(value, 2),
        }


def play_day(
    settings: Settings,
    truth: Truth,
    day: date,
    files: Sequence[Path],
    valid_from: datetime,
) -> DayReport:
    """One operating day: ingest and resolve the day's files, plan every port, open the red
    lane, record what was found, file lookouts on the seizures' shippers."""
    from redlane.brands.cloned import register_cloned_refs
    from redlane.resolve.run import resolve

    results = ingest_paths(list(files), Warehouse(settings.warehouse_path))
    report = DayReport(day, len(files), sum(r.loaded for r in results))
    resolve(
        settings.warehouse_path,
        settings.home,
        memory_limit=settings.duckdb_memory_limit,
        links=(register_cloned_refs,),
    )
    con = connect(settings.home, settings.warehouse_path, settings.duckdb_memory_limit)
    try:
        model = load_champion(settings.home)
        ports = [
            str(p)
            for (p,) in con.execute(
                "SELECT DISTINCT port_of_entry FROM aed_shipments"
                " WHERE CAST(expected_arrival AS DATE) = ? ORDER BY 1",
                [day],
            ).fetchall()
        ]
        with session_scope(settings.database) as session:
            officer = _person(session, "officer")
            for port in ports:
                result = plan_port_day(
                    session,
                    con,
                    model,
                    port=port,
                    day=day.isoformat(),
                    actor=SYSTEM,
                    out=settings.home / "plans",
                )
                report.ports.append(_inspect(session, result, truth, officer, report))
        with session_scope(settings.database) as session:
            investigator = _person(session, "investigator")
            report.lookouts = file_lookouts(
                session, con, investigator, report.seized_hawbs, day, valid_from
            )
    finally:
        con.close()
    return report


def _inspect(
    session: Session,
    plan: PlanResult,
    truth: Truth,
    officer: decisions.Person,
    report: DayReport,
) -> PortDay:
    """Officers open the plan's red lane; each finding is recorded against the plan."""
    red = plan.lane("red")
    seized = 0
    for item in red:
        found = truth.open(item.hawb)
        arrival = datetime.fromisoformat(plan.day).replace(tzinfo=UTC) + timedelta(hours=12)
        outcome = {
            "carrier": item.carrier,
            "hawb": item.hawb,
            "port_code": plan.port,
            "inspected_at": (arrival + INSPECTED_AFTER_ARRIVAL).isoformat(),
            "plan_id": plan.plan_id,
            **found,
        }
        record_outcome(session, outcome, officer.name, officer.user_id)
        if found["outcome"] == "seized":
            seized += 1
            report.seized_hawbs.append(item.hawb)
    return PortDay(
        port=plan.port,
        shipments=plan.shipments,
        red=len(red),
        capacity=plan.capacity,
        by_checks=sum(i.selected_by in ("rule", "lookout") for i in red),
        exploration=sum(i.selected_by == "exploration" for i in red),
        seized=seized,
        model_version=plan.model_version,
    )


def file_lookouts(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    investigator: decisions.Person,
    seized_hawbs: Sequence[str],
    day: date,
    valid_from: datetime,
) -> list[str]:
    """Actor lookouts on the resolved shippers of seized parcels, from ``valid_from`` (the
    demo passes the world's start) to ``LOOKOUT_DAYS`` after ``day``; a
    shipper with more than ``LOOKOUT_MAX_RECENT`` parcels on record (a forwarder, a busy
    exporter) singles no one out and gets none (as in the lab's closed loop)."""
    if not seized_hawbs:
        return []
    rows = con.execute(
        "WITH s AS (SELECT DISTINCT actor_id FROM party_actors WHERE source_table ="
        " 'aed_shipments' AND role = 'shipper' AND list_contains(?, record_key))"
        " SELECT s.actor_id, count(p.record_key) FROM s JOIN party_actors p USING (actor_id)"
        " WHERE p.source_table = 'aed_shipments' AND p.role = 'shipper' GROUP BY 1 ORDER BY 1",
        [list(seized_hawbs)],
    ).fetchall()
    known = {
        lk["criteria"].get("actor_id")
        for lk in decisions.lookout_rows(session)
        if lk["kind"] == "actor" and lk["active"]
    }
    filed = []
    until = datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=LOOKOUT_DAYS)
    for actor_id, parcels in rows:
        if parcels > LOOKOUT_MAX_RECENT or actor_id in known:
            continue
        lookout = decisions.create_lookout(
            session,
            investigator,
            {
                "kind": "actor",
                "criteria": {"actor_id": str(actor_id)},
                "lane": "red",
                "reason": f"shipper behind a parcel seized by {day}",
                "valid_from": valid_from,
                "valid_to": until,
            },
            None,
        )
        filed.append(f"lookout {lookout.id}: actor {actor_id}")
    return filed


def retrain_champion(settings: Settings, window_days: int = 7) -> Comparison:
    """``redlane target retrain``: a challenger on labels before the window, promoted only if
    better there. Raises ``NotReady`` when the window is too thin to compare on."""
    con = connect(settings.home, settings.warehouse_path, settings.duckdb_memory_limit)
    try:
        return retrain(settings.home, con, window_days)
    finally:
        con.close()


# --- the partners act ---------------------------------------------------------------------------
@dataclass
class Takedown:
    takedown_id: str
    seller_id: str
    listing_id: str | None
    file: Path
    rows: int


def marketplace_takedown(
    settings: Settings, truth: Truth, seized_hawbs: Sequence[str], at: datetime
) -> Takedown | None:
    """The marketplace closes the seller behind the most seized parcels: one takedown record in
    its feed format, dropped in ``HOME/inbox/`` and ingested like any partner file."""
    sellers: dict[str, int] = {}
    for hawb in seized_hawbs:
        seller = truth.parcels.get(hawb, {}).get("seller")
        if seller:
            sellers[seller] = sellers.get(seller, 0) + 1
    store = Warehouse(settings.warehouse_path)
    con = store.connect()
    try:
        if not sellers:  # no seizure named a seller: the seller of the most counterfeit parcels
            found = con.execute(
                "SELECT seller_ref, count(*) FROM aed_shipments WHERE seller_ref IS NOT NULL"
                " AND hawb IN (SELECT hawb FROM inspections WHERE outcome = 'seized') GROUP BY 1"
            ).fetchall()
            sellers = {str(s): int(n) for s, n in found}
        if not sellers:
            return None
        seller = min(sellers, key=lambda s: (-sellers[s], s))
        listing = con.execute(
            "SELECT listing_id FROM mp_listings WHERE seller_id = ? ORDER BY listed_at DESC"
            " LIMIT 1",
            [seller],
        ).fetchall()
    finally:
        con.close()
    listing_id = str(listing[0][0]) if listing else None
    takedown_id = f"T-DEMO-{at:%Y%m%d}"
    record: dict[str, Any] = {
        "record_type": "takedown",
        "takedown_id": takedown_id,
        "seller_id": seller,
        "reason": "counterfeit",
        "account_closed": True,
        "taken_down_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if listing_id:
        record["listing_id"] = listing_id
    inbox = settings.home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"marketplace-takedowns-{at:%Y%m%d}.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    results = ingest_paths([path], store)
    return Takedown(takedown_id, seller, listing_id, path, sum(r.loaded for r in results))


@dataclass
class BrandDay:
    brand: str
    enrolled: int
    scans: list[tuple[str, dict[str, int]]]  # (hawb, verdict -> codes) in scan order
    flag_id: int | None
    flag_target: str | None
    lookout_id: int | None


def brand_protection(
    settings: Settings, world: Path, seed: int, truth: Truth, seized_hawbs: Sequence[str]
) -> BrandDay | None:
    """The demo rights holder enrols its units' codes, an officer scans a seized parcel's codes,
    the rights holder flags a counterfeit seller's listing and an analyst accepts the flag."""
    from redlane.sim.serials import draw_codes

    serials = draw_codes(world, seed)
    key = codes.load_code_key(settings.home)
    with session_scope(settings.database) as session:
        rights = _caller(session, "rights")
        holder = holder_of(session, rights)
        if holder is None:
            return None
        owned = {
            b.brand_ref: b
            for b in session.scalars(select(Brand).where(Brand.rights_holder_id == holder.id))
        }
        brand = _busiest_counterfeit_brand(truth, owned, seized_hawbs)
        if brand is None:
            return None
        holder_scope = scope_for(session, rights)
        enrolled = serials.enrolled.get(brand.brand_ref, [])
        for start in range(0, len(enrolled), codes.MAX_CODES_PER_CALL):
            chunk = enrolled[start : start + codes.MAX_CODES_PER_CALL]
            codes.enrol(session, holder_scope, key, brand.brand_ref, chunk, batch="demo")
        scans = _scan_seized(session, key, serials, brand, seized_hawbs)
        flag, lookout = _flag_and_accept(session, settings, rights, brand, truth)
        return BrandDay(
            brand=brand.name,
            enrolled=len(enrolled),
            scans=scans,
            flag_id=flag.id if flag else None,
            flag_target=f"{flag.target_kind} {flag.target_ref}" if flag else None,
            lookout_id=lookout,
        )


def _busiest_counterfeit_brand(
    truth: Truth, owned: dict[str, Brand], seized_hawbs: Sequence[str]
) -> Brand | None:
    """The holder's brand seized most in the operating days, else faked most in the world."""
    for hawbs in (seized_hawbs, list(truth.parcels)):
        counts: dict[str, int] = {}
        for hawb in hawbs:
            parcel = truth.parcels.get(hawb, {})
            if parcel.get("fake") and parcel.get("brand") in owned:
                counts[parcel["brand"]] = counts.get(parcel["brand"], 0) + 1
        if counts:
            return owned[min(counts, key=lambda b: (-counts[b], b))]
    return next(iter(owned.values()), None)


def _scan_seized(
    session: Session,
    key: bytes,
    serials: Any,
    brand: Brand,
    seized_hawbs: Sequence[str],
) -> list[tuple[str, dict[str, int]]]:
    """Officers scan, through ``codes.authenticate``, the codes on two counterfeit parcels of
    the brand that carry the same cloned code (one of them seized in the operating days when
    there is such a pair): the second scan finds the code seen before elsewhere."""
    seized = set(seized_hawbs)
    holders: dict[str, list[str]] = {}
    for hawb in sorted(serials.carried):
        if serials.brand.get(hawb) == brand.brand_ref and serials.kind.get(hawb) == "cloned":
            for code in sorted(set(serials.carried[hawb])):
                holders.setdefault(code, []).append(hawb)
    pairs = [hawbs[:2] for hawbs in holders.values() if len(hawbs) >= 2]
    if not pairs:
        return []
    pair = min(pairs, key=lambda hs: (not seized.intersection(hs), hs))
    officer = _caller(session, "officer")
    scanned = []
    for hawb in pair:
        results = codes.authenticate(
            session,
            scope_for(session, officer),
            key,
            serials.carried[hawb],
            codes.Context("shipment", f"EXPR/{hawb}"),
            brand_ref=brand.brand_ref,
        )
        verdicts: dict[str, int] = {}
        for r in results:
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
        scanned.append((hawb, verdicts))
    return scanned


def _flag_and_accept(
    session: Session, settings: Settings, rights: CliCaller, brand: Brand, truth: Truth
) -> tuple[Any, int | None]:
    """The rights holder flags the listing of the seller behind most fakes of the brand (its
    test buys would have shown it); a targeting analyst accepts it as a yellow-lane lookout."""
    sellers: dict[str, int] = {}
    for parcel in truth.parcels.values():
        if parcel["fake"] and parcel["brand"] == brand.brand_ref and parcel["seller"]:
            sellers[parcel["seller"]] = sellers.get(parcel["seller"], 0) + 1
    if not sellers:
        return None, None
    con = Warehouse(settings.warehouse_path).connect()
    try:
        ranked = sorted(sellers, key=lambda s: (-sellers[s], s))
        found = con.execute(
            "SELECT listing_id, seller_id FROM mp_listings WHERE list_contains(?, seller_id)"
            " ORDER BY listed_at DESC",
            [ranked],
        ).fetchall()
        listing = min(found, key=lambda r: (ranked.index(str(r[1])), str(r[0])), default=None)
        kind, ref = ("listing", str(listing[0])) if listing else ("seller", ranked[0])
        scope = scope_for(session, rights)
        existing = [f for f in flags.flags_for(session, scope) if f["target_ref"] == ref]
        if existing:
            return None, None
        flag = flags.create_flag(
            session,
            scope,
            brand.brand_ref,
            target_kind=kind,
            target_ref=ref,
            reason=f"test buys from this {kind} were counterfeit {brand.name}",
            con=con,
        )
        analyst = _caller(session, "analyst")
        decided = flags.decide(
            session, analyst, flag.id, accept=True, reason="seller matches seized parcels", con=con
        )
    finally:
        con.close()
    return flag, decided.lookout_id
