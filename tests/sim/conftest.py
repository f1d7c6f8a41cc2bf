"""A small simulated world shared by the simulator's tests (built once per test process)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from redlane.sim import WorldSummary, generate_world

PARCELS = 4000
DAYS = 7
SEED = 7


@dataclass
class World:
    path: Path
    summary: WorldSummary
    stages: list[tuple[str, int, int]]

    def truth(self, name: str) -> list[dict[str, object]]:
        return pq.read_table(self.path / "truth" / f"{name}.parquet").to_pylist()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("sim") / "world"
    stages: list[tuple[str, int, int]] = []
    summary = generate_world(
        path,
        seed=SEED,
        parcels=PARCELS,
        days=DAYS,
        progress=lambda s, d, t: stages.append((s, d, t)),
    )
    return World(path, summary, stages)
