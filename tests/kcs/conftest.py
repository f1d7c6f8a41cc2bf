"""Small KCS-shaped declaration files, made here (the tests never need the real data set)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from redlane.kcs.data import CATEGORICAL, CRITICAL, DATE, FRAUD, ID, NUMERIC

COLUMNS = (
    ID,
    DATE,
    *CATEGORICAL[:13],
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
    FRAUD,
    CRITICAL,
)
assert set(COLUMNS) == {ID, DATE, *CATEGORICAL, *NUMERIC, FRAUD, CRITICAL}


def make_rows(
    n: int, seed: int = 0, start: str = "2020-01-01", days: int = 360
) -> list[dict[str, str]]:
    """Declarations whose fraud depends on HS code x origin and on under-declared price,
    and whose critical fraud sits on a few risky HS codes, as in the KCS data."""
    rng = np.random.default_rng(seed)
    hs = [f"{rng.integers(1000, 9999)}{rng.integers(100000, 999999)}" for _ in range(60)]
    origins = ["CN", "US", "JP", "DE", "VN"]
    risky = {(h, o) for h in hs[:15] for o in origins[:2]}
    critical_hs = set(hs[:4])
    rows = []
    dates = np.datetime64(start) + np.sort(rng.integers(0, days, n))
    for i in range(n):
        h = hs[int(rng.zipf(1.5)) % len(hs)]
        o = origins[int(rng.integers(0, len(origins)))]
        mass = float(rng.lognormal(4, 1.5))
        price = float(mass * rng.lognormal(8, 0.5))
        p = 0.05 + 0.6 * ((h, o) in risky) + 0.2 * (price / mass < 2000)
        fraud = int(rng.random() < min(p, 0.95))
        crit = 2 if fraud and h in critical_hs and rng.random() < 0.6 else fraud
        rows.append(
            {
                ID: str(10_000_000 + i * 7),
                DATE: str(dates[i]),
                "Office ID": str(rng.choice([20, 30, 40])),
                "Process Type": "B",
                "Import Type": "11",
                "Import Use": str(rng.choice([11, 21])),
                "Payment Type": "11",
                "Mode of Transport": str(rng.choice([10, 40])),
                "Declarant ID": f"D{rng.integers(0, 30)}",
                "Importer ID": f"I{rng.integers(0, 400)}",
                "Seller ID": "" if rng.random() < 0.1 else f"S{rng.integers(0, 300)}",
                "Courier ID": "" if rng.random() < 0.8 else f"C{rng.integers(0, 5)}",
                "HS10 Code": h,
                "Country of Departure": o,
                "Country of Origin": o,
                "Tax Rate": str(rng.choice([0.0, 8.0, 6.5])),
                "Tax Type": str(rng.choice(["A", "C"])),
                "Country of Origin Indicator": str(rng.choice(["B", "E", "G"])),
                "Net Mass": f"{mass:.1f}",
                "Item Price": f"{price:.2f}",
                FRAUD: str(fraud),
                CRITICAL: str(crit),
            }
        )
    return rows


def write_rows(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


FAST = ("--bags", "2", "--fraud-rounds", "40", "--critical-rounds", "30", "--fraud-leaves", "15")


@pytest.fixture(scope="session")
def kcs_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """3,000 training rows, 400 later labelled rows, and the same 400 without labels."""
    folder = tmp_path_factory.mktemp("kcs")
    rows = make_rows(3400, seed=3)
    unlabelled = tuple(c for c in COLUMNS if c not in (FRAUD, CRITICAL))
    return {
        "train": write_rows(folder / "train.csv", rows[:3000]),
        "later": write_rows(folder / "later.csv", rows[3000:]),
        "unlabelled": write_rows(folder / "unlabelled.csv", rows[3000:], unlabelled),
    }


@pytest.fixture(scope="session")
def kcs_model(kcs_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained through the CLI (few rounds, to stay fast)."""
    from typer.testing import CliRunner

    from redlane.cli.kcs_cmds import kcs_app

    model_dir = tmp_path_factory.mktemp("kcs-model")
    args = ["train", "--train", str(kcs_files["train"]), "--model-dir", str(model_dir), *FAST]
    result = CliRunner().invoke(kcs_app, args)
    assert result.exit_code == 0, result.output
    return model_dir


def copy_model(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return target
