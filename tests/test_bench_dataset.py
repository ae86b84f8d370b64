"""The benchmark's generated data: the sizes asked for, rows the app's own rules accept, and what the
triggers would have made although they were off for the load."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from reseller_desktop.bench import dataset
from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.repositories.listing_pages import Sort

SCALE = 0.001


@pytest.fixture
def generated(database: Database, tmp_path: Path) -> dataset.Dataset:
    return dataset.ensure(database, SCALE, tmp_path, say=lambda _text: None)


def scalar(database: Database, sql: str, **params: object) -> object:
    with database.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_one_big_seller_and_ten_smaller(database: Database, generated: dataset.Dataset) -> None:
    size = dataset.seller_size(SCALE)
    assert generated.counts["listings"] == size.listings == 1000
    assert generated.counts["cards"] == size.cards == 500
    assert generated.counts["bins"] == size.bins
    assert generated.counts["sections"] == size.sections
    assert generated.counts["storage_items"] == size.storage_items
    assert 1 * size.listings <= generated.counts["platform_listings"] <= 5 * size.listings
    assert len(generated.other_ids) == 10
    with database.connect() as conn:
        per_seller = dict(conn.execute(text("SELECT user_id, count(*) FROM listings GROUP BY user_id")).all())
    assert per_seller[generated.seller_id] == 1000
    assert {per_seller[other] for other in generated.other_ids} == {dataset.seller_size(SCALE, 0.02).listings}


def test_rows_agree_with_what_the_triggers_keep(database: Database, generated: dataset.Dataset) -> None:
    # Each section's count is the number of items in it.
    assert (
        scalar(
            database,
            "SELECT count(*) FROM storage_sections s WHERE s.item_count <> "
            "(SELECT count(*) FROM storage_items i WHERE i.section_id = s.id)",
        )
        == 0
    )
    assert scalar(database, "SELECT sum(item_count) FROM storage_sections") == scalar(
        database, "SELECT count(*) FROM storage_items"
    )
    # A stored listing's or card's location is its item's path, as the app writes it.
    for owner, link in (("listings", "i.listing_id = o.id"), ("card_collections", "o.storage_item_id = i.id")):
        assert (
            scalar(
                database,
                f"SELECT count(*) FROM {owner} o JOIN storage_items i ON {link} "
                "JOIN storage_bins b ON b.id = i.bin_id JOIN storage_sections s ON s.id = i.section_id "
                "WHERE o.storage_location <> b.bin_name || ' › ' || s.section_name",
            )
            == 0
        )
    # Tiers as the tier trigger sets them: firing it on every card changes none.
    with database.connect() as conn, conn.begin():
        before = dict(conn.execute(text("SELECT id, value_tier FROM card_collections")).all())
        conn.execute(text("UPDATE card_collections SET value_tier = NULL"))
        after = dict(conn.execute(text("SELECT id, value_tier FROM card_collections")).all())
    assert before == after
    # Each seller's items are in that seller's bins.
    assert (
        scalar(
            database,
            "SELECT count(*) FROM storage_items i JOIN storage_bins b ON b.id = i.bin_id WHERE b.user_id <> i.user_id",
        )
        == 0
    )
    # A sold listing says where, when and for how much (the table checks it); one marketplace row says sold.
    assert (
        scalar(
            database,
            "SELECT count(*) FROM listings l WHERE l.status = 'sold' AND NOT EXISTS "
            "(SELECT 1 FROM platform_listings p WHERE p.listing_id = l.id AND p.status = 'sold' "
            "AND p.platform = l.sold_platform)",
        )
        == 0
    )


def test_the_app_works_on_the_generated_rows(database: Database, generated: dataset.Dataset) -> None:
    with database.unit_of_work(generated.seller_id) as uow:
        rows, _key = uow.listing_pages.page(ListingFilter(), Sort(), None, 50)
        found, _key = uow.listing_pages.page(ListingFilter(search="vintage"), Sort(), None, 50)
        created = uow.listings.add({"title": "After the load", "price": 5.0, "sku": "AFTER-1"})
        uow.commit()
    assert len(rows) == 50
    assert found
    assert all("vintage" in row.title.lower() or "vintage" in (row.sku or "").lower() for row in found[:5])
    assert created.id > scalar(database, "SELECT max(id) FROM listings WHERE title <> 'After the load'")  # type: ignore[operator]
    assert scalar(database, "SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_listings_search_trgm'") == 1


def test_a_second_run_reuses_the_data_and_refuses_another_scale(
    database: Database, generated: dataset.Dataset, tmp_path: Path
) -> None:
    again = dataset.ensure(database, SCALE, tmp_path, say=lambda _text: None)
    assert again.seller_id == generated.seller_id
    assert scalar(database, "SELECT count(*) FROM users WHERE email = :e", e=dataset.SELLER_EMAIL) == 1
    with pytest.raises(UserError, match=r"scale 0\.001, not 0\.002"):
        dataset.ensure(database, 0.002, tmp_path)
