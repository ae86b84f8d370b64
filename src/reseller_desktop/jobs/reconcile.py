"""Reconciliation: what an API platform says is live, against what the database says.

Two kinds of drift matter to a seller:
- listed there but sold or cancelled here: a buyer can still pay for an item that is gone. It is
  reported and a withdrawal is queued at once.
- ended there but active here: the item is not for sale where the seller thinks it is. Reported,
  with the row marked so it shows under "needs attention".
Each drift is reported once while its notification is unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select, update

from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.domain.platforms import label
from reseller_desktop.jobs.notify import notify_once
from reseller_desktop.platforms.base import PlatformAdapter

pl = schema.platform_listings
listings = schema.listings


@dataclass(frozen=True)
class Drift:
    platform_listing_id: int
    listing_id: int
    kind: str  # live_but_gone_here, ended_but_active_here


def reconcile(database: Database, user_id: UUID, platform: str, adapter: PlatformAdapter, now: datetime) -> list[Drift]:
    """Compare; `now` is when the platform was asked (rows written since are newer than its answer)."""
    live = {ref.listing_id for ref in adapter.live_listings() if ref.listing_id}  # the call, no connection held
    drifts: list[Drift] = []
    name = label(platform)
    with database.unit_of_work(user_id) as uow:
        rows = uow.connection.execute(
            select(
                pl.c.id,
                pl.c.listing_id,
                pl.c.status,
                pl.c.sync_step,
                pl.c.platform_listing_id,
                pl.c.posted_at,
                listings.c.title,
            )
            .join(listings, listings.c.id == pl.c.listing_id)
            .where(
                listings.c.user_id == user_id,
                pl.c.platform == platform,
                pl.c.platform_listing_id.is_not(None),
                pl.c.claimed_by.is_(None),  # a row mid-step is the step's business
                # Written after the platform answered: the answer cannot know about it yet.
                or_(pl.c.last_synced.is_(None), pl.c.last_synced < now),
            )
            .with_for_update(of=pl, skip_locked=True)
        ).mappings()
        for r in rows:
            ref = r["platform_listing_id"]
            gone_here = r["status"] in ("sold", "canceled") or (
                r["status"] == "failed" and r["sync_step"] == "withdraw"
            )
            if ref in live and gone_here:
                drifts.append(Drift(r["id"], r["listing_id"], "live_but_gone_here"))
                uow.connection.execute(
                    update(pl)
                    .where(pl.c.id == r["id"])
                    .values(status="pending_cancel", cancel_scheduled_at=now, next_attempt_at=None, retry_count=0)
                )
                notify_once(
                    uow,
                    "warning",
                    f"Still listed on {name}: “{r['title']}”",
                    f"{name} shows it for sale, but here it is {r['status']}. It is being taken down now; "
                    f"check {name} if it does not disappear within a few minutes.",
                    key=f"drift:{r['id']}:live",
                    listing_id=r["listing_id"],
                    platform=platform,
                )
            elif ref not in live and r["status"] == "active":
                drifts.append(Drift(r["id"], r["listing_id"], "ended_but_active_here"))
                message = f"{name} no longer shows it as live (ended or removed there)."
                uow.connection.execute(update(pl).where(pl.c.id == r["id"]).values(error_message=message))
                notify_once(
                    uow,
                    "warning",
                    f"Not live on {name}: “{r['title']}”",
                    f"{message} Relist it with Retry now in the Sync view, or cancel it there.",
                    key=f"drift:{r['id']}:ended",
                    listing_id=r["listing_id"],
                    platform=platform,
                )
        uow.commit()
    return drifts
