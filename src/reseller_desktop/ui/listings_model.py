"""The listings table model: lazy, database-sorted, and small however many listings there are
(see ui/paged_table_model.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from PySide6.QtGui import QColor, QPixmap

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.money import format_money
from reseller_desktop.repositories.keyset import PageKey
from reseller_desktop.repositories.listing_pages import ListingRow, Sort
from reseller_desktop.ui.paged_table_model import DECORATION_ROLE, FOREGROUND_ROLE, TOOLTIP_ROLE, PagedTableModel
from reseller_desktop.ui.table_models import Column
from reseller_desktop.ui.tasks import TaskRunner

UnitOfWorkFactory = Callable[[], UnitOfWork]

# Columns, by position.
COVER, TITLE, PRICE, COST, QUANTITY, STATUS, PLATFORMS, LOCATION, SKU, UPDATED = range(10)
COLUMNS = (
    Column(""),
    Column("Title", "title"),
    Column("Price", "price", numeric=True),
    Column("Cost", "cost", numeric=True),
    Column("Qty", "quantity", numeric=True),
    Column("Status", "status"),
    Column("Platforms"),
    Column("Location", "storage_location"),
    Column("SKU", "sku"),
    Column("Updated", "updated_at"),
)
STATUS_COLOURS = {"draft": "#6b7280", "active": "#15803d", "sold": "#1d4ed8", "canceled": "#9ca3af"}


def _load_page(
    new_uow: UnitOfWorkFactory, listing_filter: ListingFilter, sort: Sort, after: PageKey | None, limit: int
) -> tuple[list[ListingRow], PageKey | None]:
    with new_uow() as uow:
        return uow.listing_pages.page(listing_filter, sort, after, limit)


def _load_rows(new_uow: UnitOfWorkFactory, ids: list[int]) -> list[ListingRow]:
    with new_uow() as uow:
        return uow.listing_pages.rows(ids)


class ListingsModel(PagedTableModel[ListingRow, ListingFilter, Sort]):
    columns = COLUMNS
    waiting_column = TITLE
    styled_roles = frozenset({DECORATION_ROLE, FOREGROUND_ROLE, TOOLTIP_ROLE})

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        cover_pixmap: Callable[[str], QPixmap | None] | None = None,
    ) -> None:
        super().__init__(
            runner,
            "Loading listings",
            load_page=partial(_load_page, new_uow),
            load_rows=partial(_load_rows, new_uow),
            row_filter=ListingFilter(),
            sort=Sort(),
            cover_pixmap=cover_pixmap,
        )

    def listing_id(self, row: int) -> int:
        return self.row_id(row)

    @property
    def listing_filter(self) -> ListingFilter:
        return self.row_filter

    def _styled(self, row: ListingRow, column: int, role: int) -> Any:
        if role == FOREGROUND_ROLE and column == STATUS:
            return QColor(STATUS_COLOURS.get(row.status or "draft", "#000000"))
        if role == TOOLTIP_ROLE and column in (TITLE, PLATFORMS):
            chips = ", ".join(f"{p}: {s}" for p, s in row.platforms) or "not listed on any platform"
            return f"{row.title}\n{chips}"
        return super()._styled(row, column, role)

    def _deleted_row(self, row_id: int) -> ListingRow:
        return ListingRow(row_id, "(deleted elsewhere)", Decimal(0), None, None, None, None, None, None, None, None, ())

    def _text(self, row: ListingRow, column: int) -> str:
        if column == TITLE:
            return row.title
        if column == PRICE:
            return format_money(row.price)
        if column == COST:
            return format_money(row.cost)
        if column == QUANTITY:
            return "" if row.quantity is None else str(row.quantity)
        if column == STATUS:
            return row.status or ""
        if column == PLATFORMS:
            return "  ".join(platform for platform, _status in row.platforms)
        if column == LOCATION:
            return row.storage_location or ""
        if column == SKU:
            return row.sku or ""
        if column == UPDATED:
            return row.updated_at.strftime("%Y-%m-%d %H:%M") if row.updated_at else ""
        return ""
