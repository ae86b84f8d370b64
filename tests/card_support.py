"""What the card tests share: a realistic small collection (Pokémon, Magic, Yu-Gi-Oh!, baseball,
basketball and football cards with grades, tags and prices), bulk cards for paging, past value
snapshots, and a task runner that is idle before the database goes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.ui.tasks import TaskRunner


def tcg(title: str, game: str, set_name: str, number: str, value: str | None, **more: Any) -> dict[str, Any]:
    return {
        "card_type": "tcg",
        "title": title,
        "game_name": game,
        "set_name": set_name,
        "card_number": number,
        "estimated_value": value,
        **more,
    }


def sports(
    player: str, sport: str, year: int, brand: str, set_name: str, number: str, value: str, **more: Any
) -> dict[str, Any]:
    return {
        "card_type": "sports",
        "title": f"{year} {set_name} {player}",
        "player_name": player,
        "sport": sport,
        "year": year,
        "brand": brand,
        "set_name": set_name,
        "card_number": number,
        "estimated_value": value,
        **more,
    }


COLLECTION: tuple[dict[str, Any], ...] = (
    tcg("Charizard", "Pokémon", "Base Set", "4/102", "420.00", rarity="Holo Rare", grading_company="PSA",
        grading_score=9, grading_serial="48213377", purchase_price="250.00", card_condition="Near Mint",
        custom_categories=["binder", "for sale"], photos=["file:///photos/charizard-front.jpg",
                                                          "file:///photos/charizard-back.jpg"]),
    tcg("Pikachu", "Pokémon", "Base Set", "58/102", "6.50", rarity="Common", quantity=4, purchase_price="1.00",
        card_condition="LP", custom_categories=["binder"], photos=["file:///photos/pikachu.jpg"]),
    tcg("Blastoise", "Pokémon", "Base Set", "2/102", "180.00", rarity="Holo Rare", purchase_price="95.00",
        card_condition="NM", custom_categories=["for sale"]),
    tcg("Umbreon VMAX", "Pokémon", "Evolving Skies", "215/203", "1450.00", rarity="Secret Rare",
        card_subtype="Alternate Art", purchase_price="600.00", card_condition="Near Mint",
        custom_categories=["grails"]),
    tcg("Lightning Bolt", "Magic: The Gathering", "Alpha", "161", "650.00", rarity="Common", card_condition="MP",
        purchase_price="40.00"),
    tcg("Sol Ring", "Magic: The Gathering", "Commander 2021", "263", "1.50", rarity="Uncommon", quantity=3,
        card_condition="NM", format_legality=["commander", "vintage"]),
    tcg("Blue-Eyes White Dragon", "Yu-Gi-Oh!", "Legend of Blue Eyes", "LOB-001", "90.00", rarity="Ultra Rare",
        language="Japanese", card_condition="Played"),
    sports("Shohei Ohtani", "baseball", 2018, "Topps", "Topps Chrome", "150", "950.00", is_rookie_card=True,
           team="Los Angeles Angels", grading_company="PSA", grading_score=10, purchase_price="300.00",
           custom_categories=["grails", "for sale"], photos=["file:///photos/ohtani.jpg"]),
    sports("Ken Griffey Jr.", "baseball", 1989, "Upper Deck", "Upper Deck", "1", "120.00", is_rookie_card=True,
           team="Seattle Mariners", purchase_price="20.00", card_condition="Near Mint"),
    sports("Mike Trout", "baseball", 2011, "Topps", "Topps Update", "US175", "1200.00", is_rookie_card=True,
           team="Los Angeles Angels", grading_company="BGS", grading_score=9.5, purchase_price="700.00"),
    sports("LeBron James", "basketball", 2003, "Upper Deck", "Upper Deck", "221", "2400.00", is_rookie_card=True,
           team="Cleveland Cavaliers", grading_company="CGC", grading_score=9, custom_categories=["grails"]),
    sports("Justin Herbert", "football", 2020, "Panini", "Prizm", "325", "45.00", is_rookie_card=True,
           parallel_color="Silver", team="Los Angeles Chargers", purchase_price="60.00", card_condition="Mint"),
)  # fmt: skip


def add_cards(database: Database, user: UserRecord, cards: tuple[dict[str, Any], ...] = COLLECTION) -> dict[str, int]:
    """The cards, by title (player name for sports cards)."""
    ids: dict[str, int] = {}
    with database.unit_of_work(user.id) as uow:
        for values in cards:
            record = uow.cards.add(values)
            ids[record.player_name or record.title] = record.id
        uow.commit()
    return ids


def add_many_cards(database: Database, user: UserRecord, count: int) -> None:
    """`count` Pokémon commons in ten sets, values 1 to 50, for paging and scale."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO card_collections (card_uuid, user_id, card_type, title, game_name, set_name, "
                "card_number, quantity, estimated_value, updated_at) "
                "SELECT gen_random_uuid()::text, :u, 'tcg', 'Card ' || n, 'Pokémon', 'Set ' || (n % 10), "
                "n::text, 1, (n % 50) + 1, timestamp '2026-01-01' + n * interval '1 minute' "
                "FROM generate_series(1, :c) n"
            ),
            {"u": user.id, "c": count},
        )


def set_history(database: Database, card_id: int, points: list[tuple[date, str, int]]) -> None:
    """Value snapshots on past days, as the database's trigger would have written them then."""
    with database.engine.begin() as conn:
        for day, value, quantity in points:
            conn.execute(
                text(
                    "INSERT INTO card_value_snapshots (card_id, user_id, day, estimated_value, quantity) "
                    "SELECT id, user_id, :d, :v, :q FROM card_collections WHERE id = :c "
                    "ON CONFLICT (card_id, day) DO UPDATE SET estimated_value = EXCLUDED.estimated_value, "
                    "quantity = EXCLUDED.quantity"
                ),
                {"c": card_id, "d": day, "v": Decimal(value), "q": quantity},
            )


def clear_history(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM card_value_snapshots"))


def uow_factory(database: Database, user: UserRecord) -> Callable[[], UnitOfWork]:
    return lambda: database.unit_of_work(user.id)


@pytest.fixture(name="runner")  # named apart from the function so test parameters do not shadow an import
def runner_fixture(database: Database) -> Iterator[TaskRunner]:
    """A task runner that has finished its work before the database fixture disposes the pool."""
    task_runner = TaskRunner()
    yield task_runner
    task_runner.wait()
    task_runner.deleteLater()
