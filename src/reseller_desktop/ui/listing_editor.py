"""The listing editor: every field of a listing, checked as it is typed, saved only when valid.

Loading and saving run on the task runner. Unsaved changes are never dropped silently: closing
asks. A listing changed elsewhere since it was opened is not overwritten without asking.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
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
from reseller_desktop.ui.listings_model import UnitOfWorkFactory
from reseller_desktop.ui.record_editor import ERROR_STYLE, LOCATION_FOLLOWS, RecordEditor
from reseller_desktop.ui.sold_dialog import SoldDialog
from reseller_desktop.ui.tasks import TaskRunner


def upc_error(text: str) -> str | None:
    code = text.strip()
    if not code:
        return None
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return "A UPC/EAN has 8, 12, 13 or 14 digits."
    if not is_valid_gtin(code):
        return "The check digit is wrong: probably a typo or a misread."
    return None


class ListingEditor(RecordEditor):
    """`saved` carries the ListingRecord as stored, after every save or sale.

    A listing changed elsewhere since it was opened is not overwritten without asking.
    """

    noun = "listing"
    record: ListingRecord | None

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
        super().__init__(runner, new_uow, photo_strip, parent)
        self._cooldown = timedelta(minutes=cooldown_minutes)
        self._attribute_edits: dict[str, QLineEdit] = {}
        self._kept_attributes: dict[str, Any] = {}
        self._build()
        self.setWindowTitle("New listing" if listing_id is None else "Edit listing")
        self.resize(760, 720)
        if listing_id is None:
            self.upc.setText(upc)
        self._open(None if listing_id is None else lambda: self._load(listing_id))

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
        self._error_labels(("title", "price", "cost", "quantity", "storage_location", "upc", "status", "sold_price"))
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
        self.sold_button = QPushButton("Mark as sold…")
        self.sold_button.clicked.connect(self.mark_sold)
        self.fields_layout.addLayout(form)
        self.fields_layout.addWidget(self.attributes_box)
        self._lay_out_window(self.sold_button)

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

    def validate(self) -> bool:
        length = len(self.title.text())
        self.title_counter.setText(f"{length}/{TITLE_MAX_CHARS}")
        self.title_counter.setStyleSheet(ERROR_STYLE if length > TITLE_MAX_CHARS else "")
        valid = super().validate()
        self._show_profit()
        selling = self.record is not None and self.record.status == "active"
        self.sold_button.setEnabled(selling and not self.is_dirty() and not self._busy)
        return valid

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

    def _ask_if_shelved(self, listing_id: int) -> None:
        """A listing whose item is on a shelf takes its location from there (the database sees to it):
        the field then says so instead of taking typing that would not stick."""
        new_uow = self._new_uow

        def shelved() -> bool:
            with new_uow() as uow:
                return bool(uow.storage.storage_items_of_listing(listing_id))

        self._runner.run(shelved, on_done=self._show_location_follows, label="Opening", owner=self)

    def _show_location_follows(self, shelved: bool) -> None:
        self.storage_location.setReadOnly(shelved)
        self.storage_location.setToolTip(LOCATION_FOLLOWS if shelved else "")

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
            self._ask_if_shelved(record.id)
            self.sku.setText(record.sku or "")
            self.upc.setText(record.upc or "")
            if self.photo_strip is not None:
                self.photo_strip.set_photos(list(record.photos or []))
        self._item_type_changed()
        self._shown()

    def _submit(self, values: dict[str, Any], over: ListingRecord | None = None) -> None:
        """Save `values` over the version `over` (by default the one shown) unless it changed since."""
        current = over or self.record
        listing_id, expected = (current.id, current.updated_at) if current is not None else (None, None)
        new_uow = self._new_uow

        def work() -> ListingRecord:
            with new_uow() as uow:
                if listing_id is None:
                    result = uow.listings.add(values)
                else:
                    result = uow.listings.update(listing_id, values, expected_updated_at=expected)
                uow.commit()
                return result

        self._run_save(work, "Saving the listing")

    def _save_failed(self, error: BaseException) -> None:
        if not isinstance(error, StaleListingError):
            super()._save_failed(error)
            return
        self._set_busy(False, "")
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
            self._submit(self.changes(), over=error.current)
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

    def _set_busy(self, busy: bool, text: str) -> None:
        super()._set_busy(busy, text)
        self.sold_button.setEnabled(not busy)
