"""What the Storage page's two scanning sessions (put away and audit) speak of: the things a scan
names and the places they go. Pure: no Qt, no database.

The services resolve codes to things and do the moves; domain/put_away.py and domain/audit.py keep
each session's running list and decide what each scan means.
"""

from __future__ import annotations

from dataclasses import dataclass

from reseller_desktop.domain.barcodes import HitKind

ITEM_KINDS = frozenset({HitKind.LISTING, HitKind.CARD, HitKind.STORAGE_ITEM})
PLACE_KINDS = frozenset({HitKind.BIN, HitKind.SECTION})
KIND_NAMES = {HitKind.LISTING: "listing", HitKind.CARD: "card", HitKind.STORAGE_ITEM: "storage item"}


@dataclass(frozen=True)
class ThingRef:
    """A listing, card or storage item, by id."""

    kind: HitKind
    id: int

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"{self.kind} is a place, not a thing that is stored")


@dataclass(frozen=True)
class ScanTarget:
    """A bin (section_id None: loose in the bin) or a section, with its location path."""

    bin_id: int
    section_id: int | None
    path: str

    def holds(self, bin_id: int | None, section_id: int | None) -> bool:
        """Whether a storage item in that bin and section is in this place (a bin holds its loose items)."""
        if self.section_id is not None:
            return section_id == self.section_id
        return bin_id == self.bin_id and section_id is None
