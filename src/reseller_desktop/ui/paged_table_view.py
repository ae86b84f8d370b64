"""The table of a lazy, database-sorted model (listings, cards) as a page shows it, and the pause a
page waits for after typing before it searches."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QAbstractItemModel, QObject, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QTableView

SEARCH_DEBOUNCE_MS = 250


def paged_table(
    model: QAbstractItemModel,
    *,
    row_height: int,
    column_widths: Mapping[int, int],
    sort_column: int,
    sort_order: Qt.SortOrder = Qt.SortOrder.DescendingOrder,
) -> QTableView:
    """A table whose header sorts by asking the model (the database sorts), whole rows selected."""
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, sort_order)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never ResizeToContents: it reads every row
    vertical.setDefaultSectionSize(row_height)
    vertical.hide()
    header = table.horizontalHeader()
    for column, width in column_widths.items():
        header.resizeSection(column, width)
    return table


def selected_rows(table: QTableView) -> list[int]:
    """The selected rows, top to bottom."""
    return sorted({index.row() for index in table.selectionModel().selectedRows()})


def search_debounce(parent: QObject, apply: Callable[[], None], interval_ms: int = SEARCH_DEBOUNCE_MS) -> QTimer:
    """A timer that calls `apply` once typing pauses: (re)start it on each key."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(apply)
    return timer
