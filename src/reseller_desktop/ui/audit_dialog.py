"""Audit: scan a section's label, then everything physically in it.

The result sorts every scan: found where expected, found here but recorded elsewhere (each with a
"Move here" button that corrects the records), missing (expected, never scanned) and unknown codes;
anything scanned twice is flagged. A label scanned before any item starts over with that place.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton, QTreeWidget, QTreeWidgetItem

from reseller_desktop.domain.audit import AuditEntry, AuditReport, AuditSession, AuditVerdict, ExpectedItem
from reseller_desktop.domain.barcodes import ScanHit
from reseller_desktop.domain.scan_sessions import ITEM_KINDS, PLACE_KINDS, ScanTarget, ThingRef
from reseller_desktop.services.scan_sessions import ScanLookup, expected_in, fix_audit, look_up, thing_of
from reseller_desktop.services.storage_moves import MoveResult
from reseller_desktop.ui.scan_session_dialog import BAD, GOOD, NOTE, ScanSessionDialog

VERDICT_COLOURS = {AuditVerdict.FOUND: GOOD, AuditVerdict.ELSEWHERE: NOTE, AuditVerdict.UNKNOWN: BAD}
WARNING = "#b45309"
FOUND, ELSEWHERE, MISSING, UNKNOWN, DUPLICATES = range(5)
GROUP_TITLES = (
    "Found where expected",
    "Found here, recorded elsewhere",
    "Missing",
    "Unknown codes",
    "Scanned more than once",
)
GROUP_COLOURS = (GOOD, NOTE, BAD, BAD, WARNING)


class AuditDialog(ScanSessionDialog):
    SESSION_TITLE = "Audit"
    OBJECT_NAME = "audit"

    def start_session(self, target: ScanTarget | None) -> None:
        self.session: AuditSession | None = None
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.results = QTreeWidget()
        self.results.setObjectName("audit-results")
        self.results.setHeaderLabels(["Result", ""])
        self.results.setColumnCount(2)
        self.fix_buttons: dict[ThingRef, QPushButton] = {}
        fix_all_tip = "Correct the records of everything found here but recorded elsewhere"
        self.fix_all_button = self.button("Move all here", self._fix_all_clicked, fix_all_tip)
        self.finish_layout(self.summary, self.fix_all_button, self.results)
        self._refresh()
        if target is not None:
            self.enqueue(lambda: self._start(target.path, target))

    def report(self) -> AuditReport | None:
        return self.session.report() if self.session else None

    def describe_state(self) -> str:
        if self.session is None:
            return "Scan the label of the section (or bin) to audit."
        return f"Scan everything in {self.session.section.path}; press Done when the section is empty."

    # ----- starting -----------------------------------------------------------------------------------
    def _start(self, code: str, target: ScanTarget) -> None:
        new_uow = self._new_uow
        self.run(
            lambda: expected_in(new_uow, target),
            on_done=lambda expected: self._started(code, target, expected),
            on_error=lambda error: self._noted(code, f"Cannot audit {target.path}: {self.failure_text(error)}", BAD),
            label=f"Reading what {target.path} holds",
        )

    def _started(self, code: str, target: ScanTarget, expected: list[ExpectedItem]) -> None:
        self.session = AuditSession(target, expected)
        self._noted(code, f"Auditing {target.path}: {len(expected)} item(s) expected.", NOTE)

    def _noted(self, code: str, text: str, colour: str) -> None:
        self.note(code, text, colour)
        self.step_done()
        self._refresh()

    # ----- one scan -----------------------------------------------------------------------------------
    def process(self, code: str) -> None:
        new_uow = self._new_uow
        self.run(
            lambda: look_up(new_uow, code, with_sightings=True),
            on_done=lambda lookup: self._looked_up(code, lookup),
            on_error=lambda error: self._unknown(code, self.failure_text(error)),
            label=f"Looking up {code}",
        )

    def _looked_up(self, code: str, lookup: ScanLookup) -> None:
        items = [hit for hit in lookup.hits if hit.kind in ITEM_KINDS]
        places = [hit for hit in lookup.hits if hit.kind in PLACE_KINDS]
        session = self.session
        if places and not items and (session is None or not session.entries):
            self._start_at(code, lookup, places)
        elif session is None:
            self._noted(code, f"{code}: scan the label of the section to audit first, then its items.", BAD)
        elif not lookup.hits:
            self._unknown(code, lookup.problem)
        elif not items:
            reason = f"{places[0].title} is a label, not an item; press Done, then audit it on its own."
            self._unknown(code, reason)
        elif len(items) == 1:
            self._record(session.scanned(code, lookup.sightings[items[0]]))
        else:
            preferred = session.preferred([ThingRef(hit.kind, hit.id) for hit in items])
            hit = next((h for h in items if ThingRef(h.kind, h.id) == preferred), None)
            if hit is not None:
                self._record(session.scanned(code, lookup.sightings[hit]))
            else:
                self.choose(code, items, lambda chosen: self._record(session.scanned(code, lookup.sightings[chosen])))

    def _start_at(self, code: str, lookup: ScanLookup, places: Sequence[ScanHit]) -> None:
        if len(places) == 1:
            self._start(code, lookup.targets[places[0]])
        else:
            self.choose(code, places, lambda hit: self._start(code, lookup.targets[hit]))

    def _unknown(self, code: str, reason: str) -> None:
        if self.session is None:
            self._noted(code, f"{code}: {reason}", BAD)
        else:
            self._record(self.session.unknown(code, reason))

    def _record(self, entry: AuditEntry) -> None:
        colour = WARNING if entry.duplicate_of is not None else VERDICT_COLOURS[entry.verdict]
        self.note(entry.code, f"{entry.number}. {entry.text}", colour, entry.number)
        self.step_done()
        self._refresh()

    # ----- fixing the records -------------------------------------------------------------------------
    def fix(self, things: Sequence[ThingRef]) -> None:
        """Move things found here but recorded elsewhere into the audited place (after the scans queued)."""
        wanted = tuple(things)
        self.enqueue(lambda: self._fix_step(wanted))

    def _fix_all_clicked(self) -> None:
        report = self.report()
        if report is not None:
            self.fix([line.sighting.thing for line in report.elsewhere])

    def _fix_step(self, things: tuple[ThingRef, ...]) -> None:
        report, session = self.report(), self.session
        still = {line.sighting.thing for line in report.elsewhere} if report else set()
        wanted = [t for t in things if t in still]  # a second click waited in the queue behind the first
        if session is None or not wanted:
            self.step_done()
            return
        new_uow, section = self._new_uow, session.section
        self.run(
            lambda: fix_audit(new_uow, wanted, section),
            on_done=lambda results: self._fixed(session, wanted, results),
            on_error=lambda error: self._noted("", f"Not moved: {self.failure_text(error)}", BAD),
            label=f"Moving into {section.path}",
        )

    def _fixed(self, session: AuditSession, things: list[ThingRef], results: list[MoveResult]) -> None:
        for thing in things:
            moved = [r for r in results if r.thing == thing_of(thing)]
            session.fixed(thing, [r.storage_item_id for r in moved])
            title = moved[0].title if moved else str(thing.id)
            self.note("", f"{title} is now recorded in {session.section.path}.", GOOD)
        self.changed.emit()
        self.step_done()
        self._refresh()

    # ----- the result ---------------------------------------------------------------------------------
    def _refresh(self) -> None:
        session = self.session
        self.place.setText(f"Auditing {session.section.path}" if session else "No section chosen yet")
        report = self.report()
        self.summary.setText(report.summary() if report else "")
        self.fix_all_button.setEnabled(bool(report and report.elsewhere))
        self._show_report(report)
        self.show_waiting()

    def _show_report(self, report: AuditReport | None) -> None:
        self.results.clear()
        self.fix_buttons = {}
        if report is None:
            return
        groups = []
        for position, title in enumerate(GROUP_TITLES):
            group = QTreeWidgetItem(self.results)
            group.setForeground(0, QColor(GROUP_COLOURS[position]))
            group.setData(0, Qt.ItemDataRole.UserRole, title)
            groups.append(group)
        for found in report.found:
            note = f" — {found.note}" if found.note else ""
            QTreeWidgetItem(groups[FOUND], [found.title + note])
        for line in report.elsewhere:
            row = QTreeWidgetItem(
                groups[ELSEWHERE], [f"{line.sighting.title}: recorded as {line.sighting.recorded_text()}"]
            )
            button = QPushButton("Move here")
            button.setAutoDefault(False)
            button.setToolTip(f"Record it in {report.section.path}")
            thing = line.sighting.thing
            button.clicked.connect(lambda _checked=False, t=thing: self.fix([t]))
            self.results.setItemWidget(row, 1, button)
            self.fix_buttons[thing] = button
        for item in report.missing:
            QTreeWidgetItem(groups[MISSING], [f"{item.title} ({item.storage_id})"])
        for unknown in report.unknown:
            QTreeWidgetItem(groups[UNKNOWN], [unknown.text])
        for what, times in report.duplicates:
            QTreeWidgetItem(groups[DUPLICATES], [f"{what}: scanned {times} times"])
        for position, group in enumerate(groups):
            group.setText(0, f"{GROUP_TITLES[position]} ({group.childCount()})")
            group.setExpanded(group.childCount() > 0)
        self.results.resizeColumnToContents(0)

    def group_lines(self, group: int) -> list[str]:
        """The lines under one result group (FOUND, ELSEWHERE, MISSING, UNKNOWN, DUPLICATES)."""
        top = self.results.topLevelItem(group)
        children = [top.child(row) for row in range(top.childCount())] if top else []
        return [child.text(0) for child in children if child is not None]
