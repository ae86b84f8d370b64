"""Pure rules: money over REAL, listing invariants. No database, no Qt."""

from __future__ import annotations

import struct
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.listing_rules import listing_errors
from reseller_desktop.domain.money import MAX_PRICE, format_money, from_real, parse_money, to_real


def through_real(amount: Decimal) -> float:
    """What a PostgreSQL REAL column stores: an IEEE-754 single."""
    value = to_real(amount)
    assert value is not None
    return float(struct.unpack("f", struct.pack("f", value))[0])


@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_storable_cent_amount_survives_a_real_column(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    assert from_real(through_real(amount)) == amount


def test_amounts_past_the_limit_would_not_survive_and_are_refused() -> None:
    # From 2^17 dollars a single's spacing is 1/64 of a dollar: the first cent that comes back wrong.
    assert from_real(through_real(Decimal("131072.01"))) != Decimal("131072.01")
    with pytest.raises(ValidationError, match=r"above 99,999.99"):
        parse_money("100000.00")
    assert parse_money(str(MAX_PRICE)) == MAX_PRICE
    with pytest.raises(ValidationError, match=r"above 99,999.99"):  # too large even to round to cents
        parse_money("1e400")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", "12.50"),
        ("$1,299.00", "1299.00"),
        (3, "3.00"),
        (0.1, "0.10"),
        (Decimal("7"), "7.00"),
        (" 4.99 ", "4.99"),
    ],
)
def test_money_input_in_the_forms_people_type(raw: object, expected: str) -> None:
    assert parse_money(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-1", "negative"),
        ("12.345", "fractions of a cent"),
        ("twelve", "not an amount of money"),
        ("NaN", "not an amount of money"),
        (True, "not an amount of money"),
    ],
)
def test_bad_money_is_refused_with_a_reason(raw: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_money(raw)


def test_format_money() -> None:
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(None) == ""


def messages(values: dict[str, object]) -> dict[str, str]:
    return {e.field: e.message for e in listing_errors(values)}


def test_a_valid_draft_has_no_errors() -> None:
    assert messages({"title": "Nike Air Max 90", "price": Decimal("80.00")}) == {}


def test_listing_invariants_name_the_field_and_the_fix() -> None:
    assert "limit is 80" in messages({"title": "x" * 81, "price": 1})["title"]
    assert messages({"title": " ", "price": 1})["title"] == "A title is required."
    assert "0 or more" in messages({"title": "t", "price": 1, "quantity": -1})["quantity"]
    assert "storage location" in messages({"title": "t", "price": 1, "status": "active"})["storage_location"]
    assert "storage_location" in messages({"title": "t", "price": 1, "status": "active", "storage_location": "  "})
    sold = messages({"title": "t", "price": 1, "status": "sold"})
    assert set(sold) == {"sold_platform", "sold_date", "sold_price"}
    complete = {
        "title": "t",
        "price": 1,
        "status": "sold",
        "sold_platform": "ebay",
        "sold_date": datetime(2026, 5, 1),
        "sold_price": 1,
    }
    assert messages(complete) == {}
    assert "one of" in messages({"title": "t", "price": 1, "status": "listed"})["status"]
    assert "one of" in messages({"title": "t", "price": 1, "condition": "mint"})["condition"]
    assert "above" in messages({"title": "t", "price": Decimal("100000")})["price"]
