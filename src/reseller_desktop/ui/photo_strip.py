"""The listing editor's photos: a strip of thumbnails, the first one the cover.

Photos are added with "Add photos…" or by dropping files from the file manager, reordered by
dragging inside the strip, and removed with Delete or the Remove button. Storing (hashing and
checking each file) and thumbnails run on the TaskRunner; a refused file is listed under the strip
with the reason while the rest of the batch is added.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path

import shiboken6
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.errors import UserError
from reseller_desktop.photos.store import IMAGE_FILE_PATTERNS, PhotoStore
from reseller_desktop.photos.thumbnails import MAX_THUMBNAIL_SIZE
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.thumbnail_provider import ThumbnailProvider

log = logging.getLogger(__name__)

# Rows dragged inside one strip. Our own type, so a drop from elsewhere is never taken for a reorder.
PHOTO_ROWS_MIME = "application/x-reseller-desktop-photo-rows"
URI_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = 96


class PhotoList(QListWidget):
    """The icon row itself: takes file drops, and does reordering drags with its own row payload.

    In icon mode QListView's own internal move places icons freely instead of reordering rows,
    so the drag is done here: its payload names the rows, and the drop position says where.
    """

    files_dropped = Signal(list)  # list[Path], local files dropped from outside
    rows_dropped = Signal(list, int)  # rows dragged, row to insert them before
    delete_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._owner = uuid.uuid4().hex  # tells this strip's drags from another strip's
        self._drop_row: int | None = None
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)  # this also turns drag and drop off, so after it:
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)  # painted here, as a bar between icons
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        text_height = self.fontMetrics().height()
        self.setGridSize(QSize(ICON_SIZE + 16, ICON_SIZE + text_height + 16))
        self.setFixedHeight(
            ICON_SIZE + text_height + 16 + 2 * self.frameWidth() + self.horizontalScrollBar().sizeHint().height()
        )
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def rows_mime_data(self, rows: Iterable[int]) -> QMimeData:
        """The payload a drag of these rows carries."""
        mime = QMimeData()
        payload = json.dumps({"owner": self._owner, "rows": sorted(set(rows))})
        mime.setData(PHOTO_ROWS_MIME, QByteArray(payload.encode()))
        return mime

    def startDrag(self, supportedActions: Qt.DropAction) -> None:  # a Qt override
        rows = sorted(index.row() for index in self.selectedIndexes())
        if not rows:
            return
        drag = QDrag(self)
        drag.setMimeData(self.rows_mime_data(rows))
        icon = self.item(rows[0]).icon()
        if not icon.isNull():
            drag.setPixmap(icon.pixmap(self.iconSize() / 2))
        drag.exec(Qt.DropAction.MoveAction)
        self._set_drop_row(None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._take_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._take_drag(event)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_row(None)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_row(None)
        mime = event.mimeData()
        rows = self._own_rows(mime)
        if rows is not None:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self.rows_dropped.emit(rows, self.insertion_row(event.position().toPoint()))
            return
        files = local_files(mime)
        if files:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.files_dropped.emit(files)
            return
        event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._drop_row is None:
            return
        x = self._insertion_x(self._drop_row)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().highlight().color(), 3))
        painter.drawLine(x, 4, x, self.viewport().height() - 4)
        painter.end()

    def insertion_row(self, position: QPoint) -> int:
        """The row a drop at this viewport position goes before (the count: after the last)."""
        for row in range(self.count()):
            if position.x() < self.visualItemRect(self.item(row)).center().x():
                return row
        return self.count()

    def _take_drag(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        if self._own_rows(mime) is not None:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self._set_drop_row(self.insertion_row(event.position().toPoint()))
        elif local_files(mime):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def _own_rows(self, mime: QMimeData) -> list[int] | None:
        if not mime.hasFormat(PHOTO_ROWS_MIME):
            return None
        try:
            payload = json.loads(bytes(mime.data(PHOTO_ROWS_MIME).data()).decode())
            rows = [int(row) for row in payload["rows"]]
        except (ValueError, KeyError, TypeError):
            return None
        if payload.get("owner") != self._owner or not all(0 <= row < self.count() for row in rows):
            return None
        return rows

    def _insertion_x(self, row: int) -> int:
        if row < self.count():
            return self.visualItemRect(self.item(row)).left() - 1
        return self.visualItemRect(self.item(self.count() - 1)).right() + 1

    def _set_drop_row(self, row: int | None) -> None:
        if row != self._drop_row:
            self._drop_row = row
            self.viewport().update()


def local_files(mime: QMimeData) -> list[Path]:
    """The local files among the URLs a file manager put on a drag."""
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def moved(items: Sequence[str], rows: Iterable[int], before: int) -> list[str]:
    """`items` with the given rows taken out and put, in their order, before row `before`."""
    chosen = sorted(set(rows))
    taken = set(chosen)
    head = [items[i] for i in range(min(before, len(items))) if i not in taken]
    tail = [items[i] for i in range(before, len(items)) if i not in taken]
    return head + [items[i] for i in chosen] + tail


class PhotoStrip(QWidget):
    """A listing's ordered photo URIs, edited in place; `photos()[0]` is the cover.

    `photos_changed(list)` is emitted for the user's changes (add, reorder, remove), not for
    `set_photos`, so an editor can take it as "the listing was edited".
    """

    photos_changed = Signal(list)

    def __init__(
        self,
        runner: TaskRunner,
        store: PhotoStore,
        thumbnails: ThumbnailProvider,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store = store
        self._thumbnails = thumbnails
        self._photos: list[str] = []
        # Bumped by set_photos: photos still being stored for the previous listing are not added
        # to the next one the editor shows.
        self._generation = 0
        self._adds_running = 0
        self._refused: list[str] = []

        self.photo_list = PhotoList(self)
        self.photo_list.setAccessibleName("Photos; the first is the cover")
        self.add_button = QPushButton("Add photos…")
        self.cover_button = QPushButton("Make cover")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected photos (Delete)")
        self.status_label = QLabel("")
        self.refused_label = QLabel("")
        self.refused_label.setObjectName("photo-refused")
        self.refused_label.setTextFormat(Qt.TextFormat.PlainText)  # file names are not markup
        self.refused_label.setWordWrap(True)
        self.refused_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refused_label.hide()

        buttons = QHBoxLayout()
        for button in (self.add_button, self.cover_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.photo_list)
        layout.addLayout(buttons)
        layout.addWidget(self.refused_label)

        self.add_button.clicked.connect(self.open_file_dialog)
        self.cover_button.clicked.connect(self.make_selected_cover)
        self.remove_button.clicked.connect(self.remove_selected)
        self.photo_list.files_dropped.connect(self.add_files)
        self.photo_list.rows_dropped.connect(self.move_rows)
        self.photo_list.delete_pressed.connect(self.remove_selected)
        self.photo_list.itemSelectionChanged.connect(self._update_buttons)
        thumbnails.ready.connect(self._refresh_thumbnail)
        # Bound methods, not lambdas: Qt drops the connection when this strip is deleted, while a
        # provider shared with the listings table lives on.
        thumbnails.failed.connect(self._thumbnail_failed)
        self._update_buttons()

    # The editor's side -------------------------------------------------------------------------

    def set_photos(self, uris: Iterable[str]) -> None:
        """Show a listing's photos (the `photos` column, in order). Does not emit photos_changed."""
        self._generation += 1
        self._photos = list(dict.fromkeys(uris))  # the same photo twice in a listing means nothing
        self._show_refused([], replace=True)
        self._render()

    def photos(self) -> list[str]:
        return list(self._photos)

    def is_busy(self) -> bool:
        """Files are still being stored; the editor may want to wait before saving."""
        return self._adds_running > 0

    def refused_messages(self) -> list[str]:
        return list(self._refused)

    # The user's actions -------------------------------------------------------------------------

    def open_file_dialog(self) -> QFileDialog:
        dialog = QFileDialog(self, "Add photos")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        # Both cases: on Linux the dialog matches names case-sensitively, and cameras write .JPG.
        patterns = " ".join([*IMAGE_FILE_PATTERNS, *(p.upper() for p in IMAGE_FILE_PATTERNS)])
        dialog.setNameFilters([f"Pictures ({patterns})", "All files (*)"])
        dialog.filesSelected.connect(self.add_files)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def add_files(self, paths: Sequence[Path | str]) -> None:
        """Store the files off the GUI thread, then append the new photos; refused ones are listed."""
        files = [Path(path) for path in paths]
        if not files:
            return
        if self._adds_running == 0:
            self._show_refused([], replace=True)
        self._adds_running += 1
        self._show_busy()
        generation = self._generation
        self._runner.run(
            partial(self._store.add_many, files),
            on_done=partial(self._stored, generation),
            on_error=partial(self._not_stored, generation),
            label=f"Adding {len(files)} photo{'s' if len(files) != 1 else ''}",
        )

    def move_rows(self, rows: Sequence[int], before: int) -> None:
        chosen = sorted({row for row in rows if 0 <= row < len(self._photos)})
        if not chosen:
            return
        reordered = moved(self._photos, chosen, before)
        if reordered == self._photos:
            return
        selected = {self._photos[row] for row in chosen}
        self._photos = reordered
        self._render(selected)
        self.photos_changed.emit(self.photos())

    def make_selected_cover(self) -> None:
        self.move_rows(self._selected_rows(), 0)

    def remove_selected(self) -> None:
        rows = set(self._selected_rows())
        if not rows:
            return
        # Only the listing forgets them: the files may be shared with other listings by content.
        self._photos = [uri for row, uri in enumerate(self._photos) if row not in rows]
        self._render()
        self.photos_changed.emit(self.photos())

    # Internals ----------------------------------------------------------------------------------

    def _stored(self, generation: int, result: tuple[list[str], list[str]]) -> None:
        if not shiboken6.isValid(self):  # the editor was closed while the files were stored
            return
        self._adds_running -= 1
        self._show_busy()
        if generation != self._generation:
            return
        uris, errors = result
        self._show_refused(errors)
        new = [uri for uri in dict.fromkeys(uris) if uri not in self._photos]
        if new:
            self._photos.extend(new)
            self._render(set(new))
            self.photos_changed.emit(self.photos())

    def _not_stored(self, generation: int, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._adds_running -= 1
        self._show_busy()
        if generation != self._generation:
            return
        if isinstance(error, UserError):
            self._show_refused([str(error)])
        else:
            log.error("adding photos failed", exc_info=error)
            self._show_refused([f"The photos could not be added: {error}"])

    def _render(self, selected: set[str] | None = None) -> None:
        self.photo_list.clear()
        for row, uri in enumerate(self._photos):
            item = QListWidgetItem(self._icon_for(uri), "Cover" if row == 0 else str(row + 1))
            item.setData(URI_ROLE, uri)
            item.setToolTip(self._tooltip_for(uri, row))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            if row == 0:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.photo_list.addItem(item)
            if selected and uri in selected:
                item.setSelected(True)
        self._update_buttons()

    def _thumbnail_size(self) -> int:
        # A pixmap at the screen's scale: QIcon draws it sharp at the logical icon size.
        return min(MAX_THUMBNAIL_SIZE, round(ICON_SIZE * self.devicePixelRatioF()))

    def _icon_for(self, uri: str) -> QIcon:
        size = self._thumbnail_size()
        pixmap = self._thumbnails.pixmap(uri, size)
        if pixmap is not None:
            return QIcon(pixmap)
        failed = self._thumbnails.error(uri, size) is not None
        standard = QStyle.StandardPixmap.SP_MessageBoxWarning if failed else QStyle.StandardPixmap.SP_FileIcon
        return self.style().standardIcon(standard)

    def _tooltip_for(self, uri: str, row: int) -> str:
        problem = self._thumbnails.error(uri, self._thumbnail_size())
        role = "Cover photo" if row == 0 else f"Photo {row + 1}"
        return f"{role}\n{problem}" if problem else f"{role}\n{uri}"

    def _items_of(self, uri: str) -> list[QListWidgetItem]:
        items = (self.photo_list.item(row) for row in range(self.photo_list.count()))
        return [item for item in items if item.data(URI_ROLE) == uri]

    def _refresh_thumbnail(self, uri: str) -> None:
        for item in self._items_of(uri):
            item.setIcon(self._icon_for(uri))
            item.setToolTip(self._tooltip_for(uri, self.photo_list.row(item)))

    def _thumbnail_failed(self, uri: str, _message: str) -> None:
        self._refresh_thumbnail(uri)

    def _selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.photo_list.selectedIndexes())

    def _update_buttons(self) -> None:
        rows = self._selected_rows()
        self.remove_button.setEnabled(bool(rows))
        self.cover_button.setEnabled(bool(rows) and rows != list(range(len(rows))))

    def _show_busy(self) -> None:
        self.status_label.setText("Adding photos…" if self._adds_running else "")

    def _show_refused(self, messages: Sequence[str], *, replace: bool = False) -> None:
        self._refused = list(messages) if replace else [*self._refused, *messages]
        if self._refused:
            lines = "\n".join(f"• {message}" for message in self._refused)
            self.refused_label.setText(f"Not added:\n{lines}")
            self.refused_label.show()
        else:
            self.refused_label.clear()
            self.refused_label.hide()
