"""eBay's Sell Fulfillment API in the fake eBay: the seller's orders, filtered and paged as getOrders does.

Validated against ebay_sell_fulfillment_v1_oas3.json. Orders are made by the test controls (a buyer
paying), never through the API; each lowers the quantity of the listing it bought from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from tests.fakes.contracts import Contract
from tests.fakes.fake_ebay_formats import error_reply, iso
from tests.fakes.fake_ebay_inventory import EbayInventory
from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply

FULFILLMENT = Contract("ebay_sell_fulfillment_v1_oas3.json", "https://api.ebay.com")
ORDERS = "/sell/fulfillment/v1/order"
FILTER_SPLIT = re.compile(r",(?![^\[]*\])")  # commas between criteria, not inside [a..b]
DATE_FILTER = re.compile(r"(?P<field>lastmodifieddate|creationdate):\[(?P<start>[^\]]*?)\.\.(?P<end>[^\]]*)\]")


def _utc(text: str) -> datetime | None:
    """An ISO 8601 UTC moment as eBay's filters take it (2024-05-01T12:00:00.000Z), else None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class EbayOrders:
    """The orders of `seller`, newest last. Sales go through `inventory` (quantities, ended listings)."""

    def __init__(self, inventory: EbayInventory, numbers: Iterator[int], seller: str, currency: str) -> None:
        self.inventory = inventory
        self.seller = seller
        self.currency = currency
        self.orders: list[dict[str, Any]] = []
        self._numbers = numbers

    def routes(self) -> list[Route]:
        return [
            route("GET", ORDERS, self._get_orders, FULFILLMENT, needs_token=True),
            route("GET", ORDERS + r"/(?P<order_id>[^/]+)", self._get_order, FULFILLMENT, needs_token=True),
        ]

    def _get_orders(self, request: RecordedRequest) -> Reply:
        try:
            limit, offset = int(request.query.get("limit", "50")), int(request.query.get("offset", "0"))
        except ValueError:
            return error_reply(400, 30830, "The limit and offset must be integers.", domain="API_FULFILLMENT")
        if not 1 <= limit <= 200 or offset < 0:
            return error_reply(
                400, 30830, "The limit must be between 1 and 200 and offset 0 or more.", domain="API_FULFILLMENT"
            )
        orders = self.orders
        wanted_ids = request.query.get("orderIds")
        if wanted_ids:
            orders = [order for order in orders if order["orderId"] in wanted_ids.split(",")]
        for criterion in filter(None, FILTER_SPLIT.split(request.query.get("filter", ""))):
            match = DATE_FILTER.fullmatch(criterion.strip())
            if match is None:
                return error_reply(400, 30700, f"Invalid filter: {criterion}", domain="API_FULFILLMENT")
            start_text, end_text = match.group("start", "end")
            start, end = _utc(start_text), _utc(end_text)
            if (start_text and start is None) or (end_text and end is None) or not (start_text or end_text):
                return error_reply(
                    400,
                    30700,
                    f"Invalid date range in filter (UTC, like 2024-05-01T12:00:00.000Z): {criterion}",
                    domain="API_FULFILLMENT",
                )
            field_name = "lastModifiedDate" if match.group("field") == "lastmodifieddate" else "creationDate"
            orders = [
                order
                for order in orders
                if (start is None or datetime.fromisoformat(order[field_name]) >= start)
                and (end is None or datetime.fromisoformat(order[field_name]) <= end)
            ]
        orders = sorted(orders, key=lambda order: order["creationDate"], reverse=True)  # newest first, as eBay
        page = {
            "href": request.origin + request.path,
            "limit": limit,
            "offset": offset,
            "total": len(orders),
            "orders": orders[offset : offset + limit],
        }
        if offset + limit < len(orders):
            page["next"] = f"{request.origin}{request.path}?{urlencode({**request.query, 'offset': offset + limit})}"
        return Reply.json(200, page)

    def _get_order(self, request: RecordedRequest, order_id: str) -> Reply:
        for order in self.orders:
            if order["orderId"] == order_id:
                return Reply.json(200, order)
        return error_reply(404, 32100, "Invalid Order Id", domain="API_FULFILLMENT")

    def record_sale(self, offer: dict[str, Any], quantity: int, buyer: str) -> str:
        """A paid order for `quantity` of the offer's listing; the offer sells that many fewer."""
        now = iso(datetime.now(UTC))
        number = next(self._numbers)
        order_id = f"{10 + number % 90:02d}-{10000 + number:05d}-{20000 + number:05d}"
        price = offer.get("pricingSummary", {}).get("price", {"value": "0.00", "currency": self.currency})
        total = {"value": str(Decimal(price["value"]) * quantity), "currency": price["currency"]}
        line = {
            "lineItemId": str(10_000_000_000 + number),
            "legacyItemId": offer["listing"]["listingId"],
            "sku": offer["sku"],
            "title": self.inventory.items.get(offer["sku"], {}).get("product", {}).get("title", ""),
            "quantity": quantity,
            "lineItemCost": total,
            "total": total,
            "lineItemFulfillmentStatus": "NOT_STARTED",
            "soldFormat": "FIXED_PRICE",
            "listingMarketplaceId": offer["marketplaceId"],
            "purchaseMarketplaceId": offer["marketplaceId"],
        }
        self.orders.append(
            {
                "orderId": order_id,
                "creationDate": now,
                "lastModifiedDate": now,
                "orderFulfillmentStatus": "NOT_STARTED",
                "orderPaymentStatus": "PAID",
                "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
                "buyer": {"username": buyer},
                "sellerId": self.seller,
                "pricingSummary": {"priceSubtotal": total, "total": total},
                "lineItems": [line],
            }
        )
        self.inventory.set_available(offer, max(0, self.inventory.available(offer) - quantity))
        offer["listing"]["soldQuantity"] = offer["listing"].get("soldQuantity", 0) + quantity
        self.inventory.settle(offer)
        return order_id

    def cancel(self, order_id: str) -> None:
        order = next(order for order in self.orders if order["orderId"] == order_id)
        now = iso(datetime.now(UTC))
        order.update(
            lastModifiedDate=now,
            cancelStatus={"cancelState": "CANCELED", "cancelledDate": now, "cancelRequests": []},
        )
