"""Area "photos": thumbnails of 12-megapixel phone photos, made the way the photo strip makes them.

The photos are generated once into the run's folder (kept with --workdir): 4000×3000 JPEGs with a
photo's mix of smooth areas, edges and sensor noise (about 3 MB each, as a phone writes them), some
with an EXIF orientation so the turn upright is part of the work. Each pass starts from an empty
thumbnail folder, so every thumbnail is really made. One thread: the figure is per core.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.photos.thumbnails import ThumbnailCache

PHOTO_SIZE = (4000, 3000)  # 12 megapixels
# EXIF orientation of each generated photo: upright, and the two portrait turns a phone writes.
ORIENTATIONS: tuple[int | None, ...] = (None, 6, 8)
EXIF_ORIENTATION = 0x0112
JPEG_QUALITY = 90
TARGET_PER_SECOND = 40.0


def thumbnail_size() -> int:
    """The size the photo strip asks for on a standard screen (its icons, at device pixel ratio 1)."""
    from reseller_desktop.ui.photo_strip import ICON_SIZE

    return ICON_SIZE


def make_photo(path: Path, seed: int, orientation: int | None) -> Path:
    """A 12 MP JPEG that decodes like a photo: a lit background, blurred shapes, fine noise."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    small_size = (width // 8, height // 8)
    light = Image.linear_gradient("L").resize(small_size)
    tint = Image.new("RGB", small_size, tuple(rng.randrange(60, 200) for _ in range(3)))
    scene = Image.composite(tint, Image.new("RGB", small_size, (235, 230, 220)), light)
    draw = ImageDraw.Draw(scene)
    for _ in range(40):
        x, y, r = rng.randrange(small_size[0]), rng.randrange(small_size[1]), rng.randrange(10, 120)
        color = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r // 2, x + r, y + r), fill=color)
    scene = scene.filter(ImageFilter.GaussianBlur(2)).resize(PHOTO_SIZE, Image.Resampling.BICUBIC)
    # Sensor noise is what makes a photo's JPEG large and slow to decode; a tiled patch of it costs
    # a sixteenth of a full-size one to make and decodes the same.
    tile = Image.effect_noise((width // 4, height // 4), 40).convert("RGB")
    noise = Image.new("RGB", PHOTO_SIZE)
    for column in range(4):
        for row in range(4):
            noise.paste(tile, (column * width // 4, row * height // 4))
    photo = Image.blend(scene, noise, 0.15)
    exif = Image.Exif()
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    photo.save(partial, format="JPEG", quality=JPEG_QUALITY, exif=exif)
    partial.replace(path)
    return path


def ensure_photos(folder: Path) -> list[Path]:
    """The generated photos, made now where an earlier run has not left them."""
    paths = []
    for number, orientation in enumerate(ORIENTATIONS):
        path = folder / f"photo-{number}-orientation-{orientation or 1}.jpg"
        paths.append(path if path.is_file() else make_photo(path, seed=number, orientation=orientation))
    return paths


def rate_per_pass(
    make: Callable[[Path | str], object], items: Sequence[Path | str], before_pass: Callable[[], None], passes: int
) -> Samples:
    """Thumbnails per second of each pass over `items` (one warm-up pass first); `before_pass`
    (emptying the cache) is not timed."""
    rates = []
    for number in range(passes + 1):
        before_pass()
        started = time.perf_counter()
        for item in items:
            make(item)
        seconds = time.perf_counter() - started
        if number:
            rates.append(len(items) / seconds)
    return Samples.of(rates)


def figures(ctx: BenchContext) -> Iterator[Figure]:
    folder = ctx.workdir / "photos-bench"
    sources = ensure_photos(folder / "originals")
    data_dir = folder / "data"
    store = PhotoStore(data_dir)
    uris = [store.add(path) for path in sources]
    stored = [store.existing_path_of(uri) for uri in uris]
    cache = ThumbnailCache(data_dir)
    size = thumbnail_size()

    def app_thumbnail(uri: Path | str) -> object:
        return cache.thumbnail(str(uri), size)

    def pillow_thumbnail(path: Path | str) -> object:
        with Image.open(path) as image:
            image.thumbnail((size, size))
            return image.size

    def empty_cache() -> None:
        shutil.rmtree(cache.root, ignore_errors=True)

    passes = max(1, ctx.runs // 2)
    raw = rate_per_pass(pillow_thumbnail, stored, lambda: None, passes)
    app = rate_per_pass(app_thumbnail, uris, empty_cache, passes)
    empty_cache()
    yield Figure(
        name="thumbnails of 12-megapixel JPEGs",
        unit="thumbs/s",
        samples=app,
        target=TARGET_PER_SECOND,
        better="higher",
        limit=raw.median,
        limit_label="Pillow thumbnail alone",
        note=f"{size} px, one thread, {len(uris)} photos × {passes} passes",
        extra={
            "thumbnail_px": size,
            "photos": len(uris),
            "photo_bytes": [path.stat().st_size for path in stored],
            "pillow_thumbnail_p95": round(raw.p95, 4),
        },
    )
