"""The listing editor: every field of a listing, checked as it is typed, saved only when valid.

Loading and saving run on the task runner. Unsaved changes are never dropped silently: closing
asks. A listing changed elsewhere since it was opened is not overwritten without asking.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.barcodes import is_valid_gtin
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.item_attributes import fields_for, label
from reseller_desktop.domain.listing_rules import listing_errors
from reseller_desktop.domain.listing_status import TRANSITIONS
from reseller_desktop.domain.money import format_money, parse_money
from reseller_desktop.domain.records import ListingRecord
from reseller_desktop.domain.vocabulary import CONDITIONS, ITEM_TYPES, TITLE_MAX_CHARS
from reseller_desktop.repositories.listings import StaleListingError
from reseller_desktop.services.sales import SaleOutcome, record_sale_by_hand
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.listings_model import UnitOfWorkFactory
from reseller_desktop.ui.sold_dialog import SoldDialog
from reseller_desktop.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020"


def upc_error(text: str) -> str | None:
    code = text.strip()
    if not code:
        return None
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return "A UPC/EAN has 8, 12, 13 or 14 digits."
    if not is_valid_gtin(code):
        return "The check digit is wrong: probably a typo or a misread."
    return None


class ListingEditor(QDialog):
    saved = Signal(object)  # ListingRecord, after every successful save or sale
    closed = Signal()  # the seller closed it (after any question about unsaved changes)

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        listing_id: int | None = None,
        *,
        upc: str = "",
        cooldown_minutes: int = 15,
        photo_strip: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._new_uow = new_uow
        self._cooldown = timedelta(minutes=cooldown_minutes)
        self.record: ListingRecord | None = None
        self._saved_values: dict[str, Any] = {}
        self._attribute_edits: dict[str, QLineEdit] = {}
        self._kept_attributes: dict[str, Any] = {}
        self.photo_strip = photo_strip
        self._busy = False
        self._build()
        self.setWindowTitle("New listing" if listing_id is None else "Edit listing")
        self.resize(760, 720)
        if listing_id is None:
            self.upc.setText(upc)
            self._show(None)
        else:
            self._set_busy(True, "Loading…")
            self._runner.run(
                lambda: self._load(listing_id), on_done=self._show, on_error=self._failed, label="Opening", owner=self
            )

    # ----- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLineEdit()
        self.title_counter = QLabel(f"0/{TITLE_MAX_CHARS}")
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(120)
        self.price, self.cost = QLineEdit(), QLineEdit()
        self.price.setPlaceholderText("0.00")
        self.condition = QComboBox()
        self.condition.addItem("", None)
        for value in CONDITIONS:
            self.condition.addItem(value.replace("_", " "), value)
        self.category = QLineEdit()
        self.item_type = QComboBox()
        self.item_type.setEditable(True)
        self.item_type.addItems(list(ITEM_TYPES))
        self.quantity = QSpinBox()
        self.quantity.setRange(0, 1_000_000)
        self.quantity.setValue(1)
        self.storage_location = QLineEdit()
        self.storage_location.setPlaceholderText("B1, C2, Shelf-3")
        self.sku = QLineEdit()
        self.sku.setPlaceholderText("made for you when empty")
        self.upc = QLineEdit()
        self.status = QComboBox()
        self.profit = QLabel("")
        fields_with_errors = ("title", "price", "cost", "quantity", "storage_location", "upc", "status", "sold_price")
        self.errors = {name: QLabel("") for name in fields_with_errors}
        for error in self.errors.values():
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
        self.attributes_box = QGroupBox("Attributes")
        self.attributes_form = QFormLayout(self.attributes_box)
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.title_counter)
        rows: list[tuple[str, Any, str | None]] = [
            ("Title", title_row, "title"),
            ("Description", self.description, None),
            ("Price", self.price, "price"),
            ("Cost", self.cost, "cost"),
            ("Profit", self.profit, None),
            ("Condition", self.condition, None),
            ("Category", self.category, None),
            ("Item type", self.item_type, None),
            ("Quantity", self.quantity, "quantity"),
            ("Storage location", self.storage_location, "storage_location"),
            ("SKU", self.sku, None),
            ("UPC / EAN", self.upc, "upc"),
            ("Status", self.status, "status"),
        ]
        for caption, widget, error_field in rows:
            form.addRow(caption, widget)
            if error_field:
                form.addRow("", self.errors[error_field])
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.sold_button = QPushButton("Mark as sold…")
        self.sold_button.clicked.connect(self.mark_sold)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for button in (self.sold_button, self.save_button, close_button):
            buttons.addWidget(button)
        # Everything the seller can type in; read-only while a save is on its way, so nothing typed
        # meanwhile is overwritten by the saved listing coming back.
        self.fields = QWidget()
        fields_layout = QVBoxLayout(self.fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addLayout(form)
        fields_layout.addWidget(self.attributes_box)
        if self.photo_strip is not None:
            fields_layout.addWidget(self.photo_strip)
            self.photo_strip.photos_changed.connect(self.validate)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addLayout(buttons)

        for line in (self.title, self.price, self.cost, self.category, self.storage_location, self.sku, self.upc):
            line.textChanged.connect(self.validate)
        self.description.textChanged.connect(self.validate)
        self.quantity.valueChanged.connect(self.validate)
        for combo in (self.condition, self.status):
            combo.currentIndexChanged.connect(self.validate)
        self.item_type.currentTextChanged.connect(self._item_type_changed)

    def _item_type_changed(self) -> None:
        self._kept_attributes |= {name: edit.text() for name, edit in self._attribute_edits.items() if edit.text()}
        while self.attributes_form.rowCount():
            self.attributes_form.removeRow(0)
        self._attribute_edits = {}
        for name in fields_for(self.item_type.currentText().strip()):
            edit = QLineEdit(str(self._kept_attributes.get(name, "")))
            edit.textChanged.connect(self.validate)
            self._attribute_edits[name] = edit
            self.attributes_form.addRow(label(name), edit)
        self.attributes_box.setVisible(bool(self._attribute_edits))
        self.validate()

    # ----- values and validation ------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The listing as the form holds it, in the repository's field names."""
        attributes = dict(self._kept_attributes)
        attributes |= {name: edit.text().strip() for name, edit in self._attribute_edits.items()}
        attributes = {k: v for k, v in attributes.items() if v not in ("", None)}
        values: dict[str, Any] = {
            "title": self.title.text(),
            "description": self.description.toPlainText() or None,
            "price": self.price.text().strip(),
            "cost": self.cost.text().strip() or None,
            "condition": self.condition.currentData(),
            "category": self.category.text().strip() or None,
            "item_type": self.item_type.currentText().strip() or None,
            "attributes": attributes or None,
            "quantity": self.quantity.value(),
            "storage_location": self.storage_location.text().strip() or None,
            "sku": self.sku.text().strip() or None,
            "upc": self.upc.text().strip() or None,
            "status": self.status.currentData() or "draft",
        }
        if self.photo_strip is not None:
            values["photos"] = list(self.photo_strip.photos()) or None
        return values

    def field_errors(self) -> list[FieldError]:
        values = self.values()
        errors: list[FieldError] = []
        for name in ("price", "cost"):
            if values[name] is None or (name == "price" and values[name] == ""):
                values[name] = None
                continue
            try:
                values[name] = parse_money(values[name], name)
            except ValidationError as exc:
                errors.extend(exc.errors)
                values[name] = None if name == "cost" else Decimal(0)
        if self.record is not None and self.record.status == "sold":
            values |= {k: getattr(self.record, k) for k in ("sold_platform", "sold_date", "sold_price")}
        errors.extend(e for e in listing_errors(values) if e.field not in {x.field for x in errors})
        if (message := upc_error(self.upc.text())) is not None:
            errors.append(FieldError("upc", message))
        return errors

    def is_dirty(self) -> bool:
        return self.values() != self._saved_values

    def validate(self) -> bool:
        length = len(self.title.text())
        self.title_counter.setText(f"{length}/{TITLE_MAX_CHARS}")
        self.title_counter.setStyleSheet(ERROR_STYLE if length > TITLE_MAX_CHARS else "")
        errors = self.field_errors()
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.message)
        for field, widget in self.errors.items():
            widget.setText(" ".join(by_field.get(field, [])))
            widget.setVisible(field in by_field)
        self._show_profit()
        adding_photos = self.photo_strip is not None and self.photo_strip.is_busy()
        self.save_button.setEnabled(not errors and self.is_dirty() and not adding_photos and not self._busy)
        selling = self.record is not None and self.record.status == "active"
        self.sold_button.setEnabled(selling and not self.is_dirty() and not self._busy)
        return not errors

    def _show_profit(self) -> None:
        try:
            cost = parse_money(self.cost.text()) if self.cost.text().strip() else None
            price = parse_money(self.price.text()) if self.price.text().strip() else None
        except ValidationError:
            self.profit.setText("")
            return
        if self.record is not None and self.record.sold_price is not None:
            price, prefix = self.record.sold_price, "Sold: "
        else:
            prefix = "If sold at this price: "
        self.profit.setText("" if price is None or cost is None else prefix + format_money(price - cost))

    # ----- load, show, save -------------------------------------------------------------------------
    def _load(self, listing_id: int) -> ListingRecord:
        with self._new_uow() as uow:
            return uow.listings.get(listing_id)

    def _show(self, record: ListingRecord | None) -> None:
        self.record = record
        current = record.status if record else "draft"
        self.status.blockSignals(True)
        self.status.clear()
        for status in (current or "draft", *TRANSITIONS.get(current or "draft", ())):
            self.status.addItem(status, status)
        self.status.blockSignals(False)
        if record is not None:
            self.setWindowTitle(f"Edit listing — {record.title}")
            self.title.setText(record.title)
            self.description.setPlainText(record.description or "")
            self.price.setText(str(record.price))
            self.cost.setText("" if record.cost is None else str(record.cost))
            self.condition.setCurrentIndex(max(self.condition.findData(record.condition), 0))
            self.category.setText(record.category or "")
            self._kept_attributes = dict(record.attributes) if isinstance(record.attributes, dict) else {}
            self.item_type.setCurrentText(record.item_type or "general")
            self.quantity.setValue(record.quantity or 0)
            self.storage_location.setText(record.storage_location or "")
            self.sku.setText(record.sku or "")
            self.upc.setText(record.upc or "")
            if self.photo_strip is not None:
                self.photo_strip.set_photos(list(record.photos or []))
        self._item_type_changed()
        self._saved_values = self.values()
        self._set_busy(False, "")
        self.validate()

    def save(self) -> None:
        if not self.validate():
            return
        values = self.values()
        if self.record is None:
            self._submit(None, values, None)
        else:
            changes = {k: v for k, v in values.items() if self._saved_values.get(k) != v}
            self._submit(self.record.id, changes, self.record.updated_at)

    def _submit(self, listing_id: int | None, values: dict[str, Any], expected: Any) -> None:
        new_uow = self._new_uow

        def work() -> ListingRecord:
            with new_uow() as uow:
                if listing_id is None:
                    result = uow.listings.add(values)
                else:
                    result = uow.listings.update(listing_id, values, expected_updated_at=expected)
                uow.commit()
                return result

        self._set_busy(True, "Saving…")
        self._runner.run(work, on_done=self._saved, on_error=self._save_failed, label="Saving the listing", owner=self)

    def _saved(self, record: ListingRecord) -> None:
        self._show(record)  # as stored: a SKU made for an empty field shows now
        self.message.setText("Saved.")
        self.saved.emit(record)

    def _save_failed(self, error: BaseException) -> None:
        self._set_busy(False, "")
        if not isinstance(error, StaleListingError):
            self.message.setText(describe_failure(error))
            self.validate()
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Changed elsewhere", str(error), parent=self)
        reload_button = box.addButton("Reload theirs", QMessageBox.ButtonRole.DestructiveRole)
        keep_button = box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is reload_button:
            self._show(error.current)
        elif box.clickedButton() is keep_button:
            # The fields the seller changed win; every other field stays as the other client left it.
            # Only over the version just seen: a further change elsewhere asks again.
            changes = {k: v for k, v in self.values().items() if self._saved_values.get(k) != v}
            self._submit(error.current.id, changes, error.current.updated_at)
        else:
            self.validate()

    # ----- sale -----------------------------------------------------------------------------------
    def mark_sold(self) -> None:
        record = self.record
        if record is None:
            return
        dialog = SoldDialog(record, [], self)
        dialog.accepted.connect(lambda: self._record_sale(record, dialog))
        dialog.open()

    def _record_sale(self, record: ListingRecord, dialog: SoldDialog) -> None:
        platform, price, sold_at = dialog.platform.currentText(), dialog.sale_price(), dialog.sold_at_utc()
        new_uow, cooldown = self._new_uow, self._cooldown

        def work() -> tuple[SaleOutcome, ListingRecord]:
            with new_uow() as uow:
                outcome = record_sale_by_hand(
                    uow, record.id, platform=platform, price=price, sold_at=sold_at, cooldown=cooldown
                )
                uow.commit()
                return outcome, outcome.listing

        self._set_busy(True, "Recording the sale…")
        self._runner.run(work, on_done=self._sold, on_error=self._save_failed, label="Recording the sale", owner=self)

    def _sold(self, result: tuple[SaleOutcome, ListingRecord]) -> None:
        outcome, record = result
        self._show(record)
        if outcome.sold_out and outcome.cancellations:
            when = outcome.cancel_at.strftime("%H:%M UTC") if outcome.cancel_at else ""
            self.message.setText(f"Sold. {', '.join(outcome.cancellations)} will be delisted at {when}.")
        elif outcome.sold_out:
            self.message.setText("Sold.")
        else:
            self.message.setText(f"Sale recorded; {record.quantity} left.")
        self.saved.emit(record)

    # ----- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.is_dirty():
            event.accept()
            self.closed.emit()
            return
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "This listing has changes that are not saved. Save them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save and self.validate():
            self.save()
            event.ignore()
        elif answer == QMessageBox.StandardButton.Discard:
            self._saved_values = self.values()
            event.accept()
            self.closed.emit()
        else:
            event.ignore()

    def reject(self) -> None:  # Escape goes through the same question as the close button
        self.close()

    def _set_busy(self, busy: bool, text: str) -> None:
        self._busy = busy
        self.message.setText(text)
        self.fields.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.sold_button.setEnabled(not busy)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False, describe_failure(error))
