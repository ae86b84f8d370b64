"""USB barcode scanners, told apart from typing; and the toolbar's scan field.

A keyboard-wedge scanner is a keyboard to the operating system: it types the code within a few
milliseconds and ends it with Enter (or Tab). A person cannot keep every gap between keys that short
for a whole code. So `ScanDetector`, an event filter on the whole application, holds back each
character key while the keys so far could still be a scan: all gaps within
`scan_max_key_interval_ms`, and no other key in between. It decides at the first key that settles it:

- the terminator arrives with at least `scan_min_length` characters held: a scan. The keys are
  dropped, the focused field never sees them, and `scanned(code)` is emitted;
- anything else (a gap longer than the interval, the terminator too early, a non-character key, a
  click, a shortcut): not a scan. The held keys are replayed, in order and as they were, to the widget
  that had focus when they were typed, before the key that settled it goes on its way.

So typing is only ever delayed by one interval (35 ms by default), never lost or reordered.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from reseller_desktop.settings import Settings

log = logging.getLogger(__name__)

TERMINATOR_KEYS = {
    "Enter": frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter}),  # main keyboard and keypad Enter
    "Tab": frozenset({Qt.Key.Key_Tab}),
}
# Keys with these held are shortcuts, never part of a code. (Shift is: scanners type capitals with it.)
SHORTCUT_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)
# A scanner presses Shift around capitals; that must not break the burst it is part of.
MODIFIER_KEYS = frozenset(
    {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr, Qt.Key.Key_Meta, Qt.Key.Key_CapsLock}
)
# Input that the held keys must reach the widget before: a click can move the cursor or the focus.
_FLUSH_BEFORE = frozenset(
    {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.Wheel, QEvent.Type.InputMethod}
)
_KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.KeyRelease})


@dataclass(frozen=True)
class _HeldKey:
    """A key event copied out of Qt (the event object itself dies when its delivery ends)."""

    type: QEvent.Type
    key: int
    modifiers: Qt.KeyboardModifier
    text: str
    native_scan_code: int
    native_virtual_key: int
    native_modifiers: int
    timestamp: int

    @classmethod
    def of(cls, event: QKeyEvent) -> _HeldKey:
        return cls(
            event.type(),
            event.key(),
            event.modifiers(),
            event.text(),
            event.nativeScanCode(),
            event.nativeVirtualKey(),
            event.nativeModifiers(),
            event.timestamp(),
        )

    def to_event(self) -> QKeyEvent:
        event = QKeyEvent(
            self.type,
            self.key,
            self.modifiers,
            self.native_scan_code,
            self.native_virtual_key,
            self.native_modifiers,
            self.text,
            False,
            1,
        )
        event.setTimestamp(self.timestamp)
        return event


def _application(app: QCoreApplication | None) -> QCoreApplication:
    found = app or QCoreApplication.instance()
    if found is None:
        raise RuntimeError("create the QApplication before the scan detector is installed")
    return found


def _is_character(text: str) -> bool:
    return bool(text) and text.isprintable()


class ScanDetector(QObject):
    """Install on the QApplication (`install()`); connect `scanned` to what looks the code up."""

    scanned = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = QElapsedTimer()
        self._clock.start()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._flush_timer.timeout.connect(self.flush)
        self._held: list[_HeldKey] = []
        self._target: QObject | None = None
        self._last_press: tuple[int, int] | None = None  # (event timestamp, clock ms) of the newest held press
        self._swallow_releases: set[int] = set()  # releases of keys whose presses went into a scan
        self._replaying = False
        self._enabled = True
        self.configure(settings)

    # ----- set-up ------------------------------------------------------------------------------
    def configure(self, settings: Settings) -> None:
        """Take the thresholds from `settings` (call again after the user changes them)."""
        self.flush()
        self.max_key_interval_ms = max(1, int(settings.scan_max_key_interval_ms))
        self.min_length = max(1, int(settings.scan_min_length))
        terminator = settings.scan_terminator
        if terminator not in TERMINATOR_KEYS:
            log.warning("unknown scan terminator %r in the settings; using Enter", terminator)
            terminator = "Enter"
        self.terminator = terminator
        self._terminator_keys = TERMINATOR_KEYS[terminator]

    def install(self, app: QCoreApplication | None = None) -> None:
        """Watch every key of the application (the running QApplication unless `app` is given)."""
        _application(app).installEventFilter(self)

    def remove(self, app: QCoreApplication | None = None) -> None:
        self.flush()
        _application(app).removeEventFilter(self)

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.flush()
        self._enabled = enabled

    def is_enabled(self) -> bool:
        return self._enabled

    @property
    def held_text(self) -> str:
        """The characters held back right now (empty when nothing is pending)."""
        return "".join(k.text for k in self._held if k.type == QEvent.Type.KeyPress and _is_character(k.text))

    # ----- the filter --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _FLUSH_BEFORE:
            if self._held:
                self.flush()
            return False
        if kind not in _KEY_EVENTS or self._replaying or not self._enabled:
            return False
        if QApplication.activePopupWidget() is not None:
            # Menus and completer lists own the keyboard while open; nobody scans into them.
            self.flush()
            return False
        if not self._is_first_delivery(watched):
            return False
        assert isinstance(event, QKeyEvent)
        if kind == QEvent.Type.KeyPress:
            return self._on_press(watched, event)
        return self._on_release(event)

    @staticmethod
    def _is_first_delivery(watched: QObject) -> bool:
        """Whether this is the key event reaching its receiver, not a sighting of the same event on
        the way there (the window forwards it) or after it (propagation to a parent widget)."""
        if not isinstance(watched, QWidget):
            return False
        focus = QApplication.focusWidget()
        if focus is not None:
            return watched is focus
        return watched.isWindow()

    def _on_press(self, watched: QObject, event: QKeyEvent) -> bool:
        key, text = event.key(), event.text()
        now = (event.timestamp(), self._clock.elapsed())
        if event.isAutoRepeat() or event.modifiers() & SHORTCUT_MODIFIERS:
            return self._let_through(key)
        if key in self._terminator_keys:
            if self._held and len(self.held_text) >= self.min_length and self._gap_ms(now) <= self.max_key_interval_ms:
                self._finish_scan(key)
                return True
            return self._let_through(key)
        if _is_character(text):
            if self._held and (self._gap_ms(now) > self.max_key_interval_ms or watched is not self._target):
                # The pause (or the focus moving) ended the previous burst; this key may start a new one.
                self.flush()
            self._hold(watched, event, now)
            return True
        if key in MODIFIER_KEYS and self._held:
            self._hold(watched, event, now)
            return True
        return self._let_through(key)

    def _on_release(self, event: QKeyEvent) -> bool:
        if self._held:
            self._held.append(_HeldKey.of(event))  # replayed after its press, in order
            return True
        if event.key() in self._swallow_releases:
            self._swallow_releases.discard(event.key())
            return True
        return False

    def _let_through(self, key: int) -> bool:
        self.flush()
        self._swallow_releases.discard(key)  # the release to come belongs to this press
        return False

    def _hold(self, watched: QObject, event: QKeyEvent, now: tuple[int, int]) -> None:
        if not self._held:
            self._target = watched
        self._held.append(_HeldKey.of(event))
        self._last_press = now
        self._flush_timer.start(self.max_key_interval_ms + 1)

    def _gap_ms(self, now: tuple[int, int]) -> int:
        if self._last_press is None:
            return 0
        (stamp, clock), (last_stamp, last_clock) = now, self._last_press
        if stamp and last_stamp and stamp >= last_stamp:
            # The platform's own times say how the keys were typed, even if this thread was busy
            # and they arrived here together.
            return stamp - last_stamp
        return clock - last_clock  # synthetic events (tests, accessibility tools) carry no time

    def _finish_scan(self, terminator: int) -> None:
        code = self.held_text.strip()
        outstanding: Counter[int] = Counter()
        for held in self._held:
            outstanding[held.key] += 1 if held.type == QEvent.Type.KeyPress else -1
        self._swallow_releases |= {key for key, presses in outstanding.items() if presses > 0} | {terminator}
        self._reset()
        if code:
            self.scanned.emit(code)

    def _reset(self) -> None:
        self._flush_timer.stop()
        self._held = []
        self._target = None
        self._last_press = None

    @Slot()
    def flush(self) -> None:
        """Replay the held keys to the widget they were typed into: they were not a scan."""
        held, target = self._held, self._target
        self._reset()
        if not held or target is None:
            return
        self._replaying = True
        try:
            for key in held:
                if not shiboken6.isValid(target):
                    break  # the widget was closed meanwhile; its keys go with it
                QCoreApplication.sendEvent(target, key.to_event())
        finally:
            self._replaying = False


class ScanField(QLineEdit):
    """The toolbar's code field: paste or type a code and press Enter.

    It needs no exemption from the detector: typing reaches it like any field (after the hold-back),
    and a scanner's burst into it is caught by the detector and reported there, once.
    """

    scanned = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scan-field")
        self.setPlaceholderText("Scan or type a code")
        self.setClearButtonEnabled(True)
        self.setToolTip("UPC/EAN, SKU, storage id, card or listing id, or a bin or section label")
        self.returnPressed.connect(self._submit)

    @Slot()
    def _submit(self) -> None:
        code = self.text().strip()
        if code:
            self.scanned.emit(code)
            self.selectAll()  # the code stays visible; the next one typed replaces it

    def show_code(self, code: str) -> None:
        """Show a code that arrived from the scanner, so the user sees what was looked up."""
        self.setText(code)
        self.selectAll()
