"""The main window: navigation to the workspaces, and a status bar that says who and where."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop import APP_NAME, __version__
from reseller_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    # Only a type here: the module brings in the database stack, which the window must not wait
    # for (it is shown before any of that is imported; see ui/app.py).
    from reseller_desktop.services.startup import StartupReport

PAGES = (
    ("Listings", "Your listings appear here."),
    ("Cards", "Your trading-card collections appear here."),
    ("Storage", "Your bins, sections and stored items appear here."),
    ("Sync", "Marketplace sync status appears here."),
    ("Notifications", "Sales, errors and warnings appear here."),
)


class EmptyPage(QWidget):
    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.setObjectName(f"page-{title.lower()}")
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{title}</h2>")
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.message)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    settings_requested = Signal()
    marketplaces_requested = Signal()

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self.runner = runner
        self.report: StartupReport | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1200, 760)

        self.navigation = QListWidget()
        self.navigation.setMinimumWidth(120)
        self.pages = QStackedWidget()
        for title, text in PAGES:
            self.navigation.addItem(title)
            self.pages.addWidget(EmptyPage(title, text))
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.navigation.setCurrentRow(0)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.navigation)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1030])
        self.setCentralWidget(self.splitter)
        self.toolbar = self.addToolBar("Scan")
        self.toolbar.setObjectName("scan-toolbar")
        self.toolbar.setMovable(False)
        # Asked before the window closes; the workspace answers False when an editor stays open.
        self.may_close: Callable[[], bool] = lambda: True

        self.user_label = QLabel("Not signed in")
        self.database_label = QLabel("Starting the database…")
        self.busy_label = QLabel("")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: background work of unknown length
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        status = self.statusBar()
        status.addWidget(self.user_label)
        status.addWidget(self.database_label)
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.busy_bar)
        runner.busy_changed.connect(self._show_busy)

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Settings…", self.settings_requested.emit)
        # Enabled once someone is signed in: marketplace accounts belong to a user.
        self.marketplaces_action = file_menu.addAction("&Marketplaces…", self.marketplaces_requested.emit)
        self.marketplaces_action.setEnabled(False)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", self.close)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About", self.show_about)

    # ----- called on the GUI thread with results from the task runner ----------------------------
    def show_started(self, report: StartupReport) -> None:
        self.report = report
        self.show_started_label(report)
        if report.user is not None:
            self.show_user(report.user.username, report.user.email)
        if report.schema_problems:
            QMessageBox.warning(
                self,
                "Existing data breaks some rules",
                "The database is in use, but some rows written before break rules that now apply to new "
                "writes:\n\n" + "\n".join(report.schema_problems),
            )

    def set_page(self, position: int, widget: QWidget) -> None:
        old = self.pages.widget(position)
        self.pages.insertWidget(position, widget)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        self.pages.setCurrentIndex(self.navigation.currentRow())

    def set_badge(self, position: int, count: int) -> None:
        """Show a count next to a page's name in the navigation ("Notifications (3)"); none at 0."""
        title = PAGES[position][0]
        self.navigation.item(position).setText(f"{title} ({count:,})" if count > 0 else title)

    def show_reachable(self, reachable: bool, reason: str) -> None:
        if reachable and self.report is not None:
            self.show_started_label(self.report)
        elif reachable:
            self.database_label.setText("Connected to the database")
            self.database_label.setToolTip("")
        else:
            self.database_label.setText("Database unavailable — retrying")
            self.database_label.setToolTip(reason)

    def show_started_label(self, report: StartupReport) -> None:
        where = "embedded database" if report.embedded else f"database {report.database}"
        self.database_label.setText(f"Connected to {where}")
        self.database_label.setToolTip(f"Schema revision {report.revision}")

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, restore in (
            ("window/geometry", self.restoreGeometry),
            ("window/state", self.restoreState),
            ("window/splitter", self.splitter.restoreState),
        ):
            value = settings.value(key)
            if value is not None:
                restore(value)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.may_close():
            event.accept()
        else:
            event.ignore()

    def show_user(self, username: str, email: str) -> None:
        self.user_label.setText(f"Signed in as {username} ({email})")

    def show_offline(self, message: str) -> None:
        self.database_label.setText("Database unavailable")
        self.database_label.setToolTip(message)
        page = self.pages.currentWidget()
        if isinstance(page, EmptyPage):
            page.message.setText(message)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Inventory and cross-listing for resellers.",
        )

    def _show_busy(self, count: int, label: str) -> None:
        self.busy_bar.setVisible(count > 0)
        self.busy_label.setText(f"{label}…" if count else "")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignRight)
