"""Etsy's listings in the fake Etsy: drafts, updates (going active), reads, deletion and inventory.

Validated against etsy_openapi_v3.json. The SKU, price and quantity live in the listing's inventory
(products and their offerings); FakeEtsy's docstring lists the choices the contract leaves open.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from tests.fakes.contracts import Contract
from tests.fakes.fake_etsy_formats import error_reply, money
from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply

ETSY = Contract("etsy_openapi_v3.json", "https://openapi.etsy.com")
APP = "/v3/application"
SHOP = rf"{APP}/shops/(?P<shop_id>\d+)"
LISTING = rf"{APP}/listings/(?P<listing_id>\d+)"
SHOP_LISTING = SHOP + r"/listings/(?P<listing_id>\d+)"
SHOP_LISTING_FIELDS = (  # ShopListing; getListing adds images/skus/inventory (ShopListingWithAssociations)
    "listing_id",
    "user_id",
    "shop_id",
    "title",
    "description",
    "state",
    "creation_timestamp",
    "created_timestamp",
    "ending_timestamp",
    "original_creation_timestamp",
    "last_modified_timestamp",
    "updated_timestamp",
    "state_timestamp",
    "quantity",
    "url",
    "num_favorers",
    "is_taxable",
    "is_customizable",
    "is_personalizable",
    "listing_type",
    "tags",
    "materials",
    "shipping_profile_id",
    "return_policy_id",
    "who_made",
    "when_made",
    "is_supply",
    "should_auto_renew",
    "has_variations",
    "price",
    "taxonomy_id",
    "language",
)


class EtsyListings:
    """The listings of shop `shop_id` (owned by `user_id`), each with its inventory and its images.
    `numbers` hands out the ids, shared with the rest of the fake."""

    def __init__(self, shop_id: int, user_id: int, numbers: Iterator[int]) -> None:
        self.shop_id, self.user_id = shop_id, user_id
        self.listings: dict[int, dict[str, Any]] = {}
        self.inventories: dict[int, dict[str, Any]] = {}
        self.images: dict[int, list[dict[str, Any]]] = {}  # ListingImage records by listing, in rank order
        self._numbers = numbers

    def routes(self) -> list[Route]:
        return [
            route("POST", SHOP + "/listings", self._create_draft, ETSY, needs_token=True),
            route("GET", SHOP + "/listings", self._listings_by_shop, ETSY, needs_token=True),
            route("PATCH", SHOP_LISTING, self._update_listing, ETSY, needs_token=True),
            route("GET", LISTING, self._get_listing, ETSY),
            route("DELETE", LISTING, self._delete_listing, ETSY, needs_token=True),
            route("GET", LISTING + "/inventory", self._get_inventory, ETSY, needs_token=True),
            route("PUT", LISTING + "/inventory", self._put_inventory, ETSY, needs_token=True),
        ]

    def own_shop(self, shop_id: str) -> Reply | None:
        return (
            None
            if int(shop_id) == self.shop_id
            else error_reply(403, "You do not have permission to access this shop.")
        )

    def public(self, listing: dict[str, Any], includes: tuple[str, ...] = ()) -> dict[str, Any]:
        """ShopListing; with `includes` (getListing, getListingsByShop) ShopListingWithAssociations."""
        body = {name: copy.deepcopy(listing[name]) for name in SHOP_LISTING_FIELDS if name in listing}
        inventory = self.inventories[listing["listing_id"]]
        if "skus" in includes or "Images" in includes or "Inventory" in includes:
            body["skus"] = [product["sku"] for product in inventory["products"] if product["sku"]]
        if "Images" in includes:
            body["images"] = copy.deepcopy(self.images[listing["listing_id"]])
        if "Inventory" in includes:
            body["inventory"] = copy.deepcopy(inventory)
        return body

    @staticmethod
    def _includes(request: RecordedRequest) -> tuple[str, ...]:
        return ("skus", *request.values("includes", in_query=True))  # skus come with every getListing

    def listing_or_404(self, listing_id: str) -> dict[str, Any] | Reply:
        listing = self.listings.get(int(listing_id))
        return (
            listing
            if listing is not None
            else error_reply(404, f"Could not find a Listing with listing_id = {listing_id}")
        )

    def shop_listing(self, shop_id: str, listing_id: str) -> dict[str, Any] | Reply:
        """A listing of the seller's own shop, or the refusal to answer (403 another shop, 404 no listing)."""
        return self.own_shop(shop_id) or self.listing_or_404(listing_id)

    def touch(self, listing: dict[str, Any], state: str | None = None) -> None:
        now = int(time.time())
        listing.update(last_modified_timestamp=now, updated_timestamp=now)
        if state is not None and state != listing["state"]:
            listing.update(state=state, state_timestamp=now)

    def _create_draft(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self.own_shop(shop_id):
            return refused
        form = request.form()
        if not 1 <= int(form["quantity"]) <= 999:
            return error_reply(400, "quantity must be between 1 and 999.")
        if Decimal(form["price"]) < Decimal("0.20"):
            return error_reply(400, "price must be at least 0.20.")
        now = int(time.time())
        listing_id = 1_500_000_000 + next(self._numbers)
        listing: dict[str, Any] = {
            "listing_id": listing_id,
            "user_id": self.user_id,
            "shop_id": self.shop_id,
            "title": form["title"],
            "description": form["description"],
            "state": "draft",
            "quantity": int(form["quantity"]),
            "price": money(form["price"]),
            "who_made": form["who_made"],
            "when_made": form["when_made"],
            "taxonomy_id": int(form["taxonomy_id"]),
            "creation_timestamp": now,
            "created_timestamp": now,
            "original_creation_timestamp": now,
            "last_modified_timestamp": now,
            "updated_timestamp": now,
            "state_timestamp": now,
            "ending_timestamp": now + 120 * 86400,
            "url": f"https://www.etsy.com/listing/{listing_id}",
            "num_favorers": 0,
            "is_taxable": True,
            "is_customizable": False,
            "is_personalizable": False,
            "listing_type": form.get("type", "physical"),
            "tags": request.values("tags"),
            "materials": request.values("materials"),
            "is_supply": False,
            "should_auto_renew": False,
            "has_variations": False,
            "language": "en-US",
            "shipping_profile_id": int(form["shipping_profile_id"]) if form.get("shipping_profile_id") else None,
            "return_policy_id": int(form["return_policy_id"]) if form.get("return_policy_id") else None,
        }
        self.listings[listing_id] = listing
        self.images[listing_id] = []
        offering = {
            "offering_id": next(self._numbers),
            "quantity": listing["quantity"],
            "is_enabled": True,
            "is_deleted": False,
            "price": listing["price"],
        }
        product = {
            "product_id": next(self._numbers),
            "sku": "",
            "is_deleted": False,
            "offerings": [offering],
            "property_values": [],
        }
        self.inventories[listing_id] = {
            "products": [product],
            "price_on_property": [],
            "quantity_on_property": [],
            "sku_on_property": [],
        }
        return Reply.json(201, self.public(listing))

    def _update_listing(self, request: RecordedRequest, shop_id: str, listing_id: str) -> Reply:
        listing = self.shop_listing(shop_id, listing_id)
        if isinstance(listing, Reply):
            return listing
        form = request.form()
        if form.get("state") == "active":
            if not self.images[listing["listing_id"]]:
                return error_reply(400, "A listing needs at least one image before it can be activated.")
            if listing["quantity"] <= 0:
                return error_reply(400, "A listing needs a quantity of at least 1 before it can be activated.")
        for name in ("title", "description", "who_made", "when_made"):
            if name in form:
                listing[name] = form[name]
        for name in ("taxonomy_id", "shipping_profile_id", "return_policy_id"):
            if form.get(name):
                listing[name] = int(form[name])
        for name in ("tags", "materials"):
            if name in form:
                listing[name] = request.values(name)
        self.touch(listing, form.get("state"))
        return Reply.json(200, self.public(listing))

    def _get_listing(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self.listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        return Reply.json(200, self.public(listing, self._includes(request)))

    def _delete_listing(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self.listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        for store in (self.listings, self.images, self.inventories):
            del store[listing["listing_id"]]
        return Reply(204)

    def _listings_by_shop(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self.own_shop(shop_id):
            return refused
        state = request.query.get("state", "active")
        limit, offset = int(request.query.get("limit", "25")), int(request.query.get("offset", "0"))
        if not 1 <= limit <= 100 or offset < 0:
            return error_reply(400, "limit must be between 1 and 100 and offset at least 0")
        found = [listing for listing in self.listings.values() if listing["state"] == state]
        page = [self.public(listing, self._includes(request)) for listing in found[offset : offset + limit]]
        return Reply.json(200, {"count": len(found), "results": page})

    def _get_inventory(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self.listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        return Reply.json(200, self.inventories[listing["listing_id"]])

    def _put_inventory(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self.listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        body = request.json()
        products: list[dict[str, Any]] = []
        for sent in body["products"]:
            offerings = [
                {
                    "offering_id": next(self._numbers),
                    "quantity": offering["quantity"],
                    "is_enabled": offering["is_enabled"],
                    "is_deleted": False,
                    "price": money(offering["price"]),
                }
                for offering in sent["offerings"]
            ]
            if any(offering["quantity"] < 0 or offering["quantity"] > 999 for offering in offerings):
                return error_reply(400, "Offering quantity must be between 0 and 999.")
            if not offerings:
                return error_reply(400, "Each product needs at least one offering.")
            sku = sent.get("sku") or ""
            product = {
                "product_id": next(self._numbers),
                "sku": sku,
                "is_deleted": False,
                "offerings": offerings,
                "property_values": [],
            }
            products.append(product)
        if not products:
            return error_reply(400, "products must not be empty.")
        inventory: dict[str, Any] = {
            "products": products,
            **{name: body.get(name, []) for name in ("price_on_property", "quantity_on_property", "sku_on_property")},
        }
        self.inventories[listing["listing_id"]] = inventory
        enabled = [offering for product in products for offering in product["offerings"] if offering["is_enabled"]]
        listing["quantity"] = sum(offering["quantity"] for offering in enabled)
        listing["price"] = enabled[0]["price"] if enabled else listing["price"]
        self.touch(listing, "sold_out" if listing["state"] == "active" and listing["quantity"] == 0 else None)
        return Reply.json(200, inventory)
