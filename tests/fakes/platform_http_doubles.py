"""Stand-ins the HTTP layer's tests wire into PlatformHttp: a clock that moves only when slept on, tokens
kept in memory, a token renewer that counts its calls, and `make_http` putting them together in front
of a ScriptedServer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.fakes.scripted_server import ScriptedServer

from reseller_desktop.platforms.base import OAuthTokens
from reseller_desktop.platforms.http import PlatformHttp, RetryPolicy, ebay_error_message, etsy_error_message
from reseller_desktop.platforms.oauth import TokenSession, utc_now
from reseller_desktop.platforms.rate_limit import RateLimiter

FAST = RetryPolicy(attempts=3, base_seconds=0.01, max_wait_seconds=5.0)


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
        error_message=ebay_error_message if platform == "ebay" else etsy_error_message,
        limiter=limiter,
        retry=retry,
        sleep=clock.sleep,
    )
