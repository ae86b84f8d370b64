"""What the Storage page reads and changes: the tree, a place's contents, removed items, bins and
sections. Each function is one unit of work on a worker thread, plain records out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.barcodes import HitKind, ScanHit
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import BinNode, BinRecord, SectionRecord, StoredThing
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.domain.storage_paths import location_path
from reseller_desktop.services.storage_moves import MoveResult, Place, Thing, move_things

UnitOfWorkFactory = Callable[[], UnitOfWork]
# Offered in the New bin dialog next to the types the seller already uses; any other word is fine too.
STANDARD_BIN_TYPES = ("clothing", "cards")


def place_of(target: ScanTarget) -> Place:
    return Place(target.bin_id, target.section_id)


def load_tree(new_uow: UnitOfWorkFactory) -> list[BinNode]:
    with new_uow() as uow:
        return uow.storage.tree()


def load_contents(new_uow: UnitOfWorkFactory, target: ScanTarget) -> list[StoredThing]:
    """A section's items, or the items loose in a bin (in none of its sections)."""
    with new_uow() as uow:
        return uow.storage.contents(target.bin_id, target.section_id)


def load_removed(new_uow: UnitOfWorkFactory) -> list[StoredThing]:
    """Items that left the shelf when their listing sold out, newest first, with where they were."""
    with new_uow() as uow:
        return uow.storage.removed()


def _capacity(capacity: int | None) -> int | None:
    if capacity is not None and capacity < 0:
        raise ValidationError([FieldError("capacity", "Capacity is a whole number, 0 or more (empty: no limit).")])
    return capacity


def add_bin(new_uow: UnitOfWorkFactory, bin_name: str, bin_type: str, description: str | None = None) -> BinRecord:
    with new_uow() as uow:
        record = uow.storage.add_bin(bin_name, bin_type, description or None)
        uow.commit()
        return record


def add_section(
    new_uow: UnitOfWorkFactory, bin_id: int, section_name: str, capacity: int | None = None
) -> SectionRecord:
    with new_uow() as uow:
        record = uow.storage.add_section(bin_id, section_name, _capacity(capacity))
        uow.commit()
        return record


def rename_place(new_uow: UnitOfWorkFactory, target: ScanTarget, name: str) -> str:
    """Rename a bin or section; returns the name as saved."""
    with new_uow() as uow:
        if target.section_id is None:
            saved = uow.storage.rename_bin(target.bin_id, name).bin_name
        else:
            saved = uow.storage.rename_section(target.section_id, name).section_name
        uow.commit()
        return saved


def set_capacity(new_uow: UnitOfWorkFactory, section_id: int, capacity: int | None) -> SectionRecord:
    """Raises SectionFullError when the section already holds more than the new capacity."""
    with new_uow() as uow:
        record = uow.storage.set_capacity(section_id, _capacity(capacity))
        uow.commit()
        return record


def delete_place(new_uow: UnitOfWorkFactory, target: ScanTarget) -> None:
    """Delete an empty bin (with its empty sections) or an empty section; refused while it holds items."""
    with new_uow() as uow:
        if target.section_id is None:
            uow.storage.delete_bin(target.bin_id)
        else:
            uow.storage.delete_section(target.section_id)
        uow.commit()


def move_storage_items(
    new_uow: UnitOfWorkFactory, storage_item_ids: Sequence[int], target: ScanTarget, *, via: str
) -> list[MoveResult]:
    """Move these storage items to a bin or section, all or none (SectionFullError when it cannot
    take them all); `via` is "drag" or "bulk" for the activity log."""
    things = [Thing("storage_item", item_id) for item_id in dict.fromkeys(storage_item_ids)]
    return move_things(new_uow, things, place_of(target), via=via)


def place_target(uow: UnitOfWork, hit: ScanHit) -> ScanTarget:
    """The bin or section a scanned label names, with its location path."""
    if hit.kind is HitKind.BIN:
        bin_record = uow.storage.get_bin(hit.id)
        return ScanTarget(bin_record.id, None, location_path(bin_record.bin_name, None))
    section = uow.storage.get_section(hit.id)
    if section.bin_id is None:  # get_section finds only sections in the user's bins
        raise NotFoundError("bin of section", hit.id)
    bin_record = uow.storage.get_bin(section.bin_id)
    return ScanTarget(bin_record.id, section.id, location_path(bin_record.bin_name, section.section_name))


def place_of_hit(new_uow: UnitOfWorkFactory, hit: ScanHit) -> tuple[ScanTarget | None, int | None, str]:
    """Where a scanned bin, section or storage item is: the place to show, the item to select in it,
    and a sentence for the status bar."""
    with new_uow() as uow:
        if hit.kind in (HitKind.BIN, HitKind.SECTION):
            target = place_target(uow, hit)
            return target, None, f"{'Bin' if target.section_id is None else 'Section'} {target.path}"
        thing = uow.storage.where_is(hit.id)
        if thing.bin_id is None or thing.path is None:
            where = f"sold out; it was in {thing.removed_from}" if thing.removed_from else "on no shelf"
            return None, None, f"{thing.title} ({thing.storage_id}) is {where}."
        return (
            ScanTarget(thing.bin_id, thing.section_id, thing.path),
            thing.storage_item_id,
            f"{thing.title} is in {thing.path}",
        )
