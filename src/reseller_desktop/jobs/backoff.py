"""How long a failed step waits before its next try: exponential, with jitter (half to all of the
step), never sooner than the platform's Retry-After. Jitter keeps many rows (and several
clients) from retrying in step."""

from __future__ import annotations

import random
from datetime import timedelta


def retry_delay(
    attempt: int,
    *,
    base_seconds: float,
    max_seconds: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> timedelta:
    """The wait before try number `attempt + 1` (attempt counts from 1)."""
    ceiling = min(max_seconds, base_seconds * (2 ** max(attempt - 1, 0)))
    jittered = (rng or random).uniform(ceiling / 2, ceiling)
    return timedelta(seconds=max(jittered, retry_after or 0.0))
