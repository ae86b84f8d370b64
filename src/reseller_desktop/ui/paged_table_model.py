"""Table models that load their rows page by page on the task runner: the GUI thread never waits
for the database, and the model stays small however many rows there are.

LazyTableModel fetches the next page when the view scrolls near the end (fetchMore); an answer
that arrives after the model started again (a new filter or sort) is dropped.

PagedTableModel (listings, cards) reads keyset pages sorted by the database, never by a proxy
model. It keeps the ids of the rows loaded so far (8 bytes each, in order, and once more as a
compressed bitmap to tell a row that comes again) and a bounded cache of pages of full rows; a page
that was let go of is fetched again by its ids when it comes back into view.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

from pyroaring import BitMap64
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QPixmap

from reseller_desktop.repositories.keyset import KeysetSort, PageKey
from reseller_desktop.ui.table_models import ID_ROLE, RIGHT_ALIGNED, ROW_ROLE, ColumnTableModel, Index
from reseller_desktop.ui.tasks import TaskRunner

PAGE_SIZE = 200
MAX_CACHED_PAGES = 40  # 8,000 full rows at most in memory; ids only for the rest

# Roles as plain ints. A paint asks about a thousand (cell, role) pairs, and reading an enum member
# off PySide6's Qt namespace costs about a microsecond each time: more than the answer itself.
DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
DECORATION_ROLE = int(Qt.ItemDataRole.DecorationRole)
ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
FONT_ROLE = int(Qt.ItemDataRole.FontRole)
TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
_PLAIN_ROLES = frozenset({ID_ROLE, DISPLAY_ROLE, ROW_ROLE, ALIGNMENT_ROLE})


class LazyTableModel(QAbstractTableModel):
    """Pages on demand. A subclass says how to read the next page (`_next_page`, run on the task
    runner), takes it in (`_page_arrived`, which sets `_exhausted`) and forgets its rows (`_clear_rows`)."""

    load_failed = Signal(object)  # the exception: the view shows it and offers to retry
    loaded = Signal()  # a page arrived (the first one after a reset included)

    def __init__(self, runner: TaskRunner, label: str) -> None:
        super().__init__()
        self._runner = runner
        self._label = label  # what the task runner shows while a page loads
        self._generation = 0  # answers of an older generation are dropped
        self._fetching = False
        self._exhausted = True

    @property
    def fetching(self) -> bool:
        """A page is on its way."""
        return self._fetching

    def reload(self) -> None:
        """Start again from the first page (filter, sort or data changed)."""
        self._generation += 1
        self.beginResetModel()
        self._clear_rows()
        self._fetching = False
        self._exhausted = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._fetching = True
        self._run(self._next_page(), self._next_page_arrived)

    def _next_page_arrived(self, result: Any) -> None:
        self._fetching = False
        self._page_arrived(result)

    def _run(self, work: Callable[[], Any], on_done: Callable[[Any], None], label: str | None = None) -> None:
        """Run `work` on the task runner; its answer, or failure, counts only in this generation."""
        generation = self._generation
        self._runner.run(
            work,
            on_done=lambda result: on_done(result) if generation == self._generation else None,
            on_error=lambda error: self._failed(error) if generation == self._generation else None,
            label=label or self._label,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        self._fetching = False
        self.load_failed.emit(error)

    # ----- what a subclass answers ------------------------------------------------------------------
    def _clear_rows(self) -> None:
        raise NotImplementedError

    def _next_page(self) -> Callable[[], Any]:
        """The work that reads the next page (captures what it needs: it runs off the GUI thread)."""
        raise NotImplementedError

    def _page_arrived(self, result: Any) -> None:
        raise NotImplementedError


class PagedRow(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def cover(self) -> str | None: ...  # the first photo's URI


RowT = TypeVar("RowT", bound=PagedRow)
FilterT = TypeVar("FilterT")
SortT = TypeVar("SortT", bound=KeysetSort)
# Both run on the task runner: (filter, sort, after, limit) → (rows, key of the next page), and ids → rows.
PageLoader = Callable[[FilterT, SortT, PageKey | None, int], tuple[list[RowT], PageKey | None]]
RowsLoader = Callable[[list[int]], list[RowT]]


class PagedTableModel(LazyTableModel, ColumnTableModel[RowT], Generic[RowT, FilterT, SortT]):
    """Keyset pages of rows with an id and a cover photo. A subclass gives its columns (their sort
    keys name the database columns), the text and look of a cell, and the row that stands in for
    one deleted elsewhere (`_deleted_row`)."""

    cover_column = 0  # shows the row's cover photo
    waiting_column = 1  # shows "…" while its row's page is on its way
    # The roles `_styled` answers; any other role a delegate asks about is None without finding the
    # row. None: every role goes to `_styled`.
    styled_roles: frozenset[int] | None = None

    def __init__(
        self,
        runner: TaskRunner,
        label: str,
        *,
        load_page: PageLoader[FilterT, SortT, RowT],
        load_rows: RowsLoader[RowT],
        row_filter: FilterT,
        sort: SortT,
        cover_pixmap: Callable[[str], QPixmap | None] | None = None,
    ) -> None:
        super().__init__(runner, label)
        self._load_page = load_page
        self._load_rows = load_rows
        self._cover_pixmap = cover_pixmap
        self.row_filter = row_filter
        self.sort_order = sort
        self._ids = array("q")
        # A set of a million ints costs some 60 MB; the bitmap of the same ids well under 1 MB.
        self._loaded = BitMap64()
        self._pages: OrderedDict[int, list[RowT]] = OrderedDict()
        self._pages_in_flight: set[int] = set()
        self._next_key: PageKey | None = None
        # The row asked about last: a paint asks about each cell of a row, role after role, in turn.
        self._last_asked: tuple[int, RowT | None] = (-1, None)

    # ----- what is shown ------------------------------------------------------------------------
    def set_filter(self, row_filter: FilterT) -> None:
        if row_filter != self.row_filter:
            self.row_filter = row_filter
            self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        wanted = self._sort_by(column, order)
        if wanted is not None and wanted != self.sort_order:
            self.sort_order = wanted
            self.reload()

    def configure(
        self, row_filter: FilterT, column: int | None = None, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        """Set filter and sort without loading (the caller reloads once)."""
        self.row_filter = row_filter
        wanted = None if column is None else self._sort_by(column, order)
        if wanted is not None:
            self.sort_order = wanted

    def refresh_rows(self, ids: list[int]) -> None:
        """Fetch these rows again where they are in memory (after an edit)."""
        wanted = set(ids)
        self._last_asked = (-1, None)
        for page, rows in list(self._pages.items()):
            if any(row.id in wanted for row in rows):
                self._pages.pop(page)
                first = page * PAGE_SIZE
                self._rows_changed(first, first + len(rows) - 1)

    def cover_ready(self, uri: str) -> None:
        """A thumbnail arrived: repaint the cover cells in memory that show it."""
        for page, rows in self._pages.items():
            for offset, row in enumerate(rows):
                if row.cover == uri:
                    cell = self.index(page * PAGE_SIZE + offset, self.cover_column)
                    self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def row_id(self, row: int) -> int:
        return self._ids[row]

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        """ColumnTableModel.data, with the roles compared as ints (see DISPLAY_ROLE)."""
        if not index.isValid():
            return None
        return self._cell(index.row(), index.column(), role)

    def _cell(self, number: int, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return self._ids[number]
        styled = self.styled_roles
        if styled is not None and role not in styled and role not in _PLAIN_ROLES:
            return None
        row = self.row_for_paint(number)
        if row is None:
            return self._waiting(column, role)
        if role == DISPLAY_ROLE:
            return self._text(row, column)
        if role == ROW_ROLE:
            return row
        if role == ALIGNMENT_ROLE:
            return RIGHT_ALIGNED if self.columns[column].numeric else None
        return self._styled(row, column, role)

    # ----- painting (ui/paged_table_view.PagedCellDelegate asks these, one cell at a time) -------------
    def row_for_paint(self, number: int) -> RowT | None:
        """The row shown at `number`; None while its page is on its way (and it is asked for)."""
        asked, row = self._last_asked
        if asked != number or row is None:
            row = self._row_at(number)
            self._last_asked = (number, row)
        return row

    def cell_text(self, row: RowT | None, column: int) -> str:
        if row is None:
            return self._waiting(column, DISPLAY_ROLE) or ""
        return self._text(row, column)

    def cell_style(self, row: RowT, column: int, role: int) -> Any:
        """A look of the cell other than its text (colour, font, cover); None: Qt's default."""
        styled = self.styled_roles
        return None if styled is not None and role not in styled else self._styled(row, column, role)

    def ids_of(self, rows: list[int]) -> list[int]:
        return [self._ids[r] for r in rows]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._ids)

    def _sort_by(self, column: int, order: Qt.SortOrder) -> SortT | None:
        key = self.columns[column].sort_key if 0 <= column < len(self.columns) else None
        descending = order == Qt.SortOrder.DescendingOrder
        return None if key is None else replace(self.sort_order, column=key, descending=descending)

    # ----- cells ------------------------------------------------------------------------------------
    def _waiting(self, column: int, role: int) -> Any:
        return "…" if role == DISPLAY_ROLE and column == self.waiting_column else None

    def _styled(self, row: RowT, column: int, role: int) -> Any:
        if role == DECORATION_ROLE and column == self.cover_column and row.cover and self._cover_pixmap:
            return self._cover_pixmap(row.cover)
        return None

    def _deleted_row(self, row_id: int) -> RowT:
        """What stands in for a row deleted elsewhere until the next reload."""
        raise NotImplementedError

    # ----- pages ----------------------------------------------------------------------------------
    def _row_at(self, row: int) -> RowT | None:
        page, offset = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None or offset >= len(rows):
            self._refetch_page(page)
            return None
        self._pages.move_to_end(page)
        return rows[offset]

    def _clear_rows(self) -> None:
        self._last_asked = (-1, None)
        self._ids = array("q")
        self._loaded = BitMap64()
        self._pages.clear()
        self._pages_in_flight.clear()
        self._next_key = None

    def _next_page(self) -> Callable[[], tuple[list[RowT], PageKey | None]]:
        load, row_filter, sort, after = self._load_page, self.row_filter, self.sort_order, self._next_key
        return lambda: load(row_filter, sort, after, PAGE_SIZE)

    def _page_arrived(self, result: tuple[list[RowT], PageKey | None]) -> None:
        rows, key = result
        self._next_key = key
        self._exhausted = key is None
        # A row edited while the view was open can move past the page cursor and come again.
        rows = [row for row in rows if row.id not in self._loaded]
        if rows:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._ids.extend(row.id for row in rows)
            self._loaded.update([row.id for row in rows])
            self._store(first, rows)
            self.endInsertRows()
        self.loaded.emit()

    def _remember(self, page: int, rows: list[RowT]) -> None:
        self._last_asked = (-1, None)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)

    def _store(self, first: int, rows: list[RowT]) -> None:
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

    def _refetch_page(self, page: int) -> None:
        if page in self._pages_in_flight:
            return
        self._pages_in_flight.add(page)
        ids, load = list(self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]), self._load_rows
        self._run(lambda: load(ids), lambda rows: self._page_refetched(page, ids, rows))

    def _page_refetched(self, page: int, ids: list[int], rows: list[RowT]) -> None:
        self._pages_in_flight.discard(page)
        by_id = {row.id: row for row in rows}
        # A row deleted elsewhere meanwhile keeps its place until the next reload.
        self._remember(page, [by_id.get(i) or self._deleted_row(i) for i in ids])
        first = page * PAGE_SIZE
        self._rows_changed(first, first + len(ids) - 1)

    def _failed(self, error: BaseException) -> None:
        self._pages_in_flight.clear()
        super()._failed(error)
