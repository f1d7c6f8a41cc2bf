"""Actors, their identities, and the rings counterfeit actors form.

An actor is the real person or company; an identity is one persona it presents (a name, an
email, a phone, an address, a payout account, a device, an IP, a social handle) from some day
on. Ring members draw some identifiers from a pool the ring shares (one bank account paying out
for several stores, one office, one laptop), and when an actor is taken down or seized it comes
back under a new identity that keeps one or two old identifiers: the trail resolution follows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from redlane.sim.contacts import (
    Phone,
    new_bank,
    new_device,
    new_email,
    new_handle,
    new_ip,
    new_phone,
)
from redlane.sim.names import Name, company_name, person_name
from redlane.sim.noise import maybe
from redlane.sim.places import address

UNUSED = 10**6  # start day of a reserve identity that never came into use
SHARE_P = {"bank": 0.5, "device": 0.45, "address": 0.3, "phone": 0.3, "ip": 0.4}
REUSABLE = ("bank", "device", "address", "phone", "ip")


@dataclass
class Identity:
    index: int
    identity_id: str
    actor: int
    name: Name
    person: bool
    country: str
    address: str
    phone: Phone
    email: str
    bank: str
    device: str
    ip: str
    handle: str
    start_day: int
    reused: tuple[str, ...] = ()  # identifier kinds carried over from the previous identity
    shared: tuple[str, ...] = ()  # identifier kinds taken from the ring's shared pool


@dataclass
class Actor:
    index: int
    actor_id: str
    kind: str  # legit | counterfeit  (consumers live in ConsumerPool)
    # shipper | importer | manufacturer | licensee | reshipper | gouger | forwarder | member | front
    role: str
    country: str
    created_day: int
    ring: int = -1
    activity: float = 1.0
    identities: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    sells: bool = False  # holds marketplace accounts
    gouger: bool = False
    forwarder: int = -1  # the forwarder (actor index) this actor sends some parcels through


@dataclass
class RingShared:
    banks: list[str]
    devices: list[str]
    addresses: list[str]
    phones: list[Phone]
    ips: list[str]


@dataclass
class Ring:
    index: int
    ring_id: str
    home: str
    members: list[int]
    brands: list[int]
    ports: list[int]
    shared: RingShared
    promoter: int = -1  # member whose social handle advertises the others' listings
    front: int = -1  # US member used as consignee/importer for bulk parcels


class IdentityFactory:
    """Makes identities with fresh, shared or carried-over identifiers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.identities: list[Identity] = []

    def new(
        self,
        actor: Actor,
        *,
        person: bool,
        country: str,
        start_day: int,
        fixed_address: str | None = None,
        shared: RingShared | None = None,
        shareable: tuple[str, ...] = REUSABLE,
        previous: Identity | None = None,
        industry: int | None = None,
        name: Name | None = None,
        rng: random.Random | None = None,
    ) -> Identity:
        # A caller with its own stream (a mechanic that can be switched off) passes it, so the
        # population's stream, and so the rest of the world, stays as it was.
        rng = rng or self.rng
        if name is None:
            name = person_name(country, rng) if person else company_name(country, rng, industry)
        values: dict[str, object] = {
            "bank": new_bank(country, rng),
            "device": new_device(rng),
            "address": fixed_address or address(country, rng, business=not person),
            "phone": new_phone(country, rng),
            "ip": new_ip(country, rng),
        }
        shared_kinds: list[str] = []
        if shared is not None:
            pools: dict[str, list[object]] = {
                "bank": list(shared.banks),
                "device": list(shared.devices),
                "address": list(shared.addresses),
                "phone": list(shared.phones),
                "ip": list(shared.ips),
            }
            allowed = [k for k in shareable if pools[k]]
            for kind in allowed:
                if maybe(rng, SHARE_P[kind]):
                    shared_kinds.append(kind)
            # A ring is tied together by what its members share: nobody shares nothing.
            if not shared_kinds and allowed:
                shared_kinds.append(rng.choice(allowed))
            for kind in shared_kinds:
                values[kind] = rng.choice(pools[kind])
        reused: tuple[str, ...] = ()
        if previous is not None:
            reused = tuple(sorted(rng.sample(REUSABLE, rng.choice((1, 1, 2)))))
            for kind in reused:
                values[kind] = getattr(previous, kind)
        ident = Identity(
            index=len(self.identities),
            identity_id=f"ID-{len(self.identities) + 1:07d}",
            actor=actor.index,
            name=name,
            person=person,
            country=country,
            address=str(values["address"]),
            phone=_as_phone(values["phone"]),
            email=new_email(name, country, rng),
            bank=str(values["bank"]),
            device=str(values["device"]),
            ip=str(values["ip"]),
            handle=new_handle(rng),
            start_day=start_day,
            reused=reused,
            shared=tuple(k for k in shared_kinds if k not in reused),
        )
        self.identities.append(ident)
        actor.identities.append(ident.index)
        return ident


def _as_phone(value: object) -> Phone:
    assert isinstance(value, Phone)
    return value


def ring_shared(country: str, rng: random.Random, size: int) -> RingShared:
    """Identifiers a ring keeps in common; bigger rings have a few of each."""
    k = 1 + int(size >= 6) + int(size >= 15)
    return RingShared(
        banks=[new_bank(country, rng) for _ in range(k)],
        devices=[new_device(rng) for _ in range(k + 1)],
        addresses=[address(country, rng) for _ in range(max(1, k - 1))],
        phones=[new_phone(country, rng) for _ in range(k)],
        ips=[new_ip(country, rng) for _ in range(k)],
    )


def active_identity(actor: Actor, identities: list[Identity], day: int) -> int:
    """The identity an actor presents on ``day`` (its first one before it began)."""
    current = actor.identities[0]
    for i in actor.identities:
        if identities[i].start_day <= day:
            current = i
    return current
