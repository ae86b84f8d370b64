"""How eBay writes what every part of the fake eBay answers with: error bodies and moments in time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.fakes.http_messages import Reply


def error_body(
    error_id: int,
    message: str,
    *,
    domain: str = "API_INVENTORY",
    category: str = "REQUEST",
    long_message: str | None = None,
    parameters: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """{"errors": [{"errorId", "domain", "category", "message", "longMessage", "parameters"}]}, as eBay's."""
    error = {"errorId": error_id, "domain": domain, "category": category, "message": message}
    return {"errors": [{**error, "longMessage": long_message or message, "parameters": parameters or []}]}


def error_reply(status: int, error_id: int, message: str, **extra: Any) -> Reply:
    """An error answer of a Sell API endpoint (checked against the contract like any other answer)."""
    return Reply.json(status, error_body(error_id, message, **extra))


def iso(moment: datetime) -> str:
    """A UTC moment with milliseconds, as eBay writes them: 2024-05-01T12:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
