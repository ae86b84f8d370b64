"""The sync view's data: listings × platforms, with what needs the seller's attention.

Plain frozen dataclasses out; one page at a time in listing-id order (newest first), so a seller with
a hundred thousand cross-listed items gets the first screen as fast as one with ten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.money import from_real
from reseller_desktop.domain.platforms import API_PLATFORMS, rules_for
from reseller_desktop.repositories.base import utc_now

pl = schema.platform_listings
listings = schema.listings


@dataclass(frozen=True)
class PlatformCell:
    platform_listing_id: int
    platform: str
    status: str
    manual: bool
    platform_listing_ref: str | None
    platform_url: str | None
    posted_at: datetime | None
    last_synced: datetime | None
    cancel_scheduled_at: datetime | None
    error_message: str | None
    retry_count: int
    next_attempt_at: datetime | None
    in_flight: bool  # a client is calling the platform for it right now
    needs_attention: bool
    task: str | None  # manual platforms: "post" or "delist" when the seller has to act


@dataclass(frozen=True)
class BoardRow:
    listing_id: int
    title: str
    sku: str | None
    listing_status: str
    quantity: int
    price: str
    storage_location: str | None
    cells: dict[str, PlatformCell]

    @property
    def needs_attention(self) -> bool:
        return any(c.needs_attention for c in self.cells.values())


@dataclass(frozen=True)
class BoardPage:
    rows: tuple[BoardRow, ...]
    platforms: tuple[str, ...]  # the columns: API platforms first, then every other platform in use
    attention_count: int  # listings needing attention (whole account, not just this page)
    scheduled_count: int  # platform rows waiting for their cancel time
    next_after_id: int | None  # keyset cursor for the next page; None at the end
    now: datetime  # the client's clock when the rows were read (the countdown counts from it)


def _attention() -> Any:
    """SQL for a platform row that needs the seller: failed, waiting to come down, erroring, a manual task."""
    manual = pl.c.platform.not_in(API_PLATFORMS)
    return or_(
        pl.c.status.in_(("failed", "pending_cancel")),
        and_(pl.c.error_message.is_not(None), pl.c.status.in_(("pending", "active"))),
        and_(manual, pl.c.status == "pending"),
    )


def load_board(
    uow: UnitOfWork,
    *,
    attention_only: bool = False,
    platform: str | None = None,
    search: str | None = None,
    after_id: int | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> BoardPage:
    conn = uow.connection
    mine = listings.c.user_id == uow.user_id
    row_filter: list[Any] = [pl.c.listing_id == listings.c.id]
    if attention_only:
        row_filter.append(_attention())
    if platform:
        row_filter.append(pl.c.platform == platform)
    where: list[Any] = [mine, exists(select(pl.c.id).where(*row_filter))]
    if search and search.strip():
        term = f"%{search.strip()}%"
        where.append(or_(listings.c.title.ilike(term), listings.c.sku.ilike(term)))
    if after_id is not None:
        where.append(listings.c.id < after_id)
    page = conn.execute(
        select(
            listings.c.id,
            listings.c.title,
            listings.c.sku,
            listings.c.status,
            listings.c.quantity,
            listings.c.price,
            listings.c.storage_location,
        )
        .where(*where)
        .order_by(listings.c.id.desc())
        .limit(limit + 1)
    ).all()
    more = len(page) > limit
    page = page[:limit]
    ids = [r.id for r in page]
    now = now or utc_now()
    cells: dict[int, dict[str, PlatformCell]] = {i: {} for i in ids}
    if ids:
        for r in conn.execute(select(pl).where(pl.c.listing_id.in_(ids))).mappings():
            cell = _cell(r, now)
            cells[int(r["listing_id"])][cell.platform] = cell
    in_use = conn.scalars(
        select(pl.c.platform).join(listings, listings.c.id == pl.c.listing_id).where(mine).distinct()
    ).all()
    platforms = tuple(API_PLATFORMS) + tuple(sorted(p for p in in_use if p not in API_PLATFORMS))
    attention = conn.scalar(
        select(func.count(func.distinct(pl.c.listing_id)))
        .select_from(pl.join(listings, listings.c.id == pl.c.listing_id))
        .where(mine, _attention())
    )
    scheduled = conn.scalar(
        select(func.count())
        .select_from(pl.join(listings, listings.c.id == pl.c.listing_id))
        .where(mine, pl.c.status == "pending_cancel")
    )
    rows = tuple(
        BoardRow(
            listing_id=r.id,
            title=r.title,
            sku=r.sku,
            listing_status=r.status or "draft",
            quantity=r.quantity if r.quantity is not None else 1,
            price=str(from_real(r.price)),
            storage_location=r.storage_location,
            cells=cells[r.id],
        )
        for r in page
    )
    return BoardPage(
        rows=rows,
        platforms=platforms,
        attention_count=int(attention or 0),
        scheduled_count=int(scheduled or 0),
        next_after_id=ids[-1] if more and ids else None,
        now=now,
    )


def row_for_listing(uow: UnitOfWork, listing_id: int, now: datetime | None = None) -> BoardRow:
    """One listing as the board shows it, also before it is on any platform (to list it first)."""
    listing = uow.listings.get(listing_id)
    now = now or utc_now()
    rows = uow.connection.execute(select(pl).where(pl.c.listing_id == listing_id)).mappings()
    return BoardRow(
        listing_id=listing.id,
        title=listing.title,
        sku=listing.sku,
        listing_status=listing.status or "draft",
        quantity=listing.quantity if listing.quantity is not None else 1,
        price=str(listing.price),
        storage_location=listing.storage_location,
        cells={cell.platform: cell for cell in (_cell(r, now) for r in rows)},
    )


def _cell(r: Any, now: datetime) -> PlatformCell:
    manual = not rules_for(r["platform"]).has_api
    status = r["status"] or "pending"
    task = None
    if manual and status == "pending":
        task = "post"
    elif manual and status == "pending_cancel":
        scheduled = r["cancel_scheduled_at"]
        if r["task_notified_at"] is not None or scheduled is None or scheduled <= now:
            task = "delist"
    claimed_until = r["claimed_until"]
    in_flight = r["sync_step"] is not None and claimed_until is not None and claimed_until > now
    attention = (
        status in ("failed", "pending_cancel")
        or (r["error_message"] is not None and status in ("pending", "active"))
        or task == "post"
    )
    return PlatformCell(
        platform_listing_id=int(r["id"]),
        platform=r["platform"],
        status=status,
        manual=manual,
        platform_listing_ref=r["platform_listing_id"],
        platform_url=r["platform_url"],
        posted_at=r["posted_at"],
        last_synced=r["last_synced"],
        cancel_scheduled_at=r["cancel_scheduled_at"],
        error_message=r["error_message"],
        retry_count=int(r["retry_count"] or 0),
        next_attempt_at=r["next_attempt_at"],
        in_flight=in_flight,
        needs_attention=attention,
        task=task,
    )
