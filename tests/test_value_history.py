"""The collection's value per day (migration 0007): the per-day changes the triggers keep give the
same totals as the computation from the snapshots they replace, whatever is written, by whom and how.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from tests.card_support import add_cards, set_history
from tests.concurrency import run_together
from tests.conftest import PgServer

from reseller_desktop.bench import cards as cards_area
from reseller_desktop.bench.context import BenchContext, Dataset
from reseller_desktop.db.database import Database
from reseller_desktop.db.engine import make_engine
from reseller_desktop.db.value_history_tables import backfill_daily_changes
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.card_collection import card_values

# The chart's query before migration 0007: every card's amount on the eve of the range, and every
# snapshot in it, each minus the one before it of the same card, summed per day and run up.
FROM_SNAPSHOTS = text(
    """
WITH snapshot AS (
    SELECT c.id AS card_id, CAST(:first AS date) - 1 AS day, o.amount
    FROM card_collections c
    CROSS JOIN LATERAL (
        SELECT round(v.estimated_value::float8 * 100)::bigint * v.quantity AS amount
        FROM card_value_snapshots v WHERE v.card_id = c.id AND v.day < :first ORDER BY v.day DESC LIMIT 1
    ) o
    WHERE c.user_id = :user_id
    UNION ALL
    SELECT v.card_id, v.day, round(v.estimated_value::float8 * 100)::bigint * v.quantity
    FROM card_value_snapshots v WHERE v.user_id = :user_id AND v.day BETWEEN :first AND :last
),
changes AS (
    SELECT day, amount - coalesce(lag(amount) OVER (PARTITION BY card_id ORDER BY day), 0) AS change FROM snapshot
),
daily AS (SELECT greatest(day, CAST(:first AS date)) AS day, sum(change) AS change FROM changes GROUP BY 1)
SELECT d.day::date, sum(coalesce(daily.change, 0)) OVER (ORDER BY d.day)
FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
LEFT JOIN daily ON daily.day = d.day::date
ORDER BY d.day
"""
)
TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=60)  # the random history's days: START to today


def from_snapshots(database: Database, user: UserRecord, first: date, last: date) -> list[tuple[date, Decimal]]:
    with database.connect() as conn:
        rows = conn.execute(FROM_SNAPSHOTS, {"user_id": user.id, "first": first, "last": last})
        return [(day, (Decimal(cents) / 100).quantize(Decimal("0.01"))) for day, cents in rows]


def charted(database: Database, user: UserRecord, first: date, last: date) -> list[tuple[date, Decimal]]:
    with database.unit_of_work(user.id) as uow:
        return [(p.day, p.total) for p in card_values(uow).collection_totals(first, last)]


def assert_same_totals(database: Database, *users: UserRecord) -> None:
    """Every day from before the first snapshot to after today, and a range starting midway."""
    for user in users:
        for first in (START - timedelta(days=3), START + timedelta(days=25)):
            last = TODAY + timedelta(days=1)
            assert charted(database, user, first, last) == from_snapshots(database, user, first, last)


def pending_rows(database: Database) -> int:
    with database.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM card_value_pending_changes")) or 0)


def upsert(conn: Connection, rows: list[tuple[int, date, Decimal, int]]) -> None:
    """Snapshots as a price import writes them: one statement, new days inserted, known days updated."""
    values = ", ".join(f"(:c{n}, :d{n}, :v{n}, :q{n})" for n in range(len(rows)))
    params: dict[str, Any] = {}
    for n, (card, day, value, quantity) in enumerate(rows):
        params |= {f"c{n}": card, f"d{n}": day, f"v{n}": value, f"q{n}": quantity}
    conn.execute(
        text(
            "INSERT INTO card_value_snapshots (card_id, user_id, day, estimated_value, quantity) "
            f"SELECT v.card_id, c.user_id, v.day, v.value, v.quantity FROM (VALUES {values}) "
            "AS v(card_id, day, value, quantity) JOIN card_collections c ON c.id = v.card_id "
            "ON CONFLICT (card_id, day) DO UPDATE SET estimated_value = EXCLUDED.estimated_value, "
            "quantity = EXCLUDED.quantity"
        ),
        params,
    )


class RandomWriter:
    """Writes a seller's snapshots every way the app, the web app or a price import would."""

    def __init__(self, database: Database, user: UserRecord, seed: int) -> None:
        self.database = database
        self.user = user
        self.rng = random.Random(seed)
        self.cards = list(add_cards(database, user).values())

    def day(self) -> date:
        return START + timedelta(days=self.rng.randint(0, 60))

    def money(self) -> Decimal:
        return Decimal(self.rng.randint(0, 500_000)) / 100

    def snapshot_ids(self, conn: Connection, card: int) -> list[int]:
        return list(conn.scalars(text("SELECT id FROM card_value_snapshots WHERE card_id = :c"), {"c": card}))

    def step(self) -> None:
        action = self.rng.choice(
            ["upsert", "upsert", "update", "move", "scale", "delete", "edit", "quantity", "add", "remove"]
        )
        card = self.rng.choice(self.cards)
        if action in ("edit", "quantity", "add", "remove"):
            self._through_the_app(action, card)
            return
        with self.database.engine.begin() as conn:
            ids = self.snapshot_ids(conn, card)
            if action == "upsert":  # several days of one card, some already there
                days = sorted({self.day() for _ in range(self.rng.randint(1, 6))})
                upsert(conn, [(card, day, self.money(), self.rng.randint(0, 3)) for day in days])
            elif action == "update" and ids:
                conn.execute(
                    text("UPDATE card_value_snapshots SET estimated_value = :v, quantity = :q WHERE id = :i"),
                    {"v": self.money(), "q": self.rng.randint(0, 4), "i": self.rng.choice(ids)},
                )
            elif action == "move" and ids:  # a snapshot put on another day (one not taken)
                conn.execute(
                    text(
                        "UPDATE card_value_snapshots s SET day = :d WHERE id = :i AND NOT EXISTS "
                        "(SELECT 1 FROM card_value_snapshots o WHERE o.card_id = s.card_id AND o.day = :d)"
                    ),
                    {"d": self.day(), "i": self.rng.choice(ids)},
                )
            elif action == "scale":  # every snapshot of the card in one statement
                conn.execute(
                    text("UPDATE card_value_snapshots SET estimated_value = round(estimated_value * 1.1, 2) "
                         "WHERE card_id = :c"),
                    {"c": card},
                )  # fmt: skip
            elif action == "delete":  # several of the card's days in one statement
                conn.execute(
                    text("DELETE FROM card_value_snapshots WHERE card_id = :c AND day > :d"),
                    {"c": card, "d": self.day()},
                )

    def _through_the_app(self, action: str, card: int) -> None:
        with self.database.unit_of_work(self.user.id) as uow:
            if action == "edit":
                uow.cards.update(card, {"estimated_value": str(self.money())})
            elif action == "quantity":
                uow.cards.update(card, {"quantity": self.rng.randint(0, 5)})
            elif action == "add":
                self.cards.append(uow.cards.add({"card_type": "tcg", "title": "Mew", "estimated_value": "12.00"}).id)
            elif len(self.cards) > 1:
                self.cards.remove(card)
                uow.cards.delete(card)
            uow.commit()


def test_totals_equal_the_computation_from_snapshots_after_every_kind_of_write(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    writers = [RandomWriter(database, alice, seed=1), RandomWriter(database, bob, seed=2)]
    for writer in writers:  # a history to start from, written before the page ever asked
        for card in writer.cards:
            set_history(database, card, [(writer.day(), str(writer.money()), writer.rng.randint(1, 3))
                                         for _ in range(4)])  # fmt: skip
    assert_same_totals(database, alice, bob)
    for round_number in range(12):
        for writer in writers:
            for _ in range(8):
                writer.step()
        assert_same_totals(database, alice, bob)
        assert pending_rows(database) == 0, f"round {round_number}: the queue is emptied at each commit"


def test_changes_in_a_rolled_back_transaction_or_savepoint_are_not_counted(
    database: Database, alice: UserRecord
) -> None:
    ids = add_cards(database, alice)
    charizard, pikachu = ids["Charizard"], ids["Pikachu"]
    with database.engine.connect() as conn:
        with conn.begin():
            savepoint = conn.begin_nested()
            upsert(conn, [(pikachu, START, Decimal("900.00"), 9)])  # the transaction's first change, undone
            savepoint.rollback()
            upsert(conn, [(charizard, START, Decimal("100.00"), 1)])
            savepoint = conn.begin_nested()
            upsert(conn, [(pikachu, START + timedelta(days=1), Decimal("2.00"), 4)])
            savepoint.commit()
        with conn.begin() as transaction:
            upsert(conn, [(charizard, START + timedelta(days=2), Decimal("5000.00"), 1)])
            transaction.rollback()
    assert_same_totals(database, alice)
    first = charted(database, alice, START, START + timedelta(days=2))
    assert [total for _day, total in first] == [Decimal("100.00"), Decimal("108.00"), Decimal("108.00")]


def test_what_a_transaction_writes_after_settling_its_deferred_rules_midway_is_counted(
    database: Database, alice: UserRecord
) -> None:
    ids = add_cards(database, alice)
    with database.engine.begin() as conn:
        upsert(conn, [(ids["Charizard"], START, Decimal("100.00"), 1)])
        conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # the queue so far goes to the per-day rows now
        conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        upsert(conn, [(ids["Pikachu"], START + timedelta(days=1), Decimal("2.00"), 4)])  # queued until commit
    assert_same_totals(database, alice)
    assert pending_rows(database) == 0


def test_deleting_cards_and_a_whole_seller_leaves_the_other_sellers_totals_exact(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    for user in (alice, bob):
        for card in add_cards(database, user).values():
            set_history(database, card, [(START + timedelta(days=n * 9), f"{card + n}.25", 1 + n % 2)
                                         for n in range(5)])  # fmt: skip
    with database.engine.begin() as conn:  # a set of cards deleted in one statement
        conn.execute(text("DELETE FROM card_collections WHERE user_id = :u AND set_name = 'Base Set'"), {"u": alice.id})
    assert_same_totals(database, alice, bob)
    with database.engine.begin() as conn:  # an account closed: its cards, then the seller, in one transaction
        for table in ("card_collections", "activity_logs"):
            conn.execute(text(f"DELETE FROM {table} WHERE user_id = :u"), {"u": bob.id})
        conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": bob.id})
    with database.connect() as conn:  # what was queued for the closed account went nowhere at commit
        assert conn.scalar(text("SELECT count(*) FROM card_value_daily_changes WHERE user_id = :u"), {"u": bob.id}) == 0
    assert_same_totals(database, alice)


def test_emptying_the_snapshots_at_once_empties_the_changes(database: Database, alice: UserRecord) -> None:
    add_cards(database, alice)
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE card_value_snapshots"))
    with database.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM card_value_daily_changes")) == 0
    assert_same_totals(database, alice)


def test_a_bulk_load_with_triggers_off_is_counted_by_the_backfill(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    cards = {user.id: list(add_cards(database, user).values()) for user in (alice, bob)}
    with database.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # as a COPY loader does
        for user in (alice, bob):
            upsert(conn, [(card, START + timedelta(days=card % 40), Decimal(card), 2) for card in cards[user.id]])
    assert charted(database, alice, START, TODAY) != from_snapshots(database, alice, START, TODAY)

    with database.engine.begin() as conn:
        backfill_daily_changes(conn, alice.id)
    assert_same_totals(database, alice)
    assert charted(database, bob, START, TODAY) != from_snapshots(database, bob, START, TODAY)  # only alice's

    with database.engine.begin() as conn:
        upsert(conn, [(cards[bob.id][0], START + timedelta(days=50), Decimal("1.00"), 1)])  # queued, then
        backfill_daily_changes(conn)  # replaced by the backfill of everyone in the same transaction
    assert_same_totals(database, alice, bob)


def blocked(database: Database, pid: object) -> Callable[[], bool]:
    def waiting() -> bool:
        with database.connect() as conn:
            return bool(
                conn.scalar(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"), {"p": pid})
            )

    return waiting


def wait_for(condition: Callable[[], bool], tries: int = 600) -> None:
    for _ in range(tries):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError("the other client never got there")


@pytest.fixture
def two_clients(database: Database) -> Iterator[tuple[Connection, Connection]]:
    """Two more clients of the same database, beside the app's pool (which the test keeps using)."""
    engine = make_engine(database.target, pool_size=2)
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            conn.execute(text("SET lock_timeout = '20s'"))  # a wait that never ends fails instead of hanging
            conn.commit()
        yield first, second
    engine.dispose()


def set_value(conn: Connection, card: int, value: str) -> None:
    conn.execute(text("UPDATE card_collections SET estimated_value = :v WHERE id = :c"), {"v": value, "c": card})


def test_two_clients_editing_the_same_sellers_cards_take_turns_without_deadlock(
    database: Database, alice: UserRecord, two_clients: tuple[Connection, Connection]
) -> None:
    ids = add_cards(database, alice)
    charizard, pikachu = ids["Charizard"], ids["Pikachu"]
    first, second = two_clients
    first_pid = first.scalar(text("SELECT pg_backend_pid()"))
    set_value(first, charizard, "500.00")
    # Both have changed today's total and neither has committed: the day's row is not held yet.
    set_value(second, pikachu, "7.00")
    errors: list[BaseException] = []

    def first_goes_on() -> None:
        try:
            set_value(first, pikachu, "8.00")  # waits for the second client's card
            first.commit()
        except BaseException as exc:
            errors.append(exc)
            first.rollback()

    thread = threading.Thread(target=first_goes_on)
    thread.start()
    wait_for(blocked(database, first_pid))
    second.commit()
    thread.join()
    assert errors == []
    assert_same_totals(database, alice)
    with database.unit_of_work(alice.id) as uow:
        assert uow.cards.get(pikachu).estimated_value == Decimal("8.00")


def test_two_clients_writing_one_cards_history_each_count_the_others_snapshot(
    database: Database, alice: UserRecord, two_clients: tuple[Connection, Connection]
) -> None:
    charizard = add_cards(database, alice)["Charizard"]
    first, second = two_clients
    second_pid = second.scalar(text("SELECT pg_backend_pid()"))
    upsert(first, [(charizard, START + timedelta(days=10), Decimal("300.00"), 1)])
    errors: list[BaseException] = []

    def second_writes_the_day_after() -> None:
        try:  # measured from the first client's snapshot, once that is committed
            upsert(second, [(charizard, START + timedelta(days=11), Decimal("350.00"), 1)])
            second.commit()
        except BaseException as exc:
            errors.append(exc)
            second.rollback()

    thread = threading.Thread(target=second_writes_the_day_after)
    thread.start()
    wait_for(blocked(database, second_pid))
    first.commit()
    thread.join()
    assert errors == []
    assert_same_totals(database, alice)


def test_many_writers_of_one_seller_at_once_end_with_exact_totals(database: Database, alice: UserRecord) -> None:
    writers = [RandomWriter(database, alice, seed=10 + n) for n in range(3)]

    def write(n: int) -> None:
        for _ in range(25):
            writers[n].step()

    assert run_together(write, clients=3) == []
    assert_same_totals(database, alice)
    assert pending_rows(database) == 0


def test_the_cards_bench_area_measures_the_page_search_tree_and_chart_through_the_app(
    pg: PgServer, database: Database, alice: UserRecord, bob: UserRecord, tmp_path: Path
) -> None:
    for user in (alice, bob):
        for card in add_cards(database, user).values():
            set_history(database, card, [(TODAY - timedelta(days=n * 200), f"{card}.50", 1) for n in range(3)])
    dataset = Dataset(scale=0.0001, seller_id=alice.id, seller_email=alice.email, other_ids=(bob.id,), counts={})
    ctx = BenchContext(scale=0.0001, workdir=tmp_path, server=pg.embedded, database=database, dataset=dataset, runs=3)

    found = list(cards_area.figures(ctx))

    assert [f.name for f in found] == [
        "cards page: first page",
        "cards search, first page",
        "cards tree and totals by set",
        "collection value chart, 1 year",
    ]
    assert [f.target for f in found] == [100.0, 50.0, 1000.0, 1000.0]
    for figure in found:
        assert figure.unit == "ms" and figure.samples.values
        assert all(math.isfinite(v) and v > 0 for v in figure.samples.values)
        assert figure.limit is not None and figure.limit > 0  # the same statements, raw
        assert figure.as_json()["name"] == figure.name
    page, search, tree, chart = found
    assert "200 rows" in page.note
    assert search.statistic == "p95" and len(search.samples.values) >= 20
    assert "12 cards" in tree.note  # alice's, not bob's
    assert chart.extra["days"] == 365  # a year of history and more: the chart shows the last year
