"""The sync jobs' queue: platform rows and poll slots claimed with leases, across the served users.

A claim is one short transaction: `FOR UPDATE SKIP LOCKED` picks rows no other client is looking
at, and a lease (claimed_by, claimed_until) written on them keeps other clients off while this one
calls the platform with no database connection held. The step about to be taken (sync_step) is
written with the claim, before the call; the outcome is written after it. A client that dies
mid-call leaves a lease that runs out, and the next claimer repeats the step (the adapters make
repeating safe).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from reseller_desktop.db import schema
from reseller_desktop.domain.money import from_real
from reseller_desktop.domain.platforms import API_PLATFORMS, MANUAL_PLATFORMS
from reseller_desktop.domain.sku import new_sku

pl = schema.platform_listings
listings = schema.listings
poll = schema.marketplace_poll_state


@dataclass(frozen=True)
class ClaimedRow:
    """One platform row claimed for a step, with the listing as it was at claim time."""

    platform_listing_id: int
    listing_id: int
    user_id: UUID
    platform: str
    step: str  # publish, update, withdraw
    status: str
    platform_listing_ref: str | None
    platform_url: str | None
    remote_extra: dict[str, str]
    retry_count: int
    listing: dict[str, Any]  # listing columns (money as Decimal), plain values
    # The update request this step answers: an edit made while the call is under way leaves a newer
    # value, which stays for the next update.
    update_requested_at: datetime | None = None
    previous_step: str | None = None  # the step an earlier, maybe interrupted, attempt was taking


@dataclass(frozen=True)
class ClaimedPoll:
    user_id: UUID
    platform: str
    job: str
    polled_through: datetime | None
    failures: int


def _free(now: datetime) -> Any:
    return or_(pl.c.claimed_until.is_(None), pl.c.claimed_until < now)


def _due(now: datetime) -> Any:
    return or_(pl.c.next_attempt_at.is_(None), pl.c.next_attempt_at <= now)


def _condition_for(step: str, now: datetime) -> Any:
    api = pl.c.platform.in_(API_PLATFORMS)
    if step == "publish":
        return and_(api, pl.c.status == "pending", listings.c.status == "active")
    if step == "update":
        return and_(api, pl.c.status == "active", pl.c.update_requested_at.is_not(None))
    if step == "withdraw":
        return and_(api, pl.c.status == "pending_cancel", pl.c.cancel_scheduled_at <= now)
    raise ValueError(step)


def claim_rows(
    conn: Connection,
    step: str,
    accounts: Sequence[tuple[UUID, str]],
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int = 1,
    exclude: Collection[int] = (),
) -> list[ClaimedRow]:
    """Claim up to `limit` due rows for `step` (committed by the caller).

    Only rows of `accounts` (user, platform) are claimed: the ones whose tokens are on this machine,
    so a client that cannot do the work leaves it to one that can. `exclude`: rows already handled
    in this pass, which are not taken twice.
    """
    if not accounts:
        return []
    mine = or_(*(and_(listings.c.user_id == user, pl.c.platform == platform) for user, platform in accounts))
    ids = conn.scalars(
        select(pl.c.id)
        .join(listings, listings.c.id == pl.c.listing_id)
        .where(mine, _condition_for(step, now), _free(now), _due(now), pl.c.id.not_in(list(exclude)))
        .order_by(pl.c.cancel_scheduled_at if step == "withdraw" else pl.c.id, pl.c.id)
        .limit(limit)
        .with_for_update(of=pl, skip_locked=True)
    ).all()
    if not ids:
        return []
    previous = {int(i): step for i, step in conn.execute(select(pl.c.id, pl.c.sync_step).where(pl.c.id.in_(ids)))}
    conn.execute(update(pl).where(pl.c.id.in_(ids)).values(claimed_by=owner, claimed_until=now + lease, sync_step=step))
    rows = conn.execute(
        select(pl, listings.c.user_id.label("owner_id"), *[c.label(f"l_{c.name}") for c in listings.c])
        .join(listings, listings.c.id == pl.c.listing_id)
        .where(pl.c.id.in_(ids))
        .order_by(pl.c.id)
    ).mappings()
    claimed = []
    for r in rows:
        listing = {c.name: r[f"l_{c.name}"] for c in listings.c}
        for money in ("price", "cost", "sold_price"):
            listing[money] = from_real(listing[money])
        if step == "publish" and not listing["sku"]:
            # Every platform finds an item again by its SKU (eBay's offers, Etsy's drafts after a crash).
            listing["sku"] = new_sku()
            conn.execute(update(listings).where(listings.c.id == listing["id"]).values(sku=listing["sku"]))
        extra = r["remote_ref"] if isinstance(r["remote_ref"], dict) else {}
        claimed.append(
            ClaimedRow(
                platform_listing_id=int(r["id"]),
                listing_id=int(r["listing_id"]),
                user_id=r["owner_id"],
                platform=r["platform"],
                step=step,
                status=r["status"],
                platform_listing_ref=r["platform_listing_id"],
                platform_url=r["platform_url"],
                remote_extra={str(k): str(v) for k, v in extra.items()},
                retry_count=int(r["retry_count"] or 0),
                listing=listing,
                update_requested_at=r["update_requested_at"],
                previous_step=previous.get(int(r["id"])),
            )
        )
    return claimed


def release(
    conn: Connection,
    platform_listing_id: int,
    owner: str,
    values: dict[str, Any],
    answered_update: datetime | None = None,
) -> bool:
    """Write a step's outcome and drop the lease, if the lease is still ours.

    False when it is not: the row was deleted meanwhile, or the lease ran out and another client took
    the row (that client repeats the step, safely, and records it). With `answered_update`, the
    update request is cleared only if no newer edit came in while the call was under way.
    """
    if answered_update is not None:
        values = values | {
            "update_requested_at": case(
                (pl.c.update_requested_at == answered_update, None), else_=pl.c.update_requested_at
            )
        }
    result = conn.execute(
        update(pl)
        .where(pl.c.id == platform_listing_id, pl.c.claimed_by == owner)
        .values(**values, claimed_by=None, claimed_until=None)
        .returning(pl.c.id)
    ).first()
    return result is not None


def manual_tasks_due(conn: Connection, users: Sequence[UUID], now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Manual-platform rows whose cooldown ended and whose delist task was not yet raised (locked)."""
    if not users:
        return []
    rows = conn.execute(
        select(pl.c.id, pl.c.platform, pl.c.listing_id, listings.c.user_id, listings.c.title, listings.c.sku)
        .join(listings, listings.c.id == pl.c.listing_id)
        .where(
            listings.c.user_id.in_(users),
            pl.c.platform.not_in(API_PLATFORMS),
            pl.c.status == "pending_cancel",
            pl.c.cancel_scheduled_at <= now,
            pl.c.task_notified_at.is_(None),
        )
        .order_by(pl.c.cancel_scheduled_at, pl.c.id)
        .limit(limit)
        .with_for_update(of=pl, skip_locked=True)
    ).mappings()
    return [dict(r) for r in rows]


def mark_task_raised(conn: Connection, platform_listing_id: int, now: datetime) -> None:
    conn.execute(update(pl).where(pl.c.id == platform_listing_id).values(task_notified_at=now))


# ----- poll slots (sale detection, reconciliation) ---------------------------------------------------
def claim_poll(
    conn: Connection, user_id: UUID, platform: str, job: str, *, owner: str, now: datetime, lease: timedelta
) -> ClaimedPoll | None:
    """The (user, platform, job) slot when it is due and free, leased to `owner`; else None."""
    conn.execute(insert(poll).values(user_id=user_id, platform=platform, job=job).on_conflict_do_nothing())
    row = (
        conn.execute(
            select(poll)
            .where(
                poll.c.user_id == user_id,
                poll.c.platform == platform,
                poll.c.job == job,
                or_(poll.c.next_run_at.is_(None), poll.c.next_run_at <= now),
                or_(poll.c.claimed_until.is_(None), poll.c.claimed_until < now),
            )
            .with_for_update(skip_locked=True)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    conn.execute(
        update(poll)
        .where(poll.c.user_id == user_id, poll.c.platform == platform, poll.c.job == job)
        .values(claimed_by=owner, claimed_until=now + lease)
    )
    return ClaimedPoll(user_id, platform, job, row["polled_through"], int(row["failures"]))


def finish_poll(conn: Connection, slot: ClaimedPoll, values: dict[str, Any]) -> None:
    conn.execute(
        update(poll)
        .where(poll.c.user_id == slot.user_id, poll.c.platform == slot.platform, poll.c.job == slot.job)
        .values(**values, claimed_by=None, claimed_until=None)
    )


def connected_at(conn: Connection, user_id: UUID, platform: str) -> datetime | None:
    """When the account was (last) connected: where sale detection starts for a new account."""
    creds = schema.marketplace_credentials
    value = conn.scalar(
        select(func.coalesce(creds.c.updated_at, creds.c.created_at)).where(
            creds.c.user_id == user_id, creds.c.platform == platform
        )
    )
    return value if isinstance(value, datetime) else None


def next_due(
    conn: Connection, users: Sequence[UUID], accounts: Sequence[tuple[UUID, str]], now: datetime
) -> datetime | None:
    """When the next timed job of `users` comes due: a poll (sale detection, reconciliation) of an
    account in `accounts` (those served here), a withdrawal scheduled on one, or a manual delist task.
    None when nothing is scheduled. A job leased by another client counts from when its lease ends;
    one never run counts as due `now`."""
    moments: list[Any] = []
    if accounts:
        polls = or_(*(and_(poll.c.user_id == user, poll.c.platform == platform) for user, platform in accounts))
        moments.append(
            select(func.min(func.greatest(func.coalesce(poll.c.next_run_at, now), poll.c.claimed_until))).where(polls)
        )
        mine = or_(*(and_(listings.c.user_id == user, pl.c.platform == platform) for user, platform in accounts))
        moments.append(
            select(func.min(func.greatest(pl.c.cancel_scheduled_at, pl.c.next_attempt_at, pl.c.claimed_until)))
            .join(listings, listings.c.id == pl.c.listing_id)
            .where(mine, pl.c.status == "pending_cancel")
        )
    if users:
        moments.append(
            select(func.min(pl.c.cancel_scheduled_at))
            .join(listings, listings.c.id == pl.c.listing_id)
            .where(
                listings.c.user_id.in_(users),
                pl.c.platform.not_in(API_PLATFORMS),
                pl.c.status == "pending_cancel",
                pl.c.task_notified_at.is_(None),
            )
        )
    found = [moment for moment in (conn.scalar(query) for query in moments) if isinstance(moment, datetime)]
    return min(found, default=None)


def users_to_serve(conn: Connection) -> list[UUID]:
    """Headless sync serves every active user with a connected marketplace or a manual task pending."""
    creds = schema.marketplace_credentials
    users = schema.users
    with_accounts = select(creds.c.user_id).where(creds.c.platform.in_(API_PLATFORMS))
    with_manual = (
        select(listings.c.user_id)
        .join(pl, pl.c.listing_id == listings.c.id)
        .where(pl.c.platform.in_(MANUAL_PLATFORMS), pl.c.status == "pending_cancel")
    )
    return list(
        conn.scalars(
            select(users.c.id)
            .where(users.c.is_active.is_not(False), or_(users.c.id.in_(with_accounts), users.c.id.in_(with_manual)))
            .order_by(users.c.id)
        )
    )


def spend_api_call(conn: Connection, platform: str, day: Any) -> int:
    """Count one call against the platform's daily quota, for every client together; returns today's count."""
    usage = schema.marketplace_api_usage
    statement = insert(usage).values(platform=platform, day=day, calls=1)
    return int(
        conn.scalar(
            statement.on_conflict_do_update(
                index_elements=[usage.c.platform, usage.c.day], set_={"calls": usage.c.calls + 1}
            ).returning(usage.c.calls)
        )
        or 0
    )
