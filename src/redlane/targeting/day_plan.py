"""Plans for every port of a day, in the memory of the largest port rather than of the day.

``redlane target plan --all-ports``: the day's features are computed once (one feature query,
not one per port) and written by port (:mod:`redlane.targeting.day_features`); each port is then
read back, planned under its capacity, stored, audited and its holds written, as
:func:`redlane.targeting.plan.plan_port_day` does for one port.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from redlane.brands.known_good import KnownGoodIndex
from redlane.errors import NotFound
from redlane.targeting.day_features import port_features, ports_in_order, write_day_features
from redlane.targeting.features import day_where
from redlane.targeting.model import TargetModel
from redlane.targeting.plan import (
    DEFAULT_EXPLORATION,
    PlanResult,
    make_plan,
    port_capacity,
    save_plan,
    sync_ports,
    write_holds,
)
from redlane.targeting.rules import active_checks


@dataclass
class DayPlans:
    day: str
    plans: list[PlanResult] = field(default_factory=list)
    # Ports with arrivals but no row in the ports table (no capacity to plan within).
    unknown_ports: dict[str, int] = field(default_factory=dict)
    # Shipments that name no port of entry (never planned).
    without_port: int = 0


def plan_day(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    model: TargetModel,
    *,
    day: str,
    actor: str,
    exploration_rate: float = DEFAULT_EXPLORATION,
    seed: int = 0,
    out: Path | None = None,
    user_id: int | None = None,
    on_port: Callable[[str, int], None] | None = None,
) -> DayPlans:
    """Plan every port with arrivals on ``day``; ``on_port(port, shipments)`` before each.

    ``con`` comes from :func:`redlane.targeting.training.connect`; the caller commits ``session``.
    """
    sync_ports(session, con)
    checks = active_checks(session)
    brand_evidence = KnownGoodIndex.load(session, con) or None
    result = DayPlans(day=day)
    with tempfile.TemporaryDirectory(prefix="redlane-day-") as scratch:
        path = Path(scratch) / "features.parquet"
        rows = write_day_features(con, day_where(day), path)
        for port in ports_in_order(rows):
            if port is None:
                result.without_port = rows[port]
                continue
            try:
                capacity, documents = port_capacity(session, port)
            except NotFound:
                result.unknown_ports[port] = rows[port]
                continue
            if on_port is not None:
                on_port(port, rows[port])
            plan = make_plan(
                port_features(con, path, port),
                model,
                checks,
                port=port,
                day=day,
                capacity=capacity,
                document_capacity=documents,
                exploration_rate=exploration_rate,
                seed=seed,
                brand_evidence=brand_evidence,
            )
            save_plan(session, plan, actor, user_id)
            if out is not None:
                write_holds(plan, out)
            result.plans.append(plan)
    return result
