"""Request bodies of the brand-protection routes (:mod:`redlane.api.routers.brands`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from redlane.brands import codes, guides


class BrandIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"name": "Auralis"}})
    name: str = Field(min_length=1, max_length=200)
    owner_country: str | None = Field(default=None, min_length=2, max_length=2)
    brand_id: str | None = Field(default=None, min_length=1, max_length=128)


class TrademarkIn(BaseModel):
    recordation_number: str = Field(min_length=1, max_length=128)
    mark: str = Field(min_length=1, max_length=300)
    registered_at: date
    expires_at: date | None = None


class ProductLineIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "name": "headphones",
                "hs6": "851830",
                "price_min": 149,
                "price_max": 399,
                "gtins": ["09506000134352"],
            }
        }
    )
    name: str = Field(min_length=1, max_length=200)
    hs6: str = Field(min_length=6, max_length=12)
    price_min: float = Field(ge=0)
    price_max: float = Field(ge=0)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    gtins: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list,
        max_length=1000,
        description="GS1 GTINs of the line's trade items: 8, 12, 13 or 14 digits, an element "
        "string (01)… or a Digital Link URI; check digits verified, kept as GTIN-14",
    )


class PartyIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "role": "exporter",
                "name": "Dongguan Precision Acoustics Co., Ltd.",
                "address": "8 Industrial Rd, Dongguan",
                "country": "CN",
            }
        }
    )
    role: Literal["manufacturer", "licensee", "exporter", "distributor"]
    name: str = Field(min_length=1, max_length=300)
    country: str = Field(min_length=2, max_length=2)
    address: str | None = Field(default=None, max_length=1000)
    identifiers: dict[str, str] = Field(default_factory=dict, max_length=20)
    party_id: str | None = Field(default=None, min_length=1, max_length=128)


class GuideIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=guides.MAX_BODY_CHARS)


class CodesIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"codes": ["AU7K2M9Q4X"], "product_line": "headphones"}}
    )
    codes: list[str] = Field(min_length=1, max_length=codes.MAX_CODES_PER_CALL)
    product_line: str | None = Field(default=None, max_length=200)
    batch: str = Field(default="", max_length=100)
    format: Literal["auto", "code", "gs1"] = Field(
        default="auto",
        description="as for /v1/authenticate: an SGTIN enrols its serial under its GTIN's line",
    )


class ContextIn(BaseModel):
    kind: Literal["shipment", "listing", "test_buy"]
    ref: str = Field(min_length=1, max_length=200, description="carrier/hawb, listing id, ref")
    port_code: str | None = Field(default=None, max_length=16)


class AuthenticateIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "brand_id": "B-017",
                "codes": ["AU7K2M9Q4X"],
                "context": {"kind": "shipment", "ref": "EXPR/JFK-RED-1", "port_code": "JFK"},
            }
        }
    )
    codes: list[str] = Field(
        min_length=1,
        max_length=codes.MAX_SCANS_PER_CALL,
        description="codes read off goods: the brand's own codes, or GS1 SGTINs (GTIN + serial)"
        " as an element string (01)…(21)… (with or without parentheses, FNC1, symbology"
        " identifier) or a Digital Link URI",
    )
    brand_id: str | None = Field(default=None, max_length=128)
    context: ContextIn
    record: bool = True
    format: Literal["auto", "code", "gs1"] = Field(
        default="auto",
        description="auto: GS1 when unmistakably GS1 (parentheses, ]-identifier, FNC1, URI, or"
        " 01+GTIN-14+21…), else an own code; code: always own codes; gs1: always GS1",
    )


class FlagIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "brand_id": "B-017",
                "target_kind": "listing",
                "target_ref": "L-0045521",
                "reason": "photos are ours, price 12% of retail",
                "evidence": ["test buy TB-3 (cloned code)"],
            }
        }
    )
    brand_id: str = Field(min_length=1, max_length=128)
    target_kind: Literal["listing", "seller", "shipment"]
    target_ref: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=3, max_length=4000)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class DecisionIn(BaseModel):
    accept: bool
    reason: str = Field(default="", max_length=2000)
    lane: Literal["red", "yellow", "green", "notify"] = "yellow"


class ConfirmIn(BaseModel):
    by: Literal["seizure", "test_buy"]
    ref: str = Field(min_length=1, max_length=200)


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)


class GtinRefusalOut(BaseModel):
    """A feed GTIN the sync did not take, and why."""

    brand_id: str
    product_line: str
    gtin: str
    problem: str


class SyncOut(BaseModel):
    """What one copy of the recordations feed into the registry did."""

    holders: int
    brands: int
    trademarks: int
    product_lines: int
    parties: int
    parties_resolved: int
    gtins: int
    gtins_refused: list[GtinRefusalOut]
