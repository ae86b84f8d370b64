"""Storage and card rules the database keeps for every client: true counts, capacity, location paths
that follow the item, sold-out items leaving the shelf, value tiers and the price history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from tests.concurrency import run_together

from reseller_desktop.db.database import Database
from reseller_desktop.db.errors import ConstraintError
from reseller_desktop.domain.card_rules import TierThresholds
from reseller_desktop.domain.errors import SectionFullError, ValidationError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.card_listing import create_listings, plan_listings
from reseller_desktop.services.sales import record_sale
from reseller_desktop.services.storage_moves import MovedSinceError, Place, Thing, move_in, move_things, undo_move


@dataclass(frozen=True)
class Shelves:
    bin_b: int
    b3: int  # capacity 2
    b4: int  # no capacity
    listing: int  # active, stored nowhere yet
    card: int


@pytest.fixture
def shelves(database: Database, alice: UserRecord) -> Shelves:
    with database.unit_of_work(alice.id) as uow:
        bin_b = uow.storage.add_bin("B", "clothing")
        b3 = uow.storage.add_section(bin_b.id, "3", capacity=2)
        b4 = uow.storage.add_section(bin_b.id, "4")
        listing = uow.listings.add(
            {"title": "Patagonia fleece", "price": "55.00", "storage_location": "shelf", "status": "active"}
        )
        card = uow.cards.add({"card_type": "tcg", "title": "Charizard", "estimated_value": "350.00", "quantity": 1})
        uow.commit()
    return Shelves(bin_b.id, b3.id, b4.id, listing.id, card.id)


def new_uow(database: Database, alice: UserRecord):  # type: ignore[no-untyped-def]
    return lambda: database.unit_of_work(alice.id)


def counts(database: Database, *section_ids: int) -> list[int]:
    with database.connect() as conn:
        return [
            conn.scalar(text("SELECT item_count FROM storage_sections WHERE id = :s"), {"s": s}) for s in section_ids
        ]


def location_of_listing(database: Database, listing_id: int) -> str | None:
    with database.connect() as conn:
        return conn.scalar(text("SELECT storage_location FROM listings WHERE id = :i"), {"i": listing_id})


def test_a_listing_moved_onto_a_shelf_gets_an_item_and_its_location_follows_moves_and_renames(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    uow = new_uow(database, alice)
    (first,) = move_things(uow, [Thing("listing", shelves.listing)], Place(shelves.bin_b, shelves.b3), via="drag")
    assert first.created and first.to_path == "B › 3"
    assert location_of_listing(database, shelves.listing) == "B › 3"
    assert counts(database, shelves.b3, shelves.b4) == [1, 0]

    (second,) = move_things(uow, [Thing("listing", shelves.listing)], Place(shelves.bin_b, shelves.b4), via="scan")
    assert not second.created and second.storage_item_id == first.storage_item_id
    assert (second.from_path, second.to_path) == ("B › 3", "B › 4")
    assert counts(database, shelves.b3, shelves.b4) == [0, 1]
    with database.unit_of_work(alice.id) as u:
        u.storage.rename_bin(shelves.bin_b, "Blue tote")
        u.storage.rename_section(shelves.b4, "Top")
        u.commit()
    assert location_of_listing(database, shelves.listing) == "Blue tote › Top"
    with database.unit_of_work(alice.id) as u:  # an edit of the text cannot put it elsewhere
        u.listings.update(shelves.listing, {"storage_location": "Garage"})
        u.commit()
    assert location_of_listing(database, shelves.listing) == "Blue tote › Top"
    with database.unit_of_work(alice.id) as u:
        moves = [e for e in u.activity.recent() if e.action == "move_storage_item"]
        assert [m.details["via"] for m in moves] == ["scan", "drag"]
        assert moves[0].details["from"] == "B › 3" and moves[0].details["to"] == "B › 4"

    undo_move(uow, second)
    assert location_of_listing(database, shelves.listing) == "Blue tote › 3"
    undo_move(uow, first)
    assert counts(database, shelves.b3, shelves.b4) == [0, 0]
    assert location_of_listing(database, shelves.listing) == "shelf"  # what it said before it was shelved


def test_a_full_section_refuses_the_whole_move_with_its_name_and_nothing_moves(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    uow = new_uow(database, alice)
    with database.unit_of_work(alice.id) as u:
        ids = [u.storage.add_item({"title": f"Tee {n}", "section_id": shelves.b4}).id for n in range(3)]
        u.commit()
    things = [Thing("storage_item", i) for i in ids]
    with pytest.raises(SectionFullError, match=r"B › 3 has room for 2 more .* 3 would go in"):
        move_things(uow, things, Place(shelves.bin_b, shelves.b3), via="bulk")
    assert counts(database, shelves.b3, shelves.b4) == [0, 3]
    move_things(uow, things[:2], Place(shelves.bin_b, shelves.b3), via="bulk")
    # Another client writing straight to the table (the web app) is refused by the database itself.
    with pytest.raises(SectionFullError, match=r"Section B › 3 is full \(2 of 2\)") as caught:
        with database.unit_of_work(alice.id) as u:
            u.connection.execute(
                text("UPDATE storage_items SET section_id = :s WHERE id = :i"), {"s": shelves.b3, "i": ids[2]}
            )
    assert "raise its capacity" in str(caught.value)
    with pytest.raises(SectionFullError, match="holds 2 items; its capacity cannot be 1"):
        with database.unit_of_work(alice.id) as u:
            u.storage.set_capacity(shelves.b3, 1)
    assert counts(database, shelves.b3, shelves.b4) == [2, 1]


def test_two_clients_taking_the_last_place_in_a_section_one_gets_it(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        u.storage.add_item({"title": "Already there", "section_id": shelves.b3})
        u.commit()

    def client(n: int) -> None:
        with database.unit_of_work(alice.id) as u:
            u.storage.add_item({"title": f"Client {n}", "section_id": shelves.b3})
            u.commit()

    errors = run_together(client)
    assert [type(e) for e in errors] == [SectionFullError]
    with database.unit_of_work(alice.id) as u:
        assert u.storage.get_section(shelves.b3).item_count == len(u.storage.items_in(shelves.b3)) == 2


def test_a_card_sharing_a_binder_page_gets_its_own_item_and_undo_puts_it_back(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        page = u.storage.add_item({"title": "Binder page 3", "section_id": shelves.b4})
        other = u.cards.add({"card_type": "tcg", "title": "Blastoise", "storage_item_id": page.id})
        u.cards.update(shelves.card, {"storage_item_id": page.id})
        assert u.cards.get(shelves.card).storage_location == "B › 4"
        u.commit()
    (moved,) = move_things(
        new_uow(database, alice), [Thing("card", shelves.card)], Place(shelves.bin_b, shelves.b3), via="scan"
    )
    assert moved.created and moved.previous_storage_item_id == page.id
    with database.unit_of_work(alice.id) as u:
        card = u.cards.get(shelves.card)
        assert (card.storage_item_id, card.storage_location) == (moved.storage_item_id, "B › 3")
        assert u.cards.get(other.id).storage_item_id == page.id  # the page and its other card stayed
        assert [t.title for t in u.storage.contents(shelves.bin_b, shelves.b3)] == ["Charizard"]
        assert u.storage.contents(shelves.bin_b, shelves.b3)[0].card_ids == (shelves.card,)
    undo_move(new_uow(database, alice), moved)
    with database.unit_of_work(alice.id) as u:
        card = u.cards.get(shelves.card)
        assert (card.storage_item_id, card.storage_location) == (page.id, "B › 4")
    assert counts(database, shelves.b3) == [0]


def test_selling_the_last_unit_takes_the_item_off_its_shelf_and_undoing_the_sale_puts_it_back(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    (moved,) = move_things(
        new_uow(database, alice), [Thing("listing", shelves.listing)], Place(shelves.bin_b, shelves.b3), via="drag"
    )
    with database.unit_of_work(alice.id) as u:
        record_sale(u, shelves.listing, platform="ebay", price="50.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        u.commit()
    with database.unit_of_work(alice.id) as u:
        item = u.storage.get_item(moved.storage_item_id)
        assert (item.bin_id, item.section_id, item.removed_from) == (None, None, "B › 3")
        assert item.removed_at is not None
        assert u.storage.get_section(shelves.b3).item_count == 0
        assert [t.removed_from for t in u.storage.removed()] == ["B › 3"]
        assert u.listings.get(shelves.listing).storage_location == "B › 3"  # where it was, for the history
        removal = next(e for e in u.activity.recent() if e.action == "remove_storage_item_sold")
        assert removal.details["from"] == "B › 3" and removal.resource_id == item.id
        with pytest.raises(ValidationError, match="left the shelf when its listing sold out"):
            move_in(u, [Thing("storage_item", item.id)], Place(shelves.bin_b, shelves.b4), via="drag")
    with database.unit_of_work(alice.id) as u:  # the sale was a mistake: back to active, one unit
        u.connection.execute(
            text(
                "UPDATE listings SET status = 'active', quantity = 1, sold_platform = NULL, "
                "sold_date = NULL, sold_price = NULL WHERE id = :i"
            ),
            {"i": shelves.listing},
        )
        u.commit()
    with database.unit_of_work(alice.id) as u:
        item = u.storage.get_item(moved.storage_item_id)
        assert (item.section_id, item.removed_at) == (shelves.b3, None)
        assert u.storage.get_section(shelves.b3).item_count == 1


def test_value_tiers_follow_the_sellers_thresholds_and_refuse_a_falling_order(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        values = {"low": "4.99", "mid": "10.00", "high": "250.00", "grail": "1000.00"}
        ids = {
            tier: u.cards.add({"card_type": "tcg", "title": tier, "estimated_value": v}).id
            for tier, v in values.items()
        }
        assert {tier: u.cards.get(i).value_tier for tier, i in ids.items()} == {t: t for t in values}
        assert u.cards.get(shelves.card).value_tier == "high"
        assert u.cards.set_tier_thresholds(TierThresholds(Decimal(1), Decimal(5), Decimal(300))) == 5
        assert [u.cards.get(ids[t]).value_tier for t in values] == ["mid", "high", "high", "grail"]
        assert u.cards.get(shelves.card).value_tier == "grail"
        u.cards.update(ids["low"], {"estimated_value": None})
        assert u.cards.get(ids["low"]).value_tier is None
        u.commit()
    with database.unit_of_work(alice.id) as u:
        with pytest.raises(ValidationError, match="out of order"):
            u.cards.set_tier_thresholds(TierThresholds(Decimal(50), Decimal(5), Decimal(300)))
    with pytest.raises(ConstraintError, match="Tier thresholds must rise"):
        with database.unit_of_work(alice.id) as u:
            u.connection.execute(text("UPDATE card_value_tiers SET mid_from = 999"))
    with database.unit_of_work(alice.id) as u:
        assert u.cards.tier_thresholds() == TierThresholds(Decimal(1), Decimal(5), Decimal(300))


def test_each_value_a_card_is_given_is_kept_once_per_day(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        u.cards.update(shelves.card, {"estimated_value": "375.50"})
        u.cards.update(shelves.card, {"quantity": 2})
        u.connection.execute(  # yesterday's value, as an earlier day would have left it
            text(
                "INSERT INTO card_value_snapshots (card_id, user_id, day, estimated_value, quantity) "
                "VALUES (:c, :u, current_date - 1, 300, 1)"
            ),
            {"c": shelves.card, "u": alice.id},
        )
        u.commit()
    with database.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT day = current_date, estimated_value, quantity FROM card_value_snapshots "
                "WHERE card_id = :c ORDER BY day"
            ),
            {"c": shelves.card},
        ).all()
    assert rows == [(False, Decimal("300.00"), 1), (True, Decimal("375.50"), 2)]
    with database.unit_of_work(alice.id) as u:
        u.cards.delete(shelves.card)
        u.commit()
    with database.connect() as conn:
        assert (
            conn.scalar(text("SELECT count(*) FROM card_value_snapshots WHERE card_id = :c"), {"c": shelves.card}) == 0
        )


def test_deleting_a_listing_made_from_a_card_unlinks_the_card(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        draft = u.listings.add({"title": "Charizard holo", "price": "350.00"})
        u.cards.update(shelves.card, {"listing_id": draft.id})
        u.listings.delete(draft.id)
        assert u.cards.get(shelves.card).listing_id is None
        u.commit()


def test_the_tree_counts_sections_and_loose_items(database: Database, alice: UserRecord, shelves: Shelves) -> None:
    with database.unit_of_work(alice.id) as u:
        u.storage.add_section(shelves.bin_b, "10")
        u.storage.add_item({"title": "Loose tee", "bin_id": shelves.bin_b})
        u.storage.add_item({"title": "Hoodie", "section_id": shelves.b3})
        (node,) = u.storage.tree()
        assert [(s.path, s.section.item_count, s.free) for s in node.sections] == [
            ("B › 3", 1, 1),
            ("B › 4", 0, None),
            ("B › 10", 0, None),
        ]
        assert node.loose_items == 1
        assert [t.title for t in u.storage.contents(shelves.bin_b, None)] == ["Loose tee"]


def test_two_bulk_moves_crossing_the_same_sections_queue_and_keep_true_counts(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    with database.unit_of_work(alice.id) as u:
        others = [u.storage.add_section(shelves.bin_b, name).id for name in ("5", "6")]
        u.storage.set_capacity(shelves.b3, None)
        groups = {
            n: [
                u.storage.add_item({"title": f"{n}-{i}", "section_id": s}).id
                for i, s in enumerate([*others, shelves.b3] * 3)
            ]
            for n in range(2)
        }
        u.commit()
    targets = {0: shelves.b4, 1: others[0]}

    def client(n: int) -> None:
        things = [Thing("storage_item", i) for i in groups[n]]
        move_things(new_uow(database, alice), things, Place(shelves.bin_b, targets[n]), via="bulk")

    assert run_together(client) == []
    with database.unit_of_work(alice.id) as u:
        for node in u.storage.tree():
            for section in node.sections:
                assert section.section.item_count == len(u.storage.items_in(section.section.id))
        assert len(u.storage.items_in(shelves.b4)) == 9


def test_a_listing_chosen_with_its_own_item_moves_once_and_undo_refuses_after_a_later_move(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    uow = new_uow(database, alice)
    with database.unit_of_work(alice.id) as u:
        u.storage.set_capacity(shelves.b3, 1)
        u.commit()
    (placed,) = move_things(uow, [Thing("listing", shelves.listing)], Place(shelves.bin_b, shelves.b4), via="drag")
    both = [Thing("listing", shelves.listing), Thing("storage_item", placed.storage_item_id)]
    (moved,) = move_things(uow, both, Place(shelves.bin_b, shelves.b3), via="bulk")  # room for one: it is one
    move_things(uow, [Thing("listing", shelves.listing)], Place(shelves.bin_b, None), via="drag")
    with pytest.raises(MovedSinceError, match=r"moved again after this move \(it is in B now\)"):
        undo_move(uow, moved)
    assert location_of_listing(database, shelves.listing) == "B"


def test_a_listed_card_takes_its_item_along_and_a_deleted_card_frees_its_place(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    uow = new_uow(database, alice)
    (shelved,) = move_things(uow, [Thing("card", shelves.card)], Place(shelves.bin_b, shelves.b3), via="scan")
    (listing,) = create_listings(uow, plan_listings(uow, [shelves.card], as_lot=False).drafts)
    assert location_of_listing(database, listing.id) == "B › 3"
    move_things(uow, [Thing("card", shelves.card)], Place(shelves.bin_b, shelves.b4), via="drag")
    assert location_of_listing(database, listing.id) == "B › 4"  # the listing follows its card's item
    with database.unit_of_work(alice.id) as u:
        u.listings.update(listing.id, {"status": "active"})
        record_sale(u, listing.id, platform="ebay", price="300.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        u.commit()
    assert counts(database, shelves.b4) == [0]  # sold: off the shelf
    with database.unit_of_work(alice.id) as u:
        other = u.cards.add({"card_type": "tcg", "title": "Venusaur", "estimated_value": "90"})
        u.commit()
    move_things(uow, [Thing("card", other.id)], Place(shelves.bin_b, shelves.b3), via="drag")
    with database.unit_of_work(alice.id) as u:
        u.cards.delete(other.id)
        u.commit()
    assert counts(database, shelves.b3) == [0]
    assert shelved.created


def test_an_item_loose_in_a_bin_goes_back_to_its_bin_when_a_sale_is_undone(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    move_things(new_uow(database, alice), [Thing("listing", shelves.listing)], Place(shelves.bin_b), via="drag")
    with database.unit_of_work(alice.id) as u:
        record_sale(u, shelves.listing, platform="ebay", price="50.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        u.commit()
    with database.unit_of_work(alice.id) as u:
        u.connection.execute(
            text(
                "UPDATE listings SET status = 'active', quantity = 1, sold_platform = NULL, "
                "sold_date = NULL, sold_price = NULL WHERE id = :i"
            ),
            {"i": shelves.listing},
        )
        u.commit()
    with database.unit_of_work(alice.id) as u:
        (item,) = u.storage.storage_items_of_listing(shelves.listing)
        assert (item.bin_id, item.section_id, item.path) == (shelves.bin_b, None, "B")


def test_a_card_taken_off_every_shelf_no_longer_claims_the_place(
    database: Database, alice: UserRecord, shelves: Shelves
) -> None:
    (moved,) = move_things(
        new_uow(database, alice), [Thing("card", shelves.card)], Place(shelves.bin_b, shelves.b3), via="scan"
    )
    with database.unit_of_work(alice.id) as u:
        u.storage.move_item(moved.storage_item_id, None, None)
        assert u.cards.get(shelves.card).storage_location is None
        u.commit()
