"""A line chart of value over time (Qt Charts): one card's estimated value, or the collection's total
per day, and the panel that loads it on the task runner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDate, QDateTime, QMargins, Qt, QTime, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from reseller_desktop.db.errors import QueryTimeoutError
from reseller_desktop.services.card_collection import (
    UnitOfWorkFactory,
    ValueHistory,
    load_card_history,
    load_collection_history,
)
from reseller_desktop.ui.tasks import TaskRunner

LINE_COLOUR = "#2563eb"
RANGES = (("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365), ("All time", None))
Point = tuple[date, Decimal]
COLLECTION_HINT = "The whole collection's value per day; select one card to see its own."
ONE_CARD_HINT = "The selected card's estimated value, on each day it was set."


def _msecs(day: date) -> float:
    return float(QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch())


def _day(msecs: float) -> date:
    qdate = QDateTime.fromMSecsSinceEpoch(int(msecs)).date()
    return date(qdate.year(), qdate.month(), qdate.day())


class ValueChart(QChartView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        chart = QChart()
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        self.series = QLineSeries()
        pen = QPen(QColor(LINE_COLOUR))
        pen.setWidth(2)
        self.series.setPen(pen)
        chart.addSeries(self.series)
        self.days = QDateTimeAxis()
        self.days.setFormat("MMM d, yyyy")
        self.days.setTickCount(5)
        self.amounts = QValueAxis()
        self.amounts.setLabelFormat("$%.0f")
        self.amounts.setTickCount(5)
        chart.addAxis(self.days, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.amounts, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.days)
        self.series.attachAxis(self.amounts)
        self.setChart(chart)
        self.show_history("Value history", [])

    def show_history(self, title: str, points: Sequence[Point]) -> None:
        """Draw these (day, value) points; with none, say there is no history yet."""
        chart = self.chart()
        ordered = sorted(points)
        self.series.clear()
        for day, value in ordered:
            self.series.append(_msecs(day), float(value))
        # Markers where a card's value was set; a daily total is a plain line.
        self.series.setPointsVisible(0 < len(ordered) <= 60)
        if not ordered:
            self.show_message(f"{title}: no values recorded yet")
            return
        chart.setTitle(title)
        self.days.show()
        self.amounts.show()
        first, last = ordered[0][0], ordered[-1][0]
        if first == last:  # one point: a day either side so the axis has a width
            first, last = first - timedelta(days=1), last + timedelta(days=1)
        self.days.setRange(
            QDateTime.fromMSecsSinceEpoch(int(_msecs(first))), QDateTime.fromMSecsSinceEpoch(int(_msecs(last)))
        )
        low = min(float(v) for _d, v in ordered)
        high = max(float(v) for _d, v in ordered)
        padding = max((high - low) * 0.1, high * 0.05, 1.0)
        self.amounts.setRange(max(low - padding, 0.0), high + padding)
        self.amounts.applyNiceNumbers()  # ticks on round amounts

    def show_message(self, text: str) -> None:
        """No line, only this text where the title goes."""
        self.series.clear()
        self.chart().setTitle(text)
        self.days.hide()
        self.amounts.hide()

    def points(self) -> list[Point]:
        """What the chart draws, as (day, value) with the value to the cent."""
        return [(_day(p.x()), Decimal(f"{p.y():.2f}")) for p in self.series.points()]

    def title(self) -> str:
        return self.chart().title()


class ValueHistoryPanel(QWidget):
    """The chart with its range choice: one card's values when one card is chosen, else the
    collection's total per day over the chosen range."""

    failed = Signal(object)  # the exception, for the page's offline banner

    def __init__(self, runner: TaskRunner, new_uow: UnitOfWorkFactory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._new_uow = new_uow
        self._asked = 0
        self._card_ids: list[int] = []
        self.chart = ValueChart()
        self.range = QComboBox()
        for label, days in RANGES:
            self.range.addItem(label, days)
        self.range.setCurrentIndex(1)  # 90 days: quick however large the collection
        self.range.currentIndexChanged.connect(self.refresh)
        self.hint = QLabel(COLLECTION_HINT)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.range)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.chart, 1)

    def show_for(self, card_ids: list[int]) -> None:
        self._card_ids = list(card_ids)
        self.refresh()

    def refresh(self) -> None:
        self._asked += 1
        asked, new_uow, card_ids, days = self._asked, self._new_uow, self._card_ids, self.range.currentData()

        def work() -> ValueHistory:
            if len(card_ids) == 1:
                return load_card_history(new_uow, card_ids[0])
            return load_collection_history(new_uow, days)

        self.range.setEnabled(len(card_ids) != 1)
        self.hint.setText(ONE_CARD_HINT if len(card_ids) == 1 else COLLECTION_HINT)
        self._runner.run(
            work,
            on_done=lambda history: self._show(history) if asked == self._asked else None,
            on_error=lambda error: self._failed(asked, error),
            label="Reading value history",
            owner=self,
        )

    def _show(self, history: ValueHistory) -> None:
        self.chart.show_history(history.title, list(history.points))

    def _failed(self, asked: int, error: BaseException) -> None:
        if asked != self._asked:
            return
        if isinstance(error, QueryTimeoutError):  # a long history over a long range: say what helps
            self.chart.show_message("Too much history to add up within the time limit; choose a shorter range.")
            return
        self.failed.emit(error)
