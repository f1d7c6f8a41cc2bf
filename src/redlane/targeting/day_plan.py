"""Plans for every port of a day, in the memory of the largest port rather than of the day.

``redlane target plan --all-ports``: the day's features are computed once (one feature query,
not one per port) and handed over by port (:mod:`redlane.targeting.day_source`: on DuckDB
written by port, :mod:`redlane.targeting.day_features`; on Spark computed and scored on the
executors); each port is then planned under its capacity on the driver, stored, audited and its
holds written, as :func:`redlane.targeting.plan.plan_port_day` does for one port.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy.orm import Session

from redlane.brands.known_good import KnownGoodIndex
from redlane.errors import NotFound
from redlane.targeting.day_features import ports_in_order
from redlane.targeting.day_source import Engine, day_by_port
from redlane.targeting.features import day_where
from redlane.targeting.model import TargetModel
from redlane.targeting.plan import (
    DEFAULT_EXPLORATION,
    PlanResult,
    plan_and_store,
    plan_port_day,
    port_capacity,
    sync_ports,
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
    engine: Engine = "duckdb",
    home: Path | None = None,
    warehouse_path: Path | None = None,
) -> DayPlans:
    """Plan every port with arrivals on ``day``; ``on_port(port, shipments)`` before each.

    ``con`` comes from :func:`redlane.targeting.training.connect`; the caller commits ``session``.
    ``engine="spark"`` computes the features and scores on Spark (then ``home`` and
    ``warehouse_path``, what ``con`` was opened on, are needed); the plans are the same.
    """
    sync_ports(session, con)
    checks = active_checks(session)
    brand_evidence = KnownGoodIndex.load(session, con) or None
    result = DayPlans(day=day)
    with day_by_port(
        con, model, day_where(day), engine=engine, home=home, warehouse_path=warehouse_path
    ) as source:
        for port in ports_in_order(source.rows):
            if port is None:
                result.without_port = source.rows[port]
                continue
            try:
                capacity, documents = port_capacity(session, port)
            except NotFound:
                result.unknown_ports[port] = source.rows[port]
                continue
            if on_port is not None:
                on_port(port, source.rows[port])
            feats, probability = source.port(port)
            plan = plan_and_store(
                session,
                feats,
                model,
                checks,
                port=port,
                day=day,
                capacity=capacity,
                document_capacity=documents,
                exploration_rate=exploration_rate,
                seed=seed,
                brand_evidence=brand_evidence,
                actor=actor,
                user_id=user_id,
                out=out,
                probability=probability,
            )
            result.plans.append(plan)
    return result


def plan_one_port(
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
    engine: Engine = "duckdb",
    home: Path | None = None,
    warehouse_path: Path | None = None,
) -> PlanResult:
    """:func:`~redlane.targeting.plan.plan_port_day` on either engine: on Spark the port's
    features and scores are computed on the executors, the plan made on the driver."""

    def on_spark() -> tuple[pa.Table, npt.NDArray[np.float64] | None]:
        with day_by_port(
            con,
            model,
            day_where(day, port),
            engine=engine,
            home=home,
            warehouse_path=warehouse_path,
        ) as source:
            return source.port(port)

    return plan_port_day(
        session,
        con,
        model,
        port=port,
        day=day,
        actor=actor,
        exploration_rate=exploration_rate,
        seed=seed,
        out=out,
        user_id=user_id,
        port_day=None if engine == "duckdb" else on_spark,
    )
