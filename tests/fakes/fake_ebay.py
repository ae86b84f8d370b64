"""A stateful fake of eBay's Sell Inventory + Fulfillment APIs and eBay's OAuth, on 127.0.0.1.

Requests and answers of the Sell APIs are validated against ebay_sell_inventory_v1_oas3.json
(fake_ebay_inventory, and its bulk calls in fake_ebay_bulk) and ebay_sell_fulfillment_v1_oas3.json
(fake_ebay_orders). The rest is not in
those files and follows eBay's docs (as the specs README describes them), checked by hand: the token
endpoint, the consent and accept pages (fake_ebay_oauth), Commerce Identity's getUser and the Media
API's image upload (here). All are served on one host here; eBay serves getUser on apiz.ebay.com and
the Media API on apim.ebay.com.

Public API (kept stable for the adapter and sync-engine tests):
    FakeEbay(client_id=..., client_secret=..., ru_name=..., username=..., currency="USD",
             latency=0.0, requests_per_second=None, validate=True)
             (load: every answer after `latency` s, 429 beyond the rate, contract checks off if asked)
    .base_url  .authorize_url  .token_url  .accept_url  .requests  .validation_errors  .stop()
    .received_at (when each request arrived)  .arrivals(method, path_regex)  .throttled (429s given)
    .inject(method, path_regex, *, status, body, headers, delay, drop, times)  .clear_faults()   (FakeServer)
    .grant_tokens() -> {"access_token", "refresh_token", "expires_in"}
    .expire_access_tokens()  .revoke_refresh_tokens()
    .sell(sku, quantity=1, buyer="buyer1") -> order_id         (a live listing only; lowers its quantity)
    .sell_ignoring_stock(sku, quantity=1, buyer="buyer2") -> order_id   (oversold: even when ended)
    .cancel_order(order_id)  .end_listing(sku)  .live_skus() -> list[str]
    .offer_for(sku) -> dict | None  .inventory_item(sku) -> dict | None  .orders() -> list[dict]
    .uploaded_images() -> dict[image_id, bytes]
    .items (inventory items by SKU)  .offers (offers by offerId): the fake's own state, not copies
    FakeEbay.error_body(error_id, message, ...) -> dict   (for inject(..., body=...), e.g. 25025)

Behaviour the contracts leave open, as chosen here (from eBay's docs and public client code):
- An offer is live when status is PUBLISHED and listing.listingStatus is ACTIVE. withdrawOffer makes
  it UNPUBLISHED with listingStatus ENDED; end_listing() and selling the last unit leave it PUBLISHED
  with listingStatus ENDED. Publishing a live offer answers its listingId again; publishing an ended
  or withdrawn one lists it anew under a new listingId.
- withdrawOffer on an offer that is not live answers 400 errorId 25713 ("This Offer is not available").
- getOffers needs ?sku= (400 errorId 25707 without it, as eBay does); a SKU without offers answers
  404 errorId 25713; a SKU without an inventory item 400 errorId 25702.
- createOffer needs the inventory item; a second offer for sku + marketplaceId + format answers 400
  errorId 25002 "Offer entity already exists" with parameters [{"name": "offerId", "value": ...}].
- getInventoryItems' offset is a page number, as the contract says (not a record offset): follow `next`.
- publishOffer's missing-field errors are errorId 25002 too (as eBay's are): look for the offerId
  parameter, not the errorId, to recognise a duplicate. Publishing in a top-level category (267 Books
  & Magazines, 550 Art, 11116 Coins & Paper Money) answers 400 errorId 25005 "not a leaf category".
- The bulk calls answer 200 when every entry succeeded, else 207, with one response per entry.
- The Media API's createImageFromFile answers 201 with the image's address in Location and, as eBay's
  image guide says, the picture URL (imageUrl, expirationDate) in the body; getImage gives it again.
- Beyond `requests_per_second` (a token bucket of one second's calls) a call is refused with 429
  errorId 2001 and no Retry-After, as eBay's quota answer; nothing is done.
"""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from tests.fakes import fake_ebay_formats
from tests.fakes.fake_ebay_bulk import EbayBulk
from tests.fakes.fake_ebay_formats import iso
from tests.fakes.fake_ebay_inventory import EbayInventory
from tests.fakes.fake_ebay_oauth import ACCEPT_PATH, ACCESS_TTL, AUTHORIZE_PATH, TOKEN_PATH, EbayAuthServer
from tests.fakes.fake_ebay_orders import EbayOrders
from tests.fakes.fake_server import FakeServer, Route, route
from tests.fakes.http_messages import RecordedRequest, Reply, parse_multipart
from tests.fakes.oauth import TokenBook

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM")
MEDIA = "/commerce/media/v1_beta/image"


class FakeEbay(FakeServer):
    platform = "ebay"
    error_body = staticmethod(fake_ebay_formats.error_body)  # for inject(..., body=FakeEbay.error_body(...))

    def __init__(
        self,
        client_id: str = "FakeSell-RDApp-PRD-0123456789",
        client_secret: str = "PRD-fake-ebay-client-secret",
        ru_name: str = "Fake_Seller-FakeSell-RDApp-abcdefg",
        username: str = "fake_seller",
        currency: str = "USD",
        *,
        latency: float = 0.0,
        requests_per_second: float | None = None,
        validate: bool = True,
    ) -> None:
        self.client_id, self.client_secret, self.ru_name = client_id, client_secret, ru_name
        self.username, self.user_id, self.currency = username, "fakeuser" + secrets.token_hex(4), currency
        numbers = count(1)  # one series for offer, listing and order numbers
        self.inventory = EbayInventory(numbers)
        self.sales = EbayOrders(self.inventory, numbers, username, currency)
        tokens = TokenBook(ACCESS_TTL, prefix="v^1.1#i^1#")
        self.auth = EbayAuthServer(client_id, client_secret, ru_name, tokens)
        self.bulk = EbayBulk(self.inventory)
        self._media: dict[str, bytes] = {}  # Media API image id -> the uploaded file
        super().__init__(tokens, latency=latency, requests_per_second=requests_per_second, validate=validate)

    # ----- addresses and state ----------------------------------------------------------------------
    @property
    def authorize_url(self) -> str:
        return self.base_url + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def accept_url(self) -> str:
        return self.base_url + ACCEPT_PATH

    @property
    def items(self) -> dict[str, dict[str, Any]]:
        """Inventory items by SKU: the fake's own state (a test may change it to break the contract)."""
        return self.inventory.items

    @property
    def offers(self) -> dict[str, dict[str, Any]]:
        """Offers by offerId: the fake's own state (a test may change it to break the contract)."""
        return self.inventory.offers

    def routes(self) -> list[Route]:
        return [
            *self.inventory.routes(),
            *self.bulk.routes(),
            *self.sales.routes(),
            *self.auth.routes(),
            # Not in the OpenAPI files: eBay's docs, checked by hand.
            route("GET", "/commerce/identity/v1/user/", self._user, needs_token=True),
            route("POST", MEDIA + "/create_image_from_file", self._upload_image, needs_token=True),
            route("GET", MEDIA + r"/(?P<image_id>[^/]+)", self._get_image, needs_token=True),
        ]

    def issue_tokens(self) -> dict[str, Any]:
        return self.auth.issue(with_refresh=True)

    # ----- platform answers -------------------------------------------------------------------------
    def check_token(self, request: RecordedRequest) -> Reply | None:
        state = self.tokens.access_state(request.bearer())
        if state == "valid":
            return None
        long = "Invalid access token. Check the value of the Authorization HTTP request header."
        body = self.error_body(1001, "Invalid access token", domain="OAuth", long_message=long)
        return Reply.json(401, body, checked=False)

    def refuse_contract(self, request: RecordedRequest, errors: list[str], security: bool) -> Reply:
        if security:
            return self.check_token(request) or Reply(401, checked=False)
        body = self.error_body(2004, "Invalid request", domain="ACCESS", long_message="; ".join(errors))
        return Reply.json(400, body, checked=False)

    def not_found(self, request: RecordedRequest) -> Reply:
        self.record(f"{request.method} {request.path}: no such eBay endpoint")
        return Reply.json(404, self.error_body(2002, "Resource not found", domain="ACCESS"), checked=False)

    def fault_reply(self, status: int, headers: dict[str, str] | None) -> Reply:
        if status == 429:
            payload = self.error_body(
                2001, "Too many requests. The request limit has been reached for the resource.", domain="ACCESS"
            )
        elif status >= 500:
            payload = self.error_body(25001, "A system error has occurred.", category="APPLICATION")
        else:
            payload = self.error_body(2004, "Invalid request", domain="ACCESS")
        return Reply.json(status, payload, headers, checked=False)

    # ----- Commerce Identity and Media APIs (eBay's docs; not in the OpenAPI files) ------------
    def _user(self, request: RecordedRequest) -> Reply:
        body = {
            "userId": self.user_id,
            "username": self.username,
            "accountType": "INDIVIDUAL",
            "registrationMarketplaceId": "EBAY_US",
        }
        return Reply.json(200, body, checked=False)

    def _upload_image(self, request: RecordedRequest) -> Reply:
        part = parse_multipart(request.body, request.content_type).get("image")
        if part is None or part.filename is None or not part.data.startswith(IMAGE_MAGIC):
            self.record(f"{request.method} {request.path}: no image file in the multipart field 'image'")
            body = self.error_body(190002, "The image file is missing or not a supported image.", domain="API_MEDIA")
            return Reply.json(400, body, checked=False)
        image_id = secrets.token_hex(8)
        self._media[image_id] = part.data
        location = {"Location": f"{request.origin}{MEDIA}/{image_id}"}
        return Reply.json(201, self._image(image_id), location, checked=False)

    def _get_image(self, request: RecordedRequest, image_id: str) -> Reply:
        if image_id not in self._media:
            return Reply.json(
                404, self.error_body(190001, "The image was not found.", domain="API_MEDIA"), checked=False
            )
        return Reply.json(200, self._image(image_id), checked=False)

    @staticmethod
    def _image(image_id: str) -> dict[str, str]:
        expires = iso(datetime.now(UTC) + timedelta(days=365))
        return {"imageUrl": f"https://i.ebayimg.com/images/g/{image_id}/s-l1600.jpg", "expirationDate": expires}

    # ----- test controls ----------------------------------------------------------------------------
    def sell(self, sku: str, quantity: int = 1, buyer: str = "buyer1") -> str:
        """A buyer pays for `quantity` of the live listing of `sku`; the listing ends at quantity 0."""
        with self.lock:
            offer = self.inventory.live_offer(sku)
            if offer is None or self.inventory.available(offer) < quantity:
                raise ValueError(f"{sku} has no live listing with {quantity} available")
            return self.sales.record_sale(offer, quantity, buyer)

    def sell_ignoring_stock(self, sku: str, quantity: int = 1, buyer: str = "buyer2") -> str:
        """An order even when the listing has ended or lacks stock: two buyers paying in the same instant."""
        with self.lock:
            offers = self.inventory.offers_of(sku)
            if not offers or "listing" not in offers[0]:
                raise ValueError(f"{sku} was never listed")
            return self.sales.record_sale(offers[0], quantity, buyer)

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            self.sales.cancel(order_id)

    def end_listing(self, sku: str) -> None:
        """eBay ends the listing on its side (drift): the offer stays PUBLISHED, the listing is ENDED."""
        with self.lock:
            offer = self.inventory.live_offer(sku)
            if offer is None:
                raise ValueError(f"{sku} has no live listing")
            offer["listing"]["listingStatus"] = "ENDED"

    def live_skus(self) -> list[str]:
        with self.lock:
            return sorted({offer["sku"] for offer in self.inventory.offers.values() if self.inventory.is_live(offer)})

    def offer_for(self, sku: str) -> dict[str, Any] | None:
        with self.lock:
            offers = self.inventory.offers_of(sku)
            return copy.deepcopy(offers[0]) if offers else None

    def inventory_item(self, sku: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.inventory.items.get(sku))

    def orders(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.sales.orders)

    def uploaded_images(self) -> dict[str, bytes]:
        with self.lock:
            return dict(self._media)
