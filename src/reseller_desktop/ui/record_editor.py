"""What the listing and card editors share: loading and saving on the task runner, a message beside
Save and Close, each field's errors under it, and unsaved changes that are never dropped silently
(closing, and Escape, ask).

A subclass builds its form in `fields`, says what the form holds (`values`), what is wrong with it
(`field_errors`), how a record fills it (`_show`) and how changes are saved (`_submit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b00020"
# The location field of a stored listing or card: the database keeps it to the storage item's place.
LOCATION_FOLLOWS = "Follows the storage item it is in; move it on the Storage page."


class RecordEditor(QDialog):
    saved = Signal(object)  # the record, after every successful save
    closed = Signal()  # the user closed it (after any question about unsaved changes)
    noun = "record"  # as the question about unsaved changes names it

    def __init__(
        self, runner: TaskRunner, new_uow: Callable[[], UnitOfWork], photo_strip: Any, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._new_uow = new_uow
        self.record: Any = None
        self._saved_values: dict[str, Any] = {}
        self.photo_strip = photo_strip
        self._busy = False
        self.errors: dict[str, QLabel] = {}
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        # Everything the user can type in; read-only while a save is on its way, so nothing typed
        # meanwhile is overwritten by the saved record coming back.
        self.fields = QWidget()
        self.fields_layout = QVBoxLayout(self.fields)
        self.fields_layout.setContentsMargins(0, 0, 0, 0)

    # ----- what a subclass says -------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The record as the form holds it, in the repository's field names."""
        raise NotImplementedError(f"{type(self).__name__} says what its form holds")

    def field_errors(self) -> list[FieldError]:
        raise NotImplementedError(f"{type(self).__name__} says what is wrong with its form")

    def _show(self, record: Any) -> None:
        """Fill the form from `record` (None: a new one), then call _shown()."""
        raise NotImplementedError(f"{type(self).__name__} says how a record fills its form")

    def _submit(self, values: dict[str, Any]) -> None:
        """Save `values` (all of a new record's, the changed ones of a loaded record) through _run_save."""
        raise NotImplementedError(f"{type(self).__name__} says how it saves")

    # ----- layout ---------------------------------------------------------------------------------
    def _error_labels(self, names: Iterable[str]) -> None:
        """A hidden label in red for the errors of each of these fields, for the form to place."""
        for name in names:
            label = QLabel("")
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.hide()
            self.errors[name] = label

    def _lay_out_window(self, *buttons: QPushButton) -> None:
        """The fields (and the photo strip under them) over the message, `buttons`, Save and Close."""
        if self.photo_strip is not None:
            self.fields_layout.addWidget(self.photo_strip)
            self.photo_strip.photos_changed.connect(self.validate)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        for button in (*buttons, self.save_button, close_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.fields)
        layout.addLayout(row)

    # ----- load, validate, save -------------------------------------------------------------------
    def _open(self, load: Callable[[], Any] | None) -> None:
        """Show the record `load` returns, loaded on the runner; an empty form when there is none."""
        if load is None:
            self._show(None)
            return
        self._set_busy(True, "Loading…")
        self._runner.run(load, on_done=self._show, on_error=self._failed, label="Opening", owner=self)

    def _shown(self) -> None:
        """After `_show`: what the form holds now is what is saved."""
        self._saved_values = self.values()
        self._set_busy(False, "")
        self.validate()

    def is_dirty(self) -> bool:
        return self.values() != self._saved_values

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.values().items() if self._saved_values.get(k) != v}

    def validate(self) -> bool:
        """Show each field's errors under it; Save is enabled for valid changes when nothing is under way."""
        errors = self.field_errors()
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.message)
        for field, widget in self.errors.items():
            widget.setText(" ".join(by_field.get(field, [])))
            widget.setVisible(field in by_field)
        adding_photos = self.photo_strip is not None and self.photo_strip.is_busy()
        self.save_button.setEnabled(not errors and self.is_dirty() and not adding_photos and not self._busy)
        return not errors

    def save(self) -> None:
        if self.validate():
            self._submit(self.values() if self.record is None else self.changes())

    def _run_save(self, work: Callable[[], Any], label: str) -> None:
        self._set_busy(True, "Saving…")
        self._runner.run(work, on_done=self._saved, on_error=self._save_failed, label=label, owner=self)

    def _saved(self, record: Any) -> None:
        self._show(record)  # as stored: what the database made of it (a generated SKU, a tier) shows now
        self.message.setText("Saved.")
        self.saved.emit(record)

    def _save_failed(self, error: BaseException) -> None:
        self._set_busy(False, describe_failure(error))
        self.validate()

    def _set_busy(self, busy: bool, text: str) -> None:
        self._busy = busy
        self.message.setText(text)
        self.fields.setEnabled(not busy)
        self.save_button.setEnabled(not busy)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False, describe_failure(error))

    # ----- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.is_dirty():
            event.accept()
            self.closed.emit()
            return
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"This {self.noun} has changes that are not saved. Save them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save and self.validate():
            self.save()
            event.ignore()
        elif answer == QMessageBox.StandardButton.Discard:
            self._saved_values = self.values()
            event.accept()
            self.closed.emit()
        else:
            event.ignore()

    def reject(self) -> None:  # Escape goes through the same question as the close button
        self.close()
