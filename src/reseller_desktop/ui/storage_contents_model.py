"""What a bin or section holds, as a table; rows drag out as storage item ids onto the storage tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt

from reseller_desktop.domain.records import StoredThing
from reseller_desktop.ui.storage_model import STORAGE_ITEMS_MIME, encode_item_ids

Index = QModelIndex | QPersistentModelIndex

TITLE, STORAGE_ID, TYPE, QUANTITY, STATUS, PATH = range(6)
HEADERS = ("Title", "Storage id", "Type", "Qty", "Listing status", "Location")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the StoredThing
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # its storage item id


def describe_place(row: StoredThing) -> str:
    """Where it is, or where it was when its listing sold out and it left the shelf."""
    if row.path:
        return row.path
    return f"Removed (sold) from {row.removed_from}" if row.removed_from else "In no bin"


class StorageContentsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[StoredThing] = []
        self.draggable = True  # removed (sold) items have no place to move from

    def set_rows(self, rows: Sequence[StoredThing], *, draggable: bool = True) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.draggable = draggable
        self.endResetModel()

    @property
    def rows(self) -> tuple[StoredThing, ...]:
        return tuple(self._rows)

    def row(self, position: int) -> StoredThing | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def item_ids(self, positions: Sequence[int]) -> list[int]:
        return [self._rows[p].storage_item_id for p in sorted(set(positions)) if 0 <= p < len(self._rows)]

    def row_of(self, storage_item_id: int) -> int | None:
        return next((p for p, r in enumerate(self._rows) if r.storage_item_id == storage_item_id), None)

    # ----- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.storage_item_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == TITLE:
            cards = f"\n{len(row.card_ids)} card(s) stored in it" if row.card_ids else ""
            return f"{row.title} ({row.storage_id}){cards}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == QUANTITY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(row: StoredThing, column: int) -> str:
        texts = {
            TITLE: row.title,
            STORAGE_ID: row.storage_id,
            TYPE: row.item_type or "",
            QUANTITY: "" if row.quantity is None else str(row.quantity),
            STATUS: row.listing_status or ("no listing" if row.listing_id is None else ""),
            PATH: describe_place(row),
        }
        return texts.get(column, "")

    # ----- dragging rows onto the tree --------------------------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() and self.draggable else base

    def mimeTypes(self) -> list[str]:
        return [STORAGE_ITEMS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return encode_item_ids(self.item_ids([i.row() for i in indexes if i.isValid()]))

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction
