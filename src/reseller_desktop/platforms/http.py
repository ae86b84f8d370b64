"""Every marketplace call goes through `PlatformHttp`: pacing, the bearer token, retries, error mapping.

Within one call: 429, 5xx (eBay's 500 errorId 25025 "concurrent access" too), timeouts and dropped
connections are retried with exponential backoff and jitter (tenacity), honouring Retry-After up to
`RetryPolicy.max_wait_seconds`; after the last try the caller gets a TransientPlatformError and its job
is rescheduled. A 401 renews the access token once and repeats the call. Any other 4xx is a
`RequestRefused` (a PermanentPlatformError) carrying the platform's own message.

A request that is not idempotent (a POST the platform cannot recognise when sent twice) is not
repeated after a connection dropped once it was sent, nor after a 5xx other than eBay's 25025: the
platform may have acted, so the error goes to the adapter's caller as a TransientPlatformError, and
`publish` is written to be called again and find what the first call made. A 429 is always repeated:
the platform refused before acting.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import ssl
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from reseller_desktop.domain.platforms import label
from reseller_desktop.platforms.base import (
    NotConnectedError,
    PermanentPlatformError,
    TokenStore,
    TransientPlatformError,
)
from reseller_desktop.platforms.oauth import TokenRefresh, TokenSession
from reseller_desktop.platforms.rate_limit import RateLimiter

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Errors raised before a byte of the request reached the platform: always safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
CONCURRENT_ACCESS = 25025  # eBay's 500 "concurrent access": refused before acting, retry
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_seconds: float = 0.5
    max_wait_seconds: float = 30.0


class RequestRefused(PermanentPlatformError):
    """A 4xx answer (not 401/429): what the platform said, for adapters that recover from some of them."""

    def __init__(self, platform: str, status_code: int, platform_message: str, body: Any) -> None:
        super().__init__(
            platform,
            f"{label(platform)} refused the request ({status_code}): {platform_message}",
            "Correct what it names (in the listing or in Settings → Marketplaces) and try again.",
        )
        self.status_code = status_code
        self.platform_message = platform_message
        self.body = body

    def ebay_errors(self) -> list[dict[str, Any]]:
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []

    def ebay_error_ids(self) -> set[int]:
        return ebay_error_ids(self.body)


@dataclass(frozen=True)
class _Call:
    """One request as the caller asked for it, sent again as is on a retry."""

    method: str
    path: str
    params: Mapping[str, Any] | None
    json: Any
    data: Mapping[str, Any] | None
    files: Mapping[str, Any] | None
    headers: Mapping[str, str] | None
    repeatable: bool  # safe to send again even if the platform may have acted on it


class _RetryableFailure(Exception):
    """One failed try that may be repeated; `retry_after` is the platform's Retry-After in seconds."""

    def __init__(
        self, description: str, retry_after: float | None = None, *, may_repeat: bool = True, throttled: bool = False
    ) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after
        self.may_repeat = may_repeat
        self.throttled = throttled  # a 429: the whole platform is paused, not only this call


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(policy: RetryPolicy, attempt: int) -> float:
    """Exponential backoff with jitter after the `attempt`-th try: base·2^(attempt-1) plus up to one base
    at random (so clients that failed together do not retry together), capped at max_wait_seconds."""
    exponential = policy.base_seconds * float(2 ** max(attempt - 1, 0))
    jitter = random.uniform(0, policy.base_seconds)  # noqa: S311 (spreading retries, not security)
    return min(exponential + jitter, policy.max_wait_seconds)


def response_json(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def ebay_error_message(body: Any) -> str:
    """eBay: errors[0].longMessage or message."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("longMessage") or first.get("message") or "").strip()
    return ""


def etsy_error_message(body: Any) -> str:
    """Etsy: {"error": "<text>"}."""
    return str(body.get("error") or "").strip() if isinstance(body, dict) else ""


ERROR_MESSAGES: dict[str, Callable[[Any], str]] = {"ebay": ebay_error_message, "etsy": etsy_error_message}


class PlatformHttp:
    """An httpx client bound to one platform, one account's tokens and the platform's limiter."""

    def __init__(
        self,
        platform: str,
        client: httpx.Client,
        base_url: str,
        *,
        session: TokenSession,
        error_message: Callable[[Any], str],
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        owns_client: bool = True,
    ) -> None:
        self.platform = platform
        self.client = client
        self._owns_client = owns_client  # a client passed in by the caller is the caller's to close
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._error_message = error_message
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self._headers = dict(headers or {})
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        allow: Collection[int] = (),
    ) -> httpx.Response:
        """Send one call, retried as the module docstring says. Statuses in `allow` are returned, not raised."""
        method = method.upper()
        call = _Call(
            method=method,
            path=path,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=headers,
            repeatable=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
        )
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.retry.attempts)),
            wait=self._wait,
            retry=retry_if_exception(_may_repeat),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send(call, allow)
        except _RetryableFailure as failure:
            raise TransientPlatformError(
                self.platform,
                f"{label(self.platform)} did not answer the call: {failure.description}.",
                retry_after=failure.retry_after,
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request` and the answer's JSON (None for an empty body)."""
        return response_json(self.request(method, path, **kwargs))

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _RetryableFailure) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry.max_wait_seconds)
        wait = backoff_seconds(self.retry, state.attempt_number)
        if isinstance(failure, _RetryableFailure) and failure.throttled and self.limiter is not None:
            # A 429 without Retry-After (eBay's quota answer): every job of the platform backs off alike.
            self.limiter.pause_for(wait)
        return wait

    def _send(self, call: _Call, allow: Collection[int]) -> httpx.Response:
        token = self.session.access_token()
        response = self._once(call, token)
        if response.status_code == 401:
            # An access token revoked or expired early: renew it once (NotConnectedError if refused).
            token = self.session.access_token_after_rejection(token)
            response = self._once(call, token)
            if response.status_code == 401:
                raise NotConnectedError(
                    self.platform,
                    f"{label(self.platform)} refused the account's sign-in even after renewing it.",
                )
        return self._judge(response, allow, call.repeatable)

    def _once(self, call: _Call, token: str) -> httpx.Response:
        if self.limiter is not None:
            self.limiter.acquire()
        headers = {**self._headers, **(call.headers or {}), "Authorization": f"Bearer {token}"}
        started = time.monotonic()
        try:
            response = self.client.request(
                call.method,
                self.url(call.path),
                params=call.params,
                json=call.json,
                data=call.data,
                files=call.files,
                headers=headers,
            )
        except _RETRYABLE_TRANSPORT as exc:
            log.debug("%s %s %s failed: %s", self.platform, call.method, call.path, type(exc).__name__)
            sent = not isinstance(exc, _NOT_SENT)
            raise _RetryableFailure(
                f"{call.method} {call.path} failed ({type(exc).__name__})", may_repeat=call.repeatable or not sent
            ) from None
        elapsed_ms = (time.monotonic() - started) * 1000
        log.debug("%s %s %s -> %s in %.0f ms", self.platform, call.method, call.path, response.status_code, elapsed_ms)
        return response

    def _judge(self, response: httpx.Response, allow: Collection[int], repeatable: bool) -> httpx.Response:
        status = response.status_code
        if status in allow or response.is_success:
            return response
        body = response_json(response)
        message = self._error_message(body) or response.reason_phrase or f"HTTP {status}"
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            throttled = status == 429
            if throttled and retry_after is not None and self.limiter is not None:
                self.limiter.pause_for(retry_after)  # every job of this platform waits, not only this one
            # A wait longer than the policy allows is not spent inside the call: the job is rescheduled.
            patient = retry_after is None or retry_after <= self.retry.max_wait_seconds
            # A 5xx may come after the platform acted; a 429 and eBay's 25025 refuse before acting.
            unacted = throttled or repeatable or CONCURRENT_ACCESS in ebay_error_ids(body)
            raise _RetryableFailure(
                f"{status} {message}", retry_after, may_repeat=patient and unacted, throttled=throttled
            )
        raise RequestRefused(self.platform, status, message, body)


def ebay_error_ids(body: Any) -> set[int]:
    """The errorIds of an eBay error body ({"errors": [{"errorId": ...}]}, also one entry of a bulk
    answer); empty for any other body."""
    errors = body.get("errors") if isinstance(body, dict) else None
    ids: set[int] = set()
    for error in errors if isinstance(errors, list) else []:
        try:
            ids.add(int(error.get("errorId")))
        except (AttributeError, TypeError, ValueError):
            continue
    return ids


def _may_repeat(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableFailure) and exc.may_repeat


class SellerHttpOptions(TypedDict, total=False):
    """What a caller of make_ebay / make_etsy may choose: the limiter (the sync jobs share one per
    platform, `limiter_for`), the retry policy, the timeout, an httpx client of its own (then not
    closed by the adapter) and the sleep (tests pass a fake clock's)."""

    limiter: RateLimiter | None
    retry: RetryPolicy | None
    timeout: float
    client: httpx.Client | None
    sleep: Callable[[float], None]


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """httpx's default TLS set-up (certifi's CA bundle, SSL_CERT_FILE honoured), built once per process:
    loading the CA bundle takes a quarter of a second, and the sync jobs make new clients every pass."""
    return httpx.create_ssl_context()


def seller_http(
    platform: str,
    api_base: str,
    tokens: TokenStore,
    refresh_with: Callable[[httpx.Client], TokenRefresh],
    pace: tuple[float, int],
    *,
    headers: Mapping[str, str] | None = None,
    **options: Unpack[SellerHttpOptions],
) -> PlatformHttp:
    """The PlatformHttp of one seller's adapter: `refresh_with(client)` is the platform's token
    refresh sent through the same client; without a limiter it paces itself alone at `pace`
    (requests per second, per day)."""
    client = options.get("client")
    http_client = client or httpx.Client(timeout=options.get("timeout", 20.0), verify=shared_tls_context())
    return PlatformHttp(
        platform,
        http_client,
        api_base,
        session=TokenSession(platform, tokens, refresh_with(http_client)),
        error_message=ERROR_MESSAGES[platform],
        limiter=options.get("limiter") or RateLimiter(platform, *pace),
        retry=options.get("retry"),
        headers=headers,
        sleep=options.get("sleep", time.sleep),
        owns_client=client is None,
    )
