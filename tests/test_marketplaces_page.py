"""Settings › Marketplaces driven as a seller would: real widgets, a real keyring, the fake eBay and
Etsy servers, and a stand-in browser (the page's opener) that follows the sign-in like a real one."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import shiboken6
from pytestqt.qtbot import QtBot
from tests.fakes import FakeEbay, FakeEtsy

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.platforms.credentials import KeyringTokenStore, app_secret, clear_app_secret
from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui.marketplace_group import MarketplaceGroup
from reseller_desktop.ui.marketplaces_page import MarketplacesPage
from reseller_desktop.ui.tasks import TaskRunner

WAIT_MS = 15_000


class Browser:
    """The seller's browser: opens the sign-in page (the fakes approve at once) and follows it back."""

    def __init__(self) -> None:
        self.landed: list[httpx.Response] = []

    def __call__(self, url: str) -> bool:
        with httpx.Client(follow_redirects=True) as client:
            self.landed.append(client.get(url))
        return True


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data", tmp_path / "config")


@pytest.fixture
def runner(database: Database) -> Iterator[TaskRunner]:
    """Depends on `database` so that its tasks end before the database's pool is disposed (a task
    still holding a connection then would leave it open)."""
    runner = TaskRunner()
    yield runner
    runner.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_page(
    qtbot: QtBot,
    runner: TaskRunner,
    database: Database,
    user: UserRecord,
    settings: Settings,
    paths: AppPaths,
    browser: Browser,
    answers: list[bool] | None = None,
) -> MarketplacesPage:
    def confirm(parent: object, title: str, question: str) -> bool:
        return answers.pop(0) if answers else True

    page = MarketplacesPage(runner, database, user, settings, paths, opener=browser, confirm=confirm)
    qtbot.addWidget(page)
    page.show()
    return page


def status_of(group: MarketplaceGroup) -> str:
    return group.status.text()


def saved_settings(paths: AppPaths) -> str:
    return paths.settings_file.read_text(encoding="utf-8") if paths.settings_file.exists() else ""


def test_etsy_connects_from_the_page_and_the_secret_stays_out_of_settings_json(
    qtbot: QtBot,
    secret_service: None,
    runner: TaskRunner,
    database: Database,
    alice: UserRecord,
    paths: AppPaths,
    fake_etsy: FakeEtsy,
) -> None:
    clear_app_secret("etsy")
    settings = Settings()
    browser = Browser()
    page = make_page(qtbot, runner, database, alice, settings, paths, browser)
    etsy = page.groups["etsy"]
    qtbot.waitUntil(lambda: status_of(etsy).startswith("Not connected. Enter your app keys"), timeout=WAIT_MS)
    assert not etsy.disconnect_button.isEnabled()

    # The seller types the test shop's addresses and keys, then connects (which saves them first).
    for name, value in (
        ("api_base", fake_etsy.base_url),
        ("authorize_url", fake_etsy.authorize_url),
        ("token_url", fake_etsy.token_url),
        ("keystring", fake_etsy.keystring),
    ):
        etsy.edits[name].setText(value)  # type: ignore[union-attr]
    port = free_port()
    etsy.edits["redirect_port"].setValue(port)  # type: ignore[union-attr]
    assert f"http://localhost:{port}/callback" in etsy.how_to.text()
    qtbot.keyClicks(etsy.secret, fake_etsy.shared_secret)
    etsy.connect_button.click()

    qtbot.waitUntil(lambda: status_of(etsy).startswith(f"Connected as {fake_etsy.shop_name}"), timeout=WAIT_MS)
    assert "You can close this tab and return to Reseller Desktop" in browser.landed[-1].text
    assert etsy.disconnect_button.isEnabled()
    assert etsy.secret.text() == ""
    assert app_secret("etsy") == fake_etsy.shared_secret
    on_disk = json.loads(saved_settings(paths))
    assert on_disk["etsy"]["keystring"] == fake_etsy.keystring
    assert on_disk["etsy"]["redirect_port"] == port
    assert fake_etsy.shared_secret not in saved_settings(paths)
    assert KeyringTokenStore(alice.id, "etsy").load() is not None

    etsy.disconnect_button.click()
    qtbot.waitUntil(lambda: status_of(etsy) == "Not connected", timeout=WAIT_MS)
    assert KeyringTokenStore(alice.id, "etsy").load() is None
    assert not etsy.disconnect_button.isEnabled()


def test_ebay_connects_by_pasting_the_accept_page_and_a_slip_can_be_corrected(
    qtbot: QtBot,
    secret_service: None,
    runner: TaskRunner,
    database: Database,
    alice: UserRecord,
    paths: AppPaths,
    fake_ebay: FakeEbay,
) -> None:
    settings = Settings()
    settings.ebay.api_base, settings.ebay.authorize_url = fake_ebay.base_url, fake_ebay.authorize_url
    settings.ebay.client_id, settings.ebay.ru_name = fake_ebay.client_id, fake_ebay.ru_name
    browser = Browser()
    page = make_page(qtbot, runner, database, alice, settings, paths, browser, answers=[False, True])
    ebay = page.groups["ebay"]
    assert ebay.token_address.text() == fake_ebay.token_url
    qtbot.waitUntil(lambda: status_of(ebay).startswith("Not connected"), timeout=WAIT_MS)
    ebay.secret.setText(fake_ebay.client_secret)
    page.save_button.click()
    qtbot.waitUntil(lambda: page.message.text() == "Saved.", timeout=WAIT_MS)
    assert fake_ebay.client_secret not in saved_settings(paths)
    qtbot.waitUntil(lambda: status_of(ebay) == "Not connected", timeout=WAIT_MS)  # keys now complete

    ebay.connect_button.click()
    qtbot.waitUntil(lambda: not ebay.paste_row.isHidden(), timeout=WAIT_MS)
    assert "paste the code below" in ebay.message.text()
    accept_page = str(browser.landed[-1].url)

    ebay.pasted.setText(f"{fake_ebay.accept_url}?isAuthSuccessful=true")  # copied without the code
    ebay.finish_button.click()
    qtbot.waitUntil(lambda: "holds no eBay authorization code" in ebay.message.text(), timeout=WAIT_MS)
    assert not ebay.paste_row.isHidden(), "the same sign-in can still be finished"

    ebay.pasted.setText(accept_page)
    ebay.finish_button.click()
    qtbot.waitUntil(lambda: status_of(ebay).startswith(f"Connected as {fake_ebay.username}"), timeout=WAIT_MS)
    assert ebay.paste_row.isHidden()
    assert "sign-in valid until" in status_of(ebay)

    ebay.disconnect_button.click()  # the seller answers No
    assert status_of(ebay).startswith("Connected as")
    assert KeyringTokenStore(alice.id, "ebay").load() is not None
    ebay.disconnect_button.click()  # and then Yes
    qtbot.waitUntil(lambda: status_of(ebay) == "Not connected", timeout=WAIT_MS)
    assert KeyringTokenStore(alice.id, "ebay").load() is None


def test_an_etsy_sign_in_can_be_cancelled_while_waiting(
    qtbot: QtBot,
    secret_service: None,
    runner: TaskRunner,
    database: Database,
    alice: UserRecord,
    paths: AppPaths,
    fake_etsy: FakeEtsy,
) -> None:
    settings = Settings()
    settings.etsy.authorize_url, settings.etsy.keystring = fake_etsy.authorize_url, fake_etsy.keystring
    settings.etsy.redirect_port = free_port()
    opened: list[str] = []
    page = MarketplacesPage(
        runner, database, alice, settings, paths, opener=lambda url: opened.append(url) is None, confirm=lambda *_: True
    )
    qtbot.addWidget(page)
    etsy = page.groups["etsy"]
    etsy.secret.setText(fake_etsy.shared_secret)
    etsy.connect_button.click()
    qtbot.waitUntil(lambda: etsy.message.text().endswith("Waiting for Etsy…"), timeout=WAIT_MS)
    assert opened and opened[0].startswith(fake_etsy.authorize_url)
    etsy.cancel_button.click()
    assert etsy.cancel_button.isHidden() and etsy.connect_button.isEnabled()
    runner.wait()  # the waiting task ended: the page's cancel let it go
    qtbot.waitUntil(lambda: runner.active == 0, timeout=WAIT_MS)
    assert status_of(etsy) == "Not connected"
    assert etsy.message.text() == "Cancelled.", "the ended wait of a cancelled sign-in is not reported as an error"

    # Closing the page while a sign-in waits lets the waiting worker and the port go too.
    etsy.connect_button.click()
    qtbot.waitUntil(lambda: etsy.message.text().endswith("Waiting for Etsy…"), timeout=WAIT_MS)
    page.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(page), timeout=WAIT_MS)
    assert runner.wait(WAIT_MS), "the worker waiting for Etsy's redirect was not released"
    with socket.socket() as again:
        again.bind(("127.0.0.1", settings.etsy.redirect_port))


def test_without_a_keyring_the_page_says_so_and_does_not_crash(
    qtbot: QtBot, no_keyring: None, runner: TaskRunner, database: Database, alice: UserRecord, paths: AppPaths
) -> None:
    settings = Settings()
    page = make_page(qtbot, runner, database, alice, settings, paths, Browser())
    ebay = page.groups["ebay"]
    qtbot.waitUntil(lambda: status_of(ebay).startswith("Keyring problem"), timeout=WAIT_MS)
    ebay.secret.setText("typed-client-secret")
    ebay.edits["client_id"].setText("My-App-PRD")  # type: ignore[union-attr]
    page.save_button.click()
    qtbot.waitUntil(lambda: "Unlock your keyring" in page.message.text(), timeout=WAIT_MS)
    assert page.save_button.isEnabled()
    # The other fields are kept; the secret goes nowhere but the keyring, which is not there.
    assert json.loads(saved_settings(paths))["ebay"]["client_id"] == "My-App-PRD"
    assert "typed-client-secret" not in saved_settings(paths)
    assert ebay.secret.text() == "typed-client-secret", "not saved: left in the field to save again"
    ebay.connect_button.click()
    qtbot.waitUntil(lambda: "keyring could not be used" in ebay.message.text(), timeout=WAIT_MS)
    assert ebay.connect_button.isEnabled()


def test_the_manual_marketplaces_are_listed_as_handled_by_hand(
    qtbot: QtBot, secret_service: None, runner: TaskRunner, database: Database, alice: UserRecord, paths: AppPaths
) -> None:
    page = make_page(qtbot, runner, database, alice, Settings(), paths, Browser())
    text = page.manual_list.text()
    for name in ("Poshmark", "Mercari", "Depop", "Facebook Marketplace"):
        assert name in text
    assert "Sync view" in text
    assert set(page.groups) == {"ebay", "etsy"}
    qtbot.waitUntil(lambda: runner.active == 0, timeout=WAIT_MS)


def test_a_web_address_typed_wrong_is_named_and_nothing_is_saved(
    qtbot: QtBot, runner: TaskRunner, database: Database, alice: UserRecord, paths: AppPaths
) -> None:
    page = make_page(qtbot, runner, database, alice, Settings(), paths, Browser())
    etsy = page.groups["etsy"]
    etsy.edits["api_base"].setText("openapi.etsy.com")  # type: ignore[union-attr]
    page.save_button.click()
    assert "“openapi.etsy.com” is not a web address" in etsy.message.text()
    assert not paths.settings_file.exists()
    etsy.connect_button.click()  # nor does a sign-in start from it
    assert "is not a web address" in etsy.message.text() and etsy.connect_button.isEnabled()
