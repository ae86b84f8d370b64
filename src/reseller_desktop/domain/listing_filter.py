"""What the seller is looking at: the filters and search of the listings view (and of exports)."""

from __future__ import annotations

from dataclasses import dataclass

# Trigrams need three characters: a shorter term cannot use the search index and would read every row.
MIN_SEARCH_CHARS = 3


@dataclass(frozen=True)
class ListingFilter:
    statuses: tuple[str, ...] = ()  # empty: every status
    platform: str | None = None  # listed on this platform (any platform status)
    category: str | None = None
    condition: str | None = None
    item_type: str | None = None
    storage_location: str | None = None  # exact location, or a prefix ending in "*" ("B*")
    search: str = ""  # substring of title, SKU, UPC or description

    @property
    def search_term(self) -> str:
        term = self.search.strip()
        return term if len(term) >= MIN_SEARCH_CHARS else ""

    @property
    def is_empty(self) -> bool:
        return self == ListingFilter(search=self.search) and not self.search_term
