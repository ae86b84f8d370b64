"""The group tree beside the cards table: "All cards", then the groups of the organization mode, each
with how many cards it holds and what they are worth (sums made by the database)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from reseller_desktop.domain.card_groups import GroupNode, GroupPath
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.card_pages import CardTotals
from reseller_desktop.ui.table_models import bold_font

PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # the GroupPath, None on "All cards"
GROUP, COUNT, VALUE = range(3)
HEADERS = ("Group", "Cards", "Value")
ALL_CARDS = "All cards"


def _cards_text(quantity: int) -> str:
    return f"{quantity:,}"


class CardGroupsModel(QStandardItemModel):
    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalHeaderLabels(list(HEADERS))
        self.mode = "by_set"

    def show_tree(self, mode: str, tree: Iterable[GroupNode], totals: CardTotals) -> None:
        self.mode = mode
        self.removeRows(0, self.rowCount())
        root = self._row(ALL_CARDS, None, totals.cards, totals.quantity, format_money(totals.value))
        bold = bold_font()
        for item in root:
            item.setFont(bold)
        self.appendRow(root)
        for node in tree:
            self._add(root[0], node)

    def _add(self, parent: QStandardItem, node: GroupNode) -> None:
        row = self._row(node.label, node.path, node.cards, node.quantity, format_money(node.value))
        parent.appendRow(row)
        for child in node.children:
            self._add(row[0], child)

    @staticmethod
    def _row(label: str, path: GroupPath | None, cards: int, quantity: int, value: str) -> list[QStandardItem]:
        items = [QStandardItem(label), QStandardItem(_cards_text(quantity)), QStandardItem(value)]
        tooltip = f"{label}: {cards:,} card entries, {quantity:,} cards owned, worth {value}"
        for item in items:
            item.setEditable(False)
            item.setData(path, PATH_ROLE)
            item.setToolTip(tooltip)
        for item in items[1:]:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return items

    def path_at(self, index: QModelIndex) -> GroupPath | None:
        value = index.siblingAtColumn(GROUP).data(PATH_ROLE) if index.isValid() else None
        return value if isinstance(value, GroupPath) else None

    def index_of(self, path: GroupPath | None) -> QModelIndex:
        """Where that group is now (after a reload); "All cards" when it is gone."""
        root = self.index(0, GROUP)
        if path is None or not root.isValid():
            return root

        def find(parent: QModelIndex) -> QModelIndex | None:
            for row in range(self.rowCount(parent)):
                index = self.index(row, GROUP, parent)
                if index.data(PATH_ROLE) == path:
                    return index
                if (inside := find(index)) is not None:
                    return inside
            return None

        return find(root) or root

    def labels(self) -> list[tuple[int, str, str, str]]:
        """Every row as (depth, label, cards, value), top to bottom (what a screen reader or test reads)."""
        out: list[tuple[int, str, str, str]] = []

        def walk(parent: QModelIndex, depth: int) -> None:
            for row in range(self.rowCount(parent)):
                index = self.index(row, GROUP, parent)
                count, value = index.siblingAtColumn(COUNT).data(), index.siblingAtColumn(VALUE).data()
                out.append((depth, str(index.data()), str(count), str(value)))
                walk(index, depth + 1)

        walk(QModelIndex(), 0)
        return out
