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
    # UTC with a time of day (2024-05-01T14:30:00Z), as every export writes it: read without a round
    # trip through a time zone, the larger part of reading a time. Any other form takes the long way.
    if cell.endswith("Z") and cell[10:11] in ("T", " "):
        try:
            moment = datetime.fromisoformat(cell[:-1])
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                return moment
    cell = cell.strip()
    if not cell:
        return None
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        errors.append(FieldError(name, f"{cell!r} is not a date and time; write it like 2024-05-01T14:30:00Z."))
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _refuse_constant(name: str) -> None:
    raise ValueError(name)


# One decoder for every cell: json.loads with an option builds a new one per call, which was most of
# the cost of reading a JSON cell in a file of a million rows.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def load_json(cell: str) -> Any:
    """The cell's JSON value; ValueError when it is not JSON.

    NaN and Infinity are refused: Python reads them, but they are not JSON and the web app could not
    read them back.
    """
    return _DECODER.decode(cell)
