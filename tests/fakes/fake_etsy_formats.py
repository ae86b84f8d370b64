"""How Etsy writes what every part of the fake Etsy answers with: error bodies and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fakes.http_messages import Reply


def error_reply(status: int, text: str) -> Reply:
    """{"error": "<text>"}, as every Etsy endpoint answers a refusal (checked against the contract)."""
    return Reply.json(status, {"error": text})


def money(amount: Decimal | float | str) -> dict[str, Any]:
    """Etsy's Money: whole cents over a divisor of 100 (12.50 -> {"amount": 1250, "divisor": 100})."""
    return {"amount": int((Decimal(str(amount)) * 100).to_integral_value()), "divisor": 100, "currency_code": "USD"}
