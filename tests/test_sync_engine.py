"""The sync engine's bookkeeping, without a marketplace on the line: manual platforms, order lines
recorded once, oversells, the update trigger, claims that two clients never share."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.concurrency import run_together
from tests.sync_support import START, Clock, MemoryVault, active_listing, fast_settings, make_engine, photo

from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.sale_detection import apply_sale
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import PlatformSale
from reseller_desktop.repositories import sync_queue
from reseller_desktop.services import sync_actions
from reseller_desktop.services.sales import record_sale
from reseller_desktop.services.sync_board import load_board

COOLDOWN = timedelta(minutes=15)


@pytest.fixture
def photos(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "data")


@pytest.fixture
def listing(database: Database, alice: UserRecord, photos: PhotoStore, tmp_path: Path) -> int:
    return active_listing(database, alice, [photo(photos, tmp_path)])


def queue(database: Database, user: UserRecord, listing_id: int, *platforms: str) -> None:
    with database.unit_of_work(user.id) as uow:
        outcome = sync_actions.list_on(uow, listing_id, platforms)
        uow.commit()
    assert set(outcome.added) == set(platforms), outcome.refused


def statuses(database: Database, user: UserRecord, listing_id: int) -> dict[str, str]:
    with database.unit_of_work(user.id) as uow:
        return {r.platform: r.status or "" for r in uow.platform_listings.for_listing(listing_id)}


def notifications(database: Database, user: UserRecord) -> list[tuple[str, str]]:
    with database.unit_of_work(user.id) as uow:
        return [(n.type, n.title) for n in uow.notifications.recent()]


def sale(order: str, *, sku: str | None, quantity: int = 1, platform: str = "etsy", line: str = "1") -> PlatformSale:
    return PlatformSale(
        platform=platform,
        order_id=order,
        line_id=line,
        sku=sku,
        platform_listing_id=None,
        quantity=quantity,
        price=Decimal("48.00"),
        sold_at=START,
        buyer="buyer",
    )


def sku_of(database: Database, user: UserRecord, listing_id: int) -> str:
    with database.unit_of_work(user.id) as uow:
        return uow.listings.get(listing_id).sku or ""


def test_a_manual_platform_gets_one_delist_task_when_the_cooldown_ends_and_ticking_it_closes_the_task(
    database: Database, alice: UserRecord, listing: int, photos: PhotoStore
) -> None:
    queue(database, alice, listing, "poshmark", "mercari")
    with database.unit_of_work(alice.id) as uow:
        rows = {r.platform: r.id for r in uow.platform_listings.for_listing(listing)}
        sync_actions.mark_posted(uow, rows["poshmark"], "https://poshmark.com/listing/abc123")
        sync_actions.mark_posted(uow, rows["mercari"], "https://www.mercari.com/us/item/m123/")
        record_sale(uow, listing, platform="mercari", price="45", sold_at=START, cooldown=COOLDOWN)
        uow.commit()
    assert statuses(database, alice, listing) == {"poshmark": "pending_cancel", "mercari": "sold"}

    clock = Clock(START + timedelta(minutes=14))
    engine = make_engine(database, fast_settings(), photos, MemoryVault(), clock)
    assert engine.run_once([alice.id]).tasks_raised == 0  # still in the cooldown
    clock.advance(minutes=2)
    assert engine.run_once([alice.id]).tasks_raised == 1
    assert engine.run_once([alice.id]).tasks_raised == 0  # raised once, not every pass
    assert ("warning", "Delist on Poshmark now: Levi's 501 denim jacket, size M") in notifications(database, alice)
    with database.unit_of_work(alice.id) as uow:
        assert uow.notifications.unread_count() == 1
        board = load_board(uow, attention_only=True)
        assert board.rows[0].cells["poshmark"].task == "delist"
        sync_actions.mark_delisted(uow, rows["poshmark"])
        uow.commit()
        assert uow.notifications.unread_count() == 0
    assert statuses(database, alice, listing)["poshmark"] == "canceled"


def test_an_order_line_is_recorded_once_however_often_it_is_seen(
    database: Database, alice: UserRecord, listing: int
) -> None:
    sku = sku_of(database, alice, listing)
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(listing, {"quantity": 3})
        uow.commit()
    for _ in range(3):  # three polls with overlapping windows, or three clients
        with database.unit_of_work(alice.id) as uow:
            apply_sale(uow, sale("R-1", sku=sku), COOLDOWN)
            uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(listing).quantity == 2
        assert [n.type for n in uow.notifications.recent()] == ["sale"]


def test_a_second_sale_of_the_last_unit_is_an_oversell_with_both_orders_and_changes_nothing(
    database: Database, alice: UserRecord, listing: int
) -> None:
    sku = sku_of(database, alice, listing)
    with database.unit_of_work(alice.id) as uow:
        assert apply_sale(uow, sale("ETSY-1", sku=sku), COOLDOWN).outcome == "sale"
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        before = uow.listings.get(listing)
        effect = apply_sale(uow, sale("EBAY-9", sku=sku, platform="ebay"), COOLDOWN)
        uow.commit()
    assert effect.outcome == "oversold"
    with database.unit_of_work(alice.id) as uow:
        after = uow.listings.get(listing)
        warning = next(n for n in uow.notifications.recent() if n.type == "warning")
    assert (after.status, after.sold_platform, after.sold_price) == ("sold", "etsy", before.sold_price)
    assert "Oversold" in warning.title
    assert [o["order_id"] for o in warning.data["orders"]] == ["ETSY-1", "EBAY-9"]


def test_an_order_for_an_unknown_sku_is_kept_and_reported_but_changes_nothing(
    database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        assert apply_sale(uow, sale("X-1", sku="NOT-OURS"), COOLDOWN).outcome == "unmatched"
        uow.commit()
        (note,) = uow.notifications.recent()
        assert (note.type, note.title) == ("info", "Order X-1 on Etsy matches no listing here")
        assert "NOT-OURS" in (note.message or "")
        stored = uow.connection.execute(select(schema.marketplace_orders.c.outcome)).scalars().all()
    assert stored == ["unmatched"]


def test_any_client_editing_a_live_listing_asks_for_a_platform_update(
    database: Database, alice: UserRecord, listing: int
) -> None:
    queue(database, alice, listing, "ebay", "etsy", "mercari")
    with database.unit_of_work(alice.id) as uow:
        uow.connection.execute(text("UPDATE platform_listings SET status = 'active' WHERE platform = 'ebay'"))
        uow.connection.execute(text("UPDATE platform_listings SET status = 'canceled' WHERE platform = 'mercari'"))
        uow.commit()
    with database.connect() as conn, conn.begin():  # as the web app would: plain SQL
        conn.execute(text("UPDATE listings SET price = 52 WHERE id = :i"), {"i": listing})
    with database.connect() as conn:
        requested = dict(conn.execute(text("SELECT platform, update_requested_at FROM platform_listings")).all())
    assert requested["ebay"] is not None
    assert requested["etsy"] is not None  # being published: an edit during the call must follow it
    assert requested["mercari"] is None  # not there any more


def test_two_clients_never_claim_the_same_row(
    database: Database, alice: UserRecord, photos: PhotoStore, tmp_path: Path
) -> None:
    cover = photo(photos, tmp_path)
    for n in range(12):
        queue(database, alice, active_listing(database, alice, [cover], title=f"Jacket {n}"), "ebay")

    def claim(owner: str) -> list[int]:
        claimed: list[int] = []
        while True:
            with database.connect() as conn, conn.begin():
                rows = sync_queue.claim_rows(
                    conn, "publish", [(alice.id, "ebay")], owner=owner, now=START, lease=timedelta(minutes=5), limit=3
                )
            if not rows:
                return claimed
            claimed.extend(r.platform_listing_id for r in rows)

    claimed: dict[int, list[int]] = {}
    assert run_together(lambda n: claimed.__setitem__(n, claim(f"client-{n}"))) == []
    first, second = claimed[0], claimed[1]
    assert len(first) + len(second) == 12
    assert not set(first) & set(second)
    with database.connect() as conn, conn.begin():  # a lease that ran out frees the row for the next client
        later = sync_queue.claim_rows(
            conn,
            "publish",
            [(alice.id, "ebay")],
            owner="c",
            now=START + timedelta(minutes=6),
            lease=timedelta(minutes=5),
            limit=20,
        )
    assert len(later) == 12  # all twelve are free again


def test_seller_actions_follow_the_row_state(database: Database, alice: UserRecord, listing: int) -> None:
    queue(database, alice, listing, "ebay", "depop")
    with database.unit_of_work(alice.id) as uow:
        rows = {r.platform: r.id for r in uow.platform_listings.for_listing(listing)}
        with pytest.raises(UserError, match="posted by the app"):
            sync_actions.mark_posted(uow, rows["ebay"], "https://www.ebay.com/itm/1")
        with pytest.raises(UserError, match="https://"):
            sync_actions.mark_posted(uow, rows["depop"], "depop.com/x")
        with pytest.raises(UserError, match="not waiting to be cancelled"):
            sync_actions.keep_listed(uow, rows["ebay"])
        # Never posted: cancelling just drops it from the queue.
        assert sync_actions.cancel_now(uow, rows["ebay"]).status == "canceled"
        uow.commit()


def test_list_on_reports_each_platforms_rules_before_any_call(
    database: Database, alice: UserRecord, listing: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(listing, {"title": "G" * 70, "description": ""})
        outcome = sync_actions.list_on(uow, listing, ["grailed", "etsy", "ebay"])
        uow.commit()
    assert outcome.added == ("ebay",)
    assert "Grailed allows 60 characters" in outcome.refused["grailed"][0].message
    assert "description" in outcome.refused["etsy"][0].field


def test_a_listing_sold_by_another_writer_still_comes_down_everywhere_after_the_cooldown(
    database: Database, alice: UserRecord, listing: int
) -> None:
    queue(database, alice, listing, "ebay", "etsy", "poshmark")
    with database.connect() as conn, conn.begin():  # as the web app would: plain SQL, no desktop code
        conn.execute(text("UPDATE platform_listings SET status = 'active', platform_listing_id = 'x1'"))
        conn.execute(
            text(
                "UPDATE listings SET status = 'sold', quantity = 0, sold_platform = 'etsy', "
                "sold_price = 40, sold_date = :d WHERE id = :i"
            ),
            {"d": START, "i": listing},
        )
    with database.unit_of_work(alice.id) as uow:
        rows = {r.platform: r for r in uow.platform_listings.for_listing(listing)}
    assert rows["etsy"].status == "active"  # where it sold: the web app's business
    for platform in ("ebay", "poshmark"):
        assert (rows[platform].status, rows[platform].cancel_scheduled_at) == (
            "pending_cancel",
            START + timedelta(minutes=15),
        )


def test_a_listing_taken_off_sale_comes_down_at_once_and_a_never_posted_row_is_dropped(
    database: Database, alice: UserRecord, listing: int
) -> None:
    queue(database, alice, listing, "ebay", "mercari")
    with database.unit_of_work(alice.id) as uow:
        ebay = next(r for r in uow.platform_listings.for_listing(listing) if r.platform == "ebay")
        uow.platform_listings.update(ebay.id, {"status": "active", "platform_listing_id": "110551"})
        uow.listings.update(listing, {"status": "canceled"})
        uow.commit()
        rows = {r.platform: r for r in uow.platform_listings.for_listing(listing)}
    assert rows["ebay"].status == "pending_cancel" and rows["ebay"].cancel_scheduled_at is not None
    assert rows["mercari"].status == "canceled"


def test_a_listing_still_up_on_a_platform_cannot_be_deleted_alone_or_in_bulk(
    database: Database, alice: UserRecord, bob: UserRecord, listing: int, photos: PhotoStore, tmp_path: Path
) -> None:
    from reseller_desktop.repositories.listings import ListingStillListedError
    from reseller_desktop.services.listing_bulk import BulkChange, apply_bulk

    spare = active_listing(database, alice, [photo(photos, tmp_path)], title="Spare")
    queue(database, alice, listing, "ebay")
    with database.unit_of_work(alice.id) as uow:
        (row,) = uow.platform_listings.for_listing(listing)
        uow.platform_listings.update(row.id, {"status": "active", "platform_listing_id": "110551"})
        uow.commit()
    with database.unit_of_work(alice.id) as uow, pytest.raises(ListingStillListedError, match="still listed on ebay"):
        uow.listings.delete(listing)
    with database.unit_of_work(bob.id) as uow:
        assert uow.listings.live_platforms(listing) == []  # only the owner learns where it is listed
    with database.unit_of_work(alice.id) as uow:
        result = apply_bulk(uow, [listing, spare], BulkChange("delete"))
        uow.commit()
    assert result.changed == 1
    assert result.skipped == ((listing, "still listed on ebay; take it down first"),)
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(listing).title


def test_a_sale_entered_by_hand_is_not_counted_again_when_the_platforms_order_arrives(
    database: Database, alice: UserRecord, listing: int
) -> None:
    from reseller_desktop.services.sales import record_sale_by_hand

    sku = sku_of(database, alice, listing)
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(listing, {"quantity": 3})
        record_sale_by_hand(uow, listing, platform="etsy", price="48", sold_at=START, cooldown=COOLDOWN)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert apply_sale(uow, sale("R-77", sku=sku), COOLDOWN).outcome == "seen"  # the same sale
        assert apply_sale(uow, sale("R-78", sku=sku), COOLDOWN).outcome == "sale"  # a new one
        uow.commit()
        assert uow.listings.get(listing).quantity == 1


def test_an_order_cancelled_after_it_was_counted_tells_the_seller_once(
    database: Database, alice: UserRecord, listing: int
) -> None:
    from dataclasses import replace

    sku = sku_of(database, alice, listing)
    with database.unit_of_work(alice.id) as uow:
        assert apply_sale(uow, sale("R-5", sku=sku), COOLDOWN).outcome == "sale"
        cancelled = replace(sale("R-5", sku=sku), cancelled=True)
        assert apply_sale(uow, cancelled, COOLDOWN).outcome == "cancelled"
        assert apply_sale(uow, cancelled, COOLDOWN).outcome == "seen"  # the next poll sees it again
        uow.commit()
        warnings = [n for n in uow.notifications.recent() if n.type == "warning"]
        assert [w.title for w in warnings] == ["Order cancelled on Etsy: Levi's 501 denim jacket, size M"]
        assert uow.listings.get(listing).status == "sold"  # nothing put back by itself
