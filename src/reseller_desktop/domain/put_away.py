"""The rules of a put-away session. Pure: no Qt, no database.

The seller scans a bin or section label, then item after item; each item goes to that place. A
later label switches the place. The last move can be taken back. A move's receipt (whatever undo
needs) is opaque here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic, TypeVar

from reseller_desktop.domain.scan_sessions import ScanTarget, ThingRef

Receipt = TypeVar("Receipt")


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

    @property
    def undoable(self) -> bool:
        return self.outcome is PutAwayOutcome.MOVED and not self.undone


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
        return sum(1 for e in self._entries if e.undoable)

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
            text = f"{title}: not moved; scan a bin or section label first, then the items."
            return self._add(code, PutAwayOutcome.NO_TARGET, text, thing=thing)
        last = self._last_move_of(thing)
        if last is not None and last.target == self.target:
            return self._already_here(code, thing, f"{title} is already in {self.target.path} (scan {last.number}).")
        return None

    def moved(
        self,
        code: str,
        thing: ThingRef,
        title: str,
        receipt: Receipt,
        came_from: str | None,
        *,
        stayed: bool = False,
    ) -> PutAwayEntry[Receipt]:
        """Record a move to the current target; `came_from` is the path it left (None: not stored before).

        A thing the records already had in the target (`stayed`: the same place, not merely a place of
        the same name) did not move: nothing to undo.
        """
        if self.target is None:
            raise ValueError("moved() before any target: call check() first")
        if stayed:
            return self._already_here(code, thing, f"{title} was already in {self.target.path}.")
        origin = f"from {came_from}" if came_from else "was not in storage"
        text = f"{title} → {self.target.path} ({origin})"
        return self._add(code, PutAwayOutcome.MOVED, text, thing=thing, target=self.target, receipt=receipt)

    def _already_here(self, code: str, thing: ThingRef, text: str) -> PutAwayEntry[Receipt]:
        return self._add(code, PutAwayOutcome.ALREADY_HERE, text, thing=thing, target=self.target)

    def refused(self, code: str, message: str, thing: ThingRef | None = None) -> PutAwayEntry[Receipt]:
        return self._add(code, PutAwayOutcome.REFUSED, message, thing=thing)

    def not_found(self, code: str, message: str) -> PutAwayEntry[Receipt]:
        return self._add(code, PutAwayOutcome.NOT_FOUND, message)

    def last_undoable(self) -> PutAwayEntry[Receipt] | None:
        """The newest move not yet undone."""
        return next((e for e in reversed(self._entries) if e.undoable), None)

    def mark_undone(self, number: int) -> PutAwayEntry[Receipt]:
        position = number - 1
        entry = self._entries[position]
        if not entry.undoable:
            raise ValueError(f"scan {number} is not a move that can be undone")
        self._entries[position] = replace(entry, undone=True)
        return self._entries[position]

    def _last_move_of(self, thing: ThingRef) -> PutAwayEntry[Receipt] | None:
        return next((e for e in reversed(self._entries) if e.undoable and e.thing == thing), None)
