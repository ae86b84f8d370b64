"""The notifications table: newest first, unread in bold, each type with its own mark and colour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.platforms import label
from reseller_desktop.domain.records import NotificationRecord
from reseller_desktop.ui.sync_cells import local_time
from reseller_desktop.ui.table_models import Column, RecordTableModel, bold_font

UnitOfWorkFactory = Callable[[], UnitOfWork]

RECENT_LIMIT = 200
# With a type filter the newest rows of the other types would crowd the wanted ones out of a page.
FILTERED_LIMIT = 2000
TYPE, TITLE, MESSAGE, PLATFORM, TIME = range(5)
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


class NotificationsModel(RecordTableModel[NotificationRecord]):
    columns = (Column("Type"), Column("Title"), Column("Message"), Column("Platform"), Column("Time"))

    def mark_read_locally(self, ids: set[int]) -> None:
        """Show them read at once; the database was told on a worker."""
        for row, record in enumerate(self._records):
            if record.id in ids and not record.is_read:
                self._records[row] = replace(record, is_read=True)
                self._rows_changed(row, row)

    def _id_of(self, record: NotificationRecord) -> int:
        return record.id

    def _styled(self, record: NotificationRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == TYPE:
            return QColor(TYPE_COLOURS.get(record.type, "#374151"))
        if role == Qt.ItemDataRole.FontRole and not record.is_read:
            return bold_font()
        if role == Qt.ItemDataRole.ToolTipRole and column in (TITLE, MESSAGE):
            return "\n".join(part for part in (record.title, record.message or "") if part)
        return None

    def _text(self, record: NotificationRecord, column: int) -> str:
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
