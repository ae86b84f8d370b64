"""Small dialogs of the Storage page: new bin, new section, rename, capacity, and where to move to.

Each stays open while its change is saved: the page runs the work and either closes the dialog
(`done_saving`) or shows what the database refused in it (`show_error`), so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from reseller_desktop.domain.records import BinRecord
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.services.storage_browser import STANDARD_BIN_TYPES

ERROR_STYLE = "color: #b91c1c"
NO_LIMIT = "No limit"
MAX_CAPACITY = 1_000_000


class SavingDialog(QDialog):
    """OK asks the page to save (`submitted`); the dialog closes only when the page says it worked."""

    submitted = Signal(object)  # what `values()` returns
    values: Callable[[], object]  # each dialog's input, checked by `problem()` first

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout(self)
        self.error = QLabel("")
        self.error.setObjectName("dialog-error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self) -> None:
        self.form.addRow(self.error)
        self.form.addRow(self.buttons)

    def _ok(self) -> None:
        problem = self.problem()
        if problem:
            self.show_error(problem)
            return
        self.error.hide()
        self.ok_button.setEnabled(False)  # one save at a time
        self.submitted.emit(self.values())

    def problem(self) -> str:
        """What is wrong with the input, before asking the database ("" when nothing)."""
        return ""

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.ok_button.setEnabled(True)

    def done_saving(self) -> None:
        self.accept()


def _capacity_box(capacity: int | None) -> QSpinBox:
    box = QSpinBox()
    box.setRange(-1, MAX_CAPACITY)
    box.setSpecialValueText(NO_LIMIT)  # shown at -1
    box.setValue(-1 if capacity is None else capacity)
    box.setToolTip("How many items fit; leave at “No limit” for none")
    return box


def _capacity_of(box: QSpinBox) -> int | None:
    return None if box.value() < 0 else box.value()


class NewBinDialog(SavingDialog):
    """Submits (name, type, description)."""

    def __init__(self, bin_types: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("New bin", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("B, Blue tote, Shelf 2 …")
        self.bin_type = QComboBox()
        self.bin_type.setEditable(True)  # clothing, cards, or a type of the seller's own
        self.bin_type.addItems(list(dict.fromkeys([*STANDARD_BIN_TYPES, *bin_types])))
        self.description = QLineEdit()
        self.form.addRow("Name", self.name)
        self.form.addRow("Type", self.bin_type)
        self.form.addRow("Description", self.description)
        self.finish_layout()

    def problem(self) -> str:
        if not self.name.text().strip():
            return "Give the bin a name (it is printed on its label)."
        if not self.bin_type.currentText().strip():
            return "Give the bin a type, such as clothing or cards."
        return ""

    def values(self) -> tuple[str, str, str]:
        return self.name.text().strip(), self.bin_type.currentText().strip().lower(), self.description.text().strip()


class NewSectionDialog(SavingDialog):
    """Submits (bin id, name, capacity or None for no limit)."""

    def __init__(self, bins: Sequence[BinRecord], bin_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__("New section", parent)
        self.bin = QComboBox()
        for record in bins:
            self.bin.addItem(f"{record.bin_name} ({record.bin_type})", record.id)
        if bin_id is not None:
            self.bin.setCurrentIndex(max(self.bin.findData(bin_id), 0))
        self.name = QLineEdit()
        self.name.setPlaceholderText("1, Top, Left …")
        self.capacity = _capacity_box(None)
        self.form.addRow("Bin", self.bin)
        self.form.addRow("Name", self.name)
        self.form.addRow("Capacity", self.capacity)
        self.finish_layout()

    def problem(self) -> str:
        if self.bin.currentData() is None:
            return "Make a bin first; sections are parts of a bin."
        return "" if self.name.text().strip() else "Give the section a name (it is printed on its label)."

    def values(self) -> tuple[int, str, int | None]:
        return int(self.bin.currentData()), self.name.text().strip(), _capacity_of(self.capacity)


class RenameDialog(SavingDialog):
    """Submits the new name."""

    def __init__(self, target: ScanTarget, current_name: str, parent: QWidget | None = None) -> None:
        what = "bin" if target.section_id is None else "section"
        super().__init__(f"Rename {what}", parent)
        self.name = QLineEdit(current_name)
        self.name.selectAll()
        self.form.addRow(QLabel(f"Rename {what} {target.path} to"))
        self.form.addRow("Name", self.name)
        self.finish_layout()

    def problem(self) -> str:
        return "" if self.name.text().strip() else "A name is required."

    def values(self) -> str:
        return self.name.text().strip()


class CapacityDialog(SavingDialog):
    """Submits the capacity, or None for no limit."""

    def __init__(self, target: ScanTarget, capacity: int | None, items: int, parent: QWidget | None = None) -> None:
        super().__init__("Section capacity", parent)
        self.capacity = _capacity_box(capacity)
        self.form.addRow(QLabel(f"{target.path} holds {items} item(s) now."))
        self.form.addRow("Capacity", self.capacity)
        self.finish_layout()

    def values(self) -> int | None:
        return _capacity_of(self.capacity)


class MoveToDialog(SavingDialog):
    """Pick the bin or section the selected items go to; type to narrow the list. Submits the ScanTarget."""

    def __init__(self, targets: Sequence[ScanTarget], count: int, parent: QWidget | None = None) -> None:
        super().__init__("Move to", parent)
        self.setMinimumWidth(360)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type part of a bin or section name")
        self.filter.setClearButtonEnabled(True)
        self.places = QListWidget()
        for target in targets:
            label = target.path if target.section_id is not None else f"{target.path} (loose in the bin)"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, target)
            self.places.addItem(item)
        self.places.setCurrentRow(0)
        self.places.itemDoubleClicked.connect(lambda _item: self._ok())
        self.filter.textChanged.connect(self._narrow)
        self.form.addRow(QLabel(f"Move {count} item(s) to:"))
        self.form.addRow(self.filter)
        self.form.addRow(self.places)
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.finish_layout()

    def _narrow(self, text: str) -> None:
        wanted = text.strip().casefold()
        first_shown = None
        for row in range(self.places.count()):
            item = self.places.item(row)
            target = item.data(Qt.ItemDataRole.UserRole)
            hidden = bool(wanted) and wanted not in target.path.casefold()  # not "(loose in the bin)"
            item.setHidden(hidden)
            if not hidden and first_shown is None:
                first_shown = row
        if first_shown is not None:
            self.places.setCurrentRow(first_shown)

    def chosen(self) -> ScanTarget | None:
        item = self.places.currentItem()
        if item is None or item.isHidden():
            return None
        target = item.data(Qt.ItemDataRole.UserRole)
        return target if isinstance(target, ScanTarget) else None

    def choose(self, target: ScanTarget) -> None:
        for row in range(self.places.count()):
            if self.places.item(row).data(Qt.ItemDataRole.UserRole) == target:
                self.places.setCurrentRow(row)

    def problem(self) -> str:
        return "" if self.chosen() is not None else "Pick the bin or section to move to."

    def values(self) -> ScanTarget | None:
        return self.chosen()
