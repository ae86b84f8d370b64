"""The sync view: every listing against every platform, what needs the seller, and what to do about it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.platforms import PLATFORMS
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.services.sync_board import BoardRow, row_for_listing
from reseller_desktop.ui.manual_post_dialog import UrlOpener
from reseller_desktop.ui.offline_banner import OfflineBanner
from reseller_desktop.ui.sync_actions_ui import SyncActions
from reseller_desktop.ui.sync_model import LISTING_STATUS, SKU, TITLE, BoardFilter, SyncBoardModel, UnitOfWorkFactory
from reseller_desktop.ui.tasks import TaskRunner

SEARCH_DEBOUNCE_MS = 300
ROW_HEIGHT = 28
COLUMN_WIDTHS = {TITLE: 280, SKU: 110, LISTING_STATUS: 70}
PLATFORM_COLUMN_WIDTH = 140
# The toolbar and the context menu show the same actions, in these groups.
ACTION_GROUPS = (
    ("open_listing", "open_on_platform"),
    ("list_on", "copy_for_posting", "mark_posted", "mark_delisted"),
    ("retry", "cancel", "keep", "remove"),
)
MESSAGE_STYLES = {True: "color: #991b1b", False: "color: #166534"}


def summary_text(attention: int, scheduled: int) -> str:
    need = "needs" if attention == 1 else "need"
    cancellations = "cancellation" if scheduled == 1 else "cancellations"
    return f"{attention:,} {need} attention · {scheduled:,} {cancellations} scheduled"


class SyncView(QWidget):
    open_listing = Signal(int)
    sync_requested = Signal()
    attention_changed = Signal(int)  # listings needing the seller, for the navigation badge

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        model: SyncBoardModel,
        *,
        photos: PhotoStore,
        posting_folder: Path,
        open_url: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__()
        self.setObjectName("sync-view")
        self.runner, self.new_uow = runner, new_uow
        self.model = model
        # Owned by the view, so it goes with it on the GUI thread: a model left to Python's cycle
        # collector could be destroyed on a worker thread, timer and all.
        model.setParent(self)
        self._wanted: tuple[int, str | None] | None = None  # (listing id, platform) to select again
        self.cell_actions = SyncActions(
            runner, new_uow, model, self, photos=photos, posting_folder=posting_folder, open_url=open_url
        )
        self.cell_actions.open_listing.connect(self.open_listing)
        self.cell_actions.message.connect(self.show_message)
        self._build_filters()
        self._build_table()
        self._lay_out()
        model.counts_changed.connect(self._show_counts)
        model.load_failed.connect(self.show_offline)
        model.loaded.connect(self._loaded)
        model.dataChanged.connect(self._update_actions)
        model.modelReset.connect(self._update_actions)

    def _build_filters(self) -> None:
        self.attention = QCheckBox("Needs attention")
        self.attention.setToolTip("Only listings with a failed, cancelling or by-hand platform")
        self.attention.toggled.connect(self.apply_filter)
        self.platform = QComboBox()
        self.platform.addItem("All platforms", None)
        for name, rules in PLATFORMS.items():
            self.platform.addItem(rules.label, name)
        self.platform.currentIndexChanged.connect(self.apply_filter)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title or SKU (3+ letters)")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.summary = QLabel(summary_text(0, 0))
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Run a sync pass now instead of waiting for the next one")
        self.sync_button.clicked.connect(self.sync_requested)

    def _build_table(self) -> None:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(self._double_clicked)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never ResizeToContents: it reads every row
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        vertical.hide()
        header = self.table.horizontalHeader()
        header.setDefaultSectionSize(PLATFORM_COLUMN_WIDTH)
        self.model.modelReset.connect(self._size_columns)
        self._size_columns()
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.toolbar = QToolBar("Sync actions")
        for position, group in enumerate(ACTION_GROUPS):
            if position:
                self.toolbar.addSeparator()
            for name in group:
                self.toolbar.addAction(self.cell_actions.actions[name])
        self.empty = QLabel("")
        self.empty.setWordWrap(True)
        self.empty.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.offline = OfflineBanner()
        self.offline.retry.connect(self.refresh)

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.attention)
        filters.addWidget(self.platform)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.summary)
        filters.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.offline)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    # ----- loading ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.model.board_filter = self.current_filter()
        self.model.reload()

    def current_filter(self) -> BoardFilter:
        return BoardFilter(self.attention.isChecked(), self.platform.currentData(), self.search.text())

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())

    def list_listing(self, listing_id: int) -> None:
        """List on platforms a listing chosen elsewhere (the listings view), also its first platform."""
        new_uow = self.new_uow

        def work() -> BoardRow:
            with new_uow() as uow:
                return row_for_listing(uow, listing_id)

        self.runner.run(
            work,
            on_done=self.cell_actions.ask_list_on,
            on_error=lambda error: self.show_message(describe_failure(error), True),
            label="Reading the listing",
            owner=self,
        )

    @Slot()
    def refresh(self) -> None:
        """Read the board again (after a sync pass), keeping the selected cell selected."""
        self._remember_selection()
        self.model.refresh()

    def _show_counts(self, attention: int, scheduled: int) -> None:
        self.summary.setText(summary_text(attention, scheduled))
        self.attention_changed.emit(attention)

    def show_offline(self, error: BaseException) -> None:
        self.offline.show_error(error)

    def _loaded(self) -> None:
        self.offline.hide()
        self._show_empty()
        self._restore_selection()
        self._update_actions()

    def _show_empty(self) -> None:
        nothing = self.model.rowCount() == 0 and not self.model.canFetchMore(QModelIndex())
        filtered = self.model.board_filter.arguments() != BoardFilter().arguments()
        self.empty.setText(
            "No listing matches these filters."
            if filtered
            else "No listing is on a marketplace yet: listings show here once they are listed on one."
        )
        self.empty.setVisible(nothing)

    def show_message(self, text: str, problem: bool = False) -> None:
        self.message.setStyleSheet(MESSAGE_STYLES[problem])
        self.message.setText(text)

    # ----- selection ------------------------------------------------------------------------------------
    def select_cell(self, listing_id: int, platform: str | None = None) -> bool:
        """Make this listing's cell (or its title, without a platform) the current one."""
        row = self.model.row_of(listing_id)
        column = self.model.column_of(platform) if platform else TITLE
        if row is None or column is None:
            return False
        self.table.setCurrentIndex(self.model.index(row, column))
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._remember_selection()
        self._update_actions()

    def _remember_selection(self) -> None:
        index = self.table.currentIndex()
        row = self.model.board_row(index.row()) if index.isValid() else None
        if row is not None:
            self._wanted = (row.listing_id, self.model.platform_of(index.column()))

    def _restore_selection(self) -> None:
        index = self.table.currentIndex()
        row = self.model.board_row(index.row()) if index.isValid() else None
        if self._wanted is None or (row is not None and row.listing_id == self._wanted[0]):
            return
        if not self.select_cell(*self._wanted):
            self.table.selectionModel().clear()  # it left the filter: select nothing rather than a neighbour

    def _update_actions(self) -> None:
        index = self.table.currentIndex()
        row = self.model.board_row(index.row()) if index.isValid() else None
        cell = self.model.cell_at(index) if index.isValid() else None
        self.cell_actions.select(row, cell)

    def _double_clicked(self, index: QModelIndex) -> None:
        row = self.model.board_row(index.row())
        if row is not None:
            self.open_listing.emit(row.listing_id)

    def _context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        self.table.setCurrentIndex(index)
        menu = QMenu(self)
        for group in ACTION_GROUPS:
            menu.addSeparator()
            for name in group:
                menu.addAction(self.cell_actions.actions[name])
        menu.popup(self.table.viewport().mapToGlobal(position))

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
