"""A record with a name and nothing that identifies (a name-only parcel) joins an actor only when
its matches point to one: it never makes one actor of two namesake firms, in a full run or an
incremental one."""

from __future__ import annotations

import duckdb

from redlane.resolve.cluster import assign_party_clusters, stable_actor_ids
from redlane.resolve.increment import assign_incremental_actors
from redlane.resolve.weak import IDENTIFYING_COLUMNS, attach_weak

PARTY_COLUMNS = (
    "party_id VARCHAR, source_table VARCHAR, record_key VARCHAR, role VARCHAR, sig_id VARCHAR, "
    "hawb_link VARCHAR, seller_link VARCHAR, registry_id VARCHAR, address VARCHAR"
)
# party id → (role, signature, seller account)
FIRMS = {
    "A1": ("shipper", "a1", None),  # firm A, "Phuong Nam Trading", Hanoi
    "A2": ("shipper", "a2", None),
    "B1": ("shipper", "b1", None),  # firm B, the same name, Hai Phong
    "B2": ("seller", "b2", "S-B"),
    "C1": ("shipper", "c1", None),  # firm C, a name nobody else has
}
NAME_ONLY = {
    "W1": ("shipper", "w", None),  # "Phuong Nam Trading", VN: matches A and B
    "W2": ("shipper", "wc", None),  # C's name, VN: matches C only
    "W3": ("shipper", "w", "S-B"),  # the same name-only form, naming B's seller account
}
FIRM_PAIRS = [("a1", "a2"), ("b1", "b2")]
NAME_ONLY_PAIRS = [("w", "a1"), ("w", "b1"), ("wc", "c1")]
WEAK = {"w", "wc"}


def _connect(
    parties: dict[str, tuple[str, str, str | None]], name: str
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    _parties(con, parties, name)
    return con


def _parties(
    con: duckdb.DuckDBPyConnection, parties: dict[str, tuple[str, str, str | None]], name: str
) -> None:
    con.execute(f"CREATE TABLE {name} ({PARTY_COLUMNS})")
    rows = [
        (pid, "aed", pid, role, sig, None, link, None, None if sig in WEAK else "addr")
        for pid, (role, sig, link) in parties.items()
    ]
    con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * 9)})", rows)


def _signatures(con: duckdb.DuckDBPyConnection, sigs: set[str]) -> None:
    columns = ", ".join(f"{c} VARCHAR" for c in IDENTIFYING_COLUMNS)
    con.execute(f"CREATE OR REPLACE TABLE sigs (unique_id VARCHAR, {columns})")
    for sig in sorted(sigs):
        phone = None if sig in WEAK else f"+84 {sig}"
        values = [sig] + [phone if c == "phone" else None for c in IDENTIFYING_COLUMNS]
        con.execute(f"INSERT INTO sigs VALUES ({', '.join('?' * len(values))})", values)


def _pairs(con: duckdb.DuckDBPyConnection, name: str, pairs: list[tuple[str, str]]) -> str:
    con.execute(f"CREATE OR REPLACE TABLE {name} (sig_l VARCHAR, sig_r VARCHAR)")
    con.executemany(f"INSERT INTO {name} VALUES (?, ?)", pairs)
    return f"SELECT sig_l, sig_r FROM {name}"


def _all_sigs(*groups: dict[str, tuple[str, str, str | None]]) -> set[str]:
    return {sig for group in groups for _, sig, _ in group.values()}


def _full(parties: dict, pairs: list[tuple[str, str]]) -> dict[str, str]:
    con = _connect(parties, "everyone")
    _signatures(con, _all_sigs(parties))
    assign_party_clusters(con, _pairs(con, "pairs", pairs), parties="everyone", signatures="sigs")
    stable_actor_ids(con)
    return dict(con.execute("SELECT party_id, actor_id FROM party_actor_ids").fetchall())


def _incremental(
    first: dict, first_pairs: list[tuple[str, str]], day: dict, day_pairs: list[tuple[str, str]]
) -> dict[str, str]:
    """``first`` resolved in full, then ``day`` resolved incrementally on top."""
    con = _connect(first, "old")
    _signatures(con, _all_sigs(first))
    earlier = _pairs(con, "old_pairs", first_pairs)
    assign_party_clusters(con, earlier, parties="old", signatures="sigs")
    stable_actor_ids(con)
    con.execute(
        "CREATE TABLE prev AS SELECT o.party_id, o.source_table, o.record_key, o.role, "
        "a.actor_id FROM old o JOIN party_actor_ids a USING (party_id)"
    )
    _parties(con, day, "day")
    _signatures(con, _all_sigs(first, day))
    assign_incremental_actors(
        con,
        _pairs(con, "fresh", day_pairs),
        new="day",
        earlier="old",
        previous="prev",
        out="got",
        signatures="sigs",
        earlier_pairs_sql=earlier,
    )
    return dict(con.execute("SELECT party_id, actor_id FROM got").fetchall())


def _partition(actors: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for party, actor in actors.items():
        groups.setdefault(actor, set()).add(party)
    return {frozenset(g) for g in groups.values()}


def _check(actors: dict[str, str]) -> None:
    assert actors["A1"] == actors["A2"] and actors["B1"] == actors["B2"]
    assert actors["A1"] != actors["B1"], "a name-only parcel does not join two namesake firms"
    assert actors["W1"] not in (actors["A1"], actors["B1"]), "nor does it join either"
    assert actors["W2"] == actors["C1"], "a name-only parcel matching one firm joins it"
    assert actors["W3"] == actors["B1"], "its seller account keeps a name-only waybill with B"


def test_a_full_run_keeps_namesake_firms_apart_and_attaches_a_unique_match() -> None:
    _check(_full({**FIRMS, **NAME_ONLY}, FIRM_PAIRS + NAME_ONLY_PAIRS))


def test_an_incremental_run_agrees_with_the_full_run() -> None:
    full = _full({**FIRMS, **NAME_ONLY}, FIRM_PAIRS + NAME_ONLY_PAIRS)
    inc = _incremental(FIRMS, FIRM_PAIRS, NAME_ONLY, NAME_ONLY_PAIRS)
    _check(inc)
    assert _partition(inc) == _partition(full)


def test_a_name_only_parcel_refused_before_stays_refused_when_a_third_firm_comes() -> None:
    """Day one: W1 matches firms A and B and joins neither. Day two: firm D of the same name
    appears; W1 matches it too, and still joins nobody (its earlier matches count)."""
    first = {k: FIRMS[k] for k in ("A1", "A2", "B1", "B2")} | {"W1": NAME_ONLY["W1"]}
    first_pairs = FIRM_PAIRS + [("w", "a1"), ("w", "b1")]
    day = {"D1": ("shipper", "d1", None)}
    inc = _incremental(first, first_pairs, day, [("w", "d1")])
    full = _full(first | day, first_pairs + [("w", "d1")])
    assert len({inc["W1"], inc["A1"], inc["B1"], inc["D1"]}) == 4
    assert _partition(inc) == _partition(full)


def test_a_firm_joined_by_its_name_only_parcel_is_not_bridged_to_a_namesake_later() -> None:
    """Day one: W1 matches firm A only and joins it. Day two: namesake firm B arrives and W1
    matches it as well: B stays apart from A (W1, resolved before, keeps its actor)."""
    first = {k: FIRMS[k] for k in ("A1", "A2")} | {"W1": NAME_ONLY["W1"]}
    first_pairs = [("a1", "a2"), ("w", "a1")]
    day = {k: FIRMS[k] for k in ("B1", "B2")}
    inc = _incremental(first, first_pairs, day, [("b1", "b2"), ("w", "b1")])
    assert inc["W1"] == inc["A1"] != inc["B1"] == inc["B2"]


def test_attach_weak_counts_the_components_a_weak_node_points_to() -> None:
    membership = {"a1": 0, "a2": 0, "b1": 1}
    edges, refused = attach_weak(
        membership, set(), [("w", "a1"), ("w", "a2"), ("v", "a1"), ("v", "b1"), ("u", "lone")]
    )
    assert sorted(edges) == [("u", "lone"), ("w", "a1")]
    assert refused == {"v": 2}
    # anchored in a component of its own (a flow link put it there): a match elsewhere is a
    # second component
    edges, refused = attach_weak({"x": 5, "a1": 0}, {"x"}, [("x", "a1")])
    assert edges == [] and refused == {"x": 2}


def test_a_match_of_two_signatures_sharing_no_identifying_field_joins_nothing() -> None:
    """ "OOO Vektor" with an address only and "OOO Vektor" with a phone only: above the threshold
    on the name and country, but the two hold no identifying field in common. A third record
    with both joins each of them by its own evidence."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE everyone ({PARTY_COLUMNS})")
    rows = [
        (pid, "aed", pid, "shipper", sig, None, None, None, "addr")
        for pid, sig in (("V1", "v_addr"), ("V2", "v_phone"), ("V3", "v_both"))
    ]
    con.executemany(f"INSERT INTO everyone VALUES ({', '.join('?' * 9)})", rows)
    columns = ", ".join(f"{c} VARCHAR" for c in IDENTIFYING_COLUMNS)
    con.execute(f"CREATE TABLE sigs (unique_id VARCHAR, {columns})")
    fields = {"v_addr": {"address_core": "ul sadovaya 37"}, "v_phone": {"phone": "+79119916542"}}
    fields["v_both"] = fields["v_addr"] | fields["v_phone"]
    for sig, held in fields.items():
        values = [sig] + [held.get(c) for c in IDENTIFYING_COLUMNS]
        con.execute(f"INSERT INTO sigs VALUES ({', '.join('?' * len(values))})", values)

    def actors(pairs: list[tuple[str, str]]) -> dict[str, str]:
        assign_party_clusters(
            con, _pairs(con, "pairs", pairs), parties="everyone", signatures="sigs"
        )
        stable_actor_ids(con)
        return dict(con.execute("SELECT party_id, actor_id FROM party_actor_ids").fetchall())

    apart = actors([("v_addr", "v_phone")])
    assert apart["V1"] != apart["V2"]
    joined = actors([("v_addr", "v_phone"), ("v_addr", "v_both"), ("v_phone", "v_both")])
    assert joined["V1"] == joined["V2"] == joined["V3"]
