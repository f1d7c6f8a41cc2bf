"""Privacy-preserving linkage: keyed CLKs link like plaintext, and no raw identifier leaves."""

from __future__ import annotations

import json
import random
import string

import pytest

from redlane.cases import pprl

KEY = bytes(range(32))


def _people(n: int, seed: int) -> list[dict[str, str | None]]:
    rng = random.Random(seed)
    syll = ["xin", "hua", "long", "tai", "mei", "sun", "bao", "kang", "ming", "feng", "jia"]
    streets = ["Huangpu Road", "Nanjing Street", "Binjiang Avenue", "Harbour Road"]
    out = []
    for i in range(n):
        name = "".join(rng.choice(syll) for _ in range(2)).title()
        kind = rng.choice(["Trading Co., Ltd.", "Imports LLC", "Commerce Ltd"])
        out.append(
            {
                "name": f"{name} {rng.choice(syll).title()} {kind}",
                "phone": f"+86 13{rng.randrange(10)} {rng.randrange(10**4):04d} {i:04d}",
                "email": f"{name.lower()}{i}@example.com",
                "address": f"Room {rng.randrange(100, 2000)}, {rng.randrange(1, 300)} "
                f"{rng.choice(streets)}, Shenzhen",
                "country": "CN",
            }
        )
    return out


def test_clk_linkage_is_as_good_as_plaintext() -> None:
    people = _people(260, seed=3)

    result = pprl.compare_on(people[:200], people[200:], KEY, seed=5)

    assert result.true_links == 120 and result.partner_records == 180
    assert result.plaintext.f1 > 0.9
    assert result.clk.f1 > 0.9
    assert abs(result.clk.f1 - result.plaintext.f1) < 0.05


def test_encoding_depends_on_the_key_and_tolerates_typos() -> None:
    record = _people(1, seed=1)[0]
    a = pprl.Encoder(KEY).encode(record)
    assert pprl.Encoder(KEY).encode(record) == a  # deterministic
    other_key = pprl.Encoder(bytes(32 - i for i in range(32))).encode(record)
    assert pprl.dice(a, other_key) < 0.5
    typo = {**record, "name": str(record["name"]).replace("a", "e", 1).upper()}
    close = pprl.dice(a, pprl.Encoder(KEY).encode(typo))
    assert close > 0.85
    # A look-alike stranger (same formats, domain, city) scores clearly lower.
    stranger = pprl.Encoder(KEY).encode(_people(2, seed=9)[1])
    assert pprl.dice(a, stranger) < close - 0.15
    with pytest.raises(ValueError):
        pprl.Encoder(b"short")


def test_no_raw_identifier_crosses_the_boundary() -> None:
    people = _people(50, seed=4)
    encoder = pprl.Encoder(KEY)

    payload = pprl.partner_payload(encoder, [(f"cust-{i}", p) for i, p in enumerate(people)])
    wire = json.dumps(payload)

    assert all(set(item) == {"ref", "clk"} for item in payload)
    for person in people:
        for field in ("name", "phone", "email", "address"):
            value = str(person[field])
            pieces = {value, value.lower(), *value.split()}
            normalised = pprl.normalise(person).get(field)
            if normalised:
                pieces.add(normalised)
            for piece in pieces:
                if len(piece) >= 5 and not set(piece) <= set(string.digits + " +"):
                    assert piece not in wire, piece
        digits = "".join(c for c in str(person["phone"]) if c.isdigit())
        assert digits[-8:] not in wire
    # The linker needs only the encodings.
    clks = [encoder.from_b64(item["clk"]) for item in payload]
    links = pprl.link(clks, [encoder.encode(p) for p in people], 0.9)
    assert [(i, j) for i, j, _ in links] == [(i, i) for i in range(50)]
