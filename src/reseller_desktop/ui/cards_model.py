"""The cards table model: lazy, database-sorted, and small however many cards there are.

The same design as the listings model (ui/listings_model.py): the ids of the rows loaded so far and
a bounded cache of pages of full rows; the next page is fetched when the view scrolls near the end,
a page that was let go of is fetched again by its ids, and every fetch runs on the task runner.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPixmap

from reseller_desktop.domain.card_groups import TIER_LABELS, CardFilter
from reseller_desktop.domain.card_titles import grade_text
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.card_pages import CardRow, CardSort, PageKey
from reseller_desktop.services.card_collection import UnitOfWorkFactory, load_page, load_rows
from reseller_desktop.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40  # 8,000 full rows at most in memory; ids only for the rest

(
    COVER,
    NAME,
    SET,
    NUMBER,
    PLAYER,
    YEAR,
    GRADE,
    CONDITION,
    QUANTITY,
    VALUE,
    TIER,
    COST,
    LOCATION,
    LISTING,
) = range(14)
HEADERS = (
    "",
    "Name",
    "Set",
    "#",
    "Player",
    "Year",
    "Grade",
    "Cond.",
    "Qty",
    "Value",
    "Tier",
    "Cost",
    "Location",
    "Listing",
)
SORT_KEYS = (
    None,
    "title",
    "set_name",
    "card_number",
    "player_name",
    "year",
    "grading_score",
    None,
    "quantity",
    "estimated_value",
    "estimated_value",
    "purchase_price",
    "storage_location",
    None,
)
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the CardRow
ID_ROLE = Qt.ItemDataRole.UserRole + 2
TIER_COLOURS = {"grail": "#b45309", "high": "#7c3aed", "mid": "#1d4ed8", "low": "#6b7280"}
LISTING_COLOURS = {"draft": "#6b7280", "active": "#15803d", "sold": "#1d4ed8", "canceled": "#9ca3af"}
_NUMERIC = {YEAR, GRADE, QUANTITY, VALUE, COST}


class CardsModel(QAbstractTableModel):
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
        self.card_filter = CardFilter()
        self.sort_order = CardSort("estimated_value", True)
        self._ids = array("q")
        self._loaded: set[int] = set()
        self._pages: OrderedDict[int, list[CardRow]] = OrderedDict()
        self._pages_in_flight: set[int] = set()
        self._next_key: PageKey | None = None
        self._exhausted = True
        self.fetching = False
        self._generation = 0

    # ----- what is shown ------------------------------------------------------------------------
    def set_filter(self, card_filter: CardFilter) -> None:
        if card_filter != self.card_filter:
            self.card_filter = card_filter
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS[column] if 0 <= column < len(SORT_KEYS) else None
        if key is None:
            return
        wanted = CardSort(key, order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_order:
            self.sort_order = wanted
            self.reload()

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
        self.fetching = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def refresh_rows(self, ids: list[int]) -> None:
        """Fetch these cards again where they are in memory (after an edit)."""
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
        if parent.isValid() or self._exhausted or self.fetching:
            return
        self.fetching = True
        generation, new_uow = self._generation, self._new_uow
        card_filter, sort, after = self.card_filter, self.sort_order, self._next_key
        self._runner.run(
            lambda: load_page(new_uow, card_filter, sort, after, PAGE_SIZE),
            on_done=lambda result: self._page_arrived(generation, result),
            on_error=lambda error: self._failed(generation, error),
            label="Loading cards",
            owner=self,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = index.column()
        if role == ID_ROLE:
            return self._ids[index.row()]
        row = self._row(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and column == NAME else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DecorationRole and column == COVER and row.cover and self._cover_pixmap:
            return self._cover_pixmap(row.cover)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        if role == Qt.ItemDataRole.FontRole and column == TIER and row.value_tier == "grail":
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.ToolTipRole and column in (NAME, LISTING):
            listed = f"listing #{row.listing_id} ({row.listing_status})" if row.listing_id else "not listed"
            return f"{row.title}\n{listed}"
        return None

    def card_id(self, row: int) -> int:
        return self._ids[row]

    def ids_of(self, rows: list[int]) -> list[int]:
        return [self._ids[r] for r in rows]

    def row_of(self, row: int) -> CardRow | None:
        """The row if it is in memory (None while its page is on its way)."""
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        return rows[offset] if rows is not None and offset < len(rows) else None

    def cover_ready(self, uri: str) -> None:
        """A thumbnail arrived: repaint the cover cells in memory that show it."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.cover == uri:
                    cell = self.index(page * PAGE_SIZE + offset, COVER)
                    self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    # ----- pages ----------------------------------------------------------------------------------
    def _row(self, row: int) -> CardRow | None:
        page = row // PAGE_SIZE
        found = self.row_of(row)
        if found is None:
            self._refetch_page(page)
            return None
        self._pages.move_to_end(page)
        return found

    def _remember(self, page: int, rows: list[CardRow]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)

    def _store(self, first: int, rows: list[CardRow]) -> None:
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

    def _page_arrived(self, generation: int, result: tuple[list[CardRow], PageKey | None]) -> None:
        if generation != self._generation:
            return  # the filter or sort changed while this page was on its way
        rows, key = result
        self.fetching = False
        self._next_key = key
        self._exhausted = key is None
        rows = [row for row in rows if row.id not in self._loaded]  # edited meanwhile: moved past the cursor
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
            lambda: load_rows(new_uow, ids),
            on_done=lambda rows: self._page_refetched(generation, page, ids, rows),
            on_error=lambda error: self._failed(generation, error),
            label="Loading cards",
            owner=self,
        )

    def _page_refetched(self, generation: int, page: int, ids: list[int], rows: list[CardRow]) -> None:
        if generation != self._generation:
            return
        self._pages_in_flight.discard(page)
        by_id = {row.id: row for row in rows}
        # A card deleted elsewhere meanwhile keeps its place until the next reload.
        self._remember(page, [by_id.get(i) or _gone(i) for i in ids])
        first = page * PAGE_SIZE
        self.dataChanged.emit(self.index(first, 0), self.index(first + len(ids) - 1, len(HEADERS) - 1))

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.fetching = False
        self._pages_in_flight.clear()
        self.load_failed.emit(error)

    @staticmethod
    def _colour(row: CardRow, column: int) -> QColor | None:
        if column == TIER and row.value_tier:
            return QColor(TIER_COLOURS.get(row.value_tier, "#000000"))
        if column == LISTING and row.listing_status:
            return QColor(LISTING_COLOURS.get(row.listing_status, "#000000"))
        return None

    @staticmethod
    def _text(row: CardRow, column: int) -> str:
        texts: dict[int, Callable[[], str]] = {
            NAME: lambda: row.title + ("  RC" if row.is_rookie_card else ""),
            SET: lambda: " · ".join(p for p in (row.game_name or (row.sport or "").title(), row.set_name) if p),
            NUMBER: lambda: row.card_number or "",
            PLAYER: lambda: row.player_name or "",
            YEAR: lambda: "" if row.year is None else str(row.year),
            GRADE: lambda: grade_text(row),
            CONDITION: lambda: row.card_condition or "",
            QUANTITY: lambda: "" if row.quantity is None else str(row.quantity),
            VALUE: lambda: format_money(row.estimated_value),
            TIER: lambda: TIER_LABELS.get(row.value_tier or "", ""),
            COST: lambda: format_money(row.purchase_price),
            LOCATION: lambda: row.storage_location or "",
            LISTING: lambda: (row.listing_status or "listed") if row.listing_id else "",
        }
        text = texts.get(column)
        return text() if text is not None else ""


def _gone(card_id: int) -> CardRow:
    names = [f.name for f in fields(CardRow) if f.name not in ("id", "card_type", "title")]
    return CardRow(id=card_id, card_type="tcg", title="(deleted elsewhere)", **dict.fromkeys(names))
