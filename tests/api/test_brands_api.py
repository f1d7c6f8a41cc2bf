"""Brand protection over HTTP: registry, guides, codes, authentication, flags, isolation.

Two rights holders (Acme, whose user is the seeded ``rights``, and Zenith, ``rights_b``) share
the ``rights_holders`` partner; neither may ever see the other's brands, codes, guides or flags.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from redlane.api.users import add_user
from redlane.brands.registry import ensure_holder, link_user
from redlane.brands.scope import CliCaller
from redlane.store.brand_models import BrandCode
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, Lookout
from tests.api.conftest import Service
from tests.api.seed import PASSWORD

CODES_A = ["ACME-0001-XK", "ACME-0002-QZ", "ACME-0003-LP"]
CODE_B = "ZEN-9999-AA"


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def brands(service: Service) -> Iterator[dict[str, Any]]:
    """Acme (user ``rights``) with brand ACME-1 and its codes; Zenith (``rights_b``) with ZEN-1."""
    admin = CliCaller("test-admin")
    with session_scope(service.world.url) as session:
        add_user(session, "rights_b", PASSWORD, "rights_holder", home=service.world.home)
        add_user(session, "rights_loner", PASSWORD, "rights_holder", home=service.world.home)
        ensure_holder(session, "Acme Brands Inc.", "US")
        ensure_holder(session, "Zenith Group", "FR")
        link_user(session, "rights", "acme-brands-inc", admin)
        link_user(session, "rights_b", "zenith-group", admin)
    c = service.client
    for user, name, ref in (("rights", "Acme", "ACME-1"), ("rights_b", "Zenith", "ZEN-1")):
        r = c.post("/v1/brands", json={"name": name, "brand_id": ref}, headers=service.auth(user))
        assert r.status_code == 201, r.text
    r = c.post(
        "/v1/brands/ACME-1/codes",
        json={"codes": CODES_A, "batch": "2026-W40"},
        headers=service.auth("rights"),
    )
    assert r.status_code == 201 and r.json()["enrolled"] == 3, r.text
    r = c.post("/v1/brands/ZEN-1/codes", json={"codes": [CODE_B]}, headers=service.auth("rights_b"))
    assert r.status_code == 201, r.text
    r = c.post(
        "/v1/brands/ACME-1/guides",
        json={
            "title": "Genuine Acme sneakers",
            "body": "Stitching: 8 per inch; hologram on tongue",
        },
        headers=service.auth("rights"),
    )
    assert r.status_code == 201, r.text
    guide = r.json()
    r = c.post(
        f"/v1/brands/ACME-1/guides/{guide['id']}/images",
        files={"file": ("tongue.png", png(), "image/png")},
        headers=service.auth("rights"),
    )
    assert r.status_code == 201, r.text
    yield {"guide": guide["id"], "image": r.json()["id"]}


def test_a_rights_holder_manages_its_registry(service: Service, brands: dict[str, Any]) -> None:
    c, auth = service.client, service.auth("rights")
    r = c.post(
        "/v1/brands/ACME-1/product-lines",
        json={"name": "sneakers", "hs6": "6404.11", "price_min": 80, "price_max": 220},
        headers=auth,
    )
    assert r.status_code == 201 and r.json()["hs6"] == "640411", r.text
    bad = c.post(
        "/v1/brands/ACME-1/product-lines",
        json={"name": "caps", "hs6": "65050X", "price_min": 8, "price_max": 20},
        headers=auth,
    )
    assert bad.status_code == 422 and "6 digits" in bad.json()["detail"]
    r = c.post(
        "/v1/brands/ACME-1/parties",
        json={"role": "exporter", "name": "Meiya Trading", "country": "CN"},
        headers=auth,
    )
    # The service's (fake) live matcher is sure the party is actor A-1: it resolves at once.
    assert r.status_code == 201 and r.json()["actor_id"] == "A-1", r.text
    r = c.post(
        "/v1/brands/ACME-1/trademarks",
        json={
            "recordation_number": "TMK-26-00001",
            "mark": "ACME",
            "registered_at": "2019-04-11",
            "expires_at": "2029-04-11",
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    detail = c.get("/v1/brands/ACME-1", headers=auth).json()
    assert [t["in_force"] for t in detail["trademarks"]] == [True]
    assert [p["name"] for p in detail["product_lines"]] == ["sneakers"]
    assert detail["authorised_parties"][0]["role"] == "exporter"
    assert [b["brand_id"] for b in c.get("/v1/brands", headers=auth).json()] == ["ACME-1"]


def test_brand_a_never_sees_brand_b(service: Service, brands: dict[str, Any]) -> None:
    c, b = service.client, service.auth("rights_b")
    guide, image = brands["guide"], brands["image"]
    for path in (
        "/v1/brands/ACME-1",
        "/v1/brands/ACME-1/guides",
        f"/v1/brands/ACME-1/guides/{guide}/images/{image}",
        "/v1/brands/ACME-1/codes",
    ):
        r = c.get(path, headers=b)
        assert r.status_code == 404, (path, r.status_code)
        assert "ACME-1" in r.json()["detail"] and "Acme" not in r.json()["detail"].replace(
            "ACME-1", ""
        )
    writes = (
        ("/v1/brands/ACME-1/codes", {"codes": ["STOLEN01"]}),
        ("/v1/brands/ACME-1/guides", {"title": "fake", "body": "fake"}),
        (
            "/v1/brands/ACME-1/product-lines",
            {"name": "x", "hs6": "640411", "price_min": 1, "price_max": 2},
        ),
        (
            "/v1/flags",
            {"brand_id": "ACME-1", "target_kind": "seller", "target_ref": "S-1", "reason": "copy"},
        ),
    )
    for path, body in writes:
        assert c.post(path, json=body, headers=b).status_code == 404, path
    assert [x["brand_id"] for x in c.get("/v1/brands", headers=b).json()] == ["ZEN-1"]
    # Acme's codes are simply unknown to Zenith, with or without naming the brand.
    r = c.post(
        "/v1/authenticate",
        json={"codes": CODES_A[:1], "context": {"kind": "test_buy", "ref": "TB-Z1"}},
        headers=b,
    )
    assert r.status_code == 200 and r.json()["results"][0]["verdict"] == "unknown"
    r = c.post(
        "/v1/authenticate",
        json={
            "codes": CODES_A[:1],
            "brand_id": "ACME-1",
            "context": {"kind": "test_buy", "ref": "TB-Z1"},
        },
        headers=b,
    )
    assert r.status_code == 404
    # A rights-holder user linked to no rights holder sees nothing at all.
    assert c.get("/v1/brands", headers=service.auth("rights_loner")).json() == []
    r = c.post("/v1/brands", json={"name": "Orphan"}, headers=service.auth("rights_loner"))
    assert r.status_code == 403


def test_officer_authenticates_genuine_cloned_and_unknown(
    service: Service, brands: dict[str, Any]
) -> None:
    c, officer = service.client, service.auth("officer")
    first = c.post(
        "/v1/authenticate",
        json={
            "brand_id": "ACME-1",
            "codes": ["acme 0002 qz", "NOT-ENROLLED-1"],
            "context": {"kind": "shipment", "ref": "EXPR/JFK-RED-1", "port_code": "JFK"},
        },
        headers=officer,
    )
    assert first.status_code == 200, first.text
    verdicts = [x["verdict"] for x in first.json()["results"]]
    assert verdicts == ["genuine", "unknown"]
    assert "0002" not in first.text and "ENROLLED" not in first.text  # codes never echoed
    # The same code on the same parcel again keeps its verdict; on another parcel it is cloned.
    again = c.post(
        "/v1/authenticate",
        json={
            "codes": ["ACME-0002-QZ"],
            "context": {"kind": "shipment", "ref": "EXPR/JFK-RED-1", "port_code": "JFK"},
        },
        headers=officer,
    )
    assert again.json()["results"][0]["verdict"] == "genuine"
    cloned = c.post(
        "/v1/authenticate",
        json={
            "codes": ["ACME-0002-QZ"],
            "context": {"kind": "shipment", "ref": "EXPR/JFK-RED-2", "port_code": "JFK"},
        },
        headers=officer,
    ).json()["results"][0]
    assert cloned["verdict"] == "cloned" and cloned["brand_id"] == "ACME-1"
    assert [s["ref"] for s in cloned["seen_before"]] == ["EXPR/JFK-RED-1"]
    # The rights holder sees the cloning, but not the carrier's waybill of customs' scans.
    summary = c.get("/v1/brands/ACME-1/codes", headers=service.auth("rights")).json()
    assert summary["enrolled"] == 3 and summary["scans"]["cloned"] == 1
    assert all("ref" not in s for s in summary["recent"])
    # Officers name their own port.
    r = c.post(
        "/v1/authenticate",
        json={"codes": CODES_A[:1], "context": {"kind": "shipment", "ref": "EXPR/LAX-RED-1"}},
        headers=officer,
    )
    assert r.status_code == 422
    r = c.post(
        "/v1/authenticate",
        json={
            "codes": CODES_A[:1],
            "context": {"kind": "shipment", "ref": "EXPR/LAX-RED-1", "port_code": "LAX"},
        },
        headers=officer,
    )
    assert r.status_code == 403
    assert c.post("/v1/authenticate", json={}, headers=service.auth("carrier")).status_code == 403


def test_codes_are_stored_as_keyed_hashes_only(service: Service, brands: dict[str, Any]) -> None:
    db = Path(service.world.url.removeprefix("sqlite:///")).read_bytes()
    for code in (*CODES_A, CODE_B):
        assert code.replace("-", "").encode() not in db and code.encode() not in db
    with session_scope(service.world.url, readonly=True) as session:
        hashes = list(session.scalars(select(BrandCode.code_hash)))
    assert len(hashes) == 4 and all(len(h) == 64 for h in hashes)
    key = service.world.home / "secrets" / "codes.key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_guide_images_are_checked_by_content_and_size(
    service: Service, brands: dict[str, Any]
) -> None:
    c, auth, guide = service.client, service.auth("rights"), brands["guide"]
    url = f"/v1/brands/ACME-1/guides/{guide}/images"
    r = c.post(url, files={"file": ("x.png", b"<svg onload=alert(1)>", "image/png")}, headers=auth)
    assert r.status_code == 422 and "PNG, JPEG or WebP" in r.json()["detail"]
    big = b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)
    r = c.post(url, files={"file": ("big.jpg", big, "image/jpeg")}, headers=auth)
    assert r.status_code == 413
    officer = service.auth("officer")
    shown = c.get("/v1/brands/ACME-1/guides", headers=officer).json()
    assert shown[0]["title"] == "Genuine Acme sneakers" and len(shown[0]["images"]) == 1
    image = c.get(shown[0]["images"][0]["url"], headers=officer)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content == png()


def test_flags_flow_to_marketplace_and_customs(service: Service, brands: dict[str, Any]) -> None:
    c, rights = service.client, service.auth("rights")
    made = []
    for kind, ref in (("seller", "S-1"), ("listing", "L-404"), ("shipment", "EXPR/JFK-YEL-1")):
        r = c.post(
            "/v1/flags",
            json={
                "brand_id": "ACME-1",
                "target_kind": kind,
                "target_ref": ref,
                "reason": "our photos, 10% of retail",
                "evidence": ["https://example.invalid/listing"],
            },
            headers=rights,
        )
        assert r.status_code == 201, r.text
        assert r.json()["review"] == "pending" and r.json()["fast_path"] is False
        made.append(r.json()["id"])
    dup = c.post(
        "/v1/flags",
        json={"brand_id": "ACME-1", "target_kind": "seller", "target_ref": "S-1", "reason": "copy"},
        headers=rights,
    )
    assert dup.status_code == 409
    market = c.get("/v1/flags", headers=service.auth("marketplace")).json()
    assert {f["target_ref"] for f in market} >= {"S-1", "L-404"}
    assert all(f["target_kind"] != "shipment" and "decided_by" not in f for f in market)
    pending = c.get("/v1/flags?review=pending", headers=service.auth("analyst")).json()
    assert set(made) <= {f["id"] for f in pending}
    assert c.get("/v1/flags", headers=service.auth("rights_b")).json() == []
    analyst = service.auth("analyst")
    r = c.post(
        f"/v1/flags/{made[0]}/decision", json={"accept": True, "lane": "red"}, headers=analyst
    )
    assert r.status_code == 200 and r.json()["review"] == "accepted", r.text
    with session_scope(service.world.url, readonly=True) as session:
        lookout = session.get(Lookout, r.json()["lookout_id"])
        assert lookout is not None and lookout.active and lookout.lane == "red"
        assert lookout.criteria == {"field": "seller_ref", "op": "eq", "value": "S-1"}
    r = c.post(f"/v1/flags/{made[1]}/decision", json={"accept": False}, headers=analyst)
    assert r.status_code == 200 and r.json()["review"] == "rejected"
    again = c.post(f"/v1/flags/{made[1]}/decision", json={"accept": True}, headers=analyst)
    assert again.status_code == 409
    assert (
        c.post(f"/v1/flags/{made[2]}/decision", json={"accept": True}, headers=rights).status_code
        == 403
    )
    r = c.post(
        f"/v1/flags/{made[2]}/confirm",
        json={"by": "seizure", "ref": "I-77"},
        headers=service.auth("investigator"),
    )
    assert r.status_code == 200 and r.json()["confirmed_by"] == "seizure"
    metrics = c.get("/v1/flags/metrics", headers=rights).json()
    assert len(metrics) == 1 and metrics[0]["slug"] == "acme-brands-inc"
    assert metrics[0]["rejected"] == 1 and metrics[0]["confirmed"] == 1
    assert metrics[0]["precision"] == 0.5 and metrics[0]["fast_path"] is False
    everyone = c.get("/v1/flags/metrics", headers=analyst).json()
    assert "acme-brands-inc" in {m["slug"] for m in everyone}
    with session_scope(service.world.url, readonly=True) as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "brand_flag"))
        )
    assert {"flag.create", "flag.accept", "flag.reject", "flag.confirm"} <= actions


def test_roles_outside_brand_protection_are_refused(
    service: Service, brands: dict[str, Any]
) -> None:
    c = service.client
    assert (
        c.post("/v1/brands", json={"name": "X"}, headers=service.auth("officer")).status_code == 403
    )
    assert c.get("/v1/brands", headers=service.auth("carrier")).status_code == 403
    assert c.get("/v1/flags", headers=service.auth("officer")).status_code == 403
    assert c.post("/v1/brands/sync", headers=service.auth("analyst")).status_code == 403
    assert c.get("/v1/brands").status_code == 401


def test_cloned_codes_become_case_evidence(service: Service, brands: dict[str, Any]) -> None:
    c, officer = service.client, service.auth("officer")
    for ref in ("EXPR/JFK-GRN-1", "EXPR/JFK-YEL-1"):
        r = c.post(
            "/v1/authenticate",
            json={
                "codes": ["ACME-0003-LP"],
                "context": {"kind": "shipment", "ref": ref, "port_code": "JFK"},
            },
            headers=officer,
        )
        assert r.status_code == 200
    assert r.json()["results"][0]["verdict"] == "cloned"
    inv = service.auth("investigator")
    case = c.post(
        "/v1/cases", json={"kind": "hawb", "ref": "JFK-YEL-1", "title": "clones"}, headers=inv
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    r = c.post(f"/v1/cases/{case_id}/code-evidence", headers=inv)
    assert r.status_code == 200, r.text
    item = r.json()["evidence"]
    assert item["description"] == "1 cloned or unknown authentication codes"
    data = c.get(f"/v1/cases/{case_id}/evidence/{item['id']}", headers=inv).json()
    assert [s["ref"] for s in data["scans"]] == ["EXPR/JFK-YEL-1"]
    assert "ACME-0003" not in str(data)
    assert c.post(f"/v1/cases/{case_id}/code-evidence", headers=officer).status_code == 403


def test_seizure_notices_are_the_holders_own_and_audited(
    service: Service, brands: dict[str, Any]
) -> None:
    r = service.client.get("/v1/brands/seizure-notices", headers=service.auth("rights"))
    assert r.status_code == 200 and r.json() == []  # the seeded world has no seizures
    assert (
        service.client.get(
            "/v1/brands/seizure-notices", headers=service.auth("analyst")
        ).status_code
        == 403
    )
    with session_scope(service.world.url, readonly=True) as session:
        served = [
            e.details
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.actor == "rights", AuditEntry.action == "action.serve"
                )
            )
        ]
    assert served and served[-1]["brands"] == ["acme-1"]


# --- GS1 identifiers (docs/brands.md "GS1 identifiers") -----------------------------------------
GS1_BOOTS = "9506000134352"  # EAN-13; kept as GTIN-14 09506000134352
GS1_CAPS = "https://id.gs1.org/01/9506000134369"


def test_product_lines_carry_gtins_with_check_digits_verified(
    service: Service, brands: dict[str, Any]
) -> None:
    c, auth = service.client, service.auth("rights")
    bad = c.post(
        "/v1/brands/ACME-1/product-lines",
        json={
            "name": "belts",
            "hs6": "420330",
            "price_min": 1,
            "price_max": 2,
            "gtins": [GS1_BOOTS[:-1] + "3"],
        },
        headers=auth,
    )
    assert bad.status_code == 422
    assert "gtins[0]" in bad.json()["detail"]
    assert "wrong check digit: expected 2, got 3" in bad.json()["detail"]
    r = c.post(
        "/v1/brands/ACME-1/product-lines",
        json={
            "name": "boots",
            "hs6": "640391",
            "price_min": 90,
            "price_max": 300,
            "gtins": [GS1_BOOTS],
        },
        headers=auth,
    )
    assert r.status_code == 201 and r.json()["gtins"] == ["09506000134352"], r.text
    r = c.post(
        "/v1/brands/ACME-1/product-lines",
        json={
            "name": "caps",
            "hs6": "650500",
            "price_min": 9,
            "price_max": 30,
            "gtins": [GS1_CAPS],
        },
        headers=auth,
    )
    assert r.status_code == 201 and r.json()["gtins"] == ["09506000134369"], r.text
    # A GTIN names one product: Zenith cannot register Acme's, and is not told whose it is.
    taken = c.post(
        "/v1/brands/ZEN-1/product-lines",
        json={
            "name": "boots",
            "hs6": "640391",
            "price_min": 1,
            "price_max": 2,
            "gtins": ["(01)09506000134352"],
        },
        headers=service.auth("rights_b"),
    )
    assert taken.status_code == 422 and "already registered" in taken.json()["detail"]
    assert "ACME" not in taken.text.upper()
    detail = c.get("/v1/brands/ACME-1", headers=auth).json()
    lines = {line["name"]: line["gtins"] for line in detail["product_lines"]}
    assert lines["boots"] == ["09506000134352"] and lines["caps"] == ["09506000134369"]
    assert "belts" not in lines  # the refused line was not half-made


def test_an_sgtin_authenticates_as_product_line_and_unit_serial(
    service: Service, brands: dict[str, Any]
) -> None:
    c, officer = service.client, service.auth("officer")
    r = c.post(
        "/v1/brands/ACME-1/codes",
        json={"codes": ["BOOT-0001-AA"], "product_line": "boots"},
        headers=service.auth("rights"),
    )
    assert r.status_code == 201, r.text
    context = {"kind": "shipment", "ref": "EXPR/JFK-GS1-1", "port_code": "JFK"}
    r = c.post(
        "/v1/authenticate",
        json={
            "codes": [
                "(01)09506000134352(21)BOOT0001AA",  # the genuine unit, printed form
                "https://id.gs1.org/01/09506000134352/21/BOOT9999ZZ",  # serial never enrolled
                "]d2010950600013435221BOOT0001AA",  # the same unit scanned again
                "(01)09506000134369(21)BOOT0001AA",  # a real serial under another line's GTIN
                "BOOT-0001-AA",  # the brand's own code form still works
            ],
            "context": context,
        },
        headers=officer,
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["verdict"] for x in results] == [
        "genuine",
        "unknown",
        "genuine",
        "unknown",
        "genuine",
    ]
    assert [x["product_line"] for x in results] == ["boots", "boots", "boots", "caps", None]
    assert results[0]["gtin"] == "09506000134352" and results[0]["brand_id"] == "ACME-1"
    assert "BOOT0001" not in r.text and "BOOT9999" not in r.text  # serials never echoed
    # Zenith's holder does not see Acme's GTINs: the same SGTIN is unknown, no line named.
    r = c.post(
        "/v1/authenticate",
        json={
            "codes": ["(01)09506000134352(21)BOOT0001AA"],
            "context": {"kind": "test_buy", "ref": "TB-Z-1"},
            "record": False,
        },
        headers=service.auth("rights_b"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"][0] | {"seen_before": []} == {
        "position": 0,
        "verdict": "unknown",
        "brand_id": None,
        "seen_before": [],
        "gtin": "09506000134352",
        "product_line": None,
    }


def test_a_wrong_gs1_check_digit_is_a_clear_422(service: Service, brands: dict[str, Any]) -> None:
    r = service.client.post(
        "/v1/authenticate",
        json={
            "codes": ["ACME-0001-XK", "(01)09506000134353(21)BOOT0001AA"],
            "context": {"kind": "shipment", "ref": "EXPR/JFK-GS1-2", "port_code": "JFK"},
        },
        headers=service.auth("officer"),
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("codes[1]: ") and "wrong check digit: expected 2, got 3" in detail
    assert "BOOT0001" not in r.text
    r = service.client.post(
        "/v1/authenticate",
        json={
            "codes": ["09506000134352"],
            "format": "gs1",
            "context": {"kind": "shipment", "ref": "EXPR/JFK-GS1-2", "port_code": "JFK"},
        },
        headers=service.auth("officer"),
    )
    assert r.status_code == 422 and "serial (AI 21)" in r.json()["detail"]


def test_a_rights_holder_enrols_sgtins_under_their_gtins_line(
    service: Service, brands: dict[str, Any]
) -> None:
    c, rights = service.client, service.auth("rights")
    r = c.post(
        "/v1/brands/ACME-1/codes",
        json={"codes": ["https://id.gs1.org/01/09506000134369/21/CAPS0001XY"]},
        headers=rights,
    )
    assert r.status_code == 201 and r.json()["enrolled"] == 1, r.text
    context = {"kind": "shipment", "ref": "EXPR/JFK-GS1-3", "port_code": "JFK"}
    r = c.post(
        "/v1/authenticate",
        json={
            "codes": ["(01)09506000134369(21)CAPS0001XY", "(01)09506000134352(21)CAPS0001XY"],
            "context": context,
        },
        headers=service.auth("officer"),
    )
    assert [x["verdict"] for x in r.json()["results"]] == ["genuine", "unknown"], r.text
    # A GTIN no line of the brand has, or another line than the one named, is refused.
    for body, problem in (
        ({"codes": ["(01)04012345678901(21)CAPS0002XY"]}, "not a product line of Acme"),
        (
            {"codes": ["(01)09506000134369(21)CAPS0003XY"], "product_line": "boots"},
            "is product line 'caps'",
        ),
    ):
        r = c.post("/v1/brands/ACME-1/codes", json=body, headers=rights)
        assert r.status_code == 422 and problem in r.json()["detail"], r.text
        assert r.json()["detail"].startswith("codes[0]: ")
