"""Repositories: what a user can do with their own rows, the activity trail every change leaves,
and that no method reaches another user's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from tests.concurrency import run_together

from reseller_desktop import USER_AGENT
from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.db.errors import ConstraintError
from reseller_desktop.domain.card_rules import TierThresholds
from reseller_desktop.domain.errors import NotFoundError, ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.listing_pages import Sort


@dataclass
class AliceRows:
    listing: int
    listing_uuid: str
    platform_listing: int
    card: int
    card_uuid: str
    bin: int
    section: int
    item: int
    storage_id: str
    notification: int
    collectible: int


@pytest.fixture
def alice_rows(database: Database, alice: UserRecord) -> AliceRows:
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.add(
            {
                "title": "Levi's 501 W32 L34",
                "price": "45.00",
                "cost": "6.50",
                "sku": "LV-501",
                "upc": "012345678905",
            }
        )
        platform = uow.platform_listings.add(listing.id, "eBay")
        card = uow.cards.add(
            {"card_type": "sports", "title": "1989 Upper Deck Ken Griffey Jr.", "estimated_value": 120}
        )
        bin_ = uow.storage.add_bin("A", "clothing")
        section = uow.storage.add_section(bin_.id, "1", capacity=30)
        item = uow.storage.add_item(
            {"title": "501s", "bin_id": bin_.id, "section_id": section.id, "listing_id": listing.id}
        )
        uow.credentials.save("ebay", "alice_sells")
        uow.cards.set_tier_thresholds(TierThresholds(Decimal(5), Decimal(50), Decimal(500)))
        note = uow.notifications.add("sale", "Sold on eBay", listing_id=listing.id, platform="ebay")
        collectible = uow.connection.scalar(
            text("INSERT INTO collectibles (user_id, name) VALUES (:u, 'Griffey rookie') RETURNING id"), {"u": alice.id}
        )
        uow.commit()
    return AliceRows(
        listing.id,
        listing.listing_uuid,
        platform.id,
        card.id,
        card.card_uuid,
        bin_.id,
        section.id,
        item.id,
        item.storage_id,
        note.id,
        collectible,
    )


def test_listing_round_trip_keeps_money_to_the_cent_and_json_as_structures(
    database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        created = uow.listings.add(
            {
                "title": "Vintage Pyrex bowl",
                "price": "99999.99",
                "cost": Decimal("0.10"),
                "attributes": {"brand": "Pyrex", "colour": "Butterprint"},
                "photos": ["sha256/ab/cdef.jpg"],
                "condition": "good",
            }
        )
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        again = uow.listings.get(created.id)
    assert again.price == Decimal("99999.99")
    assert again.cost == Decimal("0.10")
    assert again.attributes == {"brand": "Pyrex", "colour": "Butterprint"}
    assert again.photos == ["sha256/ab/cdef.jpg"]
    assert again.status == "draft"
    assert again.quantity == 1
    assert len(again.listing_uuid) == 36


def test_listing_rules_are_checked_with_clear_messages_before_any_write(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.add({"title": "Coat", "price": 30})
        with pytest.raises(ValidationError) as caught:
            uow.listings.update(listing.id, {"status": "active"})
        assert caught.value.for_field("storage_location") == [
            "An active listing needs a storage location (e.g. B1 or Shelf-3)."
        ]
        with pytest.raises(ValidationError, match="91 characters; the limit is 80"):
            uow.listings.add({"title": "x" * 91, "price": 1})
        with pytest.raises(ValidationError, match=r"above 99,999.99"):
            uow.listings.add({"title": "Car", "price": "100000"})
        with pytest.raises(ValidationError, match="Use “Mark as sold”"):
            uow.listings.update(
                listing.id, {"status": "sold", "sold_platform": "ebay", "sold_date": datetime(2026, 1, 1)}
            )
        with pytest.raises(ValidationError, match="not a field"):
            uow.listings.update(listing.id, {"user_id": "someone else"})
        uow.listings.update(listing.id, {"status": "active", "storage_location": "B1"})
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(listing.id).status == "active"


def test_the_database_refuses_what_the_domain_would_refuse_from_another_client(
    database: Database, alice: UserRecord
) -> None:
    with pytest.raises(ConstraintError, match="sold listing needs"), database.unit_of_work(alice.id) as uow:
        uow.connection.execute(
            text("INSERT INTO listings (listing_uuid, user_id, title, price, status) VALUES ('x', :u, 't', 1, 'sold')"),
            {"u": alice.id},
        )


def test_every_change_writes_an_activity_log_row(database: Database, alice: UserRecord, alice_rows: AliceRows) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(alice_rows.listing, {"price": "50.00"})
        uow.storage.move_item(alice_rows.item, alice_rows.bin, None)
        uow.notifications.mark_read(alice_rows.notification)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        log = uow.activity.recent()
    actions = [entry.action for entry in reversed(log)]
    assert actions == [
        "create_user",
        "create_listing",
        "add_platform",
        "create_card",
        "create_bin",
        "create_section",
        "create_storage_item",
        "connect_platform",
        "set_value_tiers",
        "update_listing",
        "move_storage_item",
        "read_notification",
    ]
    update = next(e for e in log if e.action == "update_listing")
    assert update.resource_type == "listing"
    assert update.resource_id == alice_rows.listing
    assert update.details == {"changes": {"price": {"from": "45.00", "to": "50.00"}}}
    assert {e.user_agent for e in log} == {USER_AGENT}


def test_section_item_count_follows_items_in_and_out(
    database: Database, alice: UserRecord, alice_rows: AliceRows
) -> None:
    with database.unit_of_work(alice.id) as uow:
        assert uow.storage.get_section(alice_rows.section).item_count == 1
        uow.storage.move_item(alice_rows.item, alice_rows.bin, None)
        assert uow.storage.get_section(alice_rows.section).item_count == 0
        uow.storage.move_item(alice_rows.item, alice_rows.bin, alice_rows.section)
        uow.storage.add_item({"title": "Belt", "bin_id": alice_rows.bin, "section_id": alice_rows.section})
        assert uow.storage.get_section(alice_rows.section).item_count == 2
        uow.storage.delete_item(alice_rows.item)
        assert uow.storage.get_section(alice_rows.section).item_count == 1


def test_credentials_keep_the_account_name_and_never_a_secret(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.credentials.save("Etsy", "alice_shop")
        uow.credentials.save("etsy", "alice_shop_renamed")
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert [(c.platform, c.username) for c in uow.credentials.all()] == [("etsy", "alice_shop_renamed")]
        assert (
            uow.connection.scalar(text("SELECT count(*) FROM marketplace_credentials WHERE password IS NOT NULL")) == 0
        )
        uow.credentials.remove("etsy")
        with pytest.raises(NotFoundError):
            uow.credentials.get("etsy")


def test_deleting_a_listing_keeps_its_notifications_and_storage_history(
    database: Database, alice: UserRecord, alice_rows: AliceRows
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.delete(alice_rows.listing)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert [n.title for n in uow.notifications.recent()] == ["Sold on eBay"]
        assert uow.storage.get_item(alice_rows.item).listing_id is None
        with pytest.raises(NotFoundError):
            uow.platform_listings.get(alice_rows.platform_listing)


def test_malformed_json_written_by_another_client_gives_a_clear_error(
    database: Database, alice: UserRecord, alice_rows: AliceRows
) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE listings SET photos = '[\"a.jpg\",' WHERE id = :i"), {"i": alice_rows.listing})
    with pytest.raises(Exception, match=r"malformed JSON in listings\.photos") as caught:
        with database.unit_of_work(alice.id) as uow:
            uow.listings.get(alice_rows.listing)
    assert "correct or clear that value" in str(caught.value)


# ----- tenant isolation: Bob tries every method on Alice's rows -------------------------------------
Attempt = Callable[[UnitOfWork, AliceRows], Any]

REFUSED: dict[str, Attempt] = {
    "listings.get": lambda u, a: u.listings.get(a.listing),
    "listings.get_by_uuid": lambda u, a: u.listings.get_by_uuid(a.listing_uuid),
    "listings.get_for_update": lambda u, a: u.listings.get_for_update(a.listing),
    "listings.update": lambda u, a: u.listings.update(a.listing, {"price": 1}),
    "listings.delete": lambda u, a: u.listings.delete(a.listing),
    "platform_listings.add": lambda u, a: u.platform_listings.add(a.listing, "etsy"),
    "platform_listings.get": lambda u, a: u.platform_listings.get(a.platform_listing),
    "platform_listings.update": lambda u, a: u.platform_listings.update(a.platform_listing, {"status": "failed"}),
    "platform_listings.remove": lambda u, a: u.platform_listings.remove(a.platform_listing),
    "cards.get": lambda u, a: u.cards.get(a.card),
    "cards.get_by_uuid": lambda u, a: u.cards.get_by_uuid(a.card_uuid),
    "cards.update": lambda u, a: u.cards.update(a.card, {"title": "mine now"}),
    "cards.delete": lambda u, a: u.cards.delete(a.card),
    "cards.add into her storage item": lambda u, a: u.cards.add(
        {"card_type": "tcg", "title": "x", "storage_item_id": a.item}
    ),
    "storage.get_bin": lambda u, a: u.storage.get_bin(a.bin),
    "storage.delete_bin": lambda u, a: u.storage.delete_bin(a.bin),
    "storage.add_section": lambda u, a: u.storage.add_section(a.bin, "9"),
    "storage.get_section": lambda u, a: u.storage.get_section(a.section),
    "storage.items_in": lambda u, a: u.storage.items_in(a.section),
    "storage.get_item": lambda u, a: u.storage.get_item(a.item),
    "storage.get_item_by_storage_id": lambda u, a: u.storage.get_item_by_storage_id(a.storage_id),
    "storage.move_item": lambda u, a: u.storage.move_item(a.item, None, None),
    "storage.delete_item": lambda u, a: u.storage.delete_item(a.item),
    "storage.link_listing": lambda u, a: u.storage.link_listing(a.item, None),
    "storage.rename_bin": lambda u, a: u.storage.rename_bin(a.bin, "mine now"),
    "storage.rename_section": lambda u, a: u.storage.rename_section(a.section, "mine now"),
    "storage.set_capacity": lambda u, a: u.storage.set_capacity(a.section, 1),
    "storage.delete_section": lambda u, a: u.storage.delete_section(a.section),
    "storage.contents": lambda u, a: u.storage.contents(a.bin, a.section),
    "storage.where_is": lambda u, a: u.storage.where_is(a.item),
    "storage.add_item into her bin": lambda u, a: u.storage.add_item({"title": "x", "bin_id": a.bin}),
    "storage.add_item linked to her listing": lambda u, a: u.storage.add_item({"title": "x", "listing_id": a.listing}),
    "storage.add_item into her section": lambda u, a: u.storage.add_item({"title": "x", "section_id": a.section}),
    "listings.add linked to her collectible": lambda u, a: u.listings.add(
        {"title": "x", "price": 1, "collectible_id": a.collectible}
    ),
    "listings.update linked to her collectible": lambda u, a: u.listings.update(
        u.listings.add({"title": "mine", "price": 1}).id, {"collectible_id": a.collectible}
    ),
    "credentials.get": lambda u, a: u.credentials.get("ebay"),
    "credentials.remove": lambda u, a: u.credentials.remove("ebay"),
    "notifications.add on her listing": lambda u, a: u.notifications.add("info", "x", listing_id=a.listing),
    "notifications.mark_read": lambda u, a: u.notifications.mark_read(a.notification),
}

EMPTY: dict[str, Attempt] = {
    "listings.find_by_sku": lambda u, a: u.listings.find_by_sku("LV-501"),
    "listings.page": lambda u, a: u.listings.page(),
    "listings.count_by_status": lambda u, a: u.listings.count_by_status(),
    "listings.live_platforms": lambda u, a: u.listings.live_platforms(a.listing),
    "platform_listings.for_listing": lambda u, a: u.platform_listings.for_listing(a.listing),
    "platform_listings.settle_sale": lambda u, a: u.platform_listings.settle_sale(
        a.listing, "ebay", datetime(2026, 1, 1)
    ),
    "cards.page": lambda u, a: u.cards.page(),
    "storage.all_bins": lambda u, a: u.storage.all_bins(),
    "storage.sections_of": lambda u, a: u.storage.sections_of(a.bin),
    "storage.tree": lambda u, a: u.storage.tree(),
    "storage.lock_sections": lambda u, a: u.storage.lock_sections([a.section]),
    "storage.removed": lambda u, a: u.storage.removed(),
    "storage.storage_items_of_listing": lambda u, a: u.storage.storage_items_of_listing(a.listing),
    "cards.count_in_storage_item": lambda u, a: u.cards.count_in_storage_item(a.item),
    "cards.tier_thresholds": lambda u, a: u.cards.tier_thresholds() != TierThresholds(),  # bob: the defaults
    "credentials.all": lambda u, a: u.credentials.all(),
    "notifications.recent": lambda u, a: u.notifications.recent(),
    "notifications.unread_count": lambda u, a: u.notifications.unread_count(),
    "notifications.mark_all_read": lambda u, a: u.notifications.mark_all_read(),
    "activity.recent": lambda u, a: [e for e in u.activity.recent() if e.action != "create_user"],
    "listing_pages.page": lambda u, a: u.listing_pages.page(ListingFilter(), Sort())[0],
    "listing_pages.rows": lambda u, a: u.listing_pages.rows([a.listing]),
    "listing_pages.status_counts": lambda u, a: sum(u.listing_pages.status_counts(ListingFilter()).values()),
}


def _alice_state(database: Database, alice: UserRecord) -> tuple[object, ...]:
    with database.unit_of_work(alice.id) as uow:
        return (
            uow.listings.page(),
            uow.platform_listings.for_listing(uow.listings.page()[0].id),
            uow.cards.page(),
            uow.storage.all_bins(),
            uow.storage.get_section(uow.storage.sections_of(uow.storage.all_bins()[0].id)[0].id),
            uow.credentials.all(),
            uow.notifications.recent(),
        )


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bob_cannot_reach_alices_rows(
    database: Database, alice: UserRecord, bob: UserRecord, alice_rows: AliceRows, name: str
) -> None:
    before = _alice_state(database, alice)
    with database.unit_of_work(bob.id) as uow:
        with pytest.raises(NotFoundError):
            REFUSED[name](uow, alice_rows)
        uow.commit()
    assert _alice_state(database, alice) == before


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_bob_sees_none_of_alices_rows(
    database: Database, alice: UserRecord, bob: UserRecord, alice_rows: AliceRows, name: str
) -> None:
    before = _alice_state(database, alice)
    with database.unit_of_work(bob.id) as uow:
        assert not EMPTY[name](uow, alice_rows)
        uow.commit()
    assert _alice_state(database, alice) == before


def test_every_public_repository_method_is_covered_by_the_isolation_tests() -> None:
    from reseller_desktop.db import database as database_module

    covered = {name.split(" ")[0] for name in (*REFUSED, *EMPTY)}
    # These only ever create or log rows of the caller, and take no reference to another row.
    covered |= {"storage.add_bin", "credentials.save", "activity_log.record", "cards.set_tier_thresholds"}
    public = {
        f"{attr}.{method}"
        for attr, repo in database_module.UnitOfWork.__annotations__.items()
        for method in dir(getattr(database_module, repo) if isinstance(repo, str) else repo)
        if not method.startswith("_")
        and method != "user_id"
        and callable(getattr(getattr(database_module, repo), method))
    }
    assert public <= covered, sorted(public - covered)


def test_items_moving_in_and_out_of_one_section_from_two_clients_keep_a_true_count(
    database: Database, alice: UserRecord, alice_rows: AliceRows
) -> None:
    with database.unit_of_work(alice.id) as uow:
        other = uow.storage.add_section(alice_rows.bin, "2").id
        uow.storage.set_capacity(alice_rows.section, None)  # this test is about the count, not the limit
        uow.commit()

    def client(n: int) -> None:
        for i in range(40):
            with database.unit_of_work(alice.id) as uow:
                item = uow.storage.add_item({"title": f"{n}-{i}", "section_id": alice_rows.section})
                if i % 2:
                    uow.storage.move_item(item.id, None, other)
                uow.commit()

    assert run_together(client) == []
    with database.unit_of_work(alice.id) as uow:
        for section_id in (alice_rows.section, other):
            assert uow.storage.get_section(section_id).item_count == len(uow.storage.items_in(section_id))
        assert uow.storage.get_section(other).item_count == 40


def test_an_item_put_in_a_section_is_in_that_sections_bin(
    database: Database, alice: UserRecord, alice_rows: AliceRows
) -> None:
    with database.unit_of_work(alice.id) as uow:
        item = uow.storage.add_item({"title": "Scarf", "section_id": alice_rows.section})
        assert item.bin_id == alice_rows.bin
        assert uow.storage.move_item(item.id, None, alice_rows.section).bin_id == alice_rows.bin
        with pytest.raises(ValidationError, match="still holds items"):
            uow.storage.delete_bin(alice_rows.bin)


def test_bad_values_from_callers_get_messages_not_driver_errors(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        with pytest.raises(ValidationError, match="needs a title"):
            uow.notifications.add("info", None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="not a grade"):
            uow.cards.add({"card_type": "sports", "title": "Jordan", "grading_score": "PSA 9"})
        with pytest.raises(ValidationError, match="1 to 10"):
            uow.cards.add({"card_type": "sports", "title": "Jordan", "grading_score": 0})
