"""Thumbnails for item views, without ever waiting on the GUI thread.

A view's delegate asks `pixmap(uri, size)` while it paints. A thumbnail already in memory comes back
at once; otherwise the call returns None, the thumbnail is made (or read from the disk cache) on the
TaskRunner, and `ready(uri)` says when to repaint. Workers only make files and QImages (QImage is
reentrant and may be built in any thread); QPixmap, which belongs to the GUI thread, is made here.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from functools import partial

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from reseller_desktop.domain.errors import UserError
from reseller_desktop.photos.thumbnails import MAX_THUMBNAIL_SIZE, MIN_THUMBNAIL_SIZE, ThumbnailCache, ThumbnailError
from reseller_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ThumbnailKey = tuple[str, int]  # (photo URI, size in pixels)


def load_thumbnail_image(cache: ThumbnailCache, uri: str, size: int) -> QImage:
    """Worker thread: make or find the thumbnail file, and decode it into a QImage."""
    path = cache.thumbnail(uri, size)
    image = QImage(str(path))
    if image.isNull():
        raise ThumbnailError(uri, f"the thumbnail file {path} could not be read")
    return image


class ThumbnailProvider(QObject):
    """Thumbnails by (URI, size): a bounded in-memory LRU over the disk cache, filled off the GUI thread.

    At most `max_running` thumbnails are on the shared TaskRunner at once (it also runs the
    database work, which must not queue behind a page of thumbnails); the rest wait here, the most
    recently asked first, since that is the row the user is looking at. Requests beyond
    `max_waiting` drop the oldest; a view that still shows that row asks again when it repaints.
    """

    ready = Signal(str)  # a thumbnail of this URI is in memory now: repaint what shows it
    failed = Signal(str, str)  # URI, the reason no thumbnail can be shown

    def __init__(
        self,
        runner: TaskRunner,
        cache: ThumbnailCache,
        parent: QObject | None = None,
        *,
        capacity: int = 500,
        max_running: int = 2,
        max_waiting: int = 300,
    ) -> None:
        super().__init__(parent)
        if capacity < 1 or max_running < 1 or max_waiting < 1:
            raise ValueError("capacity, max_running and max_waiting must be at least 1")
        self._runner = runner
        self._cache = cache
        self._capacity = capacity
        self._max_running = max_running
        self._max_waiting = max_waiting
        self._pixmaps: OrderedDict[ThumbnailKey, QPixmap] = OrderedDict()
        # Failures are remembered too (bounded the same way), so a view repainting a row whose
        # photo is missing does not start a new job on every paint.
        self._errors: OrderedDict[ThumbnailKey, str] = OrderedDict()
        self._running: set[ThumbnailKey] = set()
        self._waiting: deque[ThumbnailKey] = deque()

    @property
    def cache(self) -> ThumbnailCache:
        return self._cache

    def pixmap(self, uri: str, size: int) -> QPixmap | None:
        """The thumbnail if it is in memory; else None, and `ready(uri)` follows when it is."""
        if not MIN_THUMBNAIL_SIZE <= size <= MAX_THUMBNAIL_SIZE:
            raise ValueError(f"thumbnail size {size} is outside {MIN_THUMBNAIL_SIZE}..{MAX_THUMBNAIL_SIZE}")
        key = (uri, size)
        hit = self._pixmaps.get(key)
        if hit is not None:
            self._pixmaps.move_to_end(key)
            return hit
        if key in self._errors or key in self._running:
            return None
        if key in self._waiting:
            self._waiting.remove(key)  # asked again: it is on screen now, so it goes first
        self._waiting.append(key)
        while len(self._waiting) > self._max_waiting:
            self._waiting.popleft()
        self._start_waiting()
        return None

    def error(self, uri: str, size: int) -> str | None:
        """Why no thumbnail of this URI at this size can be shown, once that is known."""
        return self._errors.get((uri, size))

    def pending(self) -> int:
        """Thumbnails asked for and not yet in memory or failed."""
        return len(self._running) + len(self._waiting)

    def clear(self) -> None:
        """Forget what is in memory and every failure (e.g. after photos were copied in)."""
        self._pixmaps.clear()
        self._errors.clear()

    def _start_waiting(self) -> None:
        while self._waiting and len(self._running) < self._max_running:
            key = self._waiting.pop()
            self._running.add(key)
            uri, size = key
            self._runner.run(
                partial(load_thumbnail_image, self._cache, uri, size),
                on_done=partial(self._loaded, key),
                on_error=partial(self._not_loaded, key),
                label="Making thumbnails",
            )

    def _loaded(self, key: ThumbnailKey, image: QImage) -> None:
        if not shiboken6.isValid(self):  # the view that owned this provider is gone
            return
        self._running.discard(key)
        self._pixmaps[key] = QPixmap.fromImage(image)
        self._pixmaps.move_to_end(key)
        while len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        self._start_waiting()
        self.ready.emit(key[0])

    def _not_loaded(self, key: ThumbnailKey, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._running.discard(key)
        if isinstance(error, UserError):
            message = error.message
        else:  # a defect, not a bad photo: keep the traceback for the log
            log.error("thumbnail of %s at %d px failed", key[0], key[1], exc_info=error)
            message = f"No thumbnail could be made of the photo {key[0]}: {error}"
        self._errors[key] = message
        while len(self._errors) > self._capacity:
            self._errors.popitem(last=False)
        self._start_waiting()
        self.failed.emit(key[0], message)
