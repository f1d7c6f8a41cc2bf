"""Why two parties match (or not): Splink's waterfall for one pair, and the match-weights chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker

from redlane.errors import NotFound, NotReady
from redlane.names.duckdb_udf import FUNCTION_NAME, register_duckdb
from redlane.resolve.outputs import current_run_dir, table_source
from redlane.resolve.splink_model import load_settings
from redlane.resolve.weak import shares_evidence_sql, weak_signature_sql


@dataclass(frozen=True)
class PairExplanation:
    party_a: str
    party_b: str
    match_probability: float
    match_weight: float
    same_actor: bool
    levels: list[dict[str, Any]]
    # why two parties that match stay apart, when resolution refused the merge
    refused: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "party_a": self.party_a,
            "party_b": self.party_b,
            "match_probability": self.match_probability,
            "match_weight": self.match_weight,
            "same_actor": self.same_actor,
            "levels": self.levels,
            "refused": self.refused,
        }


def explain_pair(
    home: Path, party_a: str, party_b: str, html_out: Path | None = None
) -> PairExplanation:
    run_dir = current_run_dir(home)
    if run_dir is None or not (run_dir / "model.json").exists():
        raise NotReady("no resolution run yet: run `redlane resolve` first")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    parties = table_source(run_dir, "parties")
    actors = table_source(run_dir, "party_actors")
    con.execute(f"CREATE TABLE signatures AS SELECT * FROM {table_source(run_dir, 'signatures')}")
    rows = con.execute(
        f"SELECT p.party_id, p.sig_id, a.actor_id FROM {parties} p "
        f"JOIN {actors} a USING (party_id) WHERE p.party_id IN (?, ?)",
        [party_a, party_b],
    ).fetchall()
    found = {r[0]: (r[1], r[2]) for r in rows}
    for party in (party_a, party_b):
        if party not in found:
            raise NotFound(f"no party {party!r} in the current resolution run")
    model = json.loads((run_dir / "model.json").read_text("utf-8"))
    model["retain_intermediate_calculation_columns"] = True
    model["retain_matching_columns"] = True
    if f"{FUNCTION_NAME}(" in json.dumps(model):  # a model with name-score levels
        register_duckdb(con)
    db = DuckDBAPI(connection=con)
    linker = Linker(db.register("signatures", dataset_display_name="signatures"), model)
    records = []
    for party in (party_a, party_b):
        cursor = con.execute("SELECT * FROM signatures WHERE unique_id = ?", [found[party][0]])
        columns = [d[0] for d in cursor.description or []]
        records.append(dict(zip(columns, cursor.fetchall()[0], strict=True)))
    scored = linker.inference.score_pair(records[0], records[1]).as_record_list()[0]
    levels = []
    for comparison in model["comparisons"]:
        column = comparison["output_column_name"]
        gamma = scored.get(f"gamma_{column}")
        left, right = scored.get(f"{column}_l"), scored.get(f"{column}_r")
        level = _level_of(comparison["comparison_levels"], gamma, left is None or right is None)
        # Splink's own factor for the pair, with its term-frequency adjustment where it has one
        bayes_factor = scored.get(f"bf_{column}")
        if bayes_factor is None:
            m, u = level.get("m_probability"), level.get("u_probability")
            bayes_factor = (m / u) if m and u else 1.0
        levels.append(
            {
                "field": column,
                "left": left,
                "right": right,
                "label": level.get("label_for_charts"),
                "bayes_factor": float(bayes_factor) * float(scored.get(f"bf_tf_adj_{column}", 1.0)),
            }
        )
    if html_out is not None:
        waterfall = linker.visualisations.waterfall_chart([scored])
        weights = linker.visualisations.match_weights_chart()
        html_out.write_text(
            "<!doctype html><meta charset='utf-8'><title>redlane: why these parties match</title>"
            f"<h1>{party_a} vs {party_b}</h1>"
            f"<p>match probability {scored['match_probability']:.4f}</p>"
            f"<h2>Waterfall</h2>{waterfall.to_html(inline=True)}"
            f"<h2>Model match weights</h2>{weights.to_html(inline=True)}",
            encoding="utf-8",
        )
    probability = float(scored["match_probability"])
    same_actor = found[party_a][1] == found[party_b][1]
    refused = None
    if not same_actor and found[party_a][0] == found[party_b][0] and _weak(con, found[party_a][0]):
        refused = (
            f"{party_a} and {party_b} are written alike with no identifying field (a name, at "
            "most a country): such records are not one holder by themselves, and each stays "
            "with the seller account or actor its own evidence points to"
        )
    elif not same_actor and probability >= float(load_settings()["threshold"]):
        refused = _refusal(con, run_dir, [(p, found[p][0]) for p in (party_a, party_b)])
        if refused is None and not _share_evidence(con, found[party_a][0], found[party_b][0]):
            refused = (
                f"{party_a} and {party_b} hold no identifying field in common (no phone, "
                "e-mail, address or other identifier on both): their match rests on the name "
                "and country alone, which namesakes share, so it merges nothing"
            )
    con.close()
    return PairExplanation(
        party_a=party_a,
        party_b=party_b,
        match_probability=probability,
        match_weight=float(scored["match_weight"]),
        same_actor=same_actor,
        levels=levels,
        refused=refused,
    )


def _weak(con: duckdb.DuckDBPyConnection, sig: str) -> bool:
    """Whether signature ``sig`` (of the run's ``signatures``) has no identifying field."""
    row = con.execute(
        f"SELECT count(*) FROM signatures s WHERE unique_id = ? AND {weak_signature_sql('s')}",
        [sig],
    ).fetchall()
    return bool(row[0][0])


def _share_evidence(con: duckdb.DuckDBPyConnection, sig_a: str, sig_b: str) -> bool:
    row = con.execute(
        f"SELECT count(*) FROM signatures l, signatures r "
        f"WHERE l.unique_id = ? AND r.unique_id = ? AND ({shares_evidence_sql('l', 'r')})",
        [sig_a, sig_b],
    ).fetchall()
    return bool(row[0][0])


def _refusal(
    con: duckdb.DuckDBPyConnection, run_dir: Path, sides: list[tuple[str, str]]
) -> str | None:
    """Why a match above the threshold did not merge: a side without identifying evidence
    whose matches point to several actors (:mod:`redlane.resolve.weak`)."""
    threshold = float(load_settings()["threshold"])
    pairs = table_source(run_dir, "pair_evidence")
    parties = table_source(run_dir, "parties")
    actors = table_source(run_dir, "party_actors")
    for party, sig in sides:
        if not _weak(con, sig):
            continue
        n = con.execute(
            f"""
            WITH matched AS (
                SELECT CASE WHEN sig_id_l = $sig THEN sig_id_r ELSE sig_id_l END AS sig_id
                FROM {pairs} WHERE (sig_id_l = $sig OR sig_id_r = $sig)
                  AND match_probability >= {threshold}
            )
            SELECT count(DISTINCT a.actor_id) FROM {parties} p
            JOIN {actors} a USING (party_id) SEMI JOIN matched USING (sig_id)
            WHERE p.sig_id NOT IN (SELECT unique_id FROM signatures s
                                   WHERE {weak_signature_sql("s")})
            """,
            {"sig": sig},
        ).fetchall()[0][0]
        if n >= 2:
            return (
                f"{party} has no identifying field (a name, at most a country): such a record "
                f"joins an actor only when its matches point to one, and its matches point to "
                f"{n} separate actors, so it joins none"
            )
    return None


def _level_of(levels: list[dict[str, Any]], gamma: Any, missing: bool) -> dict[str, Any]:
    """The level a comparison vector value stands for: Splink numbers the levels that are not
    null levels from the bottom (else = 0), and every null level -1 (a value missing, or one
    held by shared infrastructure: the first null level when a value is missing)."""
    nulls = [level for level in levels if level.get("is_null_level")]
    others = [level for level in levels if not level.get("is_null_level")]
    if gamma is None or int(gamma) < 0:
        return nulls[0] if missing or len(nulls) == 1 else nulls[-1]
    return others[len(others) - 1 - int(gamma)]
