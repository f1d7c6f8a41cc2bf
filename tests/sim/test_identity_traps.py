"""Forwarders, namesakes and name squatting: parties that mislead, and the truth behind them."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import fields
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from redlane.sim import SimConfig, generate_world

# Enough ring traffic that forwarders carry counterfeit and legitimate parcels side by side.
CONFIG = SimConfig(counterfeit_rate=0.03)
MECHANICS = (
    "forwarder_client_share",
    "forwarded_parcel_share",
    "forwarder_own_name_share",
    "forwarder_seller_ref_share",
    "namesake_share",
    "consumer_namesake_share",
    "name_squat_share",
)
CARE_OF = re.compile(r"^(c/o|C/O|care of) ")


class World:
    def __init__(self, path: Path) -> None:
        self.path = path

    def truth(self, name: str) -> list[dict[str, object]]:
        return pq.read_table(self.path / "truth" / f"{name}.parquet").to_pylist()

    def aed(self) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        for path in sorted((self.path / "carrier").glob("aed_*.csv")):
            with path.open(encoding="utf-8", newline="") as fh:
                rows += list(csv.DictReader(fh))
        return rows

    def intact_aed(self) -> list[tuple[dict[str, str], dict[str, object]]]:
        """AED rows (first sending only, none broken on purpose) with their parcel's truth."""
        ships = {s["hawb"]: s for s in self.truth("shipments")}
        seen: set[str] = set()
        out = []
        for row in self.aed():
            ship = ships.get(row["hawb"])
            if ship is None or ship["bad_row"] or row["hawb"] in seen:
                continue
            seen.add(row["hawb"])
            out.append((row, ship))
        return out

    def shipper_links(self) -> dict[str, str]:
        return {
            link["record_key"]: link["actor_id"]
            for link in self.truth("party_links")
            if link["table"] == "aed_shipments" and link["role"] == "shipper"
        }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("traps") / "world"
    generate_world(path, seed=11, parcels=6000, days=10, config=CONFIG)
    return World(path)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def same_phone(written: str, e164: object) -> bool:
    """The written phone is this number (a variant may carry one mis-keyed digit)."""
    a, b = digits(written)[-8:], digits(str(e164))[-8:]
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def test_forwarders_are_actors_with_a_row_of_infrastructure_each(world):
    actors = {a["actor_id"]: a for a in world.truth("actors")}
    infra = world.truth("infrastructure")
    assert len(infra) >= 3
    forwarders = {a for a, row in actors.items() if row["role"] == "forwarder"}
    assert {r["actor_id"] for r in infra} == forwarders
    identities = {i["actor_id"]: i for i in world.truth("identities")}
    for row in infra:
        assert row["kind"] == "forwarder" and actors[row["actor_id"]]["kind"] == "legit"
        assert row["clients"] > 0
        ident = identities[row["actor_id"]]
        assert (row["name"], row["address"], row["phone"], row["email"]) == (
            ident["name"],
            ident["address"],
            ident["phone_e164"],
            ident["email"],
        )


def test_a_forwarders_phone_is_written_with_many_unrelated_senders(world):
    infra = world.truth("infrastructure")
    rows = world.intact_aed()
    by_phone: dict[str, list[tuple[dict[str, str], dict[str, object]]]] = defaultdict(list)
    for row, ship in rows:
        if row["shipper_phone"]:
            by_phone[digits(row["shipper_phone"])].append((row, ship))
    busiest = 0
    kinds: set[str] = set()
    for fwd in infra:
        national = digits(str(fwd["phone"]))[-8:]
        under = [x for phone, xs in by_phone.items() if phone.endswith(national) for x in xs]
        names = {row["shipper_name"].casefold() for row, _ in under}
        clients = {ship["shipper_actor_id"] for _, ship in under}
        busiest = max(busiest, min(len(names), len(clients)))
        kinds |= {"counterfeit" if ship["ring_id"] else "legit" for _, ship in under}
    assert busiest >= 15
    assert kinds == {"legit", "counterfeit"}


def test_own_name_waybills_are_the_forwarders_party_but_the_clients_parcel(world):
    links = world.shipper_links()
    infra = {r["actor_id"]: r for r in world.truth("infrastructure")}
    sellers = {s["seller_id"]: s["actor_id"] for s in world.truth("sellers")}
    own = [(row, ship) for row, ship in world.intact_aed() if ship["forwarding"] == "own_name"]
    assert len(own) > 50
    with_account = 0
    with_ref = 0
    for row, ship in own:
        forwarder = ship["forwarder_actor_id"]
        assert forwarder in infra and ship["shipper_actor_id"] not in infra
        assert links[row["hawb"]] == forwarder
        if row["shipper_phone"]:
            assert same_phone(row["shipper_phone"], infra[forwarder]["phone"])
        if ship["seller_id"]:
            with_account += 1
            if row["seller_ref"]:
                with_ref += 1
                assert row["seller_ref"] == ship["seller_id"]
                assert sellers[row["seller_ref"]] == ship["shipper_actor_id"]  # the client's
    # Forwarders label consolidated parcels with the merchant's reference (60 %, not 35 %).
    assert 0.45 <= with_ref / with_account <= 0.75


def test_care_of_waybills_name_the_forwarder_and_belong_to_the_client(world):
    links = world.shipper_links()
    infra = {r["actor_id"]: r for r in world.truth("infrastructure")}
    care = [(row, ship) for row, ship in world.intact_aed() if ship["forwarding"] == "care_of"]
    assert len(care) > 50
    spellings = set()
    for row, ship in care:
        match = CARE_OF.match(row["shipper_address"])
        assert match, row["shipper_address"]
        spellings.add(match.group(1))
        assert links[row["hawb"]] == ship["shipper_actor_id"]
        assert ship["shipper_actor_id"] not in infra
        forwarder = infra[str(ship["forwarder_actor_id"])]
        if row["shipper_phone"]:
            assert same_phone(row["shipper_phone"], forwarder["phone"])
    assert spellings == {"c/o", "C/O", "care of"}
    direct = [row for row, ship in world.intact_aed() if ship["forwarding"] is None]
    assert not any(CARE_OF.match(row["shipper_address"]) for row in direct)


def test_namesakes_share_an_exact_name_but_not_a_phone_or_mailbox(world):
    identities = world.truth("identities")
    by_actor = {i["actor_id"]: i for i in identities if i["used"]}
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in world.truth("namesakes"):
        if row["source"] == "common_name" and row["kind"] != "consumer":
            groups[str(row["group"])].append(row)
    assert len(groups) >= 10
    same_street = 0
    for rows in groups.values():
        people = [by_actor[str(r["actor_id"])] for r in rows]
        assert len(people) >= 2 and len({p["actor_id"] for p in people}) == len(people)
        assert {p["name"] for p in people} == {rows[0]["name"]}
        assert len({p["phone_e164"] for p in people}) == len(people)
        assert len({str(p["email"]).lower() for p in people}) == len(people)
        assert len({p["address"] for p in people}) == len(people)
        # Neighbours: one street, one city, another house number.
        streets = [re.sub(r"\d+", "#", str(p["address"])) for p in people]
        same_street += len(streets) > len(set(streets))
    assert same_street >= 3


def test_consignee_namesakes_are_different_people(world):
    groups: dict[str, set[str]] = defaultdict(set)
    for r in world.truth("namesakes"):
        if r["source"] == "common_name" and r["kind"] == "consumer":
            groups[str(r["group"])].add(str(r["actor_id"]))
    assert len(groups) >= 5
    phones: dict[str, set[str]] = defaultdict(set)
    addresses: dict[str, set[str]] = defaultdict(set)
    for row, ship in world.intact_aed():
        actor = str(ship["consignee_actor_id"])
        addresses[actor].add(row["consignee_address"])
        if row["consignee_phone"]:
            phones[actor].add(digits(row["consignee_phone"])[-10:])
    delivered_to_two = 0
    for members in groups.values():
        seen = [a for a in members if a in addresses]
        delivered_to_two += len(seen) >= 2
        # Each keeps a phone and a home of its own.
        for pool in (phones, addresses):
            written = [pool[a] for a in seen]
            assert sum(len(w) for w in written) == len(set().union(*written))
    assert delivered_to_two >= 1


def test_squatted_names_are_a_legitimate_firms_exact_name(world):
    squats = world.truth("name_squats")
    assert squats
    actors = {a["actor_id"]: a for a in world.truth("actors")}
    identities = {i["identity_id"]: i for i in world.truth("identities")}
    for s in squats:
        front, firm = identities[s["front_identity_id"]], identities[s["legit_identity_id"]]
        assert actors[s["front_actor_id"]]["kind"] == "counterfeit"
        assert actors[s["legit_actor_id"]]["kind"] == "legit"
        assert front["name"] == firm["name"] == s["name"]
        assert not front["person"] and front["country"] == firm["country"] == s["country"]
        for key in ("address", "phone_e164", "email", "bank_account"):
            assert front[key] != firm[key], key
    named = {r["actor_id"] for r in world.truth("namesakes") if r["source"] == "name_squat"}
    used = [s for s in squats if s["used"]]
    assert used and all({s["front_actor_id"], s["legit_actor_id"]} <= named for s in used)


def test_a_mailbox_or_a_handle_has_one_holder(world):
    """Two unrelated actors never write the same e-mail address or social handle (a name-made
    address or a handle from short word lists used to collide: sim/distinct.py)."""
    for column in ("email", "handle"):
        holders: dict[str, set[object]] = defaultdict(set)
        for ident in world.truth("identities"):
            value = str(ident[column]).strip().lstrip("@").lower()
            holders[value].add(ident["actor_id"])
        shared = {v: a for v, a in holders.items() if len(a) > 1}
        assert not shared, f"{len(shared)} {column} values with several holders"


def test_every_mechanic_has_a_setting_that_switches_it_off(tmp_path: Path):
    names = {f.name for f in fields(SimConfig)}
    assert set(MECHANICS) <= names
    off = SimConfig(counterfeit_rate=0.03, **dict.fromkeys(MECHANICS, 0.0))
    generate_world(tmp_path, seed=11, parcels=3000, days=4, config=off)
    world = World(tmp_path)
    assert not world.truth("infrastructure") and not world.truth("name_squats")
    assert not any(a["role"] == "forwarder" for a in world.truth("actors"))
    assert all(s["forwarding"] is None for s in world.truth("shipments"))
    assert not any(CARE_OF.match(row["shipper_address"]) for row in world.aed())
    assert {r["source"] for r in world.truth("namesakes")} <= {"chance"}


def test_defaults_switch_every_mechanic_on():
    cfg = SimConfig()
    assert all(getattr(cfg, name) > 0 for name in MECHANICS)
    with pytest.raises(ValueError, match="namesake_share"):
        SimConfig(namesake_share=1.5)
