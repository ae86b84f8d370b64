"""The eBay adapter: Sell Inventory (items, offers, publish, withdraw), Fulfillment (orders), Media
(photos) and Identity (the seller's user name).

Publishing is idempotent by construction: the inventory item is keyed by our SKU (a full replace),
eBay allows one offer per SKU + marketplace + format and answers a second createOffer with errorId
25002 naming the existing offer, and an offer found already published is not published again. So a
publish repeated after a crash between eBay acting and our record reuses what the first one made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Unpack
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from reseller_desktop.platforms import ebay_bodies as bodies
from reseller_desktop.platforms.base import (
    ListingPayload,
    PermanentPlatformError,
    PlatformSale,
    PreparedPublish,
    RemoteRef,
    RemoteState,
    TokenStore,
)
from reseller_desktop.platforms.ebay_bulk import BULK_LIMIT, DUPLICATE_OFFER, EbayBulkPublisher
from reseller_desktop.platforms.http import PlatformHttp, RequestRefused, SellerHttpOptions, response_json, seller_http
from reseller_desktop.platforms.listing_inputs import mime_type, read_photos, recorded_uploads, uploads_record
from reseller_desktop.platforms.oauth import EbayOAuth
from reseller_desktop.settings import EbaySettings

log = logging.getLogger(__name__)

INVENTORY = "/sell/inventory/v1"
FULFILLMENT = "/sell/fulfillment/v1"
MEDIA = "/commerce/media/v1_beta"
IDENTITY = "/commerce/identity/v1"


def sibling_host(api_base: str, host: str) -> str:
    """eBay serves some APIs on hosts of their own: the Media API on apim.ebay.com, Identity on
    apiz.ebay.com (and apim./apiz.sandbox.ebay.com). Any other base (a test server) serves all."""
    parts = urlsplit(api_base)
    name = parts.hostname or ""
    if name in ("api.ebay.com", "api.sandbox.ebay.com"):
        return urlunsplit((parts.scheme, name.replace("api.", f"{host}.", 1), "", "", "")).rstrip("/")
    return api_base.rstrip("/")


OFFER_UNAVAILABLE = 25713  # "This Offer is not available"
ORDERS_PAGE = 200  # getOrders' largest page
ITEMS_PAGE = 200  # getInventoryItems' largest page
LIVE_LISTING_STATES = frozenset({"ACTIVE"})


class EbayAdapter:
    name = "ebay"

    def __init__(self, settings: EbaySettings, http: PlatformHttp) -> None:
        self.settings = settings
        self.http = http

    def close(self) -> None:
        self.http.close()

    # ----- publishing many at once (ebay_bulk) ---------------------------------------------------------
    publish_batch_size = BULK_LIMIT

    def prepare_publish(
        self, requests: Sequence[tuple[ListingPayload, RemoteRef | None]]
    ) -> list[PreparedPublish | Exception]:
        return EbayBulkPublisher(self).prepare(requests)

    def publish_prepared(self, prepared: Sequence[PreparedPublish]) -> list[RemoteRef | Exception]:
        return EbayBulkPublisher(self).publish(prepared)

    def publish_many(self, requests: Sequence[tuple[ListingPayload, RemoteRef | None]]) -> list[RemoteRef | Exception]:
        """Publish several listings with eBay's bulk calls: one outcome per listing, in order."""
        ready = self.prepare_publish(requests)
        published = iter(self.publish_prepared([r for r in ready if isinstance(r, PreparedPublish)]))
        return [next(published) if isinstance(r, PreparedPublish) else r for r in ready]

    # ----- the adapter interface -----------------------------------------------------------------------
    def publish(self, payload: ListingPayload, previous: RemoteRef | None) -> RemoteRef:
        bodies.check_listing_settings(self.settings, payload)
        known = dict(previous.extra) if previous else {}
        image_urls, images = self.image_urls(payload.photo_paths, recorded_uploads(known))
        self._put_item(payload, image_urls)
        offer_id, reused = self.offer_for(payload, known.get("offer_id"))
        listing_id: str | None = None
        if reused:
            # Made by an earlier attempt: it may be live already, and publishing it again is not needed.
            listing_id = _live_listing_id(self._get_offer(offer_id))
        if listing_id is None:
            answer = self.http.json("POST", f"{INVENTORY}/offer/{quote(offer_id, safe='')}/publish", idempotent=False)
            listing_id = str((answer or {}).get("listingId") or "")
            if not listing_id:
                raise PermanentPlatformError("ebay", "eBay published the offer but sent no listing id.")
        log.debug("ebay sku %s is listing %s (offer %s)", payload.sku, listing_id, offer_id)
        return self.ref(listing_id, offer_id, payload.sku, images)

    def update(self, payload: ListingPayload, ref: RemoteRef) -> RemoteRef:
        bodies.check_listing_settings(self.settings, payload)
        image_urls, images = self.image_urls(payload.photo_paths, recorded_uploads(ref.extra))
        self._put_item(payload, image_urls)
        offer_id = ref.extra.get("offer_id") or self.offer_id_by_sku(payload.sku)
        if not offer_id or not self._update_offer(offer_id, payload):
            raise PermanentPlatformError(
                "ebay", f"eBay has no offer for SKU {payload.sku} any more.", "List the item on eBay again."
            )
        listing_id = ref.listing_id or _live_listing_id(self._get_offer(offer_id)) or None
        return self.ref(listing_id, offer_id, payload.sku, images)

    def withdraw(self, ref: RemoteRef, sku: str | None) -> None:
        offer_id = ref.extra.get("offer_id") or (self.offer_id_by_sku(sku) if sku else None)
        if not offer_id:
            return  # no offer: nothing is listed
        try:
            # Repeatable: a second withdrawal only meets "not published", handled below.
            path = f"{INVENTORY}/offer/{quote(offer_id, safe='')}/withdraw"
            self.http.request("POST", path, allow=(404,), idempotent=True)
        except RequestRefused:
            if _live_listing_id(self._get_offer(offer_id)):
                raise
            # Unpublished, ended by eBay, or gone: the listing is not for sale, which is what was asked.

    def state_of(self, ref: RemoteRef, sku: str | None) -> RemoteState:
        offer_id = ref.extra.get("offer_id")
        offer = self._get_offer(offer_id) if offer_id else None
        if offer is None and sku:
            offer = next(iter(self._offers_by_sku(sku)), None)
        if offer is None:
            return "missing"
        return "live" if _live_listing_id(offer) else "ended"

    def sales_since(self, since: datetime) -> list[PlatformSale]:
        sales: list[PlatformSale] = []
        offset = 0
        while True:
            params = {"filter": bodies.orders_filter(since), "limit": ORDERS_PAGE, "offset": offset}
            page = self.http.json("GET", f"{FULFILLMENT}/order", params=params) or {}
            orders = [o for o in page.get("orders") or [] if isinstance(o, Mapping)]
            for order in orders:
                sales.extend(bodies.sales_of_order(order))
            offset += len(orders)
            total = int(page.get("total") or 0)
            if not orders or offset >= total:
                return sales

    def live_listings(self) -> list[RemoteRef]:
        refs = []
        for sku in self._all_skus():
            for offer in self._offers_by_sku(sku):
                listing_id = _live_listing_id(offer)
                if listing_id:
                    refs.append(self.ref(listing_id, str(offer.get("offerId") or ""), sku, None))
        return refs

    def account_name(self) -> str:
        user = self.http.json("GET", f"{sibling_host(self.settings.api_base, 'apiz')}{IDENTITY}/user/") or {}
        return str(user.get("username") or "")

    # ----- items and offers ----------------------------------------------------------------------------
    def _put_item(self, payload: ListingPayload, image_urls: list[str]) -> None:
        self.http.request(
            "PUT",
            f"{INVENTORY}/inventory_item/{quote(payload.sku, safe='')}",
            json=bodies.inventory_item_body(payload, image_urls),
            headers={"Content-Language": self.settings.content_language},
        )

    def offer_for(self, payload: ListingPayload, recorded: str | None) -> tuple[str, bool]:
        """(offer id, whether it existed before this call): the recorded offer, else a new one, else the
        one eBay says already exists for the SKU. Existing offers get this payload's values."""
        if recorded and self._update_offer(recorded, payload):
            return recorded, True
        try:
            # Safe to repeat after a dropped answer: the second try meets the duplicate answer below.
            answer = response_json(self._send_offer("POST", f"{INVENTORY}/offer", payload, idempotent=True))
        except RequestRefused as refused:
            existing = self._existing_offer_id(refused, payload.sku)
            if existing is None:
                raise
            log.debug("ebay sku %s already has offer %s; updating it", payload.sku, existing)
            if not self._update_offer(existing, payload):
                raise
            return existing, True
        offer_id = str((answer or {}).get("offerId") or "")
        if not offer_id:
            raise PermanentPlatformError("ebay", "eBay created the offer but sent no offer id.")
        return offer_id, False

    def _send_offer(self, method: str, path: str, payload: ListingPayload, **options: Any) -> httpx.Response:
        """createOffer (POST) or updateOffer (PUT) with the payload's offer, in the seller's language."""
        return self.http.request(
            method,
            path,
            json=bodies.offer_body(self.settings, payload, for_create=method == "POST"),
            headers={"Content-Language": self.settings.content_language},
            **options,
        )

    def _existing_offer_id(self, refused: RequestRefused, sku: str) -> str | None:
        if refused.status_code != 400 or DUPLICATE_OFFER not in refused.ebay_error_ids():
            return None
        for error in refused.ebay_errors():
            for parameter in error.get("parameters") or []:
                if isinstance(parameter, Mapping) and parameter.get("name") == "offerId" and parameter.get("value"):
                    return str(parameter["value"])
        # 25002 is also eBay's generic user error: only an offer that really exists proves a duplicate.
        return self.offer_id_by_sku(sku)

    def _update_offer(self, offer_id: str, payload: ListingPayload) -> bool:
        """updateOffer; False when eBay no longer has the offer."""
        try:
            response = self._send_offer("PUT", f"{INVENTORY}/offer/{quote(offer_id, safe='')}", payload, allow=(404,))
        except RequestRefused as refused:
            if OFFER_UNAVAILABLE in refused.ebay_error_ids():
                return False
            raise
        return response.status_code != 404

    def live_listing_of(self, offer_id: str) -> str | None:
        """The listing id of the offer when it is live on eBay, else None."""
        return _live_listing_id(self._get_offer(offer_id))

    def _get_offer(self, offer_id: str) -> dict[str, Any] | None:
        try:
            response = self.http.request("GET", f"{INVENTORY}/offer/{quote(offer_id, safe='')}", allow=(404,))
        except RequestRefused as refused:
            if OFFER_UNAVAILABLE in refused.ebay_error_ids():
                return None
            raise
        if response.status_code == 404:
            return None
        offer = response.json()
        return offer if isinstance(offer, dict) else None

    def _offers_by_sku(self, sku: str) -> list[dict[str, Any]]:
        """The SKU's fixed-price offers on our marketplace (eBay allows one; a 404 means none)."""
        params = {"sku": sku, "marketplace_id": self.settings.marketplace_id, "format": "FIXED_PRICE"}
        try:
            response = self.http.request("GET", f"{INVENTORY}/offer", params=params, allow=(404,))
        except RequestRefused as refused:
            if refused.status_code == 400 and {25702, OFFER_UNAVAILABLE} & refused.ebay_error_ids():
                return []  # "SKU could not be found": no inventory item, so no offer either
            raise
        if response.status_code == 404:
            return []
        offers = (response.json() or {}).get("offers") or []
        return [
            o
            for o in offers
            if isinstance(o, dict)
            and o.get("marketplaceId", self.settings.marketplace_id) == self.settings.marketplace_id
            and o.get("format", "FIXED_PRICE") == "FIXED_PRICE"
        ]

    def offer_id_by_sku(self, sku: str) -> str | None:
        for offer in self._offers_by_sku(sku):
            if offer.get("offerId"):
                return str(offer["offerId"])
        return None

    def _all_skus(self) -> Iterator[str]:
        """Every SKU of the seller's inventory. getInventoryItems' offset is a page number, not a record."""
        page_number = 0
        while True:
            params = {"limit": str(ITEMS_PAGE), "offset": str(page_number)}
            response = self.http.request("GET", f"{INVENTORY}/inventory_item", params=params, allow=(404,))
            page = (response.json() if response.status_code != 404 else None) or {}
            items = [i for i in page.get("inventoryItems") or [] if isinstance(i, Mapping)]
            for item in items:
                if item.get("sku"):
                    yield str(item["sku"])
            page_number += 1
            if not items or not page.get("next") or page_number * ITEMS_PAGE >= int(page.get("total") or 0):
                return

    # ----- photos ------------------------------------------------------------------------------------
    def image_urls(self, photos: tuple[Path, ...], known: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
        """eBay picture URLs of the listing's photos, in order, uploading only those not uploaded before;
        and the digest → URL map of this photo set, to remember beside the listing."""
        urls: list[str] = []
        images: dict[str, str] = {}
        for digest, name, data in read_photos("ebay", photos):  # all readable before any upload
            url = images.get(digest) or known.get(digest) or self._upload_photo(name, data)
            images[digest] = url
            urls.append(url)
        return urls, images

    def _upload_photo(self, file_name: str, data: bytes) -> str:
        # Repeating an upload after a dropped answer only leaves an unused picture on eBay's servers.
        response = self.http.request(
            "POST",
            f"{sibling_host(self.settings.api_base, 'apim')}{MEDIA}/image/create_image_from_file",
            files={"image": (file_name, data, mime_type(file_name))},
            idempotent=True,
        )
        answer = _json_or_empty(response)
        if answer.get("imageUrl"):
            return str(answer["imageUrl"])
        image_id = response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        if not image_id:
            raise PermanentPlatformError("ebay", "eBay accepted a photo but did not say where it is.")
        media = sibling_host(self.settings.api_base, "apim")
        image = self.http.json("GET", f"{media}{MEDIA}/image/{quote(image_id, safe='')}") or {}
        if not image.get("imageUrl"):
            raise PermanentPlatformError("ebay", "eBay has the photo but sent no picture address for it.")
        return str(image["imageUrl"])

    def ref(self, listing_id: str | None, offer_id: str, sku: str, images: Mapping[str, str] | None) -> RemoteRef:
        extra = {"offer_id": offer_id, "sku": sku}
        if images is not None:
            extra["images"] = uploads_record(images)
        url = bodies.listing_url(self.settings, listing_id) if listing_id else None
        return RemoteRef(listing_id=listing_id, url=url, extra=extra)


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json() if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _live_listing_id(offer: Mapping[str, Any] | None) -> str | None:
    """The listing id of a published offer whose listing is active; None when not live."""
    if not offer or offer.get("status") != "PUBLISHED":
        return None
    listing = offer.get("listing") or {}
    listing_id = listing.get("listingId") if isinstance(listing, Mapping) else None
    status = listing.get("listingStatus") if isinstance(listing, Mapping) else None
    if not listing_id or (status is not None and status not in LIVE_LISTING_STATES):
        return None
    return str(listing_id)


def make_ebay(
    settings: EbaySettings, client_secret: str, tokens: TokenStore, **options: Unpack[SellerHttpOptions]
) -> EbayAdapter:
    """An eBay adapter for one seller. Without `limiter` it paces itself alone; the sync jobs pass
    `limiter_for("ebay", ...)` so all of them share one. A `client` passed in is not closed by close()."""
    http = seller_http(
        "ebay",
        settings.api_base,
        tokens,
        lambda client: EbayOAuth(settings, client_secret, client=client).refresh,
        (settings.requests_per_second, settings.requests_per_day),
        **options,
    )
    return EbayAdapter(settings, http)
