"""“Mark as sold”: which platform, for how much, when; the profit is shown as it is typed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.money import format_money, parse_money
from reseller_desktop.domain.records import ListingRecord

COMMON_PLATFORMS = (
    "ebay",
    "etsy",
    "poshmark",
    "mercari",
    "depop",
    "grailed",
    "vinted",
    "facebook",
    "whatnot",
    "in person",
)


class SoldDialog(QDialog):
    def __init__(self, listing: ListingRecord, platforms: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark as sold")
        self._cost = listing.cost
        self.platform = QComboBox()
        self.platform.setEditable(True)
        self.platform.addItems(list(dict.fromkeys([*platforms, *COMMON_PLATFORMS])))
        self.price = QLineEdit(str(listing.price))
        self.sold_at = QDateTimeEdit(QDateTime.currentDateTime())
        self.sold_at.setCalendarPopup(True)
        self.profit = QLabel("")
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Mark as sold")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        units = listing.quantity or 1
        note = (
            "the last unit: every other platform is delisted after the cooldown"
            if units == 1
            else f"1 of {units} units"
        )
        form.addRow(QLabel(f"“{listing.title}” — {note}"))
        form.addRow("Sold on", self.platform)
        form.addRow("Sale price", self.price)
        form.addRow("Sold at", self.sold_at)
        form.addRow("Profit", self.profit)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.price.textChanged.connect(self._update_profit)
        self._update_profit()

    def sale_price(self) -> Decimal:
        return parse_money(self.price.text(), "sold_price")

    def sold_at_utc(self) -> datetime:
        local = self.sold_at.dateTime().toPython()
        assert isinstance(local, datetime)
        return local.astimezone(UTC).replace(tzinfo=None)

    def _update_profit(self) -> None:
        try:
            price = self.sale_price()
        except ValidationError as exc:
            self.profit.setText("")
            self.error.setText(exc.errors[0].message)
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.error.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.profit.setText(format_money(price - self._cost) if self._cost is not None else "no cost recorded")
        self.profit.setAlignment(Qt.AlignmentFlag.AlignLeft)

    def _accept_if_valid(self) -> None:
        if not self.platform.currentText().strip():
            self.error.setText("Choose the platform it sold on.")
            return
        self.accept()
