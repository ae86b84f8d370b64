"""The collection's value per day, kept as one change per seller and day (migration 0007).

FROZEN once released: migration 0007 applies exactly this.

card_value_snapshots holds each card's value on the days it was set. The collection's value on a
day is, over its cards, the latest snapshot on or before that day (value × quantity). Adding that up
from the snapshots reads every card, so the database keeps the sum as it changes:
card_value_daily_changes holds, per seller and day, how much the total moved that day (in cents).
The total on a day is the sum of the changes up to it; a chart reads at most one row per day.

A snapshot written, changed or removed moves the total on its own day and, by the opposite amount,
on the day of the card's next snapshot (whose change was measured from it). A BEFORE row trigger
works that out from the card's neighbouring snapshots. Being BEFORE, it sees the rows of the same
statement handled before it, so a statement that writes several snapshots of one card, an upsert
that both inserts and updates, and the cascade of a deleted card (each of its snapshots removed in
turn) all come out exact; a statement-level trigger would see them all at once and could not. Two
clients writing snapshots of one card are put in turn by a lock on the card row (the card editor
holds it already), so each measures from the other's committed rows.

The per-day rows are shared by every writer of a seller, so they are not touched until commit: each
change is first queued in card_value_pending_changes under the writer's transaction id, and a
deferred constraint trigger adds the transaction's queue to the per-day rows when it commits, in
(seller, day) order. Locks on those rows are therefore held only for the commit itself (a long card
import does not block another client's edit), and always taken in one order (no deadlocks).

Writes made with the triggers off (a bulk load with session_replication_role = replica, or disabled
triggers) are not counted: `backfill_daily_changes` computes the changes again from the snapshots.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    text,
)
from sqlalchemy.dialects.postgresql import UUID as UUIDType

from reseller_desktop.db.triggers import RowTrigger, TriggerFunction

DAILY_CHANGES: Final = "card_value_daily_changes"
PENDING_CHANGES: Final = "card_value_pending_changes"
NEW_TABLES: Final = (DAILY_CHANGES, PENDING_CHANGES)


def add_value_history_tables(metadata: MetaData) -> None:
    Table(
        DAILY_CHANGES,
        metadata,
        Column("user_id", UUIDType(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("change", BigInteger, nullable=False),  # cents the collection's value moved that day
    )
    # Each writing transaction's changes until it commits; rows live only inside their transaction.
    Table(
        PENDING_CHANGES,
        metadata,
        Column("txid", BigInteger, nullable=False),
        Column("id", BigInteger, autoincrement=True, nullable=False),
        Column("user_id", UUIDType(as_uuid=True), nullable=False),
        Column("day", Date, nullable=False),
        Column("change", BigInteger, nullable=False),
        Column("starts_flush", Boolean, nullable=False),  # the transaction's first: queues its flush
        PrimaryKeyConstraint("txid", "id"),  # txid first: a transaction reads its own rows by it
    )


# A snapshot's amount in whole cents. estimated_value is NUMERIC(12, 2), so this is exact, and equal
# to the float8 rounding the Cards page's sums use.
def amount_of(row: str = "") -> str:
    """The amount of a snapshot row (`row`: "NEW", "OLD", an alias, or "" for unqualified columns)."""
    prefix = f"{row}." if row else ""
    return f"({prefix}estimated_value * 100)::bigint * {prefix}quantity"


# ----- functions and triggers ----------------------------------------------------------------------
def _lock_cards(cards: str) -> str:
    # Card rows in id order, so two writers of one card take turns and each measures from the other's
    # committed snapshots. A card this transaction inserted or changed (the card editor, an import)
    # is its own already: anyone else waits for it, so it is not locked again. A card being deleted
    # has no row left to lock; its snapshots go with it.
    return (
        f"PERFORM 1 FROM card_collections WHERE id IN ({cards}) AND xmin <> pg_current_xact_id()::xid "
        "ORDER BY id FOR NO KEY UPDATE;"
    )


# Set (for the transaction) once its first change is queued, with the flush that goes with it: later
# changes need not queue another. Transaction-local, so a savepoint rolled back forgets it together
# with the change and the flush it queued.
QUEUED_SETTING: Final = "reseller_desktop.card_value_flush_queued"


def _queue(row: str, sign: str, *, leaving: str = "", same_day: str = "", indent: int = 4) -> str:
    """Statements that queue what adding (sign "") or removing (sign "-") the snapshot `row` does,
    given the card's other snapshots (`leaving`: the id of a row to disregard, the old version of a
    row being updated): its day moves by its amount less the previous snapshot's, and the day of the
    next snapshot (measured from this one until now) by the opposite. `same_day` runs when the card
    has a snapshot on that day already.

    The trigger runs once per snapshot written, a bulk import of cards included, so the usual cases
    cost one index probe: a new card (no snapshots) and today's value (after all the others)."""
    others = f"card_id = {row}.card_id" + (f" AND id <> {leaving}" if leaving else "")
    lines = [
        f"SELECT day, {amount_of()} INTO last_day, previous FROM card_value_snapshots",  # noqa: S608 - constants
        f" WHERE {others} ORDER BY day DESC LIMIT 1;",
        "next_day := NULL;",
        f"IF last_day > {row}.day THEN  -- written between two others, or before the first",
        "    SELECT day, user_id INTO next_day, next_user FROM card_value_snapshots",
        f"     WHERE {others} AND day > {row}.day ORDER BY day LIMIT 1;",
        f"    SELECT day, {amount_of()} INTO last_day, previous FROM card_value_snapshots",  # noqa: S608 - constants
        f"     WHERE {others} AND day <= {row}.day ORDER BY day DESC LIMIT 1;",
        "END IF;",
        *([f"IF last_day = {row}.day THEN", f"    {same_day}", "END IF;"] if same_day else []),
        f"step := {sign}({amount_of(row)} - coalesce(previous, 0));",
        "IF step <> 0 THEN",
        f"    queued := current_setting('{QUEUED_SETTING}', true) IS NOT DISTINCT FROM tx::text;",
        "    IF NOT queued THEN",
        f"        PERFORM set_config('{QUEUED_SETTING}', tx::text, true);",
        "    END IF;",
        f"    INSERT INTO {PENDING_CHANGES} (txid, user_id, day, change, starts_flush)",
        f"    VALUES (tx, {row}.user_id, {row}.day, step, NOT queued);",
        "    IF next_day IS NOT NULL THEN",
        f"        INSERT INTO {PENDING_CHANGES} (txid, user_id, day, change, starts_flush)",
        "        VALUES (tx, next_user, next_day, -step, false);",
        "    END IF;",
        "END IF;",
    ]
    return f"\n{' ' * indent}".join(lines)


SNAPSHOT_CHANGES: Final = TriggerFunction(
    "reseller_desktop_card_value_changes",
    declare="""
    tx bigint := txid_current();
    last_day date;
    previous bigint;
    next_day date;
    next_user uuid;
    step bigint;
    queued boolean;
""",
    body=f"""
    IF TG_OP = 'INSERT' THEN
        {_lock_cards("NEW.card_id")}
        -- On a day the card has a snapshot already, the insert fails, does nothing (ON CONFLICT
        -- DO NOTHING) or becomes an update (DO UPDATE), which is counted as an update.
        {_queue("NEW", "", same_day="RETURN NEW;", indent=8)}
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        {_lock_cards("OLD.card_id")}
        {_queue("OLD", "-", leaving="OLD.id", indent=8)}
        RETURN OLD;
    END IF;
    IF (OLD.user_id, OLD.card_id, OLD.day, {amount_of("OLD")})
       IS NOT DISTINCT FROM (NEW.user_id, NEW.card_id, NEW.day, {amount_of("NEW")}) THEN
        RETURN NEW;
    END IF;
    {_lock_cards("OLD.card_id, NEW.card_id")}
    {_queue("OLD", "-", leaving="OLD.id")}
    {_queue("NEW", "", leaving="OLD.id")}
    RETURN NEW;
""",
)

# At commit (deferred), once per transaction: the queue added to the per-day rows in (seller, day)
# order, so two committing writers lock shared rows in the same order. A seller deleted by the same
# transaction (an account closed: its cards, then the user) has no rows left to add to.
FLUSH: Final = TriggerFunction(
    "reseller_desktop_card_value_flush",
    body=f"""
    PERFORM set_config('{QUEUED_SETTING}', '', true);  -- a change queued after this queues a flush again
    WITH taken AS (
        DELETE FROM {PENDING_CHANGES} WHERE txid = NEW.txid RETURNING user_id, day, change
    )
    INSERT INTO {DAILY_CHANGES} AS d (user_id, day, change)
    SELECT t.user_id, t.day, sum(t.change) FROM taken t
     WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)
     GROUP BY t.user_id, t.day
    HAVING sum(t.change) <> 0
     ORDER BY t.user_id, t.day
    ON CONFLICT (user_id, day) DO UPDATE SET change = d.change + EXCLUDED.change;
    RETURN NULL;
""",  # noqa: S608 - table names of this module
)

# Every snapshot gone at once: so is every change (and what this transaction had queued).
TRUNCATED: Final = TriggerFunction(
    "reseller_desktop_card_value_truncated",
    body=f"""
    DELETE FROM {PENDING_CHANGES} WHERE txid = txid_current();
    DELETE FROM {DAILY_CHANGES};
    RETURN NULL;
""",  # noqa: S608 - table names of this module
)

SNAPSHOT_TRIGGER: Final = RowTrigger(
    "card_value_snapshots",
    "trg_card_value_snapshots_daily_changes",
    "BEFORE INSERT OR UPDATE OF user_id, card_id, day, estimated_value, quantity OR DELETE",
    SNAPSHOT_CHANGES,
)
TRUNCATE_TRIGGER: Final = "trg_card_value_snapshots_truncated"
TRUNCATE_TRIGGER_SQL: Final = (
    f"CREATE TRIGGER {TRUNCATE_TRIGGER} AFTER TRUNCATE ON card_value_snapshots "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRUNCATED.name}()"
)
FLUSH_TRIGGER: Final = "trg_card_value_pending_changes_flush"
FLUSH_TRIGGER_SQL: Final = (
    f"CREATE CONSTRAINT TRIGGER {FLUSH_TRIGGER} AFTER INSERT ON {PENDING_CHANGES} "
    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.starts_flush) EXECUTE FUNCTION {FLUSH.name}()"
)

# What migration 0007 creates, in order: (function, argument types, SQL), then (table, trigger, SQL).
FUNCTIONS: Final = tuple((f.name, "", f.sql) for f in (SNAPSHOT_CHANGES, FLUSH, TRUNCATED))
TRIGGERS: Final = (
    (PENDING_CHANGES, FLUSH_TRIGGER, FLUSH_TRIGGER_SQL),
    (SNAPSHOT_TRIGGER.table, SNAPSHOT_TRIGGER.name, SNAPSHOT_TRIGGER.sql),
    ("card_value_snapshots", TRUNCATE_TRIGGER, TRUNCATE_TRIGGER_SQL),
)

# ----- backfill ------------------------------------------------------------------------------------
# Each snapshot's amount less the card's previous one, summed per seller and day.
_CHANGES_FROM_SNAPSHOTS: Final = f"""
INSERT INTO {DAILY_CHANGES} (user_id, day, change)
SELECT user_id, day, sum(change)
FROM (
    SELECT user_id, day, amount - coalesce(lag(amount) OVER (PARTITION BY card_id ORDER BY day), 0) AS change
    FROM (SELECT user_id, card_id, day, {amount_of()} AS amount FROM card_value_snapshots {{where}}) s
) c
GROUP BY user_id, day
HAVING sum(change) <> 0
"""  # noqa: S608 - `where` is one of two fixed filters; the seller is bound
# The sort by (card, day) of millions of snapshots: in memory rather than in temporary files.
BACKFILL_WORK_MEM: Final = "256MB"


def backfill_daily_changes(conn: Connection, user_id: UUID | None = None) -> None:
    """Compute the daily changes again from the snapshots, of one seller or of all (`user_id` None).

    For snapshots written with the triggers off (a bulk load), and once by migration 0007. Writers of
    snapshots wait until the caller's transaction ends (a SHARE lock), so none is counted twice or
    missed; what the caller's own transaction had queued is replaced by the result."""
    where, params = ("", {}) if user_id is None else ("WHERE user_id = :user_id", {"user_id": user_id})
    conn.execute(text("LOCK TABLE card_value_snapshots IN SHARE MODE"))
    work_mem = conn.scalar(text("SHOW work_mem"))
    conn.execute(text("SELECT set_config('work_mem', :m, true)"), {"m": BACKFILL_WORK_MEM})
    queued = f"DELETE FROM {PENDING_CHANGES} WHERE txid = txid_current()"  # noqa: S608 - constants
    conn.execute(text(queued + (" AND user_id = :user_id" if user_id else "")), params)
    conn.execute(text(f"DELETE FROM {DAILY_CHANGES} {where}"), params)  # noqa: S608 - constants
    conn.execute(text(_CHANGES_FROM_SNAPSHOTS.format(where=where)), params)
    conn.execute(text("SELECT set_config('work_mem', :m, true)"), {"m": work_mem})
