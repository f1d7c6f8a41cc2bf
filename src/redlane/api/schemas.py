"""Request and response bodies, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from redlane.targeting.decisions import DEFAULT_LANE

# SQLite and DuckDB hold 64-bit integers: a larger value sent to the API is refused as input
# (422), never handed to a query where it would overflow (500).
INT64_MAX = 2**63 - 1
RecordId = Annotated[int, Field(ge=1, le=INT64_MAX)]


def record_id(text: str) -> int | None:
    """An id taken as text (so that a bad one is a 404 after authorisation, not a 422 before it):
    ASCII digits only, since ``"²".isdigit()`` is true and ``int("²")`` fails; within 64 bits."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if value <= INT64_MAX else None


LaneName = Literal["red", "yellow", "green", "notify"]

ADVANCE_EXAMPLE: dict[str, Any] = {
    "carrier": "SWIFTAIR",
    "hawb": "SA123456789",
    "shipper_name": "Shenzhen Bright Trading Co",
    "shipper_country": "CN",
    "consignee_name": "Jane Doe",
    "consignee_country": "US",
    "description": "sports shoes",
    "hs6": "640411",
    "declared_value": "24.50",
    "currency": "USD",
    "weight_kg": "1.2",
    "port_of_entry": "USJFK",
}


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
    database: bool
    screening: bool
    live_matching: bool


class LoginJson(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"username": "analyst", "password": "…"}}
    )
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {"access_token": "eyJhbGciOi…", "token_type": "bearer", "expires_in": 900}
        }
    )
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str
    partner: str


class Me(BaseModel):
    name: str
    role: str
    partner: str
    ports: list[str]


class AdvanceData(BaseModel):
    """One shipment's advance electronic data (the ``aed_shipments`` fields; more are kept)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": ADVANCE_EXAMPLE})
    carrier: str = Field(min_length=1, max_length=64)
    hawb: str = Field(min_length=1, max_length=64)
    port_of_entry: str | None = None


class ScreenOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "carrier": "SWIFTAIR",
                "hawb": "SA123456789",
                "score": 0.83,
                "expected_value": 412.0,
                "lane": "red",
                "reasons": ["shipper linked to 3 seizures", "declared value far below MSRP"],
                "lookout_hits": ["lookout 12: actor A-00042"],
                "matched_actor_ids": ["A-00042"],
            }
        }
    )
    carrier: str
    hawb: str
    score: float
    expected_value: float
    lane: str
    reasons: list[Any]
    lookout_hits: list[Any]
    matched_actor_ids: list[str]


class ScreenBatchIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"records": [ADVANCE_EXAMPLE]}})
    records: list[AdvanceData] = Field(min_length=1, max_length=1000)


class ScreenBatchOut(BaseModel):
    results: list[ScreenOut]


class MatchIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "record": {
                    "name": "Bright Trading Co Ltd",
                    "country": "CN",
                    "phone": "+86 755 1234",
                },
                "top": 5,
            }
        }
    )
    record: dict[str, Any]
    top: int = Field(default=5, ge=1, le=50)


class MatchCandidate(BaseModel):
    actor_id: str
    probability: float
    reasons: list[Any]


class MatchOut(BaseModel):
    candidates: list[MatchCandidate]


class PlanItemOut(BaseModel):
    rank: int
    carrier: str
    hawb: str
    lane: str
    score: float
    expected_value: float
    propensity: float
    selected_by: str
    reasons: list[str]
    outcome: str | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "plan_id": 7,
                "port_code": "USJFK",
                "date": "2026-11-23",
                "model_version": "lgbm-2026-11-20",
                "capacity": 40,
                "capacity_used": 38,
                "exploration_rate": 0.05,
                "status": "published",
                "lanes": {"red": 38, "yellow": 120, "green": 2400, "notify": 3},
                "items": [],
            }
        }
    )
    plan_id: int
    port_code: str
    date: date
    model_version: str
    capacity: int
    capacity_used: int
    exploration_rate: float
    status: str
    lanes: dict[str, int]
    items: list[PlanItemOut]


class OutcomeIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "carrier": "SWIFTAIR",
                "hawb": "SA123456789",
                "port_code": "USJFK",
                "outcome": "seized",
                "brand": "Acme",
                "seized_quantity": 40,
                "seized_value": 5200.0,
            }
        }
    )
    carrier: str = Field(min_length=1, max_length=64)
    hawb: str = Field(min_length=1, max_length=64)
    port_code: str = Field(min_length=1, max_length=16)
    outcome: Literal["cleared", "seized", "other_violation"]
    inspected_at: datetime | None = None
    brand: str | None = Field(default=None, max_length=200)
    seized_quantity: int | None = Field(default=None, ge=0, le=INT64_MAX)
    seized_value: float | None = Field(default=None, ge=0)
    plan_id: RecordId | None = None
    notes: str = Field(default="", max_length=2000)


class OutcomeOut(BaseModel):
    id: int
    carrier: str
    hawb: str
    port_code: str
    outcome: str
    plan_id: int | None
    inspected_at: datetime


# Rules and lookouts' hit counts (redlane.targeting.decisions.plan_hits).
PLAN_HITS = "parcels it hit in the stored plans (the latest plan of each port and day)"


class _Validity(BaseModel):
    # None: from the start of the data (decisions.FROM_START)
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Validity:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class LookoutIn(_Validity):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "kind": "actor",
                "criteria": {"actor_id": "A-00042"},
                "lane": "red",
                "reason": "ring under investigation (case 17)",
                "valid_to": "2027-01-31T00:00:00Z",
            }
        }
    )
    kind: Literal["actor", "identifier", "pattern"]
    criteria: dict[str, Any] = Field(min_length=1)
    lane: LaneName = DEFAULT_LANE
    reason: str = Field(min_length=3, max_length=2000)


class LookoutPatch(_Validity):
    criteria: dict[str, Any] | None = None
    lane: LaneName | None = None
    reason: str | None = Field(default=None, min_length=3, max_length=2000)
    active: bool | None = None


class LookoutOut(BaseModel):
    id: int
    owner: str | None
    partner_id: str
    kind: str
    criteria: dict[str, Any]
    lane: str
    reason: str
    valid_from: datetime
    valid_to: datetime | None
    active: bool
    in_force: bool
    plan_hits: int = Field(default=0, description=PLAN_HITS)


class RuleIn(_Validity):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "name": "Low-value footwear from new shippers",
                "criteria": {"hs6_prefix": "6404", "declared_value_below": 30},
                "lane": "yellow",
                "reason": "seizure pattern Q3",
            }
        }
    )
    name: str = Field(min_length=3, max_length=200)
    criteria: dict[str, Any] = Field(min_length=1)
    lane: LaneName = DEFAULT_LANE
    reason: str = Field(min_length=3, max_length=2000)


class RulePatch(_Validity):
    name: str | None = Field(default=None, min_length=3, max_length=200)
    criteria: dict[str, Any] | None = None
    lane: LaneName | None = None
    reason: str | None = Field(default=None, min_length=3, max_length=2000)
    active: bool | None = None


class RuleOut(BaseModel):
    id: int
    name: str
    owner: str | None
    criteria: dict[str, Any]
    lane: str
    reason: str
    valid_from: datetime
    valid_to: datetime | None
    active: bool
    in_force: bool
    plan_hits: int = Field(default=0, description=PLAN_HITS)


class JobOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "5f0c…",
                "filename": "aed_2026-11-23.csv",
                "partner": "carrier",
                "feed": None,
                "submitted_by": "carrier",
                "submitted_at": "2026-11-23T08:00:00+00:00",
                "status": "done",
                "result": {"status": "loaded", "records": 1200, "loaded": 1190, "quarantined": 10},
                "quarantine": [{"table": "aed_shipments", "reason": "bad date", "rows": 10}],
                "error": None,
                "finished_at": "2026-11-23T08:00:03+00:00",
            }
        }
    )
    id: str
    filename: str
    partner: str
    feed: str | None
    submitted_by: str
    submitted_at: str
    status: str
    result: dict[str, Any] | None
    quarantine: list[dict[str, Any]]
    error: str | None
    finished_at: str | None


class QuarantineOut(BaseModel):
    total: int
    rows: list[dict[str, Any]]


class MetricsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "by_port": [{"key": "USJFK", "inspected": 40, "hits": 9, "hit_rate": 0.225}],
                "by_selection": [{"key": "model", "inspected": 30, "hits": 8, "hit_rate": 0.27}],
                "by_rule": [],
                "by_model": [{"key": "lgbm-1", "inspected": 40, "hits": 9, "hit_rate": 0.225}],
                "daily": [{"port": "USJFK", "date": "2026-11-23", "inspected": 4, "hits": 1}],
            }
        }
    )
    by_port: list[dict[str, Any]]
    by_selection: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]
    by_model: list[dict[str, Any]]
    daily: list[dict[str, Any]]
