"""The red line a view shows while its data cannot be read, with a Retry button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from reseller_desktop.services.startup import describe_failure


class OfflineBanner(QWidget):
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("")
        self.label.setStyleSheet("background: #fef2f2; color: #991b1b; padding: 6px")
        self.label.setWordWrap(True)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self.retry)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        self.hide()

    def show_error(self, error: BaseException) -> None:
        self.label.setText(f"Offline: {describe_failure(error)}")
        self.show()

    def text(self) -> str:
        return self.label.text()
