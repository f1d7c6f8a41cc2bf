"""FollowTheMoney entities a partner imports, judged on a simulated world's truth: do they find
the parcels of the one they name, and only those?

A bad-actor list reaches redlane as FtM entities (``redlane case ftm-import``). This writes such
a list from a world's truth, one entity per identity a counterfeit actor used (the way a
marketplace or a coordination centre lists an account's registrant), and measures two ways of
finding each entity's parcels in the ingested warehouse:

- ``lookout``: the identifier lookout the import makes (``redlane.cases.ftm.lookout_criteria``
  through ``redlane.targeting.rules``): any of the entity's names, phones, e-mails or addresses,
  folded as the targeting features fold them, on either side of the waybill;
- ``resolved``: the lookout ``case ftm-import --resolve`` makes: the entity matched to actors by
  live matching (the current resolution run's model and match threshold,
  :mod:`redlane.cases.ftm_resolve`), and every parcel whose shipper or consignee party belongs to
  one; an entity resolving to none keeps its values less those shared infrastructure holds.

Two lists are written from the same identities: ``full`` (name, native name, country, address,
phone, e-mail) and ``names`` (names and country only, as many sanctions-style lists are).

A parcel is the entity's when the truth's shipper or consignee is the identity's actor (the
client behind a forwarded parcel, as ``truth/shipments`` has it). Precision is over parcels hit;
recall over the actor's parcels in the warehouse (quarantined rows are not there), and over the
identity's own parcels (what a list that knows one identity could hope to find by its values).
An entity "hits a legitimate shipper" when one of its false hits is a parcel a legitimate firm or
person shipped (a namesake, most often): what a real list would do to an innocent trader.

The truth is read here only to write the list and to score it; nothing in the warehouse or the
resolution run comes from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
from followthemoney import model
from followthemoney.proxy import EntityProxy

from redlane.cases.ftm import lookout_criteria as ftm_criteria
from redlane.cases.ftm_resolve import EntityResolver
from redlane.engine.sql import quote_literal
from redlane.engine.warehouse import Warehouse
from redlane.errors import RedlaneError
from redlane.resolve.outputs import register_resolution_views
from redlane.targeting.rules import CriteriaError, lookout_criteria, to_sql
from redlane.targeting.sql import KEY_EXPRESSIONS

VARIANTS: Final = ("full", "names")
METHODS: Final = ("lookout", "resolved")
DATASET: Final = "truth_list"
# The waybill keys an identifier lookout reads (``rules.LISTED_IDENTIFIERS``).
LOOKOUT_KEYS: Final = ("sname", "sphone", "semail", "saddr", "cname", "caddr")


@dataclass(frozen=True)
class ListedIdentity:
    """One identity of a counterfeit actor, as a list would carry it."""

    identity_id: str
    actor_id: str
    name: str
    native_name: str | None
    person: bool
    country: str | None
    address: str | None
    phone: str | None
    email: str | None

    def entity(self, variant: str) -> EntityProxy:
        proxy = model.make_entity("Person" if self.person else "Company")
        proxy.id = f"{DATASET}-{variant}-{self.identity_id}"
        proxy.add("name", self.name)
        if self.native_name:
            proxy.add("alias", self.native_name)
        if self.country:
            proxy.add("country", self.country.lower())
        if variant == "full":
            for prop, value in (
                ("address", self.address),
                ("phone", self.phone),
                ("email", self.email),
            ):
                if value:
                    proxy.add(prop, value, quiet=True)
        return proxy

    def query(self, variant: str) -> dict[str, str | None]:
        """The entity as one record for live matching (its values belong together)."""
        record: dict[str, str | None] = {"name": self.name, "country": self.country}
        if variant == "full":
            record |= {"address": self.address, "phone": self.phone, "email": self.email}
        return record


@dataclass(frozen=True)
class FindingFigures:
    entities: int
    entities_found: int
    parcels_hit: int
    true_hits: int
    precision: float
    recall_actor: float
    recall_identity: float
    f1_actor: float
    entities_with_false_hits: int
    entities_hitting_legit_shippers: int


def listed_identities(truth: Path) -> list[ListedIdentity]:
    """Every identity a counterfeit actor of the world used (a ring member's or a front's)."""
    for name in ("identities.parquet", "actors.parquet", "shipments.parquet"):
        if not (truth / name).exists():
            raise RedlaneError(f"{truth}: no {name} (is this a simulated world's truth/ folder?)")
    rows = (
        duckdb.connect()
        .execute(
            f"""
        SELECT i.identity_id, i.actor_id, i.name, i.native_name, coalesce(i.person, false),
            i.country, i.address, i.phone_e164, i.email
        FROM read_parquet({quote_literal(str(truth / "identities.parquet"))}) i
        JOIN read_parquet({quote_literal(str(truth / "actors.parquet"))}) a USING (actor_id)
        WHERE a.kind = 'counterfeit' AND coalesce(i.used, true) AND i.name IS NOT NULL
        ORDER BY i.identity_id
        """
        )
        .fetchall()
    )
    return [ListedIdentity(*row) for row in rows]


def write_list(identities: Sequence[ListedIdentity], variant: str, path: Path) -> int:
    """The list as a JSON-lines FtM file ``redlane case ftm-import`` reads."""
    with path.open("w", encoding="utf-8") as out:
        for identity in identities:
            out.write(json.dumps(identity.entity(variant).to_dict(), ensure_ascii=False) + "\n")
    return len(identities)


def _parcels(con: duckdb.DuckDBPyConnection, truth: Path) -> None:
    """``parcels``: every waybill in the warehouse with the keys lookouts read, its true shipper
    and consignee actors and identities, and the actors resolution gave its parties."""
    keys = ", ".join(f"{KEY_EXPRESSIONS[k]} AS k_{k}" for k in LOOKOUT_KEYS)
    truth_shipments = quote_literal(str(truth / "shipments.parquet"))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE parcels AS
        WITH waybills AS (
            SELECT DISTINCT ON (carrier, hawb) carrier, hawb, {keys} FROM aed_shipments
        ),
        resolved AS (
            SELECT record_key AS hawb,
                max(actor_id) FILTER (WHERE role = 'shipper') AS shipper_actor,
                max(actor_id) FILTER (WHERE role = 'consignee') AS consignee_actor
            FROM party_actors WHERE source_table = 'aed_shipments' GROUP BY record_key
        )
        SELECT w.*, t.shipper_actor_id AS true_shipper, t.consignee_actor_id AS true_consignee,
            t.shipper_identity_id AS true_shipper_identity,
            t.consignee_identity_id AS true_consignee_identity,
            r.shipper_actor AS shipper_actor_id, r.consignee_actor AS consignee_actor_id
        FROM waybills w
        JOIN read_parquet({truth_shipments}) t USING (carrier, hawb)
        LEFT JOIN resolved r USING (hawb)
        """
    )


def _hits(
    con: duckdb.DuckDBPyConnection,
    identities: Sequence[ListedIdentity],
    variant: str,
    resolver: EntityResolver | None,
) -> Iterator[tuple[str, str]]:
    """The parcels each entity's lookout hits, with the criteria ``case ftm-import`` makes."""
    columns = [f"k_{k}" for k in LOOKOUT_KEYS] + ["shipper_actor_id", "consignee_actor_id"]
    for identity in identities:
        listed = ftm_criteria(identity.entity(variant), DATASET, resolver)
        try:
            predicate = to_sql(lookout_criteria("identifier", listed), columns)
        except CriteriaError:
            continue  # every value was shared infrastructure: the lookout matches nothing
        for (hawb,) in con.execute(f"SELECT hawb FROM parcels WHERE {predicate}").fetchall():
            yield identity.identity_id, hawb


def _figures(
    con: duckdb.DuckDBPyConnection,
    identities: Sequence[ListedIdentity],
    hits: Sequence[tuple[str, str]],
    truth: Path,
) -> FindingFigures:
    con.execute("CREATE OR REPLACE TEMP TABLE listed (identity_id VARCHAR, actor_id VARCHAR)")
    con.executemany(
        "INSERT INTO listed VALUES (?, ?)", [(i.identity_id, i.actor_id) for i in identities]
    )
    con.execute("CREATE OR REPLACE TEMP TABLE hits (identity_id VARCHAR, hawb VARCHAR)")
    if hits:
        con.executemany("INSERT INTO hits VALUES (?, ?)", list(hits))
    actors = quote_literal(str(truth / "actors.parquet"))
    row = con.execute(
        f"""
        WITH judged AS (
            SELECT h.identity_id, h.hawb,
                l.actor_id IN (p.true_shipper, p.true_consignee) AS true_hit,
                coalesce(sa.kind = 'legit', false) AS legit_shipper
            FROM (SELECT DISTINCT identity_id, hawb FROM hits) h
            JOIN listed l USING (identity_id)
            JOIN parcels p USING (hawb)
            LEFT JOIN read_parquet({actors}) sa ON sa.actor_id = p.true_shipper
        ),
        per_entity AS (
            SELECT identity_id, count(*) AS hit, count(*) FILTER (WHERE true_hit) AS tp,
                bool_or(NOT true_hit) AS any_false,
                bool_or(legit_shipper AND NOT true_hit) AS any_legit
            FROM judged GROUP BY identity_id
        ),
        wanted AS (
            SELECT l.identity_id,
                count(DISTINCT p.hawb) FILTER (
                    WHERE l.actor_id IN (p.true_shipper, p.true_consignee)) AS actor_parcels,
                count(DISTINCT p.hawb) FILTER (
                    WHERE l.identity_id IN (p.true_shipper_identity, p.true_consignee_identity)
                ) AS identity_parcels
            FROM listed l LEFT JOIN parcels p
                ON l.actor_id IN (p.true_shipper, p.true_consignee)
            GROUP BY l.identity_id
        ),
        identity_found AS (
            SELECT count(*) AS n FROM judged j JOIN parcels p USING (hawb)
            WHERE j.identity_id IN (p.true_shipper_identity, p.true_consignee_identity)
        )
        SELECT
            (SELECT count(*) FILTER (WHERE tp > 0) FROM per_entity),
            (SELECT coalesce(sum(hit), 0) FROM per_entity),
            (SELECT coalesce(sum(tp), 0) FROM per_entity),
            (SELECT coalesce(sum(actor_parcels), 0) FROM wanted),
            (SELECT coalesce(sum(identity_parcels), 0) FROM wanted),
            (SELECT n FROM identity_found),
            (SELECT count(*) FILTER (WHERE any_false) FROM per_entity),
            (SELECT count(*) FILTER (WHERE any_legit) FROM per_entity)
        """
    ).fetchone()
    assert row is not None
    found, hit, tp, actor_total, identity_total, identity_tp, with_false, with_legit = (
        int(v) for v in row
    )
    precision = tp / hit if hit else 0.0
    recall = tp / actor_total if actor_total else 0.0
    return FindingFigures(
        entities=len(identities),
        entities_found=found,
        parcels_hit=hit,
        true_hits=tp,
        precision=round(precision, 4),
        recall_actor=round(recall, 4),
        recall_identity=round(identity_tp / identity_total, 4) if identity_total else 0.0,
        f1_actor=round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
        entities_with_false_hits=with_false,
        entities_hitting_legit_shippers=with_legit,
    )


def evaluate_ftm_lists(
    home: Path, warehouse_path: Path, truth: Path, list_dir: Path | None = None
) -> dict[str, Any]:
    """Figures per list variant and finding method (see the module's docstring)."""
    identities = listed_identities(truth)
    if not identities:
        raise RedlaneError(f"{truth}: the world has no counterfeit identities to list")
    con = Warehouse(warehouse_path).connect(tables=["aed_shipments"])
    if not register_resolution_views(con, home):
        raise RedlaneError("no resolution run yet: run `redlane resolve` first")
    resolver = EntityResolver.load(home)
    _parcels(con, truth)
    result: dict[str, Any] = {
        "listed_identities": len(identities),
        "listed_actors": len({i.actor_id for i in identities}),
        "match_threshold": resolver.threshold,
    }
    for variant in VARIANTS:
        if list_dir is not None:
            write_list(identities, variant, list_dir / f"{DATASET}-{variant}.ftm.json")
        result[variant] = {
            method: asdict(
                _figures(con, identities, list(_hits(con, identities, variant, used)), truth)
            )
            for method, used in (("lookout", None), ("resolved", resolver))
        }
    con.close()
    return result
