"""The Etsy adapter (Open API v3): listings, their inventory (SKU, price, quantity), images, receipts.

Etsy has no idempotency: a repeated createDraftListing makes a second draft. So `publish` first
looks for a listing made by an earlier, maybe interrupted, attempt: the recorded listing id, else a
listing of the shop carrying our SKU, else a draft without any SKU and with our title (an attempt cut
off between creating the draft and setting its SKU). Only when none exists is a draft created.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Unpack

from reseller_desktop.platforms import etsy_parts as parts
from reseller_desktop.platforms.base import (
    ListingPayload,
    PermanentPlatformError,
    PlatformSale,
    RemoteRef,
    RemoteState,
    TokenStore,
)
from reseller_desktop.platforms.http import PlatformHttp, RequestRefused, SellerHttpOptions, seller_http
from reseller_desktop.platforms.listing_inputs import Photo, mime_type, read_photos, recorded_uploads, uploads_record
from reseller_desktop.platforms.oauth import EtsyOAuth
from reseller_desktop.settings import EtsySettings

log = logging.getLogger(__name__)

APP = "/v3/application"
PAGE = 100  # Etsy's largest page
EARLIEST_TIMESTAMP = 946684800  # getShopReceipts refuses earlier min_last_modified values
REUSABLE_STATES = ("active", "draft", "inactive")  # where an earlier attempt's listing can be


class EtsyAdapter:
    name = "etsy"

    def __init__(self, settings: EtsySettings, http: PlatformHttp, shop_id: str = "") -> None:
        self.settings = settings
        self.http = http
        self._shop_id = shop_id.strip()
        self._shop_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    @property
    def known_shop_id(self) -> str:
        """The shop id if it is known already, without asking Etsy ("" if not)."""
        return self._shop_id

    def shop_id(self) -> str:
        """The seller's shop id: as given (known from an earlier call), else asked of Etsy (getMe) once."""
        with self._shop_lock:
            if not self._shop_id:
                me = self.http.json("GET", f"{APP}/users/me") or {}
                if not me.get("shop_id"):
                    raise PermanentPlatformError(
                        "etsy", "This Etsy account has no shop.", "Open a shop on Etsy, then connect again."
                    )
                self._shop_id = str(me["shop_id"])
            return self._shop_id

    # ----- the adapter interface -----------------------------------------------------------------------
    def publish(self, payload: ListingPayload, previous: RemoteRef | None) -> RemoteRef:
        parts.check_listing_settings(self.settings, payload)
        photos = read_photos("etsy", payload.photo_paths)  # an unreadable photo stops us before any call
        shop_id = self.shop_id()
        recorded = self._recorded_listing(previous)
        # Etsy has no idempotency, so an interrupted attempt's draft is looked for in the shop; a first
        # attempt skips that search (it reads every page of the shop's listings).
        listing = recorded or (self._earlier_attempt(shop_id, payload) if previous is not None else None)
        # What was recorded about photos describes the recorded listing only.
        images = recorded_uploads(previous.extra) if previous is not None and recorded is not None else {}
        fresh = listing is None
        if listing is None:
            listing = self.http.json(
                "POST",
                f"{APP}/shops/{shop_id}/listings",
                data=parts.draft_form(self.settings, payload),
                idempotent=False,  # a repeat would make a second draft: publish() reconciles instead
            )
            if not isinstance(listing, dict) or not listing.get("listing_id"):
                raise PermanentPlatformError("etsy", "Etsy created the draft but sent no listing id.")
            log.debug("etsy draft %s made for sku %s", listing["listing_id"], payload.sku)
        listing_id = str(listing["listing_id"])
        self._set_inventory(listing_id, payload)
        images = self._sync_images(shop_id, listing_id, photos, images, fresh=fresh)
        form = {**parts.listing_form(self.settings, payload), "state": "active"}
        updated = self._patch_listing(shop_id, listing_id, form) or listing
        return self._ref(updated, shop_id, payload.sku, images)

    def update(self, payload: ListingPayload, ref: RemoteRef) -> RemoteRef:
        parts.check_listing_settings(self.settings, payload)
        photos = read_photos("etsy", payload.photo_paths)
        shop_id = ref.extra.get("shop_id") or self.shop_id()
        listing_id = ref.listing_id or self._listing_id_by_sku(shop_id, payload.sku)
        if not listing_id:
            raise PermanentPlatformError(
                "etsy", f"Etsy has no listing with SKU {payload.sku} any more.", "List the item on Etsy again."
            )
        updated = self._patch_listing(shop_id, listing_id, parts.listing_form(self.settings, payload))
        self._set_inventory(listing_id, payload)
        images = self._sync_images(shop_id, listing_id, photos, recorded_uploads(ref.extra))
        return self._ref(updated or {"listing_id": listing_id}, shop_id, payload.sku, images)

    def withdraw(self, ref: RemoteRef, sku: str | None) -> None:
        shop_id = ref.extra.get("shop_id") or self.shop_id()
        listing_id = ref.listing_id or (self._listing_id_by_sku(shop_id, sku) if sku else None)
        if not listing_id:
            return
        try:
            self._patch_listing(shop_id, listing_id, {"state": "inactive"})
        except RequestRefused:
            listing = self._get_listing(listing_id)
            if listing is not None and listing.get("state") == "active":
                raise
            # Inactive, sold out, expired or removed already: it is not for sale, as asked.

    def state_of(self, ref: RemoteRef, sku: str | None) -> RemoteState:
        listing_id = ref.listing_id
        if not listing_id and sku:
            listing_id = self._listing_id_by_sku(ref.extra.get("shop_id") or self.shop_id(), sku)
        listing = self._get_listing(listing_id) if listing_id else None
        if listing is None:
            return "missing"
        return "live" if listing.get("state") == "active" else "ended"

    def sales_since(self, since: datetime) -> list[PlatformSale]:
        shop_id = self.shop_id()
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        params = {"min_last_modified": max(int(since.timestamp()), EARLIEST_TIMESTAMP)}
        sales: list[PlatformSale] = []
        for receipt in self._pages(f"{APP}/shops/{shop_id}/receipts", params):
            sales.extend(parts.sales_of_receipt(receipt))
        return sales

    def live_listings(self) -> list[RemoteRef]:
        shop_id = self.shop_id()
        return [
            self._ref(listing, shop_id, _first_sku(listing), None)
            for listing in self._pages(f"{APP}/shops/{shop_id}/listings", {"state": "active"})
        ]

    def account_name(self) -> str:
        shop = self.http.json("GET", f"{APP}/shops/{self.shop_id()}") or {}
        return str(shop.get("shop_name") or "")

    # ----- finding listings ----------------------------------------------------------------------------
    def _get_listing(self, listing_id: str) -> dict[str, Any] | None:
        response = self.http.request("GET", f"{APP}/listings/{listing_id}", allow=(404,))
        if response.status_code == 404:
            return None
        listing = response.json()
        return listing if isinstance(listing, dict) else None

    def _recorded_listing(self, previous: RemoteRef | None) -> dict[str, Any] | None:
        if previous is None or not previous.listing_id:
            return None
        listing = self._get_listing(previous.listing_id)
        if listing is None or listing.get("state") not in REUSABLE_STATES:
            return None  # deleted, sold out or expired: a new listing is made
        return listing

    def _earlier_attempt(self, shop_id: str, payload: ListingPayload) -> dict[str, Any] | None:
        """A listing of the shop with our SKU, else a draft with no SKU yet and our title."""
        unmarked_drafts = []
        for state in REUSABLE_STATES:
            for listing in self._pages(f"{APP}/shops/{shop_id}/listings", {"state": state}):
                skus = _skus(listing)
                if payload.sku in skus:
                    log.debug("etsy listing %s already carries sku %s", listing.get("listing_id"), payload.sku)
                    return listing
                if state == "draft" and not skus and parts.same_text(listing.get("title"), payload.title):
                    unmarked_drafts.append(listing)
        return unmarked_drafts[0] if unmarked_drafts else None

    def _listing_id_by_sku(self, shop_id: str, sku: str) -> str | None:
        for state in REUSABLE_STATES:
            for listing in self._pages(f"{APP}/shops/{shop_id}/listings", {"state": state}):
                if sku in _skus(listing):
                    return str(listing["listing_id"])
        return None

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self.http.json("GET", path, params={**params, "limit": PAGE, "offset": offset}) or {}
            results = [r for r in page.get("results") or [] if isinstance(r, dict)]
            yield from results
            offset += len(results)
            if not results or offset >= int(page.get("count") or 0):
                return

    # ----- writing -------------------------------------------------------------------------------------
    def _patch_listing(self, shop_id: str, listing_id: str, form: Mapping[str, str]) -> dict[str, Any] | None:
        answer = self.http.json("PATCH", f"{APP}/shops/{shop_id}/listings/{listing_id}", data=form, idempotent=True)
        return answer if isinstance(answer, dict) else None

    def _set_inventory(self, listing_id: str, payload: ListingPayload) -> None:
        """SKU, price and quantity live in the listing's inventory (updateListing takes neither)."""
        current = self.http.json("GET", f"{APP}/listings/{listing_id}/inventory") or {}
        self.http.request("PUT", f"{APP}/listings/{listing_id}/inventory", json=parts.inventory_body(payload, current))

    def _sync_images(
        self,
        shop_id: str,
        listing_id: str,
        photos: list[Photo],
        known: Mapping[str, str],
        *,
        fresh: bool = False,
    ) -> dict[str, str]:
        """Upload the photos the listing lacks, remove images of photos taken out; digest → image id.
        `fresh`: a draft made by this call, which has no images yet."""
        answer = {} if fresh else self.http.json("GET", f"{APP}/listings/{listing_id}/images") or {}
        remote = sorted(
            (r for r in answer.get("results") or [] if isinstance(r, dict) and r.get("listing_image_id")),
            key=lambda image: int(image.get("rank") or 0),
        )
        images = parts.match_images(photos, remote, known)
        for rank, (digest, name, data) in enumerate(photos, start=1):
            if digest in images:
                continue
            uploaded = self.http.json(
                "POST",
                f"{APP}/shops/{shop_id}/listings/{listing_id}/images",
                files={"image": (name, data, mime_type(name))},
                data={"rank": str(rank)},
                idempotent=False,  # a repeat would add the photo twice; the next publish matches by rank
            )
            images[digest] = str((uploaded or {}).get("listing_image_id") or "")
        kept = set(images.values())
        for image in remote:
            image_id = str(image["listing_image_id"])
            if image_id not in kept:
                self.http.request(
                    "DELETE", f"{APP}/shops/{shop_id}/listings/{listing_id}/images/{image_id}", allow=(404,)
                )
        return images

    def _ref(
        self, listing: Mapping[str, Any], shop_id: str, sku: str | None, images: Mapping[str, str] | None
    ) -> RemoteRef:
        listing_id = str(listing["listing_id"])
        extra = {"shop_id": shop_id, "state": str(listing.get("state") or "")}
        if sku:
            extra["sku"] = sku
        if images is not None:
            extra["images"] = uploads_record(images)
        url = str(listing.get("url") or f"https://www.etsy.com/listing/{listing_id}")
        return RemoteRef(listing_id=listing_id, url=url, extra=extra)


def _skus(listing: Mapping[str, Any]) -> list[str]:
    skus = listing.get("skus")
    if isinstance(skus, list) and skus:
        return [str(s) for s in skus if s]
    inventory = listing.get("inventory") or {}
    products = inventory.get("products") if isinstance(inventory, Mapping) else None
    return [str(p["sku"]) for p in products or [] if isinstance(p, Mapping) and p.get("sku")]


def _first_sku(listing: Mapping[str, Any]) -> str | None:
    skus = _skus(listing)
    return skus[0] if skus else None


def make_etsy(
    settings: EtsySettings,
    shared_secret: str,
    tokens: TokenStore,
    shop_id: str = "",
    **options: Unpack[SellerHttpOptions],
) -> EtsyAdapter:
    """An Etsy adapter for one seller. Every call sends x-api-key `keystring:shared_secret` and the
    seller's bearer token. Without `limiter` it paces itself alone; a `client` passed in is not closed.
    The shop is the seller's own (getMe), found once; `shop_id` skips that when already known."""
    parts.check_keys(settings, shared_secret)
    http = seller_http(
        "etsy",
        settings.api_base,
        tokens,
        lambda client: EtsyOAuth(settings, shared_secret, client=client).refresh,
        (settings.requests_per_second, settings.requests_per_day),
        headers={"x-api-key": f"{settings.keystring}:{shared_secret}"},
        **options,
    )
    return EtsyAdapter(settings, http, shop_id)
