"""What partners can be told, and which partners may subscribe to each topic.

A topic is a kind of message pushed to a partner's webhook; its body is always a record passed
through the disclosure policy for that partner, never more.
"""

from __future__ import annotations

from typing import Final

# topic -> partners that may subscribe to it (None: every partner)
TOPICS: Final[dict[str, tuple[str, ...] | None]] = {
    # customs holds a parcel before arrival: to the carrier, by air waybill
    "hold": ("carrier",),
    # a parcel was seized: to the marketplace (its seller accounts) and rights holders
    "seizure_notice": ("marketplace", "rights_holders"),
    # listings of a risky seller still live: to the marketplace
    "sideline": ("marketplace",),
    # what became of a partner's tip or data (an inspection's outcome)
    "tip_outcome": None,
    # marketplace intelligence turned into a lookout to approve: to customs
    "lookout_proposal": ("customs",),
    # a rights holder's unit codes seen cloned: to that rights holder
    "cloned_code_alert": ("rights_holders",),
}


def may_subscribe(partner_id: str, topic: str) -> bool:
    if topic not in TOPICS:
        return False
    allowed = TOPICS[topic]
    return allowed is None or partner_id in allowed
