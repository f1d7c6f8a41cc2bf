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

from redlane.brands import gs1
from redlane.brands.registry import line_of_gtin
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
    code_format: str = "auto",
) -> Enrolment:
    """Enrol genuine units' codes for a brand the caller owns. Re-enrolling is a no-op.

    An SGTIN (see :func:`read_code`) enrols its serial under the product line its GTIN is
    registered to, which must be one of this brand's (and ``product_line``, when named)."""
    brand = brand_to_change(session, scope, brand_ref)
    if not codes:
        raise CodeError("no codes given")
    if len(codes) > MAX_CODES_PER_CALL:
        raise CodeError(f"at most {MAX_CODES_PER_CALL:,} codes per call")
    line_id = _line_id(session, brand, product_line)
    lines: dict[str, int | None] = {}
    for position, (reading, digest) in enumerate(_readings(key, codes, code_format)):
        lines.setdefault(digest, _enrolment_line(session, brand, reading, line_id, position))
    hashes = sorted(lines)
    known = _enrolled(session, brand.id, hashes)
    new = [h for h in hashes if h not in known]
    session.add_all(
        BrandCode(
            brand_id=brand.id,
            code_hash=h,
            product_line_id=lines[h],
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


def _enrolment_line(
    session: Session, brand: Brand, reading: Reading, line_id: int | None, position: int
) -> int | None:
    """The product line a code is enrolled with: an SGTIN's GTIN decides it."""
    if reading.gtin is None:
        return line_id
    found = line_of_gtin(session, reading.gtin, [brand.id])
    if found is None:
        raise CodeError(
            f"codes[{position}]: GTIN {reading.gtin} is not a product line of {brand.name}"
            " (add it to the line's gtins first)"
        )
    if line_id is not None and found[1].id != line_id:
        raise CodeError(
            f"codes[{position}]: GTIN {reading.gtin} is product line {found[1].name!r},"
            " not the one named"
        )
    return found[1].id


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
    # For a GS1 reading: its GTIN-14 and the product line it is registered to (caller's scope).
    gtin: str | None = None
    product_line: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "verdict": self.verdict,
            "brand_id": self.brand_id,
            "seen_before": self.seen_before,
            "gtin": self.gtin,
            "product_line": self.product_line,
        }


@dataclass(frozen=True)
class Reading:
    """A code read off goods as authentication uses it: the unit's code (a brand's own code, or
    the serial of an SGTIN) and, for GS1, the GTIN-14 naming its product line."""

    code: str
    gtin: str | None = None


def read_code(raw: str, code_format: str = "auto") -> Reading:
    """``code_format``: ``auto`` reads GS1 what is unmistakably GS1 (:func:`gs1.is_marked_gs1`)
    and everything else as an own code; ``code`` and ``gs1`` force one reading."""
    if code_format not in gs1.CODE_FORMATS:
        raise CodeError(f"format must be one of {', '.join(gs1.CODE_FORMATS)}, not {code_format!r}")
    if code_format == "code" or (code_format == "auto" and not gs1.is_marked_gs1(raw)):
        return Reading(raw)
    unit = gs1.read(raw)
    if unit.serial is None:
        raise CodeError(
            f"GTIN {unit.gtin} names a product, not a unit: the unit's serial (AI 21) is needed"
        )
    return Reading(unit.serial, unit.gtin)


def _readings(key: bytes, codes: Sequence[str], code_format: str) -> list[tuple[Reading, str]]:
    """Every code read and hashed before anything is recorded; a bad one is named by position."""
    found: list[tuple[Reading, str]] = []
    for position, raw in enumerate(codes):
        try:
            reading = read_code(raw, code_format)
            found.append((reading, code_hash(key, reading.code)))
        except RedlaneError as err:
            raise CodeError(f"codes[{position}]: {err.detail}") from err
    return found


def authenticate(
    session: Session,
    scope: BrandScope,
    key: bytes,
    codes: Sequence[str],
    context: Context,
    *,
    brand_ref: str | None = None,
    record: bool = True,
    code_format: str = "auto",
) -> list[CodeResult]:
    """The verdict on each code (see the module), recording the scans when ``record``.

    A code may be a GS1 SGTIN (see :func:`read_code`): its GTIN names the product line, and its
    serial is the unit's code, genuine only if enrolled for that line's brand with that line
    (or with no line). A rights holder checks only against its own brands: another brand's codes
    are ``unknown`` to it and another holder's sightings are never shown."""
    if not codes:
        raise CodeError("no codes given")
    if len(codes) > MAX_SCANS_PER_CALL:
        raise CodeError(f"at most {MAX_SCANS_PER_CALL} codes per call")
    readings = _readings(key, codes, code_format)
    claimed = brand_in_scope(session, scope, brand_ref) if brand_ref else None
    allowed = [claimed.id] if claimed is not None else brand_ids(session, scope)
    results: list[CodeResult] = []
    for position, (reading, digest) in enumerate(readings):
        line = line_of_gtin(session, reading.gtin, allowed) if reading.gtin else None
        if reading.gtin is None:
            owner = _owner(session, digest, allowed)
        else:
            owner = _owner(session, digest, [line[0].id], line[1].id) if line else None
        result = _verdict(session, scope, digest, owner, context, position)
        if reading.gtin is not None:
            result.gtin, result.product_line = reading.gtin, line[1].name if line else None
        results.append(result)
        if record:
            claimed_id = line[0].id if line else (claimed.id if claimed else None)
            brand_id = owner.id if owner is not None else claimed_id
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
        {
            "brand": brand_ref,
            "counts": counts,
            "recorded": record,
            "gs1": sum(r.gtin is not None for r, _ in readings),
        },
    )
    return results


def _owner(
    session: Session, digest: str, allowed: list[int], line_id: int | None = None
) -> Brand | None:
    """The brand that enrolled the code, among ``allowed``; with ``line_id`` (an SGTIN's GTIN),
    only if the code was enrolled for that product line or for none."""
    if not allowed:
        return None
    query = (
        select(Brand)
        .join(BrandCode, BrandCode.brand_id == Brand.id)
        .where(BrandCode.code_hash == digest, Brand.id.in_(allowed))
    )
    if line_id is not None:
        query = query.where(
            BrandCode.product_line_id.is_(None) | (BrandCode.product_line_id == line_id)
        )
    return session.execute(query.order_by(Brand.id).limit(1)).scalar_one_or_none()


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
