"""The edit-distance levels compare lengths before computing a distance: the same levels as
Splink's, and a model trained with Splink's own SQL scores the same pairs with this code's."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from splink import DuckDBAPI, Linker

from redlane.resolve.prepare import prepare_parties
from redlane.resolve.splink_model import (
    OTHER_NUMBER_LABEL,
    load_settings,
    model_settings,
    new_pairs,
    train_linker,
    within_edits_sql,
)
from tests.resolve.test_prepare import _raw
from tests.resolve.test_training import _people

# Short strings over a small alphabet (with two-byte and four-byte letters) meet often within a
# few edits; longer ones test the length bound.
LETTERS = st.sampled_from(list("abcde é€𝄞"))
WORDS = st.one_of(st.none(), st.text(LETTERS, max_size=9), st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(left=WORDS, right=WORDS, edits=st.integers(0, 4))
def test_within_edits_is_levenshtein_within_edits(
    left: str | None, right: str | None, edits: int
) -> None:
    con = duckdb.connect()
    ours, theirs = con.execute(
        f"SELECT coalesce({within_edits_sql('$1', '$2', edits)}, false), "
        f"coalesce(levenshtein($1, $2) <= {edits}, false)",
        [left, right],
    ).fetchall()[0]
    assert ours == theirs


def _splink_sql(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with the address levels in the SQL Splink's own level library writes."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            label = level["label_for_charts"]
            if label.startswith("Levenshtein distance of "):
                column, edits = label.removeprefix("Levenshtein distance of ").split(" <= ")
                level["sql_condition"] = f'levenshtein("{column}_l", "{column}_r") <= {edits}'
            elif label == OTHER_NUMBER_LABEL:
                level["sql_condition"] = (
                    "address_number_l <> address_number_r AND ("
                    "levenshtein(address_letters_l, address_letters_r) <= 2 "
                    "OR levenshtein(address_core_l, address_core_r) <= 3 "
                    "OR jaro_winkler_similarity(address_core_l, address_core_r) >= 0.9)"
                )
    return model


def _scored(con: duckdb.DuckDBPyConnection, model: dict[str, Any] | str) -> set[tuple[Any, ...]]:
    linker = Linker(DuckDBAPI(connection=con).register("signatures"), model)
    table = linker.inference.predict(threshold_match_probability=0.01).physical_name
    rows = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_weight, match_probability FROM {table}"
    ).fetchall()
    return set(rows)


def test_a_model_saved_with_splinks_sql_scores_the_same_pairs_with_ours(tmp_path: Path) -> None:
    con = duckdb.connect()
    _raw(con, "raw_parties", _people(300))
    prepare_parties(con, "raw_parties", "parties", "signatures")
    data = load_settings()
    saved = _splink_sql(train_linker(con, "signatures", data).linker.misc.save_model_to_json())
    path = tmp_path / "model.json"
    path.write_text(json.dumps(saved), encoding="utf-8")

    ours = model_settings(path, "duckdb", data)
    address = next(c for c in ours["comparisons"] if c["output_column_name"] == "address_core")
    assert any("strlen" in level.get("sql_condition", "") for level in address["comparison_levels"])
    scored = _scored(con, ours)
    assert len(scored) > 300  # the people's own records, and neighbours on the same roads
    assert scored == _scored(con, str(path))


def test_a_model_with_older_levels_is_scored_with_its_own_sql(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    con = duckdb.connect()
    _raw(con, "raw_parties", _people(300))
    prepare_parties(con, "raw_parties", "parties", "signatures_all")
    data = load_settings()
    saved = train_linker(con, "signatures_all", data).linker.misc.save_model_to_json()
    for comparison in saved["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["label_for_charts"] == OTHER_NUMBER_LABEL:
                # a model of a release whose level was named and written otherwise
                level["label_for_charts"] = "same street, other house number"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(saved), encoding="utf-8")
    con.execute(
        "CREATE TABLE prev_signatures AS SELECT * FROM signatures_all WHERE unique_id < '8'"
    )
    con.execute("CREATE TABLE signatures_new AS SELECT * FROM signatures_all")

    with caplog.at_level(logging.INFO, logger="redlane.resolve.splink_model"):
        pairs = new_pairs(con, path, 0.9, data)

    assert "scoring with the saved model's own SQL" in caplog.text
    assert con.execute(f"SELECT count(*) FROM {pairs}").fetchall()[0][0] > 0
