"""Authentication codes for a simulated world: drawn apart from it, the same per seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from redlane.sim import generate_world
from redlane.sim.serials import draw_codes


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def test_codes_are_reproducible_and_leave_the_world_untouched(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, seed=3, parcels=3000, days=6)
    before = _digest(world)
    first, second = draw_codes(world, 3), draw_codes(world, 3)
    assert _digest(world) == before
    assert first == second
    assert draw_codes(world, 4).carried != first.carried
    enrolled = {c for codes in first.enrolled.values() for c in codes}
    for hawb, kind in first.kind.items():
        carried = first.carried[hawb]
        if kind in ("genuine", "cloned"):
            assert carried and set(carried) <= set(first.enrolled[first.brand[hawb]])
        elif kind == "invented":
            assert carried and not set(carried) & enrolled
        else:
            assert carried == []
    assert {"genuine", "cloned"} <= set(first.kind.values())
