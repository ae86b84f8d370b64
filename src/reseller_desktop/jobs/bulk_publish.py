"""Publishing in batches, for a platform that lists many items in one call (eBay's bulk calls).

A batch of an account's due publish rows (as many as the adapter takes at once) is claimed in one
short transaction, with the same leases as a single row; the adapter publishes them together with
no connection held; then each row's own outcome is recorded as a single publish records it. A
listing the platform refuses fails alone, with the platform's words; a call that fails whole fails
(and retries) the rows it carried.

The batches go through two stages so the platform's rate limit stays busy: while one batch's bulk
calls go out one after the other and its outcomes are recorded (on a thread of its own), the next
batch is claimed and its photos uploaded. At most one batch waits ahead of the one being published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from uuid import UUID

from reseller_desktop.db.database import Database
from reseller_desktop.jobs.row_steps import RowStepper, StepResult, previous_ref
from reseller_desktop.platforms.base import BatchPublishingAdapter, ListingPayload, PreparedPublish, RemoteRef
from reseller_desktop.repositories import sync_queue
from reseller_desktop.repositories.sync_queue import ClaimedRow

log = logging.getLogger(__name__)

# A row's way through a batch: refused before any call (its error), or prepared (photos uploaded).
Prepared = tuple[ClaimedRow, PreparedPublish | Exception]


class BatchPublisher:
    def __init__(
        self,
        database: Database,
        stepper: RowStepper,
        *,
        owner: str,
        clock: Callable[[], datetime],
        lease: Callable[[], timedelta],
    ) -> None:
        self.database, self.stepper, self.owner, self.clock, self.lease = database, stepper, owner, clock, lease

    def run_account(
        self,
        user_id: UUID,
        platform: str,
        adapter: BatchPublishingAdapter,
        *,
        handled: set[int],
        steps: list[StepResult],
        in_time: Callable[[], bool],
    ) -> None:
        """Batch after batch of the account's due publish rows, while `in_time()` says the pass may go on.
        Rows taken are added to `handled` (each at most once a pass); their results to `steps`."""
        publishing: Future[list[StepResult]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-publish") as publisher:
            while in_time():
                with self.database.connect() as conn, conn.begin():
                    rows = sync_queue.claim_rows(
                        conn,
                        "publish",
                        [(user_id, platform)],
                        owner=self.owner,
                        now=self.clock(),
                        lease=self.lease(),
                        limit=adapter.publish_batch_size,
                        exclude=handled,
                    )
                if not rows:
                    break
                handled.update(row.platform_listing_id for row in rows)
                prepared = self.prepare(rows, adapter)  # while the batch before is being published
                if publishing is not None:
                    steps.extend(publishing.result())
                publishing = publisher.submit(self.finish, prepared, adapter)
            if publishing is not None:
                steps.extend(publishing.result())

    def publish(self, rows: list[ClaimedRow], adapter: BatchPublishingAdapter) -> list[StepResult]:
        """Publish claimed rows together; one recorded result per row, in the rows' order."""
        return self.finish(self.prepare(rows, adapter), adapter)

    def prepare(self, rows: list[ClaimedRow], adapter: BatchPublishingAdapter) -> list[Prepared]:
        """The platform's rules checked and the photos uploaded, row by row (no connection held)."""
        ready: list[tuple[ClaimedRow, tuple[ListingPayload, RemoteRef | None]]] = []
        outcomes: dict[int, PreparedPublish | Exception] = {}
        for row in rows:
            try:
                ready.append((row, (self.stepper.payload_for(row), previous_ref(row))))
            except Exception as exc:  # refused by the platform's rules, a photo missing: this row only
                outcomes[row.platform_listing_id] = exc
        if ready:
            try:
                prepared = adapter.prepare_publish([request for _row, request in ready])
            except Exception as exc:  # not connected any more, or a bug: every row of the batch
                prepared = [exc] * len(ready)
            for (row, _request), outcome in zip(ready, prepared, strict=True):
                outcomes[row.platform_listing_id] = outcome
        return [(row, outcomes[row.platform_listing_id]) for row in rows]

    def finish(self, prepared: list[Prepared], adapter: BatchPublishingAdapter) -> list[StepResult]:
        """The bulk calls for the prepared rows, then every row's outcome recorded, in the rows' order."""
        going = [(row, ready) for row, ready in prepared if isinstance(ready, PreparedPublish)]
        published: dict[int, RemoteRef | Exception] = {}
        if going:
            try:
                answers = adapter.publish_prepared([ready for _row, ready in going])
            except Exception as exc:
                answers = [exc] * len(going)
            published = {row.platform_listing_id: answer for (row, _ready), answer in zip(going, answers, strict=True)}
        results = []
        for row, ready in prepared:
            outcome = published[row.platform_listing_id] if isinstance(ready, PreparedPublish) else ready
            results.append(self._record(row, outcome, adapter))
        return results

    def _record(self, row: ClaimedRow, outcome: RemoteRef | Exception, adapter: BatchPublishingAdapter) -> StepResult:
        if isinstance(outcome, Exception):
            return self.stepper.failed_with(row, outcome)
        try:
            # `published` may withdraw a listing whose row was removed meanwhile: a single-listing call.
            return self.stepper.published(row, outcome, adapter)
        except Exception as exc:
            return self.stepper.failed_with(row, exc)
