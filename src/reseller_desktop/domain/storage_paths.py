"""Where a stored thing is, as a seller reads it on a shelf: "B › 3" (bin B, section 3)."""

from __future__ import annotations

from typing import Final

PATH_SEPARATOR: Final = " › "


def location_path(bin_name: str, section_name: str | None) -> str:
    """The location path of a bin, or of a section in it. The database builds the same text."""
    return bin_name if section_name is None else f"{bin_name}{PATH_SEPARATOR}{section_name}"
