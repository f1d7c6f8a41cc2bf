"""Resolution quality against a truth: pairwise and B-cubed precision/recall, and more.

The truth is a relation of party appearances and who they really are, with columns
``source, record_id, role, entity_id`` (``source`` = ``party_actors.source_table``,
``record_id`` = ``party_actors.record_key``). It comes from a simulator truth/ folder
(:func:`truth_links_sql` over ``party_links.parquet``) or from a mapping file anyone can write
(:func:`load_mapping`, CSV or Parquet with exactly those columns).

Metrics are computed over party appearances present in the prediction and in the truth (an
appearance quarantined at ingest has no prediction and is left out of both sides); truth rows
that match no predicted party are counted (``unmatched_labels``), never silently dropped.

A truth/ folder may say more about the true actors, and then more is measured
(:func:`evaluate_resolution`): ``actors.parquet`` (actor_id, kind, role) for firms merged
together and the forwarders/shared infrastructure, ``namesakes.parquet`` (actor_id, name, group)
for distinct actors that share a name, ``name_squats.parquet`` (front_actor_id, legit_actor_id,
name) for fronts squatting a legitimate firm's name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa

from redlane.engine.sql import quote_literal
from redlane.errors import RedlaneError

MAPPING_COLUMNS: Final = ("source", "record_id", "role", "entity_id")
MAPPING_SUFFIXES: Final = (".csv", ".parquet")
# Party roles whose identities the targets are set on.
SHIPPER_SELLER_ROLES: Final = ("shipper", "seller")
# A true actor's role for forwarders, consolidators and other shared infrastructure.
FORWARDER_ROLE: Final = "forwarder"

_JOINED: Final = "eval_joined"
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class TruthFileError(RedlaneError):
    """A truth mapping file that cannot be used (missing, unreadable, inconsistent)."""

    STATUS = 422


@dataclass(frozen=True)
class ResolutionMetrics:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    actors: int
    true_actors: int
    parties: int

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def truth_links_sql(truth_dir: Path) -> str:
    """A simulator truth/ folder's ``party_links.parquet`` as a truth relation."""
    links = quote_literal(str(truth_dir / "party_links.parquet"))
    return (
        'SELECT "table" AS source, record_key AS record_id, role, actor_id AS entity_id '
        f"FROM read_parquet({links})"
    )


def _relation(sql_or_table: str) -> str:
    """A query for a table or view name, or the query itself."""
    text = sql_or_table.strip()
    return f"SELECT * FROM {text}" if _NAME.fullmatch(text) else text


def _truth_sql(truth: Path | str) -> str:
    return truth_links_sql(truth) if isinstance(truth, Path) else _relation(truth)


def _join(con: duckdb.DuckDBPyConnection, predicted_sql: str, truth_sql: str) -> tuple[int, int]:
    """Pair every truth row with its predicted actor (table ``eval_joined``: pred, true_actor,
    role). Returns (truth rows, truth rows matching no predicted party)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE eval_labelled AS
        SELECT p.actor_id AS pred, t.entity_id AS true_actor, t.role AS role
        FROM ({truth_sql}) t
        LEFT JOIN ({_relation(predicted_sql)}) p
          ON t.source = p.source_table AND t.record_id = p.record_key AND t.role = p.role
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_JOINED} AS "
        "SELECT * FROM eval_labelled WHERE pred IS NOT NULL AND true_actor IS NOT NULL"
    )
    labels, unmatched = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE pred IS NULL) FROM eval_labelled"
    ).fetchall()[0]
    con.execute("DROP TABLE eval_labelled")
    return int(labels or 0), int(unmatched or 0)


def _pairwise(con: duckdb.DuckDBPyConnection, where: str = "true") -> tuple[float, float, float]:
    """(precision, recall, F1) over the joined appearances that satisfy ``where``."""
    tp, pred_pairs, true_pairs = con.execute(
        f"""
        WITH cells AS (SELECT pred, true_actor, count(*)::DOUBLE n FROM {_JOINED}
                       WHERE {where} GROUP BY ALL)
        SELECT
            (SELECT sum(n * (n - 1) / 2) FROM cells),
            (SELECT sum(n * (n - 1) / 2) FROM (SELECT sum(n) n FROM cells GROUP BY pred)),
            (SELECT sum(n * (n - 1) / 2) FROM (SELECT sum(n) n FROM cells GROUP BY true_actor))
        """
    ).fetchall()[0]
    precision = float(tp or 0.0) / pred_pairs if pred_pairs else 1.0
    recall = float(tp or 0.0) / true_pairs if true_pairs else 1.0
    return precision, recall, _f1(precision, recall)


def _joined_metrics(con: duckdb.DuckDBPyConnection) -> ResolutionMetrics:
    precision, recall, f1 = _pairwise(con)
    b_p, b_r, items, actors, true_actors = con.execute(
        f"""
        WITH cells AS (SELECT pred, true_actor, count(*)::DOUBLE n FROM {_JOINED} GROUP BY ALL),
        pred_sizes AS (SELECT pred, sum(n) n FROM cells GROUP BY pred),
        true_sizes AS (SELECT true_actor, sum(n) n FROM cells GROUP BY true_actor)
        SELECT
            (SELECT sum(c.n * c.n / p.n) FROM cells c JOIN pred_sizes p USING (pred)),
            (SELECT sum(c.n * c.n / t.n) FROM cells c JOIN true_sizes t USING (true_actor)),
            (SELECT sum(n) FROM cells),
            (SELECT count(*) FROM pred_sizes),
            (SELECT count(*) FROM true_sizes)
        """
    ).fetchall()[0]
    items = float(items or 0.0)
    bcubed_precision = float(b_p) / items if items else 0.0
    bcubed_recall = float(b_r) / items if items else 0.0
    return ResolutionMetrics(
        pairwise_precision=round(precision, 6),
        pairwise_recall=round(recall, 6),
        pairwise_f1=round(f1, 6),
        bcubed_precision=round(bcubed_precision, 6),
        bcubed_recall=round(bcubed_recall, 6),
        bcubed_f1=round(_f1(bcubed_precision, bcubed_recall), 6),
        actors=int(actors or 0),
        true_actors=int(true_actors or 0),
        parties=int(items),
    )


def evaluate_assignments(
    con: duckdb.DuckDBPyConnection, predicted_sql: str, truth: Path | str
) -> ResolutionMetrics:
    """Pairwise and B-cubed figures of ``predicted_sql`` (source_table, record_key, role,
    actor_id) against ``truth``: a simulator truth/ folder (a :class:`~pathlib.Path`), or a SQL
    query or table name yielding (source, record_id, role, entity_id)."""
    _join(con, predicted_sql, _truth_sql(truth))
    return _joined_metrics(con)


def evaluate_resolution(
    con: duckdb.DuckDBPyConnection,
    predicted_sql: str,
    truth: Path | str,
    *,
    actors_sql: str | None = None,
) -> dict[str, float | int]:
    """Everything :func:`evaluate_assignments` gives, plus the label counts, the shipper/seller
    pairwise figures and, when ``truth`` is a truth/ folder holding them, the figures on true
    actors' kinds and roles, namesakes and name squats.

    ``actors_sql`` is the predicted actors (``actor_id``, and ``infrastructure`` BOOLEAN when
    the run marks shared infrastructure): the infrastructure figures need that column and
    ``truth/actors.parquet``, and are left out otherwise. Ring figures are not computed here
    (``redlane.network.evaluate.evaluate_rings``).
    """
    labels, unmatched = _join(con, predicted_sql, _truth_sql(truth))
    out: dict[str, float | int] = dict(_joined_metrics(con).to_json())
    out["labels"] = labels
    out["unmatched_labels"] = unmatched
    roles = ", ".join(quote_literal(r) for r in SHIPPER_SELLER_ROLES)
    precision, recall, f1 = _pairwise(con, f"role IN ({roles})")
    out["shipper_seller_pairwise_precision"] = round(precision, 6)
    out["shipper_seller_pairwise_recall"] = round(recall, 6)
    out["shipper_seller_pairwise_f1"] = round(f1, 6)
    if not isinstance(truth, Path):
        return out
    true_actors = truth / "actors.parquet"
    if true_actors.exists():
        source = f"read_parquet({quote_literal(str(true_actors))})"
        out["actors_mixing_legit_firms"] = _mixing_legit_firms(con, source)
        if actors_sql is not None and "infrastructure" in _columns(con, actors_sql):
            out.update(_infrastructure(con, source, actors_sql))
    namesakes = truth / "namesakes.parquet"
    if namesakes.exists():
        merged, pairs = _namesakes(con, f"read_parquet({quote_literal(str(namesakes))})")
        out["namesake_merges"] = merged
        out["namesake_pairs"] = pairs
    squats = truth / "name_squats.parquet"
    if squats.exists():
        merged, pairs = _squats(con, f"read_parquet({quote_literal(str(squats))})")
        out["squatted_firm_merges"] = merged
        out["squat_pairs"] = pairs
    return out


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    cursor = con.execute(f"SELECT * FROM ({_relation(relation)}) LIMIT 0")
    return {d[0] for d in cursor.description or []}


def _mixing_legit_firms(con: duckdb.DuckDBPyConnection, true_actors: str) -> int:
    """Predicted actors holding appearances of two or more distinct legitimate firms."""
    row = con.execute(
        f"""
        SELECT count(*) FROM (
            SELECT j.pred FROM {_JOINED} j JOIN {true_actors} ta ON ta.actor_id = j.true_actor
            WHERE ta.kind = 'legit' AND ta.role IS DISTINCT FROM 'consumer'
            GROUP BY j.pred HAVING count(DISTINCT j.true_actor) >= 2
        )
        """
    ).fetchall()[0]
    return int(row[0] or 0)


def _infrastructure(
    con: duckdb.DuckDBPyConnection, true_actors: str, actors_sql: str
) -> dict[str, float | int]:
    """How well predicted infrastructure actors stand for the true forwarders."""
    relation = _relation(actors_sql)
    forwarder = quote_literal(FORWARDER_ROLE)
    row = con.execute(
        f"""
        WITH cells AS (SELECT pred, true_actor, count(*)::DOUBLE n FROM {_JOINED} GROUP BY ALL),
        infra AS (SELECT DISTINCT actor_id AS pred FROM ({relation}) WHERE infrastructure),
        forwarders AS (SELECT DISTINCT actor_id AS true_actor FROM {true_actors}
                       WHERE role = {forwarder}),
        -- each predicted actor stands for the true actor most of its appearances belong to,
        -- and each true actor for the predicted actor most of its appearances went to
        pred_major AS (
            SELECT pred, true_actor FROM cells
            QUALIFY row_number() OVER (PARTITION BY pred ORDER BY n DESC, true_actor) = 1
        ),
        true_major AS (
            SELECT true_actor, pred FROM cells
            QUALIFY row_number() OVER (PARTITION BY true_actor ORDER BY n DESC, pred) = 1
        ),
        infra_cells AS (SELECT * FROM cells WHERE pred IN (SELECT pred FROM infra))
        SELECT
            (SELECT count(*) FROM pred_major WHERE pred IN (SELECT pred FROM infra)),
            (SELECT count(*) FROM pred_major WHERE pred IN (SELECT pred FROM infra)
                AND true_actor IN (SELECT true_actor FROM forwarders)),
            (SELECT count(*) FROM true_major
                WHERE true_actor IN (SELECT true_actor FROM forwarders)),
            (SELECT count(*) FROM true_major
                WHERE true_actor IN (SELECT true_actor FROM forwarders)
                AND pred IN (SELECT pred FROM infra)),
            (SELECT sum(n * (n - 1) / 2) FROM infra_cells),
            (SELECT sum(n * (n - 1) / 2) FROM (SELECT sum(n) n FROM infra_cells GROUP BY pred))
        """
    ).fetchall()[0]
    infra, infra_right, forwarders, forwarders_found, tp, pairs = (v or 0 for v in row)
    return {
        "infrastructure_precision": round(infra_right / infra, 6) if infra else 1.0,
        "infrastructure_recall": round(forwarders_found / forwarders, 6) if forwarders else 1.0,
        "infrastructure_actor_pairwise_precision": round(tp / pairs, 6) if pairs else 1.0,
        "infrastructure_actors": int(infra),
        "true_forwarders": int(forwarders),
    }


def _namesakes(con: duckdb.DuckDBPyConnection, namesakes: str) -> tuple[int, int]:
    """(pairs of distinct namesakes sharing a predicted actor, pairs of namesakes).

    Pairs are found through the predicted actors (a group of a thousand consumers who share a
    name is half a million pairs, few of them merged) and counted once each."""
    row = con.execute(
        f"""
        WITH ns AS (SELECT DISTINCT actor_id, "group" AS grp FROM {namesakes}
                    WHERE actor_id IS NOT NULL AND "group" IS NOT NULL),
        placed AS (SELECT DISTINCT j.pred, ns.grp, ns.actor_id FROM {_JOINED} j
                   JOIN ns ON ns.actor_id = j.true_actor)
        SELECT
            (SELECT count(*) FROM (SELECT DISTINCT a.grp, a.actor_id, b.actor_id
                FROM placed a JOIN placed b
                  ON a.pred = b.pred AND a.grp = b.grp AND a.actor_id < b.actor_id)),
            (SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM ns GROUP BY grp))
        """
    ).fetchall()[0]
    return int(row[0] or 0), int(row[1] or 0)


def _squats(con: duckdb.DuckDBPyConnection, squats: str) -> tuple[int, int]:
    """(squat pairs whose front and legitimate firm share a predicted actor, squat pairs)."""
    row = con.execute(
        f"""
        WITH pairs AS (SELECT DISTINCT front_actor_id AS x, legit_actor_id AS y FROM {squats}
                       WHERE front_actor_id IS NOT NULL AND legit_actor_id IS NOT NULL
                       AND front_actor_id <> legit_actor_id),
        presence AS (SELECT DISTINCT pred, true_actor FROM {_JOINED})
        SELECT
            (SELECT count(*) FROM (SELECT DISTINCT x, y FROM pairs
                JOIN presence px ON px.true_actor = x
                JOIN presence py ON py.true_actor = y AND py.pred = px.pred)),
            (SELECT count(*) FROM pairs)
        """
    ).fetchall()[0]
    return int(row[0] or 0), int(row[1] or 0)


# --- mapping files ----------------------------------------------------------------------------


def load_mapping(con: duckdb.DuckDBPyConnection, path: Path, table: str = "truth_mapping") -> str:
    """Read a mapping file (CSV or Parquet, columns exactly ``source, record_id, role,
    entity_id``, in any order) into temp table ``table`` and return its name.

    Values are read as text (``00123`` stays ``00123``) with surrounding blanks stripped; a row
    repeated with the same entity is kept once. Raises :class:`TruthFileError` naming the file
    (and, for CSV, the line) for a missing file, missing or extra columns, an empty value, or a
    (source, record_id, role) given two different entities.
    """
    if not path.is_file():
        raise TruthFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, where = _read_csv(path), "line"
    elif suffix == ".parquet":
        rows, where = _read_parquet(con, path), "row"
    else:
        raise TruthFileError(f"{path}: a mapping file must be .csv or .parquet")
    con.register("mapping_rows", rows)
    try:
        conflict = con.execute(
            """
            SELECT source, record_id, role, count(DISTINCT entity_id) AS n,
                list(DISTINCT entity_id ORDER BY entity_id) AS entities,
                list(position ORDER BY position) AS positions
            FROM mapping_rows GROUP BY ALL HAVING count(DISTINCT entity_id) > 1
            ORDER BY min(position)
            """
        ).fetchall()
        if conflict:
            source, record_id, role, _, entities, positions = conflict[0]
            shown = ", ".join(str(p) for p in positions[:5])
            raise TruthFileError(
                f"{path}: ({source}, {record_id}, {role}) has different entity_id values "
                f"({', '.join(repr(e) for e in entities[:5])}) at {where}s {shown}"
                + (f"; {len(conflict) - 1} more key(s) conflict" if len(conflict) > 1 else "")
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            "SELECT DISTINCT source, record_id, role, entity_id FROM mapping_rows"
        )
    finally:
        con.unregister("mapping_rows")
    return table


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in MAPPING_COLUMNS if c not in header]
    extra = [c for c in header if c not in MAPPING_COLUMNS]
    expected = ",".join(MAPPING_COLUMNS)
    if missing:
        raise TruthFileError(
            f"{path}: missing column(s) {', '.join(missing)} (the columns must be {expected};"
            f" found {','.join(header) or 'none'})"
        )
    if extra:
        raise TruthFileError(
            f"{path}: unexpected column(s) {', '.join(extra)} (the columns must be exactly"
            f" {expected})"
        )
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise TruthFileError(f"{path}: column(s) {', '.join(duplicated)} given twice")


def _read_csv(path: Path) -> pa.Table:
    values: dict[str, list[str]] = {c: [] for c in MAPPING_COLUMNS}
    positions: list[int] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            _check_header(path, header)
            index = {c: header.index(c) for c in MAPPING_COLUMNS}
            for row in reader:
                line = reader.line_num
                if not row or all(not v.strip() for v in row):
                    continue
                if len(row) != len(header):
                    raise TruthFileError(
                        f"{path}, line {line}: {len(row)} field(s), expected {len(header)}"
                        f" ({','.join(header)})"
                    )
                for column, i in index.items():
                    value = row[i].strip()
                    if not value:
                        raise TruthFileError(f"{path}, line {line}: empty {column}")
                    values[column].append(value)
                positions.append(line)
    except UnicodeDecodeError:
        raise TruthFileError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise TruthFileError(f"{path}: not readable as CSV: {exc}") from None
    return pa.table(
        {
            **{c: pa.array(v, type=pa.string()) for c, v in values.items()},
            "position": pa.array(positions, type=pa.int64()),
        }
    )


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    source = f"read_parquet({quote_literal(str(path))}, file_row_number = true)"
    try:
        header = [
            str(d[0]) for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description or []
        ]
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TruthFileError(f"{path}: not readable as Parquet: {first}") from None
    _check_header(path, [h for h in header if h != "file_row_number"])
    cast = ", ".join(f"nullif(trim(CAST({c} AS VARCHAR)), '') AS {c}" for c in MAPPING_COLUMNS)
    table = con.sql(
        f"SELECT {cast}, file_row_number + 1 AS position FROM {source} ORDER BY position"
    ).to_arrow_table()
    con.register("mapping_parquet", table)
    try:
        nulls = con.execute(
            "SELECT position, " + ", ".join(f"{c} IS NULL" for c in MAPPING_COLUMNS) + " "
            "FROM mapping_parquet WHERE "
            + " OR ".join(f"{c} IS NULL" for c in MAPPING_COLUMNS)
            + " ORDER BY position LIMIT 1"
        ).fetchall()
    finally:
        con.unregister("mapping_parquet")
    if nulls:
        position, *empty = nulls[0]
        column = next(c for c, e in zip(MAPPING_COLUMNS, empty, strict=True) if e)
        raise TruthFileError(f"{path}, row {position}: empty {column}")
    return table
