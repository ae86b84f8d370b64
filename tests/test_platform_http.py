"""The marketplace HTTP layer on its own: retries, Retry-After, 401 renewal, error texts, the rate
limiter and the OAuth helpers, against a tiny scripted HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs

import httpx
import pytest
from tests.fakes.platform_http_doubles import FAST, FakeClock, MemoryTokens, make_http, renewer, tokens
from tests.fakes.scripted_server import Answer, ScriptedServer, json_answer

from reseller_desktop.platforms.base import (
    NotConnectedError,
    OAuthTokens,
    PermanentPlatformError,
    TransientPlatformError,
)
from reseller_desktop.platforms.http import (
    PlatformHttp,
    RequestRefused,
    ebay_error_message,
    parse_retry_after,
)
from reseller_desktop.platforms.oauth import EbayOAuth, EtsyOAuth, TokenSession, new_pkce_pair
from reseller_desktop.platforms.rate_limit import RateLimiter, limiter_for
from reseller_desktop.settings import EbaySettings, EtsySettings


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.stop()
    assert not scripted.errors, scripted.errors


# ----- retries ------------------------------------------------------------------------------------
def test_server_errors_are_retried_with_growing_waits_then_answered(server: ScriptedServer) -> None:
    server.then(Answer(503), Answer(502))
    clock = FakeClock()
    http = make_http(server, clock=clock)
    assert http.json("GET", "/thing") == {}
    assert len(server.seen) == 3
    assert len(clock.sleeps) == 2
    assert all(0 < wait <= FAST.max_wait_seconds for wait in clock.sleeps)


def test_retry_after_in_seconds_and_as_a_date_is_waited_before_the_next_try(server: ScriptedServer) -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=4), usegmt=True)
    server.then(json_answer(429, "{}", **{"Retry-After": "3"}), json_answer(503, "{}", **{"Retry-After": in_a_minute}))
    clock = FakeClock()
    http = make_http(server, clock=clock)
    http.request("GET", "/thing")
    assert len(server.seen) == 3
    assert clock.sleeps[0] == 3.0
    assert 2.0 < clock.sleeps[1] <= 4.0


def test_a_429_pauses_the_platform_limiter(server: ScriptedServer) -> None:
    server.then(json_answer(429, "{}", **{"Retry-After": "2"}))
    clock = FakeClock()
    http = make_http(server, clock=clock)
    assert http.limiter is not None
    http.request("GET", "/thing")
    # The limiter was paused for the 2 s as well: another job of the platform would have waited.
    assert clock.now >= 1002.0


def test_retry_after_longer_than_the_policy_allows_is_left_to_the_job(server: ScriptedServer) -> None:
    server.then(json_answer(429, '{"error": "Exceeded per second rate limit"}', **{"Retry-After": "600"}))
    http = make_http(server, platform="etsy")
    with pytest.raises(TransientPlatformError) as caught:
        http.request("GET", "/thing")
    assert caught.value.retry_after == 600.0
    assert len(server.seen) == 1
    assert http.limiter is not None and http.limiter.paused_for() > 500


def test_after_the_last_try_the_error_is_transient(server: ScriptedServer) -> None:
    server.then(*[json_answer(500, '{"errors": [{"errorId": 25025, "message": "Concurrent access"}]}')] * 3)
    http = make_http(server)
    with pytest.raises(TransientPlatformError) as caught:
        http.request("PUT", "/thing", json={})
    assert len(server.seen) == 3
    assert "Concurrent access" in caught.value.message


def test_a_dropped_connection_is_retried_for_a_repeatable_call(server: ScriptedServer) -> None:
    server.then(Answer(drop=True))
    http = make_http(server)
    assert http.request("PUT", "/thing", json={"a": 1}).status_code == 200
    assert len(server.seen) == 2


def test_a_post_the_platform_may_have_acted_on_is_not_sent_twice(server: ScriptedServer) -> None:
    server.then(Answer(drop=True))
    http = make_http(server)
    with pytest.raises(TransientPlatformError):
        http.request("POST", "/listings", data={"title": "x"})
    assert len(server.seen) == 1  # the adapter reconciles on its next publish instead


def test_a_post_answered_5xx_is_left_to_the_job_unless_the_platform_refused_before_acting(
    server: ScriptedServer,
) -> None:
    server.then(json_answer(500, '{"error": "Internal server error"}'))
    http = make_http(server, platform="etsy")
    with pytest.raises(TransientPlatformError):
        http.request("POST", "/listings", data={"title": "x"})
    assert len(server.seen) == 1
    concurrent = '{"errors": [{"errorId": 25025, "message": "Concurrent access of SKU."}]}'
    server.then(json_answer(500, concurrent), json_answer(429, "{}"))
    make_http(server).request("POST", "/offer/1/publish")
    assert len(server.seen) == 4  # 25025 and 429 come before the platform acts: repeated at once


def test_a_timeout_is_retried_then_reported_as_transient() -> None:
    # A socket that accepts and never answers: every try times out.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    host, port = silent.getsockname()
    clock = FakeClock()
    http = PlatformHttp(
        "ebay",
        httpx.Client(timeout=0.1),
        f"http://{host}:{port}",
        session=TokenSession("ebay", MemoryTokens(tokens()), renewer()),
        error_message=ebay_error_message,
        retry=FAST,
        sleep=clock.sleep,
    )
    try:
        with pytest.raises(TransientPlatformError) as caught:
            http.request("GET", "/thing")
        assert "ReadTimeout" in caught.value.message
        assert len(clock.sleeps) == FAST.attempts - 1
    finally:
        http.close()
        silent.close()


# ----- errors and tokens --------------------------------------------------------------------------
def test_a_refused_request_carries_the_platforms_own_words(server: ScriptedServer) -> None:
    ebay_body = '{"errors": [{"errorId": 25002, "message": "short", "longMessage": "The price is too low."}]}'
    server.then(json_answer(400, ebay_body), json_answer(400, '{"error": "Invalid taxonomy_id"}'))
    with pytest.raises(RequestRefused) as ebay:
        make_http(server).request("POST", "/offer", json={})
    assert "The price is too low." in str(ebay.value)
    assert ebay.value.ebay_error_ids() == {25002}
    assert isinstance(ebay.value, PermanentPlatformError)
    with pytest.raises(RequestRefused) as etsy:
        make_http(server, platform="etsy").request("PATCH", "/listing", data={})
    assert "Invalid taxonomy_id" in str(etsy.value)


def test_a_401_renews_the_token_once_and_repeats_the_call(server: ScriptedServer) -> None:
    server.then(json_answer(401, '{"error": "invalid_token"}'))
    store = MemoryTokens(tokens("access-1"))
    refresh = renewer("access-2")
    http = make_http(server, store=store, refresh=refresh)
    http.request("GET", "/thing")
    assert [s.headers["authorization"] for s in server.seen] == ["Bearer access-1", "Bearer access-2"]
    assert refresh.calls == 1
    assert store.tokens is not None and store.tokens.access_token == "access-2"


def test_a_token_expiring_within_a_minute_is_renewed_before_the_call_and_saved(server: ScriptedServer) -> None:
    store = MemoryTokens(tokens("access-1", expires_in=30, refresh="refresh-1"))
    http = make_http(server, store=store, refresh=renewer("access-2"))
    http.request("GET", "/thing")
    assert server.seen[0].headers["authorization"] == "Bearer access-2"
    assert store.saved and store.saved[-1].refresh_token == "rotated-1"


def test_a_refused_renewal_is_not_connected(server: ScriptedServer) -> None:
    server.then(json_answer(401, "{}"))

    def refused(old: OAuthTokens) -> OAuthTokens:
        raise NotConnectedError("ebay", "eBay refused the sign-in (invalid_grant).")

    http = make_http(server, refresh=refused)
    with pytest.raises(NotConnectedError):
        http.request("GET", "/thing")


def test_no_tokens_at_all_is_not_connected_before_any_request(server: ScriptedServer) -> None:
    http = make_http(server, store=MemoryTokens(None))
    with pytest.raises(NotConnectedError) as caught:
        http.request("GET", "/thing")
    assert "Settings" in str(caught.value)
    assert server.seen == []


def test_a_renewal_lost_to_another_adapter_uses_the_tokens_it_saved() -> None:
    store = MemoryTokens(tokens("access-1", expires_in=-5, refresh="refresh-1"))

    def raced(old: OAuthTokens) -> OAuthTokens:
        # Another adapter of the same seller renewed a moment earlier: Etsy rotated refresh-1 away.
        store.tokens = tokens("access-other", refresh="refresh-other")
        raise NotConnectedError("etsy", "Etsy refused the sign-in (invalid_grant).")

    session = TokenSession("etsy", store, raced)
    assert session.access_token() == "access-other"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("5", 5.0), ("0.5", 0.5), ("", None), ("soon", None), ("-3", 0.0)],
)
def test_retry_after_values(header: str, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_as_a_past_date_means_now() -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past) == 0.0


# ----- the rate limiter ---------------------------------------------------------------------------
def test_the_token_bucket_spaces_calls_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter("etsy", 2.0, 0, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        limiter.acquire()
    # Two calls go at once (a second's burst), the next two wait half a second each.
    assert clock.sleeps == [pytest.approx(0.5), pytest.approx(0.5)]


def test_a_pause_holds_calls_and_a_long_one_sends_the_job_away() -> None:
    clock = FakeClock()
    limiter = RateLimiter("ebay", 100.0, 0, clock=clock, sleep=clock.sleep, max_block_seconds=30)
    limiter.pause_for(4)
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(4)]
    limiter.pause_for(300)
    with pytest.raises(TransientPlatformError) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(300)


def test_the_daily_quota_counts_calls_until_midnight_utc() -> None:
    clock = FakeClock()
    evening = datetime(2025, 3, 1, 23, 0, tzinfo=UTC)
    now = [evening]
    limiter = RateLimiter("etsy", 100.0, 2, clock=clock, sleep=clock.sleep, utc_now=lambda: now[0])
    limiter.acquire()
    limiter.acquire()
    with pytest.raises(TransientPlatformError) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(3600)
    now[0] = evening + timedelta(hours=1, seconds=1)  # a new UTC day
    limiter.acquire()


def test_a_shared_daily_budget_decides_when_given() -> None:
    class Budget:
        def __init__(self) -> None:
            self.left = 1
            self.asked: list[str] = []

        def spend(self, platform: str) -> bool:
            self.asked.append(platform)
            self.left -= 1
            return self.left >= 0

    budget = Budget()
    clock = FakeClock()
    limiter = RateLimiter("ebay", 100.0, 1_000_000, budget, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    with pytest.raises(TransientPlatformError) as caught:
        limiter.acquire()
    assert budget.asked == ["ebay", "ebay"]
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 86400


def test_one_limiter_per_platform_per_process_follows_the_settings() -> None:
    first = limiter_for("test-platform", 5.0, 100)
    second = limiter_for("test-platform", 2.0, 50)
    assert first is second
    assert (second.per_second, second.per_day) == (2.0, 50)
    assert limiter_for("other-test-platform", 5.0, 100) is not first


# ----- OAuth helpers ------------------------------------------------------------------------------
def test_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    verifier, challenge = new_pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert new_pkce_pair()[0] != verifier


def test_ebay_code_is_taken_from_the_pasted_address_or_the_bare_code() -> None:
    oauth = EbayOAuth(EbaySettings(client_id="app", ru_name="ru"), "secret")
    try:
        address = "https://auth.ebay.com/oauth2/ThirdPartyAuthSucessFailure?isAuthSuccessful=true&state=s&code=v%5E1.1%23i%5E1&expires_in=299"
        assert oauth.code_from(address) == "v^1.1#i^1"
        assert oauth.code_from("  v%5E1.1%23i%5E1 ") == "v^1.1#i^1"
        assert oauth.code_from("v^1.1#i^1") == "v^1.1#i^1"
        with pytest.raises(PermanentPlatformError):
            oauth.code_from("https://auth.ebay.com/oauth2/ThirdPartyAuthSucessFailure?isAuthSuccessful=true")
        with pytest.raises(NotConnectedError):
            oauth.code_from("https://auth.ebay.com/accept?error=access_denied&state=s")
    finally:
        oauth.close()


def test_authorize_addresses_carry_what_the_platforms_need() -> None:
    ebay = EbayOAuth(EbaySettings(client_id="app-id", ru_name="My_RuName"), "secret")
    etsy = EtsyOAuth(EtsySettings(keystring="key123", redirect_port=8799), "shh")
    try:
        ebay_query = parse_qs(ebay.authorize_url("st4te").split("?", 1)[1])
        assert ebay_query["client_id"] == ["app-id"]
        assert ebay_query["redirect_uri"] == ["My_RuName"]
        assert ebay_query["response_type"] == ["code"]
        assert ebay_query["state"] == ["st4te"]
        assert ebay_query["scope"][0].split(" ") == list(EbayOAuth.SCOPES)
        etsy_query = parse_qs(etsy.authorize_url("st4te", "chal").split("?", 1)[1])
        assert etsy_query["redirect_uri"] == ["http://localhost:8799/callback"]
        assert etsy_query["code_challenge"] == ["chal"]
        assert etsy_query["code_challenge_method"] == ["S256"]
        assert etsy_query["client_id"] == ["key123"]
        assert etsy_query["scope"][0].split(" ") == list(EtsyOAuth.SCOPES)
    finally:
        ebay.close()
        etsy.close()


def test_an_empty_app_setting_is_named_before_any_request() -> None:
    with pytest.raises(PermanentPlatformError) as caught:
        EbayOAuth(EbaySettings(client_id="", ru_name="ru"), "secret").authorize_url("s")
    assert "client_id" in str(caught.value)


def test_a_refused_token_grant_is_not_connected_and_names_no_secret(server: ScriptedServer) -> None:
    server.then(json_answer(400, '{"error": "invalid_grant", "error_description": "bad token refresh-XYZ"}'))
    oauth = EtsyOAuth(EtsySettings(keystring="key", token_url=f"{server.base_url}/token"), "shared-SECRET")
    try:
        with pytest.raises(NotConnectedError) as caught:
            oauth.refresh(tokens(refresh="refresh-XYZ"))
    finally:
        oauth.close()
    text = f"{caught.value.message} {caught.value.hint}"
    assert "invalid_grant" in text
    assert "refresh-XYZ" not in text
    assert "shared-SECRET" not in text
    assert server.seen[0].headers["x-api-key"] == "key:shared-SECRET"


def test_a_token_endpoint_down_is_transient(server: ScriptedServer) -> None:
    server.then(json_answer(503, "{}"))
    oauth = EbayOAuth(EbaySettings(api_base=server.base_url, client_id="app", ru_name="ru"), "secret")
    try:
        with pytest.raises(TransientPlatformError):
            oauth.refresh(tokens())
    finally:
        oauth.close()
