"""The notifications table: newest first, unread in bold, each type with its own mark and colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.platforms import label
from reseller_desktop.domain.records import NotificationRecord
from reseller_desktop.ui.sync_cells import local_time

UnitOfWorkFactory = Callable[[], UnitOfWork]
Index = QModelIndex | QPersistentModelIndex

RECENT_LIMIT = 200
# With a type filter the newest rows of the other types would crowd the wanted ones out of a page.
FILTERED_LIMIT = 2000
TYPE, TITLE, MESSAGE, PLATFORM, TIME = range(5)
HEADERS = ("Type", "Title", "Message", "Platform", "Time")
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
TYPE_MARKS = {"sale": "$ sale", "error": "✖ error", "warning": "⚠ warning", "info": "ℹ info"}
TYPE_COLOURS = {"sale": "#15803d", "error": "#b91c1c", "warning": "#b45309", "info": "#1d4ed8"}


@dataclass(frozen=True)
class NotificationFilter:
    unread_only: bool = False
    type: str | None = None


@dataclass(frozen=True)
class NotificationPage:
    records: tuple[NotificationRecord, ...]
    unread: int  # of the whole account, not only the rows shown


def load_notifications(new_uow: UnitOfWorkFactory, wanted: NotificationFilter) -> NotificationPage:
    with new_uow() as uow:
        limit = FILTERED_LIMIT if wanted.type else RECENT_LIMIT
        records = uow.notifications.recent(unread_only=wanted.unread_only, limit=limit)
        if wanted.type:
            records = [r for r in records if r.type == wanted.type][:RECENT_LIMIT]
        return NotificationPage(tuple(records), uow.notifications.unread_count())


class NotificationsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[NotificationRecord] = []

    def set_records(self, records: Sequence[NotificationRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> NotificationRecord | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def row_of(self, notification_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == notification_id), None)

    def mark_read_locally(self, ids: set[int]) -> None:
        """Show them read at once; the database was told on a worker."""
        for row, record in enumerate(self._records):
            if record.id in ids and not record.is_read:
                self._records[row] = replace(record, is_read=True)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self.record(index.row()) if index.isValid() else None
        if record is None:
            return None
        column = index.column()
        if role == RECORD_ROLE:
            return record
        if role == ID_ROLE:
            return record.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == TYPE:
            return QColor(TYPE_COLOURS.get(record.type, "#374151"))
        if role == Qt.ItemDataRole.FontRole and not record.is_read:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column in (TITLE, MESSAGE):
            return "\n".join(part for part in (record.title, record.message or "") if part)
        return None

    @staticmethod
    def _text(record: NotificationRecord, column: int) -> str:
        if column == TYPE:
            return TYPE_MARKS.get(record.type, record.type)
        if column == TITLE:
            return record.title
        if column == MESSAGE:
            return (record.message or "").replace("\n", " ")
        if column == PLATFORM:
            return label(record.platform) if record.platform else ""
        if column == TIME and record.created_at is not None:
            return local_time(record.created_at, "%Y-%m-%d %H:%M")
        return ""
