"""What a storage label says and which code it carries, and the plan of a whole print run.

A label is one bin, section or storage item: a human-readable title and subtitle, and the code a
scanner reads back (BIN-<id>, SEC-<id>, or the item's storage_id), printed as Code 128 bars or a
QR code and in text under them. The bars and squares come from python-barcode and segno as
module patterns; the renderer only fills rectangles, so the output is vector and exact.

Modules are never narrower than MIN_MODULE_MM (two dots of a 203 dpi thermal printer, which USB
scanners read reliably). A code whose Code 128 bars would need narrower modules to fit the label
is printed as a QR code instead, and the plan says so; a code too long even for that is refused
with a message before anything is printed.

Pure: no Qt, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import barcode
import segno
from barcode.errors import BarcodeError

from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.label_sheets import SHEETS, LabelZones, Placement, Rect, SheetLayout, SheetSize

MIN_MODULE_MM = 0.25
CODE128_QUIET_MODULES = 10  # ISO/IEC 15417: ten modules of blank either side
QR_QUIET_MODULES = 4  # ISO/IEC 18004: four modules on every side
QR_ERROR_LEVEL = "m"  # survives a scuffed corner; "h" would need a larger symbol for nothing a bin needs
UNTITLED_ITEM = "Untitled item"


class LabelKind(StrEnum):
    BIN = "bin"
    SECTION = "section"
    ITEM = "item"


class Symbology(StrEnum):
    CODE128 = "code128"
    QR = "qr"


@dataclass(frozen=True)
class LabelData:
    """What one label is for, as loaded: plain text, no records."""

    kind: LabelKind
    code: str
    title: str
    detail: str = ""  # what the label says under the title: a bin's type, an item's type and quantity
    contents: tuple[str, ...] | None = None  # a section's items, one line each; None for bins and items


@dataclass(frozen=True)
class Symbol:
    """A barcode as modules, without its quiet zone. Code 128 has one row: each bar spans the height."""

    symbology: Symbology
    columns: int
    rows: int
    dark_runs: tuple[tuple[int, int, int], ...]  # (row, first column, length) of dark modules
    quiet_modules: int


class CodeDoesNotFitError(UserError):
    def __init__(self, label: LabelData, sheet: SheetLayout) -> None:
        super().__init__(
            f"The code {label.code!r} of {label.title!r} is too long to print readably on a {sheet.title} label.",
            "Choose a larger label size (4 x 6 in), or give the item a shorter storage id.",
        )
        self.label = label


def bin_label(code: str, bin_name: str, bin_type: str) -> LabelData:
    return LabelData(LabelKind.BIN, code, f"Bin {bin_name}", bin_type.strip().capitalize())


def section_label(code: str, path: str, capacity: int | None, contents: Sequence[str]) -> LabelData:
    detail = "Section" if capacity is None else f"Section · holds {capacity}"
    return LabelData(LabelKind.SECTION, code, path, detail, tuple(contents))


def item_label(storage_id: str, title: str | None, item_type: str | None, quantity: int | None) -> LabelData:
    detail = [item_type.strip().capitalize()] if item_type and item_type.strip() else []
    if quantity is not None and quantity != 1:
        detail.append(f"Qty {quantity}")
    return LabelData(LabelKind.ITEM, storage_id, (title or "").strip() or UNTITLED_ITEM, " · ".join(detail))


def content_line(title: str | None, quantity: int | None, storage_id: str) -> str:
    """One item in a section's contents list: its title (its storage id when it has none) and quantity."""
    name = (title or "").strip() or storage_id
    return f"{name} ×{quantity}" if quantity is not None and quantity > 1 else name


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def subtitle(label: LabelData, list_contents: bool) -> str:
    """The detail line; a section listing its contents adds how many items it holds."""
    if label.contents is None or not list_contents:
        return label.detail
    return " · ".join(part for part in (label.detail, _items(len(label.contents))) if part)


def visible_contents(contents: Sequence[str], lines: int) -> tuple[str, ...]:
    """The contents lines that fit in `lines`, the last one saying "+ N more" when some are left out."""
    if len(contents) <= lines:
        return tuple(contents)
    if lines <= 0:
        return ()
    shown = lines - 1
    return (*contents[:shown], f"+ {len(contents) - shown} more")


# ----- symbols ------------------------------------------------------------------------------------


def _runs(row: int, bits: Sequence[int]) -> list[tuple[int, int, int]]:
    runs = []
    start = None
    for column, bit in enumerate([*bits, 0]):
        if bit and start is None:
            start = column
        elif not bit and start is not None:
            runs.append((row, start, column - start))
            start = None
    return runs


def code128_symbol(code: str) -> Symbol | None:
    """Code 128 bars for `code`, or None when it holds characters a scanner could not type back
    (anything outside printable ASCII)."""
    if not code or not all(" " <= ch <= "~" for ch in code):
        return None
    try:
        pattern = str(barcode.Code128(code).build()[0])
    except BarcodeError:
        return None
    bits = [1 if ch == "1" else 0 for ch in pattern]
    return Symbol(Symbology.CODE128, len(bits), 1, tuple(_runs(0, bits)), CODE128_QUIET_MODULES)


def qr_symbol(code: str) -> Symbol:
    """A full QR code (never Micro QR, which many USB scanners do not read) at error level M."""
    qr = segno.make(code, error=QR_ERROR_LEVEL, micro=False)
    matrix = [list(row) for row in qr.matrix]
    runs = [run for index, row in enumerate(matrix) for run in _runs(index, row)]
    return Symbol(Symbology.QR, len(matrix[0]), len(matrix), tuple(runs), QR_QUIET_MODULES)


@dataclass(frozen=True)
class PlacedSymbol:
    symbol: Symbol
    module_mm: float
    rect: Rect  # the dark area in the label, quiet zone excluded; bars span its height
    widest_module_mm: float  # the widest module the label has room for (a printer may round up to it)


def fit_symbol(symbol: Symbol, box: Rect, quiet_room: float, max_module: float | None = None) -> PlacedSymbol | None:
    """The symbol at the largest module that fits `box` with its quiet zone (which may reach
    `quiet_room` beyond the box), centred in the box; None when it would need modules narrower
    than MIN_MODULE_MM."""
    if symbol.symbology is Symbology.CODE128:
        across, height = box.width, box.height
    else:
        across = height = min(box.width, box.height)
    modules = symbol.columns + 2 * symbol.quiet_modules
    widest = min(across / symbol.columns, (across + 2 * quiet_room) / modules)
    module = widest if max_module is None else min(widest, max_module)
    if module < MIN_MODULE_MM or height <= 0:
        return None
    width = symbol.columns * module
    if symbol.symbology is Symbology.QR:
        height = symbol.rows * module
    rect = Rect(box.x + (box.width - width) / 2, box.y + (box.height - height) / 2, width, height)
    return PlacedSymbol(symbol, module, rect, widest)


# ----- the plan of a print run --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedLabel:
    label: LabelData
    placement: Placement
    zones: LabelZones
    symbol: PlacedSymbol
    subtitle: str
    contents: tuple[str, ...]  # the lines the contents zone shows
    fallback: str = ""  # why the label carries a QR code though Code 128 was chosen


@dataclass(frozen=True)
class LabelPlan:
    sheet: SheetLayout
    labels: tuple[PlannedLabel, ...]
    page_count: int
    start_position: int

    def on_page(self, page: int) -> tuple[PlannedLabel, ...]:
        return tuple(planned for planned in self.labels if planned.placement.page == page)

    @property
    def fallbacks(self) -> tuple[PlannedLabel, ...]:
        return tuple(planned for planned in self.labels if planned.fallback)


def _place_symbol(sheet: SheetLayout, symbology: Symbology, code: str, with_contents: bool) -> PlacedSymbol | None:
    symbol = qr_symbol(code) if symbology is Symbology.QR else code128_symbol(code)
    if symbol is None:
        return None
    zones = sheet.zones(symbology is Symbology.QR, with_contents)
    max_module = sheet.style.max_bar_module if symbology is Symbology.CODE128 else None
    return fit_symbol(symbol, zones.symbol, zones.quiet_room, max_module)


def plan_label(
    label: LabelData, sheet: SheetLayout, symbology: Symbology, list_contents: bool, placement: Placement
) -> PlannedLabel:
    """One label laid out; Code 128 that does not fit becomes a QR code. Raises CodeDoesNotFitError."""
    with_contents = list_contents and label.contents is not None and sheet.style.contents is not None
    placed = _place_symbol(sheet, symbology, label.code, with_contents)
    fallback = ""
    if placed is None and symbology is Symbology.CODE128:
        fallback = (
            "its code has characters Code 128 cannot hold"
            if code128_symbol(label.code) is None
            else "its code is too long for Code 128 bars on this label"
        )
        symbology = Symbology.QR
        placed = _place_symbol(sheet, symbology, label.code, with_contents)
    if placed is None:
        raise CodeDoesNotFitError(label, sheet)
    zones = sheet.zones(symbology is Symbology.QR, with_contents)
    contents = visible_contents(label.contents or (), zones.contents.lines) if zones.contents else ()
    return PlannedLabel(label, placement, zones, placed, subtitle(label, list_contents), contents, fallback)


def plan_labels(
    labels: Sequence[LabelData],
    sheet_size: SheetSize,
    symbology: Symbology,
    *,
    list_contents: bool = True,
    start_position: int = 1,
) -> LabelPlan:
    """Every label placed on its page and laid out. Raises ValidationError for a start position
    the sheet does not have, CodeDoesNotFitError for a code no symbol fits."""
    sheet = SHEETS[sheet_size]
    if not sheet.takes_start_position:
        start_position = 1
    placements = sheet.placements(len(labels), start_position)
    planned = tuple(
        plan_label(label, sheet, symbology, list_contents, placement)
        for label, placement in zip(labels, placements, strict=True)
    )
    return LabelPlan(sheet, planned, sheet.page_count(len(labels), start_position), start_position)
