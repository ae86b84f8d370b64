"""What the bulk writes behind the CSV imports share: a temporary staging table the file's rows are
COPYed into, one row per file row keyed by its row number, with a `valid` flag.

The table is the import transaction's own (ON COMMIT DROP): a rollback leaves nothing behind.
"""

# SQL here is composed only from the subclasses' constants (the staging table, column names); every
# value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from sqlalchemy import text

from reseller_desktop.repositories.base import UserScopedRepository


class StagingRepository(UserScopedRepository):
    staging: ClassVar[str]  # the temporary table
    staged_columns: ClassVar[tuple[str, ...]]  # what `stage` takes per row, in this order

    def stage(self, rows: Iterable[Sequence[Any]]) -> None:
        """COPY rows (tuples in staged_columns order) into the staging table, streaming."""
        driver = self._conn.connection.driver_connection
        assert driver is not None
        columns = ", ".join(self.staged_columns)
        with driver.cursor() as cursor, cursor.copy(f"COPY {self.staging} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def row_number_range(self) -> tuple[int, int]:
        """The first and last row number staged; (0, -1) for a file without rows."""
        first, last = self._conn.execute(text(f"SELECT min(row_number), max(row_number) FROM {self.staging}")).one()
        return (int(first), int(last)) if first is not None else (0, -1)

    def _repeats(self, column: str, among: str = "true") -> list[tuple[int, Any, int]]:
        """(row, value, first row with it) for each staged row (of those `among`) repeating an earlier `column`."""
        rows = self._conn.execute(
            text(f"""
                SELECT row_number, {column}, first_row FROM (
                    SELECT row_number, {column}, min(row_number) OVER (PARTITION BY {column}) AS first_row
                    FROM {self.staging} WHERE {column} IS NOT NULL AND {among}
                ) d WHERE row_number <> first_row ORDER BY row_number""")
        ).all()
        return [(int(row), value, int(first)) for row, value, first in rows]

    def _invalidate(self, row_numbers: Sequence[int], where: str = "row_number = ANY(:rows)") -> None:
        """Mark rows (`where` picks them, given their numbers as :rows) as not to be written."""
        if row_numbers:
            self._conn.execute(
                text(f"UPDATE {self.staging} SET valid = false WHERE {where}"), {"rows": list(row_numbers)}
            )


def repeat_message(label: str, value: Any, first_row: int) -> str:
    """Why a row repeating an earlier row's `value` is refused; `label` names it ("SKU", "card_uuid:")."""
    return f"{label} {value} is already on row {first_row} of this file; each must be unique."
