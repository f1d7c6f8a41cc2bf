"""Forwarders are not people, namesakes are not one person, a squatted name is not the firm.

Feed files written by hand from docs/feeds.md on top of a small simulated world (so Splink has a
population to train on), ingested and resolved through the CLI; assertions read the published
actors, as an investigator's tools do.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.model.spec import CARRIER
from redlane.resolve.outputs import register_resolution_views

runner = CliRunner()
AED_COLUMNS = CARRIER.tables[0].field_names()
FORWARDER = ("Swift Cargo Consolidation Ltd", "8 Harbour Road, Futian, Shenzhen 518000")
FORWARDER_PHONE = "+86 755 8888 1234"
# The forwarder's name misspelt on one waybill of the second batch: its own address, no phone
# or e-mail (an agent's phone would block it on its own), one client's seller account. Counted
# per spelling it names one account; Splink holds it with the forwarder's other waybills, whose
# component names them all.
FORWARDER_VARIANT = "Swift Cargo Consolidaton Ltd"
CLIENTS = [
    ("Hangzhou Lianfa Textiles Co Ltd", "CN"),
    ("Ningbo Oceanic Lighting Co Ltd", "CN"),
    ("Yiwu Starshine Toys Co Ltd", "CN"),
    ("Dongguan Peakform Sports Co Ltd", "CN"),
    ("Xiamen Bluewave Audio Co Ltd", "CN"),
    ("Foshan Goldleaf Ceramics Co Ltd", "CN"),
    ("Quanzhou Trailrunner Shoes Co Ltd", "CN"),
    ("Shantou Merrytime Crafts Co Ltd", "CN"),
    ("Wuxi Silverline Bearings Co Ltd", "CN"),
    ("Zhuhai Coralreef Swimwear Co Ltd", "CN"),
    ("Tianjin Northgate Tools Co Ltd", "CN"),
    ("Chengdu Pandaleaf Tea Co Ltd", "CN"),
    ("Jinan Springwell Pumps Co Ltd", "CN"),
]
NAMESAKE = "Maria Garcia Lopez"
# Two people of one family name at one address: one with a phone and an e-mail, the other
# writing a name and the address only ("same family word, other names" counts against).
RELATIVES = ("Liu Nan", "Liu Xiufang")
RELATIVES_ADDRESS = "41 Hoi Bun Road, Kwun Tong, Kowloon, Hong Kong"
SQUATTED = "Shenzhen Brightway Electronics Co Ltd"
# Two unrelated firms of one name (Hanoi and Hai Phong), each with its seller account, and a
# waybill of each written with the name and a country only, naming its own account: one
# signature for both, sent on the second batch, so an incremental run meets them last.
TWIN_NAME = "Phuong Nam Garment Co Ltd"
TWINS = {
    "S-TWIN1": ("12 Tran Hung Dao Street, Hanoi 100000", "+84 24 3825 1101"),
    "S-TWIN2": ("88 Le Loi Street, Hai Phong 180000", "+84 225 3745 2202"),
}
NAME_ONLY_HAWBS = {"S-TWIN1": "EXF00099991", "S-TWIN2": "EXF00099992"}


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _aed(hawb: str, shipper: tuple[str, str, str, str, str], seller_ref: str = "") -> dict:
    name, address, country, phone, email = shipper
    return {
        "carrier": "EXPR",
        "awb": "784-99990001",
        "hawb": hawb,
        "shipper_name": name,
        "shipper_address": address,
        "shipper_country": country,
        "shipper_phone": phone,
        "shipper_email": email,
        "consignee_name": f"Consignee {hawb[-4:]}",
        "consignee_address": f"{int(hawb[-4:]) + 10} Elm Street, Dayton, OH 45402",
        "consignee_country": "US",
        "consignee_phone": "",
        "consignee_email": "",
        "description": "household goods",
        "hs6": "392490",
        "declared_value": "12.50",
        "currency": "USD",
        "weight_kg": "0.80",
        "pieces": "1",
        "origin_country": "CN",
        "port_of_entry": "JFK",
        "expected_arrival": "2025-06-04T06:40:00Z",
        "seller_ref": seller_ref,
        "submitted_at": "2025-06-03T22:10:00Z",
    }


def _seller(seller_id: str, name: str, address: str, country: str, phone: str, n: int) -> dict:
    return {
        "record_type": "seller",
        "seller_id": seller_id,
        "store_name": name.split(" Co ")[0],
        "registrant_name": name,
        "registrant_type": "company",
        "business_address": address,
        "country": country,
        "phone": phone,
        "email": f"sales{n}@client{n}.example.cn",
        "bank_account": f"62284800{n:011d}",
        "registered_at": "2024-01-10T08:00:00Z",
        "status": "active",
    }


def _scenario(part: int) -> tuple[list[dict], list[dict]]:
    """AED rows and seller records; ``part`` 0 or 1 splits the clients between two batches."""
    rows: list[dict] = []
    sellers: list[dict] = []
    hawb = 9_000 + part * 500
    for n, (name, country) in enumerate(CLIENTS):
        if n % 2 != part:
            continue
        own = (f"{10 + n} Industrial Road {n}, Zone {n}", f"+86 571 8555 {100 + n:04d}")
        seller_id = f"S-FWD{n:03d}"
        sellers.append(_seller(seller_id, name, own[0], country, own[1], n))
        forwarder = (*FORWARDER, "CN", FORWARDER_PHONE, "ops@swiftcargo.example.cn")
        care_of = (name, f"c/o {FORWARDER[0]}, {FORWARDER[1]}", "CN", FORWARDER_PHONE, "")
        direct = (name, own[0], "CN", own[1], f"sales{n}@client{n}.example.cn")
        for shipper, ref in ((forwarder, seller_id),) * 3 + ((care_of, seller_id),) * 2:
            hawb += 1
            rows.append(_aed(f"EXF{hawb:08d}", shipper, ref))
        for _ in range(2):
            hawb += 1
            rows.append(_aed(f"EXF{hawb:08d}", direct))
    if part == 0:
        # Three different people of one common name: a street shared by two of them.
        for n, (address, phone) in enumerate(
            [
                ("12 Calle de Alcala, Madrid 28014", "+34 612 345 101"),
                ("14 Calle de Alcala, Madrid 28014", "+34 612 345 202"),
                ("5 Avinguda Diagonal, Barcelona 08019", "+34 612 345 303"),
            ]
        ):
            person = (NAMESAKE, address, "ES", phone, f"mgarcia{n}@mail{n}.example.es")
            for _ in range(3):
                hawb += 1
                rows.append(_aed(f"EXF{hawb:08d}", person))
        relatives = [
            (RELATIVES[0], RELATIVES_ADDRESS, "HK", "+852 2345 6789", "liunan@mail.example.hk"),
            (RELATIVES[1], RELATIVES_ADDRESS, "HK", "", ""),
        ]
        for person in relatives:
            for _ in range(3):
                hawb += 1
                rows.append(_aed(f"EXF{hawb:08d}", person))
        # A legitimate firm, and a front trading under its exact name from elsewhere.
        firm = (SQUATTED, "88 Keji Road, Nanshan, Shenzhen 518057", "CN", "+86 755 2660 1111", "")
        front = (SQUATTED, "301 Jiangbei Road, Huizhou 516001", "CN", "+86 138 2660 9988", "")
        sellers.append(_seller("S-BRIGHT1", SQUATTED, firm[1], "CN", firm[3], 91))
        sellers.append(_seller("S-FAKE01", SQUATTED, front[1], "CN", front[3], 92))
        for shipper, ref in ((firm, "S-BRIGHT1"),) * 3 + ((front, "S-FAKE01"),) * 3:
            hawb += 1
            rows.append(_aed(f"EXF{hawb:08d}", shipper, ref))
        for n, (seller_id, (address, phone)) in enumerate(TWINS.items()):
            sellers.append(_seller(seller_id, TWIN_NAME, address, "VN", phone, 95 + n))
            for _ in range(3):
                hawb += 1
                rows.append(
                    _aed(f"EXF{hawb:08d}", (TWIN_NAME, address, "VN", phone, ""), seller_id)
                )
    else:
        hawb += 1
        variant = (FORWARDER_VARIANT, FORWARDER[1], "CN", "", "")
        rows.append(_aed(f"EXF{hawb:08d}", variant, "S-FWD001"))
        for seller_ref, name_only in NAME_ONLY_HAWBS.items():
            rows.append(_aed(name_only, (TWIN_NAME, "", "VN", "", ""), seller_ref))
    return rows, sellers


def _write_part(world: Path, part: int) -> None:
    rows, sellers = _scenario(part)
    with (world / "carrier" / f"aed_2099010{part + 1}.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, AED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    (world / "marketplace" / f"forwarded_sellers_{part}.jsonl").write_text(
        "".join(json.dumps(s) + "\n" for s in sellers), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def background(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("infra") / "world"
    _run("sim", "world", "--seed", "5", "--scale", "4000", "--days", "6", "--out", str(out))
    return out


def _home(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    home = tmp_path_factory.mktemp(name) / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        yield home
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def full_home(background: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    world = tmp_path_factory.mktemp("full") / "world"
    shutil.copytree(background, world)
    _write_part(world, 0)
    _write_part(world, 1)
    for home in _home(tmp_path_factory, "full"):
        _run("ingest", str(world))
        _run("resolve", "--full")
        yield home


@pytest.fixture(scope="module")
def incremental_home(background: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    world = tmp_path_factory.mktemp("inc") / "world"
    shutil.copytree(background, world)
    _write_part(world, 0)
    for home in _home(tmp_path_factory, "inc"):
        _run("ingest", str(world))
        _run("resolve")
        _write_part(world, 1)
        _run("ingest", str(world))
        summary = json.loads(_run("resolve", "--json"))
        assert summary["mode"] == "incremental"
        yield home


def _actors(home: Path) -> dict[tuple[str, str, str], str]:
    con = duckdb.connect()
    register_resolution_views(con, home)
    rows = con.execute(
        "SELECT source_table, record_key, role, actor_id FROM party_actors "
        "WHERE record_key LIKE 'EXF%' OR record_key LIKE 'S-FWD%' OR record_key IN "
        "('S-BRIGHT1', 'S-FAKE01')"
    ).fetchall()
    return {(t, k, r): a for t, k, r, a in rows}


def _seller_actor(home: Path, seller_id: str) -> str:
    con = duckdb.connect()
    register_resolution_views(con, home)
    (row,) = con.execute(
        "SELECT actor_id FROM party_actors WHERE role = 'seller' AND record_key = ?", [seller_id]
    ).fetchall()
    return str(row[0])


def _shipper_actor(actors: dict, rows: list[dict], match: str) -> set[str]:
    return {
        actors[("aed_shipments", row["hawb"], "shipper")]
        for row in rows
        if row["shipper_name"] == match or row["shipper_address"].startswith(match)
    }


def _check(home: Path) -> None:
    actors = _actors(home)
    rows = _scenario(0)[0] + _scenario(1)[0]
    forwarder = _shipper_actor(actors, rows, FORWARDER[0])
    assert len(forwarder) == 1, "the forwarder's own waybills are one actor"
    assert _shipper_actor(actors, rows, FORWARDER_VARIANT) == forwarder, (
        "a misspelt waybill of the forwarder is the forwarder's"
    )
    client_actors = []
    for n, (name, _) in enumerate(CLIENTS):
        mine = _shipper_actor(actors, rows, name) | {
            actors[("mp_sellers", f"S-FWD{n:03d}", "seller")]
        }
        assert len(mine) == 1, f"{name}: its seller account, c/o and own parcels are one actor"
        client_actors.append(mine.pop())
    assert len(set(client_actors)) == len(CLIENTS), "clients of one forwarder stay apart"
    assert not forwarder & set(client_actors), "no client is merged into its forwarder"
    namesakes = [
        actors[("aed_shipments", row["hawb"], "shipper")]
        for row in rows
        if row["shipper_name"] == NAMESAKE
    ]
    assert len(set(namesakes)) == 3, "three namesakes with their own phones stay three"
    relatives = {name: _shipper_actor(actors, rows, name) for name in RELATIVES}
    assert all(len(a) == 1 for a in relatives.values()), "each relative's parcels are one actor"
    assert not relatives[RELATIVES[0]] & relatives[RELATIVES[1]], (
        "two people of one family name at one address stay two"
    )
    firm = actors[("mp_sellers", "S-BRIGHT1", "seller")]
    front = actors[("mp_sellers", "S-FAKE01", "seller")]
    assert firm != front, "a front trading under a firm's name does not absorb the firm"
    twins = {seller_id: _seller_actor(home, seller_id) for seller_id in TWINS}
    assert len(set(twins.values())) == 2, "two firms of one name stay two"
    for seller_ref, hawb in NAME_ONLY_HAWBS.items():
        assert actors[("aed_shipments", hawb, "shipper")] == twins[seller_ref], (
            "a name-only waybill stays with the seller account it names, not its namesake"
        )

    con = duckdb.connect()
    register_resolution_views(con, home)
    (fwd,) = forwarder
    flagged = {
        r[0] for r in con.execute("SELECT actor_id FROM actors WHERE infrastructure").fetchall()
    }
    assert fwd in flagged and not flagged & set(client_actors)
    linked = {
        r[0]
        for r in con.execute(
            "SELECT src_actor_id FROM actor_edges WHERE kind = 'uses_infrastructure' "
            "AND dst_actor_id = ?",
            [fwd],
        ).fetchall()
    }
    assert set(client_actors) <= linked, "each client is linked to the forwarder, with meaning"
    shared = con.execute(
        "SELECT count(*) FROM actor_edges WHERE kind IN ('phone', 'address_core') "
        "AND list_contains(?, src_actor_id) AND list_contains(?, dst_actor_id)",
        [client_actors, client_actors],
    ).fetchall()[0][0]
    assert shared == 0, "the forwarder's phone and address link no two clients"
    values = con.execute("SELECT kind, reason FROM infrastructure").fetchall()
    assert ("phone", "a care-of (c/o) address or its phone") in values or any(
        kind == "phone" for kind, _ in values
    )


def test_a_full_run_keeps_forwarders_namesakes_and_squatters_apart(full_home: Path) -> None:
    _check(full_home)


def test_an_incremental_run_agrees_with_a_full_run(full_home: Path, incremental_home: Path) -> None:
    _check(incremental_home)
    full, inc = _actors(full_home), _actors(incremental_home)
    assert full.keys() == inc.keys()

    def partition(actors: dict) -> set[frozenset]:
        groups: dict[str, set] = {}
        for key, actor in actors.items():
            groups.setdefault(actor, set()).add(key)
        return {frozenset(g) for g in groups.values()}

    assert partition(full) == partition(inc)


def test_live_matching_treats_a_forwarders_phone_as_the_forwarders(full_home: Path) -> None:
    from redlane.resolve.live import LiveMatcher

    actors = _actors(full_home)
    clients = {
        name: actors[("mp_sellers", f"S-FWD{n:03d}", "seller")]
        for n, (name, _) in enumerate(CLIENTS)
    }
    matcher = LiveMatcher.load(full_home)
    name = CLIENTS[2][0]
    care_of = {
        "name": name,
        "address": f"c/o {FORWARDER[0]}, {FORWARDER[1]}",
        "phone": FORWARDER_PHONE,
        "country": "CN",
    }
    assert matcher.match(care_of, top=3)[0].actor_id == clients[name]
    stranger = {"name": "Guilin Evergreen Paper Co Ltd", "phone": FORWARDER_PHONE, "country": "CN"}
    for candidate in matcher.match(stranger, top=5):
        assert candidate.actor_id not in clients.values() or candidate.probability < 0.5


def test_explain_says_why_two_clients_of_a_forwarder_do_not_match(
    full_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDLANE_HOME", str(full_home))
    get_settings.cache_clear()
    rows = _scenario(0)[0]
    care_of = [r["hawb"] for r in rows if r["shipper_address"].startswith("c/o")]
    first = next(h for h in care_of if rows[0]["seller_ref"] in _refs(rows, h))
    other = next(h for h in care_of if _refs(rows, h) != _refs(rows, first))
    out = json.loads(
        _run(
            "resolve",
            "explain",
            f"aed_shipments:shipper:{first}",
            f"aed_shipments:shipper:{other}",
            "--json",
        )
    )
    assert out["same_actor"] is False and out["match_probability"] < 0.5
    levels = {level["field"]: level for level in out["levels"]}
    for field in ("phone", "address_core"):
        assert levels[field]["label"] == "held by shared infrastructure", levels[field]
        assert levels[field]["bayes_factor"] == 1.0
    assert levels["name_norm"]["bayes_factor"] < 1.0, "different names count against"


def test_explain_says_why_two_name_only_waybills_of_one_name_stay_apart(
    full_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDLANE_HOME", str(full_home))
    get_settings.cache_clear()
    firm, front = (f"aed_shipments:shipper:{h}" for h in NAME_ONLY_HAWBS.values())
    out = json.loads(_run("resolve", "explain", firm, front, "--json"))
    assert out["same_actor"] is False
    assert out["refused"] and "no identifying field" in out["refused"], out
    text = _run("resolve", "explain", firm, front)
    assert "not merged:" in text


def _refs(rows: list[dict], hawb: str) -> set[str]:
    return {r["seller_ref"] for r in rows if r["hawb"] == hawb}


def test_every_level_of_the_saved_model_has_weights_and_each_identifier_moves_a_live_score(
    full_home: Path,
) -> None:
    from redlane.resolve.live import LiveMatcher
    from redlane.resolve.outputs import current_run_dir

    run_dir = current_run_dir(full_home)
    assert run_dir is not None
    model = json.loads((run_dir / "model.json").read_text("utf-8"))
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level"):
                assert level.get("m_probability") and level.get("u_probability"), (
                    comparison["output_column_name"],
                    level["label_for_charts"],
                )
    matcher = LiveMatcher.load(full_home)
    client_phone = "+86 571 8555 0102"  # CLIENTS[2]'s own line, written on its direct parcels
    with_phone = matcher.match({"phone": client_phone, "country": "CN"}, top=1)
    # the prior alone, plus a shared country (about 2 bits): an exact phone must add far more
    assert with_phone and with_phone[0].match_weight > matcher.prior_weight + 5


# Every identifier the live matcher (and POST /v1/match) takes, as a raw record's key, and the
# signature column it is compared on.
LIVE_IDENTIFIERS = {
    "name": "name_norm",
    "address": "address_core",
    "phone": "phone",
    "email": "email",
    "bank_account": "bank_account",
    "device_id": "device_id",
    "ip_address": "ip_address",
    "handle": "handle",
    "registry_id": "registry_id",
}


@pytest.mark.parametrize("identifier", sorted(LIVE_IDENTIFIERS))
def test_each_identifier_alone_raises_a_live_score_over_the_no_match_baseline(
    full_home: Path, identifier: str
) -> None:
    """A record holding one identifier, equal to a known party's, scores that party's actor
    above the prior (what a record sharing nothing gets): no comparison is left without
    weights."""
    from redlane.resolve.infrastructure import is_scoped
    from redlane.resolve.live import LiveMatcher, signature_of

    matcher = LiveMatcher.load(full_home)
    column = LIVE_IDENTIFIERS[identifier]
    # A value only one actor's parties hold (shared values rank several actors alike).
    holders: dict[str, set[str]] = {}
    for sig_id, sig in matcher.signatures.items():
        value, actor = sig.get(column), matcher.sig_actor.get(sig_id)
        if value is not None and actor is not None and not is_scoped(value):
            holders.setdefault(value, set()).add(actor)
    value = next(
        (
            v
            for v in sorted(holders)
            if len(holders[v]) == 1 and signature_of({identifier: v})[column] == v
        ),
        None,
    )
    assert value is not None, f"the world holds no {identifier} to test with"
    (actor,) = holders[value]
    found = {c.actor_id: c for c in matcher.match({identifier: value}, top=50)}
    assert actor in found, f"{identifier} {value!r} does not find its actor"
    assert found[actor].match_weight > matcher.prior_weight + 1, (identifier, found[actor])


def _list_entity(entity_id: str, schema: str, name: str, **props: str) -> dict:
    from followthemoney import model

    proxy = model.make_entity(schema)
    proxy.id = entity_id
    proxy.add("name", name)
    proxy.add("country", "cn" if schema == "Company" else "es")
    for prop, value in props.items():
        proxy.add(prop, value)
    return proxy.to_dict()


def _lookout_hits(home: Path) -> dict[str, set[str]]:
    """The hand-written parcels each imported lookout flags, computed as the plan computes
    them: the features' keys (``targeting.sql.KEY_EXPRESSIONS``) and the parties' actors."""
    import pyarrow as pa

    from redlane.engine.warehouse import Warehouse
    from redlane.store.db import session_scope
    from redlane.store.models import Lookout
    from redlane.targeting.rules import active_checks, evaluate
    from redlane.targeting.sql import KEY_EXPRESSIONS

    settings = get_settings()
    con = Warehouse(settings.warehouse_path).connect(tables=["aed_shipments"])
    register_resolution_views(con, home)
    keys = ", ".join(f"{KEY_EXPRESSIONS[k]} AS k_{k}" for k in ("sname", "sphone", "semail"))
    keys += ", " + ", ".join(f"{KEY_EXPRESSIONS[k]} AS k_{k}" for k in ("saddr", "cname", "caddr"))
    table: pa.Table = con.sql(
        f"""
        SELECT s.hawb, {keys}, expected_arrival,
            (SELECT max(actor_id) FROM party_actors p WHERE p.source_table = 'aed_shipments'
                AND p.record_key = s.hawb AND p.role = 'shipper') AS shipper_actor_id,
            (SELECT max(actor_id) FROM party_actors p WHERE p.source_table = 'aed_shipments'
                AND p.record_key = s.hawb AND p.role = 'consignee') AS consignee_actor_id
        FROM aed_shipments s WHERE s.hawb LIKE 'EXF%'
        """
    ).to_arrow_table()
    with session_scope(settings.database, readonly=True) as session:
        checks = [c for c in active_checks(session) if c.kind == "identifier"]
        listed = {
            f"lookout:{lk.id}": lk.criteria["ftm_id"] for lk in session.scalars(select(Lookout))
        }
    hits = evaluate(table, checks)
    hawbs = table.column("hawb").to_pylist()
    return {
        listed[check.key]: {hawbs[r] for r in range(len(hawbs)) if hits[r, i]}
        for i, check in enumerate(checks)
    }


def test_a_list_imported_with_resolve_flags_the_listed_party_not_namesakes_or_clients(
    full_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``case ftm-import --resolve``: a front listed under a squatted name, a client listed
    with its forwarder's phone, a common name listed with one namesake's phone. Matched by raw
    values each flags innocents; resolved to actors each flags its own parcels only."""
    home = tmp_path / "home"
    shutil.copytree(full_home, home)
    monkeypatch.setenv("REDLANE_HOME", str(home))
    get_settings.cache_clear()
    client, front_address = CLIENTS[2][0], "301 Jiangbei Road, Huizhou 516001"
    front_phone = "+86 138 2660 9988"
    rows = _scenario(0)[0] + _scenario(1)[0]
    for mode in ("plain", "resolved"):
        entities = [
            _list_entity(
                f"{mode}-front", "Company", SQUATTED, address=front_address, phone=front_phone
            ),
            _list_entity(f"{mode}-client", "Company", client, phone=FORWARDER_PHONE),
            _list_entity(f"{mode}-namesake", "Person", NAMESAKE, phone="+34 612 345 202"),
            _list_entity(f"{mode}-name-only", "Person", NAMESAKE),
        ]
        path = tmp_path / f"{mode}.ftm.json"
        path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
        out = _run("case", "ftm-import", str(path), *(["--resolve"] if mode == "resolved" else []))
        assert "4 lookouts created" in out
    hits = _lookout_hits(home)

    def parcels(test: object) -> set[str]:
        return {row["hawb"] for row in rows if test(row)}  # type: ignore[operator]

    front = parcels(lambda r: r["shipper_address"] == front_address)
    firm = parcels(
        lambda r: r["shipper_name"] == SQUATTED and r["shipper_address"] != front_address
    )
    namesake = parcels(lambda r: r["shipper_phone"] == "+34 612 345 202")
    all_namesakes = parcels(lambda r: r["shipper_name"] == NAMESAKE)
    own = parcels(lambda r: r["shipper_name"] == client)  # its c/o and its direct waybills
    forwarded = parcels(lambda r: r["shipper_phone"] == FORWARDER_PHONE)
    # By raw values: the squatted firm, every namesake, every client of the forwarder.
    assert hits["plain-front"] >= front | firm
    assert hits["plain-namesake"] == all_namesakes
    assert hits["plain-client"] >= forwarded and len(forwarded) > 2 * len(own)
    # Resolved: the listed party's own parcels.
    assert hits["resolved-front"] == front
    assert hits["resolved-namesake"] == namesake
    # A common name alone: the run sees it on three actors, so it flags none of them.
    assert hits["plain-name-only"] == all_namesakes and hits["resolved-name-only"] == set()
    assert own <= hits["resolved-client"] and not hits["resolved-client"] & (
        forwarded - own - parcels(lambda r: r["seller_ref"] == f"S-FWD{2:03d}")
    )
    from redlane.store.db import session_scope
    from redlane.store.models import AuditEntry, Lookout

    with session_scope(get_settings().database, readonly=True) as session:
        imports = [
            entry.details
            for entry in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "lookout.import")
                .order_by(AuditEntry.seq)
            )
        ]
    assert [d["resolve"] for d in imports] == [False, True]
    assert imports[1]["resolved"] == 3 and imports[1]["namesake_names"] == 1
    with session_scope(get_settings().database, readonly=True) as session:
        (name_only,) = [
            lk.criteria
            for lk in session.scalars(select(Lookout))
            if lk.criteria["ftm_id"] == "resolved-name-only"
        ]
    assert name_only["held_by_namesakes"] == [NAMESAKE] and name_only["names"] == []
    assert "actor_ids" not in name_only
