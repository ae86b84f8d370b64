"""The Cards page: the collection organized by set, value, player or tag as a tree with counts and
value per group, the lazy cards table of the chosen group, totals of the current filter, the value
history chart, and the card actions (new, edit, list, delete, value tiers).

Everything is read and written on the task runner; results of an older filter that arrive late are
dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.card_groups import MODE_LABELS, CardFilter
from reseller_desktop.domain.card_rules import TierThresholds
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.card_pages import CardTotals
from reseller_desktop.services.card_collection import (
    CollectionOverview,
    UnitOfWorkFactory,
    delete_cards,
    load_overview,
    load_totals,
    save_thresholds,
)
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui import cards_model as columns
from reseller_desktop.ui.card_editor import CardEditor
from reseller_desktop.ui.card_groups_model import CardGroupsModel
from reseller_desktop.ui.card_list_dialog import CardListDialog
from reseller_desktop.ui.cards_model import CardsModel
from reseller_desktop.ui.offline_banner import OfflineBanner
from reseller_desktop.ui.paged_table_view import paged_table, search_debounce, selected_rows
from reseller_desktop.ui.questions import ask
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.tier_dialog import TierDialog
from reseller_desktop.ui.value_chart import ValueHistoryPanel

ROW_HEIGHT = 40
MODE_KEY = "cards/organization_mode"
COLUMN_WIDTHS = {
    columns.COVER: ROW_HEIGHT,
    columns.NAME: 200,
    columns.SET: 175,
    columns.NUMBER: 62,
    columns.PLAYER: 112,
    columns.YEAR: 44,
    columns.GRADE: 62,
    columns.CONDITION: 84,
    columns.QUANTITY: 34,
    columns.VALUE: 82,
    columns.TIER: 48,
    columns.COST: 74,
    columns.LOCATION: 80,
    columns.LISTING: 58,
}


class CardsView(QWidget):
    open_listing = Signal(int)  # a listing made here: the workspace opens it in the listing editor
    listings_created = Signal(list)  # ListingRecords: the listings view may reload

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        *,
        settings: QSettings | None = None,
        cover_pixmap: Callable[[str], QPixmap | None] | None = None,
        photo_strip_factory: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cards-view")
        self._runner = runner
        self._new_uow = new_uow
        self._settings = settings
        self._photo_strip_factory = photo_strip_factory
        self.model = CardsModel(runner, new_uow, cover_pixmap)
        self.groups = CardGroupsModel()
        self.thresholds = TierThresholds()
        self.editors: list[CardEditor] = []
        self._overview_asked = 0  # answers to older questions are dropped
        self._totals_asked = 0
        self._build()
        self._lay_out()
        self.model.load_failed.connect(self.offline.show_error)
        self.model.loaded.connect(self.offline.hide)
        self._update_buttons()

    # ----- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.offline = OfflineBanner()
        self.offline.retry.connect(self.reload)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, player, set, card number")
        self.search.setClearButtonEnabled(True)
        self.card_type = QComboBox()
        for label, value in (("All cards", None), ("TCG cards", "tcg"), ("Sports cards", "sports")):
            self.card_type.addItem(label, value)
        self.mode = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(label, mode)
        saved = self._settings.value(MODE_KEY, "by_set") if self._settings is not None else "by_set"
        self.mode.setCurrentIndex(max(self.mode.findData(saved), 0))
        self.tiers_button = QPushButton("Value tiers…")
        self.tiers_button.clicked.connect(self.ask_thresholds)
        self.new_button = QToolButton()
        self.new_button.setText("New card")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        new_menu = QMenu(self.new_button)
        new_menu.addAction("Trading card game (TCG) card", lambda: self.open_card(None, card_type="tcg"))
        new_menu.addAction("Sports card", lambda: self.open_card(None, card_type="sports"))
        self.new_button.setMenu(new_menu)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(lambda: self.open_card(self.selected_ids()[0]))
        self.list_button = QPushButton("List this card…")
        self.list_button.setToolTip("Make draft listings from the selected cards: one each, or one lot")
        self.list_button.clicked.connect(self.list_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.ask_delete)
        self._connect_filters()
        self._build_table()

    def _connect_filters(self) -> None:
        self._debounce = search_debounce(self, self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        self.card_type.currentIndexChanged.connect(self.apply_filter)
        self.mode.currentIndexChanged.connect(self._mode_changed)

    def _build_table(self) -> None:
        self.tree = QTreeView()
        self.tree.setModel(self.groups)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.selectionModel().currentChanged.connect(self._group_chosen)

        # The valuable cards first.
        self.table = paged_table(
            self.model, row_height=ROW_HEIGHT, column_widths=COLUMN_WIDTHS, sort_column=columns.VALUE
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.open_card(self.model.card_id(index.row())))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.history = ValueHistoryPanel(self._runner, self._new_uow)
        self.history.failed.connect(self.offline.show_error)
        self.totals = QLabel("")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel("")
        self.message.setWordWrap(True)

    def _lay_out(self) -> None:
        self.tools = QHBoxLayout()
        self.tools.addWidget(self.search, 3)
        self.tools.addWidget(self.card_type)
        self.tools.addWidget(QLabel("Organize:"))
        self.tools.addWidget(self.mode)
        self.tools.addWidget(self.tiers_button)
        self.tools.addStretch(1)
        for button in (self.new_button, self.edit_button, self.list_button, self.delete_button):
            self.tools.addWidget(button)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(self.history)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([275, 1085])
        bottom = QHBoxLayout()
        bottom.addWidget(self.totals)
        bottom.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.tools)
        layout.addWidget(self.offline)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)

    def add_tool_button(self, button: QWidget) -> None:
        """Put another page action (Import cards…, Export cards…) at the end of the toolbar."""
        self.tools.addWidget(button)

    # ----- loading ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Load the first page, the groups and the chart (once the page is shown)."""
        self.reload()

    def reload(self) -> None:
        """Everything again: the data changed (an edit, an import, new tiers)."""
        self.model.configure(self.current_filter())
        self.model.reload()
        self.refresh_overview()
        self.refresh_chart()

    def current_mode(self) -> str:
        return str(self.mode.currentData())

    def current_filter(self) -> CardFilter:
        group = self.groups.path_at(self.tree.currentIndex())
        if group is not None and group.mode != self.current_mode():
            group = None
        return CardFilter(self.search.text(), self.card_type.currentData(), group)

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())
        self.refresh_overview()

    def _mode_changed(self) -> None:
        if self._settings is not None:
            self._settings.setValue(MODE_KEY, self.current_mode())
        self.tree.selectionModel().clearSelection()
        self.tree.setCurrentIndex(self.groups.index(0, 0))
        self.model.set_filter(CardFilter(self.search.text(), self.card_type.currentData(), None))
        self.refresh_overview()

    def _group_chosen(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        card_filter = self.current_filter()
        if card_filter == self.model.card_filter:
            return
        self.model.set_filter(card_filter)
        self._totals_asked += 1
        asked, new_uow = self._totals_asked, self._new_uow
        self._runner.run(
            lambda: load_totals(new_uow, card_filter),
            on_done=lambda totals: self._show_totals(totals) if asked == self._totals_asked else None,
            on_error=self.offline.show_error,
            label="Adding up cards",
            owner=self,
        )

    def refresh_overview(self) -> None:
        self._overview_asked += 1
        self._totals_asked += 1  # the overview brings totals of the same filter
        asked, new_uow, mode, card_filter = (
            self._overview_asked,
            self._new_uow,
            self.current_mode(),
            self.current_filter(),
        )
        self._runner.run(
            lambda: load_overview(new_uow, card_filter, mode),
            on_done=lambda overview: self._show_overview(overview) if asked == self._overview_asked else None,
            on_error=self.offline.show_error,
            label="Grouping cards",
            owner=self,
        )

    def _show_overview(self, overview: CollectionOverview) -> None:
        chosen = self.current_filter().group
        self.thresholds = overview.thresholds
        self.tree.selectionModel().blockSignals(True)
        self.groups.show_tree(overview.mode, overview.tree, overview.totals)
        self.tree.expandToDepth(0)
        self.tree.setCurrentIndex(self.groups.index_of(chosen))
        self.tree.selectionModel().blockSignals(False)
        for column in (1, 2):
            self.tree.resizeColumnToContents(column)
        self._show_totals(overview.totals)
        self.offline.hide()

    def _show_totals(self, totals: CardTotals) -> None:
        gain = ("+" if totals.gain >= 0 else "−") + format_money(abs(totals.gain))
        self.totals.setText(
            f"{totals.cards:,} cards ({totals.quantity:,} owned) · value {format_money(totals.value)} · "
            f"cost {format_money(totals.cost)} · unrealized gain {gain}"
        )
        self.totals.setToolTip("Gain counts the cards that have both an estimated value and a purchase price.")

    def refresh_chart(self) -> None:
        self.history.show_for(self.selected_ids())

    # ----- actions ----------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        return self.model.ids_of(selected_rows(self.table))

    def _selection_changed(self) -> None:
        self._update_buttons()
        self.refresh_chart()

    def _update_buttons(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        self.edit_button.setEnabled(count == 1)
        self.list_button.setEnabled(count > 0)
        self.list_button.setText("List this card…" if count <= 1 else f"List {count} cards…")
        self.delete_button.setEnabled(count > 0)

    def open_card(self, card_id: int | None, *, card_type: str = "tcg") -> CardEditor:
        strip = self._photo_strip_factory() if self._photo_strip_factory is not None else None
        editor = CardEditor(self._runner, self._new_uow, card_id, card_type=card_type, photo_strip=strip, parent=self)
        editor.saved.connect(self._card_saved)
        editor.closed.connect(lambda: self._forget(editor))
        self.editors.append(editor)
        editor.show()
        return editor

    def close_editors(self) -> bool:
        """Ask every open card editor to close (each asks about unsaved changes); False if one stays."""
        return all(not editor.isVisible() or editor.close() for editor in list(self.editors))

    def _forget(self, editor: CardEditor) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
        editor.deleteLater()

    def _card_saved(self, _record: object) -> None:
        self.reload()

    def list_selected(self) -> CardListDialog:
        dialog = CardListDialog(self._runner, self._new_uow, self.selected_ids(), self)
        dialog.created.connect(self._listed)
        dialog.open()
        return dialog

    def _listed(self, listings: list[Any]) -> None:
        count = len(listings)
        self.message.setText(
            f"Created a draft listing: {listings[0].title}" if count == 1 else f"Created {count} draft listings."
        )
        self.listings_created.emit(listings)
        if count == 1:
            self.open_listing.emit(listings[0].id)
        self.model.refresh_rows(self.selected_ids())

    def ask_delete(self) -> None:
        ids = self.selected_ids()
        if not ask(self, "Delete cards", f"Delete {len(ids)} card(s) and their value history? This cannot be undone."):
            return
        new_uow = self._new_uow
        self._change(lambda: delete_cards(new_uow, ids), lambda count: f"Deleted {count} card(s).", "Deleting cards")

    def ask_thresholds(self) -> TierDialog:
        dialog = TierDialog(self.thresholds, self)
        dialog.accepted.connect(lambda: self.save_thresholds(dialog.thresholds()))
        dialog.open()
        return dialog

    def save_thresholds(self, thresholds: TierThresholds) -> None:
        new_uow = self._new_uow
        self.message.setText("Re-tiering your cards…")
        self._change(
            lambda: save_thresholds(new_uow, thresholds),
            lambda count: f"Tiers saved; {count:,} cards re-tiered.",
            "Saving value tiers",
        )

    def _change(self, work: Callable[[], int], done: Callable[[int], str], label: str) -> None:
        """Change cards on the task runner; then say what changed (from the count) and reload."""
        self._runner.run(
            work,
            on_done=lambda count: self._changed(done(count)),
            on_error=lambda error: self.message.setText(describe_failure(error)),
            label=label,
            owner=self,
        )

    def _changed(self, text: str) -> None:
        self.message.setText(text)
        self.reload()

    # ----- remembered between runs --------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        settings.setValue("cards/header", self.table.horizontalHeader().saveState())
        settings.setValue("cards/splitter", self.splitter.saveState())
        settings.setValue(MODE_KEY, self.current_mode())

    def restore_state(self, settings: QSettings) -> None:
        header, splitter = settings.value("cards/header"), settings.value("cards/splitter")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        if splitter is not None:
            self.splitter.restoreState(splitter)
