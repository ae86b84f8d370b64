"""Painting that plain text cannot do: a listing's platforms as small coloured chips."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from reseller_desktop.repositories.listing_pages import ListingRow
from reseller_desktop.ui.listings_model import ListingsModel
from reseller_desktop.ui.paged_table_view import PagedCellDelegate

CHIP_COLOURS = {
    "active": "#16a34a",
    "pending": "#d97706",
    "pending_cancel": "#dc2626",
    "failed": "#b91c1c",
    "sold": "#2563eb",
    "canceled": "#9ca3af",
}
ABBREVIATIONS = {"ebay": "eBay", "etsy": "Etsy", "poshmark": "Posh", "mercari": "Merc", "depop": "Depop"}
CHIP_GAP = 4
ChipKey = tuple[str, str, str, float]  # label, status, font, device pixel ratio


class PlatformChipsDelegate(PagedCellDelegate):
    """Each (platform, status) chip is drawn once into a pixmap and copied from then on: a rounded,
    antialiased shape with text is the slowest thing in a row, and a screenful shows dozens."""

    def __init__(self, model: ListingsModel, parent: QObject | None = None) -> None:
        super().__init__(model, parent)
        self._listings = model
        self._chips: dict[ChipKey, QPixmap] = {}  # a few platforms x statuses per font

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row = self._listings.row_for_paint(index.row())
        if not isinstance(row, ListingRow) or not row.platforms:
            super().paint(painter, option, index)
            return
        cell = QStyleOptionViewItem(option)
        self.initStyleOption(cell, index)
        cell.text = ""
        widget = cell.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, widget)
        ratio = painter.device().devicePixelRatioF()
        x, right, middle = cell.rect.x() + CHIP_GAP, cell.rect.right(), cell.rect.center().y()
        for platform, status in row.platforms:
            chip = self.chip(ABBREVIATIONS.get(platform, platform.capitalize()), status, cell.font, ratio)
            width = round(chip.width() / ratio)
            if x + width > right:
                break
            painter.drawPixmap(x, round(middle - chip.height() / ratio / 2), chip)
            x += width + CHIP_GAP

    def chip(self, label: str, status: str, font: QFont, ratio: float) -> QPixmap:
        key = (label, status, font.key(), ratio)
        found = self._chips.get(key)
        if found is None:
            found = self._chips[key] = _draw_chip(label, QColor(CHIP_COLOURS.get(status, "#6b7280")), font, ratio)
        return found


def _draw_chip(label: str, colour: QColor, font: QFont, ratio: float) -> QPixmap:
    metrics = QFontMetrics(font)
    width, height = metrics.horizontalAdvance(label) + 10, metrics.height() + 4
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    shape = QRectF(0, 0, width, height)
    painter.drawRoundedRect(shape, 6, 6)
    painter.setPen(QColor("white"))
    painter.drawText(shape, Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    return pixmap
