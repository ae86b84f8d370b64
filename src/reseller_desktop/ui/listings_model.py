"""The listings table model: lazy, database-sorted, and small however many listings there are.

It keeps the ids of the rows loaded so far (8 bytes each) and a bounded cache of pages of full
rows. The next page is fetched when the view scrolls near the end (fetchMore), a page that was let
go of is fetched again by its ids when it comes back into view, and every fetch runs on the task
runner: the GUI thread never waits for the database. Sorting is done by the database (keyset
pages), never by a proxy model.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPixmap

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.listing_pages import ListingRow, PageKey, Sort
from reseller_desktop.ui.tasks import TaskRunner

UnitOfWorkFactory = Callable[[], UnitOfWork]
Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40  # 8,000 full rows at most in memory; ids only for the rest

# Columns, by position. SORT_KEYS names the database column each sorts by (None: not sortable).
COVER, TITLE, PRICE, COST, QUANTITY, STATUS, PLATFORMS, LOCATION, SKU, UPDATED = range(10)
HEADERS = ("", "Title", "Price", "Cost", "Qty", "Status", "Platforms", "Location", "SKU", "Updated")
SORT_KEYS = (None, "title", "price", "cost", "quantity", "status", None, "storage_location", "sku", "updated_at")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the ListingRow, for delegates and actions
ID_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_COLOURS = {"draft": "#6b7280", "active": "#15803d", "sold": "#1d4ed8", "canceled": "#9ca3af"}
_NUMERIC = {PRICE, COST, QUANTITY}


def _load_page(
    new_uow: UnitOfWorkFactory, listing_filter: ListingFilter, sort: Sort, after: PageKey | None
) -> tuple[list[ListingRow], PageKey | None]:
    with new_uow() as uow:
        return uow.listing_pages.page(listing_filter, sort, after, PAGE_SIZE)


def _load_rows(new_uow: UnitOfWorkFactory, ids: list[int]) -> list[ListingRow]:
    with new_uow() as uow:
        return uow.listing_pages.rows(ids)


class ListingsModel(QAbstractTableModel):
    load_failed = Signal(object)  # the exception: the view shows it and offers to retry
    loaded = Signal()  # a page arrived (the first one after a reset included)

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        cover_pixmap: Callable[[str], QPixmap | None] | None = None,
    ) -> None:
        super().__init__()
        self._runner = runner
        self._new_uow = new_uow
        self._cover_pixmap = cover_pixmap
        self.listing_filter = ListingFilter()
        self.sort_order = Sort()
        self._ids = array("q")
        self._loaded: set[int] = set()
        self._pages: OrderedDict[int, list[ListingRow]] = OrderedDict()
        self._pages_in_flight: set[int] = set()
        self._next_key: PageKey | None = None
        self._exhausted = True
        self._fetching = False
        self._generation = 0

    # ----- what is shown ------------------------------------------------------------------------
    def set_filter(self, listing_filter: ListingFilter) -> None:
        if listing_filter != self.listing_filter:
            self.listing_filter = listing_filter
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS[column] if 0 <= column < len(SORT_KEYS) else None
        if key is None:
            return
        wanted = Sort(key, order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_order:
            self.sort_order = wanted
            self.reload()

    def configure(self, listing_filter: ListingFilter, column: int, order: Qt.SortOrder) -> None:
        """Set filter and sort without loading (the caller reloads once)."""
        self.listing_filter = listing_filter
        key = SORT_KEYS[column] if 0 <= column < len(SORT_KEYS) else None
        if key is not None:
            self.sort_order = Sort(key, order == Qt.SortOrder.DescendingOrder)

    def reload(self) -> None:
        """Start again from the first page (filter, sort or data changed)."""
        self._generation += 1
        self.beginResetModel()
        self._ids = array("q")
        self._loaded = set()
        self._pages.clear()
        self._pages_in_flight.clear()
        self._next_key = None
        self._exhausted = False
        self._fetching = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh_rows(self, ids: list[int]) -> None:
        """Fetch these listings again where they are on screen (after an edit)."""
        wanted = set(ids)
        for page, rows in list(self._pages.items()):
            if any(row.id in wanted for row in rows):
                self._pages.pop(page)
                first = page * PAGE_SIZE
                self.dataChanged.emit(self.index(first, 0), self.index(first + len(rows) - 1, len(HEADERS) - 1))

    # ----- Qt model interface -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._fetching = True
        generation, new_uow = self._generation, self._new_uow
        listing_filter, sort, after = self.listing_filter, self.sort_order, self._next_key
        self._runner.run(
            lambda: _load_page(new_uow, listing_filter, sort, after),
            on_done=lambda result: self._page_arrived(generation, result),
            on_error=lambda error: self._failed(generation, error),
            label="Loading listings",
            owner=self,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._row(index.row())
        column = index.column()
        if role == ID_ROLE:
            return self._ids[index.row()]
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and column == TITLE else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DecorationRole and column == COVER and row.cover and self._cover_pixmap:
            return self._cover_pixmap(row.cover)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return QColor(STATUS_COLOURS.get(row.status or "draft", "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole and column in (TITLE, PLATFORMS):
            chips = ", ".join(f"{p}: {s}" for p, s in row.platforms) or "not listed on any platform"
            return f"{row.title}\n{chips}"
        return None

    def listing_id(self, row: int) -> int:
        return self._ids[row]

    def ids_of(self, rows: list[int]) -> list[int]:
        return [self._ids[r] for r in rows]

    def cover_ready(self, uri: str) -> None:
        """A thumbnail arrived: repaint the cover cells of the pages in memory that show it."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.cover == uri:
                    cell = self.index(page * PAGE_SIZE + offset, COVER)
                    self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    # ----- pages ----------------------------------------------------------------------------------
    def _row(self, row: int) -> ListingRow | None:
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            self._refetch_page(page)
            return None
        self._pages.move_to_end(page)
        if offset >= len(rows):
            self._refetch_page(page)
            return None
        return rows[offset]

    def _remember(self, page: int, rows: list[ListingRow]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)

    def _store(self, first: int, rows: list[ListingRow]) -> None:
        """Put newly appended rows into their pages (a fetch need not start on a page boundary)."""
        for offset, row in enumerate(rows):
            page, position = divmod(first + offset, PAGE_SIZE)
            cached = self._pages.get(page)
            if cached is None:
                if position:  # the start of this page was let go of: it is fetched again by ids
                    continue
                cached = []
                self._remember(page, cached)
            if position == len(cached):
                cached.append(row)

    def _page_arrived(self, generation: int, result: tuple[list[ListingRow], PageKey | None]) -> None:
        if generation != self._generation:
            return  # the filter or sort changed while this page was on its way
        rows, key = result
        self._fetching = False
        self._next_key = key
        self._exhausted = key is None
        # A listing edited while the view was open can move past the page cursor and come again.
        rows = [row for row in rows if row.id not in self._loaded]
        if rows:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._ids.extend(row.id for row in rows)
            self._loaded.update(row.id for row in rows)
            self._store(first, rows)
            self.endInsertRows()
        self.loaded.emit()

    def _refetch_page(self, page: int) -> None:
        if page in self._pages_in_flight:
            return
        self._pages_in_flight.add(page)
        ids = list(self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
        generation, new_uow = self._generation, self._new_uow
        self._runner.run(
            lambda: _load_rows(new_uow, ids),
            on_done=lambda rows: self._page_refetched(generation, page, ids, rows),
            on_error=lambda error: self._failed(generation, error),
            label="Loading listings",
            owner=self,
        )

    def _page_refetched(self, generation: int, page: int, ids: list[int], rows: list[ListingRow]) -> None:
        if generation != self._generation:
            return
        self._pages_in_flight.discard(page)
        by_id = {row.id: row for row in rows}
        # A listing deleted elsewhere meanwhile keeps its place until the next reload.
        self._remember(page, [by_id.get(i) or _gone(i) for i in ids])
        first = page * PAGE_SIZE
        self.dataChanged.emit(self.index(first, 0), self.index(first + len(ids) - 1, len(HEADERS) - 1))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._pages_in_flight.clear()
        self.load_failed.emit(error)

    @staticmethod
    def _text(row: ListingRow, column: int) -> str:
        if column == TITLE:
            return row.title
        if column == PRICE:
            return format_money(row.price)
        if column == COST:
            return format_money(row.cost)
        if column == QUANTITY:
            return "" if row.quantity is None else str(row.quantity)
        if column == STATUS:
            return row.status or ""
        if column == PLATFORMS:
            return "  ".join(platform for platform, _status in row.platforms)
        if column == LOCATION:
            return row.storage_location or ""
        if column == SKU:
            return row.sku or ""
        if column == UPDATED:
            return row.updated_at.strftime("%Y-%m-%d %H:%M") if row.updated_at else ""
        return ""


def _gone(listing_id: int) -> ListingRow:
    return ListingRow(listing_id, "(deleted elsewhere)", Decimal(0), None, None, None, None, None, None, None, None, ())
