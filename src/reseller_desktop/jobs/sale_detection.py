"""Sale detection: each platform's orders since the last poll become sales here, exactly once.

Every order line is stored in marketplace_orders under a unique (user, platform, order, line) key
before it changes anything, in the same transaction as its effect; two clients polling the same
window therefore record a sale once, and a poll that overlaps the previous one is harmless.
A line that finds its listing already sold (or short of units) is an oversell: it is recorded as
such and raises a warning with both orders; nothing already recorded is overwritten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.dialects.postgresql import insert

from reseller_desktop.db import schema
from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.money import format_money
from reseller_desktop.domain.platforms import label
from reseller_desktop.jobs.notify import notify_once
from reseller_desktop.platforms.base import PlatformAdapter, PlatformSale
from reseller_desktop.services.sales import BY_HAND_PREFIX, record_sale

log = logging.getLogger(__name__)
orders = schema.marketplace_orders
pl = schema.platform_listings
listings = schema.listings
# Orders are asked for from a little before the last poll: an order created just before the last
# call may become visible only after it. The unique key makes the overlap harmless.
OVERLAP = timedelta(minutes=10)
FIRST_POLL_LOOKBACK = timedelta(days=2)


@dataclass(frozen=True)
class SaleEffect:
    order_id: str
    line_id: str
    outcome: str  # sale, oversold, unmatched, cancelled, seen (already recorded)
    listing_id: int | None


def window_start(polled_through: datetime | None, now: datetime, connected_at: datetime | None = None) -> datetime:
    """From a little before the last poll; the first time, from when the account was connected (at
    most two days back), so sales made before the app knew the account are not taken as new."""
    if polled_through is not None:
        return polled_through - OVERLAP
    earliest = now - FIRST_POLL_LOOKBACK
    return max(earliest, connected_at - OVERLAP) if connected_at is not None else earliest


def _entered_by_hand(uow: UnitOfWork, sale: PlatformSale, listing_id: int) -> int | None:
    """An order line the seller entered by hand for this listing and platform, not yet matched to
    the platform's own order, from around the same time: the same sale, already counted."""
    window = timedelta(days=3)
    return uow.connection.scalar(
        select(orders.c.id)
        .where(
            orders.c.user_id == uow.user_id,
            orders.c.platform == sale.platform,
            orders.c.listing_id == listing_id,
            orders.c.order_id.startswith(BY_HAND_PREFIX),
            orders.c.outcome == "sale",
            orders.c.sold_at.between(sale.sold_at - window, sale.sold_at + window),
            ~type_coerce(orders.c.details, Text).contains('"matched_order"'),
        )
        .order_by(orders.c.sold_at)
        .limit(1)
        .with_for_update()
    )


def _find_listing(uow: UnitOfWork, sale: PlatformSale) -> int | None:
    if sale.platform_listing_id:
        found = uow.connection.scalar(
            select(pl.c.listing_id)
            .join(listings, listings.c.id == pl.c.listing_id)
            .where(
                listings.c.user_id == uow.user_id,
                pl.c.platform == sale.platform,
                pl.c.platform_listing_id == sale.platform_listing_id,
            )
            .limit(1)
        )
        if found is not None:
            return int(found)
    if sale.sku:
        found = uow.connection.scalar(
            select(listings.c.id).where(listings.c.user_id == uow.user_id, listings.c.sku == sale.sku).limit(1)
        )
        if found is not None:
            return int(found)
    return None


def _earlier_sales(uow: UnitOfWork, listing_id: int) -> list[dict[str, Any]]:
    rows = uow.connection.execute(
        select(orders.c.platform, orders.c.order_id, orders.c.quantity, orders.c.sold_at)
        .where(orders.c.listing_id == listing_id, orders.c.outcome == "sale")
        .order_by(orders.c.sold_at)
    ).mappings()
    return [
        {"platform": r["platform"], "order_id": r["order_id"], "quantity": r["quantity"], "sold_at": str(r["sold_at"])}
        for r in rows
    ]


def apply_sale(uow: UnitOfWork, sale: PlatformSale, cooldown: timedelta) -> SaleEffect:
    """Record one order line and its effect in the caller's transaction (the caller commits)."""
    listing_id = _find_listing(uow, sale)
    inserted = uow.connection.scalar(
        insert(orders)
        .values(
            user_id=uow.user_id,
            platform=sale.platform,
            order_id=sale.order_id,
            line_id=sale.line_id,
            listing_id=listing_id,
            sku=sale.sku,
            quantity=max(sale.quantity, 1),
            unit_price=sale.price,
            sold_at=sale.sold_at,
            outcome="cancelled" if sale.cancelled else "sale",
            details={"buyer": sale.buyer, "platform_listing_id": sale.platform_listing_id},
        )
        .on_conflict_do_nothing()
        .returning(orders.c.id)
    )
    if inserted is None:
        if sale.cancelled:
            return _cancelled_after_the_sale(uow, sale)
        return SaleEffect(sale.order_id, sale.line_id, "seen", listing_id)
    if sale.cancelled:
        return SaleEffect(sale.order_id, sale.line_id, "cancelled", listing_id)
    if listing_id is None:
        uow.connection.execute(orders.update().where(orders.c.id == inserted).values(outcome="unmatched"))
        notify_once(
            uow,
            "info",
            f"Order {sale.order_id} on {label(sale.platform)} matches no listing here",
            f"SKU {sale.sku or 'none'}, {sale.quantity} unit(s). If it is one of your listings, give the listing "
            "that SKU; the order itself was recorded and nothing was changed.",
            key=f"unmatched:{sale.platform}:{sale.order_id}:{sale.line_id}",
            platform=sale.platform,
        )
        return SaleEffect(sale.order_id, sale.line_id, "unmatched", None)
    by_hand = _entered_by_hand(uow, sale, listing_id)
    if by_hand is not None:
        uow.connection.execute(
            orders.update()
            .where(orders.c.id == by_hand)
            .values(details={"by_hand": True, "matched_order": sale.order_id})
        )
        uow.connection.execute(
            orders.update().where(orders.c.id == inserted).values(details={"entered_by_hand_as": by_hand})
        )
        return SaleEffect(sale.order_id, sale.line_id, "seen", listing_id)
    name = label(sale.platform)
    try:
        with uow.connection.begin_nested():
            outcome = record_sale(
                uow,
                listing_id,
                platform=sale.platform,
                price=sale.price,
                sold_at=sale.sold_at,
                cooldown=cooldown,
                units=max(sale.quantity, 1),
            )
    except ValidationError as refused:
        return _oversold(uow, sale, int(inserted), listing_id, str(refused.errors[0].message))
    listing = outcome.listing
    others = ", ".join(label(p) for p in outcome.cancellations)
    message = f"{sale.quantity} × “{listing.title}” sold on {name} for {format_money(sale.price)} each."
    if outcome.sold_out and others:
        message += f" It comes down on {others} after the cooldown."
    elif not outcome.sold_out:
        message += f" {listing.quantity} left; the other platforms get the new quantity."
    uow.notifications.add(
        "sale",
        f"Sold on {name}: {listing.title}",
        message,
        listing_id=listing_id,
        platform=sale.platform,
        data={"order_id": sale.order_id, "line_id": sale.line_id, "cancel": list(outcome.cancellations)},
    )
    return SaleEffect(sale.order_id, sale.line_id, "sale", listing_id)


def _cancelled_after_the_sale(uow: UnitOfWork, sale: PlatformSale) -> SaleEffect:
    """An order already counted as a sale was cancelled on the platform. The unit is not put back by
    itself (it may have been re-sold, or not be back on the shelf yet): the seller is told."""
    key = (orders.c.user_id == uow.user_id, orders.c.platform == sale.platform, orders.c.order_id == sale.order_id)
    row = uow.connection.execute(
        select(orders.c.id, orders.c.listing_id)
        .where(*key, orders.c.line_id == sale.line_id, orders.c.outcome == "sale")
        .with_for_update()
    ).first()
    if row is None:
        return SaleEffect(sale.order_id, sale.line_id, "seen", None)
    uow.connection.execute(orders.update().where(orders.c.id == row.id).values(outcome="cancelled"))
    title = uow.connection.scalar(select(listings.c.title).where(listings.c.id == row.listing_id))
    name = label(sale.platform)
    uow.notifications.add(
        "warning",
        f"Order cancelled on {name}: {title}",
        f"Order {sale.order_id} was cancelled after it was counted as a sale. If the item is back on the shelf, "
        "open the listing, set its quantity and make it active again, then list it from the Sync view.",
        listing_id=row.listing_id,
        platform=sale.platform,
        data={"order_id": sale.order_id, "line_id": sale.line_id, "kind": "order_cancelled"},
    )
    return SaleEffect(sale.order_id, sale.line_id, "cancelled", row.listing_id)


def _oversold(uow: UnitOfWork, sale: PlatformSale, order_row: int, listing_id: int, reason: str) -> SaleEffect:
    uow.connection.execute(orders.update().where(orders.c.id == order_row).values(outcome="oversold"))
    title = uow.connection.scalar(select(listings.c.title).where(listings.c.id == listing_id))
    earlier = _earlier_sales(uow, listing_id)
    this = {
        "platform": sale.platform,
        "order_id": sale.order_id,
        "quantity": sale.quantity,
        "sold_at": str(sale.sold_at),
    }
    before = "; ".join(f"{label(e['platform'])} order {e['order_id']}" for e in earlier) or "an earlier sale"
    uow.notifications.add(
        "warning",
        f"Oversold: “{title}” sold again on {label(sale.platform)}",
        f"{reason} Order {sale.order_id} on {label(sale.platform)} came after {before}. "
        f"Nothing was changed: contact the buyer on {label(sale.platform)} and cancel one of the orders.",
        listing_id=listing_id,
        platform=sale.platform,
        data={"orders": [*earlier, this], "kind": "oversold"},
    )
    return SaleEffect(sale.order_id, sale.line_id, "oversold", listing_id)


def detect_sales(
    database: Database,
    user_id: UUID,
    adapter: PlatformAdapter,
    since: datetime,
    cooldown: timedelta,
) -> list[SaleEffect]:
    """Fetch (no connection held) and then record each line in its own short transaction."""
    sales = sorted(adapter.sales_since(since), key=lambda s: (s.sold_at, s.order_id, s.line_id))
    effects = []
    for sale in sales:
        with database.unit_of_work(user_id) as uow:
            effect = apply_sale(uow, sale, cooldown)
            uow.commit()
        effects.append(effect)
        if effect.outcome not in ("seen", "unmatched"):
            log.info("%s order %s line %s: %s", sale.platform, sale.order_id, sale.line_id, effect.outcome)
    return effects
