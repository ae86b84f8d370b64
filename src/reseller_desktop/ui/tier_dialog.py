"""Value tier thresholds: where mid, high and grail start (the database derives every card's tier)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.card_groups import TIER_LABELS, tier_ranges
from reseller_desktop.domain.card_rules import TierThresholds
from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.money import MAX_PRICE

ERROR_STYLE = "color: #b00020"


def _money_box(value: Decimal) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setPrefix("$")
    box.setDecimals(2)
    box.setRange(0, float(MAX_PRICE))
    box.setSingleStep(5)
    box.setValue(float(value))
    return box


class TierDialog(QDialog):
    """Edits the thresholds; `thresholds()` is what the seller chose once accepted."""

    def __init__(self, current: TierThresholds, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Value tiers")
        self.mid_from = _money_box(current.mid_from)
        self.high_from = _money_box(current.high_from)
        self.grail_from = _money_box(current.grail_from)
        self.ranges = QLabel("")
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Mid from", self.mid_from)
        form.addRow("High from", self.high_from)
        form.addRow("Grail from", self.grail_from)
        layout = QVBoxLayout(self)
        intro = QLabel("A card's tier follows its estimated value. Every card is re-tiered when you save.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.ranges)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for box in (self.mid_from, self.high_from, self.grail_from):
            box.valueChanged.connect(self.validate)
        self.validate()

    def thresholds(self) -> TierThresholds:
        return TierThresholds(
            Decimal(f"{self.mid_from.value():.2f}"),
            Decimal(f"{self.high_from.value():.2f}"),
            Decimal(f"{self.grail_from.value():.2f}"),
        )

    def validate(self) -> bool:
        chosen = self.thresholds()
        try:
            chosen.check()
        except ValidationError as exc:
            self.error.setText(" ".join(e.message for e in exc.errors))
            self.ranges.setText("")
            ok = False
        else:
            self.error.setText("")
            ranges = tier_ranges(chosen.mid_from, chosen.high_from, chosen.grail_from)
            self.ranges.setText("\n".join(f"{TIER_LABELS[tier]}: {text}" for tier, text in ranges.items()))
            ok = True
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return ok
