"""The fake eBay and Etsy servers hold the platforms' contracts: what the OpenAPI files refuse is
refused (and recorded), the platform rules the files leave unsaid behave as documented, and the
test controls (sales, drift, faults, tokens) do what the adapter and sync tests rely on."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any

import httpx
import pytest
from tests.fakes import FakeEbay, FakeEtsy
from tests.fakes.contracts import SHARED_SPECS_DIR, SPECS_DIR
from tests.fakes.signed_in_clients import (  # noqa: F401  (ebay_client, etsy_client: fixtures)
    DRAFT,
    INV,
    PNG,
    ebay_client,
    ebay_item,
    ebay_listed,
    ebay_offer,
    etsy_active,
    etsy_client,
    etsy_draft,
    orders_since,
)


# ----- eBay ----------------------------------------------------------------------------------------
def test_ebay_item_offer_publish_sell_withdraw(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    assert ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item()).status_code == 201
    assert ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item(quantity=3)).status_code == 204, "a replace"
    assert (fake_ebay.inventory_item("MUG-1") or {})["availability"]["shipToLocationAvailability"]["quantity"] == 3
    offer_id = ebay.post(f"{INV}/offer", json=ebay_offer("MUG-1")).json()["offerId"]

    duplicate = ebay.post(f"{INV}/offer", json=ebay_offer("MUG-1"))
    assert duplicate.status_code == 400
    error = duplicate.json()["errors"][0]
    assert (error["errorId"], error["message"]) == (25002, "Offer entity already exists")
    assert error["parameters"] == [{"name": "offerId", "value": offer_id}]

    listing_id = ebay.post(f"{INV}/offer/{offer_id}/publish").json()["listingId"]
    assert ebay.post(f"{INV}/offer/{offer_id}/publish").json()["listingId"] == listing_id, (
        "publishing twice is one listing"
    )
    offers = ebay.get(f"{INV}/offer", params={"sku": "MUG-1"}).json()["offers"]
    assert [(o["status"], o["listing"]["listingStatus"]) for o in offers] == [("PUBLISHED", "ACTIVE")]
    assert fake_ebay.live_skus() == ["MUG-1"]

    order_id = fake_ebay.sell("MUG-1", quantity=1, buyer="alice")
    [order] = orders_since(ebay, "2000-01-01T00:00:00.000Z")
    assert order["orderId"] == order_id
    assert order["buyer"]["username"] == "alice"
    assert order["cancelStatus"]["cancelState"] == "NONE_REQUESTED"
    assert [(line["sku"], line["legacyItemId"], line["quantity"]) for line in order["lineItems"]] == [
        ("MUG-1", listing_id, 1)
    ]
    assert (fake_ebay.offer_for("MUG-1") or {})["availableQuantity"] == 1

    withdrawn = ebay.post(f"{INV}/offer/{offer_id}/withdraw")
    assert withdrawn.json() == {"listingId": listing_id}
    offer = ebay.get(f"{INV}/offer/{offer_id}").json()
    assert (offer["status"], offer["listing"]["listingStatus"]) == ("UNPUBLISHED", "ENDED")
    assert fake_ebay.live_skus() == []
    assert ebay.post(f"{INV}/offer/{offer_id}/withdraw").json()["errors"][0]["errorId"] == 25713
    relisted = ebay.post(f"{INV}/offer/{offer_id}/publish").json()["listingId"]
    assert relisted != listing_id, "a withdrawn offer lists again under a new listing"


def test_ebay_refuses_what_the_contract_refuses_and_records_it(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    del ebay.headers["Content-Language"]
    no_language = ebay.put(f"{INV}/inventory_item/MUG-2", json=ebay_item())
    assert no_language.status_code == 400
    assert no_language.json()["errors"][0]["errorId"] == 2004
    misspelt = ebay.post(
        f"{INV}/offer", json={**ebay_offer("MUG-1"), "avaliableQuantity": 1}, headers={"Content-Language": "en-US"}
    )
    assert misspelt.status_code == 400
    assert fake_ebay.inventory_item("MUG-2") is None
    assert len(fake_ebay.validation_errors) == 2
    assert "Content-Language" in fake_ebay.validation_errors[0]
    assert "avaliableQuantity" in fake_ebay.validation_errors[1]
    fake_ebay.validation_errors.clear()


def test_ebay_publish_needs_the_offer_complete(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item())
    offer = ebay_offer("MUG-1")
    del offer["categoryId"], offer["merchantLocationKey"]
    offer_id = ebay.post(f"{INV}/offer", json=offer).json()["offerId"]
    refused = ebay.post(f"{INV}/offer/{offer_id}/publish")
    assert refused.status_code == 400
    assert "categoryId" in refused.json()["errors"][0]["message"]
    assert "merchantLocationKey" in refused.json()["errors"][0]["message"]
    assert (fake_ebay.offer_for("MUG-1") or {})["status"] == "UNPUBLISHED"


def test_ebay_tokens_consent_code_refresh_and_401(fake_ebay: FakeEbay) -> None:
    with httpx.Client(base_url=fake_ebay.base_url) as client:
        assert client.get("/commerce/identity/v1/user/").json()["errors"][0]["errorId"] == 1001
        consent = client.get(
            "/oauth2/authorize",
            params={"client_id": fake_ebay.client_id, "redirect_uri": fake_ebay.ru_name, "response_type": "code",
                    "scope": "https://api.ebay.com/oauth/api_scope/sell.inventory", "state": "s-1"},
        )  # fmt: skip
        assert consent.status_code == 302
        landed = httpx.URL(consent.headers["Location"])
        assert str(landed).startswith(fake_ebay.accept_url)
        assert landed.params["state"] == "s-1"
        basic = "Basic " + base64.b64encode(f"{fake_ebay.client_id}:{fake_ebay.client_secret}".encode()).decode()
        form = {"grant_type": "authorization_code", "code": landed.params["code"], "redirect_uri": fake_ebay.ru_name}
        tokens = client.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": basic}).json()
        assert tokens["expires_in"] == 7200
        again = client.post("/identity/v1/oauth2/token", data=form, headers={"Authorization": basic})
        assert again.json()["error"] == "invalid_grant", "a code works once"

        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert client.get("/commerce/identity/v1/user/", headers=bearer).json()["username"] == fake_ebay.username
        fake_ebay.expire_access_tokens()
        assert client.get("/commerce/identity/v1/user/", headers=bearer).status_code == 401
        refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        renewed = client.post("/identity/v1/oauth2/token", data=refresh, headers={"Authorization": basic}).json()
        assert "refresh_token" not in renewed, "eBay keeps the refresh token"
        fresh = {"Authorization": f"Bearer {renewed['access_token']}"}
        assert client.get("/commerce/identity/v1/user/", headers=fresh).status_code == 200
        wrong_secret = "Basic " + base64.b64encode(f"{fake_ebay.client_id}:nope".encode()).decode()
        assert (
            client.post("/identity/v1/oauth2/token", data=refresh, headers={"Authorization": wrong_secret}).status_code
            == 401
        )
        fake_ebay.revoke_refresh_tokens()
        revoked = client.post("/identity/v1/oauth2/token", data=refresh, headers={"Authorization": basic})
        assert (revoked.status_code, revoked.json()["error"]) == (400, "invalid_grant")


def test_ebay_injected_quota_error_and_dropped_answer(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    fake_ebay.inject("PUT", "/inventory_item/", status=429)
    fake_ebay.inject("PUT", "/inventory_item/", status=500, body=FakeEbay.error_body(25025, "Concurrent access"))
    fake_ebay.inject("PUT", "/inventory_item/", drop="after")
    throttled = ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item())
    assert throttled.status_code == 429
    assert "retry-after" not in throttled.headers
    assert throttled.json()["errors"][0]["errorId"] == 2001
    assert fake_ebay.inventory_item("MUG-1") is None, "a canned answer does not act"
    assert ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item()).json()["errors"][0]["errorId"] == 25025
    with pytest.raises(httpx.RemoteProtocolError):
        ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item())
    assert fake_ebay.inventory_item("MUG-1") is not None, "drop-after acted before hanging up"
    fake_ebay.inject("*", "/offer$", drop="before")
    with pytest.raises(httpx.RemoteProtocolError):
        ebay.post(f"{INV}/offer", json=ebay_offer("MUG-1"))
    assert fake_ebay.offer_for("MUG-1") is None, "drop-before did not act"
    assert ebay.post(f"{INV}/offer", json=ebay_offer("MUG-1")).status_code == 201, "faults are used up"


def test_ebay_sales_drift_cancel_and_order_window(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    ebay_listed(ebay, "MUG-1")
    with pytest.raises(ValueError, match="no live listing"):
        fake_ebay.sell("MUG-1", quantity=3)
    first = fake_ebay.sell("MUG-1", quantity=2)
    assert fake_ebay.live_skus() == [], "sold out: the listing ended"
    with pytest.raises(ValueError, match="no live listing"):
        fake_ebay.sell("MUG-1")
    oversold = fake_ebay.sell_ignoring_stock("MUG-1")
    first_order = next(order for order in orders_since(ebay, "2000-01-01T00:00:00Z") if order["orderId"] == first)
    fake_ebay.cancel_order(first)
    changed = orders_since(ebay, first_order["lastModifiedDate"])
    cancelled = next(order for order in changed if order["orderId"] == first)
    assert cancelled["cancelStatus"]["cancelState"] == "CANCELED"
    assert {order["orderId"] for order in orders_since(ebay, "2000-01-01T00:00:00Z")} == {first, oversold}
    assert orders_since(ebay, "2999-01-01T00:00:00.000Z") == []

    ebay_listed(ebay, "MUG-2")
    fake_ebay.end_listing("MUG-2")
    offer = ebay.get(f"{INV}/offer", params={"sku": "MUG-2"}).json()["offers"][0]
    assert offer["listing"]["listingStatus"] == "ENDED"


def test_ebay_deleting_the_item_ends_its_listing(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    ebay_listed(ebay, "MUG-1")
    assert ebay.delete(f"{INV}/inventory_item/MUG-1").status_code == 204
    assert fake_ebay.live_skus() == []
    assert ebay.get(f"{INV}/inventory_item/MUG-1").status_code == 404
    assert ebay.get(f"{INV}/offer", params={"sku": "MUG-1"}).status_code == 400


def test_ebay_media_upload_gives_an_image_url(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    created = ebay.post(
        "/commerce/media/v1_beta/image/create_image_from_file", files={"image": ("a.png", PNG, "image/png")}
    )
    assert created.status_code == 201
    image = ebay.get(created.headers["Location"]).json()
    assert image["imageUrl"].startswith("https://i.ebayimg.com/images/g/")
    assert list(fake_ebay.uploaded_images().values()) == [PNG]


def test_a_fake_answer_outside_the_contract_is_recorded(fake_ebay: FakeEbay, ebay: httpx.Client) -> None:
    offer_id, _ = ebay_listed(ebay, "MUG-1")
    fake_ebay.offers[offer_id]["listing"]["listingId"] = 123  # a number where the contract says string
    ebay.get(f"{INV}/offer/{offer_id}")
    assert len(fake_ebay.validation_errors) == 1
    assert "listingId" in fake_ebay.validation_errors[0]
    fake_ebay.validation_errors.clear()


# ----- Etsy ----------------------------------------------------------------------------------------
def test_etsy_draft_needs_an_image_to_go_active(fake_etsy: FakeEtsy, etsy: httpx.Client) -> None:
    shop = fake_etsy.shop_id
    listing_id = etsy_draft(etsy, shop)
    refused = etsy.patch(f"/shops/{shop}/listings/{listing_id}", data={"state": "active"})
    assert refused.status_code == 400
    assert "image" in refused.json()["error"]
    uploaded = etsy.post(
        f"/shops/{shop}/listings/{listing_id}/images", files={"image": ("a.png", PNG, "image/png")}, data={"rank": "1"}
    )
    assert uploaded.status_code == 201
    offering = {"price": 12.5, "quantity": 2, "is_enabled": True, "readiness_state_id": None}
    etsy.put(f"/listings/{listing_id}/inventory", json={"products": [{"sku": "MUG-1", "offerings": [offering]}]})
    assert etsy.patch(f"/shops/{shop}/listings/{listing_id}", data={"state": "active"}).json()["state"] == "active"
    listing = etsy.get(f"/listings/{listing_id}").json()
    assert (listing["skus"], listing["quantity"], listing["price"]["amount"]) == (["MUG-1"], 2, 1250)
    assert "images" not in listing, "images come only when asked for"
    with_images = etsy.get(f"/listings/{listing_id}", params={"includes": "Images"}).json()
    assert [image["listing_image_id"] for image in with_images["images"]] == [uploaded.json()["listing_image_id"]]
    active = etsy.get(f"/shops/{shop}/listings", params={"state": "active"})
    assert [found["listing_id"] for found in active.json()["results"]] == [listing_id]
    assert {"x-limit-per-second", "x-remaining-this-second", "x-limit-per-day", "x-remaining-today"} <= set(
        active.headers
    )


def test_etsy_deletes_a_listing_image_and_closes_the_rank_gap(fake_etsy: FakeEtsy, etsy: httpx.Client) -> None:
    shop = fake_etsy.shop_id
    listing_id = etsy_draft(etsy, shop)
    images = f"/shops/{shop}/listings/{listing_id}/images"
    first, second, third = (
        etsy.post(images, files={"image": (f"{n}.png", PNG, "image/png")}).json()["listing_image_id"] for n in range(3)
    )
    assert etsy.delete(f"{images}/{first}").status_code == 204
    left = etsy.get(f"/listings/{listing_id}/images").json()["results"]
    assert [(image["listing_image_id"], image["rank"]) for image in left] == [(second, 1), (third, 2)]
    again = etsy.delete(f"{images}/{first}")
    assert again.status_code == 404 and str(first) in again.json()["error"]
    assert etsy.delete(f"/shops/{shop + 1}/listings/{listing_id}/images/{second}").status_code == 403
    unsigned = httpx.delete(
        f"{fake_etsy.base_url}/v3/application{images}/{second}", headers={"x-api-key": fake_etsy.api_key}
    )
    assert unsigned.status_code == 401  # a write: the contract asks for a Bearer token
    assert len(fake_etsy.validation_errors) == 1
    fake_etsy.validation_errors.clear()
    assert [image["listing_image_id"] for image in fake_etsy.images(listing_id)] == [second, third]


def test_etsy_refuses_a_draft_missing_required_fields_and_records_it(fake_etsy: FakeEtsy, etsy: httpx.Client) -> None:
    incomplete = {name: value for name, value in DRAFT.items() if name != "who_made"}
    refused = etsy.post(f"/shops/{fake_etsy.shop_id}/listings", data=incomplete)
    assert refused.status_code == 400
    assert "who_made" in refused.json()["error"]
    assert fake_etsy.drafts() == []
    assert len(fake_etsy.validation_errors) == 1
    fake_etsy.validation_errors.clear()
    etsy_draft(etsy, fake_etsy.shop_id)
    etsy_draft(etsy, fake_etsy.shop_id)
    assert len(fake_etsy.drafts()) == 2, "no idempotency: a repeated create makes a second draft"


def test_etsy_api_key_needs_the_shared_secret(fake_etsy: FakeEtsy) -> None:
    with httpx.Client(base_url=f"{fake_etsy.base_url}/v3/application") as client:
        keystring_only = client.get(f"/shops/{fake_etsy.shop_id}", headers={"x-api-key": fake_etsy.keystring})
        assert (keystring_only.status_code, keystring_only.json()) == (
            403,
            {"error": "Shared secret is required in x-api-key header."},
        )
        assert (
            client.get(f"/shops/{fake_etsy.shop_id}", headers={"x-api-key": fake_etsy.api_key}).json()["shop_name"]
            == fake_etsy.shop_name
        )
        assert client.get("/users/me", headers={"x-api-key": fake_etsy.api_key}).status_code == 401
        assert client.get(f"/shops/{fake_etsy.shop_id}").status_code == 403
    assert len(fake_etsy.validation_errors) == 2, "no bearer where one is needed; no x-api-key at all"
    fake_etsy.validation_errors.clear()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def test_etsy_pkce_and_refresh_rotation(fake_etsy: FakeEtsy) -> None:
    verifier, challenge = pkce_pair()
    redirect = "http://localhost:8765/callback"
    with httpx.Client() as client:
        params = {
            "response_type": "code",
            "client_id": fake_etsy.keystring,
            "redirect_uri": redirect,
            "scope": "listings_r listings_w",
            "state": "s-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

        def code() -> str:
            landed = httpx.URL(client.get(fake_etsy.authorize_url, params=params).headers["Location"])
            assert (landed.path, landed.params["state"]) == ("/callback", "s-1")
            return landed.params["code"]

        exchange = {"grant_type": "authorization_code", "client_id": fake_etsy.keystring, "redirect_uri": redirect}
        wrong = client.post(fake_etsy.token_url, data={**exchange, "code": code(), "code_verifier": pkce_pair()[0]})
        assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
        tokens = client.post(fake_etsy.token_url, data={**exchange, "code": code(), "code_verifier": verifier}).json()
        assert tokens["access_token"].startswith(f"{fake_etsy.user_id}.")

        refresh = {
            "grant_type": "refresh_token",
            "client_id": fake_etsy.keystring,
            "refresh_token": tokens["refresh_token"],
        }
        rotated = client.post(fake_etsy.token_url, data=refresh).json()
        assert rotated["refresh_token"] != tokens["refresh_token"]
        assert client.post(fake_etsy.token_url, data=refresh).json()["error"] == "invalid_grant", "the old one is dead"
        renewed = {**refresh, "refresh_token": rotated["refresh_token"]}
        assert client.post(fake_etsy.token_url, data=renewed).status_code == 200


def test_etsy_sales_sold_out_cancel_and_receipts_window(fake_etsy: FakeEtsy, etsy: httpx.Client) -> None:
    shop = fake_etsy.shop_id
    listing_id = etsy_active(etsy, shop, "MUG-1", quantity=1)
    receipt_id = fake_etsy.sell(listing_id, buyer="alice")
    assert (fake_etsy.listing(listing_id) or {})["state"] == "sold_out"
    with pytest.raises(ValueError, match="not active"):
        fake_etsy.sell(listing_id)
    oversold = fake_etsy.sell_ignoring_stock(listing_id)
    receipts = etsy.get(f"/shops/{shop}/receipts", params={"min_last_modified": 946684800, "limit": 100}).json()
    assert {receipt["receipt_id"] for receipt in receipts["results"]} == {receipt_id, oversold}
    sold = next(receipt for receipt in receipts["results"] if receipt["receipt_id"] == receipt_id)
    [line] = sold["transactions"]
    assert (line["listing_id"], line["sku"], line["quantity"], line["price"]["amount"]) == (
        listing_id,
        "MUG-1",
        1,
        1250,
    )
    fake_etsy.cancel_receipt(receipt_id)
    changed = etsy.get(f"/shops/{shop}/receipts", params={"min_last_modified": sold["updated_timestamp"]}).json()[
        "results"
    ]
    assert next(receipt for receipt in changed if receipt["receipt_id"] == receipt_id)["status"] == "canceled"

    other = etsy_active(etsy, shop, "MUG-2")
    fake_etsy.deactivate(other)
    assert etsy.get(f"/listings/{other}").json()["state"] == "inactive"
    assert etsy.get("/users/me").json() == {"user_id": fake_etsy.user_id, "shop_id": shop}


def test_etsy_injected_429_and_drop_after(fake_etsy: FakeEtsy, etsy: httpx.Client) -> None:
    fake_etsy.inject("POST", r"/listings$", status=429)
    throttled = etsy.post(f"/shops/{fake_etsy.shop_id}/listings", data=DRAFT)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "1"
    assert throttled.json() == {"error": "Exceeded per second rate limit"}
    assert fake_etsy.drafts() == []
    fake_etsy.inject("POST", r"/listings$", drop="after")
    with pytest.raises(httpx.RemoteProtocolError):
        etsy.post(f"/shops/{fake_etsy.shop_id}/listings", data=DRAFT)
    assert len(fake_etsy.drafts()) == 1, "the draft was made before the connection dropped"


def wait_until(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def test_a_slow_answer_times_the_client_out_and_the_platform_still_acts(
    fake_ebay: FakeEbay, ebay: httpx.Client
) -> None:
    fake_ebay.inject("PUT", "/inventory_item/", delay=0.3)
    with pytest.raises(httpx.ReadTimeout):
        ebay.put(f"{INV}/inventory_item/MUG-1", json=ebay_item(), timeout=0.05)
    wait_until(lambda: fake_ebay.inventory_item("MUG-1") is not None)


def test_ebay_inventory_items_come_in_pages_linked_by_next(ebay: httpx.Client) -> None:
    for n in range(3):
        ebay.put(f"{INV}/inventory_item/MUG-{n}", json=ebay_item())
    first = ebay.get(f"{INV}/inventory_item", params={"limit": "2"}).json()
    assert (first["total"], [item["sku"] for item in first["inventoryItems"]]) == (3, ["MUG-0", "MUG-1"])
    second = ebay.get(first["next"]).json()
    assert [item["sku"] for item in second["inventoryItems"]] == ["MUG-2"]
    assert "next" not in second


@pytest.mark.skipif(not SHARED_SPECS_DIR.exists(), reason="shared/ is not beside this checkout")
def test_the_vendored_marketplace_contracts_are_the_shared_ones() -> None:
    shared = sorted(p.name for p in SHARED_SPECS_DIR.iterdir())
    assert sorted(p.name for p in SPECS_DIR.iterdir()) == shared
    for name in shared:
        assert (SPECS_DIR / name).read_bytes() == (SHARED_SPECS_DIR / name).read_bytes(), name
