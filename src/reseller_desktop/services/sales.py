"""Recording a sale: the listing's quantity or status, and the cancel-cooldown on its other platforms.

When the last unit sells, the listing becomes sold (platform, price, date) and every other platform
it is live on goes to pending_cancel, to be withdrawn at sale time + cooldown (15 minutes unless
the seller set another). With units left, the quantity drops and the listing stays active on every
platform. The same function serves "Mark as sold" in the editor and the sale detection job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import parse_money
from reseller_desktop.domain.records import ListingRecord


@dataclass(frozen=True)
class SaleOutcome:
    listing: ListingRecord
    sold_out: bool
    cancellations: tuple[str, ...]  # platforms now pending_cancel
    cancel_at: datetime | None


def record_sale(
    uow: UnitOfWork,
    listing_id: int,
    *,
    platform: str,
    price: object,
    sold_at: datetime,
    cooldown: timedelta = timedelta(minutes=15),
    units: int = 1,
) -> SaleOutcome:
    """Record `units` sold on `platform`. Raises ValidationError, nothing written, when the listing
    is not active or has fewer units left: the caller decides whether that is an oversell."""
    platform = platform.strip().lower()
    if not platform:
        raise ValidationError([FieldError("sold_platform", "Choose the platform it sold on.")])
    sold_price: Decimal = parse_money(price, "sold_price")
    listing = uow.listings.get_for_update(listing_id)
    if listing.status != "active":
        raise ValidationError(
            [FieldError("status", f"A {listing.status} listing cannot be sold; only an active listing can.")]
        )
    quantity = listing.quantity if listing.quantity is not None else 1
    if units < 1:
        raise ValidationError([FieldError("quantity", "A sale is of one unit or more.")])
    if quantity < units:
        left = "No units left" if quantity <= 0 else f"Only {quantity} unit(s) left"
        raise ValidationError([FieldError("quantity", f"{left} to sell; {units} sold.")])
    detail = {
        "platform": platform,
        "price": str(sold_price),
        "sold_at": sold_at.isoformat(),
        "units": units,
        "units_left": quantity - units,
    }
    if quantity > units:
        updated = uow.listings.update(listing_id, {"quantity": quantity - units})
        uow.activity_log.record("record_sale", "listing", listing_id, detail)
        return SaleOutcome(updated, sold_out=False, cancellations=(), cancel_at=None)

    # The platform rows first, with the seller's cooldown: the database's own trigger on the listing
    # (for writers that do not come this way) then finds nothing left to schedule. A handful of
    # statements in all, whatever the number of platforms: the listing stays locked meanwhile.
    cancel_at = sold_at + cooldown
    settled = uow.platform_listings.settle_sale(listing_id, platform, cancel_at)
    cancelled = [row.platform for row in settled if row.platform != platform]
    updated = uow.listings.update(
        listing_id,
        {"quantity": 0, "status": "sold", "sold_platform": platform, "sold_date": sold_at, "sold_price": sold_price},
        recording_sale=True,
        locked=listing,
    )
    uow.activity_log.record("record_sale", "listing", listing_id, detail | {"cancel": cancelled})
    return SaleOutcome(updated, sold_out=True, cancellations=tuple(cancelled), cancel_at=cancel_at)


def record_sale_by_hand(
    uow: UnitOfWork,
    listing_id: int,
    *,
    platform: str,
    price: object,
    sold_at: datetime,
    cooldown: timedelta = timedelta(minutes=15),
    units: int = 1,
) -> SaleOutcome:
    """A sale the seller enters ("Mark as sold"). It is also kept as an order line without an order
    number, so that when sale detection later sees the platform's own order for it, the two are
    recognised as one sale and the unit is not counted twice."""
    outcome = record_sale(
        uow, listing_id, platform=platform, price=price, sold_at=sold_at, cooldown=cooldown, units=units
    )
    uow.connection.execute(
        schema.marketplace_orders.insert().values(
            user_id=uow.user_id,
            platform=platform.strip().lower(),
            order_id=f"{BY_HAND_PREFIX}{uuid.uuid4()}",
            line_id="1",
            listing_id=listing_id,
            sku=outcome.listing.sku,
            quantity=units,
            unit_price=parse_money(price, "sold_price"),
            sold_at=sold_at,
            outcome="sale",
            details={"by_hand": True},
        )
    )
    return outcome


BY_HAND_PREFIX = "by-hand:"
