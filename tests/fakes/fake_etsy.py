"""A stateful fake of Etsy's Open API v3 and Etsy's OAuth 2 (PKCE), on 127.0.0.1.

Requests and answers under /v3/application are validated against etsy_openapi_v3.json. The OAuth
pages (GET /oauth/connect, POST /v3/public/oauth/token), the x-api-key gateway checks and the
rate-limit headers are not in that file: they follow Etsy's docs as the specs README describes them,
checked by hand.

Public API (kept stable for the adapter and sync-engine tests):
    FakeEtsy(keystring=..., shared_secret=..., shop_id=..., user_id=..., shop_name=...)
    .base_url (API base)  .authorize_url  .token_url  .api_key ("keystring:shared_secret")
    .requests  .validation_errors  .stop()  .inject(...)  .clear_faults()   (see FakeServer.inject)
    .grant_tokens() -> {"access_token", "refresh_token", "expires_in"}
    .expire_access_tokens()  .revoke_refresh_tokens()
    .sell(listing_id, quantity=1, buyer="buyer1") -> receipt_id   (an active listing only; 0 left: sold_out)
    .sell_ignoring_stock(listing_id, quantity=1, buyer="buyer2") -> receipt_id   (oversold)
    .cancel_receipt(receipt_id)  .deactivate(listing_id)   (drift: inactive on Etsy's side)
    .listings(state=None) -> list[dict]  .drafts() -> list[dict]  .listing(listing_id) -> dict | None
    .images(listing_id) -> list[dict]  .receipts() -> list[dict]

Behaviour the contract leaves open, as chosen here (from Etsy's docs):
- x-api-key missing: 403 {"error": "Missing x-api-key header."} (and recorded: the contract requires it);
  without ":<shared secret>": 403 "Shared secret is required in x-api-key header."; wrong: 403.
- A missing bearer where the contract needs one is recorded and answered 401; an unknown or expired
  one 401 {"error": "invalid_token"}.
- PATCH state=active needs at least one image and a quantity above 0 (400 otherwise).
- The SKU lives in the inventory's products (updateListingInventory) and reads back as the listing's
  `skus`; quantity and price too (updateListing has neither). A draft starts with one product, no SKU.
- Inventory quantity 0 on an active listing makes it sold_out; a sold_out listing with stock again
  stays sold_out until PATCH state=active (Etsy's renew).
- Receipt timestamps are whole seconds: poll with min_last_modified a little in the past.
- Refreshing rotates the refresh token: the old one stops working at once.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import time
from decimal import Decimal
from itertools import count
from typing import Any
from urllib.parse import urlencode

from tests.fakes.http_server import (
    Contract,
    FakeServer,
    RecordedRequest,
    Reply,
    Route,
    TokenBook,
    parse_multipart,
    route,
)

ETSY = Contract("etsy_openapi_v3.json", "https://openapi.etsy.com")
APP = "/v3/application"
ACCESS_TTL = 3600
LIMIT_PER_SECOND, LIMIT_PER_DAY = 10, 10_000
ALL_ASSOCIATIONS = ("skus", "Images", "Inventory")
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


def _error(status: int, text: str) -> Reply:
    return Reply.json(status, {"error": text})


def _money(amount: Decimal | float | str) -> dict[str, Any]:
    return {"amount": int((Decimal(str(amount)) * 100).to_integral_value()), "divisor": 100, "currency_code": "USD"}


class FakeEtsy(FakeServer):
    platform = "etsy"

    def __init__(
        self,
        keystring: str = "fakeetsykeystring0123456",
        shared_secret: str = "fakesecret01",
        shop_id: int = 40_123_456,
        user_id: int = 70_123_456,
        shop_name: str = "FakeResellerShop",
    ) -> None:
        self.keystring, self.shared_secret = keystring, shared_secret
        self.shop_id, self.user_id, self.shop_name = shop_id, user_id, shop_name
        self._listings: dict[int, dict[str, Any]] = {}
        self._inventories: dict[int, dict[str, Any]] = {}
        self._images: dict[int, list[dict[str, Any]]] = {}
        self._receipts: list[dict[str, Any]] = []
        self._codes: dict[str, dict[str, str]] = {}  # authorization code -> what it was issued for
        self._numbers = count(1)
        self._second, self._in_second, self._today = 0, 0, 0
        self.tokens = TokenBook(ACCESS_TTL, prefix=f"{user_id}.")  # Etsy's tokens start with the user id
        super().__init__()

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth/connect"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/v3/public/oauth/token"

    @property
    def api_key(self) -> str:
        return f"{self.keystring}:{self.shared_secret}"

    def routes(self) -> list[Route]:
        shop = rf"{APP}/shops/(?P<shop_id>\d+)"
        listing = rf"{APP}/listings/(?P<listing_id>\d+)"
        return [
            route("POST", shop + "/listings", self._create_draft, ETSY, needs_token=True),
            route("GET", shop + "/listings", self._listings_by_shop, ETSY, needs_token=True),
            route("PATCH", shop + r"/listings/(?P<listing_id>\d+)", self._update_listing, ETSY, needs_token=True),
            route("POST", shop + r"/listings/(?P<listing_id>\d+)/images", self._upload_image, ETSY, needs_token=True),
            route("GET", listing, self._get_listing, ETSY),
            route("DELETE", listing, self._delete_listing, ETSY, needs_token=True),
            route("GET", listing + "/images", self._get_images, ETSY),
            route("GET", listing + "/inventory", self._get_inventory, ETSY, needs_token=True),
            route("PUT", listing + "/inventory", self._put_inventory, ETSY, needs_token=True),
            route("GET", shop + "/receipts", self._get_receipts, ETSY, needs_token=True),
            route("GET", f"{APP}/users/me", self._me, ETSY, needs_token=True),
            route("GET", shop, self._shop, ETSY),
            # Not in the OpenAPI file: Etsy's OAuth docs, checked by hand.
            route("GET", "/oauth/connect", self._connect),
            route("POST", "/v3/public/oauth/token", self._token),
        ]

    # ----- platform answers -------------------------------------------------------------------------
    def gateway(self, request: RecordedRequest) -> Reply | None:
        if not request.path.startswith(APP):
            return None
        key = request.headers.get("x-api-key")
        if key is None:
            self.record(f"{request.method} {request.path}: no x-api-key header")
            return Reply.json(403, {"error": "Missing x-api-key header."}, checked=False)
        keystring, _, secret = key.partition(":")
        if keystring == self.keystring and not secret:
            return Reply.json(403, {"error": "Shared secret is required in x-api-key header."}, checked=False)
        if (keystring, secret) != (self.keystring, self.shared_secret):
            return Reply.json(403, {"error": "Invalid API key or shared secret."}, checked=False)
        return None

    def check_token(self, request: RecordedRequest) -> Reply | None:
        if self.tokens.access_state(request.bearer()) == "valid":
            return None
        return Reply.json(401, {"error": "invalid_token"}, checked=False)

    def refuse_contract(self, request: RecordedRequest, errors: list[str], security: bool) -> Reply:
        if security:
            return Reply.json(401, {"error": "invalid_token"}, checked=False)
        return Reply.json(400, {"error": "; ".join(errors)}, checked=False)

    def not_found(self, request: RecordedRequest) -> Reply:
        self.record(f"{request.method} {request.path}: no such Etsy endpoint")
        return Reply.json(404, {"error": "Resource not found"}, checked=False)

    def fault_reply(self, status: int, body: bytes | None, headers: dict[str, str] | None) -> Reply:
        if body is None:
            if status == 429:
                return Reply.json(
                    429, {"error": "Exceeded per second rate limit"}, headers or {"retry-after": "1"}, checked=False
                )
            return Reply.json(
                status, {"error": "Internal server error" if status >= 500 else "Bad request"}, headers, checked=False
            )
        return Reply(status, body, {"Content-Type": "application/json", **(headers or {})}, checked=False)

    def decorate(self, request: RecordedRequest, reply: Reply) -> Reply:
        if request.path.startswith(APP):
            with self.lock:
                now = int(time.time())
                self._in_second = self._in_second + 1 if now == self._second else 1
                self._second, self._today = now, self._today + 1
                reply.headers.update(
                    {
                        "x-limit-per-second": str(LIMIT_PER_SECOND),
                        "x-remaining-this-second": str(max(0, LIMIT_PER_SECOND - self._in_second)),
                        "x-limit-per-day": str(LIMIT_PER_DAY),
                        "x-remaining-today": str(max(0, LIMIT_PER_DAY - self._today)),
                    }
                )
        return reply

    # ----- listings ---------------------------------------------------------------------------------
    def _own_shop(self, shop_id: str) -> Reply | None:
        return None if int(shop_id) == self.shop_id else _error(403, "You do not have permission to access this shop.")

    def _public(self, listing: dict[str, Any], includes: tuple[str, ...] = ()) -> dict[str, Any]:
        """ShopListing; with `includes` (getListing, getListingsByShop) ShopListingWithAssociations."""
        body = {name: copy.deepcopy(listing[name]) for name in SHOP_LISTING_FIELDS if name in listing}
        inventory = self._inventories[listing["listing_id"]]
        if "skus" in includes or "Images" in includes or "Inventory" in includes:
            body["skus"] = [product["sku"] for product in inventory["products"] if product["sku"]]
        if "Images" in includes:
            body["images"] = copy.deepcopy(self._images[listing["listing_id"]])
        if "Inventory" in includes:
            body["inventory"] = copy.deepcopy(inventory)
        return body

    @staticmethod
    def _includes(request: RecordedRequest) -> tuple[str, ...]:
        return ("skus", *request.values("includes", in_query=True))  # skus come with every getListing

    def _create_draft(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self._own_shop(shop_id):
            return refused
        form = request.form()
        if not 1 <= int(form["quantity"]) <= 999:
            return _error(400, "quantity must be between 1 and 999.")
        if Decimal(form["price"]) < Decimal("0.20"):
            return _error(400, "price must be at least 0.20.")
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
            "price": _money(form["price"]),
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
        self._listings[listing_id] = listing
        self._images[listing_id] = []
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
        self._inventories[listing_id] = {
            "products": [product],
            "price_on_property": [],
            "quantity_on_property": [],
            "sku_on_property": [],
        }
        return Reply.json(201, self._public(listing))

    def _listing_or_404(self, listing_id: str) -> dict[str, Any] | Reply:
        listing = self._listings.get(int(listing_id))
        return (
            listing if listing is not None else _error(404, f"Could not find a Listing with listing_id = {listing_id}")
        )

    def _touch(self, listing: dict[str, Any], state: str | None = None) -> None:
        now = int(time.time())
        listing.update(last_modified_timestamp=now, updated_timestamp=now)
        if state is not None and state != listing["state"]:
            listing.update(state=state, state_timestamp=now)

    def _update_listing(self, request: RecordedRequest, shop_id: str, listing_id: str) -> Reply:
        if refused := self._own_shop(shop_id):
            return refused
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        form = request.form()
        if form.get("state") == "active":
            if not self._images[listing["listing_id"]]:
                return _error(400, "A listing needs at least one image before it can be activated.")
            if listing["quantity"] <= 0:
                return _error(400, "A listing needs a quantity of at least 1 before it can be activated.")
        for name in ("title", "description", "who_made", "when_made"):
            if name in form:
                listing[name] = form[name]
        for name in ("taxonomy_id", "shipping_profile_id", "return_policy_id"):
            if form.get(name):
                listing[name] = int(form[name])
        for name in ("tags", "materials"):
            if name in form:
                listing[name] = request.values(name)
        self._touch(listing, form.get("state"))
        return Reply.json(200, self._public(listing))

    def _upload_image(self, request: RecordedRequest, shop_id: str, listing_id: str) -> Reply:
        if refused := self._own_shop(shop_id):
            return refused
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        part = parse_multipart(request.body, request.content_type).get("image")
        if part is None or part.filename is None or not part.data:
            return _error(400, "An image file (multipart field 'image') is required.")
        images = self._images[listing["listing_id"]]
        image_id = 4_000_000_000 + next(self._numbers)
        base = f"https://i.etsystatic.com/{self.shop_id}/r/il/{image_id:x}/{image_id}/il_"
        image = {
            "listing_id": listing["listing_id"],
            "listing_image_id": image_id,
            "created_timestamp": int(time.time()),
            "creation_tsz": int(time.time()),
            "rank": len(images) + 1,
            "url_75x75": base + "75x75.jpg",
            "url_170x135": base + "170x135.jpg",
            "url_570xN": base + "570xN.jpg",
            "url_fullxfull": base + "fullxfull.jpg",
            "alt_text": None,
        }
        images.append(image)
        self._touch(listing)
        return Reply.json(201, image)

    def _get_images(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        images = self._images[listing["listing_id"]]
        return Reply.json(200, {"count": len(images), "results": images})

    def _get_listing(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        return Reply.json(200, self._public(listing, self._includes(request)))

    def _delete_listing(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        for store in (self._listings, self._images, self._inventories):
            del store[listing["listing_id"]]
        return Reply(204)

    def _listings_by_shop(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self._own_shop(shop_id):
            return refused
        state = request.query.get("state", "active")
        limit, offset = int(request.query.get("limit", "25")), int(request.query.get("offset", "0"))
        if not 1 <= limit <= 100 or offset < 0:
            return _error(400, "limit must be between 1 and 100 and offset at least 0")
        found = [listing for listing in self._listings.values() if listing["state"] == state]
        page = [self._public(listing, self._includes(request)) for listing in found[offset : offset + limit]]
        return Reply.json(200, {"count": len(found), "results": page})

    def _get_inventory(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self._listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        return Reply.json(200, self._inventories[listing["listing_id"]])

    def _put_inventory(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self._listing_or_404(listing_id)
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
                    "price": _money(offering["price"]),
                }
                for offering in sent["offerings"]
            ]
            if any(offering["quantity"] < 0 or offering["quantity"] > 999 for offering in offerings):
                return _error(400, "Offering quantity must be between 0 and 999.")
            if not offerings:
                return _error(400, "Each product needs at least one offering.")
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
            return _error(400, "products must not be empty.")
        inventory: dict[str, Any] = {
            "products": products,
            **{name: body.get(name, []) for name in ("price_on_property", "quantity_on_property", "sku_on_property")},
        }
        self._inventories[listing["listing_id"]] = inventory
        enabled = [offering for product in products for offering in product["offerings"] if offering["is_enabled"]]
        listing["quantity"] = sum(offering["quantity"] for offering in enabled)
        listing["price"] = enabled[0]["price"] if enabled else listing["price"]
        self._touch(listing, "sold_out" if listing["state"] == "active" and listing["quantity"] == 0 else None)
        return Reply.json(200, inventory)

    # ----- receipts, user, shop ---------------------------------------------------------------------
    def _get_receipts(self, request: RecordedRequest, shop_id: str) -> Reply:
        if refused := self._own_shop(shop_id):
            return refused
        query = request.query
        limit, offset = int(query.get("limit", "25")), int(query.get("offset", "0"))
        if not 1 <= limit <= 100 or offset < 0:
            return _error(400, "limit must be between 1 and 100 and offset at least 0")
        window = {  # query parameter -> (receipt field, whether the bound is a minimum)
            "min_last_modified": ("updated_timestamp", True),
            "max_last_modified": ("updated_timestamp", False),
            "min_created": ("created_timestamp", True),
            "max_created": ("created_timestamp", False),
        }
        found = self._receipts
        for name, (field_name, is_minimum) in window.items():
            if name in query:
                bound = int(query[name])
                found = [r for r in found if (r[field_name] >= bound if is_minimum else r[field_name] <= bound)]
        found = sorted(found, key=lambda receipt: receipt["created_timestamp"], reverse=True)  # Etsy's default
        return Reply.json(200, {"count": len(found), "results": found[offset : offset + limit]})

    def _me(self, request: RecordedRequest) -> Reply:
        return Reply.json(200, {"user_id": self.user_id, "shop_id": self.shop_id})

    def _shop(self, request: RecordedRequest, shop_id: str) -> Reply:
        if int(shop_id) != self.shop_id:
            return _error(404, f"Could not find a Shop with shop_id = {shop_id}")
        active = sum(1 for listing in self._listings.values() if listing["state"] == "active")
        body = {
            "shop_id": self.shop_id,
            "user_id": self.user_id,
            "shop_name": self.shop_name,
            "currency_code": "USD",
            "url": f"https://www.etsy.com/shop/{self.shop_name}",
            "listing_active_count": active,
            "is_vacation": False,
        }
        return Reply.json(200, body)

    # ----- OAuth 2 with PKCE (Etsy's docs; not in the OpenAPI file) -----------------------------
    def _connect(self, request: RecordedRequest) -> Reply:
        """Etsy's consent page, approved at once: redirects to redirect_uri with the code and state."""
        query = request.query
        problem = (
            "response_type must be code"
            if query.get("response_type") != "code"
            else "unknown client_id"
            if query.get("client_id") != self.keystring
            else "redirect_uri is required"
            if not query.get("redirect_uri")
            else "scope is required"
            if not query.get("scope")
            else "state is required"
            if not query.get("state")
            else "code_challenge_method must be S256"
            if query.get("code_challenge_method") != "S256"
            else "code_challenge is required"
            if not query.get("code_challenge")
            else None
        )
        if problem:
            return Reply.json(400, {"error": "invalid_request", "error_description": problem}, checked=False)
        code = secrets.token_urlsafe(32)
        self._codes[code] = {"redirect_uri": query["redirect_uri"], "challenge": query["code_challenge"]}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        return Reply.redirect(f"{query['redirect_uri']}{separator}{urlencode({'code': code, 'state': query['state']})}")

    def _token(self, request: RecordedRequest) -> Reply:
        def refuse(error: str, description: str, status: int = 400) -> Reply:
            return Reply.json(status, {"error": error, "error_description": description}, checked=False)

        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return refuse("invalid_request", "send an application/x-www-form-urlencoded body")
        form = request.form()
        if form.get("client_id") != self.keystring:
            return refuse("invalid_client", "unknown client_id", 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = self._codes.pop(form.get("code", ""), None)  # a code works once
            if issued is None:
                return refuse("invalid_grant", "code is invalid or was already used")
            if form.get("redirect_uri") != issued["redirect_uri"]:
                return refuse("invalid_grant", "redirect_uri does not match the authorization request")
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != issued["challenge"]:
                return refuse("invalid_grant", "code_verifier does not match the code_challenge")
        elif grant == "refresh_token":
            if not self.tokens.refresh_is_valid(form.get("refresh_token", "")):
                return refuse("invalid_grant", "refresh_token is invalid, expired or revoked")
            self.tokens.retire_refresh(form["refresh_token"])  # rotated: the old one stops working
        else:
            return refuse("unsupported_grant_type", "grant_type is authorization_code or refresh_token")
        return Reply.json(200, self._issue(), checked=False)

    def _issue(self) -> dict[str, Any]:
        access, refresh = self.tokens.issue_access(), self.tokens.issue_refresh()
        return {"access_token": access, "token_type": "Bearer", "expires_in": ACCESS_TTL, "refresh_token": refresh}

    # ----- test controls ----------------------------------------------------------------------------
    def grant_tokens(self) -> dict[str, Any]:
        """A valid token pair without the consent dance, for tests that are not about OAuth."""
        with self.lock:
            tokens = self._issue()
        return {name: tokens[name] for name in ("access_token", "refresh_token", "expires_in")}

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.tokens.expire_all_access()

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.tokens.revoke_all_refresh()

    def sell(self, listing_id: int, quantity: int = 1, buyer: str = "buyer1") -> int:
        """A buyer pays for `quantity` of an active listing; at quantity 0 it is sold_out."""
        with self.lock:
            listing = self._listings.get(listing_id)
            if listing is None or listing["state"] != "active" or listing["quantity"] < quantity:
                raise ValueError(f"listing {listing_id} is not active with {quantity} available")
            return self._receipt(listing, quantity, buyer)

    def sell_ignoring_stock(self, listing_id: int, quantity: int = 1, buyer: str = "buyer2") -> int:
        """A receipt even when the listing is not active or lacks stock: two buyers in the same instant."""
        with self.lock:
            return self._receipt(self._listings[listing_id], quantity, buyer)

    def _receipt(self, listing: dict[str, Any], quantity: int, buyer: str) -> int:
        now = int(time.time())
        receipt_id, buyer_id = 3_000_000_000 + next(self._numbers), 90_000_000 + sum(map(ord, buyer))
        inventory = self._inventories[listing["listing_id"]]
        product = inventory["products"][0]
        unit = listing["price"]
        total = {**unit, "amount": unit["amount"] * quantity}
        transaction = {
            "transaction_id": 2_000_000_000 + next(self._numbers),
            "title": listing["title"],
            "description": listing["description"],
            "seller_user_id": self.user_id,
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
            "shipping_cost": _money(0),
            "variations": [],
            "product_data": [],
        }
        self._receipts.append(
            {
                "receipt_id": receipt_id,
                "receipt_type": 0,
                "seller_user_id": self.user_id,
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
                "total_shipping_cost": _money(0),
                "total_tax_cost": _money(0),
                "transactions": [transaction],
            }
        )
        left = max(0, listing["quantity"] - quantity)
        listing["quantity"] = product["offerings"][0]["quantity"] = left
        self._touch(listing, "sold_out" if listing["state"] == "active" and left == 0 else None)
        return receipt_id

    def cancel_receipt(self, receipt_id: int) -> None:
        with self.lock:
            receipt = next(receipt for receipt in self._receipts if receipt["receipt_id"] == receipt_id)
            now = int(time.time())
            receipt.update(status="canceled", update_timestamp=now, updated_timestamp=now)

    def deactivate(self, listing_id: int) -> None:
        """The seller (or Etsy) deactivates the listing on Etsy's side: drift."""
        with self.lock:
            self._touch(self._listings[listing_id], "inactive")

    def listings(self, state: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            chosen = [listing for listing in self._listings.values() if state is None or listing["state"] == state]
            return [self._public(listing, ALL_ASSOCIATIONS) for listing in chosen]

    def drafts(self) -> list[dict[str, Any]]:
        return self.listings("draft")

    def listing(self, listing_id: int) -> dict[str, Any] | None:
        with self.lock:
            listing = self._listings.get(listing_id)
            return self._public(listing, ALL_ASSOCIATIONS) if listing else None

    def images(self, listing_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._images.get(listing_id, []))

    def receipts(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._receipts)
