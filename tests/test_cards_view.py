"""The Cards page driven as a collector would: real widgets on a real database, no mocks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.card_support import (
    add_cards,
    add_many_cards,
    clear_history,
    runner_fixture,  # noqa: F401  (the runner fixture)
    set_history,
    uow_factory,
)

from reseller_desktop.db.database import Database
from reseller_desktop.db.engine import make_engine
from reseller_desktop.domain.card_groups import GroupPath
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.ui import paged_table_model
from reseller_desktop.ui.card_list_dialog import PRICE, TITLE
from reseller_desktop.ui.cards_model import NAME, TIER, VALUE
from reseller_desktop.ui.cards_view import MODE_KEY, CardsView
from reseller_desktop.ui.paged_table_model import PAGE_SIZE
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.value_chart import ValueHistoryPanel


@dataclass
class Page:
    view: CardsView
    ids: dict[str, int]
    settings: QSettings


def settings_at(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


def open_page(qtbot: QtBot, database: Database, user: UserRecord, runner: TaskRunner, settings: QSettings) -> CardsView:
    view = CardsView(runner, uow_factory(database, user), settings=settings)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    view.start()
    settle(qtbot, view)
    return view


def settle(qtbot: QtBot, view: CardsView) -> None:
    """Until the table, the tree and the chart have what was last asked for."""
    qtbot.waitUntil(lambda: not view.model.fetching and view.groups.rowCount() > 0, timeout=15_000)
    qtbot.waitUntil(lambda: view._runner.active == 0, timeout=15_000)


@pytest.fixture
def page(qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner, tmp_path: Path) -> Iterator[Page]:
    ids = add_cards(database, alice)
    settings = settings_at(tmp_path)
    view = open_page(qtbot, database, alice, runner, settings)
    yield Page(view, ids, settings)
    for editor in list(view.editors):
        editor._saved_values = editor.values()  # nothing to ask about at teardown
    runner.wait()


def column(view: CardsView, column_index: int) -> list[str]:
    model = view.model
    return [model.data(model.index(row, column_index)) for row in range(model.rowCount())]


def choose_mode(qtbot: QtBot, view: CardsView, mode: str) -> None:
    view.mode.setCurrentIndex(view.mode.findData(mode))
    settle(qtbot, view)


def choose_group(qtbot: QtBot, view: CardsView, path: GroupPath | None) -> None:
    view.tree.setCurrentIndex(view.groups.index_of(path))
    settle(qtbot, view)


def select_cards(qtbot: QtBot, view: CardsView, ids: list[int]) -> None:
    view.table.clearSelection()
    selection = view.table.selectionModel()
    for row in range(view.model.rowCount()):
        if view.model.card_id(row) in ids:
            selection.select(view.model.index(row, NAME), selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    settle(qtbot, view)


def test_the_tree_shows_each_mode_with_counts_and_values(qtbot: QtBot, page: Page) -> None:
    view = page.view
    labels = view.groups.labels()
    assert labels[0] == (0, "All cards", "17", "$7,535.50")
    assert (1, "Pokémon", "7", "$2,076.00") in labels
    assert (2, "Base Set", "6", "$626.00") in labels
    assert (1, "No game", "5", "$4,715.00") in labels

    choose_mode(qtbot, view, "by_value")
    assert view.groups.labels()[1:] == [
        (1, "Grail", "3", "$5,050.00"),
        (1, "High", "5", "$2,320.00"),
        (1, "Mid", "2", "$135.00"),
        (1, "Low", "7", "$30.50"),
    ]
    choose_mode(qtbot, view, "by_player")
    labels = view.groups.labels()
    assert (1, "Baseball", "3", "$2,270.00") in labels
    assert (2, "Mike Trout", "1", "$1,200.00") in labels
    assert labels[-2:] == [(1, "No sport", "12", "$2,820.50"), (2, "No player", "12", "$2,820.50")]
    choose_mode(qtbot, view, "custom")
    labels = view.groups.labels()
    assert (1, "grails", "3", "$4,800.00") in labels
    assert (1, "for sale", "3", "$1,550.00") in labels
    assert labels[-1][:2] == (1, "Untagged")


def test_the_organization_mode_is_remembered_for_the_next_time(
    qtbot: QtBot, page: Page, database: Database, alice: UserRecord, runner: TaskRunner
) -> None:
    choose_mode(qtbot, page.view, "by_player")
    assert page.settings.value(MODE_KEY) == "by_player"
    again = open_page(qtbot, database, alice, runner, page.settings)
    assert again.current_mode() == "by_player"
    assert "Baseball" in [label for _depth, label, _n, _v in again.groups.labels()]


def test_choosing_a_group_filters_the_table_and_the_totals(qtbot: QtBot, page: Page) -> None:
    view = page.view
    assert view.model.rowCount() == 12
    choose_group(qtbot, view, GroupPath("by_set", ("Pokémon", "Base Set")))
    assert sorted(column(view, NAME)) == ["Blastoise", "Charizard", "Pikachu"]
    assert view.totals.text() == "3 cards (6 owned) · value $626.00 · cost $349.00 · unrealized gain +$277.00"
    choose_mode(qtbot, view, "custom")
    choose_group(qtbot, view, GroupPath("custom", ("grails",)))
    assert sorted(column(view, NAME)) == [
        "2003 Upper Deck LeBron James  RC",
        "2018 Topps Chrome Shohei Ohtani  RC",
        "Umbreon VMAX",
    ]
    choose_group(qtbot, view, None)
    assert view.model.rowCount() == 12
    assert view.totals.text().startswith("12 cards (17 owned) · value $7,535.50 · cost $2,069.00")


def test_search_narrows_table_tree_and_totals(qtbot: QtBot, page: Page) -> None:
    view = page.view
    qtbot.keyClicks(view.search, "upper deck")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    settle(qtbot, view)
    assert view.groups.labels() == [
        (0, "All cards", "2", "$2,520.00"),
        (1, "No game", "2", "$2,520.00"),
        (2, "Upper Deck", "2", "$2,520.00"),
    ]
    view.search.clear()
    qtbot.keyClicks(view.search, "LOB-001")
    qtbot.waitUntil(lambda: column(view, NAME) == ["Blue-Eyes White Dragon"], timeout=10_000)


def test_the_database_sorts_when_a_header_is_clicked(qtbot: QtBot, page: Page) -> None:
    view = page.view
    assert column(view, VALUE)[:3] == ["$2,400.00", "$1,450.00", "$1,200.00"]  # most valuable first
    view.table.sortByColumn(VALUE, Qt.SortOrder.AscendingOrder)
    settle(qtbot, view)
    assert column(view, VALUE)[:3] == ["$1.50", "$6.50", "$45.00"]
    view.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
    settle(qtbot, view)
    assert column(view, NAME)[-1] == "Umbreon VMAX"


def test_many_cards_load_page_by_page(
    qtbot: QtBot,
    database: Database,
    alice: UserRecord,
    runner: TaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paged_table_model, "MAX_CACHED_PAGES", 1)
    add_many_cards(database, alice, 2 * PAGE_SIZE + 30)
    view = open_page(qtbot, database, alice, runner, settings_at(tmp_path))
    assert view.model.rowCount() == PAGE_SIZE
    assert view.groups.labels()[0][:3] == (0, "All cards", f"{2 * PAGE_SIZE + 30:,}")
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 * PAGE_SIZE, timeout=10_000)
    view.table.setUpdatesEnabled(False)  # nothing paints (and asks for) page 0 but this test
    view.model.fetchMore(view.model.index(-1, -1))
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 * PAGE_SIZE + 30, timeout=10_000)
    first = view.model.index(0, NAME)
    assert view.model.data(first) == "…"  # let go of; fetched again by its ids
    qtbot.waitUntil(lambda: view.model.data(first) != "…", timeout=10_000)
    runner.wait()


def test_new_tier_thresholds_change_the_tiers(qtbot: QtBot, page: Page, database: Database) -> None:
    view = page.view
    choose_mode(qtbot, view, "by_value")
    dialog = view.ask_thresholds()
    dialog.high_from.setValue(5.0)  # below mid: refused, nothing saved
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert "must rise" in dialog.error.text()
    dialog.mid_from.setValue(5.0)
    dialog.high_from.setValue(500.0)
    dialog.grail_from.setValue(2000.0)
    assert "Grail: $2,000.00 and up" in dialog.ranges.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "re-tiered" in view.message.text(), timeout=10_000)
    settle(qtbot, view)
    assert view.groups.labels()[1:] == [
        (1, "Grail", "1", "$2,400.00"),
        (1, "High", "4", "$4,250.00"),
        (1, "Mid", "9", "$881.00"),
        (1, "Low", "3", "$4.50"),
    ]
    tiers = dict(zip(column(view, NAME), column(view, TIER), strict=True))
    assert tiers["Umbreon VMAX"] == "High"
    assert tiers["Pikachu"] == "Mid"
    with database.engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT value_tier FROM card_collections WHERE id = :i"), {"i": page.ids["LeBron James"]})
            == "grail"
        )


def test_the_chart_shows_a_cards_history_and_the_collection_total(qtbot: QtBot, page: Page, database: Database) -> None:
    view = page.view
    clear_history(database)
    today = datetime.now(UTC).date()
    charizard, pikachu = page.ids["Charizard"], page.ids["Pikachu"]
    set_history(
        database, charizard, [(today - timedelta(days=20), "380.00", 1), (today - timedelta(days=5), "420.00", 1)]
    )
    set_history(database, pikachu, [(today - timedelta(days=10), "6.50", 4)])
    select_cards(qtbot, view, [charizard])
    assert view.history.chart.points() == [
        (today - timedelta(days=20), Decimal("380.00")),
        (today - timedelta(days=5), Decimal("420.00")),
    ]
    assert view.history.chart.title() == "Charizard: estimated value"

    view.table.clearSelection()
    view.history.range.setCurrentIndex(0)  # last 30 days
    settle(qtbot, view)
    points = dict(view.history.chart.points())
    assert min(points) == today - timedelta(days=20)  # from the first value recorded, not from $0
    assert len(points) == 21
    assert points[today - timedelta(days=20)] == Decimal("380.00")
    assert points[today - timedelta(days=10)] == Decimal("406.00")  # + 4 × 6.50
    assert points[today] == Decimal("446.00")
    assert view.history.chart.title() == "Collection value"


def test_list_this_card_makes_a_draft_listing_linked_to_the_card(
    qtbot: QtBot, page: Page, database: Database, alice: UserRecord
) -> None:
    view = page.view
    charizard = page.ids["Charizard"]
    select_cards(qtbot, view, [charizard])
    dialog = view.list_selected()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert dialog.table.item(0, TITLE).text() == "Pokémon Charizard Base Set 4/102 Holo Rare PSA 9"
    assert dialog.table.item(0, PRICE).text() == "420.00"
    dialog.table.item(0, PRICE).setText("399.99")  # the seller's own price
    with qtbot.waitSignal(view.open_listing, timeout=10_000) as opened:
        dialog.create_button.click()
    listing_id = opened.args[0]
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.get(listing_id)
        card = uow.cards.get(charizard)
    assert (listing.title, listing.price, listing.quantity, listing.status) == (
        "Pokémon Charizard Base Set 4/102 Holo Rare PSA 9",
        Decimal("399.99"),
        1,
        "draft",
    )
    assert (listing.item_type, listing.condition) == ("trading_card", "like_new")
    assert listing.photos == ["file:///photos/charizard-front.jpg", "file:///photos/charizard-back.jpg"]
    assert card.listing_id == listing_id
    settle(qtbot, view)
    select_cards(qtbot, view, [charizard])
    again = view.list_selected()  # already on a draft listing: not listed twice
    qtbot.waitUntil(lambda: again.plan is not None, timeout=10_000)
    assert "already on listing" in again.refused.text()
    assert not again.create_button.isEnabled()
    again.reject()


def test_several_cards_make_one_listing_each_or_one_lot(qtbot: QtBot, page: Page, database: Database) -> None:
    view = page.view
    names = ["Pikachu", "Blastoise", "Sol Ring"]
    select_cards(qtbot, view, [page.ids[n] for n in names])
    assert view.list_button.text() == "List 3 cards…"
    dialog = view.list_selected()
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.table.rowCount() == 3, timeout=10_000)
    dialog.lot_button.setChecked(True)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.as_lot, timeout=10_000)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, TITLE).text() == "Lot of 8 trading cards: Blastoise, Pikachu, Sol Ring"
    assert dialog.table.item(0, PRICE).text() == "210.50"  # 180 + 4 × 6.50 + 3 × 1.50
    assert "- Pokémon Pikachu Base Set 58/102 Common (LP) ×4" in dialog.description.toPlainText()
    with qtbot.waitSignal(view.listings_created, timeout=10_000) as created:
        dialog.create_button.click()
    (lot,) = created.args[0]
    assert lot.quantity == 1
    with database.engine.connect() as conn:
        linked = (
            conn.execute(
                text("SELECT listing_id FROM card_collections WHERE id = ANY(:ids)"),
                {"ids": [page.ids[n] for n in names]},
            )
            .scalars()
            .all()
        )
    assert linked == [lot.id] * 3

    select_cards(qtbot, view, [page.ids["Mike Trout"], page.ids["Ken Griffey Jr."]])
    each = view.list_selected()
    qtbot.waitUntil(lambda: each.plan is not None and each.table.rowCount() == 2, timeout=10_000)
    with qtbot.waitSignal(view.listings_created, timeout=10_000) as created:
        each.create_button.click()
    titles = sorted(listing.title for listing in created.args[0])
    assert titles == [
        "1989 Upper Deck #1 Ken Griffey Jr. Seattle Mariners RC",
        "2011 Topps Update #US175 Mike Trout Los Angeles Angels RC BGS 9.5",
    ]
    assert "Created 2 draft listings." in view.message.text()


def test_a_card_edited_from_the_page_shows_its_new_value_and_unsaved_edits_are_asked_about(
    qtbot: QtBot, page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = page.view
    row = column(view, NAME).index("Blastoise")
    view.table.doubleClicked.emit(view.model.index(row, NAME))
    (editor,) = view.editors
    qtbot.waitUntil(lambda: editor.record is not None, timeout=10_000)
    editor.estimated_value.setText("2500")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.message.text() == "Saved.", timeout=10_000)
    settle(qtbot, view)
    assert column(view, NAME)[0] == "Blastoise"  # now the most valuable
    assert column(view, TIER)[0] == "Grail"
    assert view.groups.labels()[0] == (0, "All cards", "17", "$9,855.50")

    editor.notes.setPlainText("Centering is off")  # not saved
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Cancel)
    assert not view.close_editors()
    assert editor.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: QMessageBox.StandardButton.Discard)
    assert view.close_editors()
    qtbot.waitUntil(lambda: view.editors == [], timeout=5_000)


def test_a_history_that_cannot_be_added_up_in_time_asks_for_a_shorter_range(
    qtbot: QtBot, database: Database, alice: UserRecord, runner: TaskRunner
) -> None:
    impatient = Database(database.target, engine=make_engine(database.target, statement_timeout_ms=300))
    panel = ValueHistoryPanel(runner, lambda: impatient.unit_of_work(alice.id))
    qtbot.addWidget(panel)
    failures: list[BaseException] = []
    panel.failed.connect(failures.append)
    with database.engine.begin() as conn:  # another client holds the snapshots: the query runs out of time
        conn.execute(text("LOCK TABLE card_value_snapshots IN ACCESS EXCLUSIVE MODE"))
        panel.show_for([])
        qtbot.waitUntil(lambda: "choose a shorter range" in panel.chart.title(), timeout=10_000)
    assert failures == []  # not an outage: nothing for the offline banner
    runner.wait()
    impatient.dispose()
