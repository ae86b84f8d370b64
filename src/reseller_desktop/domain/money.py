"""Money in Decimal cents over a REAL (4-byte float) column.

The shared contract stores prices as REAL. A float32 has a 24-bit significand, so it holds every
cent exactly enough to round back only up to 99,999.99 (7 significant digits). Above that, or below
zero, a price is refused before it reaches the database.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from reseller_desktop.domain.errors import FieldError, ValidationError

CENT = Decimal("0.01")
MAX_PRICE = Decimal("99999.99")


def parse_money(value: object, field: str = "price") -> Decimal:
    """Turn user or file input ("12.5", "$1,299.00", 3, Decimal) into a Decimal of whole cents."""
    if isinstance(value, bool):
        raise ValidationError([FieldError(field, f"{value!r} is not an amount of money.")])
    if isinstance(value, float):
        # Through str() so 0.1 stays 0.1 rather than its binary expansion.
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("$", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            [FieldError(field, f"{value!r} is not an amount of money; write it like 12.50.")]
        ) from None
    if not amount.is_finite():
        raise ValidationError([FieldError(field, f"{value!r} is not an amount of money.")])
    check_storable(amount, field)  # first: quantizing an amount as large as 1e400 would raise
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError([FieldError(field, f"{value} has fractions of a cent; use at most two decimals.")])
    return amount.quantize(CENT)


def check_storable(amount: Decimal, field: str = "price") -> None:
    if amount < 0:
        raise ValidationError([FieldError(field, f"{amount} is negative; amounts must be 0 or more.")])
    if amount > MAX_PRICE:
        raise ValidationError(
            [
                FieldError(
                    field,
                    f"{amount:,} is above {MAX_PRICE:,}, the largest amount the shared database stores to the cent.",
                )
            ]
        )


def to_real(amount: Decimal | None) -> float | None:
    """The value written to a REAL column."""
    return None if amount is None else float(amount)


def from_real(value: float | None) -> Decimal | None:
    """A REAL read back, rounded to the cent it was written as."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None) -> str:
    return "" if amount is None else f"${amount:,.2f}"
