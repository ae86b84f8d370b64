"""List this card: the draft listings the selected cards would make (one per card, or one lot), with
titles, prices and descriptions the seller can change before creating them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.money import parse_money
from reseller_desktop.domain.records import ListingRecord
from reseller_desktop.domain.vocabulary import TITLE_MAX_CHARS
from reseller_desktop.services.card_collection import UnitOfWorkFactory
from reseller_desktop.services.card_listing import ListingDraft, ListingPlan, create_listings, plan_listings
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020"
WARNING_STYLE = "color: #92400e"
CARDS, TITLE, LENGTH, PRICE, QUANTITY, PHOTOS, LOCATION = range(7)
HEADERS = ("Cards", "Title", "Chars", "Price", "Qty", "Photos", "Location")


class CardListDialog(QDialog):
    created = Signal(list)  # the new listings (ListingRecord), in the table's order

    def __init__(
        self, runner: TaskRunner, new_uow: UnitOfWorkFactory, card_ids: list[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._new_uow = new_uow
        self.card_ids = list(card_ids)
        self.plan: ListingPlan | None = None
        self._descriptions: list[str] = []
        self._filling = False
        self._asked = 0
        self.setWindowTitle("List this card" if len(card_ids) == 1 else f"List {len(card_ids)} cards")
        self.resize(880, 560)
        self._build()
        self.load(as_lot=False)

    def _build(self) -> None:
        self.each_button = QRadioButton("One listing per card")
        self.lot_button = QRadioButton("One lot listing (quantity 1)")
        self.each_button.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.each_button)
        modes.addButton(self.lot_button)
        self.lot_button.toggled.connect(lambda lot: self.load(as_lot=lot))
        choice = QHBoxLayout()
        choice.addWidget(self.each_button)
        choice.addWidget(self.lot_button)
        choice.addStretch(1)
        self.refused = QLabel("")
        self.refused.setStyleSheet(WARNING_STYLE)
        self.refused.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((CARDS, 50), (LENGTH, 50), (PRICE, 90), (QUANTITY, 45), (PHOTOS, 55), (LOCATION, 110)):
            header.resizeSection(column, width)
        self.table.itemChanged.connect(self._cell_changed)
        self.table.currentCellChanged.connect(lambda *_: self._show_description())
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(150)
        self.description.textChanged.connect(self._description_changed)
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.create_button = QPushButton("Create draft listing")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create_drafts)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.create_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        if len(self.card_ids) > 1:
            layout.addLayout(choice)
        layout.addWidget(self.refused)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("Description (of the selected listing):"))
        layout.addWidget(self.description)
        layout.addLayout(buttons)

    # ----- plan -------------------------------------------------------------------------------------
    def load(self, *, as_lot: bool) -> None:
        self._asked += 1
        asked, new_uow, ids = self._asked, self._new_uow, self.card_ids
        self.create_button.setEnabled(False)
        self.error.setText("Preparing…")
        self._runner.run(
            lambda: plan_listings(new_uow, ids, as_lot=as_lot),
            on_done=lambda plan: self._show_plan(plan) if asked == self._asked else None,
            on_error=self._failed,
            label="Preparing listings",
            owner=self,
        )

    def _show_plan(self, plan: ListingPlan) -> None:
        self.plan = plan
        self._filling = True
        self.table.setRowCount(len(plan.drafts))
        self._descriptions = [draft.description for draft in plan.drafts]
        for row, draft in enumerate(plan.drafts):
            price = "" if draft.price is None else f"{draft.price:.2f}"
            cells = (
                str(len(draft.card_ids)),
                draft.title,
                "",
                price,
                str(draft.quantity),
                str(len(draft.photos)),
                draft.storage_location or "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column not in (TITLE, PRICE):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column in (CARDS, LENGTH, PRICE, QUANTITY, PHOTOS):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self._filling = False
        self.refused.setText("\n".join(r.reason for r in plan.refused))
        self.refused.setVisible(bool(plan.refused))
        count = len(plan.drafts)
        self.create_button.setText("Create draft listing" if count == 1 else f"Create {count} draft listings")
        if count:
            self.table.setCurrentCell(0, TITLE)
        self._show_description()
        self.validate()

    # ----- edits ------------------------------------------------------------------------------------
    def _cell_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling:
            self.validate()

    def _show_description(self) -> None:
        row = self.table.currentRow()
        self.description.blockSignals(True)
        self.description.setPlainText(self._descriptions[row] if 0 <= row < len(self._descriptions) else "")
        self.description.blockSignals(False)
        self.description.setEnabled(0 <= row < len(self._descriptions))

    def _description_changed(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._descriptions):
            self._descriptions[row] = self.description.toPlainText()

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None, "every cell is filled when the plan is shown"
        return item

    def drafts(self) -> list[ListingDraft]:
        """The planned listings with the seller's edits (price None where it is missing or unreadable)."""
        if self.plan is None:
            return []
        out = []
        for row, draft in enumerate(self.plan.drafts):
            title = self._cell(row, TITLE).text().strip()
            try:
                price: Decimal | None = parse_money(self._cell(row, PRICE).text())
            except ValidationError:
                price = None
            out.append(replace(draft, title=title, price=price, description=self._descriptions[row]))
        return out

    def problems(self) -> list[str]:
        problems = []
        for row in range(self.table.rowCount()):
            title = self._cell(row, TITLE).text().strip()
            name = f"Listing {row + 1}: " if self.table.rowCount() > 1 else ""
            if not title:
                problems.append(f"{name}a title is required.")
            elif len(title) > TITLE_MAX_CHARS:
                problems.append(f"{name}the title has {len(title)} characters; the limit is {TITLE_MAX_CHARS}.")
            price_text = self._cell(row, PRICE).text()
            if not price_text.strip():
                problems.append(f"{name}no card has an estimated value; type the price.")
            else:
                try:
                    parse_money(price_text)
                except ValidationError as exc:
                    problems.append(name + " ".join(e.message for e in exc.errors))
        return problems

    def validate(self) -> bool:
        self._filling = True
        for row in range(self.table.rowCount()):
            length = len(self._cell(row, TITLE).text().strip())
            counter = self._cell(row, LENGTH)
            counter.setText(f"{length}/{TITLE_MAX_CHARS}")
            counter.setForeground(Qt.GlobalColor.red if length > TITLE_MAX_CHARS else Qt.GlobalColor.black)
        self._filling = False
        problems = self.problems()
        if self.plan is not None and not self.plan.drafts:
            problems = ["None of these cards can be listed now."]
        self.error.setText(" ".join(problems))
        self.create_button.setEnabled(not problems)
        return not problems

    # ----- create -----------------------------------------------------------------------------------
    def create_drafts(self) -> None:
        if not self.validate():
            return
        drafts, new_uow = self.drafts(), self._new_uow
        self.create_button.setEnabled(False)
        self.error.setText("Creating…")
        self._runner.run(
            lambda: create_listings(new_uow, drafts),
            on_done=self._created,
            on_error=self._failed,
            label="Creating listings",
            owner=self,
        )

    def _created(self, listings: list[ListingRecord]) -> None:
        self.error.setText("")
        self.created.emit(listings)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.error.setText(describe_failure(error))
        self.create_button.setEnabled(self.plan is not None and bool(self.plan.drafts))
