"""What the seller does from the sync view: list on more platforms, retry, cancel now, keep listed,
and tick manual platforms posted or delisted.

Each action is one short transaction that only changes rows; the background jobs do the calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Text, select, type_coerce, update

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError, UserError, ValidationError
from reseller_desktop.domain.platform_status import LIVE, check_platform_transition
from reseller_desktop.domain.platforms import platform_errors, rules_for
from reseller_desktop.domain.records import PlatformListingRecord
from reseller_desktop.repositories.base import utc_now

pl = schema.platform_listings
notifications = schema.notifications


@dataclass(frozen=True)
class ListOnOutcome:
    added: tuple[str, ...]  # platforms now pending
    refused: dict[str, tuple[FieldError, ...]]  # platform → what to fix first
    already: tuple[str, ...]  # platforms the listing is already live on


def list_on(uow: UnitOfWork, listing_id: int, platforms: Sequence[str]) -> ListOnOutcome:
    """Queue the listing for `platforms`; platforms whose rules it breaks are reported, not queued."""
    listing = uow.listings.get_for_update(listing_id)
    if listing.status != "active":
        raise UserError(
            f"“{listing.title}” is {listing.status}; only an active listing can be listed on a marketplace.",
            "Make it active first (it needs a storage location).",
        )
    values = asdict(listing)
    existing = {row.platform: row for row in uow.platform_listings.for_listing(listing_id)}
    added: list[str] = []
    already: list[str] = []
    refused: dict[str, tuple[FieldError, ...]] = {}
    for platform in dict.fromkeys(p.strip().lower() for p in platforms if p.strip()):
        errors = platform_errors(values, platform)
        if errors:
            refused[platform] = tuple(errors)
            continue
        row = existing.get(platform)
        if row is None:
            uow.platform_listings.add(listing_id, platform)
            added.append(platform)
        elif row.status in ("canceled", "sold", "failed"):
            _requeue(uow, row)
            added.append(platform)
        else:
            already.append(platform)
    return ListOnOutcome(tuple(added), refused, tuple(already))


def _requeue(uow: UnitOfWork, row: PlatformListingRecord) -> None:
    uow.platform_listings.update(row.id, {"status": "pending", "error_message": None, "retry_count": 0})
    _clear_schedule(uow, row.id)


def _clear_schedule(uow: UnitOfWork, platform_listing_id: int) -> None:
    uow.connection.execute(
        update(pl).where(pl.c.id == platform_listing_id).values(next_attempt_at=None, sync_step=None)
    )


def _locked(uow: UnitOfWork, platform_listing_id: int) -> PlatformListingRecord:
    row = uow.platform_listings.get(platform_listing_id)  # ownership check
    uow.connection.execute(select(pl.c.id).where(pl.c.id == platform_listing_id).with_for_update())
    return uow.platform_listings.get(row.id)


def _sync_step(uow: UnitOfWork, platform_listing_id: int) -> str | None:
    """The step the jobs last took (or are taking) for the row; it stays set after a failure."""
    return uow.connection.scalar(select(pl.c.sync_step).where(pl.c.id == platform_listing_id))


def retry_now(uow: UnitOfWork, platform_listing_id: int) -> PlatformListingRecord:
    """Try a failed row again at once, with a fresh set of attempts. A failed delist stays a delist."""
    row = _locked(uow, platform_listing_id)
    if row.status == "failed" and _sync_step(uow, row.id) == "withdraw":
        changes = {"status": "pending_cancel", "cancel_scheduled_at": utc_now()}
    elif row.status in ("failed", "pending"):
        changes = {"status": "pending"}
    elif row.status == "active" and row.error_message:
        changes = {"status": "pending"}  # ended on the platform (reconciliation said so): list it again
    elif row.status in ("pending_cancel", "active"):
        changes = {}
    else:
        raise UserError(f"Nothing to retry: it is {row.status} on {rules_for(row.platform).label}.")
    updated = uow.platform_listings.update(row.id, changes | {"retry_count": 0, "error_message": None})
    uow.connection.execute(update(pl).where(pl.c.id == row.id).values(next_attempt_at=None))
    return updated


def cancel_now(uow: UnitOfWork, platform_listing_id: int) -> PlatformListingRecord:
    """Take it down now instead of at the end of the cooldown (or end a live listing on request)."""
    row = _locked(uow, platform_listing_id)
    if row.status not in ("pending_cancel", *LIVE):
        raise UserError(f"It is already {row.status} on {rules_for(row.platform).label}; nothing to cancel.")
    if row.status == "pending" and _never_posted(row) and not _maybe_on_platform(uow, row.id):
        return uow.platform_listings.update(row.id, {"status": "canceled", "cancel_scheduled_at": None})
    check_platform_transition(row.status, "pending_cancel")
    updated = uow.platform_listings.update(row.id, {"status": "pending_cancel", "cancel_scheduled_at": utc_now()})
    uow.connection.execute(update(pl).where(pl.c.id == row.id).values(next_attempt_at=None))
    return updated


def _never_posted(row: PlatformListingRecord) -> bool:
    return row.platform_listing_id is None and row.posted_at is None


def _maybe_on_platform(uow: UnitOfWork, platform_listing_id: int) -> bool:
    """A publish is under way, or an earlier one was interrupted: the platform may have the listing
    although nothing here says so yet. Only a withdraw (which finds it by SKU) can be sure."""
    return _sync_step(uow, platform_listing_id) is not None


def keep_listed(uow: UnitOfWork, platform_listing_id: int) -> PlatformListingRecord:
    """The seller keeps this platform up after a sale elsewhere (another unit on the shelf, a sale
    that fell through). The listing itself must still have a unit to sell."""
    row = _locked(uow, platform_listing_id)
    if row.status != "pending_cancel":
        raise UserError(f"It is {row.status} on {rules_for(row.platform).label}, not waiting to be cancelled.")
    listing = uow.listings.get_for_update(row.listing_id or 0)
    if listing.status != "active" or not listing.quantity:
        raise UserError(
            f"“{listing.title}” has no unit left to sell ({listing.status}, quantity {listing.quantity or 0}).",
            "Set the quantity and make the listing active again before keeping it listed.",
        )
    return uow.platform_listings.update(row.id, {"status": "active", "cancel_scheduled_at": None})


def mark_posted(uow: UnitOfWork, platform_listing_id: int, url: str) -> PlatformListingRecord:
    """A manual platform: the seller posted it by hand; the URL lets the app link to it."""
    row = _locked(uow, platform_listing_id)
    if rules_for(row.platform).has_api:
        raise UserError(f"{rules_for(row.platform).label} is posted by the app; there is nothing to tick.")
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationError([FieldError("platform_url", "Paste the listing's address, starting with https://.")])
    check_platform_transition(row.status, "active")
    now = utc_now()
    return uow.platform_listings.update(
        row.id, {"status": "active", "platform_url": url, "posted_at": now, "last_synced": now, "error_message": None}
    )


def mark_delisted(uow: UnitOfWork, platform_listing_id: int) -> PlatformListingRecord:
    """A manual platform: the seller took it down by hand. Closes the open delist task."""
    row = _locked(uow, platform_listing_id)
    if rules_for(row.platform).has_api:
        raise UserError(f"{rules_for(row.platform).label} is delisted by the app; use Cancel now instead.")
    check_platform_transition(row.status, "canceled")
    updated = uow.platform_listings.update(
        row.id, {"status": "canceled", "cancel_scheduled_at": None, "last_synced": utc_now()}
    )
    close_tasks(uow, row)
    return updated


def close_tasks(uow: UnitOfWork, row: PlatformListingRecord) -> None:
    """Mark read the task notifications of this platform row ("delist on Poshmark now")."""
    uow.connection.execute(
        update(notifications)
        .where(
            notifications.c.listing_id == row.listing_id,
            notifications.c.platform == row.platform,
            notifications.c.is_read.is_not(True),
            type_coerce(notifications.c.data, Text).like('%"task":%'),
        )
        .values(is_read=True)
    )


def remove_platform(uow: UnitOfWork, platform_listing_id: int) -> None:
    """Forget a platform row that never went up (pending or failed without a listing there)."""
    row = _locked(uow, platform_listing_id)
    if (
        row.status in ("active", "pending_cancel")
        or (row.status in LIVE and not _never_posted(row))
        or (rules_for(row.platform).has_api and _maybe_on_platform(uow, row.id))
    ):
        raise UserError(
            f"It is up on {rules_for(row.platform).label}; cancel it there first.",
            "Use Cancel now; once it shows canceled it can be removed.",
        )
    uow.platform_listings.remove(row.id)
