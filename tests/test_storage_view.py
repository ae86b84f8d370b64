"""The Storage page against a real database: the tree with counts, a place's contents, moving by drag
and drop and in bulk, bins and sections made, renamed, resized and deleted, and sold items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QModelIndex, QPointF, Qt
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot
from tests.conftest import PgServer
from tests.storage_support import (  # noqa: F401  (*_fixture: fixtures)
    SCAN_SETTINGS,
    Shelves,
    UowFactory,
    items_in,
    moves_logged,
    new_uow_fixture,
    open_storage_page,
    place_of,
    runner_fixture,
    shelves_fixture,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.barcodes import HitKind, ScanHit
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.services.labels import LabelTargets
from reseller_desktop.services.sales import record_sale
from reseller_desktop.services.storage_browser import place_of_hit
from reseller_desktop.ui import storage_changes
from reseller_desktop.ui.storage_contents_model import PATH, STATUS, STORAGE_ID
from reseller_desktop.ui.storage_contents_model import TITLE as CONTENT_TITLE
from reseller_desktop.ui.storage_dialogs import CapacityDialog, MoveToDialog, NewBinDialog, NewSectionDialog
from reseller_desktop.ui.storage_model import (
    CAPACITY,
    FREE,
    ITEMS,
    NAME,
    STORAGE_ITEMS_MIME,
    TYPE,
    StorageTreeModel,
    encode_item_ids,
)
from reseller_desktop.ui.storage_view import StorageView
from reseller_desktop.ui.tasks import TaskRunner

A1 = "A › 1"
A2 = "A › 2"


@pytest.fixture
def view(qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, shelves: Shelves) -> StorageView:
    return open_storage_page(qtbot, runner, new_uow)


def row_texts(model: StorageTreeModel, parent: QModelIndex = QModelIndex()) -> list[tuple[str, ...]]:  # noqa: B008
    rows = []
    for row in range(model.rowCount(parent)):
        cells = tuple(str(model.index(row, c, parent).data()) for c in (NAME, TYPE, ITEMS, CAPACITY, FREE))
        rows.append(cells)
    return rows


def show_place(qtbot: QtBot, view: StorageView, target: ScanTarget, titles: list[str]) -> None:
    view.select(target)
    qtbot.waitUntil(lambda: [r.title for r in view.contents_model.rows] == titles and view.shown == target)


def section(shelves: Shelves, section_id: int, path: str) -> ScanTarget:
    bin_id = shelves.bin_b if section_id == shelves.b3 else shelves.bin_a
    return ScanTarget(bin_id, section_id, path)


def message_is(qtbot: QtBot, view: StorageView, text: str) -> None:
    qtbot.waitUntil(lambda: view.message.text() == text)


# ----- the tree and the contents -------------------------------------------------------------------


def test_the_tree_shows_bins_and_sections_with_counts_capacity_and_free_room(
    view: StorageView, shelves: Shelves
) -> None:
    model = view.tree_model
    # Bin A: 1 + 2 items in its sections and a loose scarf; one section has no limit, so no bin total.
    assert row_texts(model) == [("A", "clothing", "4", "", ""), ("B", "cards", "1", "5", "4")]
    assert row_texts(model, model.index(0, NAME)) == [("1", "", "1", "2", "1"), ("2", "", "2", "", "")]
    a1 = model.index(0, NAME, model.index(0, NAME))
    assert a1.data(Qt.ItemDataRole.ToolTipRole) == "A › 1: 1 item(s), 1 of 2 free"
    assert model.index(0, NAME).data(Qt.ItemDataRole.ToolTipRole).endswith("1 item(s) loose in the bin, in no section")


def test_choosing_a_section_shows_what_it_holds_with_the_full_path(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    contents = view.contents_model
    jacket = contents.index(0, 0)
    assert [contents.index(0, c).data() for c in (CONTENT_TITLE, STORAGE_ID, STATUS, PATH)] == [
        "Carhartt jacket",
        shelves.jacket_storage_id,
        "active",
        A2,
    ]
    assert jacket.sibling(1, STATUS).data() == "no listing"  # the hat stands for no listing
    assert view.contents_title.text() == "A › 2: 2 item(s)"
    show_place(qtbot, view, ScanTarget(shelves.bin_a, None, "A"), ["Silk scarf"])
    assert view.contents_title.text() == "A: 1 item(s) loose in the bin"


# ----- drag and drop -------------------------------------------------------------------------------


def drag_rows(view: StorageView, storage_item_ids: list[int]) -> QMimeData:
    """What dragging these contents rows carries: the source model's own mime data."""
    rows = [view.contents_model.row_of(i) for i in storage_item_ids]
    return view.contents_model.mimeData([view.contents_model.index(r, 0) for r in rows if r is not None])


def test_dragging_rows_onto_a_section_moves_them_and_logs_the_drag(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    data = drag_rows(view, [shelves.jacket_item, shelves.hat_item])
    b3 = view.tree_model.index_of(section(shelves, shelves.b3, "B › 3"))
    assert view.tree_model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, -1, b3)
    assert view.tree_model.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, b3)
    message_is(qtbot, view, "Moved 2 item(s) to B › 3.")
    assert items_in(database, alice, shelves.bin_b, shelves.b3) == ["Carhartt jacket", "Charizard", "Wool hat"]
    qtbot.waitUntil(lambda: view.contents_model.rows == ())  # the section shown is empty now
    qtbot.waitUntil(lambda: row_texts(view.tree_model)[1] == ("B", "cards", "3", "5", "2"))
    assert [(m["from"], m["to"], m["via"]) for m in moves_logged(database, alice)] == [(A2, "B › 3", "drag")] * 2


def test_a_drop_on_a_full_section_is_refused_with_its_message_and_nothing_moves(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    a1 = view.tree_model.index_of(section(shelves, shelves.a1, A1))
    view.tree_model.dropMimeData(
        drag_rows(view, [shelves.jacket_item, shelves.hat_item]), Qt.DropAction.MoveAction, -1, -1, a1
    )
    message_is(
        qtbot,
        view,
        "Section A › 1 has room for 1 more (capacity 2); 2 would go in. "
        "Choose another section, move fewer, or raise its capacity. Nothing was moved.",
    )
    assert items_in(database, alice, shelves.bin_a, shelves.a2) == ["Carhartt jacket", "Wool hat"]
    assert moves_logged(database, alice) == []


def test_only_storage_item_drags_onto_a_place_are_taken(view: StorageView, shelves: Shelves) -> None:
    model = view.tree_model
    a1 = model.index_of(section(shelves, shelves.a1, A1))
    foreign = QMimeData()
    foreign.setText("12")
    broken = QMimeData()
    broken.setData(STORAGE_ITEMS_MIME, b"not json")
    assert not model.canDropMimeData(foreign, Qt.DropAction.MoveAction, -1, -1, a1)
    assert not model.canDropMimeData(broken, Qt.DropAction.MoveAction, -1, -1, a1)
    ours = encode_item_ids([shelves.hat_item])
    assert not model.canDropMimeData(ours, Qt.DropAction.MoveAction, 0, 0, QModelIndex())  # between bins
    assert not model.dropMimeData(ours, Qt.DropAction.MoveAction, 0, 0, QModelIndex())


# ----- bulk move -----------------------------------------------------------------------------------


def test_move_selected_to_a_picked_place_moves_all_and_logs_bulk(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    view.select_items([shelves.jacket_item, shelves.hat_item])
    assert view.move_button.isEnabled()
    dialog = view.ask_move()
    assert isinstance(dialog, MoveToDialog)
    assert A2 not in [dialog.places.item(r).text() for r in range(dialog.places.count())]  # not where they are
    qtbot.keyClicks(dialog.filter, "b")
    assert dialog.chosen() == ScanTarget(shelves.bin_b, None, "B")  # the first place that matches
    dialog.choose(section(shelves, shelves.b3, "B › 3"))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed, and deleted with it
    message_is(qtbot, view, "Moved 2 item(s) to B › 3.")
    assert place_of(database, alice, shelves.hat_item) == (shelves.bin_b, shelves.b3)
    assert {m["via"] for m in moves_logged(database, alice)} == {"bulk"}


def test_a_bulk_move_the_section_cannot_take_keeps_the_picker_open_with_the_reason(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    view.select_items([shelves.jacket_item, shelves.hat_item])
    dialog = view.ask_move()
    assert isinstance(dialog, MoveToDialog)
    dialog.choose(section(shelves, shelves.a1, A1))
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert dialog.error.text().startswith("Section A › 1 has room for 1 more")
    assert dialog.isVisible() and dialog.ok_button.isEnabled()  # pick another and try again
    assert items_in(database, alice, shelves.bin_a, shelves.a2) == ["Carhartt jacket", "Wool hat"]


# ----- bins and sections ---------------------------------------------------------------------------


def test_a_new_bin_of_the_sellers_own_type_and_a_section_in_it(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    dialog = view.ask_new_bin()
    assert isinstance(dialog, NewBinDialog)
    assert [dialog.bin_type.itemText(i) for i in range(dialog.bin_type.count())] == ["clothing", "cards"]
    dialog.ok_button.click()
    assert dialog.error.text() == "Give the bin a name (it is printed on its label)."
    qtbot.keyClicks(dialog.name, "C")
    dialog.bin_type.setCurrentText("Shoes")
    dialog.ok_button.click()
    message_is(qtbot, view, "Bin C made.")
    qtbot.waitUntil(
        lambda: [r[:2] for r in row_texts(view.tree_model)] == [("A", "clothing"), ("B", "cards"), ("C", "shoes")]
    )
    view.select(ScanTarget(view.tree_model.bins[2].bin.id, None, "C"))
    section_dialog = view.ask_new_section()
    assert isinstance(section_dialog, NewSectionDialog)
    assert section_dialog.bin.currentText() == "C (shoes)"  # the selected bin
    qtbot.keyClicks(section_dialog.name, "Top")
    section_dialog.capacity.setValue(6)
    section_dialog.ok_button.click()
    message_is(qtbot, view, "Section Top made.")
    qtbot.waitUntil(lambda: row_texts(view.tree_model, view.tree_model.index(2, NAME)) == [("Top", "", "0", "6", "6")])


def test_a_name_already_used_is_shown_in_the_dialog_which_stays_open(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    dialog = view.ask_new_bin()
    qtbot.keyClicks(dialog.name, "A")  # bin A of type clothing exists
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert dialog.error.text() == "You already have a bin with that name and type. Nothing was saved."
    assert dialog.isVisible()
    assert dialog.name.text() == "A"


def test_rename_keeps_the_section_chosen_and_the_paths_follow(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    dialog = view.ask_rename()
    assert dialog is not None
    dialog.name.setText("Left")  # type: ignore[attr-defined]
    dialog.ok_button.click()
    message_is(qtbot, view, "A › 2 renamed to Left.")
    qtbot.waitUntil(lambda: view.contents_model.rows != () and view.contents_model.rows[0].path == "A › Left")
    assert view.selected_target() == ScanTarget(shelves.bin_a, shelves.a2, "A › Left")


def test_a_capacity_below_what_a_section_holds_is_refused_in_the_dialog(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    dialog = view.ask_capacity()
    assert isinstance(dialog, CapacityDialog)
    assert dialog.capacity.text() == "No limit"
    dialog.capacity.setValue(1)
    dialog.ok_button.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert "holds 2 items; its capacity cannot be 1" in dialog.error.text()
    dialog.capacity.setValue(3)
    dialog.ok_button.click()
    message_is(qtbot, view, "A › 2 now takes 3.")
    qtbot.waitUntil(lambda: row_texts(view.tree_model, view.tree_model.index(0, NAME))[1] == ("2", "", "2", "3", "1"))


def test_deleting_a_place_that_holds_items_is_refused_and_an_empty_one_goes(
    qtbot: QtBot, view: StorageView, shelves: Shelves, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions: list[str] = []
    monkeypatch.setattr(storage_changes, "ask", lambda _parent, _title, question: questions.append(question) or True)
    view.select(ScanTarget(shelves.bin_a, None, "A"))
    view.ask_delete()
    message_is(
        qtbot,
        view,
        "bin: Bin A still holds items; move them first. Nothing was saved; correct the fields and save again.",
    )
    assert questions == ["Delete the bin A? Its printed label stops working."]
    assert view.tree_model.rowCount() == 2
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    view.tree_model.dropMimeData(
        encode_item_ids([shelves.jacket_item, shelves.hat_item]),
        Qt.DropAction.MoveAction,
        -1,
        -1,
        view.tree_model.index_of(ScanTarget(shelves.bin_a, None, "A")),
    )
    message_is(qtbot, view, "Moved 2 item(s) to A.")
    view.select(section(shelves, shelves.a2, A2))
    view.ask_delete()
    message_is(qtbot, view, "A › 2 deleted.")
    qtbot.waitUntil(lambda: [r[0] for r in row_texts(view.tree_model, view.tree_model.index(0, NAME))] == ["1"])


# ----- sold items and labels -----------------------------------------------------------------------


def test_removed_sold_lists_what_left_the_shelf_with_where_it_was(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        record_sale(uow, shelves.jeans, platform="ebay", price="40.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        uow.commit()
    view.refresh()
    qtbot.waitUntil(lambda: row_texts(view.tree_model, view.tree_model.index(0, NAME))[0] == ("1", "", "0", "2", "2"))
    view.removed_button.click()
    qtbot.waitUntil(lambda: [r.title for r in view.contents_model.rows] == ["Levi's 501"])
    contents = view.contents_model
    assert contents.index(0, PATH).data() == "Removed (sold) from A › 1"
    assert contents.index(0, STATUS).data() == "sold"
    assert view.contents_title.text() == "Removed (sold): 1 item(s), with where they were"
    assert not contents.flags(contents.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    view.select_items([shelves.jeans_item])
    assert not view.move_button.isEnabled()
    view.removed_button.click()
    # Back to the place chosen in the tree (bin A, the first), and what lies loose in it.
    qtbot.waitUntil(lambda: [r.title for r in view.contents_model.rows] == ["Silk scarf"])
    assert view.shown == ScanTarget(shelves.bin_a, None, "A")


def test_a_scanned_label_or_item_is_found_with_a_sentence_for_the_status_bar(
    new_uow: UowFactory, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    def found(kind: HitKind, record_id: int) -> tuple[ScanTarget | None, int | None, str]:
        return place_of_hit(new_uow, ScanHit(kind, record_id, "", ""))

    assert found(HitKind.BIN, shelves.bin_a) == (ScanTarget(shelves.bin_a, None, "A"), None, "Bin A")
    assert found(HitKind.SECTION, shelves.a2) == (section(shelves, shelves.a2, A2), None, f"Section {A2}")
    hat = found(HitKind.STORAGE_ITEM, shelves.hat_item)
    assert hat == (section(shelves, shelves.a2, A2), shelves.hat_item, f"Wool hat is in {A2}")
    with database.unit_of_work(alice.id) as uow:
        record_sale(uow, shelves.jacket, platform="ebay", price="70.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        uow.commit()
    sold = f"Carhartt jacket ({shelves.jacket_storage_id}) is sold out; it was in {A2}."
    assert found(HitKind.STORAGE_ITEM, shelves.jacket_item) == (None, None, sold)


def test_print_labels_asks_for_the_selected_items_or_else_the_selected_place(
    qtbot: QtBot, view: StorageView, shelves: Shelves
) -> None:
    asked: list[LabelTargets] = []
    view.labels_requested.connect(asked.append)
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    view.labels_button.click()
    view.select_items([shelves.hat_item, shelves.jacket_item])
    view.labels_button.click()
    view.select(ScanTarget(shelves.bin_b, None, "B"))
    qtbot.waitUntil(lambda: view.contents_model.rows == ())
    view.labels_button.click()
    assert asked == [
        LabelTargets(section_ids=(shelves.a2,)),
        LabelTargets(item_ids=(shelves.jacket_item, shelves.hat_item)),
        LabelTargets(bin_ids=(shelves.bin_b,)),
    ]


def test_a_drop_of_an_item_deleted_meanwhile_says_so_and_nothing_moves(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    a2 = view.tree_model.index_of(section(shelves, shelves.a2, A2))
    view.tree_model.dropMimeData(encode_item_ids([shelves.scarf_item, 999_999]), Qt.DropAction.MoveAction, -1, -1, a2)
    qtbot.waitUntil(lambda: view.message.text().startswith("No storage item 999999 was found"))
    assert place_of(database, alice, shelves.scarf_item) == (shelves.bin_a, None)  # all or nothing


def test_a_database_that_cannot_be_reached_shows_the_offline_line_with_retry(
    qtbot: QtBot, pg: PgServer, alice: UserRecord
) -> None:
    missing = pg.database("no_such_database")
    runner = TaskRunner()
    try:
        page = StorageView(runner, lambda: missing.unit_of_work(alice.id))
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(page.offline.isVisible)
        assert page.offline.text().startswith("Offline: ")
        assert page.tree_model.rowCount() == 0
    finally:
        runner.wait()
        missing.dispose()


def test_a_drop_anywhere_on_a_row_of_the_tree_lands_on_that_place(
    qtbot: QtBot, view: StorageView, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    show_place(qtbot, view, section(shelves, shelves.a2, A2), ["Carhartt jacket", "Wool hat"])
    target = view.tree_model.index_of(ScanTarget(shelves.bin_b, None, "B"))
    rect = view.tree.visualRect(target)
    data = drag_rows(view, [shelves.hat_item])  # kept alive: the event only points at it
    # Near the row's top edge, where a tree would otherwise drop "between" two rows.
    drop = QDropEvent(
        QPointF(rect.center().x(), rect.top() + 1),
        Qt.DropAction.MoveAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.tree.dropEvent(drop)  # the view's own drop handler: synthesised mouse drags are unreliable offscreen
    assert drop.isAccepted()
    message_is(qtbot, view, "Moved 1 item(s) to B.")
    assert place_of(database, alice, shelves.hat_item) == (shelves.bin_b, None)
