"""The contract's pool rules, against a real server: at most 2 connections, none leaked, 10 s
statement limit, 5 s to connect or fail, a unit of work that rolls back unless committed."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import event, text
from tests.concurrency import run_together
from tests.conftest import PgServer

from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres
from reseller_desktop.db.engine import APP_ID, DatabaseTarget, normalise_url
from reseller_desktop.db.errors import DatabaseBusyError, DatabaseUnavailableError, QueryTimeoutError
from reseller_desktop.domain.errors import NotFoundError, ValidationError
from reseller_desktop.domain.records import UserRecord


def test_a_thousand_mixed_operations_from_four_threads_never_exceed_two_connections(
    pg: PgServer, database: Database, db_name: str, alice: UserRecord
) -> None:
    connects = []
    event.listen(database.engine, "connect", lambda *_: connects.append(1))
    peak = {"server": 0}
    stop = threading.Event()

    def watch_server() -> None:
        while not stop.is_set():
            (count,) = pg.admin(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
                (APP_ID, db_name),
            )[0]
            peak["server"] = max(peak["server"], int(count))  # type: ignore[call-overload]
            time.sleep(0.005)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[int] = []
        for i in range(250):
            op = rng.random()
            with database.unit_of_work(alice.id) as uow:
                if op < 0.35 or not mine:
                    listing = uow.listings.add({"title": f"Item {seed}-{i}", "price": Decimal("9.99")})
                    mine.append(listing.id)
                    uow.commit()
                elif op < 0.6:
                    uow.listings.update(rng.choice(mine), {"price": f"{rng.randint(1, 500)}.00"})
                    uow.commit()
                elif op < 0.8:
                    uow.listings.get(rng.choice(mine))
                elif op < 0.9:
                    uow.listings.count_by_status()
                else:
                    # a failure inside the block: the connection must still go back
                    with pytest.raises(ValidationError):
                        uow.listings.update(rng.choice(mine), {"quantity": -5})

    watcher = threading.Thread(target=watch_server)
    watcher.start()
    errors = run_together(worker, clients=4)
    stop.set()
    watcher.join()

    assert errors == []
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert len(connects) <= 2
    assert 1 <= peak["server"] <= 2
    with database.unit_of_work(alice.id) as uow:
        assert sum(uow.listings.count_by_status().values()) >= 250


def test_unit_of_work_rolls_back_unless_committed(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.add({"title": "Never committed", "price": 1})
    with database.unit_of_work(alice.id) as uow:
        kept = uow.listings.add({"title": "Committed", "price": 1})
        uow.commit()
    with pytest.raises(RuntimeError), database.unit_of_work(alice.id) as uow:
        uow.listings.add({"title": "Body raised", "price": 1})
        raise RuntimeError("boom")
    with database.unit_of_work(alice.id) as uow:
        assert [listing.title for listing in uow.listings.page()] == ["Committed"]
        assert uow.listings.get(kept.id).title == "Committed"
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_each_connection_has_the_contract_statement_timeout(database: Database) -> None:
    with database.connect() as conn:
        assert conn.scalar(text("SHOW statement_timeout")) == "10s"
        assert conn.scalar(text("SHOW timezone")) == "UTC"


@pytest.mark.slow
def test_a_statement_over_ten_seconds_is_cancelled_with_a_clear_error(database: Database, alice: UserRecord) -> None:
    started = time.monotonic()
    with (
        pytest.raises(QueryTimeoutError, match="10 s limit") as caught,
        database.unit_of_work(alice.id) as uow,
    ):
        uow.connection.execute(text("SELECT pg_sleep(11)"))
    assert 9.5 < time.monotonic() - started < 11
    assert "Narrow the filter" in str(caught.value)
    with database.unit_of_work(alice.id) as uow:  # the pool recovers
        assert uow.listings.count_by_status() == {}


def test_when_every_connection_is_busy_a_third_caller_gets_a_clear_error_after_5s(
    database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id), database.unit_of_work(alice.id):
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError, match="busy"), database.unit_of_work(alice.id):
            pass
        assert 4.5 < time.monotonic() - started < 7


@pytest.fixture
def stopped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("stoppable"), delete_on_stop=True)
    url = server.start()
    database = Database(DatabaseTarget(url, embedded=True))
    with database.connect() as conn:
        conn.execute(text("SELECT 1"))  # one pooled connection exists when the server goes away
    server.stop()
    yield database
    database.dispose()


def test_with_the_server_stopped_a_call_fails_fast_with_a_clear_error(
    stopped_server: Database, alice: UserRecord
) -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailableError, match="Cannot reach the database") as caught:
        with stopped_server.unit_of_work(alice.id) as uow:
            uow.listings.get(1)
    assert time.monotonic() - started < 6
    assert "Check that the server is running" in str(caught.value)


def test_a_server_that_never_answers_fails_within_about_five_seconds(alice: UserRecord) -> None:
    # A listener that accepts TCP connections and then says nothing (a hung server or firewall).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    database = Database(DatabaseTarget(normalise_url(f"postgresql://u:p@127.0.0.1:{port}/x"), embedded=False))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailableError), database.unit_of_work(alice.id):
            pass
        assert 4 < time.monotonic() - started < 8
    finally:
        database.dispose()
        silent.close()


def test_not_found_does_not_hold_a_connection(database: Database, alice: UserRecord) -> None:
    for _ in range(5):
        with pytest.raises(NotFoundError), database.unit_of_work(alice.id) as uow:
            uow.listings.get(123456)
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
