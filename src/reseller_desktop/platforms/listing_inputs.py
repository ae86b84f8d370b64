"""What both adapters take from the seller's side of a listing before calling a platform: its photo
files (read in full first, so an unreadable one stops a publish before any call), a setting the
listing may override with an attribute of its own, the error naming a setting left empty, and the
record of which upload each photo became (kept in RemoteRef.extra["images"], keyed by the photo's
sha-256 digest, so a photo uploaded once is not sent again)."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path

from reseller_desktop.domain.platforms import label
from reseller_desktop.platforms.base import ListingPayload, PermanentPlatformError

Photo = tuple[str, str, bytes]  # (sha-256 digest, file name, bytes)


def read_photos(platform: str, paths: Sequence[Path]) -> list[Photo]:
    """Every photo's bytes, in order; a PermanentPlatformError naming the first one that cannot be read."""
    photos = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PermanentPlatformError(
                platform,
                f"The photo {path.name} could not be read ({exc.strerror or type(exc).__name__}).",
                "Open the listing, remove or replace the photo, and save.",
            ) from None
        photos.append((hashlib.sha256(data).hexdigest(), path.name, data))
    return photos


def mime_type(file_name: str) -> str:
    return mimetypes.guess_type(file_name)[0] or "image/jpeg"


def recorded_uploads(extra: Mapping[str, str]) -> dict[str, str]:
    """The digest → uploaded image map a RemoteRef's extra carries; empty when none or unreadable."""
    try:
        images = json.loads(extra.get("images") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in images.items()} if isinstance(images, dict) else {}


def uploads_record(images: Mapping[str, str]) -> str:
    """The digest → uploaded image map as RemoteRef.extra["images"] keeps it."""
    return json.dumps(images, sort_keys=True)


def attribute_or_setting(payload: ListingPayload, attribute: str, setting: object) -> str:
    """The listing's own value (its attribute `attribute`), else the platform setting's, stripped."""
    return str(payload.attributes.get(attribute) or setting or "").strip()


def missing_setting(
    platform: str, field_name: str, what: str, *, needed_for: str = "", hint: str | None = None
) -> PermanentPlatformError:
    """The error naming an empty setting: `what` it is, in the seller's words, and `field_name` as the
    settings call it; `needed_for` says what waits for it ("before it can list")."""
    name = label(platform)
    waiting = f" {needed_for}" if needed_for else ""
    return PermanentPlatformError(
        platform,
        f"{name} needs a {what}{waiting}: the setting “{field_name}” is empty.",
        hint or f"Fill it in Settings → Marketplaces → {name}.",
    )
