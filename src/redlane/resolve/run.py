"""A resolution run: parties → signatures → Splink pairs → actors → network, published whole.

Full: train Splink on all signatures and cluster everything (actor ids kept by overlap with the
previous run). Incremental (default once a run exists): only parties not seen before are
normalised and scored against the existing signatures with the saved model (Splink's
``predict_between`` and ``predict_within``); parties resolved before keep their actor unless a
new party bridges two actors, which merges them.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import duckdb

from redlane.engine.warehouse import Warehouse, write_atomic
from redlane.network.edges import build_actor_edges
from redlane.network.rings import detect_rings
from redlane.network.risk import compute_risk
from redlane.resolve import outputs
from redlane.resolve.actors_table import actors_sql, incremental_named_sql
from redlane.resolve.cluster import assign_party_clusters, stable_actor_ids, strong_pairs_sql
from redlane.resolve.forwarding import (
    block_forwarders,
    block_forwarders_incrementally,
    write_match_components,
)
from redlane.resolve.increment import assign_incremental_actors
from redlane.resolve.infra_update import (
    FLOW_SHIPPERS,
    update_infrastructure,
    write_kept_tables,
)
from redlane.resolve.infrastructure import (
    BLOCKED_FLOW,
    CARE_OF_OWNERS,
    INFRA_VALUES,
    find_infrastructure,
    infrastructure_edges_sql,
    mark_infrastructure_actors,
    scope_signatures,
)
from redlane.resolve.labels import register_labels
from redlane.resolve.parties import PARTY_COLUMNS, PARTY_SOURCES, load_raw_parties
from redlane.resolve.prepare import NORMALISED_VALUES, normalised_values_sql, prepare_parties
from redlane.resolve.splink_model import load_settings, new_pairs, train_linker

Step = Callable[[str], None]
# Registers extra link tables on the run's connection (con, home); see ``resolve(links=...)``.
LinkSource = Callable[[duckdb.DuckDBPyConnection, Path], object]
RUN_INFO: Final = "run.json"
PARTY_RAW: Final = "party_raw"
FRESH_SCHEMA: Final = "fresh"
PARTY_TABLES: Final = tuple(sorted({source[0] for source in PARTY_SOURCES}))
# The raw values the normalisers read (see prepare.KNOWN_VALUES): name through registry_id.
RAW_COLUMNS: Final = (
    "party_id",
    *PARTY_COLUMNS[PARTY_COLUMNS.index("name") : PARTY_COLUMNS.index("registry_id") + 1],
)
Engine = Literal["duckdb", "spark"]
ENGINES: Final = ("duckdb", "spark")


@dataclass
class ResolveSummary:
    run_id: str
    mode: str
    parties: int
    new_parties: int
    signatures: int
    pairs: int
    actors: int
    rings: int
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])


def _read_previous(con: duckdb.DuckDBPyConnection, run_dir: Path) -> None:
    for name in ("parties", "party_actors", "signatures", "pair_evidence"):
        source = outputs.table_source(run_dir, name)
        # views: the population is read where it is used, never held twice in memory
        con.execute(f"CREATE OR REPLACE VIEW prev_{name} AS SELECT * FROM {source}")


def _previous_seq(run_dir: Path) -> int | None:
    """The warehouse batch the previous run read up to, when it kept its parties' raw values
    (runs before that did not: their successor reads every party of the warehouse)."""
    info = run_dir / RUN_INFO
    if not info.exists() or not outputs.table_paths(run_dir, PARTY_RAW):
        return None
    seq = json.loads(info.read_text(encoding="utf-8")).get("warehouse_seq")
    return int(seq) if isinstance(seq, int) else None


def _load_new_raw_parties(
    con: duckdb.DuckDBPyConnection, warehouse: Warehouse, seq: int, previous_dir: Path
) -> tuple[str, bool]:
    """``raw_new``: parties not resolved before. Returns the join of earlier parties' raw and
    normalised values for :func:`prepare_parties`, and whether the previous run's raw values
    were read (else ``raw_parties`` holds every party's).

    Reads only the batches committed since the previous run when it recorded where it stopped;
    a party re-sent under a key seen before keeps its first resolution either way.
    """
    prev_seq = _previous_seq(previous_dir)
    if prev_seq is None:
        load_raw_parties(con)
        source, known = "raw_parties", "raw_parties r JOIN prev_parties p USING (party_id)"
    else:
        warehouse.create_views(
            con, as_of_seq=seq, after_seq=prev_seq, tables=PARTY_TABLES, schema=FRESH_SCHEMA
        )
        load_raw_parties(con, "raw_fresh", schema=FRESH_SCHEMA)
        previous_raw = outputs.table_source(previous_dir, PARTY_RAW)
        con.execute(f"CREATE OR REPLACE VIEW prev_party_raw AS SELECT * FROM {previous_raw}")
        source, known = "raw_fresh", "prev_party_raw r JOIN prev_parties p USING (party_id)"
    con.execute(
        f"CREATE OR REPLACE TABLE raw_new AS SELECT * FROM {source} "
        "WHERE party_id NOT IN (SELECT party_id FROM prev_party_actors)"
    )
    return known, prev_seq is not None


def resolve(
    warehouse_path: Path,
    home: Path,
    *,
    full: bool = False,
    memory_limit: str = "",
    on_step: Step | None = None,
    settings_data: dict[str, Any] | None = None,
    labels: list[tuple[str, str, str]] | None = None,
    engine: Engine = "duckdb",
    links: Sequence[LinkSource] = (),
) -> ResolveSummary:
    """Resolve every party in the warehouse and publish a new run under ``home``.

    ``labels`` are investigators' (party_id_l, party_id_r, 'match' | 'non_match') verdicts.
    ``engine="spark"`` scores signature pairs on Spark (:mod:`redlane.resolve.spark_scoring`)
    with the model trained here; every other step is the same.
    ``links`` register further link tables on the run's connection before the actor edges are
    built (the brands floor passes its cloned-code references, ``brand_cloned_refs``): signals
    from floors above resolution come in as parameters, never as imports.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 3)
        mark[0] = now
        if on_step is not None:
            on_step(name)

    data = settings_data or load_settings()
    threshold = float(data["threshold"])
    warehouse = Warehouse(warehouse_path)
    # Everything this run reads is as of one batch, recorded so the next run reads only later ones.
    seq = warehouse.last_seq()
    con = warehouse.connect(memory_limit=memory_limit, as_of_seq=seq)
    previous_dir = outputs.current_run_dir(home)
    incremental = not full and previous_dir is not None and (previous_dir / "model.json").exists()
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    run_dir = outputs.new_run_dir(home, run_id)
    try:
        labels_sql = register_labels(con, labels or [])
        if incremental:
            assert previous_dir is not None
            _read_previous(con, previous_dir)
            known, raw_reused = _load_new_raw_parties(con, warehouse, seq, previous_dir)
            kept = _read_normalised_values(con, previous_dir)
            values_from: tuple[Path | None, str | None] = (
                (previous_dir, None) if kept is not None else (None, known)
            )
            step("parties")
            # Spellings resolved before keep their normalisation: no normaliser call for them.
            prepare_parties(con, "raw_new", "parties_new", "signatures_new", known=known, kept=kept)
            # Views over the previous run's files plus the day: the population is never
            # copied into memory (350 MB less at a 100 k-parcel day, no slower).
            con.execute(
                "CREATE OR REPLACE VIEW parties_all AS "
                "SELECT * FROM prev_parties UNION ALL BY NAME SELECT * FROM parties_new"
            )
            # The verdicts of the values the day holds, from the counts kept by earlier runs;
            # earlier signatures keep their scoping (published scoped), `--full` scopes
            # everything afresh.
            infra_appended = update_infrastructure(con, previous_dir)
            scope_signatures(con, "signatures_new")
            con.execute(
                "CREATE OR REPLACE TABLE signatures_all AS SELECT * FROM prev_signatures "
                "UNION ALL BY NAME SELECT * FROM signatures_new "
                "WHERE unique_id NOT IN (SELECT unique_id FROM prev_signatures)"
            )
            new_count = _count(con, "SELECT * FROM parties_new")
            step("normalise")
            if engine == "spark":
                from redlane.resolve.spark_scoring import spark_new_pairs

                pairs_table = spark_new_pairs(con, previous_dir / "model.json", threshold, data)
            else:
                pairs_table = new_pairs(con, previous_dir / "model.json", threshold)
            con.execute(f"CREATE OR REPLACE VIEW pairs_fresh AS SELECT * FROM {pairs_table}")
            con.execute(
                "CREATE OR REPLACE VIEW pairs_all AS SELECT * FROM prev_pair_evidence "
                "UNION ALL BY NAME SELECT * FROM pairs_fresh"
            )
            step("score")
            fresh_pairs = (
                f"SELECT sig_id_l sig_l, sig_id_r sig_r FROM {pairs_table} "
                f"WHERE match_probability >= {threshold}"
            )
            earlier_pairs = (
                "SELECT sig_id_l sig_l, sig_id_r sig_r FROM prev_pair_evidence "
                f"WHERE match_probability >= {threshold}"
            )
            # the day's evidence matches, read by the forwarders and the clustering alike
            con.execute(
                "CREATE OR REPLACE TEMP TABLE evidence_fresh AS "
                + strong_pairs_sql(fresh_pairs, "signatures_all")
            )
            block_forwarders_incrementally(
                con,
                previous_dir,
                fresh_pairs_sql=fresh_pairs,
                earlier_pairs_sql=earlier_pairs,
                signatures="signatures_all",
                shippers=FLOW_SHIPPERS,
                everyone="parties_all",
                owners=CARE_OF_OWNERS,
                fresh_evidence="evidence_fresh",
            )
            # Only what the day touches is clustered; the population keeps its actors.
            assign_incremental_actors(
                con,
                fresh_pairs,
                labels=labels_sql,
                blocked_flow=BLOCKED_FLOW,
                signatures="signatures_all",
                earlier_pairs_sql=earlier_pairs,
                evidence="evidence_fresh",
            )
            # The model is carried over unchanged; `redlane resolve --full` retrains.
            model_source: Path | None = previous_dir / "model.json"
        else:
            total = load_raw_parties(con)
            raw_reused = False
            step("parties")
            prepare_parties(con, "raw_parties", "parties_all", "signatures_all")
            values_from = (None, None)
            find_infrastructure(con, "parties_all")
            infra_appended = False
            scope_signatures(con, "signatures_all")
            new_count = total
            step("normalise")
            trained = train_linker(con, "signatures_all", data)
            trained.linker.misc.save_model_to_json(str(run_dir / "model.json"), overwrite=True)
            step("train")
            if engine == "spark":
                from redlane.resolve.spark_scoring import spark_pairs

                scored = spark_pairs(con, run_dir / "model.json", 0.5, data)
                con.execute(f"CREATE OR REPLACE TABLE pairs_all AS SELECT * FROM {scored}")
            else:
                predictions = trained.linker.inference.predict(threshold_match_probability=0.5)
                con.execute(
                    "CREATE OR REPLACE TABLE pairs_all AS SELECT unique_id_l AS sig_id_l, "
                    "unique_id_r AS sig_id_r, match_probability, match_weight "
                    f"FROM {predictions.physical_name}"
                )
            step("score")
            previous = None
            if previous_dir is not None and (previous_dir / "party_actors.parquet").exists():
                _read_previous(con, previous_dir)
                previous = "prev_party_actors"
            matched = (
                "SELECT sig_id_l sig_l, sig_id_r sig_r FROM pairs_all "
                f"WHERE match_probability >= {threshold}"
            )
            con.execute(
                "CREATE OR REPLACE TEMP TABLE evidence_all AS "
                + strong_pairs_sql(matched, "signatures_all")
            )
            block_forwarders(
                con,
                matched,
                "signatures_all",
                "parties_all",
                CARE_OF_OWNERS,
                evidence="evidence_all",
            )
            assign_party_clusters(
                con,
                matched,
                parties="parties_all",
                labels=labels_sql,
                blocked_flow=BLOCKED_FLOW,
                signatures="signatures_all",
                evidence="evidence_all",
            )
            stable_actor_ids(con, previous=previous)
            model_source = None
            con.execute(
                "CREATE OR REPLACE TABLE party_actors_all AS "
                "SELECT p.party_id, p.source_table, p.record_key, p.role, a.actor_id "
                "FROM parties_all p JOIN party_actor_ids a USING (party_id)"
            )
        mark_infrastructure_actors(con)
        step("cluster")
        for register_links in links:
            register_links(con, home)
        build_actor_edges(con, infrastructure=INFRA_VALUES, extra_edges=infrastructure_edges_sql())
        detect_rings(con)
        compute_risk(con)
        step("network")
        appended_from = previous_dir if incremental else None
        _write_outputs(con, run_dir, model_source, appended_from)
        _write_party_raw(con, run_dir, previous_dir if raw_reused else None)
        _write_normalised_values(con, run_dir, *values_from)
        write_kept_tables(con, run_dir, previous_dir if infra_appended else None)
        write_match_components(con, run_dir)
        write_atomic(run_dir / RUN_INFO, json.dumps({"run_id": run_id, "warehouse_seq": seq}))
        outputs.publish_run(home, run_id)
        step("publish")
        summary = ResolveSummary(
            run_id=run_id,
            mode="incremental" if incremental else "full",
            parties=_count(con, "SELECT * FROM parties_all"),
            new_parties=new_count,
            signatures=_count(con, "SELECT * FROM signatures_all"),
            pairs=_count(con, f"SELECT * FROM pairs_all WHERE match_probability >= {threshold}"),
            actors=_count(con, "SELECT DISTINCT actor_id FROM party_actors_all"),
            rings=_count(con, "SELECT DISTINCT ring_id FROM actor_ring"),
            seconds=round(time.perf_counter() - started, 3),
            steps=timings,
        )
    except BaseException:
        # Never published: readers still see the previous run.
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    finally:
        con.close()
    return summary


def _read_normalised_values(con: duckdb.DuckDBPyConnection, previous_dir: Path) -> str | None:
    """``prev_normalised_values``, the values earlier runs normalised, when the previous run
    kept them (runs before it did not: their successor looks values up in the parties)."""
    if not outputs.table_paths(previous_dir, NORMALISED_VALUES):
        return None
    source = outputs.table_source(previous_dir, NORMALISED_VALUES)
    con.execute(f"CREATE OR REPLACE VIEW prev_{NORMALISED_VALUES} AS SELECT * FROM {source}")
    return f"prev_{NORMALISED_VALUES}"


def _write_normalised_values(
    con: duckdb.DuckDBPyConnection,
    run_dir: Path,
    appended_from: Path | None,
    known: str | None = None,
) -> None:
    """The values this run normalised, appended to ``appended_from``'s (a previous run that
    kept them); with ``known`` (an incremental run after one that kept none), every value the
    earlier parties hold as well."""
    sql = normalised_values_sql(known)
    outputs.write_segment(con, sql, run_dir, NORMALISED_VALUES, appended_from)


def _write_party_raw(
    con: duckdb.DuckDBPyConnection, run_dir: Path, appended_from: Path | None
) -> None:
    """Every party's raw values, so the next incremental run needs no earlier batch: the day's
    appended to ``appended_from``'s, or all of ``raw_parties``."""
    columns = ", ".join(RAW_COLUMNS)
    if appended_from is not None:
        sql = f"SELECT {columns} FROM raw_new"
        outputs.write_segment(con, sql, run_dir, PARTY_RAW, appended_from)
    else:
        outputs.write_table(con, f"SELECT {columns} FROM raw_parties", run_dir, PARTY_RAW)


# The parties table as published (``country`` and the like are the normalised values).
_PARTIES_SELECT: Final = """
    SELECT party_id, source_table, record_key, role, name, name_norm, address,
        country_norm AS country, phone_norm AS phone, email_norm AS email,
        bank_norm AS bank_account, device_norm AS device_id, ip_norm AS ip_address,
        handle_norm AS handle, first_seen,
        -- kept for incremental runs and the live matcher
        alt_name, hawb_link, seller_link, registry_norm AS registry_id, address_core,
        country_norm, phone_norm, email_norm, bank_norm, device_norm, ip_norm, handle_norm,
        registry_norm, sig_id
    FROM {parties}
"""


def _write_appended(con: duckdb.DuckDBPyConnection, run_dir: Path, appended_from: Path) -> None:
    """An incremental run's parties, signatures and pairs: the previous run's segments plus
    this run's new rows (``parties_all`` and the like are exactly those two parts)."""
    tables = {
        "parties": _PARTIES_SELECT.format(parties="parties_new"),
        "signatures": "SELECT * FROM signatures_all "
        "WHERE unique_id NOT IN (SELECT unique_id FROM prev_signatures)",
        "pair_evidence": "SELECT * FROM pairs_fresh",
    }
    for name, sql in tables.items():
        outputs.write_segment(con, sql, run_dir, name, appended_from)


def _write_outputs(
    con: duckdb.DuckDBPyConnection, run_dir: Path, model: Path | None, appended_from: Path | None
) -> None:
    if appended_from is not None:
        _write_appended(con, run_dir, appended_from)
    else:
        outputs.write_table(con, _PARTIES_SELECT.format(parties="parties_all"), run_dir, "parties")
        outputs.write_table(con, "SELECT * FROM signatures_all", run_dir, "signatures")
        outputs.write_table(con, "SELECT * FROM pairs_all", run_dir, "pair_evidence")
    outputs.write_table(con, "SELECT * FROM party_actors_all", run_dir, "party_actors")
    outputs.write_table(
        con, f"SELECT * FROM {INFRA_VALUES} ORDER BY kind, value", run_dir, "infrastructure"
    )
    named = None
    if appended_from is not None:
        named = incremental_named_sql(outputs.table_source(appended_from, "actors"))
    outputs.write_table(con, actors_sql(named), run_dir, "actors")
    outputs.write_table(con, "SELECT * FROM actor_edges_t", run_dir, "actor_edges")
    outputs.write_table(
        con,
        """
        SELECT r.ring_id, count(*) AS n_actors, list(r.actor_id ORDER BY r.actor_id) AS actor_ids,
            max(coalesce(k.risk, 0.0)) AS risk, sum(coalesce(k.seizures, 0))::BIGINT AS seizures
        FROM actor_ring r LEFT JOIN actor_risk k USING (actor_id)
        GROUP BY r.ring_id
        """,
        run_dir,
        "rings",
    )
    if model is not None:
        (run_dir / "model.json").write_bytes(model.read_bytes())
