"""Small dialogs of the sync view: list on more platforms, and the address of a listing posted by hand.

Both stay open while their change is saved: what the database refuses is shown next to what it is
about, and the dialog closes only once the change went through.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.platforms import PLATFORMS, label
from reseller_desktop.services.sync_actions import ListOnOutcome
from reseller_desktop.services.sync_board import BoardRow

# On these the listing is (or is about to be) up; listing there again makes no sense.
LIVE_HERE = ("pending", "active", "pending_cancel")
ERROR_STYLE = "color: #b91c1c"


def platforms_to_offer(row: BoardRow) -> list[str]:
    """Known platforms the listing is not live on: never added, or canceled, sold or failed there."""
    return [name for name in PLATFORMS if name not in row.cells or row.cells[name].status not in LIVE_HERE]


class ListOnDialog(QDialog):
    submitted = Signal(list)  # the platform names ticked

    def __init__(self, row: BoardRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("List on more platforms")
        self.setMinimumWidth(480)  # room for what to fix next to each platform
        self.row = row
        self.checks: dict[str, QCheckBox] = {}
        self.problems: dict[str, QLabel] = {}
        intro = QLabel(f"List “{row.title}” on:")
        intro.setWordWrap(True)
        grid = QGridLayout()
        for position, platform in enumerate(platforms_to_offer(row)):
            check = QCheckBox(label(platform))
            cell = row.cells.get(platform)
            if cell is not None:
                check.setToolTip(f"It was {cell.status} there; ticking it lists it again.")
            problem = QLabel("")
            problem.setWordWrap(True)
            problem.hide()
            check.toggled.connect(self._ticked)
            grid.addWidget(check, position, 0)
            grid.addWidget(problem, position, 1)
            self.checks[platform] = check
            self.problems[platform] = problem
        self.empty = QLabel("It is already on every platform the app knows.")
        self.empty.setVisible(not self.checks)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("List")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._ticked()

    def chosen(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.isChecked() and check.isEnabled()]

    def _ticked(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.chosen()))

    def _submit(self) -> None:
        self.error.setText("")
        self.buttons.setEnabled(False)
        self.submitted.emit(self.chosen())

    def show_outcome(self, outcome: ListOnOutcome) -> None:
        """Mark what was queued; show, per platform, what to fix. Closes when nothing was refused."""
        self.buttons.setEnabled(True)
        for platform in (*outcome.added, *outcome.already):
            check = self.checks.get(platform)
            if check is not None:
                check.setEnabled(False)
                self.problems[platform].setText("queued" if platform in outcome.added else "already listed")
                self.problems[platform].setStyleSheet("color: #15803d")
                self.problems[platform].show()
        for platform, errors in outcome.refused.items():
            problem = self.problems.get(platform)
            if problem is not None:
                problem.setText("Fix first: " + " ".join(error.message for error in errors))
                problem.setStyleSheet(ERROR_STYLE)
                problem.show()
        self._ticked()
        if not outcome.refused:
            self.accept()

    def show_error(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message)


class MarkPostedDialog(QDialog):
    submitted = Signal(str)  # the listing's address on the platform

    def __init__(self, title: str, platform: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Posted on {label(platform)}")
        intro = QLabel(f"Paste the address of “{title}” on {label(platform)}:")
        intro.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://")
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Mark posted")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.url.textChanged.connect(self._typed)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.url)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._typed()

    def _typed(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.url.text().strip()))

    def _submit(self) -> None:
        self.error.setText("")
        self.buttons.setEnabled(False)
        self.submitted.emit(self.url.text().strip())

    def show_error(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message)
