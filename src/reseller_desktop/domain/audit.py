"""The rules of an audit session. Pure: no Qt, no database.

The seller scans a section label, then everything physically in it. Each scan is found where
expected, found but recorded elsewhere, or an unknown code; what was expected and never scanned is
missing; a thing scanned twice is flagged as a duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from reseller_desktop.domain.barcodes import HitKind
from reseller_desktop.domain.scan_sessions import KIND_NAMES, ScanTarget, ThingRef


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
        return ", ".join(dict.fromkeys(places)) or f"no storage record for this {KIND_NAMES[self.thing.kind]}"


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
        self._titles: dict[ThingRef, str] = {}  # every thing scanned, in the order first scanned

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return tuple(self._entries)

    def preferred(self, candidates: Sequence[ThingRef]) -> ThingRef | None:
        """Of the things one code names (copies sharing a UPC), the first expected here and not yet
        scanned: the seller holding one of those copies means that one. None: ask the seller."""
        for thing in candidates:
            if thing not in self._titles and any(
                item.matches(thing) and item.storage_item_id not in self._found for item in self._expected.values()
            ):
                return thing
        return None

    def scanned(self, code: str, sighting: Sighting) -> AuditEntry:
        thing = sighting.thing
        duplicate_of = self._first_scan(lambda e: e.thing == thing)
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
            return self._log(code, AuditVerdict.FOUND, f"{sighting.title}: found where expected.", thing, duplicate_of)
        previous = self._elsewhere.get(thing)
        self._elsewhere[thing] = ElsewhereLine(sighting, code, previous.scans + 1 if previous else 1)
        text = f"{sighting.title}: found here, but recorded as {sighting.recorded_text()}."
        return self._log(code, AuditVerdict.ELSEWHERE, text, thing, duplicate_of)

    def unknown(self, code: str, reason: str) -> AuditEntry:
        key = code.casefold()
        duplicate_of = self._first_scan(lambda e: e.thing is None and e.code.casefold() == key)
        previous = self._unknown.get(key)
        self._unknown[key] = replace(previous, scans=previous.scans + 1) if previous else UnknownLine(code, reason, 1)
        return self._log(code, AuditVerdict.UNKNOWN, _with_code(code, reason), None, duplicate_of)

    def _first_scan(self, same: Callable[[AuditEntry], bool]) -> int | None:
        """The number of the first scan of the same thing (or unknown code), None on its first scan."""
        return next((e.number for e in self._entries if same(e)), None)

    def _log(
        self, code: str, verdict: AuditVerdict, text: str, thing: ThingRef | None, duplicate_of: int | None
    ) -> AuditEntry:
        if duplicate_of is not None:
            text += f" Duplicate: already scanned as scan {duplicate_of}."
        entry = AuditEntry(len(self._entries) + 1, code, verdict, text, thing, duplicate_of)
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
        scans_of = Counter(e.thing for e in self._entries if e.thing is not None)
        duplicates = [(self._titles[thing], count) for thing, count in scans_of.items() if count > 1]
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
