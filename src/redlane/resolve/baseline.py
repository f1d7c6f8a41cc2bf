"""The baseline resolution figures are compared with: Splink as its tutorials set it up.

Every party record goes in as it arrived (lower-cased, nothing else: no transliteration, legal
forms, phone or address normalisation, no folding of identical records, no flow links), with
Splink's library comparisons at their default thresholds, blocking on exact name, phone or
email (exact address blocks explode on forwarders' addresses), u by random
sampling, m by EM, and clusters at match probability 0.9.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl

from redlane.engine.sql import quote_literal
from redlane.engine.warehouse import Warehouse
from redlane.resolve.parties import IDENTIFIER_FIELDS, load_raw_parties
from redlane.resolve.splink_model import quiet_splink

BASELINE_THRESHOLD = 0.9

# Every identifying field of a party, as it arrived (lower-cased).
_FIELDS = IDENTIFIER_FIELDS


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="party_id",
        blocking_rules_to_generate_predictions=[
            block_on("name"),
            block_on("phone"),
            block_on("email"),
        ],
        comparisons=[
            cl.NameComparison("name"),
            cl.JaroWinklerAtThresholds("address"),
            cl.ExactMatch("country"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
            cl.ExactMatch("bank_account"),
            cl.ExactMatch("device_id"),
            cl.ExactMatch("ip_address"),
            cl.ExactMatch("handle"),
            cl.ExactMatch("registry_id"),
        ],
    )


def baseline_resolve(warehouse_path: Path, out: Path, memory_limit: str = "") -> int:
    """Resolve with the baseline; write (source_table, record_key, role, actor_id) to ``out``.

    Returns the number of parties.
    """
    quiet_splink()
    con = Warehouse(warehouse_path).connect(memory_limit=memory_limit)
    load_raw_parties(con)
    lowered = ", ".join(f"nullif(lower(trim({f})), '') AS {f}" for f in _FIELDS)
    con.execute(f"CREATE TABLE baseline_input AS SELECT party_id, {lowered} FROM raw_parties")
    db = DuckDBAPI(connection=con)
    linker = Linker(db.register("baseline_input", dataset_display_name="parties"), _settings())
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("name"), block_on("phone")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception:  # noqa: BLE001 - a failed EM session leaves Splink's defaults
            continue
    predictions = linker.inference.predict(threshold_match_probability=BASELINE_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, BASELINE_THRESHOLD
    )
    target = quote_literal(str(out))
    con.execute(
        f"""
        COPY (
            SELECT r.source_table, r.record_key, r.role, 'B-' || c.cluster_id AS actor_id
            FROM raw_parties r JOIN {clusters.physical_name} c ON c.party_id = r.party_id
        ) TO {target} (FORMAT parquet)
        """
    )
    parties = int(con.execute("SELECT count(*) FROM raw_parties").fetchall()[0][0])
    con.close()
    return parties


def evaluate_file(assignments: Path, truth_dir: Path) -> dict[str, float | int]:
    from redlane.resolve.evaluate import evaluate_assignments

    con = duckdb.connect()
    path = quote_literal(str(assignments))
    return evaluate_assignments(con, f"SELECT * FROM read_parquet({path})", truth_dir).to_json()
