"""Sign in to a shared database as an existing account (email, and password when it has one)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.accounts import sign_in
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.tasks import TaskRunner


class SignInDialog(QDialog):
    signed_in = Signal(object, str, bool)  # UserRecord, password, remember

    def __init__(self, runner: TaskRunner, database: Database, email: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in")
        self._runner = runner
        self._database = database
        self.email = QLineEdit(email)
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember me on this computer (password kept in the system keyring)")
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Sign in to {database.target.description} with your web account."))
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow(self.remember)
        form.addRow(self.error)
        form.addRow(self.buttons)

    def submit(self) -> None:
        email, password = self.email.text(), self.password.text()
        self.buttons.setEnabled(False)
        self.error.setText("Signing in…")
        database = self._database
        self._runner.run(
            lambda: sign_in(database, email, password or None),
            on_done=self._signed_in,
            on_error=self._failed,
            label="Signing in",
        )

    def _signed_in(self, user: UserRecord) -> None:
        self.signed_in.emit(user, self.password.text(), self.remember.isChecked())
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(describe_failure(error))
