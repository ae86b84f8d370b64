"""The notifications view: sales, errors and warnings, newest first, read and unread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.records import NotificationRecord
from reseller_desktop.domain.vocabulary import NOTIFICATION_TYPES
from reseller_desktop.repositories.notifications import NotificationRepository
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.notifications_model import (
    MESSAGE,
    PLATFORM,
    TIME,
    TITLE,
    TYPE,
    NotificationFilter,
    NotificationPage,
    NotificationsModel,
    UnitOfWorkFactory,
    load_notifications,
)
from reseller_desktop.ui.tasks import TaskRunner

COLUMN_WIDTHS = {TYPE: 90, TITLE: 260, PLATFORM: 110, TIME: 130}


class NotificationsView(QWidget):
    open_listing = Signal(int)
    unread_changed = Signal(int)  # for the navigation badge

    def __init__(self, runner: TaskRunner, new_uow: UnitOfWorkFactory) -> None:
        super().__init__()
        self.setObjectName("notifications-view")
        self._runner = runner
        self._new_uow = new_uow
        self.model = NotificationsModel(self)
        self.unread = 0
        self._asked = 0  # an answer to an older request that arrives late is dropped
        self._selected_id: int | None = None

        self.unread_only = QCheckBox("Unread only")
        self.unread_only.toggled.connect(self.refresh)
        self.type = QComboBox()
        self.type.addItem("All types", None)
        for kind in NOTIFICATION_TYPES:
            self.type.addItem(kind.capitalize(), kind)
        self.type.currentIndexChanged.connect(self.refresh)
        self.summary = QLabel("")
        self.mark_read_button = QPushButton("Mark read")
        self.mark_read_button.clicked.connect(self.mark_selected_read)
        self.mark_all_button = QPushButton("Mark all read")
        self.mark_all_button.clicked.connect(self.mark_all_read)
        self.open_button = QPushButton("Open listing")
        self.open_button.clicked.connect(self.open_selected)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.message = QLabel("")
        self._problem_shown = False
        self.message.setWordWrap(True)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column, width in COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        filters = QHBoxLayout()
        filters.addWidget(self.unread_only)
        filters.addWidget(self.type)
        filters.addWidget(self.summary, 1)
        filters.addWidget(self.refresh_button)
        actions = QHBoxLayout()
        for button in (self.mark_read_button, self.mark_all_button, self.open_button):
            actions.addWidget(button)
        actions.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self._update_buttons()

    # ----- loading ------------------------------------------------------------------------------------
    def current_filter(self) -> NotificationFilter:
        return NotificationFilter(self.unread_only.isChecked(), self.type.currentData())

    @Slot()
    def refresh(self) -> None:
        """Read the newest notifications again, keeping the selected one selected."""
        self._asked += 1
        asked, new_uow, wanted = self._asked, self._new_uow, self.current_filter()
        self._runner.run(
            lambda: load_notifications(new_uow, wanted),
            on_done=lambda page: self._arrived(page) if asked == self._asked else None,
            on_error=self._failed,
            label="Loading notifications",
            owner=self,
        )

    def _arrived(self, page: NotificationPage) -> None:
        if self._problem_shown:  # an earlier problem is over once a page has arrived; a confirmation stays
            self._say("")
        keep = self._selected_id
        self.model.set_records(page.records)
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.table.selectRow(row)
        self._set_unread(page.unread)
        shown = len(page.records)
        self.summary.setText(f"{shown} shown · {page.unread} unread")
        self._update_buttons()

    def _set_unread(self, unread: int) -> None:
        self.unread = unread
        self.unread_changed.emit(unread)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.setText(text)
        self._problem_shown = problem

    def _failed(self, error: BaseException) -> None:
        self._say(describe_failure(error), problem=True)
        self._update_buttons()

    # ----- actions ------------------------------------------------------------------------------------
    def selected(self) -> NotificationRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def mark_selected_read(self) -> None:
        record = self.selected()
        if record is not None and not record.is_read:
            self._mark_read(record)

    def _mark_read(self, record: NotificationRecord) -> None:
        self._asked += 1  # a page read before this mark is stale: drop it (the mark refreshes after)
        self.model.mark_read_locally({record.id})
        self._update_buttons()
        self._mark(lambda repository: repository.mark_read(record.id), self._marked)

    def mark_all_read(self) -> None:
        self.mark_all_button.setEnabled(False)
        self._mark(lambda repository: repository.mark_all_read(), self._marked_all)

    def _mark(self, change: Callable[[NotificationRepository], object], on_done: Callable[[int], None]) -> None:
        """Mark read in the database, then the unread count; on failure, show what the database holds."""
        new_uow = self._new_uow

        def work() -> int:
            with new_uow() as uow:
                change(uow.notifications)
                uow.commit()
                return uow.notifications.unread_count()

        self._runner.run(work, on_done=on_done, on_error=self._mark_failed, label="Marking read", owner=self)

    def _mark_failed(self, error: BaseException) -> None:
        self._failed(error)
        self.refresh()  # the rows shown read a moment ago may still be unread

    def _marked(self, unread: int) -> None:
        self._set_unread(unread)
        self._say("")
        self.summary.setText(f"{self.model.rowCount()} shown · {unread} unread")
        self._update_buttons()
        self.refresh()  # what the database holds now (under "unread only", the read one leaves the list)

    def _marked_all(self, unread: int) -> None:
        self._set_unread(unread)
        self._say("Every notification is marked read.")
        self.refresh()

    def open_selected(self) -> None:
        record = self.selected()
        if record is not None:
            self._open(record)

    def _double_clicked(self, index: QModelIndex) -> None:
        record = self.model.record(index.row())
        if record is not None:
            self._open(record)

    def _open(self, record: NotificationRecord) -> None:
        if record.listing_id is None:
            self._say("This notification is not about one listing.")
            return
        self.open_listing.emit(record.listing_id)
        if not record.is_read:
            self._mark_read(record)  # opened: the seller has seen it

    def _selection_changed(self) -> None:
        record = self.selected()
        if record is not None:
            self._selected_id = record.id
        self._update_buttons()

    def _update_buttons(self) -> None:
        record = self.selected()
        self.mark_read_button.setEnabled(record is not None and not record.is_read)
        self.open_button.setEnabled(record is not None and record.listing_id is not None)
        self.mark_all_button.setEnabled(self.unread > 0)
