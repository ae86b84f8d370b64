"""What the flat table models share: columns declared once (header, sort key, alignment), the roles
a view or delegate asks a row and its id by, and the data() that answers them from a model's rows.

A model supplies its rows (`_row_at`, `row_id`), the text of a cell (`_text`) and anything else a
cell looks like (`_styled`: colours, fonts, tooltips); RecordTableModel holds its rows in a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's frozen record, for delegates and actions
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # its id
RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


@dataclass(frozen=True)
class Column:
    header: str
    sort_key: str | None = None  # the database column it sorts by (None: not sortable)
    numeric: bool = False  # right-aligned


class ColumnTableModel(QAbstractTableModel, Generic[RowT]):
    """A table of fixed columns; subclasses set `columns` and answer the hooks below."""

    columns: tuple[Column, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == ID_ROLE:
            return self.row_id(index.row())
        row, column = self._row_at(index.row()), index.column()
        if row is None:
            return self._waiting(column, role)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[column].numeric:
            return RIGHT_ALIGNED
        return self._styled(row, column, role)

    def _rows_changed(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # ----- what a subclass answers ------------------------------------------------------------------
    def row_id(self, row: int) -> int | None:
        raise NotImplementedError

    def _row_at(self, row: int) -> RowT | None:
        raise NotImplementedError

    def _text(self, row: RowT, column: int) -> str:
        raise NotImplementedError

    def _styled(self, row: RowT, column: int, role: int) -> Any:
        """Any other role of a cell (colour, font, tooltip); None: Qt's default."""
        return None

    def _waiting(self, column: int, role: int) -> Any:
        """A cell whose row is not in memory (yet)."""
        return None


class RecordTableModel(ColumnTableModel[RowT]):
    """Rows held in a list, replaced all at once (the view reads them on the task runner)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[RowT] = []

    def set_records(self, records: Sequence[RowT]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> RowT | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_id(self, row: int) -> int | None:
        record = self.record(row)
        return None if record is None else self._id_of(record)

    def row_of(self, record_id: int) -> int | None:
        """Where the record with this id is (None: not shown)."""
        return next((row for row, record in enumerate(self._records) if self._id_of(record) == record_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._records)

    def _row_at(self, row: int) -> RowT | None:
        return self.record(row)

    def _id_of(self, record: RowT) -> int:
        raise NotImplementedError
