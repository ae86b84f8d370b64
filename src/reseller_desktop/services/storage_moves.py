"""Moving things onto shelves: listings, cards and storage items, by drag and drop, bulk or scan.

What moves is always a storage item (the thing on the shelf):
- a storage item moves itself;
- a listing moves its storage items still on a shelf, or gets one made for it;
- a card moves its own storage item, or gets one made for it when it has none or shares one with
  other cards (a binder page of ten cards is not dragged along with one of them).
One call is one transaction: every thing moves, or nothing does (a full section refuses the lot). The
database recounts the sections, refuses a full one, and points the listing's and card's
storage_location at the new place; every move is written to activity_logs with how it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError, SectionFullError, UserError, ValidationError
from reseller_desktop.domain.records import StorageItemRecord
from reseller_desktop.domain.storage_paths import location_path

ThingKind = Literal["listing", "card", "storage_item"]
UowFactory = Callable[[], AbstractContextManager[UnitOfWork]]


@dataclass(frozen=True)
class Thing:
    kind: ThingKind
    id: int


@dataclass(frozen=True)
class Place:
    bin_id: int
    section_id: int | None = None


@dataclass(frozen=True)
class MoveResult:
    thing: Thing
    storage_item_id: int
    title: str
    from_place: Place | None  # None: it was on no shelf
    from_path: str | None
    to_path: str
    created: bool  # a storage item was made for it by this move
    to_place: Place | None = None
    previous_storage_item_id: int | None = None  # a card's earlier (shared) item, put back by undo
    previous_location: str | None = None  # the listing's or card's location text before, put back by undo

    @property
    def stayed(self) -> bool:
        """It was already there: nothing was written. (By place, not path: two bins may share a name.)"""
        return not self.created and self.from_place == self.to_place


class MovedSinceError(UserError):
    def __init__(self, title: str, now: str | None) -> None:
        where = f"it is in {now} now" if now else "it is on no shelf now"
        super().__init__(
            f"{title} was moved again after this move ({where}), so it cannot be undone.",
            "Nothing was changed; move it by hand if needed.",
        )


def move_things(new_uow: UowFactory, things: Sequence[Thing], to: Place, *, via: str) -> list[MoveResult]:
    """Move every thing to `to` in one transaction (see the module's docstring)."""
    with new_uow() as uow:
        results = move_in(uow, things, to, via=via)
        uow.commit()
    return results


def move_in(uow: UnitOfWork, things: Sequence[Thing], to: Place, *, via: str) -> list[MoveResult]:
    to_path = _check_place(uow, to)
    plans = _distinct_items([plan for thing in dict.fromkeys(things) for plan in _plan(uow, thing)])
    # Every section this move touches is locked first, in one id-ordered statement: two bulk moves
    # between the same sections then queue instead of deadlocking.
    uow.storage.lock_sections([to.section_id, *(p.item.section_id for p in plans if p.item is not None)])
    _check_room(uow, to, to_path, plans)
    return [_carry_out(uow, plan, to, to_path, via) for plan in plans]


def undo_move(new_uow: UowFactory, result: MoveResult) -> None:
    """Put a moved thing back where it was; a storage item made for it is deleted again."""
    undo_moves(new_uow, [result])


def undo_moves(new_uow: UowFactory, results: Sequence[MoveResult]) -> None:
    """Undo a move of several things in one transaction: all go back, or (MovedSinceError when one
    was moved again meanwhile, SectionFullError when its old section filled up) none does."""
    with new_uow() as uow:
        places = [p for r in results for p in (r.to_place, r.from_place) if p is not None]
        uow.storage.lock_sections([p.section_id for p in places])
        for result in results:
            _undo_one(uow, result)
        uow.commit()


def _undo_one(uow: UnitOfWork, result: MoveResult) -> None:
    if result.stayed:
        return
    item = uow.storage.get_item(result.storage_item_id)
    if result.to_place is not None and (item.bin_id, item.section_id) != (
        result.to_place.bin_id,
        result.to_place.section_id,
    ):
        raise MovedSinceError(result.title, uow.storage.where_is(item.id).path)
    if not result.created:
        back = result.from_place
        uow.storage.move_item(item.id, back.bin_id if back else None, back.section_id if back else None, via="undo")
        return
    uow.storage.delete_item(item.id)
    if result.thing.kind == "card":
        uow.cards.update(
            result.thing.id,
            {"storage_item_id": result.previous_storage_item_id, "storage_location": result.previous_location},
        )
    elif result.thing.kind == "listing":
        listing = uow.listings.get(result.thing.id)
        # An active listing must say where it is; it keeps the shelf's name rather than none.
        if result.previous_location is not None or listing.status != "active":
            uow.listings.update(listing.id, {"storage_location": result.previous_location})


def _distinct_items(plans: Sequence[_Plan]) -> list[_Plan]:
    """One plan per storage item (a listing and its own item, both chosen, move it once)."""
    seen: set[int] = set()
    kept = []
    for plan in plans:
        if plan.item is not None:
            if plan.item.id in seen:
                continue
            seen.add(plan.item.id)
        kept.append(plan)
    return kept


# ----- planning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Plan:
    thing: Thing
    title: str
    item: StorageItemRecord | None  # None: make one
    new_item: Mapping[str, object]  # values for the item to make
    previous_storage_item_id: int | None = None
    previous_location: str | None = None


def _check_place(uow: UnitOfWork, to: Place) -> str:
    bin_record = uow.storage.get_bin(to.bin_id)
    if to.section_id is None:
        return location_path(bin_record.bin_name, None)
    section = uow.storage.get_section(to.section_id)
    if section.bin_id != to.bin_id:
        raise ValidationError([FieldError("section_id", "That section is in another bin.")])
    return location_path(bin_record.bin_name, section.section_name)


def _plan(uow: UnitOfWork, thing: Thing) -> list[_Plan]:
    if thing.kind == "storage_item":
        item = uow.storage.get_item(thing.id)
        if item.removed_at is not None:
            raise ValidationError(
                [
                    FieldError(
                        "storage_item",
                        f"{item.title or item.storage_id} left the shelf when its listing sold out "
                        f"(it was in {item.removed_from or 'no section'}); it stays under Storage → Removed "
                        "(sold) for the record. To shelve a returned item, make a new listing for it.",
                    )
                ]
            )
        return [_Plan(thing, item.title or item.storage_id, item, {})]
    if thing.kind == "listing":
        listing = uow.listings.get(thing.id)
        stored = uow.storage.storage_items_of_listing(thing.id)
        if stored:
            return [_Plan(thing, listing.title, uow.storage.get_item(s.storage_item_id), {}) for s in stored]
        values = {
            "title": listing.title,
            "item_type": listing.item_type,
            "category": listing.category,
            "quantity": listing.quantity if listing.quantity is not None else 1,
            "listing_id": listing.id,
        }
        return [_Plan(thing, listing.title, None, values, previous_location=listing.storage_location)]
    card = uow.cards.get(thing.id)
    if card.storage_item_id is not None:
        item = uow.storage.get_item(card.storage_item_id)
        if item.removed_at is None and uow.cards.count_in_storage_item(item.id) == 1:
            return [_Plan(thing, card.title, item, {})]
    values = {"title": card.title, "item_type": "trading_card", "quantity": card.quantity or 1}
    return [
        _Plan(
            thing,
            card.title,
            None,
            values,
            previous_storage_item_id=card.storage_item_id,
            previous_location=card.storage_location,
        )
    ]


def _check_room(uow: UnitOfWork, to: Place, to_path: str, plans: Sequence[_Plan]) -> None:
    """Refuse the whole move up front when the section cannot take it all (the database would too)."""
    if to.section_id is None:
        return
    section = uow.storage.get_section(to.section_id)
    if section.capacity is None:
        return
    entering = sum(1 for p in plans if p.item is None or p.item.section_id != to.section_id)
    room = max(section.capacity - (section.item_count or 0), 0)
    if entering > room:
        raise SectionFullError(
            f"Section {to_path} has room for {room} more (capacity {section.capacity}); {entering} would go in.",
            "Choose another section, move fewer, or raise its capacity. Nothing was moved.",
        )


def _carry_out(uow: UnitOfWork, plan: _Plan, to: Place, to_path: str, via: str) -> MoveResult:
    if plan.item is None:
        made = uow.storage.add_item({**plan.new_item, "bin_id": to.bin_id, "section_id": to.section_id})
        if plan.thing.kind == "card":
            uow.cards.update(plan.thing.id, {"storage_item_id": made.id})
        uow.activity_log.record(
            "move_storage_item",
            "storage_item",
            made.id,
            {"from": None, "to": to_path, "via": via, plan.thing.kind: plan.thing.id},
        )
        return MoveResult(
            plan.thing,
            made.id,
            plan.title,
            None,
            None,
            to_path,
            created=True,
            to_place=to,
            previous_storage_item_id=plan.previous_storage_item_id,
            previous_location=plan.previous_location,
        )
    item = plan.item
    from_place = Place(item.bin_id, item.section_id) if item.bin_id is not None else None
    from_path = uow.storage.where_is(item.id).path
    if from_place != to:
        uow.storage.move_item(item.id, to.bin_id, to.section_id, via=via)
    return MoveResult(plan.thing, item.id, plan.title, from_place, from_path, to_path, created=False, to_place=to)
