"""The cards table model: lazy, database-sorted, and small however many cards there are (see
ui/paged_table_model.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap

from reseller_desktop.domain.card_groups import TIER_LABELS, CardFilter
from reseller_desktop.domain.card_titles import grade_text
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.card_pages import CardRow, CardSort
from reseller_desktop.services.card_collection import UnitOfWorkFactory, load_page, load_rows
from reseller_desktop.ui.paged_table_model import PagedTableModel
from reseller_desktop.ui.table_models import Column, bold_font
from reseller_desktop.ui.tasks import TaskRunner

# Columns, by position.
(
    COVER,
    NAME,
    SET,
    NUMBER,
    PLAYER,
    YEAR,
    GRADE,
    CONDITION,
    QUANTITY,
    VALUE,
    TIER,
    COST,
    LOCATION,
    LISTING,
) = range(14)
COLUMNS = (
    Column(""),
    Column("Name", "title"),
    Column("Set", "set_name"),
    Column("#", "card_number"),
    Column("Player", "player_name"),
    Column("Year", "year", numeric=True),
    Column("Grade", "grading_score", numeric=True),
    Column("Cond."),
    Column("Qty", "quantity", numeric=True),
    Column("Value", "estimated_value", numeric=True),
    Column("Tier", "estimated_value"),
    Column("Cost", "purchase_price", numeric=True),
    Column("Location", "storage_location"),
    Column("Listing"),
)
TIER_COLOURS = {"grail": "#b45309", "high": "#7c3aed", "mid": "#1d4ed8", "low": "#6b7280"}
LISTING_COLOURS = {"draft": "#6b7280", "active": "#15803d", "sold": "#1d4ed8", "canceled": "#9ca3af"}


class CardsModel(PagedTableModel[CardRow, CardFilter, CardSort]):
    columns = COLUMNS
    waiting_column = NAME

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        cover_pixmap: Callable[[str], QPixmap | None] | None = None,
    ) -> None:
        super().__init__(
            runner,
            "Loading cards",
            load_page=partial(load_page, new_uow),
            load_rows=partial(load_rows, new_uow),
            row_filter=CardFilter(),
            sort=CardSort("estimated_value", True),
            cover_pixmap=cover_pixmap,
        )

    def card_id(self, row: int) -> int:
        return self.row_id(row)

    @property
    def card_filter(self) -> CardFilter:
        return self.row_filter

    def _styled(self, row: CardRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        if role == Qt.ItemDataRole.FontRole and column == TIER and row.value_tier == "grail":
            return bold_font()
        if role == Qt.ItemDataRole.ToolTipRole and column in (NAME, LISTING):
            listed = f"listing #{row.listing_id} ({row.listing_status})" if row.listing_id else "not listed"
            return f"{row.title}\n{listed}"
        return super()._styled(row, column, role)

    def _deleted_row(self, row_id: int) -> CardRow:
        names = [f.name for f in fields(CardRow) if f.name not in ("id", "card_type", "title")]
        return CardRow(id=row_id, card_type="tcg", title="(deleted elsewhere)", **dict.fromkeys(names))

    @staticmethod
    def _colour(row: CardRow, column: int) -> QColor | None:
        if column == TIER and row.value_tier:
            return QColor(TIER_COLOURS.get(row.value_tier, "#000000"))
        if column == LISTING and row.listing_status:
            return QColor(LISTING_COLOURS.get(row.listing_status, "#000000"))
        return None

    def _text(self, row: CardRow, column: int) -> str:
        texts: dict[int, Callable[[], str]] = {
            NAME: lambda: row.title + ("  RC" if row.is_rookie_card else ""),
            SET: lambda: " · ".join(p for p in (row.game_name or (row.sport or "").title(), row.set_name) if p),
            NUMBER: lambda: row.card_number or "",
            PLAYER: lambda: row.player_name or "",
            YEAR: lambda: "" if row.year is None else str(row.year),
            GRADE: lambda: grade_text(row),
            CONDITION: lambda: row.card_condition or "",
            QUANTITY: lambda: "" if row.quantity is None else str(row.quantity),
            VALUE: lambda: format_money(row.estimated_value),
            TIER: lambda: TIER_LABELS.get(row.value_tier or "", ""),
            COST: lambda: format_money(row.purchase_price),
            LOCATION: lambda: row.storage_location or "",
            LISTING: lambda: (row.listing_status or "listed") if row.listing_id else "",
        }
        text = texts.get(column)
        return text() if text is not None else ""
