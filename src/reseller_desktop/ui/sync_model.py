"""The sync view's table model: one row per listing, one column per platform, lazy pages.

Rows come from `load_board` in keyset pages (newest listing first), on the task runner. A cell whose
platform row waits to be cancelled counts down to its cancel time every second without asking the
database again: the time left is worked out once per page (the database clock's `now` against the
cancel time) and then runs down on the monotonic clock from the moment the page arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.platforms import label
from reseller_desktop.services.sync_board import BoardPage, BoardRow, PlatformCell, load_board
from reseller_desktop.ui.paged_table_model import LazyTableModel
from reseller_desktop.ui.sync_cells import CELL_BACKGROUNDS, CELL_FOREGROUNDS, cell_kind, cell_text, cell_tooltip
from reseller_desktop.ui.table_models import ROW_ROLE, Index, bold_font
from reseller_desktop.ui.tasks import TaskRunner

UnitOfWorkFactory = Callable[[], UnitOfWork]

PAGE_SIZE = 200
TICK_MS = 1000
# Fixed columns, by position; one column per platform follows.
TITLE, SKU, LISTING_STATUS = range(3)
FIXED_HEADERS = ("Title", "SKU", "Status")
# ROW_ROLE (ui/table_models.py) gives the BoardRow.
CELL_ROLE = Qt.ItemDataRole.UserRole + 2  # the PlatformCell of a platform column (None: not on it)
LISTING_ID_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class BoardFilter:
    attention_only: bool = False
    platform: str | None = None
    search: str = ""

    def arguments(self) -> dict[str, Any]:
        search = self.search.strip()
        return {
            "attention_only": self.attention_only,
            "platform": self.platform,
            "search": search if len(search) >= 3 else None,  # fewer letters match nearly everything
        }


def load_page(new_uow: UnitOfWorkFactory, board_filter: BoardFilter, after_id: int | None, limit: int) -> BoardPage:
    with new_uow() as uow:
        return load_board(uow, after_id=after_id, limit=limit, **board_filter.arguments())


def load_row(uow: UnitOfWork, board_filter: BoardFilter, listing_id: int) -> BoardPage:
    """The one listing as the board shows it now (its page has no row for it once it leaves the filter)."""
    return load_board(uow, after_id=listing_id + 1, limit=1, **board_filter.arguments())


class SyncBoardModel(LazyTableModel):
    # loaded: a page, a refresh or a row arrived
    counts_changed = Signal(int, int)  # listings needing attention, cancellations scheduled

    def __init__(
        self, runner: TaskRunner, new_uow: UnitOfWorkFactory, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(runner, "Loading the sync board")
        self._new_uow = new_uow
        self._clock = clock  # seconds, monotonic; tests pass their own to move time on
        self.board_filter = BoardFilter()
        self.platforms: tuple[str, ...] = ()
        self._rows: list[BoardRow] = []
        self._row_of: dict[int, int] = {}
        # platform_listing_id → (listing id, platform, clock() at its cancel time)
        self._deadlines: dict[int, tuple[int, str, float]] = {}
        self._settled: set[int] = set()  # countdowns that ran out and were painted so
        self._next_after_id: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    # ----- what is shown ------------------------------------------------------------------------
    def set_filter(self, board_filter: BoardFilter) -> None:
        if board_filter.arguments() != self.board_filter.arguments():
            self.board_filter = board_filter
            self.reload()

    def refresh(self) -> None:
        """Read again every row loaded so far, in one query, in place when the rows are the same."""
        self._generation += 1  # a page on its way would land on rows read before it
        self._fetching = True
        new_uow, board_filter, limit = self._new_uow, self.board_filter, max(PAGE_SIZE, len(self._rows))
        self._run(lambda: load_page(new_uow, board_filter, None, limit), self._refreshed, "Refreshing the sync board")

    def apply_row(self, listing_id: int, page: BoardPage) -> None:
        """Put in the row `load_row` read after an action; drop it when it no longer matches the filter."""
        position = self._row_of.get(listing_id)
        self._take_counts(page)
        if page.platforms != self.platforms:
            self.refresh()  # a platform column came or went
            return
        fresh = next((row for row in page.rows if row.listing_id == listing_id), None)
        if position is None:
            if fresh is not None:  # listed for the first time: it joins the board where it belongs
                self.refresh()
            return
        if fresh is None:
            self.beginRemoveRows(QModelIndex(), position, position)
            rows = self._rows[:position] + self._rows[position + 1 :]
            self._set_rows(rows, self.platforms)
            self.endRemoveRows()
        else:
            self._rows[position] = fresh
            self._note_deadlines([fresh], page)
            self.dataChanged.emit(self.index(position, 0), self.index(position, self.columnCount() - 1))
        self.loaded.emit()

    # ----- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED_HEADERS) + len(self.platforms)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section < len(FIXED_HEADERS):
            return FIXED_HEADERS[section]
        platform = self.platform_of(section)
        return label(platform) if platform else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role == LISTING_ID_ROLE:
            return row.listing_id
        if column < len(FIXED_HEADERS):
            return self._listing_data(row, column, role)
        cell = self.cell_at(index)
        if role == CELL_ROLE:
            return cell
        if cell is None:
            return None
        kind = cell_kind(cell, self.cancel_is_due(cell))
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(cell)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(cell, self.cancel_is_due(cell))
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(CELL_BACKGROUNDS.get(kind, "#ffffff"))
        if role == Qt.ItemDataRole.ForegroundRole and kind in CELL_FOREGROUNDS:
            return QColor(CELL_FOREGROUNDS[kind])
        if role == Qt.ItemDataRole.FontRole and kind == "task":
            return bold_font()
        return None

    @staticmethod
    def _listing_data(row: BoardRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.title, row.sku or "", row.listing_status)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == TITLE:
            return f"{row.title}\n${row.price} · quantity {row.quantity} · {row.storage_location or 'no location'}"
        return None

    # ----- looking things up ------------------------------------------------------------------------
    def board_row(self, row: int) -> BoardRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def platform_of(self, column: int) -> str | None:
        position = column - len(FIXED_HEADERS)
        return self.platforms[position] if 0 <= position < len(self.platforms) else None

    def column_of(self, platform: str) -> int | None:
        return len(FIXED_HEADERS) + self.platforms.index(platform) if platform in self.platforms else None

    def row_of(self, listing_id: int) -> int | None:
        return self._row_of.get(listing_id)

    def cell_at(self, index: Index) -> PlatformCell | None:
        row = self.board_row(index.row())
        platform = self.platform_of(index.column())
        return row.cells.get(platform) if row is not None and platform is not None else None

    def seconds_left(self, cell: PlatformCell) -> float | None:
        countdown = self._deadlines.get(cell.platform_listing_id)
        return None if countdown is None else countdown[2] - self._clock()

    def cancel_is_due(self, cell: PlatformCell) -> bool:
        left = self.seconds_left(cell)
        return cell.status == "pending_cancel" and (left is None or left <= 0)

    def cell_text(self, cell: PlatformCell) -> str:
        return cell_text(cell, self.seconds_left(cell))

    # ----- the countdown ------------------------------------------------------------------------------
    def tick(self) -> None:
        """Repaint the countdown cells only; the rest of the board did not change.

        A countdown that ran out is painted once more (its final text), then left alone; when none
        is left running the timer stops until a page brings a new one."""
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole]
        now = self._clock()
        running = False
        for key, (listing_id, platform, deadline) in self._deadlines.items():
            row, column = self._row_of.get(listing_id), self.column_of(platform)
            if key in self._settled or row is None or column is None:
                continue
            if deadline <= now:
                self._settled.add(key)
            else:
                running = True
            index = self.index(row, column)
            self.dataChanged.emit(index, index, roles)
        if not running:
            self._timer.stop()

    def _note_deadlines(self, rows: list[BoardRow], page: BoardPage) -> None:
        read_at = self._clock()
        for row in rows:
            for cell in row.cells.values():
                self._deadlines.pop(cell.platform_listing_id, None)
                self._settled.discard(cell.platform_listing_id)
                if cell.status == "pending_cancel" and cell.cancel_scheduled_at is not None:
                    left = (cell.cancel_scheduled_at - page.now).total_seconds()
                    self._deadlines[cell.platform_listing_id] = (row.listing_id, cell.platform, read_at + left)
        if self._deadlines and not self._timer.isActive():
            self._timer.start()

    # ----- pages arriving -------------------------------------------------------------------------------
    def _set_rows(self, rows: list[BoardRow], platforms: tuple[str, ...]) -> None:
        self._rows = rows
        self.platforms = platforms
        self._row_of = {row.listing_id: position for position, row in enumerate(rows)}
        live = {cell.platform_listing_id for row in rows for cell in row.cells.values()}
        self._deadlines = {key: value for key, value in self._deadlines.items() if key in live}
        self._settled &= live

    def _take_counts(self, page: BoardPage) -> None:
        self.counts_changed.emit(page.attention_count, page.scheduled_count)

    def _clear_rows(self) -> None:
        self._set_rows([], self.platforms)
        self._next_after_id = None

    def _next_page(self) -> Callable[[], BoardPage]:
        new_uow, board_filter, after = self._new_uow, self.board_filter, self._next_after_id
        return lambda: load_page(new_uow, board_filter, after, PAGE_SIZE)

    def _page_arrived(self, page: BoardPage) -> None:
        self._next_after_id = page.next_after_id
        self._exhausted = page.next_after_id is None
        self._take_counts(page)
        rows = [row for row in page.rows if row.listing_id not in self._row_of]
        if page.platforms != self.platforms:
            self.beginResetModel()
            self._set_rows(self._rows + rows, page.platforms)
            self._note_deadlines(self._rows, page)
            self.endResetModel()
        elif rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._set_rows(self._rows + rows, self.platforms)
            self._note_deadlines(rows, page)
            self.endInsertRows()
        self.loaded.emit()

    def _refreshed(self, page: BoardPage) -> None:
        self._fetching = False
        self._next_after_id = page.next_after_id
        self._exhausted = page.next_after_id is None
        self._take_counts(page)
        rows = list(page.rows)
        same_shape = page.platforms == self.platforms and [r.listing_id for r in rows] == [
            r.listing_id for r in self._rows
        ]
        if same_shape:  # in place: the selection and the scroll position stay as they are
            self._set_rows(rows, self.platforms)
            self._note_deadlines(rows, page)
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, self.columnCount() - 1))
        else:
            self.beginResetModel()
            self._set_rows(rows, page.platforms)
            self._note_deadlines(rows, page)
            self.endResetModel()
        self.loaded.emit()
