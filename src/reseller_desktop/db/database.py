"""The process's one pooled engine and the units of work drawn from it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self
from uuid import UUID

from sqlalchemy import Connection, Engine, QueuePool, RootTransaction

from reseller_desktop.db.engine import DatabaseTarget, make_engine
from reseller_desktop.db.errors import translate
from reseller_desktop.repositories.activity import ActivityRepository
from reseller_desktop.repositories.base import ActivityLogWriter
from reseller_desktop.repositories.cards import CardRepository
from reseller_desktop.repositories.credentials import CredentialRepository
from reseller_desktop.repositories.listing_pages import ListingPageRepository
from reseller_desktop.repositories.listings import ListingRepository
from reseller_desktop.repositories.notifications import NotificationRepository
from reseller_desktop.repositories.platform_listings import PlatformListingRepository
from reseller_desktop.repositories.storage import StorageRepository
from reseller_desktop.repositories.users import UserRepository

log = logging.getLogger(__name__)


class Database:
    def __init__(self, target: DatabaseTarget, engine: Engine | None = None) -> None:
        self.target = target
        self.engine = engine or make_engine(target)

    def unit_of_work(self, user_id: UUID) -> UnitOfWork:
        return UnitOfWork(self, user_id)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for work that is not a user's (start-up, sign-in); errors translated."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except Exception as exc:
            translated = translate(exc, self.target.description)
            if translated is exc:
                raise
            raise translated from exc

    @contextmanager
    def users(self) -> Iterator[UserRepository]:
        with self.connect() as conn, conn.begin():
            yield UserRepository(conn)

    def dispose(self, wait_seconds: float = 2.0) -> None:
        """Close the pool. Work still under way on other threads (a background sync pass, a task
        finishing) gets a moment to hand its connection back first: one returned after the pool is
        gone would never be closed."""
        deadline = time.monotonic() + wait_seconds
        pool = self.engine.pool
        while isinstance(pool, QueuePool) and pool.checkedout() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.engine.dispose()


class UnitOfWork:
    """One transaction on one pooled connection, for one user, inside one `with` block.

    It rolls back unless `commit()` was called, and always returns its connection to the pool, also
    when the body raised. Not shared between threads: each thread opens its own.
    """

    listings: ListingRepository
    platform_listings: PlatformListingRepository
    cards: CardRepository
    storage: StorageRepository
    credentials: CredentialRepository
    notifications: NotificationRepository
    activity: ActivityRepository
    activity_log: ActivityLogWriter
    listing_pages: ListingPageRepository

    def __init__(self, database: Database, user_id: UUID) -> None:
        self._database = database
        self.user_id = user_id
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        try:
            self._conn = self._database.engine.connect()
            self._tx = self._conn.begin()
        except Exception as exc:
            if self._conn is not None:
                self._conn.close()
            raise translate(exc, self._database.target.description) from exc
        writer = ActivityLogWriter(self._conn, self.user_id)
        self.activity_log = writer
        args = (self._conn, self.user_id, writer)
        self.listings = ListingRepository(*args)
        self.platform_listings = PlatformListingRepository(*args)
        self.cards = CardRepository(*args)
        self.storage = StorageRepository(*args)
        self.credentials = CredentialRepository(*args)
        self.notifications = NotificationRepository(*args)
        self.activity = ActivityRepository(*args)
        self.listing_pages = ListingPageRepository(*args)
        return self

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "use the unit of work inside a with block"
        return self._conn

    def commit(self) -> None:
        assert self._tx is not None, "use the unit of work inside a with block"
        try:
            self._tx.commit()
        except Exception as exc:
            translated = translate(exc, self._database.target.description)
            if translated is exc:
                raise
            raise translated from exc

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        except Exception:
            # The connection is broken; closing it below discards it. The body's own error, if any,
            # is what the caller needs to see.
            log.debug("rollback failed on a broken connection", exc_info=True)
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._tx = None
        if exc is not None:
            translated = translate(exc, self._database.target.description)
            if translated is not exc:
                raise translated from exc
