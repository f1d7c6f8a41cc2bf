"""Normalise parties and fold identical normalised parties into signatures.

Normalisers are Python (``redlane.normalize``); they run once per distinct raw value, never once
per row, and their results are joined back in DuckDB. A busy shipper appears on thousands of air
waybills with a handful of spellings: resolution compares the spellings (signatures), not the
waybills, which is where most of its speed comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa

from redlane import normalize

SIGNATURE_COLUMNS = (
    "name_norm",
    "name_sorted",
    "name_joined",
    "name_first",
    "address_core",
    "country",
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
)


def name_key(text: str | None) -> str | None:
    return normalize.strip_legal_form(normalize.company_name(text)) or None


def registry_key(text: str | None) -> str | None:
    if text is None:
        return None
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    return compact or None


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


def _known_sql(name: str, known: str | None) -> str | None:
    """SQL of (inputs..., value) already normalised for map ``name``; ``known`` joins the raw
    parties ``r`` with their previous normalised rows ``p`` (see :data:`KNOWN_VALUES`)."""
    if known is None:
        return None
    sql, keys = KNOWN_VALUES[name]
    return (
        f"SELECT {keys}, any_value(value) AS value FROM ({sql.format(j=known)}) "
        f"WHERE v IS NOT NULL GROUP BY {keys}"
    )


def _map_distinct(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    inputs: Sequence[str],
    fn: Callable[..., str | None],
    name: str,
    known_sql: str | None = None,
) -> None:
    """Create table ``name`` (inputs..., value) with ``fn`` applied to each distinct input tuple
    (``known_sql``: values already normalised, taken as they are instead of calling ``fn``)."""
    cols = ", ".join(inputs)
    distinct = f"SELECT DISTINCT {cols} FROM ({source_sql}) WHERE {inputs[0]} IS NOT NULL"
    if known_sql is None:
        rows = con.execute(distinct).fetchall()
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_wanted AS {distinct}")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name}_known AS SELECT k.* FROM ({known_sql}) k "
            f"SEMI JOIN {name}_wanted w ON "
            + " AND ".join(f"k.{c} IS NOT DISTINCT FROM w.{c}" for c in inputs)
        )
        rows = con.execute(
            f"SELECT * FROM {name}_wanted w ANTI JOIN {name}_known k ON "
            + " AND ".join(f"k.{c} IS NOT DISTINCT FROM w.{c}" for c in inputs)
        ).fetchall()
    data: dict[str, list[str | None]] = {c: [r[i] for r in rows] for i, c in enumerate(inputs)}
    data["value"] = [fn(*r) for r in rows]
    arrow = pa.table({k: pa.array(v, type=pa.string()) for k, v in data.items()})
    con.register(f"{name}_arrow", arrow)
    reused = "" if known_sql is None else f" UNION ALL SELECT {cols}, value FROM {name}_known"
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {cols}, value FROM {name}_arrow{reused}")
    con.unregister(f"{name}_arrow")
    if known_sql is not None:
        con.execute(f"DROP TABLE {name}_wanted; DROP TABLE {name}_known")


def prepare_parties(
    con: duckdb.DuckDBPyConnection,
    raw: str = "raw_parties",
    parties_out: str = "parties_norm",
    signatures_out: str = "signatures",
    known: str | None = None,
) -> None:
    """From ``raw``: ``parties_out`` (a row per party, with ``sig_id``) and ``signatures_out``.

    ``known`` (incremental runs): a join of raw parties ``r`` with their previously normalised
    rows ``p``, e.g. ``raw_parties r JOIN prev_parties p USING (party_id)``; values seen there
    reuse their normalisation instead of calling the normaliser again.
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
    for source_sql, inputs, fn, name in maps:
        _map_distinct(con, source_sql, inputs, fn, name, _known_sql(name, known))
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
