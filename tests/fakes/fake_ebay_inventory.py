"""eBay's Sell Inventory API in the fake eBay: inventory items, offers, publishing and withdrawing.

Validated against ebay_sell_inventory_v1_oas3.json. What the contract leaves open follows eBay's docs;
FakeEbay's docstring lists the choices.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from tests.fakes.contracts import Contract
from tests.fakes.fake_ebay_formats import error_body, error_reply
from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply

INVENTORY = Contract("ebay_sell_inventory_v1_oas3.json", "https://api.ebay.com")
INV = "/sell/inventory/v1"
# Top-level categories eBay refuses to list in (errorId 25005 at publish): a listing must name a leaf.
NOT_LEAF_CATEGORIES = {"267": "Books & Magazines", "550": "Art", "11116": "Coins & Paper Money"}


class EbayInventory:
    """The seller's inventory items (by SKU) and offers (by offerId). An offer is live when PUBLISHED
    with listing.listingStatus ACTIVE. `numbers` hands out the ids, shared with the rest of the fake."""

    def __init__(self, numbers: Iterator[int]) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.offers: dict[str, dict[str, Any]] = {}
        self._numbers = numbers

    def routes(self) -> list[Route]:
        offer = INV + r"/offer/(?P<offer_id>[^/]+)"
        return [
            route("PUT", INV + r"/inventory_item/(?P<sku>[^/]+)", self._put_item, INVENTORY, needs_token=True),
            route("GET", INV + "/inventory_item", self._get_items, INVENTORY, needs_token=True),
            route("GET", INV + r"/inventory_item/(?P<sku>[^/]+)", self._get_item, INVENTORY, needs_token=True),
            route("DELETE", INV + r"/inventory_item/(?P<sku>[^/]+)", self._delete_item, INVENTORY, needs_token=True),
            route("POST", INV + "/offer", self._create_offer, INVENTORY, needs_token=True),
            route("GET", INV + "/offer", self._get_offers, INVENTORY, needs_token=True),
            route("GET", offer, self._get_offer, INVENTORY, needs_token=True),
            route("PUT", offer, self._update_offer, INVENTORY, needs_token=True),
            route("DELETE", offer, self._delete_offer, INVENTORY, needs_token=True),
            route("POST", offer + "/publish", self._publish, INVENTORY, needs_token=True),
            route("POST", offer + "/withdraw", self._withdraw, INVENTORY, needs_token=True),
        ]

    # ----- inventory items --------------------------------------------------------------------------
    def _put_item(self, request: RecordedRequest, sku: str) -> Reply:
        status, error = self.put_item(sku, request.json(), request.headers["content-language"].replace("-", "_"))
        if error is not None:
            return Reply.json(status, error)
        return Reply.json(201, {}) if status == 201 else Reply(204)

    def put_item(self, sku: str, item: dict[str, Any], locale: str) -> tuple[int, dict[str, Any] | None]:
        """createOrReplaceInventoryItem, alone or in a bulk call: (201 created | 204 replaced, None) or
        (400, eBay's error body)."""
        if len(sku) > 50:
            return 400, error_body(25707, "This is an invalid value for a SKU.")
        created = sku not in self.items
        self.items[sku] = {**item, "sku": sku, "locale": locale}  # a full replace, as eBay's
        for offer in self.offers_of(sku):
            self.settle(offer)
        return (201 if created else 204), None

    def _get_item(self, request: RecordedRequest, sku: str) -> Reply:
        if sku not in self.items:
            return error_reply(404, 25710, "We didn't find the entity you are requesting.")
        return Reply.json(200, self.items[sku])

    def _get_items(self, request: RecordedRequest) -> Reply:
        """getInventoryItems. The contract's offset is a page number (records offset*limit on), so a client
        that follows `next` is right whichever way it reads offset."""
        try:
            limit, page = int(request.query.get("limit", "25")), int(request.query.get("offset", "0"))
        except ValueError:
            return error_reply(400, 25706, "limit and offset must be integers.")
        if not 1 <= limit <= 200 or page < 0:
            return error_reply(400, 25706, "limit must be from 1 to 200 and offset (a page number) 0 or more.")
        skus = sorted(self.items)
        body: dict[str, Any] = {
            "href": f"{request.origin}{request.path}?{urlencode({'limit': limit, 'offset': page})}",
            "limit": limit,
            "size": -(-len(skus) // limit),  # the number of pages, as the contract describes `size`
            "total": len(skus),
            "inventoryItems": [self.items[sku] for sku in skus[page * limit : (page + 1) * limit]],
        }
        if (page + 1) * limit < len(skus):
            body["next"] = f"{request.origin}{request.path}?{urlencode({'limit': limit, 'offset': page + 1})}"
        if page > 0:
            body["prev"] = f"{request.origin}{request.path}?{urlencode({'limit': limit, 'offset': page - 1})}"
        return Reply.json(200, body)

    def _delete_item(self, request: RecordedRequest, sku: str) -> Reply:
        if sku not in self.items:
            return error_reply(404, 25710, "We didn't find the entity you are requesting.")
        del self.items[sku]
        for offer in self.offers_of(sku):  # deleting the item deletes its offers and ends their listings
            del self.offers[offer["offerId"]]
        return Reply(204)

    # ----- offers -----------------------------------------------------------------------------------
    def offers_of(self, sku: str) -> list[dict[str, Any]]:
        """The offers of `sku`, in the order they were made (one per marketplace and format)."""
        return [offer for offer in self.offers.values() if offer["sku"] == sku]

    def available(self, offer: dict[str, Any]) -> int:
        """Units the offer can still sell: its own availableQuantity when it has one, else the item's."""
        if "availableQuantity" in offer:
            return int(offer["availableQuantity"])
        item = self.items.get(offer["sku"], {})
        return int(item.get("availability", {}).get("shipToLocationAvailability", {}).get("quantity", 0))

    def set_available(self, offer: dict[str, Any], quantity: int) -> None:
        if "availableQuantity" in offer:
            offer["availableQuantity"] = quantity
        ship = self.items.get(offer["sku"], {}).get("availability", {}).get("shipToLocationAvailability")
        if ship is not None:
            ship["quantity"] = quantity

    def settle(self, offer: dict[str, Any]) -> None:
        """A live listing with nothing left to sell ends, as a fixed-price listing at quantity 0 does."""
        if self.is_live(offer) and self.available(offer) <= 0:
            offer["listing"]["listingStatus"] = "ENDED"

    @staticmethod
    def is_live(offer: dict[str, Any]) -> bool:
        return bool(offer["status"] == "PUBLISHED" and offer.get("listing", {}).get("listingStatus") == "ACTIVE")

    def live_offer(self, sku: str) -> dict[str, Any] | None:
        return next((offer for offer in self.offers_of(sku) if self.is_live(offer)), None)

    def _create_offer(self, request: RecordedRequest) -> Reply:
        return Reply.json(*self.create_offer(request.json()))

    def create_offer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """createOffer, alone or in a bulk call: (201, {"offerId"}) or (400, eBay's error body)."""
        missing = [name for name in ("sku", "marketplaceId", "format") if not body.get(name)]
        if missing:
            return 400, error_body(25002, f"A user error has occurred. {', '.join(missing)} is required.")
        if body["sku"] not in self.items:
            return 400, error_body(25702, f"SKU {body['sku']} is not available in the system.")
        for offer in self.offers_of(body["sku"]):
            if (offer["marketplaceId"], offer["format"]) == (body["marketplaceId"], body["format"]):
                parameters = [{"name": "offerId", "value": offer["offerId"]}]
                return 400, error_body(25002, "Offer entity already exists", parameters=parameters)
        offer_id = str(5_000_000_000 + next(self._numbers))
        self.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        return 201, {"offerId": offer_id}

    def _get_offers(self, request: RecordedRequest) -> Reply:
        sku = request.query.get("sku")
        if not sku:
            return error_reply(400, 25707, "This is an invalid value for a SKU. Pass the sku query parameter.")
        if sku not in self.items:
            return error_reply(400, 25702, f"SKU {sku} is not available in the system.")
        offers = self.offers_of(sku)
        if not offers:
            return error_reply(404, 25713, "This Offer is not available.")
        return Reply.json(
            200,
            {
                "href": request.origin + request.path,
                "limit": 100,
                "size": len(offers),
                "total": len(offers),
                "offers": offers,
            },
        )

    def _get_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        if offer_id not in self.offers:
            return error_reply(404, 25713, "This Offer is not available.")
        return Reply.json(200, self.offers[offer_id])

    def _update_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        offer = self.offers.get(offer_id)
        if offer is None:
            return error_reply(404, 25713, "This Offer is not available.")
        keep: dict[str, Any] = {
            name: offer[name]
            for name in ("offerId", "sku", "marketplaceId", "format", "status", "listing")
            if name in offer
        }
        self.offers[offer_id] = {**request.json(), **keep}  # a full replace, like the inventory item
        self.settle(self.offers[offer_id])
        return Reply(204)

    def _delete_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        if self.offers.pop(offer_id, None) is None:
            return error_reply(404, 25713, "This Offer is not available.")
        return Reply(204)

    def _publish(self, request: RecordedRequest, offer_id: str) -> Reply:
        return Reply.json(*self.publish(offer_id))

    def publish(self, offer_id: str) -> tuple[int, dict[str, Any]]:
        """publishOffer, alone or in a bulk call: (200, {"listingId"}) or (4xx, eBay's error body)."""
        offer = self.offers.get(offer_id)
        if offer is None:
            return 404, error_body(25713, "This Offer is not available.")
        if self.is_live(offer):
            return 200, {"listingId": offer["listing"]["listingId"]}
        item = self.items.get(offer["sku"])
        if item is None:
            return 400, error_body(25702, f"SKU {offer['sku']} is not available in the system.")
        product = item.get("product", {})
        policies = offer.get("listingPolicies", {})
        needed = {
            "categoryId": offer.get("categoryId"),
            "listingPolicies.fulfillmentPolicyId": policies.get("fulfillmentPolicyId"),
            "listingPolicies.paymentPolicyId": policies.get("paymentPolicyId"),
            "listingPolicies.returnPolicyId": policies.get("returnPolicyId"),
            "merchantLocationKey": offer.get("merchantLocationKey"),
            "pricingSummary.price": offer.get("pricingSummary", {}).get("price", {}).get("value"),
            "product.title": product.get("title"),
            "product.imageUrls": product.get("imageUrls"),
            "product.description or listingDescription": product.get("description") or offer.get("listingDescription"),
            "condition": item.get("condition"),
        }
        missing = [name for name, value in needed.items() if not value]
        if missing:
            return 400, error_body(25002, f"A user error has occurred. Missing: {', '.join(missing)}.")
        if offer["categoryId"] in NOT_LEAF_CATEGORIES:
            category = f"{offer['categoryId']} ({NOT_LEAF_CATEGORIES[offer['categoryId']]})"
            message = f"The category {category} is not a leaf category. Choose one of its subcategories."
            return 400, error_body(25005, message, parameters=[{"name": "categoryId", "value": offer["categoryId"]}])
        if self.available(offer) <= 0:
            return 400, error_body(25002, "A user error has occurred. The available quantity must be greater than 0.")
        listing_id = str(110_000_000_000 + next(self._numbers))
        offer.update(
            status="PUBLISHED", listing={"listingId": listing_id, "listingStatus": "ACTIVE", "soldQuantity": 0}
        )
        return 200, {"listingId": listing_id}

    def _withdraw(self, request: RecordedRequest, offer_id: str) -> Reply:
        offer = self.offers.get(offer_id)
        if offer is None:
            return error_reply(404, 25713, "This Offer is not available.")
        if not self.is_live(offer):
            return error_reply(400, 25713, "This Offer is not available. It is not published.")
        offer["status"] = "UNPUBLISHED"
        offer["listing"]["listingStatus"] = "ENDED"
        return Reply.json(200, {"listingId": offer["listing"]["listingId"]})
