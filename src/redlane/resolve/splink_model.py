"""Build, train and apply redlane's Splink model from ``settings.json`` (settings as data)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_level_library as cll
from splink import comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect
from splink.internals.exceptions import SplinkException

from redlane.errors import RedlaneError
from redlane.names.duckdb_udf import FUNCTION_NAME, register_duckdb
from redlane.resolve.infrastructure import KINDS as INFRA_COLUMNS
from redlane.resolve.infrastructure import scoped_level_sql

logger = logging.getLogger(__name__)


# Similarity cut-offs of the comparison levels; the live matcher evaluates the same levels.
NAME_JW_STRONG = 0.95
NAME_SORTED_JW = 0.9
NAME_JW_WEAK = 0.85
# Levels on redlane's name comparator (settings.json: "name_score": true on the name comparison).
NAME_SCORE_CUTS = (0.95, 0.8, 0.5)
NAME_SCORE_SCHEMA = "LegalEntity"
ADDRESS_MAX_EDITS = 3
ADDRESS_JW = 0.9
# Two similar addresses with other house numbers: another house. The street and town may differ
# by a typo, and the rest by more ("merter st 46 16010 bursa" / "merter st 24 34169 istanbul"
# passed the Jaro-Winkler level as the same address).
OTHER_NUMBER_LABEL = "similar address, other house number"
# The label of models trained before 2026-12-07 (the street's letters within two edits only);
# the live matcher still reads it.
STREET_NUMBER_LABEL = "same street, other house number"
INFRA_LEVEL_LABEL = "held by shared infrastructure"
# Stated, not trained: EM sees only pairs that share a phone or an e-mail, and random pairs
# rarely share a street, so trained values call a neighbour with one's own name a match (the
# model assumes fields independent; a common name on one street is not). Bayes factor 1/8, as
# strong against a match as a different phone.
OTHER_NUMBER_M = 0.01
# The street and town of two such addresses may differ by a typo.
STREET_MAX_EDITS = 2
OTHER_NUMBER_U = 0.08


# Two names of as many words that agree on one word and differ entirely on another, place by
# place ("liu xiufang" / "liu nan", "john michael smith" / "john david smith", "phuong nam
# garment" / "phuong nam freight"): relatives, namesakes of one family name in one building, or
# two firms of one family's name. Jaro-Winkler rewards the shared prefix ("liu xiufang" / "liu
# nan" 0.88), which counted about 67 times for a match.
OTHER_GIVEN_LABEL = "same family word, other names"
# Stated, not trained, as the house-number level is (and for its reason): random pairs rarely
# share a word, so trained values would call two relatives one person. Bayes factor 1/8.
OTHER_GIVEN_M = 0.01
OTHER_GIVEN_U = 0.08


def other_given_sql(column: str, dialect: str = "duckdb") -> str:
    """As many words on both sides (names arrive normalised: one space between words), one
    place where the words are equal and one where they are another word: more edits apart than
    half the longer word's letters, neither an initial (one letter agrees with any name). A typo
    ("jonathon"), a spelling ("muhammad") or a word more or less is not another name.

    Levenshtein, not Jaro-Winkler, inside the lambda: Spark's lambdas cannot call the Python
    ``jaro_winkler`` function (:mod:`redlane.resolve.spark_scoring`). Names are compared as
    normalised, so in ASCII, where DuckDB's byte count and Spark's character count agree."""
    left, right = f"{column}_l", f"{column}_r"

    def other(a: str, b: str) -> str:
        return (
            f"length({a}) > 1 AND length({b}) > 1 "
            f"AND 2 * levenshtein({a}, {b}) > greatest(length({a}), length({b}))"
        )

    if dialect == "duckdb":
        words = f"list_zip(string_split({left}, ' '), string_split({right}, ' '))"
        return (
            f"(len(string_split({left}, ' ')) = len(string_split({right}, ' ')) "
            f"AND list_bool_or(list_transform({words}, lambda w: w[1] = w[2])) "
            f"AND list_bool_or(list_transform({words}, lambda w: {other('w[1]', 'w[2]')})))"
        )
    split_l, split_r = f"split({left}, ' ')", f"split({right}, ' ')"
    return (
        f"(size({split_l}) = size({split_r}) "
        f"AND exists(zip_with({split_l}, {split_r}, (a, b) -> a = b), x -> x) "
        f"AND exists(zip_with({split_l}, {split_r}, (a, b) -> {other('a', 'b')}), x -> x))"
    )


def within_edits_sql(left: str, right: str, edits: int, dialect: str = "duckdb") -> str:
    """``levenshtein(left, right) <= edits``, the lengths compared first.

    The distance is never less than the difference in length, so the result is the same; but
    DuckDB's ``levenshtein`` fills the whole table whatever the bound, and on the address
    levels it was two thirds of the score step (a 1 M-parcel day, docs/performance.md). Inside
    a level's CASE, DuckDB computes the right side of an AND only where the left side holds.
    DuckDB's distance counts bytes, Spark's characters; each is bounded by its own length.
    """
    length = "strlen" if dialect == "duckdb" else "length"
    return (
        f"(abs({length}({left}) - {length}({right})) <= {edits} "
        f"AND levenshtein({left}, {right}) <= {edits})"
    )


def other_number_sql(column: str, dialect: str = "duckdb") -> str:
    """Both house numbers known and different, and the addresses otherwise pass the street test
    or one of the edit-distance levels after this one."""
    letters = within_edits_sql("address_letters_l", "address_letters_r", STREET_MAX_EDITS, dialect)
    address = within_edits_sql(f"{column}_l", f"{column}_r", ADDRESS_MAX_EDITS, dialect)
    return (
        f"address_number_l <> address_number_r AND ({letters} OR {address} "
        f"OR jaro_winkler_similarity({column}_l, {column}_r) >= {ADDRESS_JW})"
    )


class StatedLevel(ComparisonLevelCreator):
    """A level this module writes in each engine's SQL (``sql(column, dialect)``), whose m and u
    are stated rather than trained: "similar address, other house number", "same family word,
    other names"."""

    def __init__(self, column: str, sql: Callable[[str, str], str], label: str) -> None:
        self.column = column
        self.sql = sql
        self.label = label

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return self.sql(self.column, sql_dialect.sql_dialect_str)

    def create_label_for_charts(self) -> str:
        return self.label

    def stated(self, m: float, u: float) -> Any:
        return self.configure(
            m_probability=m, u_probability=u, fix_m_probability=True, fix_u_probability=True
        )


class WithinEditsLevel(cll.LevenshteinLevel):
    """Splink's ``LevenshteinLevel`` with the length test of :func:`within_edits_sql` first. Its
    label stays Splink's: saved models, explanations and the live matcher read levels by label."""

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        self.col_expression.sql_dialect = sql_dialect
        column = self.col_expression
        return within_edits_sql(
            column.name_l, column.name_r, self.distance_threshold, sql_dialect.sql_dialect_str
        )


def load_settings() -> dict[str, Any]:
    text = resources.files("redlane.resolve").joinpath("settings.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _tf(level: Any, column: str, tf: bool) -> Any:
    return level.configure(tf_adjustment_column=column) if tf else level


def name_score_sql(column: str) -> str:
    """The name comparator on the two sides of a pair (redlane.names.duckdb_udf's function).
    Parties carry no schema: their names are compared as ``LegalEntity`` (person or company)."""
    return f"{FUNCTION_NAME}({column}_l, {column}_r, '{NAME_SCORE_SCHEMA}')"


def name_score_label(column: str, cut: float) -> str:
    """The chart label of a name-score level; live.level_predicate reads it back."""
    return f"Name score of {column} >= {cut}"


def uses_name_score(data: dict[str, Any]) -> bool:
    return any(spec.get("name_score") for spec in data["comparisons"])


def _name_exact_levels(column: str, tf: bool) -> list[Any]:
    """Null, then the name equal as written, in another word order or written together: each as
    common as the name is (a common name in any order is still a common name, and alone never
    carries a merge)."""
    return [
        cll.NullLevel(column),
        _tf(cll.ExactMatchLevel(column), column, tf),
        _tf(cll.ExactMatchLevel("name_sorted"), "name_sorted", tf),
        _tf(cll.ExactMatchLevel("name_joined"), "name_joined", tf),
    ]


def _name_score_comparison(column: str, tf: bool) -> ComparisonCreator:
    # The exact levels stay first (they carry term frequencies); the comparator's calibrated
    # score replaces the Jaro-Winkler levels.
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *_name_exact_levels(column, tf),
            *(
                cll.CustomLevel(f"{name_score_sql(column)} >= {cut}", name_score_label(column, cut))
                for cut in NAME_SCORE_CUTS
            ),
            cll.ElseLevel(),
        ],
        comparison_description="normalised name, redlane's name comparator",
    )


def _name_comparison(column: str, tf: bool) -> ComparisonCreator:
    # Names arrive normalised (legal forms stripped, transliterated); the levels below catch
    # word order (sorted tokens), joined/split words and typos, strongest first.
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *_name_exact_levels(column, tf),
            # Before the Jaro-Winkler levels, which a shared first word passes.
            StatedLevel(column, other_given_sql, OTHER_GIVEN_LABEL).stated(
                OTHER_GIVEN_M, OTHER_GIVEN_U
            ),
            cll.JaroWinklerLevel(column, NAME_JW_STRONG),
            cll.JaroWinklerLevel("name_sorted", NAME_SORTED_JW),
            cll.JaroWinklerLevel(column, NAME_JW_WEAK),
            cll.ElseLevel(),
        ],
        comparison_description="normalised name",
    )


def _scoped_level(column: str) -> Any:
    """After the exact level: a value of shared infrastructure on either side that is not the
    same as the other's. No evidence either way: a client's c/o address says nothing against
    its own address, and clients are told apart by everything else."""
    return cll.CustomLevel(scoped_level_sql(column), INFRA_LEVEL_LABEL).configure(
        is_null_level=True
    )


def _agreement_levels(column: str, tf: bool) -> list[Any]:
    """Missing, the same, held by infrastructure: the first levels of every identifier that
    shared infrastructure can hold."""
    return [
        cll.NullLevel(column),
        _tf(cll.ExactMatchLevel(column), column, tf),
        _scoped_level(column),
    ]


def _exact_comparison(column: str, tf: bool) -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *_agreement_levels(column, tf),
            cll.ElseLevel(),
        ],
        comparison_description=column,
    )


def _address_comparison(column: str, tf: bool) -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *_agreement_levels(column, tf),
            # Before the edit-distance levels, which a changed house number also passes.
            StatedLevel(column, other_number_sql, OTHER_NUMBER_LABEL).stated(
                OTHER_NUMBER_M, OTHER_NUMBER_U
            ),
            WithinEditsLevel(column, ADDRESS_MAX_EDITS),
            cll.JaroWinklerLevel(column, ADDRESS_JW),
            cll.ElseLevel(),
        ],
        comparison_description="address without unit",
    )


def _email_comparison(column: str, tf: bool) -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *_agreement_levels(column, tf),
            cll.CustomLevel(
                f"split_part({column}_l, '@', 1) = split_part({column}_r, '@', 1)",
                "same mailbox name, other domain",
            ),
            cll.ElseLevel(),
        ],
        comparison_description="email",
    )


def build_comparison(spec: dict[str, Any]) -> ComparisonCreator:
    column, kind, tf = spec["column"], spec["kind"], bool(spec.get("tf", False))
    if kind == "name" and spec.get("name_score"):
        return _name_score_comparison(column, tf)
    if kind == "name":
        return _name_comparison(column, tf)
    if kind == "address":
        return _address_comparison(column, tf)
    if kind == "email":
        return _email_comparison(column, tf)
    if kind == "exact" and column in INFRA_COLUMNS:
        return _exact_comparison(column, tf)
    if kind == "exact":
        comparison = cl.ExactMatch(column)
        return comparison.configure(term_frequency_adjustments=True) if tf else comparison
    raise ValueError(f"unknown comparison kind {kind!r} for column {column!r}")


def build_settings(data: dict[str, Any]) -> SettingsCreator:
    return SettingsCreator(
        link_type=data["link_type"],
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in data["blocking_rules"]],
        comparisons=[build_comparison(spec) for spec in data["comparisons"]],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


@dataclass
class TrainedLinker:
    linker: Linker
    db: DuckDBAPI


def train_linker(
    con: duckdb.DuckDBPyConnection, table: str, data: dict[str, Any] | None = None
) -> TrainedLinker:
    """A Splink linker over ``table`` on ``con``, with u by sampling and m by EM."""
    data = data or load_settings()
    if uses_name_score(data):
        register_duckdb(con)
    db = DuckDBAPI(connection=con)
    sdf = db.register(table, dataset_display_name=table)
    linker = Linker(sdf, build_settings(data))
    training = data["training"]
    rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in training["deterministic_rules"]],
        recall=float(training["deterministic_recall"]),
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(training["u_max_pairs"]), seed=1
    )
    # EM needs enough blocked pairs: sample more of a small table than of a big one.
    proportion = min(1.0, max(0.05, 200_000 / max(rows, 1)))
    trained_sessions = 0
    for rule in training["em_blocking_rules"]:
        # A session prepares the linker's own settings for its blocked pairs (the comparisons
        # its rule uses removed, the prior scaled to those pairs) and puts them back only when
        # it succeeds: a failed session left a model without its e-mail comparison and with a
        # prior of 0.17 instead of 7e-5, which merged namesakes by the thousand (seed 76).
        before = linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*rule), record_sample_proportion=proportion
            )
            trained_sessions += 1
        except (ValueError, SplinkException) as exc:
            # On small or odd data one EM session can collapse a level to m = 0 (Splink refuses
            # it) or find no pairs; the other sessions and the defaults still give a usable model.
            linker._settings_obj.core_model_settings = before
            logger.warning("EM blocking on %s skipped: %s", rule, str(exc).splitlines()[0])
    if not trained_sessions:
        logger.warning("no EM session converged: m probabilities are Splink's defaults")
    _state_fallbacks(linker)
    return TrainedLinker(linker=linker, db=db)


def _state_fallbacks(linker: Linker) -> None:
    """Write into the model the m and u that Splink's predict uses for a level training did not
    reach (its documented defaults, or 1e-6 for a level never observed), so that every reader of
    the saved model (incremental runs, the live matcher, explanations) weighs the level alike;
    left out, the live matcher gave an exact phone match weight 0."""
    # Splink keeps the defaults on its level objects only; the settings object is its own.
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            for name in ("m_probability", "u_probability"):
                trained = getattr(level, f"_{name}")  # None, or a text when never observed
                value = getattr(level, name)  # what predict uses
                if (trained is None or isinstance(trained, str)) and value is not None:
                    logger.info(
                        "%s, %s: %s not trained, %g stated",
                        comparison.output_column_name,
                        level.label_for_charts,
                        name,
                        value,
                    )
                    setattr(level, name, value)


def tf_columns(data: dict[str, Any]) -> list[str]:
    """Columns with term-frequency tables: those the built comparison levels adjust on."""
    columns: list[str] = []
    settings = build_settings(data).get_settings("duckdb").as_dict()  # type: ignore[no-untyped-call]
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def model_settings(
    model_path: Path, dialect: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Splink settings in ``dialect``'s SQL from ``settings.json``, with the trained λ, m and u
    of ``model_path`` (a run's ``model.json``).

    The SQL comes from this code, the parameters from the file: a model trained before a level's
    SQL was made cheaper (its label, and so its meaning, the same) is scored with the cheaper SQL.
    A model whose comparisons or levels differ from the settings is refused (RedlaneError).
    """
    settings = build_settings(data or load_settings()).create_settings_dict(dialect)
    model = json.loads(model_path.read_text(encoding="utf-8"))
    settings["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    ours, theirs = settings["comparisons"], model["comparisons"]
    if [c["output_column_name"] for c in ours] != [c["output_column_name"] for c in theirs]:
        raise RedlaneError(f"{model_path}: its comparisons differ from settings.json; run --full")
    for mine, trained in zip(ours, theirs, strict=True):
        labels = [level["label_for_charts"] for level in mine["comparison_levels"]]
        if labels != [level["label_for_charts"] for level in trained["comparison_levels"]]:
            raise RedlaneError(
                f"{model_path}: the levels of {mine['output_column_name']!r} differ from"
                " settings.json; run `redlane resolve --full`"
            )
        for level, fitted in zip(
            mine["comparison_levels"], trained["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability"):
                if key in fitted:
                    level[key] = fitted[key]
    return settings


def _saved_model(model_path: Path, data: dict[str, Any]) -> dict[str, Any] | str:
    """The model for DuckDB: this code's SQL with the file's parameters, or the file as it is
    when its levels are older than this code's (it keeps the SQL it was trained with)."""
    try:
        return model_settings(model_path, "duckdb", data)
    except RedlaneError as exc:
        logger.info("scoring with the saved model's own SQL: %s", exc)
        return str(model_path)


def new_pairs(
    con: duckdb.DuckDBPyConnection,
    model_path: Path,
    threshold: float,
    data: dict[str, Any] | None = None,
) -> str:
    """Score new signatures against existing ones and among themselves with a saved model.

    Reads ``signatures_all`` (existing + new), ``prev_signatures`` and ``signatures_new``;
    returns the name of a table (sig_id_l, sig_id_r, match_probability, match_weight).
    """
    data = data or load_settings()
    con.execute(
        "CREATE OR REPLACE TABLE sigs_new_only AS SELECT * FROM signatures_new "
        "WHERE unique_id NOT IN (SELECT unique_id FROM prev_signatures)"
    )
    out = "pairs_new"
    empty = (
        f"CREATE OR REPLACE TABLE {out} AS SELECT NULL::VARCHAR sig_id_l, NULL::VARCHAR sig_id_r,"
        " NULL::DOUBLE match_probability, NULL::DOUBLE match_weight WHERE false"
    )
    con.execute(empty)
    if not con.execute("SELECT count(*) FROM sigs_new_only").fetchall()[0][0]:
        return out
    if uses_name_score(data):
        register_duckdb(con)
    db = DuckDBAPI(connection=con)
    linker = Linker(
        db.register("signatures_all", dataset_display_name="signatures_all"),
        _saved_model(model_path, data),
    )
    for column in tf_columns(data):
        linker.table_management.compute_tf_table(column)
    new_sdf = db.register("sigs_new_only", dataset_display_name="new")
    old_sdf = db.register("prev_signatures", dataset_display_name="existing")
    floor = min(threshold, 0.5)
    for result in (
        linker.inference.predict_between(new_sdf, old_sdf, threshold_match_probability=floor),
        linker.inference.predict_within(new_sdf, threshold_match_probability=floor),
    ):
        con.execute(
            f"INSERT INTO {out} SELECT unique_id_l, unique_id_r, match_probability, match_weight "
            f"FROM {result.physical_name}"
        )
    return out


def quiet_splink() -> None:
    """Splink logs every training step at INFO on its own loggers; commands show their own
    progress, so keep only its warnings."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("splink"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("splink").setLevel(logging.WARNING)
