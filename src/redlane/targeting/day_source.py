"""A day's features, one port at a time, from either engine.

What scores and plans a day (``redlane target score``, ``redlane target plan --all-ports``, the
day benchmark) asks the same two things of its engine: how many shipments each port has, and one
port's features (with the model's probabilities when the engine computed them already).

- DuckDB (:class:`DuckDBDay`): the day's features are written to Parquet sorted by port
  (:mod:`redlane.targeting.day_features`) and read back a port at a time; the driver scores them.
- Spark (:class:`~redlane.targeting.spark_day.ScoredDay`): features and scores are computed and
  cached on the executors; the driver takes a port's scored rows at a time.

Either way a port's rows come in the feature query's order, so a plan made from them is the same.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, Protocol

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.targeting.day_features import port_features, write_day_features
from redlane.targeting.model import TargetModel

Engine = Literal["duckdb", "spark"]
ENGINES: Final[tuple[Engine, ...]] = ("duckdb", "spark")


class DayByPort(Protocol):
    """Shipments per port (``None``: no port) and one port's features at a time."""

    rows: dict[str | None, int]

    def port(self, port: str | None) -> tuple[pa.Table, npt.NDArray[np.float64] | None]:
        """The port's features in the feature query's order, and the model's probabilities
        for them when already computed (``None``: the caller scores them)."""
        ...


@dataclass
class DuckDBDay:
    con: duckdb.DuckDBPyConnection
    path: Path
    rows: dict[str | None, int]

    def port(self, port: str | None) -> tuple[pa.Table, npt.NDArray[np.float64] | None]:
        return port_features(self.con, self.path, port), None


@contextmanager
def day_by_port(
    con: duckdb.DuckDBPyConnection,
    model: TargetModel,
    where: str,
    *,
    engine: Engine = "duckdb",
    home: Path | None = None,
    warehouse_path: Path | None = None,
    lap: Callable[[str], None] | None = None,
) -> Iterator[DayByPort]:
    """The shipments matching ``where`` (the feature query's condition) by port, on ``engine``.

    ``con``: a features connection (:func:`redlane.targeting.training.connect`). Spark also
    needs ``home`` and ``warehouse_path`` (what ``con`` was opened on). ``lap(stage)`` is called
    when the features (``"features"``) and, on Spark, the scores (``"score"``) are done.
    """
    if engine == "spark":
        from redlane.engine.spark import spark_session
        from redlane.targeting.spark_day import score_day

        if home is None or warehouse_path is None:
            raise ValueError("the Spark engine needs home and warehouse_path")
        scored = score_day(spark_session(), home, warehouse_path, con, model, where, lap=lap)
        try:
            yield scored
        finally:
            scored.release()
        return
    with tempfile.TemporaryDirectory(prefix="redlane-day-") as scratch:
        path = Path(scratch) / "features.parquet"
        rows = write_day_features(con, where, path)
        if lap is not None:
            lap("features")
        yield DuckDBDay(con, path, rows)
