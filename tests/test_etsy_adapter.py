"""The Etsy adapter against the fake Etsy (a real HTTP server that checks every request against Etsy's
OpenAPI file): drafts, SKUs, images, activation, reconciliation after a crash, tokens, sales."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.fakes.fake_etsy import FakeEtsy
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
    INTERRUPTED,
    ListingPayload,
    NotConnectedError,
    PermanentPlatformError,
    RemoteRef,
    TransientPlatformError,
)
from reseller_desktop.platforms.etsy import EtsyAdapter, make_etsy
from reseller_desktop.platforms.oauth import EtsyOAuth, new_pkce_pair, utc_now
from reseller_desktop.platforms.rate_limit import RateLimiter
from reseller_desktop.settings import EtsySettings

SKU = "RD-000202"
MUG = {  # the listing these tests publish, in two photos
    "listing_id": 202,
    "sku": SKU,
    "title": "Hand thrown stoneware mug",
    "description": "Speckled glaze, holds 12 oz.",
    "quantity": 2,
    "condition": "like_new",
}


def settings_for(fake: FakeEtsy, **changes: Any) -> EtsySettings:
    settings = EtsySettings(
        api_base=fake.base_url,
        authorize_url=fake.authorize_url,
        token_url=fake.token_url,
        keystring=fake.keystring,
        shipping_profile_id="190000001",
        taxonomy_id="1429",
        when_made="2020_2025",  # the contract's newest era
    )
    return replace(settings, **changes)


@pytest.fixture
def photos(tmp_path: Path) -> tuple[Path, Path]:
    front, back = tmp_path / "front.jpg", tmp_path / "back.jpg"
    front.write_bytes(JPEG + b"front")
    back.write_bytes(JPEG + b"back")
    return front, back


def payload_for(photos: tuple[Path, ...], **changes: Any) -> ListingPayload:
    return listing_payload(photos, **{**MUG, **changes})


@pytest.fixture
def adapters(fake_etsy: FakeEtsy) -> Iterator[Any]:
    """make(store=None, settings=..., shared_secret=..., **make_etsy options) -> an adapter on the fake;
    closed at the end."""

    def build(
        store: MemoryTokens, settings: EtsySettings | None = None, shared_secret: str | None = None, **options: Any
    ) -> EtsyAdapter:
        secret = fake_etsy.shared_secret if shared_secret is None else shared_secret
        return make_etsy(settings or settings_for(fake_etsy), secret, store, **options)

    yield from adapters_on(fake_etsy, build)


# ----- publishing -----------------------------------------------------------------------------------
def test_publish_makes_an_active_listing_with_sku_price_quantity_and_photos(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    store = granted(fake_etsy)
    ref = adapters(store).publish(payload_for(photos), None)

    assert ref.listing_id is not None and ref.extra["shop_id"] == str(fake_etsy.shop_id)
    listing = fake_etsy.listing(int(ref.listing_id))
    assert listing is not None
    assert (listing["state"], listing["skus"], listing["quantity"]) == ("active", [SKU], 2)
    assert listing["price"]["amount"] == 2450
    assert listing["taxonomy_id"] == 1429 and listing["shipping_profile_id"] == 190000001
    assert ref.url == listing["url"]
    assert len(fake_etsy.images(int(ref.listing_id))) == 2
    draft = next(r for r in fake_etsy.requests if r.method == "POST" and r.path.endswith("/listings"))
    assert draft.content_type.startswith("application/x-www-form-urlencoded")
    upload = next(r for r in fake_etsy.requests if r.path.endswith("/images") and r.method == "POST")
    assert upload.content_type.startswith("multipart/form-data")
    # Every call carries the key with the shared secret, and the seller's bearer token.
    api_calls = [r for r in fake_etsy.requests if r.path.startswith("/v3/application")]
    assert {r.headers.get("x-api-key") for r in api_calls} == {fake_etsy.api_key}
    assert store.tokens is not None
    assert {r.bearer() for r in api_calls} == {store.tokens.access_token}


def test_publish_after_the_answer_to_create_draft_was_lost_makes_one_listing(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    fake_etsy.inject("POST", r"/shops/\d+/listings$", drop="after")
    adapter = adapters()
    with pytest.raises(TransientPlatformError):
        adapter.publish(payload_for(photos), None)  # Etsy made the draft; we never heard
    assert len(fake_etsy.drafts()) == 1

    ref = adapter.publish(payload_for(photos), INTERRUPTED)  # the job's retry, with nothing recorded
    assert len(fake_etsy.listings()) == 1
    assert calls(fake_etsy, "POST", "/listings") == 1
    listing = fake_etsy.listing(int(ref.listing_id or 0))
    assert listing is not None and listing["state"] == "active" and listing["skus"] == [SKU]


def test_publish_after_a_lost_image_answer_does_not_add_the_photo_twice(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    fake_etsy.inject("POST", r"/images$", drop="after")
    adapter = adapters()
    with pytest.raises(TransientPlatformError):
        adapter.publish(payload_for(photos), None)
    ref = adapter.publish(payload_for(photos), INTERRUPTED)
    assert len(fake_etsy.listings()) == 1
    assert len(fake_etsy.images(int(ref.listing_id or 0))) == 2
    assert calls(fake_etsy, "POST", "/images") == 2  # the first photo once, the second once


def test_publishing_a_withdrawn_listing_again_reactivates_it(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    adapter.withdraw(ref, SKU)
    again = adapter.publish(payload_for(photos), ref)
    assert again.listing_id == ref.listing_id
    assert adapter.state_of(again, SKU) == "live"
    assert len(fake_etsy.images(int(ref.listing_id or 0))) == 2  # recorded photos are not uploaded again


def test_update_sends_new_price_quantity_and_title_without_new_uploads(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    updated = adapter.update(payload_for(photos, price=Decimal("19.99"), quantity=5, title="Speckled mug"), ref)
    assert updated.listing_id == ref.listing_id
    listing = fake_etsy.listing(int(ref.listing_id or 0))
    assert listing is not None
    assert (listing["title"], listing["quantity"], listing["price"]["amount"]) == ("Speckled mug", 5, 1999)
    assert listing["state"] == "active" and listing["skus"] == [SKU]
    assert calls(fake_etsy, "POST", "/images") == 2


def test_an_added_photo_is_uploaded_on_update(fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos[:1]), None)
    adapter.update(payload_for(photos), ref)
    assert len(fake_etsy.images(int(ref.listing_id or 0))) == 2


# ----- faults and tokens -------------------------------------------------------------------------------
def test_a_throttled_call_waits_for_etsys_retry_after(fake_etsy: FakeEtsy, adapters: Any) -> None:
    clock = FakeClock()
    limiter = RateLimiter("etsy", 1000.0, 0, clock=clock, sleep=clock.sleep)
    adapter = adapters(limiter=limiter, sleep=clock.sleep)
    fake_etsy.inject("GET", r"/shops/\d+$", status=429, headers={"retry-after": "1"})
    adapter.shop_id()
    assert adapter.account_name() == fake_etsy.shop_name
    assert clock.sleeps == [1.0]


def test_a_server_error_is_retried(fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    fake_etsy.inject("GET", r"/listings/\d+$", status=503)
    assert adapter.state_of(ref, SKU) == "live"


def test_an_expired_token_is_renewed_and_the_rotated_refresh_token_kept(fake_etsy: FakeEtsy, adapters: Any) -> None:
    store = granted(fake_etsy, expires_in=10)
    first = store.tokens
    assert first is not None
    assert adapters(store).account_name() == fake_etsy.shop_name
    assert len(store.saved) == 1
    rotated = store.saved[0]
    assert rotated.refresh_token and rotated.refresh_token != first.refresh_token
    # The old refresh token no longer works on Etsy; the saved one does.
    fake_etsy.expire_access_tokens()
    assert adapters(store).account_name() == fake_etsy.shop_name
    assert len(store.saved) == 2


def test_a_revoked_refresh_token_is_not_connected_and_the_message_has_no_secret(
    fake_etsy: FakeEtsy, adapters: Any
) -> None:
    text, tokens = sign_in_refused_after_revocation(fake_etsy, adapters)
    assert "connect" in text.lower()
    for secret in (tokens.access_token, tokens.refresh_token, fake_etsy.shared_secret):
        assert secret not in text


def test_the_pkce_consent_flow_gives_working_tokens(fake_etsy: FakeEtsy, adapters: Any) -> None:
    oauth = EtsyOAuth(settings_for(fake_etsy, redirect_port=8765), fake_etsy.shared_secret)
    try:
        verifier, challenge = new_pkce_pair()
        with httpx.Client() as browser:
            consent = browser.get(oauth.authorize_url("st-1", challenge))
        redirect = urlsplit(consent.headers["location"])
        assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == "http://localhost:8765/callback"
        query = parse_qs(redirect.query)
        assert query["state"] == ["st-1"]
        tokens = oauth.exchange(query["code"][0], verifier)
    finally:
        oauth.close()
    assert tokens.refresh_token and tokens.refresh_expires_at is not None
    assert adapters(MemoryTokens(tokens)).account_name() == fake_etsy.shop_name


# ----- ending, reading back, sales ----------------------------------------------------------------------
def test_withdraw_ends_the_listing_and_a_second_withdraw_is_fine(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    adapter.withdraw(ref, SKU)
    assert adapter.state_of(ref, SKU) == "ended"
    adapter.withdraw(ref, SKU)
    listing = fake_etsy.listing(int(ref.listing_id or 0))
    assert listing is not None and listing["state"] == "inactive"


def test_state_of_finds_listings_by_sku_and_reports_missing_ones(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    assert adapter.state_of(RemoteRef(listing_id=None), SKU) == "live"
    fake_etsy.deactivate(int(ref.listing_id or 0))
    assert adapter.state_of(ref, SKU) == "ended"
    assert adapter.state_of(RemoteRef(listing_id="1599999999"), None) == "missing"
    assert adapter.state_of(RemoteRef(listing_id=None), "RD-404") == "missing"


def test_sales_since_returns_the_sold_line_and_later_its_cancellation(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    ref = adapter.publish(payload_for(photos), None)
    since = utc_now() - timedelta(minutes=1)
    receipt_id = fake_etsy.sell(int(ref.listing_id or 0), quantity=1, buyer="mugfan")
    [sale] = adapter.sales_since(since)
    assert (sale.order_id, sale.sku, sale.quantity, sale.price) == (str(receipt_id), SKU, 1, Decimal("24.50"))
    assert sale.platform_listing_id == ref.listing_id and sale.buyer == "mugfan"
    assert not sale.cancelled and sale.sold_at.tzinfo is None
    fake_etsy.cancel_receipt(receipt_id)
    [cancelled] = adapter.sales_since(since)
    assert cancelled.cancelled
    assert adapter.sales_since(utc_now() + timedelta(minutes=5)) == []


def test_live_listings_are_the_active_ones_with_their_skus(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters()
    kept = adapter.publish(payload_for(photos, sku="RD-1"), None)
    ended = adapter.publish(payload_for(photos, sku="RD-2", title="Another mug"), None)
    adapter.withdraw(ended, "RD-2")
    assert [(r.listing_id, r.extra.get("sku")) for r in adapter.live_listings()] == [(kept.listing_id, "RD-1")]


def test_the_shop_is_found_through_get_me_unless_already_known(fake_etsy: FakeEtsy, adapters: Any) -> None:
    found = adapters()
    assert found.shop_id() == str(fake_etsy.shop_id) == found.known_shop_id
    assert calls(fake_etsy, "GET", "/users/me") == 1
    named = adapters(shop_id=str(fake_etsy.shop_id))
    assert named.account_name() == fake_etsy.shop_name
    assert calls(fake_etsy, "GET", "/users/me") == 1


# ----- settings -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("setting", ["shipping_profile_id", "taxonomy_id"])
def test_a_missing_listing_setting_is_named_before_any_request(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path], setting: str
) -> None:
    adapter = adapters(settings=settings_for(fake_etsy, **{setting: ""}))
    with pytest.raises(PermanentPlatformError) as caught:
        adapter.publish(payload_for(photos), None)
    assert setting in caught.value.message
    assert fake_etsy.requests == []


def test_a_listings_own_taxonomy_wins_and_must_be_a_number(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapter = adapters(settings=settings_for(fake_etsy, taxonomy_id=""))
    ref = adapter.publish(payload_for(photos, attributes={"etsy_taxonomy_id": "1633"}), None)
    listing = fake_etsy.listing(int(ref.listing_id or 0))
    assert listing is not None and listing["taxonomy_id"] == 1633
    with pytest.raises(PermanentPlatformError) as caught:
        adapter.publish(payload_for(photos, sku="RD-9", attributes={"etsy_taxonomy_id": "mugs"}), None)
    assert "taxonomy" in caught.value.message


def test_missing_keys_are_reported_before_any_request(fake_etsy: FakeEtsy, adapters: Any) -> None:
    with pytest.raises(PermanentPlatformError) as caught:
        adapters(settings=settings_for(fake_etsy, keystring=""))
    assert "keystring" in caught.value.message
    with pytest.raises(NotConnectedError):
        adapters(shared_secret="")
    assert fake_etsy.requests == []


def test_an_unreadable_photo_is_reported_before_any_request(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    gone = photos[0].parent / "deleted.jpg"
    with pytest.raises(PermanentPlatformError) as caught:
        adapters().publish(payload_for((photos[0], gone)), None)
    assert "deleted.jpg" in caught.value.message
    assert fake_etsy.requests == []


def test_etsy_refusing_a_request_is_permanent_with_etsys_words(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    with pytest.raises(PermanentPlatformError) as caught:
        adapters().publish(payload_for(photos, price=Decimal("0.05")), None)
    assert "price must be at least 0.20" in caught.value.message
    assert fake_etsy.listings() == []


def test_a_first_publish_does_not_search_the_shop_for_an_earlier_attempt(
    fake_etsy: FakeEtsy, adapters: Any, photos: tuple[Path, Path]
) -> None:
    adapters().publish(payload_for(photos), None)
    searches = [r for r in fake_etsy.requests if r.method == "GET" and r.path.endswith("/listings")]
    assert searches == []  # Etsy's daily quota is spent on listing, not on looking
