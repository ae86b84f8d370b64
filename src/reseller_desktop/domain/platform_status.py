"""Where a listing stands on one platform, and the moves allowed between those states.

The contract's path is pending → active → sold/canceled. Around it: failed (the platform refused, or
every retry ran out), and pending_cancel (sold elsewhere; comes down when the cooldown ends).
"""

from __future__ import annotations

from typing import Final

from reseller_desktop.domain.errors import FieldError, ValidationError

PLATFORM_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "pending": frozenset({"active", "failed", "canceled", "pending_cancel", "sold"}),
    "active": frozenset({"sold", "pending_cancel", "canceled", "failed", "pending"}),  # pending: relist
    "failed": frozenset({"pending", "active", "canceled", "pending_cancel", "sold"}),
    "pending_cancel": frozenset({"canceled", "active", "failed", "sold"}),
    "sold": frozenset({"active", "pending"}),  # a cancelled order puts the unit back
    "canceled": frozenset({"pending", "active"}),  # listed again
}
# Still (or about to be) up on the marketplace: what a sale elsewhere must take down.
LIVE: Final = frozenset({"pending", "active", "failed"})
# Needs the seller's eye in the sync view.
ATTENTION: Final = frozenset({"failed", "pending_cancel"})


def check_platform_transition(current: str | None, wanted: str) -> None:
    current = current or "pending"
    if current == wanted:
        return
    if wanted not in PLATFORM_TRANSITIONS.get(current, frozenset()):
        raise ValidationError([FieldError("status", f"A platform listing cannot go from {current} to {wanted}.")])
