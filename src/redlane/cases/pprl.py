"""Privacy-preserving record linkage with cryptographic long-term keys (CLKs).

The published scheme (Schnell, Bachteler and Reiher 2009 and 2011; the one `clkhash` implements):
each identifier is normalised, split into q-grams (bigrams of the padded value; phones as bigrams
of their digits), and every q-gram sets ``k`` bits of one shared Bloom filter of ``BITS`` bits at
positions ``(h1 + i * h2) mod BITS`` for ``i < k`` (double hashing), where ``h1`` and ``h2`` come
from HMAC-SHA256 under a secret key the partners agree on and redlane never holds. The q-gram
carries its field's name, so the same bigram in a name and an address sets different bits.
Records are compared by the Dice coefficient of their filters.

The partner runs :func:`partner_payload` on its side and sends only ``(ref, clk)`` pairs: an
opaque reference of its own and the filter in base64. redlane links them to the CLKs of its actors
(encoded by the same keyed encoder wherever the key is held) with :func:`link`: greedy one-to-one
on Dice above a threshold. :func:`plaintext_link` does the same on the raw q-gram sets, the
baseline the encodings are measured against (``docs/cases.md``).

Known limits of the scheme: Bloom-filter CLKs resist dictionary attacks only while the key stays
secret, and frequency attacks on very common values exist in the literature; field hardening
(balancing, XOR-folding) is not implemented here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import duckdb

from redlane.normalize import addresses, emails, names, phones

BITS: Final = 2048
# Bits set per q-gram, per field: more for the fields that identify best.
FIELD_K: Final = {"name": 15, "phone": 10, "email": 10, "address": 6}
FIELDS: Final = tuple(FIELD_K)
# Dice thresholds tried by :func:`compare_on`: 0.30, 0.35, ..., 0.95.
THRESHOLDS: Final = tuple(round(0.3 + 0.05 * n, 2) for n in range(14))


def normalise(record: Mapping[str, str | None]) -> dict[str, str]:
    """The identifiers of a record as both sides must encode them."""
    country = record.get("country") or None
    out: dict[str, str] = {}
    name = names.company_name(record.get("name")) or names.person_name(record.get("name"))
    phone = phones.phone(record.get("phone"), default_region=country)
    email = emails.email(record.get("email"))
    address = addresses.address(record.get("address"))
    for field, value in (("name", name), ("phone", phone), ("email", email), ("address", address)):
        if value:
            out[field] = value.lower()
    return out


def qgrams(field: str, value: str, q: int = 2) -> set[str]:
    if field == "phone":
        value = "".join(ch for ch in value if ch.isdigit())
    padded = f" {value} " if field != "phone" else value
    if len(padded) < q:
        return {padded} if padded else set()
    return {padded[i : i + q] for i in range(len(padded) - q + 1)}


def tokens(record: Mapping[str, str | None]) -> set[str]:
    """Field-tagged q-grams: the plaintext the encoding hides."""
    return {
        f"{field}:{gram}"
        for field, value in normalise(record).items()
        for gram in qgrams(field, value)
    }


@dataclass(frozen=True)
class Encoder:
    """A keyed CLK encoder; ``key`` is the partners' shared secret (32 bytes or more)."""

    key: bytes
    bits: int = BITS

    def __post_init__(self) -> None:
        if len(self.key) < 32:
            raise ValueError("the CLK key must have at least 32 bytes")

    def encode(self, record: Mapping[str, str | None]) -> int:
        """The CLK of a record as an integer bit set."""
        bloom = 0
        for token in tokens(record):
            field = token.split(":", 1)[0]
            digest = hmac.new(self.key, token.encode("utf-8"), hashlib.sha256).digest()
            h1 = int.from_bytes(digest[:8], "big")
            h2 = int.from_bytes(digest[8:16], "big") | 1
            for i in range(FIELD_K[field]):
                bloom |= 1 << ((h1 + i * h2) % self.bits)
        return bloom

    def to_b64(self, clk: int) -> str:
        return base64.b64encode(clk.to_bytes(self.bits // 8, "big")).decode()

    def from_b64(self, text: str) -> int:
        raw = base64.b64decode(text, validate=True)
        if len(raw) != self.bits // 8:
            raise ValueError(f"a CLK has {self.bits // 8} bytes, got {len(raw)}")
        return int.from_bytes(raw, "big")


def partner_payload(
    encoder: Encoder, records: Iterable[tuple[str, Mapping[str, str | None]]]
) -> list[dict[str, str]]:
    """What a partner sends: its own opaque reference and the CLK, nothing else."""
    return [{"ref": ref, "clk": encoder.to_b64(encoder.encode(record))} for ref, record in records]


def dice(a: int, b: int) -> float:
    total = a.bit_count() + b.bit_count()
    return 0.0 if total == 0 else 2 * (a & b).bit_count() / total


def dice_sets(a: set[str], b: set[str]) -> float:
    total = len(a) + len(b)
    return 0.0 if total == 0 else 2 * len(a & b) / total


def _ranked(scored: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    return sorted(scored, key=lambda t: (-t[0], t[1], t[2]))


def _greedy(ranked: list[tuple[float, int, int]], threshold: float) -> list[tuple[int, int, float]]:
    """One-to-one links from candidate pairs ranked best first (see :func:`_ranked`)."""
    used_l: set[int] = set()
    used_r: set[int] = set()
    links = []
    for score, i, j in ranked:
        if score < threshold:
            break
        if i not in used_l and j not in used_r:
            used_l.add(i)
            used_r.add(j)
            links.append((i, j, score))
    return sorted(links)


def link(
    left: Sequence[int], right: Sequence[int], threshold: float
) -> list[tuple[int, int, float]]:
    """One-to-one links ``(i, j, dice)`` between two lists of CLKs."""
    scored = [(dice(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)]
    return _greedy(_ranked(scored), threshold)


def plaintext_link(
    left: Sequence[set[str]], right: Sequence[set[str]], threshold: float
) -> list[tuple[int, int, float]]:
    scored = [(dice_sets(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)]
    return _greedy(_ranked(scored), threshold)


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    links: int


def quality(links: Iterable[tuple[int, int, float]], truth: set[tuple[int, int]]) -> Quality:
    found = {(i, j) for i, j, _ in links}
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(precision, recall, f1, len(found))


def corrupt(record: Mapping[str, str | None], rng: random.Random) -> dict[str, str | None]:
    """The same customer as another partner might hold it: typos, case, formatting, gaps."""
    out = dict(record)
    name = out.get("name") or ""
    if name and rng.random() < 0.5:
        i = rng.randrange(len(name))
        name = name[:i] + rng.choice("aeiourstn") + name[i + 1 :]
    if rng.random() < 0.3:
        name = name.upper()
    out["name"] = name
    phone = out.get("phone") or ""
    if phone and rng.random() < 0.3:
        digits = list(phone)
        positions = [k for k, c in enumerate(digits) if c.isdigit()]
        k = rng.choice(positions[-4:]) if positions else 0
        digits[k] = str(rng.randrange(10))
        phone = "".join(digits)
    if phone and rng.random() < 0.3:
        phone = phone.replace(" ", "").replace("-", "")
    out["phone"] = phone or None
    if out.get("email") and rng.random() < 0.3:
        out["email"] = str(out["email"]).upper()
    if out.get("email") and rng.random() < 0.15:
        out["email"] = None
    address = out.get("address") or ""
    for long, short in (("Road", "Rd"), ("Street", "St"), ("Avenue", "Ave"), ("Room", "Rm")):
        if rng.random() < 0.5:
            address = address.replace(long, short)
    out["address"] = address or None
    return out


@dataclass(frozen=True)
class Comparison:
    reference: int
    partner_records: int
    true_links: int
    threshold_clk: float
    threshold_plain: float
    clk: Quality
    plaintext: Quality


def compare_on(
    reference: Sequence[Mapping[str, str | None]],
    strangers: Sequence[Mapping[str, str | None]],
    key: bytes,
    *,
    overlap: float = 0.6,
    seed: int = 7,
    thresholds: Sequence[float] = THRESHOLDS,
) -> Comparison:
    """A partner's list holds corrupted copies of ``overlap`` of the ``reference`` records plus
    corrupted ``strangers`` (customers redlane does not know); link it to the reference with
    CLKs and in plaintext, each at its best threshold of the same grid."""
    rng = random.Random(seed)
    known = sorted(rng.sample(range(len(reference)), round(overlap * len(reference))))
    partner = [(corrupt(reference[i], rng), i) for i in known]
    partner += [(corrupt(r, rng), -1) for r in strangers]
    rng.shuffle(partner)
    truth = {(j, i) for j, (_r, i) in enumerate(partner) if i >= 0}
    encoder = Encoder(key)
    clk_left = [encoder.encode(r) for r, _ in partner]
    clk_right = [encoder.encode(r) for r in reference]
    plain_left = [tokens(r) for r, _ in partner]
    plain_right = [tokens(r) for r in reference]
    t_clk, q_clk = _best(
        _ranked(
            [(dice(a, b), i, j) for i, a in enumerate(clk_left) for j, b in enumerate(clk_right)]
        ),
        truth,
        thresholds,
    )
    t_plain, q_plain = _best(
        _ranked(
            [
                (dice_sets(a, b), i, j)
                for i, a in enumerate(plain_left)
                for j, b in enumerate(plain_right)
            ]
        ),
        truth,
        thresholds,
    )
    return Comparison(len(reference), len(partner), len(truth), t_clk, t_plain, q_clk, q_plain)


def _best(
    ranked: list[tuple[float, int, int]], truth: set[tuple[int, int]], thresholds: Sequence[float]
) -> tuple[float, Quality]:
    return max(
        ((t, quality(_greedy(ranked, t), truth)) for t in thresholds), key=lambda tq: tq[1].f1
    )


def shipper_identities(
    con: duckdb.DuckDBPyConnection, limit: int | None = None
) -> list[dict[str, str | None]]:
    """One record per distinct shipper name in the warehouse (``con``: a warehouse DuckDB
    connection): the kind of customer list a carrier would hold."""
    sql = (
        "SELECT shipper_name, any_value(shipper_phone ORDER BY hawb),"
        " any_value(shipper_email ORDER BY hawb), any_value(shipper_address ORDER BY hawb),"
        " any_value(shipper_country ORDER BY hawb) FROM aed_shipments"
        " WHERE shipper_name IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    rows = con.execute(sql).fetchall()
    out = [
        {"name": r[0], "phone": r[1], "email": r[2], "address": r[3], "country": r[4]} for r in rows
    ]
    return out[:limit] if limit is not None else out
