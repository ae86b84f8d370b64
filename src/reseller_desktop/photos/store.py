"""Listing photos, stored once per content in the data folder and named by their SHA-256.

A listing's `photos` column holds the URIs `add` returns, in order (the first is the cover). A URI
is a path relative to the data folder, `photos/sha256/<first 2 hex>/<64 hex>.<ext>`, so the same
photo added twice, to one listing or to many, is one file on disk.

Every file is decoded in full with Pillow before it is kept: a file that is not a picture, is cut
short, or would decode to more pixels than Pillow's limit (a decompression bomb) is refused with a
message that names the file and the reason. Nothing here touches Qt: it runs on worker threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from PIL import Image, UnidentifiedImageError

from reseller_desktop.domain.errors import UserError

PHOTOS_FOLDER: Final = "photos"
_URI_PATTERN: Final = re.compile(r"photos/sha256/([0-9a-f]{2})/([0-9a-f]{64})\.([a-z]{3,4})")
_COPY_CHUNK: Final = 1024 * 1024

# Pillow format name -> the extension the stored file gets. The extension follows the content,
# never the file's own name, so one set of bytes always has one URI. MPO is what many phone
# cameras write: a JPEG with extra frames that every JPEG reader opens.
FORMAT_EXTENSIONS: Final[dict[str, str]] = {
    "JPEG": "jpg",
    "MPO": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tiff",
}
ACCEPTED_FORMATS_TEXT: Final = "JPEG, PNG, GIF, WebP, BMP or TIFF"
# For the file dialog; the decoder decides in the end, not the name.
IMAGE_FILE_PATTERNS: Final = ("*.jpg", "*.jpeg", "*.png", "*.gif", "*.webp", "*.bmp", "*.tif", "*.tiff")


class PhotoRefusedError(UserError):
    """A file given as a photo was not stored: it is not a picture, is damaged, or is too large."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path.name} was not added: {reason}.",
            f"Choose a complete {ACCEPTED_FORMATS_TEXT} picture.",
        )
        self.path = path
        self.reason = reason


class PhotoStoreError(UserError):
    """The photo folder itself could not be written (disk full, no permission)."""

    def __init__(self, folder: Path, cause: OSError) -> None:
        super().__init__(
            f"Photos could not be saved in {folder}: {cause.strerror or cause}.",
            "Free some disk space or fix the folder's permissions, then add the photos again.",
        )
        self.folder = folder


class UnknownPhotoUriError(UserError):
    """A `photos` entry that is not one of ours, e.g. a path the web app wrote on its server."""

    def __init__(self, uri: str) -> None:
        super().__init__(
            f"{uri!r} is not a photo stored by this app.",
            "Add the photo again from a file on this computer.",
        )
        self.uri = uri


class PhotoMissingError(UserError):
    """The URI is well formed but its file is not in this computer's data folder."""

    def __init__(self, uri: str, path: Path) -> None:
        super().__init__(
            f"The photo {uri} is not in the data folder ({path}).",
            "It may have been added on another computer; add the file again here.",
        )
        self.uri = uri
        self.path = path


# `warnings.catch_warnings` swaps process-wide state, so two threads doing it at once can leave the
# filter on or lose it. Every image decode in this package goes through this one lock; decodes are
# therefore one at a time, which costs little next to the disk and keeps the bomb rule exact.
_decode_lock = threading.Lock()


@contextlib.contextmanager
def decompression_bombs_refused(path: Path) -> Iterator[None]:
    """Turn Pillow's decompression-bomb warning into an error for the decode inside the block.

    Pillow only warns between MAX_IMAGE_PIXELS and twice that; for a photo store a warning that
    nobody reads is as good as no check, so both levels refuse the file.
    """
    with _decode_lock, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRefusedError(path, _bomb_reason()) from exc


def _bomb_reason() -> str:
    limit = Image.MAX_IMAGE_PIXELS
    limit_text = f"{limit:,}" if limit is not None else "the"
    return f"the picture has more pixels than the {limit_text}-pixel limit (a possible decompression bomb)"


def check_pixel_count(path: Path, size: tuple[int, int]) -> None:
    """The same rule again, by hand: it holds even where a decoder never asks Pillow's check."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and size[0] * size[1] > limit:
        raise PhotoRefusedError(path, _bomb_reason())


def checked_image_format(path: Path, display_path: Path | None = None) -> str:
    """Decode the whole file once; return Pillow's format name, or raise PhotoRefusedError.

    `display_path` is the name the user knows the file by (the source, when `path` is a copy).
    """
    shown = display_path or path
    with decompression_bombs_refused(shown):
        try:
            with Image.open(path) as image:
                check_pixel_count(shown, image.size)
                format_name = image.format or ""
                # The header alone says nothing about the rest; a full decode finds a file cut short.
                image.load()
        except UnidentifiedImageError as exc:
            raise PhotoRefusedError(shown, f"it is not a {ACCEPTED_FORMATS_TEXT} picture") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning, PhotoRefusedError):
            raise
        except Exception as exc:  # Pillow's decoders raise many types for bad data; all mean "damaged"
            raise PhotoRefusedError(shown, f"the picture is damaged or incomplete ({exc})") from exc
    if format_name not in FORMAT_EXTENSIONS:
        raise PhotoRefusedError(shown, f"it is a {format_name} picture; only {ACCEPTED_FORMATS_TEXT} are accepted")
    return format_name


def digest_of_uri(uri: str) -> str:
    """The SHA-256 hex of a stored photo's URI, or UnknownPhotoUriError."""
    match = _URI_PATTERN.fullmatch(uri)
    if match is None or match.group(1) != match.group(2)[:2] or match.group(3) not in FORMAT_EXTENSIONS.values():
        raise UnknownPhotoUriError(uri)
    return match.group(2)


def is_photo_uri(uri: str) -> bool:
    try:
        digest_of_uri(uri)
    except UnknownPhotoUriError:
        return False
    return True


class PhotoStore:
    """Content-addressed photo files under `<data_dir>/photos`. Safe to use from several threads."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / PHOTOS_FOLDER

    def path_of(self, uri: str) -> Path:
        """The file a URI names. Only our own URI shape is accepted, so a `photos` value from the
        shared database can never point outside the data folder."""
        digest_of_uri(uri)
        return self.data_dir / uri

    def existing_path_of(self, uri: str) -> Path:
        path = self.path_of(uri)
        if not path.is_file():
            raise PhotoMissingError(uri, path)
        return path

    def add(self, path: Path | str) -> str:
        """Store one file and return its URI; the same bytes give the same URI and one file.

        Raises PhotoRefusedError for a file that is not a usable picture, PhotoStoreError when the
        data folder cannot be written.
        """
        source = Path(path)
        staging = self.root / "incoming"
        try:
            staging.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(dir=staging, prefix=".add-", suffix=".part")
        except OSError as exc:
            raise PhotoStoreError(self.root, exc) from exc
        temp = Path(temp_name)
        try:
            # The copy is what gets hashed and checked, so the stored bytes are exactly the checked
            # ones even if the source changes meanwhile.
            digest = self._copy_and_hash(source, handle, temp)
            extension = FORMAT_EXTENSIONS[checked_image_format(temp, display_path=source)]
            uri = f"{PHOTOS_FOLDER}/sha256/{digest[:2]}/{digest}.{extension}"
            target = self.data_dir / uri
            if not target.exists():
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    # Atomic: a reader sees the whole file or none. Two threads adding the same
                    # bytes both rename identical content onto one name, which is harmless.
                    os.replace(temp, target)
                except OSError as exc:
                    raise PhotoStoreError(self.root, exc) from exc
            return uri
        finally:
            temp.unlink(missing_ok=True)

    def add_many(self, paths: Iterable[Path | str]) -> tuple[list[str], list[str]]:
        """Store each file; a refused file does not stop the rest.

        Returns the URIs of the stored files in the order given (one per stored file, so a file
        given twice appears twice) and one message per refused file. A PhotoStoreError (the folder
        cannot be written) still stops the batch: no later file could be stored either.
        """
        uris: list[str] = []
        errors: list[str] = []
        for path in paths:
            try:
                uris.append(self.add(path))
            except PhotoRefusedError as exc:
                errors.append(exc.message)
        return uris, errors

    def _copy_and_hash(self, source: Path, handle: int, temp: Path) -> str:
        sha256 = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            try:
                reader = source.open("rb")
            except OSError as exc:
                raise PhotoRefusedError(source, f"it could not be read ({exc.strerror or exc})") from exc
            with reader:
                while True:
                    try:
                        chunk = reader.read(_COPY_CHUNK)
                    except OSError as exc:
                        raise PhotoRefusedError(source, f"it could not be read ({exc.strerror or exc})") from exc
                    if not chunk:
                        break
                    sha256.update(chunk)
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise PhotoStoreError(self.root, exc) from exc
            try:
                out.flush()
                # Durable before the rename, so a crash never leaves a named file with missing data.
                os.fsync(out.fileno())
            except OSError as exc:
                raise PhotoStoreError(self.root, exc) from exc
        if temp.stat().st_size == 0:
            raise PhotoRefusedError(source, "the file is empty")
        return sha256.hexdigest()
