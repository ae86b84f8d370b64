"""How one platform cell of the sync board reads: its words, colours and tooltip.

Plain functions of the cell and of the time left on its countdown (the model keeps the clock), so the
board, a tooltip and a test all say the same thing.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from reseller_desktop.domain.platforms import label
from reseller_desktop.services.sync_board import PlatformCell

STATUS_MARKS = {
    "pending": "◌ pending",
    "active": "● active",
    "sold": "$ sold",
    "failed": "✖ failed",
    "canceled": "– canceled",
}
# By cell kind: a status, or "task" when the seller has to do something on a manual platform.
CELL_BACKGROUNDS = {
    "pending": "#fef3c7",
    "active": "#dcfce7",
    "sold": "#dbeafe",
    "failed": "#fee2e2",
    "canceled": "#f3f4f6",
    "pending_cancel": "#ffedd5",
    "task": "#fde68a",
}
CELL_FOREGROUNDS = {"failed": "#991b1b", "pending_cancel": "#9a3412", "task": "#78350f", "canceled": "#6b7280"}
POST_BY_HAND = "✍ Post by hand"
DELIST_NOW = "⚑ Delist now!"
CANCELLING = "◷ cancelling…"


def countdown_text(seconds_left: float) -> str:
    if seconds_left <= 0:
        return CANCELLING
    whole = math.ceil(seconds_left)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"◷ cancels in {clock}"


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A naive UTC timestamp from the database, in the seller's time zone."""
    if moment is None:
        return "never"
    return moment.replace(tzinfo=UTC).astimezone().strftime(fmt)


def cell_kind(cell: PlatformCell, cancel_due: bool) -> str:
    if cell.task == "post" or (cell.manual and cell.status == "pending_cancel" and cancel_due):
        return "task"
    return cell.status


def cell_text(cell: PlatformCell, seconds_left: float | None) -> str:
    """The cell's words; `seconds_left` is the countdown to its cancel time (None: none scheduled)."""
    if cell.task == "post":
        return POST_BY_HAND
    if cell.status == "pending_cancel":
        if cell.manual and (seconds_left is None or seconds_left <= 0):
            return DELIST_NOW  # the cooldown ran out (maybe while on screen): the seller's turn
        return CANCELLING if seconds_left is None else countdown_text(seconds_left)
    if cell.in_flight:
        return f"⟳ {cell.status}…"
    if cell.error_message and cell.status in ("pending", "active"):
        return f"⚠ {cell.status}"
    return STATUS_MARKS.get(cell.status, cell.status)


def cell_tooltip(cell: PlatformCell, cancel_due: bool) -> str:
    where = label(cell.platform)
    lines = [f"{where}: {cell.status.replace('_', ' ')}"]
    if cell.task == "post":
        lines.append("Post it by hand (Copy for posting…), then Mark posted… with its address.")
    elif cell.manual and cell.status == "pending_cancel" and cancel_due:
        lines.append(f"Take it down on {where} now, then Mark delisted.")
    if cell.status == "pending_cancel" and cell.cancel_scheduled_at is not None:
        lines.append(f"Cancel time: {local_time(cell.cancel_scheduled_at)}")
    if cell.in_flight:
        lines.append("The app is talking to the marketplace about it right now.")
    lines.append(f"Last synced: {local_time(cell.last_synced)}")
    if cell.error_message:
        lines.append(f"Error: {cell.error_message}")
    if cell.retry_count:
        lines.append(f"Retries: {cell.retry_count}")
    if cell.next_attempt_at is not None:
        lines.append(f"Next attempt: {local_time(cell.next_attempt_at)}")
    if cell.platform_url:
        lines.append(f"Posted at: {cell.platform_url}")
    return "\n".join(lines)
