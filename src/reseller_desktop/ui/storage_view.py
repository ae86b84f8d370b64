"""The Storage page: bins and sections as a tree, what the selected one holds, and moving things.

Items move by dragging contents rows onto a bin or section, by "Move selected to…", or in a
put-away session. A move the database refuses (a full section, a record gone) is shown in the page's
message line and nothing moves. "Removed (sold)" lists what left the shelf when its listing sold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.records import StoredThing
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.services import storage_browser as browser
from reseller_desktop.services.labels import LabelTargets
from reseller_desktop.settings import Settings
from reseller_desktop.ui.audit_dialog import AuditDialog
from reseller_desktop.ui.offline_banner import OfflineBanner
from reseller_desktop.ui.put_away_dialog import PutAwayDialog
from reseller_desktop.ui.scan_session_dialog import ScanSessionDialog
from reseller_desktop.ui.storage_changes import StorageChanges
from reseller_desktop.ui.storage_contents_model import TITLE, StorageContentsModel
from reseller_desktop.ui.storage_model import NAME, StorageTreeModel, UnitOfWorkFactory
from reseller_desktop.ui.tasks import TaskRunner

Session = TypeVar("Session", bound=ScanSessionDialog)
TREE_MIN_WIDTH = 380
RELOAD_COALESCE_MS = 200  # a scanner's quick moves reload the page once, not once per scan


class StorageView(StorageChanges):
    labels_requested = Signal(object)  # LabelTargets: the lead's label dialog prints them

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        parent: QWidget | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("storage-view")
        self._runner = runner
        self._new_uow = new_uow
        self._settings = settings or Settings()
        self.tree_model = StorageTreeModel(runner, new_uow)
        self.contents_model = StorageContentsModel()
        self.shown = None
        self._place: ScanTarget | None = None  # chosen in the tree; chosen again after a reload
        self._contents_asked = 0
        self._select_when_loaded: list[int] = []  # a scanned item, selected when its place has loaded
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_COALESCE_MS)
        self._reload_timer.timeout.connect(self.refresh)
        self._build()
        self.tree_model.loaded.connect(self._tree_loaded)
        self.tree_model.load_failed.connect(self.offline.show_error)
        self.tree_model.items_dropped.connect(lambda ids, target: self.move_items(ids, target, via="drag"))
        self.refresh()

    # ----- building -----------------------------------------------------------------------------------
    def _button(self, text: str, slot: Callable[[], Any], tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build(self) -> None:
        self.new_bin_button = self._button("New bin…", self.ask_new_bin)
        self.new_section_button = self._button("New section…", self.ask_new_section)
        self.rename_button = self._button("Rename…", self.ask_rename)
        self.capacity_button = self._button("Capacity…", self.ask_capacity)
        self.delete_button = self._button("Delete", self.ask_delete, "Delete the selected empty bin or section")
        self.move_button = self._button("Move selected to…", self.ask_move, "Move the selected items")
        self.labels_button = self._button("Print labels…", self.request_labels)
        self.put_away_button = self._button("Put away…", self.open_put_away, "Scan a place, then items to put there")
        self.audit_button = self._button("Audit…", self.open_audit, "Scan everything in a section to check it")
        self.removed_button = self._button("Removed (sold)", self._place_chosen)
        self.removed_button.setCheckable(True)
        self.removed_button.setToolTip("Items that left the shelf when their listing sold, with where they were")
        self.message = QLabel("")
        self.message.setObjectName("storage-message")
        self.message.setWordWrap(True)
        self.offline = OfflineBanner()
        self.offline.retry.connect(self.refresh)
        self._build_tree()
        self._build_table()
        self._lay_out()
        self._update_buttons()

    def _build_tree(self) -> None:
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAcceptDrops(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.tree.setDropIndicatorShown(True)
        # Drops land on a bin or section, never between two rows (the tree is ordered by name).
        self.tree.setDragDropOverwriteMode(True)
        self.tree.header().setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.selectionModel().currentChanged.connect(lambda _now, _before: self._place_chosen())

    def _build_table(self) -> None:
        self.contents_title = QLabel("")
        self.table = QTableView()
        self.table.setModel(self.contents_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

    def _lay_out(self) -> None:
        toolbar = QHBoxLayout()
        for button in (
            self.new_bin_button,
            self.new_section_button,
            self.rename_button,
            self.capacity_button,
            self.delete_button,
            self.move_button,
            self.labels_button,
            self.put_away_button,
            self.audit_button,
        ):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        toolbar.addWidget(self.removed_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.contents_title)
        right_layout.addWidget(self.table, 1)
        splitter = QSplitter()
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        self.tree.setMinimumWidth(TREE_MIN_WIDTH)  # names, and four count columns
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.offline)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    # ----- what is shown ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the tree again, then what the selected place holds (after any change, here or elsewhere)."""
        self._reload_timer.stop()
        self.tree_model.reload()

    def refresh_soon(self) -> None:
        self._reload_timer.start()

    def selected_target(self) -> ScanTarget | None:
        return self.tree_model.target(self.tree.currentIndex())

    def select(self, target: ScanTarget) -> None:
        index = self.tree_model.index_of(target)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def selected_item_ids(self) -> list[int]:
        return self.contents_model.item_ids([i.row() for i in self.table.selectionModel().selectedRows()])

    def select_items_when_loaded(self, storage_item_ids: Sequence[int]) -> None:
        """Select these items once the place just chosen has loaded (now, if it is already shown)."""
        self._select_when_loaded = list(storage_item_ids)
        self.select_items(storage_item_ids)

    def select_items(self, storage_item_ids: Sequence[int]) -> None:
        """Select these rows of the contents table (tests and callers that point at items)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        for item_id in storage_item_ids:
            row = self.contents_model.row_of(item_id)
            if row is not None:
                selection.select(
                    self.contents_model.index(row, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )

    def _tree_loaded(self) -> None:
        self.offline.hide()
        self.tree.expandAll()
        for column in range(1, self.tree_model.columnCount()):
            self.tree.resizeColumnToContents(column)
        if self._place is not None:
            self.select(self._place)  # the same place again (by id: a rename changed its path)
        if self.selected_target() is None and self.tree_model.rowCount():
            self.tree.setCurrentIndex(self.tree_model.index(0, NAME))
        self._place_chosen()

    def _place_chosen(self) -> None:
        target = self.selected_target()
        self._place = target or self._place  # a reload clears the tree's choice for a moment
        self._load_contents(None if self.removed_button.isChecked() else target)
        self._update_buttons()

    def _load_contents(self, target: ScanTarget | None) -> None:
        self._contents_asked += 1
        asked, new_uow = self._contents_asked, self._new_uow
        self.shown = target
        removed = target is None and self.removed_button.isChecked()
        if target is None and not removed:
            self.contents_model.set_rows([])
            self.contents_title.setText("Make a bin to start: New bin…")
            return

        def load() -> list[StoredThing]:
            return browser.load_removed(new_uow) if target is None else browser.load_contents(new_uow, target)

        self._runner.run(
            load,
            on_done=lambda rows: self._contents_arrived(asked, target, rows),
            on_error=lambda error: self._show_error(error) if asked == self._contents_asked else None,
            label="Loading storage contents",
            owner=self,
        )

    def _contents_arrived(self, asked: int, target: ScanTarget | None, rows: list[StoredThing]) -> None:
        if asked != self._contents_asked:
            return  # another place was chosen meanwhile
        self.contents_model.set_rows(rows, draggable=target is not None)
        if self._select_when_loaded:
            self.select_items(self._select_when_loaded)
            self._select_when_loaded = []
        if target is None:
            self.contents_title.setText(f"Removed (sold): {len(rows)} item(s), with where they were")
        elif target.section_id is None:
            self.contents_title.setText(f"{target.path}: {len(rows)} item(s) loose in the bin")
        else:
            self.contents_title.setText(f"{target.path}: {len(rows)} item(s)")
        self._update_buttons()

    def _update_buttons(self) -> None:
        target = self.selected_target()
        has_place = target is not None
        self.new_section_button.setEnabled(bool(self.tree_model.rowCount()))
        for button in (self.rename_button, self.delete_button):
            button.setEnabled(has_place)
        self.capacity_button.setEnabled(target is not None and target.section_id is not None)
        movable = self.shown is not None and bool(self.table.selectionModel().selectedRows())
        self.move_button.setEnabled(movable)
        self.labels_button.setEnabled(has_place or movable)

    # ----- labels and scan sessions -------------------------------------------------------------------
    def request_labels(self) -> None:
        ids, target = self.selected_item_ids(), self.selected_target()
        if ids:
            self.labels_requested.emit(LabelTargets(item_ids=tuple(ids)))
        elif target is not None and target.section_id is not None:
            self.labels_requested.emit(LabelTargets(section_ids=(target.section_id,)))
        elif target is not None:
            self.labels_requested.emit(LabelTargets(bin_ids=(target.bin_id,)))

    def open_put_away(self) -> PutAwayDialog:
        return self._open_session(
            PutAwayDialog(self._runner, self._new_uow, self._settings, self.selected_target(), self)
        )

    def open_audit(self) -> AuditDialog:
        target = None if self.removed_button.isChecked() else self.selected_target()
        return self._open_session(AuditDialog(self._runner, self._new_uow, self._settings, target, self))

    def _open_session(self, dialog: Session) -> Session:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.refresh_soon)
        dialog.finished.connect(lambda _result: self.refresh())
        dialog.open()
        return dialog
