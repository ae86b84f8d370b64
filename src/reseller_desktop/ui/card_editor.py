"""The card editor: every card_collections field, with the part of the form that fits the card type
(TCG: game, set, rarity, finish, formats; sports: sport, year, brand, series, player, team, rookie,
parallel, insert) and grading kept as company, score and certificate.

Fields of the other card type stay as they are when the type is switched (nothing typed is lost);
closing with unsaved changes asks. Loading and saving run on the task runner.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.card_groups import MODE_LABELS, TIER_LABELS
from reseller_desktop.domain.card_rules import check_card
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import parse_money
from reseller_desktop.domain.records import CardRecord
from reseller_desktop.services.card_collection import UnitOfWorkFactory, load_card, save_card
from reseller_desktop.ui.card_fields import (
    CHOICES,
    SPORTS_TEXT,
    TCG_TEXT,
    choice_box,
    formats_text,
    parse_formats,
    plain,
    tags_text,
)
from reseller_desktop.ui.record_editor import LOCATION_FOLLOWS, RecordEditor
from reseller_desktop.ui.tasks import TaskRunner

ERROR_FIELDS = ("title", "card_type", "quantity", "grading_score", "estimated_value", "purchase_price")


class CardEditor(RecordEditor):
    """`saved` carries the CardRecord as stored."""

    noun = "card"
    record: CardRecord | None

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        card_id: int | None = None,
        *,
        card_type: str = "tcg",
        photo_strip: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, new_uow, photo_strip, parent)
        self._kept: dict[str, Any] = {}  # JSON fields as loaded, kept when their text is unchanged
        self._build()
        self.resize(720, 760)
        self.setWindowTitle("New card" if card_id is None else "Edit card")
        if card_id is None:
            self.card_type.setCurrentIndex(max(self.card_type.findData(card_type), 0))
        self._open(None if card_id is None else lambda: load_card(new_uow, card_id))

    # ----- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        parts = (name for name, _label in (*TCG_TEXT, *SPORTS_TEXT))
        self.lines = {name: QLineEdit() for name in ("title", "card_number", *parts, "grading_serial")}
        self.combos = {name: choice_box(values) for name, values in CHOICES.items()}
        self.card_type = QComboBox()
        self.card_type.addItem("Trading card game (TCG)", "tcg")
        self.card_type.addItem("Sports card", "sports")
        self.quantity = QSpinBox()
        self.quantity.setRange(0, 1_000_000)
        self.quantity.setValue(1)
        self.year = QSpinBox()
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText("—")  # 0: no year
        self.rookie = QCheckBox("Rookie card (RC)")
        self.grading_score = QDoubleSpinBox()
        self.grading_score.setRange(0, 10)
        self.grading_score.setSingleStep(0.5)
        self.grading_score.setDecimals(1)
        self.grading_score.setSpecialValueText("Ungraded")
        self.estimated_value, self.purchase_price = QLineEdit(), QLineEdit()
        for line in (self.estimated_value, self.purchase_price):
            line.setPlaceholderText("0.00")
        self.tier = QLabel("")
        self.storage_location = QLineEdit()
        self.organization_mode = QComboBox()
        self.organization_mode.addItem("", None)
        for mode, label in MODE_LABELS.items():
            self.organization_mode.addItem(label, mode)
        self.primary_category = QLineEdit()
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("binder, for sale, grails")
        self.formats = QLineEdit()
        self.formats.setPlaceholderText("standard, modern, commander")
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(80)
        self._error_labels(ERROR_FIELDS)
        self._lay_out_fields(self.fields_layout)
        self._lay_out_window()
        self._connect()

    def _lay_out_fields(self, fields_layout: QVBoxLayout) -> None:
        main = QFormLayout()
        self._add_row(main, "Card type", self.card_type, "card_type")
        self._add_row(main, "Name", self.lines["title"], "title")
        self._add_row(main, "Card number", self.lines["card_number"])
        self._add_row(main, "Quantity", self.quantity, "quantity")
        self._add_row(main, "Condition", self.combos["card_condition"])
        self._add_row(main, "Language", self.combos["language"])
        self.tcg_box = QGroupBox("Trading card game")
        tcg = QFormLayout(self.tcg_box)
        self._add_row(tcg, "Game", self.combos["game_name"])
        for name, label in TCG_TEXT:
            self._add_row(tcg, label, self.lines[name])
        self._add_row(tcg, "Rarity", self.combos["rarity"])
        self._add_row(tcg, "Subtype", self.combos["card_subtype"])
        self._add_row(tcg, "Format legality", self.formats)
        self.sports_box = QGroupBox("Sports card")
        sports = QFormLayout(self.sports_box)
        self._add_row(sports, "Sport", self.combos["sport"])
        self._add_row(sports, "Year", self.year)
        self._add_row(sports, "Brand", self.combos["brand"])
        for name, label in SPORTS_TEXT:
            self._add_row(sports, label, self.lines[name])
        sports.addRow("", self.rookie)
        grading_box = QGroupBox("Grading")
        grading = QFormLayout(grading_box)
        self._add_row(grading, "Company", self.combos["grading_company"])
        self._add_row(grading, "Score", self.grading_score, "grading_score")
        self._add_row(grading, "Certificate", self.lines["grading_serial"])
        value_box = QGroupBox("Value and organization")
        value = QFormLayout(value_box)
        self._add_row(value, "Estimated value", self.estimated_value, "estimated_value")
        self._add_row(value, "Value tier", self.tier)
        self._add_row(value, "Purchase price", self.purchase_price, "purchase_price")
        self._add_row(value, "Storage location", self.storage_location)
        self._add_row(value, "Organization", self.organization_mode)
        self._add_row(value, "Primary category", self.primary_category)
        self._add_row(value, "Tags", self.tags)
        self._add_row(value, "Notes", self.notes)
        fields_layout.addLayout(main)
        for box in (self.tcg_box, self.sports_box, grading_box, value_box):
            fields_layout.addWidget(box)

    def _connect(self) -> None:
        for line in (*self.lines.values(), self.estimated_value, self.purchase_price, self.storage_location):
            line.textChanged.connect(self.validate)
        for line in (self.primary_category, self.tags, self.formats):
            line.textChanged.connect(self.validate)
        for combo in self.combos.values():
            combo.currentTextChanged.connect(self.validate)
        for spin in (self.quantity, self.year):
            spin.valueChanged.connect(self.validate)
        self.grading_score.valueChanged.connect(self.validate)
        self.rookie.toggled.connect(self.validate)
        self.notes.textChanged.connect(self.validate)
        self.organization_mode.currentIndexChanged.connect(self.validate)
        self.card_type.currentIndexChanged.connect(self._type_changed)

    def _add_row(self, form: QFormLayout, label: str, widget: QWidget, error_field: str | None = None) -> None:
        form.addRow(label, widget)
        if error_field:
            form.addRow("", self.errors[error_field])

    def _type_changed(self) -> None:
        sports = self.card_type.currentData() == "sports"
        self.sports_box.setVisible(sports)
        self.tcg_box.setVisible(not sports)
        self.validate()

    # ----- values and validation ------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The card as the form holds it, in the repository's field names (money as typed)."""
        values: dict[str, Any] = {name: line.text().strip() or None for name, line in self.lines.items()}
        values["title"] = self.lines["title"].text().strip()
        values |= {name: combo.currentText().strip() or None for name, combo in self.combos.items()}
        values |= {
            "card_type": self.card_type.currentData(),
            "quantity": self.quantity.value(),
            "year": self.year.value() or None,
            "is_rookie_card": self.rookie.isChecked(),
            "grading_score": self.grading_score.value() or None,
            "estimated_value": self.estimated_value.text().strip() or None,
            "purchase_price": self.purchase_price.text().strip() or None,
            "storage_location": self.storage_location.text().strip() or None,
            "organization_mode": self.organization_mode.currentData(),
            "primary_category": self.primary_category.text().strip() or None,
            "custom_categories": self._json_field("custom_categories", self.tags.text(), tags_text),
            "format_legality": self._json_field("format_legality", self.formats.text(), formats_text),
            "notes": self.notes.toPlainText() or None,
        }
        if self.photo_strip is not None:
            values["photos"] = list(self.photo_strip.photos()) or None
        return values

    def _json_field(self, name: str, text: str, shown: Any) -> Any:
        if name in self._kept and text == shown(self._kept[name]):
            return self._kept[name]  # untouched: stored exactly as it was (another program's shape kept)
        if name == "format_legality":
            return parse_formats(text)
        tags = list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
        return tags or None

    def field_errors(self) -> list[FieldError]:
        values = self.values()
        errors: list[FieldError] = []
        for name in ("estimated_value", "purchase_price"):
            if values[name] is not None:
                try:
                    values[name] = parse_money(values[name], name)
                except ValidationError as exc:
                    errors.extend(exc.errors)
                    values[name] = None
        if values["grading_score"] is None and self.combos["grading_company"].currentText().strip():
            errors.append(FieldError("grading_score", "A graded card needs its score (1 to 10)."))
        try:
            check_card(values)
        except ValidationError as exc:
            errors.extend(e for e in exc.errors if e.field not in {x.field for x in errors})
        return errors

    # ----- load, show, save -------------------------------------------------------------------------
    def _show(self, record: CardRecord | None) -> None:
        self.record = record
        if record is not None:
            self.setWindowTitle(f"Edit card — {record.title}")
            for name, line in self.lines.items():
                line.setText(plain(getattr(record, name)))
            for name, combo in self.combos.items():
                combo.setCurrentText(plain(getattr(record, name)))
            self.card_type.setCurrentIndex(max(self.card_type.findData(record.card_type), 0))
            self.quantity.setValue(record.quantity or 0)
            self.year.setValue(record.year or 0)
            self.rookie.setChecked(bool(record.is_rookie_card))
            self.grading_score.setValue(record.grading_score or 0)
            self.estimated_value.setText(plain(record.estimated_value))
            self.purchase_price.setText(plain(record.purchase_price))
            self.tier.setText(TIER_LABELS.get(record.value_tier or "", "—"))
            self.storage_location.setText(plain(record.storage_location))
            linked = record.storage_item_id is not None
            self.storage_location.setReadOnly(linked)
            self.storage_location.setToolTip(LOCATION_FOLLOWS if linked else "")
            self.organization_mode.setCurrentIndex(max(self.organization_mode.findData(record.organization_mode), 0))
            self.primary_category.setText(plain(record.primary_category))
            self._kept = {"custom_categories": record.custom_categories, "format_legality": record.format_legality}
            self.tags.setText(tags_text(record.custom_categories))
            self.formats.setText(formats_text(record.format_legality))
            self.notes.setPlainText(plain(record.notes))
            if self.photo_strip is not None:
                self.photo_strip.set_photos(list(record.photos or []))
        self._type_changed()
        self._shown()

    def _submit(self, values: dict[str, Any]) -> None:
        card_id, new_uow = (self.record.id if self.record is not None else None), self._new_uow
        self._run_save(lambda: save_card(new_uow, card_id, values), "Saving the card")
