"""Judging a resolution on labels we did not write: a mapping file (CSV or Parquet) or a truth/
folder, on hand-made cases whose figures are worked out by hand below."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.resolve.evaluate import (
    TruthFileError,
    evaluate_assignments,
    evaluate_resolution,
    load_mapping,
)
from redlane.resolve.outputs import new_run_dir, publish_run, write_table

runner = CliRunner()
OLD_KEYS = [
    "pairwise_precision",
    "pairwise_recall",
    "pairwise_f1",
    "bcubed_precision",
    "bcubed_recall",
    "bcubed_f1",
    "actors",
    "true_actors",
    "parties",
]
RING_KEYS = ["predicted_rings", "true_rings", "ring_purity", "ring_recall"]

# (source_table, record_key, role, predicted actor)
PREDICTED = [
    ("aed_shipments", "H1", "shipper", "P1"),
    ("aed_shipments", "H2", "shipper", "P1"),
    ("mp_sellers", "S1", "seller", "P1"),
    ("aed_shipments", "H3", "shipper", "P2"),
    ("aed_shipments", "H1", "consignee", "P3"),
    ("aed_shipments", "H2", "consignee", "P3"),
    ("social_posts", "X1", "social_handle", "P4"),  # no label: left out
]
# source,record_id,role,entity_id
LABELS = [
    ("aed_shipments", "H1", "shipper", "E1"),
    ("aed_shipments", "H2", "shipper", "E1"),
    ("mp_sellers", "S1", "seller", "E2"),
    ("aed_shipments", "H3", "shipper", "E2"),
    ("aed_shipments", "H1", "consignee", "E3"),
    ("aed_shipments", "H2", "consignee", "E4"),
    ("customs_entries", "C9", "importer", "E5"),  # matches no party
]
# Cells (predicted, true): P1 = {E1: 2, E2: 1}, P2 = {E2: 1}, P3 = {E3: 1, E4: 1}.
# Predicted pairs 3 + 0 + 1 = 4, true pairs 1 (E1) + 1 (E2) = 2, both agree on 1 (H1, H2 shippers):
# precision 1/4, recall 1/2, F1 1/3. B-cubed over 6 appearances: precision
# (4/3 + 1/3 + 1 + 1/2 + 1/2) / 6 = 11/18, recall (2 + 1/2 + 1/2 + 1 + 1) / 6 = 5/6.
# Shipper and seller appearances only: P1 = {E1: 2, E2: 1}, P2 = {E2: 1}: pairs 3 and 2, agree on
# 1: precision 1/3, recall 1/2, F1 2/5.
EXPECTED = {
    "pairwise_precision": 0.25,
    "pairwise_recall": 0.5,
    "pairwise_f1": round(1 / 3, 6),
    "bcubed_precision": round(11 / 18, 6),
    "bcubed_recall": round(5 / 6, 6),
    "bcubed_f1": round(2 * (11 / 18) * (5 / 6) / (11 / 18 + 5 / 6), 6),
    "actors": 3,
    "true_actors": 4,
    "parties": 6,
    "labels": 7,
    "unmatched_labels": 1,
    "shipper_seller_pairwise_precision": round(1 / 3, 6),
    "shipper_seller_pairwise_recall": 0.5,
    "shipper_seller_pairwise_f1": 0.4,
}


def _values(rows: list[tuple[str, ...]], alias: str, columns: str) -> str:
    body = ", ".join("(" + ", ".join(f"'{v}'" for v in row) + ")" for row in rows)
    return f"SELECT * FROM (VALUES {body}) {alias}({columns})"


def _predicted(rows: list[tuple[str, ...]] = PREDICTED) -> str:
    return _values(rows, "p", "source_table, record_key, role, actor_id")


def _write_csv(path: Path, rows: list[tuple[str, ...]], header: str = "") -> Path:
    lines = [header or "source,record_id,role,entity_id", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_parquet(path: Path, rows: list[tuple[str | None, ...]], columns: list[str]) -> Path:
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)}), str(path))
    return path


MAPPING_COLUMNS = ["source", "record_id", "role", "entity_id"]


# --- the evaluation functions ----------------------------------------------------------------


def test_a_csv_mapping_gives_the_figures_worked_out_by_hand(tmp_path: Path):
    con = duckdb.connect()
    table = load_mapping(con, _write_csv(tmp_path / "labels.csv", LABELS))
    assert evaluate_resolution(con, _predicted(), table) == EXPECTED
    # the older entry point reads the same relation and keeps its keys
    assert evaluate_assignments(con, _predicted(), table).to_json() == {
        k: EXPECTED[k] for k in OLD_KEYS
    }


def test_a_parquet_mapping_gives_the_same_figures(tmp_path: Path):
    con = duckdb.connect()
    path = _write_parquet(tmp_path / "labels.parquet", LABELS, MAPPING_COLUMNS)
    assert evaluate_resolution(con, _predicted(), load_mapping(con, path)) == EXPECTED


def test_a_mapping_is_read_as_text_with_columns_in_any_order_and_repeats_kept_once(
    tmp_path: Path,
):
    con = duckdb.connect()
    rows = [(e, r, s, k) for s, k, r, e in LABELS]
    rows.append(rows[0])  # the same label twice
    path = _write_csv(tmp_path / "labels.csv", rows, "entity_id, role ,source,record_id")
    assert evaluate_resolution(con, _predicted(), load_mapping(con, path)) == EXPECTED
    # record ids stay text: 007 is not 7
    path = _write_csv(tmp_path / "zeros.csv", [("t", "007", "r", "E")])
    con.execute(f"SELECT * FROM {load_mapping(con, path)}")
    assert con.fetchall() == [("t", "007", "r", "E")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source,record_id,role\nt,1,r\n", "missing column(s) entity_id"),
        ("record_id,entity_id\n", "missing column(s) source, role"),
        ("source,record_id,role,entity_id,note\n", "unexpected column(s) note"),
        ("", "missing column(s) source, record_id, role, entity_id"),
        ("source,record_id,role,entity_id\nt,1,r,A\nt,2,r\n", "line 3: 3 field(s), expected 4"),
        ("source,record_id,role,entity_id\nt,1,r,A\nt,2, ,A\n", "line 3: empty role"),
        (
            "source,record_id,role,entity_id\nt,1,r,A\nt,2,r,A\nt,1,r,B\n",
            "(t, 1, r) has different entity_id values ('A', 'B') at lines 2, 4",
        ),
    ],
)
def test_a_bad_csv_mapping_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, text: str, message: str
):
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TruthFileError) as raised:
        load_mapping(duckdb.connect(), path)
    assert str(path) in raised.value.detail
    assert message in raised.value.detail


def test_a_bad_parquet_mapping_is_refused(tmp_path: Path):
    con = duckdb.connect()
    missing = _write_parquet(tmp_path / "m.parquet", [("t", "1", "r")], MAPPING_COLUMNS[:3])
    with pytest.raises(TruthFileError, match="missing column.s. entity_id"):
        load_mapping(con, missing)
    rows = [("t", "1", "r", "A"), ("t", "2", None, "A")]
    empty = _write_parquet(tmp_path / "e.parquet", rows, MAPPING_COLUMNS)
    with pytest.raises(TruthFileError, match="row 2: empty role"):
        load_mapping(con, empty)
    twice = _write_parquet(
        tmp_path / "d.parquet", [("t", "1", "r", "A"), ("t", "1", "r", "B")], MAPPING_COLUMNS
    )
    with pytest.raises(TruthFileError, match="different entity_id values"):
        load_mapping(con, twice)
    with pytest.raises(TruthFileError, match="no such file"):
        load_mapping(con, tmp_path / "absent.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(TruthFileError, match="not readable as Parquet"):
        load_mapping(con, tmp_path / "junk.parquet")


# --- a truth/ folder that knows more about its actors ----------------------------------------

# (record_key, predicted actor, true actor); every appearance an aed_shipments shipper.
FOLDER_LINKS = [
    ("K1", "P1", "F1"),
    ("K2", "P1", "F1"),
    ("K3", "P1", "L1"),
    ("K4", "P2", "F2"),
    ("K5", "P3", "F2"),
    ("K6", "P3", "F2"),
    ("K7", "P4", "L2"),
    ("K8", "P4", "L3"),
    ("K9", "P4", "FR1"),
    ("K10", "P5", "N1"),
    ("K11", "P5", "N2"),
    ("K12", "P6", "N3"),
    ("K13", "P7", "FR2"),
]
TRUE_ACTORS = [
    ("F1", "legit", "forwarder"),
    ("F2", "legit", "forwarder"),
    ("L1", "legit", "shipper"),
    ("L2", "legit", "shipper"),
    ("L3", "legit", "shipper"),
    ("FR1", "counterfeit", "front"),
    ("FR2", "counterfeit", "front"),
    ("N1", "counterfeit", "member"),
    ("N2", "counterfeit", "member"),
    ("N3", "counterfeit", "member"),
    ("C1", "consumer", "consumer"),
]
INFRASTRUCTURE = {"P1", "P2", "P4"}


def _truth_folder(root: Path, *, extras: bool = True) -> Path:
    truth = root / "truth"
    truth.mkdir()
    _write_parquet(
        truth / "party_links.parquet",
        [("aed_shipments", key, "shipper", true) for key, _, true in FOLDER_LINKS],
        ["table", "record_key", "role", "actor_id"],
    )
    _write_parquet(
        truth / "actors.parquet",
        [(*a, None) for a in TRUE_ACTORS],
        ["actor_id", "kind", "role", "ring_id"],
    )
    if extras:
        _write_parquet(
            truth / "namesakes.parquet",
            [
                ("N1", "Chen Wei", "g1"),
                ("N2", "Chen Wei", "g1"),
                ("N3", "Chen Wei", "g1"),
                ("L1", "Acme", "g2"),
                ("L2", "Acme", "g2"),
            ],
            ["actor_id", "name", "group"],
        )
        _write_parquet(
            truth / "name_squats.parquet",
            [("FR1", "L2", "Acme"), ("FR2", "L1", "Acme Ltd")],
            ["front_actor_id", "legit_actor_id", "name"],
        )
    return truth


def _folder_predicted() -> str:
    return _predicted([("aed_shipments", key, "shipper", pred) for key, pred, _ in FOLDER_LINKS])


def _predicted_actors(con: duckdb.DuckDBPyConnection, *, marked: bool) -> None:
    actors = sorted({pred for _, pred, _ in FOLDER_LINKS})
    flag = ", infrastructure" if marked else ""
    rows = ", ".join(
        f"('{a}'" + (f", {str(a in INFRASTRUCTURE).lower()}" if marked else "") + ")"
        for a in actors
    )
    con.execute(
        f"CREATE OR REPLACE TABLE pred_actors AS SELECT * FROM (VALUES {rows}) t(actor_id{flag})"
    )


def test_a_truth_folder_measures_merged_firms_infrastructure_namesakes_and_squats(
    tmp_path: Path,
):
    truth = _truth_folder(tmp_path)
    con = duckdb.connect()
    _predicted_actors(con, marked=True)
    found = evaluate_resolution(con, _folder_predicted(), truth, actors_sql="pred_actors")
    # P1 holds F1 and L1, P4 holds L2 and L3 (and FR1, a front): two actors mix legit firms;
    # P5 mixes two counterfeit members, which is not counted here.
    assert found["actors_mixing_legit_firms"] == 2
    # Infrastructure P1, P2, P4: their main true actors F1, F2 (forwarders) and FR1 (P4 holds
    # FR1, L2 and L3 once each; ties go to the smallest id): 2 of 3.
    assert found["infrastructure_precision"] == round(2 / 3, 6)
    # F1 mostly went to P1 (infrastructure), F2 mostly to P3 (not): 1 of 2.
    assert found["infrastructure_recall"] == 0.5
    # Pairs inside P1 (3, of which K1-K2 right) and P4 (3, none right): 1 of 6.
    assert found["infrastructure_actor_pairwise_precision"] == round(1 / 6, 6)
    assert found["infrastructure_actors"] == 3 and found["true_forwarders"] == 2
    # Namesake pairs N1-N2, N1-N3, N2-N3, L1-L2: only N1-N2 share an actor (P5).
    assert (found["namesake_merges"], found["namesake_pairs"]) == (1, 4)
    # Squats FR1→L2 (both in P4) and FR2→L1 (apart).
    assert (found["squatted_firm_merges"], found["squat_pairs"]) == (1, 2)
    assert found["labels"] == 13 and found["unmatched_labels"] == 0


def test_figures_a_truth_cannot_support_are_left_out(tmp_path: Path):
    con = duckdb.connect()
    truth = _truth_folder(tmp_path, extras=False)
    _predicted_actors(con, marked=False)  # a run that does not mark infrastructure
    found = evaluate_resolution(con, _folder_predicted(), truth, actors_sql="pred_actors")
    assert "actors_mixing_legit_firms" in found
    assert not {k for k in found if k.startswith("infrastructure") or "namesake" in k}
    assert "squatted_firm_merges" not in found
    # a mapping knows nothing of kinds and roles of actors
    labels = [("aed_shipments", k, "shipper", t) for k, _, t in FOLDER_LINKS]
    table = load_mapping(con, _write_csv(tmp_path / "labels.csv", labels))
    _predicted_actors(con, marked=True)
    from_mapping = evaluate_resolution(con, _folder_predicted(), table, actors_sql="pred_actors")
    assert set(from_mapping) == set(OLD_KEYS) | {
        "labels",
        "unmatched_labels",
        "shipper_seller_pairwise_precision",
        "shipper_seller_pairwise_recall",
        "shipper_seller_pairwise_f1",
    }
    assert {k: from_mapping[k] for k in OLD_KEYS} == {k: found[k] for k in OLD_KEYS}


# --- through the command line, against a hand-made published run -----------------------------


@pytest.fixture
def hand_run(home: Path) -> Path:
    """A published resolution run holding just the predictions above."""
    con = duckdb.connect()
    run_dir = new_run_dir(home, "hand")
    rows = PREDICTED + [("aed_shipments", k, "shipper", p) for k, p, _ in FOLDER_LINKS]
    write_table(con, _predicted(rows), run_dir, "party_actors")
    actors = sorted({r[3] for r in rows})
    infra = ", ".join(f"'{a}'" for a in sorted(INFRASTRUCTURE))
    write_table(
        con,
        "SELECT actor_id, actor_id AS display_name, NULL::VARCHAR AS ring_id, 0.0 AS risk, "
        f"actor_id IN ({infra}) AS infrastructure FROM (SELECT unnest({actors!r}) AS actor_id)",
        run_dir,
        "actors",
    )
    publish_run(home, "hand")
    return run_dir


def _eval(truth: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["eval", "resolution", "--truth", str(truth), "--json"])
    return result.exit_code, result.output


def test_eval_resolution_reads_csv_and_parquet_mappings(hand_run: Path, tmp_path: Path):
    csv_path = _write_csv(tmp_path / "labels.csv", LABELS)
    parquet_path = _write_parquet(tmp_path / "labels.parquet", LABELS, MAPPING_COLUMNS)
    for path in (csv_path, parquet_path):
        code, out = _eval(path)
        assert code == 0, out
        metrics = json.loads(out)
        assert metrics == EXPECTED  # no ring figures: a mapping has no rings
        assert list(metrics)[: len(OLD_KEYS)] == OLD_KEYS


def test_eval_resolution_on_a_truth_folder_keeps_the_old_keys_first(hand_run: Path, tmp_path: Path):
    code, out = _eval(_truth_folder(tmp_path))
    assert code == 0, out
    metrics = json.loads(out)
    assert list(metrics)[: len(OLD_KEYS) + len(RING_KEYS)] == OLD_KEYS + RING_KEYS
    assert metrics["infrastructure_precision"] == round(2 / 3, 6)
    assert metrics["namesake_merges"] == 1 and metrics["squatted_firm_merges"] == 1
    # without --json: a table, and a word on the labels that matched nothing
    result = runner.invoke(
        app, ["eval", "resolution", "--truth", str(_write_csv(tmp_path / "l.csv", LABELS))]
    )
    assert result.exit_code == 0, result.output
    assert "shipper_seller_pairwise_f1" in result.output
    assert "1 of 7 labelled appearances match no party" in result.output


def test_eval_resolution_errors_name_the_file(hand_run: Path, tmp_path: Path):
    bad = tmp_path / "labels.csv"
    bad.write_text("source,record_id,role,entity_id\nt,1,r,A\nt,1,r,B\n", encoding="utf-8")
    code, out = _eval(bad)
    assert code == 1 and str(bad) in out and "different entity_id values" in out
    code, out = _eval(tmp_path / "absent.csv")
    assert code == 1 and "absent.csv: no such file" in out
    code, out = _eval(tmp_path / "absent")
    assert code == 1 and "no such file or folder" in out
    (tmp_path / "labels.txt").write_text("x")
    code, out = _eval(tmp_path / "labels.txt")
    assert code == 1 and ".csv or .parquet" in out
    code, out = _eval(tmp_path)  # a folder, but no truth/ folder
    assert code == 1 and "party_links" in out


def test_eval_resolution_before_any_run_says_so(home: Path, tmp_path: Path):
    code, out = _eval(_write_csv(tmp_path / "labels.csv", LABELS))
    assert code == 1 and "redlane resolve" in out
