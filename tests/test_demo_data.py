"""The sample data a new user can load (`--demo-data`) is consistent: shelves hold the sample
listings, counts are true, locations are paths, cards have tiers and a value history."""

from __future__ import annotations

from sqlalchemy import text

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.demo_data import add_demo_data


def test_sample_data_puts_listings_on_real_shelves_and_cards_with_history(
    database: Database, alice: UserRecord
) -> None:
    assert add_demo_data(database, alice.id, count=60) == 60
    assert add_demo_data(database, alice.id, count=60) == 0  # never mixed into an account with listings
    with database.unit_of_work(alice.id) as uow:
        tree = uow.storage.tree()
        sections = [s for node in tree for s in node.sections]
        assert sections and all(s.section.item_count == len(uow.storage.items_in(s.section.id)) for s in sections)
        assert {node.bin.bin_type for node in tree} == {"clothing", "cards"}
        shelved = uow.connection.execute(
            text(
                "SELECT l.storage_location FROM listings l JOIN storage_items i ON i.listing_id = l.id "
                "WHERE l.user_id = :u"
            ),
            {"u": alice.id},
        ).scalars()
        assert all(" › " in location for location in shelved)
        cards = uow.cards.page()
        assert len(cards) == 18 and all(c.value_tier is not None and c.storage_location for c in cards)
        days = uow.connection.scalar(
            text("SELECT count(DISTINCT day) FROM card_value_snapshots WHERE user_id = :u"), {"u": alice.id}
        )
        assert days > 10
