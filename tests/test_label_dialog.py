"""The label dialog driven as a seller would: real widgets, a real database, the real task runner,
real PDF files (and a PDF printer standing in for a label printer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from tests.label_support import (  # noqa: F401  (*_fixture: fixtures)
    Factory,
    Stock,
    add_item,
    as_alice_fixture,
    pdf_page_count,
    pdf_page_sizes,
    stock_fixture,
)
from tests.storage_support import runner_fixture  # noqa: F401  (a fixture)

from reseller_desktop.domain.label_content import Symbology
from reseller_desktop.domain.label_sheets import SheetSize
from reseller_desktop.services.labels import LabelTargets
from reseller_desktop.ui.label_dialog import LabelDialog
from reseller_desktop.ui.tasks import TaskRunner

WAIT_MS = 60_000  # a bound for slow machines, not a speed requirement


def open_dialog(
    qtbot: QtBot, runner: TaskRunner, factory: Factory, targets: LabelTargets, settings: QSettings | None = None
) -> LabelDialog:
    dialog = LabelDialog(runner, factory, targets, settings=settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT_MS)
    return dialog


def answer_save_dialog(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """The file dialog answers `path`; returns the suggested names it was asked with."""
    asked: list[str] = []

    def choose(parent: object, caption: str, suggested: str, filter: str) -> tuple[str, str]:
        asked.append(suggested)
        return str(path), filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    return asked


def test_choose_4x6_and_save_a_pdf(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = LabelTargets(bin_ids=(stock.bin_id,), item_ids=stock.item_ids[:1])
    dialog = open_dialog(qtbot, runner, as_alice, targets)
    assert dialog.summary.text() == "2 labels for 1 bin and 1 item, on 1 sheet."
    assert not dialog.preview.pixmap().isNull()

    dialog.sheet_box.setCurrentIndex(dialog.sheet_box.findText("4 x 6 in label"))
    assert dialog.sheet_size is SheetSize.SHIPPING_4X6
    assert dialog.summary.text() == "2 labels for 1 bin and 1 item, on 2 pages."
    assert dialog.page_note.text() == "Page 1 of 2 (the preview shows the first)"
    asked = answer_save_dialog(monkeypatch, tmp_path / "bin B")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    written = tmp_path / "bin B.pdf"
    assert saved.args == [str(written)]
    assert asked[0].endswith("labels-shipping-4x6.pdf")
    data = written.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(data) == 2
    assert pdf_page_sizes(data) == {(288, 432)}
    assert dialog.notice.text() == f"Saved 2 labels (2 pages) to {written}."
    assert [p.name for p in tmp_path.iterdir()] == ["bin B.pdf"]  # no temporary file left behind


def test_the_start_position_is_offered_for_avery_sheets_only(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(item_ids=stock.item_ids))
    assert dialog.start_box.isEnabled()
    assert dialog.start_box.maximum() == 30

    dialog.choose(start_position=29)
    assert dialog.plan is not None
    assert [planned.placement.position for planned in dialog.plan.labels] == [28, 29, 0]
    assert dialog.summary.text() == "3 labels for 3 items, on 2 sheets."

    dialog.choose(SheetSize.THERMAL_2X1)
    assert not dialog.start_box.isEnabled()
    assert dialog.summary.text() == "3 labels for 3 items, on 3 pages."


def test_a_bins_sections_are_added_on_request(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(bin_ids=(stock.bin_id,)))
    assert not dialog.bin_sections_box.isHidden()
    assert dialog.labels is not None
    assert [label.title for label in dialog.labels] == ["Bin B"]

    dialog.bin_sections_box.setChecked(True)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=WAIT_MS)

    assert [label.title for label in dialog.labels] == ["Bin B", "B › 1", "B › 3"]
    assert dialog.summary.text() == "3 labels for 1 bin, on 1 sheet."


def test_codes_that_do_not_fit_are_named(qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock) -> None:
    long_id = "LOT-2024-SPRING-ESTATE-SALE-BOX-0042-TOP"
    huge_id = "SI-" + "7" * 1500
    long_item = add_item(as_alice, title="Estate sale box", storage_id=long_id)
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(item_ids=(stock.item_ids[0], long_item)))

    assert dialog.notice.text().startswith(f"1 label carries a QR code instead of Code 128 ({long_id}): its code is")
    assert dialog.save_button.isEnabled()

    huge_item = add_item(as_alice, title="Imported lot", storage_id=huge_id)
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(item_ids=(huge_item,)))
    dialog.choose(SheetSize.THERMAL_2X1)
    assert "'Imported lot' is too long to print readably on a 2 x 1 in thermal roll label" in dialog.notice.text()
    assert "Choose a larger label size" in dialog.notice.text()
    assert not dialog.save_button.isEnabled()
    assert not dialog.print_button.isEnabled()
    assert dialog.preview.pixmap().isNull()

    dialog.choose(SheetSize.SHIPPING_4X6)
    assert dialog.save_button.isEnabled()


def test_printing_paints_the_same_labels_on_the_printer(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(section_ids=(stock.full_section,)))
    dialog.choose(SheetSize.THERMAL_2X1, Symbology.QR)
    printer = dialog.make_printer()  # what the print dialog shows; the user picks "Print to file"
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))

    with qtbot.waitSignal(dialog.printed) as printed:
        dialog.print_to(printer)

    assert printed.args == [1]
    data = (tmp_path / "printed.pdf").read_bytes()
    assert pdf_page_count(data) == 1
    assert pdf_page_sizes(data) == {(144, 72)}
    assert dialog.notice.text() == f"Sent 1 label to {tmp_path / 'printed.pdf'}."


def test_a_deleted_bin_is_reported_not_printed(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(bin_ids=(stock.bin_id + 100,)))

    assert dialog.summary.text().startswith(f"Could not load the labels: No bin {stock.bin_id + 100} was found")
    assert not dialog.save_button.isEnabled()


def test_a_folder_that_cannot_be_written_is_reported(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets(bin_ids=(stock.bin_id,)))
    missing = tmp_path / "no such folder" / "labels.pdf"

    dialog.save_pdf(missing)
    qtbot.waitUntil(lambda: dialog.notice.text().startswith("Could not save"), timeout=WAIT_MS)

    assert (
        dialog.notice.text()
        == f"Could not save {missing}: No such file or directory. Choose another folder or file name."
    )
    assert not missing.parent.exists()


def test_the_last_choices_are_remembered(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, stock: Stock, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = open_dialog(qtbot, runner, as_alice, LabelTargets(bin_ids=(stock.bin_id,)), settings)
    first.choose(SheetSize.THERMAL_2X1, Symbology.QR, list_contents=False)
    with qtbot.waitSignal(first.saved, timeout=WAIT_MS):
        first.save_pdf(tmp_path / "labels.pdf")

    again = open_dialog(qtbot, runner, as_alice, LabelTargets(bin_ids=(stock.bin_id,)), settings)

    assert again.sheet_size is SheetSize.THERMAL_2X1
    assert again.symbology is Symbology.QR
    assert not again.contents_box.isChecked()


def test_nothing_selected_says_so(qtbot: QtBot, runner: TaskRunner, as_alice: Factory) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, LabelTargets())

    assert dialog.summary.text() == "Nothing is selected to label. Select bins, sections or items first."
    assert not dialog.save_button.isEnabled()
    assert dialog.bin_sections_box.isHidden()
