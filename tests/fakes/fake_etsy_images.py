"""Etsy's listing images in the fake Etsy: uploadListingImage, getListingImages and deleteListingImage.

Validated against etsy_openapi_v3.json. Ranks stay 1..n in order: an upload goes last, and a deletion
closes the gap it leaves (the contract does not say; this keeps the next upload's rank unique).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from tests.fakes.fake_etsy_formats import error_reply
from tests.fakes.fake_etsy_listings import ETSY, LISTING, SHOP_LISTING, EtsyListings
from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply, parse_multipart


class EtsyListingImages:
    """The images of the listings in `listings` (kept there: a listing's images come with it and go with it)."""

    def __init__(self, listings: EtsyListings, numbers: Iterator[int]) -> None:
        self.listings = listings
        self._numbers = numbers

    def routes(self) -> list[Route]:
        one_image = SHOP_LISTING + r"/images/(?P<listing_image_id>\d+)"
        return [
            route("POST", SHOP_LISTING + "/images", self._upload_image, ETSY, needs_token=True),
            route("GET", LISTING + "/images", self._get_images, ETSY),
            route("DELETE", one_image, self._delete_image, ETSY, needs_token=True),
        ]

    def _upload_image(self, request: RecordedRequest, shop_id: str, listing_id: str) -> Reply:
        listing = self.listings.shop_listing(shop_id, listing_id)
        if isinstance(listing, Reply):
            return listing
        part = parse_multipart(request.body, request.content_type).get("image")
        if part is None or part.filename is None or not part.data:
            return error_reply(400, "An image file (multipart field 'image') is required.")
        images = self.listings.images[listing["listing_id"]]
        image_id = 4_000_000_000 + next(self._numbers)
        base = f"https://i.etsystatic.com/{self.listings.shop_id}/r/il/{image_id:x}/{image_id}/il_"
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
        self.listings.touch(listing)
        return Reply.json(201, image)

    def _get_images(self, request: RecordedRequest, listing_id: str) -> Reply:
        listing = self.listings.listing_or_404(listing_id)
        if isinstance(listing, Reply):
            return listing
        images = self.listings.images[listing["listing_id"]]
        return Reply.json(200, {"count": len(images), "results": images})

    def _delete_image(self, request: RecordedRequest, shop_id: str, listing_id: str, listing_image_id: str) -> Reply:
        listing = self.listings.shop_listing(shop_id, listing_id)
        if isinstance(listing, Reply):
            return listing
        images = self.listings.images[listing["listing_id"]]
        kept = [image for image in images if image["listing_image_id"] != int(listing_image_id)]
        if len(kept) == len(images):
            return error_reply(404, f"Could not find a ListingImage with listing_image_id = {listing_image_id}")
        for rank, image in enumerate(kept, start=1):
            image["rank"] = rank
        images[:] = kept
        self.listings.touch(listing)
        return Reply(204)
