"""Painting a label plan: one painter routine for the PDF, the printer and the preview image.

Save as PDF and Print both paint the same plan with the same code, so what prints is what the PDF
shows. Bars and QR squares are filled rectangles (vector in a PDF). On a device with coarse dots
(a 203 dpi thermal printer) each module is snapped to a whole number of dots, never below the
plan's minimum width, so every bar prints at the same width.

QPainter work happens on the thread that owns the device: the GUI thread. A plan of a few hundred
labels paints in well under a second.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextLayout,
    QTextOption,
)
from PySide6.QtPrintSupport import QPrinter

from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.label_content import MIN_MODULE_MM, LabelPlan, PlacedSymbol, PlannedLabel, Symbology
from reseller_desktop.domain.label_sheets import MM_PER_INCH, MM_PER_POINT, Rect, SheetLayout, TextZone

PDF_RESOLUTION = 1200  # dots per inch of the PDF's coordinate grid: finer than any label printer
_SNAP_TOLERANCE = 0.05  # of a dot: 0.25 mm is 1.998 dots at 203 dpi, which is two dots


def page_layout(sheet: SheetLayout) -> QPageLayout:
    """The sheet's paper, portrait as its width and height say, without margins: label positions
    are measured from the paper's edge."""
    size = QPageSize(
        QSizeF(sheet.page_width, sheet.page_height),
        QPageSize.Unit.Millimeter,
        sheet.title,
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    return QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def prepare_printer(printer: QPrinter, sheet: SheetLayout) -> None:
    """Paper and margins for `sheet`, before the print dialog shows them to the user."""
    printer.setPageLayout(page_layout(sheet))
    printer.setFullPage(True)  # the painter's origin at the paper's corner, as the sheet geometry expects
    printer.setDocName("Storage labels")


def pdf_bytes(plan: LabelPlan) -> bytes:
    """The plan as a PDF document: one page per sheet (or per roll label)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_RESOLUTION)
    writer.setPageLayout(page_layout(plan.sheet))
    writer.setTitle("Storage labels")
    writer.setCreator("Reseller Desktop")
    painter = QPainter()
    if not painter.begin(writer):
        raise RuntimeError("QPainter could not begin on a QPdfWriter writing to memory")
    _paint_pages(painter, writer, plan)
    buffer.close()
    return bytes(data.data())


def print_plan(printer: QPrinter, plan: LabelPlan) -> None:
    """Paint every page on `printer` (set up with prepare_printer and accepted in a print dialog)."""
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        name = printer.printerName() or printer.outputFileName() or "the printer"
        raise UserError(f"Printing on {name} could not start.", "Check that the printer is on and connected.")
    _paint_pages(painter, printer, plan)


def _paint_pages(painter: QPainter, device: QPdfWriter | QPrinter, plan: LabelPlan) -> None:
    """Every page of the plan on `device`, with `painter` already begun on it; ends the painter."""
    try:
        for page in range(plan.page_count):
            if page:
                device.newPage()
            paint_page(painter, plan, page, device.resolution() / MM_PER_INCH)
    finally:
        painter.end()


def page_image(plan: LabelPlan, page: int, dpi: float, *, show_slots: bool = False) -> QImage:
    """One page as an image at `dpi`; `show_slots` outlines every label on the sheet and greys the
    ones skipped on a partly used sheet (a preview aid, never printed)."""
    sheet = plan.sheet
    scale = dpi / MM_PER_INCH
    image = QImage(
        max(1, round(sheet.page_width * scale)), max(1, round(sheet.page_height * scale)), QImage.Format.Format_RGB32
    )
    image.setDotsPerMeterX(round(dpi / MM_PER_INCH * 1000))
    image.setDotsPerMeterY(round(dpi / MM_PER_INCH * 1000))
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    try:
        if show_slots:
            _paint_slots(painter, plan, page, scale)
        paint_page(painter, plan, page, scale)
    finally:
        painter.end()
    return image


def paint_page(painter: QPainter, plan: LabelPlan, page: int, px_per_mm: float) -> None:
    """Paint one page's labels with `painter`, whose device has `px_per_mm` dots per millimetre and
    its origin at the paper's top left corner."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    for planned in plan.on_page(page):
        _paint_label(painter, planned, px_per_mm)


def _px(rect: Rect, origin: Rect, scale: float) -> QRectF:
    return QRectF((origin.x + rect.x) * scale, (origin.y + rect.y) * scale, rect.width * scale, rect.height * scale)


def _paint_label(painter: QPainter, planned: PlannedLabel, scale: float) -> None:
    zones = planned.zones
    origin = planned.placement.rect
    centre = Qt.AlignmentFlag.AlignHCenter if zones.centered else Qt.AlignmentFlag.AlignLeft
    label = planned.label
    title_font = _font(zones.title, scale, bold=True)
    _draw_text(painter, zones.title, label.title, origin, scale, alignment=centre, font=title_font)
    if planned.subtitle:
        font = _font(zones.subtitle, scale)
        _draw_text(painter, zones.subtitle, planned.subtitle, origin, scale, alignment=centre, font=font)
    _paint_symbol(painter, planned.symbol, origin, scale)
    code_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    code_font.setPixelSize(_pixel_size(zones.code_text, scale))
    # Beside a QR code the code sits at the bottom of the text column, however many lines it takes.
    bottom = not zones.centered
    _draw_text(painter, zones.code_text, label.code, origin, scale, alignment=centre, font=code_font, bottom=bottom)
    if zones.contents is not None and planned.contents:
        area = zones.contents.rect
        if zones.contents_rule is not None:
            rule = _px(Rect(area.x, zones.contents_rule, area.width, 0), origin, scale)
            painter.setPen(QPen(QColor("black"), max(1.0, 0.2 * scale)))
            painter.drawLine(rule.topLeft(), rule.topRight())
        font = _font(zones.contents, scale)
        line = zones.contents.style.line_mm
        for index, text in enumerate(planned.contents):
            row = TextZone(Rect(area.x, area.y + index * line, area.width, line), zones.contents.style)
            _draw_text(painter, row, text, origin, scale, alignment=Qt.AlignmentFlag.AlignLeft, font=font)


def _pixel_size(zone: TextZone, scale: float) -> int:
    return max(1, round(zone.style.size_pt * MM_PER_POINT * scale))


def _font(zone: TextZone, scale: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(_pixel_size(zone, scale))
    font.setBold(bold or zone.style.bold)
    return font


def _wrapped(text: str, font: QFont, width: float, max_lines: int) -> list[str]:
    """`text` broken into at most `max_lines` lines of `width`; the last elided ("…") when it goes on."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans = []
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    # Qt counts UTF-16 code units; slice the same units so a title with an emoji breaks right.
    units = text.encode("utf-16-le")

    def part(start: int, end: int | None) -> str:
        return units[start * 2 : None if end is None else end * 2].decode("utf-16-le", errors="ignore")

    lines = [part(start, start + length).strip() for start, length in spans[:max_lines]]
    if len(spans) > max_lines and lines:
        rest = " ".join(part(spans[max_lines - 1][0], None).split())
        lines[-1] = QFontMetricsF(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return lines


def _draw_text(
    painter: QPainter,
    zone: TextZone,
    text: str,
    origin: Rect,
    scale: float,
    *,
    alignment: Qt.AlignmentFlag,
    font: QFont,
    bottom: bool = False,
) -> None:
    if zone.lines <= 0 or not text:
        return
    rect = _px(zone.rect, origin, scale)
    line_height = zone.style.line_mm * scale
    painter.setFont(font)
    painter.setPen(QColor("black"))
    lines = _wrapped(text, font, rect.width(), zone.lines)
    top = rect.y() + (zone.lines - len(lines)) * line_height if bottom else rect.y()
    for index, line in enumerate(lines):
        line_rect = QRectF(rect.x(), top + index * line_height, rect.width(), line_height)
        painter.drawText(line_rect, int(alignment | Qt.AlignmentFlag.AlignVCenter), line)


def _module_px(placed: PlacedSymbol, scale: float) -> float:
    """The module width in device dots: whole dots where that keeps the minimum width and stays in
    the room the label gives the symbol, else exactly as planned (a preview too coarse to snap)."""
    ideal = placed.module_mm * scale
    lowest = max(1.0, MIN_MODULE_MM * scale - _SNAP_TOLERANCE)
    highest = placed.widest_module_mm * scale
    for dots in (math.floor(ideal + _SNAP_TOLERANCE), math.ceil(ideal)):
        if lowest <= dots <= highest:
            return float(dots)
    return ideal


def _paint_symbol(painter: QPainter, placed: PlacedSymbol, origin: Rect, scale: float) -> None:
    symbol = placed.symbol
    box = _px(placed.rect, origin, scale)
    module = _module_px(placed, scale)
    width = symbol.columns * module
    left = round(box.center().x() - width / 2)
    if symbol.symbology is Symbology.CODE128:
        top, bar_height = box.y(), box.height()
    else:
        top, bar_height = round(box.center().y() - symbol.rows * module / 2), module
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)  # one fill for all modules: no seams between neighbours
    for row, column, length in symbol.dark_runs:
        path.addRect(QRectF(left + column * module, top + row * bar_height, length * module, bar_height))
    painter.fillPath(path, QColor("black"))


def _paint_slots(painter: QPainter, plan: LabelPlan, page: int, scale: float) -> None:
    sheet = plan.sheet
    pen = QPen(QColor(170, 170, 170), 1, Qt.PenStyle.DashLine)
    skipped = plan.start_position - 1 if page == 0 else 0
    for position in range(sheet.labels_per_page):
        rect = _px(sheet.slot(position), Rect(0, 0, 0, 0), scale).adjusted(0.5, 0.5, -0.5, -0.5)
        if position < skipped:
            painter.fillRect(rect, QColor(225, 225, 225))
        painter.setPen(pen)
        painter.drawRoundedRect(rect, 2 * scale, 2 * scale)
