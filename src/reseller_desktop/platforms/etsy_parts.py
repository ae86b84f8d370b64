"""What the Etsy adapter sends and how it reads Etsy's receipts: pure functions, no HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from reseller_desktop.platforms.base import (
    ListingPayload,
    NotConnectedError,
    PermanentPlatformError,
    PlatformSale,
)
from reseller_desktop.platforms.listing_inputs import Photo, attribute_or_setting, missing_setting
from reseller_desktop.settings import EtsySettings

# A receipt in these states is no sale (any more); a partial refund keeps the sale.
CANCELLED_STATUSES: Final = frozenset({"canceled", "cancelled", "fully refunded"})


def check_keys(settings: EtsySettings, shared_secret: str) -> None:
    """Etsy refuses every call without `x-api-key: keystring:shared_secret`."""
    if not settings.keystring.strip():
        raise missing_setting("etsy", "keystring", "keystring (the app's API key)")
    if not shared_secret:
        raise NotConnectedError("etsy", "Etsy's shared secret is not stored on this computer.")


def taxonomy_id(settings: EtsySettings, payload: ListingPayload) -> str:
    return attribute_or_setting(payload, "etsy_taxonomy_id", settings.taxonomy_id)


def check_listing_settings(settings: EtsySettings, payload: ListingPayload) -> None:
    """Raise, before any call, when Etsy would refuse the listing for want of a setting."""
    if not str(settings.shipping_profile_id).strip():
        raise missing_setting("etsy", "shipping_profile_id", "shipping profile id")
    if not taxonomy_id(settings, payload):
        raise missing_setting(
            "etsy", "taxonomy_id", "category (taxonomy id, or the listing's attribute etsy_taxonomy_id)"
        )
    numbers = {
        "shipping_profile_id": str(settings.shipping_profile_id).strip(),
        "taxonomy_id": taxonomy_id(settings, payload),
    }
    for field_name, value in numbers.items():
        if not value.isdigit():
            raise PermanentPlatformError(
                "etsy",
                f"The Etsy {field_name.replace('_', ' ')} must be a number, not “{value}”.",
                "Correct it in Settings → Marketplaces → Etsy (or in the listing's attributes).",
            )
    for field_name in ("who_made", "when_made"):
        if not str(getattr(settings, field_name)).strip():
            raise missing_setting("etsy", field_name, field_name.replace("_", " ") + " choice")


def price_text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def listing_form(settings: EtsySettings, payload: ListingPayload) -> dict[str, str]:
    """updateListing's form fields (price and quantity go through the inventory instead)."""
    return {
        "title": payload.title,
        "description": payload.description,
        "taxonomy_id": taxonomy_id(settings, payload),
        "shipping_profile_id": str(settings.shipping_profile_id).strip(),
        "who_made": settings.who_made,
        "when_made": settings.when_made,
    }


def draft_form(settings: EtsySettings, payload: ListingPayload) -> dict[str, str]:
    """createDraftListing's form body."""
    return {
        **listing_form(settings, payload),
        "quantity": str(payload.quantity),
        "price": price_text(payload.price),
    }


def inventory_body(payload: ListingPayload, current: Mapping[str, Any]) -> dict[str, Any]:
    """updateListingInventory's body: one product with our SKU, price and quantity. The processing
    profile (readiness_state_id) Etsy gave the listing is kept."""
    readiness = None
    for product in current.get("products") or []:
        for offering in (product or {}).get("offerings") or []:
            readiness = readiness or (offering or {}).get("readiness_state_id")
    offering = {
        "price": float(payload.price.quantize(Decimal("0.01"))),
        "quantity": payload.quantity,
        "is_enabled": True,
        "readiness_state_id": readiness,
    }
    return {"products": [{"sku": payload.sku, "property_values": [], "offerings": [offering]}]}


def match_images(
    photos: Sequence[Photo], remote: Sequence[Mapping[str, Any]], known: Mapping[str, str]
) -> dict[str, str]:
    """Which photos the listing has already: digest → listing_image_id.

    `known` is what the last successful publish or update recorded. With nothing recorded (a listing
    found again after an interrupted publish) the photos were uploaded one by one in order, so the
    listing's images, by rank, are the first photos.
    """
    remote_ids = [str(image["listing_image_id"]) for image in remote]
    digests = {digest for digest, _, _ in photos}
    images = {digest: image_id for digest, image_id in known.items() if digest in digests and image_id in remote_ids}
    if not known:
        for (digest, _, _), image_id in zip(photos, remote_ids, strict=False):
            images.setdefault(digest, image_id)
    return images


def same_text(a: object, b: str) -> bool:
    return " ".join(str(a or "").split()) == " ".join(b.split())


def money(value: Any) -> Decimal:
    """Etsy's Money {amount, divisor} as a Decimal."""
    if not isinstance(value, Mapping):
        return Decimal("0.00")
    try:
        amount, divisor = int(value.get("amount") or 0), int(value.get("divisor") or 1)
        places = len(str(divisor)) - 1
        if divisor == 10**places:  # the usual case: exact, with the currency's decimals (2450/100 → 24.50)
            return Decimal(amount).scaleb(-places)
        return Decimal(amount) / Decimal(divisor)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        return Decimal("0.00")


def naive_utc(timestamp: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def sales_of_receipt(receipt: Mapping[str, Any]) -> list[PlatformSale]:
    """One PlatformSale per transaction of an Etsy receipt (the transaction's price is per unit)."""
    receipt_id = receipt.get("receipt_id")
    if not receipt_id:
        return []
    cancelled = str(receipt.get("status") or "").lower() in CANCELLED_STATUSES
    receipt_time = receipt.get("created_timestamp") or receipt.get("create_timestamp")
    buyer = receipt.get("name") or receipt.get("buyer_email") or None
    sales = []
    for line in receipt.get("transactions") or []:
        if not isinstance(line, Mapping) or not line.get("transaction_id"):
            continue
        sold_at = naive_utc(line.get("created_timestamp") or line.get("create_timestamp") or receipt_time)
        if sold_at is None:
            continue
        listing_id = line.get("listing_id")
        sales.append(
            PlatformSale(
                platform="etsy",
                order_id=str(receipt_id),
                line_id=str(line["transaction_id"]),
                sku=line.get("sku") or None,
                platform_listing_id=str(listing_id) if listing_id else None,
                quantity=int(line.get("quantity") or 1),
                price=money(line.get("price")),
                sold_at=sold_at,
                buyer=str(buyer) if buyer else None,
                cancelled=cancelled,
                raw=dict(receipt),
            )
        )
    return sales
