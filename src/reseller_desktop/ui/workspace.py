"""Everything the signed-in user works with, wired together once start-up is done: the listings
view and its editors, the sync board and the notifications, photos and thumbnails, barcode scanning,
the database health indicator and the window state remembered between runs."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.barcodes import HitKind, ScanHit
from reseller_desktop.domain.records import ListingRecord, UserRecord
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.jobs.adapters import AdapterSource
from reseller_desktop.jobs.engine import PassReport
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.photos.thumbnails import ThumbnailCache
from reseller_desktop.services.labels import LabelTargets
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.services.storage_browser import place_of_hit
from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui.card_csv_actions import CardCsvActions
from reseller_desktop.ui.cards_view import CardsView
from reseller_desktop.ui.health import DatabaseHealth
from reseller_desktop.ui.label_dialog import LabelDialog
from reseller_desktop.ui.listing_editor import ListingEditor
from reseller_desktop.ui.listings_model import ListingsModel
from reseller_desktop.ui.listings_view import ROW_HEIGHT, ListingsView
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.notifications_view import NotificationsView
from reseller_desktop.ui.photo_strip import PhotoStrip
from reseller_desktop.ui.scan_dialog import ScanController
from reseller_desktop.ui.scanner import ScanDetector, ScanField
from reseller_desktop.ui.storage_view import StorageView
from reseller_desktop.ui.sync_model import SyncBoardModel
from reseller_desktop.ui.sync_view import SyncView
from reseller_desktop.ui.sync_worker import SyncWorker
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.thumbnail_provider import ThumbnailProvider

COVER_SIZE = ROW_HEIGHT - 4
CARDS_PAGE, STORAGE_PAGE, SYNC_PAGE, NOTIFICATIONS_PAGE = 1, 2, 3, 4
MANUAL_POSTS_FOLDER = "manual-posts"  # under the data folder: photos copied for posting by hand


class Workspace(QObject):
    def __init__(
        self,
        window: MainWindow,
        runner: TaskRunner,
        *,
        database: Database,
        user: UserRecord,
        paths: AppPaths,
        settings: Settings,
    ) -> None:
        super().__init__(window)
        self.window, self.runner, self.settings, self.paths = window, runner, settings, paths
        self.database, self.user = database, user
        self.photos = PhotoStore(paths.data_dir)
        self.thumbnails = ThumbnailProvider(runner, ThumbnailCache(paths.data_dir), self)
        self.model = ListingsModel(runner, self.new_uow, lambda uri: self.thumbnails.pixmap(uri, COVER_SIZE))
        self.thumbnails.ready.connect(self.model.cover_ready)
        self.listings = ListingsView(runner, self.new_uow, self.model)
        self.listings.open_listing.connect(self.open_listing)
        self.listings.new_listing.connect(lambda: self.open_listing(None))
        window.set_page(0, self.listings)
        self.state = QSettings(str(paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
        # The first page is asked for now, so the database reads it while the other pages are built.
        self.listings.start(self.state)
        self._build_collection_pages()
        self.sync_model = SyncBoardModel(runner, self.new_uow)
        self.sync_view = SyncView(
            runner,
            self.new_uow,
            self.sync_model,
            photos=self.photos,
            posting_folder=paths.data_dir / MANUAL_POSTS_FOLDER,
        )
        self.sync_view.open_listing.connect(self.open_listing)
        self.listings.list_on_requested.connect(self.sync_view.list_listing)
        self.sync_view.attention_changed.connect(lambda count: window.set_badge(SYNC_PAGE, count))
        self.sync_worker: SyncWorker | None = None
        window.set_page(SYNC_PAGE, self.sync_view)
        self.notifications = NotificationsView(runner, self.new_uow)
        self.notifications.open_listing.connect(self.open_listing)
        self.notifications.unread_changed.connect(lambda count: window.set_badge(NOTIFICATIONS_PAGE, count))
        window.set_page(NOTIFICATIONS_PAGE, self.notifications)
        self.marketplaces_dialog: QDialog | None = None
        window.marketplaces_requested.connect(self.open_marketplaces)
        window.marketplaces_action.setEnabled(True)
        self.editors: dict[int, ListingEditor] = {}
        self.new_editors: list[ListingEditor] = []
        window.may_close = self.close_editors

        self.scan_field = ScanField()
        self.scan_field.setMaximumWidth(360)
        window.toolbar.addWidget(self.scan_field)
        self.detector = ScanDetector(settings, parent=window)
        self.detector.install()
        self.scans = ScanController(runner, self.new_uow, window)
        self.detector.scanned.connect(self.scans.handle_scan)
        self.detector.scanned.connect(self.scan_field.show_code)
        self.scan_field.scanned.connect(self.scans.handle_scan)
        self.scans.open_hit.connect(self.open_hit)
        self.scans.new_listing_with_upc.connect(lambda upc: self.open_listing(None, upc=upc))

        self.health = DatabaseHealth(runner, database)
        self.health.changed.connect(self._reachability_changed)
        window.restore_state(self.state)
        self.sync_view.start()
        self.notifications.refresh()
        self.cards.restore_state(self.state)
        self.cards.start()

    def _build_collection_pages(self) -> None:
        """The Cards and Storage pages."""
        runner, window = self.runner, self.window
        self.cards = CardsView(
            runner,
            self.new_uow,
            settings=self.state,
            cover_pixmap=lambda uri: self.thumbnails.pixmap(uri, COVER_SIZE),
            photo_strip_factory=lambda: PhotoStrip(self.runner, self.photos, self.thumbnails),
        )
        self.thumbnails.ready.connect(self.cards.model.cover_ready)
        self.cards.open_listing.connect(self.open_listing)
        self.cards.listings_created.connect(lambda _records: self._listings_changed())
        self.card_csv = CardCsvActions(
            self.cards, runner, self.new_uow, lambda text: window.statusBar().showMessage(text, 10000)
        )
        window.set_page(CARDS_PAGE, self.cards)
        self.storage = StorageView(runner, self.new_uow, settings=self.settings)
        self.storage.labels_requested.connect(self.print_labels)
        window.set_page(STORAGE_PAGE, self.storage)

    def new_uow(self) -> UnitOfWork:
        return self.database.unit_of_work(self.user.id)

    def start_sync(self, adapters: AdapterSource | None = None) -> SyncWorker:
        """Run the marketplace jobs in the background for this user; each pass refreshes the views."""
        worker = SyncWorker(self.database, self.user, self.settings, self.photos, adapters=adapters, parent=self)
        worker.pass_finished.connect(self._sync_pass_finished)
        worker.problem.connect(lambda text: self.window.statusBar().showMessage(f"Sync: {text}", 10000))
        self.sync_view.sync_requested.connect(worker.sync_now)
        self.sync_worker = worker
        worker.start()
        return worker

    def _sync_pass_finished(self, report: PassReport) -> None:
        if report.changed:
            self.refresh_sync_views()
            self.model.reload()  # platform chips and sold listings in the listings view
            self.storage.refresh()  # a sale takes the last unit's item off its shelf

    def refresh_sync_views(self) -> None:
        """Show what a sync pass changed: the board and the notifications (and their badges)."""
        self.sync_view.refresh()
        self.notifications.refresh()

    def open_marketplaces(self) -> QDialog:
        """The marketplace accounts and settings, in a dialog made on first use."""
        if self.marketplaces_dialog is None:
            # Imported here: the page pulls in the marketplace clients, which the rest of the
            # workspace does not need to start.
            from reseller_desktop.ui.marketplaces_page import MarketplacesPage

            dialog = QDialog(self.window)
            dialog.setWindowTitle("Marketplaces")
            dialog.resize(720, 560)
            layout = QVBoxLayout(dialog)
            layout.addWidget(MarketplacesPage(self.runner, self.database, self.user, self.settings, self.paths))
            self.marketplaces_dialog = dialog
        self.marketplaces_dialog.show()
        self.marketplaces_dialog.raise_()
        self.marketplaces_dialog.activateWindow()
        return self.marketplaces_dialog

    def open_listing(self, listing_id: int | None, upc: str = "") -> ListingEditor:
        """The editor of that listing (one per listing), or a new editor for a new listing."""
        editor = self.editors.get(listing_id) if listing_id is not None else None
        if editor is None:
            strip = PhotoStrip(self.runner, self.photos, self.thumbnails)
            editor = ListingEditor(
                self.runner,
                self.new_uow,
                listing_id,
                upc=upc,
                cooldown_minutes=self.settings.cancel_cooldown_minutes,
                photo_strip=strip,
                parent=self.window,
            )
            editor.saved.connect(lambda record, e=editor: self._listing_saved(e, record))
            editor.closed.connect(lambda e=editor: self._forget(e))
            if listing_id is None:
                self.new_editors.append(editor)
            else:
                self.editors[listing_id] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def all_editors(self) -> list[ListingEditor]:
        return [*self.editors.values(), *self.new_editors]

    def _forget(self, editor: ListingEditor) -> None:
        self.editors = {k: e for k, e in self.editors.items() if e is not editor}
        self.new_editors = [e for e in self.new_editors if e is not editor]
        editor.deleteLater()

    def open_hit(self, hit: ScanHit) -> None:
        """What a scan found, opened where it lives: a listing or card in its editor, a place on the
        Storage page (a storage item: the place it is in, with it selected)."""
        if hit.kind == HitKind.LISTING:
            self.open_listing(hit.id)
        elif hit.kind == HitKind.CARD:
            self.window.navigation.setCurrentRow(CARDS_PAGE)
            self.cards.open_card(hit.id)
        else:
            self.window.navigation.setCurrentRow(STORAGE_PAGE)
            new_uow = self.new_uow
            self.runner.run(
                lambda: place_of_hit(new_uow, hit),
                on_done=self._show_place,
                on_error=lambda error: self.window.statusBar().showMessage(describe_failure(error), 10000),
                label="Finding it in storage",
                owner=self,
            )

    def _show_place(self, found: tuple[ScanTarget | None, int | None, str]) -> None:
        target, item_id, message = found
        if target is not None:
            self.storage.select(target)
            if item_id is not None:
                self.storage.select_items_when_loaded([item_id])
        self.window.statusBar().showMessage(message, 8000)

    def print_labels(self, targets: LabelTargets) -> LabelDialog:
        dialog = LabelDialog(self.runner, self.new_uow, targets, self.window, settings=self.state)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _listings_changed(self) -> None:
        self.model.reload()
        self.listings.refresh_counts()

    def _listing_saved(self, editor: ListingEditor, record: ListingRecord) -> None:
        if editor in self.new_editors:  # a new listing now has its id
            self.new_editors.remove(editor)
            self.editors[record.id] = editor
            self.model.reload()
        else:
            self.model.refresh_rows([record.id])
        self.listings.refresh_counts()
        self.sync_view.refresh()  # a sale or a status change moves platform rows too
        self.storage.refresh()  # a sale of the last unit takes its item off the shelf

    def _reachability_changed(self, reachable: bool, reason: str) -> None:
        self.window.show_reachable(reachable, reason)
        if reachable:
            self.model.reload()
            self.refresh_sync_views()
            self.cards.reload()
            self.storage.refresh()

    def close_editors(self) -> bool:
        """Ask every open editor to close (each asks about unsaved changes); False if one stays."""
        for editor in self.all_editors():  # close() asks the user; stop at a "no"
            if editor.isVisible() and not editor.close():
                return False
        return self.cards.close_editors()

    def shut_down(self) -> None:
        if self.sync_worker is not None:
            # The pass under way finishes its call (bounded by the HTTP timeout); its outcome is
            # recorded, or its lease runs out and another client repeats the step safely.
            self.sync_worker.stop(timeout=5)
        self.health.stop()
        self.detector.remove()
        self.window.save_state(self.state)
        self.listings.save_state(self.state)
        self.cards.save_state(self.state)
        self.state.sync()
