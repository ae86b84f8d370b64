"""When the sync loop wakes: for the next sale poll (every 30 s by default), for a scheduled
withdrawal when its cooldown ends, and at once when a long publish backlog made way for them. The
clock is the test's: the loop's waits are checked as numbers and then "slept" by moving the clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.fake_ebay import FakeEbay
from tests.sync_support import Clock, MemoryVault, active_listing, fast_settings, make_engine, photo

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.engine import PassReport, SyncEngine
from reseller_desktop.jobs.loop import STILL_DUE_RECHECK_SECONDS, SyncLoop
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.ebay import EbayAdapter
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services import sync_actions
from reseller_desktop.services.sales import record_sale_by_hand
from reseller_desktop.settings import Settings, SyncSettings


@pytest.fixture
def photos(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "data")


@pytest.fixture
def settings(fake_ebay: FakeEbay) -> Settings:
    settings = fast_settings()
    settings.sync = SyncSettings(backoff_base_seconds=60, call_retry_base_seconds=0.01, call_max_wait_seconds=0.05)
    ebay = settings.ebay
    ebay.api_base, ebay.client_id, ebay.ru_name = fake_ebay.base_url, fake_ebay.client_id, fake_ebay.ru_name
    ebay.merchant_location_key, ebay.category_id = "home-office", "57988"
    ebay.fulfillment_policy_id, ebay.payment_policy_id, ebay.return_policy_id = "F1", "P1", "R1"
    return settings


@pytest.fixture
def clock() -> Clock:
    return Clock(utc_now())


@pytest.fixture
def engine(
    database: Database, settings: Settings, photos: PhotoStore, fake_ebay: FakeEbay, alice: UserRecord, clock: Clock
) -> SyncEngine:
    vault = MemoryVault()
    vault.connect(alice.id, "ebay", fake_ebay.grant_tokens(), fake_ebay.client_secret)
    return make_engine(database, settings, photos, vault, clock)


@pytest.fixture
def loop(engine: SyncEngine, settings: Settings, alice: UserRecord) -> SyncLoop:
    return SyncLoop(engine, lambda: [alice.id], settings.sync.pass_interval_seconds)


def on_ebay(database: Database, user: UserRecord, photos: PhotoStore, folder: Path, count: int) -> list[int]:
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n in range(count):
        cover = photo(photos, folder, f"coat-{n}.jpg", colour=f"#{n * 9 % 256:02x}6040")
        listing_id = active_listing(database, user, [cover], title=f"Wool coat no. {n}")
        with database.unit_of_work(user.id) as uow:
            assert not sync_actions.list_on(uow, listing_id, ["ebay"]).refused
            uow.commit()
        ids.append(listing_id)
    return ids


def status_of(database: Database, user: UserRecord, listing_id: int) -> tuple[str, dict[str, str]]:
    with database.unit_of_work(user.id) as uow:
        listing = uow.listings.get(listing_id)
        return listing.status or "", {r.platform: r.status or "" for r in uow.platform_listings.for_listing(listing_id)}


def sleep_as_the_loop_would(loop: SyncLoop, clock: Clock, report: PassReport | None) -> float:
    wait = loop.wait_after(report)
    clock.advance(seconds=wait)
    return wait


def test_by_default_sales_are_polled_every_30_seconds_and_the_loop_wakes_for_the_next_poll(
    database: Database,
    alice: UserRecord,
    photos: PhotoStore,
    engine: SyncEngine,
    loop: SyncLoop,
    clock: Clock,
    fake_ebay: FakeEbay,
    tmp_path: Path,
) -> None:
    defaults = SyncSettings()
    assert defaults.orders_poll_seconds == 30
    assert defaults.pass_interval_seconds <= defaults.orders_poll_seconds  # a pass comes at least that often

    (listing,) = on_ebay(database, alice, photos, tmp_path, 1)
    first = engine.run_once([alice.id])  # polls eBay's orders, then lists the coat
    assert first.next_due == first.started_at + timedelta(seconds=30)
    with database.unit_of_work(alice.id) as uow:
        sku = uow.listings.get(listing).sku or ""
    fake_ebay.sell(sku)  # just after the poll: the longest wait there can be

    assert sleep_as_the_loop_would(loop, clock, first) == pytest.approx(30, abs=0.01)
    second = engine.run_once([alice.id])
    assert [effect.outcome for effect in second.sales] == ["sale"]
    assert status_of(database, alice, listing) == ("sold", {"ebay": "sold"})
    assert second.next_due == second.started_at + timedelta(seconds=30)


def test_a_scheduled_withdrawal_wakes_the_loop_when_its_cooldown_ends(
    database: Database,
    alice: UserRecord,
    photos: PhotoStore,
    engine: SyncEngine,
    loop: SyncLoop,
    clock: Clock,
    fake_ebay: FakeEbay,
    tmp_path: Path,
) -> None:
    (listing,) = on_ebay(database, alice, photos, tmp_path, 1)
    engine.run_once([alice.id])
    with database.unit_of_work(alice.id) as uow:  # sold at a fair, entered by hand on another computer
        sale = record_sale_by_hand(
            uow, listing, platform="mercari", price=Decimal("60"), sold_at=clock(), cooldown=timedelta(seconds=12)
        )
        uow.commit()
    assert sale.cancel_at == clock() + timedelta(seconds=12)

    clock.advance(seconds=2)
    seen = engine.run_once([alice.id])  # the next pass finds the withdrawal scheduled
    assert seen.next_due == sale.cancel_at
    assert sleep_as_the_loop_would(loop, clock, seen) == pytest.approx(10, abs=0.01)
    assert fake_ebay.live_skus() != []

    engine.run_once([alice.id])
    assert fake_ebay.live_skus() == []
    assert status_of(database, alice, listing)[1] == {"ebay": "canceled"}


def test_a_long_publish_backlog_makes_way_for_the_sale_poll_and_the_loop_goes_on_at_once(
    database: Database,
    alice: UserRecord,
    photos: PhotoStore,
    engine: SyncEngine,
    loop: SyncLoop,
    clock: Clock,
    fake_ebay: FakeEbay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (sold,) = on_ebay(database, alice, photos, tmp_path / "sold", 1)
    engine.run_once([alice.id])
    with database.unit_of_work(alice.id) as uow:
        fake_ebay.sell(uow.listings.get(sold).sku or "")
    clock.advance(seconds=30)
    backlog = on_ebay(database, alice, photos, tmp_path, 30)
    prepare = EbayAdapter.prepare_publish

    def slow_photos(adapter: EbayAdapter, requests: Any) -> Any:
        clock.advance(seconds=31)  # a batch's photos take longer than a poll interval
        return prepare(adapter, requests)

    monkeypatch.setattr(EbayAdapter, "prepare_publish", slow_photos)

    first = engine.run_once([alice.id])  # polls (the sale), then publishes until the next poll is due
    assert [effect.outcome for effect in first.sales] == ["sale"]
    assert first.cut_short
    assert sum(1 for step in first.steps if step.outcome == "done") == 25  # one batch, then made way
    assert loop.wait_after(first) == 0

    second = engine.run_once([alice.id])
    assert second.sales == [] or all(effect.outcome == "seen" for effect in second.sales)
    assert sum(1 for step in second.steps if step.outcome == "done") == 5
    assert {status_of(database, alice, listing_id)[1]["ebay"] for listing_id in backlog} == {"active"}


def test_the_loop_sleeps_the_pass_interval_when_nothing_is_scheduled_and_never_spins(
    engine: SyncEngine, loop: SyncLoop, clock: Clock, settings: Settings
) -> None:
    interval = settings.sync.pass_interval_seconds
    assert loop.wait_after(None) == interval  # the pass failed (database away): try again later
    assert loop.wait_after(PassReport(clock())) == interval  # nothing scheduled at all
    later = PassReport(clock(), next_due=clock() + timedelta(hours=1))
    assert loop.wait_after(later) == interval  # the interval still brings work other clients queued
    started = clock()
    clock.advance(seconds=3)
    stuck = PassReport(started, next_due=started - timedelta(seconds=1))  # due before, still due
    assert loop.wait_after(stuck) == STILL_DUE_RECHECK_SECONDS
