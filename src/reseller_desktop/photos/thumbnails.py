"""Thumbnails of stored photos, made with Pillow and kept on disk so each is made only once.

A thumbnail fits in a `size`×`size` square, is turned upright by the photo's EXIF orientation (a
phone stores a portrait shot as landscape pixels plus an orientation tag), and is a JPEG, or a PNG
where the photo has transparency. Files live at `<data_dir>/thumbnails/<size>/<sha256 hex>.<ext>`;
the photo's URI names its content, so a thumbnail never goes stale. No Qt here: this runs on
worker threads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Final

from PIL import Image, ImageOps

from reseller_desktop.domain.errors import UserError
from reseller_desktop.photos.store import (
    PhotoRefusedError,
    PhotoStore,
    check_pixel_count,
    decompression_bombs_refused,
    digest_of_uri,
)

THUMBNAILS_FOLDER: Final = "thumbnails"
MIN_THUMBNAIL_SIZE: Final = 8
MAX_THUMBNAIL_SIZE: Final = 1024
JPEG_QUALITY: Final = 85
_EXTENSIONS: Final = ("jpg", "png")


class ThumbnailError(UserError):
    """A stored photo could not be turned into a thumbnail (damaged since it was added)."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(
            f"No thumbnail could be made of the photo {uri}: {reason}.",
            "Remove the photo and add the original file again.",
        )
        self.uri = uri
        self.reason = reason


class ThumbnailCache:
    """Thumbnails under `<data_dir>/thumbnails`. Safe to use from several threads."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / THUMBNAILS_FOLDER
        self.store = PhotoStore(self.data_dir)

    def cached(self, uri: str, size: int) -> Path | None:
        """The thumbnail file when it has been made already, else None; never makes one."""
        digest = digest_of_uri(uri)
        folder = self.root / str(_checked_size(size))
        for extension in _EXTENSIONS:
            candidate = folder / f"{digest}.{extension}"
            if candidate.is_file():
                return candidate
        return None

    def thumbnail(self, uri: str, size: int) -> Path:
        """The thumbnail file of a stored photo, made now if it is not on disk yet.

        Raises UnknownPhotoUriError for a URI that is not ours, PhotoMissingError when the photo
        file is not in this data folder, ThumbnailError when it cannot be decoded or written.
        """
        hit = self.cached(uri, size)
        if hit is not None:
            return hit
        source = self.store.existing_path_of(uri)
        image = _upright_thumbnail(uri, source, size)
        extension = "png" if image.mode == "RGBA" else "jpg"
        target = self.root / str(size) / f"{digest_of_uri(uri)}.{extension}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".thumb-", suffix=".part")
        except OSError as exc:
            raise ThumbnailError(uri, f"the thumbnail folder cannot be written ({exc.strerror or exc})") from exc
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                if extension == "png":
                    image.save(out, format="PNG")
                else:
                    image.save(out, format="JPEG", quality=JPEG_QUALITY)
            # Atomic: a reader on another thread sees the whole thumbnail or none; two threads making
            # the same one write identical bytes onto one name.
            os.replace(temp, target)
        except OSError as exc:
            raise ThumbnailError(uri, f"the thumbnail could not be written ({exc.strerror or exc})") from exc
        finally:
            temp.unlink(missing_ok=True)
        return target


def _checked_size(size: int) -> int:
    if not MIN_THUMBNAIL_SIZE <= size <= MAX_THUMBNAIL_SIZE:
        raise ValueError(f"thumbnail size {size} is outside {MIN_THUMBNAIL_SIZE}..{MAX_THUMBNAIL_SIZE}")
    return size


def _upright_thumbnail(uri: str, source: Path, size: int) -> Image.Image:
    """Decode, turn upright, shrink; an RGBA image where there is transparency, else RGB."""
    try:
        with decompression_bombs_refused(source):
            try:
                with Image.open(source) as image:
                    check_pixel_count(source, image.size)
                    # JPEG only: decode at 1/2, 1/4 or 1/8 scale, still at least `size` on each
                    # side; a 12-megapixel photo then costs a fraction of a full decode.
                    image.draft(None, (size, size))
                    upright = ImageOps.exif_transpose(image)
                    upright.thumbnail((size, size), Image.Resampling.LANCZOS)
                    mode = "RGBA" if upright.has_transparency_data else "RGB"
                    return upright.convert(mode)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning, PhotoRefusedError):
                raise
            except Exception as exc:  # Pillow's decoders raise many types for bad data; all mean "damaged"
                raise ThumbnailError(uri, f"the photo file is damaged ({exc})") from exc
    except PhotoRefusedError as exc:
        raise ThumbnailError(uri, exc.reason) from exc
