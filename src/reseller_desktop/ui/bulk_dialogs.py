"""Small dialogs that ask what a bulk change should be."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.money import parse_money
from reseller_desktop.services.listing_bulk import BulkChange


class PriceDialog(QDialog):
    """Set every selected price, or change them all by a percentage."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change price")
        self.set_to = QRadioButton("Set to")
        self.by_percent = QRadioButton("Change by %")
        group = QButtonGroup(self)
        group.addButton(self.set_to)
        group.addButton(self.by_percent)
        self.set_to.setChecked(True)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("24.99")
        self.percent = QDoubleSpinBox()
        self.percent.setRange(-100, 1000)
        self.percent.setSuffix(" %")
        self.percent.setValue(-10)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"{count} listing(s) selected"))
        form.addRow(self.set_to, self.amount)
        form.addRow(self.by_percent, self.percent)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.change: BulkChange | None = None

    def _accept_if_valid(self) -> None:
        if self.by_percent.isChecked():
            self.change = BulkChange("price_percent", f"{self.percent.value():.2f}")
        else:
            try:
                self.change = BulkChange("price", str(parse_money(self.amount.text())))
            except ValidationError as exc:
                self.error.setText(exc.errors[0].message)
                return
        self.accept()


class LocationDialog(QDialog):
    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Storage location")
        self.location = QLineEdit()
        self.location.setPlaceholderText("B1, C2, Shelf-3 … (empty clears it)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Move {count} listing(s) to"))
        form.addRow("Location", self.location)
        form.addRow(buttons)

    @property
    def change(self) -> BulkChange:
        return BulkChange("storage_location", self.location.text().strip())
