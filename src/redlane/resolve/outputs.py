"""Where resolution results live and how readers see them.

A resolution run writes one folder ``HOME/resolution/runs/<run_id>/`` holding one Parquet file
per output table, then points ``HOME/resolution/current`` at it by an atomic rename of a small
JSON file. Readers (targeting, cases, the service) only ever see a whole run: never half of one.

Output tables (columns are a contract for the rest of the package):

``parties``        one row per party appearance in a feed record
    party_id, source_table, record_key, role, name, name_norm, address, country, phone, email,
    bank_account, device_id, ip_address, handle, first_seen (TIMESTAMP)
``party_actors``   party_id, source_table, record_key, role, actor_id
``actors``         actor_id, display_name, n_parties, n_sources, first_seen, last_seen,
                   ring_id (NULL when alone), risk (DOUBLE, 0..1), risk_reasons (VARCHAR[])
``actor_edges``    src_actor_id, dst_actor_id, kind, weight, detail
``rings``          ring_id, n_actors, actor_ids (VARCHAR[]), risk, seizures
``pair_evidence``  sig_id_l, sig_id_r, match_probability, match_weight: Splink's scored pairs
                   of signatures (a signature is one distinct normalised spelling of a party;
                   ``parties.sig_id`` says which parties share it)

A run folder also holds ``signatures`` and Splink's trained ``model.json``, which incremental
runs, live matching and explanations reuse, ``party_raw`` (each party's raw values, so the next
incremental run reads only new warehouse batches), ``normalised_values`` (every raw value
normalised so far, so the next run normalises only the values it has not seen),
``infra_counts``, ``shipper_clients`` and ``infra_held`` (who holds each phone, e-mail and
address, so the next run finds shared infrastructure from its own parties:
:mod:`redlane.resolve.infra_update`) and ``run.json``.
``actors`` also carries ``seizures`` and ``takedowns``; ``parties`` also the normalised columns
used for matching.

Tables an incremental run only appends to (:data:`SEGMENTED`: parties, signatures, pair
evidence, raw values) are folders of segments, ``<name>/<run_id>.parquet``: a run hard-links the
previous run's segments and writes one new segment with its own rows, so a day's run writes in
proportion to the day, not to the population. Read every table through :func:`table_source` or
:func:`table_paths` (a run written before segments holds ``<name>.parquet``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Final

import duckdb

from redlane.engine.sql import quote_literal
from redlane.engine.warehouse import fsync_path, parquet_source, write_atomic

OUTPUT_TABLES = (
    "parties",
    "party_actors",
    "actors",
    "actor_edges",
    "rings",
    "pair_evidence",
    "infrastructure",
)

# Tables incremental runs append to, kept as folders of segments (see the module docstring).
SEGMENTED: Final = frozenset(
    {
        "parties",
        "signatures",
        "pair_evidence",
        "party_raw",
        # the values normalised so far (resolve/prepare.py NORMALISED_VALUES)
        "normalised_values",
        # counts kept for the next run's infrastructure (resolve/infra_update.py)
        "infra_counts",
        "shipper_clients",
        "infra_held",
    }
)

EMPTY_SQL = {
    "parties": (
        "SELECT NULL::VARCHAR party_id, NULL::VARCHAR source_table, NULL::VARCHAR record_key,"
        " NULL::VARCHAR role, NULL::VARCHAR name, NULL::VARCHAR name_norm,"
        " NULL::VARCHAR address, NULL::VARCHAR country, NULL::VARCHAR phone,"
        " NULL::VARCHAR email, NULL::VARCHAR bank_account, NULL::VARCHAR device_id,"
        " NULL::VARCHAR ip_address, NULL::VARCHAR handle, NULL::TIMESTAMP first_seen"
        " WHERE false"
    ),
    "party_actors": (
        "SELECT NULL::VARCHAR party_id, NULL::VARCHAR source_table, NULL::VARCHAR record_key,"
        " NULL::VARCHAR role, NULL::VARCHAR actor_id WHERE false"
    ),
    "actors": (
        "SELECT NULL::VARCHAR actor_id, NULL::VARCHAR display_name, NULL::BIGINT n_parties,"
        " NULL::BIGINT n_sources, NULL::TIMESTAMP first_seen, NULL::TIMESTAMP last_seen,"
        " NULL::VARCHAR ring_id, NULL::DOUBLE risk, NULL::VARCHAR[] risk_reasons,"
        " NULL::BIGINT seizures, NULL::BIGINT takedowns, NULL::BOOLEAN infrastructure"
        " WHERE false"
    ),
    "actor_edges": (
        "SELECT NULL::VARCHAR src_actor_id, NULL::VARCHAR dst_actor_id, NULL::VARCHAR kind,"
        " NULL::DOUBLE weight, NULL::VARCHAR detail WHERE false"
    ),
    "rings": (
        "SELECT NULL::VARCHAR ring_id, NULL::BIGINT n_actors, NULL::VARCHAR[] actor_ids,"
        " NULL::DOUBLE risk, NULL::BIGINT seizures WHERE false"
    ),
    "infrastructure": (
        "SELECT NULL::VARCHAR kind, NULL::VARCHAR value, NULL::BIGINT n_parties,"
        " NULL::BIGINT n_names, NULL::BIGINT n_clients, NULL::BOOLEAN care_of,"
        " NULL::VARCHAR owner_key, NULL::VARCHAR owner_name, NULL::VARCHAR reason WHERE false"
    ),
    "pair_evidence": (
        "SELECT NULL::VARCHAR sig_id_l, NULL::VARCHAR sig_id_r,"
        " NULL::DOUBLE match_probability, NULL::DOUBLE match_weight WHERE false"
    ),
}


def resolution_root(home: Path) -> Path:
    return home / "resolution"


def current_run_dir(home: Path) -> Path | None:
    """The folder of the current resolution run, or None before the first run."""
    pointer = resolution_root(home) / "current.json"
    if not pointer.exists():
        return None
    run_dir = resolution_root(home) / "runs" / json.loads(pointer.read_text())["run_id"]
    return run_dir if run_dir.exists() else None


def new_run_dir(home: Path, run_id: str) -> Path:
    run_dir = resolution_root(home) / "runs" / run_id
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    return run_dir


def publish_run(home: Path, run_id: str, keep: int = 3) -> None:
    """Make a fully written run current (atomic), then drop all but the newest ``keep`` runs."""
    write_atomic(resolution_root(home) / "current.json", json.dumps({"run_id": run_id}))
    runs = sorted(
        (p for p in (resolution_root(home) / "runs").iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-keep]:
        if old.name != run_id:
            shutil.rmtree(old, ignore_errors=True)


def register_resolution_views(con: duckdb.DuckDBPyConnection, home: Path) -> bool:
    """Create a view per output table on ``con``; empty views before the first run.

    Returns whether a resolution run exists.
    """
    run_dir = current_run_dir(home)
    for name in OUTPUT_TABLES:
        paths = table_paths(run_dir, name) if run_dir is not None else []
        if paths:
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {parquet_source(paths)}")
        else:
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {EMPTY_SQL[name]}")
    return run_dir is not None


def table_paths(run_dir: Path, name: str) -> list[Path]:
    """The Parquet files holding table ``name`` of a run (none when the run lacks it)."""
    folder = run_dir / name
    if folder.is_dir():
        return sorted(folder.glob("*.parquet"))
    single = run_dir / f"{name}.parquet"
    return [single] if single.exists() else []


def table_source(run_dir: Path, name: str) -> str:
    """A DuckDB table expression for table ``name`` of a run; the run must hold it."""
    paths = table_paths(run_dir, name)
    if not paths:
        raise FileNotFoundError(f"resolution run {run_dir.name} holds no table {name!r}")
    return parquet_source(paths)


def write_table(con: duckdb.DuckDBPyConnection, sql: str, run_dir: Path, name: str) -> None:
    """Write the result of ``sql`` as table ``name`` of the run (fsynced before publishing); a
    segmented table gets it as its only segment."""
    if name in SEGMENTED:
        write_segment(con, sql, run_dir, name, previous=None)
        return
    target = run_dir / f"{name}.parquet"
    _copy(con, sql, target)


def write_segment(
    con: duckdb.DuckDBPyConnection, sql: str, run_dir: Path, name: str, previous: Path | None
) -> None:
    """Segmented table ``name``: the previous run's segments (hard links: nothing is copied when
    the file system allows it) plus the rows of ``sql`` as this run's segment."""
    folder = run_dir / name
    folder.mkdir(exist_ok=True)
    for path in table_paths(previous, name) if previous is not None else []:
        # a run written before segments held one file: it becomes the first segment
        linked = folder / (path.name if path.parent.name == name else f"0-{path.name}")
        try:
            os.link(path, linked)
        except OSError:
            shutil.copyfile(path, linked)
    _copy(con, sql, folder / f"{run_dir.name}.parquet")
    fsync_path(folder)


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    literal = quote_literal(str(target))
    con.execute(f"COPY ({sql}) TO {literal} (FORMAT parquet, COMPRESSION zstd)")
    fsync_path(target)
