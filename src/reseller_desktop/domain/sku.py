"""SKUs the app makes when the seller leaves the field empty: short, unambiguous, easy to type."""

from __future__ import annotations

import secrets

# Crockford's base 32: no I, L, O or U, so a SKU read off a label is not misread.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SKU_PREFIX = "RD-"


def new_sku() -> str:
    """RD- and 8 random characters: 40 bits, so two listings of one seller colliding is negligible."""
    return SKU_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def clean_sku(value: object) -> str | None:
    """Trimmed SKU, or None when blank (the repository then generates one)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
