"""The promise, end to end against fake eBay and Etsy servers that follow the OpenAPI contracts:
an item sold on one marketplace comes down everywhere else, every time, and is never listed twice,
through crashes, dropped connections, throttling and two clients working at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.concurrency import run_together
from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.fake_etsy import FakeEtsy
from tests.sync_support import Clock, MemoryVault, active_listing, fast_settings, make_engine, photo

from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.engine import SyncEngine
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.repositories import sync_queue
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services import sync_actions
from reseller_desktop.settings import Settings


@pytest.fixture
def photos(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "data")


@pytest.fixture
def settings(fake_ebay: FakeEbay, fake_etsy: FakeEtsy) -> Settings:
    settings = fast_settings()
    ebay = settings.ebay
    ebay.api_base, ebay.authorize_url = fake_ebay.base_url, fake_ebay.authorize_url
    ebay.client_id, ebay.ru_name = fake_ebay.client_id, fake_ebay.ru_name
    ebay.merchant_location_key, ebay.category_id = "home-office", "57988"
    ebay.fulfillment_policy_id, ebay.payment_policy_id, ebay.return_policy_id = "6196932000", "6196938000", "6196940000"
    etsy = settings.etsy
    etsy.api_base, etsy.token_url, etsy.authorize_url = fake_etsy.base_url, fake_etsy.token_url, fake_etsy.authorize_url
    etsy.keystring = fake_etsy.keystring
    etsy.shipping_profile_id, etsy.taxonomy_id = "1001", "1429"
    return settings


@pytest.fixture
def vault(fake_ebay: FakeEbay, fake_etsy: FakeEtsy, alice: UserRecord) -> MemoryVault:
    vault = MemoryVault()
    vault.connect(alice.id, "ebay", fake_ebay.grant_tokens(), fake_ebay.client_secret)
    vault.connect(alice.id, "etsy", fake_etsy.grant_tokens(), fake_etsy.shared_secret)
    return vault


@pytest.fixture
def clock() -> Clock:
    return Clock(utc_now())


@pytest.fixture
def engine(database: Database, settings: Settings, photos: PhotoStore, vault: MemoryVault, clock: Clock) -> SyncEngine:
    return make_engine(database, settings, photos, vault, clock)


@pytest.fixture
def listing(database: Database, alice: UserRecord, photos: PhotoStore, tmp_path: Path) -> int:
    return active_listing(database, alice, [photo(photos, tmp_path), photo(photos, tmp_path, "back.jpg", "teal")])


def list_on(database: Database, user: UserRecord, listing_id: int, *platforms: str) -> dict[str, int]:
    with database.unit_of_work(user.id) as uow:
        outcome = sync_actions.list_on(uow, listing_id, platforms)
        uow.commit()
        assert not outcome.refused
        return {r.platform: r.id for r in uow.platform_listings.for_listing(listing_id)}


def rows(database: Database, user: UserRecord, listing_id: int) -> dict[str, tuple[str | None, str | None]]:
    with database.unit_of_work(user.id) as uow:
        return {r.platform: (r.status, r.platform_listing_id) for r in uow.platform_listings.for_listing(listing_id)}


def sku(database: Database, user: UserRecord, listing_id: int) -> str:
    with database.unit_of_work(user.id) as uow:
        return uow.listings.get(listing_id).sku or ""


def calls(fake: FakeEbay | FakeEtsy, method: str, path_end: str) -> int:
    return sum(1 for r in fake.requests if r.method == method and r.path.endswith(path_end))


# eBay's publishOffer and bulkPublishOffer: several listings due at once go in one bulk call.
EBAY_PUBLISH = r"/(bulk_publish_offer|offer/[^/]+/publish)$"


def published_offers(fake: FakeEbay) -> int:
    """Offers eBay was asked to publish, alone or in bulk calls."""
    bulk = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/bulk_publish_offer")]
    return calls(fake, "POST", "/publish") + sum(len(r.json()["requests"]) for r in bulk)


def test_sold_on_etsy_comes_down_on_ebay_after_the_cooldown_and_poshmark_gets_a_task(
    database: Database,
    alice: UserRecord,
    listing: int,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
    fake_etsy: FakeEtsy,
) -> None:
    ids = list_on(database, alice, listing, "ebay", "etsy", "poshmark")
    report = engine.run_once([alice.id])
    state = rows(database, alice, listing)
    assert state["ebay"][0] == state["etsy"][0] == "active", (report.steps, fake_etsy.validation_errors)
    assert state["poshmark"] == ("pending", None)  # posted by the seller, not the app
    assert fake_ebay.live_skus() == [sku(database, alice, listing)]
    etsy_id = int(state["etsy"][1] or 0)
    assert [item["listing_id"] for item in fake_etsy.listings("active")] == [etsy_id]
    with database.unit_of_work(alice.id) as uow:
        sync_actions.mark_posted(uow, ids["poshmark"], "https://poshmark.com/listing/5f1e2d")
        uow.commit()

    fake_etsy.sell(etsy_id)
    clock.advance(seconds=fast_settings().sync.orders_poll_seconds)  # the next poll of Etsy's receipts
    report = engine.run_once([alice.id])
    assert [s.outcome for s in report.sales] == ["sale"]
    with database.unit_of_work(alice.id) as uow:
        sold = uow.listings.get(listing)
        assert (sold.status, sold.sold_platform) == ("sold", "etsy")
        assert [n.type for n in uow.notifications.recent()] == ["sale"]
    assert {p: s for p, (s, _) in rows(database, alice, listing).items()} == {
        "ebay": "pending_cancel",
        "etsy": "sold",
        "poshmark": "pending_cancel",
    }
    assert fake_ebay.live_skus() != []  # still up during the cooldown (the sale may yet fall through)

    clock.advance(minutes=15)
    engine.run_once([alice.id])
    assert fake_ebay.live_skus() == []
    assert calls(fake_ebay, "POST", "/withdraw") == 1
    assert {p: s for p, (s, _) in rows(database, alice, listing).items()} == {
        "ebay": "canceled",
        "etsy": "sold",
        "poshmark": "pending_cancel",  # until the seller ticks it
    }
    with database.unit_of_work(alice.id) as uow:
        titles = [n.title for n in uow.notifications.recent(unread_only=True)]
    assert any(t.startswith("Delist on Poshmark now") for t in titles)

    engine.run_once([alice.id])  # nothing left to do: no second withdraw, no second task
    assert calls(fake_ebay, "POST", "/withdraw") == 1


def test_a_client_killed_between_the_platforms_answer_and_its_record_never_lists_twice(
    database: Database,
    alice: UserRecord,
    listing: int,
    settings: Settings,
    photos: PhotoStore,
    vault: MemoryVault,
    clock: Clock,
    fake_ebay: FakeEbay,
    fake_etsy: FakeEtsy,
) -> None:
    list_on(database, alice, listing, "ebay", "etsy")
    crashed = make_engine(database, settings, photos, vault, clock, owner="crashed-client")
    # The crashed client claimed both rows (lease and step committed), the platforms acted on its
    # calls, and it died before writing what came back.
    with database.connect() as conn, conn.begin():
        claimed = sync_queue.claim_rows(
            conn,
            "publish",
            [(alice.id, "ebay"), (alice.id, "etsy")],
            owner="crashed-client",
            now=clock(),
            lease=crashed.lease,
            limit=2,
        )
    from reseller_desktop.jobs.row_steps import payload_of

    for row in claimed:
        crashed.adapters.adapter_for(alice.id, row.platform).publish(payload_of(row, photos), None)
    crashed.adapters.close_all()

    restarted = make_engine(database, settings, photos, vault, clock, owner="restarted")
    restarted.run_once([alice.id])
    assert {p: s for p, (s, _) in rows(database, alice, listing).items()} == {"ebay": "pending", "etsy": "pending"}
    clock.advance(seconds=settings.sync.lease_seconds + 1)  # the dead client's lease runs out
    restarted.run_once([alice.id])

    assert {p: s for p, (s, _) in rows(database, alice, listing).items()} == {"ebay": "active", "etsy": "active"}
    # The restarted client's bulk createOffer was answered "already exists" with the first offer's id,
    # which was found live and not published again.
    assert calls(fake_ebay, "POST", "/offer") == calls(fake_ebay, "POST", "/bulk_create_offer") == 1
    assert calls(fake_ebay, "POST", "/publish") == 1
    assert calls(fake_ebay, "POST", "/bulk_publish_offer") == 0
    assert fake_ebay.live_skus() == [sku(database, alice, listing)]
    assert len(fake_etsy.listings()) == 1  # the draft of the first try was found and used, not a second one
    assert len(fake_etsy.listings("active")) == 1


def test_a_connection_dropped_after_the_platform_acted_and_throttling_give_one_listing_each(
    database: Database,
    alice: UserRecord,
    listing: int,
    settings: Settings,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
    fake_etsy: FakeEtsy,
) -> None:
    settings.sync.max_attempts = 6  # the default: a bad minute must not make the row fail
    list_on(database, alice, listing, "ebay", "etsy")
    fake_ebay.inject("POST", EBAY_PUBLISH, drop="after")
    fake_etsy.inject("POST", r"/shops/\d+/listings$", drop="after")
    fake_etsy.inject("*", r"/listings", status=429, times=4)  # throttled, with retry-after
    fake_ebay.inject("*", r"offer", status=500, body=FakeEbay.error_body(25025, "Concurrent access"), times=2)
    for _ in range(6):
        engine.run_once([alice.id])
        if {s for s, _ in rows(database, alice, listing).values()} == {"active"}:
            break
        clock.advance(minutes=30)  # past any backoff
    assert {p: s for p, (s, _) in rows(database, alice, listing).items()} == {"ebay": "active", "etsy": "active"}
    assert fake_ebay.live_skus() == [sku(database, alice, listing)]
    assert len(fake_etsy.listings()) == 1


def test_a_platform_that_keeps_failing_ends_failed_with_an_error_notification_and_retry_now_recovers(
    database: Database,
    alice: UserRecord,
    listing: int,
    engine: SyncEngine,
    settings: Settings,
    clock: Clock,
    fake_ebay: FakeEbay,
) -> None:
    ids = list_on(database, alice, listing, "ebay")
    fake_ebay.inject("*", r"/inventory_item/|/bulk_create_or_replace_inventory_item$", status=503, times=100)
    for _ in range(settings.sync.max_attempts):
        engine.run_once([alice.id])
        clock.advance(hours=2)
    with database.unit_of_work(alice.id) as uow:
        row = uow.platform_listings.get(ids["ebay"])
        errors = [n for n in uow.notifications.recent() if n.type == "error"]
    assert (row.status, row.retry_count) == ("failed", settings.sync.max_attempts)
    assert row.error_message and "gave up" in row.error_message
    assert len(errors) == 1 and "Retry now" in (errors[0].message or "")

    fake_ebay.clear_faults()  # eBay is back
    with database.unit_of_work(alice.id) as uow:
        assert sync_actions.retry_now(uow, ids["ebay"]).status == "pending"
        uow.commit()
    engine.run_once([alice.id])
    assert rows(database, alice, listing)["ebay"][0] == "active"
    assert fake_ebay.live_skus() == [sku(database, alice, listing)]


def test_two_clients_running_the_jobs_together_cancel_each_platform_exactly_once(
    database: Database,
    alice: UserRecord,
    settings: Settings,
    photos: PhotoStore,
    vault: MemoryVault,
    clock: Clock,
    fake_ebay: FakeEbay,
    fake_etsy: FakeEtsy,
    tmp_path: Path,
) -> None:
    cover = photo(photos, tmp_path)
    listings = [active_listing(database, alice, [cover], title=f"Pokémon binder lot {n}") for n in range(4)]
    for listing_id in listings:
        list_on(database, alice, listing_id, "ebay", "etsy")
    clients = [make_engine(database, settings, photos, vault, clock, owner=f"client-{n}") for n in range(2)]
    assert run_together(lambda n: clients[n].run_once([alice.id])) == []
    assert published_offers(fake_ebay) == 4
    assert len(fake_etsy.listings("active")) == 4

    for listing_id in listings:
        fake_ebay.sell(sku(database, alice, listing_id))
    clock.advance(seconds=settings.sync.orders_poll_seconds)
    assert run_together(lambda n: clients[n].run_once([alice.id])) == []
    clock.advance(minutes=16)
    assert run_together(lambda n: clients[n].run_once([alice.id])) == []
    assert run_together(lambda n: clients[n].run_once([alice.id])) == []

    with database.unit_of_work(alice.id) as uow:
        sales = [n for n in uow.notifications.recent() if n.type == "sale"]
        assert len(sales) == 4  # each sale recorded once, by whichever client saw it first
        for listing_id in listings:
            assert uow.listings.get(listing_id).status == "sold"
    assert all(rows(database, alice, i)["etsy"][0] == "canceled" for i in listings)
    assert fake_etsy.listings("active") == []
    etsy_withdrawals = [r for r in fake_etsy.requests if r.method in ("PATCH", "PUT") and b"inactive" in r.body]
    assert len(etsy_withdrawals) == 4


def test_an_update_the_platform_refuses_fails_once_and_the_pass_goes_on(
    database: Database,
    alice: UserRecord,
    listing: int,
    engine: SyncEngine,
    photos: PhotoStore,
    tmp_path: Path,
    fake_ebay: FakeEbay,
) -> None:
    list_on(database, alice, listing, "ebay")
    engine.run_once([alice.id])
    fake_ebay.inject("PUT", r"/offer/", status=400, body=FakeEbay.error_body(25709, "Invalid value"), times=50)
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(listing, {"price": "52.00"})
        uow.commit()
    second = active_listing(database, alice, [photo(photos, tmp_path, "b.jpg")], title="Carhartt detroit jacket")
    list_on(database, alice, second, "ebay")
    report = engine.run_once([alice.id])
    assert [(s.step, s.outcome) for s in report.steps] == [("publish", "done"), ("update", "failed")]
    with database.unit_of_work(alice.id) as uow:
        (row,) = uow.platform_listings.for_listing(listing)
        assert row.status == "active" and "Invalid value" in (row.error_message or "")
    assert engine.run_once([alice.id]).steps == []  # asked again only by the next edit
    fake_ebay.clear_faults()


def test_an_edit_made_while_the_update_call_is_under_way_is_sent_next(
    database: Database,
    alice: UserRecord,
    listing: int,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
) -> None:
    list_on(database, alice, listing, "ebay")
    engine.run_once([alice.id])
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(listing, {"price": "50.00"})
        uow.commit()
    with database.connect() as conn, conn.begin():
        (row,) = sync_queue.claim_rows(
            conn, "update", [(alice.id, "ebay")], owner=engine.owner, now=clock(), lease=engine.lease
        )
    with database.unit_of_work(alice.id) as uow:  # the seller edits again while eBay is answering
        uow.listings.update(listing, {"price": "55.00"})
        uow.commit()
    assert engine.stepper.run(row, engine.adapters.adapter_for(alice.id, "ebay")).outcome == "done"
    assert fake_ebay.offer_for(sku(database, alice, listing))["pricingSummary"]["price"]["value"] == "50.00"
    engine.run_once([alice.id])
    assert fake_ebay.offer_for(sku(database, alice, listing))["pricingSummary"]["price"]["value"] == "55.00"


def test_cancelling_a_row_whose_publish_may_have_reached_the_platform_withdraws_it(
    database: Database,
    alice: UserRecord,
    listing: int,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
) -> None:
    ids = list_on(database, alice, listing, "ebay")
    fake_ebay.inject("POST", EBAY_PUBLISH, drop="after")  # eBay lists it; the answer never comes
    engine.run_once([alice.id])
    assert fake_ebay.live_skus() == [sku(database, alice, listing)]
    with database.unit_of_work(alice.id) as uow:
        assert sync_actions.cancel_now(uow, ids["ebay"]).status == "pending_cancel"
        with pytest.raises(UserError, match="cancel it there first"):
            sync_actions.remove_platform(uow, ids["ebay"])
        uow.commit()
    clock.advance(hours=1)
    engine.run_once([alice.id])
    assert fake_ebay.live_skus() == []
    assert rows(database, alice, listing)["ebay"][0] == "canceled"


def test_a_client_without_the_sellers_tokens_leaves_the_work_to_one_that_has_them(
    database: Database,
    alice: UserRecord,
    listing: int,
    settings: Settings,
    photos: PhotoStore,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
) -> None:
    list_on(database, alice, listing, "ebay")
    elsewhere = make_engine(database, settings, photos, MemoryVault(), clock, owner="tokenless")
    assert elsewhere.run_once([alice.id]).steps == []
    with database.unit_of_work(alice.id) as uow:
        assert uow.notifications.recent() == []
    engine.run_once([alice.id])
    assert rows(database, alice, listing)["ebay"][0] == "active"
