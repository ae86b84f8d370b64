"""Publish, update and withdraw: one claimed platform row each, from the call to its recorded outcome.

The claim (with the step) was committed before we get here; no database connection is open while
the adapter calls the platform. The outcome is written in a fresh transaction afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.platforms import label, platform_errors
from reseller_desktop.jobs.backoff import retry_delay
from reseller_desktop.jobs.notify import notify_once
from reseller_desktop.photos.store import PhotoStore, is_photo_uri
from reseller_desktop.platforms.base import (
    INTERRUPTED,
    ListingPayload,
    NotConnectedError,
    PermanentPlatformError,
    PlatformAdapter,
    RemoteRef,
    TransientPlatformError,
)
from reseller_desktop.repositories import sync_queue
from reseller_desktop.repositories.sync_queue import ClaimedRow
from reseller_desktop.services.sync_actions import close_tasks
from reseller_desktop.settings import SyncSettings

log = logging.getLogger(__name__)
RECONNECT_WAIT_SECONDS = 600  # a disconnected account is looked at again after this long


@dataclass(frozen=True)
class StepResult:
    platform_listing_id: int
    platform: str
    step: str
    outcome: str  # done, retry, failed, not_connected, skipped
    message: str = ""


def payload_of(row: ClaimedRow, photos: PhotoStore) -> ListingPayload:
    listing = row.listing
    uris = listing["photos"] if isinstance(listing["photos"], list) else []
    paths: list[Path] = []
    for uri in uris:
        if isinstance(uri, str) and is_photo_uri(uri):
            path = photos.path_of(uri)
            if not path.exists():
                raise PermanentPlatformError(
                    row.platform,
                    f"A photo of “{listing['title']}” is missing from this computer ({path.name}).",
                    "Open the listing, remove the missing photo or add it again, then press Retry now.",
                )
            paths.append(path)
    attributes = listing["attributes"] if isinstance(listing["attributes"], dict) else {}
    return ListingPayload(
        listing_id=row.listing_id,
        sku=str(listing["sku"]),
        title=listing["title"],
        description=listing["description"] or "",
        price=Decimal(listing["price"]),
        quantity=int(listing["quantity"] if listing["quantity"] is not None else 1),
        condition=listing["condition"],
        category=listing["category"],
        upc=listing["upc"],
        attributes=attributes,
        photo_paths=tuple(paths),
    )


def previous_ref(row: ClaimedRow) -> RemoteRef | None:
    """What an earlier attempt left for this row's step to find (None: nothing to look for)."""
    if row.platform_listing_ref is None and not row.remote_extra:
        # An earlier publish that failed or was cut short may still have reached the platform.
        return INTERRUPTED if row.previous_step == "publish" or row.retry_count > 0 else None
    return RemoteRef(row.platform_listing_ref, row.platform_url, row.remote_extra)


class RowStepper:
    def __init__(
        self,
        database: Database,
        photos: PhotoStore,
        settings: SyncSettings,
        owner: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.database, self.photos, self.settings, self.owner, self.clock = database, photos, settings, owner, clock

    def run(self, row: ClaimedRow, adapter: PlatformAdapter) -> StepResult:
        try:
            if row.step == "withdraw":
                return self._withdraw(row, adapter)
            payload = self.payload_for(row)
            if row.step == "publish":
                return self.published(row, adapter.publish(payload, previous_ref(row)), adapter)
            previous = previous_ref(row)
            if previous is None:  # active without a platform id: publish it properly
                return self.published(row, adapter.publish(payload, None), adapter)
            return self._updated(row, adapter.update(payload, previous))
        except Exception as exc:
            return self.failed_with(row, exc)

    def payload_for(self, row: ClaimedRow) -> ListingPayload:
        """The listing as the platform gets it; a PermanentPlatformError when the platform's rules refuse it."""
        # The rules see the photos that will really be sent (files on this computer).
        sendable = [u for u in row.listing["photos"] or [] if isinstance(u, str) and is_photo_uri(u)]
        problems = platform_errors(row.listing | {"photos": sendable}, row.platform)
        if problems:
            text = " ".join(p.message for p in problems)
            raise PermanentPlatformError(row.platform, f"Not sent to {label(row.platform)}: {text}", "")
        return payload_of(row, self.photos)

    def failed_with(self, row: ClaimedRow, exc: Exception) -> StepResult:
        """Record why the step did not succeed: retried later, failed for good, or waiting for a sign-in."""
        if isinstance(exc, NotConnectedError):
            return self.not_connected(row, exc)
        if isinstance(exc, TransientPlatformError):
            return self._transient(row, exc.message, exc.retry_after)
        if isinstance(exc, PermanentPlatformError):
            return self._failed(row, str(exc))
        # A bug must not stop the other rows; it is retried and logged in full.
        log.error("sync step %s of platform listing %s failed", row.step, row.platform_listing_id, exc_info=exc)
        return self._transient(row, f"Unexpected error ({type(exc).__name__}); it will be retried.", None)

    # ----- outcomes ----------------------------------------------------------------------------
    def _uow(self, row: ClaimedRow) -> UnitOfWork:
        return self.database.unit_of_work(row.user_id)

    def published(self, row: ClaimedRow, ref: RemoteRef, adapter: PlatformAdapter) -> StepResult:
        now = self.clock()
        with self._uow(row) as uow:
            current = uow.connection.scalar(
                select(sync_queue.pl.c.status).where(sync_queue.pl.c.id == row.platform_listing_id)
            )
            values: dict[str, Any] = {
                "platform_listing_id": ref.listing_id,
                "platform_url": ref.url,
                "remote_ref": dict(ref.extra),
                "last_synced": now,
                "error_message": None,
                "retry_count": 0,
                "next_attempt_at": None,
                "sync_step": None,
            }
            if current == "pending":
                values |= {"status": "active", "posted_at": now}
            elif current != "active":
                # Sold elsewhere or cancelled by the seller while we were publishing: it is up now,
                # so it comes down at once.
                values |= {"status": "pending_cancel", "posted_at": now, "cancel_scheduled_at": now}
            recorded = sync_queue.release(
                uow.connection, row.platform_listing_id, self.owner, values, row.update_requested_at
            )
            if recorded:
                uow.activity_log.record(
                    "platform_published", "platform_listing", row.platform_listing_id, {"platform": row.platform}
                )
            uow.commit()
        if not recorded and current is None:
            # The row was removed while the call was under way: nothing here would ever take the
            # listing down again, so it comes down now.
            log.warning("platform listing %s was removed while publishing; withdrawing it", row.platform_listing_id)
            adapter.withdraw(ref, row.listing.get("sku"))
        return StepResult(row.platform_listing_id, row.platform, row.step, "done" if recorded else "skipped")

    def _updated(self, row: ClaimedRow, ref: RemoteRef) -> StepResult:
        now = self.clock()
        with self._uow(row) as uow:
            values: dict[str, Any] = {
                "platform_url": ref.url or row.platform_url,
                "remote_ref": dict(ref.extra) or row.remote_extra,
                "last_synced": now,
                "error_message": None,
                "retry_count": 0,
                "next_attempt_at": None,
                "sync_step": None,
            }
            sync_queue.release(uow.connection, row.platform_listing_id, self.owner, values, row.update_requested_at)
            uow.commit()
        return StepResult(row.platform_listing_id, row.platform, row.step, "done")

    def _withdraw(self, row: ClaimedRow, adapter: PlatformAdapter) -> StepResult:
        ref = previous_ref(row)
        sku = row.listing.get("sku")
        if ref is not None or sku:
            adapter.withdraw(ref or RemoteRef(None), sku)
            # Read it back: only what the platform says is gone counts as gone.
            state = adapter.state_of(ref or RemoteRef(None), sku)
            if state == "live":
                raise TransientPlatformError(row.platform, f"{label(row.platform)} still shows the listing as live.")
        now = self.clock()
        with self._uow(row) as uow:
            values: dict[str, Any] = {
                "status": "canceled",
                "last_synced": now,
                "error_message": None,
                "retry_count": 0,
                "next_attempt_at": None,
                "sync_step": None,
            }
            recorded = sync_queue.release(uow.connection, row.platform_listing_id, self.owner, values)
            if recorded:  # else deleted meanwhile, or another client took the row over and records it
                close_tasks(uow, uow.platform_listings.get(row.platform_listing_id))
                uow.activity_log.record(
                    "platform_withdrawn", "platform_listing", row.platform_listing_id, {"platform": row.platform}
                )
            uow.commit()
        return StepResult(row.platform_listing_id, row.platform, row.step, "done" if recorded else "skipped")

    def _transient(self, row: ClaimedRow, message: str, retry_after: float | None) -> StepResult:
        attempts = row.retry_count + 1
        if attempts >= self.settings.max_attempts and row.step != "withdraw":
            return self._failed(row, f"{message} (gave up after {attempts} tries)")
        if attempts >= self.settings.max_attempts:
            # A sold item must come down: a delist is never given up, only slowed to the longest wait,
            # and the seller is told once to end it by hand meanwhile.
            self._tell_failed(row, f"{message} (still trying after {attempts} tries)")
        wait = retry_delay(
            attempts,
            base_seconds=self.settings.backoff_base_seconds,
            max_seconds=self.settings.backoff_max_seconds,
            retry_after=retry_after,
        )
        with self._uow(row) as uow:
            values = {"retry_count": attempts, "error_message": message, "next_attempt_at": self.clock() + wait}
            sync_queue.release(uow.connection, row.platform_listing_id, self.owner, values)
            uow.commit()
        return StepResult(row.platform_listing_id, row.platform, row.step, "retry", message)

    def _failed(self, row: ClaimedRow, message: str) -> StepResult:
        with self._uow(row) as uow:
            # sync_step stays: Retry now knows a failed withdraw is still a withdraw.
            values: dict[str, Any] = {"status": "failed", "error_message": message, "retry_count": row.retry_count + 1}
            if row.step == "update":
                # Still live there with the old details; the next edit asks again.
                values = {"error_message": message, "retry_count": 0, "sync_step": None}
            sync_queue.release(
                uow.connection,
                row.platform_listing_id,
                self.owner,
                values,
                row.update_requested_at if row.step == "update" else None,
            )
            uow.commit()
        self._tell_failed(row, message)
        return StepResult(row.platform_listing_id, row.platform, row.step, "failed", message)

    def _tell_failed(self, row: ClaimedRow, message: str) -> None:
        name, title = label(row.platform), row.listing["title"]
        if row.step == "withdraw":
            heading = f"Could not take “{title}” down on {name}"
            advice = f"End it on {name} by hand now; the app keeps trying, and Retry now tries at once."
        else:
            heading = f"Could not {'list' if row.step == 'publish' else 'update'} “{title}” on {name}"
            advice = "Fix what it says, then press Retry now in the Sync view."
        with self._uow(row) as uow:
            notify_once(
                uow,
                "error",
                heading,
                f"{message} {advice}",
                key=f"step-failed:{row.platform_listing_id}:{row.step}",
                listing_id=row.listing_id,
                platform=row.platform,
                data={"platform_listing_id": row.platform_listing_id, "step": row.step},
            )
            uow.commit()

    def not_connected(self, row: ClaimedRow, exc: Exception) -> StepResult:
        message = str(exc)
        with self._uow(row) as uow:
            values = {
                "error_message": message,
                "next_attempt_at": self.clock() + timedelta(seconds=RECONNECT_WAIT_SECONDS),
            }
            sync_queue.release(uow.connection, row.platform_listing_id, self.owner, values)
            notify_once(
                uow,
                "error",
                f"{label(row.platform)} is not connected",
                message,
                key=f"not-connected:{row.platform}",
                platform=row.platform,
            )
            uow.commit()
        return StepResult(row.platform_listing_id, row.platform, row.step, "not_connected", message)
