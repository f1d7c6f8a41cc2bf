"""Same seed and arguments, same bytes in every file; another seed, another world."""

from __future__ import annotations

import hashlib
from pathlib import Path

from redlane.sim import generate_world
from tests.sim.conftest import DAYS, PARCELS, SEED


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(world, tmp_path):
    again = generate_world(tmp_path / "again", seed=SEED, parcels=PARCELS, days=DAYS)
    assert digests(tmp_path / "again") == digests(world.path)
    assert again.files == world.summary.files


def test_another_seed_gives_another_world(tmp_path):
    generate_world(tmp_path / "a", seed=1, parcels=500, days=2)
    generate_world(tmp_path / "b", seed=2, parcels=500, days=2)
    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert a["carrier/aed_20250601.csv"] != b["carrier/aed_20250601.csv"]


def test_rerun_into_the_same_folder_leaves_no_stale_day_files(tmp_path):
    generate_world(tmp_path, seed=1, parcels=500, days=4)
    generate_world(tmp_path, seed=1, parcels=500, days=2)
    assert sorted(p.name for p in (tmp_path / "carrier").iterdir()) == [
        "aed_20250601.csv",
        "aed_20250602.csv",
    ]
