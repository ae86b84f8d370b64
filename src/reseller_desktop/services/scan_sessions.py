"""The database side of the put-away and audit sessions: what a scanned code is, where the records
put it, and the moves (and their undo). Each function is one worker call; plain records out.

A scan costs one lookup; what the session needs to decide about it (where a place label points,
where a scanned thing is recorded) is read in the same unit of work, so a fast scanner is answered
in order without a second round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.audit import ExpectedItem, Recorded, Sighting
from reseller_desktop.domain.barcodes import HitKind, ScanHit, classify
from reseller_desktop.domain.records import StoredThing
from reseller_desktop.domain.scan_sessions import ScanTarget, ThingRef
from reseller_desktop.repositories.code_lookup import CodeLookupRepository
from reseller_desktop.services.storage_browser import place_of, place_target
from reseller_desktop.services.storage_moves import MoveResult, Thing, ThingKind, move_things, undo_moves

UnitOfWorkFactory = Callable[[], UnitOfWork]
THING_KINDS: Mapping[HitKind, ThingKind] = {
    HitKind.LISTING: "listing",
    HitKind.CARD: "card",
    HitKind.STORAGE_ITEM: "storage_item",
}


@dataclass(frozen=True)
class ScanLookup:
    """What one scanned code names, with what a session needs to act on each hit."""

    code: str
    hits: tuple[ScanHit, ...]
    problem: str = ""  # why nothing matched (a misread, or nothing of the seller's), when hits is empty
    targets: Mapping[ScanHit, ScanTarget] = field(default_factory=dict)  # bin and section hits
    sightings: Mapping[ScanHit, Sighting] = field(default_factory=dict)  # item hits, when asked for


@dataclass(frozen=True)
class PutAwayMove:
    results: tuple[MoveResult, ...]
    came_from: str | None  # the place(s) it left, None when it was on no shelf

    @property
    def stayed(self) -> bool:
        return all(r.stayed for r in self.results)


def thing_of(ref: ThingRef) -> Thing:
    return Thing(THING_KINDS[ref.kind], ref.id)


def look_up(new_uow: UnitOfWorkFactory, code: str, *, with_sightings: bool = False) -> ScanLookup:
    """Hits for `code`; each bin or section hit with its place; with `with_sightings`, each item hit
    with where the records put it. Raises EmptyScanError for a blank code."""
    scanned = classify(code)
    with new_uow() as uow:
        hits = tuple(CodeLookupRepository(uow.connection, uow.user_id).find(scanned.text))
        if not hits:
            misread = scanned.misread_error()
            problem = misread.message if misread else f"Nothing was found for {scanned.text}."
            return ScanLookup(scanned.text, hits, problem)
        targets = {hit: place_target(uow, hit) for hit in hits if hit.kind in (HitKind.BIN, HitKind.SECTION)}
        sightings = {hit: _sighting(uow, hit) for hit in hits if hit.kind in THING_KINDS} if with_sightings else {}
    return ScanLookup(scanned.text, hits, "", targets, sightings)


def _recorded(thing: StoredThing) -> Recorded:
    return Recorded(thing.storage_item_id, thing.bin_id, thing.section_id, thing.path, thing.removed_from)


def _sighting(uow: UnitOfWork, hit: ScanHit) -> Sighting:
    items = schema.storage_items
    if hit.kind is HitKind.STORAGE_ITEM:
        item_ids: list[int] = [hit.id]
    elif hit.kind is HitKind.LISTING:
        # Its items taken off the shelf when it sold count too: one found on a shelf is worth a word.
        item_ids = list(
            uow.connection.scalars(
                select(items.c.id)
                .where(items.c.listing_id == hit.id, items.c.user_id == uow.user_id)
                .order_by(items.c.id)
            )
        )
    else:
        card = uow.cards.get(hit.id)
        item_ids = [card.storage_item_id] if card.storage_item_id is not None else []
    recorded = tuple(_recorded(uow.storage.where_is(item_id)) for item_id in item_ids)
    return Sighting(ThingRef(hit.kind, hit.id), hit.title, recorded)


def put_away(new_uow: UnitOfWorkFactory, thing: ThingRef, target: ScanTarget) -> PutAwayMove:
    """Move a scanned thing to the session's place (one transaction; SectionFullError when full)."""
    results = move_things(new_uow, [thing_of(thing)], place_of(target), via="scan")
    origins = [r.from_path for r in results if r.from_path]
    return PutAwayMove(tuple(results), ", ".join(dict.fromkeys(origins)) or None)


def undo_put_away(new_uow: UnitOfWorkFactory, move: PutAwayMove) -> None:
    """Put back what one put-away scan moved, all or nothing (refused if it was moved again since)."""
    undo_moves(new_uow, list(reversed(move.results)))


def expected_in(new_uow: UnitOfWorkFactory, target: ScanTarget) -> list[ExpectedItem]:
    """What the records say a section (or a bin, loose) holds, for an audit of it."""
    with new_uow() as uow:
        stored = uow.storage.contents(target.bin_id, target.section_id)
    return [ExpectedItem(s.storage_item_id, s.storage_id, s.title, s.listing_id, s.card_ids) for s in stored]


def fix_audit(new_uow: UnitOfWorkFactory, things: Sequence[ThingRef], target: ScanTarget) -> list[MoveResult]:
    """Move things found in the audited place but recorded elsewhere into it, all or none."""
    return move_things(new_uow, [thing_of(t) for t in things], place_of(target), via="scan")
