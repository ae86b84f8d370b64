"""The contract's listing invariants, checked with clear messages before any write.

The database enforces the same rules with CHECK constraints because the web app writes there too;
these give the user a message that names the field instead of a constraint name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import check_storable
from reseller_desktop.domain.vocabulary import CONDITIONS, LISTING_STATUSES, TITLE_MAX_CHARS


def listing_errors(values: Mapping[str, Any]) -> list[FieldError]:
    """Every rule the full set of listing values breaks (empty when valid)."""
    errors: list[FieldError] = []
    title = values.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(FieldError("title", "A title is required."))
    elif len(title) > TITLE_MAX_CHARS:
        errors.append(FieldError("title", f"{len(title)} characters; the limit is {TITLE_MAX_CHARS}. Shorten it."))
    for money_field in ("price", "cost", "sold_price"):
        amount = values.get(money_field)
        if money_field == "price" and amount is None:
            errors.append(FieldError("price", "A price is required (0 is allowed)."))
        elif amount is not None:
            try:
                check_storable(Decimal(amount), money_field)
            except ValidationError as exc:
                errors.extend(exc.errors)
    quantity = values.get("quantity", 1)
    if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
        errors.append(FieldError("quantity", f"{quantity!r} is not allowed; use a whole number, 0 or more."))
    condition = values.get("condition")
    if condition is not None and condition not in CONDITIONS:
        errors.append(FieldError("condition", f"{condition!r} is not one of: {', '.join(CONDITIONS)}."))
    status = values.get("status", "draft")
    if status not in LISTING_STATUSES:
        errors.append(FieldError("status", f"{status!r} is not one of: {', '.join(LISTING_STATUSES)}."))
    location = values.get("storage_location")
    if status == "active" and (not isinstance(location, str) or not location.strip()):
        errors.append(
            FieldError("storage_location", "An active listing needs a storage location (e.g. B1 or Shelf-3).")
        )
    if status == "sold":
        missing = [f for f in ("sold_platform", "sold_date", "sold_price") if values.get(f) in (None, "")]
        errors.extend(FieldError(f, "Required when the listing is sold.") for f in missing)
        sold_date = values.get("sold_date")
        if sold_date is not None and not isinstance(sold_date, datetime):
            errors.append(FieldError("sold_date", "Must be a date and time."))
    return errors


def check_listing(values: Mapping[str, Any]) -> None:
    errors = listing_errors(values)
    if errors:
        raise ValidationError(errors)
