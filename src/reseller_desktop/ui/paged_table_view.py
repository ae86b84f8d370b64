"""The table of a lazy, database-sorted model (listings, cards) as a page shows it, the delegate
that paints its cells, and the pause a page waits for after typing before it searches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QFontMetrics, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from reseller_desktop.ui.paged_table_model import DECORATION_ROLE, FONT_ROLE, FOREGROUND_ROLE, PagedTableModel

SEARCH_DEBOUNCE_MS = 250
_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_HAS_DECORATION = QStyleOptionViewItem.ViewItemFeature.HasDecoration
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_TEXT = QPalette.ColorRole.Text


class PagedCellDelegate(QStyledItemDelegate):
    """Fills each cell's style option straight from the model's row: one Python call a cell.

    Qt's own delegate asks the model for seven roles of every cell it paints, each a call through
    the binding; a screenful of the listings table is about a thousand of them, most of a paint's
    time. What a cell looks like still comes from the model (text, colour, font, cover), as data()
    says it for everything else that reads the model.
    """

    def __init__(self, model: PagedTableModel[Any, Any, Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        model, column = self._model, index.column()
        if isinstance(index, QModelIndex):
            option.index = index  # as Qt's own delegate does: a style may look at it
        row = model.row_for_paint(index.row())
        text = model.cell_text(row, column)
        if text:
            option.text = text
            option.features |= _HAS_DISPLAY
        if row is None:
            return
        if model.columns[column].numeric:
            option.displayAlignment = _RIGHT
        colour = model.cell_style(row, column, FOREGROUND_ROLE)
        if colour is not None:
            palette = option.palette  # a copy: changed, then put back
            palette.setBrush(_TEXT, QBrush(colour))
            option.palette = palette
        font = model.cell_style(row, column, FONT_ROLE)
        if font is not None:
            option.font = font
            option.fontMetrics = QFontMetrics(font)
        picture = model.cell_style(row, column, DECORATION_ROLE)
        if isinstance(picture, QPixmap) and not picture.isNull():
            option.icon = QIcon(picture)
            option.decorationSize = picture.deviceIndependentSize().toSize()
            option.features |= _HAS_DECORATION


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
    if isinstance(model, PagedTableModel):
        table.setItemDelegate(PagedCellDelegate(model, table))
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, sort_order)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    # Always there: a scroll bar appearing with the first page would lay the table out and paint
    # every cell a second time.
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
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
