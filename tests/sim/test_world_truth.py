"""The truth is complete and the world behaves as designed: rates, links, rings, inspections."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from redlane.sim import SimConfig, generate_world
from tests.sim.conftest import PARCELS


def feed_rows(world, pattern: str) -> list[dict[str, str]]:
    rows = []
    for path in sorted(world.path.glob(pattern)):
        with path.open(encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def jsonl(world, rel: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in (world.path / rel).read_text(encoding="utf-8").splitlines()]


def test_counterfeit_base_rate_is_near_the_setting(world):
    ships = world.truth("shipments")
    assert len(ships) == PARCELS
    rate = sum(s["is_counterfeit"] for s in ships) / len(ships)
    assert 0.005 <= rate <= 0.016
    fakes = [s for s in ships if s["is_counterfeit"]]
    assert all(s["ring_id"] and s["brand_id"] for s in fakes)
    assert sum(s["declared_value"] < s["true_value"] * 0.6 for s in fakes) > len(fakes) / 3
    assert Counter(s["origin"] for s in fakes).most_common(1)[0][0] in ("CN", "HK")


def test_a_higher_counterfeit_rate_is_honoured(tmp_path: Path):
    cfg = SimConfig(counterfeit_rate=0.05, bad_row_rate=0.0, resend_rate=0.0)
    generate_world(tmp_path, seed=3, parcels=3000, days=3, config=cfg)
    ships = pq.read_table(tmp_path / "truth" / "shipments.parquet").to_pylist()
    rate = sum(s["is_counterfeit"] for s in ships) / len(ships)
    assert 0.035 <= rate <= 0.065
    assert pq.read_table(tmp_path / "truth" / "injected_errors.parquet").num_rows == 0
    assert pq.read_table(tmp_path / "truth" / "resent.parquet").num_rows == 0


def test_party_links_cover_every_party_in_every_feed(world):
    links = world.truth("party_links")
    by = defaultdict(set)
    for link in links:
        assert link["actor_id"]
        by[(link["table"], link["role"])].add(link["record_key"])
    hawbs = {r["hawb"] for r in feed_rows(world, "carrier/aed_*.csv")}
    assert by[("aed_shipments", "shipper")] == hawbs
    assert by[("aed_shipments", "consignee")] == hawbs
    entries = {r["entry_number"] for r in feed_rows(world, "customs/entries_*.csv")}
    assert by[("customs_entries", "importer")] == entries
    market = jsonl(world, "marketplace/marketplace.jsonl")
    sellers = {r["seller_id"] for r in market if r["record_type"] == "seller"}
    assert by[("mp_sellers", "seller")] == sellers
    posts = {r["post_id"] for r in jsonl(world, "social/posts.jsonl")}
    assert by[("social_posts", "social_handle")] == posts
    parties = set()
    for doc in (world.path / "rights_holders").glob("*.json"):
        for brand in json.loads(doc.read_text())["brands"]:
            parties |= {p["party_id"] for p in brand["authorized_parties"]}
    assert by[("authorized_parties", "authorized_party")] == parties
    actors = {a["actor_id"] for a in world.truth("actors")}
    assert {link["actor_id"] for link in links} <= actors


def test_ring_members_share_identifiers(world):
    actors = {a["actor_id"]: a for a in world.truth("actors")}
    idents = [i for i in world.truth("identities") if i["used"]]
    sharing = 0
    big_rings = {r["ring_id"] for r in world.truth("rings") if r["size"] >= 3}
    for ring in big_rings:
        members = [i for i in idents if actors[i["actor_id"]]["ring_id"] == ring]
        owners = defaultdict(set)
        for i in members:
            for kind in ("bank_account", "device_id", "address", "phone_e164", "ip_address"):
                owners[(kind, i[kind])].add(i["actor_id"])
        sharing += any(len(v) > 1 for v in owners.values())
    assert big_rings and sharing >= 0.6 * len(big_rings)


def test_new_identities_keep_an_old_identifier(world):
    idents = world.truth("identities")
    by_actor = defaultdict(list)
    for i in idents:
        if i["used"]:
            by_actor[i["actor_id"]].append(i)
    switched = 0
    for rows in by_actor.values():
        rows.sort(key=lambda r: r["start_day"])
        for prev, new in zip(rows, rows[1:], strict=False):
            switched += 1
            assert new["name"] != prev["name"] or new["email"] != prev["email"]
            kept = new["reused_from_previous"]
            assert kept
            names = {
                "bank": "bank_account",
                "device": "device_id",
                "address": "address",
                "phone": "phone_e164",
                "ip": "ip_address",
            }
            assert all(new[names[k]] == prev[names[k]] for k in kept)
    assert switched > 0


def test_parties_are_written_with_noise(world):
    by_identity = defaultdict(set)
    ships = {s["hawb"]: s for s in world.truth("shipments")}
    for row in feed_rows(world, "carrier/aed_*.csv"):
        by_identity[ships[row["hawb"]]["shipper_identity_id"]].add(row["shipper_name"])
    busy = [names for names in by_identity.values() if len(names) > 1]
    assert len(busy) > 0.3 * len(by_identity)


def test_consolidator_addresses_are_shared_by_unrelated_actors(world):
    owners = defaultdict(set)
    for i in world.truth("identities"):
        owners[i["address"]].add(i["actor_id"])
    assert max(len(v) for v in owners.values()) >= 5


def test_inspections_exist_only_for_inspected_parcels(world):
    ships = {s["hawb"]: s for s in world.truth("shipments")}
    rows = feed_rows(world, "customs/inspections_*.csv")
    inspected = {h for h, s in ships.items() if s["inspected"]}
    assert {r["hawb"] for r in rows} == inspected
    assert 0.01 <= len(inspected) / len(ships) <= 0.04
    for r in rows:
        s = ships[r["hawb"]]
        assert r["selection_reason"] == s["selection_reason"]
        assert r["outcome"] == s["outcome"]
        if r["outcome"] == "seized":
            assert s["is_counterfeit"] and r["brand"] and int(r["seized_quantity"]) > 0
    hit = Counter(
        (s["selection_reason"], s["is_counterfeit"]) for s in ships.values() if s["inspected"]
    )
    assert hit[("targeted", True)] > 0


def test_entries_are_a_fraction_and_formal_ones_carry_an_importer_address(world):
    rows = feed_rows(world, "customs/entries_*.csv")
    assert 0.2 * PARCELS <= len(rows) <= 0.6 * PARCELS
    types = Counter(r["entry_type"] for r in rows)
    assert types["86"] > types["11"] + types["01"]
    assert all(r["importer_address"] for r in rows if r["entry_type"] != "86")


def test_gouging_episode_is_flagged_and_overpriced(world):
    ships = world.truth("shipments")
    gouged = [s for s in ships if s["price_gouging"]]
    assert gouged
    assert len({s["day"] for s in gouged}) <= 5
    listings = world.truth("listings")
    assert any(x["price_gouging"] for x in listings)


def intact_jsonl(world, rel: str) -> list[dict[str, object]]:
    """The file's records without those the simulator broke on purpose (truth/injected_errors)."""
    broken = {r["line"] for r in world.truth("injected_errors") if r["file"] == rel}
    return [r for n, r in enumerate(jsonl(world, rel), start=1) if n not in broken]


def test_feeds_refer_to_each_other_consistently(world):
    # A record the simulator broke on purpose may lack the reference it would carry; a broken
    # seller or listing record still names itself.
    everything = jsonl(world, "marketplace/marketplace.jsonl")
    market = intact_jsonl(world, "marketplace/marketplace.jsonl")
    sellers = {r["seller_id"] for r in everything if r["record_type"] == "seller"}
    listings = {r["listing_id"] for r in everything if r["record_type"] == "listing"}
    refs = {r["seller_ref"] for r in feed_rows(world, "carrier/aed_*.csv") if r["seller_ref"]}
    assert refs and refs <= sellers
    assert {r["seller_id"] for r in market if r["record_type"] != "seller"} <= sellers
    taken = {r.get("listing_id") for r in market if r["record_type"] == "takedown"}
    assert taken - {None} <= listings
    linked = {r.get("linked_listing_id") for r in jsonl(world, "social/posts.jsonl")}
    assert linked - {None} <= listings
    hawbs = {r["hawb"] for r in feed_rows(world, "carrier/aed_*.csv")}
    assert {r["hawb"] for r in feed_rows(world, "customs/entries_*.csv")} <= hawbs


def test_a_tiny_world_still_has_every_file(tmp_path: Path):
    summary = generate_world(tmp_path, seed=5, parcels=5, days=10)
    assert sum(n for f, n in summary.files.items() if f.startswith("carrier/")) >= 5
    assert len(list((tmp_path / "carrier").iterdir())) == 10
    assert (tmp_path / "truth" / "world.json").exists()
