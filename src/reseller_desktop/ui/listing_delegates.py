"""Painting that plain text cannot do: a listing's platforms as small coloured chips."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from reseller_desktop.repositories.listing_pages import ListingRow
from reseller_desktop.ui.table_models import ROW_ROLE

CHIP_COLOURS = {
    "active": "#16a34a",
    "pending": "#d97706",
    "pending_cancel": "#dc2626",
    "failed": "#b91c1c",
    "sold": "#2563eb",
    "canceled": "#9ca3af",
}
ABBREVIATIONS = {"ebay": "eBay", "etsy": "Etsy", "poshmark": "Posh", "mercari": "Merc", "depop": "Depop"}


class PlatformChipsDelegate(QStyledItemDelegate):
    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, ListingRow) or not row.platforms:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawControl(style.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(option.font)
        x = option.rect.x() + 4
        height = metrics.height() + 4
        y = option.rect.center().y() - height / 2
        for platform, status in row.platforms:
            label = ABBREVIATIONS.get(platform, platform.capitalize())
            width = metrics.horizontalAdvance(label) + 10
            if x + width > option.rect.right():
                break
            chip = QRectF(x, y, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(CHIP_COLOURS.get(status, "#6b7280")))
            painter.drawRoundedRect(chip, 6, 6)
            painter.setPen(QColor("white"))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
            x += width + 4
        painter.restore()
