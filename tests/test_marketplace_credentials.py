"""Marketplace credentials: tokens and app secrets in a real Secret Service keyring, the loopback
receiver for Etsy's redirect, and connecting / disconnecting against the fake eBay and Etsy servers."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from tests.fakes import FakeEbay, FakeEtsy

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.keyring_store import KeyringUnavailableError, set_secret
from reseller_desktop.platforms.base import OAuthTokens
from reseller_desktop.platforms.credentials import (
    KeyringTokenStore,
    app_secret,
    clear_app_secret,
    set_app_secret,
    token_service,
)
from reseller_desktop.platforms.etsy import make_etsy
from reseller_desktop.platforms.loopback import (
    AuthorizationDeniedError,
    LoopbackReceiver,
    RedirectCancelledError,
    RedirectPortInUseError,
    RedirectTimeoutError,
    StateMismatchError,
)
from reseller_desktop.services.marketplace_accounts import (
    AppKeysMissingError,
    ConnectRefusedError,
    PlatformUnreachableError,
    accounts_status,
    begin_connect,
    disconnect,
    finish_connect,
    wait_for_redirect,
)
from reseller_desktop.settings import EbaySettings, EtsySettings, Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tokens(tag: str) -> OAuthTokens:
    now = datetime(2026, 5, 1, 12, 0, 0)
    return OAuthTokens(
        access_token=f"access-{tag}-{uuid4().hex}",
        access_expires_at=now + timedelta(hours=2),
        refresh_token=f"refresh-{tag}-{uuid4().hex}",
        refresh_expires_at=now + timedelta(days=540),
        scope="listings_r listings_w",
    )


# ----- tokens and app secrets in the keyring ----------------------------------------------------------
def test_tokens_round_trip_through_the_keyring_per_user_and_platform(
    secret_service: None, alice: UserRecord, bob: UserRecord
) -> None:
    alice_ebay, bob_ebay, alice_etsy = tokens("a-ebay"), tokens("b-ebay"), tokens("a-etsy")
    KeyringTokenStore(alice.id, "ebay").save(alice_ebay)
    KeyringTokenStore(bob.id, "ebay").save(bob_ebay)
    KeyringTokenStore(alice.id, "etsy").save(alice_etsy)

    assert KeyringTokenStore(alice.id, "ebay").load() == alice_ebay
    assert KeyringTokenStore(bob.id, "ebay").load() == bob_ebay
    assert KeyringTokenStore(alice.id, "etsy").load() == alice_etsy
    assert KeyringTokenStore(bob.id, "etsy").load() is None

    KeyringTokenStore(alice.id, "ebay").clear()
    assert KeyringTokenStore(alice.id, "ebay").load() is None
    assert KeyringTokenStore(bob.id, "ebay").load() == bob_ebay, "clearing alice's must leave bob's"
    KeyringTokenStore(alice.id, "ebay").clear()  # clearing twice is not an error


def test_tokens_without_refresh_token_or_expiry_round_trip(secret_service: None) -> None:
    store = KeyringTokenStore(uuid4(), "etsy")
    bare = OAuthTokens("only-access", datetime(2026, 1, 1), None)
    store.save(bare)
    assert store.load() == bare


def test_a_damaged_entry_is_not_connected_and_its_content_is_not_logged(
    secret_service: None, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = uuid4()
    for damaged in ('{"access_token": "leaky-value-1"', '{"access_token": "leaky-value-2"}', '["leaky-value-3"]'):
        set_secret(token_service("ebay"), str(user_id), damaged)
        with caplog.at_level(logging.DEBUG):
            assert KeyringTokenStore(user_id, "ebay").load() is None
    assert "damaged" in caplog.text
    assert "leaky-value" not in caplog.text


def test_app_secrets_are_kept_per_platform(secret_service: None) -> None:
    set_app_secret("ebay", "ebay-client-secret")
    set_app_secret("etsy", "  etsy-shared-secret \n")
    assert app_secret("ebay") == "ebay-client-secret"
    assert app_secret("etsy") == "etsy-shared-secret"
    clear_app_secret("ebay")
    assert app_secret("ebay") is None
    assert app_secret("etsy") == "etsy-shared-secret"
    set_app_secret("etsy", "")  # saving an empty field removes the secret
    assert app_secret("etsy") is None


def test_without_a_keyring_every_operation_says_what_to_do(no_keyring: None) -> None:
    store = KeyringTokenStore(uuid4(), "ebay")
    for operation in (store.load, lambda: store.save(tokens("x")), store.clear, lambda: app_secret("etsy")):
        with pytest.raises(KeyringUnavailableError) as raised:
            operation()
        assert "keyring" in str(raised.value).lower()
        assert "unlock" in raised.value.hint.lower() or "install" in raised.value.hint.lower()


# ----- the loopback receiver ---------------------------------------------------------------------------
def test_the_receiver_returns_the_code_and_tells_the_browser_to_return() -> None:
    receiver = LoopbackReceiver(free_port(), "state-123", platform_label="Etsy")
    answer = httpx.get(f"{receiver.redirect_uri}?code=the-code&state=state-123")
    assert answer.status_code == 200
    assert "You can close this tab and return to Reseller Desktop" in answer.text
    redirect = receiver.wait(timeout=10)
    assert (redirect.code, redirect.state) == ("the-code", "state-123")


def test_the_receiver_answers_on_ipv4_and_ipv6_loopback_and_frees_the_port() -> None:
    port = free_port()
    receiver = LoopbackReceiver(port, "s")
    assert httpx.get(f"http://127.0.0.1:{port}/favicon.ico").status_code == 404  # not the callback: ignored
    assert httpx.get(f"http://127.0.0.1:{port}/callback").status_code == 400  # no code: keeps waiting
    if socket.has_ipv6:
        try:
            v6 = httpx.get(f"http://[::1]:{port}/callback?code=c6&state=s")
        except httpx.ConnectError:
            v6 = None  # this machine has no IPv6 loopback
        if v6 is not None:
            assert v6.status_code == 200
            assert receiver.wait(timeout=10).code == "c6"
    receiver.close()
    again = LoopbackReceiver(port, "s2")  # the port is free for the next attempt
    httpx.get(f"http://127.0.0.1:{port}/callback?code=c4&state=s2")
    assert again.wait(timeout=10).code == "c4"


def test_a_state_mismatch_is_refused() -> None:
    receiver = LoopbackReceiver(free_port(), "expected-state", platform_label="Etsy")
    answer = httpx.get(f"{receiver.redirect_uri}?code=attacker-code&state=other-state")
    assert answer.status_code == 400
    assert "refused" in answer.text
    with pytest.raises(StateMismatchError) as raised:
        receiver.wait(timeout=10)
    assert "did not match" in raised.value.message
    assert "attacker-code" not in str(raised.value)


def test_the_platforms_error_comes_back_as_a_clear_message() -> None:
    receiver = LoopbackReceiver(free_port(), "s", platform_label="Etsy")
    answer = httpx.get(f"{receiver.redirect_uri}?error=access_denied&error_description=The+user+denied+access&state=s")
    assert answer.status_code == 400
    assert "The user denied access" in answer.text
    with pytest.raises(AuthorizationDeniedError) as raised:
        receiver.wait(timeout=10)
    assert raised.value.message == "Etsy did not grant access (access_denied: The user denied access)."


def test_a_port_in_use_names_the_setting() -> None:
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        port = other_program.getsockname()[1]
        with pytest.raises(RedirectPortInUseError) as raised:
            LoopbackReceiver(port, "s", port_setting="Settings → Marketplaces → Etsy → Redirect port")
    assert f"Port {port}" in raised.value.message
    assert "Redirect port" in raised.value.hint


def test_cancel_and_timeout_end_the_wait() -> None:
    receiver = LoopbackReceiver(free_port(), "s")
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            receiver.wait(timeout=120)
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    receiver.cancel()
    waiter.join()
    assert isinstance(outcome[0], RedirectCancelledError)

    with pytest.raises(RedirectTimeoutError):
        LoopbackReceiver(free_port(), "s").wait(timeout=0.01)


# ----- connecting and disconnecting against the fakes ---------------------------------------------------
def ebay_settings(fake: FakeEbay) -> Settings:
    settings = Settings()
    settings.ebay = EbaySettings(
        api_base=fake.base_url, authorize_url=fake.authorize_url, client_id=fake.client_id, ru_name=fake.ru_name
    )
    return settings


def etsy_settings(fake: FakeEtsy) -> Settings:
    settings = Settings()
    settings.etsy = EtsySettings(
        api_base=fake.base_url,
        authorize_url=fake.authorize_url,
        token_url=fake.token_url,
        keystring=fake.keystring,
        redirect_port=free_port(),
    )
    return settings


def act_as_browser(url: str) -> httpx.Response:
    """What the seller's browser does: open the sign-in page (approved at once) and follow it back."""
    with httpx.Client(follow_redirects=True) as browser:
        return browser.get(url)


def text_in_database(database: Database) -> str:
    """Every text, JSON and character value of every table, as one string to search."""
    with database.connect() as conn:
        columns = conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'character', 'bytea')"
            )
        ).all()
        values = []
        for table, column in columns:
            rows = conn.execute(text(f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL'))
            values.extend(str(value) for (value,) in rows)
    return "\n".join(values)


def assert_nothing_stored(database: Database, user: UserRecord, platform: str) -> None:
    assert KeyringTokenStore(user.id, platform).load() is None
    with database.unit_of_work(user.id) as uow:
        assert uow.credentials.all() == []


def test_etsy_connects_end_to_end_through_the_browser_and_the_loopback(
    secret_service: None,
    database: Database,
    alice: UserRecord,
    bob: UserRecord,
    fake_etsy: FakeEtsy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = etsy_settings(fake_etsy)
    set_app_secret("etsy", fake_etsy.shared_secret)
    assert [s.connected for s in accounts_status(database, alice.id, settings)] == [False, False]

    attempt = begin_connect("etsy", settings)
    landing = act_as_browser(attempt.authorize_url)
    assert landing.status_code == 200
    assert "You can close this tab and return to Reseller Desktop" in landing.text
    with caplog.at_level(logging.DEBUG):
        code = wait_for_redirect(attempt, settings, timeout=10)
        status = finish_connect(database, alice.id, settings, attempt, code)

    assert status.connected and status.username == fake_etsy.shop_name
    assert status.shop_id == str(fake_etsy.shop_id)  # the seller's own shop, found through getMe
    etsy_status = {s.platform: s for s in accounts_status(database, alice.id, settings)}["etsy"]
    assert (etsy_status.connected, etsy_status.username, etsy_status.app_keys_set) == (
        True,
        fake_etsy.shop_name,
        True,
    )
    assert etsy_status.access_expires_at is not None and etsy_status.refresh_expires_at is not None
    assert not {s.platform: s for s in accounts_status(database, bob.id, settings)}["etsy"].connected

    saved = KeyringTokenStore(alice.id, "etsy").load()
    assert saved is not None and saved.refresh_token
    # The token works: the adapter made from the keyring's tokens reads the shop.
    adapter = make_etsy(settings.etsy, fake_etsy.shared_secret, KeyringTokenStore(alice.id, "etsy"))
    try:
        assert adapter.account_name() == fake_etsy.shop_name
    finally:
        adapter.close()

    rows = pg_rows(database, "SELECT platform, username, password FROM marketplace_credentials")
    assert rows == [("etsy", fake_etsy.shop_name, None)]
    secrets_used = [saved.access_token, saved.refresh_token, fake_etsy.shared_secret, code, attempt.code_verifier]
    stored_text, logged = text_in_database(database), caplog.text
    for value in secrets_used:
        assert value and value not in stored_text
        assert value not in logged
    assert "connected etsy account" in logged


def pg_rows(database: Database, sql: str) -> list[tuple[object, ...]]:
    with database.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_ebay_connects_by_pasting_the_accept_page_address(
    secret_service: None, database: Database, alice: UserRecord, fake_ebay: FakeEbay, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ebay_settings(fake_ebay)
    set_app_secret("ebay", fake_ebay.client_secret)
    attempt = begin_connect("ebay", settings)
    assert attempt.receiver is None  # eBay shows the code on its own page
    accept_page = act_as_browser(attempt.authorize_url)
    assert accept_page.url.path.endswith("ThirdPartyAuthSucessFailure")
    with caplog.at_level(logging.DEBUG):
        status = finish_connect(database, alice.id, settings, attempt, f"  {accept_page.url}\n")
    assert status.connected and status.username == fake_ebay.username
    assert pg_rows(database, "SELECT platform, username, password FROM marketplace_credentials") == [
        ("ebay", fake_ebay.username, None)
    ]
    saved = KeyringTokenStore(alice.id, "ebay").load()
    assert saved is not None and saved.refresh_token is not None
    code = accept_page.url.params["code"]
    stored_text = text_in_database(database)
    for value in (saved.access_token, saved.refresh_token, fake_ebay.client_secret, code):
        assert value not in stored_text
        assert value not in caplog.text

    # Pasting the same address again: the code worked once, so eBay refuses it; the message says what
    # to do, carries no code or secret, and the connection made before stays as it was.
    with pytest.raises(ConnectRefusedError) as raised:
        finish_connect(database, alice.id, settings, attempt, str(accept_page.url))
    message = str(raised.value)
    assert "invalid_grant" in message and "click Connect" in message
    for value in (code, fake_ebay.client_secret, saved.access_token):
        assert value not in message
    assert KeyringTokenStore(alice.id, "ebay").load() == saved


def test_a_refused_code_stores_nothing(
    secret_service: None, database: Database, alice: UserRecord, fake_ebay: FakeEbay
) -> None:
    settings = ebay_settings(fake_ebay)
    set_app_secret("ebay", fake_ebay.client_secret)
    attempt = begin_connect("ebay", settings)
    with pytest.raises(ConnectRefusedError) as raised:
        finish_connect(database, alice.id, settings, attempt, "v^1.1#i^1#made-up-code")
    assert "eBay refused the sign-in" in raised.value.message
    assert "made-up-code" not in str(raised.value)
    assert_nothing_stored(database, alice, "ebay")

    with pytest.raises(ConnectRefusedError) as declined:
        finish_connect(database, alice.id, settings, attempt, f"{fake_ebay.accept_url}?isAuthSuccessful=false&error=x")
    assert "did not grant access" in declined.value.message
    assert_nothing_stored(database, alice, "ebay")


def test_wrong_app_secret_and_platform_down_are_explained(
    secret_service: None, database: Database, alice: UserRecord, fake_ebay: FakeEbay
) -> None:
    settings = ebay_settings(fake_ebay)
    set_app_secret("ebay", "a-wrong-client-secret")
    attempt = begin_connect("ebay", settings)
    with pytest.raises(ConnectRefusedError) as refused:
        finish_connect(database, alice.id, settings, attempt, str(act_as_browser(attempt.authorize_url).url))
    assert "app keys" in str(refused.value) and "a-wrong-client-secret" not in str(refused.value)

    set_app_secret("ebay", fake_ebay.client_secret)
    fake_ebay.inject("POST", "/identity/v1/oauth2/token", status=503)
    attempt = begin_connect("ebay", settings)
    with pytest.raises(PlatformUnreachableError) as down:
        finish_connect(database, alice.id, settings, attempt, str(act_as_browser(attempt.authorize_url).url))
    assert "503" in down.value.message and "click Connect again" in down.value.hint
    assert_nothing_stored(database, alice, "ebay")


def test_a_state_mismatch_stores_nothing(
    secret_service: None, database: Database, alice: UserRecord, fake_etsy: FakeEtsy
) -> None:
    settings = etsy_settings(fake_etsy)
    set_app_secret("etsy", fake_etsy.shared_secret)
    attempt = begin_connect("etsy", settings)
    # A page (an old tab, another site) sends the browser back with a code of another sign-in.
    assert attempt.receiver is not None
    httpx.get(f"{attempt.receiver.redirect_uri}?code=someone-elses-code&state=not-this-one")
    with pytest.raises(StateMismatchError) as raised:
        wait_for_redirect(attempt, settings, timeout=10)
    assert "Connect again" in str(raised.value)
    assert_nothing_stored(database, alice, "etsy")

    # The same check when the seller pastes the redirect address by hand.
    attempt = begin_connect("etsy", settings)
    attempt.cancel()
    with pytest.raises(StateMismatchError):
        finish_connect(
            database, alice.id, settings, attempt, f"http://localhost:1/callback?code=abc&state={attempt.state}x"
        )
    assert_nothing_stored(database, alice, "etsy")


def test_missing_app_keys_say_which(secret_service: None) -> None:
    settings = Settings()
    clear_app_secret("etsy")
    with pytest.raises(AppKeysMissingError) as raised:
        begin_connect("etsy", settings)
    assert raised.value.message == "Etsy cannot be connected yet: the keystring, the shared secret are not set."
    assert "Settings → Marketplaces → Etsy" in raised.value.hint


def test_the_redirect_port_in_use_is_a_clear_error(secret_service: None, fake_etsy: FakeEtsy) -> None:
    settings = etsy_settings(fake_etsy)
    set_app_secret("etsy", fake_etsy.shared_secret)
    first = begin_connect("etsy", settings)
    try:
        with pytest.raises(RedirectPortInUseError) as raised:
            begin_connect("etsy", settings)
        assert "Settings → Marketplaces → Etsy → Redirect port" in raised.value.hint
    finally:
        first.cancel()


def test_without_a_keyring_connecting_says_what_to_do_and_nothing_crashes(
    no_keyring: None, database: Database, alice: UserRecord, fake_ebay: FakeEbay
) -> None:
    settings = ebay_settings(fake_ebay)
    statuses = accounts_status(database, alice.id, settings)
    assert all(not s.connected and s.problem and "keyring" in s.problem for s in statuses)
    for operation in (lambda: begin_connect("ebay", settings), lambda: disconnect(database, alice.id, "ebay")):
        with pytest.raises(KeyringUnavailableError) as raised:
            operation()
        assert "Unlock your keyring" in str(raised.value)


def test_disconnect_removes_the_tokens_and_the_account_name(
    secret_service: None, database: Database, alice: UserRecord, bob: UserRecord, fake_ebay: FakeEbay
) -> None:
    settings = ebay_settings(fake_ebay)
    set_app_secret("ebay", fake_ebay.client_secret)
    for user in (alice, bob):
        attempt = begin_connect("ebay", settings)
        finish_connect(database, user.id, settings, attempt, str(act_as_browser(attempt.authorize_url).url))

    disconnect(database, alice.id, "ebay")
    assert_nothing_stored(database, alice, "ebay")
    ebay_status = {s.platform: s for s in accounts_status(database, alice.id, settings)}["ebay"]
    assert (ebay_status.connected, ebay_status.username) == (False, None)
    assert app_secret("ebay") == fake_ebay.client_secret, "the app's keys stay for the next connect"
    assert {s.platform: s for s in accounts_status(database, bob.id, settings)}["ebay"].connected
    disconnect(database, alice.id, "ebay")  # twice: nothing left to remove, no error
