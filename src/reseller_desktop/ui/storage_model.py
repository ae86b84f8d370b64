"""The storage tree: bins, and the sections in each, with item counts, capacity and free room.

Loaded whole through the task runner (a seller has tens of bins, not thousands). Storage items
dragged from the contents table can be dropped on a bin or a section: the model decodes them and
asks for the move (`items_dropped`); the view does the move and reloads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.records import BinNode, SectionNode
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.domain.storage_paths import location_path
from reseller_desktop.services.storage_browser import load_tree
from reseller_desktop.ui.tasks import TaskRunner

UnitOfWorkFactory = Callable[[], UnitOfWork]
Index = QModelIndex | QPersistentModelIndex

NAME, TYPE, ITEMS, CAPACITY, FREE = range(5)
HEADERS = ("Name", "Type", "Items", "Capacity", "Free")
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1  # the ScanTarget (bin or section) a row stands for
STORAGE_ITEMS_MIME = "application/x-reseller-storage-item-ids"
_BIN = 0  # internal id of a bin row; a section row's is its bin's row + 1
_NUMERIC = {ITEMS, CAPACITY, FREE}
FULL_COLOUR = "#b91c1c"


def encode_item_ids(ids: Sequence[int]) -> QMimeData:
    data = QMimeData()
    data.setData(STORAGE_ITEMS_MIME, json.dumps(list(dict.fromkeys(ids))).encode())
    return data


def decode_item_ids(data: QMimeData) -> tuple[int, ...]:
    """The storage item ids a drag carries; () for anything that is not ours or not well formed."""
    if not data.hasFormat(STORAGE_ITEMS_MIME):
        return ()
    try:
        ids = json.loads(bytes(data.data(STORAGE_ITEMS_MIME).data()).decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ()
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return ()
    return tuple(ids)


def bin_totals(node: BinNode) -> tuple[int, int | None, int | None]:
    """(items, capacity, free) of a bin: its sections' and its loose items; capacity only when every
    section has one (a section without a limit makes the bin's room unlimited)."""
    items = sum(s.section.item_count or 0 for s in node.sections) + node.loose_items
    capacities = [s.section.capacity for s in node.sections]
    if not capacities or any(c is None for c in capacities):
        return items, None, None
    capacity = sum(c for c in capacities if c is not None)
    return items, capacity, sum(s.free or 0 for s in node.sections)


class StorageTreeModel(QAbstractItemModel):
    loaded = Signal()
    load_failed = Signal(object)  # the exception
    items_dropped = Signal(tuple, object)  # storage item ids, ScanTarget they were dropped on

    def __init__(self, runner: TaskRunner, new_uow: UnitOfWorkFactory) -> None:
        super().__init__()
        self._runner = runner
        self._new_uow = new_uow
        self._bins: list[BinNode] = []
        self._generation = 0

    # ----- loading --------------------------------------------------------------------------------
    def reload(self) -> None:
        self._generation += 1
        generation, new_uow = self._generation, self._new_uow
        self._runner.run(
            lambda: load_tree(new_uow),
            on_done=lambda bins: self._arrived(generation, bins),
            on_error=lambda error: self._failed(generation, error),
            label="Loading storage",
            owner=self,
        )

    def _arrived(self, generation: int, bins: list[BinNode]) -> None:
        if generation != self._generation:
            return  # a newer load is under way; its answer is the one to show
        self.set_bins(bins)
        self.loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.load_failed.emit(error)

    def set_bins(self, bins: Sequence[BinNode]) -> None:
        self.beginResetModel()
        self._bins = list(bins)
        self.endResetModel()

    @property
    def bins(self) -> tuple[BinNode, ...]:
        return tuple(self._bins)

    def bin_types(self) -> list[str]:
        return sorted({node.bin.bin_type for node in self._bins})

    def targets(self) -> list[ScanTarget]:
        """Every bin and section, in tree order: what a move can go to."""
        found: list[ScanTarget] = []
        for node in self._bins:
            found.append(self._bin_target(node))
            found.extend(self._section_target(node, s) for s in node.sections)
        return found

    def index_of(self, target: ScanTarget) -> QModelIndex:
        for row, node in enumerate(self._bins):
            if node.bin.id != target.bin_id:
                continue
            if target.section_id is None:
                return self.index(row, NAME)
            for section_row, section in enumerate(node.sections):
                if section.section.id == target.section_id:
                    return self.index(section_row, NAME, self.index(row, NAME))
        return QModelIndex()

    def target(self, index: Index) -> ScanTarget | None:
        value = index.sibling(index.row(), NAME).data(TARGET_ROLE) if index.isValid() else None
        return value if isinstance(value, ScanTarget) else None

    @staticmethod
    def _bin_target(node: BinNode) -> ScanTarget:
        return ScanTarget(node.bin.id, None, location_path(node.bin.bin_name, None))

    @staticmethod
    def _section_target(node: BinNode, section: SectionNode) -> ScanTarget:
        return ScanTarget(node.bin.id, section.section.id, section.path)

    # ----- tree structure -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _BIN)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _BIN:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, NAME, _BIN)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        if not parent.isValid():
            return len(self._bins)
        if parent.internalId() == _BIN and parent.column() == NAME:
            return len(self._bins[parent.row()].sections)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if index.internalId() == _BIN:
            node = self._bins[index.row()]
            return self._bin_data(node, column, role)
        node = self._bins[index.internalId() - 1]
        return self._section_data(node, node.sections[index.row()], column, role)

    def _bin_data(self, node: BinNode, column: int, role: int) -> Any:
        if role == TARGET_ROLE:
            return self._bin_target(node)
        if role == Qt.ItemDataRole.DisplayRole:
            items, capacity, free = bin_totals(node)
            texts = {NAME: node.bin.bin_name, TYPE: node.bin.bin_type, ITEMS: items, CAPACITY: capacity, FREE: free}
            value = texts.get(column)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            loose = f"\n{node.loose_items} item(s) loose in the bin, in no section" if node.loose_items else ""
            return f"Bin {node.bin.bin_name} ({node.bin.bin_type}){loose}"
        return self._alignment(column, role)

    def _section_data(self, node: BinNode, section: SectionNode, column: int, role: int) -> Any:
        if role == TARGET_ROLE:
            return self._section_target(node, section)
        record = section.section
        if role == Qt.ItemDataRole.DisplayRole:
            texts = {
                NAME: record.section_name,
                ITEMS: record.item_count or 0,
                CAPACITY: record.capacity,
                FREE: section.free,
            }
            value = texts.get(column)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            room = "no capacity set" if record.capacity is None else f"{section.free} of {record.capacity} free"
            return f"{section.path}: {record.item_count or 0} item(s), {room}"
        if role == Qt.ItemDataRole.ForegroundRole and column == FREE and section.free is not None and section.free <= 0:
            return FULL_COLOUR
        return self._alignment(column, role)

    @staticmethod
    def _alignment(column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # ----- dropping storage items on a bin or section -----------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDropEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [STORAGE_ITEMS_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        # Only onto a bin or section itself (row -1), never between rows: the tree's order is by name.
        return row == -1 and self.target(parent) is not None and bool(decode_item_ids(data))

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if action == Qt.DropAction.IgnoreAction or not self.canDropMimeData(data, action, row, column, parent):
            return False
        target = self.target(parent)
        self.items_dropped.emit(decode_item_ids(data), target)
        # Accepted; the move itself runs on the task runner and the view reloads both sides after it
        # (the contents model has no removeRows, so the drag's source keeps its rows until then).
        return True
