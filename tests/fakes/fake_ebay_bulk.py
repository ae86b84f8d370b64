"""eBay's bulk Sell Inventory calls in the fake eBay: bulkCreateOrReplaceInventoryItem, bulkCreateOffer
and bulkPublishOffer, each up to 25 entries acted on one by one exactly as the single calls act.

Validated against ebay_sell_inventory_v1_oas3.json. The answer is 200 when every entry succeeded and
207 when some did not, with one response per entry in the order asked (statusCode, the entry's key,
and eBay's errors for a failed entry), as eBay's docs describe; a request with no entries or more
than 25 is refused whole (400).
"""

from __future__ import annotations

from typing import Any

from tests.fakes.fake_ebay_formats import error_reply
from tests.fakes.fake_ebay_inventory import INV, INVENTORY, EbayInventory
from tests.fakes.fake_server import MULTI_STATUS, Route, route
from tests.fakes.http_messages import RecordedRequest, Reply

BULK_LIMIT = 25
BULK_ITEMS = INV + "/bulk_create_or_replace_inventory_item"
BULK_OFFERS = INV + "/bulk_create_offer"
BULK_PUBLISH = INV + "/bulk_publish_offer"


class EbayBulk:
    """The bulk calls over the same inventory the single calls use."""

    def __init__(self, inventory: EbayInventory) -> None:
        self.inventory = inventory

    def routes(self) -> list[Route]:
        return [
            route("POST", BULK_ITEMS, self._bulk_items, INVENTORY, needs_token=True),
            route("POST", BULK_OFFERS, self._bulk_offers, INVENTORY, needs_token=True),
            route("POST", BULK_PUBLISH, self._bulk_publish, INVENTORY, needs_token=True),
        ]

    @staticmethod
    def _entries(request: RecordedRequest) -> list[dict[str, Any]] | Reply:
        entries = (request.json() or {}).get("requests") or []
        if not 1 <= len(entries) <= BULK_LIMIT:
            return error_reply(
                400, 25709, f"Invalid value for requests: give 1 to {BULK_LIMIT} entries ({len(entries)} given)."
            )
        return list(entries)

    @staticmethod
    def _answer(responses: list[dict[str, Any]]) -> Reply:
        every_one = all(200 <= response["statusCode"] < 300 for response in responses)
        return Reply.json(200 if every_one else MULTI_STATUS, {"responses": responses})

    def _bulk_items(self, request: RecordedRequest) -> Reply:
        entries = self._entries(request)
        if isinstance(entries, Reply):
            return entries
        fallback = request.headers["content-language"].replace("-", "_")
        responses = []
        for entry in entries:
            item = {name: value for name, value in entry.items() if name not in ("sku", "locale")}
            locale = entry.get("locale") or fallback
            status, error = self.inventory.put_item(str(entry.get("sku") or ""), item, locale)
            response: dict[str, Any] = {"statusCode": 200 if error is None else status, "sku": entry.get("sku", "")}
            response["locale"] = locale
            if error is not None:
                response["errors"] = error["errors"]
            responses.append(response)
        return self._answer(responses)

    def _bulk_offers(self, request: RecordedRequest) -> Reply:
        entries = self._entries(request)
        if isinstance(entries, Reply):
            return entries
        responses = []
        for entry in entries:
            status, body = self.inventory.create_offer(entry)
            response: dict[str, Any] = {
                "statusCode": 200 if status < 300 else status,
                "sku": entry.get("sku", ""),
                "marketplaceId": entry.get("marketplaceId", ""),
                "format": entry.get("format", ""),
            }
            if status < 300:
                response["offerId"] = body["offerId"]
            else:
                response["errors"] = body["errors"]
            responses.append(response)
        return self._answer(responses)

    def _bulk_publish(self, request: RecordedRequest) -> Reply:
        entries = self._entries(request)
        if isinstance(entries, Reply):
            return entries
        responses = []
        for entry in entries:
            offer_id = str(entry.get("offerId") or "")
            status, body = self.inventory.publish(offer_id)
            response: dict[str, Any] = {"statusCode": status, "offerId": offer_id}
            if status < 300:
                response["listingId"] = body["listingId"]
            else:
                response["errors"] = body["errors"]
            responses.append(response)
        return self._answer(responses)
