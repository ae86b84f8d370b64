"""The marketplaces a listing can go to, what each allows, and the checks made before any call.

Pure rules: no Qt, no SQLAlchemy, no HTTP. Limits are the platforms' published ones when this was
written; a platform that changes them changes them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from reseller_desktop.domain.errors import FieldError


@dataclass(frozen=True)
class PlatformRules:
    name: str  # the value stored in platform_listings.platform
    label: str  # shown to the seller
    has_api: bool  # False: a manual platform (the seller posts and delists by hand)
    title_max: int | None  # None: the platform has no separate title
    photos_max: int
    photos_min: int = 0
    description_required: bool = False
    condition_required: bool = False
    # Listing attributes (listings.attributes keys) the platform needs and no setting supplies.
    required_attributes: tuple[str, ...] = ()
    listing_url: str = ""  # where the seller posts by hand (manual platforms)


PLATFORMS: Final[dict[str, PlatformRules]] = {
    rules.name: rules
    for rules in (
        PlatformRules("ebay", "eBay", True, title_max=80, photos_max=24, photos_min=1, condition_required=True),
        PlatformRules("etsy", "Etsy", True, title_max=140, photos_max=20, photos_min=1, description_required=True),
        PlatformRules(
            "poshmark",
            "Poshmark",
            False,
            title_max=80,
            photos_max=16,
            photos_min=1,
            description_required=True,
            listing_url="https://poshmark.com/create-listing",
        ),
        PlatformRules(
            "mercari",
            "Mercari",
            False,
            title_max=80,
            photos_max=12,
            photos_min=1,
            description_required=True,
            condition_required=True,
            listing_url="https://www.mercari.com/sell/",
        ),
        PlatformRules(
            "depop",
            "Depop",
            False,
            title_max=None,
            photos_max=4,
            photos_min=1,
            description_required=True,
            listing_url="https://www.depop.com/products/create/",
        ),
        PlatformRules(
            "grailed",
            "Grailed",
            False,
            title_max=60,
            photos_max=16,
            photos_min=1,
            listing_url="https://www.grailed.com/sell",
        ),
        PlatformRules(
            "vinted",
            "Vinted",
            False,
            title_max=100,
            photos_max=20,
            photos_min=1,
            listing_url="https://www.vinted.com/items/new",
        ),
        PlatformRules(
            "facebook",
            "Facebook Marketplace",
            False,
            title_max=100,
            photos_max=10,
            photos_min=1,
            listing_url="https://www.facebook.com/marketplace/create/item",
        ),
        PlatformRules(
            "whatnot",
            "Whatnot",
            False,
            title_max=100,
            photos_max=10,
            photos_min=1,
            listing_url="https://www.whatnot.com/sell",
        ),
        PlatformRules(
            "kidizen",
            "Kidizen",
            False,
            title_max=80,
            photos_max=12,
            photos_min=1,
            listing_url="https://www.kidizen.com/sell",
        ),
    )
}
API_PLATFORMS: Final = tuple(name for name, rules in PLATFORMS.items() if rules.has_api)
MANUAL_PLATFORMS: Final = tuple(name for name, rules in PLATFORMS.items() if not rules.has_api)


def rules_for(platform: str) -> PlatformRules:
    """The rules of a known platform; an unknown name (the web app may write others) is manual."""
    known = PLATFORMS.get(platform.strip().lower())
    if known is not None:
        return known
    return PlatformRules(platform, platform.title(), False, title_max=None, photos_max=50)


def label(platform: str) -> str:
    return rules_for(platform).label


def platform_errors(listing: Mapping[str, Any], platform: str) -> list[FieldError]:
    """What keeps a listing (its column values) from going onto `platform`, each with what to fix."""
    rules = rules_for(platform)
    errors: list[FieldError] = []
    title = listing.get("title") or ""
    if rules.title_max is not None and len(title) > rules.title_max:
        errors.append(
            FieldError("title", f"{rules.label} allows {rules.title_max} characters; this title has {len(title)}.")
        )
    photos = listing.get("photos") or []
    count = len(photos) if isinstance(photos, list) else 0
    if count > rules.photos_max:
        errors.append(
            FieldError(
                "photos", f"{rules.label} takes at most {rules.photos_max} photos; remove {count - rules.photos_max}."
            )
        )
    if count < rules.photos_min:
        errors.append(FieldError("photos", f"{rules.label} needs at least {rules.photos_min} photo; add one."))
    if rules.description_required and not str(listing.get("description") or "").strip():
        errors.append(FieldError("description", f"{rules.label} needs a description; write one."))
    if rules.condition_required and not listing.get("condition"):
        errors.append(FieldError("condition", f"{rules.label} needs the item's condition; choose one."))
    attributes = listing.get("attributes")
    present = attributes if isinstance(attributes, Mapping) else {}
    errors.extend(
        FieldError(name, f"{rules.label} needs {name.replace('_', ' ')}; add it to the listing's attributes.")
        for name in rules.required_attributes
        if not str(present.get(name) or "").strip()
    )
    price = listing.get("price")
    if price is not None and float(price) <= 0 and rules.has_api:
        errors.append(FieldError("price", f"{rules.label} needs a price above 0."))
    return errors
