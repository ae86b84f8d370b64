"""Publishing many listings on eBay at once: bulkCreateOrReplaceInventoryItem, bulkCreateOffer and
bulkPublishOffer, 25 listings a call, with the photos uploaded a few at a time beforehand (a step of
its own, so that a caller can upload one batch's photos while the batch before is being published).

Three calls list 25 items where the single calls take 75, and eBay counts calls against the seller's
quota, so a seller listing a thousand items spends the quota on photos and not on bookkeeping.

Each listing gets its own outcome: eBay answers a bulk call with one response per entry (207 when
some failed), and a listing eBay refuses fails alone, with eBay's words. A whole call that fails
(throttled past the retries, a dropped connection) fails the listings it carried.

Idempotent like the single publish: the item is a full replace by SKU; an offer eBay says already
exists for the SKU (errorId 25002 naming it) is updated and reused, and a reused offer found live is
not published again. Listings with an offer recorded by an earlier attempt go the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reseller_desktop.platforms import ebay_bodies as bodies
from reseller_desktop.platforms.base import (
    ListingPayload,
    PermanentPlatformError,
    PlatformError,
    PreparedPublish,
    RemoteRef,
    TransientPlatformError,
)
from reseller_desktop.platforms.http import RequestRefused, ebay_error_ids, ebay_error_message
from reseller_desktop.platforms.listing_inputs import recorded_uploads

if TYPE_CHECKING:
    from reseller_desktop.platforms.ebay import EbayAdapter

log = logging.getLogger(__name__)

BULK_LIMIT = 25  # entries per bulk call, eBay's maximum
# Photo uploads in flight together: enough to keep the rate limit busy while each waits for its
# answer (eBay takes tens of milliseconds per call); the limiter still paces them.
PHOTO_UPLOADS_AT_ONCE = 4
INVENTORY = "/sell/inventory/v1"
DUPLICATE_OFFER = 25002  # "offer entity already exists" (also eBay's generic user error: check parameters)


@dataclass
class _Entry:
    """One listing on its way through the bulk calls; `error` set ends its way."""

    payload: ListingPayload
    previous: RemoteRef | None
    image_urls: list[str] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)
    offer_id: str | None = None
    listing_id: str | None = None
    error: Exception | None = None


def _chunks(entries: Sequence[_Entry]) -> Iterator[list[_Entry]]:
    for start in range(0, len(entries), BULK_LIMIT):
        yield list(entries[start : start + BULK_LIMIT])


def _entry_error(response: Mapping[str, Any] | None, what: str) -> Exception:
    """What a failed entry of a bulk answer means: eBay's refusal, or a hiccup worth another try."""
    if response is None:
        return TransientPlatformError("ebay", f"eBay's answer to the {what} left this listing out.")
    status = int(response.get("statusCode") or 0)
    message = ebay_error_message(response) or f"status {status}"
    if status == 429 or status >= 500:
        return TransientPlatformError("ebay", f"eBay did not take the {what} ({status}): {message}")
    return RequestRefused("ebay", status or 400, message, {"errors": list(response.get("errors") or [])})


def _succeeded(response: Mapping[str, Any]) -> bool:
    return 200 <= int(response.get("statusCode") or 0) < 300


def _duplicate_offer_id(response: Mapping[str, Any]) -> str | None:
    """The offer eBay says already exists for the entry's SKU (errorId 25002 naming it), else None."""
    for error in response.get("errors") or []:
        if not isinstance(error, Mapping) or error.get("errorId") != DUPLICATE_OFFER:
            continue
        for parameter in error.get("parameters") or []:
            if isinstance(parameter, Mapping) and parameter.get("name") == "offerId" and parameter.get("value"):
                return str(parameter["value"])
    return None


class EbayBulkPublisher:
    """The bulk publish of one adapter, in the two steps of EbayAdapter.prepare_publish and
    publish_prepared."""

    def __init__(self, adapter: EbayAdapter) -> None:
        self.adapter = adapter
        self.http = adapter.http
        self.settings = adapter.settings

    def prepare(self, requests: Sequence[tuple[ListingPayload, RemoteRef | None]]) -> list[PreparedPublish | Exception]:
        """Each listing's settings checked and photos uploaded, several listings at a time; a listing
        that cannot go gets its error, and the others go on."""

        def prepare_one(request: tuple[ListingPayload, RemoteRef | None]) -> PreparedPublish | Exception:
            payload, previous = request
            try:
                bodies.check_listing_settings(self.settings, payload)
                known = recorded_uploads(previous.extra) if previous else {}
                urls, images = self.adapter.image_urls(payload.photo_paths, known)
            except Exception as exc:  # the listing's own outcome
                return exc
            return PreparedPublish(payload, previous, tuple(urls), images)

        if not requests:
            return []
        with ThreadPoolExecutor(max_workers=min(PHOTO_UPLOADS_AT_ONCE, len(requests))) as pool:
            return list(pool.map(prepare_one, requests))

    def publish(self, prepared: Sequence[PreparedPublish]) -> list[RemoteRef | Exception]:
        entries = [_Entry(p.payload, p.previous, list(p.image_urls), dict(p.images)) for p in prepared]
        for chunk in _chunks(entries):
            self._put_items(chunk)
        self._make_offers([e for e in entries if e.error is None])
        for chunk in _chunks([e for e in entries if e.error is None and e.listing_id is None]):
            self._publish(chunk)
        return [self._outcome(entry) for entry in entries]

    def _outcome(self, entry: _Entry) -> RemoteRef | Exception:
        if entry.error is not None:
            return entry.error
        if not entry.offer_id or not entry.listing_id:
            return PermanentPlatformError("ebay", "eBay published the offer but sent no listing id.")
        log.debug("ebay sku %s is listing %s (offer %s)", entry.payload.sku, entry.listing_id, entry.offer_id)
        return self.adapter.ref(entry.listing_id, entry.offer_id, entry.payload.sku, entry.images)

    # ----- the bulk calls ------------------------------------------------------------------------------
    def _call(self, path: str, body: dict[str, Any], chunk: list[_Entry], *, idempotent: bool) -> Any:
        """One bulk call; when the whole call fails, every listing it carried gets that error."""
        try:
            return self.http.json(
                "POST",
                f"{INVENTORY}/{path}",
                json=body,
                headers={"Content-Language": self.settings.content_language},
                idempotent=idempotent,
            )
        except PlatformError as exc:
            for entry in chunk:
                entry.error = exc
            return None

    def _put_items(self, chunk: list[_Entry]) -> None:
        body = bodies.bulk_items_body(self.settings, [(e.payload, e.image_urls) for e in chunk])
        # A full replace by SKU: sending it again after a dropped answer changes nothing.
        answer = self._call("bulk_create_or_replace_inventory_item", body, chunk, idempotent=True)
        if answer is None:
            return
        responses = bodies.bulk_responses(answer, "sku")
        for entry in chunk:
            response = responses.get(entry.payload.sku)
            if response is None or not _succeeded(response):
                entry.error = _entry_error(response, "inventory item")

    def _make_offers(self, entries: list[_Entry]) -> None:
        """Offers recorded by an earlier attempt are updated one by one; the rest are made in bulk."""
        fresh = []
        for entry in entries:
            recorded = entry.previous.extra.get("offer_id") if entry.previous else None
            if recorded:
                self._reuse_offer(entry, recorded)
            else:
                fresh.append(entry)
        for chunk in _chunks(fresh):
            body = bodies.bulk_offers_body(self.settings, [e.payload for e in chunk])
            # Safe to repeat: a second try meets "already exists" for each offer the first one made.
            answer = self._call("bulk_create_offer", body, chunk, idempotent=True)
            if answer is None:
                continue
            responses = bodies.bulk_responses(answer, "sku")
            for entry in chunk:
                response = responses.get(entry.payload.sku)
                if response is not None and _succeeded(response) and response.get("offerId"):
                    entry.offer_id = str(response["offerId"])
                    continue
                existing = self._existing_offer(entry, response)
                if existing:
                    self._reuse_offer(entry, existing)
                elif entry.error is None:
                    entry.error = _entry_error(response, "offer")

    def _existing_offer(self, entry: _Entry, response: Mapping[str, Any] | None) -> str | None:
        """The offer eBay says the SKU has already (errorId 25002), else None."""
        if response is None or DUPLICATE_OFFER not in ebay_error_ids(response):
            return None
        named = _duplicate_offer_id(response)
        if named:
            return named
        try:
            # 25002 is also eBay's generic user error: only an offer that exists makes a duplicate.
            return self.adapter.offer_id_by_sku(entry.payload.sku)
        except Exception as exc:
            entry.error = exc
            return None

    def _reuse_offer(self, entry: _Entry, offer_id: str) -> None:
        """An offer made before (by an earlier attempt) gets this listing's values; when it is live
        already it is not published again."""
        try:
            entry.offer_id, _existed = self.adapter.offer_for(entry.payload, offer_id)
            entry.listing_id = self.adapter.live_listing_of(entry.offer_id)
        except Exception as exc:  # the listing's own outcome; the others go on
            entry.error = exc

    def _publish(self, chunk: list[_Entry]) -> None:
        body = bodies.bulk_publish_body([e.offer_id or "" for e in chunk])
        # Not repeated after a dropped answer (eBay may have listed them): the job's next attempt
        # finds each offer, and publishes only those that are not live.
        answer = self._call("bulk_publish_offer", body, chunk, idempotent=False)
        if answer is None:
            return
        responses = bodies.bulk_responses(answer, "offerId")
        for entry in chunk:
            response = responses.get(entry.offer_id or "")
            if response is not None and _succeeded(response) and response.get("listingId"):
                entry.listing_id = str(response["listingId"])
            else:
                entry.error = _entry_error(response, "publish")
