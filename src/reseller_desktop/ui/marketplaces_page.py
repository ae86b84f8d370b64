"""Settings › Marketplaces: connect eBay and Etsy, their app keys, addresses and listing defaults,
and the marketplaces handled by hand.

The app secrets go to the keyring, never to settings.json. Every keyring, database and network step
runs on the task runner; what goes wrong is shown in the marketplace's box.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.platforms import API_PLATFORMS, MANUAL_PLATFORMS, label
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.keyring_store import KeyringUnavailableError
from reseller_desktop.platforms.credentials import set_app_secret
from reseller_desktop.services.marketplace_accounts import (
    AccountStatus,
    ConnectAttempt,
    accounts_status,
    begin_connect,
    disconnect,
    finish_connect,
    wait_for_redirect,
)
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.settings import AppPaths, EbaySettings, EtsySettings, Settings
from reseller_desktop.ui.marketplace_group import ERROR_STYLE, MarketplaceGroup
from reseller_desktop.ui.questions import ask
from reseller_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

Opener = Callable[[str], bool]  # opens an address in the browser; False when it could not
Confirm = Callable[[QWidget, str, str], bool]  # (parent, title, question) → the seller agreed


def open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


def _cancel_all(attempts: dict[str, ConnectAttempt]) -> None:
    for attempt in list(attempts.values()):
        attempt.cancel()
    attempts.clear()


class MarketplacesPage(QWidget):
    def __init__(
        self,
        runner: TaskRunner,
        database: Database,
        user: UserRecord,
        settings: Settings,
        paths: AppPaths,
        *,
        opener: Opener = open_in_browser,
        confirm: Confirm = ask,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner, self._database, self._user = runner, database, user
        self.settings, self._paths = settings, paths
        self._open, self._confirm = opener, confirm
        # Sign-ins under way. Etsy's holds a listening port and a worker waiting on it: a page that
        # goes away must let both go (the dict is bound to the handler, not this object, for that).
        self._attempts: dict[str, ConnectAttempt] = {}
        self.destroyed.connect(partial(_cancel_all, self._attempts))

        self.groups: dict[str, MarketplaceGroup] = {}
        body = QWidget()
        column = QVBoxLayout(body)
        for platform in API_PLATFORMS:
            group = MarketplaceGroup(platform, self._section(settings, platform))
            group.connect_requested.connect(self.connect_account)
            group.finish_requested.connect(self.finish_ebay)
            group.cancel_requested.connect(self.cancel_connect)
            group.disconnect_requested.connect(self.disconnect_account)
            self.groups[platform] = group
            column.addWidget(group)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        column.addWidget(self.save_button)
        column.addWidget(self.message)

        manual = QGroupBox("Marketplaces listed by hand")
        manual_layout = QVBoxLayout(manual)
        names = ", ".join(label(platform) for platform in MANUAL_PLATFORMS)
        self.manual_list = QLabel(
            f"{names}: these have no public listing API. Nothing to connect here; you post and delist them by "
            "hand from the Sync view, which prepares the text and photos and keeps the checklist."
        )
        self.manual_list.setWordWrap(True)
        manual_layout.addWidget(self.manual_list)
        column.addWidget(manual)
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.refresh()

    @staticmethod
    def _section(settings: Settings, platform: str) -> EbaySettings | EtsySettings:
        return settings.ebay if platform == "ebay" else settings.etsy

    # ----- status ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        database, user_id, settings = self._database, self._user.id, copy.deepcopy(self.settings)
        self._runner.run(
            lambda: accounts_status(database, user_id, settings),
            on_done=self._show_statuses,
            on_error=self._page_failed,
            label="Checking marketplace accounts",
            owner=self,
        )

    def _show_statuses(self, statuses: list[AccountStatus]) -> None:
        for status in statuses:
            self.groups[status.platform].show_status(status)

    def _page_failed(self, error: BaseException) -> None:
        self._show_page_message(describe_failure(error), error=True)

    def _show_page_message(self, text: str, error: bool) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    # ----- saving ---------------------------------------------------------------------------------------
    def _addresses_ok(self) -> bool:
        """Every typed web address is one; else the group says which is not, and nothing is saved."""
        for group in self.groups.values():
            problem = group.address_problem()
            if problem is not None:
                group.show_message(problem)
                return False
        return True

    def _collect(self) -> tuple[Settings, dict[str, str]]:
        """The fields into the settings; a copy of them and the typed secrets for a worker."""
        typed: dict[str, str] = {}
        for platform, group in self.groups.items():
            group.apply_to(self._section(self.settings, platform))
            if group.secret.text().strip():
                typed[platform] = group.secret.text()
        return copy.deepcopy(self.settings), typed

    def _store(self, snapshot: Settings, typed: dict[str, str]) -> None:
        """Worker side of Save: settings.json first (a locked keyring must not lose the other fields),
        then the secrets to the keyring."""
        snapshot.save(self._paths.settings_file)
        for platform, secret in typed.items():
            set_app_secret(platform, secret)

    def save(self) -> None:
        if not self._addresses_ok():
            return
        snapshot, typed = self._collect()
        self.save_button.setEnabled(False)
        self._runner.run(
            lambda: self._store(snapshot, typed),
            on_done=lambda _: self._saved(typed),
            on_error=self._save_failed,
            label="Saving marketplace settings",
            owner=self,
        )

    def _saved(self, typed: dict[str, str]) -> None:
        self.save_button.setEnabled(True)
        for platform in typed:
            self.groups[platform].secret.clear()
        self._show_page_message("Saved.", error=False)
        self.refresh()

    def _save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._page_failed(error)

    # ----- connecting -------------------------------------------------------------------------------------
    def connect_account(self, platform: str) -> None:
        """Save what was typed (the keys are needed), then open the platform's sign-in in the browser."""
        group = self.groups[platform]
        if not self._addresses_ok():
            return
        self._drop_attempt(platform)
        snapshot, typed = self._collect()
        group.set_busy(True)
        group.show_waiting(False, f"Opening {label(platform)}'s sign-in…")

        def begin() -> ConnectAttempt:
            self._store(snapshot, typed)
            return begin_connect(platform, snapshot)

        self._runner.run(
            begin,
            on_done=lambda attempt: self._begun(attempt, typed),
            on_error=partial(self._connect_failed, platform),
            label=f"Connecting {label(platform)}",
            owner=self,
        )

    def _begun(self, attempt: ConnectAttempt, typed: dict[str, str]) -> None:
        platform = attempt.platform
        group = self.groups[platform]
        for typed_platform in typed:
            self.groups[typed_platform].secret.clear()
        self._attempts[platform] = attempt
        opened = self._open(attempt.authorize_url)
        where = "in your browser" if opened else f"by opening this address in your browser: {attempt.authorize_url}"
        if platform == "ebay":
            group.set_busy(False)
            group.show_waiting(True, f"Sign in to eBay and agree {where}; then paste the code below and click Finish.")
            return
        group.show_waiting(True, f"Sign in to Etsy and allow access {where}. Waiting for Etsy…")
        database, user_id, snapshot = self._database, self._user.id, copy.deepcopy(self.settings)
        self._runner.run(
            lambda: finish_connect(database, user_id, snapshot, attempt, wait_for_redirect(attempt, snapshot)),
            on_done=self._connected,
            on_error=partial(self._attempt_failed, attempt),
            label="Waiting for Etsy's sign-in",
            owner=self,
        )

    def finish_ebay(self, platform: str, pasted: str) -> None:
        attempt = self._attempts.get(platform)
        group = self.groups[platform]
        if attempt is None:
            group.show_message("Click Connect first, then paste the code eBay shows.")
            return
        group.set_busy(True)
        group.show_message("Finishing…", error=False)
        database, user_id, snapshot = self._database, self._user.id, copy.deepcopy(self.settings)
        self._runner.run(
            lambda: finish_connect(database, user_id, snapshot, attempt, pasted),
            on_done=self._connected,
            on_error=partial(self._attempt_failed, attempt),
            label="Connecting eBay",
            owner=self,
        )

    def cancel_connect(self, platform: str) -> None:
        self._drop_attempt(platform)
        group = self.groups[platform]
        group.set_busy(False)
        group.show_waiting(False, "Cancelled.")

    def _drop_attempt(self, platform: str) -> None:
        attempt = self._attempts.pop(platform, None)
        if attempt is not None:
            attempt.cancel()

    def _connected(self, status: AccountStatus) -> None:
        self._attempts.pop(status.platform, None)
        group = self.groups[status.platform]
        group.set_busy(False)
        group.show_waiting(False)
        group.show_status(status)

    def _attempt_failed(self, attempt: ConnectAttempt, error: BaseException) -> None:
        if self._attempts.get(attempt.platform) is not attempt:
            return  # cancelled, and maybe a new sign-in started meanwhile: this one's end is not news
        group = self.groups[attempt.platform]
        if attempt.platform == "ebay" and not isinstance(error, KeyringUnavailableError):
            # A refused paste may be a copying slip: the same sign-in can be finished again.
            group.set_busy(False)
            group.show_message(describe_failure(error))
            return
        self._connect_failed(attempt.platform, error)

    def _connect_failed(self, platform: str, error: BaseException) -> None:
        group = self.groups[platform]
        group.set_busy(False)
        self._drop_attempt(platform)
        group.show_waiting(False)
        group.show_message(describe_failure(error))

    # ----- disconnecting ----------------------------------------------------------------------------------
    def disconnect_account(self, platform: str) -> None:
        question = (
            f"Disconnect {label(platform)}? Reseller Desktop forgets the sign-in on this computer and stops "
            f"syncing with {label(platform)} until you connect again. Your listings there stay as they are."
        )
        if not self._confirm(self, f"Disconnect {label(platform)}", question):
            return
        group = self.groups[platform]
        group.set_busy(True)
        database, user_id = self._database, self._user.id
        self._runner.run(
            lambda: disconnect(database, user_id, platform),
            on_done=lambda _: self._disconnected(platform),
            on_error=partial(self._connect_failed, platform),
            label=f"Disconnecting {label(platform)}",
            owner=self,
        )

    def _disconnected(self, platform: str) -> None:
        group = self.groups[platform]
        group.set_busy(False)
        group.show_message("Disconnected.", error=False)
        self.refresh()
