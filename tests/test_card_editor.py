"""The card editor: the form follows the card type, every field is saved to the database, grading is
three fields, and nothing typed is lost or saved while it is wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.card_support import (
    add_cards,
    runner_fixture,  # noqa: F401  (the runner fixture)
    uow_factory,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import CardRecord, UserRecord
from reseller_desktop.ui.card_editor import CardEditor
from reseller_desktop.ui.card_fields import parse_formats
from reseller_desktop.ui.tasks import TaskRunner


@pytest.fixture
def editors(qtbot: QtBot, runner: TaskRunner) -> Iterator[list[CardEditor]]:
    opened: list[CardEditor] = []
    yield opened
    for editor in opened:
        editor._saved_values = editor.values()  # nothing to ask about at teardown
        editor.close()
    runner.wait()
    for editor in opened:
        editor.deleteLater()


def open_editor(
    qtbot: QtBot,
    runner: TaskRunner,
    database: Database,
    user: UserRecord,
    editors: list[CardEditor],
    card_id: int | None = None,
    **kwargs: str,
) -> CardEditor:
    editor = CardEditor(runner, uow_factory(database, user), card_id, **kwargs)
    editors.append(editor)  # closed by the fixture: qtbot would close it before unsaved edits are settled
    editor.show()
    if card_id is not None:
        qtbot.waitUntil(lambda: editor.record is not None, timeout=10_000)
    return editor


def save(qtbot: QtBot, editor: CardEditor) -> CardRecord:
    assert editor.save_button.isEnabled(), editor.message.text()
    with qtbot.waitSignal(editor.saved, timeout=10_000) as saved:
        editor.save_button.click()
    record = saved.args[0]
    assert isinstance(record, CardRecord)
    return record


def test_the_form_shows_the_fields_of_the_card_type(
    qtbot: QtBot, runner: TaskRunner, database: Database, alice: UserRecord, editors: list[CardEditor]
) -> None:
    editor = open_editor(qtbot, runner, database, alice, editors)
    assert editor.tcg_box.isVisible() and not editor.sports_box.isVisible()
    editor.combos["game_name"].setCurrentText("Pokémon")
    editor.card_type.setCurrentIndex(editor.card_type.findData("sports"))
    assert editor.sports_box.isVisible() and not editor.tcg_box.isVisible()
    editor.lines["player_name"].setText("Mike Trout")
    editor.card_type.setCurrentIndex(editor.card_type.findData("tcg"))
    assert editor.combos["game_name"].currentText() == "Pokémon"  # switching back keeps what was typed
    assert editor.values()["player_name"] == "Mike Trout"
    sports = open_editor(qtbot, runner, database, alice, editors, card_type="sports")
    assert sports.sports_box.isVisible() and not sports.tcg_box.isVisible()


def test_a_new_sports_card_is_saved_with_every_field_and_gets_its_tier(
    qtbot: QtBot, runner: TaskRunner, database: Database, alice: UserRecord, editors: list[CardEditor]
) -> None:
    editor = open_editor(qtbot, runner, database, alice, editors, card_type="sports")
    assert not editor.save_button.isEnabled()  # no name yet
    assert editor.errors["title"].text() == "A card name is required."
    editor.lines["title"].setText("2018 Topps Chrome Shohei Ohtani")
    editor.lines["card_number"].setText("150")
    editor.quantity.setValue(2)
    editor.combos["card_condition"].setCurrentText("Near Mint")
    editor.combos["sport"].setCurrentText("baseball")
    editor.year.setValue(2018)
    editor.combos["brand"].setCurrentText("Topps")
    editor.lines["series"].setText("Chrome")
    editor.lines["player_name"].setText("Shohei Ohtani")
    editor.lines["team"].setText("Los Angeles Angels")
    editor.rookie.setChecked(True)
    editor.lines["parallel_color"].setText("Gold Refractor")
    editor.lines["insert_series"].setText("Future Stars")
    editor.combos["grading_company"].setCurrentText("PSA")
    assert editor.errors["grading_score"].text() == "A graded card needs its score (1 to 10)."
    assert not editor.save_button.isEnabled()
    editor.grading_score.setValue(10)
    editor.lines["grading_serial"].setText("48213377")
    editor.estimated_value.setText("950")
    editor.purchase_price.setText("$300.00")
    editor.organization_mode.setCurrentIndex(editor.organization_mode.findData("by_player"))
    editor.primary_category.setText("Angels")
    editor.tags.setText("grails, for sale, grails")
    editor.notes.setPlainText("Bought at the card show")
    record = save(qtbot, editor)
    with database.unit_of_work(alice.id) as uow:
        stored = uow.cards.get(record.id)
    assert (stored.card_type, stored.title, stored.card_number, stored.quantity) == (
        "sports",
        "2018 Topps Chrome Shohei Ohtani",
        "150",
        2,
    )
    assert (stored.sport, stored.year, stored.brand, stored.series) == ("baseball", 2018, "Topps", "Chrome")
    assert (stored.player_name, stored.team, stored.is_rookie_card) == ("Shohei Ohtani", "Los Angeles Angels", True)
    assert (stored.parallel_color, stored.insert_series) == ("Gold Refractor", "Future Stars")
    assert (stored.grading_company, stored.grading_score, stored.grading_serial) == ("PSA", 10.0, "48213377")
    assert (stored.estimated_value, stored.purchase_price) == (Decimal("950.00"), Decimal("300.00"))
    assert (stored.organization_mode, stored.primary_category) == ("by_player", "Angels")
    assert stored.custom_categories == ["grails", "for sale"]
    assert (stored.card_condition, stored.notes, stored.value_tier) == ("Near Mint", "Bought at the card show", "high")
    assert editor.tier.text() == "High"  # the tier the database derived
    assert not editor.save_button.isEnabled()  # nothing left to save


def test_editing_a_tcg_card_saves_only_what_changed_and_keeps_other_programs_json(
    qtbot: QtBot, runner: TaskRunner, database: Database, alice: UserRecord, editors: list[CardEditor]
) -> None:
    ids = add_cards(database, alice)
    sol_ring = ids["Sol Ring"]
    with database.engine.begin() as conn:  # a collector app's legality map, in its own shape
        conn.execute(
            text("UPDATE card_collections SET format_legality = :f WHERE id = :i"),
            {"f": '{"commander": "legal", "standard": "not_legal"}', "i": sol_ring},
        )
    editor = open_editor(qtbot, runner, database, alice, editors, sol_ring)
    assert editor.tcg_box.isVisible()
    assert editor.combos["game_name"].currentText() == "Magic: The Gathering"
    assert editor.lines["set_name"].text() == "Commander 2021"
    assert editor.formats.text() == "commander: legal, standard: not_legal"
    assert not editor.save_button.isEnabled()
    editor.combos["card_subtype"].setCurrentText("Foil")
    editor.estimated_value.setText("2.25")
    record = save(qtbot, editor)
    assert record.card_subtype == "Foil"
    assert record.estimated_value == Decimal("2.25")
    assert record.format_legality == {"commander": "legal", "standard": "not_legal"}
    with database.engine.connect() as conn:
        changes = conn.scalar(
            text("SELECT details FROM activity_logs WHERE action = 'update_card' AND resource_id = :i"), {"i": sol_ring}
        )
    assert set(json.loads(changes)["changes"]) == {"card_subtype", "estimated_value"}


def test_wrong_values_are_named_and_never_saved(
    qtbot: QtBot, runner: TaskRunner, database: Database, alice: UserRecord, editors: list[CardEditor]
) -> None:
    editor = open_editor(qtbot, runner, database, alice, editors)
    editor.lines["title"].setText("Charizard")
    editor.estimated_value.setText("lots")
    assert "not an amount of money" in editor.errors["estimated_value"].text()
    editor.estimated_value.setText("420")
    editor.grading_score.setValue(0.5)
    assert "outside the grading scale" in editor.errors["grading_score"].text()
    assert not editor.save_button.isEnabled()
    editor.grading_score.setValue(9)
    assert editor.save_button.isEnabled()


def test_format_legality_reads_as_a_list_or_a_map() -> None:
    assert parse_formats("standard, modern") == ["standard", "modern"]
    assert parse_formats("standard: legal, modern") == {"standard": "legal", "modern": "legal"}
    assert parse_formats("  ") is None
