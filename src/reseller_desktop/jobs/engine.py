"""One pass of every sync job, for the users this client serves.

Order matters: sales first (a sale schedules cancellations), then due withdrawals (an item sold is
taken down before anything else goes up), manual delist tasks, publishes, updates, and finally
reconciliation. Each job claims its work in a short transaction, calls the platform with no
connection held, and records the outcome in another; the whole state is in the database, so any
number of clients (desktop or headless) can run passes side by side.

Publishing goes in batches where the platform takes many listings a call (eBay's bulk calls).
A long backlog of rows does not hold up the timed jobs: the pass stops taking rows when the next
sale poll or scheduled withdrawal comes due (`cut_short`), and the loop starts the next pass at
once. The report says when the next timed job is due (`next_due`), for the loop to wake then.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from reseller_desktop.db.database import Database
from reseller_desktop.domain.platforms import API_PLATFORMS, label
from reseller_desktop.jobs.adapters import AdapterSource
from reseller_desktop.jobs.backoff import retry_delay
from reseller_desktop.jobs.bulk_publish import BatchPublisher
from reseller_desktop.jobs.notify import notify_once
from reseller_desktop.jobs.reconcile import reconcile
from reseller_desktop.jobs.row_steps import RowStepper, StepResult
from reseller_desktop.jobs.sale_detection import SaleEffect, detect_sales, window_start
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import BatchPublishing, NotConnectedError, PlatformAdapter, PlatformError
from reseller_desktop.repositories import sync_queue
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.settings import Settings

log = logging.getLogger(__name__)
STEPS = ("withdraw", "publish", "update")


def client_id() -> str:
    """Who holds a lease: readable in the database (host and process) and unique per run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class PassReport:
    started_at: datetime
    steps: list[StepResult] = field(default_factory=list)
    sales: list[SaleEffect] = field(default_factory=list)
    tasks_raised: int = 0
    drifts: int = 0
    problems: list[str] = field(default_factory=list)  # what kept a job from running (not connected, ...)
    cut_short: bool = False  # rows were left for the next pass, for a timed job that came due
    next_due: datetime | None = None  # when the next sale poll, withdrawal or delist task is due

    @property
    def changed(self) -> bool:
        return bool(self.steps or self.tasks_raised or self.drifts or any(s.outcome != "seen" for s in self.sales))


class SyncEngine:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        photos: PhotoStore,
        adapters: AdapterSource,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.database, self.settings, self.adapters, self.clock = database, settings, adapters, clock
        self.owner = owner or client_id()
        self.stepper = RowStepper(database, photos, settings.sync, self.owner, clock)
        self.batches = BatchPublisher(database, self.stepper, owner=self.owner, clock=clock, lease=lambda: self.lease)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.sync.lease_seconds)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(minutes=self.settings.cancel_cooldown_minutes)

    def run_once(self, users: Sequence[UUID]) -> PassReport:
        report = PassReport(self.clock())
        try:
            for user_id in users:
                for platform in API_PLATFORMS:
                    self._poll_orders(user_id, platform, report)
            self._raise_manual_tasks(users, report)
            # Only accounts whose tokens are on this computer: other clients do the rest.
            accounts = [(u, p) for u in users for p in API_PLATFORMS if self.adapters.is_connected(u, p)]
            deadline = self._rows_deadline(users, accounts)
            for step in STEPS:
                self._run_rows(step, accounts, report, deadline)
            for user_id in users:
                for platform in API_PLATFORMS:
                    self._reconcile(user_id, platform, report)
            report.next_due = self.next_due(users, accounts)
        finally:
            self.adapters.close_all()
        return report

    def next_due(self, users: Sequence[UUID], accounts: Sequence[tuple[UUID, str]]) -> datetime | None:
        """When the next sale poll, scheduled withdrawal or delist task of these users is due."""
        with self.database.connect() as conn:
            return sync_queue.next_due(conn, users, accounts, self.clock())

    def _rows_deadline(self, users: Sequence[UUID], accounts: Sequence[tuple[UUID, str]]) -> datetime | None:
        """When rows must make way for a timed job; None when none comes due later in this pass (one
        due already was left to another client or waits on its backoff: rows need not stop for it)."""
        due = self.next_due(users, accounts)
        return due if due is not None and due > self.clock() else None

    # ----- platform rows ---------------------------------------------------------------------------
    def _run_rows(
        self, step: str, accounts: Sequence[tuple[UUID, str]], report: PassReport, deadline: datetime | None
    ) -> None:
        def in_time() -> bool:
            if deadline is not None and self.clock() >= deadline:
                report.cut_short = True
            return not report.cut_short

        # Each row at most once a pass, so a row that fails at once cannot keep the pass from the
        # other jobs.
        handled: set[int] = set()
        if step == "publish":
            for user_id, platform in accounts:
                adapter = self._adapter_or_none(user_id, platform)
                if isinstance(adapter, BatchPublishing) and adapter.publish_batch_size > 1:
                    self.batches.run_account(
                        user_id, platform, adapter, handled=handled, steps=report.steps, in_time=in_time
                    )
        # One row per claim, so a lease only has to outlast one step.
        while in_time():
            with self.database.connect() as conn, conn.begin():
                rows = sync_queue.claim_rows(
                    conn, step, accounts, owner=self.owner, now=self.clock(), lease=self.lease, exclude=handled
                )
            if not rows:
                return
            for row in rows:
                handled.add(row.platform_listing_id)
                try:
                    adapter = self.adapters.adapter_for(row.user_id, row.platform)
                except NotConnectedError as exc:
                    report.steps.append(self.stepper.not_connected(row, exc))
                    continue
                report.steps.append(self.stepper.run(row, adapter))

    def _adapter_or_none(self, user_id: UUID, platform: str) -> PlatformAdapter | None:
        """The account's adapter; None when it cannot be made (its rows then say why, one by one)."""
        try:
            return self.adapters.adapter_for(user_id, platform)
        except NotConnectedError:
            return None

    def _raise_manual_tasks(self, users: Sequence[UUID], report: PassReport) -> None:
        """Manual platforms cannot be delisted by the app: when the cooldown ends, the seller is told to."""
        now = self.clock()
        for user_id in users:
            with self.database.unit_of_work(user_id) as uow:
                # Locked with SKIP LOCKED: a second client skips these, and finds them raised afterwards.
                for task in sync_queue.manual_tasks_due(uow.connection, [user_id], now):
                    name = label(task["platform"])
                    uow.notifications.add(
                        "warning",
                        f"Delist on {name} now: {task['title']}",
                        f"It sold elsewhere. Take it down on {name} by hand, then tick Delisted in the Sync view.",
                        listing_id=task["listing_id"],
                        platform=task["platform"],
                        data={"task": "delist", "platform_listing_id": task["id"], "sku": task["sku"]},
                    )
                    sync_queue.mark_task_raised(uow.connection, task["id"], now)
                    report.tasks_raised += 1
                uow.commit()

    # ----- sale detection and reconciliation ------------------------------------------------------
    def _claim_slot(self, user_id: UUID, platform: str, job: str) -> sync_queue.ClaimedPoll | None:
        if not self.adapters.is_connected(user_id, platform):
            return None
        with self.database.connect() as conn, conn.begin():
            return sync_queue.claim_poll(
                conn, user_id, platform, job, owner=self.owner, now=self.clock(), lease=self.lease
            )

    def _poll_orders(self, user_id: UUID, platform: str, report: PassReport) -> None:
        def work(adapter: PlatformAdapter, slot: sync_queue.ClaimedPoll, started: datetime) -> None:
            connected = None
            if slot.polled_through is None:  # the first poll of this account
                with self.database.connect() as conn:
                    connected = sync_queue.connected_at(conn, user_id, platform)
            since = window_start(slot.polled_through, started, connected)
            report.sales.extend(detect_sales(self.database, user_id, adapter, since, self.cooldown))

        interval = timedelta(seconds=self.settings.sync.orders_poll_seconds)
        self._run_slot(user_id, platform, "orders", interval, work=work, report=report)

    def _reconcile(self, user_id: UUID, platform: str, report: PassReport) -> None:
        def work(adapter: PlatformAdapter, _slot: sync_queue.ClaimedPoll, started: datetime) -> None:
            report.drifts += len(reconcile(self.database, user_id, platform, adapter, started))

        interval = timedelta(minutes=self.settings.sync.reconcile_minutes)
        self._run_slot(user_id, platform, "reconcile", interval, work=work, report=report)

    def _run_slot(
        self,
        user_id: UUID,
        platform: str,
        job: str,
        interval: timedelta,
        *,
        work: Callable[[PlatformAdapter, sync_queue.ClaimedPoll, datetime], None],
        report: PassReport,
    ) -> None:
        """A per-platform job (sale detection, reconciliation) when it is due and no other client has it."""
        slot = self._claim_slot(user_id, platform, job)
        if slot is None:
            return
        started = self.clock()
        try:
            work(self.adapters.adapter_for(user_id, platform), slot, started)
        except Exception as exc:
            if not isinstance(exc, PlatformError):
                log.exception("%s on %s failed", job, platform)
            self._slot_failed(slot, exc, report)
            return
        values = {"polled_through": started, "next_run_at": started + interval, "failures": 0, "last_error": None}
        with self.database.connect() as conn, conn.begin():
            sync_queue.finish_poll(conn, slot, values)

    def _slot_failed(self, slot: sync_queue.ClaimedPoll, exc: Exception, report: PassReport) -> None:
        failures = slot.failures + 1
        retry_after = getattr(exc, "retry_after", None)
        wait = retry_delay(
            failures,
            base_seconds=self.settings.sync.backoff_base_seconds,
            max_seconds=self.settings.sync.backoff_max_seconds,
            retry_after=retry_after,
        )
        message = str(exc) if isinstance(exc, PlatformError) else f"Unexpected error ({type(exc).__name__})"
        report.problems.append(f"{label(slot.platform)} {slot.job}: {message}")
        with self.database.unit_of_work(slot.user_id) as uow:
            sync_queue.finish_poll(
                uow.connection,
                slot,
                {"failures": failures, "last_error": message, "next_run_at": self.clock() + wait},
            )
            if failures >= self.settings.sync.max_attempts or isinstance(exc, NotConnectedError):
                what = "sales" if slot.job == "orders" else "listings"
                notify_once(
                    uow,
                    "error",
                    f"Cannot check {what} on {label(slot.platform)}",
                    f"{message} Sales there are not being detected until this is fixed."
                    if slot.job == "orders"
                    else message,
                    key=f"poll-failed:{slot.platform}:{slot.job}",
                    platform=slot.platform,
                )
            uow.commit()
