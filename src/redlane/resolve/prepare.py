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


def _map_distinct(
    con: duckdb.DuckDBPyConnection,
    source_sql: str,
    inputs: Sequence[str],
    fn: Callable[..., str | None],
    name: str,
) -> None:
    """Create table ``name`` (inputs..., value) with ``fn`` applied to each distinct input tuple."""
    cols = ", ".join(inputs)
    rows = con.execute(
        f"SELECT DISTINCT {cols} FROM ({source_sql}) WHERE {inputs[0]} IS NOT NULL"
    ).fetchall()
    data: dict[str, list[str | None]] = {c: [r[i] for r in rows] for i, c in enumerate(inputs)}
    data["value"] = [fn(*r) for r in rows]
    arrow = pa.table({k: pa.array(v, type=pa.string()) for k, v in data.items()})
    con.register(f"{name}_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def prepare_parties(
    con: duckdb.DuckDBPyConnection,
    raw: str = "raw_parties",
    parties_out: str = "parties_norm",
    signatures_out: str = "signatures",
) -> None:
    """From ``raw``: ``parties_out`` (a row per party, with ``sig_id``) and ``signatures_out``."""
    names_sql = f"SELECT name AS v FROM {raw} UNION SELECT alt_name FROM {raw}"
    _map_distinct(con, names_sql, ["v"], name_key, "map_name")
    _map_distinct(con, f"SELECT address AS v FROM {raw}", ["v"], normalize.address_core, "map_addr")
    _map_distinct(con, f"SELECT country AS v FROM {raw}", ["v"], normalize.country, "map_country")
    _map_distinct(
        con,
        f"SELECT phone AS v, country AS c FROM {raw}",
        ["v", "c"],
        normalize.phone,
        "map_phone",
    )
    _map_distinct(con, f"SELECT email AS v FROM {raw}", ["v"], normalize.email, "map_email")
    _map_distinct(
        con, f"SELECT bank_account AS v FROM {raw}", ["v"], normalize.bank_account, "map_bank"
    )
    _map_distinct(con, f"SELECT device_id AS v FROM {raw}", ["v"], normalize.device_id, "map_dev")
    _map_distinct(con, f"SELECT ip_address AS v FROM {raw}", ["v"], normalize.ip_address, "map_ip")
    _map_distinct(con, f"SELECT handle AS v FROM {raw}", ["v"], normalize.handle, "map_handle")
    _map_distinct(con, f"SELECT registry_id AS v FROM {raw}", ["v"], registry_key, "map_regid")
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
