"""Put away: scan a bin or section label, then item after item; each goes there at once.

A listing, card or storage item scanned moves to the current place; another label switches the
place (the list says so). "Undo last" puts the last-moved thing back where it came from.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from reseller_desktop.domain.barcodes import ScanHit
from reseller_desktop.domain.put_away import PutAwayEntry, PutAwayOutcome, PutAwaySession
from reseller_desktop.domain.scan_sessions import PLACE_KINDS, ScanTarget, ThingRef
from reseller_desktop.services.scan_sessions import PutAwayMove, ScanLookup, look_up, put_away, undo_put_away
from reseller_desktop.ui.scan_session_dialog import BAD, GOOD, NOTE, ScanSessionDialog

COLOURS = {
    PutAwayOutcome.TARGET: NOTE,
    PutAwayOutcome.MOVED: GOOD,
    PutAwayOutcome.ALREADY_HERE: NOTE,
    PutAwayOutcome.NO_TARGET: BAD,
    PutAwayOutcome.NOT_FOUND: BAD,
    PutAwayOutcome.REFUSED: BAD,
}


class PutAwayDialog(ScanSessionDialog):
    SESSION_TITLE = "Put away"
    OBJECT_NAME = "put-away"
    PLACE_FONT_SCALE = 1.4  # read from arm's length while scanning

    def start_session(self, target: ScanTarget | None) -> None:
        self.session: PutAwaySession[PutAwayMove] = PutAwaySession(target)
        self.counter = QLabel("")
        self.undo_button = self.button(
            "Undo last", lambda: self.enqueue(self._undo_last), "Put the last moved item back where it came from"
        )
        self.finish_layout(self.counter, self.undo_button)
        self._refresh()

    # ----- state shown --------------------------------------------------------------------------------
    def describe_state(self) -> str:
        if self.session.target is None:
            return "Scan the label of the bin or section to put things into."
        return f"Scan items to put them into {self.session.target.path}, or another label to switch."

    def _refresh(self) -> None:
        target = self.session.target
        self.place.setText(f"Putting away into {target.path}" if target else "No place chosen yet")
        self.counter.setText(f"{self.session.moved_count} item(s) put away")
        self.undo_button.setEnabled(self.session.last_undoable() is not None)
        self.show_waiting()

    def _show(self, entry: PutAwayEntry[PutAwayMove]) -> None:
        self.note(entry.code, f"{entry.number}. {entry.text}", COLOURS[entry.outcome], entry.number)
        self._refresh()

    # ----- one scan -----------------------------------------------------------------------------------
    def process(self, code: str) -> None:
        new_uow = self._new_uow
        self.run(
            lambda: look_up(new_uow, code),
            on_done=lambda lookup: self._looked_up(code, lookup),
            on_error=lambda error: self._finish(
                self.session.refused(code, f"{code} could not be looked up: {self.failure_text(error)}")
            ),
            label=f"Looking up {code}",
        )

    def _looked_up(self, code: str, lookup: ScanLookup) -> None:
        if not lookup.hits:
            self._finish(self.session.not_found(code, lookup.problem))
        elif len(lookup.hits) == 1:
            self._act_on(code, lookup, lookup.hits[0])
        else:
            self.choose(code, lookup.hits, lambda hit: self._act_on(code, lookup, hit))

    def _act_on(self, code: str, lookup: ScanLookup, hit: ScanHit) -> None:
        if hit.kind in PLACE_KINDS:
            self._finish(self.session.switch_to(code, lookup.targets[hit]))
            return
        thing = ThingRef(hit.kind, hit.id)
        refused = self.session.check(code, thing, hit.title)
        target = self.session.target
        if refused is not None or target is None:
            self._finish(refused)
            return
        new_uow = self._new_uow
        self.run(
            lambda: put_away(new_uow, thing, target),
            on_done=lambda move: self._moved(code, thing, hit, move),
            on_error=lambda error: self._finish(
                self.session.refused(code, f"{hit.title}: not moved. {self.failure_text(error)}", thing)
            ),
            label=f"Putting {hit.title} away",
        )

    def _moved(self, code: str, thing: ThingRef, hit: ScanHit, move: PutAwayMove) -> None:
        entry = self.session.moved(code, thing, hit.title, move, move.came_from, stayed=move.stayed)
        if entry.outcome is PutAwayOutcome.MOVED:
            self.changed.emit()
        self._finish(entry)

    def _finish(self, entry: PutAwayEntry[PutAwayMove] | None) -> None:
        if entry is not None:
            self._show(entry)
        self.step_done()
        self._refresh()

    # ----- undo ---------------------------------------------------------------------------------------
    def _undo_last(self) -> None:
        entry = self.session.last_undoable()
        if entry is None or entry.receipt is None:
            self.step_done()
            return
        move, new_uow = entry.receipt, self._new_uow
        self.run(
            lambda: undo_put_away(new_uow, move),
            on_done=lambda _none: self._undone(entry),
            on_error=lambda error: self._undo_failed(entry, error),
            label="Undoing the last move",
        )

    def _undone(self, entry: PutAwayEntry[PutAwayMove]) -> None:
        self.session.mark_undone(entry.number)
        move = entry.receipt
        title = move.results[0].title if move and move.results else entry.code
        where = f"back in {move.came_from}" if move and move.came_from else "off the shelf again"
        self.strike(entry.number, f"{entry.number}. Undone: {entry.text}")
        self.note(entry.code, f"Undone scan {entry.number}: {title} is {where}.", NOTE)
        self.changed.emit()
        self.step_done()
        self._refresh()

    def _undo_failed(self, entry: PutAwayEntry[PutAwayMove], error: BaseException) -> None:
        self.note(entry.code, f"Undo of scan {entry.number} failed: {self.failure_text(error)}", BAD)
        self.step_done()
        self._refresh()
