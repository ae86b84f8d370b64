"""Everything the seller needs to post a listing by hand: text to copy, the photos in one folder, and
the platform's "new listing" page one click away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.services.manual_posting import ManualPost

UrlOpener = Callable[[QUrl], bool]


class ManualPostDialog(QDialog):
    def __init__(self, post: ManualPost, open_url: UrlOpener = QDesktopServices.openUrl, parent: QWidget | None = None):
        super().__init__(parent)
        self.post = post
        self._open_url = open_url
        self.setWindowTitle(f"Post on {post.platform_label}")
        self.resize(560, 480)
        self.title = QLineEdit(post.title)
        self.description = QPlainTextEdit(post.description)
        self.price = QLineEdit(post.price)
        for field in (self.title, self.description, self.price):
            field.setReadOnly(True)
        self.copy_buttons: dict[str, QPushButton] = {}
        form = QFormLayout()
        form.addRow("Title", self._with_copy("title", self.title, lambda: post.title))
        form.addRow("Description", self._with_copy("description", self.description, lambda: post.description))
        form.addRow("Price", self._with_copy("price", self.price, lambda: post.price))
        details = [
            f"Condition: {post.condition.replace('_', ' ')}" if post.condition else "",
            f"SKU: {post.sku or '—'}",
        ]
        form.addRow("", QLabel("   ".join(d for d in details if d)))

        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b91c1c")
        if post.problems:
            self.problems.setText(f"{post.platform_label} will refuse it as it is: " + " ".join(post.problems))
        self.problems.setVisible(bool(post.problems))
        self.photos_label = QLabel(
            f"{post.photo_count} photo(s), numbered in order (the cover first), in {post.photo_folder}"
            if post.photo_count
            else f"No photos to copy: add photos to the listing first ({post.photo_folder} is empty)."
        )
        self.photos_label.setWordWrap(True)
        self.folder_button = QPushButton("Open photo folder")
        self.folder_button.clicked.connect(lambda: self._open(QUrl.fromLocalFile(str(post.photo_folder))))
        self.platform_button = QPushButton(f"Open {post.platform_label}")
        self.platform_button.setEnabled(bool(post.post_url))
        self.platform_button.clicked.connect(lambda: self._open(QUrl(post.post_url)))
        self.copied = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        opening = QHBoxLayout()
        opening.addWidget(self.folder_button)
        opening.addWidget(self.platform_button)
        opening.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.problems)
        layout.addLayout(form, 1)
        layout.addWidget(self.photos_label)
        layout.addLayout(opening)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)

    def _open(self, url: QUrl) -> None:
        if not self._open_url(url):  # no file manager or browser set up: say where it is instead
            where = url.toLocalFile() if url.isLocalFile() else url.toString()
            self.copied.setText(f"Could not open it here; it is at {where}")

    def _with_copy(self, name: str, field: QWidget, text: Callable[[], str]) -> QWidget:
        button = QPushButton("Copy")
        button.clicked.connect(lambda: self.copy(name, text()))
        self.copy_buttons[name] = button
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        row.addWidget(button)
        return holder

    def copy(self, name: str, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.setText(f"Copied the {name}; paste it into {self.post.platform_label}.")
