"""Cells of an imported CSV file read the same way by every kind of import: times and JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from reseller_desktop.domain.errors import FieldError


def read_time(cell: str, name: str, errors: list[FieldError]) -> datetime | None:
    """An ISO 8601 time as the contract holds it, naive UTC (an offset is converted, none is UTC).

    A blank cell is None; one that is not a time adds an error for `name` and is None.
    """
    cell = cell.strip()
    if not cell:
        return None
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        errors.append(FieldError(name, f"{cell!r} is not a date and time; write it like 2024-05-01T14:30:00Z."))
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def load_json(cell: str) -> Any:
    """The cell's JSON value; ValueError when it is not JSON.

    NaN and Infinity are refused: Python reads them, but they are not JSON and the web app could not
    read them back.
    """
    return json.loads(cell, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> None:
    raise ValueError(name)
