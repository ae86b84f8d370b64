"""What the eBay adapter sends and how it reads eBay's orders: pure functions, no HTTP.

Bodies follow the Sell Inventory API (createOrReplaceInventoryItem is a full replace, so every field
is sent each time) and sales come from the Sell Fulfillment API's getOrders.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from reseller_desktop.platforms import listing_inputs
from reseller_desktop.platforms.base import ListingPayload, PermanentPlatformError, PlatformSale
from reseller_desktop.settings import EbaySettings

# The app's conditions (domain.vocabulary.CONDITIONS) as eBay's ConditionEnum values. A listing's
# attributes["ebay_condition"] (an eBay value such as "USED_VERY_GOOD") wins.
CONDITIONS: Final = {
    "new": "NEW",
    "like_new": "LIKE_NEW",
    "excellent": "USED_EXCELLENT",
    "good": "USED_GOOD",
    "fair": "USED_ACCEPTABLE",
    "poor": "FOR_PARTS_OR_NOT_WORKING",
}
# The settings an offer cannot be published without, with the label Settings shows for each.
REQUIRED_SETTINGS: Final = (
    ("merchant_location_key", "inventory location key"),
    ("fulfillment_policy_id", "fulfillment (shipping) policy id"),
    ("payment_policy_id", "payment policy id"),
    ("return_policy_id", "return policy id"),
)
# An order counts as not sold (any more) in these states. A partial refund keeps the sale: the item
# is still gone.
CANCELLED_STATES: Final = frozenset({"CANCELED"})
REFUNDED_PAYMENT_STATES: Final = frozenset({"FULLY_REFUNDED"})


POLICY_IDS_HINT: Final = (
    "Fill it in Settings → Marketplaces → eBay (the ids are in eBay Seller Hub → Account → Business policies)."
)


def missing_setting(field_name: str, what: str) -> PermanentPlatformError:
    return listing_inputs.missing_setting(
        "ebay", field_name, what, needed_for="before it can list", hint=POLICY_IDS_HINT
    )


def category_id(settings: EbaySettings, payload: ListingPayload) -> str:
    return listing_inputs.attribute_or_setting(payload, "ebay_category_id", settings.category_id)


def check_listing_settings(settings: EbaySettings, payload: ListingPayload) -> None:
    """Raise, before any call, when eBay would refuse to publish for want of a setting."""
    for field_name, what in REQUIRED_SETTINGS:
        if not str(getattr(settings, field_name) or "").strip():
            raise missing_setting(field_name, what)
    if not category_id(settings, payload):
        raise missing_setting("category_id", "category id (or the listing's attribute ebay_category_id)")


def ebay_condition(payload: ListingPayload) -> str | None:
    chosen = payload.attributes.get("ebay_condition")
    if chosen:
        return str(chosen).strip().upper()
    if not payload.condition:
        return None
    return CONDITIONS.get(payload.condition.strip().lower())


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def inventory_item_body(payload: ListingPayload, image_urls: list[str]) -> dict[str, Any]:
    product: dict[str, Any] = {"title": payload.title, "description": payload.description, "imageUrls": image_urls}
    if payload.upc:
        product["upc"] = [payload.upc]
    body: dict[str, Any] = {
        "availability": {"shipToLocationAvailability": {"quantity": payload.quantity}},
        "product": product,
    }
    condition = ebay_condition(payload)
    if condition:
        body["condition"] = condition
    return body


def offer_body(settings: EbaySettings, payload: ListingPayload, *, for_create: bool) -> dict[str, Any]:
    """createOffer's EbayOfferDetailsWithKeys, or updateOffer's EbayOfferDetailsWithId (a full replace
    too, without the keys sku / marketplaceId / format)."""
    body: dict[str, Any] = {
        "availableQuantity": payload.quantity,
        "categoryId": category_id(settings, payload),
        "listingDescription": payload.description,
        "listingPolicies": {
            "fulfillmentPolicyId": settings.fulfillment_policy_id,
            "paymentPolicyId": settings.payment_policy_id,
            "returnPolicyId": settings.return_policy_id,
        },
        "merchantLocationKey": settings.merchant_location_key,
        "pricingSummary": {"price": {"value": money(payload.price), "currency": settings.currency}},
    }
    if for_create:
        body.update(sku=payload.sku, marketplaceId=settings.marketplace_id, format="FIXED_PRICE")
    return body


def locale_of(content_language: str) -> str:
    """The bulk item call's per-item locale ("en_US") for the Content-Language header's "en-US"."""
    return content_language.replace("-", "_")


def bulk_items_body(settings: EbaySettings, items: list[tuple[ListingPayload, list[str]]]) -> dict[str, Any]:
    """bulkCreateOrReplaceInventoryItem: each item as createOrReplaceInventoryItem's, with its SKU and locale."""
    locale = locale_of(settings.content_language)
    return {
        "requests": [
            {"sku": payload.sku, "locale": locale, **inventory_item_body(payload, image_urls)}
            for payload, image_urls in items
        ]
    }


def bulk_offers_body(settings: EbaySettings, payloads: list[ListingPayload]) -> dict[str, Any]:
    """bulkCreateOffer: each offer as createOffer's (with sku, marketplaceId and format)."""
    return {"requests": [offer_body(settings, payload, for_create=True) for payload in payloads]}


def bulk_publish_body(offer_ids: list[str]) -> dict[str, Any]:
    return {"requests": [{"offerId": offer_id} for offer_id in offer_ids]}


def bulk_responses(answer: Any, key: str) -> dict[str, Mapping[str, Any]]:
    """A bulk call's per-entry responses by `key` (sku or offerId); entries it did not answer are absent."""
    responses = answer.get("responses") if isinstance(answer, Mapping) else None
    found: dict[str, Mapping[str, Any]] = {}
    for response in responses if isinstance(responses, list) else []:
        if isinstance(response, Mapping) and response.get(key):
            found[str(response[key])] = response
    return found


def listing_url(settings: EbaySettings, listing_id: str) -> str:
    host = "sandbox.ebay.com" if "sandbox" in settings.api_base else "www.ebay.com"
    return f"https://{host}/itm/{listing_id}"


def orders_filter(since: datetime) -> str:
    """getOrders' filter for orders changed since `since` (naive UTC)."""
    if since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    return f"lastmodifieddate:[{since:%Y-%m-%dT%H:%M:%S}.{since.microsecond // 1000:03d}Z..]"


def naive_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def unit_price(line: Mapping[str, Any]) -> Decimal:
    """lineItemCost is the line's total before discounts and shipping: divided by the quantity."""
    quantity = max(int(line.get("quantity") or 1), 1)
    cost = line.get("lineItemCost") or line.get("total") or {}
    total = _decimal(cost.get("value")) if isinstance(cost, Mapping) else None
    if total is None:
        return Decimal("0.00")
    return (total / quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_cancelled(order: Mapping[str, Any]) -> bool:
    """Cancelled (cancelStatus.cancelState CANCELED) or refunded in full (orderPaymentStatus FULLY_REFUNDED)."""
    cancel = order.get("cancelStatus") or {}
    state = cancel.get("cancelState") if isinstance(cancel, Mapping) else None
    return state in CANCELLED_STATES or order.get("orderPaymentStatus") in REFUNDED_PAYMENT_STATES


def sales_of_order(order: Mapping[str, Any]) -> list[PlatformSale]:
    """One PlatformSale per line item of an eBay order."""
    order_id = str(order.get("orderId") or "")
    sold_at = naive_utc(order.get("creationDate")) or naive_utc(order.get("lastModifiedDate"))
    buyer = order.get("buyer") or {}
    username = buyer.get("username") if isinstance(buyer, Mapping) else None
    cancelled = is_cancelled(order)
    sales = []
    for line in order.get("lineItems") or []:
        if not isinstance(line, Mapping) or not order_id or sold_at is None:
            continue
        sales.append(
            PlatformSale(
                platform="ebay",
                order_id=order_id,
                line_id=str(line.get("lineItemId") or ""),
                sku=line.get("sku") or None,
                platform_listing_id=line.get("legacyItemId") or None,
                quantity=int(line.get("quantity") or 1),
                price=unit_price(line),
                sold_at=sold_at,
                buyer=username,
                cancelled=cancelled,
                raw=dict(order),
            )
        )
    return sales
