"""The sync engine's state (migration 0004): additive columns on platform_listings, three tables, a trigger.

FROZEN once released: migration 0004 applies exactly this.

Everything the background jobs know lives here, so a restart, a crash or a second client on the same
database carries on where the last one stopped:
- platform_listings gains a lease (claimed_by, claimed_until), the step in flight (sync_step, written
  before a call and cleared after it), backoff (next_attempt_at), the platform's extra ids
  (remote_ref) and a pending push of the listing's changes (update_requested_at).
- marketplace_orders holds every order line seen, unique per platform order line, so a sale is
  recorded once however many clients poll, and a second sale of a sold unit is kept as oversold.
- marketplace_poll_state paces sale detection and reconciliation per user and platform.
- marketplace_api_usage counts calls per platform and day across every client (daily quotas).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    TIMESTAMP,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from reseller_desktop.db.json_text import JSONText

PLATFORM_LISTING_COLUMNS: Final = (
    "remote_ref",
    "sync_step",
    "claimed_by",
    "claimed_until",
    "next_attempt_at",
    "update_requested_at",
    "task_notified_at",
)
SYNC_STEPS: Final = ("publish", "update", "withdraw")
ORDER_OUTCOMES: Final = ("sale", "oversold", "unmatched", "cancelled")
POLL_JOBS: Final = ("orders", "reconcile")


def add_sync_tables(metadata: MetaData) -> None:
    Table(
        "platform_listings",
        metadata,
        Column(
            "remote_ref", JSONText("platform_listings.remote_ref"), nullable=True
        ),  # JSON: the platform's extra ids (eBay offer_id, Etsy shop_id)
        Column("sync_step", Text, nullable=True),
        Column("claimed_by", Text, nullable=True),
        Column("claimed_until", TIMESTAMP, nullable=True),
        Column("next_attempt_at", TIMESTAMP, nullable=True),
        Column("update_requested_at", TIMESTAMP, nullable=True),
        Column("task_notified_at", TIMESTAMP, nullable=True),
        Index("idx_platform_listings_due", "status", "next_attempt_at"),
        extend_existing=True,
    )
    Table(
        "marketplace_orders",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id"), nullable=False),
        Column("platform", Text, nullable=False),
        Column("order_id", Text, nullable=False),
        Column("line_id", Text, nullable=False),
        Column("listing_id", Integer, ForeignKey("listings.id", ondelete="SET NULL"), nullable=True),
        Column("sku", Text, nullable=True),
        Column("quantity", Integer, nullable=False, server_default=text("1")),
        Column("unit_price", Numeric(12, 2), nullable=True),
        Column("sold_at", TIMESTAMP, nullable=False),
        Column("outcome", Text, nullable=False),
        Column("details", JSONText("marketplace_orders.details"), nullable=True),
        Column("recorded_at", TIMESTAMP, server_default=text("now()")),
        CheckConstraint(
            "outcome IN ('sale', 'oversold', 'unmatched', 'cancelled')", name="ck_marketplace_orders_outcome"
        ),
        CheckConstraint("quantity > 0", name="ck_marketplace_orders_quantity"),
        UniqueConstraint("user_id", "platform", "order_id", "line_id", name="uq_marketplace_orders_line"),
        Index("idx_marketplace_orders_listing", "listing_id"),
    )
    Table(
        "marketplace_poll_state",
        metadata,
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id"), nullable=False),
        Column("platform", Text, nullable=False),
        Column("job", Text, nullable=False),
        Column("polled_through", TIMESTAMP, nullable=True),
        Column("next_run_at", TIMESTAMP, nullable=True),
        Column("claimed_by", Text, nullable=True),
        Column("claimed_until", TIMESTAMP, nullable=True),
        Column("failures", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
        CheckConstraint("job IN ('orders', 'reconcile')", name="ck_marketplace_poll_state_job"),
        PrimaryKeyConstraint("user_id", "platform", "job", name="pk_marketplace_poll_state"),
    )
    Table(
        "marketplace_api_usage",
        metadata,
        Column("platform", Text, nullable=False),
        Column("day", Date, nullable=False),
        Column("calls", Integer, nullable=False, server_default=text("0")),
        CheckConstraint("calls >= 0", name="ck_marketplace_api_usage_calls"),
        PrimaryKeyConstraint("platform", "day", name="pk_marketplace_api_usage"),
    )


NEW_TABLES: Final = ("marketplace_orders", "marketplace_poll_state", "marketplace_api_usage")
ADDED_INDEXES: Final = (("platform_listings", "idx_platform_listings_due"),)

# Checks on a contract table, added NOT VALID and validated like the contract's invariants.
CHECKS: Final = (
    (
        "platform_listings",
        "ck_platform_listings_sync_step",
        "sync_step IS NULL OR sync_step IN ('publish', 'update', 'withdraw')",
        "A platform listing's sync step must be publish, update or withdraw.",
    ),
)

# A listing edited by any client (this one or the web app) must reach every platform it is live on,
# or being published to (an edit during the publish call): the database itself asks for the push,
# so no writer can forget to.
UPDATE_TRIGGER_FUNCTION: Final = "reseller_desktop_request_platform_update"
UPDATE_TRIGGER: Final = "trg_listings_request_platform_update"
UPDATE_TRIGGER_FUNCTION_SQL: Final = f"""
CREATE OR REPLACE FUNCTION {UPDATE_TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE platform_listings
       SET update_requested_at = (now() AT TIME ZONE 'utc')
     WHERE listing_id = NEW.id AND status IN ('active', 'pending');
    RETURN NEW;
END
$$
"""
UPDATE_TRIGGER_SQL: Final = f"""
CREATE TRIGGER {UPDATE_TRIGGER}
AFTER UPDATE OF title, description, price, quantity, photos, condition, category, upc ON listings
FOR EACH ROW
WHEN (
    NEW.status = 'active' AND (
        OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.price IS DISTINCT FROM NEW.price OR OLD.quantity IS DISTINCT FROM NEW.quantity
        OR OLD.photos IS DISTINCT FROM NEW.photos OR OLD.condition IS DISTINCT FROM NEW.condition
        OR OLD.category IS DISTINCT FROM NEW.category OR OLD.upc IS DISTINCT FROM NEW.upc
    )
)
EXECUTE FUNCTION {UPDATE_TRIGGER_FUNCTION}()
"""

# A listing that stops being for sale (sold, canceled, back to draft), by any client, must come down
# everywhere: the contract's "when a listing sells, cancel_scheduled_at = sold time + 15 minutes",
# kept by the database. The desktop's own sale path schedules its rows first (with the seller's
# cooldown), so this finds nothing left to do then; it catches every other writer.
LEFT_SALE_FUNCTION: Final = "reseller_desktop_listing_left_sale"
LEFT_SALE_TRIGGER: Final = "trg_listings_left_sale"
LEFT_SALE_FUNCTION_SQL: Final = f"""
CREATE OR REPLACE FUNCTION {LEFT_SALE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sold' THEN
        UPDATE platform_listings
           SET status = 'pending_cancel',
               cancel_scheduled_at = COALESCE(NEW.sold_date, now() AT TIME ZONE 'utc') + interval '15 minutes'
         WHERE listing_id = NEW.id
           AND status IN ('pending', 'active', 'failed')
           AND platform IS DISTINCT FROM NEW.sold_platform;
    ELSE
        UPDATE platform_listings
           SET status = CASE WHEN platform_listing_id IS NULL AND posted_at IS NULL
                             THEN 'canceled' ELSE 'pending_cancel' END,
               cancel_scheduled_at = now() AT TIME ZONE 'utc'
         WHERE listing_id = NEW.id AND status IN ('pending', 'active', 'failed');
    END IF;
    RETURN NEW;
END
$$
"""
LEFT_SALE_TRIGGER_SQL: Final = f"""
CREATE TRIGGER {LEFT_SALE_TRIGGER}
AFTER UPDATE OF status ON listings
FOR EACH ROW
WHEN (OLD.status = 'active' AND NEW.status IS DISTINCT FROM 'active')
EXECUTE FUNCTION {LEFT_SALE_FUNCTION}()
"""
