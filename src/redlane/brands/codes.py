"""Unit authentication codes: enrolled as keyed hashes, verified at inspection.

A brand prints a serial code on each genuine unit and enrols the codes here. Only
``HMAC-SHA256(key, "redlane-code-v1:" + normalised code)`` is stored, under a per-deployment key
(``REDLANE_CODE_KEY``, else ``HOME/secrets/codes.key`` made on first use with mode 0600), so a
copy of the store does not give away valid codes and nobody can enumerate them without the key.

Verdicts, for a code read off goods (a shipment's parcel, a listing, a test buy):

* ``genuine``: enrolled, and never seen on anything else before;
* ``cloned``: enrolled, but already seen on *another* shipment or listing: one real code copied
  onto many fakes (the usual way serials are forged);
* ``unknown``: not enrolled by the brand (for the brand named, or any brand the caller sees).

Every scan is kept (``brand_code_scans``) with its verdict, so "where was it seen before" is a
query, and cloned codes link the shipments and sellers that share them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.brands.scope import (
    BrandScope,
    audit_act,
    brand_ids,
    brand_in_scope,
    brand_to_change,
)
from redlane.config import SecretSettings, env_name
from redlane.errors import RedlaneError
from redlane.secret_files import hex_secret
from redlane.store.brand_models import (
    SCAN_CONTEXTS,
    Brand,
    BrandCode,
    BrandCodeScan,
    BrandProductLine,
)

KEY_ENV: Final = env_name(SecretSettings, "code_key")
HASH_PREFIX: Final = "redlane-code-v1:"
# A call's codes fit in the service's 1 MB body limit.
MAX_CODES_PER_CALL: Final = 20_000
MAX_SCANS_PER_CALL: Final = 1_000
_CODE_RE: Final = re.compile(r"^[A-Z0-9]{6,64}$")


class CodeError(RedlaneError):
    STATUS = 422


# --- the key and the hash -------------------------------------------------------------------
def key_path(home: Path) -> Path:
    return home / "secrets" / "codes.key"


def load_code_key(home: Path) -> bytes:
    """The deployment's code key: the environment's, else the key file (created once, 0600).

    Changing it orphans every enrolled code (they no longer hash to what is stored)."""
    return hex_secret(KEY_ENV, key_path(home)).encode()


def normalise_code(raw: str) -> str:
    """Upper case, separators dropped: ``ab12-cd34 ef56`` and ``AB12CD34EF56`` are one code."""
    code = re.sub(r"[\s\-_.:/]", "", raw).upper()
    if not _CODE_RE.match(code):
        raise CodeError(
            f"code {_masked(raw)!r} is not 6–64 letters and digits (separators are ignored)"
        )
    return code


def _masked(raw: str) -> str:
    """A code as it may appear in an error message: never whole."""
    text = raw.strip()
    return text[:3] + "…" if len(text) > 3 else "…"


def code_hash(key: bytes, raw: str) -> str:
    message = (HASH_PREFIX + normalise_code(raw)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- enrolment ------------------------------------------------------------------------------
@dataclass
class Enrolment:
    brand_id: str
    received: int
    enrolled: int
    already: int

    def to_json(self) -> dict[str, Any]:
        return {
            "brand_id": self.brand_id,
            "received": self.received,
            "enrolled": self.enrolled,
            "already_enrolled": self.already,
        }


def enrol(
    session: Session,
    scope: BrandScope,
    key: bytes,
    brand_ref: str,
    codes: Sequence[str],
    *,
    product_line: str | None = None,
    batch: str = "",
) -> Enrolment:
    """Enrol genuine units' codes for a brand the caller owns. Re-enrolling is a no-op."""
    brand = brand_to_change(session, scope, brand_ref)
    if not codes:
        raise CodeError("no codes given")
    if len(codes) > MAX_CODES_PER_CALL:
        raise CodeError(f"at most {MAX_CODES_PER_CALL:,} codes per call")
    line_id = _line_id(session, brand, product_line)
    hashes = sorted({code_hash(key, c) for c in codes})
    known = _enrolled(session, brand.id, hashes)
    new = [h for h in hashes if h not in known]
    session.add_all(
        BrandCode(
            brand_id=brand.id,
            code_hash=h,
            product_line_id=line_id,
            batch=batch,
            enrolled_by=scope.caller.name,
        )
        for h in new
    )
    session.flush()
    audit_act(
        session,
        scope.caller,
        "code.enrol",
        "brand",
        [brand.brand_ref],
        f"{len(new)} authentication codes enrolled",
        {"received": len(codes), "enrolled": len(new), "batch": batch},
    )
    return Enrolment(brand.brand_ref, len(codes), len(new), len(hashes) - len(new))


def _line_id(session: Session, brand: Brand, name: str | None) -> int | None:
    if not name:
        return None
    line = session.execute(
        select(BrandProductLine.id).where(
            BrandProductLine.brand_id == brand.id, BrandProductLine.name == name
        )
    ).scalar_one_or_none()
    if line is None:
        raise CodeError(f"{brand.name} has no product line {name!r}")
    return int(line)


def _enrolled(session: Session, brand_id: int, hashes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    chunk: list[str] = []
    for h in [*hashes, None]:
        if h is not None:
            chunk.append(h)
        if chunk and (h is None or len(chunk) == 500):
            found.update(
                session.execute(
                    select(BrandCode.code_hash).where(
                        BrandCode.brand_id == brand_id, BrandCode.code_hash.in_(chunk)
                    )
                ).scalars()
            )
            chunk = []
    return found


def enrolled_count(session: Session, brand: Brand) -> int:
    return len(session.execute(select(BrandCode.id).where(BrandCode.brand_id == brand.id)).all())


# --- authentication -------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What carried the codes: ``shipment`` (ref ``carrier/hawb``), ``listing`` or ``test_buy``."""

    kind: str
    ref: str
    port_code: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCAN_CONTEXTS:
            raise CodeError(f"context must be one of {', '.join(SCAN_CONTEXTS)}, not {self.kind!r}")
        if not self.ref.strip():
            raise CodeError("the context needs a reference (carrier/hawb, listing id, test buy)")


@dataclass
class CodeResult:
    position: int  # index of the code in the request (the code itself is never echoed)
    verdict: str
    brand_id: str | None
    seen_before: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "verdict": self.verdict,
            "brand_id": self.brand_id,
            "seen_before": self.seen_before,
        }


def authenticate(
    session: Session,
    scope: BrandScope,
    key: bytes,
    codes: Sequence[str],
    context: Context,
    *,
    brand_ref: str | None = None,
    record: bool = True,
) -> list[CodeResult]:
    """The verdict on each code (see the module), recording the scans when ``record``.

    A rights holder checks only against its own brands: another brand's codes are ``unknown``
    to it and another holder's sightings are never shown."""
    if not codes:
        raise CodeError("no codes given")
    if len(codes) > MAX_SCANS_PER_CALL:
        raise CodeError(f"at most {MAX_SCANS_PER_CALL} codes per call")
    claimed = brand_in_scope(session, scope, brand_ref) if brand_ref else None
    allowed = [claimed.id] if claimed is not None else brand_ids(session, scope)
    results: list[CodeResult] = []
    brands: dict[int, Brand] = {}
    for position, raw in enumerate(codes):
        digest = code_hash(key, raw)
        owner = _owner(session, digest, allowed)
        if owner is not None:
            brands.setdefault(owner.id, owner)
        result = _verdict(session, scope, digest, owner, context, position)
        results.append(result)
        if record:
            brand_id = owner.id if owner is not None else (claimed.id if claimed else None)
            session.add(
                BrandCodeScan(
                    code_hash=digest,
                    brand_id=brand_id,
                    verdict=result.verdict,
                    context=context.kind,
                    ref=context.ref,
                    port_code=context.port_code,
                    scanned_by=scope.caller.name,
                    partner_id=scope.caller.partner_id,
                )
            )
    session.flush()
    counts = {v: sum(r.verdict == v for r in results) for v in ("genuine", "unknown", "cloned")}
    audit_act(
        session,
        scope.caller,
        "code.authenticate",
        context.kind,
        [context.ref],
        "authentication codes checked" + (" and recorded" if record else ""),
        {"brand": brand_ref, "counts": counts, "recorded": record},
    )
    return results


def _owner(session: Session, digest: str, allowed: list[int]) -> Brand | None:
    if not allowed:
        return None
    return session.execute(
        select(Brand)
        .join(BrandCode, BrandCode.brand_id == Brand.id)
        .where(BrandCode.code_hash == digest, Brand.id.in_(allowed))
        .order_by(Brand.id)
        .limit(1)
    ).scalar_one_or_none()


def _verdict(
    session: Session,
    scope: BrandScope,
    digest: str,
    owner: Brand | None,
    context: Context,
    position: int,
) -> CodeResult:
    if owner is None:
        return CodeResult(position, "unknown", None)
    earlier = list(
        session.execute(
            select(BrandCodeScan)
            .where(BrandCodeScan.code_hash == digest, BrandCodeScan.brand_id == owner.id)
            .order_by(BrandCodeScan.scanned_at, BrandCodeScan.id)
        ).scalars()
    )
    elsewhere = [s for s in earlier if (s.context, s.ref) != (context.kind, context.ref)]
    if not elsewhere:
        # Re-scanning the same goods keeps the verdict it first had.
        first = earlier[0].verdict if earlier else "genuine"
        return CodeResult(position, first, owner.brand_ref)
    first_per_ref: dict[tuple[str, str], BrandCodeScan] = {}
    for scan in elsewhere:
        first_per_ref.setdefault((scan.context, scan.ref), scan)
    seen = [_sighting(s, scope) for s in first_per_ref.values()]
    return CodeResult(position, "cloned", owner.brand_ref, seen)


def _sighting(scan: BrandCodeScan, scope: BrandScope) -> dict[str, Any]:
    """Where a code was seen. A rights holder sees when, what kind and which port; the carrier's
    waybill or the listing only when its own people recorded that scan (a test buy)."""
    shown = {
        "context": scan.context,
        "seen_at": scan.scanned_at.isoformat(),
        "port_code": scan.port_code,
        "verdict": scan.verdict,
    }
    if not scope.is_holder or scan.partner_id == scope.caller.partner_id:
        shown["ref"] = scan.ref
    return shown


# --- what cloned codes tell targeting and cases ---------------------------------------------
def cloned_refs(session: Session, brand_ids_: Sequence[int] | None = None) -> dict[str, set[str]]:
    """code hash → every ref (shipment ``carrier/hawb``, listing, test buy) that carried a code
    later or earlier found cloned: the links cloned codes make between parcels and sellers."""
    query = select(BrandCodeScan.code_hash).where(BrandCodeScan.verdict == "cloned")
    if brand_ids_ is not None:
        query = query.where(BrandCodeScan.brand_id.in_(brand_ids_))
    hashes = set(session.execute(query).scalars())
    links: dict[str, set[str]] = {}
    if not hashes:
        return links
    for digest, context, ref in session.execute(
        select(BrandCodeScan.code_hash, BrandCodeScan.context, BrandCodeScan.ref).where(
            BrandCodeScan.code_hash.in_(hashes)
        )
    ).all():
        links.setdefault(str(digest), set()).add(f"{context}:{ref}")
    return links


def brand_scans(session: Session, scope: BrandScope, brand: Brand) -> dict[str, Any]:
    """A brand's code summary for its owner: enrolled, scans per verdict, cloned codes."""
    scans = list(
        session.execute(select(BrandCodeScan).where(BrandCodeScan.brand_id == brand.id)).scalars()
    )
    cloned = {s.code_hash for s in scans if s.verdict == "cloned"}
    return {
        "brand_id": brand.brand_ref,
        "enrolled": enrolled_count(session, brand),
        "scans": {v: sum(s.verdict == v for s in scans) for v in ("genuine", "unknown", "cloned")},
        "cloned_codes": len(cloned),
        "recent": [
            {**_sighting(s, scope), "code": s.code_hash[:10]}
            for s in sorted(scans, key=lambda s: (s.scanned_at, s.id), reverse=True)[:50]
        ],
    }
