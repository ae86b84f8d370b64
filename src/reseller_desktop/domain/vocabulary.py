"""Closed value lists from the shared contract. The database enforces the same lists (CHECKs)."""

from __future__ import annotations

from typing import Final

LISTING_STATUSES: Final = ("draft", "active", "sold", "canceled")
PLATFORM_LISTING_STATUSES: Final = ("pending", "active", "sold", "failed", "canceled", "pending_cancel")
CONDITIONS: Final = ("new", "like_new", "excellent", "good", "fair", "poor")
CARD_TYPES: Final = ("tcg", "sports")
ORGANIZATION_MODES: Final = ("by_set", "by_value", "by_player", "custom")
VALUE_TIERS: Final = ("low", "mid", "high", "grail")
NOTIFICATION_TYPES: Final = ("sale", "error", "warning", "info")
# The contract's item_type list ends with "etc.": these are suggestions, not a closed list.
ITEM_TYPES: Final = ("general", "clothing", "electronics", "trading_card", "collectible")

TITLE_MAX_CHARS: Final = 80
