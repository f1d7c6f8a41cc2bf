"""``redlane names bench``: runs every mode in fresh processes and writes the documented keys
(no timed assertion: the figures depend on the machine)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from redlane.bench import names_bench as name_bench
from redlane.bench.names_bench import blocked_name_pairs
from redlane.cli.names_cmds import names_app

runner = CliRunner()

NAMES = ["acme trading", "acme tradng", "trading acme", "zeta logistics", "zeta logistic"]


def signatures(path: Path) -> Path:
    """A signatures table as a resolution run writes it, the columns the blocking rules read."""
    con = duckdb.connect()
    con.execute(
        """
        CREATE TABLE s AS SELECT
            'sig' || i::VARCHAR AS unique_id, name AS name_norm,
            array_to_string(list_sort(string_split(name, ' ')), ' ') AS name_sorted,
            replace(name, ' ', '') AS name_joined,
            'CN' AS country, CASE WHEN i % 2 = 0 THEN '+86 1' END AS phone,
            NULL::VARCHAR AS email, NULL::VARCHAR AS bank_account, NULL::VARCHAR AS device_id,
            NULL::VARCHAR AS ip_address, NULL::VARCHAR AS registry_id, NULL::VARCHAR AS handle,
            NULL::VARCHAR AS address_core
        FROM (SELECT unnest(?) AS name, unnest(range(5)) AS i)
        """,
        [NAMES],
    )
    con.execute(f"COPY s TO '{path}' (FORMAT parquet)")
    return path


def test_blocked_pairs_follow_the_blocking_rules(tmp_path: Path) -> None:
    path = signatures(tmp_path / "signatures.parquet")
    pairs = blocked_name_pairs(f"read_parquet('{path}')", 100)
    # same phone (sig0, sig2, sig4), or the same sorted words and country (sig0, sig2)
    assert sorted(tuple(sorted(p)) for p in pairs) == sorted(
        [("acme trading", "trading acme"), ("acme trading", "zeta logistic"),
         ("trading acme", "zeta logistic")]
    )  # fmt: skip


def test_bench_in_process_writes_the_documented_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's wiring and figures, each mode run in this process (fast: no child has to load
    rigour's taggers again); the next test runs the real fresh processes."""
    monkeypatch.setattr(name_bench, "_in_fresh_process", name_bench._child)
    check_bench(tmp_path)


@pytest.mark.slow  # three fresh processes, each loading rigour's taggers (~10 s of CPU)
def test_bench_writes_the_documented_figures(tmp_path: Path) -> None:
    check_bench(tmp_path)


def check_bench(tmp_path: Path) -> None:
    path = signatures(tmp_path / "signatures.parquet")
    out = tmp_path / "bench.json"
    result = runner.invoke(
        names_app,
        ["bench", "--pairs", "200", "--runs", "1", "--signatures", str(path), "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "resolution pairs, batch scorer" in result.output
    figures = json.loads(out.read_text())
    assert set(figures) == {
        "runs", "resolution", "batch_generated", "compare_fresh", "compare_new_names",
        "compare_repeated", "generated_pairs",
    }  # fmt: skip
    assert figures["resolution"]["pairs"] == 3
    assert figures["resolution"]["distinct_names"] == 3
    assert figures["batch_generated"]["pairs"] == figures["generated_pairs"] > 150
    for value in (
        figures["resolution"]["pairs_per_s"],
        figures["resolution"]["differing_pairs_per_s"],
        figures["batch_generated"]["pairs_per_s"],
        figures["compare_fresh"],
        figures["compare_new_names"],
        figures["compare_repeated"],
    ):
        assert value > 0
