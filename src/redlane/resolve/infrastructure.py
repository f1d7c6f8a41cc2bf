"""Shared infrastructure: forwarders, consolidators, mail-box and agents' lines are not people.

A freight forwarder ships for dozens of clients, sometimes in its own name carrying the client's
seller account, sometimes under the client's name "c/o" its own address and phone. Its phone,
e-mail and address are therefore held by many unrelated names, and its own name carries many
seller accounts. Treating those as identity evidence makes one "actor" of every client.

This module finds such values from the data (how many distinct names hold a value; a care-of
address) and the names that carry many seller accounts, so that:

- a value held by infrastructure is compared only between parties of the name that owns it (the
  forwarder's own waybills), never between two clients (:func:`scope_signatures`);
- a forwarder's waybill links the seller it names to the forwarder's parcel, not the forwarder to
  the seller (``infra_blocked_flow``, read by the clustering's flow links);
- the network gets an edge with that meaning, ``uses_infrastructure``, from each client to the
  infrastructure actor (:func:`infrastructure_edges_sql`), and the actor is flagged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

import duckdb
from rapidfuzz.distance import JaroWinkler

# A value held by this many distinct names (first four letters of the joined name, so that one
# party's spelling variants count once) is infrastructure. On the simulator's worlds a value held
# by one actor carried at most 4 such keys; forwarders carry dozens.
MIN_NAMES: Final = 6
# A shipper name whose waybills name this many distinct seller accounts ships for others.
MIN_CLIENTS: Final = 3
# Such a shipper is infrastructure itself when it owns a value this many names use (or names
# twice MIN_CLIENTS seller accounts: :func:`mark_infrastructure_actors`).
OPERATOR_MIN_NAMES: Final = 2 * MIN_NAMES
# The name that holds this share of an infrastructure value's parties owns it (the forwarder's
# own waybills); below it nobody does (a consolidation warehouse's address).
OWNER_SHARE: Final = 0.3
# Names this close to the owner's are the owner's spellings.
OWNER_JW: Final = 0.9
CARE_OF_PATTERN: Final = r"(?i)(^|[^a-z])(c\s*/\s*o|care\s+of)([^a-z]|$)"
# Signature column → party column of each kind of value that can be infrastructure.
KINDS: Final = {"phone": "phone_norm", "email": "email_norm", "address_core": "address_core"}
INFRA_VALUES: Final = "infra_values"
# Marks a scoped value: no normalised phone, e-mail or address starts with it.
SCOPE_PREFIX: Final = "~"
FORWARDER_NAMES: Final = "infra_forwarder_names"
BLOCKED_FLOW: Final = "infra_blocked_flow"
INFRA_PARTIES: Final = "infra_parties"
INFRA_ACTORS: Final = "infra_actors"
INFRA_HELD: Final = "infra_held"
CARE_OF_OWNERS: Final = "infra_care_of_owners"


def name_key_sql(column: str) -> str:
    """The first four letters of a name without its spaces: a party's spellings mostly agree."""
    return f"substr(replace({column}, ' ', ''), 1, 4)"


INFRA_COUNTS: Final = "infra_counts"
SHIPPER_CLIENTS: Final = "shipper_clients"


def care_of_sql(address: str) -> str:
    return f"coalesce(regexp_matches({address}, '{CARE_OF_PATTERN}'), false)"


def counts_sql(parties: str) -> str:
    """``(kind, value, name_norm, seller_link, care_of, n)``: how many of ``parties`` hold each
    value under each name and seller account. Everything :func:`values_sql` needs, and they add
    up: the counts of two sets of parties are the rows of both."""
    held = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, {column} AS value, name_norm, seller_link, care_of "
        f"FROM cared WHERE {column} IS NOT NULL"
        for kind, column in KINDS.items()
    )
    return f"""
        WITH cared AS (
            SELECT name_norm, seller_link, phone_norm, email_norm, address_core,
                {care_of_sql("address")} AS care_of
            FROM {parties}
        ),
        held AS ({held})
        SELECT kind, value, name_norm, seller_link, care_of, count(*) AS n
        FROM held GROUP BY ALL
    """


def shipper_clients_sql(parties: str) -> str:
    """``(name_norm, seller_link)``: each seller account a shipper name's waybills named."""
    return f"""
        SELECT DISTINCT name_norm, seller_link FROM {parties}
        WHERE role = 'shipper' AND seller_link IS NOT NULL AND name_norm IS NOT NULL
    """


def values_sql(counts: str) -> str:
    """The ``infra_values`` rows of the values in ``counts`` (rows of :func:`counts_sql`, a
    value's rows possibly split over several): each value's verdict reads its own rows only."""
    return f"""
        WITH stats AS (
            SELECT kind, value, sum(n)::BIGINT AS n_parties,
                count(DISTINCT {name_key_sql("name_norm")}) AS n_names,
                count(DISTINCT seller_link) AS n_clients,
                bool_or(care_of) AS care_of
            FROM {counts} GROUP BY kind, value
        ),
        infra AS (
            SELECT * FROM stats
            WHERE n_names >= {MIN_NAMES}
               OR (care_of AND (kind = 'address_core' OR (kind = 'phone' AND n_names >= 2)))
        ),
        keyed AS (
            SELECT h.kind, h.value, {name_key_sql("h.name_norm")} AS name_key, h.name_norm,
                sum(h.n) AS n
            FROM {counts} h SEMI JOIN infra i ON i.kind = h.kind AND i.value = h.value
            WHERE h.name_norm IS NOT NULL AND NOT h.care_of
            GROUP BY ALL
        ),
        keys AS (
            SELECT kind, value, name_key, sum(n) AS n,
                arg_max(name_norm, (n, name_norm)) AS name_norm
            FROM keyed GROUP BY ALL
        ),
        top AS (
            SELECT kind, value, arg_max(name_key, (n, name_key)) AS owner_key,
                arg_max(name_norm, (n, name_key)) AS owner_name, max(n) AS owner_n
            FROM keys GROUP BY ALL
        )
        SELECT i.kind, i.value, i.n_parties, i.n_names, i.n_clients, i.care_of,
            CASE WHEN t.owner_n >= {OWNER_SHARE} * i.n_parties THEN t.owner_key END AS owner_key,
            CASE WHEN t.owner_n >= {OWNER_SHARE} * i.n_parties THEN t.owner_name END AS owner_name,
            CASE WHEN i.n_names >= {MIN_NAMES}
                THEN 'held by ' || i.n_names || ' different names'
                ELSE 'a care-of (c/o) address or its phone' END AS reason
        FROM infra i LEFT JOIN top t USING (kind, value)
    """


def held_sql(parties: str, values: str) -> str:
    """``infra_held`` rows: each party of ``parties`` holding a value of ``values``, one row per
    value (equi-joins per kind: a join on an OR of kinds is a nested loop over the parties)."""
    held = " UNION ALL ".join(
        f"SELECT p.party_id, '{kind}' AS kind, p.{column} AS value, p.name_norm, p.address "
        f"FROM {parties} p JOIN {values} v ON v.kind = '{kind}' AND v.value = p.{column}"
        for kind, column in KINDS.items()
    )
    return f"SELECT * EXCLUDE (address), {care_of_sql('address')} AS care_of FROM ({held})"


def forwarder_names_sql(shipper_clients: str) -> str:
    return f"""
        SELECT name_norm, count(DISTINCT seller_link) AS n_clients FROM {shipper_clients}
        GROUP BY name_norm HAVING count(DISTINCT seller_link) >= {MIN_CLIENTS}
    """


def derive_from_held(con: duckdb.DuckDBPyConnection, shippers: str) -> None:
    """``infra_blocked_flow`` over ``shippers`` (parties, or only those a run reads) and
    ``infra_parties``, from ``infra_values``, ``infra_held`` and ``infra_forwarder_names``."""
    # A shipper whose name carries many seller accounts, or who writes an agent's phone or
    # e-mail under its own name and address (not c/o a client), names its clients, not itself.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {BLOCKED_FLOW} AS
        WITH agents AS (
            SELECT DISTINCT h.party_id FROM {INFRA_HELD} h
            JOIN {INFRA_VALUES} v USING (kind, value)
            WHERE h.kind IN ('phone', 'email') AND v.n_names >= {MIN_NAMES} AND NOT h.care_of
        )
        SELECT p.party_id FROM {shippers} p
        WHERE p.role = 'shipper' AND p.seller_link IS NOT NULL AND (
            p.name_norm IN (SELECT name_norm FROM {FORWARDER_NAMES})
            OR p.party_id IN (SELECT party_id FROM agents))
        """
    )
    # Parties that may be the infrastructure itself: the owner's spellings of a value many
    # names use. Their actor is infrastructure if it also ships for several sellers
    # (:func:`mark_infrastructure_actors`): a shared building alone is not a business.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {INFRA_PARTIES} AS
        SELECT DISTINCT h.party_id
        FROM {INFRA_HELD} h JOIN {INFRA_VALUES} v USING (kind, value)
        WHERE v.n_names >= {OPERATOR_MIN_NAMES} AND v.owner_name IS NOT NULL
          AND ({_owner_sql("h.name_norm", "v")})
        """
    )
    # The documented pattern of forwarding: other names write "c/o" a forwarder with its phone.
    # The party that holds such a value under its own name and address is the forwarder,
    # however few seller accounts its own waybills name ("Kumho Express": two).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {CARE_OF_OWNERS} AS
        SELECT DISTINCT h.party_id
        FROM {INFRA_HELD} h JOIN {INFRA_VALUES} v USING (kind, value)
        WHERE v.care_of AND v.owner_name IS NOT NULL AND NOT h.care_of
          AND ({_owner_sql("h.name_norm", "v")})
        """
    )


def find_infrastructure(con: duckdb.DuckDBPyConnection, parties: str) -> None:
    """Create ``infra_values``, ``infra_forwarder_names``, ``infra_held``, ``infra_blocked_flow``
    and ``infra_parties`` from ``parties`` (the whole population, normalised), and the counts
    the next run keeps up to date (``infra_counts``, ``shipper_clients``:
    :mod:`redlane.resolve.infra_update`)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {INFRA_COUNTS} AS {counts_sql(parties)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {INFRA_VALUES} AS {values_sql(INFRA_COUNTS)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SHIPPER_CLIENTS} AS {shipper_clients_sql(parties)}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FORWARDER_NAMES} AS {forwarder_names_sql(SHIPPER_CLIENTS)}"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {INFRA_HELD} AS {held_sql(parties, INFRA_VALUES)}")
    derive_from_held(con, parties)


def _owner_sql(name: str, value: str) -> str:
    return f"(jaro_winkler_similarity({name}, {value}.owner_name) >= {OWNER_JW})"


def scope_key_sql(name: str, value: str) -> str:
    """The name an infrastructure value is scoped to: the owner's for its spellings, else the
    party's own (the whole name: two clients may share their first letters)."""
    owner = f"coalesce({_owner_sql(name, value)}, false)"
    return f"replace(CASE WHEN {owner} THEN {value}.owner_name ELSE {name} END, ' ', '')"


def scoped_sql(key: str, value: str) -> str:
    """An infrastructure value as one name holds it (``scoped_value`` in Python)."""
    return f"'{SCOPE_PREFIX}' || md5(coalesce({key}, '') || '|' || {value})"


def scoped_value(key: str | None, value: str) -> str:
    return SCOPE_PREFIX + hashlib.md5(f"{key or ''}|{value}".encode()).hexdigest()


def is_scoped(value: str | None) -> bool:
    return value is not None and value.startswith(SCOPE_PREFIX)


def scoped_level_sql(column: str) -> str:
    """True when either side of a pair holds an infrastructure value (splink_model's level)."""
    return (
        f"(starts_with({column}_l, '{SCOPE_PREFIX}') OR starts_with({column}_r, '{SCOPE_PREFIX}'))"
    )


@dataclass(frozen=True)
class HeldValue:
    owner_key: str | None
    owner_name: str | None


def load_values(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[str, str], HeldValue]:
    """A published ``infrastructure`` table as (kind, value) → owner."""
    rows = con.execute(f"SELECT kind, value, owner_key, owner_name FROM {source}").fetchall()
    return {(kind, value): HeldValue(key, name) for kind, value, key, name in rows}


def scope_record(
    signature: dict[str, str | None], values: dict[tuple[str, str], HeldValue]
) -> dict[str, str | None]:
    """A live query's signature with its infrastructure values scoped as
    :func:`scope_signatures` scopes the published ones, so they compare alike."""
    out = dict(signature)
    name = signature.get("name_norm")
    for kind in KINDS:
        value = signature.get(kind)
        held = values.get((kind, value)) if value is not None else None
        if value is None or held is None:
            continue
        owner = (
            held.owner_name is not None
            and name is not None
            and float(JaroWinkler.similarity(name, held.owner_name)) >= OWNER_JW
        )
        scope = held.owner_name if owner else name
        out[kind] = scoped_value(scope.replace(" ", "") if scope is not None else None, value)
        if kind == "address_core":
            out["address_letters"] = out["address_number"] = None
            if not owner:
                out["country"] = None
    return out


def scope_signatures(con: duckdb.DuckDBPyConnection, signatures: str) -> int:
    """Replace, in ``signatures``, every infrastructure value by the value as held by one name
    (a hash of the name key and the value): the owner's waybills still agree on the forwarder's
    phone, a client's c/o parcels on its c/o address, but two clients no longer meet on it (for
    them it is a disagreement). Returns how many signatures changed."""
    joins = []
    replaced = []
    scoped_any = []
    for kind in KINDS:
        alias = f"v_{kind}"
        on = f"{alias}.kind = '{kind}' AND {alias}.value = s.{kind}"
        joins.append(f"LEFT JOIN {INFRA_VALUES} {alias} ON {on}")
        held = f"({alias}.value IS NOT NULL)"
        scoped_any.append(held)
        scoped = scoped_sql(scope_key_sql("s.name_norm", alias), f"s.{kind}")
        replaced.append(f"CASE WHEN {held} THEN {scoped} ELSE s.{kind} END AS {kind}")
    # A scoped address has no street or number to compare, only itself; and a parcel sent from
    # someone else's address (c/o a forwarder) declares the forwarder's country, not the sender's.
    address_held = scoped_any[list(KINDS).index("address_core")]
    replaced += [
        f"CASE WHEN {address_held} THEN NULL ELSE s.{column} END AS {column}"
        for column in ("address_letters", "address_number")
    ]
    not_owner = f"NOT coalesce({_owner_sql('s.name_norm', 'v_address_core')}, false)"
    replaced.append(
        f"CASE WHEN {address_held} AND {not_owner} THEN NULL ELSE s.country END AS country"
    )
    from_sql = f"{signatures} s {' '.join(joins)}"
    changed = int(
        con.execute(f"SELECT count(*) FROM {from_sql} WHERE {' OR '.join(scoped_any)}").fetchall()[
            0
        ][0]
    )
    if not changed:
        return 0
    con.execute(
        f"CREATE OR REPLACE TABLE {signatures}_scoped AS "
        f"SELECT s.* REPLACE ({', '.join(replaced)}) FROM {from_sql}"
    )
    con.execute(f"DROP TABLE {signatures}")
    con.execute(f"ALTER TABLE {signatures}_scoped RENAME TO {signatures}")
    return changed


def mark_infrastructure_actors(
    con: duckdb.DuckDBPyConnection,
    parties: str = "parties_all",
    party_actors: str = "party_actors_all",
) -> None:
    """``infra_actors(actor_id)``: actors whose waybills as shipper name at least
    ``MIN_CLIENTS`` seller accounts and that own a value many names use, or that name twice as
    many seller accounts (a forwarder whose phone no normaliser could read), or that own a phone
    other names write "c/o" them with: a forwarder, a consolidator."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {INFRA_ACTORS} AS
        WITH owners AS (
            SELECT DISTINCT actor_id FROM {party_actors} SEMI JOIN {INFRA_PARTIES} USING (party_id)
        )
        SELECT pa.actor_id
        FROM {party_actors} pa JOIN {parties} p USING (party_id)
        WHERE p.role = 'shipper' AND p.seller_link IS NOT NULL
        GROUP BY pa.actor_id
        HAVING count(DISTINCT p.seller_link) >= {2 * MIN_CLIENTS}
            OR (count(DISTINCT p.seller_link) >= {MIN_CLIENTS}
                AND pa.actor_id IN (SELECT actor_id FROM owners))
        UNION
        SELECT DISTINCT actor_id FROM {party_actors} SEMI JOIN {CARE_OF_OWNERS} USING (party_id)
        """
    )


def infrastructure_edges_sql(
    parties: str = "parties_all", party_actors: str = "party_actors_all"
) -> str:
    """Client actor → infrastructure actor: a client's party holding a value the infrastructure
    owns, or a seller account a forwarder's waybill named."""
    return f"""
        WITH infra_actor AS (
            SELECT pa.party_id, pa.actor_id FROM {party_actors} pa
            SEMI JOIN {INFRA_ACTORS} USING (actor_id)
        ),
        owner_values AS (
            SELECT DISTINCT h.kind, h.value, ia.actor_id
            FROM {INFRA_HELD} h JOIN infra_actor ia USING (party_id)
        ),
        via_value AS (
            SELECT pa.actor_id AS src, o.actor_id AS dst,
                'ships through its ' || replace(o.kind, '_core', '') AS detail
            FROM {INFRA_HELD} h JOIN {party_actors} pa USING (party_id)
            JOIN owner_values o ON o.kind = h.kind AND o.value = h.value
        ),
        via_flow AS (
            SELECT sa.actor_id AS src, ia.actor_id AS dst,
                'its seller account was named on the forwarder''s waybills' AS detail
            FROM {parties} f JOIN infra_actor ia USING (party_id)
            JOIN {parties} s ON s.role = 'seller' AND s.seller_link = f.seller_link
            JOIN {party_actors} sa ON sa.party_id = s.party_id
            WHERE f.role = 'shipper' AND f.seller_link IS NOT NULL
        )
        SELECT src AS src_actor_id, dst AS dst_actor_id, 'uses_infrastructure' AS kind,
            0.1 AS weight, min(detail) AS detail
        FROM (SELECT * FROM via_value UNION ALL SELECT * FROM via_flow)
        WHERE src <> dst
        GROUP BY src, dst
    """
