"""The `sync` area: the app's own sync engine against the fake eBay of the test suite (tests/fakes, a
real HTTP server on 127.0.0.1, whose answers the tests check against eBay's OpenAPI files), slowed to
eBay's pace: every answer after 50 ms, and a 429 (eBay's quota answer) beyond 10 calls a second.

- publish 1,000 listings (bulk calls): one photo each, queued for eBay and published by the engine's
  passes; the share of the rate limit used (answered calls / seconds / 10 a second) beside the
  floor no client can beat (calls / 10 a second).
- sale on eBay → listing marked sold: orders made on the fake at spread moments of the poll cycle
  while the headless loop runs (SyncLoop, as `reseller-desktop sync` runs it), until the database
  says sold.
- scheduled cancellation due → withdrawn: sales entered by hand (another writer, as the desktop's
  Mark as sold) schedule the eBay withdrawal after a cooldown; how late the withdrawal reaches eBay.

Each figure works on a throwaway seller of its own (listings, photos, tokens in memory) beside the
generated dataset, which it does not touch. The fake is importable when the repository root is on
the path (`make bench` sets PYTHONPATH=.).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from PIL import Image
from sqlalchemy import func, select

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples
from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.jobs.adapters import KeyringAdapterSource
from reseller_desktop.jobs.engine import SyncEngine
from reseller_desktop.jobs.loop import SyncLoop
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import MemoryTokenStore, OAuthTokens
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services import sync_actions
from reseller_desktop.services.sales import record_sale_by_hand
from reseller_desktop.settings import Settings

if TYPE_CHECKING:
    from tests.fakes.fake_ebay import FakeEbay

LATENCY_SECONDS = 0.05
RATE_LIMIT = 10.0  # calls a second the fake answers; beyond it, 429
FULL_LISTINGS = 1000
DEFAULT_POLL_SECONDS = 30  # the app's default order poll, used at full scale
SHORT_POLL_SECONDS = 2  # below full scale, so the smoke run stays short
SALES = 4  # samples of each timed figure
WATCH_SECONDS = 0.02  # how often the database is looked at for a sold listing
pl = schema.platform_listings
listings = schema.listings


def _fake_ebay() -> FakeEbay:
    """The fake eBay at eBay's pace. Its contract checks are off here: the tests run the same calls
    with them on, and here their CPU (a tenth of a second for a bulk call, on the bench's own cores)
    would add to the 50 ms modelled."""
    try:
        from tests.fakes.fake_ebay import FakeEbay
    except ImportError as exc:
        raise RuntimeError(
            "The sync figures run against the test suite's fake eBay: run from the repository root with "
            "PYTHONPATH=. (as `make bench` does)."
        ) from exc
    return FakeEbay(latency=LATENCY_SECONDS, requests_per_second=RATE_LIMIT, validate=False)


def figures(ctx: BenchContext) -> Iterator[Figure]:
    yield publish_figure(ctx)
    yield from sale_and_cancel_figures(ctx)


# ----- a seller of the run's own, connected to a fake eBay ----------------------------------------------
@dataclass
class Seller:
    user_id: UUID
    fake: FakeEbay
    settings: Settings
    photos: PhotoStore
    engine: SyncEngine


def _seller(ctx: BenchContext, fake: FakeEbay, name: str) -> Seller:
    with ctx.database.users() as users:
        tag = uuid.uuid4().hex[:8]
        user = users.create(username=f"bench-{name}-{tag}", email=f"bench-{name}-{tag}@example.com")
    settings = Settings()
    ebay = settings.ebay
    ebay.api_base, ebay.client_id, ebay.ru_name = fake.base_url, fake.client_id, fake.ru_name
    ebay.merchant_location_key, ebay.category_id = "bench-shelf", "57988"
    ebay.fulfillment_policy_id, ebay.payment_policy_id, ebay.return_policy_id = "6100001", "6100002", "6100003"
    ebay.requests_per_second = RATE_LIMIT  # the seller's setting says what eBay allows
    granted = fake.grant_tokens()
    tokens = MemoryTokenStore(
        OAuthTokens(granted["access_token"], utc_now() + timedelta(hours=2), granted["refresh_token"])
    )
    stores = {(user.id, "ebay"): tokens}
    source = KeyringAdapterSource(
        settings,
        ctx.database,
        tokens=lambda user_id, platform: stores.get((user_id, platform)) or MemoryTokenStore(),
        secrets={"ebay": fake.client_secret}.get,
    )
    photos = PhotoStore(ctx.workdir / "sync-photos")
    # Reconciliation reads every listing back (a call per SKU) once an hour; none of these figures is
    # about it, so this seller's first one is an hour away.
    with ctx.database.connect() as conn, conn.begin():
        conn.execute(
            schema.marketplace_poll_state.insert().values(
                user_id=user.id, platform="ebay", job="reconcile", next_run_at=utc_now() + timedelta(hours=1)
            )
        )
    return Seller(user.id, fake, settings, photos, SyncEngine(ctx.database, settings, photos, source))


def _listed(ctx: BenchContext, seller: Seller, count: int) -> list[int]:
    """`count` active listings with a photo each, queued for eBay. They share one picture file: each
    listing uploads its own copy all the same (uploads are remembered per listing), so the calls are
    those of distinct photos, without writing a thousand files first."""
    path = ctx.workdir / "sync-photo.jpg"
    Image.new("RGB", (48, 36), (70, 90, 140)).save(path)
    cover = seller.photos.add(path)
    ids = []
    with ctx.database.unit_of_work(seller.user_id) as uow:
        for n in range(count):
            fields: dict[str, Any] = {
                "title": f"Vintage denim jacket no. {n}, size M",
                "description": "Light wash trucker jacket; no holes or stains.",
                "price": Decimal("48.00") + n % 50,
                "condition": "good",
                "status": "active",
                "storage_location": f"B{n % 40}-S{n % 7}",
                "photos": [cover],
                "attributes": {"ebay_category_id": "57988"},
            }
            listing = uow.listings.add(fields)
            outcome = sync_actions.list_on(uow, listing.id, ["ebay"])
            if outcome.refused:
                raise RuntimeError(f"eBay's rules refused a bench listing: {outcome.refused}")
            ids.append(listing.id)
        uow.commit()
    return ids


def _pending(database: Database, user_id: UUID) -> int:
    with database.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(pl.join(listings, listings.c.id == pl.c.listing_id))
                .where(listings.c.user_id == user_id, pl.c.status == "pending")
            )
            or 0
        )


# ----- publish 1,000 listings --------------------------------------------------------------------------
def publish_figure(ctx: BenchContext) -> Figure:
    count = ctx.scaled(FULL_LISTINGS, least=50)
    with _fake_ebay() as fake:
        seller = _seller(ctx, fake, "publish")
        _listed(ctx, seller, count)
        asked, refused = len(fake.requests), fake.throttled
        started = time.perf_counter()
        passes = 0
        while True:  # the passes the loop would run back to back
            report = seller.engine.run_once([seller.user_id])
            passes += 1
            if not report.cut_short and _pending(ctx.database, seller.user_id) == 0:
                break
            if passes > count:
                raise RuntimeError(f"{_pending(ctx.database, seller.user_id)} listings were never published")
        seconds = time.perf_counter() - started
        live = len(fake.live_skus())
        throttled = fake.throttled - refused
        calls = len(fake.requests) - asked - throttled
    if live != count:
        raise RuntimeError(f"{live} of {count} listings are live on the fake eBay")
    floor = calls / RATE_LIMIT
    used = calls / seconds / RATE_LIMIT * 100
    return Figure(
        name=f"publish {count:,} listings to eBay (bulk calls)",
        unit="% of limit",
        samples=Samples.of([used]),
        target=80.0,
        better="higher",
        statistic="value",
        limit=100.0,
        limit_label=f"{RATE_LIMIT:g} calls/s: floor {floor:.1f} s",
        note=f"{calls} calls in {seconds:.1f} s ({count} photos + bulk calls of 25), {throttled} answered 429",
        extra={"calls": calls, "seconds": round(seconds, 2), "floor_seconds": round(floor, 2), "throttled": throttled},
    )


# ----- sale detection and scheduled cancellations, with the loop running -------------------------------
def sale_and_cancel_figures(ctx: BenchContext) -> Iterator[Figure]:
    poll = DEFAULT_POLL_SECONDS if ctx.scale >= 1 else SHORT_POLL_SECONDS
    # Longer than a pass, as the real 15 minutes are: the loop has seen a sale made by another writer
    # before its cancellation is due, and wakes for it.
    cooldown = timedelta(seconds=poll + 1)
    with _fake_ebay() as fake:
        seller = _seller(ctx, fake, "sales")
        seller.settings.sync.orders_poll_seconds = poll
        seller.settings.sync.pass_interval_seconds = poll
        sold_there = _listed(ctx, seller, SALES)
        sold_here = _listed(ctx, seller, SALES)
        seller.engine.run_once([seller.user_id])  # publishes them (and polls orders once)
        skus = _skus(ctx.database, sold_there + sold_here)
        watcher = _SoldWatcher(ctx, sold_there)
        loop = SyncLoop(seller.engine, lambda: [seller.user_id], seller.settings.sync.pass_interval_seconds)
        loop.start()
        try:
            watcher.start()
            # Sales at spread moments of one poll cycle, beside sales entered by hand.
            sold_at: dict[int, float] = {}
            due: dict[int, datetime] = {}
            step = poll / SALES
            for n in range(SALES):
                _sleep_until(time.monotonic() + (step if n else 0))
                sold_at[sold_there[n]] = time.monotonic()
                fake.sell(skus[sold_there[n]])
                due[sold_here[n]] = _sell_by_hand(ctx.database, seller.user_id, sold_here[n], cooldown)
            detected = watcher.wait(timeout=poll * 3 + 10)
            withdrawn = _withdrawals(fake, ctx.database, sold_here, deadline=max(due.values()) + timedelta(seconds=30))
        finally:
            watcher.stop()
            loop.stop(timeout=60)
    delays = [detected[listing_id] - sold_at[listing_id] for listing_id in sold_there]
    yield Figure(
        name="sale on eBay → listing marked sold",
        unit="s",
        samples=Samples.of(delays),
        target=poll + 1.0,
        statistic="max",
        note=f"poll every {poll} s{'' if poll == DEFAULT_POLL_SECONDS else ' (30 s at full scale)'}; "
        f"target poll + 1 s; {SALES} sales spread over a poll cycle",
        extra={"poll_seconds": poll},
    )
    late = [(withdrawn[listing_id] - due[listing_id]).total_seconds() for listing_id in sold_here]
    yield Figure(
        name="scheduled cancellation due → withdrawn",
        unit="s",
        samples=Samples.of(late),
        target=5.0,
        statistic="max",
        note=f"cooldown {cooldown.total_seconds():.0f} s here (15 min in use), {SALES} sales by hand; "
        "seconds the withdrawal reached eBay after it was due",
        extra={"cooldown_seconds": cooldown.total_seconds()},
    )


def _skus(database: Database, listing_ids: list[int]) -> dict[int, str]:
    with database.connect() as conn:
        return {
            int(i): str(s)
            for i, s in conn.execute(select(listings.c.id, listings.c.sku).where(listings.c.id.in_(listing_ids)))
        }


def _sell_by_hand(database: Database, user_id: UUID, listing_id: int, cooldown: timedelta) -> datetime:
    """Mark as sold elsewhere, as the desktop does; when the eBay withdrawal is due (aware UTC)."""
    with database.unit_of_work(user_id) as uow:
        outcome = record_sale_by_hand(
            uow, listing_id, platform="mercari", price=Decimal("40.00"), sold_at=utc_now(), cooldown=cooldown
        )
        uow.commit()
    if outcome.cancel_at is None:
        raise RuntimeError("the sale scheduled no cancellation")
    return outcome.cancel_at.replace(tzinfo=UTC)


def _withdrawals(fake: FakeEbay, database: Database, listing_ids: list[int], deadline: datetime) -> dict[int, datetime]:
    """When each listing's withdrawal reached the fake eBay (aware UTC), waiting until `deadline`."""
    with database.connect() as conn:
        refs = dict(
            conn.execute(select(pl.c.listing_id, pl.c.remote_ref).where(pl.c.listing_id.in_(listing_ids))).all()
        )
    offers = {str(ref["offer_id"]): int(listing_id) for listing_id, ref in refs.items() if isinstance(ref, dict)}
    found: dict[int, datetime] = {}
    while len(found) < len(listing_ids):
        for when, request in fake.arrivals("POST", r"/withdraw$"):
            offer_id = request.path.rsplit("/", 2)[-2]
            if offer_id in offers:
                found.setdefault(offers[offer_id], when)
        if datetime.now(UTC) > deadline and len(found) < len(listing_ids):
            raise RuntimeError(f"{len(listing_ids) - len(found)} scheduled withdrawals never reached eBay")
        time.sleep(WATCH_SECONDS)
    return found


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


class _SoldWatcher:
    """Looks at the listings' status every WATCH_SECONDS, on its own thread and its own connection
    (not one of the app's), and notes when each is first seen sold (time.monotonic)."""

    def __init__(self, ctx: BenchContext, listing_ids: list[int]) -> None:
        self.ctx, self.listing_ids = ctx, listing_ids
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-sold-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        query = "SELECT id FROM listings WHERE id = ANY(%s) AND status = 'sold'"
        with self.ctx.raw() as conn:
            while not self._stop.is_set() and len(self.seen) < len(self.listing_ids):
                sold = [row[0] for row in conn.execute(query, (self.listing_ids,)).fetchall()]
                now = time.monotonic()
                for listing_id in sold:
                    self.seen.setdefault(int(listing_id), now)
                self._stop.wait(WATCH_SECONDS)
        self._done.set()

    def wait(self, timeout: float) -> dict[int, float]:
        if not self._done.wait(timeout) or len(self.seen) < len(self.listing_ids):
            raise RuntimeError(f"{len(self.listing_ids) - len(self.seen)} sales on eBay were never marked sold")
        return dict(self.seen)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
