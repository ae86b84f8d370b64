"""Stand-ins the marketplace tests wire into PlatformHttp and the adapters: a clock that moves only when
slept on, tokens kept in memory, a token renewer that counts its calls, `make_http` putting them
together in front of a ScriptedServer, and for the adapter tests against a fake marketplace: tokens the
fake granted, adapters made with fast retries and closed at the end, and counts of the calls it saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from tests.fakes.fake_server import FakeServer
from tests.fakes.scripted_server import ScriptedServer

from reseller_desktop.platforms.base import ListingPayload, NotConnectedError, OAuthTokens
from reseller_desktop.platforms.http import ERROR_MESSAGES, PlatformHttp, RetryPolicy
from reseller_desktop.platforms.oauth import TokenSession, utc_now
from reseller_desktop.platforms.rate_limit import RateLimiter

FAST = RetryPolicy(attempts=3, base_seconds=0.01, max_wait_seconds=5.0)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"  # the start of a JPEG file: photo bytes for the fakes


class FakeClock:
    """monotonic time that only moves when someone sleeps: waits are recorded, never spent."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class MemoryTokens:
    def __init__(self, tokens: OAuthTokens | None) -> None:
        self.tokens = tokens
        self.saved: list[OAuthTokens] = []

    def load(self) -> OAuthTokens | None:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens
        self.saved.append(tokens)

    def clear(self) -> None:
        self.tokens = None


def tokens(access: str = "access-1", *, expires_in: float = 3600, refresh: str | None = "refresh-1") -> OAuthTokens:
    return OAuthTokens(access, utc_now() + timedelta(seconds=expires_in), refresh)


def renewer(*new_access: str) -> Any:
    """A refresh function handing out the given access tokens in turn, counting its calls."""
    issued = list(new_access)

    def refresh(old: OAuthTokens) -> OAuthTokens:
        refresh.calls += 1  # type: ignore[attr-defined]
        return OAuthTokens(issued.pop(0), utc_now() + timedelta(hours=2), f"rotated-{refresh.calls}")  # type: ignore[attr-defined]

    refresh.calls = 0  # type: ignore[attr-defined]
    return refresh


def make_http(
    server: ScriptedServer,
    *,
    store: MemoryTokens | None = None,
    refresh: Any = None,
    clock: FakeClock | None = None,
    retry: RetryPolicy = FAST,
    timeout: float = 5.0,
    platform: str = "ebay",
) -> PlatformHttp:
    clock = clock or FakeClock()
    session = TokenSession(platform, store or MemoryTokens(tokens()), refresh or renewer("access-2"))
    limiter = RateLimiter(platform, 100.0, 0, clock=clock, sleep=clock.sleep)
    return PlatformHttp(
        platform,
        server.client(timeout),
        server.base_url,
        session=session,
        error_message=ERROR_MESSAGES[platform],
        limiter=limiter,
        retry=retry,
        sleep=clock.sleep,
    )


# ----- adapters against a fake marketplace ----------------------------------------------------------
def granted(fake: FakeServer, *, expires_in: float | None = None) -> MemoryTokens:
    """Tokens the fake issued, as if the seller had connected; `expires_in` shortens the access token's life."""
    answer = fake.grant_tokens()
    lifetime = answer["expires_in"] if expires_in is None else expires_in
    return MemoryTokens(
        OAuthTokens(answer["access_token"], utc_now() + timedelta(seconds=lifetime), answer["refresh_token"])
    )


def calls(fake: FakeServer, method: str, path_end: str) -> int:
    """How many `method` requests the fake saw to a path ending in `path_end`."""
    return sum(1 for r in fake.requests if r.method == method and r.path.endswith(path_end))


class _Closable(Protocol):
    def close(self) -> None: ...


AdapterT = TypeVar("AdapterT", bound=_Closable)


def adapters_on(fake: FakeServer, build: Callable[..., AdapterT]) -> Iterator[Callable[..., AdapterT]]:
    """The body of an `adapters` fixture: yields make(store=None, **options), which calls
    build(store or granted(fake), **options) with fast retries and a limiter that does not hold the
    tests back unless the options say otherwise; every adapter made is closed at the end."""
    made: list[AdapterT] = []

    def make(store: MemoryTokens | None = None, **options: Any) -> AdapterT:
        options.setdefault("retry", FAST)
        options.setdefault("limiter", RateLimiter(fake.platform, 1000.0, 0))
        adapter = build(store or granted(fake), **options)
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()


def listing_payload(photo_paths: tuple[Path, ...], **fields: Any) -> ListingPayload:
    """A listing as the sync engine hands it to an adapter: a pair of used jeans unless `fields` say otherwise."""
    payload = ListingPayload(
        listing_id=101,
        sku="RD-000101",
        title="Vintage Levi's 501 jeans 32x30",
        description="Well loved, no holes.",
        price=Decimal("24.50"),
        quantity=1,
        condition="good",
        category=None,
        upc=None,
        attributes={},
        photo_paths=photo_paths,
    )
    return replace(payload, **fields)


def sign_in_refused_after_revocation(fake: FakeServer, make: Callable[[MemoryTokens], Any]) -> tuple[str, OAuthTokens]:
    """Connect, then have the platform expire the access token and revoke the refresh token, and ask for
    the account name: the NotConnectedError must come; its whole text (what the seller reads) and the
    tokens it was about are returned for the caller to check."""
    store = granted(fake)
    tokens = store.tokens
    assert tokens is not None and tokens.refresh_token
    fake.expire_access_tokens()
    fake.revoke_refresh_tokens()
    with pytest.raises(NotConnectedError) as caught:
        make(store).account_name()
    return f"{caught.value} {caught.value.message} {caught.value.hint}", tokens
