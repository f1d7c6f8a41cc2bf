"""Product identification guides: text and images that tell the genuine article from a fake.

The owning rights holder writes them; customs officers read them on the shipment page when a
plan selects a parcel for that brand. Images are checked by their first bytes (PNG, JPEG or
WebP, whatever the file name or declared type says) and limited in size and number, then kept in
the store with their sha256.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redlane.brands.scope import (
    BrandScope,
    audit_act,
    brand_in_scope,
    brand_to_change,
)
from redlane.errors import NotFound, RedlaneError
from redlane.store.brand_models import Brand, BrandGuide, BrandGuideImage

MAX_IMAGE_BYTES: Final = 2 * 1024 * 1024
MAX_IMAGES_PER_GUIDE: Final = 12
MAX_BODY_CHARS: Final = 20_000
# Signature → media type. SVG is refused on purpose: it can carry script.
_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class GuideError(RedlaneError):
    STATUS = 422


class ImageTooLarge(GuideError):
    STATUS = 413


def sniff_image(data: bytes) -> str:
    """The media type of an accepted image, from its bytes; :class:`GuideError` otherwise."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise GuideError("images must be PNG, JPEG or WebP (checked by content, not by name)")


def create_guide(
    session: Session, scope: BrandScope, brand_ref: str, *, title: str, body: str
) -> BrandGuide:
    brand = brand_to_change(session, scope, brand_ref)
    if not title.strip() or not body.strip():
        raise GuideError("a guide needs a title and a text")
    if len(body) > MAX_BODY_CHARS:
        raise GuideError(f"a guide's text is limited to {MAX_BODY_CHARS:,} characters")
    guide = BrandGuide(
        brand_id=brand.id, title=title.strip(), body=body, created_by=scope.caller.name
    )
    session.add(guide)
    session.flush()
    audit_act(session, scope.caller, "guide.create", "brand", [brand.brand_ref], guide.title)
    return guide


def _guide_to_change(
    session: Session, scope: BrandScope, brand_ref: str, guide_id: int
) -> tuple[Brand, BrandGuide]:
    brand = brand_to_change(session, scope, brand_ref)
    guide = session.get(BrandGuide, guide_id)
    if guide is None or guide.brand_id != brand.id:
        raise NotFound(f"no guide {guide_id} of {brand.name}")
    return brand, guide


def add_image(
    session: Session,
    scope: BrandScope,
    brand_ref: str,
    guide_id: int,
    *,
    data: bytes,
    filename: str,
) -> BrandGuideImage:
    brand, guide = _guide_to_change(session, scope, brand_ref, guide_id)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"images are limited to {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    if not data:
        raise GuideError("the image is empty")
    media_type = sniff_image(data)
    count = session.execute(
        select(func.count(BrandGuideImage.id)).where(BrandGuideImage.guide_id == guide.id)
    ).scalar_one()
    if count >= MAX_IMAGES_PER_GUIDE:
        raise GuideError(f"a guide holds at most {MAX_IMAGES_PER_GUIDE} images")
    image = BrandGuideImage(
        guide_id=guide.id,
        filename=(filename or "image")[:300],
        media_type=media_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        added_by=scope.caller.name,
    )
    session.add(image)
    session.flush()
    audit_act(
        session,
        scope.caller,
        "guide.image",
        "brand",
        [brand.brand_ref],
        f"image for guide {guide.id}",
        {"sha256": image.sha256, "bytes": image.size_bytes, "media_type": media_type},
    )
    return image


def delete_guide(session: Session, scope: BrandScope, brand_ref: str, guide_id: int) -> None:
    brand, guide = _guide_to_change(session, scope, brand_ref, guide_id)
    session.delete(guide)
    session.flush()
    audit_act(session, scope.caller, "guide.delete", "brand", [brand.brand_ref], str(guide_id))


def guide_json(session: Session, brand: Brand, guide: BrandGuide) -> dict[str, Any]:
    images = session.execute(
        select(
            BrandGuideImage.id,
            BrandGuideImage.filename,
            BrandGuideImage.media_type,
            BrandGuideImage.size_bytes,
            BrandGuideImage.sha256,
        )
        .where(BrandGuideImage.guide_id == guide.id)
        .order_by(BrandGuideImage.id)
    ).all()
    return {
        "id": guide.id,
        "brand_id": brand.brand_ref,
        "brand": brand.name,
        "title": guide.title,
        "body": guide.body,
        "created_by": guide.created_by,
        "updated_at": guide.updated_at.isoformat(),
        "images": [
            {
                "id": i.id,
                "filename": i.filename,
                "media_type": i.media_type,
                "bytes": i.size_bytes,
                "sha256": i.sha256,
                "url": f"/v1/brands/{brand.brand_ref}/guides/{guide.id}/images/{i.id}",
            }
            for i in images
        ],
    }


def guides_of(session: Session, brand: Brand) -> list[dict[str, Any]]:
    guides = session.execute(
        select(BrandGuide).where(BrandGuide.brand_id == brand.id).order_by(BrandGuide.id)
    ).scalars()
    return [guide_json(session, brand, g) for g in guides]


def image_of(
    session: Session, scope: BrandScope, brand_ref: str, guide_id: int, image_id: int
) -> BrandGuideImage:
    brand = brand_in_scope(session, scope, brand_ref)
    image = session.get(BrandGuideImage, image_id)
    guide = session.get(BrandGuide, guide_id)
    if image is None or guide is None or image.guide_id != guide.id or guide.brand_id != brand.id:
        raise NotFound(f"no image {image_id} in guide {guide_id} of {brand.name}")
    return image


def guides_for_brands(session: Session, scope: BrandScope, names: set[str]) -> list[dict[str, Any]]:
    """The guides of the brands named (by name or reference) that the caller sees: what the
    shipment page shows an officer for the brands a plan selected the parcel for."""
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    if not wanted:
        return []
    found = [
        b
        for b in session.execute(scope.brands()).scalars()
        if b.name.lower() in wanted or b.brand_ref.lower() in wanted
    ]
    return [g for b in found for g in guides_of(session, b)]
