"""Actor edges from shared identifiers (weighted down when many actors share a value) and flows."""

from __future__ import annotations

import duckdb

# Base weight of sharing one value of each identifier kind. An address is weak evidence (busy
# consolidators), a bank account or a device strong.
IDENTIFIER_WEIGHTS = {
    "bank_account": 1.0,
    "device_id": 0.9,
    "phone": 0.8,
    "email": 0.8,
    "ip_address": 0.5,
    "handle": 0.6,
    "address_core": 0.4,
}
# The normalised column each kind is compared on. Raw values would miss the same account written
# two ways, and would differ between a full run (raw feed values) and an incremental one (which
# reads back the published parties, whose identifiers are the normalised ones).
IDENTIFIER_COLUMNS = {
    "bank_account": "bank_norm",
    "device_id": "device_norm",
    "phone": "phone_norm",
    "email": "email_norm",
    "ip_address": "ip_norm",
    "handle": "handle_norm",
    "address_core": "address_core",
}
# A value shared by more actors than this is infrastructure (a forwarder, a marketplace's
# default IP range), not a link.
MAX_SHARERS = 25
FLOW_WEIGHT = 0.1
# Edges that say how goods move, not who belongs with whom: never a ring, never a path for risk.
NOT_RING_KINDS = ("ships_to", "uses_infrastructure")
NOT_RING_SQL = "kind NOT IN (" + ", ".join(f"'{k}'" for k in NOT_RING_KINDS) + ")"


def identifier_edges_sql(
    parties: str = "parties_all",
    party_actors: str = "party_actors_all",
    infrastructure: str | None = None,
) -> str:
    """(src_actor_id, dst_actor_id, kind, weight, detail): one row per actor pair and kind.

    ``infrastructure`` (kind, value): values held by shared infrastructure, which link a client
    to the infrastructure, never two clients to each other (``uses_infrastructure`` edges)."""
    skip = ""
    if infrastructure is not None:
        skip = f"ANTI JOIN {infrastructure} i ON i.kind = v0.kind AND i.value = v0.value"
    columns = ", ".join(f"p.{column}" for column in IDENTIFIER_COLUMNS.values())
    kinds = ", ".join(f"{column} AS '{kind}'" for kind, column in IDENTIFIER_COLUMNS.items())
    bases = " ".join(f"WHEN '{kind}' THEN {w}" for kind, w in IDENTIFIER_WEIGHTS.items())
    # The population joined to its actors once, then one row per identifier value (UNPIVOT
    # leaves NULLs out): a join per kind read the parties seven times.
    return f"""
        WITH held AS (
            SELECT a.actor_id, {columns}
            FROM {parties} p JOIN {party_actors} a USING (party_id)
        ),
        v AS (
            SELECT DISTINCT v0.kind, v0.value, v0.actor_id, CASE v0.kind {bases} END AS base
            FROM (UNPIVOT held ON {kinds} INTO NAME kind VALUE value) v0
            {skip}
        ),
        sharers AS (SELECT kind, value, count(*) AS n FROM v GROUP BY kind, value),
        pairs AS (
            SELECT l.actor_id AS src_actor_id, r.actor_id AS dst_actor_id, l.kind,
                   l.base / ln(1 + s.n) * ln(3) AS w, l.value
            FROM v l JOIN v r ON l.kind = r.kind AND l.value = r.value AND l.actor_id < r.actor_id
            JOIN sharers s ON s.kind = l.kind AND s.value = l.value
            WHERE s.n <= {MAX_SHARERS}
        )
        SELECT src_actor_id, dst_actor_id, kind, least(1.0, max(w)) AS weight,
               'shares ' || replace(kind, '_', ' ') || ' ' || min(value) AS detail
        FROM pairs GROUP BY src_actor_id, dst_actor_id, kind
    """


def flow_edges_sql(parties: str = "parties_all", party_actors: str = "party_actors_all") -> str:
    """Shipper → consignee actor edges (one per pair, with the parcel count)."""
    # Shippers and consignees joined to their actors once, then paired by record: joining the
    # population twice cost two joins of every party.
    return f"""
        WITH ends AS MATERIALIZED (
            SELECT p.source_table, p.record_key, p.role, a.actor_id
            FROM {parties} p JOIN {party_actors} a USING (party_id)
            WHERE p.role IN ('shipper', 'consignee')
        )
        SELECT s.actor_id AS src_actor_id, c.actor_id AS dst_actor_id, 'ships_to' AS kind,
               {FLOW_WEIGHT} AS weight,
               count(*) || IF(count(*) = 1, ' parcel', ' parcels') AS detail
        FROM ends s JOIN ends c ON c.source_table = s.source_table
             AND c.record_key = s.record_key AND c.role = 'consignee' AND s.role = 'shipper'
        WHERE s.actor_id <> c.actor_id
        GROUP BY ALL
    """


# One authentication code seen on the goods of two actors: one code copied onto many fakes.
CLONED_CODE_WEIGHT = 0.9
CLONED_REFS = "brand_cloned_refs"  # (code_hash, kind, ref_key): redlane.brands.cloned


def cloned_code_edges_sql(
    parties: str = "parties_all", party_actors: str = "party_actors_all"
) -> str:
    """Actors whose parcels (as shipper) or listings (as seller) carried the same cloned code."""
    return f"""
        WITH holders AS (
            SELECT c.code_hash, a.actor_id
            FROM {CLONED_REFS} c
            JOIN {parties} p ON p.source_table = 'aed_shipments' AND p.role = 'shipper'
                 AND p.record_key = c.ref_key
            JOIN {party_actors} a USING (party_id)
            WHERE c.kind = 'shipment'
            UNION
            SELECT c.code_hash, a.actor_id
            FROM {CLONED_REFS} c JOIN mp_listings l ON l.listing_id = c.ref_key
            JOIN {parties} p ON p.source_table = 'mp_sellers' AND p.record_key = l.seller_id
            JOIN {party_actors} a USING (party_id)
            WHERE c.kind IN ('listing', 'test_buy')
        )
        SELECT l.actor_id AS src_actor_id, r.actor_id AS dst_actor_id,
               'shared_cloned_code' AS kind, {CLONED_CODE_WEIGHT} AS weight,
               'carried ' || count(DISTINCT l.code_hash) || ' of the same cloned codes' AS detail
        FROM holders l JOIN holders r ON l.code_hash = r.code_hash AND l.actor_id < r.actor_id
        GROUP BY ALL
    """


def build_actor_edges(
    con: duckdb.DuckDBPyConnection,
    out: str = "actor_edges_t",
    infrastructure: str | None = None,
    extra_edges: str | None = None,
) -> None:
    """``out``: identifier, flow and cloned-code edges; ``extra_edges`` (SQL with the same
    columns) are added as they are, e.g. resolution's ``uses_infrastructure`` edges."""
    identifiers = identifier_edges_sql(infrastructure=infrastructure)
    edges = f"SELECT * FROM ({identifiers}) UNION ALL SELECT * FROM ({flow_edges_sql()})"
    if extra_edges is not None:
        edges += f" UNION ALL SELECT * FROM ({extra_edges})"
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if CLONED_REFS in tables:
        edges += f" UNION ALL SELECT * FROM ({cloned_code_edges_sql()})"
    con.execute(f"CREATE OR REPLACE TABLE {out} AS {edges}")
