"""The listings view: filters and search, the lazy table, and bulk actions with undo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.listing_status import BULK_STATUSES
from reseller_desktop.domain.vocabulary import CONDITIONS, ITEM_TYPES, LISTING_STATUSES
from reseller_desktop.repositories.listing_pages import format_count
from reseller_desktop.services.listing_bulk import (
    BulkChange,
    BulkResult,
    UndoOutcome,
    UndoToken,
    apply_bulk,
    undo_bulk,
)
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.bulk_dialogs import LocationDialog, PriceDialog
from reseller_desktop.ui.import_dialog import ImportDialog, export_listings_to
from reseller_desktop.ui.listing_delegates import PlatformChipsDelegate
from reseller_desktop.ui.listings_model import (
    COST,
    COVER,
    LOCATION,
    PLATFORMS,
    PRICE,
    QUANTITY,
    SKU,
    STATUS,
    TITLE,
    UPDATED,
    ListingsModel,
    UnitOfWorkFactory,
)
from reseller_desktop.ui.offline_banner import OfflineBanner
from reseller_desktop.ui.paged_table_view import paged_table, search_debounce, selected_rows
from reseller_desktop.ui.questions import ask
from reseller_desktop.ui.tasks import TaskRunner

ROW_HEIGHT = 44
COLUMN_WIDTHS = {
    COVER: ROW_HEIGHT,
    PRICE: 80,
    COST: 80,
    QUANTITY: 48,
    STATUS: 80,
    PLATFORMS: 230,
    LOCATION: 80,
    SKU: 120,
    UPDATED: 130,
}
PLATFORM_CHOICES = ("ebay", "etsy", "poshmark", "mercari", "depop", "grailed", "vinted", "facebook", "whatnot")
ANY = "Any"


def _combo(items: tuple[str, ...], first: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, None)
    for item in items:
        combo.addItem(item.replace("_", " "), item)
    return combo


class ListingsView(QWidget):
    open_listing = Signal(int)
    new_listing = Signal()
    list_on_requested = Signal(int)  # a listing id

    def __init__(self, runner: TaskRunner, new_uow: UnitOfWorkFactory, model: ListingsModel) -> None:
        super().__init__()
        self.setObjectName("listings-view")
        self._runner = runner
        self._new_uow = new_uow
        self.model = model
        self.last_undo: UndoToken | None = None
        self._counts_asked = 0  # counts of an older filter that arrive late are dropped
        self._counts_due = False  # the filter changed: count once its first page is in
        self._build_filters()
        self._build_table()
        self._build_actions()
        self._lay_out()
        model.load_failed.connect(self.show_offline)
        model.loaded.connect(self._loaded)
        model.modelReset.connect(self._count_after_first_page)
        self._selection_changed()

    def _build_filters(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, SKU, UPC, description")
        self.search.setClearButtonEnabled(True)
        self.status = _combo(LISTING_STATUSES, "All statuses")
        self.platform = _combo(PLATFORM_CHOICES, "Any platform")
        self.condition = _combo(CONDITIONS, "Any condition")
        self.item_type = _combo(ITEM_TYPES, "Any type")
        self.category = QLineEdit()
        self.category.setPlaceholderText("Category")
        self.location = QLineEdit()
        self.location.setPlaceholderText("Location (B* for bin B)")
        self._debounce = search_debounce(self, self.apply_filter)
        for line in (self.search, self.category, self.location):
            line.textChanged.connect(self._debounce.start)
        for combo in (self.status, self.platform, self.condition, self.item_type):
            combo.currentIndexChanged.connect(self.apply_filter)

    def _build_table(self) -> None:
        model = self.model
        # Newest changes first.
        self.table = paged_table(model, row_height=ROW_HEIGHT, column_widths=COLUMN_WIDTHS, sort_column=UPDATED)
        self.table.horizontalHeader().setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(PLATFORMS, PlatformChipsDelegate(model, self.table))
        self.table.doubleClicked.connect(lambda index: self.open_listing.emit(model.listing_id(index.row())))
        self.table.activated.connect(lambda index: self.open_listing.emit(model.listing_id(index.row())))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    def _build_actions(self) -> None:
        self.new_button = QPushButton("New listing")
        self.new_button.clicked.connect(self.new_listing.emit)
        self.list_on_button = QPushButton("List on…")
        self.list_on_button.setToolTip("Put the selected listing on eBay, Etsy, Poshmark and more")
        self.list_on_button.clicked.connect(lambda: self.list_on_requested.emit(self.selected_ids()[0]))
        self.status_button = QToolButton()
        self.status_button.setText("Set status")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        status_menu = QMenu(self.status_button)
        for status in BULK_STATUSES:
            status_menu.addAction(status.capitalize(), self._set_status_action(status))
        self.status_button.setMenu(status_menu)
        self.price_button = QPushButton("Price…")
        self.price_button.clicked.connect(self.ask_price)
        self.location_button = QPushButton("Location…")
        self.location_button.clicked.connect(self.ask_location)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.ask_delete)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Export the listings that match the current filter")
        self.export_button.clicked.connect(self.ask_export)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.clicked.connect(self.ask_import)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.offline = OfflineBanner()
        self.offline.retry.connect(self.model.reload)

    def _set_status_action(self, status: str) -> Callable[[], None]:
        return lambda: self.run_bulk(BulkChange("status", status))

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for widget in (self.status, self.platform, self.condition, self.item_type, self.category, self.location):
            filters.addWidget(widget, 1)
        actions = QHBoxLayout()
        buttons: tuple[QWidget, ...] = (
            self.new_button,
            self.list_on_button,
            self.status_button,
            self.price_button,
            self.location_button,
            self.delete_button,
            self.undo_button,
        )
        for button in buttons:
            actions.addWidget(button)
        actions.addWidget(self.message, 1)
        actions.addWidget(self.import_button)
        actions.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.offline)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    # ----- filters --------------------------------------------------------------------------------
    def current_filter(self) -> ListingFilter:
        status = self.status.currentData()
        return ListingFilter(
            statuses=(status,) if status else (),
            platform=self.platform.currentData(),
            category=self.category.text().strip() or None,
            condition=self.condition.currentData(),
            item_type=self.item_type.currentData(),
            storage_location=self.location.text().strip() or None,
            search=self.search.text(),
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())

    def _count_after_first_page(self) -> None:
        # The counts wait for the rows: both would otherwise share the two workers and the two
        # connections while the user waits for the first rows, which matter more.
        self._counts_due = True

    def refresh_counts(self) -> None:
        self._counts_asked += 1
        asked, listing_filter, new_uow = self._counts_asked, self.model.listing_filter, self._new_uow

        def count() -> dict[str, int]:
            with new_uow() as uow:
                return uow.listing_pages.status_counts(listing_filter)

        self._runner.run(
            count,
            on_done=lambda counts: self._show_counts(counts) if asked == self._counts_asked else None,
            on_error=self.show_offline,
            label="Counting listings",
            owner=self,
        )

    def _show_counts(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        self.status.setItemText(0, f"All statuses ({format_count(total)})")
        for position, status in enumerate(LISTING_STATUSES, start=1):
            self.status.setItemText(position, f"{status} ({format_count(counts.get(status, 0))})")

    # ----- offline ----------------------------------------------------------------------------------
    def show_offline(self, error: BaseException) -> None:
        self.offline.show_error(error)

    def _loaded(self) -> None:
        self.offline.hide()
        if self._counts_due:
            self._counts_due = False
            self.refresh_counts()

    # ----- bulk actions -----------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        return self.model.ids_of(selected_rows(self.table))

    def _selection_changed(self) -> None:
        count = len(self.table.selectionModel().selectedRows())
        for widget in (self.status_button, self.price_button, self.location_button, self.delete_button):
            widget.setEnabled(count > 0)
        self.list_on_button.setEnabled(count == 1)

    def ask_price(self) -> None:
        dialog = PriceDialog(len(self.selected_ids()), self)
        dialog.accepted.connect(lambda: self.run_bulk(dialog.change) if dialog.change else None)
        dialog.open()

    def ask_location(self) -> None:
        dialog = LocationDialog(len(self.selected_ids()), self)
        dialog.accepted.connect(lambda: self.run_bulk(dialog.change))
        dialog.open()

    def ask_delete(self) -> None:
        count = len(self.selected_ids())
        question = f"Delete {count} listing(s) with their platform rows? You can undo this until the next bulk change."
        if ask(self, "Delete listings", question):
            self.run_bulk(BulkChange("delete"))

    def run_bulk(self, change: BulkChange) -> None:
        ids, new_uow = self.selected_ids(), self._new_uow

        def work() -> BulkResult:
            with new_uow() as uow:
                result = apply_bulk(uow, ids, change)
                uow.commit()
                return result

        self.message.setText(f"Working on {len(ids)} listing(s)…")
        self._runner.run(
            work, on_done=self._bulk_done, on_error=self._action_failed, label="Changing listings", owner=self
        )

    def _bulk_done(self, result: BulkResult) -> None:
        self.last_undo = result.undo
        self.undo_button.setEnabled(result.changed > 0)
        text = result.undo.description + "."
        if result.skipped:
            reasons = sorted({reason for _id, reason in result.skipped})
            text += f" {len(result.skipped)} skipped: {'; '.join(reasons)}."
        self.message.setText(text)
        self.model.reload()

    def undo(self) -> None:
        token, new_uow = self.last_undo, self._new_uow
        if token is None:
            return

        def work() -> UndoOutcome:
            with new_uow() as uow:
                outcome = undo_bulk(uow, token)
                uow.commit()
                return outcome

        self.undo_button.setEnabled(False)
        self._runner.run(work, on_done=self._undone, on_error=self._action_failed, label="Undoing", owner=self)

    def _undone(self, outcome: UndoOutcome) -> None:
        self.last_undo = None
        text = f"Undone: {outcome.restored} listing(s) restored."
        if outcome.changed_since:
            text += f" {outcome.changed_since} changed again since (a sale or another edit) and were left as they are."
        self.message.setText(text)
        self.model.reload()

    def _action_failed(self, error: BaseException) -> None:
        self.message.setText(describe_failure(error))
        self.undo_button.setEnabled(self.last_undo is not None)

    # ----- CSV ---------------------------------------------------------------------------------------
    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export listings", "listings.csv", "CSV files (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self.message.setText(f"Exporting to {path.name}…")
        export_listings_to(
            self._runner,
            self._new_uow,
            path,
            self.model.listing_filter,
            on_done=lambda count: self.message.setText(f"Exported {count:,} listing(s) to {path}."),
            on_error=self._action_failed,
        )

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import listings", "", "CSV files (*.csv)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> ImportDialog:
        dialog = ImportDialog(self._runner, self._new_uow, path, self)
        dialog.imported.connect(lambda _result: self.model.reload())
        dialog.open()
        return dialog

    # ----- remembered between runs --------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        settings.setValue("listings/header", self.table.horizontalHeader().saveState())
        settings.setValue("listings/search", self.search.text())
        for name, combo in self._combos().items():
            settings.setValue(f"listings/{name}", combo.currentData() or "")
        settings.setValue("listings/category", self.category.text())
        settings.setValue("listings/location", self.location.text())

    def start(self, settings: QSettings) -> None:
        """Put back the columns, sort and filters of last time, then load the first page once."""
        widgets = [*self._combos().values(), self.search, self.category, self.location]
        for widget in widgets:
            widget.blockSignals(True)
        header = self.table.horizontalHeader()
        saved_header = settings.value("listings/header")
        if saved_header is not None:
            header.restoreState(saved_header)
        for name, combo in self._combos().items():
            position = combo.findData(settings.value(f"listings/{name}", "") or None)
            combo.setCurrentIndex(max(position, 0))
        self.search.setText(str(settings.value("listings/search", "")))
        self.category.setText(str(settings.value("listings/category", "")))
        self.location.setText(str(settings.value("listings/location", "")))
        for widget in widgets:
            widget.blockSignals(False)
        self.model.configure(self.current_filter(), header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.model.reload()

    def _combos(self) -> dict[str, QComboBox]:
        return {"status": self.status, "platform": self.platform, "condition": self.condition, "type": self.item_type}
