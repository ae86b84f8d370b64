"""The listings view where speed is won (cells painted from the row, counts after the rows, ids
kept compactly) and the benchmark areas that measure it: the view, its memory, the start-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.conftest import PgServer

from reseller_desktop.bench import dataset, listing_view, memory, startup
from reseller_desktop.bench.context import BenchContext
from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.ui.listing_delegates import CHIP_COLOURS
from reseller_desktop.ui.listings_model import COVER, PLATFORMS, ListingsModel
from reseller_desktop.ui.listings_view import ListingsView
from reseller_desktop.ui.paged_table_model import PAGE_SIZE
from reseller_desktop.ui.paged_table_view import PagedCellDelegate
from reseller_desktop.ui.tasks import TaskRunner

SCALE = 0.001  # 1,000 listings: five pages


@pytest.fixture
def bench(pg: PgServer, database: Database, tmp_path: Path) -> BenchContext:
    data = dataset.ensure(database, SCALE, tmp_path, say=lambda _text: None)
    return BenchContext(scale=SCALE, workdir=tmp_path, server=pg.embedded, database=database, dataset=data, runs=2)


@pytest.fixture
def runner(database: Database) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.wait()  # before the database fixture closes the pool


def red_cover(_uri: str) -> QPixmap:
    pixmap = QPixmap(40, 40)
    pixmap.fill(QColor("red"))
    return pixmap


def open_view(qtbot: QtBot, runner: TaskRunner, database: Database, user_id: UUID, tmp_path: Path) -> ListingsView:
    model = ListingsModel(runner, lambda: database.unit_of_work(user_id), red_cover)
    view = ListingsView(runner, lambda: database.unit_of_work(user_id), model)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.start(QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.fetching, timeout=15_000)
    return view


def add_listed(database: Database, user: UserRecord) -> None:
    """Listings in every status, priced, with a cover, on a platform or three."""
    with database.engine.begin() as conn:
        ids = conn.scalars(
            text(
                "INSERT INTO listings (listing_uuid, user_id, title, price, cost, status, storage_location, photos, "
                "updated_at) "
                "SELECT gen_random_uuid()::text, :u, 'Pendleton wool shirt ' || n, 24.5 + n, 3, "
                "(ARRAY['draft', 'active', 'canceled', 'active', 'draft', 'active'])[n + 1], 'B' || n, "
                "json_build_array('photos/sha256/ab/' || n || '.jpg'), timestamp '2026-01-01' + n * interval '1 s' "
                "FROM generate_series(0, 5) n RETURNING id"
            ),
            {"u": user.id},
        ).all()
    with database.unit_of_work(user.id) as uow:
        for number, listing_id in enumerate(ids):
            for platform in ("ebay", "etsy", "poshmark")[: 1 + number % 3]:
                uow.platform_listings.add(listing_id, platform)
        uow.commit()


def test_cells_look_as_qts_own_delegate_would_paint_them(
    qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner, tmp_path: Path
) -> None:
    add_listed(database, alice)
    view = open_view(qtbot, runner, database, alice.id, tmp_path)
    table = view.table
    assert isinstance(table.itemDelegate(), PagedCellDelegate)
    table.selectRow(1)
    fast = table.grab().toImage()
    table.setItemDelegate(QStyledItemDelegate(table))  # asks data() for every role of every cell
    assert table.grab().toImage() == fast
    # And it did paint the rows: the cover is there.
    cover = table.visualRect(view.model.index(0, COVER)).center()
    assert fast.pixelColor(cover.x(), cover.y() + table.horizontalHeader().height()) == QColor("red")


def test_platforms_show_as_chips_in_their_status_colour(
    qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner, tmp_path: Path
) -> None:
    add_listed(database, alice)
    view = open_view(qtbot, runner, database, alice.id, tmp_path)
    row = next(r for r in range(view.model.rowCount()) if len(view.model.row_for_paint(r).platforms) == 3)
    cell = view.table.visualRect(view.model.index(row, PLATFORMS))
    image: QImage = view.table.viewport().grab(cell).toImage()
    colours = {image.pixelColor(x, image.height() // 2).name() for x in range(image.width())}
    assert CHIP_COLOURS["pending"] in colours  # a new platform row waits to be listed


def test_counts_are_asked_for_once_the_first_rows_are_in(
    qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner, tmp_path: Path
) -> None:
    add_listed(database, alice)
    labels: list[str] = []
    runner.busy_changed.connect(lambda count, label: labels.append(label) if count else None)
    view = open_view(qtbot, runner, database, alice.id, tmp_path)
    status = view.status
    qtbot.waitUntil(lambda: status.itemText(status.findData("active")) == "active (3)", timeout=10_000)
    assert labels.index("Counting listings") > labels.index("Loading listings")
    assert "Counting listings" not in labels[: labels.index("Loading listings") + 1]


def test_a_page_that_comes_again_is_not_shown_twice(
    qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner, tmp_path: Path
) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO listings (listing_uuid, user_id, title, price, updated_at) "
                "SELECT gen_random_uuid()::text, :u, 'Item ' || n, 1, timestamp '2026-01-01' + n * interval '1 s' "
                "FROM generate_series(1, :c) n"
            ),
            {"u": alice.id, "c": PAGE_SIZE + 5},
        )
    view = open_view(qtbot, runner, database, alice.id, tmp_path)
    model = view.model
    first_page = model.ids_of(list(range(model.rowCount())))
    model._next_key = None  # the cursor back at the start: the same page comes again
    model.fetchMore(model.index(-1, -1))
    qtbot.waitUntil(lambda: not model.fetching, timeout=10_000)
    assert model.ids_of(list(range(model.rowCount()))) == first_page
    model.fetchMore(model.index(-1, -1))
    qtbot.waitUntil(lambda: model.rowCount() == PAGE_SIZE + 5, timeout=10_000)


def test_the_view_figures_come_out_beside_the_raw_page(qtbot: QtBot, bench: BenchContext) -> None:
    figures = {figure.name: figure for figure in listing_view.figures(bench)}
    opened = figures["open the listings view: first rows shown"]
    scrolled = figures["next page while scrolling (fetchMore)"]
    stall = figures["GUI thread blocked while scrolling (longest stall)"]
    for figure in (opened, scrolled):
        assert figure.unit == "ms" and len(figure.samples.values) == bench.runs
        assert figure.value > 0 and figure.limit is not None and figure.limit > 0
        assert figure.limit_label == listing_view.RAW_LABEL
    assert (opened.target, scrolled.target, stall.target) == (100, 30, 16)
    assert stall.statistic == "max" and stall.value >= 0


def test_the_memory_figure_scrolls_through_every_listing(bench: BenchContext) -> None:
    (figure,) = memory.figures(bench)
    assert figure.extra["memory_rows"] == bench.dataset.counts["listings"] == 1000
    assert figure.extra["memory_pages"] == 1000 // PAGE_SIZE
    assert 0 < figure.extra["memory_rss_idle_mb"] <= figure.value
    assert figure.target == 400 and figure.unit == "MB"


def test_the_app_shows_its_window_before_it_creates_the_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert startup.start_ms(home) > 0  # the real entry printed when its window was painted
    assert not (home / "data" / "pgdata").exists()  # and quit before the database was started
