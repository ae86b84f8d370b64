"""Etsy's shop receipts in the fake Etsy: getShopReceipts, filtered by time window and paged.

Validated against etsy_openapi_v3.json. Receipts are made by the test controls (a buyer paying), never
through the API; each lowers the quantity of the listing it bought from. Timestamps are whole seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.fakes.fake_etsy_formats import error_reply, money
from tests.fakes.fake_etsy_listings import ETSY, SHOP, EtsyListings
from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply


class EtsyReceipts:
    """The receipts of the shop whose listings are `listings`, sold by user `seller_id`."""

    def __init__(self, listings: EtsyListings, numbers: Iterator[int], seller_id: int) -> None:
        self.listings = listings
        self.seller_id = seller_id
        self.receipts: list[dict[str, Any]] = []
        self._numbers = numbers

    def routes(self) -> list[Route]:
        return [route("GET", SHOP + "/receipts", self._get_receipts, ETSY, needs_token=True)]

    def _get_receipts(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self.listings.own_shop(shop_id):
            return refused
        query = request.query
        limit, offset = int(query.get("limit", "25")), int(query.get("offset", "0"))
        if not 1 <= limit <= 100 or offset < 0:
            return error_reply(400, "limit must be between 1 and 100 and offset at least 0")
        window = {  # query parameter -> (receipt field, whether the bound is a minimum)
            "min_last_modified": ("updated_timestamp", True),
            "max_last_modified": ("updated_timestamp", False),
            "min_created": ("created_timestamp", True),
            "max_created": ("created_timestamp", False),
        }
        found = self.receipts
        for name, (field_name, is_minimum) in window.items():
            if name in query:
                bound = int(query[name])
                found = [r for r in found if (r[field_name] >= bound if is_minimum else r[field_name] <= bound)]
        found = sorted(found, key=lambda receipt: receipt["created_timestamp"], reverse=True)  # Etsy's default
        return Reply.json(200, {"count": len(found), "results": found[offset : offset + limit]})

    def record_sale(self, listing: dict[str, Any], quantity: int, buyer: str) -> int:
        """A paid receipt for `quantity` of the listing; it sells that many fewer (sold_out at 0 if active)."""
        now = int(time.time())
        receipt_id, buyer_id = 3_000_000_000 + next(self._numbers), 90_000_000 + sum(map(ord, buyer))
        inventory = self.listings.inventories[listing["listing_id"]]
        product = inventory["products"][0]
        unit = listing["price"]
        total = {**unit, "amount": unit["amount"] * quantity}
        transaction = {
            "transaction_id": 2_000_000_000 + next(self._numbers),
            "title": listing["title"],
            "description": listing["description"],
            "seller_user_id": self.seller_id,
            "buyer_user_id": buyer_id,
            "create_timestamp": now,
            "created_timestamp": now,
            "paid_timestamp": now,
            "shipped_timestamp": None,
            "quantity": quantity,
            "listing_image_id": None,
            "receipt_id": receipt_id,
            "is_digital": False,
            "listing_id": listing["listing_id"],
            "transaction_type": "listing",
            "product_id": product["product_id"],
            "sku": product["sku"] or None,
            "price": unit,
            "shipping_cost": money(0),
            "variations": [],
            "product_data": [],
        }
        self.receipts.append(
            {
                "receipt_id": receipt_id,
                "receipt_type": 0,
                "seller_user_id": self.seller_id,
                "buyer_user_id": buyer_id,
                "buyer_email": f"{buyer}@example.com",
                "name": buyer,
                "status": "paid",
                "payment_method": "cc",
                "is_paid": True,
                "is_shipped": False,
                "create_timestamp": now,
                "created_timestamp": now,
                "update_timestamp": now,
                "updated_timestamp": now,
                "grandtotal": total,
                "subtotal": total,
                "total_price": total,
                "total_shipping_cost": money(0),
                "total_tax_cost": money(0),
                "transactions": [transaction],
            }
        )
        left = max(0, listing["quantity"] - quantity)
        listing["quantity"] = product["offerings"][0]["quantity"] = left
        self.listings.touch(listing, "sold_out" if listing["state"] == "active" and left == 0 else None)
        return receipt_id

    def cancel(self, receipt_id: int) -> None:
        receipt = next(receipt for receipt in self.receipts if receipt["receipt_id"] == receipt_id)
        now = int(time.time())
        receipt.update(status="canceled", update_timestamp=now, updated_timestamp=now)
