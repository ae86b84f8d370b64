"""Publishing many listings with eBay's bulk calls, against the fake eBay (which checks every bulk
request and answer against eBay's OpenAPI file): 25 listings a call, each listing's own outcome,
throttling retried, an earlier attempt's offers reused; and the sync engine publishing a backlog in
batches, one refused listing failing alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.fake_server import RequestBudget
from tests.fakes.platform_http_doubles import JPEG, FakeClock, adapters_on, calls, listing_payload
from tests.fakes.signed_in_clients import ebay_client, ebay_item, ebay_offer  # noqa: F401  (the `ebay` fixture)
from tests.sync_support import Clock, MemoryVault, active_listing, fast_settings, make_engine, photo

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.engine import SyncEngine
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import INTERRUPTED, ListingPayload, PermanentPlatformError, RemoteRef
from reseller_desktop.platforms.ebay import EbayAdapter, make_ebay
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services import sync_actions
from reseller_desktop.settings import EbaySettings, Settings

INV = "/sell/inventory/v1"


def ebay_settings(fake: FakeEbay) -> EbaySettings:
    return EbaySettings(
        api_base=fake.base_url,
        client_id=fake.client_id,
        ru_name=fake.ru_name,
        merchant_location_key="home-garage",
        fulfillment_policy_id="6100000001",
        payment_policy_id="6100000002",
        return_policy_id="6100000003",
        category_id="57988",
    )


@pytest.fixture
def adapter(fake_ebay: FakeEbay) -> Iterator[EbayAdapter]:
    def build(store: Any, **options: Any) -> EbayAdapter:
        return make_ebay(ebay_settings(fake_ebay), fake_ebay.client_secret, store, **options)

    maker = adapters_on(fake_ebay, build)
    yield next(maker)()
    next(maker, None)  # closes it


def payloads(folder: Path, count: int, **changes: Any) -> list[ListingPayload]:
    made = []
    for n in range(count):
        path = folder / f"jacket-{n}.jpg"
        path.write_bytes(JPEG + f"jacket {n}".encode())
        made.append(listing_payload((path,), listing_id=n + 1, sku=f"RD-{n:06d}", **changes))
    return made


def bulk_calls(fake: FakeEbay, name: str) -> list[list[dict[str, Any]]]:
    """The entries of each bulk call of `name` (bulk_publish_offer, ...) the fake received."""
    return [r.json()["requests"] for r in fake.requests if r.method == "POST" and r.path.endswith(f"/{name}")]


# ----- the adapter ----------------------------------------------------------------------------------
def test_thirty_listings_go_live_with_two_bulk_calls_of_each_kind(
    fake_ebay: FakeEbay, adapter: EbayAdapter, tmp_path: Path
) -> None:
    listings = payloads(tmp_path, 30)
    refs = adapter.publish_many([(payload, None) for payload in listings])

    assert all(isinstance(ref, RemoteRef) for ref in refs)
    assert fake_ebay.live_skus() == sorted(p.sku for p in listings)
    for payload, ref in zip(listings, refs, strict=True):
        assert isinstance(ref, RemoteRef) and ref.extra["sku"] == payload.sku
        offer = fake_ebay.offer_for(payload.sku)
        assert offer is not None and offer["listing"]["listingId"] == ref.listing_id
        assert ref.extra["offer_id"] == offer["offerId"]
        item = fake_ebay.inventory_item(payload.sku)
        assert item is not None and item["product"]["imageUrls"][0] in ref.extra["images"]
    for name in ("bulk_create_or_replace_inventory_item", "bulk_create_offer", "bulk_publish_offer"):
        assert [len(entries) for entries in bulk_calls(fake_ebay, name)] == [25, 5]
    assert calls(fake_ebay, "PUT", "/inventory_item/RD-000000") == calls(fake_ebay, "POST", "/offer") == 0
    assert calls(fake_ebay, "POST", "/create_image_from_file") == 30  # the photos, one call each
    item_call = next(r for r in fake_ebay.requests if r.path.endswith("/bulk_create_or_replace_inventory_item"))
    assert item_call.headers["content-language"] == "en-US"
    assert {entry["locale"] for entry in item_call.json()["requests"]} == {"en_US"}


def test_a_listing_ebay_refuses_fails_alone_with_ebays_words(
    fake_ebay: FakeEbay, adapter: EbayAdapter, tmp_path: Path
) -> None:
    listings = payloads(tmp_path, 4)
    listings[2] = listing_payload(listings[2].photo_paths, sku="RD-BOOKS", attributes={"ebay_category_id": "267"})
    outcomes = adapter.publish_many([(payload, None) for payload in listings])

    refused = outcomes[2]
    assert isinstance(refused, PermanentPlatformError)
    assert "267 (Books & Magazines) is not a leaf category" in refused.message
    assert all(isinstance(outcomes[n], RemoteRef) for n in (0, 1, 3))
    assert fake_ebay.live_skus() == sorted(listings[n].sku for n in (0, 1, 3))
    publish = next(r for r in fake_ebay.requests if r.path.endswith("/bulk_publish_offer"))
    assert len(publish.json()["requests"]) == 4  # one call; eBay answered 207 with one refusal


def test_a_listing_whose_settings_are_missing_is_refused_before_any_call(fake_ebay: FakeEbay, tmp_path: Path) -> None:
    def build(store: Any, **options: Any) -> EbayAdapter:
        settings = ebay_settings(fake_ebay)
        settings.category_id = ""
        return make_ebay(settings, fake_ebay.client_secret, store, **options)

    maker = adapters_on(fake_ebay, build)
    adapter = next(maker)()
    listings = payloads(tmp_path, 2)
    listings[1] = listing_payload(listings[1].photo_paths, sku="RD-CAT", attributes={"ebay_category_id": "57988"})
    outcomes = adapter.publish_many([(payload, None) for payload in listings])
    next(maker, None)

    assert isinstance(outcomes[0], PermanentPlatformError) and "category" in outcomes[0].message
    assert isinstance(outcomes[1], RemoteRef)
    assert calls(fake_ebay, "POST", "/create_image_from_file") == 1  # nothing was sent for the first
    assert fake_ebay.live_skus() == ["RD-CAT"]


def test_a_throttled_bulk_call_is_sent_again_and_lists_each_item_once(
    fake_ebay: FakeEbay, adapter: EbayAdapter, tmp_path: Path
) -> None:
    fake_ebay.inject("POST", r"/bulk_publish_offer$", status=429)  # eBay's quota answer, no Retry-After
    listings = payloads(tmp_path, 3)
    outcomes = adapter.publish_many([(payload, None) for payload in listings])

    assert all(isinstance(outcome, RemoteRef) for outcome in outcomes)
    assert len(bulk_calls(fake_ebay, "bulk_publish_offer")) == 2
    assert fake_ebay.live_skus() == sorted(p.sku for p in listings)


def test_the_fake_refuses_calls_beyond_its_rate_with_ebays_quota_answer() -> None:
    with FakeEbay(requests_per_second=0.01) as fake:  # one call, then none for 100 s
        headers = {"Authorization": f"Bearer {fake.grant_tokens()['access_token']}", "Content-Language": "en-US"}
        with httpx.Client(base_url=fake.base_url, headers=headers) as client:
            first = client.put(f"{INV}/inventory_item/A-1", json=ebay_item())
            second = client.put(f"{INV}/inventory_item/A-2", json=ebay_item())
        assert first.status_code == 201
        assert second.status_code == 429 and "retry-after" not in second.headers
        assert second.json()["errors"][0]["errorId"] == 2001
        assert fake.throttled == 1
        assert fake.inventory_item("A-2") is None  # refused before anything was done
        arrived = [r.path for _when, r in fake.arrivals("PUT", "/inventory_item/")]
        assert arrived == [f"{INV}/inventory_item/A-1", f"{INV}/inventory_item/A-2"]


def test_the_fakes_budget_holds_a_seconds_calls_and_refills_at_the_rate() -> None:
    clock = FakeClock()
    budget = RequestBudget(2.0, clock=clock)
    assert [budget.take() for _ in range(3)] == [True, True, False]
    clock.sleep(0.5)  # one call's worth
    assert [budget.take(), budget.take()] == [True, False]


def test_publishing_again_after_an_interrupted_attempt_reuses_its_offers(
    fake_ebay: FakeEbay, adapter: EbayAdapter, tmp_path: Path
) -> None:
    listings = payloads(tmp_path, 3)
    adapter.publish(listings[0], None)  # live already: the first attempt got that far for this one
    fake_ebay.inject("POST", r"/bulk_publish_offer$", drop="after")  # eBay lists them; no answer comes
    first = adapter.publish_many([(payload, None) for payload in listings[1:]])
    assert all(not isinstance(outcome, RemoteRef) for outcome in first)

    again = adapter.publish_many([(payload, INTERRUPTED) for payload in listings])
    assert all(isinstance(outcome, RemoteRef) for outcome in again)
    assert fake_ebay.live_skus() == sorted(p.sku for p in listings)
    assert len(fake_ebay.offers) == 3  # every "already exists" answer named the offer to reuse
    assert len(bulk_calls(fake_ebay, "bulk_publish_offer")) == 1  # found live: not published again


# ----- the fake's bulk calls ----------------------------------------------------------------------
def test_the_fake_refuses_a_bulk_call_of_more_than_25(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    items = [{"sku": f"S-{n}", "locale": "en_US", **ebay_item()} for n in range(26)]
    refused = ebay.post(f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": items})
    assert refused.status_code == 400
    assert "1 to 25" in refused.json()["errors"][0]["message"]
    answered = ebay.post(f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": items[:25]})
    assert answered.status_code == 200
    assert [r["statusCode"] for r in answered.json()["responses"]] == [200] * 25


def test_the_fake_answers_207_with_the_duplicate_offer_named(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    for sku in ("A-1", "A-2"):
        assert ebay.put(f"{INV}/inventory_item/{sku}", json=ebay_item()).status_code == 201
    first = ebay.post(f"{INV}/bulk_create_offer", json={"requests": [ebay_offer("A-1")]}).json()
    answer = ebay.post(f"{INV}/bulk_create_offer", json={"requests": [ebay_offer("A-1"), ebay_offer("A-2")]})
    assert answer.status_code == 207
    duplicate, created = answer.json()["responses"]
    assert duplicate["statusCode"] == 400 and "offerId" not in duplicate
    assert duplicate["errors"][0]["parameters"] == [{"name": "offerId", "value": first["responses"][0]["offerId"]}]
    assert created["statusCode"] == 200 and created["offerId"]


# ----- the sync engine --------------------------------------------------------------------------------
@pytest.fixture
def photos(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "data")


@pytest.fixture
def settings(fake_ebay: FakeEbay) -> Settings:
    settings = fast_settings()
    settings.ebay = ebay_settings(fake_ebay)
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


def queued(database: Database, user: UserRecord, photos: PhotoStore, folder: Path, count: int) -> list[int]:
    ids = []
    for n in range(count):
        cover = photo(photos, folder, f"jacket-{n}.jpg", colour=f"#{n * 8 % 256:02x}405a")
        listing_id = active_listing(database, user, [cover], title=f"Trucker jacket no. {n}")
        with database.unit_of_work(user.id) as uow:
            assert not sync_actions.list_on(uow, listing_id, ["ebay"]).refused
            uow.commit()
        ids.append(listing_id)
    return ids


def ebay_rows(database: Database, user: UserRecord, listing_ids: list[int]) -> list[tuple[str | None, str | None]]:
    with database.unit_of_work(user.id) as uow:
        return [
            (row.status, row.error_message)
            for listing_id in listing_ids
            for row in uow.platform_listings.for_listing(listing_id)
        ]


def test_the_engine_publishes_a_backlog_in_batches_and_a_refused_listing_fails_alone(
    database: Database,
    alice: UserRecord,
    photos: PhotoStore,
    engine: SyncEngine,
    fake_ebay: FakeEbay,
    tmp_path: Path,
) -> None:
    listing_ids = queued(database, alice, photos, tmp_path, 27)
    with database.unit_of_work(alice.id) as uow:  # a top-level category: eBay refuses to list there
        uow.listings.update(listing_ids[5], {"attributes": {"ebay_category_id": "267"}})
        uow.commit()

    report = engine.run_once([alice.id])

    outcomes = [(step.outcome, step.message) for step in report.steps]
    assert outcomes.count(("done", "")) == 26
    states = ebay_rows(database, alice, listing_ids)
    assert [status for status, _ in states] == ["active"] * 5 + ["failed"] + ["active"] * 21
    assert "267 (Books & Magazines) is not a leaf category" in (states[5][1] or "")
    assert len(fake_ebay.live_skus()) == 26
    assert [len(entries) for entries in bulk_calls(fake_ebay, "bulk_publish_offer")] == [25, 2]
    with database.unit_of_work(alice.id) as uow:
        errors = [n.title for n in uow.notifications.recent() if n.type == "error"]
    assert errors == ["Could not list “Trucker jacket no. 5” on eBay"]


def test_a_bulk_call_that_keeps_failing_retries_its_rows_and_the_next_pass_lists_them(
    database: Database,
    alice: UserRecord,
    photos: PhotoStore,
    engine: SyncEngine,
    clock: Clock,
    fake_ebay: FakeEbay,
    tmp_path: Path,
) -> None:
    listing_ids = queued(database, alice, photos, tmp_path, 3)
    fake_ebay.inject("POST", r"/bulk_create_offer$", status=503, times=3)  # every try of the pass
    report = engine.run_once([alice.id])
    assert [step.outcome for step in report.steps] == ["retry"] * 3
    assert [status for status, _ in ebay_rows(database, alice, listing_ids)] == ["pending"] * 3

    clock.advance(hours=1)  # past the rows' backoff
    engine.run_once([alice.id])
    assert [status for status, _ in ebay_rows(database, alice, listing_ids)] == ["active"] * 3
    assert len(fake_ebay.live_skus()) == 3 and len(fake_ebay.offers) == 3
