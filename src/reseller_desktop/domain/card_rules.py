"""Rules for a card before it is written (the database checks the same lists)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import check_storable
from reseller_desktop.domain.vocabulary import CARD_TYPES, ORGANIZATION_MODES, VALUE_TIERS


def check_card(values: Mapping[str, Any]) -> None:
    errors: list[FieldError] = []
    title = values.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(FieldError("title", "A card name is required."))
    for field, allowed in (
        ("card_type", CARD_TYPES),
        ("organization_mode", ORGANIZATION_MODES),
        ("value_tier", VALUE_TIERS),
    ):
        value = values.get(field)
        if (value is not None or field == "card_type") and value not in allowed:
            errors.append(FieldError(field, f"{value!r} is not one of: {', '.join(allowed)}."))
    quantity = values.get("quantity", 1)
    if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
        errors.append(FieldError("quantity", f"{quantity!r} is not allowed; use a whole number, 0 or more."))
    score = values.get("grading_score")
    if score is not None:
        try:
            number = float(score)
        except (TypeError, ValueError):
            errors.append(FieldError("grading_score", f"{score!r} is not a grade; write a number such as 9 or 9.5."))
        else:
            if not 1 <= number <= 10:
                errors.append(FieldError("grading_score", f"{score} is outside the grading scale of 1 to 10."))
    for field in ("estimated_value", "purchase_price"):
        amount = values.get(field)
        if amount is not None:
            try:
                check_storable(Decimal(amount), field)
            except ValidationError as exc:
                errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class TierThresholds:
    """Where each value tier starts: below mid_from a card is low, from grail_from on it is a grail."""

    mid_from: Decimal = Decimal("10")
    high_from: Decimal = Decimal("100")
    grail_from: Decimal = Decimal("1000")

    def check(self) -> None:
        errors: list[FieldError] = []
        for name in ("mid_from", "high_from", "grail_from"):
            try:
                check_storable(getattr(self, name), name)
            except ValidationError as exc:
                errors.extend(exc.errors)
        if not errors and not (Decimal(0) <= self.mid_from <= self.high_from <= self.grail_from):
            errors.append(
                FieldError(
                    "tiers",
                    f"Tiers must rise: mid from ${self.mid_from}, high from ${self.high_from}, grail from "
                    f"${self.grail_from} are out of order; each must be at least the one before.",
                )
            )
        if errors:
            raise ValidationError(errors)

    def tier_of(self, value: Decimal | None) -> str | None:
        """The tier the database gives a card of this value (the same rule, for previews)."""
        if value is None:
            return None
        if value < self.mid_from:
            return "low"
        if value < self.high_from:
            return "mid"
        return "high" if value < self.grail_from else "grail"
