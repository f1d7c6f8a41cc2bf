"""``redlane actors list`` and ``redlane actors show``: actors of the current resolution run.

Both read the run through ``register_resolution_views`` and audit the read (actor names and
parties are personal data). Keys of the JSON output are listed in docs/resolution.md ("Reading
actors from the CLI"); a column a run does not hold (``infrastructure`` before runs marked it)
is given as null, so the keys stay the same from run to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.table import Table

from redlane.cli.audit_log import record
from redlane.cli.common import console, fail, print_json, settings
from redlane.engine.sql import quote_ident

if TYPE_CHECKING:
    import duckdb

actors_app = typer.Typer(help="Actors of the current resolution run.", no_args_is_help=True)

ACTOR_FIELDS: Final = (
    "actor_id",
    "display_name",
    "n_parties",
    "n_sources",
    "first_seen",
    "last_seen",
    "ring_id",
    "risk",
    "risk_reasons",
    "seizures",
    "takedowns",
    "infrastructure",
)
# A party as shown: where it comes from, then the normalised values resolution compared.
PARTY_FIELDS: Final = (
    "party_id",
    "source_table",
    "record_key",
    "role",
    "name",
    "country",
    "first_seen",
    "name_norm",
    "address",
    "address_core",
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
    "hawb_link",
    "seller_link",
    "sig_id",
)
# The identifiers of a party listed in the table of `actors show` (all are in its JSON).
_SHOWN_IDENTIFIERS: Final = ("phone", "email", "bank_account", "device_id", "ip_address", "handle")
NO_RUN: Final = "no resolution run yet: run `redlane resolve` first"


def _open() -> tuple[duckdb.DuckDBPyConnection, str]:
    """A connection with the resolution views, and the current run's id (exit 1 before any)."""
    import duckdb

    from redlane.resolve.outputs import current_run_dir, register_resolution_views

    home = settings().home
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    run_dir = current_run_dir(home)
    if run_dir is None or not register_resolution_views(con, home):
        raise fail(NO_RUN)
    return con, run_dir.name


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    cursor = con.execute(f"SELECT * FROM {relation} LIMIT 0")
    return {str(d[0]) for d in cursor.description or []}


def _select(available: set[str], fields: Sequence[str], alias: str) -> str:
    """The select list of ``fields``, NULL for a column the run does not hold."""
    return ", ".join(
        f"{alias}.{quote_ident(f)}" if f in available else f"NULL AS {quote_ident(f)}"
        for f in fields
    )


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    from redlane.cases.records import rows

    return rows(con, sql, params)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@actors_app.command("list")
def actors_list(
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N actors.")] = 50,
    ring: Annotated[str | None, typer.Option("--ring", help="Only the actors of this ring.")] = (
        None
    ),
    min_parties: Annotated[
        int, typer.Option("--min-parties", min=1, help="Only actors with at least N parties.")
    ] = 1,
    infrastructure: Annotated[
        bool,
        typer.Option(
            "--infrastructure",
            help="Only actors recognised as forwarders, consolidators or shared infrastructure.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Actors of the current run, riskiest first (then the largest)."""
    con, run_id = _open()
    available = _columns(con, "actors")
    where, params = ["a.n_parties >= ?"], list[Any]([min_parties])
    if ring is not None:
        where.append("a.ring_id = ?")
        params.append(ring)
    if infrastructure:
        if "infrastructure" not in available:
            raise fail(
                f"resolution run {run_id} does not mark infrastructure actors (no"
                " `infrastructure` column): run `redlane resolve --full` with a version that does"
            )
        where.append("coalesce(a.infrastructure, false)")
    condition = " AND ".join(where)
    total = int(
        con.execute(f"SELECT count(*) FROM actors a WHERE {condition}", params).fetchall()[0][0]
    )
    if ring is not None and not total:
        known = con.execute("SELECT count(*) FROM actors WHERE ring_id = ?", [ring]).fetchall()
        if not known[0][0]:
            raise fail(f"no ring {ring!r} in resolution run {run_id}")
    found = _rows(
        con,
        f"SELECT {_select(available, ACTOR_FIELDS, 'a')} FROM actors a WHERE {condition} "
        "ORDER BY a.risk DESC NULLS LAST, a.n_parties DESC, a.actor_id LIMIT ?",
        [*params, limit],
    )
    record(
        "list_actors",
        "actor",
        [str(a["actor_id"]) for a in found],
        details={
            "run_id": run_id,
            "ring": ring,
            "min_parties": min_parties,
            "infrastructure": infrastructure,
            "total": total,
        },
    )
    if as_json:
        print_json({"run_id": run_id, "total": total, "shown": len(found), "actors": found})
        return
    # On a narrow terminal the ring and the number of sources give way to the name.
    wide = console.width >= 80
    marks = "infrastructure" in available
    table = Table(title=f"actors of run {run_id}: {len(found):,} of {total:,}")
    table.add_column("actor", no_wrap=True, min_width=10)
    table.add_column("name", overflow="fold", ratio=1, min_width=8)
    table.add_column("parties", justify="right", no_wrap=True)
    if wide:
        table.add_column("src", justify="right", no_wrap=True)
        table.add_column("ring", no_wrap=True, overflow="ellipsis", max_width=12)
    table.add_column("risk", justify="right", no_wrap=True)
    if marks:
        table.add_column("infra", no_wrap=True)
    for a in found:
        cells = [str(a["actor_id"]), _text(a["display_name"]), f"{a['n_parties'] or 0:,}"]
        if wide:
            cells += [f"{a['n_sources'] or 0:,}", _text(a["ring_id"])]
        cells.append(_text(a["risk"]))
        if marks:
            cells.append("yes" if a["infrastructure"] else "")
        table.add_row(*cells)
    console.print(table)
    if total > len(found):
        console.print(f"{total - len(found):,} more: use --limit, --ring or --min-parties")


def _evidence(con: duckdb.DuckDBPyConnection, parties: set[str], max_links: int) -> dict[str, Any]:
    """Why the actor's parties are one: Splink's scored signature pairs among them and the flow
    links (shared waybill, seller account) between them. Needs table ``actor_parties``."""
    from redlane.resolve.cluster import flow_edges_sql
    from redlane.resolve.splink_model import load_settings

    threshold = float(load_settings()["threshold"])
    cap = f"LIMIT {int(max_links)}" if max_links > 0 else ""
    pairs: list[dict[str, Any]] = []
    pairs_total = 0
    if "sig_id" in parties:
        signatures = """
            WITH sigs AS (SELECT sig_id, list(party_id ORDER BY party_id) AS party_ids
                          FROM actor_parties WHERE sig_id IS NOT NULL GROUP BY sig_id)
            SELECT e.sig_id_l, e.sig_id_r, e.match_probability, e.match_weight,
                e.match_probability >= ? AS linked,
                l.party_ids AS party_ids_l, r.party_ids AS party_ids_r
            FROM pair_evidence e
            JOIN sigs l ON l.sig_id = e.sig_id_l JOIN sigs r ON r.sig_id = e.sig_id_r
        """
        pairs_total = int(
            con.execute(f"SELECT count(*) FROM ({signatures})", [threshold]).fetchall()[0][0]
        )
        pairs = _rows(
            con,
            f"{signatures} ORDER BY e.match_probability DESC, e.sig_id_l, e.sig_id_r {cap}",
            [threshold],
        )
    flows: list[dict[str, Any]] = []
    flows_total = 0
    if {"role", "hawb_link", "seller_link"} <= parties:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE actor_party_nodes AS "
            "SELECT party_id, party_id AS node FROM actor_parties"
        )
        links = f"""
            SELECT f.node_l AS party_id_l, f.node_r AS party_id_r,
                CASE WHEN l.hawb_link = r.hawb_link THEN 'hawb_link'
                     WHEN l.seller_link = r.seller_link THEN 'seller_link'
                     ELSE 'flow' END AS link,
                CASE WHEN l.hawb_link = r.hawb_link THEN l.hawb_link
                     WHEN l.seller_link = r.seller_link THEN l.seller_link END AS value
            FROM ({flow_edges_sql("actor_parties", nodes="actor_party_nodes")}) f
            JOIN actor_parties l ON l.party_id = f.node_l
            JOIN actor_parties r ON r.party_id = f.node_r
        """
        flows_total = int(con.execute(f"SELECT count(*) FROM ({links})").fetchall()[0][0])
        flows = _rows(con, f"{links} ORDER BY link, value, party_id_l, party_id_r {cap}")
    return {
        "threshold": threshold,
        "signature_pairs": pairs,
        "signature_pairs_total": pairs_total,
        "flow_links": flows,
        "flow_links_total": flows_total,
    }


@actors_app.command("show")
def actors_show(
    actor_id: Annotated[str, typer.Argument(help="An actor id (see `redlane actors list`).")],
    max_links: Annotated[
        int,
        typer.Option(
            "--max-links", min=0, help="Show at most N links of each kind (0: all of them)."
        ),
    ] = 200,
    reason: Annotated[
        str, typer.Option("--reason", help="Why you look at it (kept in the audit log).")
    ] = "actor review",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One actor: its row, its parties with their normalised identifiers, and the evidence that
    links them (scored signature pairs, shared waybills and seller accounts)."""
    con, run_id = _open()
    found = _rows(
        con,
        f"SELECT {_select(_columns(con, 'actors'), ACTOR_FIELDS, 'a')} FROM actors a "
        "WHERE a.actor_id = ?",
        [actor_id],
    )
    if not found:
        raise fail(f"no actor {actor_id!r} in resolution run {run_id}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE actor_parties AS SELECT p.* FROM party_actors pa "
        "JOIN parties p USING (party_id) WHERE pa.actor_id = ?",
        [actor_id],
    )
    available = _columns(con, "actor_parties")
    parties = _rows(
        con,
        f"SELECT {_select(available, PARTY_FIELDS, 'p')} FROM actor_parties p "
        "ORDER BY p.first_seen NULLS LAST, p.party_id",
    )
    evidence = _evidence(con, available, max_links)
    record(
        "view_actor",
        "actor",
        [actor_id],
        reason=reason,
        details={"run_id": run_id, "parties": len(parties)},
    )
    out = {"run_id": run_id, "actor": found[0], "parties": parties, "evidence": evidence}
    if as_json:
        print_json(out)
        return
    _print_actor(out)


def _print_actor(out: dict[str, Any]) -> None:
    """The actor as tables that wrap (never crop) on a narrow terminal."""
    actor, evidence = out["actor"], out["evidence"]
    wide = console.width >= 80
    summary = Table.grid(padding=(0, 1))
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column(overflow="fold")
    for key in ACTOR_FIELDS:
        if actor.get(key) is not None:
            summary.add_row(key, _text(actor[key]))
    console.print(summary)

    parties = Table(title=f"{len(out['parties']):,} parties")
    parties.add_column("party", overflow="fold", ratio=3, min_width=10)
    parties.add_column("role", overflow="fold")
    parties.add_column("name", overflow="fold", ratio=2, min_width=6)
    if wide:
        parties.add_column("cc", no_wrap=True)
        parties.add_column("identifiers", overflow="fold", ratio=3, min_width=10)
    for p in out["parties"]:
        cells = [str(p["party_id"]), _text(p["role"]), _text(p["name"])]
        if wide:
            ids = [str(p[k]) for k in _SHOWN_IDENTIFIERS if p.get(k)]
            cells += [_text(p["country"]), ", ".join(ids)]
        parties.add_row(*cells)
    console.print(parties)

    title = (
        f"signature pairs: {evidence['signature_pairs_total']:,}"
        f" (linked at match probability ≥ {evidence['threshold']})"
    )
    if evidence["signature_pairs"]:
        pairs = Table(title=title)
        pairs.add_column("parties", overflow="fold", ratio=1, min_width=12)
        pairs.add_column("with", overflow="fold", ratio=1, min_width=12)
        pairs.add_column("prob.", justify="right", no_wrap=True)
        pairs.add_column("weight", justify="right", no_wrap=True)
        for e in evidence["signature_pairs"]:
            pairs.add_row(
                _short(e["party_ids_l"]),
                _short(e["party_ids_r"]),
                f"{e['match_probability']:.3f}",
                f"{e['match_weight']:.1f}",
            )
        console.print(pairs)
    else:
        console.print(title)
    title = f"flow links: {evidence['flow_links_total']:,}"
    if evidence["flow_links"]:
        flows = Table(title=title)
        flows.add_column("party", overflow="fold", ratio=1, min_width=12)
        flows.add_column("party", overflow="fold", ratio=1, min_width=12)
        flows.add_column("shared", overflow="fold", ratio=1, min_width=8)
        for f in evidence["flow_links"]:
            flows.add_row(str(f["party_id_l"]), str(f["party_id_r"]), f"{f['link']} {f['value']}")
        console.print(flows)
    else:
        console.print(title)
    shown = len(evidence["signature_pairs"]) + len(evidence["flow_links"])
    if shown < evidence["signature_pairs_total"] + evidence["flow_links_total"]:
        console.print("more links than shown: use --max-links 0 or --json")


def _short(party_ids: list[str]) -> str:
    """A signature's parties: the first one and how many more."""
    if not party_ids:
        return ""
    more = len(party_ids) - 1
    return str(party_ids[0]) + (f" (+{more})" if more else "")
