"""The brand registry: rights holders, brands, trademarks, product lines, authorised parties.

Two ways in, one store: the rights holder's own edits (console and API, ``source = portal``) and
the recordations feed (``rights_holders/*.json`` in the warehouse, ``source = recordations``),
copied by :func:`sync_recordations`, which only ever touches rows that came from the feed.
Authorised parties carry the resolution actor they resolved to (``actor_id``): the feed's
parties are parties of the resolution run themselves; a party entered in the portal is matched
live against the current run. That actor id is what makes a shipper a known-good supply chain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Final

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.brands import gs1
from redlane.brands.scope import BrandScope, Caller, audit_act, brand_to_change, require_holder
from redlane.errors import NotFound, RedlaneError
from redlane.policy.roles import RIGHTS_HOLDER
from redlane.store.brand_models import (
    PARTY_ROLES,
    Brand,
    BrandGtin,
    BrandParty,
    BrandProductLine,
    BrandTrademark,
    RightsHolder,
    RightsHolderMember,
)
from redlane.store.models import User

# A live match must be this sure before a portal party counts as that actor.
PARTY_MATCH_PROBABILITY: Final = 0.9


class RegistryError(RedlaneError):
    STATUS = 422


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or "holder"


# --- rights holders and their users ---------------------------------------------------------
def ensure_holder(session: Session, name: str, country: str | None = None) -> RightsHolder:
    """The rights holder of that name (by slug), created if missing."""
    slug = slugify(name)
    holder = session.execute(
        select(RightsHolder).where(RightsHolder.slug == slug)
    ).scalar_one_or_none()
    if holder is None:
        holder = RightsHolder(slug=slug, name=name, country=country)
        session.add(holder)
        session.flush()
    return holder


def link_user(session: Session, username: str, holder_slug: str, caller: Caller) -> RightsHolder:
    """Make ``username`` (a rights_holder user) act for the rights holder ``holder_slug``."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}")
    if user.role != RIGHTS_HOLDER:
        raise RegistryError(f"{username} has role {user.role}, not {RIGHTS_HOLDER}")
    holder = session.execute(
        select(RightsHolder).where(RightsHolder.slug == holder_slug)
    ).scalar_one_or_none()
    if holder is None:
        raise NotFound(f"no rights holder {holder_slug!r}")
    member = session.execute(
        select(RightsHolderMember).where(RightsHolderMember.user_id == user.id)
    ).scalar_one_or_none()
    if member is None:
        session.add(RightsHolderMember(rights_holder_id=holder.id, user_id=user.id))
    else:
        member.rights_holder_id = holder.id
    session.flush()
    audit_act(
        session,
        caller,
        "brand.member",
        "rights_holder",
        [holder.id],
        "user acts for a rights holder",
        {"username": username, "holder": holder.slug},
    )
    return holder


def holders(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(RightsHolder).order_by(RightsHolder.name)).scalars()
    return [{"id": h.id, "slug": h.slug, "name": h.name, "country": h.country} for h in rows]


# --- brands ---------------------------------------------------------------------------------
def create_brand(
    session: Session,
    scope: BrandScope,
    *,
    name: str,
    owner_country: str | None = None,
    brand_ref: str | None = None,
) -> Brand:
    if not name.strip():
        raise RegistryError("a brand needs a name")
    holder = require_holder(session, scope)
    ref = brand_ref or f"{holder.slug}-{slugify(name)}"[:128]
    if session.execute(select(Brand.id).where(Brand.brand_ref == ref)).first():
        raise RegistryError(f"brand reference {ref!r} is taken: choose another")
    brand = Brand(
        brand_ref=ref,
        rights_holder_id=holder.id,
        name=name.strip(),
        owner_country=owner_country,
        source="portal",
    )
    session.add(brand)
    session.flush()
    audit_act(session, scope.caller, "brand.create", "brand", [ref], "brand registered")
    return brand


def brand_summary(brand: Brand) -> dict[str, Any]:
    return {
        "brand_id": brand.brand_ref,
        "name": brand.name,
        "owner_country": brand.owner_country,
        "source": brand.source,
    }


def brand_detail(session: Session, brand: Brand) -> dict[str, Any]:
    """A brand with its trademarks, product lines and authorised parties."""
    holder = session.get(RightsHolder, brand.rights_holder_id)
    marks = session.execute(
        select(BrandTrademark).where(BrandTrademark.brand_id == brand.id).order_by("id")
    ).scalars()
    lines = session.execute(
        select(BrandProductLine).where(BrandProductLine.brand_id == brand.id).order_by("name")
    ).scalars()
    parties = session.execute(
        select(BrandParty).where(BrandParty.brand_id == brand.id).order_by("party_ref")
    ).scalars()
    gtins = brand_gtins(session, brand.id)
    return {
        **brand_summary(brand),
        "rights_holder": holder.name if holder else None,
        "trademarks": [_trademark_json(t) for t in marks],
        "product_lines": [line_json(p, gtins.get(p.id, [])) for p in lines],
        "authorised_parties": [party_json(p) for p in parties],
    }


def _trademark_json(t: BrandTrademark) -> dict[str, Any]:
    today = date.today()
    return {
        "recordation_number": t.recordation_number,
        "mark": t.mark,
        "registered_at": t.registered_at.isoformat(),
        "expires_at": t.expires_at.isoformat() if t.expires_at else None,
        "in_force": t.registered_at <= today and (t.expires_at is None or t.expires_at >= today),
    }


def line_json(p: BrandProductLine, gtins: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "hs6": p.hs6,
        "price_min": p.price_min,
        "price_max": p.price_max,
        "currency": p.currency,
        "gtins": sorted(gtins),
    }


def brand_gtins(session: Session, brand_id: int) -> dict[int, list[str]]:
    """Product line id → its GTIN-14s."""
    found: dict[int, list[str]] = {}
    for line_id, gtin in session.execute(
        select(BrandGtin.product_line_id, BrandGtin.gtin).where(BrandGtin.brand_id == brand_id)
    ).all():
        found.setdefault(int(line_id), []).append(str(gtin))
    return found


def line_of_gtin(
    session: Session, gtin: str, brand_ids: Sequence[int]
) -> tuple[Brand, BrandProductLine] | None:
    """The brand and product line a GTIN-14 is registered to, among ``brand_ids`` only."""
    if not brand_ids:
        return None
    row = session.execute(
        select(Brand, BrandProductLine)
        .join(BrandGtin, BrandGtin.brand_id == Brand.id)
        .join(BrandProductLine, BrandProductLine.id == BrandGtin.product_line_id)
        .where(BrandGtin.gtin == gtin, Brand.id.in_(brand_ids))
    ).first()
    return (row[0], row[1]) if row is not None else None


def valid_gtins(raw: Sequence[str], field_name: str = "gtins") -> list[str]:
    """Each GTIN of a product line, in any GS1 form, as GTIN-14; the first bad one is refused
    with its position and the problem."""
    found: list[str] = []
    for position, text in enumerate(raw):
        try:
            gtin = gs1.read_gtin(text)
        except gs1.GS1Error as err:
            raise RegistryError(f"{field_name}[{position}]: {err.detail}") from err
        if gtin not in found:
            found.append(gtin)
    return found


def _refuse_taken_gtins(session: Session, gtins: Sequence[str]) -> None:
    if not gtins:
        return
    taken = session.execute(select(BrandGtin.gtin).where(BrandGtin.gtin.in_(gtins))).scalars()
    for gtin in taken:
        # A GTIN names one product worldwide; which brand holds it is not said (isolation).
        raise RegistryError(f"GTIN {gtin} is already registered to a product line")


def party_json(p: BrandParty) -> dict[str, Any]:
    return {
        "id": p.id,
        "party_id": p.party_ref,
        "role": p.role,
        "name": p.name,
        "address": p.address,
        "country": p.country,
        "identifiers": dict(p.identifiers or {}),
        "actor_id": p.actor_id,
        "source": p.source,
    }


# --- recordations, product lines, parties (portal edits) -------------------------------------
def add_trademark(
    session: Session,
    scope: BrandScope,
    brand_ref: str,
    *,
    recordation_number: str,
    mark: str,
    registered_at: date,
    expires_at: date | None,
) -> BrandTrademark:
    brand = brand_to_change(session, scope, brand_ref)
    if expires_at is not None and expires_at < registered_at:
        raise RegistryError("a recordation cannot expire before it was registered")
    taken = session.execute(
        select(BrandTrademark.id).where(BrandTrademark.recordation_number == recordation_number)
    ).first()
    if taken:
        raise RegistryError(f"recordation {recordation_number!r} is already registered")
    row = BrandTrademark(
        brand_id=brand.id,
        recordation_number=recordation_number,
        mark=mark,
        registered_at=registered_at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    audit_act(
        session, scope.caller, "brand.trademark", "brand", [brand.brand_ref], recordation_number
    )
    return row


def add_product_line(
    session: Session,
    scope: BrandScope,
    brand_ref: str,
    *,
    name: str,
    hs6: str,
    price_min: float,
    price_max: float,
    currency: str = "USD",
    gtins: Sequence[str] = (),
) -> BrandProductLine:
    """A product line of a brand the caller owns; ``gtins`` in any GS1 form (see ``gs1``)."""
    brand = brand_to_change(session, scope, brand_ref)
    gtin14s = valid_gtins(gtins)
    code = re.sub(r"[\s.]", "", hs6)
    if not re.fullmatch(r"\d{6}", code):
        raise RegistryError(f"hs6 must be 6 digits (dots and spaces ignored), not {hs6!r}")
    if not 0 <= price_min <= price_max:
        raise RegistryError("prices must satisfy 0 ≤ price_min ≤ price_max")
    exists = session.execute(
        select(BrandProductLine.id).where(
            BrandProductLine.brand_id == brand.id, BrandProductLine.name == name
        )
    ).first()
    if exists:
        raise RegistryError(f"{brand.name} already has a product line {name!r}")
    _refuse_taken_gtins(session, gtin14s)
    line = BrandProductLine(
        brand_id=brand.id,
        name=name,
        hs6=code,
        price_min=price_min,
        price_max=price_max,
        currency=currency.upper(),
    )
    session.add(line)
    session.flush()
    session.add_all(
        BrandGtin(gtin=g, brand_id=brand.id, product_line_id=line.id, source="portal")
        for g in gtin14s
    )
    session.flush()
    audit_act(
        session,
        scope.caller,
        "brand.product_line",
        "brand",
        [brand.brand_ref],
        f"product line {name}",
        line_json(line, gtin14s),
    )
    return line


def add_party(
    session: Session,
    scope: BrandScope,
    brand_ref: str,
    *,
    role: str,
    name: str,
    country: str,
    address: str | None = None,
    identifiers: dict[str, str] | None = None,
    party_ref: str | None = None,
    matcher: Any | None = None,
) -> BrandParty:
    """An authorised party entered by the rights holder; resolved live when a run exists."""
    brand = brand_to_change(session, scope, brand_ref)
    if role not in PARTY_ROLES:
        raise RegistryError(f"role must be one of {', '.join(PARTY_ROLES)}, not {role!r}")
    count = len(session.execute(select(BrandParty.id).where(BrandParty.brand_id == brand.id)).all())
    ref = party_ref or f"P-{brand.id}-{count + 1:04d}"
    party = BrandParty(
        brand_id=brand.id,
        party_ref=ref,
        role=role,
        name=name.strip(),
        address=address,
        country=country.upper(),
        identifiers=dict(identifiers or {}),
        source="portal",
    )
    party.actor_id = match_actor(matcher, party)
    session.add(party)
    session.flush()
    audit_act(
        session,
        scope.caller,
        "brand.party",
        "brand",
        [brand.brand_ref],
        f"authorised {role} {ref}",
        {"actor_id": party.actor_id},
    )
    return party


def match_actor(matcher: Any | None, party: BrandParty) -> str | None:
    """The resolution actor a portal party is, when the live matcher is sure enough."""
    if matcher is None:
        return None
    record = {"name": party.name, "address": party.address, "country": party.country}
    record.update({k: v for k, v in (party.identifiers or {}).items() if k in ("phone", "email")})
    found = matcher.match(record, top=1)
    if found and found[0].probability >= PARTY_MATCH_PROBABILITY:
        return str(found[0].actor_id)
    return None


def remove_row(session: Session, scope: BrandScope, brand_ref: str, kind: str, row_id: int) -> None:
    """Delete a product line or authorised party of a brand the caller may change."""
    brand = brand_to_change(session, scope, brand_ref)
    row: BrandProductLine | BrandParty | None = (
        session.get(BrandProductLine, row_id)
        if kind == "product_line"
        else session.get(BrandParty, row_id)
    )
    if row is None or row.brand_id != brand.id:
        raise NotFound(f"no {kind.replace('_', ' ')} {row_id} of {brand.name}")
    session.delete(row)
    session.flush()
    audit_act(
        session, scope.caller, f"brand.{kind}.remove", "brand", [brand.brand_ref], str(row_id)
    )


# --- the recordations feed ----------------------------------------------------------------------
@dataclass
class SyncSummary:
    holders: int = 0
    brands: int = 0
    trademarks: int = 0
    product_lines: int = 0
    parties: int = 0
    parties_resolved: int = 0
    gtins: int = 0
    # GTINs of the feed's product lines not taken: {brand_id, product_line, gtin, problem}.
    gtins_refused: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def sync_recordations(
    session: Session, con: duckdb.DuckDBPyConnection, caller: Caller
) -> SyncSummary:
    """Copy the warehouse's recordations (brands, trademarks, product lines, authorised parties)
    into the registry. ``con`` has the warehouse views and, when a resolution run exists, its
    ``party_actors``. Idempotent; portal rows are left alone."""
    summary = SyncSummary()
    brands: dict[str, Brand] = {}
    for row in _rows(con, "SELECT DISTINCT brand_id, name, owner, owner_country FROM brands"):
        holder = ensure_holder(session, str(row["owner"]), row["owner_country"])
        brand = session.execute(
            select(Brand).where(Brand.brand_ref == row["brand_id"])
        ).scalar_one_or_none()
        if brand is None:
            brand = Brand(brand_ref=row["brand_id"], source="recordations")
            session.add(brand)
        brand.rights_holder_id, brand.name = holder.id, row["name"]
        brand.owner_country = row["owner_country"]
        brands[str(row["brand_id"])] = brand
    session.flush()
    summary.holders = len({b.rights_holder_id for b in brands.values()})
    summary.brands = len(brands)
    summary.trademarks = _sync_trademarks(session, con, brands)
    summary.product_lines = _sync_lines(session, con, brands, summary)
    summary.parties, summary.parties_resolved = _sync_parties(session, con, brands)
    audit_act(
        session,
        caller,
        "brand.sync",
        "recordations",
        sorted(brands),
        "recordations feed copied into the brand registry",
        summary.to_json(),
    )
    return summary


def _sync_trademarks(
    session: Session, con: duckdb.DuckDBPyConnection, brands: dict[str, Brand]
) -> int:
    rows = _rows(
        con,
        "SELECT DISTINCT recordation_number, brand_id, mark, registered_at, expires_at"
        " FROM trademarks",
    )
    for row in rows:
        if row["brand_id"] not in brands:
            continue
        mark = session.execute(
            select(BrandTrademark).where(
                BrandTrademark.recordation_number == row["recordation_number"]
            )
        ).scalar_one_or_none()
        if mark is None:
            mark = BrandTrademark(recordation_number=row["recordation_number"])
            session.add(mark)
        mark.brand_id = brands[row["brand_id"]].id
        mark.mark, mark.registered_at, mark.expires_at = (
            row["mark"],
            row["registered_at"],
            row["expires_at"],
        )
    session.flush()
    return len(rows)


def _sync_lines(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    brands: dict[str, Brand],
    summary: SyncSummary,
) -> int:
    # Batches loaded before product lines had GTINs have no such column.
    columns = {str(c[0]) for c in con.execute("DESCRIBE product_lines").fetchall()}
    gtins_sql = "flatten(list(gtins))" if "gtins" in columns else "[]::VARCHAR[]"
    rows = _rows(
        con,
        "SELECT brand_id, product_line, any_value(hs6) hs6, min(price_min) price_min,"
        " max(price_max) price_max, any_value(currency) currency,"
        f" {gtins_sql} gtins FROM product_lines GROUP BY brand_id, product_line"
        " ORDER BY brand_id, product_line",
    )
    for row in rows:
        brand = brands.get(row["brand_id"])
        if brand is None:
            continue
        line = session.execute(
            select(BrandProductLine).where(
                BrandProductLine.brand_id == brand.id,
                BrandProductLine.name == row["product_line"],
            )
        ).scalar_one_or_none()
        if line is None:
            line = BrandProductLine(brand_id=brand.id, name=row["product_line"])
            session.add(line)
        line.hs6, line.currency = row["hs6"], row["currency"] or "USD"
        line.price_min, line.price_max = float(row["price_min"]), float(row["price_max"])
        session.flush()
        _sync_line_gtins(session, brand, line, [g for g in row["gtins"] or [] if g], summary)
    session.flush()
    return len(rows)


def _sync_line_gtins(
    session: Session, brand: Brand, line: BrandProductLine, raw: list[str], summary: SyncSummary
) -> None:
    """The feed's GTINs of one line: valid ones registered, the line's feed GTINs no longer
    listed removed, bad or already-taken ones refused into ``summary.gtins_refused``."""
    wanted: list[str] = []
    for text in raw:
        try:
            gtin = gs1.read_gtin(text)
        except gs1.GS1Error as err:
            _refuse_gtin(summary, brand, line, text, err.detail)
            continue
        if gtin not in wanted:
            wanted.append(gtin)
    held = {
        g.gtin: g
        for g in session.execute(
            select(BrandGtin).where(
                BrandGtin.gtin.in_(wanted) | (BrandGtin.product_line_id == line.id)
            )
        ).scalars()
    }
    for gtin, row in held.items():
        if row.product_line_id == line.id and row.source == "recordations" and gtin not in wanted:
            session.delete(row)
    for gtin in wanted:
        holder = held.get(gtin)
        if holder is None:
            session.add(
                BrandGtin(
                    gtin=gtin, brand_id=brand.id, product_line_id=line.id, source="recordations"
                )
            )
        elif holder.product_line_id != line.id:
            _refuse_gtin(
                summary,
                brand,
                line,
                gtin,
                f"GTIN {gtin} is already registered to another product line",
            )
            continue
        summary.gtins += 1
    session.flush()


def _refuse_gtin(
    summary: SyncSummary, brand: Brand, line: BrandProductLine, gtin: str, problem: str
) -> None:
    summary.gtins_refused.append(
        {"brand_id": brand.brand_ref, "product_line": line.name, "gtin": gtin, "problem": problem}
    )


def _party_actors(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        found = con.execute(
            "SELECT record_key, actor_id FROM party_actors"
            " WHERE source_table = 'authorized_parties'"
        ).fetchall()
    except duckdb.Error:
        return {}  # no resolution run yet
    return {str(k): str(a) for k, a in found}


def _sync_parties(
    session: Session, con: duckdb.DuckDBPyConnection, brands: dict[str, Brand]
) -> tuple[int, int]:
    actors = _party_actors(con)
    rows = _rows(
        con,
        "SELECT DISTINCT party_id, brand_id, role, name, address, country FROM authorized_parties",
    )
    resolved = 0
    for row in rows:
        brand = brands.get(row["brand_id"])
        if brand is None:
            continue
        party = session.execute(
            select(BrandParty).where(
                BrandParty.brand_id == brand.id, BrandParty.party_ref == row["party_id"]
            )
        ).scalar_one_or_none()
        if party is None:
            party = BrandParty(brand_id=brand.id, party_ref=row["party_id"], source="recordations")
            session.add(party)
        party.role, party.name = row["role"], row["name"]
        party.address, party.country = row["address"], row["country"]
        party.actor_id = actors.get(str(row["party_id"]))
        resolved += party.actor_id is not None
    session.flush()
    return len(rows), resolved


def ensure_demo_rights_holder(
    session: Session, con: duckdb.DuckDBPyConnection, username: str, caller: Caller
) -> RightsHolder | None:
    """Sync the recordations feed and let the demo rights-holder user act for the holder with
    the most brands (so its console pages have something to show)."""
    sync_recordations(session, con, caller)
    rows = session.execute(select(Brand.rights_holder_id)).scalars().all()
    if not rows:
        return None
    counts: dict[int, int] = {}
    for holder_id in rows:
        counts[holder_id] = counts.get(holder_id, 0) + 1
    best = min(counts, key=lambda h: (-counts[h], h))
    holder = session.get(RightsHolder, best)
    assert holder is not None
    return link_user(session, username, holder.slug, caller)
