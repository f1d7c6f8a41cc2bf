"""Every file the simulator writes follows the feed spec, except the rows broken on purpose."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

from redlane.model.spec import (
    CARRIER,
    CUSTOMS,
    INSPECTIONS,
    MARKETPLACE,
    PORTS,
    RECORDATIONS,
    SOCIAL,
)
from tests.sim.conftest import DAYS
from tests.sim.spec_check import csv_rows, jsonl_rows, row_errors

CSV_TABLES = {
    "aed": CARRIER.tables[0],
    "entries": CUSTOMS.tables[0],
    "inspections": INSPECTIONS.tables[0],
    "ports": PORTS.tables[0],
}


def injected_by_line(world) -> dict[tuple[str, int], dict[str, object]]:
    return {(r["file"], r["line"]): r for r in world.truth("injected_errors")}


def test_output_layout_is_exactly_the_partner_folders(world):
    top = sorted(p.name for p in world.path.iterdir())
    assert top == ["carrier", "customs", "marketplace", "rights_holders", "social", "truth"]
    tags = [(date(2025, 6, 1) + timedelta(days=d)).strftime("%Y%m%d") for d in range(DAYS)]
    assert sorted(p.name for p in (world.path / "carrier").iterdir()) == [
        f"aed_{t}.csv" for t in tags
    ]
    customs = sorted(p.name for p in (world.path / "customs").iterdir())
    assert customs == sorted(
        [f"entries_{t}.csv" for t in tags] + [f"inspections_{t}.csv" for t in tags] + ["ports.csv"]
    )
    assert [p.name for p in (world.path / "marketplace").iterdir()] == ["marketplace.jsonl"]
    assert [p.name for p in (world.path / "social").iterdir()] == ["posts.jsonl"]
    assert all(p.suffix in (".parquet", ".json") for p in (world.path / "truth").iterdir())


def _check_csv(world, rel, table, injected, seen):
    header, rows = csv_rows(world.path / rel)
    assert header == list(table.field_names()), rel
    keys = set()
    n = 0
    for line, record in rows:
        n += 1
        errors = row_errors(table, record)
        bad = injected.get((rel, line))
        if bad is None:
            assert not errors, f"{rel}:{line}: {errors}"
        else:
            seen.add((rel, line))
            assert set(errors) == {bad["field"]}, f"{rel}:{line}: {errors} vs {bad}"
            assert record[table.key[-1]] == bad["record_key"]
        keys.add(tuple(record[k] for k in table.key))
    return n, keys


def test_csv_files_follow_the_spec_and_break_only_where_recorded(world):
    injected = injected_by_line(world)
    seen: set[tuple[str, int]] = set()
    rows: Counter[str] = Counter()
    keys: dict[str, set[tuple[str, ...]]] = {}
    for path in sorted(world.path.glob("c*/*.csv")):
        rel = path.relative_to(world.path).as_posix()
        kind = path.stem.split("_")[0]
        n, file_keys = _check_csv(world, rel, CSV_TABLES[kind], injected, seen)
        assert len(file_keys) == n, f"{rel}: natural keys repeat within the file"
        rows[kind] += n
        keys.setdefault(kind, set()).update(file_keys)
    assert seen == {k for k in injected if k[0].endswith(".csv")}
    # Across files a key repeats only where the carrier resent a row.
    assert len(keys["aed"]) == rows["aed"] - len(world.truth("resent"))
    assert all(len(keys[k]) == rows[k] for k in ("entries", "inspections", "ports"))


def test_jsonl_files_follow_the_spec_and_break_only_where_recorded(world):
    injected = injected_by_line(world)
    by_type = {t.record_type: t for t in MARKETPLACE.tables}
    kinds: Counter[str] = Counter()
    seen = set()
    for rel, pick in (
        ("marketplace/marketplace.jsonl", lambda r: by_type[r["record_type"]]),
        ("social/posts.jsonl", lambda r: SOCIAL.tables[0]),
    ):
        for line, record in jsonl_rows(world.path / rel):
            table = pick(record)
            kinds[table.name] += 1
            errors = row_errors(table, record)
            bad = injected.get((rel, line))
            if bad is None:
                assert not errors, f"{rel}:{line}: {errors}"
            else:
                seen.add((rel, line))
                assert set(errors) == {bad["field"]}, f"{rel}:{line}: {errors} vs {bad}"
    assert seen == {k for k in injected if k[0].endswith(".jsonl")}
    assert kinds["mp_sellers"] and kinds["mp_listings"] and kinds["mp_takedowns"]
    assert kinds["social_posts"]


def test_recordations_are_one_valid_document_per_rights_holder(world):
    brand_t, tm_t, pl_t, ap_t = RECORDATIONS.tables
    docs = sorted((world.path / "rights_holders").glob("*.json"))
    assert docs
    brand_ids = []
    for path in docs:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["feed"] == "recordations" and doc["rights_holder"]
        for brand in doc["brands"]:
            brand_ids.append(brand["brand_id"])
            assert not row_errors(brand_t, brand)
            assert brand["owner"] == doc["rights_holder"]
            assert 1 <= len(brand["trademarks"]) <= 3
            assert 1 <= len(brand["product_lines"]) <= 5
            for table, rows in (
                (tm_t, brand["trademarks"]),
                (pl_t, brand["product_lines"]),
                (ap_t, brand["authorized_parties"]),
            ):
                for row in rows:
                    assert not row_errors(table, {**row, "brand_id": brand["brand_id"]}), row
            for line in brand["product_lines"]:
                assert 0 < line["price_min"] < line["price_max"]
    assert len(brand_ids) == len(set(brand_ids)) >= 20


def test_injected_errors_are_rare_and_of_every_kind(world):
    rows = world.truth("injected_errors")
    total = sum(n for f, n in world.summary.files.items() if not f.startswith("rights_holders"))
    assert 0.0005 * total <= len(rows) <= 0.005 * total
    assert {r["kind"] for r in rows} >= {
        "missing_required",
        "invalid_country",
        "bad_date",
        "unparseable_number",
    }


def test_resent_rows_repeat_yesterdays_line_exactly(world):
    resent = world.truth("resent")
    assert resent, "some AED rows are resent"
    for r in resent:
        again = (world.path / r["file"]).read_text(encoding="utf-8").split("\n")[r["line"] - 1]
        first = (
            (world.path / r["original_file"])
            .read_text(encoding="utf-8")
            .split("\n")[r["original_line"] - 1]
        )
        assert again == first
        assert r["record_key"] in first
        assert r["file"] > r["original_file"]
