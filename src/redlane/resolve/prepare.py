"""Normalise parties and fold identical normalised parties into signatures.

Normalisers are Python (``redlane.normalize``); they run once per distinct raw value, never once
per row, and their results are joined back in DuckDB. A busy shipper appears on thousands of air
waybills with a handful of spellings: resolution compares the spellings (signatures), not the
waybills, which is where most of its speed comes from. A map with many distinct values is
normalised in worker processes (``REDLANE_NORMALISE_WORKERS``, 1 for serial), in order, so the
result is the serial one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Final

import duckdb
import pyarrow as pa

from redlane import normalize
from redlane.config import NormaliseSettings, env_name
from redlane.engine.sql import quote_literal
from redlane.engine.workers import worker_context
from redlane.resolve.parties import IDENTIFIER_FIELDS

# A signature's columns: the name as four comparison keys and the address's core, then the other
# identifiers normalised under their own names, in IDENTIFIER_FIELDS order.
SIGNATURE_COLUMNS: Final = (
    "name_norm",
    "name_sorted",
    "name_joined",
    "name_first",
    "address_core",
    *(f for f in IDENTIFIER_FIELDS if f not in ("name", "address")),
)


ADDRESS_LETTERS_SQL: Final = (
    "nullif(trim(regexp_replace(regexp_replace({a}, '[0-9]+', ' ', 'g'), '\\s+', ' ', 'g')), '')"
)
# The first number of an address is its house number in the formats partners send (a postcode,
# or a ZIP+4 one side lacks, comes later and is not a different house).
ADDRESS_NUMBER_SQL: Final = "nullif(regexp_extract({a}, '[0-9]+'), '')"


def name_key(text: str | None) -> str | None:
    return normalize.strip_legal_form(normalize.company_name(text)) or None


def registry_key(text: str | None) -> str | None:
    if text is None:
        return None
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    return compact or None


_WARM_CALLS: tuple[tuple[Callable[..., str | None], tuple[str, ...]], ...] = (
    (name_key, ("Shenzhen Huaqiang Co., Ltd.",)),
    (name_key, ("ООО «Ромашка»",)),
    (normalize.address_core, ("Room 1802, 388 Keji Road, Quanzhou, Fujian 362241",)),
    (normalize.phone, ("+86 138 0013 8000", "CN")),
    (normalize.email, ("John.Doe@GoogleMail.com",)),
)

# Raw value → normalised value pairs that parties resolved before already hold, per map: the
# Python normalisers are most of an incremental run's time, and a day's parties mostly repeat
# spellings seen before. ``r`` is the raw party, ``p`` its row in the previous run's parties.
# A party's name_norm is its name's, or its alt_name's when the name gives none, so a name is
# known only from parties without alt_name, and an alt_name only from parties without name.
KNOWN_VALUES: dict[str, tuple[str, str]] = {
    "map_name": (
        "SELECT r.name AS v, p.name_norm AS value FROM {j} WHERE r.alt_name IS NULL "
        "UNION ALL SELECT r.alt_name, p.name_norm FROM {j} WHERE r.name IS NULL",
        "v",
    ),
    "map_addr": ("SELECT r.address AS v, p.address_core AS value FROM {j}", "v"),
    "map_country": ("SELECT r.country AS v, p.country_norm AS value FROM {j}", "v"),
    "map_phone": ("SELECT r.phone AS v, r.country AS c, p.phone_norm AS value FROM {j}", "v, c"),
    "map_email": ("SELECT r.email AS v, p.email_norm AS value FROM {j}", "v"),
    "map_bank": ("SELECT r.bank_account AS v, p.bank_norm AS value FROM {j}", "v"),
    "map_dev": ("SELECT r.device_id AS v, p.device_norm AS value FROM {j}", "v"),
    "map_ip": ("SELECT r.ip_address AS v, p.ip_norm AS value FROM {j}", "v"),
    "map_handle": ("SELECT r.handle AS v, p.handle_norm AS value FROM {j}", "v"),
    "map_regid": ("SELECT r.registry_id AS v, p.registry_norm AS value FROM {j}", "v"),
}


def _map_inputs(name: str) -> list[str]:
    """The input columns of map ``name``: ``v``, and ``c`` (the country) for phones."""
    return [key.strip() for key in KNOWN_VALUES[name][1].split(",")]


def _known_sql(name: str, known: str | None, kept: str | None = None) -> str | None:
    """SQL of (inputs..., value) already normalised for map ``name``: from ``kept`` (the
    values earlier runs normalised, :data:`NORMALISED_VALUES`), else from ``known``, which joins
    the raw parties ``r`` with their previous normalised rows ``p`` (see :data:`KNOWN_VALUES`).

    Read from ``kept``, only the values the day holds (``{name}_wanted``) are looked up: joining
    every earlier party's raw and normalised rows, once per map, took 13 s of a 1 M-parcel
    day's incremental run (4.6 M earlier parties).
    """
    if kept is not None:
        keys = KNOWN_VALUES[name][1]
        held = " AND ".join(f"kv.{c} IS NOT DISTINCT FROM w.{c}" for c in _map_inputs(name))
        return (
            f"SELECT {keys}, any_value(value) AS value FROM (SELECT kv.* FROM {kept} kv "
            f"SEMI JOIN {name}_wanted w ON {held} WHERE kv.map = {quote_literal(name)}) "
            f"GROUP BY {keys}"
        )
    if known is None:
        return None
    sql, keys = KNOWN_VALUES[name]
    return (
        f"SELECT {keys}, any_value(value) AS value FROM ({sql.format(j=known)}) "
        f"WHERE v IS NOT NULL GROUP BY {keys}"
    )


# The values a run normalised (map, v, c, value; ``c`` is the phone's country, NULL for the
# other maps), kept with its outputs so that the next run looks up the values it has seen
# instead of normalising them again or joining every earlier party to find them.
NORMALISED_VALUES: Final = "normalised_values"


def normalised_values_sql(known: str | None = None) -> str:
    """The rows of :data:`NORMALISED_VALUES` from the maps :func:`prepare_parties` left on this
    connection: the values normalised there (every value of a full run's maps), and with
    ``known`` (the join :func:`prepare_parties` took, when the previous run kept no such table)
    every value the earlier parties hold as well, so that from the next run on no value is
    looked up there."""
    parts = []
    for name in KNOWN_VALUES:
        country = "c" if "c" in _map_inputs(name) else "NULL::VARCHAR"
        label = quote_literal(name)
        parts.append(f"SELECT {label} AS map, v, {country} AS c, value FROM {name} WHERE fresh")
        earlier = _known_sql(name, known)
        if earlier is not None:
            parts.append(f"SELECT {label}, v, {country}, value FROM ({earlier})")
    return " UNION ALL ".join(parts)


# Parallel normalisation. Starting the workers costs one import of the normalisers (about 2.1 CPU
# seconds, in the forkserver, once); a value costs 0.13-0.18 ms to normalise (names, addresses,
# phones of a simulated world). On two cores a map of n values saves n * 0.15 ms / 2, which pays
# for the start from about 28,000 values: hence REDLANE_NORMALISE_PARALLEL_MIN's default of
# 30,000 (redlane.config.NormaliseSettings).
WORKERS_ENV: Final = env_name(NormaliseSettings, "workers")  # 1 forces serial
PARALLEL_MIN_ENV: Final = env_name(NormaliseSettings, "parallel_min")
_CHUNKS_PER_WORKER = 4  # a few chunks each, so one slow chunk does not leave a core idle
_MIN_CHUNK = 500


def normalise_workers() -> int:
    """Worker processes for large maps (``REDLANE_NORMALISE_WORKERS``, else os.cpu_count();
    1 = serial)."""
    workers = NormaliseSettings().workers
    return max(1, workers if workers is not None else os.cpu_count() or 1)


def _apply_chunk(fn: Callable[..., str | None], rows: list[tuple[Any, ...]]) -> list[str | None]:
    return [fn(*r) for r in rows]


def _warm_worker() -> None:
    """Load the normalisers' lazily built tables (transliteration, legal forms, address
    vocabularies: over a second) while the parent still works on the small maps."""
    for fn, args in _WARM_CALLS:
        fn(*args)


def _no_op() -> None:
    return None


class _LazyPool:
    """A process pool started only when asked to, so small runs never pay for one."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start and warm the workers in the background; returns at once."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=worker_context(__name__), initializer=_warm_worker
            )
            for _ in range(self.workers):  # workers start on demand: one task each
                self._pool.submit(_no_op)

    def map_rows(
        self, fn: Callable[..., str | None], rows: list[tuple[Any, ...]]
    ) -> list[str | None]:
        if self.workers < 2:
            return _apply_chunk(fn, rows)
        self.start()
        assert self._pool is not None
        size = max(_MIN_CHUNK, -(-len(rows) // (self.workers * _CHUNKS_PER_WORKER)))
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
        out: list[str | None] = []
        try:
            for part in self._pool.map(_apply_chunk, [fn] * len(chunks), chunks):
                out.extend(part)
        except BrokenProcessPool:
            # A worker died (killed, out of memory, a main module failing to import in the
            # forkserver): the same answers, computed here.
            self.workers = 1
            return _apply_chunk(fn, rows)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


@contextmanager
def normaliser_pool(workers: int | None = None) -> Iterator[_LazyPool | None]:
    """A pool for :func:`prepare_parties`, started on demand, or ``None`` when serial."""
    workers = normalise_workers() if workers is None else workers
    if workers < 2:
        yield None
        return
    pool = _LazyPool(workers)
    try:
        yield pool
    finally:
        pool.close()


def parallel_min() -> int:
    """Distinct values of a map from which it is normalised in the pool
    (``REDLANE_NORMALISE_PARALLEL_MIN``)."""
    return NormaliseSettings().parallel_min


def _normalise_rows(
    fn: Callable[..., str | None], rows: list[tuple[Any, ...]], pool: _LazyPool | None
) -> list[str | None]:
    """``[fn(*r) for r in rows]``, in worker processes when there are enough rows."""
    if pool is None or len(rows) < parallel_min():
        return _apply_chunk(fn, rows)
    return pool.map_rows(fn, rows)


def _wanted_rows(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    inputs: Sequence[str],
    name: str,
    known_sql: str | None,
) -> list[tuple[Any, ...]]:
    """The distinct input tuples of map ``name`` still to normalise (``known_sql``: values
    already normalised, kept in ``{name}_known`` for :func:`_write_map`)."""
    cols = ", ".join(inputs)
    distinct = f"SELECT DISTINCT {cols} FROM ({source_sql}) WHERE {inputs[0]} IS NOT NULL"
    if known_sql is None:
        return con.execute(distinct).fetchall()
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_wanted AS {distinct}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_known AS SELECT k.* FROM ({known_sql}) k "
        f"SEMI JOIN {name}_wanted w ON "
        + " AND ".join(f"k.{c} IS NOT DISTINCT FROM w.{c}" for c in inputs)
    )
    return con.execute(
        f"SELECT * FROM {name}_wanted w ANTI JOIN {name}_known k ON "
        + " AND ".join(f"k.{c} IS NOT DISTINCT FROM w.{c}" for c in inputs)
    ).fetchall()


def _write_map(
    con: duckdb.DuckDBPyConnection,
    inputs: Sequence[str],
    name: str,
    rows: list[tuple[Any, ...]],
    values: list[str | None],
    known_sql: str | None,
) -> None:
    """Create table ``name`` (inputs..., value, fresh) from ``rows`` and their ``values``
    (``fresh``), plus the known values that :func:`_wanted_rows` set aside."""
    cols = ", ".join(inputs)
    data: dict[str, list[str | None]] = {c: [r[i] for r in rows] for i, c in enumerate(inputs)}
    data["value"] = values
    arrow = pa.table({k: pa.array(v, type=pa.string()) for k, v in data.items()})
    con.register(f"{name}_arrow", arrow)
    reused = (
        "" if known_sql is None else f" UNION ALL SELECT {cols}, value, false FROM {name}_known"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT {cols}, value, true AS fresh "
        f"FROM {name}_arrow{reused}"
    )
    con.unregister(f"{name}_arrow")
    if known_sql is not None:
        con.execute(f"DROP TABLE {name}_wanted; DROP TABLE {name}_known")


def prepare_parties(
    con: duckdb.DuckDBPyConnection,
    raw: str = "raw_parties",
    parties_out: str = "parties_norm",
    signatures_out: str = "signatures",
    known: str | None = None,
    kept: str | None = None,
) -> None:
    """From ``raw``: ``parties_out`` (a row per party, with ``sig_id``) and ``signatures_out``.

    ``kept`` (incremental runs): the previous run's :data:`NORMALISED_VALUES`; values found
    there reuse their normalisation instead of calling the normaliser again. Without it,
    ``known``: a join of raw parties ``r`` with their previously normalised rows ``p``, e.g.
    ``raw_parties r JOIN prev_parties p USING (party_id)``, read the same way. The maps
    (``map_name`` and the like) stay on the connection for :func:`normalised_values_sql`.
    """
    names_sql = f"SELECT name AS v FROM {raw} UNION SELECT alt_name FROM {raw}"
    maps: list[tuple[str, list[str], Callable[..., str | None], str]] = [
        (names_sql, ["v"], name_key, "map_name"),
        (f"SELECT address AS v FROM {raw}", ["v"], normalize.address_core, "map_addr"),
        (f"SELECT country AS v FROM {raw}", ["v"], normalize.country, "map_country"),
        (f"SELECT phone AS v, country AS c FROM {raw}", ["v", "c"], normalize.phone, "map_phone"),
        (f"SELECT email AS v FROM {raw}", ["v"], normalize.email, "map_email"),
        (f"SELECT bank_account AS v FROM {raw}", ["v"], normalize.bank_account, "map_bank"),
        (f"SELECT device_id AS v FROM {raw}", ["v"], normalize.device_id, "map_dev"),
        (f"SELECT ip_address AS v FROM {raw}", ["v"], normalize.ip_address, "map_ip"),
        (f"SELECT handle AS v FROM {raw}", ["v"], normalize.handle, "map_handle"),
        (f"SELECT registry_id AS v FROM {raw}", ["v"], registry_key, "map_regid"),
    ]
    wanted = [
        (inputs, fn, name, _wanted_rows(con, sql, inputs, name, _known_sql(name, known, kept)))
        for sql, inputs, fn, name in maps
    ]
    with normaliser_pool() as pool:
        if pool is not None and max(len(w[3]) for w in wanted) >= parallel_min():
            pool.start()  # it warms up on the spare core while the small maps run here
        # Smallest first, so the pool is warm when the large maps come; no output depends on it.
        for inputs, fn, name, rows in sorted(wanted, key=lambda w: len(w[3])):
            values = _normalise_rows(fn, rows, pool)
            _write_map(con, inputs, name, rows, values, _known_sql(name, known, kept))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {parties_out} AS
        WITH n AS (
            SELECT r.*,
                coalesce(mn.value, ma.value) AS name_norm,
                mad.value AS address_core,
                mc.value AS country_norm,
                mp.value AS phone_norm,
                me.value AS email_norm,
                mb.value AS bank_norm,
                md.value AS device_norm,
                mi.value AS ip_norm,
                mh.value AS handle_norm,
                mr.value AS registry_norm
            FROM {raw} r
            LEFT JOIN map_name mn ON mn.v = r.name
            LEFT JOIN map_name ma ON ma.v = r.alt_name
            LEFT JOIN map_addr mad ON mad.v = r.address
            LEFT JOIN map_country mc ON mc.v = r.country
            LEFT JOIN map_phone mp ON mp.v = r.phone AND mp.c IS NOT DISTINCT FROM r.country
            LEFT JOIN map_email me ON me.v = r.email
            LEFT JOIN map_bank mb ON mb.v = r.bank_account
            LEFT JOIN map_dev md ON md.v = r.device_id
            LEFT JOIN map_ip mi ON mi.v = r.ip_address
            LEFT JOIN map_handle mh ON mh.v = r.handle
            LEFT JOIN map_regid mr ON mr.v = r.registry_id
        )
        SELECT *,
            md5(concat_ws('|', coalesce(name_norm, ''), coalesce(address_core, ''),
                coalesce(country_norm, ''), coalesce(phone_norm, ''), coalesce(email_norm, ''),
                coalesce(bank_norm, ''), coalesce(device_norm, ''), coalesce(ip_norm, ''),
                coalesce(handle_norm, ''), coalesce(registry_norm, ''))) AS sig_id
        FROM n
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {signatures_out} AS
        SELECT
            sig_id AS unique_id,
            any_value(name_norm) AS name_norm,
            array_to_string(list_sort(string_split(any_value(name_norm), ' ')), ' ')
                AS name_sorted,
            replace(any_value(name_norm), ' ', '') AS name_joined,
            split_part(any_value(name_norm), ' ', 1) AS name_first,
            any_value(address_core) AS address_core,
            -- the address's street apart from its numbers, and its numbers: a neighbour on the
            -- same street is a different house, not a typo (splink_model's address levels)
            {ADDRESS_LETTERS_SQL.format(a="any_value(address_core)")} AS address_letters,
            {ADDRESS_NUMBER_SQL.format(a="any_value(address_core)")} AS address_number,
            any_value(country_norm) AS country,
            any_value(phone_norm) AS phone,
            any_value(email_norm) AS email,
            any_value(bank_norm) AS bank_account,
            any_value(device_norm) AS device_id,
            any_value(ip_norm) AS ip_address,
            any_value(handle_norm) AS handle,
            any_value(registry_norm) AS registry_id,
            count(*) AS n_parties
        FROM {parties_out}
        GROUP BY sig_id
        """
    )
