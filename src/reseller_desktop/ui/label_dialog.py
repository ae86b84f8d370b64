"""Print, or save as PDF, labels for the bins, sections and storage items a seller selected.

The labels are loaded on the task runner; choosing the label size, the code type, whether section
labels list their contents and (on an Avery sheet) where to start re-plans and re-draws the
preview at once, on the GUI thread, with the same painter that writes the PDF and drives the
printer. A code that does not fit as Code 128 is printed as a QR code and the dialog says which;
one that does not fit at all is named before anything is printed.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.label_content import LabelData, LabelPlan, Symbology, plan_labels
from reseller_desktop.domain.label_sheets import MM_PER_INCH, SHEETS, SheetSize
from reseller_desktop.services.labels import LabelTargets, UnitOfWorkFactory, load_labels
from reseller_desktop.ui.label_render import page_image, pdf_bytes, prepare_printer, print_plan
from reseller_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
PREVIEW_SIZE = (420, 520)  # the most the preview takes on screen, in pixels
PREVIEW_MAX_DPI = 300
CODE_CHOICES = (
    (Symbology.CODE128, "Code 128 bars (any USB barcode scanner)"),
    (Symbology.QR, "QR code (2D scanners and phones)"),
)
_SETTINGS_KEYS = ("labels/sheet", "labels/code", "labels/list_contents")


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a temporary file beside it, then renamed over it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class LabelDialog(QDialog):
    saved = Signal(str)  # the path of a PDF just written
    printed = Signal(int)  # how many labels went to the printer

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        targets: LabelTargets,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.new_uow = new_uow
        self.targets = targets
        self.settings = settings
        self.labels: list[LabelData] | None = None
        self.plan: LabelPlan | None = None
        self.loading = False
        self._loads = 0  # numbers each load; an answer to an earlier one is dropped
        self.setWindowTitle("Print labels")

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.sheet_box = QComboBox()
        for size, sheet in SHEETS.items():
            self.sheet_box.addItem(sheet.title, size)
        self.code_box = QComboBox()
        for symbology, text in CODE_CHOICES:
            self.code_box.addItem(text, symbology)
        self.bin_sections_box = QCheckBox("Also print a label for each section of the selected bins")
        self.bin_sections_box.setVisible(bool(targets.bin_ids))
        self.contents_box = QCheckBox("List contents on section labels")
        self.contents_box.setToolTip(
            "A 4 x 6 in label lists the items a section holds; smaller labels show how many there are."
        )
        self.contents_box.setChecked(True)
        self.start_box = QSpinBox()
        self.start_box.setToolTip(
            "On a partly used sheet, start at the first unused label. Labels are numbered across each "
            "row from the top left: 1, 2, 3 on the first row, 4, 5, 6 on the next."
        )
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(*PREVIEW_SIZE)
        self.page_note = QLabel()
        self.page_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        tip = QLabel("Printing the PDF from a viewer? Choose Actual size (100 %), not Fit to page.")
        tip.setWordWrap(True)

        self.save_button = QPushButton("Save as PDF…")
        self.print_button = QPushButton("Print…")
        self.save_button.clicked.connect(self.ask_and_save)
        self.print_button.clicked.connect(self.ask_and_print)
        self._lay_out(tip)

        self._restore_choices()
        self._sheet_changed()
        self.sheet_box.currentIndexChanged.connect(self._sheet_changed)
        self.code_box.currentIndexChanged.connect(self.replan)
        self.contents_box.toggled.connect(self.replan)
        self.start_box.valueChanged.connect(self.replan)
        self.bin_sections_box.toggled.connect(self.load)
        self.load()

    def _lay_out(self, tip: QLabel) -> None:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Label size:", self.sheet_box)
        form.addRow("Code:", self.code_box)
        form.addRow("Start at label:", self.start_box)
        form.addRow(self.contents_box)
        form.addRow(self.bin_sections_box)
        choices = QVBoxLayout()
        choices.addWidget(self.summary)
        choices.addLayout(form)
        choices.addWidget(self.notice)
        choices.addStretch(1)
        choices.addWidget(tip)
        shown = QVBoxLayout()
        shown.addWidget(self.preview, 1)
        shown.addWidget(self.page_note)
        columns = QHBoxLayout()
        columns.addLayout(choices, 1)
        columns.addLayout(shown, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(buttons)

    # ---- choices ---------------------------------------------------------------------------------

    @property
    def sheet_size(self) -> SheetSize:
        return SheetSize(self.sheet_box.currentData())

    @property
    def symbology(self) -> Symbology:
        return Symbology(self.code_box.currentData())

    def choose(
        self,
        sheet: SheetSize | None = None,
        symbology: Symbology | None = None,
        *,
        list_contents: bool | None = None,
        start_position: int | None = None,
    ) -> None:
        """Set choices as the user would (each re-plans the labels)."""
        if sheet is not None:
            self.sheet_box.setCurrentIndex(self.sheet_box.findData(sheet))
        if symbology is not None:
            self.code_box.setCurrentIndex(self.code_box.findData(symbology))
        if list_contents is not None:
            self.contents_box.setChecked(list_contents)
        if start_position is not None:
            self.start_box.setValue(start_position)

    def _restore_choices(self) -> None:
        if self.settings is None:
            return
        sheet, code, contents = (self.settings.value(key) for key in _SETTINGS_KEYS)
        if (index := self.sheet_box.findData(sheet)) >= 0:
            self.sheet_box.setCurrentIndex(index)
        if (index := self.code_box.findData(code)) >= 0:
            self.code_box.setCurrentIndex(index)
        if contents is not None:
            self.contents_box.setChecked(str(contents).lower() in {"true", "1"})

    def _remember_choices(self) -> None:
        if self.settings is None:
            return
        values = (str(self.sheet_size), str(self.symbology), self.contents_box.isChecked())
        for key, value in zip(_SETTINGS_KEYS, values, strict=True):
            self.settings.setValue(key, value)

    def _sheet_changed(self) -> None:
        sheet = SHEETS[self.sheet_size]
        self.start_box.setRange(1, sheet.labels_per_page)
        self.start_box.setSuffix(f" of {sheet.labels_per_page}")
        self.start_box.setEnabled(sheet.takes_start_position)
        self.replan()

    # ---- loading, on the runner ------------------------------------------------------------------

    def load(self) -> None:
        self.labels = None
        self._loads += 1
        if self.targets.is_empty:
            self.summary.setText("Nothing is selected to label. Select bins, sections or items first.")
            self.replan()
            return
        number = self._loads
        self.loading = True
        new_uow, targets, bin_sections = self.new_uow, self.targets, self.bin_sections_box.isChecked()
        self.summary.setText(f"Loading labels for {targets.describe()}…")
        self.replan()
        self.runner.run(
            lambda: load_labels(new_uow, targets, bin_sections=bin_sections),
            on_done=lambda labels: self._loaded(number, labels),
            on_error=lambda error: self._load_failed(number, error),
            label="Loading labels",
            owner=self,
        )

    def _loaded(self, number: int, labels: list[LabelData]) -> None:
        if number != self._loads:
            return
        self.loading = False
        self.labels = labels
        self.replan()

    def _load_failed(self, number: int, error: BaseException) -> None:
        if number != self._loads:
            return
        self.loading = False
        if isinstance(error, UserError):
            self.summary.setText(f"Could not load the labels: {error.message} {error.hint}".strip())
        else:
            log.error("loading labels failed", exc_info=error)
            self.summary.setText(f"Could not load the labels because of a program error: {error}")
        self.replan()

    # ---- plan and preview, on the GUI thread -----------------------------------------------------

    def replan(self) -> None:
        self.plan = None
        self.notice.clear()
        if self.labels is not None:
            try:
                self.plan = plan_labels(
                    self.labels,
                    self.sheet_size,
                    self.symbology,
                    list_contents=self.contents_box.isChecked(),
                    start_position=self.start_box.value(),
                )
            except UserError as error:
                self.notice.setText(f"{error.message} {error.hint}".strip())
        if self.plan is not None:
            self._describe(self.plan)
        ready = self.plan is not None and bool(self.plan.labels)
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)
        self._show_preview()

    def _describe(self, plan: LabelPlan) -> None:
        pages = "sheet" if plan.sheet.labels_per_page > 1 else "page"
        labels = _plural(len(plan.labels), "label", "labels")
        if plan.labels:
            self.summary.setText(
                f"{labels} for {self.targets.describe()}, on {_plural(plan.page_count, pages, pages + 's')}."
            )
        else:
            self.summary.setText(f"The selected {self.targets.describe()} give no labels.")
        if plan.fallbacks:
            codes = ", ".join(planned.label.code for planned in plan.fallbacks[:5])
            more = f" and {len(plan.fallbacks) - 5} more" if len(plan.fallbacks) > 5 else ""
            reasons = sorted({planned.fallback for planned in plan.fallbacks})
            self.notice.setText(
                f"{_plural(len(plan.fallbacks), 'label carries', 'labels carry')} a QR code instead of "
                f"Code 128 ({codes}{more}): {'; '.join(reasons)}. "
                "A 2D scanner or a phone reads it; a scanner that reads only bars does not."
            )

    def _show_preview(self) -> None:
        if self.plan is None or not self.plan.labels:
            self.preview.clear()
            self.page_note.clear()
            return
        sheet = self.plan.sheet
        width, height = PREVIEW_SIZE
        fit_dpi = min(width / (sheet.page_width / MM_PER_INCH), height / (sheet.page_height / MM_PER_INCH))
        # Drawn at twice the size it is shown, then scaled down smoothly: thin bars stay visible.
        image = page_image(self.plan, 0, min(PREVIEW_MAX_DPI, 2 * fit_dpi), show_slots=True)
        pixmap = QPixmap.fromImage(image).scaled(
            width, height, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.preview.setPixmap(pixmap)
        pages = self.plan.page_count
        self.page_note.setText("Page 1 of 1" if pages == 1 else f"Page 1 of {pages} (the preview shows the first)")

    # ---- output --------------------------------------------------------------------------------

    def _default_pdf_path(self) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        return Path(folder) / f"labels-{self.sheet_size.value.replace('_', '-')}.pdf"

    def ask_and_save(self) -> None:
        if self.plan is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save labels as PDF", str(self._default_pdf_path()), "PDF files (*.pdf)"
        )
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        """Write the labels to `path` (".pdf" added when missing); `saved` says when it is there."""
        plan = self.plan
        if plan is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(f"{path.name}.pdf")
        data = pdf_bytes(plan)  # painted here: a QPdfWriter belongs to the thread that paints it
        self._remember_choices()
        self.notice.setText(f"Saving {path.name}…")
        self.runner.run(
            lambda: write_file(path, data),
            on_done=lambda _: self._saved(plan, path),
            on_error=lambda error: self._save_failed(path, error),
            label=f"Saving {path.name}",
            owner=self,
        )

    def _saved(self, plan: LabelPlan, path: Path) -> None:
        self.notice.setText(
            f"Saved {_plural(len(plan.labels), 'label', 'labels')} "
            f"({_plural(plan.page_count, 'page', 'pages')}) to {path}."
        )
        self.saved.emit(str(path))

    def _save_failed(self, path: Path, error: BaseException) -> None:
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            self.notice.setText(f"Could not save {path}: {reason}. Choose another folder or file name.")
        else:
            log.error("saving labels to %s failed", path, exc_info=error)
            self.notice.setText(f"Could not save {path} because of a program error: {error}")

    def make_printer(self) -> QPrinter:
        """The default printer, set up for the chosen label size, for the print dialog to show."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        prepare_printer(printer, SHEETS[self.sheet_size])
        return printer

    def ask_and_print(self) -> None:
        if self.plan is None:
            return
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print labels")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print the labels on `printer`, as set up in the print dialog."""
        plan = self.plan
        if plan is None:
            return
        try:
            print_plan(printer, plan)
        except UserError as error:
            self.notice.setText(f"{error.message} {error.hint}".strip())
            return
        self._remember_choices()
        where = printer.printerName() or printer.outputFileName() or "the printer"
        self.notice.setText(f"Sent {_plural(len(plan.labels), 'label', 'labels')} to {where}.")
        self.printed.emit(len(plan.labels))
