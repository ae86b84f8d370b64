"""The photo store and thumbnails on real files: pictures made with Pillow in temporary folders."""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from reseller_desktop.domain.errors import UserError
from reseller_desktop.photos import (
    PhotoMissingError,
    PhotoRefusedError,
    PhotoStore,
    ThumbnailCache,
    ThumbnailError,
    UnknownPhotoUriError,
)

URI_SHAPE = re.compile(r"photos/sha256/([0-9a-f]{2})/([0-9a-f]{64})\.(jpg|png)")
EXIF_ORIENTATION = 0x0112


def make_jpeg(path: Path, size: tuple[int, int] = (400, 200), orientation: int | None = None) -> Path:
    """A landscape picture, left half red and right half blue, optionally with an EXIF orientation."""
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    image.save(path, format="JPEG", quality=92, exif=exif)
    return path


def make_noise_jpeg(path: Path, seed: int = 60) -> Path:
    Image.effect_noise((300, 200), seed).convert("RGB").save(path, format="JPEG", quality=90)
    return path


def make_png_with_alpha(path: Path) -> Path:
    image = Image.new("RGBA", (200, 100), (0, 120, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 100, 100))  # left half fully transparent
    image.save(path, format="PNG")
    return path


def write_bilevel_png(path: Path, width: int, height: int) -> Path:
    """A valid 1-bit, all-black PNG of any size, written row by row: a few hundred KB on disk.

    Pillow would hold one byte per pixel to make it (900 MB for 30000²), so it is written by hand.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then all-zero bits
    compressor = zlib.compressobj(9)
    compressed = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> PhotoStore:
    return PhotoStore(data_dir)


def stored_files(data_dir: Path) -> list[Path]:
    return sorted(path for path in (data_dir / "photos" / "sha256").rglob("*") if path.is_file())


def test_the_same_bytes_are_stored_once_under_their_sha256(tmp_path: Path, data_dir: Path, store: PhotoStore) -> None:
    original = make_noise_jpeg(tmp_path / "shirt.jpg")
    copy = tmp_path / "elsewhere" / "IMG_0001.JPG"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    other = make_noise_jpeg(tmp_path / "other.jpg", seed=10)

    first = store.add(original)
    again = store.add(copy)
    different = store.add(other)

    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    assert first == again == f"photos/sha256/{digest[:2]}/{digest}.jpg"
    assert different != first
    assert URI_SHAPE.fullmatch(different)
    assert store.path_of(first) == data_dir / first
    assert store.path_of(first).read_bytes() == original.read_bytes()
    assert stored_files(data_dir) == sorted([data_dir / first, data_dir / different])
    assert list((data_dir / "photos" / "incoming").iterdir()) == []  # no temporary file left behind


def test_the_extension_follows_the_content_not_the_file_name(tmp_path: Path, store: PhotoStore) -> None:
    disguised = tmp_path / "really-a-png.jpg"
    Image.new("RGB", (50, 40), "green").save(disguised, format="PNG")
    assert store.add(disguised).endswith(".png")


def test_bad_files_are_refused_with_reasons_and_the_rest_of_the_batch_is_added(
    tmp_path: Path, data_dir: Path, store: PhotoStore
) -> None:
    good_first = make_noise_jpeg(tmp_path / "front.jpg")
    text = tmp_path / "notes.txt"
    text.write_text("size M, no stains\n", encoding="utf-8")
    whole = make_noise_jpeg(tmp_path / "whole.jpg", seed=30).read_bytes()
    truncated = tmp_path / "cut-short.jpg"
    truncated.write_bytes(whole[: len(whole) // 2])
    bomb = write_bilevel_png(tmp_path / "bomb.png", 30_000, 30_000)
    assert bomb.stat().st_size < 1_000_000
    # Between Pillow's limit and twice it, Pillow only warns; that must refuse the file all the same.
    warned = write_bilevel_png(tmp_path / "warned.png", 10_000, 10_000)
    good_last = make_png_with_alpha(tmp_path / "back.png")
    missing = tmp_path / "gone.jpg"

    uris, errors = store.add_many([good_first, text, truncated, bomb, warned, good_last, missing])

    assert uris == [store.add(good_first), store.add(good_last)]
    assert len(errors) == 5
    by_file = dict(zip(["notes.txt", "cut-short.jpg", "bomb.png", "warned.png", "gone.jpg"], errors, strict=True))
    for name, message in by_file.items():
        assert message.startswith(f"{name} was not added: ")
    assert "not a JPEG, PNG, GIF, WebP, BMP or TIFF picture" in by_file["notes.txt"]
    assert "damaged or incomplete" in by_file["cut-short.jpg"]
    assert "truncated" in by_file["cut-short.jpg"]
    assert "decompression bomb" in by_file["bomb.png"]
    assert "decompression bomb" in by_file["warned.png"]
    assert "could not be read" in by_file["gone.jpg"]
    assert stored_files(data_dir) == sorted(data_dir / uri for uri in uris)


def test_a_refused_file_is_a_user_error_that_names_the_file(tmp_path: Path, store: PhotoStore) -> None:
    text = tmp_path / "receipt.pdf"
    text.write_bytes(b"%PDF-1.4 not really\n")
    with pytest.raises(PhotoRefusedError) as refused:
        store.add(text)
    assert isinstance(refused.value, UserError)
    assert refused.value.path == text
    assert "receipt.pdf" in refused.value.message
    assert refused.value.hint


@pytest.mark.parametrize(
    "uri",
    [
        "../../etc/passwd",
        "/static/uploads/shirt.jpg",
        "https://example.com/shirt.jpg",
        "photos/sha256/zz/" + "a" * 64 + ".jpg",
        "photos/sha256/ab/" + "a" * 64 + ".jpg",  # the folder is not the digest's first two digits
        "photos/sha256/aa/" + "a" * 64 + ".exe",
    ],
)
def test_only_our_own_uris_name_a_file(store: PhotoStore, uri: str) -> None:
    with pytest.raises(UnknownPhotoUriError):
        store.path_of(uri)


def test_exif_orientation_6_makes_a_portrait_thumbnail_from_landscape_pixels(
    tmp_path: Path, data_dir: Path, store: PhotoStore
) -> None:
    uri = store.add(make_jpeg(tmp_path / "phone.jpg", (400, 200), orientation=6))
    with Image.open(store.path_of(uri)) as stored:
        assert stored.size == (400, 200)  # landscape pixels on disk

    path = ThumbnailCache(data_dir).thumbnail(uri, 64)

    assert path.parent == data_dir / "thumbnails" / "64"
    assert path.suffix == ".jpg"
    with Image.open(path) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == (32, 64)
        # Orientation 6 means "turn 90° clockwise to show": the red left half becomes the top.
        red, _, blue = thumbnail.convert("RGB").getpixel((16, 8))  # type: ignore[misc]
        assert red > 150 > blue
        red, _, blue = thumbnail.convert("RGB").getpixel((16, 56))  # type: ignore[misc]
        assert blue > 150 > red


def test_a_photo_with_transparency_gets_a_png_thumbnail(tmp_path: Path, data_dir: Path, store: PhotoStore) -> None:
    uri = store.add(make_png_with_alpha(tmp_path / "cutout.png"))
    path = ThumbnailCache(data_dir).thumbnail(uri, 100)
    assert path.suffix == ".png"
    with Image.open(path) as thumbnail:
        assert thumbnail.mode == "RGBA"
        assert thumbnail.size == (100, 50)
        assert thumbnail.getpixel((10, 25))[3] == 0  # type: ignore[index]


def test_a_cached_thumbnail_is_made_once_and_not_rewritten(tmp_path: Path, data_dir: Path, store: PhotoStore) -> None:
    uri = store.add(make_jpeg(tmp_path / "big.jpg", (1000, 500)))
    cache = ThumbnailCache(data_dir)
    assert cache.cached(uri, 128) is None

    made = cache.thumbnail(uri, 128)
    before = made.stat()
    again = cache.thumbnail(uri, 128)
    from_another_session = ThumbnailCache(data_dir).thumbnail(uri, 128)

    assert again == from_another_session == made == cache.cached(uri, 128)
    after = made.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with Image.open(made) as thumbnail:
        assert thumbnail.size == (128, 64)
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]  # no temporary file left


def test_a_missing_or_damaged_photo_file_gives_a_clear_error(tmp_path: Path, data_dir: Path, store: PhotoStore) -> None:
    cache = ThumbnailCache(data_dir)
    absent = "photos/sha256/ab/ab" + "0" * 62 + ".jpg"
    with pytest.raises(PhotoMissingError, match="not in the data folder"):
        cache.thumbnail(absent, 64)

    uri = store.add(make_noise_jpeg(tmp_path / "shirt.jpg"))
    stored = store.path_of(uri)
    stored.write_bytes(stored.read_bytes()[:300])  # damaged on disk after it was added
    with pytest.raises(ThumbnailError, match="damaged") as failure:
        cache.thumbnail(uri, 64)
    assert failure.value.uri == uri
    assert cache.cached(uri, 64) is None
