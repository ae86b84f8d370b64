"""JSON kept in TEXT columns (the contract stores JSON as TEXT), read and written as Python values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from reseller_desktop.domain.errors import UserError


class MalformedJSONError(UserError):
    def __init__(self, column: str, raw: str, reason: str) -> None:
        preview = raw if len(raw) <= 60 else raw[:57] + "..."
        super().__init__(
            f"The database holds malformed JSON in {column}: {reason} (value starts {preview!r}).",
            "Another program wrote it; correct or clear that value in the database, then refresh.",
        )
        self.column = column


class JSONText(TypeDecorator[Any]):
    """TEXT on the wire, Python structures in the program. NULL stays None; "" reads as None."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise MalformedJSONError(self.column, str(value), exc.msg) from None
