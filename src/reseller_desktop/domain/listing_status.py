"""The listing's life: draft → active (needs a storage location) → sold or canceled.

A canceled listing can be listed again, and an active one taken back to draft. "Sold" is reached
only by recording a sale (which sets sold_platform, sold_date and sold_price); it is left only by
undoing that change.
"""

from __future__ import annotations

from typing import Final

from reseller_desktop.domain.errors import FieldError, ValidationError

TRANSITIONS: Final[dict[str, tuple[str, ...]]] = {
    "draft": ("active", "canceled"),
    "active": ("draft", "canceled"),
    "canceled": ("active", "draft"),
    "sold": (),
}
# Statuses a bulk action may set; "sold" needs a sale's details, one listing at a time.
BULK_STATUSES: Final = ("draft", "active", "canceled")


def check_transition(current: str | None, wanted: str) -> None:
    current = current or "draft"
    if wanted == current:
        return
    if wanted == "sold":
        raise ValidationError([FieldError("status", "Use “Mark as sold” to record the platform, price and date.")])
    if wanted not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "nothing (a sale is final)"
        raise ValidationError([FieldError("status", f"A {current} listing can become {allowed}, not {wanted}.")])
