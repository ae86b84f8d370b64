"""Cards and storage, kept true by the database (migration 0005).

FROZEN once released: migration 0005 applies exactly this.

The web app writes the same tables, so the rules live in triggers, not in one client:
- storage_sections.item_count is recounted under a lock on the section whenever an item enters or
  leaves it, and an item refused when the section is at capacity (a section's capacity cannot go below
  what it holds either).
- listings.storage_location and card_collections.storage_location follow the storage item they are
  linked to ("B › 3"), including when a bin or section is renamed.
- When a listing's last unit sells, its storage items leave their section (the row, and where it was,
  stay: removed_at, removed_from); when the sale is undone they go back if there is room.
- card_collections.value_tier is derived from estimated_value and the seller's thresholds, and every
  value a card is given is kept per day in card_value_snapshots (the price history).
Additive only: new tables, nullable columns, indexes, functions and triggers. Each rule is a trigger
function and the row triggers that run it (db/triggers.py writes the statements around them).
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
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from reseller_desktop.db.json_text import JSONText
from reseller_desktop.db.triggers import RowTrigger, TriggerFunction
from reseller_desktop.domain.storage_paths import PATH_SEPARATOR

CARD_COLUMNS: Final = ("listing_id", "card_condition", "language", "source_ids")
STORAGE_ITEM_COLUMNS: Final = ("removed_at", "removed_from", "removed_from_section_id", "removed_from_bin_id")
NEW_TABLES: Final = ("card_value_tiers", "card_value_snapshots")
ADDED_INDEXES: Final = (
    ("card_collections", "idx_card_collections_listing"),
    ("card_collections", "idx_card_collections_storage_item"),
    ("storage_items", "idx_storage_items_listing"),
    ("storage_items", "idx_storage_items_section"),
)
CAPACITY_CONSTRAINT: Final = "ck_storage_sections_capacity"  # named by the triggers' errors
DEFAULT_TIERS: Final = ("10", "100", "1000")  # mid, high, grail from; the user changes them


def add_collection_tables(metadata: MetaData) -> None:
    Table(
        "card_collections",
        metadata,
        Column("listing_id", Integer, ForeignKey("listings.id", ondelete="SET NULL"), nullable=True),
        Column("card_condition", Text, nullable=True),
        Column("language", Text, nullable=True),
        Column("source_ids", JSONText("card_collections.source_ids"), nullable=True),
        Index("idx_card_collections_listing", "listing_id"),
        Index("idx_card_collections_storage_item", "storage_item_id"),
        extend_existing=True,
    )
    Table(
        "storage_items",
        metadata,
        Column("removed_at", TIMESTAMP, nullable=True),
        Column("removed_from", Text, nullable=True),
        Column(
            "removed_from_section_id", Integer, ForeignKey("storage_sections.id", ondelete="SET NULL"), nullable=True
        ),
        # The bin it left: an item loose in a bin (no section) goes back there when the sale is undone.
        Column("removed_from_bin_id", Integer, ForeignKey("storage_bins.id", ondelete="SET NULL"), nullable=True),
        Index("idx_storage_items_listing", "listing_id"),
        Index("idx_storage_items_section", "section_id"),
        extend_existing=True,
    )
    Table(
        "card_value_tiers",
        metadata,
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column("mid_from", Numeric(12, 2), nullable=False),
        Column("high_from", Numeric(12, 2), nullable=False),
        Column("grail_from", Numeric(12, 2), nullable=False),
        Column("updated_at", TIMESTAMP, server_default=text("now()")),
        CheckConstraint(
            "0 <= mid_from AND mid_from <= high_from AND high_from <= grail_from", name="ck_card_value_tiers_order"
        ),
    )
    Table(
        "card_value_snapshots",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("card_id", Integer, ForeignKey("card_collections.id", ondelete="CASCADE"), nullable=False),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        Column("day", Date, nullable=False),
        Column("estimated_value", Numeric(12, 2), nullable=False),
        Column("quantity", Integer, nullable=False),
        Column("recorded_at", TIMESTAMP, nullable=False, server_default=text("now()")),
        UniqueConstraint("card_id", "day", name="uq_card_value_snapshots_card_day"),
        Index("idx_card_value_snapshots_user_day", "user_id", "day"),
    )


# Checks on the new tables are part of their CREATE TABLE; their messages for the user:
CHECK_MESSAGES: Final = {
    "ck_card_value_tiers_order": "Tier thresholds must rise: 0 ≤ mid ≤ high ≤ grail.",
}

# ----- functions and triggers ----------------------------------------------------------------------
PATH_FUNCTION: Final = "reseller_desktop_storage_path"
PATH_ARGUMENTS: Final = "integer, integer"
PATH_FUNCTION_SQL: Final = f"""
CREATE OR REPLACE FUNCTION {PATH_FUNCTION}(bin integer, section integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT b.bin_name || COALESCE('{PATH_SEPARATOR}' || s.section_name, '')
      FROM storage_bins b LEFT JOIN storage_sections s ON s.id = section AND s.bin_id = b.id
     WHERE b.id = bin
$$
"""
# Every row that shows a storage item's place: (table, its column, the storage item's column it matches).
SHOWS_PLACE: Final = (("listings", "id", "listing_id"), ("card_collections", "storage_item_id", "id"))


def _refuse_over_capacity(message: str, hint: str, indent: int) -> str:
    """A check violation named by CAPACITY_CONSTRAINT (the app shows it as a full section), as a
    statement indented by `indent` spaces; `message` is a plpgsql expression, `hint` plain text."""
    parts = ("ERRCODE = 'check_violation'", f"CONSTRAINT = '{CAPACITY_CONSTRAINT}'", f"MESSAGE = {message}")
    lines = ["RAISE EXCEPTION USING", *(f"    {part}," for part in parts), f"    HINT = '{hint}';"]
    return f"\n{' ' * indent}".join(lines)


_SECTION_FULL: Final = _refuse_over_capacity(
    f"format('Section %s is full (%s of %s).', {PATH_FUNCTION}(s.bin_id, s.id), s.capacity, s.capacity)",
    "Choose another section or raise its capacity.",
    indent=12,
)
_CAPACITY_BELOW_COUNT: Final = _refuse_over_capacity(
    "format('Section %s holds %s items; its capacity cannot be %s.', "
    f"{PATH_FUNCTION}(NEW.bin_id, NEW.id), NEW.item_count, NEW.capacity)",
    "Move some items out first, or choose a larger capacity.",
    indent=8,
)

# Recount under a lock taken in id order (two clients moving items between the same two sections
# queue instead of deadlocking; each recount is a new statement, so it sees the other's committed
# move). Counting instead of adding one keeps the count true even if it had drifted before.
COUNT: Final = TriggerFunction(
    "reseller_desktop_storage_items_count",
    declare="""
    left_section integer;
    entered_section integer;
    s record;
""",
    body=f"""
    IF TG_OP <> 'INSERT' THEN left_section := OLD.section_id; END IF;
    IF TG_OP <> 'DELETE' THEN entered_section := NEW.section_id; END IF;
    IF left_section IS NOT DISTINCT FROM entered_section THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM storage_sections WHERE id IN (left_section, entered_section) ORDER BY id FOR NO KEY UPDATE;
    UPDATE storage_sections
       SET item_count = (SELECT count(*) FROM storage_items WHERE section_id = storage_sections.id)
     WHERE id IN (left_section, entered_section);
    IF entered_section IS NOT NULL THEN
        SELECT id, bin_id, capacity, item_count INTO s FROM storage_sections WHERE id = entered_section;
        IF s.capacity IS NOT NULL AND s.item_count > s.capacity THEN
            {_SECTION_FULL}
        END IF;
    END IF;
    RETURN NULL;
""",
)

CAPACITY: Final = TriggerFunction(
    "reseller_desktop_section_capacity",
    body=f"""
    IF NEW.capacity IS NOT NULL AND NEW.capacity < COALESCE(NEW.item_count, 0) THEN
        {_CAPACITY_BELOW_COUNT}
    END IF;
    RETURN NEW;
""",
)

# An item placed somewhere: its listing and its cards say where (an item of no listing matches no listing).
_SHOW_NEW_PLACE: Final = "".join(
    f"""
    UPDATE {table} SET storage_location = place
     WHERE {column} = NEW.{item_column} AND storage_location IS DISTINCT FROM place;"""
    for table, column, item_column in SHOWS_PLACE
)
ITEM_PLACED: Final = TriggerFunction(
    "reseller_desktop_storage_item_placed",
    declare=f"    place text := {PATH_FUNCTION}(NEW.bin_id, NEW.section_id);",
    body=f"""
    IF place IS NULL THEN
        -- Taken off every shelf (an undone move, not a sale): its cards, and its listing unless an
        -- active one (which must say where it is), no longer claim the place it left.
        IF TG_OP = 'UPDATE' AND OLD.bin_id IS NOT NULL AND NEW.removed_at IS NULL THEN
            UPDATE card_collections SET storage_location = NULL WHERE storage_item_id = NEW.id;
            UPDATE listings SET storage_location = NULL
             WHERE id = NEW.listing_id AND status IS DISTINCT FROM 'active';
        END IF;
        RETURN NULL;
    END IF;{_SHOW_NEW_PLACE}
    RETURN NULL;
""",
)


def _follows_item(name: str, item_query: str) -> TriggerFunction:
    """A listing or card linked to a stored item cannot claim to be elsewhere (a stale edit, another
    client): it takes the place of the storage item `item_query` picks, when it has one."""
    return TriggerFunction(
        name,
        declare="    place text;",
        body=f"""
    SELECT {PATH_FUNCTION}(bin_id, section_id) INTO place FROM storage_items
     {item_query};
    IF place IS NOT NULL THEN
        NEW.storage_location := place;
    END IF;
    RETURN NEW;
""",
    )


LISTING_PLACE: Final = _follows_item(
    "reseller_desktop_listing_place",
    "WHERE listing_id = NEW.id AND removed_at IS NULL AND bin_id IS NOT NULL\n"
    "     ORDER BY updated_at DESC NULLS LAST, id DESC LIMIT 1",
)
CARD_PLACE: Final = _follows_item("reseller_desktop_card_place", "WHERE id = NEW.storage_item_id")

# A bin or section renamed: every listing and card stored in it shows the new name.
_SHOW_RENAMED_PLACE: Final = "".join(
    f"""
    UPDATE {table} t SET storage_location = {PATH_FUNCTION}(i.bin_id, i.section_id)
      FROM storage_items i
     WHERE t.{column} = i.{item_column} AND i.removed_at IS NULL
       AND ((TG_TABLE_NAME = 'storage_bins' AND i.bin_id = NEW.id)
            OR (TG_TABLE_NAME = 'storage_sections' AND i.section_id = NEW.id));"""
    for table, column, item_column in SHOWS_PLACE
)
RENAMED: Final = TriggerFunction(
    "reseller_desktop_storage_renamed",
    body=f"""{_SHOW_RENAMED_PLACE}
    RETURN NULL;
""",
)
RENAMED_NAMES: Final = (("storage_bins", "bin_name"), ("storage_sections", "section_name"))

# The last unit sold: the item is no longer on the shelf. Sale undone: it goes back where it was,
# or into its bin when its section has filled up meanwhile.
SOLD_OUT: Final = TriggerFunction(
    "reseller_desktop_listing_sold_out",
    declare="""
    item record;
    back_bin integer;
""",
    body=f"""
    IF NEW.status = 'sold' AND COALESCE(NEW.quantity, 0) = 0 THEN
        WITH gone AS (
            UPDATE storage_items i
               SET removed_at = now() AT TIME ZONE 'utc',
                   removed_from = {PATH_FUNCTION}(i.bin_id, i.section_id),
                   removed_from_section_id = i.section_id,
                   removed_from_bin_id = i.bin_id,
                   bin_id = NULL, section_id = NULL,
                   updated_at = now() AT TIME ZONE 'utc'
             WHERE i.listing_id = NEW.id AND i.removed_at IS NULL
               AND (i.bin_id IS NOT NULL OR i.section_id IS NOT NULL)
            RETURNING i.id, i.user_id, i.removed_from
        )
        INSERT INTO activity_logs (user_id, action, resource_type, resource_id, details, created_at)
        SELECT user_id, 'remove_storage_item_sold', 'storage_item', id,
               json_build_object('listing_id', NEW.id, 'from', removed_from,
                                 'sold_platform', NEW.sold_platform)::text,
               now() AT TIME ZONE 'utc'
          FROM gone;
    ELSIF NEW.status IS DISTINCT FROM 'sold' AND COALESCE(NEW.quantity, 0) > 0 THEN
        FOR item IN
            SELECT id, user_id, removed_from, removed_from_section_id, removed_from_bin_id FROM storage_items
             WHERE listing_id = NEW.id AND removed_at IS NOT NULL ORDER BY id
        LOOP
            back_bin := COALESCE(
                (SELECT bin_id FROM storage_sections WHERE id = item.removed_from_section_id),
                item.removed_from_bin_id
            );
            BEGIN
                UPDATE storage_items
                   SET bin_id = back_bin, section_id = item.removed_from_section_id, removed_at = NULL,
                       removed_from = NULL, removed_from_section_id = NULL,
                       removed_from_bin_id = NULL, updated_at = now() AT TIME ZONE 'utc'
                 WHERE id = item.id;
            EXCEPTION WHEN check_violation THEN  -- the section is full now: back into its bin
                UPDATE storage_items
                   SET bin_id = back_bin, removed_at = NULL, removed_from = NULL,
                       removed_from_section_id = NULL, removed_from_bin_id = NULL,
                       updated_at = now() AT TIME ZONE 'utc'
                 WHERE id = item.id;
            END;
            INSERT INTO activity_logs (user_id, action, resource_type, resource_id, details, created_at)
            VALUES (item.user_id, 'restore_storage_item_unsold', 'storage_item', item.id,
                    json_build_object('listing_id', NEW.id, 'to', item.removed_from)::text,
                    now() AT TIME ZONE 'utc');
        END LOOP;
    END IF;
    RETURN NULL;
""",
)

# Tier from value and the owner's thresholds (defaults when the owner has set none).
TIER: Final = TriggerFunction(
    "reseller_desktop_card_tier",
    declare=f"""
    mid numeric := {DEFAULT_TIERS[0]};
    high numeric := {DEFAULT_TIERS[1]};
    grail numeric := {DEFAULT_TIERS[2]};
""",
    body=f"""
    IF NEW.estimated_value IS NULL THEN
        NEW.value_tier := NULL;
        RETURN NEW;
    END IF;
    SELECT mid_from, high_from, grail_from INTO mid, high, grail FROM card_value_tiers WHERE user_id = NEW.user_id;
    IF NOT FOUND THEN
        mid := {DEFAULT_TIERS[0]}; high := {DEFAULT_TIERS[1]}; grail := {DEFAULT_TIERS[2]};
    END IF;
    NEW.value_tier := CASE
        WHEN NEW.estimated_value::numeric < mid THEN 'low'
        WHEN NEW.estimated_value::numeric < high THEN 'mid'
        WHEN NEW.estimated_value::numeric < grail THEN 'high'
        ELSE 'grail' END;
    RETURN NEW;
""",
)

# One value per card and day: the last one given that day.
SNAPSHOT: Final = TriggerFunction(
    "reseller_desktop_card_snapshot",
    body="""
    IF NEW.estimated_value IS NULL OR NEW.user_id IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO card_value_snapshots (card_id, user_id, day, estimated_value, quantity, recorded_at)
    VALUES (NEW.id, NEW.user_id, (now() AT TIME ZONE 'utc')::date, round(NEW.estimated_value::numeric, 2),
            COALESCE(NEW.quantity, 1), now() AT TIME ZONE 'utc')
    ON CONFLICT (card_id, day) DO UPDATE
       SET estimated_value = EXCLUDED.estimated_value, quantity = EXCLUDED.quantity,
           recorded_at = EXCLUDED.recorded_at;
    RETURN NULL;
""",
)

ROW_TRIGGERS: Final = (
    RowTrigger("storage_items", "trg_storage_items_count", "AFTER INSERT OR DELETE OR UPDATE OF section_id", COUNT),
    RowTrigger("storage_sections", "trg_storage_sections_capacity", "BEFORE UPDATE OF capacity", CAPACITY),
    RowTrigger(
        "storage_items",
        "trg_storage_items_placed",
        "AFTER INSERT OR UPDATE OF bin_id, section_id, listing_id",
        ITEM_PLACED,
    ),
    RowTrigger("listings", "trg_listings_place", "BEFORE UPDATE OF storage_location", LISTING_PLACE),
    RowTrigger(
        "card_collections",
        "trg_card_collections_place",
        "BEFORE INSERT OR UPDATE OF storage_item_id, storage_location",
        CARD_PLACE,
    ),
    *(
        RowTrigger(
            table,
            f"trg_{table}_renamed",
            f"AFTER UPDATE OF {column}",
            RENAMED,
            f"OLD.{column} IS DISTINCT FROM NEW.{column}",
        )
        for table, column in RENAMED_NAMES
    ),
    RowTrigger(
        "listings",
        "trg_listings_sold_out",
        "AFTER UPDATE OF status, quantity",
        SOLD_OUT,
        "OLD.status IS DISTINCT FROM NEW.status OR OLD.quantity IS DISTINCT FROM NEW.quantity",
    ),
    RowTrigger(
        "card_collections",
        "trg_card_collections_tier",
        "BEFORE INSERT OR UPDATE OF estimated_value, value_tier, user_id",
        TIER,
    ),
    RowTrigger(
        "card_collections",
        "trg_card_collections_snapshot",
        "AFTER INSERT OR UPDATE OF estimated_value, quantity",
        SNAPSHOT,
    ),
)

# What migration 0005 creates, in order: (function, argument types, SQL), then (table, trigger, SQL).
FUNCTIONS: Final = (
    (PATH_FUNCTION, PATH_ARGUMENTS, PATH_FUNCTION_SQL),
    *((f.name, "", f.sql) for f in dict.fromkeys(t.function for t in ROW_TRIGGERS)),
)
TRIGGERS: Final = tuple((t.table, t.name, t.sql) for t in ROW_TRIGGERS)

# Counts made true once, when the migration installs the trigger that keeps them so.
RECOUNT_SQL: Final = """
UPDATE storage_sections s
   SET item_count = c.n
  FROM (SELECT s2.id, (SELECT count(*) FROM storage_items i WHERE i.section_id = s2.id) AS n
          FROM storage_sections s2) c
 WHERE s.id = c.id AND s.item_count IS DISTINCT FROM c.n
"""
# Tiers derived once for cards that already have a value.
RETIER_SQL: Final = "UPDATE card_collections SET value_tier = value_tier WHERE estimated_value IS NOT NULL"
