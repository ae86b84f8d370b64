"""Loading what storage labels say, for the bins, sections and items a seller selected.

Runs on a worker thread: one read-only unit of work, plain `LabelData` out. Labels come in the
order a seller sticks them on: each bin (followed by its sections when asked), then the sections
picked on their own, then items; a section picked twice (on its own and through its bin) gets one
label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.barcodes import bin_label_code, section_label_code
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.domain.label_content import LabelData, bin_label, content_line, item_label, section_label
from reseller_desktop.domain.records import BinRecord, SectionRecord, StorageItemRecord
from reseller_desktop.domain.storage_paths import location_path

UnitOfWorkFactory = Callable[[], UnitOfWork]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _unique(ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(ids))


@dataclass(frozen=True)
class LabelTargets:
    """What to print labels for: ids of the signed-in user's bins, sections and storage items."""

    bin_ids: tuple[int, ...] = ()
    section_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # Callers pass lists or generators from a selection; keep them as tuples without repeats.
        object.__setattr__(self, "bin_ids", _unique(self.bin_ids))
        object.__setattr__(self, "section_ids", _unique(self.section_ids))
        object.__setattr__(self, "item_ids", _unique(self.item_ids))

    @property
    def is_empty(self) -> bool:
        return not (self.bin_ids or self.section_ids or self.item_ids)

    def describe(self) -> str:
        """ "2 bins, 1 section and 3 items"."""
        parts = [
            _plural(len(ids), one, many)
            for ids, one, many in (
                (self.bin_ids, "bin", "bins"),
                (self.section_ids, "section", "sections"),
                (self.item_ids, "item", "items"),
            )
            if ids
        ]
        if len(parts) < 2:
            return parts[0] if parts else "nothing"
        return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _item_title(uow: UnitOfWork, item: StorageItemRecord) -> str | None:
    """An item label's title: the item's own, else the title of the listing it stands for (the web
    app often leaves a listing's storage item untitled)."""
    if (item.title or "").strip() or item.listing_id is None:
        return item.title
    try:
        return uow.listings.get(item.listing_id).title
    except NotFoundError:
        return None


def _section_label(uow: UnitOfWork, section: SectionRecord, bin_: BinRecord) -> LabelData:
    # What the Storage page lists: an untitled item by its listing's title, else its first card's.
    stored = uow.storage.contents(bin_.id, section.id)
    lines = [content_line(thing.title, thing.quantity, thing.storage_id) for thing in stored]
    contents = sorted(lines, key=str.casefold)  # as a seller looks for a name on the list
    path = location_path(bin_.bin_name, section.section_name)
    return section_label(section_label_code(section.id), path, section.capacity, contents)


def load_labels(new_uow: UnitOfWorkFactory, targets: LabelTargets, *, bin_sections: bool = False) -> list[LabelData]:
    """The labels for `targets`; with `bin_sections`, each selected bin's sections get one too.

    Raises NotFoundError when one of them was deleted meanwhile (or is not the user's).
    """
    labels: list[LabelData] = []
    done_sections: set[int] = set()
    with new_uow() as uow:
        bins: dict[int, BinRecord] = {}

        def bin_of(bin_id: int) -> BinRecord:
            if bin_id not in bins:
                bins[bin_id] = uow.storage.get_bin(bin_id)
            return bins[bin_id]

        for bin_id in targets.bin_ids:
            bin_ = bin_of(bin_id)
            labels.append(bin_label(bin_label_code(bin_.id), bin_.bin_name, bin_.bin_type))
            if bin_sections:
                for section in uow.storage.sections_of(bin_id):
                    labels.append(_section_label(uow, section, bin_))
                    done_sections.add(section.id)
        for section_id in targets.section_ids:
            if section_id in done_sections:
                continue
            section = uow.storage.get_section(section_id)
            if section.bin_id is None:  # get_section only finds sections in the user's bins
                raise NotFoundError("section", section_id)
            labels.append(_section_label(uow, section, bin_of(section.bin_id)))
            done_sections.add(section_id)
        for item_id in targets.item_ids:
            item = uow.storage.get_item(item_id)
            labels.append(item_label(item.storage_id, _item_title(uow, item), item.item_type, item.quantity))
    return labels
