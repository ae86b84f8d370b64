"""Pacing of marketplace calls: a per-second token bucket, a daily quota and platform-wide pauses.

One limiter per platform per process (`limiter_for`), shared by every job and thread, so a 429 from
one job slows every other job of that platform too. The daily quota is counted in the database when
a `DailyBudget` is given (all clients of one account share the platform's quota); without one it is
counted in this process only.

The burst (calls that may go at once after a quiet spell) is a second's worth by default. The sync
jobs keep a quarter of one (`JOBS_BURST_SECONDS`): a platform counts calls over windows we cannot
see, and a client that spends a whole second's burst and then goes on at the limit stays at the very
edge of the platform's allowance, where a few milliseconds of network jitter draw 429s (and each 429
pauses every call for a backoff). A small burst leaves most of the platform's allowance unspent, so
calls at the full rate arrive safely inside it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from reseller_desktop.platforms.base import TransientPlatformError

log = logging.getLogger(__name__)

# Longer pauses are not waited out inside a call: the caller gets a TransientPlatformError and its job
# is rescheduled, so a worker thread is not held for many minutes by one platform's Retry-After.
DEFAULT_MAX_BLOCK_SECONDS = 30.0
JOBS_BURST_SECONDS = 0.25


class DailyBudget(Protocol):
    def spend(self, platform: str) -> bool:
        """Count one call against today's quota. False: today's quota is used up."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def seconds_to_utc_midnight(now: datetime) -> float:
    """Seconds from `now` (aware, or naive UTC) to the next midnight UTC, when daily quotas start again."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max((midnight - now).total_seconds(), 1.0)


class RateLimiter:
    """Blocks each call until the platform may take it.

    `per_second` <= 0 means no per-second limit and `per_day` <= 0 no daily limit (a setting a
    seller may choose; the platform's own 429 answers still pace the calls).
    """

    def __init__(  # noqa: PLR0917 (the signature the sync jobs were written against)
        self,
        platform: str,
        per_second: float,
        per_day: int,
        budget: DailyBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        utc_now: Callable[[], datetime] = _utc_now,
        max_block_seconds: float = DEFAULT_MAX_BLOCK_SECONDS,
        burst_seconds: float = 1.0,
    ) -> None:
        self.platform = platform
        self._clock = clock
        self._sleep = sleep
        self._utc_now = utc_now
        self.max_block_seconds = max_block_seconds
        self._lock = threading.Lock()
        self._paused_until = clock()
        self._stamp = clock()
        self._day: date | None = None
        self._spent_today = 0
        self.per_second = per_second
        self.per_day = per_day
        self.budget = budget
        self.burst_seconds = burst_seconds
        self._tokens = self._capacity()

    def configure(
        self, per_second: float, per_day: int, budget: DailyBudget | None, burst_seconds: float | None = None
    ) -> None:
        """New limits from changed settings; a running pause and the day's count are kept."""
        with self._lock:
            self.per_second = per_second
            self.per_day = per_day
            self.budget = budget
            if burst_seconds is not None:
                self.burst_seconds = burst_seconds
            self._tokens = min(self._tokens, self._capacity())

    def _capacity(self) -> float:
        # A burst of `burst_seconds` worth of calls, never less than one call.
        return max(1.0, self.per_second * self.burst_seconds)

    def pause_for(self, seconds: float) -> None:
        """Hold every call of this platform in this process for `seconds` (a 429 answer)."""
        if seconds <= 0:
            return
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
        log.debug("%s calls paused for %.2f s", self.platform, seconds)

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when calls may go)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                paused = self._paused_until - now
                if paused > 0:
                    wait = paused
                elif self.per_second <= 0:
                    break
                else:
                    self._tokens = min(self._capacity(), self._tokens + (now - self._stamp) * self.per_second)
                    self._stamp = now
                    if self._tokens >= 1:
                        self._tokens -= 1
                        break
                    wait = (1 - self._tokens) / self.per_second
            if wait > self.max_block_seconds:
                raise TransientPlatformError(
                    self.platform,
                    f"{self.platform} asked for a pause of {wait:.0f} seconds before the next call.",
                    retry_after=wait,
                )
            self._sleep(wait)
        self._spend_daily()

    def _spend_daily(self) -> None:
        allowed = self.budget.spend(self.platform) if self.budget is not None else self._spend_locally()
        if not allowed:
            raise self._quota_error()

    def _spend_locally(self) -> bool:
        """Count one call in this process's daily tally; False when the day's limit is reached."""
        if self.per_day <= 0:
            return True
        today = self._utc_now().astimezone(UTC).date()
        with self._lock:
            if self._day != today:
                self._day, self._spent_today = today, 0
            if self._spent_today >= self.per_day:
                return False
            self._spent_today += 1
            return True

    def _quota_error(self) -> TransientPlatformError:
        wait = seconds_to_utc_midnight(self._utc_now())
        return TransientPlatformError(
            self.platform,
            f"Today's {self.platform} call quota is used up; calls start again at midnight UTC.",
            retry_after=wait,
        )


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(
    platform: str,
    per_second: float,
    per_day: int,
    budget: DailyBudget | None = None,
    *,
    burst_seconds: float = JOBS_BURST_SECONDS,
) -> RateLimiter:
    """The process's one limiter for `platform`, made on first use and kept up to date with the settings."""
    with _limiters_lock:
        limiter = _limiters.get(platform)
        if limiter is None:
            limiter = _limiters[platform] = RateLimiter(
                platform, per_second, per_day, budget, burst_seconds=burst_seconds
            )
        else:
            limiter.configure(per_second, per_day, budget, burst_seconds)
        return limiter
