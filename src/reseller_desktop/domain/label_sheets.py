"""Where labels go on a page, and where each part of a label goes: pure geometry in millimetres.

Three stocks: the Avery 5160 Letter sheet (30 address labels, the common office label; a partly
used sheet can be started at any position), a 2 x 1 in thermal roll and a 4 x 6 in shipping label
(both one label per page, the way thermal printer drivers feed them).

A label has a title, a subtitle, a barcode with its code printed under it and, on a section
label, optionally the list of what the section holds. Small labels stack title, subtitle, Code 128
bars and code; a QR code sits at the left with the text beside it. The 4 x 6 label stacks
everything and keeps the rest of its height for the contents list.

Pure: no Qt, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from reseller_desktop.domain.errors import FieldError, ValidationError

MM_PER_INCH = 25.4
MM_PER_POINT = MM_PER_INCH / 72
LINE_SPACING = 1.25  # line height as a multiple of the font size
# Printers place a sheet or a roll label up to about half a millimetre off; nothing that must
# stay blank (a barcode's quiet zone) may rely on the last half millimetre at the label's edge.
EDGE_CLEARANCE_MM = 0.5


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.width, self.height)


class SheetSize(StrEnum):
    AVERY_5160 = "avery_5160"
    THERMAL_2X1 = "thermal_2x1"
    SHIPPING_4X6 = "shipping_4x6"


@dataclass(frozen=True)
class TextStyle:
    size_pt: float
    bold: bool = False
    max_lines: int = 1

    @property
    def line_mm(self) -> float:
        return self.size_pt * MM_PER_POINT * LINE_SPACING


@dataclass(frozen=True)
class TextZone:
    rect: Rect
    style: TextStyle

    @property
    def lines(self) -> int:
        """How many lines fit, at most the style's maximum."""
        return max(0, min(self.style.max_lines, math.floor(self.rect.height / self.style.line_mm + 1e-9)))


@dataclass(frozen=True)
class LabelZones:
    """Where each part goes, in millimetres from the label's top left corner."""

    title: TextZone
    subtitle: TextZone
    symbol: Rect  # the bars or squares; their quiet zone may reach `quiet_room` beyond it
    quiet_room: float
    code_text: TextZone
    contents: TextZone | None = None  # a section's contents list, where the label has room
    contents_rule: float | None = None  # where a line divides the contents list from the code above it
    centered: bool = True  # title, subtitle and code centred across the label, or left-aligned beside a QR code


@dataclass(frozen=True)
class LabelStyle:
    padding: float
    gap: float
    title: TextStyle
    subtitle: TextStyle
    code_text: TextStyle
    contents: TextStyle | None  # None: the label is too small to list contents (it shows a count)
    max_bar_module: float  # wider Code 128 bars stop helping once a scanner's view no longer spans them
    bars_height_with_contents: float = 0.0
    qr_side_with_contents: float = 0.0
    max_bars_height: float = 0.0
    max_qr_side: float = 0.0


@dataclass(frozen=True)
class Placement:
    page: int  # 0-based
    position: int  # 0-based slot on the page, numbered across each row from the top left
    rect: Rect  # on the page


@dataclass(frozen=True)
class SheetLayout:
    size: SheetSize
    title: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    left: float  # first label's left edge from the page's left edge
    top: float
    column_pitch: float
    row_pitch: float
    style: LabelStyle

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows

    @property
    def takes_start_position(self) -> bool:
        """Sheets (not rolls) can be started part way, on labels left over from an earlier print."""
        return self.labels_per_page > 1

    def slot(self, position: int) -> Rect:
        """The rectangle of a slot on the page (0-based position, across each row)."""
        row, column = divmod(position, self.columns)
        return Rect(
            self.left + column * self.column_pitch,
            self.top + row * self.row_pitch,
            self.label_width,
            self.label_height,
        )

    def check_start(self, start_position: int) -> None:
        if not 1 <= start_position <= self.labels_per_page:
            raise ValidationError(
                [
                    FieldError(
                        "start_position",
                        f"Start at a label from 1 to {self.labels_per_page} "
                        f"(labels are numbered across each row from the top left of the {self.title} sheet).",
                    )
                ]
            )

    def placements(self, count: int, start_position: int = 1) -> list[Placement]:
        """Where `count` labels go, the first at `start_position` (1-based) of the first page."""
        self.check_start(start_position)
        result = []
        for index in range(start_position - 1, start_position - 1 + count):
            page, position = divmod(index, self.labels_per_page)
            result.append(Placement(page, position, self.slot(position)))
        return result

    def page_count(self, count: int, start_position: int = 1) -> int:
        self.check_start(start_position)
        return math.ceil((start_position - 1 + count) / self.labels_per_page) if count else 0

    def zones(self, qr: bool, with_contents: bool) -> LabelZones:
        """The parts of one label: with `qr`, a QR code instead of Code 128 bars; `with_contents`
        keeps room for a section's contents list (only where the style has one)."""
        if self.style.contents is None:
            return _side_by_side_zones(self) if qr else _stacked_small_zones(self)
        return _tall_zones(self, qr, with_contents)


def _inches(value: float) -> float:
    return value * MM_PER_INCH


_SMALL_STYLE = LabelStyle(
    padding=1.5,
    gap=0.6,
    title=TextStyle(9, bold=True),
    subtitle=TextStyle(7),
    code_text=TextStyle(7),
    contents=None,
    max_bar_module=0.5,
)
_TALL_STYLE = LabelStyle(
    padding=5.0,
    gap=3.0,
    title=TextStyle(18, bold=True, max_lines=2),
    subtitle=TextStyle(11),
    code_text=TextStyle(12, max_lines=2),
    contents=TextStyle(10, max_lines=100),
    max_bar_module=0.5,
    bars_height_with_contents=25.0,
    qr_side_with_contents=50.0,
    max_bars_height=40.0,
    max_qr_side=80.0,
)


def _one_per_page(size: SheetSize, title: str, width_in: float, height_in: float, style: LabelStyle) -> SheetLayout:
    """A roll label: each label is a page of its own size, the way thermal printer drivers feed them."""
    width, height = _inches(width_in), _inches(height_in)
    return SheetLayout(
        size,
        title,
        page_width=width,
        page_height=height,
        label_width=width,
        label_height=height,
        columns=1,
        rows=1,
        left=0,
        top=0,
        column_pitch=width,
        row_pitch=height,
        style=style,
    )


SHEETS: dict[SheetSize, SheetLayout] = {
    SheetSize.AVERY_5160: SheetLayout(
        SheetSize.AVERY_5160,
        "Avery 5160 (Letter, 30 per sheet)",
        page_width=_inches(8.5),
        page_height=_inches(11),
        label_width=_inches(2.625),
        label_height=_inches(1),
        columns=3,
        rows=10,
        left=_inches(0.1875),
        top=_inches(0.5),
        column_pitch=_inches(2.75),
        row_pitch=_inches(1),
        style=_SMALL_STYLE,
    ),
    SheetSize.THERMAL_2X1: _one_per_page(SheetSize.THERMAL_2X1, "2 x 1 in thermal roll", 2, 1, _SMALL_STYLE),
    SheetSize.SHIPPING_4X6: _one_per_page(SheetSize.SHIPPING_4X6, "4 x 6 in label", 4, 6, _TALL_STYLE),
}


def _quiet_room(style: LabelStyle, beside: float) -> float:
    """How far a quiet zone may reach past the symbol's box: into the padding (never the last
    EDGE_CLEARANCE_MM) and into the gap to whatever is `beside` it."""
    return max(0.0, min(style.padding - EDGE_CLEARANCE_MM, beside))


def _stacked_small_zones(sheet: SheetLayout) -> LabelZones:
    style = sheet.style
    inner_width = sheet.label_width - 2 * style.padding
    title = Rect(style.padding, style.padding, inner_width, style.title.line_mm)
    subtitle = Rect(style.padding, title.bottom, inner_width, style.subtitle.line_mm)
    code_top = sheet.label_height - style.padding - style.code_text.line_mm
    code = Rect(style.padding, code_top, inner_width, style.code_text.line_mm)
    symbol_top = subtitle.bottom + style.gap
    symbol = Rect(style.padding, symbol_top, inner_width, code_top - style.gap / 2 - symbol_top)
    return LabelZones(
        TextZone(title, style.title),
        TextZone(subtitle, style.subtitle),
        symbol,
        _quiet_room(style, style.padding),
        TextZone(code, style.code_text),
    )


def _side_by_side_zones(sheet: SheetLayout) -> LabelZones:
    """The QR square at the left, full height; title (up to three lines), subtitle and code beside it."""
    style = sheet.style
    side = sheet.label_height - 2 * style.padding
    symbol = Rect(style.padding, style.padding, side, side)
    text_x = symbol.right + 2 * style.gap
    text_width = sheet.label_width - style.padding - text_x
    code_style = TextStyle(style.code_text.size_pt, max_lines=2)
    code_height = code_style.line_mm * code_style.max_lines
    code = Rect(text_x, sheet.label_height - style.padding - code_height, text_width, code_height)
    subtitle = Rect(text_x, code.y - style.gap - style.subtitle.line_mm, text_width, style.subtitle.line_mm)
    title_style = TextStyle(style.title.size_pt, bold=True, max_lines=3)
    title = Rect(text_x, style.padding, text_width, subtitle.y - style.padding)
    return LabelZones(
        TextZone(title, title_style),
        TextZone(subtitle, style.subtitle),
        symbol,
        _quiet_room(style, 2 * style.gap),
        TextZone(code, code_style),
        centered=False,
    )


def _tall_zones(sheet: SheetLayout, qr: bool, with_contents: bool) -> LabelZones:
    style = sheet.style
    inner_width = sheet.label_width - 2 * style.padding
    bottom = sheet.label_height - style.padding
    title = Rect(style.padding, style.padding, inner_width, style.title.line_mm * style.title.max_lines)
    subtitle = Rect(style.padding, title.bottom, inner_width, style.subtitle.line_mm)
    # A long code wraps under a QR code; under Code 128 bars it is never wider than the bars.
    code_style = TextStyle(style.code_text.size_pt, max_lines=style.code_text.max_lines if qr else 1)
    code_height = code_style.line_mm * code_style.max_lines
    symbol_top = subtitle.bottom + style.gap
    room_below = bottom - symbol_top - style.gap / 2 - code_height
    if with_contents:
        height = style.qr_side_with_contents if qr else style.bars_height_with_contents
    else:  # the code alone: as large as is useful, centred in the space left
        height = min(room_below, style.max_qr_side if qr else style.max_bars_height)
        symbol_top += (room_below - height) / 2
    width = height if qr else inner_width
    symbol = Rect(style.padding + (inner_width - width) / 2, symbol_top, width, height)
    code = Rect(style.padding, symbol.bottom + style.gap / 2, inner_width, code_height)
    contents = rule = None
    if with_contents and style.contents is not None:
        rule = code.bottom + style.gap / 2
        top = code.bottom + style.gap
        contents = TextZone(Rect(style.padding, top, inner_width, bottom - top), style.contents)
    return LabelZones(
        TextZone(title, style.title),
        TextZone(subtitle, style.subtitle),
        symbol,
        _quiet_room(style, style.gap),
        TextZone(code, code_style),
        contents,
        rule,
    )
