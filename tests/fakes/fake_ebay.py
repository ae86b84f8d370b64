"""A stateful fake of eBay's Sell Inventory + Fulfillment APIs and eBay's OAuth, on 127.0.0.1.

Requests and answers of the Sell APIs are validated against ebay_sell_inventory_v1_oas3.json and
ebay_sell_fulfillment_v1_oas3.json. The rest is not in those files and follows eBay's docs (as the
specs README describes them), checked by hand: the token endpoint, the consent and accept pages,
Commerce Identity's getUser and the Media API's image upload. All are served on one host here; eBay
serves getUser on apiz.ebay.com and the Media API on apim.ebay.com.

Public API (kept stable for the adapter and sync-engine tests):
    FakeEbay(client_id=..., client_secret=..., ru_name=..., username=..., currency="USD")
    .base_url  .authorize_url  .token_url  .accept_url  .requests  .validation_errors  .stop()
    .inject(method, path_regex, *, status, body, headers, delay, drop, times)  .clear_faults()   (FakeServer)
    .grant_tokens() -> {"access_token", "refresh_token", "expires_in"}
    .expire_access_tokens()  .revoke_refresh_tokens()
    .sell(sku, quantity=1, buyer="buyer1") -> order_id         (a live listing only; lowers its quantity)
    .sell_ignoring_stock(sku, quantity=1, buyer="buyer2") -> order_id   (oversold: even when ended)
    .cancel_order(order_id)  .end_listing(sku)  .live_skus() -> list[str]
    .offer_for(sku) -> dict | None  .inventory_item(sku) -> dict | None  .orders() -> list[dict]
    .uploaded_images() -> dict[image_id, bytes]
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
  parameter, not the errorId, to recognise a duplicate.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from datetime import UTC, datetime, timedelta
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

INVENTORY = Contract("ebay_sell_inventory_v1_oas3.json", "https://api.ebay.com")
FULFILLMENT = Contract("ebay_sell_fulfillment_v1_oas3.json", "https://api.ebay.com")
INV = "/sell/inventory/v1"
ACCESS_TTL = 7200
FILTER_SPLIT = re.compile(r",(?![^\[]*\])")  # commas between criteria, not inside [a..b]
DATE_FILTER = re.compile(r"(?P<field>lastmodifieddate|creationdate):\[(?P<start>[^\]]*?)\.\.(?P<end>[^\]]*)\]")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _utc(text: str) -> datetime | None:
    """An ISO 8601 UTC moment as eBay's filters take it (2024-05-01T12:00:00.000Z), else None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _error(status: int, error_id: int, message: str, **extra: Any) -> Reply:
    return Reply.json(status, FakeEbay.error_body(error_id, message, **extra))


class FakeEbay(FakeServer):
    platform = "ebay"

    def __init__(
        self,
        client_id: str = "FakeSell-RDApp-PRD-0123456789",
        client_secret: str = "PRD-fake-ebay-client-secret",
        ru_name: str = "Fake_Seller-FakeSell-RDApp-abcdefg",
        username: str = "fake_seller",
        currency: str = "USD",
    ) -> None:
        self.client_id, self.client_secret, self.ru_name = client_id, client_secret, ru_name
        self.username, self.user_id, self.currency = username, "fakeuser" + secrets.token_hex(4), currency
        self.items: dict[str, dict[str, Any]] = {}
        self.offers: dict[str, dict[str, Any]] = {}
        self._orders: list[dict[str, Any]] = []
        self._images: dict[str, bytes] = {}
        self._codes: dict[str, str] = {}  # authorization code -> redirect_uri (the RuName) it was issued for
        self._numbers = count(1)
        self.tokens = TokenBook(ACCESS_TTL, prefix="v^1.1#i^1#")
        super().__init__()

    # ----- addresses --------------------------------------------------------------------------------
    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/identity/v1/oauth2/token"

    @property
    def accept_url(self) -> str:
        return f"{self.base_url}/oauth2/ThirdPartyAuthSucessFailure"

    @staticmethod
    def error_body(
        error_id: int,
        message: str,
        *,
        domain: str = "API_INVENTORY",
        category: str = "REQUEST",
        long_message: str | None = None,
        parameters: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        error = {"errorId": error_id, "domain": domain, "category": category, "message": message}
        return {"errors": [{**error, "longMessage": long_message or message, "parameters": parameters or []}]}

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
            route("GET", "/sell/fulfillment/v1/order", self._get_orders, FULFILLMENT, needs_token=True),
            route(
                "GET", r"/sell/fulfillment/v1/order/(?P<order_id>[^/]+)", self._get_order, FULFILLMENT, needs_token=True
            ),
            # Not in the OpenAPI files: eBay's docs, checked by hand.
            route("POST", "/identity/v1/oauth2/token", self._token),
            route("GET", "/oauth2/authorize", self._consent),
            route("GET", "/oauth2/ThirdPartyAuthSucessFailure", self._accept_page),
            route("GET", "/commerce/identity/v1/user/", self._user, needs_token=True),
            route("POST", "/commerce/media/v1_beta/image/create_image_from_file", self._upload_image, needs_token=True),
            route("GET", r"/commerce/media/v1_beta/image/(?P<image_id>[^/]+)", self._get_image, needs_token=True),
        ]

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

    def fault_reply(self, status: int, body: bytes | None, headers: dict[str, str] | None) -> Reply:
        if body is None:
            if status == 429:
                payload = self.error_body(
                    2001, "Too many requests. The request limit has been reached for the resource.", domain="ACCESS"
                )
            elif status >= 500:
                payload = self.error_body(25001, "A system error has occurred.", category="APPLICATION")
            else:
                payload = self.error_body(2004, "Invalid request", domain="ACCESS")
            return Reply.json(status, payload, headers, checked=False)
        return Reply(status, body, {"Content-Type": "application/json", **(headers or {})}, checked=False)

    # ----- inventory items --------------------------------------------------------------------------
    def _put_item(self, request: RecordedRequest, sku: str) -> Reply:
        if len(sku) > 50:
            return _error(400, 25707, "This is an invalid value for a SKU.")
        created = sku not in self.items
        locale = request.headers["content-language"].replace("-", "_")
        self.items[sku] = {**request.json(), "sku": sku, "locale": locale}  # a full replace, as eBay's
        for offer in self._offers_of(sku):
            self._settle(offer)
        return Reply.json(201, {}) if created else Reply(204)

    def _get_item(self, request: RecordedRequest, sku: str) -> Reply:
        if sku not in self.items:
            return _error(404, 25710, "We didn't find the entity you are requesting.")
        return Reply.json(200, self.items[sku])

    def _get_items(self, request: RecordedRequest) -> Reply:
        """getInventoryItems. The contract's offset is a page number (records offset*limit on), so a client
        that follows `next` is right whichever way it reads offset."""
        try:
            limit, page = int(request.query.get("limit", "25")), int(request.query.get("offset", "0"))
        except ValueError:
            return _error(400, 25706, "limit and offset must be integers.")
        if not 1 <= limit <= 200 or page < 0:
            return _error(400, 25706, "limit must be from 1 to 200 and offset (a page number) 0 or more.")
        skus = sorted(self.items)
        body: dict[str, Any] = {
            "href": f"{self.base_url}{request.path}?{urlencode({'limit': limit, 'offset': page})}",
            "limit": limit,
            "size": -(-len(skus) // limit),  # the number of pages, as the contract describes `size`
            "total": len(skus),
            "inventoryItems": [self.items[sku] for sku in skus[page * limit : (page + 1) * limit]],
        }
        if (page + 1) * limit < len(skus):
            body["next"] = f"{self.base_url}{request.path}?{urlencode({'limit': limit, 'offset': page + 1})}"
        if page > 0:
            body["prev"] = f"{self.base_url}{request.path}?{urlencode({'limit': limit, 'offset': page - 1})}"
        return Reply.json(200, body)

    def _delete_item(self, request: RecordedRequest, sku: str) -> Reply:
        if sku not in self.items:
            return _error(404, 25710, "We didn't find the entity you are requesting.")
        del self.items[sku]
        for offer in self._offers_of(sku):  # deleting the item deletes its offers and ends their listings
            del self.offers[offer["offerId"]]
        return Reply(204)

    # ----- offers -----------------------------------------------------------------------------------
    def _offers_of(self, sku: str) -> list[dict[str, Any]]:
        return [offer for offer in self.offers.values() if offer["sku"] == sku]

    def _available(self, offer: dict[str, Any]) -> int:
        if "availableQuantity" in offer:
            return int(offer["availableQuantity"])
        item = self.items.get(offer["sku"], {})
        return int(item.get("availability", {}).get("shipToLocationAvailability", {}).get("quantity", 0))

    def _set_available(self, offer: dict[str, Any], quantity: int) -> None:
        if "availableQuantity" in offer:
            offer["availableQuantity"] = quantity
        ship = self.items.get(offer["sku"], {}).get("availability", {}).get("shipToLocationAvailability")
        if ship is not None:
            ship["quantity"] = quantity

    def _settle(self, offer: dict[str, Any]) -> None:
        """A live listing with nothing left to sell ends, as a fixed-price listing at quantity 0 does."""
        if self._is_live(offer) and self._available(offer) <= 0:
            offer["listing"]["listingStatus"] = "ENDED"

    @staticmethod
    def _is_live(offer: dict[str, Any]) -> bool:
        return bool(offer["status"] == "PUBLISHED" and offer.get("listing", {}).get("listingStatus") == "ACTIVE")

    def _create_offer(self, request: RecordedRequest) -> Reply:
        body = request.json()
        missing = [name for name in ("sku", "marketplaceId", "format") if not body.get(name)]
        if missing:
            return _error(400, 25002, f"A user error has occurred. {', '.join(missing)} is required.")
        if body["sku"] not in self.items:
            return _error(400, 25702, f"SKU {body['sku']} is not available in the system.")
        for offer in self._offers_of(body["sku"]):
            if (offer["marketplaceId"], offer["format"]) == (body["marketplaceId"], body["format"]):
                parameters = [{"name": "offerId", "value": offer["offerId"]}]
                return _error(400, 25002, "Offer entity already exists", parameters=parameters)
        offer_id = str(5_000_000_000 + next(self._numbers))
        self.offers[offer_id] = {**body, "offerId": offer_id, "status": "UNPUBLISHED"}
        return Reply.json(201, {"offerId": offer_id})

    def _get_offers(self, request: RecordedRequest) -> Reply:
        sku = request.query.get("sku")
        if not sku:
            return _error(400, 25707, "This is an invalid value for a SKU. Pass the sku query parameter.")
        if sku not in self.items:
            return _error(400, 25702, f"SKU {sku} is not available in the system.")
        offers = self._offers_of(sku)
        if not offers:
            return _error(404, 25713, "This Offer is not available.")
        return Reply.json(
            200,
            {
                "href": self.base_url + request.path,
                "limit": 100,
                "size": len(offers),
                "total": len(offers),
                "offers": offers,
            },
        )

    def _get_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        if offer_id not in self.offers:
            return _error(404, 25713, "This Offer is not available.")
        return Reply.json(200, self.offers[offer_id])

    def _update_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        offer = self.offers.get(offer_id)
        if offer is None:
            return _error(404, 25713, "This Offer is not available.")
        keep: dict[str, Any] = {
            name: offer[name]
            for name in ("offerId", "sku", "marketplaceId", "format", "status", "listing")
            if name in offer
        }
        self.offers[offer_id] = {**request.json(), **keep}  # a full replace, like the inventory item
        self._settle(self.offers[offer_id])
        return Reply(204)

    def _delete_offer(self, request: RecordedRequest, offer_id: str) -> Reply:
        if self.offers.pop(offer_id, None) is None:
            return _error(404, 25713, "This Offer is not available.")
        return Reply(204)

    def _publish(self, request: RecordedRequest, offer_id: str) -> Reply:
        offer = self.offers.get(offer_id)
        if offer is None:
            return _error(404, 25713, "This Offer is not available.")
        if self._is_live(offer):
            return Reply.json(200, {"listingId": offer["listing"]["listingId"]})
        item = self.items.get(offer["sku"])
        if item is None:
            return _error(400, 25702, f"SKU {offer['sku']} is not available in the system.")
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
            return _error(400, 25002, f"A user error has occurred. Missing: {', '.join(missing)}.")
        if self._available(offer) <= 0:
            return _error(400, 25002, "A user error has occurred. The available quantity must be greater than 0.")
        listing_id = str(110_000_000_000 + next(self._numbers))
        offer.update(
            status="PUBLISHED", listing={"listingId": listing_id, "listingStatus": "ACTIVE", "soldQuantity": 0}
        )
        return Reply.json(200, {"listingId": listing_id})

    def _withdraw(self, request: RecordedRequest, offer_id: str) -> Reply:
        offer = self.offers.get(offer_id)
        if offer is None:
            return _error(404, 25713, "This Offer is not available.")
        if not self._is_live(offer):
            return _error(400, 25713, "This Offer is not available. It is not published.")
        offer["status"] = "UNPUBLISHED"
        offer["listing"]["listingStatus"] = "ENDED"
        return Reply.json(200, {"listingId": offer["listing"]["listingId"]})

    # ----- orders -----------------------------------------------------------------------------------
    def _get_orders(self, request: RecordedRequest) -> Reply:
        try:
            limit, offset = int(request.query.get("limit", "50")), int(request.query.get("offset", "0"))
        except ValueError:
            return _error(400, 30830, "The limit and offset must be integers.", domain="API_FULFILLMENT")
        if not 1 <= limit <= 200 or offset < 0:
            return _error(
                400, 30830, "The limit must be between 1 and 200 and offset 0 or more.", domain="API_FULFILLMENT"
            )
        orders = self._orders
        wanted_ids = request.query.get("orderIds")
        if wanted_ids:
            orders = [order for order in orders if order["orderId"] in wanted_ids.split(",")]
        for criterion in filter(None, FILTER_SPLIT.split(request.query.get("filter", ""))):
            match = DATE_FILTER.fullmatch(criterion.strip())
            if match is None:
                return _error(400, 30700, f"Invalid filter: {criterion}", domain="API_FULFILLMENT")
            start_text, end_text = match.group("start", "end")
            start, end = _utc(start_text), _utc(end_text)
            if (start_text and start is None) or (end_text and end is None) or not (start_text or end_text):
                return _error(
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
            "href": self.base_url + request.path,
            "limit": limit,
            "offset": offset,
            "total": len(orders),
            "orders": orders[offset : offset + limit],
        }
        if offset + limit < len(orders):
            page["next"] = f"{self.base_url}{request.path}?{urlencode({**request.query, 'offset': offset + limit})}"
        return Reply.json(200, page)

    def _get_order(self, request: RecordedRequest, order_id: str) -> Reply:
        for order in self._orders:
            if order["orderId"] == order_id:
                return Reply.json(200, order)
        return _error(404, 32100, "Invalid Order Id", domain="API_FULFILLMENT")

    # ----- OAuth (eBay's docs; not in the OpenAPI files) ----------------------------------------
    def _consent(self, request: RecordedRequest) -> Reply:
        """eBay's consent page, approved at once: redirects to the accept page with the code."""
        query = request.query
        problem = (
            "unknown client_id"
            if query.get("client_id") != self.client_id
            else "redirect_uri must be the app's RuName"
            if query.get("redirect_uri") != self.ru_name
            else "response_type must be code"
            if query.get("response_type") != "code"
            else "scope is required"
            if not query.get("scope")
            else None
        )
        if problem:
            return Reply.json(400, {"error": "invalid_request", "error_description": problem}, checked=False)
        code = f"v^1.1#i^1#f^0#p^3#r^1#I^3#t^{secrets.token_urlsafe(24)}"  # eBay codes need URL-encoding
        self._codes[code] = query["redirect_uri"]
        target = {"state": query.get("state", ""), "code": code, "expires_in": "299"}
        return Reply.redirect(f"{self.accept_url}?isAuthSuccessful=true&{urlencode(target)}")

    def _accept_page(self, request: RecordedRequest) -> Reply:
        page = b"<html><body><h1>Authorization successfully completed</h1>Copy this page's address.</body></html>"
        return Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}, checked=False)

    def _token(self, request: RecordedRequest) -> Reply:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client = base64.b64decode(encoded, validate=True).decode() if scheme == "Basic" else ""
        except ValueError:
            client = ""
        if client != f"{self.client_id}:{self.client_secret}":
            return Reply.json(
                401, {"error": "invalid_client", "error_description": "client authentication failed"}, checked=False
            )
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return Reply.json(400, {"error": "invalid_request", "error_description": "send a form body"}, checked=False)
        form = request.form()
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued_for = self._codes.pop(form.get("code", ""), None)  # a code works once
            if issued_for is None or form.get("redirect_uri") != issued_for:
                description = "the provided authorization grant code is invalid or was issued to another client"
                return Reply.json(400, {"error": "invalid_grant", "error_description": description}, checked=False)
            tokens = self._issue(with_refresh=True)
        elif grant == "refresh_token":
            if not self.tokens.refresh_is_valid(form.get("refresh_token", "")):
                description = "the provided authorization refresh token is invalid or was issued to another client"
                return Reply.json(400, {"error": "invalid_grant", "error_description": description}, checked=False)
            tokens = self._issue(with_refresh=False)  # eBay keeps the refresh token (about 18 months)
        else:
            description = "only authorization_code and refresh_token grants are served here"
            return Reply.json(400, {"error": "unsupported_grant_type", "error_description": description}, checked=False)
        return Reply.json(200, tokens, checked=False)

    def _issue(self, *, with_refresh: bool) -> dict[str, Any]:
        tokens: dict[str, Any] = {
            "access_token": self.tokens.issue_access(),
            "expires_in": ACCESS_TTL,
            "token_type": "User Access Token",
        }
        if with_refresh:
            tokens.update(refresh_token=self.tokens.issue_refresh(), refresh_token_expires_in=47_304_000)
        return tokens

    def _user(self, request: RecordedRequest) -> Reply:
        body = {
            "userId": self.user_id,
            "username": self.username,
            "accountType": "INDIVIDUAL",
            "registrationMarketplaceId": "EBAY_US",
        }
        return Reply.json(200, body, checked=False)

    # ----- Media API (eBay's docs; not in the OpenAPI files) ------------------------------------
    def _upload_image(self, request: RecordedRequest) -> Reply:
        part = parse_multipart(request.body, request.content_type).get("image")
        if part is None or part.filename is None or not part.data.startswith(IMAGE_MAGIC):
            self.record(f"{request.method} {request.path}: no image file in the multipart field 'image'")
            body = self.error_body(190002, "The image file is missing or not a supported image.", domain="API_MEDIA")
            return Reply.json(400, body, checked=False)
        image_id = secrets.token_hex(8)
        self._images[image_id] = part.data
        return Reply(201, b"", {"Location": f"{self.base_url}/commerce/media/v1_beta/image/{image_id}"}, checked=False)

    def _get_image(self, request: RecordedRequest, image_id: str) -> Reply:
        if image_id not in self._images:
            return Reply.json(
                404, self.error_body(190001, "The image was not found.", domain="API_MEDIA"), checked=False
            )
        expires = iso(datetime.now(UTC) + timedelta(days=365))
        url = f"https://i.ebayimg.com/images/g/{image_id}/s-l1600.jpg"
        return Reply.json(200, {"imageUrl": url, "expirationDate": expires}, checked=False)

    # ----- test controls ----------------------------------------------------------------------------
    def grant_tokens(self) -> dict[str, Any]:
        """A valid token pair without the consent dance, for tests that are not about OAuth."""
        with self.lock:
            tokens = self._issue(with_refresh=True)
        return {name: tokens[name] for name in ("access_token", "refresh_token", "expires_in")}

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.tokens.expire_all_access()

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.tokens.revoke_all_refresh()

    def sell(self, sku: str, quantity: int = 1, buyer: str = "buyer1") -> str:
        """A buyer pays for `quantity` of the live listing of `sku`; the listing ends at quantity 0."""
        with self.lock:
            offer = self._live_offer(sku)
            if offer is None or self._available(offer) < quantity:
                raise ValueError(f"{sku} has no live listing with {quantity} available")
            return self._order(offer, quantity, buyer)

    def sell_ignoring_stock(self, sku: str, quantity: int = 1, buyer: str = "buyer2") -> str:
        """An order even when the listing has ended or lacks stock: two buyers paying in the same instant."""
        with self.lock:
            offers = self._offers_of(sku)
            if not offers or "listing" not in offers[0]:
                raise ValueError(f"{sku} was never listed")
            return self._order(offers[0], quantity, buyer)

    def _live_offer(self, sku: str) -> dict[str, Any] | None:
        return next((offer for offer in self._offers_of(sku) if self._is_live(offer)), None)

    def _order(self, offer: dict[str, Any], quantity: int, buyer: str) -> str:
        now = iso(datetime.now(UTC))
        number = next(self._numbers)
        order_id = f"{10 + number % 90:02d}-{10000 + number:05d}-{20000 + number:05d}"
        price = offer.get("pricingSummary", {}).get("price", {"value": "0.00", "currency": self.currency})
        total = {"value": str(Decimal(price["value"]) * quantity), "currency": price["currency"]}
        line = {
            "lineItemId": str(10_000_000_000 + number),
            "legacyItemId": offer["listing"]["listingId"],
            "sku": offer["sku"],
            "title": self.items.get(offer["sku"], {}).get("product", {}).get("title", ""),
            "quantity": quantity,
            "lineItemCost": total,
            "total": total,
            "lineItemFulfillmentStatus": "NOT_STARTED",
            "soldFormat": "FIXED_PRICE",
            "listingMarketplaceId": offer["marketplaceId"],
            "purchaseMarketplaceId": offer["marketplaceId"],
        }
        self._orders.append(
            {
                "orderId": order_id,
                "creationDate": now,
                "lastModifiedDate": now,
                "orderFulfillmentStatus": "NOT_STARTED",
                "orderPaymentStatus": "PAID",
                "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
                "buyer": {"username": buyer},
                "sellerId": self.username,
                "pricingSummary": {"priceSubtotal": total, "total": total},
                "lineItems": [line],
            }
        )
        self._set_available(offer, max(0, self._available(offer) - quantity))
        offer["listing"]["soldQuantity"] = offer["listing"].get("soldQuantity", 0) + quantity
        self._settle(offer)
        return order_id

    def cancel_order(self, order_id: str) -> None:
        with self.lock:
            order = next(order for order in self._orders if order["orderId"] == order_id)
            now = iso(datetime.now(UTC))
            order.update(
                lastModifiedDate=now,
                cancelStatus={"cancelState": "CANCELED", "cancelledDate": now, "cancelRequests": []},
            )

    def end_listing(self, sku: str) -> None:
        """eBay ends the listing on its side (drift): the offer stays PUBLISHED, the listing is ENDED."""
        with self.lock:
            offer = self._live_offer(sku)
            if offer is None:
                raise ValueError(f"{sku} has no live listing")
            offer["listing"]["listingStatus"] = "ENDED"

    def live_skus(self) -> list[str]:
        with self.lock:
            return sorted({offer["sku"] for offer in self.offers.values() if self._is_live(offer)})

    def offer_for(self, sku: str) -> dict[str, Any] | None:
        with self.lock:
            offers = self._offers_of(sku)
            return copy.deepcopy(offers[0]) if offers else None

    def inventory_item(self, sku: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.items.get(sku))

    def orders(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._orders)

    def uploaded_images(self) -> dict[str, bytes]:
        with self.lock:
            return dict(self._images)
