"""A stateful fake of Etsy's Open API v3 and Etsy's OAuth 2 (PKCE), on 127.0.0.1.

Requests and answers under /v3/application are validated against etsy_openapi_v3.json: listings and
their inventory (fake_etsy_listings), listing images (fake_etsy_images), receipts (fake_etsy_receipts),
the user and the shop (here). The OAuth pages (GET /oauth/connect, POST /v3/public/oauth/token:
fake_etsy_oauth), the x-api-key gateway checks and the rate-limit headers are not in that file: they
follow Etsy's docs as the specs README describes them, checked by hand.

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
    (deleteListingImage is served too: the images keep ranks 1..n)

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

import copy
import time
from itertools import count
from typing import Any

from tests.fakes.fake_etsy_formats import error_reply
from tests.fakes.fake_etsy_images import EtsyListingImages
from tests.fakes.fake_etsy_listings import APP, ETSY, SHOP, EtsyListings
from tests.fakes.fake_etsy_oauth import ACCESS_TTL, CONNECT_PATH, TOKEN_PATH, EtsyAuthServer
from tests.fakes.fake_etsy_receipts import EtsyReceipts
from tests.fakes.fake_server import FakeServer, Route, route
from tests.fakes.http_messages import RecordedRequest, Reply
from tests.fakes.oauth import TokenBook

LIMIT_PER_SECOND, LIMIT_PER_DAY = 10, 10_000
ALL_ASSOCIATIONS = ("skus", "Images", "Inventory")


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
        numbers = count(1)  # one series for listing, product, offering, image and receipt numbers
        self.catalogue = EtsyListings(shop_id, user_id, numbers)
        self.listing_images = EtsyListingImages(self.catalogue, numbers)
        self.sales = EtsyReceipts(self.catalogue, numbers, user_id)
        tokens = TokenBook(ACCESS_TTL, prefix=f"{user_id}.")  # Etsy's tokens start with the user id
        self.auth = EtsyAuthServer(keystring, tokens)
        self._second, self._in_second, self._today = 0, 0, 0
        super().__init__(tokens)

    @property
    def authorize_url(self) -> str:
        return self.base_url + CONNECT_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def api_key(self) -> str:
        return f"{self.keystring}:{self.shared_secret}"

    def routes(self) -> list[Route]:
        return [
            *self.catalogue.routes(),
            *self.listing_images.routes(),
            *self.sales.routes(),
            route("GET", f"{APP}/users/me", self._me, ETSY, needs_token=True),
            route("GET", SHOP, self._shop, ETSY),
            *self.auth.routes(),  # not in the OpenAPI file: Etsy's OAuth docs, checked by hand
        ]

    def issue_tokens(self) -> dict[str, Any]:
        return self.auth.issue()

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

    def fault_reply(self, status: int, headers: dict[str, str] | None) -> Reply:
        if status == 429:
            return Reply.json(
                429, {"error": "Exceeded per second rate limit"}, headers or {"retry-after": "1"}, checked=False
            )
        return Reply.json(
            status, {"error": "Internal server error" if status >= 500 else "Bad request"}, headers, checked=False
        )

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

    # ----- the user and the shop ------------------------------------------------------------------
    def _me(self, request: RecordedRequest) -> Reply:
        return Reply.json(200, {"user_id": self.user_id, "shop_id": self.shop_id})

    def _shop(self, request: RecordedRequest, shop_id: str) -> Reply:
        if int(shop_id) != self.shop_id:
            return error_reply(404, f"Could not find a Shop with shop_id = {shop_id}")
        active = sum(1 for listing in self.catalogue.listings.values() if listing["state"] == "active")
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

    # ----- test controls ----------------------------------------------------------------------------
    def sell(self, listing_id: int, quantity: int = 1, buyer: str = "buyer1") -> int:
        """A buyer pays for `quantity` of an active listing; at quantity 0 it is sold_out."""
        with self.lock:
            listing = self.catalogue.listings.get(listing_id)
            if listing is None or listing["state"] != "active" or listing["quantity"] < quantity:
                raise ValueError(f"listing {listing_id} is not active with {quantity} available")
            return self.sales.record_sale(listing, quantity, buyer)

    def sell_ignoring_stock(self, listing_id: int, quantity: int = 1, buyer: str = "buyer2") -> int:
        """A receipt even when the listing is not active or lacks stock: two buyers in the same instant."""
        with self.lock:
            return self.sales.record_sale(self.catalogue.listings[listing_id], quantity, buyer)

    def cancel_receipt(self, receipt_id: int) -> None:
        with self.lock:
            self.sales.cancel(receipt_id)

    def deactivate(self, listing_id: int) -> None:
        """The seller (or Etsy) deactivates the listing on Etsy's side: drift."""
        with self.lock:
            self.catalogue.touch(self.catalogue.listings[listing_id], "inactive")

    def listings(self, state: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            chosen = [
                listing for listing in self.catalogue.listings.values() if state is None or listing["state"] == state
            ]
            return [self.catalogue.public(listing, ALL_ASSOCIATIONS) for listing in chosen]

    def drafts(self) -> list[dict[str, Any]]:
        return self.listings("draft")

    def listing(self, listing_id: int) -> dict[str, Any] | None:
        with self.lock:
            listing = self.catalogue.listings.get(listing_id)
            return self.catalogue.public(listing, ALL_ASSOCIATIONS) if listing else None

    def images(self, listing_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.catalogue.images.get(listing_id, []))

    def receipts(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.sales.receipts)
