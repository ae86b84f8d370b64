"""The rules of the two scanning sessions of the Storage page. Pure: no Qt, no database.

Put away: the seller scans a bin or section label, then item after item; each item goes to that
place. A later label switches the place. The last move can be taken back.

Audit: the seller scans a section label, then everything physically in it. Each scan is found
where expected, found but recorded elsewhere, or an unknown code; what was expected and never
scanned is missing; a thing scanned twice is flagged as a duplicate.

The services resolve codes to things and do the moves; these classes only keep the running list
and decide what each scan means. A move's receipt (whatever undo needs) is opaque here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic, TypeVar

from reseller_desktop.domain.barcodes import HitKind

Receipt = TypeVar("Receipt")

ITEM_KINDS = frozenset({HitKind.LISTING, HitKind.CARD, HitKind.STORAGE_ITEM})
PLACE_KINDS = frozenset({HitKind.BIN, HitKind.SECTION})
_KIND_NAMES = {HitKind.LISTING: "listing", HitKind.CARD: "card", HitKind.STORAGE_ITEM: "storage item"}


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


# ----- put away ------------------------------------------------------------------------------------


class PutAwayOutcome(StrEnum):
    TARGET = "target"  # a bin or section label: the items after it go there
    MOVED = "moved"
    ALREADY_HERE = "already_here"  # this session already put it in the current place
    NO_TARGET = "no_target"  # an item scanned before any bin or section
    NOT_FOUND = "not_found"  # the code names nothing of the seller's
    REFUSED = "refused"  # the move was refused (a full section, a record gone): nothing moved


@dataclass(frozen=True)
class PutAwayEntry(Generic[Receipt]):
    """One line of the running list."""

    number: int  # the scan's number in the session, from 1
    code: str
    outcome: PutAwayOutcome
    text: str
    thing: ThingRef | None = None
    target: ScanTarget | None = None  # where the item went (MOVED), or the new place (TARGET)
    receipt: Receipt | None = None  # what undo needs (MOVED only)
    undone: bool = False


class PutAwaySession(Generic[Receipt]):
    def __init__(self, target: ScanTarget | None = None) -> None:
        self.target = target
        self._entries: list[PutAwayEntry[Receipt]] = []

    @property
    def entries(self) -> tuple[PutAwayEntry[Receipt], ...]:
        """Oldest first."""
        return tuple(self._entries)

    @property
    def moved_count(self) -> int:
        return sum(1 for e in self._entries if e.outcome is PutAwayOutcome.MOVED and not e.undone)

    def _add(
        self,
        code: str,
        outcome: PutAwayOutcome,
        text: str,
        *,
        thing: ThingRef | None = None,
        target: ScanTarget | None = None,
        receipt: Receipt | None = None,
    ) -> PutAwayEntry[Receipt]:
        entry = PutAwayEntry(len(self._entries) + 1, code, outcome, text, thing=thing, target=target, receipt=receipt)
        self._entries.append(entry)
        return entry

    def switch_to(self, code: str, target: ScanTarget) -> PutAwayEntry[Receipt]:
        self.target = target
        return self._add(code, PutAwayOutcome.TARGET, f"Now putting away into {target.path}", target=target)

    def check(self, code: str, thing: ThingRef, title: str) -> PutAwayEntry[Receipt] | None:
        """Before moving a scanned thing: the entry saying why not (recorded), or None to go ahead."""
        if self.target is None:
            return self._add(
                code,
                PutAwayOutcome.NO_TARGET,
                f"{title}: not moved; scan a bin or section label first, then the items.",
                thing=thing,
            )
        last = self._last_move_of(thing)
        if last is not None and last.target == self.target:
            return self._add(
                code,
                PutAwayOutcome.ALREADY_HERE,
                f"{title} is already in {self.target.path} (scan {last.number}).",
                thing=thing,
                target=self.target,
            )
        return None

    def moved(
        self, code: str, thing: ThingRef, title: str, receipt: Receipt, came_from: str | None
    ) -> PutAwayEntry[Receipt]:
        """Record a move to the current target; `came_from` is the path it left (None: not stored before).

        A thing the records already had in the target did not move: nothing to undo.
        """
        if self.target is None:
            raise ValueError("moved() before any target: call check() first")
        if came_from == self.target.path:
            return self._add(
                code,
                PutAwayOutcome.ALREADY_HERE,
                f"{title} was already in {self.target.path}.",
                thing=thing,
                target=self.target,
            )
        origin = f"from {came_from}" if came_from else "was not in storage"
        return self._add(
            code,
            PutAwayOutcome.MOVED,
            f"{title} → {self.target.path} ({origin})",
            thing=thing,
            target=self.target,
            receipt=receipt,
        )

    def refused(self, code: str, message: str, thing: ThingRef | None = None) -> PutAwayEntry[Receipt]:
        return self._add(code, PutAwayOutcome.REFUSED, message, thing=thing)

    def not_found(self, code: str, message: str) -> PutAwayEntry[Receipt]:
        return self._add(code, PutAwayOutcome.NOT_FOUND, message)

    def last_undoable(self) -> PutAwayEntry[Receipt] | None:
        """The newest move not yet undone."""
        return next((e for e in reversed(self._entries) if e.outcome is PutAwayOutcome.MOVED and not e.undone), None)

    def mark_undone(self, number: int) -> PutAwayEntry[Receipt]:
        position = number - 1
        entry = self._entries[position]
        if entry.outcome is not PutAwayOutcome.MOVED or entry.undone:
            raise ValueError(f"scan {number} is not a move that can be undone")
        self._entries[position] = replace(entry, undone=True)
        return self._entries[position]

    def _last_move_of(self, thing: ThingRef) -> PutAwayEntry[Receipt] | None:
        moves = (e for e in reversed(self._entries) if e.outcome is PutAwayOutcome.MOVED and not e.undone)
        return next((e for e in moves if e.thing == thing), None)


# ----- audit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedItem:
    """A storage item the records place in the audited section."""

    storage_item_id: int
    storage_id: str
    title: str
    listing_id: int | None = None
    card_ids: tuple[int, ...] = ()

    def matches(self, thing: ThingRef) -> bool:
        if thing.kind is HitKind.STORAGE_ITEM:
            return thing.id == self.storage_item_id
        if thing.kind is HitKind.LISTING:
            return thing.id == self.listing_id
        return thing.id in self.card_ids


@dataclass(frozen=True)
class Recorded:
    """A storage item that holds a scanned thing, and where the records put it."""

    storage_item_id: int
    bin_id: int | None
    section_id: int | None
    path: str | None  # None: in no bin
    removed_from: str | None = None  # the path it was taken out of when it sold


@dataclass(frozen=True)
class Sighting:
    """A scanned thing and what the records say about it (no storage items: never stored)."""

    thing: ThingRef
    title: str
    recorded: tuple[Recorded, ...] = ()

    def recorded_text(self) -> str:
        places = []
        for record in self.recorded:
            if record.path:
                places.append(record.path)
            elif record.removed_from:
                places.append(f"taken out of {record.removed_from} when it sold")
            else:
                places.append("in no bin")
        return ", ".join(dict.fromkeys(places)) or f"no storage record for this {_KIND_NAMES[self.thing.kind]}"


class AuditVerdict(StrEnum):
    FOUND = "found"  # where the records expect it
    ELSEWHERE = "elsewhere"  # here, but recorded somewhere else (or nowhere)
    UNKNOWN = "unknown"  # the code names nothing of the seller's that can be stored


@dataclass(frozen=True)
class AuditEntry:
    number: int
    code: str
    verdict: AuditVerdict
    text: str
    thing: ThingRef | None = None
    duplicate_of: int | None = None  # the first scan of the same thing (or the same unknown code)


@dataclass(frozen=True)
class FoundLine:
    storage_item_id: int
    title: str
    scans: int
    note: str = ""  # how it came to be found here, when not simply as recorded


@dataclass(frozen=True)
class ElsewhereLine:
    sighting: Sighting
    code: str
    scans: int


@dataclass(frozen=True)
class UnknownLine:
    code: str
    reason: str
    scans: int

    @property
    def text(self) -> str:
        return _with_code(self.code, self.reason)


def _with_code(code: str, reason: str) -> str:
    """The reason, led by the code unless it names the code itself ("Nothing was found for X.")."""
    return reason if code.casefold() in reason.casefold() else f"{code}: {reason}"


@dataclass(frozen=True)
class AuditReport:
    section: ScanTarget
    found: tuple[FoundLine, ...]
    elsewhere: tuple[ElsewhereLine, ...]
    missing: tuple[ExpectedItem, ...]
    unknown: tuple[UnknownLine, ...]
    duplicates: tuple[tuple[str, int], ...]  # (what, times scanned) for everything scanned more than once

    @property
    def is_clean(self) -> bool:
        return not (self.elsewhere or self.missing or self.unknown)

    def summary(self) -> str:
        parts = [
            f"{len(self.found)} found",
            f"{len(self.elsewhere)} recorded elsewhere",
            f"{len(self.missing)} missing",
            f"{len(self.unknown)} unknown",
        ]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} scanned more than once")
        return f"{self.section.path}: " + ", ".join(parts) + "."


class AuditSession:
    def __init__(self, section: ScanTarget, expected: Iterable[ExpectedItem]) -> None:
        self.section = section
        self._expected = {item.storage_item_id: item for item in expected}
        self._entries: list[AuditEntry] = []
        self._found: dict[int, FoundLine] = {}  # by storage item id
        self._elsewhere: dict[ThingRef, ElsewhereLine] = {}
        self._unknown: dict[str, UnknownLine] = {}  # by code as scanned, case-folded
        self._first_scan: dict[ThingRef, int] = {}  # the number of each thing's first scan
        self._scans_of: dict[ThingRef, int] = {}
        self._titles: dict[ThingRef, str] = {}

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._entries)

    def preferred(self, candidates: Sequence[ThingRef]) -> ThingRef | None:
        """Of the things one code names (copies sharing a UPC), the first expected here and not yet
        scanned: the seller holding one of those copies means that one. None: ask the seller."""
        for thing in candidates:
            if thing not in self._scans_of and any(
                item.matches(thing) and item.storage_item_id not in self._found for item in self._expected.values()
            ):
                return thing
        return None

    def scanned(self, code: str, sighting: Sighting) -> AuditEntry:
        thing = sighting.thing
        duplicate_of = self._first_scan.get(thing)
        number = len(self._entries) + 1
        self._first_scan.setdefault(thing, number)
        self._scans_of[thing] = self._scans_of.get(thing, 0) + 1
        self._titles[thing] = sighting.title
        here = self._matched_here(sighting)
        if here:
            self._elsewhere.pop(thing, None)  # moved here meanwhile (by a fix, or by another client)
            for storage_item_id, note in here:
                line = self._found.get(storage_item_id)
                if line is None:
                    self._found[storage_item_id] = FoundLine(storage_item_id, sighting.title, 1, note)
                else:
                    self._found[storage_item_id] = replace(line, scans=line.scans + 1)
            verdict, text = AuditVerdict.FOUND, f"{sighting.title}: found where expected."
        else:
            previous = self._elsewhere.get(thing)
            self._elsewhere[thing] = ElsewhereLine(sighting, code, previous.scans + 1 if previous else 1)
            verdict = AuditVerdict.ELSEWHERE
            text = f"{sighting.title}: found here, but recorded as {sighting.recorded_text()}."
        if duplicate_of is not None:
            text += f" Duplicate: already scanned as scan {duplicate_of}."
        entry = AuditEntry(number, code, verdict, text, thing, duplicate_of)
        self._entries.append(entry)
        return entry

    def unknown(self, code: str, reason: str) -> AuditEntry:
        key = code.casefold()
        previous = self._unknown.get(key)
        number = len(self._entries) + 1
        duplicate_of = next((e.number for e in self._entries if e.thing is None and e.code.casefold() == key), None)
        self._unknown[key] = replace(previous, scans=previous.scans + 1) if previous else UnknownLine(code, reason, 1)
        text = _with_code(code, reason)
        if duplicate_of is not None:
            text += f" Duplicate: already scanned as scan {duplicate_of}."
        entry = AuditEntry(number, code, AuditVerdict.UNKNOWN, text, None, duplicate_of)
        self._entries.append(entry)
        return entry

    def fixed(self, thing: ThingRef, storage_item_ids: Sequence[int]) -> None:
        """A thing found here but recorded elsewhere was moved here: it now counts as found."""
        line = self._elsewhere.pop(thing, None)
        if line is None:
            raise ValueError(f"{thing} was not found recorded elsewhere")
        for storage_item_id in storage_item_ids:
            self._found[storage_item_id] = FoundLine(
                storage_item_id, line.sighting.title, line.scans, f"moved here from {line.sighting.recorded_text()}"
            )

    def report(self) -> AuditReport:
        missing = tuple(
            item
            for item in sorted(self._expected.values(), key=lambda i: (i.title.casefold(), i.storage_item_id))
            if item.storage_item_id not in self._found
        )
        duplicates = [(self._titles[thing], count) for thing, count in self._scans_of.items() if count > 1]
        duplicates += [(line.code, line.scans) for line in self._unknown.values() if line.scans > 1]
        return AuditReport(
            section=self.section,
            found=tuple(sorted(self._found.values(), key=lambda f: (f.title.casefold(), f.storage_item_id))),
            elsewhere=tuple(self._elsewhere.values()),
            missing=missing,
            unknown=tuple(self._unknown.values()),
            duplicates=tuple(duplicates),
        )

    def _matched_here(self, sighting: Sighting) -> list[tuple[int, str]]:
        """(storage item id, note) of the storage items this sighting shows to be here as recorded."""
        here: dict[int, str] = {}
        for item in self._expected.values():
            if item.matches(sighting.thing):
                here[item.storage_item_id] = ""
        for record in sighting.recorded:
            if record.storage_item_id in self._expected:
                here.setdefault(record.storage_item_id, "")
            elif self.section.holds(record.bin_id, record.section_id):
                # Moved in by someone else after the audit began: the records agree it is here.
                here.setdefault(record.storage_item_id, "recorded here since the audit began")
        return list(here.items())
