"""One pooled engine per process, configured by the contract's connection rules.

At most 2 connections (the web app's tier allows no more), 5 s to connect or to wait for a free
connection, 10 s per statement, and a ping before a pooled connection is handed out so a restarted
server costs one retry rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from reseller_desktop import APP_ID

POOL_SIZE = 2
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 10_000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", ""})


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the data lives: a SQLAlchemy URL plus what to call it in the status bar."""

    url: URL
    embedded: bool

    @property
    def description(self) -> str:
        if self.embedded:
            return "embedded database"
        host = self.url.host or "local socket"
        port = f":{self.url.port}" if self.url.port else ""
        return f"{host}{port}/{self.url.database or ''}"

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)


def normalise_url(raw: str | URL) -> URL:
    """Accept the forms people paste (postgres://, postgresql://) and pick the psycopg 3 driver.

    A server that is not on this machine gets TLS (sslmode=require) unless the URL says otherwise.
    """
    if isinstance(raw, str) and raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"{url.get_backend_name()!r} is not PostgreSQL; use a postgresql:// URL.")
    url = url.set(drivername="postgresql+psycopg")
    host = url.host or ""
    on_socket = "host" in url.query and str(url.query["host"]).startswith("/")
    if host not in LOCAL_HOSTS and not on_socket and "sslmode" not in url.query:
        url = url.update_query_dict({"sslmode": "require"})
    return url


def make_engine(
    target: DatabaseTarget,
    *,
    statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
    pool_size: int = POOL_SIZE,
) -> Engine:
    options = f"-c statement_timeout={statement_timeout_ms} -c timezone=UTC"
    return create_engine(
        target.url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": options,
            "application_name": APP_ID,
            # A dropped route or a server that vanished must not hold a pooled connection (and a
            # worker) forever: TCP keepalives and a send timeout give up after about 10 s.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": 10_000,
        },
    )
