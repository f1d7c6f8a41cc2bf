"""What officers found: importing outcome files and turning outcomes into labels.

CSV columns (header row, UTF-8): ``carrier,hawb,port_code,outcome`` required;
``brand,seized_quantity,seized_value,inspected_at,plan_id`` optional. One outcome per
``(carrier, hawb)``: importing the same file again changes nothing, a corrected row updates the
outcome in place (both are reported).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.errors import FeedError, RedlaneError
from redlane.store import audit, outbox
from redlane.store.models import OUTCOMES, Outcome, Plan, PlanItem
from redlane.targeting.features import LABEL_SCHEMA

REQUIRED: Final = ("carrier", "hawb", "port_code", "outcome")


class OutcomeError(RedlaneError):
    STATUS = 422


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _opt_float(value: str | None, name: str) -> float | None:
    if value in (None, ""):
        return None
    number = float(value)  # text that is no number raises ValueError, reported by line
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return number


def _opt_int(value: str | None, name: str) -> int | None:
    number = _opt_float(value, name)
    return None if number is None else int(number)


def _unknown_plan(session: Session, values: dict[str, Any]) -> str | None:
    """Why the row's plan cannot be linked (a foreign key would refuse the whole import)."""
    plan_id = values["plan_id"]
    if plan_id is not None and session.get(Plan, plan_id) is None:
        return f"plan_id {plan_id} is not a stored plan"
    return None


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def import_outcomes(session: Session, path: Path, actor: str) -> ImportReport:
    """Upsert the file's outcomes; bad rows are reported by line and skipped."""
    report = ImportReport(str(path))
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise FeedError(str(path), f"cannot read: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            _read_rows(session, reader, report, path)
        # Nothing of the file is kept (the caller's transaction rolls back): fix it and resend.
        except UnicodeDecodeError as exc:
            detail = f"not UTF-8 text near line {reader.line_num + 1}: {exc.reason}"
            raise FeedError(str(path), detail) from exc
        except csv.Error as exc:
            raise FeedError(str(path), f"line {reader.line_num}: bad CSV: {exc}") from exc
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="target.outcomes.import",
        object_type="outcome",
        object_ids=[path.name],
        reason="outcomes recorded by officers",
        details={
            "file": str(path),
            "rows": report.rows,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "errors": report.errors[:50],
        },
    )
    return report


def _read_rows(
    session: Session, reader: csv.DictReader[str], report: ImportReport, path: Path
) -> None:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FeedError(str(path), f"missing column(s): {', '.join(missing)}")
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        report.rows += 1
        try:
            values = _values(row)
        except ValueError as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        if problem := _unknown_plan(session, values):
            report.errors.append(f"line {line}: {problem}")
            continue
        verdict = _upsert(session, values)
        setattr(report, verdict, getattr(report, verdict) + 1)


def _upsert(session: Session, values: dict[str, Any]) -> str:
    """Insert or update one outcome by ``(carrier, hawb)``: inserted, updated or unchanged."""
    existing = session.scalars(
        select(Outcome)
        .where(Outcome.carrier == values["carrier"], Outcome.hawb == values["hawb"])
        .order_by(Outcome.id)
    ).first()
    if existing is None:
        values["inspected_at"] = values["inspected_at"] or datetime.now(UTC)
        session.add(Outcome(**values))
        outcome_event(session, values)
        return "inserted"
    values["inspected_at"] = values["inspected_at"] or existing.inspected_at
    changed = {k: v for k, v in values.items() if _differs(getattr(existing, k), v)}
    for key, value in changed.items():
        setattr(existing, key, value)
    if changed:
        outcome_event(session, values)
    return "updated" if changed else "unchanged"


def outcome_event(session: Session, values: Mapping[str, Any]) -> None:
    """The event an outcome sets moving (a seizure holds the parcels linked to it), in the
    outcome's transaction."""
    inspected = values.get("inspected_at")
    outbox.emit(
        session,
        "outcome.recorded",
        f"shipment:{values['carrier']}:{values['hawb']}",
        {
            "carrier": values["carrier"],
            "hawb": values["hawb"],
            "port_code": values["port_code"],
            "outcome": values["outcome"],
            "inspected_at": inspected.isoformat() if isinstance(inspected, datetime) else None,
        },
    )


def record_outcome(
    session: Session, outcome: Mapping[str, Any], actor: str, user_id: int | None = None
) -> str:
    """Record one officer's finding (the service's API call): the same fields and rules as a
    CSV row; returns inserted, updated or unchanged. Raises ``OutcomeError`` on a bad value."""
    row = {k: "" if v is None else str(v) for k, v in outcome.items()}
    try:
        values = _values(row)
    except ValueError as exc:
        raise OutcomeError(str(exc)) from exc
    if problem := _unknown_plan(session, values):
        raise OutcomeError(problem)
    values["recorded_by"] = user_id
    verdict = _upsert(session, values)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="target.outcome.record",
        object_type="outcome",
        object_ids=[f"{values['carrier']}:{values['hawb']}"],
        reason=f"outcome {values['outcome']} {verdict}",
        details={k: v for k, v in values.items() if k != "inspected_at"}
        | {"inspected_at": values["inspected_at"]},
    )
    return verdict


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.replace(tzinfo=None) != new.astimezone(UTC).replace(tzinfo=None)
    return bool(old != new)


def _values(row: dict[str, str]) -> dict[str, Any]:
    for name in REQUIRED:
        if not row.get(name):
            raise ValueError(f"{name} is missing")
    if row["outcome"] not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {row['outcome']!r}")
    value = _opt_float(row.get("seized_value"), "seized_value")
    if value is not None and value < 0:
        raise ValueError("seized_value must be at least 0")
    return {
        "carrier": row["carrier"],
        "hawb": row["hawb"],
        "port_code": row["port_code"],
        "outcome": row["outcome"],
        "brand": row.get("brand") or None,
        "seized_quantity": _opt_int(row.get("seized_quantity"), "seized_quantity"),
        "seized_value": value,
        "inspected_at": _when(row.get("inspected_at")),
        "plan_id": _opt_int(row.get("plan_id"), "plan_id"),
    }


def outcome_labels(session: Session) -> pa.Table:
    """Recorded outcomes as labels, with the propensity their plan gave them (1 when the parcel
    was not on a plan, i.e. chosen outside redlane)."""
    propensity: dict[tuple[str, str], tuple[float, str]] = {}
    for item in session.scalars(select(PlanItem).order_by(PlanItem.id)):
        propensity[(item.carrier, item.hawb)] = (item.propensity, item.selected_by)
    rows = []
    for o in session.scalars(select(Outcome).order_by(Outcome.id)):
        p, by = propensity.get((o.carrier, o.hawb), (1.0, "other"))
        rows.append(
            {
                "hawb": o.hawb,
                "inspected_at": o.inspected_at.astimezone(UTC).replace(tzinfo=None),
                "seized": o.outcome == "seized",
                "seized_value": o.seized_value or 0.0,
                "propensity": p if p > 0 else 1.0,
                "selection_reason": by,
            }
        )
    if not rows:
        return LABEL_SCHEMA.empty_table()
    return pa.Table.from_pylist(rows, schema=LABEL_SCHEMA)
