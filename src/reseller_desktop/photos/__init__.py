"""Listing photos: a content-addressed store in the data folder, and cached thumbnails.

Plain Python and Pillow only (no Qt, no database), so every call can run on a worker thread.
"""

from reseller_desktop.photos.store import (
    ACCEPTED_FORMATS_TEXT,
    IMAGE_FILE_PATTERNS,
    PhotoMissingError,
    PhotoRefusedError,
    PhotoStore,
    PhotoStoreError,
    UnknownPhotoUriError,
    is_photo_uri,
)
from reseller_desktop.photos.thumbnails import ThumbnailCache, ThumbnailError

__all__ = [
    "ACCEPTED_FORMATS_TEXT",
    "IMAGE_FILE_PATTERNS",
    "PhotoMissingError",
    "PhotoRefusedError",
    "PhotoStore",
    "PhotoStoreError",
    "ThumbnailCache",
    "ThumbnailError",
    "UnknownPhotoUriError",
    "is_photo_uri",
]
