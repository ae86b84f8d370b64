"""Asking the seller a yes/no question before something that cannot be taken back lightly."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget | None, title: str, question: str) -> bool:
    """True when the seller answers Yes."""
    return QMessageBox.question(parent, title, question) == QMessageBox.StandardButton.Yes
