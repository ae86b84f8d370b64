"""The listing editor's photo strip and the table's thumbnail provider, as real widgets (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QSize, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from reseller_desktop.photos import PhotoStore, ThumbnailCache
from reseller_desktop.ui.photo_strip import ICON_SIZE, URI_ROLE, PhotoStrip
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.thumbnail_provider import ThumbnailProvider


def make_picture(path: Path, colour: str, size: tuple[int, int] = (400, 200)) -> Path:
    Image.new("RGB", size, colour).save(path, format="JPEG" if path.suffix == ".jpg" else "PNG")
    return path


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    task_runner = TaskRunner()
    yield task_runner
    assert task_runner.wait()
    QApplication.processEvents()  # deliver the last results while the widgets still exist


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "data")


@pytest.fixture
def provider(runner: TaskRunner, tmp_path: Path) -> ThumbnailProvider:
    return ThumbnailProvider(runner, ThumbnailCache(tmp_path / "data"))


@pytest.fixture
def strip(qtbot: QtBot, runner: TaskRunner, store: PhotoStore, provider: ThumbnailProvider) -> PhotoStrip:
    widget = PhotoStrip(runner, store, provider)
    qtbot.addWidget(widget)
    widget.resize(700, 220)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def drag_event(
    kind: type[QDragEnterEvent] | type[QDragMoveEvent], position: QPoint, action: Qt.DropAction, mime: QMimeData
) -> QDragMoveEvent:
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    try:
        return kind(QPointF(position), action, mime, buttons, modifiers)  # PySide6 6.12 deprecates QPoint here
    except TypeError:
        return kind(position, action, mime, buttons, modifiers)  # PySide6 < 6.12 has only the QPoint form


def drop(strip: PhotoStrip, mime: QMimeData, position: QPoint, action: Qt.DropAction) -> QDropEvent:
    """What a drag ends with, sent as the window system sends it: enter, move, then drop."""
    viewport = strip.photo_list.viewport()
    enter = drag_event(QDragEnterEvent, position, action, mime)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = drag_event(QDragMoveEvent, position, action, mime)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    dropped = QDropEvent(QPointF(position), action, mime, buttons, modifiers, QEvent.Type.Drop)
    QApplication.sendEvent(viewport, dropped)
    return dropped


def drop_files(strip: PhotoStrip, files: list[Path]) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in files])  # as a file manager does
    return drop(strip, mime, strip.photo_list.viewport().rect().center(), Qt.DropAction.CopyAction)


def drag_rows(strip: PhotoStrip, rows: list[int], before_row: int) -> QDropEvent:
    """Drag these rows inside the strip and drop them just left of `before_row`'s icon (or after the last)."""
    photo_list = strip.photo_list
    if before_row < photo_list.count():
        rect = photo_list.visualItemRect(photo_list.item(before_row))
        position = QPoint(rect.left() + 3, rect.center().y())
    else:
        rect = photo_list.visualItemRect(photo_list.item(photo_list.count() - 1))
        position = QPoint(rect.right() - 3, rect.center().y())
    return drop(strip, photo_list.rows_mime_data(rows), position, Qt.DropAction.MoveAction)


def texts(strip: PhotoStrip) -> list[str]:
    return [strip.photo_list.item(row).text() for row in range(strip.photo_list.count())]


def uris_shown(strip: PhotoStrip) -> list[str]:
    return [strip.photo_list.item(row).data(URI_ROLE) for row in range(strip.photo_list.count())]


def select(strip: PhotoStrip, *rows: int) -> None:
    strip.photo_list.clearSelection()
    for row in rows:
        strip.photo_list.item(row).setSelected(True)


@pytest.fixture
def three_photos(tmp_path: Path, store: PhotoStore, strip: PhotoStrip) -> list[str]:
    uris = [store.add(make_picture(tmp_path / f"{colour}.png", colour)) for colour in ("red", "green", "blue")]
    strip.set_photos(uris)
    return uris


def test_dropping_files_adds_the_photos_and_lists_the_refused_one(
    qtbot: QtBot, tmp_path: Path, store: PhotoStore, strip: PhotoStrip
) -> None:
    front = make_picture(tmp_path / "front.jpg", "red")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture", encoding="utf-8")
    back = make_picture(tmp_path / "back.png", "blue")
    assert strip.refused_label.isHidden()

    with qtbot.waitSignal(strip.photos_changed) as changed:
        dropped = drop_files(strip, [front, notes, back])
        assert dropped.isAccepted()
        assert strip.is_busy()  # stored on a worker, not in the drop handler

    expected = [store.add(front), store.add(back)]
    assert changed.args == [expected]
    assert strip.photos() == expected
    assert uris_shown(strip) == expected
    assert texts(strip) == ["Cover", "2"]
    assert not strip.is_busy()
    assert strip.refused_label.isVisible()
    assert strip.refused_label.text().startswith("Not added:")
    assert (
        "notes.txt was not added: it is not a JPEG, PNG, GIF, WebP, BMP or TIFF picture" in strip.refused_label.text()
    )
    assert "front.jpg" not in strip.refused_label.text()
    assert len(strip.refused_messages()) == 1

    # The placeholder icons are replaced by the thumbnails once they are made (400×200 fits 96×48).
    thumbnail_size = QSize(ICON_SIZE, ICON_SIZE // 2)
    qtbot.waitUntil(
        lambda: all(thumbnail_size in strip.photo_list.item(row).icon().availableSizes() for row in range(2))
    )

    # Dropping a photo that is already there adds nothing and clears the old report.
    with qtbot.assertNotEmitted(strip.photos_changed, wait=0):
        drop_files(strip, [front])
        qtbot.waitUntil(lambda: not strip.is_busy())
    assert strip.photos() == expected
    assert strip.refused_label.isHidden()


def test_dragging_a_photo_to_the_front_makes_it_the_cover(
    qtbot: QtBot, strip: PhotoStrip, three_photos: list[str]
) -> None:
    red, green, blue = three_photos
    assert texts(strip) == ["Cover", "2", "3"]
    select(strip, 2)

    with qtbot.waitSignal(strip.photos_changed) as changed:
        drag_rows(strip, [2], before_row=0)

    assert changed.args == [[blue, red, green]]
    assert strip.photos() == [blue, red, green]
    assert uris_shown(strip) == [blue, red, green]
    assert texts(strip) == ["Cover", "2", "3"]
    assert [item.data(URI_ROLE) for item in strip.photo_list.selectedItems()] == [blue]  # still selected

    with qtbot.waitSignal(strip.photos_changed):
        drag_rows(strip, [0], before_row=3)  # the cover to the end
    assert strip.photos() == [red, green, blue]

    # A drop where the photo already is changes nothing.
    with qtbot.assertNotEmitted(strip.photos_changed, wait=0):
        drag_rows(strip, [1], before_row=1)
    assert strip.photos() == [red, green, blue]


def test_a_drag_from_another_strip_is_not_taken_for_a_reorder(
    qtbot: QtBot,
    runner: TaskRunner,
    store: PhotoStore,
    provider: ThumbnailProvider,
    strip: PhotoStrip,
    three_photos: list[str],
) -> None:
    other = PhotoStrip(runner, store, provider)
    qtbot.addWidget(other)
    other.set_photos(three_photos)
    mime = other.photo_list.rows_mime_data([2])
    viewport = strip.photo_list.viewport()
    enter = drag_event(QDragEnterEvent, viewport.rect().center(), Qt.DropAction.MoveAction, mime)
    QApplication.sendEvent(viewport, enter)
    assert not enter.isAccepted()
    assert strip.photos() == three_photos


def test_make_cover_button_moves_the_selection_to_the_front(
    qtbot: QtBot, strip: PhotoStrip, three_photos: list[str]
) -> None:
    red, green, blue = three_photos
    select(strip, 0)
    assert not strip.cover_button.isEnabled()  # already the cover
    select(strip, 1, 2)
    assert strip.cover_button.isEnabled()
    with qtbot.waitSignal(strip.photos_changed):
        qtbot.mouseClick(strip.cover_button, Qt.MouseButton.LeftButton)
    assert strip.photos() == [green, blue, red]
    assert texts(strip)[0] == "Cover"


def test_delete_key_and_remove_button_remove_the_selected_photos(
    qtbot: QtBot, strip: PhotoStrip, three_photos: list[str]
) -> None:
    red, _green, blue = three_photos
    assert not strip.remove_button.isEnabled()
    select(strip, 1)
    strip.photo_list.setFocus()
    with qtbot.waitSignal(strip.photos_changed) as changed:
        qtbot.keyClick(strip.photo_list, Qt.Key.Key_Delete)
    assert changed.args == [[red, blue]]
    assert uris_shown(strip) == [red, blue]

    select(strip, 0)
    with qtbot.waitSignal(strip.photos_changed) as changed:
        qtbot.mouseClick(strip.remove_button, Qt.MouseButton.LeftButton)
    assert changed.args == [[blue]]
    assert texts(strip) == ["Cover"]
    assert strip.photo_list.item(0).data(URI_ROLE) == blue
    assert not strip.remove_button.isEnabled()


def test_set_photos_shows_a_listing_without_emitting_and_drops_adds_for_the_previous_one(
    qtbot: QtBot, tmp_path: Path, strip: PhotoStrip, three_photos: list[str]
) -> None:
    assert strip.photos() == three_photos
    late = make_picture(tmp_path / "late.jpg", "yellow")
    with qtbot.assertNotEmitted(strip.photos_changed, wait=0):
        drop_files(strip, [late])
        strip.set_photos([three_photos[1], three_photos[1]])  # the editor moved to another listing
        qtbot.waitUntil(lambda: not strip.is_busy())
    assert strip.photos() == [three_photos[1]]


def test_the_add_button_opens_a_picture_dialog_whose_files_are_added(
    qtbot: QtBot, tmp_path: Path, store: PhotoStore, strip: PhotoStrip
) -> None:
    picture = make_picture(tmp_path / "IMG_0042.JPG", "purple")
    qtbot.mouseClick(strip.add_button, Qt.MouseButton.LeftButton)
    dialog = strip.findChild(QFileDialog)
    assert dialog is not None
    assert dialog.fileMode() == QFileDialog.FileMode.ExistingFiles
    assert "*.JPG" in dialog.nameFilters()[0]
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(picture.name)
    with qtbot.waitSignal(strip.photos_changed) as changed:
        dialog.accept()
    assert changed.args == [[store.add(picture)]]


def test_the_thumbnail_provider_emits_ready_and_then_returns_the_pixmap(
    qtbot: QtBot, tmp_path: Path, runner: TaskRunner, store: PhotoStore, provider: ThumbnailProvider
) -> None:
    uri = store.add(make_picture(tmp_path / "wide.jpg", "orange", (400, 200)))

    with qtbot.waitSignal(provider.ready) as ready:
        assert provider.pixmap(uri, 64) is None
        assert provider.pixmap(uri, 64) is None  # asked again while it is being made: one job
        assert provider.pending() == 1
        assert runner.active == 1

    assert ready.args == [uri]
    pixmap = provider.pixmap(uri, 64)
    assert pixmap is not None
    assert (pixmap.width(), pixmap.height()) == (64, 32)
    assert provider.pending() == 0
    assert provider.cache.cached(uri, 64) is not None  # and on disk for the next session


def test_the_thumbnail_provider_reports_a_missing_photo_once(qtbot: QtBot, provider: ThumbnailProvider) -> None:
    absent = "photos/sha256/ab/ab" + "0" * 62 + ".jpg"
    with qtbot.waitSignal(provider.failed) as failed:
        assert provider.pixmap(absent, 48) is None
    assert failed.args[0] == absent
    assert "not in the data folder" in failed.args[1]
    with qtbot.assertNotEmitted(provider.failed, wait=0):
        assert provider.pixmap(absent, 48) is None  # remembered: no new job on every repaint
        assert provider.pending() == 0
    assert provider.error(absent, 48) == failed.args[1]


def test_a_strip_deleted_while_its_photos_are_stored_leaves_the_shared_provider_working(
    qtbot: QtBot, tmp_path: Path, runner: TaskRunner, store: PhotoStore, provider: ThumbnailProvider
) -> None:
    closing = PhotoStrip(runner, store, provider)
    uri = store.add(make_picture(tmp_path / "shown.png", "red"))
    closing.set_photos([uri])  # asks the provider for a thumbnail
    closing.add_files([make_picture(tmp_path / "late.png", "blue")])
    with qtbot.waitSignal(closing.destroyed):
        closing.deleteLater()  # the editor closes before either job is back

    assert runner.wait()
    other = store.add(make_picture(tmp_path / "table.png", "green"))
    with qtbot.waitSignal(provider.ready, check_params_cb=lambda ready_uri: ready_uri == other):
        provider.pixmap(other, 48)  # results for the deleted strip arrive first and are ignored
    assert provider.pixmap(other, 48) is not None
