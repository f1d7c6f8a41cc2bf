"""Parties: every appearance of a person or company in a feed record, in one shape.

One SQL per source role keeps the mapping readable and lets Spark run the same text later.
``hawb_link`` and ``seller_link`` carry flow identifiers: a customs entry's importer is the
consignee of the air waybill it clears, and a seller-fulfilled parcel's shipper is the seller
account named in ``seller_ref``. Resolution uses them as link evidence, not as identity.
"""

from __future__ import annotations

from typing import Final

import duckdb

# The fields that identify a party, in the one order every copy keeps (SQL column order, the
# signature hash): what resolution normalises and compares, what the Splink baseline reads,
# and what a case lists per actor (redlane.cases.records, which leaves out registry_id).
IDENTIFIER_FIELDS: Final = (
    "name",
    "address",
    "country",
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
)

# A party row: where it came from, its identifiers (``alt_name`` beside ``name``: a second
# spelling, compared only when the name gives nothing), flow links and when it was first seen.
PARTY_COLUMNS: Final = (
    "party_id",
    "source_table",
    "record_key",
    "role",
    IDENTIFIER_FIELDS[0],
    "alt_name",
    *IDENTIFIER_FIELDS[1:],
    "hawb_link",
    "seller_link",
    "first_seen",
)

_NULL = "NULL::VARCHAR"

# (source table, role, key expr, {column: expr}) — columns not named are NULL.
PARTY_SOURCES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    (
        "aed_shipments",
        "shipper",
        "hawb",
        {
            "name": "shipper_name",
            "address": "shipper_address",
            "country": "shipper_country",
            "phone": "shipper_phone",
            "email": "shipper_email",
            "seller_link": "seller_ref",
            "first_seen": "submitted_at",
        },
    ),
    (
        "aed_shipments",
        "consignee",
        "hawb",
        {
            "name": "consignee_name",
            "address": "consignee_address",
            "country": "consignee_country",
            "phone": "consignee_phone",
            "email": "consignee_email",
            "hawb_link": "hawb",
            "first_seen": "submitted_at",
        },
    ),
    (
        "customs_entries",
        "importer",
        "entry_number",
        {
            "name": "importer_name",
            "address": "importer_address",
            "registry_id": "importer_id",
            "hawb_link": "hawb",
            "first_seen": "CAST(entry_date AS TIMESTAMP)",
        },
    ),
    (
        "mp_sellers",
        "seller",
        "seller_id",
        {
            "name": "registrant_name",
            "alt_name": "store_name",
            "address": "business_address",
            "country": "country",
            "phone": "phone",
            "email": "email",
            "bank_account": "bank_account",
            "device_id": "device_id",
            "ip_address": "ip_address",
            "seller_link": "seller_id",
            "first_seen": "CAST(registered_at AS TIMESTAMP)",
        },
    ),
    (
        "social_posts",
        "social_handle",
        "post_id",
        {
            "handle": "handle",
            "first_seen": "CAST(posted_at AS TIMESTAMP)",
        },
    ),
    (
        "authorized_parties",
        "authorized_party",
        "party_id",
        {"name": "name", "address": "address", "country": "country"},
    ),
)


def party_select_sql(
    source_table: str, role: str, key: str, columns: dict[str, str], schema: str = ""
) -> str:
    exprs = [
        f"'{source_table}:{role}:' || {key} AS party_id",
        f"'{source_table}' AS source_table",
        f"CAST({key} AS VARCHAR) AS record_key",
        f"'{role}' AS role",
    ]
    for column in PARTY_COLUMNS[4:]:
        if column == "first_seen":
            exprs.append(f"CAST({columns.get(column, 'NULL')} AS TIMESTAMP) AS first_seen")
        else:
            exprs.append(f"CAST({columns.get(column, _NULL)} AS VARCHAR) AS {column}")
    relation = f"{schema}.{source_table}" if schema else source_table
    return f"SELECT {', '.join(exprs)} FROM {relation} WHERE {key} IS NOT NULL"


def all_parties_sql(schema: str = "") -> str:
    """Every party once, by ``party_id``: of a record re-sent under the same key, the row first
    seen.

    Only the ids that occur more than once go through ``DISTINCT ON``. DuckDB computes it as a
    hash aggregate keeping, per id, a copy of every column and of its sort key; over every party
    of a 12 M-parcel history (15 M ids, a few thousand re-sent) that state filled the 7.4 GiB
    memory limit and ``redlane resolve --full`` failed. Counting ids keeps one column a group.
    """
    union = " UNION ALL ".join(party_select_sql(*source, schema=schema) for source in PARTY_SOURCES)
    return f"""
WITH parties AS ({union}),
repeated AS MATERIALIZED (SELECT party_id FROM parties GROUP BY party_id HAVING count(*) > 1)
SELECT * FROM (
    SELECT p.* FROM parties p ANTI JOIN repeated r USING (party_id)
    UNION ALL
    SELECT * FROM (
        SELECT DISTINCT ON (p.party_id) p.* FROM parties p SEMI JOIN repeated r USING (party_id)
        ORDER BY p.party_id, p.first_seen
    )
)
ORDER BY party_id"""


def load_raw_parties(
    con: duckdb.DuckDBPyConnection, table: str = "raw_parties", schema: str = ""
) -> int:
    """Materialise every party of the warehouse views on ``con`` (those in ``schema`` when
    given) as ``table``; returns its rows."""
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {all_parties_sql(schema)}")
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
