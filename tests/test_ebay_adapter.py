"""The eBay adapter against the fake eBay (a real HTTP server that checks every request against eBay's
OpenAPI files): publishing, idempotent retries after a crash, faults, tokens, withdrawal and sales."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.platform_http_doubles import (
    JPEG,
    FakeClock,
    MemoryTokens,
    adapters_on,
    calls,
    granted,
    listing_payload,
    sign_in_refused_after_revocation,
)

from reseller_desktop.platforms.base import (
    ListingPayload,
    NotConnectedError,
    PermanentPlatformError,
    RemoteRef,
    TransientPlatformError,
)
from reseller_desktop.platforms.ebay import EbayAdapter, make_ebay
from reseller_desktop.platforms.http import RetryPolicy
from reseller_desktop.platforms.oauth import EbayOAuth, utc_now
from reseller_desktop.platforms.rate_limit import RateLimiter
from reseller_desktop.settings import EbaySettings


def settings_for(fake: FakeEbay, **changes: Any) -> EbaySettings:
    settings = EbaySettings(
        api_base=fake.base_url,
        authorize_url=fake.authorize_url,
        client_id=fake.client_id,
        ru_name=fake.ru_name,
        merchant_location_key="home-garage",
        fulfillment_policy_id="6100000001",
        payment_policy_id="6100000002",
        return_policy_id="6100000003",
        category_id="11450",
    )
    return replace(settings, **changes)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "front.jpg"
    path.write_bytes(JPEG + b"front")
    return path


def payload_for(photo: Path, sku: str = "RD-000101", **changes: Any) -> ListingPayload:
    return listing_payload((photo,), sku=sku, **changes)


@pytest.fixture
def adapters(fake_ebay: FakeEbay) -> Iterator[Any]:
    """make(store=None, settings=..., **make_ebay options) -> an adapter on the fake; closed at the end."""

    def build(store: MemoryTokens, settings: EbaySettings | None = None, **options: Any) -> EbayAdapter:
        return make_ebay(settings or settings_for(fake_ebay), fake_ebay.client_secret, store, **options)

    yield from adapters_on(fake_ebay, build)


# ----- publishing -----------------------------------------------------------------------------------
def test_publish_puts_the_listing_live_with_its_photo_price_and_policies(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo), None)

    assert ref.listing_id and ref.url == f"https://www.ebay.com/itm/{ref.listing_id}"
    assert fake_ebay.live_skus() == ["RD-000101"]
    offer = fake_ebay.offer_for("RD-000101")
    assert offer is not None and ref.extra["offer_id"] == offer["offerId"]
    assert offer["pricingSummary"]["price"] == {"value": "24.50", "currency": "USD"}
    assert offer["listingPolicies"]["paymentPolicyId"] == "6100000002"
    assert offer["categoryId"] == "11450"
    item = fake_ebay.inventory_item("RD-000101")
    assert item is not None and item["condition"] == "USED_GOOD"
    assert item["product"]["imageUrls"][0].startswith("https://i.ebayimg.com/")
    assert list(fake_ebay.uploaded_images().values()) == [photo.read_bytes()]
    item_put = next(r for r in fake_ebay.requests if r.method == "PUT" and "/inventory_item/" in r.path)
    assert item_put.headers["content-language"] == "en-US"
    assert adapter.state_of(ref, "RD-000101") == "live"


def test_a_listings_own_category_wins_over_the_default(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    adapters().publish(payload_for(photo, attributes={"ebay_category_id": "57988"}), None)
    offer = fake_ebay.offer_for("RD-000101")
    assert offer is not None and offer["categoryId"] == "57988"


def test_publish_after_the_answer_to_create_offer_was_lost_makes_one_offer(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    fake_ebay.inject("POST", r"/sell/inventory/v1/offer$", drop="after")
    adapter = adapters()
    try:
        ref = adapter.publish(payload_for(photo), None)
    except TransientPlatformError:
        ref = adapter.publish(payload_for(photo), None)
    assert calls(fake_ebay, "POST", "/offer") == 2  # the second met eBay's duplicate answer
    assert len(fake_ebay.offers) == 1
    assert fake_ebay.live_skus() == ["RD-000101"]
    assert adapter.publish(payload_for(photo), None).listing_id == ref.listing_id


def test_publish_repeated_after_the_answer_to_publish_was_lost_lists_once(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    fake_ebay.inject("POST", r"/publish$", drop="after")
    adapter = adapters()
    with pytest.raises(TransientPlatformError):
        adapter.publish(payload_for(photo), None)  # eBay listed it; we never heard
    ref = adapter.publish(payload_for(photo), None)  # the job's retry, with nothing recorded

    offer = fake_ebay.offer_for("RD-000101")
    assert offer is not None
    assert len(fake_ebay.offers) == 1
    assert ref.listing_id == offer["listing"]["listingId"]
    assert calls(fake_ebay, "POST", "/publish") == 1  # found live: not published a second time
    # Nothing recorded the first attempt's photo upload, so the photo went up again: eBay keeps the spare
    # picture unused, and the listing shows one picture.
    item = fake_ebay.inventory_item("RD-000101")
    assert item is not None and len(item["product"]["imageUrls"]) == 1


def test_an_offer_made_elsewhere_for_the_sku_is_taken_over(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    first = adapters().publish(payload_for(photo), None)
    again = adapters().publish(payload_for(photo, price=Decimal("19.99"), quantity=2), None)
    assert again.extra["offer_id"] == first.extra["offer_id"]
    assert again.listing_id == first.listing_id
    offer = fake_ebay.offer_for("RD-000101")
    assert offer is not None and offer["pricingSummary"]["price"]["value"] == "19.99"
    assert offer["availableQuantity"] == 2
    duplicate = [r for r in fake_ebay.requests if r.method == "POST" and r.path.endswith("/offer")]
    assert len(duplicate) == 2 and len(fake_ebay.offers) == 1


def test_update_changes_price_and_text_without_uploading_photos_again(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo), None)
    updated = adapter.update(payload_for(photo, price=Decimal("30"), title="Levi's 501 32x30"), ref)
    assert updated.listing_id == ref.listing_id
    assert len(fake_ebay.uploaded_images()) == 1
    offer = fake_ebay.offer_for("RD-000101")
    assert offer is not None and offer["pricingSummary"]["price"]["value"] == "30.00"
    item = fake_ebay.inventory_item("RD-000101")
    assert item is not None and item["product"]["title"] == "Levi's 501 32x30"
    assert adapter.state_of(updated, "RD-000101") == "live"


def test_a_relist_after_withdrawal_gets_a_new_listing_on_the_same_offer(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo), None)
    adapter.withdraw(ref, "RD-000101")
    again = adapter.publish(payload_for(photo), ref)
    assert again.extra["offer_id"] == ref.extra["offer_id"]
    assert again.listing_id != ref.listing_id
    assert adapter.state_of(again, "RD-000101") == "live"


# ----- faults -----------------------------------------------------------------------------------------
def test_429_without_retry_after_is_retried_with_backoff(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo), None)
    fake_ebay.inject("GET", r"/offer/", status=429, times=2)
    assert adapter.state_of(ref, "RD-000101") == "live"
    assert calls(fake_ebay, "GET", f"/offer/{ref.extra['offer_id']}") == 3


def test_429_with_retry_after_waits_that_long_for_every_call(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    clock = FakeClock()
    limiter = RateLimiter("ebay", 1000.0, 0, clock=clock, sleep=clock.sleep)
    adapter = adapters(limiter=limiter, sleep=clock.sleep, retry=RetryPolicy(3, 0.01, 30.0))
    fake_ebay.inject("GET", r"/commerce/identity/", status=429, headers={"Retry-After": "7"})
    assert adapter.account_name() == fake_ebay.username
    assert clock.sleeps == [7.0]


def test_429_asking_for_a_long_pause_is_left_to_the_job(fake_ebay: FakeEbay, adapters: Any) -> None:
    adapter = adapters()
    fake_ebay.inject("GET", r"/commerce/identity/", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(TransientPlatformError) as caught:
        adapter.account_name()
    assert caught.value.retry_after == 3600
    assert calls(fake_ebay, "GET", "/user/") == 1


def test_concurrent_access_error_25025_is_retried(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    body = FakeEbay.error_body(25025, "Concurrent access of SKU. Please try again.", category="APPLICATION")
    fake_ebay.inject("PUT", r"/inventory_item/", status=500, body=body)
    adapters().publish(payload_for(photo), None)
    assert calls(fake_ebay, "PUT", "/inventory_item/RD-000101") == 2
    assert fake_ebay.live_skus() == ["RD-000101"]


def test_a_slow_ebay_is_retried_then_reported_as_transient(fake_ebay: FakeEbay, adapters: Any) -> None:
    adapter = adapters(timeout=0.2)
    fake_ebay.inject("GET", r"/commerce/identity/", delay=0.5, times=3)
    with pytest.raises(TransientPlatformError) as caught:
        adapter.account_name()
    assert "Timeout" in caught.value.message
    assert calls(fake_ebay, "GET", "/user/") == 3


# ----- tokens -----------------------------------------------------------------------------------------
def test_an_access_token_about_to_expire_is_renewed_and_saved(fake_ebay: FakeEbay, adapters: Any) -> None:
    store = granted(fake_ebay, expires_in=30)
    old = store.tokens
    assert old is not None
    assert adapters(store).account_name() == fake_ebay.username
    assert len(store.saved) == 1
    new = store.saved[0]
    assert new.access_token != old.access_token
    assert new.refresh_token == old.refresh_token  # eBay keeps the refresh token
    assert new.access_expires_at > utc_now() + timedelta(hours=1)


def test_an_access_token_refused_early_is_renewed_once(fake_ebay: FakeEbay, adapters: Any) -> None:
    store = granted(fake_ebay)
    fake_ebay.expire_access_tokens()  # eBay says 401 though our clock says it is valid
    assert adapters(store).account_name() == fake_ebay.username
    assert len(store.saved) == 1


def test_a_revoked_refresh_token_is_not_connected_and_the_message_has_no_token(
    fake_ebay: FakeEbay, adapters: Any
) -> None:
    text, tokens = sign_in_refused_after_revocation(fake_ebay, adapters)
    assert "connect" in text.lower()
    assert tokens.access_token not in text and tokens.refresh_token not in text
    assert fake_ebay.client_secret not in text


def test_no_stored_tokens_is_not_connected(fake_ebay: FakeEbay, adapters: Any) -> None:
    with pytest.raises(NotConnectedError):
        adapters(MemoryTokens(None)).account_name()
    assert fake_ebay.requests == []


def test_the_consent_flow_gives_working_tokens(fake_ebay: FakeEbay, adapters: Any) -> None:
    settings = settings_for(fake_ebay)
    with httpx.Client(follow_redirects=True) as browser:
        accept_page = browser.get(EbayOAuth(settings, fake_ebay.client_secret).authorize_url("s-1"))
    oauth = EbayOAuth(settings, fake_ebay.client_secret)
    try:
        code = oauth.code_from(str(accept_page.url))  # the seller pastes the whole address
        tokens = oauth.exchange(code)
        with pytest.raises(NotConnectedError):
            oauth.exchange(code)  # a code works once
    finally:
        oauth.close()
    assert adapters(MemoryTokens(tokens)).account_name() == fake_ebay.username


# ----- ending, reading back, sales ----------------------------------------------------------------------
def test_withdraw_ends_the_listing_and_a_second_withdraw_is_fine(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo), None)
    adapter.withdraw(ref, "RD-000101")
    assert adapter.state_of(ref, "RD-000101") == "ended"
    adapter.withdraw(ref, "RD-000101")
    assert fake_ebay.live_skus() == []


def test_state_of_finds_the_offer_by_sku_and_reports_missing_ones(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    adapter.publish(payload_for(photo), None)
    assert adapter.state_of(RemoteRef(listing_id=None), "RD-000101") == "live"
    fake_ebay.end_listing("RD-000101")  # eBay ended it on its side
    assert adapter.state_of(RemoteRef(listing_id=None), "RD-000101") == "ended"
    adapter.withdraw(RemoteRef(listing_id=None), "RD-000101")  # ending an ended listing is fine
    assert adapter.state_of(RemoteRef(listing_id=None), "RD-404") == "missing"
    assert adapter.state_of(RemoteRef(listing_id="1", extra={"offer_id": "999"}), None) == "missing"


def test_sales_since_returns_the_sold_line_and_later_its_cancellation(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photo, quantity=3), None)
    since = utc_now() - timedelta(minutes=5)
    order_id = fake_ebay.sell("RD-000101", quantity=2, buyer="jeanfan")
    [sale] = adapter.sales_since(since)
    assert (sale.order_id, sale.sku, sale.quantity, sale.price) == (order_id, "RD-000101", 2, Decimal("24.50"))
    assert sale.platform_listing_id == ref.listing_id
    assert sale.buyer == "jeanfan" and not sale.cancelled
    assert abs(sale.sold_at - utc_now()) < timedelta(minutes=5) and sale.sold_at.tzinfo is None
    fake_ebay.cancel_order(order_id)
    [cancelled] = adapter.sales_since(since)
    assert cancelled.cancelled
    assert adapter.sales_since(utc_now() + timedelta(minutes=5)) == []


def test_sales_since_reads_every_page(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    adapter = adapters()
    adapter.publish(payload_for(photo, quantity=250), None)
    for _ in range(201):
        fake_ebay.sell("RD-000101")
    sales = adapter.sales_since(utc_now() - timedelta(minutes=5))
    assert len({s.order_id for s in sales}) == 201
    assert calls(fake_ebay, "GET", "/sell/fulfillment/v1/order") == 2


def test_live_listings_are_the_published_active_offers(fake_ebay: FakeEbay, adapters: Any, photo: Path) -> None:
    adapter = adapters()
    kept = adapter.publish(payload_for(photo, sku="RD-1"), None)
    ended = adapter.publish(payload_for(photo, sku="RD-2"), None)
    adapter.withdraw(ended, "RD-2")
    live = adapter.live_listings()
    assert [(r.listing_id, r.extra["sku"]) for r in live] == [(kept.listing_id, "RD-1")]


# ----- settings ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "empty"),
    [
        ("payment_policy_id", ""),
        ("merchant_location_key", ""),
        ("return_policy_id", " "),
        ("fulfillment_policy_id", ""),
        ("category_id", ""),
    ],
)
def test_a_missing_setting_is_named_before_any_request(
    fake_ebay: FakeEbay, adapters: Any, photo: Path, setting: str, empty: str
) -> None:
    adapter = adapters(settings=settings_for(fake_ebay, **{setting: empty}))
    with pytest.raises(PermanentPlatformError) as caught:
        adapter.publish(payload_for(photo), None)
    assert setting in caught.value.message
    assert "Settings" in caught.value.hint
    assert fake_ebay.requests == []


def test_ebay_refusing_the_listing_is_permanent_with_ebays_words(
    fake_ebay: FakeEbay, adapters: Any, photo: Path
) -> None:
    with pytest.raises(PermanentPlatformError) as caught:
        adapters().publish(payload_for(photo, condition=None), None)  # eBay needs a condition to publish
    assert "condition" in caught.value.message
    assert fake_ebay.live_skus() == []
