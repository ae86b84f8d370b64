"""What a bin or section holds, as a table; rows drag out as storage item ids onto the storage tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QMimeData, QModelIndex, Qt

from reseller_desktop.domain.records import StoredThing
from reseller_desktop.ui.storage_model import STORAGE_ITEMS_MIME, encode_item_ids
from reseller_desktop.ui.table_models import Column, Index, RecordTableModel

TITLE, STORAGE_ID, TYPE, QUANTITY, STATUS, PATH = range(6)


def describe_place(row: StoredThing) -> str:
    """Where it is, or where it was when its listing sold out and it left the shelf."""
    if row.path:
        return row.path
    return f"Removed (sold) from {row.removed_from}" if row.removed_from else "In no bin"


class StorageContentsModel(RecordTableModel[StoredThing]):
    """ROW_ROLE gives the StoredThing, ID_ROLE its storage item id."""

    columns = (
        Column("Title"),
        Column("Storage id"),
        Column("Type"),
        Column("Qty", numeric=True),
        Column("Listing status"),
        Column("Location"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.draggable = True  # removed (sold) items have no place to move from

    def set_rows(self, rows: Sequence[StoredThing], *, draggable: bool = True) -> None:
        self.draggable = draggable
        self.set_records(rows)

    @property
    def rows(self) -> tuple[StoredThing, ...]:
        return tuple(self._records)

    def item_ids(self, positions: Sequence[int]) -> list[int]:
        return [self._records[p].storage_item_id for p in sorted(set(positions)) if 0 <= p < len(self._records)]

    def _id_of(self, record: StoredThing) -> int:
        return record.storage_item_id

    def _styled(self, row: StoredThing, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == TITLE:
            cards = f"\n{len(row.card_ids)} card(s) stored in it" if row.card_ids else ""
            return f"{row.title} ({row.storage_id}){cards}"
        return None

    def _text(self, row: StoredThing, column: int) -> str:
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
