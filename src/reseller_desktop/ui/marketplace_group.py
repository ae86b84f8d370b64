"""One marketplace's box on the Marketplaces page: its connection status, app keys, addresses and
listing defaults, and the Connect / Finish / Disconnect buttons. Plain widgets: the page does the work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.platforms import label
from reseller_desktop.services.marketplace_accounts import AccountStatus
from reseller_desktop.settings import EbaySettings, EtsySettings

ERROR_STYLE = "color: #b00020"
# Etsy's enumerations (Open API v3, createDraftListing).
WHO_MADE = ("i_did", "someone_else", "collective")
WHEN_MADE = (
    "made_to_order", "2020_2025", "2010_2019", "2006_2009", "before_2006", "2000_2005", "1990s", "1980s",
    "1970s", "1960s", "1950s", "1940s", "1930s", "1920s", "1910s", "1900s", "1800s", "1700s", "before_1700",
)  # fmt: skip


ADDRESS_FIELDS = ("api_base", "authorize_url", "token_url")


@dataclass(frozen=True)
class Field:
    name: str  # the attribute of EbaySettings / EtsySettings
    label: str
    choices: tuple[str, ...] = ()  # a combo box, editable so a value Etsy adds later can be typed


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


EBAY_SECTIONS = (
    Section("App keys", (Field("client_id", "Client ID (App ID)"), Field("ru_name", "RuName (redirect name)"))),
    Section(
        "Addresses (change for the sandbox)",
        (Field("api_base", "API address"), Field("authorize_url", "Sign-in address")),
    ),
    Section(
        "Listing defaults",
        (
            Field("marketplace_id", "Marketplace"),
            Field("merchant_location_key", "Merchant location key"),
            Field("fulfillment_policy_id", "Fulfillment (shipping) policy ID"),
            Field("payment_policy_id", "Payment policy ID"),
            Field("return_policy_id", "Return policy ID"),
            Field("category_id", "Default category ID"),
        ),
    ),
)
ETSY_SECTIONS = (
    Section("App keys", (Field("keystring", "Keystring (API key)"), Field("redirect_port", "Redirect port"))),
    Section(
        "Addresses (change for a test shop)",
        (
            Field("api_base", "API address"),
            Field("authorize_url", "Sign-in address"),
            Field("token_url", "Token address"),
        ),
    ),
    Section(
        "Listing defaults",
        (
            Field("shipping_profile_id", "Shipping profile ID"),
            Field("taxonomy_id", "Default taxonomy ID"),
            Field("who_made", "Who made it", WHO_MADE),
            Field("when_made", "When it was made", WHEN_MADE),
        ),
    ),
)
SECRET_LABELS = {"ebay": "Client secret (Cert ID)", "etsy": "Shared secret"}
HOW_TO = {
    "ebay": "eBay shows a code after you agree; paste it, or the whole address of that page, below.",
    "etsy": "Register http://localhost:{port}/callback as your Etsy app's callback URL.",
}


class MarketplaceGroup(QGroupBox):
    connect_requested = Signal(str)  # platform
    finish_requested = Signal(str, str)  # platform, the pasted code or accept-page address
    cancel_requested = Signal(str)
    disconnect_requested = Signal(str)

    def __init__(self, platform: str, values: EbaySettings | EtsySettings, parent: QWidget | None = None) -> None:
        super().__init__(label(platform), parent)
        self.platform = platform
        self.edits: dict[str, QLineEdit | QSpinBox | QComboBox] = {}
        self.status = QLabel("Checking…")
        self.status.setObjectName("status")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        # Selectable: the sign-in address is shown here when no browser could be opened.
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.connect_button = QPushButton("Connect…")
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setEnabled(False)
        self._can_disconnect = False
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.pasted = QLineEdit()
        self.pasted.setPlaceholderText("the code, or the whole address of eBay's page after you agreed")
        self.finish_button = QPushButton("Finish")
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("unchanged when left empty")
        self.how_to = QLabel("")
        self.how_to.setWordWrap(True)
        self.token_address = QLabel("")  # eBay's follows from the API address: shown to check a sandbox setup
        self.paste_row = QWidget()
        self.paste_row.hide()

        self.connect_button.clicked.connect(lambda: self.connect_requested.emit(platform))
        self.disconnect_button.clicked.connect(lambda: self.disconnect_requested.emit(platform))
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(platform))
        self.finish_button.clicked.connect(self._finish)
        self.pasted.returnPressed.connect(self._finish)
        self._lay_out(values)
        self.load_from(values)

    def _lay_out(self, values: EbaySettings | EtsySettings) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        for button in (self.connect_button, self.cancel_button, self.disconnect_button):
            top.addWidget(button)
        layout.addLayout(top)
        paste = QHBoxLayout(self.paste_row)
        paste.setContentsMargins(0, 0, 0, 0)
        paste.addWidget(self.pasted, 1)
        paste.addWidget(self.finish_button)
        layout.addWidget(self.paste_row)
        layout.addWidget(self.message)
        platform = self.platform
        for index, section in enumerate(EBAY_SECTIONS if platform == "ebay" else ETSY_SECTIONS):
            form = QFormLayout()
            layout.addWidget(QLabel(f"<b>{section.title}</b>"))
            for spec in section.fields:
                form.addRow(spec.label, self._edit_for(spec, getattr(values, spec.name)))
            if index == 0:
                form.addRow(SECRET_LABELS[platform], self.secret)
                form.addRow(self.how_to)
            if index == 1 and platform == "ebay":
                form.addRow("Token address", self.token_address)
                api_base = self.edits["api_base"]
                assert isinstance(api_base, QLineEdit)
                api_base.textChanged.connect(self._update_token_address)
            layout.addLayout(form)

    def _edit_for(self, spec: Field, value: Any) -> QWidget:
        edit: QLineEdit | QSpinBox | QComboBox
        if isinstance(value, int):
            edit = QSpinBox()
            edit.setRange(1024, 65535)
            edit.valueChanged.connect(self._update_how_to)
        elif spec.choices:
            edit = QComboBox()
            edit.setEditable(True)
            edit.addItems(list(spec.choices))
        else:
            edit = QLineEdit()
        self.edits[spec.name] = edit
        return edit

    # ----- values ---------------------------------------------------------------------------------------
    def load_from(self, values: EbaySettings | EtsySettings) -> None:
        for name, edit in self.edits.items():
            value = getattr(values, name)
            if isinstance(edit, QSpinBox):
                edit.setValue(int(value))
            elif isinstance(edit, QComboBox):
                edit.setCurrentText(str(value))
            else:
                edit.setText(str(value))
        self._update_how_to()

    def address_problem(self) -> str | None:
        """What is wrong with a typed web address (API, sign-in, token), or None."""
        for name in ADDRESS_FIELDS:
            edit = self.edits.get(name)
            if not isinstance(edit, QLineEdit):
                continue
            parts = urlsplit(edit.text().strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return (
                    f"“{edit.text().strip()}” is not a web address. Write it in full, like "
                    "https://api.ebay.com (the sandbox and test-shop addresses are in their docs)."
                )
        return None

    def apply_to(self, values: EbaySettings | EtsySettings) -> None:
        """Copy the fields into the settings section (not the secret: that goes to the keyring)."""
        for name, edit in self.edits.items():
            if isinstance(edit, QSpinBox):
                setattr(values, name, edit.value())
            elif isinstance(edit, QComboBox):
                setattr(values, name, edit.currentText().strip())
            else:
                setattr(values, name, edit.text().strip())

    def _update_how_to(self) -> None:
        port_edit = self.edits.get("redirect_port")
        port = port_edit.value() if isinstance(port_edit, QSpinBox) else 0
        self.how_to.setText(HOW_TO[self.platform].format(port=port))

    def _update_token_address(self, api_base: str) -> None:
        self.token_address.setText(f"{api_base.strip().rstrip('/')}/identity/v1/oauth2/token")

    def _finish(self) -> None:
        if self.pasted.text().strip():
            self.finish_requested.emit(self.platform, self.pasted.text())

    # ----- state ----------------------------------------------------------------------------------------
    def show_status(self, status: AccountStatus) -> None:
        if status.problem:
            self.status.setText(f"Keyring problem: {status.problem}")
        elif status.connected:
            until = f" (sign-in valid until {status.refresh_expires_at:%Y-%m-%d})" if status.refresh_expires_at else ""
            self.status.setText(f"Connected as {status.username or 'an unnamed account'}{until}")
        elif not status.app_keys_set:
            self.status.setText("Not connected. Enter your app keys below, save, then connect.")
        else:
            self.status.setText("Not connected")
        self._can_disconnect = status.connected or status.username is not None
        self.disconnect_button.setEnabled(self._can_disconnect and self.connect_button.isEnabled())

    def show_message(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def set_busy(self, busy: bool) -> None:
        self.connect_button.setEnabled(not busy)
        self.finish_button.setEnabled(not busy)
        self.disconnect_button.setEnabled(not busy and self._can_disconnect)

    def show_waiting(self, waiting: bool, text: str = "") -> None:
        """Between Connect and the code: eBay shows the paste row, Etsy a Cancel button."""
        self.paste_row.setVisible(waiting and self.platform == "ebay")
        self.cancel_button.setVisible(waiting)
        if not waiting:
            self.pasted.clear()
        self.show_message(text, error=False)
