"""Case statuses and the transitions between them.

lead → investigation → referred_prosecution | civil_action → closed; a lead or an investigation
may also be closed directly (dropped). A closed case stays closed: reopening is a new case that
cites the old one.
"""

from __future__ import annotations

from typing import Final

from redlane.errors import RedlaneError
from redlane.store.models import CASE_STATUSES

TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "lead": ("investigation", "closed"),
    "investigation": ("referred_prosecution", "civil_action", "closed"),
    "referred_prosecution": ("closed",),
    "civil_action": ("closed",),
    "closed": (),
}
assert set(TRANSITIONS) == set(CASE_STATUSES)


class CaseError(RedlaneError):
    """A case action that is not allowed in the case's state."""

    STATUS = 409


def check_transition(current: str, new: str) -> None:
    """Raise :class:`CaseError` unless ``current`` → ``new`` is allowed."""
    if new not in TRANSITIONS:
        raise CaseError(f"unknown status {new!r}; statuses: {', '.join(CASE_STATUSES)}")
    allowed = TRANSITIONS[current]
    if new not in allowed:
        if not allowed:
            raise CaseError(f"case is {current}: no further status change is allowed")
        raise CaseError(
            f"cannot move a case from {current} to {new}; from {current} it may go to "
            f"{' or '.join(allowed)}"
        )
