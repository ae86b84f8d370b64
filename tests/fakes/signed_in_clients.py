"""httpx clients signed in to the fake marketplaces (the `ebay` and `etsy` fixtures), and the shortest
ways to a listing on them, for the tests of the fakes themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.fake_etsy import FakeEtsy

INV = "/sell/inventory/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# ----- eBay ----------------------------------------------------------------------------------------
@pytest.fixture(name="ebay")  # named apart from the fixture so that test parameters do not shadow an import
def ebay_client(fake_ebay: FakeEbay) -> Iterator[httpx.Client]:
    token = fake_ebay.grant_tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Language": "en-US"}
    with httpx.Client(base_url=fake_ebay.base_url, headers=headers) as client:
        yield client


def ebay_item(quantity: int = 2) -> dict[str, Any]:
    return {
        "availability": {"shipToLocationAvailability": {"quantity": quantity}},
        "condition": "USED_GOOD",
        "product": {"title": "Blue mug", "description": "A blue mug.", "imageUrls": ["https://i.ebayimg.com/a.jpg"]},
    }


def ebay_offer(sku: str, **changes: Any) -> dict[str, Any]:
    policies = {"fulfillmentPolicyId": "F1", "paymentPolicyId": "P1", "returnPolicyId": "R1"}
    offer = {
        "sku": sku,
        "marketplaceId": "EBAY_US",
        "format": "FIXED_PRICE",
        "availableQuantity": 2,
        "categoryId": "20625",
        "listingPolicies": policies,
        "merchantLocationKey": "home",
        "pricingSummary": {"price": {"value": "12.50", "currency": "USD"}},
    }
    return {**offer, **changes}


def ebay_listed(client: httpx.Client, sku: str) -> tuple[str, str]:
    """Item + offer + publish: (offerId, listingId)."""
    assert client.put(f"{INV}/inventory_item/{sku}", json=ebay_item()).status_code == 201
    offer_id = client.post(f"{INV}/offer", json=ebay_offer(sku)).json()["offerId"]
    published = client.post(f"{INV}/offer/{offer_id}/publish")
    assert published.status_code == 200, published.text
    return offer_id, published.json()["listingId"]


def orders_since(client: httpx.Client, since: str) -> list[dict[str, Any]]:
    answer = client.get(
        "/sell/fulfillment/v1/order", params={"filter": f"lastmodifieddate:[{since}..]", "limit": "200"}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["orders"])


# ----- Etsy ----------------------------------------------------------------------------------------
@pytest.fixture(name="etsy")
def etsy_client(fake_etsy: FakeEtsy) -> Iterator[httpx.Client]:
    token = fake_etsy.grant_tokens()["access_token"]
    headers = {"x-api-key": fake_etsy.api_key, "Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{fake_etsy.base_url}/v3/application", headers=headers) as client:
        yield client


DRAFT = {
    "quantity": "1",
    "title": "Blue mug",
    "description": "A blue mug.",
    "price": "12.50",
    "who_made": "someone_else",
    "when_made": "2020_2025",
    "taxonomy_id": "1",
}


def etsy_draft(client: httpx.Client, shop_id: int) -> int:
    created = client.post(f"/shops/{shop_id}/listings", data=DRAFT)
    assert created.status_code == 201, created.text
    return int(created.json()["listing_id"])


def etsy_active(client: httpx.Client, shop_id: int, sku: str, quantity: int = 1) -> int:
    listing_id = etsy_draft(client, shop_id)
    client.post(f"/shops/{shop_id}/listings/{listing_id}/images", files={"image": ("a.png", PNG, "image/png")})
    offering = {"price": 12.5, "quantity": quantity, "is_enabled": True, "readiness_state_id": None}
    client.put(f"/listings/{listing_id}/inventory", json={"products": [{"sku": sku, "offerings": [offering]}]})
    assert client.patch(f"/shops/{shop_id}/listings/{listing_id}", data={"state": "active"}).status_code == 200
    return listing_id
